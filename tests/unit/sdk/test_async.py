"""The async twins (quiltkit.aio) on the same chain as the sync suites (the embedded chain through
web3's async eth-tester provider sharing ape's tester, or anvil over AsyncHTTPProvider): the same
results, the same named errors with nothing sent, typed events and follow, transaction control,
and an event loop that keeps running while a write is in flight."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest
import quiltkit
from eth_account.signers.local import LocalAccount
from quiltkit import BuiltTx, Escrow, EscrowTerms, InvalidInput, MilestoneState, Token
from quiltkit import escrow_errors as errors
from quiltkit._contract import ContractClient
from quiltkit.aio import TWINS, AsyncClient, AsyncEscrow, AsyncToken, _Twin, _TwinDeploy
from quiltkit.escrow_events import EscrowFunded, MilestoneReleased
from web3 import AsyncWeb3, Web3

from tests.conftest import DAY, UNIT, now

_T = TypeVar("_T")


def run(coroutine: Coroutine[Any, Any, _T]) -> _T:
    return asyncio.run(coroutine)


def _terms(w3: Web3, token: Token, verifiers: list[LocalAccount]) -> EscrowTerms:
    return EscrowTerms(
        token=token.address,
        amounts=[300 * UNIT, 500 * UNIT],
        deadline=now(w3) + 14 * DAY,
        verifiers=[v.address for v in verifiers],
        threshold=2,
    )


def test_an_async_escrow_runs_the_whole_flow_like_the_sync_one(
    w3: Web3,
    async_w3: Callable[[], AsyncWeb3],  # type: ignore[type-arg]
    escrow: Escrow,
    token: Token,
    maintainer: LocalAccount,
    contributor: LocalAccount,
    verifiers: list[LocalAccount],
) -> None:
    terms = _terms(w3, token, verifiers).model_copy(update={"payee": contributor.address})

    async def flow() -> None:
        twin = AsyncEscrow(async_w3(), escrow.address)
        created = await twin.create(terms, sender=maintainer, initial_funding=800 * UNIT, approve=True)
        info = await twin.get_escrow(created.escrow_id)
        assert info == escrow.get_escrow(created.escrow_id)
        before = token.balance_of(contributor.address)
        result = await twin.release(created.escrow_id, 0, sender=maintainer)
        assert result.event("MilestoneReleased").args["amount"] + result.event("MilestoneReleased").args["fee"] == (
            300 * UNIT
        )
        assert token.balance_of(contributor.address) - before == result.event("MilestoneReleased").args["amount"]
        assert escrow.get_escrow(created.escrow_id).milestones[0].state == MilestoneState.RELEASED
        funded = await twin.events(EscrowFunded, created.tx.block_number, escrow_id=created.escrow_id)
        assert [e.escrow_id for e in funded] == [created.escrow_id]
        assert funded == escrow.events(EscrowFunded, created.tx.block_number, escrow_id=created.escrow_id)

    run(flow())


def test_the_event_loop_keeps_running_while_a_write_is_in_flight(
    w3: Web3,
    async_w3: Callable[[], AsyncWeb3],  # type: ignore[type-arg]
    token: Token,
    operator: LocalAccount,
    funder: LocalAccount,
) -> None:
    async def scenario() -> tuple[int, int]:
        twin = AsyncToken(async_w3(), token.address)
        write = asyncio.create_task(twin.mint(funder.address, 7, sender=operator))
        ticks = 0
        while not write.done():
            ticks += 1
            await asyncio.sleep(0)
        await write
        reads = await asyncio.gather(*(twin.balance_of(funder.address) for _ in range(8)))
        assert len(set(reads)) == 1
        return ticks, reads[0]

    before = token.balance_of(funder.address)
    ticks, balance = run(scenario())
    # Every JSON-RPC request of the write is answered on the loop, so the loop runs between them.
    assert ticks > 1
    assert balance == before + 7 == token.balance_of(funder.address)


def test_a_revert_raises_its_named_error_and_sends_nothing(
    w3: Web3,
    async_w3: Callable[[], AsyncWeb3],  # type: ignore[type-arg]
    create_escrow: Callable[..., int],
    escrow: Escrow,
    funder: LocalAccount,
) -> None:
    escrow_id = create_escrow()
    nonce = w3.eth.get_transaction_count(funder.address)

    async def release_as_a_stranger() -> None:
        await AsyncEscrow(async_w3(), escrow.address).release(escrow_id, 0, sender=funder)

    with pytest.raises(errors.EscrowNotPayer):
        run(release_as_a_stranger())

    async def bad_milestone() -> None:
        await AsyncEscrow(async_w3(), escrow.address).release(escrow_id, -1, sender=funder)

    with pytest.raises(InvalidInput):
        run(bad_milestone())
    assert w3.eth.get_transaction_count(funder.address) == nonce


def test_build_send_and_wait_for_on_the_twin(
    w3: Web3,
    async_w3: Callable[[], AsyncWeb3],  # type: ignore[type-arg]
    token: Token,
    operator: LocalAccount,
    funder: LocalAccount,
) -> None:
    async def scenario() -> None:
        twin = AsyncToken(async_w3(), token.address)
        nonce = w3.eth.get_transaction_count(operator.address)
        built = await twin.build(twin.mint, funder.address, 3, sender=operator)
        assert isinstance(built, BuiltTx)
        assert built.nonce == nonce == w3.eth.get_transaction_count(operator.address)  # nothing sent
        assert await twin.estimate(twin.mint, funder.address, 3, sender=operator) == built.gas
        tx_hash = await twin.send(twin.mint, funder.address, 3, sender=operator)
        result = await twin.wait_for(tx_hash)
        assert result.tx_hash == tx_hash
        sync_token = Token(w3, token.address)
        with pytest.raises(InvalidInput) as info:
            await twin.build(sync_token.mint, funder.address, 3, sender=operator)  # not the twin's write
        assert info.value.field == "write"

    run(scenario())


def test_follow_yields_new_events_in_order(
    w3: Web3,
    async_w3: Callable[[], AsyncWeb3],  # type: ignore[type-arg]
    create_escrow: Callable[..., int],
    escrow: Escrow,
    maintainer: LocalAccount,
) -> None:
    escrow_id = create_escrow(payee=maintainer.address)
    start = w3.eth.block_number + 1

    async def scenario() -> list[int]:
        twin = AsyncEscrow(async_w3(), escrow.address)
        for milestone in (0, 1):
            await twin.release(escrow_id, milestone, sender=maintainer)
        seen: list[int] = []
        async for event in twin.follow(MilestoneReleased, start, poll_interval=0.05, escrow_id=escrow_id):
            assert isinstance(event, MilestoneReleased)
            seen.append(event.milestone)
            if len(seen) == 2:
                break
        return seen

    assert run(asyncio.wait_for(scenario(), timeout=60)) == [0, 1]


def test_deploy_returns_the_twin_of_the_new_contract(
    async_w3: Callable[[], AsyncWeb3],  # type: ignore[type-arg]
    operator: LocalAccount,
) -> None:
    async def scenario() -> tuple[str, str]:
        twin = await AsyncToken.deploy_test_token(async_w3(), operator, "Async Dollar", "ADOL")
        assert isinstance(twin, AsyncToken)
        return await twin.symbol(), twin.address

    symbol, address = run(scenario())
    assert symbol == "ADOL"
    assert address.startswith("0x")


def test_a_sync_web3_is_refused_by_the_twin(w3: Web3) -> None:
    """(The converse, an AsyncWeb3 given to a sync client, is in test_wrong_address.py.)"""
    for twin in (AsyncEscrow, AsyncToken):
        with pytest.raises(InvalidInput, match="AsyncWeb3") as info:
            twin(w3, "0x" + "11" * 20)  # type: ignore[arg-type]
        assert info.value.field == "w3"


def _clients() -> list[type[ContractClient]]:
    return [c for c in vars(quiltkit).values() if inspect.isclass(c) and issubclass(c, ContractClient)]


def test_every_client_has_a_complete_async_twin() -> None:
    """A method added to a client without its twin fails here, naming it."""
    assert _clients(), "quiltkit exports no client"
    base = set(vars(AsyncClient))
    for client in _clients():
        twin = TWINS.get(client)
        assert twin is not None, f"{client.__name__} has no async twin in quiltkit.aio.TWINS"
        for name, member in vars(client).items():
            if name.startswith("_") or not callable(getattr(client, name)) or isinstance(member, type):
                continue
            mirror = vars(twin).get(name)
            if isinstance(member, classmethod):
                assert isinstance(mirror, _TwinDeploy), f"{twin.__name__}.{name} missing (a deploy twin)"
                assert mirror.deploy == getattr(client, name), f"{twin.__name__}.{name} wraps another method"
            else:
                assert isinstance(mirror, _Twin), f"{twin.__name__}.{name} missing"
                assert mirror.method is member, f"{twin.__name__}.{name} wraps another method"
        assert not (set(vars(twin)) - base - set(vars(client)) - {"sync_class", "__orig_bases__", "__parameters__"})
