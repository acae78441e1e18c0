"""What the indexer's queries return: pydantic models, amounts as ints, addresses checksummed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from quiltkit._model import Model
from quiltkit.badges import BurnAuth, Reputation
from quiltkit.escrow import MilestoneState
from quiltkit.funding import Phase, Strategy
from quiltkit.governance import ProposalType, Support
from quiltkit.indexer.auctions import AuctionState
from quiltkit.indexer.badges import BadgeStatus, InputKind, reputation_at
from quiltkit.indexer.escrows import EscrowStatus
from quiltkit.indexer.proposals import ProposalStatus
from quiltkit.indexer.soroban_escrows import SorobanEscrowStatus

__all__ = [
    "HistoryEntry",
    "IndexedAuction",
    "IndexedBid",
    "IndexStatus",
    "IndexedEscrow",
    "IndexedMilestone",
    "IndexedProposal",
    "IndexedVote",
    "Page",
    # staking and bonds
    "IndexedBond",
    "IndexedBondMinimum",
    "IndexedRewardToken",
    "IndexedStake",
    "IndexedSuspension",
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
    objects: dict[str, int] = Field(default_factory=dict)
    """Objects indexed per projected family (``{"proposals": 12, "auctions": 3}``)."""
    rounds: int = 0
    reorgs: int
    stakes: int = 0
    bonds: int = 0
    schema_revision: str | None


class IndexedAuction(Model):
    """One AuctionHouse auction as its events tell it: lot, terms (``end_time`` as the last bid
    moved it), highest bid, and once settled the sale's split (``winner`` None: nobody bid)."""

    model_config = ConfigDict(frozen=True)

    auction_id: int
    contract: str
    seller: str
    collection: str
    token_id: int
    amount: int
    currency: str
    reserve: int
    start_time: int
    end_time: int
    min_increment_bps: int
    time_buffer: int
    fee_bps: int
    impact_beneficiary: str | None
    impact_bps: int
    extensions: int
    bids: int
    highest_bidder: str | None
    highest_bid: int
    status: AuctionState
    winner: str | None
    price: int
    royalty_receiver: str | None
    royalty: int
    fee: int
    impact: int
    seller_proceeds: int
    lot_owed_to: str | None
    created_block: int
    updated_block: int


class IndexedBid(Model):
    model_config = ConfigDict(frozen=True)

    auction_id: int
    bidder: str
    amount: int
    end_time: int
    extended: bool
    block_number: int
    log_index: int
    tx_hash: str


# --- staking and bonds (quiltkit.indexer.staking) ---------------------------------------------


class IndexedStake(Model):
    """One account's stake in a QuiltkitStaking pool as its events say: staked (earning), queued
    (unstaked, waiting for ``ready_at``), the sums staked and unlocked, and what it was paid per
    reward token. Pending rewards depend on the clock: ``Staking.pending_rewards`` computes them."""

    model_config = ConfigDict(frozen=True)

    account: str
    contract: str
    staked: int
    queued: int
    ready_at: int
    staked_total: int
    unstaked_total: int
    rewards_paid: dict[str, int]
    updated_block: int


class IndexedRewardToken(Model):
    """One reward token of a pool: the amounts notified (and how often), the latest period's
    rate (1e18 fixed point) and finish, what was recovered as unallocated, and what stakers were
    paid (``paid``, by ``claimants`` accounts)."""

    model_config = ConfigDict(frozen=True)

    token: str
    contract: str
    notified: int
    notifications: int
    rate: int
    period_finish: int
    duration: int
    recovered: int
    paid: int
    claimants: int
    added_block: int
    updated_block: int


class IndexedBond(Model):
    """One verifier's bond: active (counts toward a set's minimum), unbonding until ``ready_at``
    (still slashable), and the sums bonded, withdrawn and slashed."""

    model_config = ConfigDict(frozen=True)

    verifier: str
    contract: str
    active: int
    unbonding: int
    ready_at: int
    bonded_total: int
    withdrawn_total: int
    slashed_total: int
    slashes: int
    updated_block: int


class IndexedBondMinimum(Model):
    """A verifier set's minimum active bond per member (0: none)."""

    model_config = ConfigDict(frozen=True)

    set_id: str
    contract: str
    minimum: int
    updated_block: int


class IndexedSuspension(Model):
    """What a consumer of the bond registry (an escrow, the badges, a funding round) last recorded
    for a verifier set: ``suspended`` bit i is member i (its counted signatures refused there),
    ``members`` those indexes ascending; ``updated_block`` the block of that push. It can lag the
    registry's ``suspensionsOf`` until someone pushes again."""

    model_config = ConfigDict(frozen=True)

    contract: str
    """The registry that pushed."""
    consumer: str
    set_id: str
    suspended: int
    members: list[int]
    pushes: int
    updated_block: int


# --- badges (SoulboundBadge) ----------------------------------------------------------------------


class IndexedBadgeType(Model):
    """A badge type as its events left it: terms fixed at registration, URI and URI mode, and the
    attestation validators (threshold 0 and none: attestations disabled)."""

    model_config = ConfigDict(frozen=True)

    badge_type: int
    contract: str
    name: str
    uri: str
    weight: int
    expiry_period: int
    burn_auth: BurnAuth
    on_chain_uri: bool
    validators: list[str]
    threshold: int
    validator_set: str
    registered_block: int
    updated_block: int


class IndexedBadge(Model):
    """One badge: what ``BadgeIssued`` said, and whether it is still held (a revocation's reason
    code and what a removal subtracted from the holder's reputation otherwise)."""

    model_config = ConfigDict(frozen=True)

    token_id: int
    holder: str
    badge_type: int
    weight: int
    evidence_hash: str
    attestation_id: str | None
    status: BadgeStatus
    reason: int | None
    subtracted: int | None
    issued_block: int
    removed_block: int | None
    tx_hash: str


class ReputationInput(Model):
    model_config = ConfigDict(frozen=True)

    block_number: int
    kind: InputKind
    amount: int


class IndexedBadgeHolder(Model):
    """A holder: badges held now and ever issued, activities recorded, and the reputation inputs
    in chain order. The index has block numbers, not times: :meth:`reputation` folds the inputs
    with the blocks' timestamps as the contract does (:func:`quiltkit.indexer.badges.block_times`
    reads them from a node)."""

    model_config = ConfigDict(frozen=True)

    holder: str
    contract: str
    held: int
    minted: int
    activities: int
    inputs: list[ReputationInput]
    updated_block: int

    def reputation(self, block_time: Callable[[int], int], annual_rate_bps: int, at: int) -> Reputation:
        """The holder's reputation at time ``at``: what ``SoulboundBadge.reputation`` reads then."""
        inputs = [(i.block_number, i.kind, i.amount) for i in self.inputs]
        return reputation_at(inputs, self.holder, self.minted, block_time, annual_rate_bps, at)


__all__ += ["IndexedBadge", "IndexedBadgeHolder", "IndexedBadgeType", "ReputationInput"]


class IndexedTier(Model):
    """A TieredBadges tier: soulbound or tradeable, the tier it upgrades, upgrades into it."""

    model_config = ConfigDict(frozen=True)

    contract: str
    tier_id: int
    soulbound: bool
    lower: int | None
    upgrades: int
    created_block: int


class IndexedTierBalance(Model):
    model_config = ConfigDict(frozen=True)

    contract: str
    tier_id: int
    account: str
    amount: int


__all__ += ["IndexedTier", "IndexedTierBalance"]


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


__all__ += ["IndexedDonation", "IndexedProject", "IndexedRound"]


# --- the Soroban escrow ----------------------------------------------------------------------


class IndexedSorobanMilestone(Model):
    """One Soroban milestone as the index holds it: the contract's fields (``amount``, ``state``,
    ``funded``, ``disputed_at``, ``paid_by``: the intent that released it) and what its events
    said (who disputed it, until when the arbiter may resolve it, paid gross to the payee side,
    its fee and net, the part returned to the funders)."""

    model_config = ConfigDict(frozen=True)

    index: int
    amount: int
    state: MilestoneState
    funded: bool
    disputed_at: int
    resolve_by: int | None
    disputed_by: str | None
    paid_by: str | None
    paid: int
    fee: int
    net: int
    to_funders: int


class IndexedSorobanEscrow(Model):
    """One Soroban escrow rebuilt from its events (the fields of ``get_escrow``, its funders'
    shares and claimed refunds, and the ledgers it was created and last changed in)."""

    model_config = ConfigDict(frozen=True)

    network: str
    contract: str
    escrow_id: int
    payer: str
    payee: str | None
    token: str
    arbiter: str | None
    verifiers: list[str]
    threshold: int
    deadline: int
    resolution_window: int
    metadata: str
    fee_bps: int
    treasury: str
    status: SorobanEscrowStatus
    total: int
    funded: int
    released: int
    refundable: int
    refunded: int
    closed_pool: int
    milestones: list[IndexedSorobanMilestone]
    funders: dict[str, tuple[int, int]]
    """funder -> (share, claimed)."""
    created_ledger: int
    updated_ledger: int


class SorobanIndexStatus(Model):
    """Where one Soroban escrow's index stands."""

    model_config = ConfigDict(frozen=True)

    network: str
    contract: str
    source: str
    cursor: str
    last_event: str | None
    ledger: int | None
    events: int
    escrows: int


__all__ += ["IndexedSorobanEscrow", "IndexedSorobanMilestone", "SorobanIndexStatus"]
