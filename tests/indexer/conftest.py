"""Fixtures of the indexer suites: the relayer suites' anvil, escrow deployment and PostgreSQL
databases (tests/relayer/conftest.py), an index store per test, and a random escrow workload."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol

import pytest
from quiltkit.indexer import ContractRef, Deployment, Indexer, IndexStore, verify

from tests.relayer.conftest import Chain, chain, pg_server, pg_url, pytest_configure, sqlite_url

__all__ = ["chain", "pg_server", "pg_url", "pytest_configure", "sqlite_url"]


def deployment_of(chain: Chain) -> Deployment:
    return Deployment(
        chain_id=chain.chain_id, contracts={"MilestoneEscrow": ContractRef(address=chain.escrow.address, start_block=0)}
    )


@pytest.fixture
def index_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'index.db'}"


@pytest.fixture
def store(index_url: str) -> Iterator[IndexStore]:
    s = IndexStore(index_url)
    yield s
    s.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, index_url: str) -> Iterator[IndexStore]:
    """An index store on SQLite, then on a fresh PostgreSQL database."""
    url = index_url if request.param == "sqlite" else request.getfixturevalue("pg_url")
    s = IndexStore(url)
    yield s
    s.dispose()


def make_indexer(chain: Chain, store: IndexStore, **options: int) -> Indexer:
    indexer = Indexer(chain.w3, deployment_of(chain), store, **options)
    indexer.prepare()
    return indexer


def rng(seed: int) -> random.Random:
    """A seeded generator: workloads and kill points are reproducible from the seed."""
    return random.Random(seed)  # noqa: S311 - reproducibility, not cryptography


def write_manifest(chain: Chain, path: Path) -> Path:
    """A deployment manifest in scripts/deploy.py's format for the chain's escrow."""
    contracts = {"MilestoneEscrow": {"address": chain.escrow.address, "block": 0, "tx_hash": None}}
    path.write_text(json.dumps({"network": "ethereum:local", "chain_id": chain.chain_id, "contracts": contracts}))
    return path


class RandomWorkload(Protocol):
    def run(self, steps: int) -> object: ...


def reorgs_mid_workload(chain: Chain, indexer: Indexer, work: RandomWorkload, depths: Sequence[int], seed: int) -> int:
    """For each depth: more of the workload, the index caught up, a reorganisation of that depth
    (``anvil_reorg`` and ``anvil_rollback`` in turn), more workload on the new branch, the index
    caught up again and equal to the chain (``verify``). Returns the logs rolled back."""
    r = rng(seed)
    rolled_back = 0
    for k, depth in enumerate(depths):
        work.run(depth + r.randint(2, 5))
        indexer.sync()
        method, params = ("anvil_reorg", [depth, []]) if k % 2 == 0 else ("anvil_rollback", [depth])
        answer = chain.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        assert "error" not in answer, answer
        work.run(r.randint(1, 3))
        rolled_back += indexer.step().rolled_back
        indexer.sync()
        assert verify(chain.w3, indexer.store, indexer.deployment)[1] == [], f"after a depth-{depth} {method}"
    return rolled_back
