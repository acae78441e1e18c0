"""A Soroban escrow workload on the real host (the harness) that emits every event the escrow
projection folds: creations, fundings by two funders, a payee assigned, releases by the payer and
by a payout intent, disputes resolved and expired, a refund after the deadline, a cancel, refund
claims, a fee deferred (a treasury without an account) and withdrawn. In two phases, so that an
index can stop between them."""

from __future__ import annotations

from tests.soroban.conftest import DAY, UNIT, Deployment, keypair

UNFUNDED_TREASURY = keypair("treasury without an account")


def phase_one(d: Deployment) -> dict[str, int]:
    """Escrows: ``paid`` (released by the payer, by an intent, then a dispute resolved 60/40),
    ``cancelled`` (two funders, cancelled, both refunded), ``disputed`` (a dispute left open),
    ``fees`` (its treasury cannot receive: the fee is owed), ``open`` (no payee, half funded)."""
    e, c = d.escrow, d.contributor.public_key
    paid = d.create(payee=c)
    e.release(paid, 0, signer=d.maintainer)
    intent = d.intent(paid, 1)
    e.release_with_intent(intent, d.sign(intent), source=d.relayer)
    e.dispute(paid, 2, signer=d.contributor)
    e.resolve(paid, 2, 6_000, signer=d.arbiter)

    cancelled = d.create(funding=0)
    e.fund(cancelled, 400 * UNIT, signer=d.funder)
    e.fund(cancelled, 600 * UNIT, signer=d.maintainer)
    e.cancel(cancelled, signer=d.maintainer)
    e.claim_refund(cancelled, d.funder, source=d.relayer)
    e.claim_refund(cancelled, d.maintainer, source=d.relayer)

    disputed = d.create(payee=c)
    e.dispute(disputed, 1, signer=d.maintainer)

    e.set_treasury(UNFUNDED_TREASURY.public_key, signer=d.admin)
    fees = d.create(payee=c)
    e.release(fees, 0, signer=d.maintainer)  # fee_deferred: the treasury has no account
    e.set_treasury(d.treasury.public_key, signer=d.admin)

    opened = d.create(funding=500 * UNIT)
    return {"paid": paid, "cancelled": cancelled, "disputed": disputed, "fees": fees, "open": opened}


def phase_two(d: Deployment, ids: dict[str, int]) -> None:
    """The open dispute expires, the deadline passes and ``disputed`` is refunded and claimed;
    ``open`` gets its payee and the rest of its funding; the deferred fee is withdrawn."""
    e = d.escrow
    e.assign_payee(ids["open"], d.contributor.public_key, signer=d.maintainer)
    e.fund(ids["open"], 500 * UNIT, signer=d.funder)
    d.host.advance_ledger(ledgers=3, seconds=8 * DAY)
    e.expire_dispute(ids["disputed"], 1, source=d.relayer)
    d.host.advance_ledger(ledgers=3, seconds=7 * DAY)
    e.refund(ids["disputed"], source=d.relayer)
    e.claim_refund(ids["disputed"], d.maintainer, source=d.relayer)
    d.host.create_account(UNFUNDED_TREASURY)  # now it can receive
    e.withdraw_fees(d.token, signer=UNFUNDED_TREASURY)
