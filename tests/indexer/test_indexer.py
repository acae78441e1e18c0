"""The indexer on a real anvil: backfill of a random escrow workload into SQLite and PostgreSQL,
the projection checked against the contract's views, the typed queries, adaptive ranges against a
node that refuses large ones, confirmations, and the database shared with the relayer's store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from quiltkit import Escrow
from quiltkit._contract import _plain
from quiltkit.cli import main
from quiltkit.escrow import MilestoneState
from quiltkit.exceptions import InvalidInput
from quiltkit.indexer import ContractRef, Deployment, EscrowStatus, Indexer, IndexStore, Queries, verify
from quiltkit_relayer.store import Store
from web3 import Web3

from tests.indexer.conftest import deployment_of, make_indexer, rng, write_manifest
from tests.indexer.workload import Workload
from tests.relayer.conftest import Chain, loopback_server


def _index_and_check(chain: Chain, store: IndexStore, steps: int, seed: int) -> Indexer:
    workload = Workload(chain, rng(seed))
    workload.run(steps)
    indexer = make_indexer(chain, store)
    applied = indexer.sync()
    assert applied > steps  # creates emit two events, releases by intent three
    block, differences = verify(chain.w3, store, indexer.deployment)
    assert block == chain.w3.eth.block_number
    assert differences == [], "\n".join(map(repr, differences))
    return indexer


def test_backfill_equals_the_contract_views_and_queries_are_typed(chain: Chain, store: IndexStore) -> None:
    _index_and_check(chain, store, steps=70, seed=7)
    q = Queries(store)
    count = chain.escrow.escrow_count()
    # every escrow, page by page, once each, equal to getEscrow field by field
    seen: list[int] = []
    offset: int | None = 0
    while offset is not None:
        page = q.escrows(offset=offset, limit=7)
        seen += [e.escrow_id for e in page.items]
        offset = page.next_offset
    assert seen == list(range(1, count + 1))
    for escrow_id in seen:
        indexed, on_chain = q.escrow(escrow_id), chain.escrow.get_escrow(escrow_id)
        assert indexed is not None
        assert (indexed.payee, indexed.funded, indexed.held, indexed.refund_pool) == (
            on_chain.payee,
            on_chain.funded,
            on_chain.held,
            on_chain.refund_pool,
        )
        assert [(m.amount, m.state, m.funded) for m in indexed.milestones] == [
            (m.amount, m.state, m.funded) for m in on_chain.milestones
        ]
    # filters
    mine = q.escrows(payee=chain.contributor.address.lower(), limit=1000).items
    assert mine and all(e.payee == chain.contributor.address for e in mine)
    assert {e.escrow_id for e in mine} == {
        i for i in seen if chain.escrow.get_escrow(i).payee == chain.contributor.address
    }
    for status in EscrowStatus:
        got = q.escrows(status=status, limit=1000).items
        assert all(e.status is status for e in got)
    assert sum(len(q.escrows(status=s, limit=1000).items) for s in EscrowStatus) == count
    both = q.escrows(status=["active", "funding"], limit=1000).items
    assert {e.status for e in both} <= {EscrowStatus.ACTIVE, EscrowStatus.FUNDING}
    # history: chain order, the creation first, paginated
    history = q.history(1, limit=1000).items
    assert history[0].name == "EscrowCreated" and history[0].args["escrow_id"] == 1
    keys = [(h.block_number, h.log_index) for h in history]
    assert keys == sorted(keys)
    first = q.history(1, limit=1)
    assert first.items == history[:1] and first.next_offset == (1 if len(history) > 1 else None)
    # a released milestone records who paid what; an intent release names its intent
    released = [
        m
        for e in q.escrows(limit=1000).items
        for m in e.milestones
        if m.state is MilestoneState.RELEASED and m.intent_id is not None
    ]
    assert all(m.paid == m.amount for m in released)  # the deployment charges no fee
    status = q.status()
    assert status.chain_id == chain.chain_id
    assert status.cursor == chain.w3.eth.block_number
    assert status.escrows == count
    assert status.events == len(store.event_keys())


def test_postgres_backfill_equals_the_contract_views(chain: Chain, pg_url: str) -> None:
    store = IndexStore(pg_url)
    try:
        _index_and_check(chain, store, steps=40, seed=11)
        assert Queries(store).status().schema_revision == "i0008"
    finally:
        store.dispose()


def test_ranges_shrink_when_the_node_refuses_them_and_grow_back(chain: Chain, store: IndexStore) -> None:
    """A provider that refuses eth_getLogs over more than 4 blocks with the message providers use."""
    Workload(chain, rng(3)).run(30)
    upstream = chain.rpc_url
    refused: list[int] = []
    served: list[int] = []

    def respond(body: bytes) -> tuple[int, bytes, bool]:
        request: Any = json.loads(body)
        if isinstance(request, dict) and request["method"] == "eth_getLogs":
            f = request["params"][0]
            span = int(f["toBlock"], 16) - int(f["fromBlock"], 16) + 1
            if span > 4:
                refused.append(span)
                error = {"code": -32005, "message": "query returned more than 10000 results"}
                return 200, json.dumps({"jsonrpc": "2.0", "id": request["id"], "error": error}).encode(), False
            served.append(len(refused))
        return 200, httpx.post(upstream, content=body, headers={"Content-Type": "application/json"}).content, False

    with loopback_server(respond) as server:
        w3 = Web3(Web3.HTTPProvider(server.url))
        indexer = Indexer(w3, deployment_of(chain), store, initial_range=64)
        indexer.prepare()
        indexer.sync()
        assert refused[1] == refused[0] // 2  # halved on each refusal
        assert served and served[-1] > served[0]  # after a range was served it grew and was refused again
        assert indexer.range <= 8
    assert verify(chain.w3, store, deployment_of(chain))[1] == []


def test_a_backfill_reads_the_next_range_ahead_and_ends_as_a_plain_one(
    chain: Chain, store: IndexStore, tmp_path: Path
) -> None:
    """Far below the head the next range's eth_getLogs runs while a range is written; the index
    it builds equals one built range by range, and near the head it stops reading ahead."""
    Workload(chain, rng(17)).run(40)
    head = chain.w3.eth.block_number
    indexer = Indexer(chain.w3, deployment_of(chain), store, initial_range=3, max_range=3, reorg_window=6)
    indexer.prepare()
    taken: list[tuple[int, int]] = []
    take = indexer._take_prefetch

    def spy(first: int, target: int) -> tuple[int, list[dict[str, Any]]] | None:
        got = take(first, target)
        if got is not None:
            taken.append((first, got[0]))
        return got

    indexer._take_prefetch = spy  # type: ignore[method-assign]
    indexer.sync()
    assert len(taken) >= (head - 6) // 3 - 2, (head, taken)  # nearly every backfill step used one
    assert all(last < head - 6 for _, last in taken)  # none within the reorg window
    assert indexer._pending is None and indexer._pool is None  # sync leaves no reader behind
    plain = IndexStore(f"sqlite:///{tmp_path / 'plain.db'}")
    try:
        ranged = Indexer(chain.w3, deployment_of(chain), plain, initial_range=3, max_range=3, reorg_window=6)
        ranged.prepare()
        ranged._prefetch = lambda first, last: None  # type: ignore[method-assign]
        ranged.sync()
        assert sorted(store.event_keys()) == sorted(plain.event_keys())
        assert store.escrow_states() == plain.escrow_states()
    finally:
        plain.dispose()
    assert verify(chain.w3, store, deployment_of(chain))[1] == []


def test_confirmations_hold_back_the_newest_blocks(chain: Chain, store: IndexStore) -> None:
    Workload(chain, rng(5)).run(10)
    indexer = make_indexer(chain, store, confirmations=3)
    indexer.sync()
    cursor = store.cursor()
    assert cursor is not None and cursor.number == chain.w3.eth.block_number - 2
    assert verify(chain.w3, store, indexer.deployment)[1] == []  # verified at the indexed block


def test_the_index_shares_a_database_with_the_relayer_store(chain: Chain, index_url: str) -> None:
    relayer_store = Store(index_url)
    relayer_store.migrate()
    store = IndexStore(index_url)
    try:
        make_indexer(chain, store).sync()
        assert relayer_store.schema_revision() == "0002"  # the badges migration is the relayer store's head
        assert store.schema_revision() == "i0008"
        relayer_store.migrate()  # each component's revisions in its own version table
        store.migrate()
        assert relayer_store.counts() is not None
    finally:
        relayer_store.dispose()
        store.dispose()


def test_bad_input_is_refused_by_name(chain: Chain, store: IndexStore) -> None:
    deployment = deployment_of(chain)
    with pytest.raises(InvalidInput, match="confirmations") as bad:
        Indexer(chain.w3, deployment, store, confirmations=0)
    assert bad.value.field == "confirmations"
    wrong_chain = Deployment(chain_id=1, contracts=deployment.contracts)
    with pytest.raises(InvalidInput, match="chain 31337"):
        Indexer(chain.w3, wrong_chain, store).prepare()
    make_indexer(chain, store)
    other = Deployment(
        chain_id=chain.chain_id,
        contracts={"MilestoneEscrow": ContractRef(address=chain.operator.address, start_block=0)},
    )
    with pytest.raises(InvalidInput, match="use another database"):
        Indexer(chain.w3, other, store).prepare()
    q = Queries(store)
    with pytest.raises(InvalidInput, match="limit"):
        q.escrows(limit=0)
    with pytest.raises(InvalidInput, match="offset"):
        q.history(1, offset=-1)
    with pytest.raises(InvalidInput, match="unknown status"):
        q.escrows(status="paid")
    with pytest.raises(InvalidInput):
        q.escrows(payee="0x1234")
    # past the databases' 64-bit integers: named, before the driver would fail on it
    with pytest.raises(InvalidInput, match="offset") as bad:
        q.escrows(offset=2**63)
    assert bad.value.field == "offset"
    with pytest.raises(InvalidInput, match="now must be a unix time"):
        q.refund_candidates(2**63)
    assert q.escrow(2**64) is None and q.history(2**64).items == []


def test_cli_runs_queries_verifies_and_refuses_bad_input_in_one_line(chain: Chain, tmp_path: Path) -> None:
    Workload(chain, rng(9)).run(15)
    manifest = write_manifest(chain, tmp_path / "deployment.json")
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    base = ["--manifest", str(manifest), "--rpc-url", chain.rpc_url, "--database-url", db]
    runner = CliRunner()
    done = runner.invoke(main, ["index", "run", *base, "--once"])
    assert done.exit_code == 0, done.output
    assert "cursor at block" in done.output
    checked = runner.invoke(main, ["index", "verify", *base])
    assert checked.exit_code == 0 and "index matches the chain" in checked.output
    status = json.loads(runner.invoke(main, ["index", "status", "--database-url", db]).output)
    assert status["cursor"] == chain.w3.eth.block_number
    page = json.loads(runner.invoke(main, ["index", "query", "escrows", "--database-url", db, "--limit", "2"]).output)
    assert [e["escrow_id"] for e in page["items"]] == [1, 2]
    history = json.loads(runner.invoke(main, ["index", "query", "history", "1", "--database-url", db]).output)
    assert history["items"][0]["name"] == "EscrowCreated"
    bad = [
        ["index", "query", "escrows", "--database-url", db, "--status", "paid"],
        ["index", "query", "escrows", "--database-url", db, "--limit", "0"],
        ["index", "query", "escrow", "999", "--database-url", db],
        ["index", "status", "--database-url", "nosuchdb://x"],
        ["index", "run", "--manifest", str(tmp_path / "missing.json"), "--database-url", db, "--once"],
    ]
    for args in bad:
        result = runner.invoke(main, args)
        assert result.exit_code == 1, (args, result.output)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), (args, result.output)


def test_the_bulk_decoder_gives_what_web3_process_log_gives(chain: Chain) -> None:
    """ContractClient.decode_log (raw JSON-RPC logs, the ABI read directly) against web3's decoding
    of the same logs, for every event the workload emits (structs and arrays included)."""
    Workload(chain, rng(13)).run(90)
    escrow = chain.escrow
    formatted = chain.w3.eth.get_logs({"address": escrow.contract.address, "fromBlock": 0, "toBlock": "latest"})
    raw = chain.w3.provider.make_request(
        "eth_getLogs",  # type: ignore[arg-type]
        [{"address": escrow.address, "fromBlock": "0x0", "toBlock": "latest"}],
    )["result"]
    assert len(raw) == len(formatted) > 40
    names = set()
    for web3_log, rpc_log in zip(formatted, raw, strict=True):
        typed = Escrow.decode_log(rpc_log)
        assert typed is not None
        names.add(typed.event_name)
        event = escrow.contract.events[typed.event_name]().process_log(web3_log)
        expected = type(typed).model_validate(
            {
                **_plain(dict(event["args"])),
                "contract": web3_log["address"],
                "block_number": web3_log["blockNumber"],
                "block_hash": bytes(web3_log["blockHash"]),
                "tx_hash": bytes(web3_log["transactionHash"]),
                "log_index": web3_log["logIndex"],
            }
        )
        assert typed == expected
        assert Escrow.decode_log(web3_log) == expected
    assert {"EscrowCreated", "EscrowFunded", "MilestoneReleased", "IntentConsumed"} <= names
