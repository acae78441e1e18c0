"""Badges earned by paid bounties: the loop "verified merge -> payout -> reputation".

A bounty mapping may name a SoulboundBadge type (``github.bounties[].badge_type``, with
``badges.contract``). The webhook that builds the payout intent then also builds the contributor's
:class:`~quiltkit.attestations.BadgeAttestation` and stores it beside the intent, signed by this
instance's verifier key when it has one (other verifiers' signatures merge in as their instances
receive the same merge). The attestation is derived from the intent alone, so every verifier signs
the same one and a redelivery builds it again:

- holder: the intent's payee (the contributor); evidence hash: the payout intent's EIP-712 digest;
- attestation id: ``keccak256("quiltkit/badge:" + intent id)``; deadline: the intent's deadline
  plus ``badges.attestation_ttl_s``.

The row is stored before the intent, so an intent that exists always has its badge row. A
:class:`BadgeStage` worker moves it through

``waiting`` (the payout is not confirmed) -> ``due`` (confirmed) -> ``submitted`` (a transaction is
in flight) -> ``issued``; or ``dropped`` (the payout ended failed / expired / superseded, or was
rejected at intake: no badge), or ``failed`` (the attestation's deadline passed, or it was
refused ``badges.max_attempts`` times).

Exactly once: the contract issues an attestation id once; here the row is leased before it is
sent (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so instances sharing the store never send it
together), and its transaction is persisted before broadcast with the attestation id as its key,
so a restart after a crash adopts the transaction it finds instead of signing another. Before
every send the chain is asked whether the id is used: a used one ends ``issued`` (someone issued
it), not ``failed``. Badge transactions go through the same nonce manager and confirm stage as
payouts (kind ``badge``), so fee bumps, rebroadcasts and reorg handling are theirs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from fastapi import APIRouter, Query
from hexbytes import HexBytes
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from pydantic import BaseModel
from quiltkit.attestations import BadgeAttestation, BadgeDomain, recover_attestation_signer, sign_attestation
from quiltkit.badges import SoulboundBadge
from quiltkit.exceptions import ContractRevert
from quiltkit.intents import PayoutIntent, VerifierSignature, intent_digest
from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from quiltkit_relayer.chains.base import ChainUnavailable, TxRequest
from quiltkit_relayer.chains.evm import EvmAdapter, _rpc
from quiltkit_relayer.keys import Verifier
from quiltkit_relayer.models import LIVE_TX_STATES, IntentState, TxState
from quiltkit_relayer.pipeline.context import Context
from quiltkit_relayer.pipeline.send import broadcast_stored, sign_and_store
from quiltkit_relayer.results import backoff
from quiltkit_relayer.store import Store, TxRow
from quiltkit_relayer.store.badge_schema import badges
from quiltkit_relayer.store.schema import intents, transactions

__all__ = [
    "TX_KIND",
    "BadgeBook",
    "BadgeList",
    "BadgeRecord",
    "BadgeStage",
    "BadgeState",
    "attach",
    "attestation_for",
    "badge_router",
    "register_metrics",
]

TX_KIND = "badge"
"""``transactions.kind`` (and ``keeper_job``) of a badge submission; its ``keeper_key`` is the attestation id."""

_INT64_MAX = 2**63 - 1
_USED = "the attestation id was used on chain"
_PAYOUT_LOST = (IntentState.FAILED, IntentState.EXPIRED, IntentState.SUPERSEDED)


class BadgeState(StrEnum):
    WAITING = "waiting"
    """The payout intent is not confirmed yet (or not stored yet: the row is written first)."""
    DUE = "due"
    """The payout is confirmed: the attestation is to be submitted."""
    SUBMITTED = "submitted"
    """A transaction carrying it is in flight."""
    ISSUED = "issued"
    """The attestation id is used on chain: the badge exists (issued by us or by anyone)."""
    DROPPED = "dropped"
    """The payout did not happen (failed, expired, superseded, rejected): no badge."""
    FAILED = "failed"
    """It cannot be issued: its deadline passed, or the contract refused it ``max_attempts`` times."""


TERMINAL = frozenset({BadgeState.ISSUED, BadgeState.DROPPED, BadgeState.FAILED})


def attestation_id_for(intent_id: str) -> str:
    return "0x" + keccak(text="quiltkit/badge:" + intent_id).hex()


def attestation_for(intent: PayoutIntent, digest: str, badge_type: int, ttl_s: int) -> BadgeAttestation:
    """The attestation a paid ``intent`` earns (everything derives from the intent: see the module doc)."""
    return BadgeAttestation(
        holder=intent.payee,
        badge_type=badge_type,
        evidence_hash=digest,
        attestation_id=attestation_id_for(intent.intent_id),
        deadline=min(intent.deadline + ttl_s, _INT64_MAX),
    )


@dataclass(frozen=True)
class BadgeRecord:
    attestation: BadgeAttestation
    intent_id: str
    chain: str
    contract: str
    state: BadgeState
    reason: str | None
    signatures: list[str]
    signers: list[str]
    attempts: int
    tx_hash: str | None
    created_at: float
    updated_at: float
    issued_at: float | None

    @property
    def attestation_id(self) -> str:
        return self.attestation.attestation_id

    def as_json(self) -> dict[str, Any]:
        return {
            "attestation_id": self.attestation_id,
            "intent_id": self.intent_id,
            "contract": self.contract,
            "holder": self.attestation.holder,
            "badge_type": self.attestation.badge_type,
            "evidence_hash": self.attestation.evidence_hash,
            "deadline": self.attestation.deadline,
            "state": self.state.value,
            "reason": self.reason,
            "signers": self.signers,
            "attempts": self.attempts,
            "tx_hash": self.tx_hash,
            "issued_at": self.issued_at,
        }


def _record(row: Any) -> BadgeRecord:
    return BadgeRecord(
        attestation=BadgeAttestation(
            holder=row["holder"],
            badge_type=int(row["badge_type"]),
            evidence_hash=row["evidence_hash"],
            attestation_id=row["attestation_id"],
            deadline=int(row["deadline"]),
        ),
        intent_id=row["intent_id"],
        chain=row["chain"],
        contract=row["contract"],
        state=BadgeState(row["state"]),
        reason=row["reason"],
        signatures=json.loads(row["signatures_json"]),
        signers=json.loads(row["signers_json"]),
        attempts=int(row["attempts"]),
        tx_hash=row["tx_hash"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        issued_at=row["issued_at"],
    )


class BadgeBook:
    """The ``badges`` table on the relayer's :class:`Store` (same engine, same transaction rules)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def add(
        self, attestation: BadgeAttestation, *, intent_id: str, chain: str, contract: str, signature: str | None
    ) -> BadgeRecord:
        """Store ``attestation`` (once) and merge ``signature`` into it; returns the stored row."""
        signer = (
            recover_attestation_signer(attestation, _domain(chain, contract), HexBytes(signature))
            if signature
            else None
        )
        now = time.time()
        values = {
            "attestation_id": attestation.attestation_id,
            "intent_id": intent_id,
            "chain": chain,
            "contract": contract,
            "holder": attestation.holder,
            "badge_type": str(attestation.badge_type),
            "evidence_hash": attestation.evidence_hash,
            "deadline": attestation.deadline,
            "signatures_json": json.dumps([signature] if signature else []),
            "signers_json": json.dumps([signer] if signer else []),
            "state": BadgeState.WAITING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        }
        try:
            with self.store._tx() as conn:
                conn.execute(insert(badges).values(**values))
        except IntegrityError:
            if signature and signer:
                self._merge(attestation.attestation_id, signature, signer)
        stored = self.get(attestation.attestation_id)
        assert stored is not None
        return stored

    def _merge(self, attestation_id: str, signature: str, signer: str) -> None:
        with self.store._tx() as conn:
            row = (
                conn.execute(select(badges).where(badges.c.attestation_id == attestation_id).with_for_update())
                .mappings()
                .one()
            )
            have_sigs: list[str] = json.loads(row["signatures_json"])
            have_signers: list[str] = json.loads(row["signers_json"])
            if signer in have_signers:
                return
            conn.execute(
                update(badges)
                .where(badges.c.attestation_id == attestation_id)
                .values(
                    signatures_json=json.dumps([*have_sigs, signature]),
                    signers_json=json.dumps([*have_signers, signer]),
                    updated_at=time.time(),
                )
            )

    def get(self, attestation_id: str) -> BadgeRecord | None:
        with self.store._statement() as conn:
            row = conn.execute(select(badges).where(badges.c.attestation_id == attestation_id)).mappings().first()
        return _record(row) if row else None

    def for_intent(self, intent_id: str) -> BadgeRecord | None:
        with self.store._statement() as conn:
            row = conn.execute(select(badges).where(badges.c.intent_id == intent_id)).mappings().first()
        return _record(row) if row else None

    def listing(self, state: BadgeState | None = None, *, limit: int = 100, offset: int = 0) -> list[BadgeRecord]:
        query = select(badges).order_by(badges.c.created_at, badges.c.attestation_id).limit(limit).offset(offset)
        if state is not None:
            query = query.where(badges.c.state == state.value)
        with self.store._statement() as conn:
            return [_record(r) for r in conn.execute(query).mappings()]

    def counts(self) -> dict[str, int]:
        """Badges in each state (every state present, zeros included)."""
        with self.store._statement() as conn:
            rows = conn.execute(select(badges.c.state, func.count()).group_by(badges.c.state)).all()
        found = {str(r[0]): int(r[1]) for r in rows}
        return {s.value: found.get(s.value, 0) for s in BadgeState}

    def follow_payouts(self, now: float) -> int:
        """``waiting`` -> ``due`` where the payout is confirmed, -> ``dropped`` where it can no longer
        pay, or where no intent was ever stored and the attestation's deadline has passed."""
        waiting = badges.c.state == BadgeState.WAITING.value

        def intent_in(*states: IntentState) -> Any:
            return badges.c.intent_id.in_(
                select(intents.c.intent_id).where(intents.c.state.in_([s.value for s in states]))
            )

        with self.store._tx() as conn:
            due = conn.execute(
                update(badges)
                .where(waiting, intent_in(IntentState.CONFIRMED))
                .values(state=BadgeState.DUE.value, reason=None, next_attempt_at=now, updated_at=now)
            ).rowcount
            lost = conn.execute(
                update(badges)
                .where(waiting, intent_in(*_PAYOUT_LOST))
                .values(
                    state=BadgeState.DROPPED.value,
                    reason="the payout did not happen (failed, expired or superseded): no badge",
                    updated_at=now,
                )
            ).rowcount
            never = conn.execute(
                update(badges)
                .where(
                    waiting,
                    badges.c.deadline < int(now),
                    badges.c.intent_id.not_in(select(intents.c.intent_id)),
                )
                .values(state=BadgeState.DROPPED.value, reason="its payout intent was never stored", updated_at=now)
            ).rowcount
        return int(due) + int(lost) + int(never)

    def drop(self, attestation_id: str, reason: str) -> None:
        """The payout was refused at intake: the badge it would have earned is dropped."""
        with self.store._statement() as conn:
            conn.execute(
                update(badges)
                .where(badges.c.attestation_id == attestation_id, badges.c.state == BadgeState.WAITING.value)
                .values(state=BadgeState.DROPPED.value, reason=reason, updated_at=time.time())
            )

    def claim_due(self, *, owner: str, lease_s: float, limit: int) -> list[BadgeRecord]:
        now = time.time()
        with self.store._tx() as conn:
            ids: list[str] = list(
                conn.execute(
                    select(badges.c.attestation_id)
                    .where(
                        badges.c.state == BadgeState.DUE.value,
                        badges.c.next_attempt_at <= now,
                        or_(badges.c.lease_until.is_(None), badges.c.lease_until < now),
                    )
                    .order_by(badges.c.next_attempt_at)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                ).scalars()
            )
            if not ids:
                return []
            conn.execute(
                update(badges)
                .where(badges.c.attestation_id.in_(ids))
                .values(lease_owner=owner, lease_until=now + lease_s)
            )
            rows = conn.execute(select(badges).where(badges.c.attestation_id.in_(ids))).mappings().all()
        return [_record(r) for r in rows]

    def in_flight(self) -> list[BadgeRecord]:
        with self.store._statement() as conn:
            rows = conn.execute(select(badges).where(badges.c.state == BadgeState.SUBMITTED.value)).mappings()
            return [_record(r) for r in rows]

    def transactions(self, attestation_id: str) -> list[TxRow]:
        """Every transaction version that carried this attestation (any instance's), oldest first."""
        query = (
            select(transactions)
            .where(transactions.c.keeper_job == TX_KIND, transactions.c.keeper_key == attestation_id)
            .order_by(transactions.c.id)
        )
        with self.store._statement() as conn:
            return [TxRow.from_row(r) for r in conn.execute(query).mappings()]

    def submitted(self, attestation_id: str, *, owner: str, tx: TxRow) -> bool:
        """Fenced on the lease: ``due`` -> ``submitted`` with its transaction."""
        return self._move(
            attestation_id,
            owner=owner,
            expect=BadgeState.DUE,
            state=BadgeState.SUBMITTED,
            reason=None,
            tx_id=tx.id,
            tx_hash=tx.tx_hash,
        )

    def finish(self, attestation_id: str, state: BadgeState, reason: str, *, owner: str | None = None) -> bool:
        expect = BadgeState.DUE if owner is not None else BadgeState.SUBMITTED
        extra = {"issued_at": time.time()} if state is BadgeState.ISSUED else {}
        return self._move(attestation_id, owner=owner, expect=expect, state=state, reason=reason, **extra)

    def again(
        self,
        attestation_id: str,
        reason: str,
        *,
        delay_s: float,
        max_attempts: int,
        owner: str | None = None,
        count: bool = True,
    ) -> bool:
        """Back to ``due`` after ``delay_s`` (one more attempt counted); ``failed`` once attempts run out."""
        record = self.get(attestation_id)
        if record is None:
            return False
        attempts = record.attempts + (1 if count else 0)
        expect = BadgeState.DUE if owner is not None else BadgeState.SUBMITTED
        if attempts >= max_attempts:
            return self._move(
                attestation_id,
                owner=owner,
                expect=expect,
                state=BadgeState.FAILED,
                reason=f"{reason} ({attempts} attempts)",
                attempts=attempts,
            )
        return self._move(
            attestation_id,
            owner=owner,
            expect=expect,
            state=BadgeState.DUE,
            reason=reason,
            attempts=attempts,
            next_attempt_at=time.time() + delay_s,
        )

    def release(self, attestation_id: str, owner: str) -> None:
        with self.store._statement() as conn:
            conn.execute(
                update(badges)
                .where(badges.c.attestation_id == attestation_id, badges.c.lease_owner == owner)
                .values(lease_owner=None, lease_until=None)
            )

    def release_leases(self, owner: str) -> int:
        with self.store._statement() as conn:
            done = conn.execute(
                update(badges).where(badges.c.lease_owner == owner).values(lease_owner=None, lease_until=None)
            )
            return int(done.rowcount)

    def _move(
        self, attestation_id: str, *, owner: str | None, expect: BadgeState, state: BadgeState, **values: Any
    ) -> bool:
        where = [badges.c.attestation_id == attestation_id, badges.c.state == expect.value]
        if owner is not None:
            where.append(badges.c.lease_owner == owner)
        with self.store._statement() as conn:
            done = conn.execute(
                update(badges)
                .where(*where)
                .values(state=state.value, lease_owner=None, lease_until=None, updated_at=time.time(), **values)
            )
        return int(done.rowcount) == 1


def _domain(chain: str, contract: str) -> BadgeDomain:
    chain_id = int(chain.split(":", 1)[1]) if ":" in chain else 0
    return BadgeDomain(chain_id=chain_id, verifying_contract=contract)


def _chain_key(ctx: Context) -> str:
    """``evm:<chain id>``: the chain id is part of the attestation's EIP-712 domain."""
    return f"{ctx.adapter.name}:{ctx.adapter.chain_id}"


# --- intake ------------------------------------------------------------------------------------


def attach(ctx: Context, verifier: Verifier | None, intent: PayoutIntent, badge_type: int) -> BadgeRecord:
    """Store the badge ``intent`` earns (before the intent itself), signed if this instance is a verifier."""
    contract = ctx.settings.badges.contract
    assert contract is not None  # validated: a bounty naming a badge type needs badges.contract
    if not isinstance(ctx.adapter, EvmAdapter):  # pragma: no cover - settings refuse badges on Soroban
        raise TypeError("badges are issued on an EVM chain")
    digest = "0x" + intent_digest(intent, ctx.adapter.domain()).hex()
    attestation = attestation_for(intent, digest, badge_type, ctx.settings.badges.attestation_ttl_s)
    chain = _chain_key(ctx)
    signature = None
    if isinstance(verifier, LocalAccount):
        signature = "0x" + sign_attestation(attestation, _domain(chain, contract), verifier).hex()
    return BadgeBook(ctx.store).add(
        attestation, intent_id=intent.intent_id, chain=chain, contract=contract, signature=signature
    )


# --- the stage ---------------------------------------------------------------------------------


class BadgeStage:
    """Follows payouts to their end and submits the badges they earned (one worker per instance)."""

    name = "badges"

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.book = BadgeBook(ctx.store)
        contract = ctx.settings.badges.contract
        assert contract is not None
        w3 = getattr(ctx.adapter, "w3", None)
        if w3 is None:  # pragma: no cover - settings refuse badges on a Soroban relayer
            raise TypeError("badges are issued on an EVM chain")
        self.client = SoulboundBadge(w3, contract)
        self._validators: dict[tuple[int, str], tuple[list[str], int]] = {}
        self._started = False

    def tick(self) -> bool:
        ctx = self.ctx
        if not self._started:  # a restart under the same id takes back what the last run leased
            self.book.release_leases(ctx.instance_id)
            self._started = True
        self.book.follow_payouts(time.time())
        for record in self.book.in_flight():
            if ctx.stop.is_set():
                return False
            try:
                self.resolve(record)
            except ChainUnavailable as exc:
                log = ctx.log(action="badge", attestation_id=record.attestation_id)
                log.warning("node unavailable", detail=str(exc))
                return False
        if not ctx.signer_ok.is_set():
            return False
        for record in self.book.claim_due(owner=ctx.instance_id, lease_s=ctx.settings.lease_s, limit=16):
            if ctx.stop.is_set():
                self.book.release(record.attestation_id, ctx.instance_id)
                continue
            try:
                self.send(record)
            except ChainUnavailable as exc:  # nothing new was stored: it is due again next round
                self.book.release(record.attestation_id, ctx.instance_id)
                log = ctx.log(action="badge", attestation_id=record.attestation_id)
                log.warning("node unavailable", detail=str(exc))
                return False
        return False  # polls on its interval

    def used(self, attestation_id: str) -> bool:
        with _rpc("attestationUsed"):
            return self.client.attestation_used(attestation_id)

    def resolve(self, record: BadgeRecord) -> None:
        """A submitted badge whose transactions have all resolved: issued, or due again."""
        txs = self.book.transactions(record.attestation_id)
        if any(t.state in LIVE_TX_STATES for t in txs):
            return
        log = self.ctx.log(action="badge", attestation_id=record.attestation_id, intent_id=record.intent_id)
        confirmed = [t for t in txs if t.state is TxState.CONFIRMED]
        if confirmed:
            if self.book.finish(record.attestation_id, BadgeState.ISSUED, f"issued in {confirmed[-1].tx_hash}"):
                log.info("badge issued", tx_hash=confirmed[-1].tx_hash, holder=record.attestation.holder)
            return
        if self.used(record.attestation_id):
            self.book.finish(record.attestation_id, BadgeState.ISSUED, _USED)
            log.info("badge issued by another transaction")
            return
        last = txs[-1] if txs else None
        why = f"transaction {last.tx_hash} {last.state.value}" if last else "its transaction is gone"
        self.book.again(
            record.attestation_id,
            f"{why}; submitting again",
            delay_s=backoff(self.ctx.settings.retry.submit, record.attempts + 1),
            max_attempts=self.ctx.settings.badges.max_attempts,
        )
        log.warning("badge transaction did not issue it; submitting again", detail=why)

    def send(self, record: BadgeRecord) -> None:
        ctx = self.ctx
        owner = ctx.instance_id
        att = record.attestation
        log = ctx.log(action="badge", attestation_id=att.attestation_id, intent_id=record.intent_id)
        if self.used(att.attestation_id):
            self.book.finish(att.attestation_id, BadgeState.ISSUED, _USED, owner=owner)
            log.info("badge already issued on chain")
            return
        live = [t for t in self.book.transactions(att.attestation_id) if t.state in LIVE_TX_STATES]
        if live:  # stored, then the process died before the row said so: follow that transaction
            self.book.submitted(att.attestation_id, owner=owner, tx=live[-1])
            log.info("adopted the badge transaction of an earlier run", tx_hash=live[-1].tx_hash)
            return
        if ctx.adapter.now() > att.deadline:
            self.book.finish(att.attestation_id, BadgeState.FAILED, "the attestation's deadline passed", owner=owner)
            log.warning("badge attestation expired unsubmitted", deadline=att.deadline)
            return
        validators, threshold = self.validators(att.badge_type)
        signatures = _ordered(record, validators)
        interval = ctx.settings.badges.interval_s
        if len(signatures) < max(threshold, 1):
            self.book.again(
                att.attestation_id,
                f"{len(signatures)} of the {threshold} validator signatures badge type {att.badge_type} needs",
                delay_s=interval,
                max_attempts=ctx.settings.badges.max_attempts,
                owner=owner,
                count=False,
            )
            return
        data = self.client.contract.encode_abi(
            "issueWithAttestation", args=[att.as_tuple(), validators, [s.as_tuple() for s in signatures]]
        )
        request = TxRequest(to=self.client.address, data=bytes(HexBytes(data)), intent_ids=())
        try:
            gas = ctx.adapter.estimate(request)
        except ContractRevert as exc:
            if self.used(att.attestation_id):
                self.book.finish(att.attestation_id, BadgeState.ISSUED, _USED, owner=owner)
                return
            self.book.again(
                att.attestation_id,
                f"the badge contract refuses it: {exc}",
                delay_s=backoff(ctx.settings.retry.submit, record.attempts + 1),
                max_attempts=ctx.settings.badges.max_attempts,
                owner=owner,
            )
            log.warning("badge contract refuses the attestation", detail=str(exc))
            return
        stored = sign_and_store(
            ctx, request, gas=gas, kind=TX_KIND, owner=None, keeper_job=TX_KIND, keeper_key=att.attestation_id
        )
        self.book.submitted(att.attestation_id, owner=owner, tx=stored.row)
        ctx.metrics.transactions.labels(TX_KIND).inc()
        outcome, message = broadcast_stored(ctx, stored)
        log.info(
            "badge attestation sent",
            tx_hash=stored.signed.tx_hash,
            nonce=stored.nonce,
            holder=att.holder,
            outcome=outcome.value,
            detail=message or None,
        )

    def validators(self, badge_type: int) -> tuple[list[str], int]:
        """The type's validator set (from its latest ValidatorsUpdated event, checked against the
        commitment the contract holds now) and threshold."""
        with _rpc("badge type"):
            terms = self.client.badge_type(badge_type)
            key = (badge_type, terms.validator_set)
            if key not in self._validators:
                logs = self.client.contract.events.ValidatorsUpdated().get_logs(
                    from_block=0, argument_filters={"badgeType": badge_type}
                )
                matching = [log for log in logs if "0x" + bytes(log["args"]["commitment"]).hex() == terms.validator_set]
                if not matching:
                    raise ChainUnavailable(f"no ValidatorsUpdated event matches badge type {badge_type}'s validators")
                self._validators[key] = (list(matching[-1]["args"]["validators"]), terms.threshold)
        return self._validators[key]


def _ordered(record: BadgeRecord, validators: Sequence[str]) -> list[VerifierSignature]:
    index_of = {v: i for i, v in enumerate(validators)}
    found: dict[int, bytes] = {}
    for signature, signer in zip(record.signatures, record.signers, strict=True):
        if signer in index_of:
            found[index_of[signer]] = bytes(HexBytes(signature))
    return [VerifierSignature(verifier_index=i, signature=found[i]) for i in sorted(found)]


# --- status and metrics ------------------------------------------------------------------------


class _BadgeCollector(Collector):
    def __init__(self, book: BadgeBook) -> None:
        self._book = book

    def collect(self) -> Any:
        family = GaugeMetricFamily(
            "quiltkit_relayer_badges", "Badge submissions in the store, by state.", labels=["state"]
        )
        try:
            counts = self._book.counts()
        except Exception:  # a scrape must not fail because the store is briefly unavailable
            counts = {}
        for state, n in counts.items():
            family.add_metric([state], n)
        yield family


def register_metrics(ctx: Context) -> None:
    """``quiltkit_relayer_badges{state}``, read from the store at scrape time (same on every instance)."""
    ctx.metrics.registry.register(_BadgeCollector(BadgeBook(ctx.store)))


class BadgeView(BaseModel):
    """One badge submission as ``GET /badges`` lists it."""

    attestation_id: str
    intent_id: str
    contract: str
    holder: str
    badge_type: int
    evidence_hash: str
    deadline: int
    state: BadgeState
    reason: str | None
    signers: list[str]
    attempts: int
    tx_hash: str | None
    issued_at: float | None


class BadgeList(BaseModel):
    badges: list[BadgeView]
    counts: dict[str, int]


def badge_router(ctx: Context, responses: dict[int | str, dict[str, Any]]) -> APIRouter:
    """``GET /badges``; ``responses`` documents the app's error answers (its Problem model)."""
    router = APIRouter(tags=["badges"])
    book = BadgeBook(ctx.store)

    @router.get(
        "/badges",
        response_model=BadgeList,
        responses=responses,
        summary="Badge submissions (one intent's, or optionally in one state) and counts by state",
    )
    def list_badges(
        state: BadgeState | None = None,
        intent_id: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    ) -> Any:
        if intent_id is not None:
            found = book.for_intent(intent_id.lower())
            listed = [found] if found is not None else []
        else:
            listed = book.listing(state, limit=limit, offset=offset)
        return BadgeList(badges=[BadgeView(**b.as_json()) for b in listed], counts=book.counts())

    return router
