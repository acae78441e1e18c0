"""`quiltkit index run` SIGKILLed at random points of a backfill and of head-following, restarted
each time: the cursor resumes, no log is applied twice and none is skipped (the index equals a
fresh index of the same chain, log for log, and the contract's views)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from quiltkit.indexer import IndexStore, Queries, verify

from tests.indexer.conftest import deployment_of, make_indexer, rng, write_manifest
from tests.indexer.workload import Workload
from tests.relayer.conftest import ROOT, Chain, wait_until

QUILTKIT = ROOT / ".venv" / "bin" / "quiltkit"
KILLS = 6


class IndexProcess:
    def __init__(self, manifest: Path, rpc_url: str, database_url: str, log: Path) -> None:
        self.args = [
            str(QUILTKIT),
            "index",
            "run",
            "--manifest",
            str(manifest),
            "--rpc-url",
            rpc_url,
            "--database-url",
            database_url,
            "--initial-range",
            "1",
            "--max-range",
            "3",
            "--poll-interval",
            "0.05",
        ]
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("QUILTKIT_INDEX_")}
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(self.args, stdout=out, stderr=out, env=env)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


def test_sigkill_at_random_points_neither_duplicates_nor_skips(chain: Chain, tmp_path: Path) -> None:
    r = rng(41)
    workload = Workload(chain, rng(42))
    workload.run(120)  # a backfill to be killed in
    manifest = write_manifest(chain, tmp_path / "deployment.json")
    url = f"sqlite:///{tmp_path / 'index.db'}"
    store = IndexStore(url)
    process = IndexProcess(manifest, chain.rpc_url, url, tmp_path / "index.log")
    kill_points: list[int] = []
    try:
        process.start()
        for k in range(KILLS):
            head = chain.w3.eth.block_number
            point = r.randint(1, max(1, head - 5)) if k < KILLS // 2 else head - r.randint(0, 3)

            def reached(point: int = point) -> bool:
                cursor = store.cursor() if store.schema_revision() else None
                return cursor is not None and cursor.number >= point

            wait_until(reached, timeout=120, interval=0.01, what=f"the cursor at block {point}")
            time.sleep(r.uniform(0, 0.05))
            process.kill()
            cursor = store.cursor()
            assert cursor is not None
            kill_points.append(cursor.number)
            if k >= KILLS // 2:
                workload.run(r.randint(2, 6))  # head-following: new blocks while it is down
            process.start()
        workload.run(10)
        head = chain.w3.eth.block_number
        wait_until(lambda: (c := store.cursor()) is not None and c.number == head, timeout=120, what="the head")
        assert process.stop() == 0
    finally:
        if process.process is not None and process.process.poll() is None:
            process.kill()
    assert len(set(kill_points)) > 1, kill_points  # the kills landed at different points
    block, differences = verify(chain.w3, store, deployment_of(chain))
    assert block == head and differences == []
    fresh = IndexStore(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        make_indexer(chain, fresh).sync()
        keys = store.event_keys()
        assert len(keys) == len(set(keys))
        assert sorted(keys) == sorted(fresh.event_keys())  # nothing skipped, nothing twice
        assert Queries(store).status().events == len(keys)  # the running count agrees: no batch applied twice
        assert store.escrow_states() == fresh.escrow_states()
        assert sorted(store.consumed_intents()) == sorted(fresh.consumed_intents())
    finally:
        fresh.dispose()
        store.dispose()
