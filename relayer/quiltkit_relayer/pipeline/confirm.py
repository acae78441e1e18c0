"""Confirm stage: submitted -> confirmed, through whatever happens to the transaction.

Per unresolved nonce of this instance's signer (every signed version of it is in the store):

- a version has a receipt: success and ``confirmations`` deep -> its intents are confirmed, except
  any the batch skipped unpaid (a milestone closed by something else first), which go back to
  ``received`` (verify then ends them with the milestone's state as the reason);
  reverted -> its intents go back to ``received`` (verify then finds them consumed, expired, ...);
- no receipt, and the chain's nonce has moved past it -> something else used the nonce: intents
  the contract consumed are confirmed, the others go back to ``received``;
- no receipt, nonce not used, and the newest version can provably never be included (Stellar: its
  time bounds passed with no ledger holding it) -> rebuilt: same nonce and call, new time bounds;
- no receipt, nonce not used: a version the node does not know (never sent, dropped, reorged out,
  node restarted) is broadcast again, byte for byte; one pending longer than ``stuck_after_s`` is
  replaced by the same transaction with bumped fees, up to the cap.
"""

from __future__ import annotations

import time
from collections import defaultdict

from quiltkit_relayer.chains.base import Broadcast, ChainUnavailable, Fees, Receipt
from quiltkit_relayer.models import IntentState, TxState
from quiltkit_relayer.pipeline.context import Context
from quiltkit_relayer.store import NewTx, TxRow

__all__ = ["ConfirmStage"]

RECEIPT_GRACE_S = 2.0
"""How long a nonce may stand used with no receipt of ours before it counts as used by another
transaction. anvil counts a mined transaction's nonce before it serves the receipt (in a 1000-intent
run, 20 of 50 batches were seen that way at once), and concluding early loses the batch's receipt:
its gas, block and transaction hash would be missing from the intents it paid."""


class ConfirmStage:
    name = "confirm"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._cap_logged: set[int] = set()
        self._used_without_receipt: dict[int, float] = {}
        """nonce -> when (monotonic) it was first seen used with no receipt of ours."""
        self.idle = False
        """The last tick found no unresolved transaction (the worker may then sleep until nudged)."""

    def tick(self) -> bool:
        ctx = self.ctx
        self.idle = False
        if not ctx.signer_ok.is_set():
            return False
        adapter = ctx.adapter
        live = ctx.store.live_txs(adapter.name, adapter.signer_address)
        if not live:
            self.idle = True
            return False
        # The nonce is read before any receipt: a nonce used before this point whose
        # transaction is ours must show its receipt below.
        try:
            latest_nonce = adapter.account_nonce(pending=False)
            head = adapter.head()
        except ChainUnavailable as exc:
            ctx.metrics.retries.labels("confirm").inc()
            ctx.log(action="confirm").warning("node unavailable", detail=str(exc))
            return False
        by_nonce: dict[int, list[TxRow]] = defaultdict(list)
        for row in live:
            by_nonce[row.nonce].append(row)
        changed = False
        for nonce in sorted(by_nonce):
            if ctx.stop.is_set():
                break
            try:
                changed |= self.settle(nonce, by_nonce[nonce], head=head, latest_nonce=latest_nonce)
            except ChainUnavailable as exc:
                ctx.metrics.retries.labels("confirm").inc()
                ctx.log(action="confirm", nonce=nonce).warning("node unavailable", detail=str(exc))
                return False
        return changed

    def settle(self, nonce: int, versions: list[TxRow], *, head: int, latest_nonce: int) -> bool:
        ctx = self.ctx
        adapter = ctx.adapter
        intent_ids = sorted({i for v in versions for i in v.intent_ids})
        log = ctx.log(action="confirm", nonce=nonce, intent_ids=intent_ids)
        mined = self._mined(versions)
        if mined is None and latest_nonce > nonce:
            # The nonce moved past with no receipt of ours: anvil can count a mined transaction's
            # nonce a moment before it serves the receipt, so look once more, and give the node
            # RECEIPT_GRACE_S before concluding that something else used it.
            mined = self._mined(versions)
            if mined is None:
                first_seen = self._used_without_receipt.setdefault(nonce, time.monotonic())
                if time.monotonic() - first_seen < RECEIPT_GRACE_S:
                    return False
        self._used_without_receipt.pop(nonce, None)
        if mined is not None:
            version, receipt = mined
            if not receipt.success:
                ctx.store.settle_nonce(
                    versions,
                    winner=version,
                    outcome=TxState.REVERTED,
                    block_number=receipt.block_number,
                    gas_used=receipt.gas_used,
                    effective_gas_price=receipt.effective_gas_price,
                    requeue_reason=f"transaction {version.tx_hash} reverted; checking again",
                )
                self._count_gas(receipt.gas_used, receipt.effective_gas_price)
                self._keeper_outcome(versions, "failed", f"reverted in {version.tx_hash}")
                ctx.nudge("verify")
                log.warning("transaction reverted; its intents go back to verification", tx_hash=version.tx_hash)
                return True
            depth = head - receipt.block_number + 1
            if depth < ctx.settings.confirmations:
                if version.state is not TxState.MINED:
                    ctx.store.mark_mined(version.id, receipt.block_number)
                    log.info("mined", tx_hash=version.tx_hash, block=receipt.block_number, depth=depth)
                return False
            # A batch passes over an intent whose milestone something else closed first; a copy of
            # this very intent paid by someone else still counts as paid.
            skipped = [i for i in receipt.skipped if i in intent_ids]
            unpaid = sorted(set(skipped) - self._paid(skipped))
            ctx.store.settle_nonce(
                versions,
                winner=version,
                outcome=TxState.CONFIRMED,
                block_number=receipt.block_number,
                gas_used=receipt.gas_used,
                effective_gas_price=receipt.effective_gas_price,
                unpaid=unpaid,
                requeue_reason=f"skipped by {version.tx_hash}: its milestone was closed by something else",
            )
            if unpaid:
                ctx.nudge("verify")
                log.warning("the batch skipped intents whose milestone was already closed", unpaid=unpaid)
            self._count_gas(receipt.gas_used, receipt.effective_gas_price)
            self._observe_confirmed(version)
            self._keeper_outcome(versions, "done", f"confirmed in {version.tx_hash}")
            return True

        if any(v.state is TxState.MINED for v in versions):
            log.warning("a mined transaction lost its receipt (reorg): sending it again")
            for v in versions:
                if v.state is TxState.MINED:
                    ctx.store.touch_broadcast(v.id)

        if latest_nonce > nonce:
            paid = self._paid(intent_ids)
            consumed = [i for i in intent_ids if i in paid]
            ctx.store.settle_nonce(
                versions,
                winner=None,
                outcome=TxState.DROPPED,
                consumed=consumed,
                requeue_reason=f"nonce {nonce} was used by a transaction this relayer did not track",
            )
            self._keeper_outcome(versions, "pending", "nonce used elsewhere")
            ctx.nudge("verify")
            log.warning(
                "nonce used by another transaction", consumed=len(consumed), requeued=len(intent_ids) - len(consumed)
            )
            return True

        newest = versions[-1]
        if adapter.expired(newest.raw_tx):
            fees = Fees(newest.max_fee_per_gas, newest.priority_fee_per_gas)
            return self.replace(newest, intent_ids, fees, action="rebuild", why="time bounds passed, in no ledger")
        if newest.state is TxState.SIGNED or not adapter.is_known(newest.tx_hash):
            outcome, message = adapter.broadcast(newest.raw_tx)
            if outcome is Broadcast.ACCEPTED:
                if newest.state is TxState.SIGNED:
                    ctx.store.mark_broadcast(newest.id)
                else:
                    ctx.store.touch_broadcast(newest.id)
                    ctx.metrics.rebroadcasts.inc()
                log.info("broadcast again (unknown to the node)", tx_hash=newest.tx_hash, outcome=outcome.value)
                return True
            log.warning("broadcast refused", tx_hash=newest.tx_hash, outcome=outcome.value, detail=message)
            if outcome is not Broadcast.REJECTED:
                return False
        since = newest.broadcast_at or newest.created_at
        if time.time() - since >= ctx.settings.stuck_after_s:
            return self.bump(newest, intent_ids)
        return False

    def _mined(self, versions: list[TxRow]) -> tuple[TxRow, Receipt] | None:
        """The version of this nonce the node has a receipt for, with it (newest first: the likeliest)."""
        for version in reversed(versions):
            receipt = self.ctx.adapter.receipt(version.tx_hash)
            if receipt is not None:
                return version, receipt
        return None

    def _paid(self, intent_ids: list[str]) -> set[str]:
        """Those of ``intent_ids`` the chain says paid their milestone (by their stored records):
        one store read and one chain call for all of them."""
        if not intent_ids:
            return set()
        records = self.ctx.store.get_many(intent_ids)
        paid = self.ctx.adapter.paid_many([r.intent for r in records])
        return {r.intent_id for r, is_paid in zip(records, paid, strict=True) if is_paid}

    def bump(self, stuck: TxRow, intent_ids: list[str]) -> bool:
        """Replace a stuck transaction: same nonce, same call, higher fees (up to the cap)."""
        ctx = self.ctx
        fees = ctx.adapter.bumped(Fees(stuck.max_fee_per_gas, stuck.priority_fee_per_gas))
        if fees is None:
            if stuck.id not in self._cap_logged:
                self._cap_logged.add(stuck.id)
                ctx.log(action="bump", nonce=stuck.nonce, intent_ids=intent_ids).warning(
                    "stuck at the fee cap; waiting", tx_hash=stuck.tx_hash, max_fee=stuck.max_fee_per_gas
                )
            return False
        ctx.metrics.bumps.inc()
        return self.replace(stuck, intent_ids, fees, action="bump", why="fee bumped")

    def replace(self, stuck: TxRow, intent_ids: list[str], fees: Fees, *, action: str, why: str) -> bool:
        """Store a new version of ``stuck`` (same nonce, same call) with ``fees``, then send it."""
        ctx = self.ctx
        adapter = ctx.adapter
        log = ctx.log(action=action, nonce=stuck.nonce, intent_ids=intent_ids)
        signed = adapter.replacement(stuck.raw_tx, fees)
        row = ctx.store.record_replacement(
            stuck,
            NewTx(
                chain=stuck.chain,
                signer=stuck.signer,
                nonce=stuck.nonce,
                tx_hash=signed.tx_hash,
                raw_tx=signed.raw,
                kind=stuck.kind,
                intent_ids=stuck.intent_ids,
                gas_limit=stuck.gas_limit,
                max_fee_per_gas=fees.max_fee_per_gas,
                priority_fee_per_gas=fees.priority_fee_per_gas,
                keeper_job=stuck.keeper_job,
                keeper_key=stuck.keeper_key,
            ),
        )
        outcome, message = adapter.broadcast(signed.raw)
        if outcome is Broadcast.ACCEPTED:
            ctx.store.mark_broadcast(row.id)
        log.info(
            why,
            replaced=stuck.tx_hash,
            tx_hash=signed.tx_hash,
            max_fee=fees.max_fee_per_gas,
            tip=fees.priority_fee_per_gas,
            outcome=outcome.value,
            detail=message or None,
        )
        return True

    def _count_gas(self, gas_used: int, price: int) -> None:
        self.ctx.metrics.gas_used.inc(gas_used)
        self.ctx.metrics.fees_paid.inc(gas_used * price)

    def _observe_confirmed(self, winner: TxRow) -> None:
        ctx = self.ctx
        now = time.time()
        for record in ctx.store.get_many(winner.intent_ids):
            if record.state is not IntentState.CONFIRMED:
                continue
            ctx.metrics.latency.observe(max(0.0, now - record.created_at))
            ctx.metrics.finished.labels(IntentState.CONFIRMED.value).inc()
            ctx.log(intent_id=record.intent_id, action="confirm", attempt=record.attempts).info(
                "confirmed", tx_hash=winner.tx_hash, block=record.block_number
            )

    def _keeper_outcome(self, versions: list[TxRow], state: str, detail: str) -> None:
        for v in versions:
            if v.kind == "keeper" and v.keeper_job and v.keeper_key:
                self.ctx.store.put_keeper_task(v.keeper_job, v.keeper_key, state=state, tx_id=v.id, detail=detail)
                return
