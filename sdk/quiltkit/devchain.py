"""Local chains for demos and tests: the embedded EthTester chain and anvil.

The embedded chain is eth-tester's py-evm backend (the engine behind ape's ``local:test``
network): in-process, no external program. anvil is started as a child process on loopback.
Both expose the standard test mnemonic's accounts, funded.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.types import Wei

from quiltkit.exceptions import QuiltkitError

__all__ = [
    "TEST_MNEMONIC",
    "advance_time",
    "anvil",
    "dev_accounts",
    "embedded_web3",
    "fund_dev_accounts",
    "mine",
    "set_automine",
]

TEST_MNEMONIC = "test test test test test test test test test test test junk"
"""The well-known development mnemonic anvil and ape's test network use. Never hold value with it."""

Account.enable_unaudited_hdwallet_features()


def dev_accounts(count: int = 10) -> list[LocalAccount]:
    """Accounts 0..count-1 of :data:`TEST_MNEMONIC` (m/44'/60'/0'/0/i)."""
    return [Account.from_mnemonic(TEST_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}") for i in range(count)]


def embedded_web3() -> Web3:
    """A fresh in-process chain (eth-tester + py-evm). Needs the ``demo`` or ``dev`` extra."""
    try:
        from eth_tester import EthereumTester, PyEVMBackend
        from web3 import EthereumTesterProvider
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise QuiltkitError("the embedded chain needs eth-tester: pip install 'quiltkit[demo]'") from exc
    return Web3(EthereumTesterProvider(EthereumTester(PyEVMBackend())))


def fund_dev_accounts(w3: Web3, accounts: list[LocalAccount], amount_wei: int = 10**21) -> None:
    """Give each account ``amount_wei`` from the node's first unlocked account, if it has less."""
    node_accounts = w3.eth.accounts
    if not node_accounts:
        return
    for account in accounts:
        if w3.eth.get_balance(account.address) < amount_wei:
            tx = w3.eth.send_transaction({"from": node_accounts[0], "to": account.address, "value": Wei(amount_wei)})
            w3.eth.wait_for_transaction_receipt(tx)


def advance_time(w3: Web3, seconds: int) -> int:
    """Move the chain's clock forward by ``seconds`` and mine a block; returns the new time."""
    latest = int(w3.eth.get_block("latest")["timestamp"])
    provider: Any = w3.provider
    tester = getattr(provider, "ethereum_tester", None)
    if tester is not None:
        tester.time_travel(latest + seconds)
        tester.mine_blocks(1)
    else:  # anvil, hardhat and other dev nodes
        w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    return int(w3.eth.get_block("latest")["timestamp"])


def set_automine(w3: Web3, enabled: bool) -> None:
    """Turn the dev chain's mining of each transaction as it arrives on or off (eth-tester, anvil)."""
    tester = getattr(w3.provider, "ethereum_tester", None)
    if tester is not None:
        if enabled:
            tester.enable_auto_mine_transactions()
        else:
            tester.disable_auto_mine_transactions()
    else:
        w3.provider.make_request("evm_setAutomine", [enabled])  # type: ignore[arg-type]


def mine(w3: Web3, blocks: int = 1) -> int:
    """Mine ``blocks`` blocks on a dev chain (pending transactions go in the first); the new head."""
    tester = getattr(w3.provider, "ethereum_tester", None)
    for _ in range(blocks):
        if tester is not None:
            tester.mine_blocks(1)
        else:
            w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    return int(w3.eth.block_number)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def anvil(*, block_time: float | None = None, port: int | None = None, args: tuple[str, ...] = ()) -> Iterator[Web3]:
    """Run anvil on loopback for the duration of the block; yields a connected ``Web3``."""
    binary = os.environ.get("ANVIL_BIN") or shutil.which("anvil")
    if binary is None:
        raise QuiltkitError("anvil not found on PATH: run `make setup` (it links node_modules' anvil)")
    port = port or _free_port()
    cmd = [binary, "--host", "127.0.0.1", "--port", str(port), "--mnemonic", TEST_MNEMONIC, "--silent", *args]
    if block_time:
        cmd += ["--block-time", str(block_time)]
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}", request_kwargs={"timeout": 10}))
        deadline = time.monotonic() + 20
        while not _connected(w3):
            if process.poll() is not None or time.monotonic() > deadline:
                err = process.stderr.read().decode() if process.stderr else ""
                raise QuiltkitError(f"anvil did not start on port {port}: {err.strip()[:300]}")
            time.sleep(0.05)
        yield w3
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


def _connected(w3: Web3) -> bool:
    try:
        return bool(w3.is_connected())
    except Exception:
        return False
