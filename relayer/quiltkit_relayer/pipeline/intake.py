"""Intake: turn a submission into a stored intent, exactly once.

The checks of the verify stage run here synchronously, so bad input is refused with a named
reason before anything is stored or sent. An intent that passes is stored ``verified``; one that
cannot be checked now (node unreachable) is stored ``received`` and verified later by the worker.
The same intent submitted again returns the stored record (any new verifier signatures merged).
"""

from __future__ import annotations

import time
from typing import Any

from quiltkit_relayer.chains.base import Prepared
from quiltkit_relayer.models import IntentRecord, IntentState, IntentSubmission, Reason, Rejection
from quiltkit_relayer.pipeline.context import Context
from quiltkit_relayer.results import Abort, Done, Ok, Retry

__all__ = ["accept"]

AWAITING_SIGNATURES = "awaiting verifier signatures"


def accept(
    ctx: Context, submission: IntentSubmission, *, source: str = "api", allow_partial: bool = False
) -> tuple[IntentRecord, bool]:
    """Store ``submission`` (created=True) or return the record already stored (created=False).

    ``allow_partial``: keep an intent with too few signatures as ``received`` until more verifiers
    sign it (webhook intake); otherwise that is a rejection. Raises :class:`Rejection`.

    The store is asked whether the intent is already there only when the answer matters: a new
    intent that checks out is inserted at once (a duplicate shows as the insert's conflict), and
    any other outcome looks for a stored copy before it is acted on (a replayed submission of a
    paid intent returns its record; it is not refused as consumed).
    """
    log = ctx.log(intent_id=submission.intent.intent_id, action="intake", attempt=0, source=source)
    try:
        prepared = ctx.adapter.prepare(submission)
        now = time.time()
        record = IntentRecord(
            intent_id=prepared.intent_id,
            state=IntentState.RECEIVED,
            chain=ctx.adapter.name,
            chain_id=submission.chain_id,
            contract=submission.contract,
            digest=prepared.digest,
            intent=submission.intent,
            signatures=list(prepared.signatures),
            signers=list(prepared.signers),
            verifiers=list(submission.verifiers) if submission.verifiers is not None else None,
            source=source,
            attempts=0,
            created_at=now,
            updated_at=now,
        )
        result = ctx.adapter.check(record)
        if not isinstance(result, Ok):
            existing = ctx.store.get(prepared.intent_id)
            if existing is not None:
                return _resubmitted(ctx, existing, prepared, log), False
        match result:
            case Ok():
                record = record.model_copy(
                    update={"state": IntentState.VERIFIED, "verifiers": list(result.value.verifiers)}
                )
            case Done():
                raise Rejection(Reason.ALREADY_CONSUMED, "the contract already consumed this intent id (a replay)")
            case Abort(reason=Reason.INSUFFICIENT_SIGNATURES) if allow_partial:
                record = record.model_copy(update={"reason": f"{AWAITING_SIGNATURES}: {result.detail}"})
            case Abort():
                raise Rejection(result.reason, result.detail)
            case Retry():
                record = record.model_copy(update={"reason": f"verification pending: {result.reason}"})
        stored, created = ctx.store.add_intent(record)
        if not created:
            return _resubmitted(ctx, stored, prepared, log), False
    except Rejection as exc:
        ctx.metrics.rejected.labels(exc.reason.value).inc()
        log.info("intent rejected", reason=exc.reason.value, detail=exc.detail)
        raise
    ctx.nudge("submit" if stored.state is IntentState.VERIFIED else "verify")
    ctx.metrics.accepted.labels(source).inc()
    log.info("intent accepted", state=stored.state.value, reason=stored.reason)
    return stored, True


def _resubmitted(ctx: Context, existing: IntentRecord, prepared: Prepared, log: Any) -> IntentRecord:
    """An intent submitted again: the stored record, with any new verifier signatures merged."""
    if existing.digest != prepared.digest:
        raise Rejection(Reason.INTENT_ID_CONFLICT, f"intent {prepared.intent_id} is stored with other content")
    if set(prepared.signers) - set(existing.signers):
        existing = ctx.store.merge_signatures(prepared.intent_id, prepared.signatures, prepared.signers, ready=True)
        ctx.nudge("verify")
        log.info("signatures merged into a stored intent", signers=existing.signers, state=existing.state)
    else:
        log.info("duplicate submission: returning the stored intent", state=existing.state)
    return existing
