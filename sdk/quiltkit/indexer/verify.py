"""``verify``: every projected object compared with the contract's own views at the indexed block.

For each escrow, ``getEscrow`` (terms, payee, flags, funded/held/refund pool, milestone amounts
and states) and ``funderAccount`` of each funder it knows; ``intentStatus`` (paid by this intent) of each consumed
intent; ``creditOf`` of each credited account; and ``escrowCount`` against the escrows indexed.
All reads are ``eth_call``s at the cursor's block, batched through the contract's multicall.

:func:`verify_soroban` does the same for a Soroban escrow's index, with the contract's views.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TypeVar

from web3 import Web3

from quiltkit._types import ZERO_ADDRESS
from quiltkit.escrow import Escrow, IntentStatus
from quiltkit.indexer.escrows import status_of
from quiltkit.indexer.families import PROJECTIONS
from quiltkit.indexer.indexer import Deployment
from quiltkit.indexer.projection import Difference, differences
from quiltkit.indexer.store import IndexStore

if TYPE_CHECKING:
    from quiltkit.soroban.escrow import SorobanEscrow

__all__ = ["Difference", "verify", "verify_soroban"]

_BATCH = 50
_T = TypeVar("_T")


def _batches(items: Sequence[_T]) -> Iterable[Sequence[_T]]:
    for i in range(0, len(items), _BATCH):
        yield items[i : i + _BATCH]


def verify(w3: Web3, store: IndexStore, deployment: Deployment) -> tuple[int | None, list[Difference]]:
    """(the block compared at, the differences); an empty list means the index equals the chain."""
    cursor = store.cursor()
    if cursor is None:
        return None, []
    block = cursor.number
    out: list[Difference] = []
    for projection in PROJECTIONS:
        contract = deployment.contracts.get(projection.family)
        if contract is not None:
            out += projection.verify(w3, contract.address, store, block)
    ref = deployment.contracts.get("MilestoneEscrow")
    if ref is None:
        return block, out
    escrow = Escrow(w3, ref.address)
    states = store.escrow_states()
    ids = sorted(states)
    for part in _batches(ids):
        chain = escrow.escrows_at(part, block)
        for i in part:
            mine, theirs = states[i], chain[i]
            name = f"escrow {i}"
            pairs = {
                "payer": (mine.payer, theirs.payer),
                "token": (mine.token, theirs.token),
                "payee": (mine.payee, theirs.payee),
                "arbiter": (mine.arbiter, theirs.arbiter),
                "deadline": (mine.deadline, theirs.deadline),
                "fee_bps": (mine.fee_bps, theirs.fee_bps),
                "threshold": (mine.threshold, theirs.threshold),
                "dispute_window": (mine.dispute_window, theirs.dispute_window),
                "default_payee_bps": (mine.default_payee_bps, theirs.default_payee_bps),
                "cancelled": (mine.cancelled, theirs.cancelled),
                "refunds_opened": (mine.refunds_opened, theirs.refunds_opened),
                "funded": (mine.funded, theirs.funded),
                "held": (mine.held, theirs.held),
                "refund_pool": (mine.refund_pool, theirs.refund_pool),
                "funded_milestones": (mine.funded_milestones, theirs.funded_milestones),
                "verifiers_hash": (mine.verifiers_hash, theirs.verifiers_hash),
                "milestone amounts": ([m.amount for m in mine.milestones], [m.amount for m in theirs.milestones]),
                "milestone states": (
                    [int(m.state) for m in mine.milestones],
                    [int(m.state) for m in theirs.milestones],
                ),
                "status": (
                    mine.status.value,
                    status_of(
                        theirs.cancelled,
                        theirs.refunds_opened,
                        theirs.funded_milestones,
                        [int(m.state) for m in theirs.milestones],
                    ).value,
                ),
            }
            out += [Difference(object=name, field=f, indexed=a, on_chain=b) for f, (a, b) in pairs.items() if a != b]
    funder_pairs = [(i, f) for i in ids for f in states[i].funders]
    for fpart in _batches(funder_pairs):
        accounts = escrow.funder_accounts_at(fpart, block)
        for i, f in fpart:
            share, claimed = states[i].funders[f]
            account = accounts[(i, f)]
            if (share, claimed) != (account.share, account.claimed):
                out.append(
                    Difference(
                        object=f"escrow {i} funder {f}",
                        field="(share, claimed)",
                        indexed=(share, claimed),
                        on_chain=(account.share, account.claimed),
                    )
                )
    consumed = store.consumed_intent_milestones()
    for ipart in _batches(consumed):
        # intentStatus reads only the escrow, the milestone and the id: the other fields are blank.
        calls = [
            ("intentStatus", ((e, m, ZERO_ADDRESS, 0, ZERO_ADDRESS, bytes.fromhex(x[2:]), 0, bytes(32)),))
            for x, e, m in ipart
        ]
        answers = escrow._call_many(*calls, block=block)
        out += [
            Difference(object=f"intent {x}", field="paid its milestone", indexed=True, on_chain=IntentStatus(a[0]).name)
            for (x, _, _), a in zip(ipart, answers, strict=True)
            if IntentStatus(a[0]) is not IntentStatus.PAID
        ]
    credits = sorted(store.credits().items())
    for cpart in _batches(credits):
        answers = escrow._call_many(*[("creditOf", (tok, acc)) for (tok, acc), _ in cpart], block=block)
        out += [
            Difference(object=f"credit {tok} {acc}", field="amount", indexed=amount, on_chain=int(a))
            for ((tok, acc), amount), a in zip(cpart, answers, strict=True)
            if amount != int(a)
        ]
    count = int(escrow._call_many(("escrowCount", ()), block=block)[0])
    indexed_count = len(ids)
    if ref.start_block <= _deployment_block(escrow, ref.start_block) and count != indexed_count:
        out.append(Difference(object="MilestoneEscrow", field="escrowCount", indexed=indexed_count, on_chain=count))
    return block, out


def _deployment_block(escrow: Escrow, start_block: int) -> int:
    """The block the index started at is taken to cover the whole contract when it holds no code
    before it (the deployment block or earlier)."""
    if start_block == 0:
        return 0
    code = escrow.w3.eth.get_code(escrow.contract.address, block_identifier=start_block - 1)
    return start_block if not code else -1


def verify_soroban(escrow: SorobanEscrow, store: IndexStore) -> list[Difference]:
    """Every indexed escrow of the Soroban ``escrow`` contract against ``get_escrow`` (terms,
    payee, status, totals, each milestone's amount, state, dispute time and paying intent), each
    funder it knows against ``share_of``/``claimed_of``, the fees owed against ``fees_owed``, and
    ``escrow_count`` against the escrows indexed when the index read the contract from its first
    event (or holds escrow 0).

    A Soroban view reads the latest ledger (there is no read at a past ledger), so this compares
    a caught-up index with the contract as it is now: events after the index's cursor show up as
    differences."""
    network, contract = escrow.network_passphrase, escrow.contract_id
    states = store.soroban_escrow_states(network, contract)
    out: list[Difference] = []
    for i in sorted(states):
        mine, theirs = states[i], escrow.get_escrow(i)
        pairs = {
            "payer": (mine.payer, theirs.payer),
            "payee": (mine.payee, theirs.payee),
            "token": (mine.token, theirs.token),
            "arbiter": (mine.arbiter, theirs.arbiter),
            "verifiers": (mine.verifiers, theirs.verifiers),
            "threshold": (mine.threshold, theirs.threshold),
            "deadline": (mine.deadline, theirs.deadline),
            "resolution_window": (mine.resolution_window, theirs.resolution_window),
            "metadata": (mine.metadata, theirs.metadata),
            "fee_bps": (mine.fee_bps, theirs.fee_bps),
            "treasury": (mine.treasury, theirs.treasury),
            "status": (mine.status.name, theirs.status.name),
            "total": (mine.total, theirs.total),
            "funded": (mine.funded, theirs.funded),
            "released": (mine.released, theirs.released),
            "refundable": (mine.refundable, theirs.refundable),
            "refunded": (mine.refunded, theirs.refunded),
            "closed_pool": (mine.closed_pool, theirs.closed_pool),
            "milestone amounts": ([m.amount for m in mine.milestones], [m.amount for m in theirs.milestones]),
            "milestone states": ([int(m.state) for m in mine.milestones], [int(m.state) for m in theirs.milestones]),
            "milestone disputed_at": (
                [m.disputed_at for m in mine.milestones],
                [m.disputed_at for m in theirs.milestones],
            ),
            "milestone paid_by": ([m.paid_by for m in mine.milestones], [m.paid_by for m in theirs.milestones]),
        }
        out += differences(f"soroban escrow {i}", pairs)
        for funder, (share, claimed) in sorted(mine.funders.items()):
            on_chain = (escrow.share_of(i, funder), escrow.claimed_of(i, funder))
            if (share, claimed) != on_chain:
                out.append(
                    Difference(
                        object=f"soroban escrow {i} funder {funder}",
                        field="(share, claimed)",
                        indexed=(share, claimed),
                        on_chain=on_chain,
                    )
                )
    for (treasury, token), owed in sorted(store.soroban_fees(network, contract).items()):
        if owed != (chain_owed := escrow.fees_owed(treasury, token)):
            out.append(
                Difference(object=f"soroban fees {treasury} {token}", field="owed", indexed=owed, on_chain=chain_owed)
            )
    cursor = store.soroban_cursor(network, contract)
    # escrow ids count from 0: an index holding escrow 0 (or read from the harness, which keeps
    # every event) saw every escrow created since
    complete = 0 in states or (cursor is not None and cursor.source == "harness")
    count = escrow.escrow_count()
    if complete and count != len(states):
        out.append(
            Difference(object="soroban escrow contract", field="escrow_count", indexed=len(states), on_chain=count)
        )
    return out
