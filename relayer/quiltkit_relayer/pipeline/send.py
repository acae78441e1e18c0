"""Sending a new transaction: sign, persist, then broadcast, the order every sender follows.

The signed bytes are in the store before the first send. A crash, or a node that drops the
connection, after that point therefore loses nothing: the confirm stage finds the transaction
``signed`` and sends it again, or settles it. So a failed first send is logged and left to the
confirm stage, never raised to the sender.
"""

from __future__ import annotations

from dataclasses import dataclass

from quiltkit_relayer.chains.base import Broadcast, ChainUnavailable, SignedTx, TxRequest
from quiltkit_relayer.pipeline.context import Context
from quiltkit_relayer.store import NewTx, TxRow

__all__ = ["Stored", "broadcast_stored", "sign_and_store"]


@dataclass(frozen=True)
class Stored:
    """A transaction signed with the next nonce and persisted, not yet sent."""

    row: TxRow
    signed: SignedTx
    nonce: int


def sign_and_store(
    ctx: Context,
    request: TxRequest,
    *,
    gas: int,
    kind: str,
    owner: str | None,
    keeper_job: str | None = None,
    keeper_key: str | None = None,
) -> Stored:
    """Sign ``request`` with the next nonce at current fees and persist it.

    ``owner`` is the instance whose intent leases must still hold (``None`` for keeper work); the
    store refuses the row, and the nonce stays unused, if they do not.
    """
    adapter = ctx.adapter
    fees = adapter.fees()
    with ctx.nonces.allocate() as nonce:
        signed = adapter.sign(request, nonce=nonce, gas_limit=gas, fees=fees)
        row = ctx.store.record_tx(
            NewTx(
                chain=adapter.name,
                signer=adapter.signer_address,
                nonce=nonce,
                tx_hash=signed.tx_hash,
                raw_tx=signed.raw,
                kind=kind,
                intent_ids=request.intent_ids,
                gas_limit=gas,
                max_fee_per_gas=fees.max_fee_per_gas,
                priority_fee_per_gas=fees.priority_fee_per_gas,
                keeper_job=keeper_job,
                keeper_key=keeper_key,
            ),
            owner=owner,
        )
    return Stored(row=row, signed=signed, nonce=nonce)


def broadcast_stored(ctx: Context, stored: Stored) -> tuple[Broadcast, str]:
    """Send a stored transaction once; on any failure the confirm stage sends it again."""
    try:
        outcome, message = ctx.adapter.broadcast(stored.signed.raw)
    except ChainUnavailable as exc:
        outcome, message = Broadcast.REJECTED, str(exc)
    ctx.nudge("confirm")  # it settles the transaction, and broadcasts it if this send failed
    if outcome is Broadcast.ACCEPTED:
        ctx.store.mark_broadcast(stored.row.id)
    return outcome, message
