"""`quiltkit auction show` and `quiltkit auction settle-due` against a node (a fresh anvil)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from quiltkit import NFT, AuctionHouse, Listing
from quiltkit.cli import main
from quiltkit.devchain import advance_time, anvil, dev_accounts


def test_show_and_settle_due(monkeypatch: pytest.MonkeyPatch) -> None:
    operator, seller, bidder, keeper = dev_accounts(4)
    with anvil() as w3:
        url = str(w3.provider.endpoint_uri)  # type: ignore[attr-defined]
        house = AuctionHouse.deploy(w3, operator, owner=operator.address, treasury=operator.address, fee_bps=100)
        nft = NFT.deploy_test_nft(w3, operator, "Quilt Patents", "QPAT")
        for token_id in (1, 2):
            nft.mint(seller.address, token_id, sender=operator)
            house.create_auction(Listing(collection=nft.address, token_id=token_id, duration=3_600), sender=seller)
        house.bid(1, 10**18, sender=bidder)
        runner = CliRunner()

        shown = runner.invoke(main, ["auction", "show", "1", "--address", house.address, "--rpc-url", url])
        assert shown.exit_code == 0, shown.output
        assert json.loads(shown.output)["highest_bid"] == 10**18

        advance_time(w3, 3_601)
        monkeypatch.setenv("QUILTKIT_KEEPER_KEY", "0x" + keeper.key.hex())
        done = runner.invoke(main, ["auction", "settle-due", "--address", house.address, "--rpc-url", url])
        assert done.exit_code == 0, done.output
        assert done.output.splitlines()[-1] == "settled 2 auction(s)"
        assert nft.owner_of(1) == bidder.address and nft.owner_of(2) == seller.address
        assert house.due_auctions() == []
