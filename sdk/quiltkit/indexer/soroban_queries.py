"""The Soroban escrow queries of :class:`~quiltkit.indexer.Queries` (a mixin: they live beside
their projection, :mod:`quiltkit.indexer.soroban_escrows`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, select

from quiltkit._types import looks_like_secret, shown
from quiltkit.escrow import MilestoneState
from quiltkit.exceptions import InvalidAddress, InvalidInput, PrivateKeyAsAddress
from quiltkit.indexer import queries as _queries
from quiltkit.indexer import schema as t
from quiltkit.indexer.models import IndexedSorobanEscrow, IndexedSorobanMilestone, Page, SorobanIndexStatus
from quiltkit.indexer.soroban_escrows import SorobanEscrowState, SorobanEscrowStatus

if TYPE_CHECKING:
    from quiltkit.indexer.store import IndexStore

__all__ = ["SorobanQueries", "indexed_soroban_escrow"]

_STRKEY_LENGTH = 56


def _strkey(value: str, what: str, kinds: str) -> str:
    """A ``G...``/``C...`` strkey as the index stores it (checked by shape: no stellar-sdk here)."""
    if not isinstance(value, str) or len(value) != _STRKEY_LENGTH or value[0] not in kinds or not value.isalnum():
        if looks_like_secret(value):  # a secret key is named as such, never repeated
            raise PrivateKeyAsAddress(what)
        raise InvalidAddress(
            f"{what} must be a Stellar strkey ({' or '.join(k + '...' for k in kinds)}, 56 characters), "
            f"got {shown(value)}",
            field=what,
        )
    return value.upper()


def indexed_soroban_escrow(state: SorobanEscrowState) -> IndexedSorobanEscrow:
    prefix = 0
    milestones = []
    for i, m in enumerate(state.milestones):
        prefix += m.amount
        milestones.append(
            IndexedSorobanMilestone(
                index=i,
                amount=m.amount,
                state=MilestoneState(m.state),
                funded=state.funded >= prefix,
                disputed_at=m.disputed_at,
                resolve_by=m.resolve_by,
                disputed_by=m.disputed_by,
                paid_by=m.paid_by,
                paid=m.paid,
                fee=m.fee,
                net=m.net,
                to_funders=m.to_funders,
            )
        )
    return IndexedSorobanEscrow(
        network=state.network,
        contract=state.contract,
        escrow_id=state.escrow_id,
        payer=state.payer,
        payee=state.payee,
        token=state.token,
        arbiter=state.arbiter,
        verifiers=state.verifiers,
        threshold=state.threshold,
        deadline=state.deadline,
        resolution_window=state.resolution_window,
        metadata=state.metadata,
        fee_bps=state.fee_bps,
        treasury=state.treasury,
        status=state.status,
        total=state.total,
        funded=state.funded,
        released=state.released,
        refundable=state.refundable,
        refunded=state.refunded,
        closed_pool=state.closed_pool,
        milestones=milestones,
        funders={f: (s, c) for f, (s, c) in state.funders.items()},
        created_ledger=state.created_ledger,
        updated_ledger=state.updated_ledger,
    )


class SorobanQueries:
    store: IndexStore

    def soroban_escrows(
        self,
        *,
        contract: str | None = None,
        network: str | None = None,
        payee: str | None = None,
        payer: str | None = None,
        status: SorobanEscrowStatus | str | Sequence[SorobanEscrowStatus | str] | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> Page[IndexedSorobanEscrow]:
        """Indexed Soroban escrows matching every filter given, by contract then escrow id."""
        _queries._page_args(offset, limit)
        c = t.soroban_escrows.c
        query: Select[Any] = select(t.soroban_escrows).order_by(c.network, c.contract, c.escrow_id)
        if contract is not None:
            query = query.where(c.contract == _strkey(contract, "contract", "C"))
        if network is not None:
            query = query.where(c.network == network)
        if payee is not None:
            query = query.where(c.payee == _strkey(payee, "payee", "GC"))
        if payer is not None:
            query = query.where(c.payer == _strkey(payer, "payer", "GC"))
        if status is not None:
            wanted = [status] if isinstance(status, str) else list(status)
            try:
                values = [SorobanEscrowStatus(s).value for s in wanted]
            except ValueError:
                raise InvalidInput(
                    f"status must be one of {', '.join(s.value for s in SorobanEscrowStatus)}, got {shown(status)}",
                    field="status",
                ) from None
            query = query.where(c.status.in_(values))
        rows = self.store.select(query.offset(offset).limit(limit + 1))
        items = [indexed_soroban_escrow(SorobanEscrowState.from_row(r)) for r in rows[:limit]]
        return Page(items=items, offset=offset, limit=limit, next_offset=offset + limit if len(rows) > limit else None)

    def soroban_escrow(
        self, contract: str, escrow_id: int, *, network: str | None = None
    ) -> IndexedSorobanEscrow | None:
        """One indexed Soroban escrow, None if the index does not hold it."""
        if not isinstance(escrow_id, int) or escrow_id < 0:
            raise InvalidInput(f"escrow_id must be an integer >= 0, got {escrow_id!r}", field="escrow_id")
        c = t.soroban_escrows.c
        query = select(t.soroban_escrows).where(
            c.contract == _strkey(contract, "contract", "C"), c.escrow_id == escrow_id
        )
        if network is not None:
            query = query.where(c.network == network)
        rows = self.store.select(query)
        if len(rows) > 1:
            raise InvalidInput(f"contract {contract} is indexed on several networks: name the network", field="network")
        return indexed_soroban_escrow(SorobanEscrowState.from_row(rows[0])) if rows else None

    def soroban_status(self) -> list[SorobanIndexStatus]:
        """Every Soroban escrow contract the database indexes, with its cursor and counts."""
        if self.store.schema_revision() is None:
            return []
        c = t.soroban_escrows.c
        counted = select(c.network, c.contract, func.count().label("n")).group_by(c.network, c.contract)
        counts = {(r["network"], r["contract"]): int(r["n"]) for r in self.store.select(counted)}
        cursors = self.store.select(select(t.soroban_cursors).order_by(t.soroban_cursors.c.network))
        return [
            SorobanIndexStatus(
                network=r["network"],
                contract=r["contract"],
                source=r["source"],
                cursor=r["cursor"],
                last_event=r["last_event"],
                ledger=r["ledger"],
                events=int(r["events"]),
                escrows=counts.get((r["network"], r["contract"]), 0),
            )
            for r in cursors
        ]
