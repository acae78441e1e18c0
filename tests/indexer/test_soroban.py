"""The Soroban escrow's index on the real Soroban host (the harness), read through LocalHost and
through FakeStellarRpc's getEvents (the named stand-in for a Stellar RPC), into SQLite and
PostgreSQL: both sources build the same index, which equals the contract's views; a restart
resumes from the cursor with nothing applied twice or skipped; a failed batch leaves nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from quiltkit.cli import main
from quiltkit.escrow import MilestoneState
from quiltkit.exceptions import InvalidInput
from quiltkit.indexer import IndexStore, Queries, SorobanEscrowStatus, verify_soroban
from quiltkit.indexer import schema as t
from quiltkit.indexer.soroban_indexer import SorobanIndexer
from quiltkit.soroban import Rpc, SorobanEscrow
from quiltkit.soroban.backend import harness_event_id
from sqlalchemy import update
from stellar_sdk import scval

from tests.indexer.soroban_workload import UNFUNDED_TREASURY, phase_one, phase_two
from tests.soroban.conftest import UNIT, Deployment, RecordingHost, deploy
from tests.soroban.fake_rpc import FakeStellarRpc


@pytest.fixture
def host(harness_binary: str) -> Iterator[RecordingHost]:
    with RecordingHost(harness_binary) as h:
        yield h


@pytest.fixture
def d(host: RecordingHost) -> Deployment:
    return deploy(host)


@pytest.fixture
def fake(host: RecordingHost) -> Iterator[FakeStellarRpc]:
    f = FakeStellarRpc(host)
    yield f
    f.close()


def rpc_escrow(fake: FakeStellarRpc, d: Deployment) -> SorobanEscrow:
    return SorobanEscrow(Rpc(fake.url), d.escrow.contract_id)


def contract_event_ids(d: Deployment) -> list[str]:
    """Every event the escrow contract emitted, from the host's own log."""
    events, _ = d.host.events(contract=d.escrow.contract_id)
    return [harness_event_id(e.ledger or 0, e.index or 0) for e in events]


def test_migration_i0007_creates_exactly_the_declared_soroban_tables(any_store: IndexStore) -> None:
    any_store.migrate()
    with any_store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), t.metadata)
    assert [d for d in diff if "qx_soroban" in repr(d)] == []
    assert any_store.schema_revision() == "i0008"


def test_harness_and_getevents_build_the_same_index_and_it_equals_the_contract(
    d: Deployment, fake: FakeStellarRpc, any_store: IndexStore, tmp_path: Path
) -> None:
    ids = phase_one(d)
    phase_two(d, ids)
    local = SorobanIndexer(d.escrow, any_store, page=3)
    local.prepare()
    applied = local.sync()
    assert applied == len(contract_event_ids(d)) > 30
    over_rpc = IndexStore(f"sqlite:///{tmp_path / 'rpc.db'}")
    try:
        remote = SorobanIndexer(rpc_escrow(fake, d), over_rpc, start_ledger=1, page=4)
        remote.prepare()
        assert remote.sync() == applied
        assert "getEvents" in fake.calls
        for store in (any_store, over_rpc):
            assert verify_soroban(d.escrow, store) == []
            assert list(store.soroban_event_ids(local.network, local.contract)) == contract_event_ids(d)
        assert Queries(any_store).soroban_escrows() == Queries(over_rpc).soroban_escrows()
    finally:
        over_rpc.dispose()

    q = Queries(any_store)
    by_id = {e.escrow_id: e for e in q.soroban_escrows().items}
    assert len(by_id) == 5
    paid = by_id[ids["paid"]]
    assert [m.state for m in paid.milestones] == [MilestoneState.RELEASED] * 2 + [MilestoneState.RESOLVED]
    assert paid.milestones[1].paid_by is not None and paid.milestones[0].paid_by is None
    assert paid.milestones[2].to_funders == 200 * UNIT * 4 // 10
    assert paid.milestones[2].disputed_by == d.contributor.public_key
    cancelled = by_id[ids["cancelled"]]
    assert cancelled.status is SorobanEscrowStatus.CANCELLED
    assert cancelled.funders == {
        d.funder.public_key: (400 * UNIT, 400 * UNIT),
        d.maintainer.public_key: (600 * UNIT,) * 2,
    }
    disputed = by_id[ids["disputed"]]
    assert disputed.status is SorobanEscrowStatus.REFUNDING
    assert [m.state for m in disputed.milestones] == [MilestoneState.REFUNDED] * 3
    assert by_id[ids["open"]].payee == d.contributor.public_key
    assert any_store.soroban_fees(local.network, local.contract) == {}  # deferred, then withdrawn
    refunding = q.soroban_escrows(status="refunding", payee=d.contributor.public_key)
    assert [e.escrow_id for e in refunding.items] == [ids["disputed"]]
    page = q.soroban_escrows(contract=d.escrow.contract_id, limit=2)
    assert len(page.items) == 2 and page.next_offset == 2
    assert q.soroban_escrow(d.escrow.contract_id, ids["paid"]) == paid
    (status,) = q.soroban_status()
    assert (status.source, status.events, status.escrows) == ("harness", applied, 5)
    assert q.status().chain_id is None  # the EVM side of the database is untouched


def test_a_restart_resumes_after_the_cursor_with_nothing_twice_or_skipped(
    d: Deployment, fake: FakeStellarRpc, any_store: IndexStore
) -> None:
    ids = phase_one(d)
    first = SorobanIndexer(rpc_escrow(fake, d), any_store, start_ledger=1, page=5)
    first.prepare()
    before = first.sync()
    assert before == len(contract_event_ids(d))
    assert first.sync() == 0  # caught up: nothing again
    phase_two(d, ids)
    reopened = IndexStore(any_store.url)
    try:
        # a new process: only the database carries the cursor (start_ledger is not needed again)
        again = SorobanIndexer(rpc_escrow(fake, d), reopened, page=5)
        assert again.prepare().last_event is not None
        assert again.sync() == len(contract_event_ids(d)) - before
        assert list(reopened.soroban_event_ids(again.network, again.contract)) == contract_event_ids(d)
        assert verify_soroban(d.escrow, reopened) == []
        # an RPC may deliver events again (its docs: deduplicate by id): they are not re-applied
        events, cursor = d.host.events(contract=d.escrow.contract_id)
        assert reopened.soroban_apply(again.network, again.contract, events, "0") == 0
        assert verify_soroban(d.escrow, reopened) == []
    finally:
        reopened.dispose()


def test_a_failed_batch_leaves_the_index_and_its_cursor_as_they_were(
    d: Deployment, store: IndexStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    phase_one(d)
    indexer = SorobanIndexer(d.escrow, store, page=4)
    indexer.prepare()
    indexer.step()
    kept = store.soroban_cursor(indexer.network, indexer.contract)

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("killed mid-batch")

    monkeypatch.setattr(type(store), "_fold", crash)
    with pytest.raises(RuntimeError, match="killed mid-batch"):
        indexer.step()
    assert store.soroban_cursor(indexer.network, indexer.contract) == kept
    assert len(list(store.soroban_event_ids(indexer.network, indexer.contract))) == kept.events == 4
    monkeypatch.undo()
    indexer.sync()
    assert list(store.soroban_event_ids(indexer.network, indexer.contract)) == contract_event_ids(d)
    assert verify_soroban(d.escrow, store) == []


def test_verify_names_the_tampered_rows(d: Deployment, store: IndexStore) -> None:
    ids = phase_one(d)
    indexer = SorobanIndexer(d.escrow, store)
    indexer.prepare()
    indexer.sync()
    assert verify_soroban(d.escrow, store) == []
    key = (t.soroban_escrows.c.network == indexer.network) & (t.soroban_escrows.c.escrow_id == ids["paid"])
    funders = json.dumps({d.maintainer.public_key: [str(1000 * UNIT), "7"]})
    with store._tx() as conn:
        conn.execute(update(t.soroban_escrows).where(key).values(released="1", funders_json=funders))
        conn.execute(update(t.soroban_fees).values(owed="5"))
    found = {(x.object, x.field) for x in verify_soroban(d.escrow, store)}
    assert found == {
        (f"soroban escrow {ids['paid']}", "released"),
        (f"soroban escrow {ids['paid']} funder {d.maintainer.public_key}", "(share, claimed)"),
        (f"soroban fees {UNFUNDED_TREASURY.public_key} {d.token}", "owed"),
    }


def test_one_database_keeps_a_cursor_per_contract_and_refuses_another_source(
    d: Deployment, fake: FakeStellarRpc, store: IndexStore
) -> None:
    second = SorobanEscrow(d.host, d.host.deploy_escrow(d.admin, d.treasury, 0))
    d.create()
    second.create(d.terms(), signer=d.maintainer)
    for escrow in (d.escrow, second):
        SorobanIndexer(escrow, store).sync()
        assert verify_soroban(escrow, store) == []
    assert [s.contract for s in Queries(store).soroban_status()] == sorted([d.escrow.contract_id, second.contract_id])
    with pytest.raises(InvalidInput, match="indexed from source 'harness', not 'rpc'"):
        SorobanIndexer(rpc_escrow(fake, d), store, start_ledger=1).prepare()


def test_bad_input_is_refused_before_anything_is_sent(d: Deployment, fake: FakeStellarRpc, store: IndexStore) -> None:
    rpc = Rpc(fake.url)
    fake.calls.clear()
    with pytest.raises(InvalidInput, match="exactly one"):
        rpc.events(start_ledger=1, cursor="0000000429496729600-0000000001")
    with pytest.raises(InvalidInput, match="limit"):
        rpc.events(start_ledger=1, limit=10_001)
    with pytest.raises(InvalidInput):
        rpc.events(start_ledger=1, contract="not a contract")
    assert fake.calls == []
    with pytest.raises(InvalidInput, match="start_ledger"):
        SorobanIndexer(SorobanEscrow(rpc, d.escrow.contract_id), store).prepare()
    with pytest.raises(InvalidInput, match="page"):
        SorobanIndexer(d.escrow, store, page=0)
    with pytest.raises(InvalidInput, match="status"):
        Queries(store).soroban_escrows(status="paid")
    with pytest.raises(InvalidInput, match="payee"):
        Queries(store).soroban_escrows(payee="0x90F79bf6EB2c4f870365E785982E1f101E93b906")


def test_the_stand_in_getevents_filters_topics_and_pages_like_an_rpc(d: Deployment, fake: FakeStellarRpc) -> None:
    """The JSON shape and filters the stand-in answers (its docstring lists what it supports)."""
    d.create()
    funded = [scval.to_symbol("escrow_funded").to_xdr(), "*", "*"]

    def get_events(**params: Any) -> dict[str, Any]:
        body = {"jsonrpc": "2.0", "id": 1, "method": "getEvents", "params": params}
        answer: dict[str, Any] = httpx.post(fake.url, json=body).json()
        return answer

    contract = [{"type": "contract", "contractIds": [d.escrow.contract_id], "topics": [funded]}]
    result = get_events(startLedger=1, filters=contract)["result"]
    (event,) = result["events"]
    assert set(event) >= {"type", "ledger", "ledgerClosedAt", "contractId", "id", "topic", "value", "txHash"}
    assert event["contractId"] == d.escrow.contract_id and event["topic"][0] == funded[0]
    assert result["latestLedger"] == d.host.ledger().sequence
    first = get_events(startLedger=1, pagination={"limit": 1})["result"]
    rest = get_events(pagination={"cursor": first["cursor"], "limit": 10_000})["result"]
    assert [e["id"] for e in first["events"] + rest["events"]] == sorted(
        e["id"] for e in first["events"] + rest["events"]
    )
    assert first["events"][0]["id"] not in [e["id"] for e in rest["events"]]
    for bad in ({"startLedger": 1, "filters": [{"topics": [["**"]]}]}, {"startLedger": 10**6}, {}):
        assert get_events(**bad)["error"]["code"] == -32602


def test_cli_runs_queries_and_verifies_a_soroban_index(d: Deployment, fake: FakeStellarRpc, tmp_path: Path) -> None:
    ids = phase_one(d)
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    common = ["--rpc-url", fake.url, "--contract", d.escrow.contract_id, "--database-url", url]
    runner = CliRunner()
    ran = runner.invoke(main, ["index", "run-soroban", *common, "--start-ledger", "1", "--once"])
    assert ran.exit_code == 0, ran.output
    assert f"indexed {len(contract_event_ids(d))} events" in ran.output
    checked = runner.invoke(main, ["index", "verify-soroban", *common])
    assert checked.exit_code == 0, checked.output
    query = ["index", "query", "soroban-escrows", "--database-url", url, "--status", "cancelled"]
    listed = runner.invoke(main, query)
    assert listed.exit_code == 0, listed.output
    assert [e["escrow_id"] for e in json.loads(listed.output)["items"]] == [ids["cancelled"]]
    for args in (
        ["index", "run-soroban", "--rpc-url", fake.url, "--contract", "CNOPE", "--database-url", url, "--once"],
        ["index", "query", "soroban-escrows", "--database-url", url, "--limit", "0"],
        ["index", "run-soroban", *common[:4], "--database-url", f"sqlite:///{tmp_path / 'new.db'}", "--once"],
    ):
        bad = runner.invoke(main, args)
        assert bad.exit_code == 1, bad.output
        assert bad.output.startswith("error: ") and bad.output.count("\n") == 1, bad.output


def test_the_http_api_serves_the_soroban_index_as_the_queries_do(d: Deployment, tmp_path: Path) -> None:
    """``quiltkit index serve``'s Soroban endpoints answer what ``Queries`` answers (same JSON),
    with the same filters and pages, 404 for an escrow the index does not hold and 422 for a bad
    status."""
    from fastapi.testclient import TestClient
    from quiltkit.indexer.api import create_app

    ids = phase_one(d)
    phase_two(d, ids)
    url = f"sqlite:///{tmp_path / 'index.db'}"
    store = IndexStore(url)
    try:
        SorobanIndexer(d.escrow, store).sync()
        q = Queries(store)
        contract = d.escrow.contract_id
        with TestClient(create_app(url)) as client:

            def get(path: str, **params: Any) -> Any:
                response = client.get(path, params=params)
                assert response.status_code == 200, response.text
                return response.json()

            assert get("/soroban/escrows") == q.soroban_escrows().model_dump(mode="json")
            refunding = q.soroban_escrows(status="refunding", payee=d.contributor.public_key)
            assert get("/soroban/escrows", status="refunding", payee=d.contributor.public_key) == refunding.model_dump(
                mode="json"
            )
            assert len(refunding.items) == 1
            assert get("/soroban/escrows", contract=contract, limit=2)["next_offset"] == 2
            paid = q.soroban_escrow(contract, ids["paid"])
            assert paid is not None
            assert get(f"/soroban/escrows/{contract}/{ids['paid']}") == paid.model_dump(mode="json")
            assert [s["escrows"] for s in get("/soroban/status")] == [5]
            missing = client.get(f"/soroban/escrows/{contract}/999")
            assert (missing.status_code, missing.json()["reason"]) == (404, "not_found")
            bad = client.get("/soroban/escrows", params={"status": "lost"})
            assert (bad.status_code, bad.json()["reason"]) == (422, "invalid_request")
    finally:
        store.dispose()
