"""The badges projection: SoulboundBadge's types, badges and each holder's reputation inputs.

Two kinds of subject, so that a reorg rebuilds only what it touched:

- ``badge_type:<id>``: ``BadgeTypeRegistered`` opens a type (name, URI, weight, expiry, burn
  authorisation, URI mode), ``BadgeTypeURIUpdated`` changes its URI and URI mode,
  ``ValidatorsUpdated`` replaces its attestation validators, threshold and their commitment.
- ``badge_holder:<address>``: every badge of a holder and their reputation inputs.
  ``BadgeIssued`` adds a badge (type, weight, evidence, attestation id; status ``held``) and its
  weight to the holder's inputs, ``BadgeRevoked``/``BadgeBurned`` mark it ``revoked``/``burned``
  and subtract what the event says the contract subtracted, ``ActivityRecorded`` adds its weight.
  A token id encodes its holder and badges never move, so every event of a badge is its holder's.

``ActivityWeightUpdated`` is contract-wide (no subject: kept in the event log only, compared by
``verify``). Reputation decays with the clock, which no event carries: the index keeps each
holder's inputs with the block they happened in (``[block, kind, amount]``) and
:func:`fold_reputation` folds them with those blocks' timestamps as the contract does (each input
first decays the score since the previous one, then adds or subtracts, then restarts the clock).
That gives ``reputationState``'s stored score and last activity; its value at a later time is
:func:`quiltkit.badges.decay` of it, the contract's own arithmetic (``Reputation.at_time``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select

from quiltkit import badge_events as bv
from quiltkit._contract import ContractEvent
from quiltkit._types import ZERO_BYTES32
from quiltkit.badges import Reputation, SoulboundBadge, decay
from quiltkit.exceptions import ContractRevert
from quiltkit.indexer import schema as t
from quiltkit.indexer.projection import Difference, Projection, chunks, differences

if TYPE_CHECKING:
    from web3 import Web3

    from quiltkit.indexer.store import IndexStore

__all__ = [
    "BadgeHolderProjection",
    "BadgeRow",
    "BadgeStatus",
    "BadgeTypeProjection",
    "BadgeTypeRow",
    "HolderRow",
    "InputKind",
    "badge_rows",
    "badge_type_rows",
    "block_times",
    "fold_reputation",
    "holder_rows",
    "reputation_at",
]

TYPE_EVENTS = frozenset({"BadgeTypeRegistered", "BadgeTypeURIUpdated", "ValidatorsUpdated"})
HOLDER_EVENTS = frozenset({"BadgeIssued", "BadgeRevoked", "BadgeBurned", "ActivityRecorded"})


class BadgeStatus(StrEnum):
    HELD = "held"
    REVOKED = "revoked"
    BURNED = "burned"


class InputKind(StrEnum):
    """One change to a holder's reputation: a badge's weight, an activity's weight (both added),
    or the decayed weight a revocation or burn took off."""

    ISSUE = "issue"
    ACTIVITY = "activity"
    REMOVE = "remove"


def fold_reputation(
    inputs: Sequence[tuple[int, InputKind | str, int]],
    block_time: Callable[[int], int],
    annual_rate_bps: int,
) -> tuple[int, int]:
    """The (score, last activity) the contract stores after ``inputs`` (``[block, kind, amount]``
    in chain order), ``block_time`` giving each block's timestamp: ``reputationState``'s fields."""
    score = last = 0
    for block, kind, amount in inputs:
        now = block_time(block)
        current = decay(score, now - last, annual_rate_bps) if score else 0
        # a removal's amount is what the contract subtracted, clamped to the score it had
        score = current - min(amount, current) if InputKind(kind) is InputKind.REMOVE else current + amount
        last = now
    return score, last


def block_times(w3: Web3) -> Callable[[int], int]:
    """A block's timestamp, read once per block: the clock :func:`fold_reputation` needs."""
    cache: dict[int, int] = {}

    def at(block: int) -> int:
        if block not in cache:
            cache[block] = int(w3.eth.get_block(block)["timestamp"])
        return cache[block]

    return at


def reputation_at(
    inputs: Sequence[tuple[int, InputKind | str, int]],
    holder: str,
    minted: int,
    block_time: Callable[[int], int],
    annual_rate_bps: int,
    at: int,
) -> Reputation:
    """The holder's reputation at time ``at`` from the indexed inputs, as ``SoulboundBadge.reputation``
    reads it from the chain (``current`` is ``reputationOf`` at that time)."""
    score, last = fold_reputation(inputs, block_time, annual_rate_bps)
    current = decay(score, max(at - last, 0), annual_rate_bps) if score else 0
    return Reputation(
        holder=holder,
        score=score,
        last_activity=last,
        minted=minted,
        annual_rate_bps=annual_rate_bps,
        at=at,
        current=current,
    )


# --- rows ---------------------------------------------------------------------------------------


@dataclass
class BadgeTypeRow:
    badge_type: int
    contract: str
    name: str
    uri: str
    weight: int
    expiry_period: int
    burn_auth: int
    on_chain_uri: bool
    registered_block: int
    updated_block: int
    validators: list[str] = field(default_factory=list)
    threshold: int = 0
    validator_set: str = ZERO_BYTES32

    @classmethod
    def registered(cls, e: bv.BadgeTypeRegistered) -> BadgeTypeRow:
        return cls(
            badge_type=e.badge_type,
            contract=e.contract,
            name=e.name,
            uri=e.uri,
            weight=e.weight,
            expiry_period=e.expiry_period,
            burn_auth=e.burn_auth,
            on_chain_uri=e.on_chain_uri,
            registered_block=e.block_number,
            updated_block=e.block_number,
        )

    def apply(self, e: ContractEvent) -> None:
        self.updated_block = e.block_number
        if isinstance(e, bv.BadgeTypeURIUpdated):
            self.uri, self.on_chain_uri = e.uri, e.on_chain_uri
        elif isinstance(e, bv.ValidatorsUpdated):
            self.validators, self.threshold, self.validator_set = list(e.validators), e.threshold, e.commitment

    def to_row(self) -> dict[str, Any]:
        return {
            "badge_type": str(self.badge_type),
            "contract": self.contract,
            "name": self.name,
            "uri": self.uri,
            "weight": str(self.weight),
            "expiry_period": self.expiry_period,
            "burn_auth": self.burn_auth,
            "on_chain_uri": self.on_chain_uri,
            "validators_json": json.dumps(self.validators),
            "threshold": self.threshold,
            "validator_set": self.validator_set,
            "registered_block": self.registered_block,
            "updated_block": self.updated_block,
        }

    @classmethod
    def from_row(cls, r: Any) -> BadgeTypeRow:
        return cls(
            badge_type=int(r["badge_type"]),
            contract=r["contract"],
            name=r["name"],
            uri=r["uri"],
            weight=int(r["weight"]),
            expiry_period=int(r["expiry_period"]),
            burn_auth=int(r["burn_auth"]),
            on_chain_uri=bool(r["on_chain_uri"]),
            registered_block=int(r["registered_block"]),
            updated_block=int(r["updated_block"]),
            validators=json.loads(r["validators_json"]),
            threshold=int(r["threshold"]),
            validator_set=r["validator_set"],
        )


@dataclass
class BadgeRow:
    token_id: int
    holder: str
    badge_type: int
    weight: int
    evidence_hash: str
    attestation_id: str | None
    issued_block: int
    tx_hash: str
    status: BadgeStatus = BadgeStatus.HELD
    reason: int | None = None
    subtracted: int | None = None
    removed_block: int | None = None

    def to_row(self) -> dict[str, Any]:
        return {
            "token_id": str(self.token_id),
            "holder": self.holder,
            "badge_type": str(self.badge_type),
            "weight": str(self.weight),
            "evidence_hash": self.evidence_hash,
            "attestation_id": self.attestation_id,
            "status": self.status.value,
            "reason": self.reason,
            "subtracted": None if self.subtracted is None else str(self.subtracted),
            "issued_block": self.issued_block,
            "removed_block": self.removed_block,
            "tx_hash": self.tx_hash,
        }

    @classmethod
    def from_row(cls, r: Any) -> BadgeRow:
        return cls(
            token_id=int(r["token_id"]),
            holder=r["holder"],
            badge_type=int(r["badge_type"]),
            weight=int(r["weight"]),
            evidence_hash=r["evidence_hash"],
            attestation_id=r["attestation_id"],
            issued_block=int(r["issued_block"]),
            tx_hash=r["tx_hash"],
            status=BadgeStatus(r["status"]),
            reason=None if r["reason"] is None else int(r["reason"]),
            subtracted=None if r["subtracted"] is None else int(r["subtracted"]),
            removed_block=None if r["removed_block"] is None else int(r["removed_block"]),
        )


@dataclass
class HolderRow:
    holder: str
    contract: str
    updated_block: int
    held: int = 0
    minted: int = 0
    activities: int = 0
    inputs: list[tuple[int, InputKind, int]] = field(default_factory=list)
    """``(block, kind, amount)`` in chain order: what :func:`fold_reputation` folds."""

    def to_row(self) -> dict[str, Any]:
        return {
            "holder": self.holder,
            "contract": self.contract,
            "held": self.held,
            "minted": self.minted,
            "activities": self.activities,
            "inputs_json": json.dumps([[b, k.value, str(a)] for b, k, a in self.inputs]),
            "updated_block": self.updated_block,
        }

    @classmethod
    def from_row(cls, r: Any) -> HolderRow:
        return cls(
            holder=r["holder"],
            contract=r["contract"],
            updated_block=int(r["updated_block"]),
            held=int(r["held"]),
            minted=int(r["minted"]),
            activities=int(r["activities"]),
            inputs=[(int(b), InputKind(k), int(a)) for b, k, a in json.loads(r["inputs_json"])],
        )


def badge_type_rows(store: IndexStore) -> dict[int, BadgeTypeRow]:
    return {int(r["badge_type"]): BadgeTypeRow.from_row(r) for r in store.select(select(t.badge_types))}


def badge_rows(store: IndexStore) -> dict[int, BadgeRow]:
    return {int(r["token_id"]): BadgeRow.from_row(r) for r in store.select(select(t.badges))}


def holder_rows(store: IndexStore) -> dict[str, HolderRow]:
    return {r["holder"]: HolderRow.from_row(r) for r in store.select(select(t.badge_holders))}


def _read(client: SoulboundBadge, fn: str, block: int, *args: Any) -> Any:
    """One view at ``block`` (``_call`` reads the latest block only)."""
    return client._decoded(fn, client._eth_call(client._encode(fn, *args), block))


# --- projections --------------------------------------------------------------------------------


class BadgeTypeProjection(Projection):
    """SoulboundBadge's badge types (``qx_badge_types``)."""

    family = "SoulboundBadge"
    client = SoulboundBadge
    kind = "badge_type"
    tables = ((t.badge_types, "badge_type"),)

    def subject(self, event: ContractEvent) -> str | None:
        if isinstance(event, bv.BadgeEvent) and event.event_name in TYPE_EVENTS:
            return f"badge_type:{event.badge_type}"  # type: ignore[attr-defined]
        return None

    def fold(self, conn: Connection, events: Sequence[ContractEvent], *, replay: bool) -> None:
        ids = sorted({str(e.badge_type) for e in events})  # type: ignore[attr-defined]
        rows: dict[int, BadgeTypeRow] = {}
        if not replay:
            for part in chunks(ids):
                query = select(t.badge_types).where(t.badge_types.c.badge_type.in_(part))
                for r in conn.execute(query).mappings():
                    rows[int(r["badge_type"])] = BadgeTypeRow.from_row(r)
        for e in events:
            if isinstance(e, bv.BadgeTypeRegistered):
                rows[e.badge_type] = BadgeTypeRow.registered(e)
            elif (row := rows.get(e.badge_type)) is not None:  # type: ignore[attr-defined]
                row.apply(e)  # (a type registered before the start block is not indexed)
        self.clear(conn, ids)
        if rows:
            conn.execute(insert(t.badge_types), [r.to_row() for r in rows.values()])

    def verify(self, w3: Web3, address: str, store: IndexStore, block: int) -> list[Difference]:
        """Each type's terms, name and URI, threshold and validator-set commitment; the contract's
        activity weight against its latest ``ActivityWeightUpdated``."""
        badges = SoulboundBadge(w3, address)
        out: list[Difference] = []
        for type_id, row in sorted(badge_type_rows(store).items()):
            weight, expiry, burn_auth, threshold, on_chain, exists = _read(badges, "typeInfo", block, type_id)
            name, uri = _read(badges, "typeMetadata", block, type_id)
            commitment = "0x" + bytes(_read(badges, "validatorSetOf", block, type_id)).hex()
            pairs: dict[str, tuple[Any, Any]] = {
                "terms (weight, expiry, burn auth, on-chain URI)": (
                    (row.weight, row.expiry_period, row.burn_auth, row.on_chain_uri),
                    (int(weight), int(expiry), int(burn_auth), bool(on_chain)),
                ),
                "name, uri": ((row.name, row.uri), (name, uri)),
                "threshold": (row.threshold, int(threshold)),
                "validator set": (row.validator_set, commitment),
                "exists": (True, bool(exists)),
            }
            out += differences(f"badge type {type_id}", pairs)
        last_weight = store.select(
            select(t.events.c.payload)
            .where(t.events.c.contract == badges.address, t.events.c.name == bv.ActivityWeightUpdated.event_name)
            .order_by(t.events.c.block_number.desc(), t.events.c.log_index.desc())
            .limit(1)
        )
        if last_weight:
            indexed = bv.ActivityWeightUpdated.model_validate_json(last_weight[0]["payload"]).current
            out += differences("badges", {"activity weight": (indexed, int(_read(badges, "activityWeight", block)))})
        return out

    def counts(self, store: IndexStore) -> dict[str, int]:
        n = store.select(select(func.count().label("n")).select_from(t.badge_types))[0]["n"]
        return {"badge_types": int(n)}


class BadgeHolderProjection(Projection):
    """SoulboundBadge's badges (``qx_badges``) and holders' reputation inputs (``qx_badge_holders``)."""

    family = "SoulboundBadge"
    client = SoulboundBadge
    kind = "badge_holder"
    tables = ((t.badges, "holder"), (t.badge_holders, "holder"))

    def subject(self, event: ContractEvent) -> str | None:
        if isinstance(event, bv.BadgeEvent) and event.event_name in HOLDER_EVENTS:
            return f"badge_holder:{event.holder}"  # type: ignore[attr-defined]
        return None

    def fold(self, conn: Connection, events: Sequence[ContractEvent], *, replay: bool) -> None:
        keys = sorted({str(e.holder) for e in events})  # type: ignore[attr-defined]
        holders: dict[str, HolderRow] = {}
        badges: dict[int, BadgeRow] = {}
        if not replay:
            for part in chunks(keys):
                for r in conn.execute(select(t.badge_holders).where(t.badge_holders.c.holder.in_(part))).mappings():
                    holders[r["holder"]] = HolderRow.from_row(r)
                for r in conn.execute(select(t.badges).where(t.badges.c.holder.in_(part))).mappings():
                    badges[int(r["token_id"])] = BadgeRow.from_row(r)
        for e in events:
            holder: str = e.holder  # type: ignore[attr-defined]
            h = holders.get(holder)
            if h is None:
                h = holders[holder] = HolderRow(holder=holder, contract=e.contract, updated_block=e.block_number)
            h.updated_block = e.block_number
            if isinstance(e, bv.BadgeIssued):
                badges[e.token_id] = BadgeRow(
                    token_id=e.token_id,
                    holder=holder,
                    badge_type=e.badge_type,
                    weight=e.weight,
                    evidence_hash=e.evidence_hash,
                    attestation_id=None if e.attestation_id == ZERO_BYTES32 else e.attestation_id,
                    issued_block=e.block_number,
                    tx_hash=e.tx_hash,
                )
                h.held += 1
                h.minted += 1
                h.inputs.append((e.block_number, InputKind.ISSUE, e.weight))
            elif isinstance(e, bv.BadgeRevoked | bv.BadgeBurned):
                h.inputs.append((e.block_number, InputKind.REMOVE, e.subtracted))
                badge = badges.get(e.token_id)
                if badge is not None:  # (issued before the start block: not indexed)
                    badge.status = BadgeStatus.REVOKED if isinstance(e, bv.BadgeRevoked) else BadgeStatus.BURNED
                    badge.reason = e.reason if isinstance(e, bv.BadgeRevoked) else None
                    badge.subtracted, badge.removed_block = e.subtracted, e.block_number
                    h.held -= 1
            elif isinstance(e, bv.ActivityRecorded):
                h.activities += 1
                h.inputs.append((e.block_number, InputKind.ACTIVITY, e.weight))
        self.clear(conn, keys)
        if holders:
            conn.execute(insert(t.badge_holders), [h.to_row() for h in holders.values()])
        if badges:
            conn.execute(insert(t.badges), [b.to_row() for b in badges.values()])

    def verify(self, w3: Web3, address: str, store: IndexStore, block: int) -> list[Difference]:
        """Each badge: held ones' holder, type, evidence and issue time (the issuing block's
        timestamp) against ``badgeOf``, removed ones gone; each holder: the stored score and last
        activity folded from the inputs against ``reputationState``, badges ever issued, badges
        held against ``balanceOf``."""
        badges = SoulboundBadge(w3, address)
        times = block_times(w3)
        rate = int(_read(badges, "annualDecayRateBps", block))
        out: list[Difference] = []
        for token_id, b in sorted(badge_rows(store).items()):
            name = f"badge {token_id:#x}"
            try:
                holder, badge_type, issued_at, _index, evidence, _expires = _read(badges, "badgeOf", block, token_id)
            except ContractRevert:  # BadgeNotFound: revoked, burned or never issued
                out += differences(name, {"exists": (b.status is BadgeStatus.HELD, False)})
                continue
            pairs: dict[str, tuple[Any, Any]] = {
                "exists": (b.status is BadgeStatus.HELD, True),
                "holder": (b.holder, holder),
                "badge type": (b.badge_type, int(badge_type)),
                "evidence hash": (b.evidence_hash, "0x" + bytes(evidence).hex()),
                "issued at": (times(b.issued_block), int(issued_at)),
            }
            out += differences(name, pairs)
        for address_, h in sorted(holder_rows(store).items()):
            score, last, minted = _read(badges, "reputationState", block, address_)
            pairs = {
                "reputation (score, last activity)": (fold_reputation(h.inputs, times, rate), (int(score), int(last))),
                "badges issued": (h.minted, int(minted)),
                "badges held": (h.held, int(_read(badges, "balanceOf", block, address_))),
            }
            out += differences(f"holder {address_}", pairs)
        return out

    def counts(self, store: IndexStore) -> dict[str, int]:
        held = store.select(
            select(func.count().label("n")).select_from(t.badges).where(t.badges.c.status == BadgeStatus.HELD.value)
        )[0]["n"]
        holders = store.select(select(func.count().label("n")).select_from(t.badge_holders))[0]["n"]
        return {"badges": int(held), "badge_holders": int(holders)}
