"""Bad input raises InvalidInput / InvalidAddress / InsufficientBalance before anything is sent:
no invocation, and not even a simulation of the write (reads the check needs are allowed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from quiltkit import intents
from quiltkit.exceptions import InsufficientBalance, InvalidAddress, InvalidInput
from quiltkit.soroban import SorobanEscrow
from quiltkit.soroban.errors import EscrowFullyFunded
from stellar_sdk import Keypair, xdr

from tests.soroban.conftest import DAY, UNIT, Deployment

Action = Callable[[], Any]
"""Each scenario does its set-up (real, successful writes) and returns the call that must fail."""

WRITES = {
    "create",
    "fund",
    "assign_payee",
    "release",
    "release_with_intent",
    "dispute",
    "resolve",
    "set_fee",
    "set_treasury",
    "pause",
}


def _writes_sent(sent: list[tuple[str, dict[str, Any]]]) -> list[str]:
    out = []
    for method, params in sent:
        if method == "invoke":
            out.append("invoke")
        if method == "simulate":
            name = xdr.InvokeContractArgs.from_xdr(params["invoke_args"]).function_name.sc_symbol.decode()
            if name in WRITES:
                out.append(f"simulate {name}")
    return out


def bad_token(c: Deployment) -> Action:
    return lambda: c.escrow.create(dict(c.terms().model_dump(), token=c.maintainer.public_key), signer=c.maintainer)


def zero_amount(c: Deployment) -> Action:
    return lambda: c.escrow.create(dict(c.terms().model_dump(), amounts=[0]), signer=c.maintainer)


def too_many_milestones(c: Deployment) -> Action:
    return lambda: c.escrow.create(dict(c.terms().model_dump(), amounts=[1] * 65), signer=c.maintainer)


def total_above_i64(c: Deployment) -> Action:
    return lambda: c.escrow.create(dict(c.terms().model_dump(), amounts=[2**62, 2**62]), signer=c.maintainer)


def duplicate_verifiers(c: Deployment) -> Action:
    keys = [c.v1.public_key, c.v1.public_key]
    return lambda: c.escrow.create(dict(c.terms().model_dump(), verifiers=keys, threshold=1), signer=c.maintainer)


def threshold_above_verifiers(c: Deployment) -> Action:
    return lambda: c.escrow.create(dict(c.terms().model_dump(), threshold=4), signer=c.maintainer)


def bad_verifier_key(c: Deployment) -> Action:
    return lambda: c.escrow.create(dict(c.terms().model_dump(), verifiers=["0x1234"], threshold=1), signer=c.maintainer)


def deadline_in_past(c: Deployment) -> Action:
    return lambda: c.escrow.create(c.terms(deadline=c.now()), signer=c.maintainer)


def signer_without_secret(c: Deployment) -> Action:
    public_only = Keypair.from_public_key(c.maintainer.public_key)
    return lambda: c.escrow.create(c.terms(), signer=public_only)


def signer_not_a_keypair(c: Deployment) -> Action:
    return lambda: c.escrow.create(c.terms(), signer=c.maintainer.secret)  # type: ignore[arg-type]


def fund_zero(c: Deployment) -> Action:
    eid = c.create(funding=0)
    return lambda: c.escrow.fund(eid, 0, signer=c.funder)


def fund_fully_funded(c: Deployment) -> Action:
    eid = c.create()  # fully funded
    return lambda: c.escrow.fund(eid, UNIT, signer=c.funder)


def fund_more_than_balance(c: Deployment) -> Action:
    eid = c.create(funding=0, amounts=[20_000 * UNIT])
    return lambda: c.escrow.fund(eid, 10_001 * UNIT, signer=c.funder)


def fund_cancelled(c: Deployment) -> Action:
    eid = c.create(funding=0)
    c.escrow.cancel(eid, signer=c.maintainer)
    return lambda: c.escrow.fund(eid, UNIT, signer=c.funder)


def fund_negative_escrow_id(c: Deployment) -> Action:
    return lambda: c.escrow.fund(-1, UNIT, signer=c.funder)


def release_out_of_range(c: Deployment) -> Action:
    eid = c.create(payee=c.contributor.public_key)
    return lambda: c.escrow.release(eid, 3, signer=c.maintainer)


def dispute_out_of_range(c: Deployment) -> Action:
    eid = c.create(payee=c.contributor.public_key)
    return lambda: c.escrow.dispute(eid, 9, signer=c.maintainer)


def resolve_bps_too_high(c: Deployment) -> Action:
    eid = c.create(payee=c.contributor.public_key)
    return lambda: c.escrow.resolve(eid, 0, 10_001, signer=c.arbiter)


def assign_bad_payee(c: Deployment) -> Action:
    eid = c.create()
    return lambda: c.escrow.assign_payee(eid, "0x" + "11" * 20, signer=c.maintainer)


def set_fee_too_high(c: Deployment) -> Action:
    return lambda: c.escrow.set_fee(1_001, signer=c.admin)


def set_bad_treasury(c: Deployment) -> Action:
    return lambda: c.escrow.set_treasury("GNOTAKEY", signer=c.admin)


def intent_with_evm_addresses(c: Deployment) -> Action:
    intent = intents.PayoutIntent(
        escrow_id=c.create(),
        milestone=0,
        payee="0x" + "22" * 20,
        amount=300 * UNIT,
        token="0x" + "33" * 20,
        intent_id=intents.new_intent_id(),
        deadline=c.now() + DAY,
        evidence_hash="0x" + "55" * 32,
    )
    return lambda: c.escrow.release_with_intent(intent, [])


def intent_milestone_out_of_range(c: Deployment) -> Action:
    eid = c.create()
    intent = c.intent(eid, 2).model_copy(update={"milestone": 3})
    return lambda: c.escrow.release_with_intent(intent, c.sign(intent))


def intent_signer_not_verifier(c: Deployment) -> Action:
    eid = c.create()
    intent = c.intent(eid)
    return lambda: c.escrow.release_with_intent(intent, c.sign(intent, c.v1, c.stranger))


def intent_same_verifier_twice(c: Deployment) -> Action:
    eid = c.create()
    intent = c.intent(eid)
    return lambda: c.escrow.release_with_intent(intent, c.sign(intent, c.v1, c.v1))


def intent_signature_over_other_intent(c: Deployment) -> Action:
    eid = c.create()
    intent = c.intent(eid)
    other = c.intent(eid, 1)
    (k1, _), (k2, s2) = c.sign(intent)
    (_, wrong), _ = c.sign(other)
    return lambda: c.escrow.release_with_intent(intent, [(k1, wrong), (k2, s2)])


def intent_too_few_signatures(c: Deployment) -> Action:
    eid = c.create()
    intent = c.intent(eid)
    return lambda: c.escrow.release_with_intent(intent, c.sign(intent, c.v2))


def intent_short_signature(c: Deployment) -> Action:
    eid = c.create()
    intent = c.intent(eid)
    return lambda: c.escrow.release_with_intent(intent, [(c.v1.public_key, b"\x00" * 63)])


def arbiter_is_payee(c: Deployment) -> Action:
    who = c.contributor.public_key
    return lambda: c.escrow.create(dict(c.terms().model_dump(), payee=who, arbiter=who), signer=c.maintainer)


def arbiter_is_payer(c: Deployment) -> Action:
    terms = dict(c.terms().model_dump(), arbiter=c.maintainer.public_key)
    return lambda: c.escrow.create(terms, signer=c.maintainer)


def deadline_too_far(c: Deployment) -> Action:
    terms = dict(c.terms().model_dump(), deadline=c.now() + 3_650 * DAY + 1)
    return lambda: c.escrow.create(terms, signer=c.maintainer)


def resolution_window_too_short(c: Deployment) -> Action:
    return lambda: c.escrow.create(dict(c.terms().model_dump(), resolution_window=DAY - 1), signer=c.maintainer)


def escrow_with_account_address(c: Deployment) -> Action:
    return lambda: SorobanEscrow(c.host, c.maintainer.public_key)


CASES: list[tuple[Callable[[Deployment], Action], type[Exception], str]] = [
    (bad_token, InvalidInput, "token"),
    (zero_amount, InvalidInput, "amount must be > 0"),
    (too_many_milestones, InvalidInput, "amounts"),
    (total_above_i64, InvalidInput, "i64::MAX"),
    (duplicate_verifiers, InvalidInput, "distinct"),
    (threshold_above_verifiers, InvalidInput, "threshold must be 1..3"),
    (bad_verifier_key, InvalidInput, "verifier key"),
    (deadline_in_past, InvalidInput, "is not after the latest ledger time"),
    (deadline_too_far, InvalidInput, "(10 years)"),
    (arbiter_is_payee, InvalidInput, "arbiter cannot be the payee"),
    (arbiter_is_payer, InvalidInput, "arbiter cannot be the payer"),
    (resolution_window_too_short, InvalidInput, "resolution_window"),
    (signer_without_secret, InvalidInput, "no secret key"),
    (signer_not_a_keypair, InvalidInput, "must be a stellar_sdk Keypair"),
    (fund_zero, InvalidInput, "amount must be in 1.."),
    (fund_fully_funded, EscrowFullyFunded, "FullyFunded"),
    (fund_more_than_balance, InsufficientBalance, "is needed"),
    (fund_cancelled, InvalidInput, "takes no more funding"),
    (fund_negative_escrow_id, InvalidInput, "escrow_id must be in 0.."),
    (release_out_of_range, InvalidInput, "has milestones 0..2, not 3"),
    (dispute_out_of_range, InvalidInput, "not 9"),
    (resolve_bps_too_high, InvalidInput, "payee_bps must be in 0..10000"),
    (assign_bad_payee, InvalidAddress, "payee must be a G... account or C... contract"),
    (set_fee_too_high, InvalidInput, "fee_bps must be in 0..1000"),
    (set_bad_treasury, InvalidAddress, "treasury"),
    (intent_with_evm_addresses, InvalidInput, "strkey addresses"),
    (intent_milestone_out_of_range, InvalidInput, "not 3"),
    (intent_signer_not_verifier, InvalidInput, "is not a verifier"),
    (intent_same_verifier_twice, InvalidInput, "two signatures by verifier"),
    (intent_signature_over_other_intent, InvalidInput, "does not verify"),
    (intent_too_few_signatures, InvalidInput, "1 signatures given, escrow 0 needs 2"),
    (intent_short_signature, InvalidInput, "exactly 64 bytes"),
    (escrow_with_account_address, InvalidAddress, "C... Soroban contract"),
]


@pytest.mark.parametrize(("scenario", "expected", "match"), CASES, ids=[c[0].__name__ for c in CASES])
def test_bad_input_fails_before_sending(
    chain: Deployment, scenario: Callable[[Deployment], Action], expected: type[Exception], match: str
) -> None:
    action = scenario(chain)
    mark = len(chain.host.sent)
    with pytest.raises(expected, match=match.replace(".", r"\.")):
        action()
    assert _writes_sent(chain.host.sent[mark:]) == []


def test_the_request_log_sees_a_write_when_one_is_sent(chain: Deployment) -> None:
    """Control for the test above: a valid write does show up in the log."""
    eid = chain.create(funding=0)
    mark = len(chain.host.sent)
    chain.escrow.fund(eid, UNIT, signer=chain.funder)
    assert _writes_sent(chain.host.sent[mark:]) == ["simulate fund", "invoke"]
