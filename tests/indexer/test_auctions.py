"""The auction projection on anvil: auctions and bids folded from AuctionHouse's events after a
random workload equal the house's views (verify), the typed queries filter and page, reorgs of
depths 1..6 in the middle of the workload roll auctions and bids back and re-apply them (SQLite
and PostgreSQL), ending equal to a fresh index of the final chain; the CLI queries them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from quiltkit.cli import main
from quiltkit.exceptions import InvalidInput
from quiltkit.indexer import AuctionState, ContractRef, Deployment, Indexer, IndexStore, Queries, verify
from quiltkit.indexer.auctions import auction_rows

from tests.indexer.auction_workload import AuctionWorkload
from tests.indexer.conftest import reorgs_mid_workload, rng
from tests.relayer.conftest import Chain


def _indexer(chain: Chain, work: AuctionWorkload, store: IndexStore, **options: int) -> Indexer:
    deployment = Deployment(
        chain_id=chain.chain_id,
        contracts={"AuctionHouse": ContractRef(address=work.house.address, start_block=0)},
    )
    indexer = Indexer(chain.w3, deployment, store, **options)
    indexer.prepare()
    return indexer


def test_auctions_and_bids_equal_the_house_after_a_random_workload(chain: Chain, store: IndexStore) -> None:
    work = AuctionWorkload(chain, rng(71))
    work.run(90)
    indexer = _indexer(chain, work, store)
    indexer.sync()
    block, differences = verify(chain.w3, store, indexer.deployment)
    assert block == chain.w3.eth.block_number
    assert differences == []
    for action in ("list", "bid", "cancel", "settle", "time"):
        assert work.done.get(action, 0) >= 1, sorted(work.done.items())
    q = Queries(store)
    every = q.auctions(limit=1_000).items
    assert len(every) == work.house.auction_count() == q.status().objects["auctions"]
    for a in every:
        bids = q.bids(auction_id=a.auction_id).items
        assert len(bids) == a.bids
        assert [b.amount for b in bids] == sorted(b.amount for b in bids)  # each bid beat the last
        if bids:
            assert (a.highest_bidder, a.highest_bid) == (bids[-1].bidder, bids[-1].amount)
            assert a.extensions == sum(b.extended for b in bids)
        if a.status is AuctionState.SETTLED and a.winner is not None:
            assert a.winner == a.highest_bidder and a.price == a.highest_bid
            assert a.royalty + a.fee + a.impact + a.seller_proceeds == a.price
    settled = [a for a in every if a.status is AuctionState.SETTLED]
    assert settled, "the workload settled nothing"
    for status in AuctionState:
        assert all(a.status is status for a in q.auctions(status=status).items)
    seller = work.sellers[0].address
    assert [a.auction_id for a in q.auctions(seller=seller, limit=1_000).items] == [
        a.auction_id for a in every if a.seller == seller
    ]
    bidder = work.bidders[0].address
    assert {a.auction_id for a in q.auctions(bidder=bidder, limit=1_000).items} == {
        b.auction_id for b in q.bids(bidder=bidder, limit=1_000).items
    }
    first = q.auctions(limit=2)
    if first.next_offset is not None:
        assert q.auctions(offset=first.next_offset, limit=2).items[0] == every[2]
    with pytest.raises(InvalidInput):
        q.auctions(status="sold")
    with pytest.raises(InvalidInput):
        q.bids(bidder="0x12")


def test_verify_names_an_auction_whose_row_disagrees_with_the_chain(chain: Chain, store: IndexStore) -> None:
    work = AuctionWorkload(chain, rng(72))
    work.run(25)
    indexer = _indexer(chain, work, store)
    indexer.sync()
    assert verify(chain.w3, store, indexer.deployment)[1] == []
    from quiltkit.indexer import schema as t
    from sqlalchemy import update

    with store._tx() as conn:  # tamper with one projected row, as a bug in a fold would
        conn.execute(update(t.auctions).where(t.auctions.c.auction_id == "1").values(extensions=7))
    differences = verify(chain.w3, store, indexer.deployment)[1]
    assert [(d.object, d.field, d.indexed) for d in differences] == [("auction 1", "extensions", 7)]


def test_reorgs_mid_auction_workload_roll_auctions_and_bids_back(
    chain: Chain, any_store: IndexStore, tmp_path: Path
) -> None:
    store = any_store
    work = AuctionWorkload(chain, rng(73))
    work.run(12)
    indexer = _indexer(chain, work, store, reorg_window=32)
    assert reorgs_mid_workload(chain, indexer, work, [3, 1, 6, 2, 5, 4], seed=74) > 0
    fresh = IndexStore(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        _indexer(chain, work, fresh).sync()
        assert sorted(store.event_keys()) == sorted(fresh.event_keys())
        assert auction_rows(store) == auction_rows(fresh)
        assert Queries(store).bids(limit=1_000) == Queries(fresh).bids(limit=1_000)
    finally:
        fresh.dispose()


def test_cli_queries_auctions_and_bids_and_refuses_a_bad_filter_in_one_line(chain: Chain, tmp_path: Path) -> None:
    work = AuctionWorkload(chain, rng(75))
    work.run(30)
    db = f"sqlite:///{tmp_path / 'auction-cli.db'}"
    cli_store = IndexStore(db)
    try:
        _indexer(chain, work, cli_store).sync()
        expected = Queries(cli_store).auctions(limit=1_000).items
    finally:
        cli_store.dispose()
    runner = CliRunner()
    page = json.loads(
        runner.invoke(main, ["index", "query", "auctions", "--database-url", db, "--limit", "1000"]).output
    )
    assert [a["auction_id"] for a in page["items"]] == [a.auction_id for a in expected]
    bid_on = next(a for a in expected if a.bids)
    bids = json.loads(
        runner.invoke(
            main, ["index", "query", "bids", "--database-url", db, "--auction", str(bid_on.auction_id)]
        ).output
    )
    assert len(bids["items"]) == bid_on.bids
    for args in (["--status", "sold"], ["--seller", "0x12"]):
        result = runner.invoke(main, ["index", "query", "auctions", "--database-url", db, *args])
        assert result.exit_code == 1, (args, result.output)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), result.output
