"""Intake: turn a submission into a stored intent, exactly once.

The checks of the verify stage run here synchronously, so bad input is refused with a named
reason before anything is stored or sent. An intent that passes is stored ``verified``; one that
cannot be checked now (node unreachable) is stored ``received`` and verified later by the worker.
The same intent submitted again returns the stored record (any new verifier signatures merged).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, TypeAlias

from quiltkit_relayer.chains.base import ChainUnavailable, CheckResult, Prepared
from quiltkit_relayer.models import IntentRecord, IntentState, IntentSubmission, Reason, Rejection
from quiltkit_relayer.pipeline.context import Context
from quiltkit_relayer.results import Abort, Done, Ok, Retry

__all__ = ["Outcome", "accept", "accept_many"]

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
        record = _new_record(ctx, submission, prepared, source)
        stored, new = _decide(ctx, record, prepared, ctx.adapter.check(record), log, allow_partial=allow_partial)
        if not new:
            return stored, False
        stored, created = ctx.store.add_intent(stored)
        if not created:
            return _resubmitted(ctx, stored, prepared, log), False
    except Rejection as exc:
        _rejected(ctx, exc, log)
        raise
    _accepted(ctx, stored, source, log)
    return stored, True


Outcome: TypeAlias = "tuple[IntentRecord, bool] | Rejection | ChainUnavailable"
"""One submission's fate in :func:`accept_many`: what :func:`accept` returns, or what it raises."""


def accept_many(ctx: Context, submissions: Sequence[IntentSubmission], *, source: str = "api") -> list[Outcome]:
    """:func:`accept` of each submission, in order, each with its own outcome, for the price of one
    chain read (:meth:`check_many`) and one store insert (:meth:`Store.add_intents`) for all of
    them: per intent, those two round trips were most of the intake's CPU. The checks, their
    order and every outcome are :func:`accept`'s; one intent's rejection never affects another."""
    outcomes: list[Outcome | None] = [None] * len(submissions)
    pending: list[tuple[int, IntentRecord, Prepared, Any]] = []
    for n, submission in enumerate(submissions):
        log = ctx.log(intent_id=submission.intent.intent_id, action="intake", attempt=0, source=source)
        try:
            prepared = ctx.adapter.prepare(submission)
        except Rejection as exc:
            outcomes[n] = _rejected(ctx, exc, log)
            continue
        except ChainUnavailable as exc:
            outcomes[n] = exc
            continue
        pending.append((n, _new_record(ctx, submission, prepared, source), prepared, log))
    checks = ctx.adapter.check_many([record for _, record, _, _ in pending])
    new: list[tuple[int, IntentRecord, Prepared, Any]] = []
    for (n, record, prepared, log), result in zip(pending, checks, strict=True):
        try:
            decided, is_new = _decide(ctx, record, prepared, result, log, allow_partial=False)
        except Rejection as exc:
            outcomes[n] = _rejected(ctx, exc, log)
            continue
        if is_new:
            new.append((n, decided, prepared, log))
        else:
            outcomes[n] = (decided, False)
    stored_all = ctx.store.add_intents([record for _, record, _, _ in new])
    for (n, _record, prepared, log), stored in zip(new, stored_all, strict=True):
        try:
            if isinstance(stored, Rejection):
                raise stored
            record, created = stored
            if not created:
                outcomes[n] = (_resubmitted(ctx, record, prepared, log), False)
                continue
        except Rejection as exc:
            outcomes[n] = _rejected(ctx, exc, log)
            continue
        _accepted(ctx, record, source, log)
        outcomes[n] = (record, True)
    assert all(o is not None for o in outcomes)
    return [o for o in outcomes if o is not None]


def _new_record(ctx: Context, submission: IntentSubmission, prepared: Prepared, source: str) -> IntentRecord:
    now = time.time()
    return IntentRecord(
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


def _decide(
    ctx: Context, record: IntentRecord, prepared: Prepared, result: CheckResult, log: Any, *, allow_partial: bool
) -> tuple[IntentRecord, bool]:
    """What the check means for ``record``: (the record to insert, True), or (the stored copy, False)
    when the check did not pass and the intent was stored before. Raises :class:`Rejection`."""
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
    return record, True


def _rejected(ctx: Context, exc: Rejection, log: Any) -> Rejection:
    ctx.metrics.rejected.labels(exc.reason.value).inc()
    log.info("intent rejected", reason=exc.reason.value, detail=exc.detail)
    return exc


def _accepted(ctx: Context, stored: IntentRecord, source: str, log: Any) -> None:
    ctx.nudge("submit" if stored.state is IntentState.VERIFIED else "verify")
    ctx.metrics.accepted.labels(source).inc()
    log.info("intent accepted", state=stored.state.value, reason=stored.reason)


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
