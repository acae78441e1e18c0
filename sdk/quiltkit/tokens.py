"""ERC-20 client (any token), plus deployment of quiltkit's open-mint TestToken for local use."""

from __future__ import annotations

from typing import Unpack

from web3 import Web3

from quiltkit._contract import ContractClient, Sender, TxOptions, TxResult, require
from quiltkit._types import checksum
from quiltkit.token_events import EVENTS

__all__ = ["Token"]


class Token(ContractClient):
    """An ERC-20 token. ``mint`` works only on quiltkit's TestToken."""

    artifact_name = "TestToken"
    event_types = EVENTS  # type: ignore[assignment]

    @classmethod
    def deploy_test_token(
        cls, w3: Web3, sender: Sender, name: str, symbol: str, decimals: int = 18, **tx: Unpack[TxOptions]
    ) -> Token:
        """Deploy quiltkit's TestToken: an ERC-20 whose ``mint`` is open to anyone, for local
        networks, tests and demos only (never for value). ``decimals`` 0..36."""
        require(
            _is_int(decimals) and 0 <= decimals <= 36, f"decimals must be 0..36, got {decimals!r}", field="decimals"
        )
        address, _ = cls._deploy(w3, sender, name, symbol, decimals, **tx)
        return cls._deployed(w3, address)

    def _identify(self) -> str | None:
        """An ERC-20 answers ``totalSupply()`` (through a proxy too); a contract without it reverts."""
        self._call("totalSupply")
        return None

    def name(self) -> str:
        return str(self._call("name"))

    def symbol(self) -> str:
        return str(self._call("symbol"))

    def decimals(self) -> int:
        return int(self._call("decimals"))

    def balance_of(self, account: str) -> int:
        return int(self._call("balanceOf", checksum(account, "account")))

    def allowance(self, owner: str, spender: str) -> int:
        return int(self._call("allowance", checksum(owner, "owner"), checksum(spender, "spender")))

    def approve(self, spender: str, amount: int, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        require(_is_int(amount) and amount >= 0, f"amount must be an integer >= 0, got {amount!r}", field="amount")
        return self._transact("approve", checksum(spender, "spender"), amount, sender=sender, **tx)

    def transfer(self, to: str, amount: int, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        require(_is_int(amount) and amount > 0, f"amount must be an integer > 0, got {amount!r}", field="amount")
        return self._transact("transfer", checksum(to, "recipient"), amount, sender=sender, **tx)

    def mint(self, to: str, amount: int, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        require(_is_int(amount) and amount > 0, f"amount must be an integer > 0, got {amount!r}", field="amount")
        return self._transact("mint", checksum(to, "recipient"), amount, sender=sender, **tx)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
