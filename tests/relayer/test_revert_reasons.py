"""Every named MilestoneEscrow error that ``releaseWithIntent`` can raise settles an intent with its
own reason (not the generic ``contract_rejected``), so an operator reads why from the store."""

from __future__ import annotations

import pytest
from quiltkit import escrow_errors as e
from quiltkit_relayer.chains.evm import abort_for_revert
from quiltkit_relayer.models import IntentState, Reason
from quiltkit_relayer.results import Abort, Done

NAMED = [
    (e.EscrowVerifierSuspended(1), Reason.VERIFIER_SUSPENDED, IntentState.FAILED),
    (e.EscrowUnknownVerifier(7), Reason.UNKNOWN_SIGNER, IntentState.FAILED),
    (e.EscrowInsufficientSignatures(1, 2), Reason.INSUFFICIENT_SIGNATURES, IntentState.FAILED),
    (e.EscrowMilestoneNotPending(1, 0), Reason.MILESTONE_NOT_PENDING, IntentState.SUPERSEDED),
]


@pytest.mark.parametrize(("error", "reason", "state"), NAMED, ids=[type(n[0]).__name__ for n in NAMED])
def test_a_named_escrow_error_settles_with_its_reason(
    error: e.EscrowRevert, reason: Reason, state: IntentState
) -> None:
    outcome = abort_for_revert(error)
    assert isinstance(outcome, Abort)
    assert (outcome.reason, outcome.state) == (reason, state)
    assert str(error) in outcome.detail


def test_an_already_consumed_intent_is_done() -> None:
    assert isinstance(abort_for_revert(e.EscrowIntentAlreadyConsumed("0x" + "11" * 32)), Done)
