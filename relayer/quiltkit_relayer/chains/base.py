"""The chain adapter protocol: everything the pipeline needs from a chain, and nothing more.

The pipeline (intake, verify, submit, confirm, keeper) is chain-agnostic; an adapter knows how
intents are signed and checked on its chain, how a batch becomes a transaction, and how that
transaction is signed, sent and found again. ``chains/evm.py`` implements it with web3.py; a
Soroban adapter (``chains/soroban.py``) plugs in the same way: on a Stellar RPC server its "nonce"
is the account sequence number, its raw transaction the signed envelope (persisted before
sending, resent identically), and it is rebuilt only once :meth:`ChainAdapter.expired` shows its
time bounds have passed with no ledger holding it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from quiltkit.intents import PayoutIntent

from quiltkit_relayer.models import IntentRecord, IntentState, IntentSubmission, Reason
from quiltkit_relayer.results import Abort, Done, Ok, Retry

__all__ = [
    "check_escrow_terms",
    "check_intent",
    "judge_intent",
    "Broadcast",
    "ChainAdapter",
    "ChainUnavailable",
    "Checked",
    "Fees",
    "Prepared",
    "Receipt",
    "SignedTx",
    "TxRequest",
]


class ChainUnavailable(RuntimeError):
    """The node did not answer (or answered garbage): a transient failure, retry later."""


@dataclass(frozen=True)
class Prepared:
    """An intent after the checks that need no chain state: its digest and recovered signers."""

    intent_id: str
    digest: str
    signers: tuple[str, ...]
    signatures: tuple[str, ...]


@dataclass(frozen=True)
class Checked:
    """An intent that may be submitted now, with the signatures the contract will check."""

    intent_id: str
    verifiers: tuple[str, ...]
    signatures: tuple[str, ...]
    signers: tuple[str, ...]


@dataclass(frozen=True)
class TxRequest:
    """What to send: a call (EVM: ``to`` + calldata) and the intents it pays."""

    to: str
    data: bytes
    intent_ids: tuple[str, ...]
    value: int = 0
    intents: tuple[PayoutIntent, ...] = ()
    """The intents themselves, for a transport that judges its own receipts by asking the chain
    whether each intent paid its milestone (the Soroban harness)."""


@dataclass(frozen=True)
class Fees:
    max_fee_per_gas: int
    priority_fee_per_gas: int


@dataclass(frozen=True)
class SignedTx:
    tx_hash: str
    raw: str
    nonce: int
    gas_limit: int
    fees: Fees


@dataclass(frozen=True)
class Receipt:
    tx_hash: str
    success: bool
    block_number: int
    gas_used: int
    effective_gas_price: int
    skipped: tuple[str, ...] = ()
    """Intent ids the contract passed over in a successful batch (their milestone was no longer
    payable): the transaction succeeded, but did not pay them."""


class Broadcast(StrEnum):
    ACCEPTED = "accepted"  # the node took it (or already had it)
    NONCE_USED = "nonce_used"  # another transaction already used this nonce
    UNDERPRICED = "underpriced"  # a pending version with the same nonce pays more
    REJECTED = "rejected"  # refused for another reason (message logged)


CheckResult = Ok[Checked] | Done | Retry | Abort


@runtime_checkable
class ChainAdapter(Protocol):
    """One chain, one escrow contract, one signer."""

    name: str
    """Short chain family name stored with each intent (``evm``, ``soroban``)."""

    batch_limit: int
    """Most intents one payout transaction may carry (1 where the contract has no multicall)."""

    max_in_flight: int | None
    """Most unconfirmed transactions the chain lets one signer have (None: the setting decides)."""

    @property
    def chain_id(self) -> int: ...

    @property
    def contract(self) -> str: ...

    @property
    def signer_address(self) -> str: ...

    # --- intents ---
    def attest(self, intent: PayoutIntent, verifier: Any) -> str:
        """A verifier key's signature of ``intent`` on this chain, in the form submissions carry."""

    def prepare(self, submission: IntentSubmission) -> Prepared:
        """Checks that need no chain state: domain, signature format, recovery, duplicates.

        Raises :class:`quiltkit_relayer.models.Rejection` with a named reason.
        """

    def check(self, record: IntentRecord) -> CheckResult:
        """Checks against chain state: consumed (Done), expired, escrow, milestone, quorum."""

    def check_many(self, records: Sequence[IntentRecord]) -> list[CheckResult]:
        """:meth:`check` of each record, in order (EVM: the chain state of all in one call)."""

    def is_paid(self, intent: PayoutIntent) -> bool:
        """Whether this intent paid its milestone (EVM: ``intentStatus`` says Paid; Soroban: its id
        is consumed). A milestone closed otherwise is not paid by it."""

    def paid_many(self, intents: Sequence[PayoutIntent]) -> list[bool]:
        """:meth:`is_paid` of each intent, in order (EVM: in one call)."""

    def now(self) -> int:
        """Chain time (seconds) to judge deadlines by."""

    # --- transactions ---
    def payout_request(self, batch: Sequence[tuple[IntentRecord, Checked]]) -> TxRequest: ...

    def estimate(self, request: TxRequest) -> int:
        """Gas the request needs; raises :class:`quiltkit.exceptions.ContractRevert` if it would fail."""

    def explain_failure(self, record: IntentRecord, checked: Checked) -> Abort | Done | Retry | None:
        """Why this one intent would fail on chain now (None: it would not)."""

    def closed_since_check(self, records: Sequence[IntentRecord]) -> dict[str, Abort | Done]:
        """The intents of ``records`` whose milestone is no longer payable, by intent id: ``Done`` if
        this intent paid it, else why not. On a chain whose batch call skips such intents instead of
        reverting (EVM ``releaseWithIntents``), simulation cannot tell, so this is read just before
        signing; elsewhere simulation does and this may return nothing. Called before
        :meth:`checked`, which may reuse what it read (the escrows' thresholds)."""

    def fees(self) -> Fees: ...

    def bumped(self, previous: Fees) -> Fees | None:
        """Fees for a replacement of a stuck transaction; None when the cap forbids a bump."""

    def sign(self, request: TxRequest, *, nonce: int, gas_limit: int, fees: Fees) -> SignedTx: ...

    def replacement(self, raw: str, fees: Fees) -> SignedTx:
        """The same transaction (nonce, call, gas) re-signed with ``fees`` (and, where the chain has
        them, new time bounds)."""

    def expired(self, raw: str) -> bool:
        """Whether the transaction can provably never be included any more (Stellar: in no ledger,
        and the latest ledger closed after its time bounds); then it is rebuilt, same nonce."""

    def broadcast(self, raw: str) -> tuple[Broadcast, str]: ...

    def receipt(self, tx_hash: str) -> Receipt | None: ...

    def is_known(self, tx_hash: str) -> bool:
        """Whether the node knows the transaction (pending or mined)."""

    def head(self) -> int: ...

    def account_nonce(self, *, pending: bool) -> int: ...

    def balance(self) -> int: ...

    # --- the keeper's work ---
    def escrow_ids(self) -> range:
        """Every escrow id of the contract."""

    def refund_due(self, escrow_id: int, now: int) -> str | None:
        """Why refunds of the escrow are due now (deadline passed, a milestone pending), or None."""

    def refund_request(self, escrow_id: int) -> TxRequest:
        """The call that opens the escrow's refunds (anyone may send it)."""


class MilestoneView(Protocol):
    """What both chains' milestone models expose (``quiltkit.escrow`` and ``quiltkit.soroban``)."""

    @property
    def state(self) -> Any: ...
    @property
    def funded(self) -> bool: ...
    @property
    def amount(self) -> int: ...


class _ChecksIntents(Protocol):
    expiry_margin_s: int

    @property
    def contract(self) -> str: ...
    def intent_state(self, intent: PayoutIntent) -> tuple[bool, Any]:
        """Whether this intent paid its milestone already, and its escrow's state (None: no such escrow)."""

    def now(self) -> int: ...
    def check_terms(self, record: IntentRecord, info: Any) -> Abort | None: ...
    def check_signatures(self, record: IntentRecord, info: Any) -> CheckResult: ...


def check_intent(adapter: _ChecksIntents, record: IntentRecord) -> CheckResult:
    """An intent against chain state, in the contract's order: consumed (Done), expired, escrow
    exists, the escrow's terms, then the chain's own signature and quorum checks. A node that does
    not answer is a Retry."""
    try:
        consumed, info = adapter.intent_state(record.intent)
        return judge_intent(adapter, record, consumed, info)
    except ChainUnavailable as exc:
        return Retry(str(exc))


def judge_intent(adapter: _ChecksIntents, record: IntentRecord, consumed: bool, info: Any) -> CheckResult:
    """:func:`check_intent` on chain state already read (``intent_state``'s answer for ``record``):
    the batch intake reads the state of a whole request's intents in one call. Raises
    :class:`ChainUnavailable` when a later check needs the node and it does not answer."""
    intent = record.intent
    if consumed:
        return Done("the contract already consumed this intent")
    now = adapter.now()
    if intent.deadline <= now + adapter.expiry_margin_s:
        return Abort(Reason.EXPIRED, f"deadline {intent.deadline} has passed (chain time {now})", IntentState.EXPIRED)
    if info is None:
        return Abort(Reason.ESCROW_NOT_FOUND, f"no escrow {intent.escrow_id} at {adapter.contract}")
    found = adapter.check_terms(record, info)
    if found is not None:
        return found
    return adapter.check_signatures(record, info)


def milestone_closed(intent: PayoutIntent, state: str) -> Abort:
    """The verdict on an intent whose milestone left Pending (``state``, by its name) otherwise."""
    return Abort(Reason.MILESTONE_NOT_PENDING, f"milestone {intent.milestone} is {state}", IntentState.SUPERSEDED)


def check_escrow_terms(
    intent: PayoutIntent, *, attested: bool, token: str, payee: str | None, milestones: Sequence[MilestoneView]
) -> Abort | None:
    """The chain-independent checks of an intent against its escrow's state, in the contract's order."""
    if not attested:
        return Abort(Reason.ATTESTATION_DISABLED, f"escrow {intent.escrow_id} has no verifiers")
    if token != intent.token:
        return Abort(Reason.TOKEN_MISMATCH, f"escrow pays in {token}, the intent names {intent.token}")
    if intent.milestone >= len(milestones):
        return Abort(Reason.INVALID_MILESTONE, f"escrow {intent.escrow_id} has milestones 0..{len(milestones) - 1}")
    milestone = milestones[intent.milestone]
    if milestone.state.name != "PENDING":
        return milestone_closed(intent, milestone.state.name)
    if not milestone.funded:
        return Abort(Reason.MILESTONE_NOT_FUNDED, f"milestone {intent.milestone} is not funded")
    if milestone.amount != intent.amount:
        return Abort(
            Reason.AMOUNT_MISMATCH, f"milestone {intent.milestone} pays {milestone.amount}, not {intent.amount}"
        )
    if payee is not None and payee != intent.payee:
        return Abort(Reason.PAYEE_MISMATCH, f"escrow {intent.escrow_id} pays {payee}, not {intent.payee}")
    return None
