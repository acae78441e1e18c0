"""The escrow lifecycle through SorobanEscrow on the local host, every write signed.

Each write is simulated, its auth entries are signed by the role's own key and submitted in
enforcing mode: the real host checks the signatures, nonces, expiry and invocation trees. No
request ever uses the harness's recording ("record") mode.
"""

from __future__ import annotations

from typing import Any

import pytest
from quiltkit.escrow import IntentState, IntentStatus, MilestoneState
from quiltkit.soroban import EscrowStatus, SorobanEscrowInfo
from quiltkit.soroban import errors as soroban_errors
from quiltkit.soroban.models import UPGRADE_DELAY
from stellar_sdk import xdr

from tests.soroban.conftest import DAY, FEE_BPS, UNIT, Deployment, RecordingHost, keypair


def signed_invokes(host: RecordingHost) -> list[dict[str, Any]]:
    """Every `invoke` sent; asserts none used recording mode and every address entry is signed."""
    invokes = [params for method, params in host.sent if method == "invoke"]
    for params in invokes:
        assert "auth" not in params, "a write used the harness's recording mode"
        assert "auth_entries" in params
        for raw in params["auth_entries"]:
            entry = xdr.SorobanAuthorizationEntry.from_xdr(raw)
            assert entry.credentials.type == xdr.SorobanCredentialsType.SOROBAN_CREDENTIALS_ADDRESS_V2
            creds = entry.credentials.address_v2
            assert creds.signature.type == xdr.SCValType.SCV_VEC
            assert len(creds.signature.vec.sc_vec) == 1  # one {public_key, signature} of the account's key
            assert creds.signature_expiration_ledger.uint32 > 100
    return invokes


def entries_of(params: dict[str, Any]) -> list[xdr.SorobanAuthorizationEntry]:
    return [xdr.SorobanAuthorizationEntry.from_xdr(e) for e in params["auth_entries"]]


def test_bounty_lifecycle_with_signed_auth(chain: Deployment) -> None:
    e, host = chain.escrow, chain.host
    before = {r: chain.balance(chain.roles[r]) for r in ("maintainer", "funder", "contributor", "treasury")}
    terms = chain.terms(metadata="0x" + "ab" * 32)
    created = e.create(terms, signer=chain.maintainer)
    eid = created.escrow_id
    assert eid == 0 and e.escrow_count() == 1
    assert created.tx.event("escrow_created").args["payer"] == chain.maintainer.public_key

    funded = e.fund(eid, 600 * UNIT, signer=chain.maintainer)
    assert funded.event("escrow_funded").args == {
        "escrow_id": eid,
        "funder": chain.maintainer.public_key,
        "amount": 600 * UNIT,
        "funder_share": 600 * UNIT,
        "funded": 600 * UNIT,
    }
    assert funded.event("transfer", contract=chain.token).args["amount"] == 600 * UNIT
    e.fund(eid, 400 * UNIT, signer=chain.funder)
    assert e.share_of(eid, chain.funder.public_key) == 400 * UNIT
    assert chain.balance(e.contract_id) == 1_000 * UNIT

    e.assign_payee(eid, chain.contributor.public_key, signer=chain.maintainer)
    info = e.get_escrow(eid)
    assert isinstance(info, SorobanEscrowInfo)
    assert (info.payee, info.status, info.funded, info.held) == (
        chain.contributor.public_key,
        EscrowStatus.ACTIVE,
        1_000 * UNIT,
        1_000 * UNIT,
    )
    assert info.verifiers == [v.public_key for v in chain.verifiers]
    assert info.metadata == "0x" + "ab" * 32
    assert [m.funded for m in info.milestones] == [True, True, True]

    intent = chain.intent(eid, 0)
    assert e.intent_hash(intent) == e.digest(intent)
    paid = e.release_with_intent(intent, chain.sign(intent, chain.v1, chain.v3), source=chain.relayer)
    assert [ev.name for ev in paid.events if ev.contract == e.contract_id] == ["milestone_released", "intent_executed"]
    executed = paid.event("intent_executed").args
    assert executed["intent_id"] == intent.intent_id
    assert executed["evidence_hash"] == intent.evidence_hash
    assert executed["digest"] == "0x" + e.digest(intent).hex()
    assert e.intent_status(intent) == IntentState(status=IntentStatus.PAID, milestone_state=MilestoneState.RELEASED)
    assert e.get_milestone(eid, 0).paid_by == intent.intent_id

    e.dispute(eid, 1, signer=chain.maintainer)
    assert e.get_milestone(eid, 1).state == MilestoneState.DISPUTED
    resolved = e.resolve(eid, 1, 6_000, signer=chain.arbiter).event("dispute_resolved").args
    assert (resolved["payee_amount"], resolved["fee"], resolved["funders_amount"]) == (300 * UNIT, 3 * UNIT, 200 * UNIT)

    with pytest.raises(soroban_errors.EscrowDeadlineNotReached):
        e.refund(eid)
    host.advance_ledger(ledgers=10, seconds=15 * DAY)
    refunded = e.refund(eid, source=chain.relayer).event("escrow_refunded").args
    assert (refunded["amount"], refunded["refundable"]) == (200 * UNIT, 400 * UNIT)
    assert e.claimable(eid, chain.maintainer.public_key) == 240 * UNIT
    assert e.claim_refund(eid, chain.maintainer.public_key).result == 240 * UNIT
    assert e.claim_refund(eid, chain.funder.public_key, source=chain.relayer).result == 160 * UNIT
    assert e.claimed_of(eid, chain.funder.public_key) == 160 * UNIT
    assert e.claimable(eid, chain.funder.public_key) == 0

    after = {r: chain.balance(chain.roles[r]) for r in before}
    assert {r: after[r] - before[r] for r in before} == {
        "maintainer": -360 * UNIT,
        "funder": -240 * UNIT,
        "contributor": 594 * UNIT,
        "treasury": 6 * UNIT,
    }
    final = e.get_escrow(eid)
    assert final.status == EscrowStatus.REFUNDING
    assert [m.state for m in final.milestones] == [
        MilestoneState.RELEASED,
        MilestoneState.RESOLVED,
        MilestoneState.REFUNDED,
    ]
    assert final.held == 0 and chain.balance(e.contract_id) == 0

    invokes = signed_invokes(host)
    by_function = {
        xdr.InvokeContractArgs.from_xdr(p["invoke_args"]).function_name.sc_symbol.decode(): p for p in invokes
    }
    # fund: one entry, the funder's, covering the nested SAC transfer too
    (fund_entry,) = entries_of(by_function["fund"])
    assert len(fund_entry.root_invocation.sub_invocations) == 1
    # resolve: signed by the arbiter; release_with_intent / refund / claim_refund need no auth at all
    assert len(entries_of(by_function["resolve"])) == 1
    for free in ("release_with_intent", "refund", "claim_refund"):
        assert entries_of(by_function[free]) == []


def test_release_by_payer_pays_net_and_fee(chain: Deployment) -> None:
    eid = chain.create(payee=chain.contributor.public_key)
    released = chain.escrow.release(eid, 2, signer=chain.maintainer).event("milestone_released").args
    assert (released["amount"], released["fee"], released["net"]) == (200 * UNIT, 2 * UNIT, 198 * UNIT)
    assert chain.balance(chain.contributor) == 198 * UNIT
    assert chain.balance(chain.treasury) == 2 * UNIT
    assert chain.escrow.get_milestone(eid, 2).state == MilestoneState.RELEASED
    signed_invokes(chain.host)


def test_open_bounty_intent_assigns_payee(chain: Deployment) -> None:
    eid = chain.create()
    intent = chain.intent(eid, 1)
    paid = chain.escrow.release_with_intent(intent, chain.sign(intent, chain.v2, chain.v3))
    assert [ev.name for ev in paid.events if ev.contract == chain.escrow.contract_id] == [
        "payee_assigned",
        "milestone_released",
        "intent_executed",
    ]
    assert chain.escrow.get_escrow(eid).payee == chain.contributor.public_key


def test_cancel_then_claims_pro_rata(chain: Deployment) -> None:
    eid = chain.create(funding=300 * UNIT)
    chain.escrow.fund(eid, 100 * UNIT, signer=chain.funder)
    cancelled = chain.escrow.cancel(eid, signer=chain.maintainer).event("escrow_cancelled").args
    assert cancelled == {"escrow_id": eid, "amount": 400 * UNIT, "refundable": 400 * UNIT}
    info = chain.escrow.get_escrow(eid)
    assert info.status == EscrowStatus.CANCELLED
    assert {m.state for m in info.milestones} == {MilestoneState.REFUNDED}
    before = chain.balance(chain.funder)
    claim = chain.escrow.claim_refund(eid, chain.funder.public_key)
    assert claim.result == 100 * UNIT
    assert claim.event("refund_claimed").args["claimed"] == 100 * UNIT
    assert chain.balance(chain.funder) - before == 100 * UNIT
    signed_invokes(chain.host)


def test_admin_fee_treasury_guardian_pause_and_admin_transfer(chain: Deployment) -> None:
    e = chain.escrow
    assert e.config().fee_bps == FEE_BPS
    updated = e.set_fee(250, signer=chain.admin).event("fee_updated").args
    assert updated == {"old_fee_bps": FEE_BPS, "new_fee_bps": 250}
    e.set_treasury(chain.relayer.public_key, signer=chain.admin)
    eid = chain.create(payee=chain.contributor.public_key)
    info = e.get_escrow(eid)
    assert (info.fee_bps, info.treasury) == (250, chain.relayer.public_key)

    e.set_guardian(chain.stranger.public_key, signer=chain.admin)
    assert e.config().guardian == chain.stranger.public_key
    e.pause(signer=chain.stranger)
    assert e.config().paused
    with pytest.raises(soroban_errors.EnforcedPause):
        e.create(chain.terms(), signer=chain.maintainer)
    # Exits keep working while paused.
    e.release(eid, 0, signer=chain.maintainer)
    e.unpause(signer=chain.admin)
    e.set_guardian(None, signer=chain.admin)
    assert e.config().guardian is None

    new_admin = keypair("new admin")
    chain.host.create_account(new_admin)
    e.propose_admin(new_admin.public_key, signer=chain.admin)
    assert e.pending_admin() == new_admin.public_key
    changed = e.accept_admin(signer=new_admin).event("admin_changed").args
    assert changed == {"admin": new_admin.public_key, "previous_admin": chain.admin.public_key}
    assert e.config().admin == new_admin.public_key and e.pending_admin() is None
    e.set_fee(0, signer=new_admin)
    signed_invokes(chain.host)


def test_events_log_rebuilds_the_escrow(chain: Deployment) -> None:
    eid = chain.create(payee=chain.contributor.public_key)
    chain.escrow.release(eid, 0, signer=chain.maintainer)
    events, cursor = chain.host.events(contract=chain.escrow.contract_id)
    names = [ev.name for ev in events]
    assert names == ["initialized", "escrow_created", "escrow_funded", "milestone_released"]
    assert all(ev.index is not None for ev in events) and cursor >= len(events)
    assert chain.host.events(cursor=cursor)[0] == []


def test_upgrade_to_missing_wasm_is_a_host_error(chain: Deployment) -> None:
    chain.escrow.propose_upgrade("0x" + "77" * 32, signer=chain.admin)
    chain.host.advance_ledger(ledgers=1, seconds=UPGRADE_DELAY)
    with pytest.raises(soroban_errors.SorobanHostError) as caught:
        chain.escrow.upgrade("0x" + "77" * 32, signer=chain.admin)
    assert (caught.value.error_type, caught.value.error_code) == ("Storage", "MissingValue")


def test_unresolved_dispute_goes_back_to_funders_after_the_window(chain: Deployment) -> None:
    eid = chain.create(payee=chain.contributor.public_key)
    tx = chain.escrow.dispute(eid, 1, signer=chain.contributor)
    window = chain.escrow.get_escrow(eid).resolution_window
    disputed_at = chain.escrow.get_milestone(eid, 1).disputed_at
    assert tx.event("milestone_disputed").args["resolve_by"] == disputed_at + window
    chain.host.set_ledger(timestamp=disputed_at + window + 1)
    tx = chain.escrow.expire_dispute(eid, 1, source=chain.stranger)
    assert tx.event("dispute_expired").args["amount"] == 500 * UNIT
    assert chain.escrow.get_milestone(eid, 1).state == MilestoneState.REFUNDED


def test_fee_is_owed_when_the_treasury_cannot_receive(chain: Deployment) -> None:
    unfunded = keypair("treasury without an account")
    chain.escrow.set_treasury(unfunded.public_key, signer=chain.admin)
    eid = chain.create(payee=chain.contributor.public_key)
    tx = chain.escrow.release(eid, 0, signer=chain.maintainer)
    fee = 300 * UNIT * FEE_BPS // 10_000
    assert tx.event("fee_deferred").args["amount"] == fee
    assert chain.balance(chain.contributor) == 300 * UNIT - fee
    assert chain.escrow.fees_owed(unfunded.public_key, chain.token) == fee
    chain.host.create_account(unfunded)  # now it has an account and a trustline
    chain.escrow.withdraw_fees(chain.token, signer=unfunded)
    assert chain.balance(unfunded) == fee
    assert chain.escrow.fees_owed(unfunded.public_key, chain.token) == 0


def test_a_front_run_funding_makes_an_exact_fund_keep_less_not_fail(chain: Deployment) -> None:
    """Review finding 4 on Soroban: one unit funded first used to make the payer's exact-remaining
    `fund` fail (AmountExceedsTotal). The payer's signed transfer of the whole amount still
    matches its authorization tree; the escrow keeps what remains and sends the rest back."""
    eid = chain.create(funding=0)
    total = chain.escrow.get_escrow(eid).total
    maintainer_before = chain.balance(chain.maintainer)
    chain.escrow.fund(eid, 1, signer=chain.funder)  # the front-run
    funded = chain.escrow.fund(eid, total, signer=chain.maintainer)
    assert funded.event("escrow_funded").args["amount"] == total - 1
    assert chain.balance(chain.maintainer) == maintainer_before - (total - 1)
    info = chain.escrow.get_escrow(eid)
    assert info.funded == info.total == total
    assert chain.balance(chain.escrow.contract_id) >= total
    with pytest.raises(soroban_errors.EscrowFullyFunded):
        chain.escrow.fund(eid, 1, signer=chain.funder)
