"""``quiltkit.indexer``: quiltkit contracts' state rebuilt from their events into SQLite or
PostgreSQL, reorg-safe, resumable, verified against the chain; typed queries over it.

Needs the ``indexer`` extra (SQLAlchemy, alembic, psycopg). See docs/indexer.md.

    store = IndexStore("sqlite:///index.db")
    indexer = Indexer(w3, load_manifest("deployments/ethereum-local.json"), store, confirmations=2)
    indexer.prepare()
    indexer.sync()
    Queries(store).escrows(payee=alice, status="active")

A Soroban escrow (``quiltkit.indexer.soroban_indexer``, which imports stellar-sdk):

    SorobanIndexer(SorobanEscrow(Rpc(url), "C..."), store, start_ledger=deployed_at).sync()
    Queries(store).soroban_escrows(payee="G...", status="active")
"""

from quiltkit.indexer.auctions import AuctionState
from quiltkit.indexer.badges import BadgeStatus, block_times
from quiltkit.indexer.escrows import EscrowStatus
from quiltkit.indexer.indexer import ContractRef, Deployment, Indexer, StepResult, load_manifest
from quiltkit.indexer.models import (
    HistoryEntry,
    IndexedAuction,
    IndexedBadge,
    IndexedBadgeHolder,
    IndexedBadgeType,
    IndexedBid,
    IndexedBond,
    IndexedBondMinimum,
    IndexedDonation,
    IndexedEscrow,
    IndexedMilestone,
    IndexedProject,
    IndexedProposal,
    IndexedRewardToken,
    IndexedRound,
    IndexedSorobanEscrow,
    IndexedSorobanMilestone,
    IndexedStake,
    IndexedSuspension,
    IndexedTier,
    IndexedTierBalance,
    IndexedVote,
    IndexStatus,
    Page,
    ReputationInput,
    SorobanIndexStatus,
)
from quiltkit.indexer.proposals import ProposalStatus
from quiltkit.indexer.queries import Queries
from quiltkit.indexer.soroban_escrows import SorobanEscrowStatus
from quiltkit.indexer.store import IndexStore
from quiltkit.indexer.verify import Difference, verify, verify_soroban

__all__ = [
    "AuctionState",
    "ContractRef",
    "Deployment",
    "Difference",
    "EscrowStatus",
    "HistoryEntry",
    "IndexStatus",
    "IndexStore",
    "IndexedAuction",
    "IndexedBid",
    "IndexedEscrow",
    "IndexedMilestone",
    "IndexedProposal",
    "IndexedVote",
    "Indexer",
    "Page",
    "ProposalStatus",
    "Queries",
    "StepResult",
    "load_manifest",
    "verify",
    # staking and bonds
    "IndexedBond",
    "IndexedBondMinimum",
    "IndexedRewardToken",
    "IndexedStake",
    "IndexedSuspension",
]

__all__ += [
    "BadgeStatus",
    "IndexedBadge",
    "IndexedBadgeHolder",
    "IndexedBadgeType",
    "ReputationInput",
    "IndexedTier",
    "IndexedTierBalance",
    "block_times",
    "IndexedDonation",
    "IndexedProject",
    "IndexedRound",
]

# the Soroban escrow (its indexer: quiltkit.indexer.soroban_indexer)
__all__ += [
    "IndexedSorobanEscrow",
    "IndexedSorobanMilestone",
    "SorobanEscrowStatus",
    "SorobanIndexStatus",
    "verify_soroban",
]
