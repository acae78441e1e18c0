"""The contract families the indexer follows: the escrow (its own projection, by escrow id) and
every :class:`~quiltkit.indexer.projection.Projection`. A new family adds its projection here."""

from __future__ import annotations

from quiltkit._contract import ContractClient
from quiltkit.escrow import Escrow
from quiltkit.indexer.auctions import AuctionProjection
from quiltkit.indexer.badges import BadgeHolderProjection, BadgeTypeProjection
from quiltkit.indexer.funding import FundingProjection
from quiltkit.indexer.projection import Projection
from quiltkit.indexer.proposals import GovernanceProjection
from quiltkit.indexer.staking import BOND_SETS, BONDS, REWARDS, STAKES, SUSPENSIONS
from quiltkit.indexer.tiers import TiersProjection

__all__ = ["CHILD_CLIENTS", "FAMILIES", "PROJECTIONS", "projection_of"]

PROJECTIONS: tuple[Projection, ...] = (
    GovernanceProjection(),
    BadgeTypeProjection(),
    BadgeHolderProjection(),
    TiersProjection(),
    AuctionProjection(),
    # staking and bonds: a projection per kind of object
    STAKES,
    REWARDS,
    BONDS,
    BOND_SETS,
    SUSPENSIONS,
    FundingProjection(),
)

FAMILIES: dict[str, type[ContractClient]] = {
    "MilestoneEscrow": Escrow,
    **{p.family: p.client for p in PROJECTIONS},
}
"""The contracts of a manifest the indexer projects, by manifest name, and their clients."""

_BY_KIND = {p.kind: p for p in PROJECTIONS}


CHILD_CLIENTS: dict[str, type[ContractClient]] = {
    p.family: p.child_client for p in PROJECTIONS if p.child_client is not None
}
"""The client of the contracts each factory family creates (the indexer's child contracts)."""


def projection_of(subject: str) -> Projection:
    return _BY_KIND[subject.split(":", 1)[0]]
