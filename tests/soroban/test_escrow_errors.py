"""Every contract error code reachable from Python arrives as its named exception.

Errors the SDK pre-empts with InvalidInput are sent raw (``SorobanEscrow.transact``: same
signing, no checks) to prove the contract itself refuses them. Code 1 (``NotInitialized``) is
unreachable: the constructor runs atomically with deployment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from quiltkit import escrow_errors as evm
from quiltkit.soroban import errors
from quiltkit.soroban.models import DEFAULT_RESOLUTION_WINDOW, UPGRADE_DELAY
from stellar_sdk import Keypair, scval, xdr

from tests.soroban.conftest import DAY, UNIT, Deployment


def _intent_args(c: Deployment, intent: Any, signers: list[tuple[bytes, bytes]]) -> tuple[xdr.SCVal, xdr.SCVal]:
    from quiltkit.intents import soroban_intent_scval

    sigs = scval.to_vec([scval.to_vec([scval.to_bytes(k), scval.to_bytes(s)]) for k, s in signers])
    return soroban_intent_scval(intent), sigs


def _raw_sigs(c: Deployment, intent: Any, *keys: Keypair) -> list[tuple[bytes, bytes]]:
    digest = c.escrow.digest(intent)
    return [(kp.raw_public_key(), kp.sign(digest)) for kp in keys]


def _create_raw(c: Deployment, **overrides: Any) -> Any:
    args: dict[str, xdr.SCVal] = {
        "payer": scval.to_address(c.maintainer.public_key),
        "payee": scval.to_void(),
        "token": scval.to_address(c.token),
        "milestones": scval.to_vec([scval.to_int128(100 * UNIT)]),
        "arbiter": scval.to_void(),
        "verifiers": scval.to_vec([scval.to_bytes(v.raw_public_key()) for v in c.verifiers]),
        "threshold": scval.to_uint32(2),
        "deadline": scval.to_uint64(c.now() + DAY),
        "resolution_window": scval.to_uint64(7 * DAY),
        "metadata": scval.to_bytes(bytes(32)),
    }
    args.update(overrides)
    return c.escrow.transact("create", *args.values(), signers=[c.maintainer])


def set_fee_too_high(c: Deployment) -> Any:
    return c.escrow.transact("set_fee", scval.to_uint32(1_001), signers=[c.admin])


def create_while_paused(c: Deployment) -> Any:
    c.escrow.pause(signer=c.admin)
    return c.escrow.create(c.terms(), signer=c.maintainer)


def pause_twice(c: Deployment) -> Any:
    c.escrow.pause(signer=c.admin)
    return c.escrow.pause(signer=c.admin)


def fund_while_paused(c: Deployment) -> Any:
    eid = c.create(funding=0)
    c.escrow.pause(signer=c.admin)
    return c.escrow.fund(eid, UNIT, signer=c.funder)


def unpause_not_paused(c: Deployment) -> Any:
    return c.escrow.unpause(signer=c.admin)


def pause_by_stranger(c: Deployment) -> Any:
    return c.escrow.pause(signer=c.stranger)


def accept_without_proposal(c: Deployment) -> Any:
    return c.escrow.accept_admin(signer=c.stranger)


def release_unknown_escrow(c: Deployment) -> Any:
    return c.escrow.transact("release", scval.to_uint64(99), scval.to_uint32(0), signers=[c.maintainer])


def get_unknown_escrow(c: Deployment) -> Any:
    return c.escrow.get_escrow(99)


def create_without_milestones(c: Deployment) -> Any:
    return _create_raw(c, milestones=scval.to_vec([]))


def create_with_zero_amount(c: Deployment) -> Any:
    return _create_raw(c, milestones=scval.to_vec([scval.to_int128(0)]))


def create_total_above_i64(c: Deployment) -> Any:
    return _create_raw(c, milestones=scval.to_vec([scval.to_int128(2**62), scval.to_int128(2**62)]))


def fund_zero(c: Deployment) -> Any:
    eid = c.create(funding=0)
    return c.escrow.transact(
        "fund", scval.to_address(c.funder.public_key), scval.to_uint64(eid), scval.to_int128(0), signers=[c.funder]
    )


def create_threshold_above_verifiers(c: Deployment) -> Any:
    return _create_raw(c, threshold=scval.to_uint32(4))


def create_duplicate_verifier(c: Deployment) -> Any:
    key = scval.to_bytes(c.v1.raw_public_key())
    return _create_raw(c, verifiers=scval.to_vec([key, key]), threshold=scval.to_uint32(1))


def create_21_verifiers(c: Deployment) -> Any:
    keys = [scval.to_bytes(bytes([i]) * 32) for i in range(1, 22)]
    return _create_raw(c, verifiers=scval.to_vec(keys), threshold=scval.to_uint32(1))


def create_deadline_now(c: Deployment) -> Any:
    return _create_raw(c, deadline=scval.to_uint64(c.now()))


def fund_when_fully_funded(c: Deployment) -> Any:
    eid = c.create()  # fully funded
    return c.escrow.transact(
        "fund",
        scval.to_address(c.funder.public_key),
        scval.to_uint64(eid),
        scval.to_int128(1),
        signers=[c.funder],
    )


def fund_cancelled(c: Deployment) -> Any:
    eid = c.create(funding=100 * UNIT)
    c.escrow.cancel(eid, signer=c.maintainer)
    return c.escrow.transact(
        "fund", scval.to_address(c.funder.public_key), scval.to_uint64(eid), scval.to_int128(UNIT), signers=[c.funder]
    )


def assign_after_cancel(c: Deployment) -> Any:
    eid = c.create(funding=0)
    c.escrow.cancel(eid, signer=c.maintainer)
    return c.escrow.assign_payee(eid, c.contributor.public_key, signer=c.maintainer)


def fund_after_deadline(c: Deployment) -> Any:
    eid = c.create(funding=0)
    c.host.advance_ledger(ledgers=1, seconds=15 * DAY)
    return c.escrow.fund(eid, UNIT, signer=c.funder)


def refund_before_deadline(c: Deployment) -> Any:
    return c.escrow.refund(c.create())


def assign_payee_twice(c: Deployment) -> Any:
    eid = c.create(payee=c.contributor.public_key)
    return c.escrow.assign_payee(eid, c.stranger.public_key, signer=c.maintainer)


def cancel_with_payee(c: Deployment) -> Any:
    return c.escrow.cancel(c.create(payee=c.contributor.public_key), signer=c.maintainer)


def release_without_payee(c: Deployment) -> Any:
    return c.escrow.release(c.create(), 0, signer=c.maintainer)


def dispute_without_payee(c: Deployment) -> Any:
    return c.escrow.dispute(c.create(), 0, signer=c.maintainer)


def dispute_by_stranger(c: Deployment) -> Any:
    return c.escrow.dispute(c.create(payee=c.contributor.public_key), 0, signer=c.stranger)


def dispute_without_arbiter(c: Deployment) -> Any:
    return c.escrow.dispute(c.create(payee=c.contributor.public_key, arbiter=None), 0, signer=c.maintainer)


def resolve_without_arbiter(c: Deployment) -> Any:
    eid = c.create(payee=c.contributor.public_key, arbiter=None)
    return c.escrow.transact(
        "resolve", scval.to_uint64(eid), scval.to_uint32(0), scval.to_uint32(5_000), signers=[c.arbiter]
    )


def resolve_bps_above_10000(c: Deployment) -> Any:
    eid = c.create(payee=c.contributor.public_key)
    c.escrow.dispute(eid, 0, signer=c.contributor)
    return c.escrow.transact(
        "resolve", scval.to_uint64(eid), scval.to_uint32(0), scval.to_uint32(10_001), signers=[c.arbiter]
    )


def claim_by_non_funder(c: Deployment) -> Any:
    eid = c.create(funding=100 * UNIT)
    c.escrow.cancel(eid, signer=c.maintainer)
    return c.escrow.claim_refund(eid, c.stranger.public_key)


def claim_twice(c: Deployment) -> Any:
    eid = c.create(funding=100 * UNIT)
    c.escrow.cancel(eid, signer=c.maintainer)
    c.escrow.claim_refund(eid, c.maintainer.public_key)
    return c.escrow.claim_refund(eid, c.maintainer.public_key)


def claim_while_active(c: Deployment) -> Any:
    return c.escrow.claim_refund(c.create(), c.maintainer.public_key)


def release_index_out_of_range(c: Deployment) -> Any:
    eid = c.create(payee=c.contributor.public_key)
    return c.escrow.transact("release", scval.to_uint64(eid), scval.to_uint32(3), signers=[c.maintainer])


def get_milestone_out_of_range(c: Deployment) -> Any:
    eid = c.create()
    return c.escrow._read("get_milestone", scval.to_uint64(eid), scval.to_uint32(7))


def release_unfunded(c: Deployment) -> Any:
    eid = c.create(payee=c.contributor.public_key, funding=299 * UNIT)
    return c.escrow.release(eid, 0, signer=c.maintainer)


def release_twice(c: Deployment) -> Any:
    eid = c.create(payee=c.contributor.public_key)
    c.escrow.release(eid, 0, signer=c.maintainer)
    return c.escrow.release(eid, 0, signer=c.maintainer)


def release_disputed(c: Deployment) -> Any:
    eid = c.create(payee=c.contributor.public_key)
    c.escrow.dispute(eid, 0, signer=c.contributor)
    return c.escrow.release(eid, 0, signer=c.maintainer)


def resolve_not_disputed(c: Deployment) -> Any:
    eid = c.create(payee=c.contributor.public_key)
    return c.escrow.resolve(eid, 0, 5_000, signer=c.arbiter)


def dispute_resolved(c: Deployment) -> Any:
    eid = c.create(payee=c.contributor.public_key)
    c.escrow.dispute(eid, 0, signer=c.maintainer)
    c.escrow.resolve(eid, 0, 5_000, signer=c.arbiter)
    return c.escrow.dispute(eid, 0, signer=c.maintainer)


def release_refunded(c: Deployment) -> Any:
    eid = c.create(payee=c.contributor.public_key)
    c.host.advance_ledger(ledgers=1, seconds=15 * DAY)
    c.escrow.refund(eid)
    return c.escrow.release(eid, 0, signer=c.maintainer)


def intent_expired(c: Deployment) -> Any:
    eid = c.create()
    intent = c.intent(eid, deadline=c.now() - 1)
    return c.escrow.release_with_intent(intent, c.sign(intent))


def intent_replayed(c: Deployment) -> Any:
    """The milestone is the replay guard: the same intent again fails with its milestone's error."""
    eid = c.create()
    intent = c.intent(eid, 0)
    c.escrow.release_with_intent(intent, c.sign(intent))
    return c.escrow.transact("release_with_intent", *_intent_args(c, intent, _raw_sigs(c, intent, c.v1, c.v2)))


def intent_one_of_two(c: Deployment) -> Any:
    eid = c.create()
    intent = c.intent(eid)
    return c.escrow.transact("release_with_intent", *_intent_args(c, intent, _raw_sigs(c, intent, c.v1)))


def intent_duplicate_signer(c: Deployment) -> Any:
    eid = c.create()
    intent = c.intent(eid)
    sigs = _raw_sigs(c, intent, c.v1, c.v1)
    return c.escrow.transact("release_with_intent", *_intent_args(c, intent, sigs))


def intent_unknown_signer(c: Deployment) -> Any:
    eid = c.create()
    intent = c.intent(eid)
    sigs = _raw_sigs(c, intent, c.v1, c.stranger)
    return c.escrow.transact("release_with_intent", *_intent_args(c, intent, sigs))


def intent_amount_mismatch(c: Deployment) -> Any:
    eid = c.create()
    intent = c.intent(eid, 0, amount=301 * UNIT)
    return c.escrow.release_with_intent(intent, c.sign(intent))


def intent_payee_mismatch(c: Deployment) -> Any:
    eid = c.create(payee=c.contributor.public_key)
    intent = c.intent(eid, 0, payee=c.stranger.public_key)
    return c.escrow.release_with_intent(intent, c.sign(intent))


def intent_without_verifiers(c: Deployment) -> Any:
    eid = c.create(verifiers=[], threshold=0)
    intent = c.intent(eid)
    return c.escrow.release_with_intent(intent, [])


WASM = "0x" + "77" * 32


def upgrade_not_announced(c: Deployment) -> Any:
    return c.escrow.upgrade(WASM, signer=c.admin)


def upgrade_before_delay(c: Deployment) -> Any:
    c.escrow.propose_upgrade(WASM, signer=c.admin)
    c.host.advance_ledger(ledgers=1, seconds=UPGRADE_DELAY - 5 - 1)
    return c.escrow.upgrade(WASM, signer=c.admin)


def upgrade_other_hash(c: Deployment) -> Any:
    c.escrow.propose_upgrade(WASM, signer=c.admin)
    c.host.advance_ledger(ledgers=1, seconds=UPGRADE_DELAY)
    return c.escrow.upgrade("0x" + "78" * 32, signer=c.admin)


def create_arbiter_is_payee(c: Deployment) -> Any:
    who = scval.to_address(c.contributor.public_key)
    return _create_raw(c, payee=who, arbiter=who)


def create_arbiter_is_payer(c: Deployment) -> Any:
    return _create_raw(c, arbiter=scval.to_address(c.maintainer.public_key))


def assign_arbiter_as_payee(c: Deployment) -> Any:
    return c.escrow.assign_payee(c.create(), c.arbiter, signer=c.maintainer)


def expire_within_window(c: Deployment) -> Any:
    eid = c.create(payee=c.contributor.public_key)
    c.escrow.dispute(eid, 0, signer=c.maintainer)
    return c.escrow.expire_dispute(eid, 0)


def resolve_after_window(c: Deployment) -> Any:
    eid = c.create(payee=c.contributor.public_key)
    c.escrow.dispute(eid, 0, signer=c.maintainer)
    c.host.advance_ledger(ledgers=1, seconds=DEFAULT_RESOLUTION_WINDOW + 1)
    return c.escrow.resolve(eid, 0, 10_000, signer=c.arbiter)


def create_deadline_u64_max(c: Deployment) -> Any:
    return _create_raw(c, deadline=scval.to_uint64(2**64 - 1))


def create_resolution_window_zero(c: Deployment) -> Any:
    return _create_raw(c, resolution_window=scval.to_uint64(0))


def fund_token_that_delivers_nothing(c: Deployment) -> Any:
    token = c.host.deploy_test_token("fee_on_transfer", fee_bps=10_000)
    c.host.mint(token, c.funder, 100 * UNIT)
    eid = c.create(token=token, funding=0)
    return c.escrow.fund(eid, 100 * UNIT, signer=c.funder)


CASES: list[tuple[Callable[[Deployment], Any], type[errors.SorobanEscrowRevert], int, type[Exception]]] = [
    # scenario, Soroban class, code, the EVM class (or builtin) it also is
    (set_fee_too_high, errors.EscrowInvalidFee, 2, evm.EscrowInvalidFee),
    (create_while_paused, errors.EnforcedPause, 3, evm.EnforcedPause),
    (pause_twice, errors.EnforcedPause, 3, evm.EnforcedPause),
    (fund_while_paused, errors.EnforcedPause, 3, evm.EnforcedPause),
    (unpause_not_paused, errors.ExpectedPause, 4, evm.ExpectedPause),
    (pause_by_stranger, errors.EscrowNotPauser, 5, PermissionError),
    (accept_without_proposal, errors.EscrowNoPendingAdmin, 6, evm.EscrowRevert),
    (upgrade_not_announced, errors.EscrowNoUpgradeScheduled, 7, evm.EscrowRevert),
    (upgrade_before_delay, errors.EscrowUpgradeNotReady, 8, evm.EscrowRevert),
    (upgrade_other_hash, errors.EscrowUpgradeHashMismatch, 9, evm.EscrowRevert),
    (release_unknown_escrow, errors.EscrowNotFound, 100, LookupError),
    (get_unknown_escrow, errors.EscrowNotFound, 100, evm.EscrowNotFound),
    (create_without_milestones, errors.EscrowInvalidMilestoneCount, 101, evm.EscrowInvalidMilestoneCount),
    (create_with_zero_amount, errors.EscrowInvalidAmount, 102, evm.EscrowRevert),
    (create_total_above_i64, errors.EscrowInvalidAmount, 102, evm.EscrowRevert),
    (fund_zero, errors.EscrowInvalidAmount, 102, evm.EscrowRevert),
    (create_threshold_above_verifiers, errors.EscrowInvalidThreshold, 103, evm.EscrowInvalidVerifierSet),
    (create_duplicate_verifier, errors.EscrowDuplicateVerifier, 104, evm.EscrowDuplicateVerifier),
    (create_21_verifiers, errors.EscrowTooManyVerifiers, 105, evm.EscrowInvalidVerifierSet),
    (create_deadline_now, errors.EscrowDeadlineInPast, 106, evm.EscrowDeadlineInPast),
    (fund_cancelled, errors.EscrowClosed, 108, evm.EscrowClosed),
    (assign_after_cancel, errors.EscrowClosed, 108, evm.EscrowClosed),
    (fund_after_deadline, errors.EscrowFundingClosed, 109, evm.EscrowFundingClosed),
    (refund_before_deadline, errors.EscrowDeadlineNotReached, 110, evm.EscrowDeadlineNotReached),
    (assign_payee_twice, errors.EscrowPayeeAlreadySet, 111, evm.EscrowPayeeAlreadySet),
    (cancel_with_payee, errors.EscrowPayeeAlreadySet, 111, evm.EscrowPayeeAlreadySet),
    (release_without_payee, errors.EscrowPayeeNotSet, 112, evm.EscrowPayeeNotSet),
    (dispute_without_payee, errors.EscrowPayeeNotSet, 112, evm.EscrowPayeeNotSet),
    (dispute_by_stranger, errors.EscrowNotParty, 113, PermissionError),
    (dispute_without_arbiter, errors.EscrowDisputesDisabled, 114, evm.EscrowDisputesDisabled),
    (resolve_without_arbiter, errors.EscrowDisputesDisabled, 114, evm.EscrowDisputesDisabled),
    (resolve_bps_above_10000, errors.EscrowInvalidSplit, 115, evm.EscrowInvalidSplit),
    (claim_by_non_funder, errors.EscrowNothingToClaim, 116, evm.EscrowNothingToClaim),
    (claim_twice, errors.EscrowNothingToClaim, 116, evm.EscrowNothingToClaim),
    (claim_while_active, errors.EscrowRefundsNotClaimable, 117, evm.EscrowRefundsNotClaimable),
    (create_arbiter_is_payee, errors.EscrowArbiterIsPayee, 118, evm.EscrowRevert),
    (assign_arbiter_as_payee, errors.EscrowArbiterIsPayee, 118, evm.EscrowRevert),
    (create_arbiter_is_payer, errors.EscrowArbiterIsPayer, 119, evm.EscrowRevert),
    (release_index_out_of_range, errors.EscrowInvalidMilestone, 120, evm.EscrowInvalidMilestone),
    (get_milestone_out_of_range, errors.EscrowInvalidMilestone, 120, evm.EscrowInvalidMilestone),
    (release_unfunded, errors.EscrowMilestoneNotFunded, 121, evm.EscrowMilestoneNotFunded),
    (release_twice, errors.EscrowMilestoneAlreadyReleased, 122, evm.EscrowMilestoneNotPending),
    (release_disputed, errors.EscrowMilestoneDisputed, 123, evm.EscrowMilestoneNotPending),
    (resolve_not_disputed, errors.EscrowMilestoneNotDisputed, 124, evm.EscrowMilestoneNotDisputed),
    (dispute_resolved, errors.EscrowMilestoneAlreadyResolved, 125, evm.EscrowMilestoneNotPending),
    (release_refunded, errors.EscrowMilestoneRefunded, 126, evm.EscrowMilestoneNotPending),
    (expire_within_window, errors.EscrowDisputeNotExpired, 127, evm.EscrowRevert),
    (resolve_after_window, errors.EscrowResolutionWindowPassed, 128, evm.EscrowRevert),
    (create_deadline_u64_max, errors.EscrowDeadlineTooFar, 140, evm.EscrowRevert),
    (create_resolution_window_zero, errors.EscrowInvalidResolutionWindow, 141, evm.EscrowRevert),
    (fund_token_that_delivers_nothing, errors.EscrowTokenTransferMismatch, 142, evm.EscrowRevert),
    (intent_expired, errors.EscrowIntentExpired, 200, evm.EscrowIntentExpired),
    (intent_replayed, errors.EscrowMilestoneAlreadyReleased, 122, evm.EscrowMilestoneNotPending),
    (intent_one_of_two, errors.EscrowInsufficientSignatures, 202, evm.EscrowInsufficientSignatures),
    (intent_duplicate_signer, errors.EscrowDuplicateSigner, 203, evm.EscrowRevert),
    (intent_unknown_signer, errors.EscrowUnknownVerifier, 204, evm.EscrowUnknownVerifier),
    (intent_amount_mismatch, errors.EscrowIntentMismatch, 205, evm.EscrowRevert),
    (intent_payee_mismatch, errors.EscrowIntentMismatch, 205, evm.EscrowRevert),
    (intent_without_verifiers, errors.EscrowAttestationDisabled, 206, evm.EscrowAttestationDisabled),
    (fund_when_fully_funded, errors.EscrowFullyFunded, 143, evm.EscrowFullyFunded),
]


@pytest.mark.parametrize(("scenario", "expected", "code", "also"), CASES, ids=[case[0].__name__ for case in CASES])
def test_contract_error_raises_named_exception(
    chain: Deployment,
    scenario: Callable[[Deployment], Any],
    expected: type[errors.SorobanEscrowRevert],
    code: int,
    also: type[Exception],
) -> None:
    with pytest.raises(expected) as caught:
        scenario(chain)
    err = caught.value
    assert type(err) is expected
    assert err.code == code == expected.code_value
    assert isinstance(err, also) and isinstance(err, evm.EscrowRevert)
    assert f"#{code}" in str(err) and expected.contract_name in str(err)
    # The harness names escrow errors after the Rust enum: the Python table agrees.
    assert isinstance(err.__cause__, errors.SorobanContractError)
    assert (err.__cause__.code, err.__cause__.name) == (code, expected.contract_name)


def test_every_error_code_except_not_initialized_is_covered() -> None:
    """1 cannot happen after construction; 107 (AmountExceedsTotal) is retired since fund keeps at
    most what remains (review finding 4), 201 (IntentAlreadyConsumed) since the milestone is the
    replay guard."""
    covered = {code for _, _, code, _ in CASES}
    assert set(errors.CONTRACT_ERRORS) - covered == {1, 107, 201}


@pytest.mark.parametrize(
    ("code", "evm_twin"),
    [
        (100, evm.EscrowNotFound),
        (121, evm.EscrowMilestoneNotFunded),
        (201, evm.EscrowIntentAlreadyConsumed),
        (200, evm.EscrowIntentExpired),
        (122, evm.EscrowMilestoneNotPending),
        (123, evm.EscrowMilestoneNotPending),
        (125, evm.EscrowMilestoneNotPending),
        (126, evm.EscrowMilestoneNotPending),
        (3, evm.EnforcedPause),
        (2, evm.EscrowInvalidFee),
    ],
)
def test_except_evm_class_catches_soroban_error(code: int, evm_twin: type[Exception]) -> None:
    with pytest.raises(evm_twin):
        raise errors.escrow_error(code)


def test_unknown_code_is_the_base_class() -> None:
    err = errors.escrow_error(999)
    assert type(err) is errors.SorobanEscrowRevert and err.code == 999


def test_error_from_message_parses_rpc_simulation_text() -> None:
    contract = errors.error_from_message("HostError: Error(Contract, #122)\n\nEvent log (newest first): ...")
    assert isinstance(contract, errors.SorobanContractError) and contract.code == 122
    auth = errors.error_from_message("HostError: Error(Auth, InvalidAction)\n...")
    assert isinstance(auth, errors.SorobanAuthError) and isinstance(auth, PermissionError)
    assert (auth.error_type, auth.error_code) == ("Auth", "InvalidAction")
    assert errors.error_from_message("no error here") is None
