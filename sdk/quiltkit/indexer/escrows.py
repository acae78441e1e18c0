"""The escrow projection: each escrow's state folded from its MilestoneEscrow events alone.

The fold follows the contract's bookkeeping (contracts/escrow/MilestoneEscrow.sol) event by event,
so the projected ``funded``/``held``/``refund_pool`` and milestone states equal ``getEscrow``'s at
the same block; :mod:`quiltkit.indexer.verify` checks exactly that.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak

from quiltkit import escrow_events as ev
from quiltkit._contract import ContractEvent
from quiltkit._types import ZERO_ADDRESS
from quiltkit.escrow import MilestoneState

__all__ = ["ESCROW_EVENTS", "EscrowState", "EscrowStatus", "escrow_id_of", "status_of"]

ZERO_HASH = "0x" + "00" * 32

ESCROW_EVENTS = frozenset(
    {
        "EscrowCreated",
        "EscrowFunded",
        "PayeeAssigned",
        "MilestoneReleased",
        "EscrowCancelled",
        "MilestoneDisputed",
        "DisputeResolved",
        "DisputeExpired",
        "RefundsOpened",
        "RefundClaimed",
        "IntentConsumed",
        "IntentSkipped",
    }
)
"""The events that change (or, for IntentSkipped and DisputeExpired, are part of) one escrow's history."""


class EscrowStatus(StrEnum):
    """Where an escrow is, derived from its state (the same rule applied to the chain's view).

    ``funding``: open, not fully funded; ``active``: fully funded with pending milestones;
    ``disputed``: a milestone awaits its arbiter; ``completed``: every milestone paid, resolved or
    refunded; ``refunding``: refunds opened after the deadline; ``cancelled``.
    """

    FUNDING = "funding"
    ACTIVE = "active"
    DISPUTED = "disputed"
    COMPLETED = "completed"
    REFUNDING = "refunding"
    CANCELLED = "cancelled"


def status_of(cancelled: bool, refunds_opened: bool, funded_milestones: int, states: list[int]) -> EscrowStatus:
    if cancelled:
        return EscrowStatus.CANCELLED
    if MilestoneState.DISPUTED in states:
        return EscrowStatus.DISPUTED
    if refunds_opened:
        return EscrowStatus.REFUNDING
    if MilestoneState.PENDING not in states:
        return EscrowStatus.COMPLETED
    if funded_milestones < len(states):
        return EscrowStatus.FUNDING
    return EscrowStatus.ACTIVE


def escrow_id_of(event: ContractEvent) -> int | None:
    """The escrow an event belongs to (None for contract-wide events: fees, roles, credits, and
    other families' events, whose names may repeat the escrow's: FundingRound's MilestoneReleased)."""
    if isinstance(event, ev.EscrowEvent) and event.event_name in ESCROW_EVENTS:
        return int(event.escrow_id)  # type: ignore[attr-defined]
    return None


@dataclass
class MilestoneRow:
    amount: int
    state: int = MilestoneState.PENDING
    paid: int = 0
    fee: int = 0
    to_funders: int = 0
    dispute_closes_at: int | None = None
    disputed_by: str | None = None
    intent_id: str | None = None


@dataclass
class EscrowState:
    """One escrow as the fold holds it; ``to_row``/``from_row`` map it to its table row."""

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
    created_block: int
    updated_block: int
    cancelled: bool = False
    refunds_opened: bool = False
    funded: int = 0
    held: int = 0
    refund_pool: int = 0
    funded_milestones: int = 0
    milestones: list[MilestoneRow] = field(default_factory=list)
    funders: dict[str, list[int]] = field(default_factory=dict)  # funder -> [share, claimed]

    @classmethod
    def created(cls, e: ev.EscrowCreated, sets: Mapping[int, ev.VerifierSetRegistered]) -> EscrowState:
        """The escrow ``e`` opens. An escrow that references a registered verifier set by id
        (v2: its params carry no verifiers) takes the set's members, threshold and commitment from
        the set's ``VerifierSetRegistered`` in ``sets`` (registered in this batch or before)."""
        p = e.params
        has_arbiter = p.arbiter != ZERO_ADDRESS
        verifiers = list(p.verifiers)
        threshold = p.threshold
        verifiers_hash = "0x" + keccak(abi_encode(["address[]"], [verifiers])).hex() if verifiers else ZERO_HASH
        if p.verifier_set_id and not verifiers:
            threshold = p.verifier_set_id & 0xFF  # a set id carries its threshold in its low byte
            registered = sets.get(p.verifier_set_id)
            # The contract refuses an unknown set id: only an index started after the set's
            # registration lacks it, and `verify` then reports the members and commitment.
            if registered is not None:
                verifiers, verifiers_hash = list(registered.verifiers), registered.commitment
        return cls(
            escrow_id=e.escrow_id,
            contract=e.contract,
            payer=e.payer,
            token=e.token,
            payee=None if p.payee == ZERO_ADDRESS else p.payee,
            arbiter=p.arbiter if has_arbiter else None,
            deadline=p.deadline,
            fee_bps=e.fee_bps,
            threshold=threshold,
            dispute_window=p.dispute_window if has_arbiter else 0,
            default_payee_bps=p.default_payee_bps if has_arbiter else 0,
            verifiers=verifiers,
            verifiers_hash=verifiers_hash,
            metadata_hash=p.metadata_hash,
            created_block=e.block_number,
            updated_block=e.block_number,
            milestones=[MilestoneRow(amount=a) for a in p.amounts],
        )

    @property
    def status(self) -> EscrowStatus:
        return status_of(
            self.cancelled, self.refunds_opened, self.funded_milestones, [m.state for m in self.milestones]
        )

    def apply(self, e: ContractEvent) -> None:
        """Fold one event of this escrow into its state (the contract's own arithmetic)."""
        self.updated_block = e.block_number
        if isinstance(e, ev.EscrowFunded):
            self.funded += e.amount
            self.held += e.amount
            self.funded_milestones = e.funded_milestones
            account = self.funders.setdefault(e.funder, [0, 0])
            account[0] += e.amount
        elif isinstance(e, ev.PayeeAssigned):
            self.payee = e.payee
        elif isinstance(e, ev.MilestoneReleased):
            m = self.milestones[e.milestone]
            m.state, m.paid, m.fee = MilestoneState.RELEASED, e.amount, e.fee
            self.held -= e.amount + e.fee
        elif isinstance(e, ev.EscrowCancelled):
            self.cancelled = True
            for m in self.milestones:
                m.state = MilestoneState.REFUNDED
            self.refund_pool = e.amount
        elif isinstance(e, ev.MilestoneDisputed):
            m = self.milestones[e.milestone]
            m.state, m.dispute_closes_at, m.disputed_by = MilestoneState.DISPUTED, e.closes_at, e.by
        elif isinstance(e, ev.DisputeResolved):
            m = self.milestones[e.milestone]
            m.state, m.paid, m.fee, m.to_funders = MilestoneState.RESOLVED, e.to_payee, e.fee, e.to_funders
            m.dispute_closes_at = None
            self.held -= e.to_payee + e.fee
            self.refund_pool += e.to_funders
        elif isinstance(e, ev.RefundsOpened):
            self.refunds_opened = True
            for m in self.milestones:
                if m.state == MilestoneState.PENDING:
                    m.state = MilestoneState.REFUNDED
            self.refund_pool += e.amount
        elif isinstance(e, ev.RefundClaimed):
            self.held -= e.amount
            account = self.funders.setdefault(e.funder, [0, 0])
            account[1] += e.amount
        elif isinstance(e, ev.IntentConsumed):
            self.milestones[e.milestone].intent_id = e.intent_id
        # DisputeExpired (followed by its DisputeResolved) and IntentSkipped change nothing.

    # --- rows --------------------------------------------------------------------------------

    def to_row(self) -> dict[str, Any]:
        return {
            "escrow_id": self.escrow_id,
            "contract": self.contract,
            "payer": self.payer,
            "token": self.token,
            "payee": self.payee,
            "arbiter": self.arbiter,
            "deadline": self.deadline,
            "fee_bps": self.fee_bps,
            "threshold": self.threshold,
            "dispute_window": self.dispute_window,
            "default_payee_bps": self.default_payee_bps,
            "verifiers_json": json.dumps(self.verifiers),
            "verifiers_hash": self.verifiers_hash,
            "metadata_hash": self.metadata_hash,
            "cancelled": self.cancelled,
            "refunds_opened": self.refunds_opened,
            "funded": str(self.funded),
            "held": str(self.held),
            "refund_pool": str(self.refund_pool),
            "funded_milestones": self.funded_milestones,
            "milestone_count": len(self.milestones),
            "milestones_json": json.dumps(
                [
                    [
                        str(m.amount),
                        int(m.state),
                        str(m.paid),
                        str(m.fee),
                        str(m.to_funders),
                        m.dispute_closes_at,
                        m.disputed_by,
                        m.intent_id,
                    ]
                    for m in self.milestones
                ]
            ),
            "funders_json": json.dumps({f: [str(a[0]), str(a[1])] for f, a in self.funders.items()}),
            "status": self.status.value,
            "created_block": self.created_block,
            "updated_block": self.updated_block,
        }

    @classmethod
    def from_row(cls, escrow: Any) -> EscrowState:
        return cls(
            escrow_id=int(escrow["escrow_id"]),
            contract=escrow["contract"],
            payer=escrow["payer"],
            token=escrow["token"],
            payee=escrow["payee"],
            arbiter=escrow["arbiter"],
            deadline=int(escrow["deadline"]),
            fee_bps=escrow["fee_bps"],
            threshold=escrow["threshold"],
            dispute_window=int(escrow["dispute_window"]),
            default_payee_bps=escrow["default_payee_bps"],
            verifiers=json.loads(escrow["verifiers_json"]),
            verifiers_hash=escrow["verifiers_hash"],
            metadata_hash=escrow["metadata_hash"],
            created_block=int(escrow["created_block"]),
            updated_block=int(escrow["updated_block"]),
            cancelled=bool(escrow["cancelled"]),
            refunds_opened=bool(escrow["refunds_opened"]),
            funded=int(escrow["funded"]),
            held=int(escrow["held"]),
            refund_pool=int(escrow["refund_pool"]),
            funded_milestones=escrow["funded_milestones"],
            milestones=[
                MilestoneRow(
                    amount=int(m[0]),
                    state=m[1],
                    paid=int(m[2]),
                    fee=int(m[3]),
                    to_funders=int(m[4]),
                    dispute_closes_at=m[5],
                    disputed_by=m[6],
                    intent_id=m[7],
                )
                for m in json.loads(escrow["milestones_json"])
            ],
            funders={f: [int(a[0]), int(a[1])] for f, a in json.loads(escrow["funders_json"]).items()},
        )
