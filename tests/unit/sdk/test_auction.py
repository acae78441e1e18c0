"""AuctionHouse (Vyper) through the SDK: list with approval, bid races with extensions, settlement
splits, batch settlement of due auctions, and reverts raised as named exceptions."""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from quiltkit import NFT, AuctionHouse, AuctionStatus, Editions, Listing, Token
from quiltkit.auction import ETH
from quiltkit.auction_errors import (
    AuctionBelowReserve,
    AuctionBidTooLow,
    AuctionHasBids,
    AuctionNotEnded,
    AuctionNotLive,
    AuctionNotSeller,
    AuctionPaused,
)
from quiltkit.devchain import advance_time
from quiltkit.exceptions import InvalidInput
from web3 import Web3

from tests.conftest import DAY, UNIT, now

ROYALTY_BPS = 500
FEE_BPS = 100
_ids = count(1)


@pytest.fixture(scope="module")
def house(w3: Web3, operator: LocalAccount, treasury: LocalAccount) -> AuctionHouse:
    return AuctionHouse.deploy(
        w3, operator, owner=operator.address, treasury=treasury.address, fee_bps=FEE_BPS, royalty_cap_bps=1_000
    )


@pytest.fixture(scope="module")
def nft(w3: Web3, operator: LocalAccount, arbiter: LocalAccount) -> NFT:
    nft = NFT.deploy_test_nft(w3, operator, "Quilt Patents", "QPAT")
    nft.set_default_royalty(arbiter.address, ROYALTY_BPS, sender=operator)  # arbiter plays the inventor
    return nft


@pytest.fixture(scope="module")
def editions(w3: Web3, operator: LocalAccount, arbiter: LocalAccount) -> Editions:
    editions = Editions.deploy_test_editions(w3, operator)
    editions.set_default_royalty(arbiter.address, ROYALTY_BPS, sender=operator)
    return editions


@pytest.fixture
def list_patent(
    w3: Web3, house: AuctionHouse, nft: NFT, operator: LocalAccount, maintainer: LocalAccount
) -> Callable[..., int]:
    """Builder: mint a fresh patent NFT to the maintainer and list it (approval granted in the flow)."""

    def build(**overrides: Any) -> int:
        token_id = next(_ids)
        nft.mint(maintainer.address, token_id, sender=operator)
        fields: dict[str, Any] = {"collection": nft.address, "token_id": token_id, "reserve": UNIT, "duration": DAY}
        fields.update(overrides)
        return house.create_auction(Listing(**fields), sender=maintainer).auction_id

    return build


def test_list_with_approval_moves_the_lot(
    house: AuctionHouse, nft: NFT, operator: LocalAccount, maintainer: LocalAccount, w3: Web3
) -> None:
    token_id = next(_ids)
    nft.mint(maintainer.address, token_id, sender=operator)
    assert not nft.is_approved_for_all(maintainer.address, house.address)
    created = house.create_auction(
        {"collection": nft.address, "token_id": token_id, "reserve": UNIT, "duration": DAY, "time_buffer": 600},
        sender=maintainer,
    )
    assert nft.owner_of(token_id) == house.address
    auction = house.get_auction(created.auction_id)
    assert auction.status is AuctionStatus.LIVE
    assert (auction.seller, auction.collection, auction.token_id) == (maintainer.address, nft.address, token_id)
    assert auction.is_eth and not auction.is_erc1155
    assert auction.end_time == auction.start_time + DAY
    assert auction.time_buffer == 600
    assert auction.fee_bps == FEE_BPS
    assert auction.highest_bidder is None and auction.min_next_bid == UNIT
    assert auction.is_open(now(w3))
    assert created.tx.event("AuctionCreated").args["reserve"] == UNIT


def test_bid_race_extends_and_refunds(
    w3: Web3,
    house: AuctionHouse,
    list_patent: Callable[..., int],
    funder: LocalAccount,
    contributor: LocalAccount,
) -> None:
    auction_id = list_patent(time_buffer=600)
    house.bid(auction_id, UNIT, sender=funder)
    end = house.get_auction(auction_id).end_time
    advance_time(w3, end - now(w3) - 120)  # two minutes left
    funder_before = w3.eth.get_balance(funder.address)
    result = house.bid(auction_id, 2 * UNIT, sender=contributor)
    assert w3.eth.get_balance(funder.address) - funder_before == UNIT, "outbid bidder refunded in the same call"
    placed = result.event("BidPlaced").args
    assert placed["extended"] is True
    auction = house.get_auction(auction_id)
    assert auction.end_time == placed["end_time"] > end
    assert auction.extensions == 1
    assert auction.highest_bidder == contributor.address and auction.highest_bid == 2 * UNIT
    with pytest.raises(AuctionBidTooLow):
        house.bid(auction_id, 2 * UNIT + 1, sender=funder)


def test_settle_pays_royalty_fee_impact_and_seller(
    w3: Web3,
    house: AuctionHouse,
    nft: NFT,
    list_patent: Callable[..., int],
    maintainer: LocalAccount,
    funder: LocalAccount,
    arbiter: LocalAccount,
    treasury: LocalAccount,
    relayer: LocalAccount,
    verifiers: list[LocalAccount],
) -> None:
    beneficiary = verifiers[0]  # plays the carbon-offset fund
    auction_id = list_patent(impact_beneficiary=beneficiary.address, impact_bps=200)
    house.bid(auction_id, 10 * UNIT, sender=funder)
    with pytest.raises(AuctionNotEnded):
        house.settle(auction_id, sender=relayer)
    advance_time(w3, DAY)
    accounts = (maintainer, arbiter, treasury, beneficiary)
    before = {a.address: w3.eth.get_balance(a.address) for a in accounts}
    settled = house.settle(auction_id, sender=relayer)
    assert settled.winner == funder.address and settled.amount == 10 * UNIT
    assert settled.royalty_receiver == arbiter.address
    assert (settled.royalty, settled.fee, settled.impact) == (UNIT // 2, UNIT // 10, UNIT // 5)
    assert settled.seller_proceeds == 10 * UNIT - settled.royalty - settled.fee - settled.impact
    paid = {a.address: w3.eth.get_balance(a.address) - before[a.address] for a in accounts}
    assert paid == {
        maintainer.address: settled.seller_proceeds,
        arbiter.address: settled.royalty,
        treasury.address: settled.fee,
        beneficiary.address: settled.impact,
    }
    token_id = house.get_auction(auction_id)
    assert token_id.status is AuctionStatus.SETTLED
    with pytest.raises(AuctionNotLive):
        house.settle(auction_id, sender=relayer)
    assert nft.owner_of(next(_ids) - 1) == funder.address


def test_erc20_erc1155_and_settle_due(
    w3: Web3,
    house: AuctionHouse,
    editions: Editions,
    token: Token,
    list_patent: Callable[..., int],
    operator: LocalAccount,
    maintainer: LocalAccount,
    funder: LocalAccount,
    relayer: LocalAccount,
) -> None:
    edition_id = next(_ids)
    editions.mint(maintainer.address, edition_id, 5, sender=operator)
    lot = house.create_auction(
        Listing(collection=editions.address, token_id=edition_id, amount=5, currency=token.address, duration=DAY),
        sender=maintainer,
    ).auction_id
    assert editions.balance_of(house.address, edition_id) == 5
    house.bid(lot, 100 * UNIT, sender=funder)  # approves the token in the flow
    unsold = list_patent()
    advance_time(w3, DAY)
    assert set(house.due_auctions()) >= {lot, unsold}
    settled = {s.auction_id: s for s in house.settle_due(sender=relayer, batch_size=2)}
    assert {lot, unsold} <= set(settled)
    assert settled[unsold].winner is None
    assert editions.balance_of(funder.address, edition_id) == 5
    assert token.balance_of(house.address) == 0
    assert house.due_auctions() == []
    assert house.settle_due(sender=relayer) == []


def test_reverts_are_named_and_nothing_is_sent(
    w3: Web3,
    house: AuctionHouse,
    list_patent: Callable[..., int],
    operator: LocalAccount,
    maintainer: LocalAccount,
    funder: LocalAccount,
) -> None:
    auction_id = list_patent()
    nonce = w3.eth.get_transaction_count(funder.address)
    with pytest.raises(AuctionBelowReserve):
        house.bid(auction_id, UNIT - 1, sender=funder)
    with pytest.raises(AuctionNotSeller) as not_seller:
        house.cancel(auction_id, sender=funder)
    assert isinstance(not_seller.value, PermissionError)
    with pytest.raises(LookupError):
        house.bid(10_000, UNIT, sender=funder)
    assert w3.eth.get_transaction_count(funder.address) == nonce, "simulated, not sent"
    house.bid(auction_id, UNIT, sender=funder)
    with pytest.raises(AuctionHasBids):
        house.cancel(auction_id, sender=maintainer)
    house.pause(sender=operator)
    try:
        with pytest.raises(AuctionPaused):
            house.bid(auction_id, 2 * UNIT, sender=funder)
    finally:
        house.unpause(sender=operator)


def test_cancel_returns_the_lot(
    house: AuctionHouse, nft: NFT, list_patent: Callable[..., int], maintainer: LocalAccount
) -> None:
    auction_id = list_patent()
    token_id = house.get_auction(auction_id).token_id
    house.cancel(auction_id, sender=maintainer)
    assert nft.owner_of(token_id) == maintainer.address
    assert house.get_auction(auction_id).status is AuctionStatus.CANCELLED


def test_bad_input_is_refused_before_sending(
    house: AuctionHouse, nft: NFT, operator: LocalAccount, maintainer: LocalAccount
) -> None:
    with pytest.raises(InvalidInput, match="impact_beneficiary"):
        house.create_auction(
            {"collection": nft.address, "token_id": 1, "duration": DAY, "impact_bps": 100}, sender=maintainer
        )
    with pytest.raises(InvalidInput, match="duration"):
        house.create_auction({"collection": nft.address, "token_id": 1, "duration": 0}, sender=maintainer)
    with pytest.raises(InvalidInput, match="does not exist"):
        house.create_auction({"collection": nft.address, "token_id": 10**9, "duration": DAY}, sender=maintainer)
    token_id = next(_ids)
    nft.mint(operator.address, token_id, sender=operator)
    with pytest.raises(InvalidInput, match="does not own"):
        house.create_auction({"collection": nft.address, "token_id": token_id, "duration": DAY}, sender=maintainer)
    with pytest.raises(InvalidInput, match="amount"):
        house.bid(1, 0, sender=maintainer)
    assert ETH == "0x" + "00" * 20


def test_a_refused_refund_is_credited_and_withdrawn_elsewhere(
    w3: Web3,
    house: AuctionHouse,
    list_patent: Callable[..., int],
    funder: LocalAccount,
    relayer: LocalAccount,
) -> None:
    from ape import accounts, project

    refuser = project.RejectingReceiver.deploy(sender=accounts.test_accounts[0])  # refuses ETH
    auction_id = list_patent()
    bid = house.contract.encode_abi("bid", args=[auction_id, UNIT])
    refuser.execute(house.address, UNIT, bid, value=UNIT, sender=accounts.test_accounts[0])
    assert house.get_auction(auction_id).highest_bidder == refuser.address

    outbid = house.bid(auction_id, 2 * UNIT, sender=funder)
    credited = outbid.event("Credited").args
    assert (credited["account"], credited["amount"]) == (refuser.address, UNIT)
    assert house.credits(refuser.address) == UNIT

    before = w3.eth.get_balance(relayer.address)
    withdraw = house.contract.encode_abi("withdraw", args=[ETH, relayer.address])
    refuser.execute(house.address, 0, withdraw, sender=accounts.test_accounts[0])
    assert w3.eth.get_balance(relayer.address) - before == UNIT
    assert house.credits(refuser.address) == 0
