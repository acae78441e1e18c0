"""Where a relayer instance's CPU goes per intent (a measurement, not a test).

    python scripts/profile_relayer.py --label before [--intents 1000] [--instances 1]

Runs the bench's relayer scenario (anvil automine, PostgreSQL, 2-of-3 signed intents posted by
16 client threads; see scripts/bench_relayer.py) with every relayer process under py-spy, an
out-of-process sampling profiler: it sees every thread (the API's, each stage's) and costs the
relayer nothing in-process, so the shares are those of the plain run. Samples of idle threads are
left out, so a component's share of the samples is about its share of the relayer's CPU time,
which /proc measures (user + system) alongside; their product is the component's CPU ms per
intent. "About": py-spy counts a thread that is runnable but waiting for a core as busy, so on a
loaded machine the samples add up to more than the CPU time; the event loop's native wait, which
py-spy cannot see into, has its own row.

The machine is shared: absolute figures move with the load (the 1-minute load average is noted
beside each run); the shares and the process CPU per intent are what compare across runs.
Writes (or replaces) the section ``label`` of benchmarks/relayer-profile.md.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_relayer as bench  # the bench's world and relayer runner, reused

ROOT = bench.ROOT
PY_SPY = str(ROOT / ".venv" / "bin" / "py-spy")

# (component, pattern over the whole sampled stack): the first that matches names the sample.
# Logging comes first (a log call under any stage costs logging), then the leaf-most concerns.
COMPONENTS: list[tuple[str, re.Pattern[str]]] = [
    ("logging (structlog)", re.compile(r"structlog/|/logging/__init__\.py")),
    ("signature recovery (ECDSA)", re.compile(r"recover_digest_signer")),
    ("EIP-712 digest", re.compile(r"intent_digest \(")),
    ("store (SQLAlchemy, psycopg)", re.compile(r"sqlalchemy/|psycopg|quiltkit_relayer/store/")),
    ("signing (EIP-1559 transaction)", re.compile(r"sign_transaction|^sign \(|;sign \(.*chains/evm\.py")),
    ("batch building and ABI encoding", re.compile(r"payout_request|release_with_intents_data")),
    ("receipt polling and settling (confirm stage)", re.compile(r"pipeline/confirm\.py")),
    ("intake chain check (eth_call per intent)", re.compile(r"check_intent|intent_state|check_signatures|check_many")),
    ("submit: simulation, fees, nonces (JSON-RPC)", re.compile(r"pipeline/submit\.py|pipeline/send\.py|context\.py")),
    ("verify stage", re.compile(r"pipeline/verify\.py")),
    # uvloop's loop is native code under this one Python frame: its parsing and its epoll waits alike.
    (
        "HTTP event loop (uvloop, httptools: native, waits included)",
        re.compile(r";run \(asyncio/runners\.py:\d+\)$"),
    ),
    (
        "HTTP intake and validation (uvicorn, FastAPI, pydantic)",
        re.compile(r"uvicorn/|starlette/|fastapi/|pydantic|anyio/|quiltkit_relayer/api\.py|pipeline/intake\.py"),
    ),
    ("heartbeat, keeper, metrics", re.compile(r"daemon\.py|keeper\.py|prometheus_client/")),
]
OTHER = "other (thread switches, interpreter)"


def classify(stack: str) -> str:
    for name, pattern in COMPONENTS:
        if pattern.search(stack):
            return name
    return OTHER


def read_samples(paths: list[Path]) -> Counter[str]:
    """py-spy raw output: one ``frame;frame;... count`` line per distinct stack."""
    by_component: Counter[str] = Counter()
    for path in paths:
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                by_component[classify(stack)] += int(count)
    return by_component


def section(
    label: str, row: bench.Row, samples: Counter[str], load: tuple[float, float], rate: int, post_batch: str
) -> str:
    total = sum(samples.values()) or 1
    relayer_cpu = row.cpu.get("relayer") or 0.0
    per_intent = 1000 * relayer_cpu / row.intents
    lines = [
        f"## {label}",
        "",
        f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, commit `{_commit()}`: {row.intents} intents, "
        f"{row.instances} instance(s), {row.blocks}, {post_batch}; {row.per_second:.1f} intents/s, "
        f"p99 accept -> confirmed {row.p99:.2f} s, {row.transactions} transactions. "
        f"Load average (1 min) {load[0]:.2f} at the start, "
        f"{load[1]:.2f} at the end. Relayer CPU (process user + system, /proc): **{per_intent:.2f} ms per intent**; "
        f"py-spy {rate} Hz, {total} on-CPU samples.",
        "",
        "| component | share of relayer CPU | CPU ms per intent |",
        "| --- | ---: | ---: |",
    ]
    for name, count in samples.most_common():
        share = count / total
        lines.append(f"| {name} | {share:.1%} | {share * per_intent:.2f} |")
    return "\n".join(lines) + "\n"


def _posting(post_batch: int) -> str:
    return "one intent per POST /intents" if post_batch == 1 else f"{post_batch} intents per POST /batch/intents"


def _commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "relayer"], cwd=ROOT, capture_output=True, text=True)
    # A change is measured before it is committed: the section then names the commit it sits on.
    return (out.stdout.strip() or "?") + (" + the change named above" if dirty.stdout.strip() else "")


def write_section(out: Path, label: str, text: str) -> None:
    """Replace the section ``label`` of ``out`` (or append it), keeping the others."""
    head = (
        "# Relayer CPU profile\n\n"
        "Produced by `python scripts/profile_relayer.py --label <label>` (py-spy on each relayer process of "
        "the bench's relayer scenario). Each component is the first match over a sampled stack, in this "
        "order: logging, signature recovery, EIP-712 digest, store, signing, batch building, confirm stage, "
        "intake chain check, submit stage, verify stage, HTTP intake; so the store's share includes store "
        "calls made by every stage, and the HTTP share is what is left of the API thread.\n"
    )
    body = out.read_text() if out.exists() else head
    parts = re.split(r"(?m)^(?=## )", body)
    kept = [p for p in parts if not p.startswith(f"## {label}\n")]
    if not kept[0].startswith("# "):
        kept.insert(0, head)
    out.write_text("\n".join(p.rstrip("\n") + "\n" for p in [*kept, text]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", required=True, help="The section to write (e.g. before, after).")
    parser.add_argument("--intents", type=int, default=1000)
    parser.add_argument("--instances", type=int, default=1)
    parser.add_argument("--post-batch", type=int, default=50, help="Intents per request (1: POST /intents each).")
    parser.add_argument("--batch-max", type=int, default=20, help="The relayer's batch_max (intents per tx).")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second.")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "relayer-profile.md"))
    parser.add_argument("--summarize-only", action="store_true", help="Summarise the label's last samples again.")
    parser.add_argument("--workdir", default=str(ROOT / ".cache" / "profile-relayer"))
    args = parser.parse_args()
    pg_url = (
        os.environ.get("QUILTKIT_BENCH_PG_URL")
        or (
            subprocess.run(
                [str(ROOT / "scripts" / "toolchain" / "postgres.sh"), "start"],
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
    )
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-zA-Z0-9]+", "-", args.label).strip("-")
    outputs = [workdir / f"{slug}-{k}.txt" for k in range(args.instances)]
    saved = workdir / f"{slug}.json"
    if args.summarize_only:  # the last run of this label again, e.g. after changing COMPONENTS
        kept = json.loads(saved.read_text())
        row, loads = bench.Row(**kept["row"]), list[float](kept["loads"])
        text = section(
            args.label, row, read_samples(outputs), (loads[0], loads[-1]), args.rate, _posting(args.post_batch)
        )
        write_section(Path(args.out), args.label, text)
        print(text)
        return

    loads = []

    @contextlib.contextmanager
    def sampled(pids: list[int]) -> Iterator[None]:
        """py-spy attached to each relayer while the intents flow (start-up and shutdown left out)."""
        for out in outputs:
            out.unlink(missing_ok=True)
        record = [PY_SPY, "record", "--format", "raw", "--rate", str(args.rate), "--nonblocking"]
        spies = [
            subprocess.Popen([*record, "--pid", str(pid), "--output", str(out)], stdout=subprocess.DEVNULL)
            for pid, out in zip(pids, outputs, strict=True)
        ]
        time.sleep(1.0)  # attached before the first intent
        loads.append(os.getloadavg()[0])
        try:
            yield
        finally:
            loads.append(os.getloadavg()[0])
            for spy in spies:
                spy.send_signal(signal.SIGINT)  # py-spy writes its samples on SIGINT
            for spy in spies:
                spy.wait(60)

    with bench.anvil_node() as node:
        world = bench.setup_world(node, args.intents)
        row = bench.run_relayer(
            world,
            pg_url,
            args.instances,
            "automine",
            workdir,
            observe=sampled,
            post_batch=args.post_batch,
            batch_max=args.batch_max,
        )
    saved.write_text(json.dumps({"row": dataclasses.asdict(row), "loads": loads}))
    text = section(args.label, row, read_samples(outputs), (loads[0], loads[-1]), args.rate, _posting(args.post_batch))
    write_section(Path(args.out), args.label, text)
    print(text)


if __name__ == "__main__":
    main()
