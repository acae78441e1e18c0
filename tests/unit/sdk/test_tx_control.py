"""Transaction control, once in ContractClient for every contract family: nonce, gas and fee
options used as given; send without waiting; build and estimate any write without sending;
confirmations; a receipt timeout that raises TransactionPending with the hash to keep waiting for."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from quiltkit import BuiltTx, Escrow, InsufficientAllowance, InvalidInput, QuiltkitError, Token, TransactionPending
from quiltkit import escrow_errors as errors
from quiltkit.devchain import mine, set_automine
from web3 import Web3

from tests.conftest import UNIT


@pytest.fixture
def manual_mining(w3: Web3) -> Iterator[None]:
    set_automine(w3, False)
    try:
        yield
    finally:
        set_automine(w3, True)
        mine(w3)


def test_nonce_gas_and_fees_are_used_as_given(w3: Web3, token: Token, operator: LocalAccount) -> None:
    to = Account.create().address
    nonce = w3.eth.get_transaction_count(operator.address)
    tip, cap = 2 * 10**9, 50 * 10**9
    result = token.mint(
        to, 5, sender=operator, nonce=nonce, gas=210_000, max_fee_per_gas=cap, max_priority_fee_per_gas=tip
    )
    sent = w3.eth.get_transaction(result.tx_hash)  # type: ignore[arg-type]
    assert (sent["nonce"], sent["gas"], sent["maxFeePerGas"], sent["maxPriorityFeePerGas"]) == (
        nonce,
        210_000,
        cap,
        tip,
    )
    legacy = token.mint(to, 5, sender=operator, gas_price=cap)
    assert w3.eth.get_transaction(legacy.tx_hash)["gasPrice"] == cap  # type: ignore[arg-type]
    assert token.balance_of(to) == 10


def test_a_write_still_simulates_with_explicit_gas(escrow: Escrow, maintainer: LocalAccount, w3: Web3) -> None:
    nonce = w3.eth.get_transaction_count(maintainer.address)
    with pytest.raises(errors.EscrowNotFound):
        escrow.cancel(10**9, sender=maintainer, gas=100_000, nonce=nonce)
    assert w3.eth.get_transaction_count(maintainer.address) == nonce


def test_send_returns_the_hash_and_wait_for_gives_the_result(
    w3: Web3, token: Token, escrow: Escrow, create_escrow: Callable[..., int], maintainer: LocalAccount
) -> None:
    eid = create_escrow(payee=Account.create().address)
    tx_hash = escrow.send(escrow.release, eid, 0, sender=maintainer)
    assert tx_hash.startswith("0x") and len(tx_hash) == 66
    result = escrow.wait_for(tx_hash)
    assert result.tx_hash == tx_hash
    assert result.event("MilestoneReleased").args["milestone"] == 0
    assert escrow.get_escrow(eid).milestones[0].state == 1


def test_build_and_estimate_send_nothing_and_build_what_the_write_sends(
    w3: Web3, escrow: Escrow, create_escrow: Callable[..., int], maintainer: LocalAccount
) -> None:
    eid = create_escrow(payee=Account.create().address)
    nonce = w3.eth.get_transaction_count(maintainer.address)
    built = escrow.build(escrow.release, eid, 1, sender=maintainer)
    assert isinstance(built, BuiltTx)
    assert built.data == "0x" + escrow._encode("release", eid, 1).hex()
    assert (built.to, built.sender, built.value, built.nonce) == (escrow.address, maintainer.address, 0, nonce)
    assert built.chain_id == w3.eth.chain_id and built.gas > 21_000
    assert escrow.estimate(escrow.release, eid, 1, sender=maintainer) == built.gas
    assert w3.eth.get_transaction_count(maintainer.address) == nonce  # nothing sent
    # what build returns is what a caller signs and sends itself
    raw = maintainer.sign_transaction(built.as_params())  # type: ignore[arg-type]
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(raw.raw_transaction))
    assert receipt["status"] == 1
    assert escrow.get_escrow(eid).milestones[1].state == 1
    # a write that would revert does not build: the contract's named error
    with pytest.raises(errors.EscrowMilestoneNotPending):
        escrow.build(escrow.release, eid, 1, sender=maintainer)


def test_build_never_sends_an_approval(
    w3: Web3, escrow: Escrow, token: Token, create_escrow: Callable[..., int], funder: LocalAccount
) -> None:
    eid = create_escrow(funding=100 * UNIT)
    token.approve(escrow.address, 0, sender=funder)
    nonce = w3.eth.get_transaction_count(funder.address)
    with pytest.raises(InsufficientAllowance):
        escrow.build(escrow.fund, eid, UNIT, sender=funder, approve=True)
    assert w3.eth.get_transaction_count(funder.address) == nonce
    # send() does approve first (waited for), then sends the funding without waiting
    tx_hash = escrow.send(escrow.fund, eid, UNIT, sender=funder, approve=True)
    assert escrow.wait_for(tx_hash).event("EscrowFunded").args["amount"] == UNIT


@pytest.mark.usefixtures("manual_mining")
def test_receipt_timeout_raises_transaction_pending_with_the_hash(
    w3: Web3, token: Token, operator: LocalAccount
) -> None:
    to = Account.create().address
    nonce = w3.eth.get_transaction_count(operator.address)
    with pytest.raises(TransactionPending) as info:
        token.mint(to, 7, sender=operator, timeout=0.3)
    pending = info.value
    assert isinstance(pending, QuiltkitError) and isinstance(pending, TimeoutError)
    assert pending.nonce == nonce and pending.mined_in is None
    assert pending.tx_hash in str(pending)
    mine(w3)
    assert token.wait_for(pending.tx_hash).gas_used > 0
    assert token.balance_of(to) == 7


def test_confirmations_wait_for_depth(w3: Web3, token: Token, operator: LocalAccount) -> None:
    to = Account.create().address
    with pytest.raises(TransactionPending) as info:
        token.mint(to, 1, sender=operator, confirmations=3, timeout=0.3)  # nothing else is mined meanwhile
    mined_in = info.value.mined_in
    assert mined_in is not None and mined_in == w3.eth.block_number
    mine(w3, 2)
    result = token.wait_for(info.value.tx_hash, confirmations=3, timeout=5)
    assert result.block_number == mined_in


@pytest.mark.parametrize("options", [{"speed": 1}, {"nonce": -1}, {"confirmations": 0}, {"gas": "lots"}])
def test_bad_options_are_refused_naming_them(token: Token, operator: LocalAccount, options: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as info:
        token.mint(operator.address, 1, sender=operator, **options)
    assert info.value.field == next(iter(options))


def test_every_write_of_every_client_takes_the_transaction_options() -> None:
    """A write added later (or by a new family) without **TxOptions fails here, not in a backend."""
    import inspect

    from quiltkit._contract import ContractClient

    writes = [
        (cls, name, member)
        for cls in ContractClient.__subclasses__()
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and callable(member) and "sender" in inspect.signature(member).parameters
    ]
    assert len(writes) >= 20
    for cls, name, member in writes:
        kinds = [p.kind for p in inspect.signature(member).parameters.values()]
        assert inspect.Parameter.VAR_KEYWORD in kinds, f"{cls.__name__}.{name} does not take **TxOptions"
