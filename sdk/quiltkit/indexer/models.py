"""What the indexer's queries return: pydantic models, amounts as ints, addresses checksummed."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from quiltkit._model import Model
from quiltkit.escrow import MilestoneState
from quiltkit.funding import Phase, Strategy
from quiltkit.governance import ProposalType, Support
from quiltkit.indexer.escrows import EscrowStatus
from quiltkit.indexer.proposals import ProposalStatus

__all__ = [
    "HistoryEntry",
    "IndexStatus",
    "IndexedEscrow",
    "IndexedMilestone",
    "IndexedProposal",
    "IndexedVote",
    "Page",
    # funding rounds
    "IndexedDonation",
    "IndexedProject",
    "IndexedRound",
]

T = TypeVar("T")


class IndexedMilestone(Model):
    """One milestone as the index holds it: the chain's fields (``amount``, ``state``, ``funded``)
    and what its events said (paid to the payee, fee, a dispute's share back to the funders, the
    open dispute's closing time, the intent that released it)."""

    model_config = ConfigDict(frozen=True)

    index: int
    amount: int
    state: MilestoneState
    funded: bool
    paid: int
    fee: int
    to_funders: int
    dispute_closes_at: int | None
    disputed_by: str | None
    intent_id: str | None


class IndexedEscrow(Model):
    """One escrow rebuilt from its events (the fields of ``getEscrow``, plus status and funders)."""

    model_config = ConfigDict(frozen=True)

    escrow_id: int
    contract: str
    payer: str
    token: str
    payee: str | None
    arbiter: str | None
    deadline: int
    fee_bps: int
    threshold: int
    dispute_window: int
    default_payee_bps: int
    verifiers: list[str]
    verifiers_hash: str
    metadata_hash: str
    cancelled: bool
    refunds_opened: bool
    funded: int
    held: int
    refund_pool: int
    funded_milestones: int
    status: EscrowStatus
    created_block: int
    updated_block: int
    milestones: list[IndexedMilestone]
    funders: dict[str, tuple[int, int]]
    """funder -> (share, refund claimed)."""


class IndexedProposal(Model):
    """One governor proposal rebuilt from its events: type and rules, calls, voting window,
    counted votes (square roots for FOUNDER_IDEA, the quadratic type) and lifecycle status."""

    model_config = ConfigDict(frozen=True)

    proposal_id: int
    contract: str
    proposer: str
    kind: ProposalType
    quorum_bps: int
    execution_delay: int
    badge: str | None
    quadratic: bool
    targets: list[str]
    values: list[int]
    calldatas: list[str]
    description: str
    vote_start: int
    vote_end: int
    eta: int
    against_votes: int
    for_votes: int
    abstain_votes: int
    voters: int
    status: ProposalStatus
    created_block: int
    updated_block: int


class IndexedVote(Model):
    """One vote: the weight as counted (the square root of the voter's weight for FOUNDER_IDEA)."""

    model_config = ConfigDict(frozen=True)

    proposal_id: int
    voter: str
    support: Support
    weight: int
    reason: str
    block_number: int
    tx_hash: str


class HistoryEntry(Model):
    """One event of an escrow's history, oldest first."""

    model_config = ConfigDict(frozen=True)

    block_number: int
    log_index: int
    block_hash: str
    tx_hash: str
    name: str
    args: dict[str, Any]


class Page(BaseModel, Generic[T]):
    """One page of a query: ``items``, where it started, and the offset of the next page (None
    when this is the last)."""

    model_config = ConfigDict(frozen=True)

    items: list[T]
    offset: int
    limit: int
    next_offset: int | None


class IndexStatus(Model):
    model_config = ConfigDict(frozen=True)

    chain_id: int | None
    contracts: dict[str, str]
    cursor: int | None
    events: int
    escrows: int
    proposals: int = 0
    rounds: int = 0
    reorgs: int
    schema_revision: str | None


# --- funding rounds -------------------------------------------------------------------------------


class IndexedRound(Model):
    """One FundingRound a factory created: terms the events carry, finalisation phase and cursor,
    pause and pool (funded, matched or allocated, returned to sponsors or the treasury)."""

    model_config = ConfigDict(frozen=True)

    round: str
    factory: str | None
    round_index: int | None
    creator: str | None
    metadata_uri: str
    currency: str
    curator: str
    strategy: Strategy
    phase: Phase
    cursor: int
    paused: bool
    pool_total: int
    pool_matched: int
    pool_returned: int
    project_count: int
    created_block: int
    updated_block: int


class IndexedProject(Model):
    """One project of a round: its plan, donations, quadratic inputs, match and settlement."""

    model_config = ConfigDict(frozen=True)

    round: str
    project_id: int
    recipient: str
    goal: int
    milestone_amounts: list[int]
    vesting_duration: int
    donated: int
    sum_sqrt: int
    donors: int
    matched: int
    refunding: bool
    returned_to_donors: int
    settled_mask: int
    created_block: int


class IndexedDonation(Model):
    """One donor's giving to one project of a round (their total) and what was refunded of it."""

    model_config = ConfigDict(frozen=True)

    round: str
    project_id: int
    donor: str
    amount: int
    refunded: int
    first_block: int
    updated_block: int
