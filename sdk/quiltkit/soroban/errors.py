"""Exceptions for the Soroban escrow: contract error codes, host errors, transport failures.

Each contract error code of ``quiltkit-soroban-escrow`` (``EscrowError`` in
``soroban/escrow/src/errors.rs``; codes never change) is one class here. Where the EVM
``MilestoneEscrow`` has an error of the same meaning, the Soroban class has the same name and
also subclasses the EVM class from :mod:`quiltkit.escrow_errors`, so ``except EscrowNotFound``
catches both chains; codes with no EVM twin get their own ``Escrow...`` name. Every class
derives from :class:`SorobanEscrowRevert` (which carries ``code``) and from
:class:`quiltkit.escrow_errors.EscrowRevert`.

Host errors (the Soroban host failed the call: authorization, crypto, storage, budget...) are
:class:`SorobanHostError` with ``error_type`` / ``error_code`` as the host names them
(``Error(Auth, InvalidAction)``); authorization failures are :class:`SorobanAuthError`, also a
``PermissionError``.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from quiltkit import escrow_errors as evm
from quiltkit.exceptions import QuiltkitError, TransactionFailed

__all__ = [
    "CONTRACT_ERRORS",
    "EnforcedPause",
    "EscrowArbiterIsPayee",
    "EscrowArbiterIsPayer",
    "EscrowAttestationDisabled",
    "EscrowClosed",
    "EscrowDeadlineInPast",
    "EscrowDeadlineNotReached",
    "EscrowDeadlineTooFar",
    "EscrowDisputeNotExpired",
    "EscrowDisputesDisabled",
    "EscrowDuplicateSigner",
    "EscrowDuplicateVerifier",
    "EscrowFullyFunded",
    "EscrowFundingClosed",
    "EscrowInsufficientSignatures",
    "EscrowIntentAlreadyConsumed",
    "EscrowIntentExpired",
    "EscrowIntentMismatch",
    "EscrowInvalidAmount",
    "EscrowInvalidFee",
    "EscrowInvalidMilestone",
    "EscrowInvalidMilestoneCount",
    "EscrowInvalidResolutionWindow",
    "EscrowInvalidSplit",
    "EscrowInvalidThreshold",
    "EscrowMilestoneAlreadyReleased",
    "EscrowMilestoneAlreadyResolved",
    "EscrowMilestoneDisputed",
    "EscrowMilestoneNotDisputed",
    "EscrowMilestoneNotFunded",
    "EscrowMilestoneRefunded",
    "EscrowNoPendingAdmin",
    "EscrowNoUpgradeScheduled",
    "EscrowNotFound",
    "EscrowNotInitialized",
    "EscrowNotParty",
    "EscrowNotPauser",
    "EscrowNothingToClaim",
    "EscrowOverfunded",
    "EscrowPayeeAlreadySet",
    "EscrowPayeeNotSet",
    "EscrowRefundsNotClaimable",
    "EscrowResolutionWindowPassed",
    "EscrowTokenTransferMismatch",
    "EscrowTooManyVerifiers",
    "EscrowUnknownVerifier",
    "EscrowUpgradeHashMismatch",
    "EscrowUpgradeNotReady",
    "ExpectedPause",
    "HarnessError",
    "HarnessNotFound",
    "SorobanAuthError",
    "SorobanContractError",
    "SorobanEscrowRevert",
    "SorobanHostError",
    "SorobanRpcError",
    "SorobanTimeout",
    "SorobanTransactionFailed",
    "StellarCliError",
    "StellarCliNotFound",
    "UnexpectedAuthorization",
    "error_from_message",
    "host_error",
    "escrow_error",
]


class SorobanContractError(QuiltkitError):
    """A contract returned ``Error(Contract, #code)``; ``name`` is its error name when known.

    Raised as is for contracts whose codes quiltkit does not know (a token contract, say);
    errors of the escrow contract are :class:`SorobanEscrowRevert` subclasses.
    """

    def __init__(self, code: int, name: str | None = None, message: str = "", contract: str | None = None) -> None:
        self.code = code
        self.name = name
        self.contract = contract
        detail = f" {name}" if name else ""
        # Not super(): the EVM classes mixed into the escrow subclasses format their own message.
        QuiltkitError.__init__(self, message or f"Error(Contract, #{code}){detail}")


class SorobanEscrowRevert(SorobanContractError, evm.EscrowRevert):
    """Base of every error code of the Soroban escrow contract.

    ``code`` is the contract's ``u32`` error code, ``contract_name`` the variant's name in the
    Rust ``EscrowError`` enum (``MilestoneAlreadyReleased``).
    """

    code_value: ClassVar[int] = 0
    contract_name: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Soroban errors carry a code, not ABI-encoded arguments.
        cls.error_name, cls.selector = cls.__name__, ""
        cls.param_names = cls.param_types = ()

    def __init__(self, code: int | None = None, message: str = "") -> None:
        code = self.code_value if code is None else code
        self.args_by_name: dict[str, Any] = {"code": code}
        name = self.contract_name or None
        label = f"{name} (Error(Contract, #{code}))" if name else f"Error(Contract, #{code})"
        SorobanContractError.__init__(self, code, name, f"{message}: {label}" if message else label)


# --- configuration and admin: 1-99 -----------------------------------------------------------


class EscrowNotInitialized(SorobanEscrowRevert):
    """1 ``NotInitialized``: the contract has no configuration (unreachable after the constructor)."""

    code_value, contract_name = 1, "NotInitialized"


class EscrowInvalidFee(SorobanEscrowRevert, evm.EscrowInvalidFee):
    """2 ``FeeTooHigh``: a fee above 1000 bps (constructor, ``set_fee``)."""

    code_value, contract_name = 2, "FeeTooHigh"


class EnforcedPause(SorobanEscrowRevert, evm.EnforcedPause):
    """3 ``Paused``: ``create``/``fund`` while paused, or ``pause`` while already paused."""

    code_value, contract_name = 3, "Paused"


class ExpectedPause(SorobanEscrowRevert, evm.ExpectedPause):
    """4 ``NotPaused``: ``unpause`` while not paused."""

    code_value, contract_name = 4, "NotPaused"


class EscrowNotPauser(SorobanEscrowRevert, evm.AccessControlUnauthorizedAccount):
    """5 ``NotPauser``: ``pause``/``unpause`` by neither the admin nor the guardian."""

    code_value, contract_name = 5, "NotPauser"


class EscrowNoPendingAdmin(SorobanEscrowRevert):
    """6 ``NoPendingAdmin``: ``accept_admin`` with no proposal."""

    code_value, contract_name = 6, "NoPendingAdmin"


class EscrowNoUpgradeScheduled(SorobanEscrowRevert):
    """7 ``NoUpgradeScheduled``: ``upgrade``/``cancel_upgrade`` with no announced upgrade."""

    code_value, contract_name = 7, "NoUpgradeScheduled"


class EscrowUpgradeNotReady(SorobanEscrowRevert):
    """8 ``UpgradeNotReady``: ``upgrade`` before the announcement's ``ready_at`` (7 days after it)."""

    code_value, contract_name = 8, "UpgradeNotReady"


class EscrowUpgradeHashMismatch(SorobanEscrowRevert):
    """9 ``UpgradeHashMismatch``: ``upgrade`` with a wasm hash other than the announced one."""

    code_value, contract_name = 9, "UpgradeHashMismatch"


# --- escrow lifecycle: 100-119 -----------------------------------------------------------------


class EscrowNotFound(SorobanEscrowRevert, evm.EscrowNotFound):
    """100 ``EscrowNotFound``: unknown escrow id."""

    code_value, contract_name = 100, "EscrowNotFound"


class EscrowInvalidMilestoneCount(SorobanEscrowRevert, evm.EscrowInvalidMilestoneCount):
    """101 ``InvalidMilestoneCount``: 0 or more than 64 milestones."""

    code_value, contract_name = 101, "InvalidMilestoneCount"


class EscrowInvalidAmount(SorobanEscrowRevert):
    """102 ``InvalidAmount``: a milestone or funding amount <= 0, or a total above i64::MAX."""

    code_value, contract_name = 102, "InvalidAmount"


class EscrowInvalidThreshold(SorobanEscrowRevert, evm.EscrowInvalidVerifierSet):
    """103 ``InvalidThreshold``: threshold 0 or above the verifier count (or set without verifiers)."""

    code_value, contract_name = 103, "InvalidThreshold"


class EscrowDuplicateVerifier(SorobanEscrowRevert, evm.EscrowDuplicateVerifier):
    """104 ``DuplicateVerifier``: the same verifier key twice in ``create``."""

    code_value, contract_name = 104, "DuplicateVerifier"


class EscrowTooManyVerifiers(SorobanEscrowRevert, evm.EscrowInvalidVerifierSet):
    """105 ``TooManyVerifiers``: more than 20 verifier keys."""

    code_value, contract_name = 105, "TooManyVerifiers"


class EscrowDeadlineInPast(SorobanEscrowRevert, evm.EscrowDeadlineInPast):
    """106 ``InvalidDeadline``: the deadline is not after the current ledger timestamp."""

    code_value, contract_name = 106, "InvalidDeadline"


class EscrowOverfunded(SorobanEscrowRevert, evm.EscrowOverfunded):
    """107 ``AmountExceedsTotal``: retired (``fund`` keeps at most what remains, see
    :class:`EscrowFullyFunded`); kept so the code keeps its meaning."""

    code_value, contract_name = 107, "AmountExceedsTotal"


class EscrowClosed(SorobanEscrowRevert, evm.EscrowClosed):
    """108 ``EscrowNotActive``: the escrow is refunding or cancelled."""

    code_value, contract_name = 108, "EscrowNotActive"


class EscrowFundingClosed(SorobanEscrowRevert, evm.EscrowFundingClosed):
    """109 ``DeadlinePassed``: ``fund`` after the deadline."""

    code_value, contract_name = 109, "DeadlinePassed"


class EscrowDeadlineNotReached(SorobanEscrowRevert, evm.EscrowDeadlineNotReached):
    """110 ``DeadlineNotReached``: ``refund`` before the deadline with open milestones."""

    code_value, contract_name = 110, "DeadlineNotReached"


class EscrowPayeeAlreadySet(SorobanEscrowRevert, evm.EscrowPayeeAlreadySet):
    """111 ``PayeeAlreadySet``: ``assign_payee`` twice, or ``cancel`` with a payee."""

    code_value, contract_name = 111, "PayeeAlreadySet"


class EscrowPayeeNotSet(SorobanEscrowRevert, evm.EscrowPayeeNotSet):
    """112 ``PayeeNotSet``: ``release``/``dispute`` without a payee."""

    code_value, contract_name = 112, "PayeeNotSet"


class EscrowNotParty(SorobanEscrowRevert, evm.EscrowNotParty):
    """113 ``NotParty``: ``dispute`` by neither the payer nor the payee."""

    code_value, contract_name = 113, "NotParty"


class EscrowDisputesDisabled(SorobanEscrowRevert, evm.EscrowDisputesDisabled):
    """114 ``DisputesDisabled``: ``dispute``/``resolve`` on an escrow without an arbiter."""

    code_value, contract_name = 114, "DisputesDisabled"


class EscrowInvalidSplit(SorobanEscrowRevert, evm.EscrowInvalidSplit):
    """115 ``InvalidBps``: ``payee_bps`` above 10000."""

    code_value, contract_name = 115, "InvalidBps"


class EscrowNothingToClaim(SorobanEscrowRevert, evm.EscrowNothingToClaim):
    """116 ``NothingToClaim``: ``claim_refund`` with nothing owed."""

    code_value, contract_name = 116, "NothingToClaim"


class EscrowRefundsNotClaimable(SorobanEscrowRevert, evm.EscrowRefundsNotClaimable):
    """117 ``RefundsNotOpen``: ``claim_refund`` while the escrow is active."""

    code_value, contract_name = 117, "RefundsNotOpen"


class EscrowArbiterIsPayee(SorobanEscrowRevert):
    """118 ``ArbiterIsPayee``: the arbiter would be the payee (``create``, ``assign_payee``, attested
    release of an open bounty)."""

    code_value, contract_name = 118, "ArbiterIsPayee"


class EscrowArbiterIsPayer(SorobanEscrowRevert):
    """119 ``ArbiterIsPayer``: ``create`` with the payer as arbiter."""

    code_value, contract_name = 119, "ArbiterIsPayer"


# --- milestones: 120-139 -----------------------------------------------------------------------


class EscrowInvalidMilestone(SorobanEscrowRevert, evm.EscrowInvalidMilestone):
    """120 ``InvalidMilestoneIndex``: milestone index out of range."""

    code_value, contract_name = 120, "InvalidMilestoneIndex"


class EscrowMilestoneNotFunded(SorobanEscrowRevert, evm.EscrowMilestoneNotFunded):
    """121 ``MilestoneNotFunded``: funding does not cover milestones 0..=i."""

    code_value, contract_name = 121, "MilestoneNotFunded"


class EscrowMilestoneAlreadyReleased(SorobanEscrowRevert, evm.EscrowMilestoneNotPending):
    """122 ``MilestoneAlreadyReleased``: the milestone was already released."""

    code_value, contract_name = 122, "MilestoneAlreadyReleased"


class EscrowMilestoneDisputed(SorobanEscrowRevert, evm.EscrowMilestoneNotPending):
    """123 ``MilestoneDisputed``: the milestone is frozen by a dispute."""

    code_value, contract_name = 123, "MilestoneDisputed"


class EscrowMilestoneNotDisputed(SorobanEscrowRevert, evm.EscrowMilestoneNotDisputed):
    """124 ``MilestoneNotDisputed``: ``resolve`` on a milestone that is not disputed."""

    code_value, contract_name = 124, "MilestoneNotDisputed"


class EscrowMilestoneAlreadyResolved(SorobanEscrowRevert, evm.EscrowMilestoneNotPending):
    """125 ``MilestoneAlreadyResolved``: the milestone's dispute was already resolved."""

    code_value, contract_name = 125, "MilestoneAlreadyResolved"


class EscrowMilestoneRefunded(SorobanEscrowRevert, evm.EscrowMilestoneNotPending):
    """126 ``MilestoneRefunded``: the milestone was refunded (refund or cancel)."""

    code_value, contract_name = 126, "MilestoneRefunded"


class EscrowDisputeNotExpired(SorobanEscrowRevert):
    """127 ``DisputeNotExpired``: ``expire_dispute`` within the dispute's resolution window."""

    code_value, contract_name = 127, "DisputeNotExpired"


class EscrowResolutionWindowPassed(SorobanEscrowRevert):
    """128 ``ResolutionWindowPassed``: ``resolve`` after the resolution window (use ``expire_dispute``)."""

    code_value, contract_name = 128, "ResolutionWindowPassed"


# --- escrow terms and token transfers: 140-159 --------------------------------------------------


class EscrowDeadlineTooFar(SorobanEscrowRevert):
    """140 ``DeadlineTooFar``: a deadline more than 10 years after creation."""

    code_value, contract_name = 140, "DeadlineTooFar"


class EscrowInvalidResolutionWindow(SorobanEscrowRevert):
    """141 ``InvalidResolutionWindow``: a resolution window outside 1 day ..= 365 days."""

    code_value, contract_name = 141, "InvalidResolutionWindow"


class EscrowTokenTransferMismatch(SorobanEscrowRevert):
    """142 ``TokenTransferMismatch``: ``fund`` grew the escrow's balance by nothing or by more than sent."""

    code_value, contract_name = 142, "TokenTransferMismatch"


class EscrowFullyFunded(SorobanEscrowRevert, evm.EscrowFullyFunded):
    """143 ``FullyFunded``: ``fund`` on an escrow whose milestones are already covered."""

    code_value, contract_name = 143, "FullyFunded"


# --- payout intents: 200-219 -------------------------------------------------------------------


class EscrowIntentExpired(SorobanEscrowRevert, evm.EscrowIntentExpired):
    """200 ``IntentExpired``: ``intent.deadline`` is before the ledger timestamp."""

    code_value, contract_name = 200, "IntentExpired"


class EscrowIntentAlreadyConsumed(SorobanEscrowRevert, evm.EscrowIntentAlreadyConsumed):
    """201 ``IntentAlreadyConsumed``: the intent id was already executed."""

    code_value, contract_name = 201, "IntentAlreadyConsumed"


class EscrowInsufficientSignatures(SorobanEscrowRevert, evm.EscrowInsufficientSignatures):
    """202 ``InsufficientSignatures``: fewer distinct verifier signatures than the threshold."""

    code_value, contract_name = 202, "InsufficientSignatures"


class EscrowDuplicateSigner(SorobanEscrowRevert):
    """203 ``DuplicateSigner``: one verifier key twice in a submission."""

    code_value, contract_name = 203, "DuplicateSigner"


class EscrowUnknownVerifier(SorobanEscrowRevert, evm.EscrowUnknownVerifier):
    """204 ``UnknownSigner``: a key that is not one of the escrow's verifiers."""

    code_value, contract_name = 204, "UnknownSigner"


class EscrowIntentMismatch(SorobanEscrowRevert):
    """205 ``IntentMismatch``: the intent's token, amount or payee differ from the escrow."""

    code_value, contract_name = 205, "IntentMismatch"


class EscrowAttestationDisabled(SorobanEscrowRevert, evm.EscrowAttestationDisabled):
    """206 ``AttestationDisabled``: the escrow has no verifiers."""

    code_value, contract_name = 206, "AttestationDisabled"


CONTRACT_ERRORS: dict[int, type[SorobanEscrowRevert]] = {
    cls.code_value: cls
    for cls in (
        EscrowNotInitialized,
        EscrowInvalidFee,
        EnforcedPause,
        ExpectedPause,
        EscrowNotPauser,
        EscrowNoPendingAdmin,
        EscrowNoUpgradeScheduled,
        EscrowUpgradeNotReady,
        EscrowUpgradeHashMismatch,
        EscrowNotFound,
        EscrowInvalidMilestoneCount,
        EscrowInvalidAmount,
        EscrowInvalidThreshold,
        EscrowDuplicateVerifier,
        EscrowTooManyVerifiers,
        EscrowDeadlineInPast,
        EscrowOverfunded,
        EscrowClosed,
        EscrowFundingClosed,
        EscrowDeadlineNotReached,
        EscrowPayeeAlreadySet,
        EscrowPayeeNotSet,
        EscrowNotParty,
        EscrowDisputesDisabled,
        EscrowInvalidSplit,
        EscrowNothingToClaim,
        EscrowRefundsNotClaimable,
        EscrowArbiterIsPayee,
        EscrowArbiterIsPayer,
        EscrowInvalidMilestone,
        EscrowMilestoneNotFunded,
        EscrowMilestoneAlreadyReleased,
        EscrowMilestoneDisputed,
        EscrowMilestoneNotDisputed,
        EscrowMilestoneAlreadyResolved,
        EscrowMilestoneRefunded,
        EscrowDisputeNotExpired,
        EscrowResolutionWindowPassed,
        EscrowDeadlineTooFar,
        EscrowInvalidResolutionWindow,
        EscrowTokenTransferMismatch,
        EscrowFullyFunded,
        EscrowIntentExpired,
        EscrowIntentAlreadyConsumed,
        EscrowInsufficientSignatures,
        EscrowDuplicateSigner,
        EscrowUnknownVerifier,
        EscrowIntentMismatch,
        EscrowAttestationDisabled,
    )
}
"""Escrow contract error code -> exception class."""


def escrow_error(code: int, message: str = "") -> SorobanContractError:
    """The exception for escrow error ``code`` (an unknown code gives the base class)."""
    cls = CONTRACT_ERRORS.get(code)
    if cls is None:
        return SorobanEscrowRevert(code, message or "not an escrow error code")
    return cls(code, message)


# --- host, transport and tool errors -----------------------------------------------------------


class SorobanHostError(QuiltkitError):
    """The Soroban host failed the call (not a contract error code).

    ``error_type`` and ``error_code`` are the host's names: ``Error(Auth, InvalidAction)`` has
    ``error_type == "Auth"`` and ``error_code == "InvalidAction"``.
    """

    def __init__(self, error_type: str | None, error_code: str | None, message: str = "") -> None:
        self.error_type = error_type
        self.error_code = error_code
        super().__init__(message or f"Error({error_type}, {error_code})")


class UnexpectedAuthorization(QuiltkitError, PermissionError):
    """A simulated call asked a signer to authorize more than the client expects: an invocation
    other than the call itself, or sub-invocations beyond the ones it names (for the escrow's
    ``fund``, exactly one ``token.transfer(funder, escrow, amount)``). Nothing was signed or sent.

    ``address`` is the signer asked, ``invocation`` a readable form of the first unexpected node.
    """

    def __init__(self, address: str | None, invocation: str, what: str) -> None:
        self.address = address
        self.invocation = invocation
        who = address or "the transaction source"
        super().__init__(
            f"refusing to sign {what}: it asks {who} to also authorize {invocation}, which this call "
            "does not need (a hostile token or contract in the call?)"
        )


class SorobanAuthError(SorobanHostError, PermissionError):
    """Authorization failed: a missing, wrong or expired signature, or a reused nonce."""


class SorobanTransactionFailed(TransactionFailed):
    """A submitted transaction failed and no contract or host error could be decoded from it."""

    def __init__(self, tx_hash: str, message: str = "", result_code: str | None = None) -> None:
        self.result_code = result_code
        super().__init__(tx_hash, message)


class SorobanTimeout(QuiltkitError, TimeoutError):
    """A transaction was not seen in a ledger before the client's deadline."""

    def __init__(self, tx_hash: str, message: str) -> None:
        self.tx_hash = tx_hash
        super().__init__(message)


class SorobanRpcError(QuiltkitError, ConnectionError):
    """The Stellar RPC answered with an error or an unusable response."""


class HarnessNotFound(QuiltkitError, FileNotFoundError):
    """The local Soroban harness binary is not built."""


class HarnessError(QuiltkitError, RuntimeError):
    """The local harness rejected a request (``invalid_request``) or failed (``internal``, exit)."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(f"harness {kind}: {message}")


class StellarCliNotFound(QuiltkitError, FileNotFoundError):
    """The ``stellar`` CLI is not installed."""


class StellarCliError(QuiltkitError, RuntimeError):
    """A ``stellar`` CLI command exited with an error."""

    def __init__(self, command: list[str], returncode: int, stderr: str) -> None:
        # The command may carry a secret key (``--source-account S...``): kept with it masked.
        command = ["S...(secret)" if _STELLAR_SECRET.match(part) else part for part in command]
        self.command, self.returncode, self.stderr = command, returncode, stderr
        last = next((line for line in reversed(stderr.strip().splitlines()) if line.strip()), "")
        super().__init__(f"`{' '.join(command[:3])}` exited with {returncode}: {last or 'no output'}")


_STELLAR_SECRET = re.compile(r"^S[A-Z2-7]{55}$")
_ERROR_RE = re.compile(r"Error\((\w+), #?(\w+)\)")


def error_from_message(message: str) -> QuiltkitError | None:
    """Parse the first ``Error(Type, Code)`` in a host message (RPC simulation error text)."""
    match = _ERROR_RE.search(message)
    if match is None:
        return None
    error_type, code = match.group(1), match.group(2)
    line = message.strip().splitlines()[0] if message.strip() else message
    if error_type == "Contract" and code.isdigit():
        return SorobanContractError(int(code), None, match.group(0))
    return host_error(error_type, code, line[:300])


def host_error(error_type: str | None, error_code: str | None, message: str = "") -> SorobanHostError:
    """The host error for ``Error(error_type, error_code)``; auth failures are :class:`SorobanAuthError`."""
    cls = SorobanAuthError if error_type == "Auth" else SorobanHostError
    return cls(error_type, error_code, message)
