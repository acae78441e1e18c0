"""Indexer benchmark (not a test): backfill throughput and memory against a naive loop, and
head-following lag with 1 s blocks.

    python scripts/bench_indexer.py [--events 100000] [--naive-events 10000] [--out benchmarks/indexer.md]
    python scripts/bench_indexer.py --lag-only [--lag-seconds 60]      # only the head-following rows

(`make bench-indexer` starts the loopback PostgreSQL cluster and runs this.) In one run:

- workload: real MilestoneEscrow events on anvil (automine, one block per transaction). Batches of
  50 ERC-20 escrows go through the escrow's own ``multicall`` (each escrow emits ``EscrowCreated``
  and ``EscrowFunded``). Every third batch is a ``multicall`` of 50 payer releases instead
  (``MilestoneReleased``). This runs until ``--events`` escrow events exist, spread over about
  one block per 100 events;
- quiltkit.indexer: ``Indexer.sync()`` from an empty database to the head, end to end (RPC, decode,
  projections, commit), into SQLite and into PostgreSQL, each in a fresh child process. The child
  reports its peak RSS (``ru_maxrss``), once stopped at the block where the 10,000th event lies
  and once over the whole range;
- naive loop: ``eth_getLogs`` per block through web3's ``get_logs``, web3's ``process_log`` per
  log, and one INSERT per event in its own transaction, over the first ``--naive-events`` events.
  It is measured on a prefix because it takes minutes per 10k events on SQLite with fsync; its
  rate does not depend on the total;
- head lag: see :func:`head_lag` (a second anvil mining a block a second, one run per poll interval
  of ``LAG_POLLS``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from quiltkit import Escrow, EscrowTerms
from quiltkit.devchain import anvil, dev_accounts
from quiltkit.indexer import ContractRef, Deployment, Indexer, IndexStore
from quiltkit.tokens import Token
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, insert, text
from sqlalchemy.engine import make_url
from web3 import Web3

ROOT = Path(__file__).resolve().parent.parent
BATCH = 50
AMOUNT = 10**15
DAY = 86_400
LAG_POLLS = (1.0, 0.25)  # a slow poll, and the CLI's default


def _deploy(w3: Web3) -> tuple[Escrow, int, Any, bytes]:
    """An escrow and a funded, approved payer: (escrow, its deployment block, the payer, the
    calldata of one ``create`` of a funded two-milestone escrow)."""
    accounts = dev_accounts(4)
    operator, payer, payee = accounts[0], accounts[1], accounts[3]
    escrow = Escrow.deploy(
        w3, operator, admin=operator.address, guardian=operator.address, treasury=accounts[2].address
    )
    start = int(w3.eth.block_number)
    token = Token.deploy_test_token(w3, payer, "Bench", "BNC")
    token.mint(payer.address, 2**96, sender=payer)
    token.approve(escrow.address, 2**96, sender=payer)
    deadline = int(w3.eth.get_block("latest")["timestamp"]) + 365 * DAY
    terms = EscrowTerms(token=token.address, amounts=[AMOUNT, AMOUNT], deadline=deadline, payee=payee.address)
    return escrow, start, payer, escrow._encode("create", terms.as_tuple(), 2 * AMOUNT)


def _send_multicall(w3: Web3, escrow: Escrow, payer: Any, calls: list[bytes], nonce: int) -> Any:
    data = escrow._encode("multicall", calls)
    tx: dict[str, Any] = {
        "from": payer.address,
        "to": escrow.address,
        "data": "0x" + data.hex(),
        "gas": 25_000_000,
        "nonce": nonce,
        "chainId": int(w3.eth.chain_id),
        "maxFeePerGas": 10**10,
        "maxPriorityFeePerGas": 10**9,
    }
    signed = payer.sign_transaction(tx)
    w3.eth.send_raw_transaction(signed.raw_transaction)
    return signed


def generate(w3: Web3, events: int) -> tuple[Escrow, int]:
    """Deploy an escrow and a token and emit at least ``events`` escrow events; returns the escrow
    and its deployment block."""
    escrow, start, payer, create = _deploy(w3)
    produced, next_release, batches = 0, 1, 0
    nonce = int(w3.eth.get_transaction_count(payer.address))
    while produced < events:
        if batches % 3 == 2 and next_release + BATCH <= int(escrow.escrow_count()) + 1:
            calls = [escrow._encode("release", i, 0) for i in range(next_release, next_release + BATCH)]
            next_release += BATCH
            produced += BATCH
        else:
            calls = [create] * BATCH
            produced += 2 * BATCH
        signed = _send_multicall(w3, escrow, payer, calls, nonce)
        nonce += 1
        batches += 1
        if batches % 10 == 0:  # anvil mines behind the sends: keep its queue short
            w3.eth.wait_for_transaction_receipt(signed.hash, timeout=600)
    receipt = w3.eth.wait_for_transaction_receipt(signed.hash, timeout=600)
    assert receipt["status"] == 1, "the last workload transaction reverted"
    return escrow, start


def _event_block(w3: Web3, escrow: Escrow, start: int, nth: int) -> int:
    """The block that holds the ``nth`` escrow event."""
    seen = 0
    head = int(w3.eth.block_number)
    for first in range(start, head + 1, 500):
        logs = w3.eth.get_logs(
            {"address": escrow.contract.address, "fromBlock": first, "toBlock": min(head, first + 499)}
        )
        if seen + len(logs) >= nth:
            return int(logs[nth - seen - 1]["blockNumber"])
        seen += len(logs)
    return head


def head_lag(seconds: float, poll_interval: float, per_block: int) -> dict[str, Any]:
    """Follow a chain that mines a block a second (anvil ``--block-time 1``) with ``Indexer.run``
    (``poll_interval``, confirmations 1, SQLite) while every block carries a multicall of
    ``per_block`` funded escrow creations (2 events each). A sampler polls the head every 20 ms:
    it records when each block was first seen and how many blocks the index is behind the head.
    Returns the largest lag seen (blocks) and the time from a block's appearance to its indexing."""
    with anvil(block_time=1, args=("--gas-limit", "100000000")) as w3, tempfile.TemporaryDirectory() as tmp:
        escrow, start, payer, create = _deploy(w3)
        rpc = str(w3.provider.endpoint_uri)  # type: ignore[attr-defined]
        follower = Web3(Web3.HTTPProvider(rpc, request_kwargs={"timeout": 10}))  # the indexer's own connection
        deployment = Deployment(
            chain_id=int(w3.eth.chain_id),
            contracts={"MilestoneEscrow": ContractRef(address=escrow.address, start_block=start)},
        )
        store = IndexStore(f"sqlite:///{tmp}/lag.db")
        indexer = Indexer(follower, deployment, store)
        indexer.prepare()
        indexer.sync()
        cursor = store.cursor()
        indexed = [cursor.number if cursor else start - 1]
        indexed_at: dict[int, float] = {}

        def on_step(result: Any) -> None:
            if result.applied or result.to_block > indexed[0]:
                now = time.perf_counter()
                for b in range(indexed[0] + 1, result.to_block + 1):
                    indexed_at[b] = now
                indexed[0] = max(indexed[0], result.to_block)

        stop = threading.Event()
        thread = threading.Thread(
            target=indexer.run, kwargs={"stop": stop, "poll_interval": poll_interval, "on_step": on_step}
        )
        thread.start()
        seen_at: dict[int, float] = {}
        behind: list[int] = []
        nonce = int(w3.eth.get_transaction_count(payer.address))
        head = int(w3.eth.block_number)
        ends = time.perf_counter() + seconds
        try:
            while time.perf_counter() < ends:
                now_head = int(w3.eth.block_number)
                if now_head > head:
                    for b in range(head + 1, now_head + 1):
                        seen_at[b] = time.perf_counter()
                    head = now_head
                    _send_multicall(w3, escrow, payer, [create] * per_block, nonce)  # for the next block
                    nonce += 1
                behind.append(head - indexed[0])
                time.sleep(0.02)
            time.sleep(poll_interval + 0.5)  # the blocks seen last get their poll before the stop
        finally:
            stop.set()
            thread.join(timeout=30)
            events = int(store.get_meta("events") or 0)
            store.dispose()
    delays = sorted(indexed_at[b] - seen_at[b] for b in seen_at if b in indexed_at)
    return {
        "poll_interval": poll_interval,
        "blocks": len(seen_at),
        "events": events,
        "max_behind": max(behind) if behind else 0,
        "p50_ms": 1000 * max(0.0, delays[len(delays) // 2]) if delays else float("nan"),
        "p99_ms": 1000 * max(0.0, delays[min(len(delays) - 1, int(len(delays) * 0.99))]) if delays else float("nan"),
        "max_ms": 1000 * max(0.0, delays[-1]) if delays else float("nan"),
        "unindexed": len([b for b in seen_at if b not in indexed_at]),
    }


def child(args: argparse.Namespace) -> None:
    """Index into ``args.db`` (empty) up to ``args.until``; print one JSON line of results."""
    w3 = Web3(Web3.HTTPProvider(args.rpc, request_kwargs={"timeout": 60}))
    deployment = Deployment(
        chain_id=int(w3.eth.chain_id),
        contracts={"MilestoneEscrow": ContractRef(address=args.escrow, start_block=args.start)},
    )
    store = IndexStore(args.db)
    indexer = Indexer(w3, deployment, store)
    indexer.prepare()
    began = time.perf_counter()
    applied = indexer.sync(until=args.until)
    elapsed = time.perf_counter() - began
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"events": applied, "seconds": elapsed, "rss_mib": rss_kib / 1024}))


def _run_child(rpc: str, escrow: str, start: int, db: str, until: int | None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", "--rpc", rpc, "--escrow", escrow, "--start", str(start), "--db", db]
    if until is not None:
        cmd += ["--until", str(until)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    result: dict[str, Any] = json.loads(out)
    return result


def naive(w3: Web3, escrow: Escrow, start: int, url: str, events: int) -> dict[str, Any]:
    """Per-block get_logs, web3 decoding, one INSERT (and commit) per event."""
    engine = create_engine(url)
    md = MetaData()
    table = Table(
        "naive_events",
        md,
        Column("block_hash", String(66), primary_key=True),
        Column("log_index", Integer, primary_key=True),
        Column("block_number", Integer),
        Column("name", String(64)),
        Column("payload", Text),
    )
    md.drop_all(engine)
    md.create_all(engine)
    names = {e["name"] for e in Escrow.abi() if e["type"] == "event"}
    handlers = {n: escrow.contract.events[n]() for n in names}
    done, block = 0, start
    began = time.perf_counter()
    while done < events:
        for log in w3.eth.get_logs({"address": escrow.contract.address, "fromBlock": block, "toBlock": block}):
            for handler in handlers.values():
                try:
                    event = handler.process_log(log)
                except Exception:  # noqa: S112 - another event's signature: the naive way, try each
                    continue
                args = {k: (v.hex() if isinstance(v, bytes) else v) for k, v in dict(event["args"]).items()}
                with engine.begin() as conn:
                    conn.execute(
                        insert(table).values(
                            block_hash=log["blockHash"].hex(),
                            log_index=log["logIndex"],
                            block_number=log["blockNumber"],
                            name=event["event"],
                            payload=json.dumps(args, default=str),
                        )
                    )
                done += 1
                break
        block += 1
    elapsed = time.perf_counter() - began
    engine.dispose()
    return {"events": done, "seconds": elapsed}


def _fresh_pg(server: str, name: str) -> str:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--naive-events", type=int, default=10_000)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "indexer.md"))
    parser.add_argument("--lag-seconds", type=float, default=60.0, help="head-following run per poll interval")
    parser.add_argument("--lag-per-block", type=int, default=50, help="escrow creations per block (2 events each)")
    parser.add_argument("--lag-only", action="store_true", help="only the head-following rows (prints them)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rpc", help=argparse.SUPPRESS)
    parser.add_argument("--escrow", help=argparse.SUPPRESS)
    parser.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--until", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.load = os.getloadavg()
    if args.child:
        child(args)
        return
    lags = [head_lag(args.lag_seconds, poll, args.lag_per_block) for poll in LAG_POLLS]
    for lag in lags:
        print(f"head lag: {lag}", flush=True)
    if args.lag_only:
        return
    pg_server = os.environ.get("QUILTKIT_BENCH_PG_URL")
    rows: list[tuple[str, str, dict[str, Any]]] = []
    memory: list[tuple[str, int, dict[str, Any]]] = []
    with anvil(args=("--gas-limit", "100000000")) as w3, tempfile.TemporaryDirectory() as tmp:
        rpc = str(w3.provider.endpoint_uri)  # type: ignore[attr-defined]
        began = time.perf_counter()
        escrow, start = generate(w3, args.events)
        generated = time.perf_counter() - began
        head = int(w3.eth.block_number)
        block_10k = _event_block(w3, escrow, start, 10_000)
        print(f"workload: {args.events} events in blocks {start}..{head} ({generated:.0f} s)", flush=True)

        def sqlite_url(name: str) -> str:
            return f"sqlite:///{tmp}/{name}.db"

        def pg_url(name: str) -> str:
            assert pg_server is not None
            return _fresh_pg(pg_server, f"qk_bench_{name}")

        targets: list[tuple[str, Callable[[str], str]]] = [("SQLite", sqlite_url)]
        if pg_server:
            targets.append(("PostgreSQL", pg_url))
        for label, url_for in targets:
            for until, tag in ((block_10k, "10k"), (None, "all")):
                result = _run_child(rpc, escrow.address, start, url_for(f"index_{tag}"), until)
                memory.append((label, result["events"], result))
                if until is None:
                    rows.append((label, "quiltkit.indexer", result))
                print(f"{label} indexer ({tag}): {result}", flush=True)
            result = naive(w3, escrow, start, url_for("naive"), args.naive_events)
            rows.append((label, "naive loop", result))
            print(f"{label} naive: {result}", flush=True)
    write(Path(args.out), args, head - start, rows, memory, lags)


def write(
    out: Path,
    args: argparse.Namespace,
    blocks: int,
    rows: list[tuple[str, str, dict[str, Any]]],
    memory: list[tuple[str, int, dict[str, Any]]],
    lags: list[dict[str, Any]],
) -> None:
    lines = [
        "# Indexer backfill: quiltkit.indexer vs a naive loop",
        "",
        "Written by `make bench-indexer` (`python scripts/bench_indexer.py`); "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load average {args.load[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end "
        "(the machine is shared: other builds ran during the measurement).",
        "",
        f"Workload: {args.events:,} MilestoneEscrow events (EscrowCreated, EscrowFunded, MilestoneReleased) "
        f"generated on anvil over {blocks:,} blocks through the escrow's `multicall`, {BATCH} escrows or "
        "releases per transaction. End to end: from an empty database to the head: RPC, decoding, "
        "projections and commits. The naive loop (web3 `get_logs` per block, `process_log`, one INSERT "
        f"and commit per event) runs over the first {args.naive_events:,} events: its rate does not depend "
        "on the total.",
        "",
        "| database | loop | events | seconds | events/s | vs naive |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    rates = {(db, loop): r["events"] / r["seconds"] for db, loop, r in rows}
    for db, loop, r in rows:
        rate = rates[(db, loop)]
        ratio = rate / rates[(db, "naive loop")] if (db, "naive loop") in rates else float("nan")
        lines.append(f"| {db} | {loop} | {r['events']:,} | {r['seconds']:.1f} | {rate:,.0f} | {ratio:.1f}x |")
    lines += [
        "",
        "Peak RSS of the indexer process (`ru_maxrss`), by the number of events it indexed:",
        "",
        "| database | events | peak RSS (MiB) |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {db} | {n:,} | {r['rss_mib']:.0f} |" for db, n, r in memory]
    lines += [
        "",
        "Head-following with 1 s blocks (anvil `--block-time 1`): `Indexer.run` with confirmations 1 into SQLite "
        f"while every block carries {args.lag_per_block} funded escrow creations ({2 * args.lag_per_block} events); "
        "a sampler polls the head every 20 ms. *Behind*: head minus the index's cursor, the largest sampled; "
        "*to index*: from a block's first sighting to its logs committed. `--poll-interval` is the CLI's "
        "(`quiltkit index run`, default 0.25 s).",
        "",
        "| poll interval (s) | blocks | events | max behind (blocks) | to index p50 (ms) | p99 (ms) | max (ms) "
        "| left unindexed |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {g['poll_interval']:g} | {g['blocks']} | {g['events']:,} | {g['max_behind']} | {g['p50_ms']:.0f} | "
        f"{g['p99_ms']:.0f} | {g['max_ms']:.0f} | {g['unindexed']} |"
        for g in lags
    ]
    lines += [
        "",
        "Targets (issue 28): at least 10x the naive loop and at least 5,000 events/s on this 2-core machine; "
        "head-following lag at most 1 block with 1 s blocks; memory flat in the number of events.",
        "",
    ]
    out.write_text("\n".join(lines))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
