"""Typed, paginated reads of the index: the methods a dApp backend calls instead of one view per item."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select

from quiltkit._types import checksum
from quiltkit.escrow import MilestoneState
from quiltkit.exceptions import InvalidInput
from quiltkit.funding import Phase, Strategy
from quiltkit.governance import ProposalType, Support
from quiltkit.indexer import schema as t
from quiltkit.indexer.escrows import EscrowState, EscrowStatus
from quiltkit.indexer.models import (
    HistoryEntry,
    IndexedDonation,
    IndexedEscrow,
    IndexedMilestone,
    IndexedProject,
    IndexedProposal,
    IndexedRound,
    IndexedVote,
    IndexStatus,
    Page,
)
from quiltkit.indexer.proposals import ProposalRow, ProposalStatus, proposal_rows
from quiltkit.indexer.store import IndexStore

__all__ = ["MAX_PAGE", "Queries"]

MAX_PAGE = 1_000
_META = ("_payload_keys",)
_EVENT_FIELDS = {"contract", "block_number", "block_hash", "tx_hash", "log_index"}


def _page_args(offset: int, limit: int) -> None:
    if not isinstance(offset, int) or offset < 0:
        raise InvalidInput(f"offset must be an integer >= 0, got {offset!r}", field="offset")
    if not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be an integer in 1..{MAX_PAGE}, got {limit!r}", field="limit")


def indexed_escrow(state: EscrowState) -> IndexedEscrow:
    return IndexedEscrow(
        escrow_id=state.escrow_id,
        contract=state.contract,
        payer=state.payer,
        token=state.token,
        payee=state.payee,
        arbiter=state.arbiter,
        deadline=state.deadline,
        fee_bps=state.fee_bps,
        threshold=state.threshold,
        dispute_window=state.dispute_window,
        default_payee_bps=state.default_payee_bps,
        verifiers=state.verifiers,
        verifiers_hash=state.verifiers_hash,
        metadata_hash=state.metadata_hash,
        cancelled=state.cancelled,
        refunds_opened=state.refunds_opened,
        funded=state.funded,
        held=state.held,
        refund_pool=state.refund_pool,
        funded_milestones=state.funded_milestones,
        status=state.status,
        created_block=state.created_block,
        updated_block=state.updated_block,
        milestones=[
            IndexedMilestone(
                index=i,
                amount=m.amount,
                state=MilestoneState(m.state),
                funded=i < state.funded_milestones,
                paid=m.paid,
                fee=m.fee,
                to_funders=m.to_funders,
                dispute_closes_at=m.dispute_closes_at,
                disputed_by=m.disputed_by,
                intent_id=m.intent_id,
            )
            for i, m in enumerate(state.milestones)
        ],
        funders={f: (a[0], a[1]) for f, a in state.funders.items()},
    )


def indexed_proposal(p: ProposalRow) -> IndexedProposal:
    return IndexedProposal(
        proposal_id=p.proposal_id,
        contract=p.contract,
        proposer=p.proposer,
        kind=ProposalType(p.kind),
        quorum_bps=p.quorum_bps,
        execution_delay=p.execution_delay,
        badge=p.badge,
        quadratic=p.kind == ProposalType.FOUNDER_IDEA,
        targets=p.targets,
        values=p.values,
        calldatas=p.calldatas,
        description=p.description,
        vote_start=p.vote_start,
        vote_end=p.vote_end,
        eta=p.eta,
        against_votes=p.against_votes,
        for_votes=p.for_votes,
        abstain_votes=p.abstain_votes,
        voters=p.voters,
        status=p.status,
        created_block=p.created_block,
        updated_block=p.updated_block,
    )


class Queries:
    """Reads over an :class:`IndexStore` (any process may read while an indexer writes)."""

    def __init__(self, store: IndexStore) -> None:
        self.store = store

    def escrows(
        self,
        *,
        payee: str | None = None,
        payer: str | None = None,
        status: EscrowStatus | str | Sequence[EscrowStatus | str] | None = None,
        token: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> Page[IndexedEscrow]:
        """Escrows matching every filter given, by id; ``status`` one value or several."""
        _page_args(offset, limit)
        query: Select[Any] = select(t.escrows.c.escrow_id).order_by(t.escrows.c.escrow_id)
        if payee is not None:
            query = query.where(t.escrows.c.payee == checksum(payee, "payee"))
        if payer is not None:
            query = query.where(t.escrows.c.payer == checksum(payer, "payer"))
        if token is not None:
            query = query.where(t.escrows.c.token == checksum(token, "token"))
        if status is not None:
            wanted = [status] if isinstance(status, str) else list(status)
            try:
                values = [EscrowStatus(s).value for s in wanted]
            except ValueError:
                known = ", ".join(s.value for s in EscrowStatus)
                raise InvalidInput(f"unknown status in {wanted!r} (statuses: {known})", field="status") from None
            query = query.where(t.escrows.c.status.in_(values))
        ids = [int(r["escrow_id"]) for r in self.store.select(query.offset(offset).limit(limit + 1))]
        more = len(ids) > limit
        ids = ids[:limit]
        states = self.store.escrow_states(ids)
        items = [indexed_escrow(states[i]) for i in ids if i in states]
        return Page(items=items, offset=offset, limit=limit, next_offset=offset + limit if more else None)

    def proposals(
        self,
        *,
        kind: ProposalType | str | int | None = None,
        status: ProposalStatus | str | None = None,
        proposer: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> Page[IndexedProposal]:
        """Governor proposals matching every filter given, oldest first (by creation block)."""
        _page_args(offset, limit)
        query: Select[Any] = select(t.proposals).order_by(t.proposals.c.created_block, t.proposals.c.proposal_id)
        if kind is not None:
            try:
                kind_value = ProposalType[kind.upper()] if isinstance(kind, str) else ProposalType(kind)
            except (KeyError, ValueError):
                known = ", ".join(k.name.lower() for k in ProposalType)
                raise InvalidInput(f"unknown proposal type {kind!r} (types: {known})", field="kind") from None
            query = query.where(t.proposals.c.kind == int(kind_value))
        if status is not None:
            try:
                status_value = ProposalStatus(status).value
            except ValueError:
                known = ", ".join(s.value for s in ProposalStatus)
                raise InvalidInput(f"unknown proposal status {status!r} (statuses: {known})", field="status") from None
            query = query.where(t.proposals.c.status == status_value)
        if proposer is not None:
            query = query.where(t.proposals.c.proposer == checksum(proposer, "proposer"))
        rows = self.store.select(query.offset(offset).limit(limit + 1))
        more = len(rows) > limit
        items = [indexed_proposal(ProposalRow.from_row(r)) for r in rows[:limit]]
        return Page(items=items, offset=offset, limit=limit, next_offset=offset + limit if more else None)

    def proposal(self, proposal_id: int) -> IndexedProposal | None:
        rows = proposal_rows(self.store, [proposal_id])
        return indexed_proposal(rows[proposal_id]) if proposal_id in rows else None

    def votes(
        self, *, proposal_id: int | None = None, voter: str | None = None, offset: int = 0, limit: int = 100
    ) -> Page[IndexedVote]:
        """Votes of one proposal and/or one voter, in chain order."""
        _page_args(offset, limit)
        query: Select[Any] = select(t.votes).order_by(t.votes.c.block_number, t.votes.c.proposal_id, t.votes.c.voter)
        if proposal_id is not None:
            query = query.where(t.votes.c.proposal_id == str(proposal_id))
        if voter is not None:
            query = query.where(t.votes.c.voter == checksum(voter, "voter"))
        rows = self.store.select(query.offset(offset).limit(limit + 1))
        more = len(rows) > limit
        items = [
            IndexedVote(
                proposal_id=int(r["proposal_id"]),
                voter=r["voter"],
                support=Support(int(r["support"])),
                weight=int(r["weight"]),
                reason=r["reason"],
                block_number=int(r["block_number"]),
                tx_hash=r["tx_hash"],
            )
            for r in rows[:limit]
        ]
        return Page(items=items, offset=offset, limit=limit, next_offset=offset + limit if more else None)

    def refund_candidates(self, now: int, *, limit: int = MAX_PAGE) -> list[int]:
        """Escrows whose deadline is before ``now`` and whose refunds are not opened: those where
        ``openRefunds`` may be due (a keeper confirms each on chain before sending). Oldest
        deadline first."""
        _page_args(0, limit)
        open_statuses = [EscrowStatus.FUNDING.value, EscrowStatus.ACTIVE.value, EscrowStatus.DISPUTED.value]
        query = (
            select(t.escrows.c.escrow_id)
            .where(t.escrows.c.deadline < now, t.escrows.c.status.in_(open_statuses))
            .order_by(t.escrows.c.deadline, t.escrows.c.escrow_id)
            .limit(limit)
        )
        return [int(r["escrow_id"]) for r in self.store.select(query)]

    def escrow(self, escrow_id: int) -> IndexedEscrow | None:
        states = self.store.escrow_states([escrow_id])
        return indexed_escrow(states[escrow_id]) if escrow_id in states else None

    def history(self, escrow_id: int, *, offset: int = 0, limit: int = 100) -> Page[HistoryEntry]:
        """Every indexed event of escrow ``escrow_id``, in chain order."""
        _page_args(offset, limit)
        rows = self.store.history_rows(escrow_id, offset, limit + 1)
        more = len(rows) > limit
        items = []
        for r in rows[:limit]:
            payload = json.loads(r["payload"])
            items.append(
                HistoryEntry(
                    block_number=int(r["block_number"]),
                    log_index=int(r["log_index"]),
                    block_hash=r["block_hash"],
                    tx_hash=r["tx_hash"],
                    name=r["name"],
                    args={k: v for k, v in payload.items() if k not in _EVENT_FIELDS},
                )
            )
        return Page(items=items, offset=offset, limit=limit, next_offset=offset + limit if more else None)

    def status(self) -> IndexStatus:
        revision = self.store.schema_revision()
        if revision is None:
            return IndexStatus(
                chain_id=None, contracts={}, cursor=None, events=0, escrows=0, reorgs=0, schema_revision=None
            )
        meta = {r["key"]: r["value"] for r in self.store.select(select(t.meta))}
        escrows = self.store.select(select(func.count().label("n")).select_from(t.escrows))[0]["n"]
        proposals = self.store.select(select(func.count().label("n")).select_from(t.proposals))[0]["n"]
        rounds = self.store.select(select(func.count().label("n")).select_from(t.funding_rounds))[0]["n"]
        return IndexStatus(
            chain_id=int(meta["chain_id"]) if "chain_id" in meta else None,
            contracts=json.loads(meta.get("contracts", "{}")),
            cursor=int(meta["cursor"]) if "cursor" in meta else None,
            events=int(meta.get("events", 0)),
            escrows=int(escrows),
            proposals=int(proposals),
            rounds=int(rounds),
            reorgs=int(meta.get("reorgs", 0)),
            schema_revision=revision,
        )

    # --- funding rounds ----------------------------------------------------------------------

    def rounds(
        self,
        *,
        curator: str | None = None,
        phase: Phase | str | int | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> Page[IndexedRound]:
        """Funding rounds matching every filter given, in creation order."""
        _page_args(offset, limit)
        c = t.funding_rounds.c
        query: Select[Any] = select(t.funding_rounds).order_by(c.created_block, c.round)
        if curator is not None:
            query = query.where(c.curator == checksum(curator, "curator"))
        if phase is not None:
            try:
                phase_value = Phase[phase.upper()] if isinstance(phase, str) else Phase(phase)
            except (KeyError, ValueError):
                known = ", ".join(p.name.lower() for p in Phase)
                raise InvalidInput(f"unknown round phase {phase!r} (phases: {known})", field="phase") from None
            query = query.where(c.phase == int(phase_value))
        rows = self.store.select(query.offset(offset).limit(limit + 1))
        items = [
            IndexedRound(
                round=r["round"],
                factory=r["factory"],
                round_index=None if r["round_index"] is None else int(r["round_index"]),
                creator=r["creator"],
                metadata_uri=r["metadata_uri"],
                currency=r["currency"],
                curator=r["curator"],
                strategy=Strategy(int(r["strategy"])),
                phase=Phase(int(r["phase"])),
                cursor=int(r["cursor"]),
                paused=bool(r["paused"]),
                pool_total=int(r["pool_total"]),
                pool_matched=int(r["pool_matched"]),
                pool_returned=int(r["pool_returned"]),
                project_count=int(r["project_count"]),
                created_block=int(r["created_block"]),
                updated_block=int(r["updated_block"]),
            )
            for r in rows[:limit]
        ]
        return Page(items=items, offset=offset, limit=limit, next_offset=offset + limit if len(rows) > limit else None)

    def projects(
        self, *, round: str | None = None, recipient: str | None = None, offset: int = 0, limit: int = 100
    ) -> Page[IndexedProject]:
        """Projects of one round and/or one recipient, by round then project id."""
        _page_args(offset, limit)
        c = t.funding_projects.c
        query: Select[Any] = select(t.funding_projects).order_by(
            c.created_block, c.round, func.length(c.project_id), c.project_id
        )
        if round is not None:
            query = query.where(c.round == checksum(round, "round"))
        if recipient is not None:
            query = query.where(c.recipient == checksum(recipient, "recipient"))
        rows = self.store.select(query.offset(offset).limit(limit + 1))
        items = [
            IndexedProject(
                round=r["round"],
                project_id=int(r["project_id"]),
                recipient=r["recipient"],
                goal=int(r["goal"]),
                milestone_amounts=[int(a) for a in json.loads(r["milestones_json"])],
                vesting_duration=int(r["vesting_duration"]),
                donated=int(r["donated"]),
                sum_sqrt=int(r["sum_sqrt"]),
                donors=int(r["donors"]),
                matched=int(r["matched"]),
                refunding=bool(r["refunding"]),
                returned_to_donors=int(r["returned_to_donors"]),
                settled_mask=int(r["settled_mask"]),
                created_block=int(r["created_block"]),
            )
            for r in rows[:limit]
        ]
        return Page(items=items, offset=offset, limit=limit, next_offset=offset + limit if len(rows) > limit else None)

    def donations(
        self,
        *,
        round: str | None = None,
        donor: str | None = None,
        project_id: int | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> Page[IndexedDonation]:
        """Donations (a donor's total to a project) of one round, donor and/or project, in the
        order they were first made."""
        _page_args(offset, limit)
        if project_id is not None and (not isinstance(project_id, int) or project_id < 0):
            raise InvalidInput(f"project_id must be an integer >= 0, got {project_id!r}", field="project_id")
        c = t.funding_donations.c
        query: Select[Any] = select(t.funding_donations).order_by(c.first_block, c.round, c.project_id, c.donor)
        if round is not None:
            query = query.where(c.round == checksum(round, "round"))
        if donor is not None:
            query = query.where(c.donor == checksum(donor, "donor"))
        if project_id is not None:
            query = query.where(c.project_id == str(project_id))
        rows = self.store.select(query.offset(offset).limit(limit + 1))
        items = [
            IndexedDonation(
                round=r["round"],
                project_id=int(r["project_id"]),
                donor=r["donor"],
                amount=int(r["amount"]),
                refunded=int(r["refunded"]),
                first_block=int(r["first_block"]),
                updated_block=int(r["updated_block"]),
            )
            for r in rows[:limit]
        ]
        return Page(items=items, offset=offset, limit=limit, next_offset=offset + limit if len(rows) > limit else None)
