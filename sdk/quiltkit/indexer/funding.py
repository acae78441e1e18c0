"""The funding-round projection: each FundingRound a FundingRoundFactory created, folded from the
round's own events and the factory's ``RoundCreated``.

The factory is the manifest's contract; its rounds are *child contracts*: the indexer learns each
one from ``RoundCreated`` (:meth:`FundingProjection.child_of`) and follows it from that block on,
the round's logs of the creation range included. A round is one subject (``round:<address>``):
its row (terms the events carry, phase and cursor, pause, pool), its projects (plan, donated,
square-root sum, match, refunding, returned to donors, settled milestones), donations (per donor
and project: total and refunded), milestone releases and SCORE allocations are a function of the
round's events alone, so a reorg rebuilds exactly the rounds it touched.

Events carry everything projected except the round's windows, cap, gate and treasury (fixed at
creation, in no event): those are read from the round (``FundingRound.params``), not indexed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from math import isqrt
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select

from quiltkit import funding_events as fe
from quiltkit import funding_factory_events as ff
from quiltkit._contract import ContractClient, ContractEvent
from quiltkit._types import checksum
from quiltkit.funding import FundingRound, FundingRoundFactory, Phase
from quiltkit.indexer import schema as t
from quiltkit.indexer.projection import Difference, Projection, chunks, differences

if TYPE_CHECKING:
    from web3 import Web3

    from quiltkit.indexer.store import IndexStore

__all__ = ["DonationRow", "FundingProjection", "ProjectRow", "RoundRow", "round_states"]

_NO_STREAM: dict[str, Any] = {"stream_amount": 0, "stream_claimed": 0, "stream_start": 0, "stream_stopped": False}


@dataclass
class ProjectRow:
    project_id: int
    recipient: str
    goal: int
    milestones: list[int]
    vesting_duration: int
    created_block: int
    donated: int = 0
    sum_sqrt: int = 0
    donors: int = 0
    matched: int = 0
    refunding: bool = False
    returned_to_donors: int = 0
    settled_mask: int = 0


@dataclass
class DonationRow:
    project_id: int
    donor: str
    first_block: int
    updated_block: int
    amount: int = 0
    refunded: int = 0


@dataclass
class RoundRow:
    """One round's projected state (its projects, donations, releases and allocations with it)."""

    round: str
    currency: str
    curator: str
    strategy: int
    created_block: int
    updated_block: int
    factory: str | None = None
    round_index: int | None = None
    creator: str | None = None
    salt: str | None = None
    metadata_uri: str = ""
    phase: int = Phase.OPEN
    cursor: int = 0
    paused: bool = False
    pool_total: int = 0
    pool_matched: int = 0
    pool_returned: int = 0
    projects: dict[int, ProjectRow] = field(default_factory=dict)
    donations: dict[tuple[int, str], DonationRow] = field(default_factory=dict)
    releases: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    allocations: list[dict[str, Any]] = field(default_factory=list)

    def apply(self, e: ContractEvent, stopped_in_tx: set[tuple[str, int]]) -> None:
        """Fold one of the round's events in (``RoundInitialized`` and ``RoundCreated`` open it).
        ``stopped_in_tx``: (tx, project) pairs whose ``StreamStopped`` was seen, so that the
        ``FundsReturned`` following it is told from ``returnUnreleased``'s (which settles all)."""
        self.updated_block = e.block_number
        if isinstance(e, ff.RoundCreated):
            self.factory, self.round_index, self.creator = e.contract, e.index, e.creator
            self.salt, self.metadata_uri = str(e.salt), e.metadata_uri
        elif isinstance(e, fe.ProjectRegistered):
            self.projects[e.project_id] = ProjectRow(
                project_id=e.project_id,
                recipient=e.recipient,
                goal=e.goal,
                milestones=list(e.milestone_amounts),
                vesting_duration=e.vesting_duration,
                created_block=e.block_number,
            )
        elif isinstance(e, fe.Donated):
            p = self.projects[e.project_id]
            key = (e.project_id, e.donor)
            d = self.donations.get(key)
            if d is None:
                d = self.donations[key] = DonationRow(e.project_id, e.donor, e.block_number, e.block_number)
                p.donors += 1
            p.sum_sqrt += isqrt(e.donor_total) - isqrt(d.amount)
            p.donated += e.amount
            d.amount, d.updated_block = e.donor_total, e.block_number
        elif isinstance(e, fe.PoolFunded):
            self.pool_total = e.pool_total
        elif isinstance(e, fe.FinalizationProgressed):
            self.phase, self.cursor = e.phase, e.cursor
        elif isinstance(e, fe.ProjectMatched):
            self.projects[e.project_id].matched = e.matched
            self.pool_matched += e.matched  # poolState counts matches batch by batch
        elif isinstance(e, fe.ProjectBelowGoal):
            self.projects[e.project_id].refunding = True
        elif isinstance(e, fe.RoundFinalized):
            self.phase = Phase.FINALIZED
            self.pool_matched = e.distributed
            self.pool_returned += e.undistributed
        elif isinstance(e, fe.ScoreAllocated):
            self.allocations.append(
                {
                    "position": len(self.allocations),
                    "recipient": e.recipient,
                    "score": e.score,
                    "amount": e.amount,
                    "block_number": e.block_number,
                }
            )
        elif isinstance(e, fe.MilestoneReleased):
            self.projects[e.project_id].settled_mask |= 1 << e.milestone
            self.releases[(e.project_id, e.milestone)] = {
                "recipient": e.recipient,
                "amount": e.amount,
                "intent_id": str(e.intent_id),
                "block_number": e.block_number,
                "tx_hash": e.tx_hash,
                **_NO_STREAM,
            }
        elif isinstance(e, fe.StreamStarted):
            self.releases[(e.project_id, e.milestone)].update(stream_amount=e.amount, stream_start=e.start)
        elif isinstance(e, fe.StreamClaimed):
            self.releases[(e.project_id, e.milestone)]["stream_claimed"] += e.amount
        elif isinstance(e, fe.StreamStopped):
            self.releases[(e.project_id, e.milestone)].update(stream_amount=e.vested, stream_stopped=True)
            stopped_in_tx.add((e.tx_hash, e.project_id))
        elif isinstance(e, fe.FundsReturned):
            p = self.projects[e.project_id]
            p.returned_to_donors += e.to_donors
            self.pool_returned += e.to_pool
            if (e.tx_hash, e.project_id) not in stopped_in_tx:  # returnUnreleased settles every milestone
                p.settled_mask = (1 << len(p.milestones)) - 1
        elif isinstance(e, fe.DonorRefunded):
            self.donations[(e.project_id, e.donor)].refunded += e.amount
        elif isinstance(e, fe.RoundPaused):
            self.paused = True
        elif isinstance(e, fe.RoundUnpaused):
            self.paused = False

    # --- rows --------------------------------------------------------------------------------

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        """The round's rows, by the short name of their table (:data:`_TABLES`)."""
        r = self.round
        return {
            "rounds": [
                {
                    "round": r,
                    "factory": self.factory,
                    "round_index": None if self.round_index is None else str(self.round_index),
                    "creator": self.creator,
                    "salt": self.salt,
                    "metadata_uri": self.metadata_uri,
                    "currency": self.currency,
                    "curator": self.curator,
                    "strategy": self.strategy,
                    "phase": int(self.phase),
                    "cursor": str(self.cursor),
                    "paused": self.paused,
                    "pool_total": str(self.pool_total),
                    "pool_matched": str(self.pool_matched),
                    "pool_returned": str(self.pool_returned),
                    "project_count": len(self.projects),
                    "created_block": self.created_block,
                    "updated_block": self.updated_block,
                }
            ],
            "projects": [
                {
                    "round": r,
                    "project_id": str(p.project_id),
                    "recipient": p.recipient,
                    "goal": str(p.goal),
                    "milestones_json": json.dumps([str(a) for a in p.milestones]),
                    "vesting_duration": p.vesting_duration,
                    "donated": str(p.donated),
                    "sum_sqrt": str(p.sum_sqrt),
                    "donors": p.donors,
                    "matched": str(p.matched),
                    "refunding": p.refunding,
                    "returned_to_donors": str(p.returned_to_donors),
                    "settled_mask": p.settled_mask,
                    "created_block": p.created_block,
                }
                for p in self.projects.values()
            ],
            "donations": [
                {
                    "round": r,
                    "project_id": str(d.project_id),
                    "donor": d.donor,
                    "amount": str(d.amount),
                    "refunded": str(d.refunded),
                    "first_block": d.first_block,
                    "updated_block": d.updated_block,
                }
                for d in self.donations.values()
            ],
            "releases": [
                {
                    "round": r,
                    "project_id": str(k[0]),
                    "milestone": k[1],
                    **v,
                    "amount": str(v["amount"]),
                    "stream_amount": str(v["stream_amount"]),
                    "stream_claimed": str(v["stream_claimed"]),
                }
                for k, v in self.releases.items()
            ],
            "allocations": [
                {"round": r, **a, "score": str(a["score"]), "amount": str(a["amount"])} for a in self.allocations
            ],
        }


_TABLES = {
    "rounds": t.funding_rounds,
    "projects": t.funding_projects,
    "donations": t.funding_donations,
    "releases": t.funding_releases,
    "allocations": t.funding_allocations,
}


def _load(conn: Connection, rounds: Sequence[str]) -> dict[str, RoundRow]:
    """The stored state of ``rounds`` (those indexed), with their projects, donations, releases."""
    out: dict[str, RoundRow] = {}
    for part in chunks(list(rounds)):
        for r in conn.execute(select(t.funding_rounds).where(t.funding_rounds.c.round.in_(part))).mappings():
            out[r["round"]] = RoundRow(
                round=r["round"],
                factory=r["factory"],
                round_index=None if r["round_index"] is None else int(r["round_index"]),
                creator=r["creator"],
                salt=r["salt"],
                metadata_uri=r["metadata_uri"],
                currency=r["currency"],
                curator=r["curator"],
                strategy=int(r["strategy"]),
                phase=int(r["phase"]),
                cursor=int(r["cursor"]),
                paused=bool(r["paused"]),
                pool_total=int(r["pool_total"]),
                pool_matched=int(r["pool_matched"]),
                pool_returned=int(r["pool_returned"]),
                created_block=int(r["created_block"]),
                updated_block=int(r["updated_block"]),
            )
        for r in conn.execute(select(t.funding_projects).where(t.funding_projects.c.round.in_(part))).mappings():
            pid = int(r["project_id"])
            out[r["round"]].projects[pid] = ProjectRow(
                project_id=pid,
                recipient=r["recipient"],
                goal=int(r["goal"]),
                milestones=[int(a) for a in json.loads(r["milestones_json"])],
                vesting_duration=int(r["vesting_duration"]),
                created_block=int(r["created_block"]),
                donated=int(r["donated"]),
                sum_sqrt=int(r["sum_sqrt"]),
                donors=int(r["donors"]),
                matched=int(r["matched"]),
                refunding=bool(r["refunding"]),
                returned_to_donors=int(r["returned_to_donors"]),
                settled_mask=int(r["settled_mask"]),
            )
        for r in conn.execute(select(t.funding_donations).where(t.funding_donations.c.round.in_(part))).mappings():
            pid = int(r["project_id"])
            out[r["round"]].donations[(pid, r["donor"])] = DonationRow(
                project_id=pid,
                donor=r["donor"],
                first_block=int(r["first_block"]),
                updated_block=int(r["updated_block"]),
                amount=int(r["amount"]),
                refunded=int(r["refunded"]),
            )
        for r in conn.execute(select(t.funding_releases).where(t.funding_releases.c.round.in_(part))).mappings():
            out[r["round"]].releases[(int(r["project_id"]), int(r["milestone"]))] = {
                "recipient": r["recipient"],
                "amount": int(r["amount"]),
                "intent_id": r["intent_id"],
                "block_number": int(r["block_number"]),
                "tx_hash": r["tx_hash"],
                "stream_amount": int(r["stream_amount"]),
                "stream_claimed": int(r["stream_claimed"]),
                "stream_start": int(r["stream_start"]),
                "stream_stopped": bool(r["stream_stopped"]),
            }
        query = select(t.funding_allocations).where(t.funding_allocations.c.round.in_(part))
        for r in conn.execute(query.order_by(t.funding_allocations.c.position)).mappings():
            out[r["round"]].allocations.append(
                {
                    "position": int(r["position"]),
                    "recipient": r["recipient"],
                    "score": int(r["score"]),
                    "amount": int(r["amount"]),
                    "block_number": int(r["block_number"]),
                }
            )
    return out


def round_states(store: IndexStore, rounds: Sequence[str] | None = None) -> dict[str, RoundRow]:
    """Every indexed round (or those named), as folded."""
    with store._statement() as conn:
        if rounds is None:
            rounds = [str(r[0]) for r in conn.execute(select(t.funding_rounds.c.round))]
        return _load(conn, rounds)


def _read(client: ContractClient, fn: str, block: int, *args: Any) -> Any:
    return client._decoded(fn, client._eth_call(client._encode(fn, *args), block))


class FundingProjection(Projection):
    """FundingRoundFactory's rounds (``qx_funding_*``), each followed as a child contract."""

    family = "FundingRoundFactory"
    client = FundingRoundFactory
    child_client = FundingRound
    kind = "round"
    tables = (
        (t.funding_allocations, "round"),
        (t.funding_releases, "round"),
        (t.funding_donations, "round"),
        (t.funding_projects, "round"),
        (t.funding_rounds, "round"),
    )

    def subject(self, event: ContractEvent) -> str | None:
        if isinstance(event, ff.RoundCreated):
            return f"round:{event.round}"
        if isinstance(event, fe.FundingEvent) and not isinstance(
            event, fe.EIP712DomainChanged | fe.PaymentDeferred | fe.Withdrawn | fe.PoolReturnClaimed
        ):
            return f"round:{event.contract}"
        return None

    def child_of(self, event: ContractEvent) -> str | None:
        return event.round if isinstance(event, ff.RoundCreated) else None

    def fold(self, conn: Connection, events: Sequence[ContractEvent], *, replay: bool) -> None:
        keys = sorted({self.key(s) for e in events if (s := self.subject(e)) is not None})
        rounds = {} if replay else _load(conn, keys)
        stopped: set[tuple[str, int]] = set()
        for e in events:
            key = self.key(self.subject(e) or "")
            row = rounds.get(key)
            if row is None:
                if not isinstance(e, fe.RoundInitialized):
                    continue  # a round whose initialisation the index did not see: not indexed
                row = rounds[key] = RoundRow(
                    round=e.contract,
                    currency=e.currency,
                    curator=e.curator,
                    strategy=e.strategy,
                    created_block=e.block_number,
                    updated_block=e.block_number,
                )
                continue
            row.apply(e, stopped)
        self.clear(conn, keys)
        out: dict[str, list[dict[str, Any]]] = {name: [] for name in _TABLES}
        for state in rounds.values():
            for name, rows in state.rows().items():
                out[name] += rows
        for name, table in _TABLES.items():
            if out[name]:
                conn.execute(insert(table), out[name])

    def verify(self, w3: Web3, address: str, store: IndexStore, block: int) -> list[Difference]:
        """Each round against its views at ``block``: ``roundParams`` (currency, curator,
        strategy), ``progress`` (phase, cursor), ``poolState``, ``paused``, ``projectCount``; each
        project's ``getProject``; each donation's ``donationOf``; each release's milestone settled;
        the factory's ``isRound`` of each round and, when the index covers the factory from its
        deployment, ``roundCount``."""
        factory = FundingRoundFactory(w3, address)
        out: list[Difference] = []
        states = {k: v for k, v in round_states(store).items() if v.factory is None or v.factory == address}
        for key, r in sorted(states.items()):
            rc = FundingRound(w3, key)
            name = f"round {key}"
            params = _read(rc, "roundParams", block)
            phase, cursor, _ = _read(rc, "progress", block)
            total, matched, returned = _read(rc, "poolState", block)
            pairs: dict[str, tuple[Any, Any]] = {
                "isRound": (True, bool(_read(factory, "isRound", block, key))),
                "currency": (r.currency, checksum(params[0])),
                "curator": (r.curator, checksum(params[1])),
                "strategy": (r.strategy, int(params[2])),
                "phase": (int(r.phase), int(phase)),
                "cursor": (r.cursor, int(cursor)),
                "pool total": (r.pool_total, int(total)),
                "pool matched": (r.pool_matched, int(matched)),
                "pool returned": (r.pool_returned, int(returned)),
                "paused": (r.paused, bool(_read(rc, "paused", block))),
                "projectCount": (len(r.projects), int(_read(rc, "projectCount", block))),
            }
            out += differences(name, pairs)
            for pid, p in sorted(r.projects.items()):
                v = _read(rc, "getProject", block, pid)
                out += differences(
                    f"{name} project {pid}",
                    {
                        "recipient": (p.recipient, checksum(v[0])),
                        "vesting_duration": (p.vesting_duration, int(v[1])),
                        "settled_mask": (p.settled_mask, int(v[2])),
                        "milestone_count": (len(p.milestones), int(v[3])),
                        "refunding": (p.refunding, bool(v[4])),
                        "goal": (p.goal, int(v[5])),
                        "donated": (p.donated, int(v[6])),
                        "sum_sqrt": (p.sum_sqrt, int(v[7])),
                        "matched": (p.matched, int(v[8])),
                        "returned_to_donors": (p.returned_to_donors, int(v[9])),
                        "planned_total": (sum(p.milestones), int(v[10])),
                    },
                )
            for (pid, donor), d in sorted(r.donations.items()):
                amount, refunded = _read(rc, "donationOf", block, pid, donor)
                out += differences(
                    f"{name} donation {pid} {donor}",
                    {"amount": (d.amount, int(amount)), "refunded": (d.refunded, int(refunded))},
                )
            for pid, k in sorted(r.releases):
                rel = r.releases[(pid, k)]
                amount, claimed, start, stopped, _ = _read(rc, "streamOf", block, pid, k)
                out += differences(
                    f"{name} release {pid}/{k}",
                    {
                        "amount": (rel["amount"], int(_read(rc, "milestonePayout", block, pid, k))),
                        "stream (amount, claimed, start, stopped)": (
                            (rel["stream_amount"], rel["stream_claimed"], rel["stream_start"], rel["stream_stopped"]),
                            (int(amount), int(claimed), int(start), bool(stopped)),
                        ),
                    },
                )
        # Rounds are numbered 0, 1, ... by the factory: every round from the first indexed one on
        # must be indexed (all of them when the index saw round 0).
        indexes = sorted(r.round_index for r in states.values() if r.round_index is not None)
        if indexes:
            count = int(_read(factory, "roundCount", block))
            if count - indexes[0] != len(indexes):
                out.append(
                    Difference(
                        object="FundingRoundFactory",
                        field="rounds indexed since the first",
                        indexed=len(indexes),
                        on_chain=count - indexes[0],
                    )
                )
        return out

    def counts(self, store: IndexStore) -> dict[str, int]:
        n = store.select(select(func.count().label("n")).select_from(t.funding_rounds))[0]["n"]
        d = store.select(select(func.count().label("n")).select_from(t.funding_donations))[0]["n"]
        return {"rounds": int(n), "donations": int(d)}
