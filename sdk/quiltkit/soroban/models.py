"""Pydantic models of the Soroban escrow's state, terms, events and transaction results."""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from stellar_sdk import StrKey, xdr

from quiltkit._types import Bytes32
from quiltkit.escrow import MilestoneState
from quiltkit.soroban import _values

__all__ = [
    "BPS",
    "DEFAULT_RESOLUTION_WINDOW",
    "MAX_DEADLINE_DELAY",
    "MAX_FEE_BPS",
    "MAX_MILESTONES",
    "MAX_RESOLUTION_WINDOW",
    "MAX_VERIFIERS",
    "MIN_RESOLUTION_WINDOW",
    "UPGRADE_DELAY",
    "EscrowStatus",
    "MilestoneState",
    "SorobanConfig",
    "SorobanCreatedEscrow",
    "SorobanEscrowInfo",
    "SorobanEscrowTerms",
    "SorobanEvent",
    "SorobanMilestone",
    "SorobanPendingUpgrade",
    "SorobanTxResult",
    "decode_event",
]

BPS = 10_000
MAX_FEE_BPS = 1_000
MAX_MILESTONES = 64
MAX_VERIFIERS = 20
MAX_ESCROW_TOTAL = _values.I64_MAX
DAY = 86_400
MAX_DEADLINE_DELAY = 3_650 * DAY
"""Furthest an escrow deadline may lie after its creation (10 years), as in the contract."""
MIN_RESOLUTION_WINDOW = DAY
MAX_RESOLUTION_WINDOW = 365 * DAY
DEFAULT_RESOLUTION_WINDOW = 7 * DAY
"""Resolution window of :class:`SorobanEscrowTerms` unless given (the contract has no default)."""
UPGRADE_DELAY = 7 * DAY
"""Seconds between ``propose_upgrade`` and the earliest ``upgrade``."""


class EscrowStatus(IntEnum):
    """``EscrowStatus`` of the contract."""

    ACTIVE = 0
    REFUNDING = 1
    CANCELLED = 2


def _verifier_strkey(value: Any) -> str:
    return str(StrKey.encode_ed25519_public_key(_values.raw_public_key(value)))


StellarAddress = Annotated[str, BeforeValidator(_values.address)]
StellarContract = Annotated[str, BeforeValidator(_values.contract)]
VerifierKey = Annotated[str, BeforeValidator(_verifier_strkey)]
"""An ed25519 verifier key, normalised to its ``G...`` strkey (input: strkey, Keypair, bytes, hex)."""


class SorobanMilestone(BaseModel):
    model_config = ConfigDict(frozen=True)

    index: int
    amount: int
    state: MilestoneState
    funded: bool
    disputed_at: int = 0
    """Ledger time of the dispute (0: never disputed)."""
    paid_by: str | None = None
    """The id (0x-hex) of the payout intent that released it; None if no intent did."""


class SorobanEscrowInfo(BaseModel):
    """State of one escrow, as ``get_escrow`` returns it."""

    model_config = ConfigDict(frozen=True)

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
    status: EscrowStatus
    milestones: list[SorobanMilestone]
    total: int
    funded: int
    released: int
    refundable: int
    refunded: int
    closed_pool: int = 0
    """Unspent funding when the escrow closed: the denominator of every funder's refund share."""

    @property
    def held(self) -> int:
        """What the contract holds for this escrow: ``funded - released - refunded``."""
        return self.funded - self.released - self.refunded

    @property
    def remaining(self) -> int:
        """What is left to fund."""
        return self.total - self.funded


class SorobanConfig(BaseModel):
    """The contract configuration (``config()``)."""

    model_config = ConfigDict(frozen=True)

    admin: str
    guardian: str | None
    fee_bps: int
    treasury: str
    paused: bool


class SorobanPendingUpgrade(BaseModel):
    """An announced upgrade (``pending_upgrade()``): applicable from ``ready_at`` on."""

    model_config = ConfigDict(frozen=True)

    wasm_hash: str
    ready_at: int


class SorobanEscrowTerms(BaseModel):
    """What a payer fixes when opening an escrow (validated before anything is sent)."""

    model_config = ConfigDict(frozen=True)

    token: StellarContract
    amounts: list[int] = Field(min_length=1, max_length=MAX_MILESTONES)
    deadline: int = Field(gt=0, le=_values.U64_MAX)
    payee: StellarAddress | None = None
    arbiter: StellarAddress | None = None
    verifiers: list[VerifierKey] = Field(default_factory=list, max_length=MAX_VERIFIERS)
    threshold: int = Field(default=0, ge=0, le=_values.U32_MAX)
    resolution_window: int = Field(
        default=DEFAULT_RESOLUTION_WINDOW, ge=MIN_RESOLUTION_WINDOW, le=MAX_RESOLUTION_WINDOW
    )
    """Seconds the arbiter has to resolve a dispute; after it anyone returns the milestone to the funders."""
    metadata: Bytes32 = "0x" + "00" * 32

    @model_validator(mode="after")
    def _check(self) -> SorobanEscrowTerms:
        for i, amount in enumerate(self.amounts):
            if amount <= 0:
                raise ValueError(f"milestone {i} amount must be > 0, got {amount}")
        if sum(self.amounts) > MAX_ESCROW_TOTAL:
            raise ValueError(f"milestone total {sum(self.amounts)} exceeds i64::MAX ({MAX_ESCROW_TOTAL})")
        if len(set(self.verifiers)) != len(self.verifiers):
            raise ValueError("verifiers must be distinct")
        if self.verifiers and not 1 <= self.threshold <= len(self.verifiers):
            raise ValueError(f"threshold must be 1..{len(self.verifiers)} for {len(self.verifiers)} verifiers")
        if not self.verifiers and self.threshold != 0:
            raise ValueError("threshold must be 0 when there are no verifiers")
        if self.arbiter is not None and self.arbiter == self.payee:
            raise ValueError("the arbiter cannot be the payee: it would decide its own dispute")
        return self

    @property
    def total(self) -> int:
        return sum(self.amounts)


class SorobanEvent(BaseModel):
    """One contract event: ``name`` is the first topic, ``args`` the named topics plus the data map.

    Byte values are shown as 0x-hex, addresses as strkeys, integers as ints.
    """

    model_config = ConfigDict(frozen=True)

    name: str
    contract: str | None
    args: dict[str, Any]
    topics: list[Any]
    ledger: int | None = None
    index: int | None = None
    id: str | None = None
    """The event's id on a Stellar RPC (``getEvents``): unique, and ordered as the events are."""


class SorobanTxResult(BaseModel):
    """A successful invocation: its return value and the events it emitted (all contracts)."""

    model_config = ConfigDict(frozen=True)

    tx_hash: str | None
    ledger: int
    result: Any
    events: list[SorobanEvent]

    def event(self, name: str, contract: str | None = None) -> SorobanEvent:
        """The first event called ``name`` (of ``contract`` if given); LookupError if there is none."""
        for e in self.events:
            if e.name == name and (contract is None or e.contract == contract):
                return e
        raise LookupError(f"invocation emitted no {name} event")

    def events_named(self, name: str) -> list[SorobanEvent]:
        return [e for e in self.events if e.name == name]


class SorobanCreatedEscrow(BaseModel):
    model_config = ConfigDict(frozen=True)

    escrow_id: int
    tx: SorobanTxResult


# Names of the `#[topic]` fields after the event name (soroban/README.md, "Events").
EVENT_TOPICS: dict[str, tuple[str, ...]] = {
    "admin_transfer_started": ("admin",),
    "admin_changed": ("admin",),
    "escrow_created": ("escrow_id", "payer"),
    "escrow_funded": ("escrow_id", "funder"),
    "payee_assigned": ("escrow_id", "payee"),
    "milestone_released": ("escrow_id", "milestone"),
    "intent_executed": ("intent_id", "escrow_id"),
    "milestone_disputed": ("escrow_id", "milestone"),
    "dispute_resolved": ("escrow_id", "milestone"),
    "dispute_expired": ("escrow_id", "milestone"),
    "fee_deferred": ("treasury", "token"),
    "fees_withdrawn": ("treasury", "token"),
    "escrow_refunded": ("escrow_id",),
    "escrow_cancelled": ("escrow_id",),
    "refund_claimed": ("escrow_id", "funder"),
    "transfer": ("from", "to", "asset"),  # Stellar Asset Contract
}


_AMOUNT_EVENTS = frozenset({"transfer", "mint", "burn", "clawback"})


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def decode_event(
    contract: str | None,
    topics: list[xdr.SCVal],
    data: xdr.SCVal,
    *,
    ledger: int | None = None,
    index: int | None = None,
    id: str | None = None,
) -> SorobanEvent:
    """Decode one contract event (topics and data as SCVals)."""
    plain_topics = [_plain(_values.native(t)) for t in topics]
    name = plain_topics[0] if plain_topics and isinstance(plain_topics[0], str) else ""
    args: dict[str, Any] = dict(zip(EVENT_TOPICS.get(name, ()), plain_topics[1:], strict=False))
    body = _plain(_values.native(data))
    if isinstance(body, dict):
        args.update({str(k): v for k, v in body.items()})
    elif body is not None:
        args["amount" if name in _AMOUNT_EVENTS else "value"] = body
    return SorobanEvent(name=name, contract=contract, args=args, topics=plain_topics, ledger=ledger, index=index, id=id)


def decode_contract_event(event: xdr.ContractEvent, *, ledger: int | None = None) -> SorobanEvent:
    """Decode an ``xdr.ContractEvent`` (from transaction meta or an RPC response)."""
    contract = None
    if event.contract_id is not None:
        contract = str(StrKey.encode_contract(event.contract_id.contract_id.hash))
    body = event.body.v0
    assert body is not None
    return decode_event(contract, list(body.topics), body.data, ledger=ledger)
