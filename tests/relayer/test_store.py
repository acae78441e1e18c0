"""The store on both engines (SQLite files and PostgreSQL): migrations, idempotent inserts, leases
with SKIP LOCKED, fencing, signer leases."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from quiltkit import intents
from quiltkit_relayer.models import IntentRecord, IntentState, Rejection
from quiltkit_relayer.store import LeaseLost, NewTx, Store
from quiltkit_relayer.store.schema import metadata
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
PAYEE = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path / 's.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    s = Store(url)
    s.migrate()
    yield s
    s.dispose()


def _record(n: int, state: IntentState = IntentState.VERIFIED, **changes: object) -> IntentRecord:
    intent = intents.PayoutIntent(
        escrow_id=1,
        milestone=n,
        payee=PAYEE,
        amount=10**18 + n,
        token="0x" + "00" * 20,
        intent_id=f"0x{n:064x}",
        deadline=2**40,
        evidence_hash="0x" + "ab" * 32,
    )
    now = time.time()
    values = {
        "intent_id": intent.intent_id,
        "state": state,
        "chain": "evm",
        "chain_id": 31337,
        "contract": CONTRACT,
        "digest": f"0x{n + 10**6:064x}",
        "intent": intent,
        "signatures": ["0x" + "11" * 65],
        "signers": [PAYEE],
        "source": "api",
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }
    values.update(changes)
    return IntentRecord.model_validate(values)


def test_migrations_create_exactly_the_declared_schema(store: Store) -> None:
    assert store.schema_revision() == "0002"
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    store.migrate()  # idempotent
    assert store.schema_revision() == "0002"


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    s = Store(f"sqlite:///{tmp_path / 'w.db'}")
    s.migrate()
    with s.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    s.dispose()


def test_the_same_intent_twice_is_stored_once(store: Store) -> None:
    first, created = store.add_intent(_record(1))
    again, created_again = store.add_intent(_record(1))
    assert created
    assert not created_again
    assert again == first
    with pytest.raises(Rejection) as conflict:
        store.add_intent(_record(1, digest="0x" + "ee" * 32))
    assert conflict.value.reason.value == "intent_id_conflict"
    assert store.counts()["verified"] == 1


def test_concurrent_claims_never_share_an_intent(store: Store) -> None:
    for n in range(60):
        store.add_intent(_record(n))
    taken: dict[str, list[str]] = {}
    barrier = threading.Barrier(3)

    def worker(owner: str) -> None:
        barrier.wait()
        mine: list[str] = []
        while batch := store.claim([IntentState.VERIFIED], owner=owner, lease_s=60, limit=7):
            mine += [r.intent_id for r in batch]
        taken[owner] = mine

    threads = [threading.Thread(target=worker, args=(f"i{k}",)) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    everything = [i for ids in taken.values() for i in ids]
    assert len(everything) == 60
    assert len(set(everything)) == 60


def test_skip_locked_passes_over_rows_another_transaction_holds(pg_url: str) -> None:
    store = Store(pg_url)
    store.migrate()
    for n in range(4):
        store.add_intent(_record(n))
    with store.engine.connect() as holder:
        tx = holder.begin()
        held = (
            holder.execute(text("SELECT intent_id FROM intents ORDER BY intent_id LIMIT 2 FOR UPDATE")).scalars().all()
        )
        claimed = store.claim([IntentState.VERIFIED], owner="other", lease_s=60, limit=10)
        tx.rollback()
    assert {r.intent_id for r in claimed} == {f"0x{n:064x}" for n in range(4)} - set(held)
    store.dispose()


def test_reads_wait_for_no_writer_and_see_only_committed_rows(store: Store) -> None:
    """Lone statements run without BEGIN (IMMEDIATE on SQLite), so an open write transaction
    elsewhere neither blocks them (it would for the busy timeout) nor shows them its changes."""
    store.add_intent(_record(1))
    results: list[object] = []
    with store.engine.begin() as writer:  # a transaction as _tx opens it: it holds the write lock
        writer.execute(text("UPDATE intents SET state = 'failed'"))
        reader = threading.Thread(target=lambda: results.extend([store.get(f"0x{1:064x}"), store.counts()]))
        reader.start()
        reader.join(10)
        assert not reader.is_alive(), "a read waited for the open write transaction"
    got, counts = results
    assert isinstance(got, IntentRecord) and got.state is IntentState.VERIFIED
    assert isinstance(counts, dict) and counts["verified"] == 1 and counts["failed"] == 0
    assert store.counts()["failed"] == 1  # committed when the writer's block ended


@pytest.mark.parametrize("ping_after_idle_s", [0.05, 3600.0])
def test_a_dropped_connection_is_replaced_unseen_after_idling_else_after_one_failure(
    pg_url: str, ping_after_idle_s: float
) -> None:
    """A pooled connection that sat idle is pinged before reuse; one used more recently than
    ``ping_after_idle_s`` is trusted, fails its one call if the server dropped it, and the pool
    then replaces every connection older than that failure."""
    store = Store(pg_url, ping_after_idle_s=ping_after_idle_s)
    store.migrate()
    store.add_intent(_record(1))
    time.sleep(0.2)
    admin = create_engine(pg_url, poolclass=NullPool)
    with admin.connect() as conn:
        dropped = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    admin.dispose()
    assert dropped
    time.sleep(0.2)
    if ping_after_idle_s > 1:
        with pytest.raises(OperationalError):
            store.get(f"0x{1:064x}")
    got = store.get(f"0x{1:064x}")
    assert got is not None and got.state is IntentState.VERIFIED
    store.dispose()


def test_writes_are_fenced_by_the_lease(store: Store) -> None:
    store.add_intent(_record(1))
    (record,) = store.claim([IntentState.VERIFIED], owner="a", lease_s=0.2, limit=1)
    time.sleep(0.3)
    (retaken,) = store.claim([IntentState.VERIFIED], owner="b", lease_s=60, limit=1)
    assert retaken.intent_id == record.intent_id
    tx = NewTx(
        chain="evm",
        signer=PAYEE,
        nonce=0,
        tx_hash="0x" + "cd" * 32,
        raw_tx="0x00",
        kind="payout",
        intent_ids=(record.intent_id,),
        gas_limit=1,
        max_fee_per_gas=1,
        priority_fee_per_gas=1,
    )
    with pytest.raises(LeaseLost):
        store.record_tx(tx, owner="a")  # "a" lost its lease: nothing written, nothing to broadcast
    assert store.tx_history("evm") == []
    stored = store.record_tx(tx, owner="b")
    assert stored.nonce == 0
    got = store.get(record.intent_id)
    assert got is not None
    assert got.state is IntentState.SUBMITTED
    assert got.tx_hash == tx.tx_hash


def test_leases_are_handed_back(store: Store) -> None:
    for n in range(3):
        store.add_intent(_record(n))
    assert len(store.claim([IntentState.VERIFIED], owner="a", lease_s=600, limit=10)) == 3
    assert store.claim([IntentState.VERIFIED], owner="b", lease_s=600, limit=10) == []
    assert store.release_leases("a") == 3
    assert len(store.claim([IntentState.VERIFIED], owner="b", lease_s=600, limit=10)) == 3


def test_a_signer_key_is_leased_to_one_instance(store: Store) -> None:
    assert store.acquire_signer("evm", PAYEE, "a", 60) is None
    assert store.acquire_signer("evm", PAYEE, "b", 60) == "a"
    assert store.acquire_signer("evm", PAYEE, "a", 60) is None  # renewal
    store.release_signer("evm", PAYEE, "a")
    assert store.acquire_signer("evm", PAYEE, "b", 60) is None


def test_the_submit_gate_counts_live_nonces_and_due_intents_in_one_statement(store: Store) -> None:
    assert store.submit_gate(IntentState.VERIFIED, chain="evm", signer=PAYEE) == (0, 0, None)
    first, second = _record(1), _record(2)
    store.add_intents([first, second, _record(3, state=IntentState.RECEIVED), _record(4, chain="other")])
    assert store.submit_gate(IntentState.VERIFIED, chain="evm", signer=PAYEE) == (0, 2, first.created_at)
    (record,) = store.claim([IntentState.VERIFIED], owner="a", lease_s=600, limit=1)
    for nonce, version in ((0, "cd"), (0, "ce"), (1, "cf")):  # a fee bump shares its nonce
        store.record_tx(
            NewTx(
                chain="evm",
                signer=PAYEE,
                nonce=nonce,
                tx_hash="0x" + version * 32,
                raw_tx="0x00",
                kind="payout",
                intent_ids=(record.intent_id,) if version == "cd" else (),
                gas_limit=1,
                max_fee_per_gas=1,
                priority_fee_per_gas=1,
            ),
            owner="a",
        )
    assert store.submit_gate(IntentState.VERIFIED, chain="evm", signer=PAYEE) == (2, 1, second.created_at)
    assert store.submit_gate(IntentState.VERIFIED, chain="evm", signer="0x" + "00" * 20)[0] == 0
    assert store.live_nonce_count("evm", PAYEE) == 2
