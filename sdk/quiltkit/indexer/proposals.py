"""The governance projection: each QuiltkitGovernor proposal folded from its events alone.

``ProposalCreated`` opens it (proposer, calls, description, voting window), ``ProposalTyped``
(emitted right after, for plain and typed proposals alike) gives its type and rules, each
``VoteCast``/``VoteCastWithParams`` adds its counted weight to its side (the square root of the
voter's weight for FOUNDER_IDEA: the event carries what ``_countVote`` counted, so the projected
tally equals ``proposalVotes``), ``ProposalExtended`` moves the deadline (late quorum),
``ProposalQueued`` sets the eta, and ``ProposalExecuted``/``ProposalCanceled`` close it.

The lifecycle the events decide is the projected ``status``: ``open`` (Pending, Active, Defeated,
Succeeded or Expired on chain: those follow from the clock and the quorum at the snapshot, which
no governor event carries), ``queued``, ``executed``, ``canceled``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select

from quiltkit import governor_events as gv
from quiltkit._contract import ContractEvent
from quiltkit._types import ZERO_ADDRESS
from quiltkit.governance import Governor, ProposalState, ProposalType
from quiltkit.indexer import schema as t
from quiltkit.indexer.projection import Difference, Projection, chunks, differences

if TYPE_CHECKING:
    from web3 import Web3

    from quiltkit.indexer.store import IndexStore

__all__ = [
    "GOVERNOR_SUBJECT_EVENTS",
    "GovernanceProjection",
    "ProposalRow",
    "ProposalStatus",
    "proposal_rows",
    "status_of_state",
    "vote_rows",
]

GOVERNOR_SUBJECT_EVENTS = frozenset(
    {
        "ProposalCreated",
        "ProposalTyped",
        "VoteCast",
        "VoteCastWithParams",
        "ProposalExtended",
        "ProposalQueued",
        "ProposalExecuted",
        "ProposalCanceled",
    }
)


class ProposalStatus(StrEnum):
    """Where a proposal's lifecycle is, as its events say (see the module's docstring)."""

    OPEN = "open"
    QUEUED = "queued"
    EXECUTED = "executed"
    CANCELED = "canceled"


def status_of_state(state: ProposalState) -> ProposalStatus:
    """The projected status a chain ``state()`` corresponds to (the rule ``verify`` applies)."""
    if state is ProposalState.QUEUED:
        return ProposalStatus.QUEUED
    if state is ProposalState.EXECUTED:
        return ProposalStatus.EXECUTED
    if state is ProposalState.CANCELED:
        return ProposalStatus.CANCELED
    return ProposalStatus.OPEN


@dataclass
class ProposalRow:
    proposal_id: int
    contract: str
    proposer: str
    targets: list[str]
    values: list[int]
    calldatas: list[str]
    description: str
    vote_start: int
    vote_end: int
    created_block: int
    updated_block: int
    kind: int = ProposalType.STANDARD
    quorum_bps: int = 0
    execution_delay: int = 0
    badge: str | None = None
    eta: int = 0
    against_votes: int = 0
    for_votes: int = 0
    abstain_votes: int = 0
    voters: int = 0
    status: ProposalStatus = ProposalStatus.OPEN

    @classmethod
    def created(cls, e: gv.ProposalCreated) -> ProposalRow:
        return cls(
            proposal_id=e.proposal_id,
            contract=e.contract,
            proposer=e.proposer,
            targets=list(e.targets),
            values=list(e.values),
            calldatas=[str(d) for d in e.calldatas],
            description=e.description,
            vote_start=e.vote_start,
            vote_end=e.vote_end,
            created_block=e.block_number,
            updated_block=e.block_number,
        )

    def apply(self, e: ContractEvent) -> dict[str, Any] | None:
        """Fold one event in; a vote returns its row for the votes table."""
        self.updated_block = e.block_number
        if isinstance(e, gv.ProposalTyped):
            self.kind, self.quorum_bps, self.execution_delay = e.kind, e.quorum_bps, e.execution_delay
            self.badge = None if e.badge == ZERO_ADDRESS else e.badge
        elif isinstance(e, gv.VoteCast | gv.VoteCastWithParams):
            if e.support == 0:
                self.against_votes += e.weight
            elif e.support == 1:
                self.for_votes += e.weight
            else:
                self.abstain_votes += e.weight
            self.voters += 1
            return {
                "proposal_id": str(e.proposal_id),
                "voter": e.voter,
                "support": e.support,
                "weight": str(e.weight),
                "reason": e.reason,
                "block_number": e.block_number,
                "tx_hash": e.tx_hash,
            }
        elif isinstance(e, gv.ProposalExtended):
            self.vote_end = e.extended_deadline
        elif isinstance(e, gv.ProposalQueued):
            self.eta, self.status = e.eta_seconds, ProposalStatus.QUEUED
        elif isinstance(e, gv.ProposalExecuted):
            self.status = ProposalStatus.EXECUTED
        elif isinstance(e, gv.ProposalCanceled):
            self.status = ProposalStatus.CANCELED
        return None

    def to_row(self) -> dict[str, Any]:
        return {
            "proposal_id": str(self.proposal_id),
            "contract": self.contract,
            "proposer": self.proposer,
            "kind": self.kind,
            "quorum_bps": self.quorum_bps,
            "execution_delay": self.execution_delay,
            "badge": self.badge,
            "calls_json": json.dumps([self.targets, [str(v) for v in self.values], self.calldatas]),
            "description": self.description,
            "vote_start": self.vote_start,
            "vote_end": self.vote_end,
            "eta": self.eta,
            "against_votes": str(self.against_votes),
            "for_votes": str(self.for_votes),
            "abstain_votes": str(self.abstain_votes),
            "voters": self.voters,
            "status": self.status.value,
            "created_block": self.created_block,
            "updated_block": self.updated_block,
        }

    @classmethod
    def from_row(cls, r: Any) -> ProposalRow:
        targets, values, calldatas = json.loads(r["calls_json"])
        return cls(
            proposal_id=int(r["proposal_id"]),
            contract=r["contract"],
            proposer=r["proposer"],
            targets=targets,
            values=[int(v) for v in values],
            calldatas=calldatas,
            description=r["description"],
            vote_start=int(r["vote_start"]),
            vote_end=int(r["vote_end"]),
            created_block=int(r["created_block"]),
            updated_block=int(r["updated_block"]),
            kind=int(r["kind"]),
            quorum_bps=int(r["quorum_bps"]),
            execution_delay=int(r["execution_delay"]),
            badge=r["badge"],
            eta=int(r["eta"]),
            against_votes=int(r["against_votes"]),
            for_votes=int(r["for_votes"]),
            abstain_votes=int(r["abstain_votes"]),
            voters=int(r["voters"]),
            status=ProposalStatus(r["status"]),
        )


def proposal_rows(store: IndexStore, ids: Sequence[int] | None = None) -> dict[int, ProposalRow]:
    query = select(t.proposals)
    if ids is not None:
        query = query.where(t.proposals.c.proposal_id.in_([str(i) for i in ids]))
    return {int(r["proposal_id"]): ProposalRow.from_row(r) for r in store.select(query)}


def vote_rows(store: IndexStore) -> list[tuple[int, str, int, int]]:
    """(proposal id, voter, support, counted weight) of every indexed vote."""
    query = select(t.votes.c.proposal_id, t.votes.c.voter, t.votes.c.support, t.votes.c.weight)
    return [(int(r["proposal_id"]), str(r["voter"]), int(r["support"]), int(r["weight"])) for r in store.select(query)]


def _read(client: Governor, fn: str, block: int, *args: Any) -> Any:
    """One view at ``block`` (the governor has no multicall)."""
    return client._decoded(fn, client._eth_call(client._encode(fn, *args), block))


class GovernanceProjection(Projection):
    """QuiltkitGovernor's proposals (``qx_proposals``) and votes (``qx_votes``)."""

    family = "QuiltkitGovernor"
    client = Governor
    kind = "proposal"
    tables = ((t.votes, "proposal_id"), (t.proposals, "proposal_id"))

    def subject(self, event: ContractEvent) -> str | None:
        if isinstance(event, gv.GovernorEvent) and event.event_name in GOVERNOR_SUBJECT_EVENTS:
            return f"proposal:{event.proposal_id}"  # type: ignore[attr-defined]
        return None

    def fold(self, conn: Connection, events: Sequence[ContractEvent], *, replay: bool) -> None:
        ids = sorted({str(e.proposal_id) for e in events})  # type: ignore[attr-defined]
        rows: dict[int, ProposalRow] = {}
        if not replay:
            for part in chunks(ids):
                for r in conn.execute(select(t.proposals).where(t.proposals.c.proposal_id.in_(part))).mappings():
                    rows[int(r["proposal_id"])] = ProposalRow.from_row(r)
        new_votes: list[dict[str, Any]] = []
        for e in events:
            if isinstance(e, gv.ProposalCreated):
                rows[e.proposal_id] = ProposalRow.created(e)
                continue
            row = rows.get(e.proposal_id)  # type: ignore[attr-defined]
            if row is None:  # a proposal created before the start block: not indexed
                continue
            vote = row.apply(e)
            if vote is not None:
                new_votes.append(vote)
        for part in chunks(ids):  # votes are appended; the proposals' rows are replaced
            conn.execute(t.proposals.delete().where(t.proposals.c.proposal_id.in_(part)))
        if rows:
            conn.execute(insert(t.proposals), [r.to_row() for r in rows.values()])
        if new_votes:
            conn.execute(insert(t.votes), new_votes)

    def verify(self, w3: Web3, address: str, store: IndexStore, block: int) -> list[Difference]:
        """Each proposal's state (as its projected status), rules, proposer, voting window, eta,
        counted votes and, outside FOUNDER_IDEA, quorum progress; each vote's ``hasVoted``."""
        governor = Governor(w3, address)
        out: list[Difference] = []
        for pid, p in sorted(proposal_rows(store).items()):
            state = ProposalState(int(_read(governor, "state", block, pid)))
            kind, quorum_bps, delay, badge = _read(governor, "proposalRules", block, pid)
            against, for_, abstain = (int(v) for v in _read(governor, "proposalVotes", block, pid))
            pairs: dict[str, tuple[Any, Any]] = {
                "status": (p.status.value, status_of_state(state).value),
                "proposer": (p.proposer, _read(governor, "proposalProposer", block, pid)),
                "vote_start": (p.vote_start, int(_read(governor, "proposalSnapshot", block, pid))),
                "vote_end": (p.vote_end, int(_read(governor, "proposalDeadline", block, pid))),
                "eta": (p.eta, int(_read(governor, "proposalEta", block, pid))),
                "rules": (
                    (p.kind, p.quorum_bps, p.execution_delay, p.badge),
                    (int(kind), int(quorum_bps), int(delay), None if badge == ZERO_ADDRESS else badge),
                ),
                "votes (against, for, abstain)": (
                    (p.against_votes, p.for_votes, p.abstain_votes),
                    (against, for_, abstain),
                ),
            }
            if p.kind != ProposalType.FOUNDER_IDEA:  # quadratic quorum counts raw weights no event carries
                counted = int(_read(governor, "proposalQuorum", block, pid)[0])
                pairs["quorum counted"] = (p.for_votes + p.abstain_votes, counted)
            out += differences(f"proposal {pid}", pairs)
        for pid, voter, _, _ in vote_rows(store):
            if not _read(governor, "hasVoted", block, pid, voter):
                out.append(
                    Difference(object=f"proposal {pid} vote {voter}", field="hasVoted", indexed=True, on_chain=False)
                )
        return out

    def counts(self, store: IndexStore) -> dict[str, int]:
        n = store.select(select(func.count().label("n")).select_from(t.proposals))[0]["n"]
        return {"proposals": int(n)}
