"""Typed, paginated reads of the index: the methods a dApp backend calls instead of one view per item."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select

from quiltkit._types import checksum
from quiltkit.badges import BurnAuth
from quiltkit.escrow import MilestoneState
from quiltkit.exceptions import InvalidInput
from quiltkit.funding import Phase, Strategy
from quiltkit.governance import ProposalType, Support
from quiltkit.indexer import schema as t
from quiltkit.indexer.auctions import AuctionRow, AuctionState, auction_rows
from quiltkit.indexer.badges import BadgeRow, BadgeStatus, BadgeTypeRow, HolderRow
from quiltkit.indexer.escrows import EscrowState, EscrowStatus
from quiltkit.indexer.families import PROJECTIONS
from quiltkit.indexer.models import (
    HistoryEntry,
    IndexedAuction,
    IndexedBadge,
    IndexedBadgeHolder,
    IndexedBadgeType,
    IndexedBid,
    IndexedDonation,
    IndexedEscrow,
    IndexedMilestone,
    IndexedProject,
    IndexedProposal,
    IndexedRound,
    IndexedTier,
    IndexedTierBalance,
    IndexedVote,
    IndexStatus,
    Page,
    ReputationInput,
)
from quiltkit.indexer.proposals import ProposalRow, ProposalStatus, proposal_rows
from quiltkit.indexer.soroban_queries import SorobanQueries
from quiltkit.indexer.staking_queries import StakingQueries
from quiltkit.indexer.store import IndexStore

__all__ = ["MAX_OFFSET", "MAX_PAGE", "Queries"]

MAX_PAGE = 1_000
MAX_OFFSET = 10**9
"""Past any index's rows (and within the databases' 64-bit integers, where the drivers would fail)."""
_MAX_BIGINT = 2**63 - 1
_META = ("_payload_keys",)
_EVENT_FIELDS = {"contract", "block_number", "block_hash", "tx_hash", "log_index"}


def _page_args(offset: int, limit: int) -> None:
    if not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET:
        raise InvalidInput(f"offset must be an integer in 0..{MAX_OFFSET}, got {offset!r}", field="offset")
    if not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be an integer in 1..{MAX_PAGE}, got {limit!r}", field="limit")


def _storable(escrow_id: int) -> bool:
    """Whether the index could hold escrow ``escrow_id`` (its ids are 64-bit integers there)."""
    return 0 <= escrow_id <= _MAX_BIGINT


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


class Queries(StakingQueries, SorobanQueries):
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
        if isinstance(now, bool) or not isinstance(now, int) or not 0 <= now <= _MAX_BIGINT:
            raise InvalidInput(f"now must be a unix time (an integer in 0..2**63-1), got {now!r}", field="now")
        open_statuses = [EscrowStatus.FUNDING.value, EscrowStatus.ACTIVE.value, EscrowStatus.DISPUTED.value]
        query = (
            select(t.escrows.c.escrow_id)
            .where(t.escrows.c.deadline < now, t.escrows.c.status.in_(open_statuses))
            .order_by(t.escrows.c.deadline, t.escrows.c.escrow_id)
            .limit(limit)
        )
        return [int(r["escrow_id"]) for r in self.store.select(query)]

    def escrow(self, escrow_id: int) -> IndexedEscrow | None:
        if not _storable(escrow_id):
            return None
        states = self.store.escrow_states([escrow_id])
        return indexed_escrow(states[escrow_id]) if escrow_id in states else None

    def history(self, escrow_id: int, *, offset: int = 0, limit: int = 100) -> Page[HistoryEntry]:
        """Every indexed event of escrow ``escrow_id``, in chain order."""
        _page_args(offset, limit)
        rows = self.store.history_rows(escrow_id, offset, limit + 1) if _storable(escrow_id) else []
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
        objects = {name: n for p in PROJECTIONS for name, n in p.counts(self.store).items()}
        return IndexStatus(
            chain_id=int(meta["chain_id"]) if "chain_id" in meta else None,
            contracts=json.loads(meta.get("contracts", "{}")),
            cursor=int(meta["cursor"]) if "cursor" in meta else None,
            events=int(meta.get("events", 0)),
            escrows=int(escrows),
            proposals=objects.get("proposals", 0),
            objects=objects,
            rounds=objects.get("rounds", 0),
            reorgs=int(meta.get("reorgs", 0)),
            schema_revision=revision,
            **self._staking_counts(),
        )

    # --- auctions ------------------------------------------------------------------------------

    def auctions(
        self,
        *,
        status: AuctionState | str | None = None,
        seller: str | None = None,
        collection: str | None = None,
        bidder: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> Page[IndexedAuction]:
        """AuctionHouse auctions matching every filter given (``bidder``: auctions it bid in),
        oldest first."""
        _page_args(offset, limit)
        query: Select[Any] = select(t.auctions).order_by(t.auctions.c.created_block, t.auctions.c.auction_id)
        if status is not None:
            try:
                status_value = AuctionState(status).value
            except ValueError:
                known = ", ".join(s.value for s in AuctionState)
                raise InvalidInput(f"unknown auction status {status!r} (statuses: {known})", field="status") from None
            query = query.where(t.auctions.c.status == status_value)
        if seller is not None:
            query = query.where(t.auctions.c.seller == checksum(seller, "seller"))
        if collection is not None:
            query = query.where(t.auctions.c.collection == checksum(collection, "collection"))
        if bidder is not None:
            bid_in = select(t.bids.c.auction_id).where(t.bids.c.bidder == checksum(bidder, "bidder"))
            query = query.where(t.auctions.c.auction_id.in_(bid_in))
        rows = self.store.select(query.offset(offset).limit(limit + 1))
        more = len(rows) > limit
        items = [indexed_auction(AuctionRow.from_row(r)) for r in rows[:limit]]
        return Page(items=items, offset=offset, limit=limit, next_offset=offset + limit if more else None)

    def auction(self, auction_id: int) -> IndexedAuction | None:
        rows = auction_rows(self.store, [auction_id])
        return indexed_auction(rows[auction_id]) if auction_id in rows else None

    def bids(
        self, *, auction_id: int | None = None, bidder: str | None = None, offset: int = 0, limit: int = 100
    ) -> Page[IndexedBid]:
        """Bids of one auction and/or one bidder, in chain order."""
        _page_args(offset, limit)
        query: Select[Any] = select(t.bids).order_by(t.bids.c.block_number, t.bids.c.log_index)
        if auction_id is not None:
            query = query.where(t.bids.c.auction_id == str(auction_id))
        if bidder is not None:
            query = query.where(t.bids.c.bidder == checksum(bidder, "bidder"))
        rows = self.store.select(query.offset(offset).limit(limit + 1))
        more = len(rows) > limit
        items = [
            IndexedBid(
                auction_id=int(r["auction_id"]),
                bidder=r["bidder"],
                amount=int(r["amount"]),
                end_time=int(r["end_time"]),
                extended=bool(r["extended"]),
                block_number=int(r["block_number"]),
                log_index=int(r["log_index"]),
                tx_hash=r["tx_hash"],
            )
            for r in rows[:limit]
        ]
        return Page(items=items, offset=offset, limit=limit, next_offset=offset + limit if more else None)

    # --- badges (SoulboundBadge) ------------------------------------------------------------------

    def badge_types(self, *, offset: int = 0, limit: int = 100) -> Page[IndexedBadgeType]:
        """Badge types, by id."""
        _page_args(offset, limit)
        query = select(t.badge_types).order_by(t.badge_types.c.registered_block, t.badge_types.c.badge_type)
        rows = self.store.select(query.offset(offset).limit(limit + 1))
        items = [_indexed_badge_type(BadgeTypeRow.from_row(r)) for r in rows[:limit]]
        return Page(items=items, offset=offset, limit=limit, next_offset=offset + limit if len(rows) > limit else None)

    def badges(
        self,
        *,
        holder: str | None = None,
        badge_type: int | None = None,
        status: BadgeStatus | str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> Page[IndexedBadge]:
        """Badges matching every filter given, in issue order."""
        _page_args(offset, limit)
        query: Select[Any] = select(t.badges).order_by(t.badges.c.issued_block, t.badges.c.token_id)
        if holder is not None:
            query = query.where(t.badges.c.holder == checksum(holder, "holder"))
        if badge_type is not None:
            query = query.where(t.badges.c.badge_type == str(_badge_type_arg(badge_type)))
        if status is not None:
            try:
                status_value = BadgeStatus(status).value
            except ValueError:
                known = ", ".join(s.value for s in BadgeStatus)
                raise InvalidInput(f"unknown badge status {status!r} (statuses: {known})", field="status") from None
            query = query.where(t.badges.c.status == status_value)
        rows = self.store.select(query.offset(offset).limit(limit + 1))
        items = [_indexed_badge(BadgeRow.from_row(r)) for r in rows[:limit]]
        return Page(items=items, offset=offset, limit=limit, next_offset=offset + limit if len(rows) > limit else None)

    def badge_holders(
        self, *, badge_type: int | None = None, offset: int = 0, limit: int = 100
    ) -> Page[IndexedBadgeHolder]:
        """Holders with their reputation inputs, most badges held first; ``badge_type``: only those
        holding a badge of that type now."""
        _page_args(offset, limit)
        query: Select[Any] = select(t.badge_holders).order_by(t.badge_holders.c.held.desc(), t.badge_holders.c.holder)
        if badge_type is not None:
            holding = select(t.badges.c.holder).where(
                t.badges.c.badge_type == str(_badge_type_arg(badge_type)),
                t.badges.c.status == BadgeStatus.HELD.value,
            )
            query = query.where(t.badge_holders.c.holder.in_(holding))
        rows = self.store.select(query.offset(offset).limit(limit + 1))
        items = [_indexed_holder(HolderRow.from_row(r)) for r in rows[:limit]]
        return Page(items=items, offset=offset, limit=limit, next_offset=offset + limit if len(rows) > limit else None)

    def tiers(self, *, offset: int = 0, limit: int = 100) -> Page[IndexedTier]:
        """TieredBadges tiers, in creation order."""
        return _tiers_page(self.store, offset, limit)

    def tier_balances(
        self, *, account: str | None = None, tier_id: int | None = None, offset: int = 0, limit: int = 100
    ) -> Page[IndexedTierBalance]:
        """Non-zero TieredBadges balances of one account and/or one tier."""
        return _tier_balances_page(self.store, account, tier_id, offset, limit)

    def badge_holder(self, holder: str) -> IndexedBadgeHolder | None:
        rows = self.store.select(select(t.badge_holders).where(t.badge_holders.c.holder == checksum(holder, "holder")))
        return _indexed_holder(HolderRow.from_row(rows[0])) if rows else None

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


def indexed_auction(a: AuctionRow) -> IndexedAuction:
    return IndexedAuction.model_validate(
        {**{k: v for k, v in a.__dict__.items() if k != "contract"}, "contract": a.contract}
    )


def _badge_type_arg(badge_type: Any) -> int:
    if isinstance(badge_type, bool) or not isinstance(badge_type, int) or badge_type < 1:
        raise InvalidInput(f"badge_type must be a type id >= 1, got {badge_type!r}", field="badge_type")
    return int(badge_type)


def _indexed_badge_type(r: BadgeTypeRow) -> IndexedBadgeType:
    return IndexedBadgeType(
        badge_type=r.badge_type,
        contract=r.contract,
        name=r.name,
        uri=r.uri,
        weight=r.weight,
        expiry_period=r.expiry_period,
        burn_auth=BurnAuth(r.burn_auth),
        on_chain_uri=r.on_chain_uri,
        validators=r.validators,
        threshold=r.threshold,
        validator_set=r.validator_set,
        registered_block=r.registered_block,
        updated_block=r.updated_block,
    )


def _indexed_badge(b: BadgeRow) -> IndexedBadge:
    return IndexedBadge(**{k: getattr(b, k) for k in IndexedBadge.model_fields})


def _indexed_holder(h: HolderRow) -> IndexedBadgeHolder:
    return IndexedBadgeHolder(
        holder=h.holder,
        contract=h.contract,
        held=h.held,
        minted=h.minted,
        activities=h.activities,
        inputs=[ReputationInput(block_number=b, kind=k, amount=a) for b, k, a in h.inputs],
        updated_block=h.updated_block,
    )


def _tiers_page(store: IndexStore, offset: int, limit: int) -> Page[IndexedTier]:
    _page_args(offset, limit)
    query = select(t.tiers).order_by(t.tiers.c.created_block, t.tiers.c.contract, t.tiers.c.tier_id)
    rows = store.select(query.offset(offset).limit(limit + 1))
    items = [
        IndexedTier(
            contract=r["contract"],
            tier_id=int(r["tier_id"]),
            soulbound=bool(r["soulbound"]),
            lower=None if r["lower"] is None else int(r["lower"]),
            upgrades=int(r["upgrades"]),
            created_block=int(r["created_block"]),
        )
        for r in rows[:limit]
    ]
    return Page(items=items, offset=offset, limit=limit, next_offset=offset + limit if len(rows) > limit else None)


def _tier_balances_page(
    store: IndexStore, account: str | None, tier_id: int | None, offset: int, limit: int
) -> Page[IndexedTierBalance]:
    _page_args(offset, limit)
    c = t.tier_balances.c
    query: Select[Any] = select(t.tier_balances).where(c.amount != "0").order_by(c.contract, c.tier_id, c.account)
    if account is not None:
        query = query.where(c.account == checksum(account, "account"))
    if tier_id is not None:
        query = query.where(c.tier_id == str(_badge_type_arg(tier_id)))
    rows = store.select(query.offset(offset).limit(limit + 1))
    items = [
        IndexedTierBalance(
            contract=r["contract"], tier_id=int(r["tier_id"]), account=r["account"], amount=int(r["amount"])
        )
        for r in rows[:limit]
    ]
    return Page(items=items, offset=offset, limit=limit, next_offset=offset + limit if len(rows) > limit else None)
