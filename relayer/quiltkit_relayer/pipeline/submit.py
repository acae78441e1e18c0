"""Submit stage: verified -> submitted, several intents per transaction.

One tick leases up to ``batch_max`` verified intents, simulates them as one transaction
(``releaseWithIntents``), dropping any intent that would fail, with its reason, takes the next
nonce, signs, persists the signed transaction with its hash and nonce, and only then broadcasts. A crash anywhere leaves
either nothing (intents still verified; their leases expire) or a signed transaction in the store
that the confirm stage broadcasts or resolves.
"""

from __future__ import annotations

import time

from quiltkit.exceptions import ContractRevert

from quiltkit_relayer.chains.base import ChainUnavailable, Checked
from quiltkit_relayer.models import IntentRecord, IntentState, Reason
from quiltkit_relayer.pipeline.context import Context
from quiltkit_relayer.pipeline.send import broadcast_stored, sign_and_store
from quiltkit_relayer.pipeline.verify import retry
from quiltkit_relayer.results import Abort, Done, Retry
from quiltkit_relayer.store import LeaseLost

__all__ = ["SubmitStage"]

_VERIFIED = [IntentState.VERIFIED]


class SubmitStage:
    name = "submit"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.idle = False
        """The last tick found no intent ready (the worker may then sleep until nudged)."""

    def tick(self) -> bool:
        ctx = self.ctx
        self.idle = False
        if not ctx.signer_ok.is_set():
            return False
        adapter = ctx.adapter
        in_flight = ctx.settings.max_in_flight
        if adapter.max_in_flight is not None:
            in_flight = min(in_flight, adapter.max_in_flight)
        live, ready, since = ctx.store.submit_gate(
            IntentState.VERIFIED, chain=adapter.name, signer=adapter.signer_address
        )
        if live >= in_flight:
            return False
        batch_max = min(ctx.settings.batch_max, adapter.batch_limit)
        self.idle = ready == 0
        if ready == 0 or (ready < batch_max and since is not None and time.time() - since < ctx.settings.batch_wait_s):
            return False  # let the batch fill a little (at most batch_wait_s)
        records = ctx.store.claim(
            _VERIFIED,
            owner=ctx.instance_id,
            lease_s=ctx.settings.lease_s,
            limit=batch_max,
            chain=adapter.name,
        )
        if not records:
            return False
        try:
            self.submit(records)
        except LeaseLost as exc:
            ctx.log(action="submit", intent_ids=[r.intent_id for r in records]).warning(str(exc))
        except ChainUnavailable as exc:
            for record in records:
                self._retry(record, str(exc))
        return True

    def submit(self, records: list[IntentRecord]) -> None:
        ctx = self.ctx
        adapter = ctx.adapter
        live: list[IntentRecord] = []
        now = adapter.now()
        for record in records:
            if record.intent.deadline <= now + ctx.settings.expiry_margin_s:
                self._finish(record, self._expired_or_done(record, now))
                continue
            live.append(record)
        if live:
            # Closed since verification (paid by a copy of it, released by the payer, disputed):
            # the contract would skip these in the batch, so simulation would not drop them. Read
            # before checked(), which then finds the escrows' thresholds in this read.
            closed = adapter.closed_since_check(live)
            for record in live:
                if record.intent_id in closed:
                    self._finish(record, closed[record.intent_id])
            live = [r for r in live if r.intent_id not in closed]
        batch: list[tuple[IntentRecord, Checked]] = [(r, adapter.checked(r)) for r in live]
        gas = 0
        for _ in range(3):  # a failing intent is dropped and the rest simulated again
            if not batch:
                return
            request = adapter.payout_request(batch)
            try:
                gas = adapter.estimate(request)
                break
            except ContractRevert as err:
                batch = self._drop_failing(batch, err)
        else:
            for record, _checked in batch:
                self._retry(record, "the batch kept failing simulation")
            return

        stored = sign_and_store(ctx, request, gas=gas, kind="payout", owner=ctx.instance_id)
        ctx.metrics.transactions.labels("payout").inc()
        ctx.metrics.batch_size.observe(len(batch))
        tx_hash = stored.signed.tx_hash
        for record, _checked in batch:
            ctx.log(intent_id=record.intent_id, action="submit", attempt=record.attempts + 1).info(
                "signed and stored", tx_hash=tx_hash, nonce=stored.nonce, batch=len(batch)
            )
        outcome, message = broadcast_stored(ctx, stored)
        log = ctx.log(action="broadcast", attempt=1, intent_ids=list(request.intent_ids))
        log.info("broadcast", tx_hash=tx_hash, nonce=stored.nonce, outcome=outcome.value, detail=message or None)

    def _drop_failing(
        self, batch: list[tuple[IntentRecord, Checked]], err: ContractRevert
    ) -> list[tuple[IntentRecord, Checked]]:
        """Simulate each intent alone; settle the ones that fail, keep the others."""
        ctx = self.ctx
        kept: list[tuple[IntentRecord, Checked]] = []
        for record, checked in batch:
            outcome = ctx.adapter.explain_failure(record, checked)
            if outcome is None:
                kept.append((record, checked))
            elif isinstance(outcome, Retry):
                self._retry(record, outcome.reason)
            else:
                if isinstance(outcome, Abort) and outcome.state is IntentState.EXPIRED:
                    outcome = self._expired_or_done(record, ctx.adapter.now())
                self._finish(record, outcome)
        if len(kept) == len(batch):  # the batch failed though each intent passes alone
            ctx.log(action="submit", intent_ids=[r.intent_id for r, _ in batch]).warning(
                "batch simulation failed but every intent passes alone; submitting one per transaction", error=str(err)
            )
            for record, _checked in kept[1:]:
                self._retry(record, f"batch failed: {err}", delay_s=0.0)
            return kept[:1]
        return kept

    def _expired_or_done(self, record: IntentRecord, now: int) -> Abort | Done:
        if self.ctx.adapter.is_paid(record.intent):
            return Done("the contract already consumed this intent")
        return Abort(
            Reason.EXPIRED,
            f"deadline {record.intent.deadline} passed before submission (chain time {now})",
            IntentState.EXPIRED,
        )

    def _finish(self, record: IntentRecord, outcome: Abort | Done) -> None:
        ctx = self.ctx
        log = ctx.log(intent_id=record.intent_id, action="submit", attempt=record.attempts + 1)
        if isinstance(outcome, Done):
            ctx.store.transition(
                record.intent_id,
                owner=ctx.instance_id,
                expect=_VERIFIED,
                state=IntentState.CONFIRMED,
                reason=outcome.detail,
            )
            ctx.metrics.finished.labels(IntentState.CONFIRMED.value).inc()
            log.info("already consumed on chain: done")
            return
        ctx.store.transition(
            record.intent_id, owner=ctx.instance_id, expect=_VERIFIED, state=outcome.state, reason=outcome.text()
        )
        ctx.metrics.finished.labels(outcome.state.value).inc()
        log.info(
            "dropped from the batch", state=outcome.state.value, reason=outcome.reason.value, detail=outcome.detail
        )

    def _retry(self, record: IntentRecord, why: str, delay_s: float | None = None) -> None:
        try:
            retry(self.ctx, record, "submit", why, delay_s, expect=_VERIFIED)
        except LeaseLost as exc:
            self.ctx.log(intent_id=record.intent_id, action="submit", attempt=record.attempts).warning(str(exc))
