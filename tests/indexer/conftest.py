"""Fixtures of the indexer suites: the relayer suites' anvil, escrow deployment and PostgreSQL
databases (tests/relayer/conftest.py), an index store per test, and a random escrow workload."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from quiltkit.indexer import ContractRef, Deployment, Indexer, IndexStore

from tests.relayer.conftest import Chain, chain, pg_server, pg_url, sqlite_url

__all__ = ["chain", "pg_server", "pg_url", "sqlite_url"]


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
