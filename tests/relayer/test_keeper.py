"""The keeper: due work needing no signature (open refunds after an escrow's deadline), sent
through the same nonce manager, store and confirm stage as payouts, once."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from quiltkit.auction import NFT, AuctionHouse, AuctionStatus, Listing
from quiltkit.devchain import advance_time
from quiltkit_relayer.chains.base import Broadcast, ChainUnavailable
from quiltkit_relayer.config import ConfigError
from quiltkit_relayer.daemon import Relayer
from quiltkit_relayer.models import TxState

from tests.relayer.conftest import Chain, relayer_settings, wait_until


def test_refunds_are_opened_once_after_the_deadline(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    due = chain.bounty(milestones=2, deadline_in=120)
    later = chain.bounty(milestones=1, deadline_in=30 * 86_400)
    advance_time(chain.w3, 600)
    relayer = make_relayer(keeper={"open_refunds": True, "interval_s": 0.2})

    relayer.start()
    wait_until(lambda: chain.escrow.get_escrow(due).refunds_opened, timeout=20, what="refunds opened")
    time.sleep(1.0)  # a few more keeper rounds: nothing is due any more

    assert not chain.escrow.get_escrow(later).refunds_opened
    history = relayer.store.tx_history("evm")
    assert [(t.kind, t.keeper_key, t.state) for t in history] == [("keeper", str(due), TxState.CONFIRMED)]
    task = relayer.store.keeper_task("open_refunds", str(due))
    assert task is not None
    assert task["state"] == "done"
    assert chain.escrow.claimable_refund(due, chain.maintainer.address) == chain.escrow.get_escrow(due).total


def test_the_keeper_is_off_unless_configured(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    due = chain.bounty(deadline_in=120)
    advance_time(chain.w3, 600)
    relayer = make_relayer()
    relayer.start()
    time.sleep(1.0)
    assert not chain.escrow.get_escrow(due).refunds_opened
    assert relayer.store.tx_history("evm") == []


def test_a_send_the_node_drops_is_left_to_the_confirm_stage(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    """The connection fails as the keeper sends its first transaction. The round still sends the
    next due escrow's; the confirm stage sends the stored one; each escrow gets one transaction."""
    first, second = chain.bounty(deadline_in=120), chain.bounty(deadline_in=120)
    advance_time(chain.w3, 600)
    relayer = make_relayer(keeper={"open_refunds": True, "escrow_ids": [first, second]})
    relayer.hold_signer()
    real = relayer.adapter.broadcast
    sends: list[str] = []

    def broadcast(raw: str) -> tuple[Broadcast, str]:
        sends.append(raw)
        if len(sends) == 1:
            raise ChainUnavailable("connection reset by peer while sending")
        return real(raw)

    relayer.adapter.broadcast = broadcast  # type: ignore[method-assign]
    relayer.keeper.tick()  # must not raise: the transaction is stored, the confirm stage owns it

    stored = relayer.store.tx_history("evm")
    assert [(t.keeper_key, t.state) for t in stored] == [(str(first), TxState.SIGNED), (str(second), TxState.BROADCAST)]
    assert not chain.escrow.get_escrow(first).refunds_opened
    for _ in range(3):
        relayer.confirm.tick()
    relayer.keeper.tick()  # nothing is due any more

    assert sends == [stored[0].raw_tx, stored[1].raw_tx, stored[0].raw_tx]
    history = relayer.store.tx_history("evm")
    assert [(t.tx_hash, t.state) for t in history] == [(t.tx_hash, TxState.CONFIRMED) for t in stored]
    for escrow_id in (first, second):
        assert chain.escrow.get_escrow(escrow_id).refunds_opened
        task = relayer.store.keeper_task("open_refunds", str(escrow_id))
        assert task is not None
        assert task["state"] == "done"


def _auctions(chain: Chain, durations: list[int], bids: list[bool]) -> tuple[AuctionHouse, list[int]]:
    """An AuctionHouse with one patent auction per duration (a bid on those marked), on the chain."""
    operator, seller, bidder = chain.operator, chain.maintainer, chain.contributor
    house = AuctionHouse.deploy(chain.w3, operator, owner=operator.address, treasury=chain.accounts[6].address)
    nft = NFT.deploy_test_nft(chain.w3, operator, "Quilt Patents", "QPAT")
    ids = []
    for token_id, (duration, with_bid) in enumerate(zip(durations, bids, strict=True), start=1):
        nft.mint(seller.address, token_id, sender=operator)
        listing = Listing(collection=nft.address, token_id=token_id, reserve=10**15, duration=duration, time_buffer=0)
        auction_id = house.create_auction(listing, sender=seller).auction_id
        if with_bid:
            house.bid(auction_id, 10**15, sender=bidder)
        ids.append(auction_id)
    return house, ids


def _settled_events(house: AuctionHouse) -> list[int]:
    logs = house.contract.events.AuctionSettled().get_logs(from_block=0, to_block="latest")
    return sorted(int(log["args"]["auction_id"]) for log in logs)


def test_ended_auctions_are_settled_once_in_batches(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    house, (a, b, c, later) = _auctions(chain, [600, 600, 600, 30 * 86_400], [True, False, True, True])
    advance_time(chain.w3, 3_600)
    relayer = make_relayer(
        keeper={"settle_auctions": True, "auction_house": house.address, "auction_batch": 2, "interval_s": 0.2}
    )

    relayer.start()
    wait_until(lambda: house.due_auctions() == [], timeout=20, what="ended auctions settled")
    time.sleep(1.0)  # a few more keeper rounds: nothing is due any more

    assert _settled_events(house) == [a, b, c], "each ended auction settled exactly once"
    assert house.get_auction(later).status is AuctionStatus.LIVE
    assert house.get_auction(a).status is AuctionStatus.SETTLED
    history = relayer.store.tx_history("evm")
    assert sorted((t.kind, t.keeper_key, t.state) for t in history) == [
        ("keeper", f"{a},{b}", TxState.CONFIRMED),
        ("keeper", str(c), TxState.CONFIRMED),
    ]
    assert relayer.store.keeper_task("settle_auctions", f"{a},{b}")["state"] == "done"  # type: ignore[index]


def test_settle_auctions_needs_the_house_address(chain: Chain, sqlite_url: str) -> None:
    with pytest.raises(ConfigError, match="auction_house"):
        relayer_settings(chain, sqlite_url, keeper={"settle_auctions": True})


def test_two_instances_settle_each_auction_once(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    """Two relayers (own signers, one store) keep the same house: every ended auction settles
    exactly once and no keeper transaction fails, whichever instance sends it."""
    house, ids = _auctions(chain, [600] * 5, [True, True, False, True, True])
    advance_time(chain.w3, 3_600)
    keeper = {"settle_auctions": True, "auction_house": house.address, "auction_batch": 2, "interval_s": 0.1}
    first = make_relayer(keeper=keeper)
    second = make_relayer(keeper=keeper, instance_id="second", signer_key="0x" + chain.accounts[11].key.hex())

    first.start()
    second.start()
    wait_until(lambda: house.due_auctions() == [], timeout=20, what="ended auctions settled")
    time.sleep(1.0)

    assert _settled_events(house) == ids, "each auction settled exactly once"
    history = first.store.tx_history("evm")
    assert history, "the keepers sent their batches"
    assert all(t.state is TxState.CONFIRMED for t in history)
