"""Every revert path reaches the caller as the SDK exception named after the custom error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from quiltkit import Escrow, Token, intents
from quiltkit import escrow_errors as errors
from quiltkit.devchain import advance_time
from web3 import Web3

from tests.conftest import DAY, UNIT, now

ZERO = "0x" + "00" * 20


@pytest.fixture
def ctx(
    w3: Web3,
    escrow: Escrow,
    token: Token,
    create_escrow: Callable[..., int],
    make_intent: Callable[..., intents.PayoutIntent],
    sign: Callable[..., list[intents.VerifierSignature]],
    roles: dict[str, LocalAccount],
) -> dict[str, Any]:
    return {
        "w3": w3,
        "escrow": escrow,
        "token": token,
        "create": create_escrow,
        "intent": make_intent,
        "sign": sign,
        **roles,
    }


def _members(c: dict[str, Any]) -> list[str]:
    return [c["v1"].address, c["v2"].address, c["v3"].address]


def release_unknown(c: dict[str, Any]) -> Any:
    c["escrow"].release(0, 0, sender=c["maintainer"])


def release_not_payer(c: dict[str, Any]) -> Any:
    eid = c["create"](payee=c["contributor"].address)
    c["escrow"].release(eid, 0, sender=c["funder"])


def release_without_payee(c: dict[str, Any]) -> Any:
    c["escrow"].release(c["create"](), 0, sender=c["maintainer"])


def release_unfunded(c: dict[str, Any]) -> Any:
    eid = c["create"](payee=c["contributor"].address, funding=100 * UNIT)
    c["escrow"].release(eid, 0, sender=c["maintainer"])


def release_twice(c: dict[str, Any]) -> Any:
    eid = c["create"](payee=c["contributor"].address)
    c["escrow"].release(eid, 0, sender=c["maintainer"])
    c["escrow"].release(eid, 0, sender=c["maintainer"])


def intent_expired(c: dict[str, Any]) -> Any:
    eid = c["create"]()
    intent = c["intent"](eid, deadline=now(c["w3"]) - 1)
    c["escrow"].release_with_intent(intent, _members(c), c["sign"](intent), sender=c["relayer"])


def intent_replayed(c: dict[str, Any]) -> Any:
    eid = c["create"]()
    intent = c["intent"](eid, 0)
    c["escrow"].release_with_intent(intent, _members(c), c["sign"](intent), sender=c["relayer"])
    c["escrow"].release_with_intent(intent, _members(c), c["sign"](intent), sender=c["relayer"])


def intent_fresh_id_for_paid_milestone(c: dict[str, Any]) -> Any:
    eid = c["create"]()
    intent = c["intent"](eid, 0)
    c["escrow"].release_with_intent(intent, _members(c), c["sign"](intent), sender=c["relayer"])
    fresh = c["intent"](eid, 0, intent_id="0x" + "cd" * 32)
    c["escrow"].release_with_intent(fresh, _members(c), c["sign"](fresh), sender=c["relayer"])


def intent_tampered_amount(c: dict[str, Any]) -> Any:
    eid = c["create"]()
    intent = c["intent"](eid, 0, amount=301 * UNIT)
    c["escrow"].release_with_intent(intent, _members(c), c["sign"](intent), sender=c["relayer"])


def intent_wrong_token(c: dict[str, Any]) -> Any:
    eid = c["create"]()
    intent = c["intent"](eid, 0, token=c["relayer"].address)
    c["escrow"].release_with_intent(intent, _members(c), c["sign"](intent), sender=c["relayer"])


def intent_wrong_payee(c: dict[str, Any]) -> Any:
    eid = c["create"](payee=c["contributor"].address)
    intent = c["intent"](eid, 0, payee=c["funder"].address)
    c["escrow"].release_with_intent(intent, _members(c), c["sign"](intent), sender=c["relayer"])


def intent_duplicate_signer(c: dict[str, Any]) -> Any:
    eid = c["create"]()
    intent = c["intent"](eid, 0)
    one = c["sign"](intent, (0,))[0]
    c["escrow"].release_with_intent(intent, _members(c), [one, one], sender=c["relayer"])


def intent_signed_by_outsider(c: dict[str, Any]) -> Any:
    eid = c["create"]()
    intent = c["intent"](eid, 0)
    domain = c["escrow"].domain()
    good = intents.VerifierSignature(verifier_index=0, signature=intents.sign_intent(intent, domain, c["v1"]))
    forged = intents.VerifierSignature(verifier_index=1, signature=intents.sign_intent(intent, domain, c["funder"]))
    c["escrow"].release_with_intent(intent, _members(c), [good, forged], sender=c["relayer"])


def intent_without_verifiers(c: dict[str, Any]) -> Any:
    eid = c["create"](verifiers=[], threshold=0)
    intent = c["intent"](eid, 0)
    # The SDK refuses this before sending; go around it to prove the contract refuses it too.
    c["escrow"]._transact("releaseWithIntent", intent.as_tuple(), [], [], sender=c["relayer"])


def dispute_without_arbiter(c: dict[str, Any]) -> Any:
    eid = c["create"](arbiter=None, payee=c["contributor"].address)
    c["escrow"].dispute(eid, 0, sender=c["maintainer"])


def dispute_by_outsider(c: dict[str, Any]) -> Any:
    eid = c["create"](payee=c["contributor"].address)
    c["escrow"].dispute(eid, 0, sender=c["funder"])


def resolve_by_outsider(c: dict[str, Any]) -> Any:
    eid = c["create"](payee=c["contributor"].address)
    c["escrow"].dispute(eid, 0, sender=c["maintainer"])
    c["escrow"].resolve(eid, 0, 5_000, sender=c["maintainer"])


def resolve_undisputed(c: dict[str, Any]) -> Any:
    eid = c["create"](payee=c["contributor"].address)
    c["escrow"].resolve(eid, 0, 5_000, sender=c["arbiter"])


def refunds_before_deadline(c: dict[str, Any]) -> Any:
    c["escrow"].open_refunds(c["create"](), sender=c["relayer"])


def refunds_twice(c: dict[str, Any]) -> Any:
    eid = c["create"]()
    advance_time(c["w3"], 15 * DAY)
    c["escrow"].open_refunds(eid, sender=c["relayer"])
    c["escrow"].open_refunds(eid, sender=c["relayer"])


def cancel_assigned(c: dict[str, Any]) -> Any:
    eid = c["create"](payee=c["contributor"].address)
    c["escrow"].cancel(eid, sender=c["maintainer"])


def claim_while_funding_open(c: dict[str, Any]) -> Any:
    eid = c["create"](funding=100 * UNIT)
    c["escrow"].claim_refund(eid, c["maintainer"].address, sender=c["relayer"])


def claim_by_non_funder(c: dict[str, Any]) -> Any:
    eid = c["create"]()
    c["escrow"].cancel(eid, sender=c["maintainer"])
    c["escrow"].claim_refund(eid, c["funder"].address, sender=c["relayer"])


def withdraw_nothing(c: dict[str, Any]) -> Any:
    c["escrow"].withdraw(sender=c["funder"])


def fund_after_deadline(c: dict[str, Any]) -> Any:
    eid = c["create"](funding=100 * UNIT)
    advance_time(c["w3"], 15 * DAY)
    c["escrow"].fund(eid, 1 * UNIT, sender=c["funder"], approve=True)


def pause_by_outsider(c: dict[str, Any]) -> Any:
    c["escrow"].pause(sender=c["funder"])


# --- paths the SDK refuses before sending; sent raw to prove the contract refuses them too ---


def _raw(c: dict[str, Any], fn: str, *args: Any, sender: str = "maintainer", value: int = 0) -> Any:
    return c["escrow"]._transact(fn, *args, sender=c[sender], value=value)


def _params(c: dict[str, Any], **overrides: Any) -> tuple[Any, ...]:
    p: dict[str, Any] = {
        "token": c["token"].address,
        "payee": ZERO,
        "arbiter": ZERO,
        "dispute_window": 0,
        "default_payee_bps": 0,
        "verifiers": [],
        "threshold": 0,
        "verifier_set_id": 0,
        "deadline": now(c["w3"]) + DAY,
        "amounts": [UNIT],
        "metadata": b"\0" * 32,
    }
    p.update(overrides)
    return tuple(p.values())


def create_no_milestones(c: dict[str, Any]) -> Any:
    _raw(c, "create", _params(c, amounts=[]), 0)


def create_arbiter_without_window(c: dict[str, Any]) -> Any:
    _raw(c, "create", _params(c, arbiter=c["arbiter"].address), 0)


def close_dispute_early(c: dict[str, Any]) -> Any:
    eid = c["create"](payee=c["contributor"].address)
    c["escrow"].dispute(eid, 0, sender=c["maintainer"])
    _raw(c, "closeExpiredDispute", eid, 0)


def create_zero_amount(c: dict[str, Any]) -> Any:
    _raw(c, "create", _params(c, amounts=[UNIT, 0]), 0)


def create_total_too_large(c: dict[str, Any]) -> Any:
    _raw(c, "create", _params(c, amounts=[2**96 - 1, 2**96 - 1]), 0)


def create_past_deadline(c: dict[str, Any]) -> Any:
    _raw(c, "create", _params(c, deadline=1), 0)


def create_bad_threshold(c: dict[str, Any]) -> Any:
    _raw(c, "create", _params(c, verifiers=[c["v1"].address], threshold=2), 0)


def create_duplicate_verifier(c: dict[str, Any]) -> Any:
    _raw(c, "create", _params(c, verifiers=[c["v1"].address, c["v1"].address], threshold=1), 0)


def create_payee_is_escrow(c: dict[str, Any]) -> Any:
    _raw(c, "create", _params(c, payee=c["escrow"].address), 0)


def create_eth_wrong_value(c: dict[str, Any]) -> Any:
    _raw(c, "create", _params(c, token=ZERO), UNIT, value=UNIT - 1)


def fund_zero(c: dict[str, Any]) -> Any:
    _raw(c, "fund", c["create"](funding=UNIT), 0)


def fund_fully_funded(c: dict[str, Any]) -> Any:
    _raw(c, "fund", c["create"](funding=1_000 * UNIT), UNIT)


def release_bad_index(c: dict[str, Any]) -> Any:
    _raw(c, "release", c["create"](payee=c["contributor"].address), 3)


def assign_payee_twice(c: dict[str, Any]) -> Any:
    _raw(c, "assignPayee", c["create"](payee=c["contributor"].address), c["funder"].address)


def assign_zero_payee(c: dict[str, Any]) -> Any:
    _raw(c, "assignPayee", c["create"](), ZERO)


def resolve_bad_split(c: dict[str, Any]) -> Any:
    eid = c["create"](payee=c["contributor"].address)
    c["escrow"].dispute(eid, 0, sender=c["maintainer"])
    _raw(c, "resolve", eid, 0, 10_001, sender="arbiter")


def intent_wrong_verifier_set(c: dict[str, Any]) -> Any:
    eid = c["create"]()
    intent = c["intent"](eid, 0)
    _raw(c, "releaseWithIntent", intent.as_tuple(), [c["v1"].address], [], sender="relayer")


def intent_under_signed(c: dict[str, Any]) -> Any:
    eid = c["create"]()
    intent = c["intent"](eid, 0)
    sigs = [s.as_tuple() for s in c["sign"](intent, (0,))]
    _raw(c, "releaseWithIntent", intent.as_tuple(), _members(c), sigs, sender="relayer")


def intent_unknown_verifier_index(c: dict[str, Any]) -> Any:
    eid = c["create"]()
    intent = c["intent"](eid, 0)
    sigs = [s.as_tuple() for s in c["sign"](intent, (0, 1))]
    sigs[1] = (7, sigs[1][1])
    _raw(c, "releaseWithIntent", intent.as_tuple(), _members(c), sigs, sender="relayer")


def fee_above_cap(c: dict[str, Any]) -> Any:
    _raw(c, "setDefaultFee", 1_001, sender="operator")


def zero_treasury(c: dict[str, Any]) -> Any:
    _raw(c, "setTreasury", ZERO, sender="operator")


CASES = [
    (release_unknown, errors.EscrowNotFound, {"escrowId": 0}),
    (release_not_payer, errors.EscrowNotPayer, {}),
    (release_without_payee, errors.EscrowPayeeNotSet, {}),
    (release_unfunded, errors.EscrowMilestoneNotFunded, {"milestone": 0}),
    (release_twice, errors.EscrowMilestoneNotPending, {"milestone": 0, "state": 1}),
    (intent_expired, errors.EscrowIntentExpired, {}),
    (intent_replayed, errors.EscrowMilestoneNotPending, {"milestone": 0, "state": 1}),
    (intent_fresh_id_for_paid_milestone, errors.EscrowMilestoneNotPending, {"milestone": 0, "state": 1}),
    (intent_tampered_amount, errors.EscrowIntentAmountMismatch, {"expected": 300 * UNIT, "actual": 301 * UNIT}),
    (intent_wrong_token, errors.EscrowIntentTokenMismatch, {}),
    (intent_wrong_payee, errors.EscrowIntentPayeeMismatch, {}),
    (intent_duplicate_signer, errors.EscrowSignersNotAscending, {"position": 1}),
    (intent_signed_by_outsider, errors.EscrowInvalidSignature, {}),
    (intent_without_verifiers, errors.EscrowAttestationDisabled, {}),
    (dispute_without_arbiter, errors.EscrowDisputesDisabled, {}),
    (dispute_by_outsider, errors.EscrowNotParty, {}),
    (resolve_by_outsider, errors.EscrowNotArbiter, {}),
    (resolve_undisputed, errors.EscrowMilestoneNotDisputed, {"milestone": 0}),
    (refunds_before_deadline, errors.EscrowDeadlineNotReached, {}),
    (refunds_twice, errors.EscrowClosed, {}),
    (cancel_assigned, errors.EscrowNotCancellable, {}),
    (claim_while_funding_open, errors.EscrowRefundsNotClaimable, {}),
    (claim_by_non_funder, errors.EscrowNothingToClaim, {}),
    (withdraw_nothing, errors.EscrowNothingToWithdraw, {}),
    (fund_after_deadline, errors.EscrowFundingClosed, {}),
    (pause_by_outsider, errors.AccessControlUnauthorizedAccount, {}),
    (create_no_milestones, errors.EscrowInvalidMilestoneCount, {"count": 0, "max": 16}),
    (create_zero_amount, errors.EscrowZeroAmount, {"milestone": 1}),
    (
        create_arbiter_without_window,
        errors.EscrowInvalidDisputeWindow,
        {"window": 0, "minWindow": 86_400, "maxWindow": 365 * 86_400},
    ),
    (close_dispute_early, errors.EscrowDisputeWindowOpen, {"milestone": 0}),
    (create_total_too_large, errors.EscrowTotalTooLarge, {"total": 2 * (2**96 - 1)}),
    (create_past_deadline, errors.EscrowDeadlineInPast, {"deadline": 1}),
    (create_bad_threshold, errors.EscrowInvalidVerifierSet, {"verifierCount": 1, "threshold": 2}),
    (create_duplicate_verifier, errors.EscrowDuplicateVerifier, {}),
    (create_payee_is_escrow, errors.EscrowInvalidPayee, {}),
    (create_eth_wrong_value, errors.EscrowWrongValue, {"sent": UNIT - 1, "expected": UNIT}),
    (fund_zero, errors.EscrowZeroFunding, {}),
    (fund_fully_funded, errors.EscrowFullyFunded, {}),
    (release_bad_index, errors.EscrowInvalidMilestone, {"milestone": 3}),
    (assign_payee_twice, errors.EscrowPayeeAlreadySet, {}),
    (assign_zero_payee, errors.EscrowInvalidPayee, {}),
    (resolve_bad_split, errors.EscrowInvalidSplit, {"payeeBps": 10_001}),
    (intent_wrong_verifier_set, errors.EscrowVerifierSetMismatch, {}),
    (intent_under_signed, errors.EscrowInsufficientSignatures, {"provided": 1, "threshold": 2}),
    (intent_unknown_verifier_index, errors.EscrowUnknownVerifier, {"verifierIndex": 7}),
    (fee_above_cap, errors.EscrowInvalidFee, {"feeBps": 1_001, "maxFeeBps": 1_000}),
    (zero_treasury, errors.EscrowInvalidTreasury, {}),
]


@pytest.mark.parametrize(("action", "error", "expected_args"), CASES, ids=[c[0].__name__ for c in CASES])
def test_revert_raises_named_exception(
    ctx: dict[str, Any],
    action: Callable[[dict[str, Any]], Any],
    error: type[errors.EscrowRevert],
    expected_args: dict[str, Any],
) -> None:
    with pytest.raises(error) as info:
        action(ctx)
    assert type(info.value) is error
    for name, value in expected_args.items():
        assert info.value.args_by_name[name] == value
    assert isinstance(info.value, errors.EscrowRevert)


def test_not_found_is_a_lookup_error_and_not_payer_a_permission_error(ctx: dict[str, Any]) -> None:
    with pytest.raises(LookupError):
        release_unknown(ctx)
    with pytest.raises(PermissionError):
        release_not_payer(ctx)
