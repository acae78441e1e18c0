"""Verify stage: received -> verified (or confirmed if already consumed, failed, expired).

Handles intents that intake could not check at once (node unreachable), intents collecting
verifier signatures, and intents whose transaction reverted or vanished (checked again here: an
intent the contract consumed meanwhile is done, not an error).
"""

from __future__ import annotations

import json

from quiltkit_relayer.models import IntentRecord, IntentState, Reason
from quiltkit_relayer.pipeline.context import Context
from quiltkit_relayer.pipeline.intake import AWAITING_SIGNATURES
from quiltkit_relayer.results import Abort, Done, Ok, Retry, backoff
from quiltkit_relayer.store import LeaseLost

__all__ = ["VerifyStage"]


class VerifyStage:
    name = "verify"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.idle = False
        """The last tick found nothing due (the worker may then sleep until nudged)."""

    def tick(self) -> bool:
        """Verify the due ``received`` intents; True when there was work."""
        ctx = self.ctx
        records = ctx.store.claim(
            [IntentState.RECEIVED],
            owner=ctx.instance_id,
            lease_s=ctx.settings.lease_s,
            limit=ctx.settings.batch_max,
            chain=ctx.adapter.name,
        )
        self.idle = not records
        for record in records:
            if ctx.stop.is_set():
                break
            try:
                self.handle(record)
            except LeaseLost as exc:
                ctx.log(intent_id=record.intent_id, action="verify", attempt=record.attempts).warning(str(exc))
        if ctx.stop.is_set():
            ctx.store.release_leases(ctx.instance_id)
        return bool(records)

    def handle(self, record: IntentRecord) -> None:
        ctx = self.ctx
        policy = ctx.settings.retry.verify
        log = ctx.log(intent_id=record.intent_id, action="verify", attempt=record.attempts + 1)
        result = ctx.adapter.check(record)
        owner = ctx.instance_id
        expect = [IntentState.RECEIVED]
        match result:
            case Ok():
                ctx.store.transition(
                    record.intent_id,
                    owner=owner,
                    expect=expect,
                    state=IntentState.VERIFIED,
                    verifiers_json=json.dumps(list(result.value.verifiers)),
                )
                ctx.nudge("submit")
                log.info("verified")
            case Done():
                ctx.store.transition(
                    record.intent_id, owner=owner, expect=expect, state=IntentState.CONFIRMED, reason=result.detail
                )
                ctx.metrics.finished.labels(IntentState.CONFIRMED.value).inc()
                log.info("already consumed on chain: done", detail=result.detail)
            case Abort(reason=Reason.INSUFFICIENT_SIGNATURES):
                ctx.store.transition(
                    record.intent_id,
                    owner=owner,
                    expect=expect,
                    state=IntentState.RECEIVED,
                    reason=f"{AWAITING_SIGNATURES}: {result.detail}",
                    delay_s=policy.max_s,
                )
                log.info("waiting for more verifier signatures", detail=result.detail)
            case Abort():
                ctx.store.transition(
                    record.intent_id, owner=owner, expect=expect, state=result.state, reason=result.text()
                )
                ctx.metrics.finished.labels(result.state.value).inc()
                log.info(
                    "verification failed", state=result.state.value, reason=result.reason.value, detail=result.detail
                )
            case Retry():
                retry(ctx, record, "verify", result.reason, result.delay_s, expect=expect)


def retry(
    ctx: Context,
    record: IntentRecord,
    stage: str,
    why: str,
    delay_s: float | None,
    *,
    expect: list[IntentState],
) -> None:
    """Put ``record`` back in its state for a later attempt, or fail it when attempts run out."""
    policy = getattr(ctx.settings.retry, stage)
    log = ctx.log(intent_id=record.intent_id, action=stage, attempt=record.attempts + 1)
    ctx.metrics.retries.labels(stage).inc()
    if record.attempts + 1 >= policy.max_attempts:
        ctx.store.transition(
            record.intent_id,
            owner=ctx.instance_id,
            expect=expect,
            state=IntentState.FAILED,
            reason=f"{Reason.RETRIES_EXHAUSTED.value}: {why}",
            attempt=True,
        )
        ctx.metrics.finished.labels(IntentState.FAILED.value).inc()
        log.warning("retries exhausted", detail=why)
        return
    delay = delay_s if delay_s is not None else backoff(policy, record.attempts)
    ctx.store.transition(
        record.intent_id,
        owner=ctx.instance_id,
        expect=expect,
        state=record.state,
        reason=f"retrying: {why}",
        delay_s=delay,
        attempt=True,
    )
    log.info("will retry", detail=why, delay_s=round(delay, 3))
