"""Relayer benchmark (not a test): throughput, latency and gas against a naive baseline.

    python scripts/bench_relayer.py [--intents 1000] [--out benchmarks/relayer.md]

(`make bench-relayer` starts the loopback PostgreSQL cluster and runs this.) Scenarios, in one run:

- naive baseline: one web3.py transaction per intent (sign, send, wait for its receipt), on anvil
  with automine and with 1 s blocks;
- the relayer (`quiltkit relayer run` subprocesses on one PostgreSQL database), one instance and
  three instances, on anvil with automine and with 1 s blocks: intents are posted to the HTTP API
  by 16 client threads, 50 per ``POST /batch/intents`` request (``--post-batch``); intents/s
  counts from the first acceptance to the last confirmation;
  latency is each intent's accept -> confirmed (the relayer's own timestamps);
- gas per payout: one ``releaseWithIntent`` alone vs batches of 20 in one ``releaseWithIntents``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import statistics
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import httpx
from eth_account.signers.local import LocalAccount
from quiltkit import Escrow, EscrowTerms, intents
from quiltkit.devchain import TEST_MNEMONIC, dev_accounts
from quiltkit_relayer.store import Store
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from web3 import Web3
from web3.types import Nonce

ROOT = Path(__file__).resolve().parent.parent
ANVIL = os.environ.get("ANVIL_BIN", str(ROOT / ".cache" / "bin" / "anvil"))
QUILTKIT = str(ROOT / ".venv" / "bin" / "quiltkit")
AMOUNT = 10**15
DAY = 86_400
ACCOUNTS = dev_accounts(20)
MAINTAINER = ACCOUNTS[1]
CONTRIBUTOR = ACCOUNTS[3]
VERIFIERS = ACCOUNTS[7:10]
RELAYER_SIGNERS = [ACCOUNTS[5], ACCOUNTS[11], ACCOUNTS[12]]
NAIVE_SENDER = ACCOUNTS[13]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rpc(w3: Web3, method: str, *params: Any) -> Any:
    answer = w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
    if "error" in answer:
        raise RuntimeError(f"{method}: {answer['error']}")
    return answer.get("result")


@dataclass
class Node:
    w3: Web3
    url: str
    pid: int


@contextmanager
def anvil_node() -> Iterator[Node]:
    port = _free_port()
    cmd = [
        ANVIL,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--mnemonic",
        TEST_MNEMONIC,
        "--accounts",
        "20",
        "--silent",
        "--balance",
        "100000",
    ]
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 30}))
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if w3.is_connected():
                    break
            except Exception:  # noqa: S110 - not up yet
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("anvil did not start")
            time.sleep(0.05)
        yield Node(w3, url, process.pid)
    finally:
        process.terminate()
        process.wait(10)


@dataclass
class World:
    node: Node
    escrow: Escrow
    bodies: list[dict[str, Any]]


def setup_world(node: Node, count: int, *, payee: str | None = None) -> World:
    """Deploy, open and fund ceil(count/16) 16-milestone ETH escrows (automine), pre-sign ``count`` intents.

    ``payee`` set: the escrows name their payee at creation (no intent pays the one-off cost of
    assigning it), which keeps gas comparisons between single and batched submissions fair.
    """
    w3 = node.w3
    operator = ACCOUNTS[0]
    escrow = Escrow.deploy(
        w3, operator, admin=operator.address, guardian=operator.address, treasury=ACCOUNTS[6].address
    )
    domain = escrow.domain()
    now = int(w3.eth.get_block("latest")["timestamp"])
    bodies: list[dict[str, Any]] = []
    for e in range((count + 15) // 16):
        terms = EscrowTerms(
            amounts=[AMOUNT] * 16,
            deadline=now + 30 * DAY,
            verifiers=[v.address for v in VERIFIERS],
            threshold=2,
            payee=payee,
        )
        escrow_id = escrow.create(terms, sender=MAINTAINER, initial_funding=16 * AMOUNT).escrow_id
        for m in range(16):
            if len(bodies) == count:
                break
            intent = intents.PayoutIntent(
                escrow_id=escrow_id,
                milestone=m,
                payee=CONTRIBUTOR.address,
                amount=AMOUNT,
                token="0x" + "00" * 20,
                intent_id=intents.new_intent_id(),
                deadline=now + 2 * DAY,
                evidence_hash=intents.evidence_hash({"repo": "bench/bench", "pr": e * 16 + m}),
            )
            sigs = ["0x" + intents.sign_intent(intent, domain, v).hex() for v in VERIFIERS[:2]]
            bodies.append(
                {
                    "chain_id": domain.chain_id,
                    "contract": escrow.address,
                    "intent": intent.model_dump(mode="json"),
                    "signatures": sigs,
                }
            )
    return World(node=node, escrow=escrow, bodies=bodies)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


@dataclass
class Row:
    name: str
    instances: str
    blocks: str
    intents: int
    seconds: float
    per_second: float
    p50: float
    p99: float
    transactions: int
    gas_per_payout: float
    cpu: dict[str, float | None]
    """CPU seconds each part used while the intents flowed (None: not measurable here)."""
    second_poll: float | None = None
    """Naive rows: the share of receipts not ready at web3's first poll (they waited 0.1 s more)."""
    load: tuple[float, float] | None = None
    """The machine's 1-minute load average when the intents started and when the last was done."""


# --- where the CPU goes --------------------------------------------------------------------


def _cpu_seconds(pid: int, *, reaped_children: bool = False) -> float:
    """User + system CPU time of a live process (Linux /proc), optionally with its reaped children's."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def _postgres_cpu(pg_url: str) -> float | None:
    """CPU time of the PostgreSQL server: the postmaster, the backends it reaped, the live ones.

    None when the server is not a local process this user can read (e.g. QUILTKIT_BENCH_PG_URL elsewhere).
    """
    try:
        engine = create_engine(pg_url)
        with engine.connect() as conn:
            data_dir = str(conn.execute(text("SHOW data_directory")).scalar_one())
        engine.dispose()
        postmaster = int((Path(data_dir) / "postmaster.pid").read_text().split()[0])
        total = _cpu_seconds(postmaster, reaped_children=True)
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                    total += _cpu_seconds(int(stat.parent.name))
            except (OSError, ValueError):
                continue  # exited meanwhile
        return total
    except Exception:
        return None


class CpuMeter:
    """CPU seconds used from construction to :meth:`used` by the relayers, the node, PostgreSQL
    and this process (the load generator: posting threads, or the naive loop itself), and the
    wall-clock seconds between (``wall``)."""

    def __init__(self, *, relayers: list[int], node_pid: int, pg_url: str | None) -> None:
        self._relayers, self._node, self._pg_url = relayers, node_pid, pg_url
        self._start = self._sample()

    def _sample(self) -> dict[str, float | None]:
        me = os.times()
        return {
            "wall": time.monotonic(),
            "relayer": sum(_cpu_seconds(pid) for pid in self._relayers) if self._relayers else None,
            "node": _cpu_seconds(self._node),
            "postgres": _postgres_cpu(self._pg_url) if self._pg_url else None,
            "client": me.user + me.system,
        }

    def used(self) -> dict[str, float | None]:
        used: dict[str, float | None] = {}
        for part, end in self._sample().items():
            start = self._start[part]
            used[part] = None if end is None or start is None else end - start
        return used


# --- naive baseline ------------------------------------------------------------------------


_WEB3_RECEIPT_POLL_S = 0.1
"""web3.py's ``wait_for_transaction_receipt`` polls this often by default."""


def run_naive(world: World, count: int, blocks: str) -> Row:
    """Sign and send one releaseWithIntent per intent, waiting for each receipt before the next."""
    w3, escrow = world.node.w3, world.escrow
    verifiers = [v.address for v in VERIFIERS]
    latencies, gas = [], []
    cpu = CpuMeter(relayers=[], node_pid=world.node.pid, pg_url=None)
    load_at_start = os.getloadavg()[0]
    start = time.perf_counter()
    nonce = int(w3.eth.get_transaction_count(NAIVE_SENDER.address))
    for body in world.bodies[:count]:
        t0 = time.perf_counter()
        intent = intents.PayoutIntent(**body["intent"])
        sigs = intents.signatures_for(
            intent, escrow.domain(), verifiers, [bytes.fromhex(s[2:]) for s in body["signatures"]]
        )
        tx = escrow.contract.functions.releaseWithIntent(
            intent.as_tuple(), verifiers, [s.as_tuple() for s in sigs]
        ).build_transaction({"from": NAIVE_SENDER.address, "nonce": Nonce(nonce)})
        signed = NAIVE_SENDER.sign_transaction(cast(dict[str, Any], tx))
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)
        assert receipt["status"] == 1
        nonce += 1
        latencies.append(time.perf_counter() - t0)
        gas.append(receipt["gasUsed"])
    seconds = time.perf_counter() - start
    return Row(
        "naive loop (web3.py, one tx per intent)",
        "-",
        blocks,
        count,
        seconds,
        count / seconds,
        percentile(latencies, 50),
        percentile(latencies, 99),
        count,
        statistics.mean(gas),
        cpu.used(),
        second_poll=sum(latency > _WEB3_RECEIPT_POLL_S for latency in latencies) / count,
        load=(load_at_start, os.getloadavg()[0]),
    )


# --- the relayer ---------------------------------------------------------------------------


def _fresh_database(pg_url: str) -> str:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(pg_url).set(database=name).render_as_string(hide_password=False)


def _write_config(path: Path, values: dict[str, Any]) -> None:
    lines = ["[relayer]"] + [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    path.write_text("\n".join(lines) + "\n")


def run_relayer(
    world: World,
    pg_url: str,
    instances: int,
    blocks: str,
    workdir: Path,
    *,
    observe: Callable[[list[int]], AbstractContextManager[object]] | None = None,
    post_batch: int = 1,
    batch_max: int = 20,
) -> Row:
    """``observe(pids)``: a context entered with the relayer processes' ids while the intents flow,
    from the first post to the last confirmation (scripts/profile_relayer.py attaches py-spy).
    ``post_batch``: intents per request (1: ``POST /intents`` each; more: ``POST /batch/intents``).
    ``batch_max``: the relayers' setting, the most intents one payout transaction carries."""
    db = _fresh_database(pg_url)
    Store(db).migrate()
    procs, urls = [], []
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUILTKIT_RELAYER_")}
    for k in range(instances):
        port = _free_port()
        config = workdir / f"bench-{blocks}-{instances}-{k}.toml"
        _write_config(
            config,
            {
                "instance_id": f"bench-{k}",
                "database_url": db,
                "rpc_url": world.node.url,
                "escrow_address": world.escrow.address,
                "chain_id": world.escrow.domain().chain_id,
                "signer_key": "0x" + RELAYER_SIGNERS[k].key.hex(),
                "api_port": port,
                "poll_interval_s": 0.05,
                "batch_max": batch_max,
                "batch_wait_s": 0.2,
                "max_in_flight": 16,
                "log_level": "warning",
            },
        )
        log = (workdir / f"bench-{blocks}-{instances}-{k}.log").open("ab")
        procs.append(
            subprocess.Popen([QUILTKIT, "relayer", "run", "--config", str(config)], stdout=log, stderr=log, env=env)
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            _wait_healthy(url)
        local = threading.local()

        def post(i_chunk: tuple[int, list[dict[str, Any]]]) -> None:
            # http.client on kept-alive connections: the load generator shares the relayers' two
            # cores, and httpx spent about 1.8 ms of CPU per request (a fifth of the whole budget).
            i, chunk = i_chunk
            url = urls[i % len(urls)]
            connections: dict[str, http.client.HTTPConnection] = local.__dict__.setdefault("connections", {})
            connection = connections.get(url)
            if connection is None:
                parsed = urlsplit(url)
                connection = connections[url] = http.client.HTTPConnection(
                    parsed.hostname or "127.0.0.1", parsed.port, timeout=60
                )
            if post_batch == 1:
                path, body = "/intents", json.dumps(chunk[0])
            else:
                path, body = "/batch/intents", json.dumps({"intents": chunk})
            connection.request("POST", path, body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            answer = response.read()
            if response.status not in (200, 201, 202):
                raise RuntimeError(f"{response.status} {answer.decode()}")
            if post_batch != 1 and (refused := [r for r in json.loads(answer)["results"] if r["status"] >= 300]):
                raise RuntimeError(f"refused in a batch: {refused[:3]}")

        pids = [p.pid for p in procs]
        store = Store(db)
        ids = [b["intent"]["intent_id"] for b in world.bodies]
        with observe(pids) if observe is not None else contextlib.nullcontext():
            cpu = CpuMeter(relayers=pids, node_pid=world.node.pid, pg_url=db)
            load_at_start = os.getloadavg()[0]
            with ThreadPoolExecutor(16) as pool:
                chunks = [world.bodies[k : k + post_batch] for k in range(0, len(world.bodies), post_batch)]
                list(pool.map(post, enumerate(chunks)))
            deadline = time.time() + 900
            while store.counts()["confirmed"] < len(ids):
                if time.time() > deadline:
                    raise RuntimeError(f"not all confirmed: {store.counts()}")
                time.sleep(0.5)
            used = cpu.used()
            load = (load_at_start, os.getloadavg()[0])
        records = [store.get(i) for i in ids]
        assert all(r is not None and r.confirmed_at for r in records)
        latencies = [r.confirmed_at - r.created_at for r in records if r and r.confirmed_at]
        first = min(r.created_at for r in records if r)
        last = max(r.confirmed_at for r in records if r and r.confirmed_at)
        txs = [t for t in store.tx_history("evm") if t.state.value == "confirmed"]
        gas = sum(t.gas_used or 0 for t in txs)
        store.dispose()
        consumed = world.escrow.contract.events.IntentConsumed().get_logs(from_block=0, to_block="latest")
        assert len({bytes(e["args"]["intentId"]) for e in consumed}) == len(consumed)
        return Row(
            f"relayer ({'PostgreSQL'})",
            str(instances),
            blocks,
            len(ids),
            last - first,
            len(ids) / (last - first),
            percentile(latencies, 50),
            percentile(latencies, 99),
            len(txs),
            gas / len(ids),
            used,
            load=load,
        )
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()


def _wait_healthy(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"relayer at {url} not ready")


# --- gas: alone vs in a batch of 20 ----------------------------------------------------------


def gas_table(world: World, sender: LocalAccount) -> list[tuple[str, int, float]]:
    """(case, payouts, gas per payout) for a lone releaseWithIntent and releaseWithIntents batches of 20."""
    escrow = world.escrow
    verifiers = [str(v.address) for v in VERIFIERS]

    def entry(body: dict[str, Any]) -> tuple[intents.PayoutIntent, list[str], list[intents.VerifierSignature]]:
        intent = intents.PayoutIntent(**body["intent"])
        sigs = intents.signatures_for(
            intent, escrow.domain(), verifiers, [bytes.fromhex(s[2:]) for s in body["signatures"]]
        )
        return intent, verifiers, sigs

    bodies = world.bodies
    # Bodies come 16 per escrow, milestone order: choose disjoint sets.
    single = [entry(bodies[16 * k]) for k in range(5)]  # milestone 0 of five escrows, one tx each
    same_escrows = [entry(b) for b in bodies[16 * 5 : 16 * 5 + 20]]  # 16 of one escrow + 4 of the next
    spread = [entry(bodies[16 * k + 1]) for k in range(7, 27)]  # one milestone in each of 20 escrows
    rows = []
    lone = [escrow.release_with_intent(i, v, s, sender=sender).gas_used for i, v, s in single]
    rows.append(("releaseWithIntent alone", 1, statistics.mean(lone)))
    rows.append(
        (
            "releaseWithIntents of 20, milestones of 2 escrows",
            20,
            escrow.release_with_intents(same_escrows, sender=sender).gas_used / 20,
        )
    )
    rows.append(
        (
            "releaseWithIntents of 20, 20 different escrows",
            20,
            escrow.release_with_intents(spread, sender=sender).gas_used / 20,
        )
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--intents", type=int, default=1000)
    parser.add_argument("--naive-automine", type=int, default=200, help="Intents the naive loop sends on automine.")
    parser.add_argument("--naive-blocks", type=int, default=30, help="Intents the naive loop sends with 1 s blocks.")
    parser.add_argument("--post-batch", type=int, default=50, help="Intents per request (1: POST /intents one by one).")
    parser.add_argument("--batch-max", type=int, default=20, help="The relayers' batch_max (intents per tx).")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "relayer.md"))
    parser.add_argument("--workdir", default=str(ROOT / ".cache" / "bench-relayer"))
    args = parser.parse_args()
    pg_url = (
        os.environ.get("QUILTKIT_BENCH_PG_URL")
        or subprocess.run(
            [str(ROOT / "scripts" / "toolchain" / "postgres.sh"), "start"], check=True, capture_output=True, text=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = []
    gas_rows: list[tuple[str, int, float]] = []
    started = time.time()

    for blocks in ("automine", "1 s blocks"):
        naive_count = args.naive_automine if blocks == "automine" else args.naive_blocks
        with anvil_node() as node:
            world = setup_world(node, max(naive_count, 27 * 16))
            if blocks != "automine":
                _rpc(node.w3, "evm_setIntervalMining", 1)
            print(f"[{blocks}] naive loop, {naive_count} intents", flush=True)
            rows.append(run_naive(world, naive_count, blocks))
            if blocks == "automine":
                fresh = setup_world(node, 27 * 16, payee=CONTRIBUTOR.address)
                gas_rows = gas_table(fresh, ACCOUNTS[14])
        for instances in (1, 3):
            with anvil_node() as node:
                world = setup_world(node, args.intents)
                if blocks != "automine":
                    _rpc(node.w3, "evm_setIntervalMining", 1)
                print(f"[{blocks}] relayer x{instances}, {args.intents} intents", flush=True)
                rows.append(
                    run_relayer(
                        world, pg_url, instances, blocks, workdir, post_batch=args.post_batch, batch_max=args.batch_max
                    )
                )
                print(f"  {rows[-1]}", flush=True)

    write_report(Path(args.out), rows, gas_rows, args, time.time() - started)


def _cpu_budget(rows: list[Row]) -> list[str]:
    """What 10x the naive automine rate leaves each intent in CPU on this machine, against what the
    parts other than the relayer took: the arithmetic behind reading the automine rows."""
    naive = next((r for r in rows if r.instances == "-" and r.blocks == "automine"), None)
    relayed = [r for r in rows if r.instances != "-" and r.blocks == "automine"]
    cores = os.cpu_count() or 1
    if naive is None or not relayed:
        return []
    budget = 1000 * cores / (10 * naive.per_second)
    others = [sum(v for k in ("node", "postgres", "client") if (v := r.cpu.get(k)) is not None) for r in relayed]
    least = 1000 * min(o / r.intents for o, r in zip(others, relayed, strict=True))
    return [
        "",
        f"10x the naive loop on automine is {10 * naive.per_second:.0f} intents/s. With {cores} cores "
        f"that leaves {budget:.1f} ms of CPU per intent for everything; anvil, PostgreSQL and the load "
        f"generator alone took at least {least:.1f} ms above, so the relayer would have to fit in "
        f"{budget - least:.1f} ms per intent.",
    ]


def _previous_cpu(out: Path) -> tuple[str, dict[tuple[str, str, str], tuple[str, str]]]:
    """The previous report's date and, per (scenario, instances, blocks), its relayer and total CPU ms
    per intent: the report shows them beside this run's."""
    if not out.exists():
        return "-", {}
    text = out.read_text()
    date = re.search(r"\), (\d{4}-\d{2}-\d{2}), on ", text)
    previous: dict[tuple[str, str, str], tuple[str, str]] = {}
    table = text.split("| scenario | instances | blocks | relayer |", 1)
    if len(table) == 2:
        header = [
            c.strip() for c in ("| scenario | instances | blocks | relayer |" + table[1]).splitlines()[0].split("|")
        ]
        for line in table[1].splitlines()[2:]:
            if not line.startswith("|"):
                break
            cells = dict(zip(header, (c.strip() for c in line.split("|")), strict=False))
            key = (cells.get("scenario", ""), cells.get("instances", ""), cells.get("blocks", ""))
            previous[key] = (cells.get("relayer", "-"), cells.get("total", "-"))
    return (date.group(1) if date else "-"), previous


def _targets(rows: list[Row]) -> list[str]:
    """Issue 29's bar, against this run's rows."""

    def row(instances: str, blocks: str) -> Row | None:
        return next((r for r in rows if r.instances == instances and r.blocks == blocks), None)

    lines = ["", "Issue 29's bar, on this run:", ""]
    three, blocks3, one = row("3", "automine"), row("3", "1 s blocks"), row("1", "automine")
    checks: list[tuple[str, bool, str]] = []
    if three is not None:
        relayer_ms = 1000 * (three.cpu.get("relayer") or 0.0) / three.intents
        checks += [
            (">= 400 intents/s, 3 instances, automine", three.per_second >= 400, f"{three.per_second:.1f}"),
            ("p99 accept -> confirmed <= 2 s (3 instances, automine)", three.p99 <= 2.0, f"{three.p99:.2f} s"),
            ("relayer CPU <= 2.0 ms per intent (3 instances, automine)", relayer_ms <= 2.0, f"{relayer_ms:.2f} ms"),
        ]
    if blocks3 is not None:
        checks.append(
            (">= 300 intents/s, 3 instances, 1 s blocks", blocks3.per_second >= 300, f"{blocks3.per_second:.1f}")
        )
    if three is not None and one is not None:
        checks.append(
            (
                "3 instances beat 1 (automine)",
                three.per_second > one.per_second,
                f"{three.per_second:.1f} vs {one.per_second:.1f}",
            )
        )
    lines += [f"- {name}: {value} ({'met' if ok else 'NOT met'})" for name, ok, value in checks]
    lines += _instances_per_core(rows)
    return lines


def _instances_per_core(rows: list[Row]) -> list[str]:
    """How busy each instance kept a core, from the automine relayer rows: the sizing note."""
    cores = os.cpu_count() or 1
    notes = []
    for r in rows:
        relayer = r.cpu.get("relayer")
        if r.instances == "-" or r.blocks != "automine" or relayer is None:
            continue
        wall = r.cpu.get("wall") or r.seconds
        per_instance = relayer / wall / int(r.instances)
        notes.append(f"{r.instances} instance(s): {per_instance:.2f} of a core each at {r.per_second:.0f} intents/s")
    if not notes:
        return []
    return [
        "",
        "Instances per core: an instance is one Python process, so the GIL holds its work to one core; "
        f"here {'; '.join(notes)}, while anvil and PostgreSQL share the same {cores} cores. Run one "
        "instance per core the relayers may use, each with its own signer (more instances than cores only "
        "add store polling); a batch intake client spreads its requests over them.",
    ]


def write_report(out: Path, rows: list[Row], gas_rows: list[tuple[str, int, float]], args: Any, took: float) -> None:
    naive = {r.blocks: r for r in rows if r.instances == "-"}
    previous_date, previous = _previous_cpu(out)
    lines = [
        "# Relayer throughput, latency and gas",
        "",
        "Produced by `make bench-relayer` (`python scripts/bench_relayer.py"
        + (f" --intents {args.intents}" if args.intents != 1000 else "")
        + "`), "
        f"{time.strftime('%Y-%m-%d', time.gmtime())}, on {platform.machine()} with {os.cpu_count()} cores shared "
        f"with other builds (Python {platform.python_version()}, anvil from `@foundry-rs/anvil-linux-amd64`). "
        f"The whole run took {took:.0f} s.",
        "",
        "Relayer rows: `quiltkit relayer run` subprocesses on one PostgreSQL database, each instance with its "
        "own signer; 16 client threads post pre-signed intents (2-of-3 verifier signatures) to the HTTP API"
        + (
            f", {args.post_batch} per `POST /batch/intents` request (instances in turn). "
            if args.post_batch != 1
            else ", one per `POST /intents` request. "
        )
        + "intents/s runs from the first acceptance to the last confirmation (confirmations = 1); latency is each "
        "intent's accept -> confirmed. Naive rows: one web3.py transaction per intent, signed locally, sent, "
        "and its receipt awaited (web3's default 0.1 s receipt polling) before the next; latency is send -> "
        "receipt. The naive loop with 1 s blocks runs on a sample (it needs about one block per intent).",
        "",
        "| scenario | instances | blocks | intents | seconds | intents/s | vs naive | p50 latency (s) "
        "| p99 latency (s) | transactions | gas per payout |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        ratio = r.per_second / naive[r.blocks].per_second if r.blocks in naive else 0
        lines.append(
            f"| {r.name} | {r.instances} | {r.blocks} | {r.intents} | {r.seconds:.1f} | {r.per_second:.1f} | "
            f"{ratio:.1f}x | {r.p50:.2f} | {r.p99:.2f} | {r.transactions} | {r.gas_per_payout:,.0f} |"
        )
    lines += [
        "",
        f"Where the CPU went while the intents flowed: milliseconds of CPU time per intent (user + system, "
        f"from /proc) of each part, and how many of the machine's {os.cpu_count()} cores they kept busy on "
        "average. Load generator: this script (the naive loop itself, or the posting threads and the "
        "store polling).",
        "",
        f"Beside this run's relayer and total figures, the previous report's ({previous_date}). Load: the "
        "machine's 1-minute load average at the first intent and after the last (other builds included).",
        "",
        "| scenario | instances | blocks | relayer | relayer, previous | anvil | PostgreSQL | load generator | total "
        "| total, previous | cores busy | load |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        parts = [r.cpu.get(k) for k in ("relayer", "node", "postgres", "client")]
        known = [v for v in parts if v is not None]
        shown = ["-" if v is None else f"{1000 * v / r.intents:.1f}" for v in parts]
        wall = r.cpu["wall"] or r.seconds
        before_relayer, before_total = previous.get((r.name, r.instances, r.blocks), ("-", "-"))
        load = "-" if r.load is None else f"{r.load[0]:.1f} / {r.load[1]:.1f}"
        lines.append(
            f"| {r.name} | {r.instances} | {r.blocks} | {shown[0]} | {before_relayer} | {' | '.join(shown[1:])} | "
            f"{1000 * sum(known) / r.intents:.1f} | {before_total} | {sum(known) / wall:.2f} | {load} |"
        )
    lines += _cpu_budget(rows)
    lines += _targets(rows)
    if (automine := naive.get("automine")) is not None and automine.second_poll is not None:
        lines += [
            "",
            f"Much of the naive automine time is web3's receipt polling: {automine.second_poll:.0%} of its "
            "receipts were not ready at the first poll (anvil can answer the send before it has mined the "
            "block that holds it) and "
            f"waited {_WEB3_RECEIPT_POLL_S} s for the next. That share follows the machine's timing, so the "
            "naive rate, and every ratio above, moves with it from run to run.",
        ]
    alone = gas_rows[0][2] if gas_rows else 0
    lines += [
        "",
        "Gas per payout (full transaction gas from receipts; ETH escrows whose payee was named at creation; "
        "2-of-3 ECDSA signatures). In the relayer rows above the escrows are open bounties, so the first "
        "intent of each escrow also pays for assigning its payee; the naive rows pay the same.",
        "",
        "| submission | payouts per tx | gas per payout | vs alone |",
        "| --- | ---: | ---: | ---: |",
    ]
    for case, n, gas in gas_rows:
        lines.append(f"| {case} | {n} | {gas:,.0f} | {gas / alone:.1%} |")
    lines.append("")
    out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
