"""The keeper: due work that needs no signature, as pluggable job types.

A job type says what is due (:meth:`KeeperJob.due`) as tasks with a stable key; the keeper sends
each due task as a transaction through the same nonce manager, store and confirm stage as
payouts, and remembers it in ``keeper_tasks`` so it is not sent twice while in flight. A job is
re-asked each round, so work that became moot (someone else did it) simply stops being due.
``SettleAuctionsJob`` settles ended auctions of an AuctionHouse in batches; later job types
(finalising funding rounds) are one more class each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from quiltkit.auction import MAX_BATCH, SETTLE_GAS_RESERVE, AuctionHouse
from quiltkit.exceptions import ContractRevert
from quiltkit.indexer.queries import Queries

from quiltkit_relayer.chains.base import ChainUnavailable, TxRequest
from quiltkit_relayer.pipeline.context import Context
from quiltkit_relayer.pipeline.send import broadcast_stored, sign_and_store

__all__ = ["Keeper", "KeeperJob", "OpenRefundsJob", "SettleAuctionsJob", "Task"]


@dataclass(frozen=True)
class Task:
    key: str
    request: TxRequest
    detail: str
    gas_reserve: int = 0
    """Gas added to the estimate: for calls that check ``gasleft()`` before a bounded sub-call
    (the estimate is the gas used, which leaves no room for such a check)."""


class KeeperJob(Protocol):
    name: str

    def due(self, ctx: Context) -> Sequence[Task]:
        """The tasks of this job type that are due now."""


class OpenRefundsJob:
    """Open refunds of escrows whose deadline has passed with funded milestones still pending.

    The candidates are ``escrow_ids`` when given; else, with ``index`` (the queries of a
    ``quiltkit index run`` database on the same chain), the escrows the index holds past their
    deadline and not yet refunding; else every escrow, read from the chain one by one. Each
    candidate is checked on chain before anything is sent, so an index that lags only delays a
    refund to a later round."""

    name = "open_refunds"

    def __init__(self, escrow_ids: Sequence[int] | None = None, index: Queries | None = None) -> None:
        self.escrow_ids = list(escrow_ids) if escrow_ids is not None else None
        self.index = index

    def due(self, ctx: Context) -> Sequence[Task]:
        adapter = ctx.adapter
        now = adapter.now()
        if self.escrow_ids is not None:
            ids: Sequence[int] = self.escrow_ids
        elif self.index is not None:
            ids = self.index.refund_candidates(now)
        else:
            ids = adapter.escrow_ids()
        tasks = []
        for escrow_id in ids:
            detail = adapter.refund_due(escrow_id, now)
            if detail is not None:
                tasks.append(Task(key=str(escrow_id), request=adapter.refund_request(escrow_id), detail=detail))
        return tasks


class SettleAuctionsJob:
    """Settle an AuctionHouse's ended auctions, ``batch_size`` per ``settle_many`` (EVM only).

    What is due comes from the house's own view (``due_auctions``, by the chain's clock), so a
    task names only auctions the chain says have ended. A batch's key is its ids: while it is in
    flight it is not sent again, and once confirmed its auctions are no longer due. Exactly once
    holds on chain: an auction settles once, and ``settle_many`` skips what is already settled, so
    two instances sending overlapping batches cost one batch's gas, never a second settlement.
    """

    name = "settle_auctions"

    def __init__(self, house: str, batch_size: int = MAX_BATCH) -> None:
        self.house = house
        self.batch_size = batch_size

    def due(self, ctx: Context) -> Sequence[Task]:
        adapter = ctx.adapter
        w3 = getattr(adapter, "w3", None)
        if w3 is None:
            raise ChainUnavailable(f"{type(adapter).__name__} has no EVM node: settle_auctions is EVM only")
        house = AuctionHouse(w3, self.house)
        due = house.due_auctions()
        tasks = []
        for start in range(0, len(due), self.batch_size):
            batch = due[start : start + self.batch_size]
            data = house.contract.encode_abi("settle_many", args=[batch])
            request = TxRequest(to=house.address, data=bytes.fromhex(data.removeprefix("0x")), intent_ids=())
            key = ",".join(str(i) for i in batch)
            tasks.append(
                Task(key=key, request=request, detail=f"auctions {key} have ended", gas_reserve=SETTLE_GAS_RESERVE)
            )
        return tasks


class Keeper:
    name = "keeper"

    def __init__(self, ctx: Context, jobs: Sequence[KeeperJob]) -> None:
        self.ctx = ctx
        self.jobs = list(jobs)

    def tick(self) -> bool:
        ctx = self.ctx
        if not ctx.signer_ok.is_set():
            return False
        for job in self.jobs:
            try:
                tasks = job.due(ctx)
            except (ChainUnavailable, ContractRevert) as exc:
                ctx.log(action=f"keeper.{job.name}").warning("cannot tell what is due", detail=str(exc))
                continue
            for task in tasks:
                if ctx.stop.is_set():
                    return False
                try:
                    self.run(job, task)
                except ChainUnavailable as exc:  # nothing was stored: the task is due again next round
                    ctx.log(action=f"keeper.{job.name}", key=task.key).warning("node unavailable", detail=str(exc))
                    return False
        return False  # the keeper runs on its interval, never back to back

    def run(self, job: KeeperJob, task: Task) -> None:
        ctx = self.ctx
        adapter = ctx.adapter
        log = ctx.log(action=f"keeper.{job.name}", key=task.key)
        known = ctx.store.keeper_task(job.name, task.key)
        if known is not None and known["state"] == "submitted":
            return
        try:
            gas = adapter.estimate(task.request) + task.gas_reserve
        except ContractRevert as exc:
            log.info("not due after all", detail=str(exc))
            return
        stored = sign_and_store(
            ctx, task.request, gas=gas, kind="keeper", owner=None, keeper_job=job.name, keeper_key=task.key
        )
        ctx.store.put_keeper_task(job.name, task.key, state="submitted", tx_id=stored.row.id, detail=task.detail)
        ctx.metrics.transactions.labels("keeper").inc()
        outcome, message = broadcast_stored(ctx, stored)
        log.info(
            "keeper transaction sent",
            tx_hash=stored.signed.tx_hash,
            nonce=stored.nonce,
            outcome=outcome.value,
            detail=message or None,
        )
