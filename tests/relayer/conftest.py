"""Fixtures of the relayer suites: a real anvil per test, a freshly deployed MilestoneEscrow,
accounts named by role, intent builders, SQLite files in tmp dirs and PostgreSQL databases on the
throwaway loopback cluster (scripts/toolchain/postgres.sh)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from quiltkit import Escrow, EscrowTerms, IntentStatus, intents
from quiltkit.devchain import TEST_MNEMONIC, anvil, dev_accounts
from quiltkit_relayer.config import RelayerSettings, load_settings
from quiltkit_relayer.daemon import Relayer
from quiltkit_relayer.logs import configure_logging
from quiltkit_relayer.models import IntentRecord, IntentState
from quiltkit_relayer.store import Store
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from web3 import Web3

ROOT = Path(__file__).resolve().parents[2]
UNIT = 10**15
DAY = 86_400
ACCOUNTS = 20

os.environ.setdefault("ANVIL_BIN", str(ROOT / ".cache" / "bin" / "anvil"))
configure_logging("warning")


def pytest_configure(config: pytest.Config) -> None:
    # Starlette's TestClient warns that it will move from httpx to httpx2; not ours to fix.
    config.addinivalue_line("filterwarnings", "ignore:Using `httpx` with `starlette.testclient`")


__all__ = ["ACCOUNTS", "DAY", "ROOT", "UNIT", "Chain", "TEST_MNEMONIC", "wait_until"]


def wait_until(predicate: Callable[[], Any], *, timeout: float, interval: float = 0.1, what: str = "condition") -> Any:
    """Poll ``predicate`` until it returns a truthy value; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


@dataclass
class Chain:
    """One anvil with a deployed escrow, accounts by role, and builders for bounties and intents."""

    w3: Web3
    escrow: Escrow
    accounts: list[LocalAccount]
    rpc_url: str
    verifiers: list[LocalAccount] = field(default_factory=list)
    made: dict[str, intents.PayoutIntent] = field(default_factory=dict)
    """Every intent :meth:`intent` built, by id (the chain answers "paid" for an intent, not an id)."""

    @property
    def operator(self) -> LocalAccount:
        return self.accounts[0]

    @property
    def maintainer(self) -> LocalAccount:
        return self.accounts[1]

    @property
    def contributor(self) -> LocalAccount:
        return self.accounts[3]

    @property
    def relayer(self) -> LocalAccount:
        return self.accounts[5]

    @property
    def chain_id(self) -> int:
        return int(self.w3.eth.chain_id)

    def now(self) -> int:
        """The chain's clock (its latest block's timestamp): what deadlines are judged by."""
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def bounty(
        self,
        milestones: int = 1,
        *,
        amount: int = UNIT,
        threshold: int = 2,
        payee: str | None = None,
        deadline_in: int = 30 * DAY,
        fund: bool = True,
        verifiers: list[LocalAccount] | None = None,
    ) -> int:
        """Open (and fully fund) an ETH escrow with ``milestones`` equal milestones; return its id.

        ``verifiers``: the escrow's verifier set (default: all of ``self.verifiers``)."""
        terms = EscrowTerms(
            amounts=[amount] * milestones,
            deadline=self.now() + deadline_in,
            payee=payee,
            verifiers=[v.address for v in (verifiers or self.verifiers)],
            threshold=threshold,
        )
        created = self.escrow.create(terms, sender=self.maintainer, initial_funding=amount * milestones if fund else 0)
        return created.escrow_id

    def intent(self, escrow_id: int, milestone: int = 0, **changes: Any) -> intents.PayoutIntent:
        info = self.escrow.get_escrow(escrow_id)
        now = self.now()
        fields: dict[str, Any] = {
            "escrow_id": escrow_id,
            "milestone": milestone,
            "payee": info.payee or self.contributor.address,
            "amount": info.milestones[milestone].amount,
            "token": info.token,
            "intent_id": intents.new_intent_id(),
            "deadline": now + DAY,
            "evidence_hash": intents.evidence_hash({"repo": "o/r", "pr": escrow_id * 100 + milestone}),
        }
        fields.update(changes)
        intent = intents.PayoutIntent(**fields)
        self.made[intent.intent_id] = intent
        return intent

    def paid(self, intent_id: str) -> bool:
        """The contract's ``intentStatus``: this intent (one :meth:`intent` built) paid its milestone."""
        return self.escrow.intent_status(self.made[intent_id]).status is IntentStatus.PAID

    def sign(self, intent: intents.PayoutIntent, signers: list[LocalAccount] | None = None) -> list[str]:
        domain = self.escrow.domain()
        return ["0x" + intents.sign_intent(intent, domain, s).hex() for s in (signers or self.verifiers[:2])]

    def submission(
        self, intent: intents.PayoutIntent, signers: list[LocalAccount] | None = None, **changes: Any
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "chain_id": self.chain_id,
            "contract": self.escrow.address,
            "intent": intent.model_dump(mode="json"),
            "signatures": self.sign(intent, signers),
        }
        body.update(changes)
        return body

    def releases(self) -> list[dict[str, Any]]:
        """Every IntentConsumed event of the escrow (what was paid, on chain)."""
        logs = self.escrow.contract.events.IntentConsumed().get_logs(from_block=0, to_block="latest")
        return [dict(log["args"]) | {"tx": log["transactionHash"].hex()} for log in logs]

    def consumed_ids(self) -> list[str]:
        return ["0x" + bytes(e["intentId"]).hex() for e in self.releases()]

    def nonce(self, account: LocalAccount, block: str = "pending") -> int:
        return int(self.w3.eth.get_transaction_count(account.address, block))  # type: ignore[arg-type]


def deploy(w3: Web3, rpc_url: str) -> Chain:
    accounts = dev_accounts(ACCOUNTS)
    operator = accounts[0]
    escrow = Escrow.deploy(
        w3, operator, admin=operator.address, guardian=operator.address, treasury=accounts[6].address
    )
    return Chain(w3=w3, escrow=escrow, accounts=accounts, rpc_url=rpc_url, verifiers=accounts[7:10])


@pytest.fixture
def chain() -> Iterator[Chain]:
    """A fresh anvil (automine) with a fresh escrow."""
    with anvil(args=("--accounts", str(ACCOUNTS))) as w3:
        yield deploy(w3, str(w3.provider.endpoint_uri))  # type: ignore[attr-defined]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'relayer.db'}"


_PG_SCRIPT = ROOT / "scripts" / "toolchain" / "postgres.sh"


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The loopback PostgreSQL cluster's admin URL (started if it is not running)."""
    url = os.environ.get("QUILTKIT_TEST_PG_URL")
    if url:
        return url
    out = subprocess.run([str(_PG_SCRIPT), "start"], check=True, capture_output=True, text=True, timeout=300)
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test (dropped afterwards)."""
    with pg_database(pg_server) as url:
        yield url


@contextlib.contextmanager
def pg_database(pg_server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the cluster, dropped on exit."""
    name = f"qk_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def relayer_settings(chain: Chain, database_url: str, **overrides: Any) -> RelayerSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "rpc_url": chain.rpc_url,
        "escrow_address": chain.escrow.address,
        "chain_id": chain.chain_id,
        "signer_key": "0x" + chain.relayer.key.hex(),
        "instance_id": "test-instance",
        "poll_interval_s": 0.05,
        "lease_s": 10,
        "stuck_after_s": 30,
        "confirmations": 1,
        "batch_wait_s": 0,
        "log_level": "warning",
    }
    values.update(overrides)
    return load_settings(None, **values)


@pytest.fixture
def make_relayer(chain: Chain, sqlite_url: str) -> Iterator[Callable[..., Relayer]]:
    """Build relayers on the test chain (SQLite by default); stops every started one at the end."""
    made: list[Relayer] = []

    def build(**overrides: Any) -> Relayer:
        settings = relayer_settings(chain, overrides.pop("database_url", sqlite_url), **overrides)
        relayer = Relayer(settings)
        made.append(relayer)
        return relayer

    yield build
    dispose(made)


def dispose(relayers: list[Relayer]) -> None:
    """Stop the started ones and release every store (the teardown of a relayer factory)."""
    for r in relayers:
        if r.workers:
            r.stop(timeout=10)
        r.store.dispose()


def boot(relayer: Relayer) -> Relayer:
    """What `start` does before its workers run: take the signer, take back this instance's leases."""
    relayer.hold_signer()
    relayer.store.release_leases(relayer.settings.instance_id)
    return relayer


def states(store: Store, ids: list[str]) -> dict[str, IntentState]:
    out = {}
    for i in ids:
        record = store.get(i)
        assert record is not None, f"intent {i} was lost from the store"
        out[i] = record.state
    return out


def all_confirmed(store: Store, ids: list[str]) -> bool:
    return all(s is IntentState.CONFIRMED for s in states(store, ids).values())


def record_of(store: Store, intent_id: str) -> IntentRecord:
    record = store.get(intent_id)
    assert record is not None
    return record


@dataclass
class LoopbackServer:
    """An HTTP/1.1 (keep-alive) server on 127.0.0.1 answering POSTs with ``respond(request body)``
    -> (status, JSON body, close the connection after it); records each connection it accepts."""

    url: str
    connections: list[tuple[str, int]]


@contextlib.contextmanager
def loopback_server(respond: Callable[[bytes], tuple[int, bytes, bool]]) -> Iterator[LoopbackServer]:
    connections: list[tuple[str, int]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            connections.append(self.client_address)

        def do_POST(self) -> None:
            status, body, close = respond(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = close  # without a Connection: close header, as a node timing out

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield LoopbackServer(url=f"http://127.0.0.1:{server.server_address[1]}", connections=connections)
    finally:
        server.shutdown()
        server.server_close()
