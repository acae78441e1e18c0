"""quiltkit: fund and pay open work on-chain.

Typed clients for quiltkit's contracts (web3.py, any ``Web3``), payout intents shared by SDK,
relayer and verifiers, and the exceptions they raise. Importing quiltkit never imports ape.
"""

from quiltkit import _keccak  # noqa: F401  (first: eth-hash picks its backend at the first hash)

# isort: split
from quiltkit._contract import BuiltTx, DecodedEvent, Sender, TxOptions, TxResult
from quiltkit.attestations import BadgeAttestation, BadgeDomain
from quiltkit.auction import NFT, Auction, AuctionHouse, AuctionStatus, CreatedAuction, Editions, Listing, Settlement
from quiltkit.badges import Badge, BadgeTypeTerms, BurnAuth, Reputation, SoulboundBadge, Tier, TieredBadges
from quiltkit.escrow import (
    CreatedEscrow,
    Escrow,
    EscrowInfo,
    EscrowTerms,
    FunderAccount,
    IntentState,
    IntentStatus,
    Milestone,
    MilestoneState,
    RegisteredVerifierSet,
    verifier_set_hash,
    verifier_set_id,
)
from quiltkit.exceptions import (
    ContractRevert,
    InsufficientAllowance,
    InsufficientBalance,
    InvalidAddress,
    InvalidInput,
    NoContractCode,
    PrivateKeyAsAddress,
    QuiltkitError,
    TransactionFailed,
    TransactionPending,
    UnknownRevert,
    WrongContract,
)
from quiltkit.funding import BadgeReputationGate, FundingRound, FundingRoundFactory
from quiltkit.governance import (
    Call,
    GovernanceToken,
    Governor,
    GovernorConfig,
    Proposal,
    ProposalRules,
    ProposalState,
    ProposalTally,
    ProposalType,
    Support,
    Timelock,
)
from quiltkit.intents import EvmDomain, PayoutIntent, VerifierSignature
from quiltkit.staking import Bond, GovernanceTokenV2, PendingUnstake, RewardData, Staking, VerifierBonds
from quiltkit.tokens import Token

__version__ = "0.1.0"

__all__ = [
    "NFT",
    "Auction",
    "AuctionHouse",
    "AuctionStatus",
    "Badge",
    "BadgeReputationGate",
    "BadgeAttestation",
    "BadgeDomain",
    "BadgeTypeTerms",
    "BuiltTx",
    "BurnAuth",
    "Call",
    "Bond",
    "GovernanceToken",
    "GovernanceTokenV2",
    "PendingUnstake",
    "RewardData",
    "Staking",
    "VerifierBonds",
    "Governor",
    "GovernorConfig",
    "Proposal",
    "ProposalRules",
    "ProposalState",
    "ProposalTally",
    "ProposalType",
    "Support",
    "Timelock",
    "ContractRevert",
    "CreatedAuction",
    "CreatedEscrow",
    "DecodedEvent",
    "Editions",
    "Escrow",
    "EscrowInfo",
    "EscrowTerms",
    "EvmDomain",
    "FunderAccount",
    "FundingRound",
    "FundingRoundFactory",
    "InsufficientAllowance",
    "InsufficientBalance",
    "InvalidAddress",
    "IntentState",
    "IntentStatus",
    "InvalidInput",
    "Listing",
    "Milestone",
    "MilestoneState",
    "NoContractCode",
    "PayoutIntent",
    "PrivateKeyAsAddress",
    "QuiltkitError",
    "RegisteredVerifierSet",
    "Sender",
    "Reputation",
    "Settlement",
    "SoulboundBadge",
    "Tier",
    "TieredBadges",
    "Token",
    "TransactionFailed",
    "TransactionPending",
    "TxOptions",
    "TxResult",
    "UnknownRevert",
    "VerifierSignature",
    "WrongContract",
    "__version__",
    "verifier_set_hash",
    "verifier_set_id",
]
