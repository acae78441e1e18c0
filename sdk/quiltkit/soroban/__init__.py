"""quiltkit on Stellar: a typed client for the Soroban milestone escrow.

:class:`SorobanEscrow` mirrors the contract (soroban/README.md) over one of two backends:
:class:`LocalHost` (the local harness: the real Soroban host in a child process, for tests and
the demo) or :class:`Rpc` (a Stellar RPC server). Contract errors raise the named exceptions
of :mod:`quiltkit.soroban.errors`, which also subclass the EVM exception of the same meaning.

``import quiltkit`` does not import this package (nor stellar-sdk); ``import quiltkit.soroban``
does.
"""

from quiltkit.soroban.backend import (
    ContractCall,
    Invocation,
    LedgerInfo,
    LocalHost,
    Rpc,
    Simulation,
    SorobanBackend,
    authorize_entries,
    check_authorization,
    find_harness,
)
from quiltkit.soroban.errors import (
    HarnessError,
    HarnessNotFound,
    SorobanAuthError,
    SorobanContractError,
    SorobanEscrowRevert,
    SorobanHostError,
    SorobanRpcError,
    SorobanTimeout,
    SorobanTransactionFailed,
    UnexpectedAuthorization,
)
from quiltkit.soroban.escrow import IntentSignature, SorobanEscrow
from quiltkit.soroban.models import (
    EscrowStatus,
    MilestoneState,
    SorobanConfig,
    SorobanCreatedEscrow,
    SorobanEscrowInfo,
    SorobanEscrowTerms,
    SorobanEvent,
    SorobanMilestone,
    SorobanPendingUpgrade,
    SorobanTxResult,
)

__all__ = [
    "ContractCall",
    "EscrowStatus",
    "HarnessError",
    "HarnessNotFound",
    "IntentSignature",
    "Invocation",
    "LedgerInfo",
    "LocalHost",
    "MilestoneState",
    "Rpc",
    "Simulation",
    "SorobanAuthError",
    "SorobanBackend",
    "SorobanConfig",
    "SorobanContractError",
    "SorobanCreatedEscrow",
    "SorobanEscrow",
    "SorobanEscrowInfo",
    "SorobanEscrowRevert",
    "SorobanEscrowTerms",
    "SorobanEvent",
    "SorobanHostError",
    "SorobanMilestone",
    "SorobanPendingUpgrade",
    "SorobanRpcError",
    "SorobanTimeout",
    "SorobanTransactionFailed",
    "SorobanTxResult",
    "UnexpectedAuthorization",
    "authorize_entries",
    "check_authorization",
    "find_harness",
]
