"""A client pointed at the wrong address says so by name on its first call: no code there, or a
contract that is not the one the client is for; nothing is sent."""

from __future__ import annotations

import pytest
import rlp
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from quiltkit import Escrow, InvalidInput, NoContractCode, QuiltkitError, Token, WrongContract
from web3 import Web3


def _create_address(deployer: str, nonce: int) -> str:
    """The address a CREATE from ``deployer`` at ``nonce`` deploys to (the yellow paper's rule)."""
    return to_checksum_address(keccak(rlp.encode([bytes.fromhex(deployer[2:]), nonce]))[12:])


def test_no_code_at_the_address(w3: Web3, maintainer: LocalAccount) -> None:
    nowhere = Account.create().address
    escrow = Escrow(w3, nowhere)  # construction does no RPC
    nonce = w3.eth.get_transaction_count(maintainer.address)
    with pytest.raises(NoContractCode) as info:
        escrow.get_escrow(1)
    assert isinstance(info.value, WrongContract) and isinstance(info.value, LookupError)
    assert isinstance(info.value, QuiltkitError)
    assert info.value.address == nowhere and info.value.expected == "MilestoneEscrow"
    assert f"no quiltkit MilestoneEscrow at {nowhere}" in str(info.value)
    with pytest.raises(NoContractCode):
        escrow.pause(sender=maintainer)
    with pytest.raises(NoContractCode):
        Token(w3, nowhere).balance_of(maintainer.address)
    assert w3.eth.get_transaction_count(maintainer.address) == nonce


def test_another_contract_at_the_address(w3: Web3, escrow: Escrow, token: Token, maintainer: LocalAccount) -> None:
    with pytest.raises(WrongContract) as info:
        Escrow(w3, token.address).escrow_count()
    assert not isinstance(info.value, NoContractCode)
    assert "EIP-712" in str(info.value) or "identity check" in str(info.value)
    with pytest.raises(WrongContract):
        Token(w3, escrow.address).balance_of(maintainer.address)
    # the right clients at the same addresses work
    assert Escrow(w3, escrow.address).escrow_count() >= 0
    assert Token(w3, token.address).balance_of(maintainer.address) >= 0


def test_a_failed_check_is_repeated_once_the_contract_is_there(w3: Web3, operator: LocalAccount) -> None:
    upcoming = _create_address(operator.address, w3.eth.get_transaction_count(operator.address))
    early = Escrow(w3, upcoming)
    with pytest.raises(NoContractCode):
        early.escrow_count()
    deployed = Escrow.deploy(w3, operator, admin=operator.address, guardian=operator.address, treasury=operator.address)
    assert deployed.address == early.address
    assert early.escrow_count() == 0


def test_an_async_web3_is_refused_by_name() -> None:
    """An AsyncWeb3 given to a sync client is refused at construction, naming the async twin to
    use, not by a coroutine that was never awaited on the first read."""
    from web3 import AsyncHTTPProvider, AsyncWeb3

    async_w3 = AsyncWeb3(AsyncHTTPProvider("http://127.0.0.1:9"))
    for client in (Escrow, Token):
        with pytest.raises(InvalidInput, match=f"AsyncWeb3.*quiltkit.aio.Async{client.__name__}") as info:
            client(async_w3, "0x" + "11" * 20)  # type: ignore[arg-type]
        assert info.value.field == "w3"


def test_an_unreachable_node_is_not_a_wrong_contract() -> None:
    """A node that does not answer says so (web3's connection error), never WrongContract: the
    check is repeated once the node is back."""
    from web3 import HTTPProvider

    offline = Escrow(Web3(HTTPProvider("http://127.0.0.1:9", request_kwargs={"timeout": 2})), "0x" + "11" * 20)
    with pytest.raises(Exception) as info:  # noqa: PT011 - the point is which error it is not
        offline.escrow_count()
    assert not isinstance(info.value, QuiltkitError)
    assert not offline._deployment_checked
