"""Real processes for the daemon and fault suites: the relayer run as `quiltkit relayer run` in a
subprocess (killable with SIGKILL), an anvil that can be stopped and restarted with its state,
and an HTTP client that keeps retrying while the relayer is down."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from quiltkit.devchain import TEST_MNEMONIC
from quiltkit.soroban import LocalHost
from quiltkit_relayer.models import IntentState
from quiltkit_relayer.store import Store
from web3 import Web3

from tests.relayer.conftest import ROOT, all_confirmed, record_of, wait_until

QUILTKIT = ROOT / ".venv" / "bin" / "quiltkit"
ANVIL = Path(os.environ.get("ANVIL_BIN", str(ROOT / ".cache" / "bin" / "anvil")))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


def write_config(path: Path, settings: dict[str, Any]) -> Path:
    lines = ["[relayer]"] + [f"{k} = {_toml_value(v)}" for k, v in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


class RelayerProcess:
    """`quiltkit relayer run --config FILE` as a child process; logs appended to ``log``."""

    def __init__(self, config: Path, log: Path, port: int) -> None:
        self.config, self.log, self.port = config, log, port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, *, wait: bool = True) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("QUILTKIT_RELAYER_")}
        env["PATH"] = f"{ROOT / '.cache' / 'bin'}:{ROOT / '.venv' / 'bin'}:{env.get('PATH', '')}"
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(QUILTKIT), "relayer", "run", "--config", str(self.config)],
                stdout=out,
                stderr=out,
                env=env,
                cwd=str(self.config.parent),
            )
        self.starts += 1
        if wait:
            self.wait_healthy()

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"relayer exited with {self.process.returncode}; log:\n{self.tail()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"relayer not healthy after {timeout}s; log:\n{self.tail()}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        assert self.process is not None
        self.process.send_signal(sig)
        self.process.wait(timeout=60)

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM and wait for a graceful exit; returns the exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
            raise AssertionError(f"relayer ignored SIGTERM for {timeout}s; log:\n{self.tail()}") from None

    def tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def post_until_stored(
    url: str, body: dict[str, Any], *, timeout: float = 120, api_key: str | None = None
) -> dict[str, Any]:
    """POST an intent, retrying through refused connections and restarts (POST is idempotent)."""
    deadline = time.monotonic() + timeout
    headers = {"X-API-Key": api_key} if api_key else {}
    while True:
        try:
            response = httpx.post(f"{url}/intents", json=body, timeout=10, headers=headers)
            if response.status_code in (200, 201, 202):
                result: dict[str, Any] = response.json()
                return result
            if response.status_code < 500:
                raise AssertionError(f"intent refused: {response.status_code} {response.text}")
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"could not store an intent at {url} within {timeout}s")
        time.sleep(0.2)


class AnvilProcess:
    """anvil on a fixed loopback port that can be stopped and restarted, keeping its state in a file."""

    def __init__(self, state: Path, *, port: int | None = None, block_time: float | None = None, accounts: int = 20):
        self.state, self.port = state, port or free_port()
        self.block_time, self.accounts = block_time, accounts
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Web3:
        cmd = [
            str(ANVIL),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--mnemonic",
            TEST_MNEMONIC,
            "--accounts",
            str(self.accounts),
            "--silent",
            "--state",
            str(self.state),
        ]
        if self.block_time:
            cmd += ["--block-time", str(self.block_time)]
        self.process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        w3 = Web3(Web3.HTTPProvider(self.url, request_kwargs={"timeout": 10}))
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(Exception):
                if w3.is_connected():
                    return w3
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("anvil did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM: anvil writes its state file and exits."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


class StellarRpcProcess:
    """FakeStellarRpc (tests/soroban/fake_rpc.py, the named stand-in for a Stellar RPC server) in its
    own process, in front of its own harness: one ledger that relayer processes share and outlive."""

    def __init__(self, harness: str, log: Path) -> None:
        self.harness, self.log = harness, log
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.network_passphrase = ""
        self._ids = itertools.count(1)

    def start(self) -> StellarRpcProcess:
        with self.log.open("ab") as err:
            self.process = subprocess.Popen(
                [str(ROOT / ".venv" / "bin" / "python"), "-m", "tests.soroban.fake_rpc", "--harness", self.harness],
                stdout=subprocess.PIPE,
                stderr=err,
                cwd=str(ROOT),
            )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise AssertionError(f"the Stellar RPC stand-in did not start: {self.log.read_text(errors='replace')}")
        info = json.loads(line)
        self.url, self.network_passphrase = info["url"], info["network_passphrase"]
        return self

    def call(self, rpc_method: str, **params: Any) -> Any:
        body = {"jsonrpc": "2.0", "id": next(self._ids), "method": rpc_method, "params": params}
        answer = httpx.post(self.url, json=body, timeout=60).json()
        if "error" in answer:
            raise AssertionError(f"{rpc_method}: {answer['error']}")
        return answer["result"]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


class RemoteHost(LocalHost):
    """The harness behind a :class:`StellarRpcProcess`, for the test's own set-up (deploy, mint,
    create and fund escrows): every LocalHost request goes through the stand-in's control method."""

    def __init__(self, rpc: StellarRpcProcess) -> None:  # no child process of its own: LocalHost.__init__ not called
        self.rpc = rpc
        self.binary = rpc.url
        info = self.request("network_id")
        self.network_passphrase = str(info["network_passphrase"])
        self.network_id = str(info["network_id"])

    def request(self, method: str, **params: Any) -> dict[str, Any]:
        answer = self.rpc.call("quiltkit_harness", method=method, params=params)
        if not answer["ok"]:
            raise AssertionError(f"harness {method}: {answer['error']}")
        result: dict[str, Any] = answer["result"]
        return result

    def close(self) -> None:
        pass

    def __del__(self) -> None:
        pass


def kill_while_feeding(
    relayer: RelayerProcess,
    bodies: list[dict[str, Any]],
    store: Store,
    *,
    kills: int,
    jitter: tuple[float, float],
    rng: random.Random,
) -> list[int]:
    """Post ``bodies`` from a thread while SIGKILLing and restarting ``relayer`` ``kills`` times at
    random points of the flow; wait until every intent is confirmed. Returns how many intents were not
    yet confirmed at each kill (to show the kills landed mid-flow).

    The kill points are drawn in the flow's progress, not in seconds: each kill waits until a random
    number of intents (below 80% of them) is confirmed, then a random ``jitter`` more, so it lands
    somewhere in intake, verify, sign, send or confirm however fast this machine runs the relayer."""
    errors: list[BaseException] = []

    def feed() -> None:
        try:
            for body in bodies:
                post_until_stored(relayer.url, body, timeout=120)
        except BaseException as exc:  # reported by the caller's thread
            errors.append(exc)

    points = sorted(rng.randrange(0, len(bodies) * 4 // 5) for _ in range(kills))
    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    in_flight_at_kill = []
    for point in points:
        wait_until(
            lambda point=point: store.counts()["confirmed"] >= point,
            timeout=120,
            interval=0.02,
            what=f"{point} confirmed payouts before the next kill",
        )
        time.sleep(rng.uniform(*jitter))
        relayer.kill(signal.SIGKILL)
        in_flight_at_kill.append(len(bodies) - store.counts()["confirmed"])
        relayer.start()
    feeder.join(150)
    assert not errors, errors
    ids = [b["intent"]["intent_id"] for b in bodies]
    wait_until(lambda: all_confirmed(store, ids), timeout=120, interval=0.5, what=f"{len(ids)} payouts after the kills")
    relayer.stop()
    return in_flight_at_kill


def run_instances(procs: list[RelayerProcess], bodies: list[dict[str, Any]], store: Store) -> None:
    """Start every instance, post a share of ``bodies`` to each, wait until all are confirmed, stop."""
    for p in procs:
        p.start(wait=False)
    for p in procs:
        p.wait_healthy()
    ids = [b["intent"]["intent_id"] for b in bodies]
    try:
        threads = [
            threading.Thread(
                target=lambda part, url: [post_until_stored(url, b) for b in part],
                args=(bodies[k :: len(procs)], p.url),
            )
            for k, p in enumerate(procs)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        wait_until(lambda: all_confirmed(store, ids), timeout=120, interval=0.5, what=f"{len(ids)} payouts")
    finally:
        for p in procs:
            p.stop()


def assert_each_intent_carried_once(store: Store, chain: str, ids: list[str]) -> None:
    """In the store: each intent was carried by exactly one nonce of one signer, the work was
    shared between signers, and every intent is confirmed."""
    carriers: dict[str, set[tuple[str, int]]] = {}
    for tx in store.tx_history(chain):
        for intent_id in tx.intent_ids:
            carriers.setdefault(intent_id, set()).add((tx.signer, tx.nonce))
    assert sorted(carriers) == sorted(ids)
    assert all(len(c) == 1 for c in carriers.values()), "an intent was submitted twice"
    assert len({s for c in carriers.values() for s, _ in c}) >= 2, "the work was not shared"
    assert all(record_of(store, i).state is IntentState.CONFIRMED for i in ids)
