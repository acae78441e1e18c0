"""The auction chapter of ``quiltkit demo``: a project auctions a patent-style NFT.

Two bidders race in the last minutes of the auction (each bid inside the time buffer moves the
end, visibly); a keeper settles it once it ends, paying the inventor's royalty, the protocol fee,
an impact share to a carbon-offset fund and the seller; the payouts are shown as a table. Every
step goes through the typed SDK (``quiltkit.AuctionHouse``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from web3 import Web3

from quiltkit.auction import NFT, AuctionHouse, Listing, Settlement
from quiltkit.demo import Cast
from quiltkit.devchain import advance_time, fund_dev_accounts

__all__ = ["AuctionChapter", "run_auction_chapter"]

UNIT = 10**18
MINUTE = 60
PATENT_ID = 2026_0042
TIME_BUFFER = 10 * MINUTE


@dataclass
class AuctionChapter:
    house: str
    auction_id: int
    extensions: int
    settlement: Settlement
    paid: dict[str, int] = field(default_factory=dict)


def run_auction_chapter(w3: Web3, say: Callable[[str], None] = print) -> AuctionChapter:
    """Deploy a house and a patent collection on ``w3`` and play the auction, narrating via ``say``."""
    cast = Cast.from_dev_accounts()
    # Parts: the maintainer's project sells; funder and contributor bid; the arbiter plays the
    # inventor (royalty), verifier 1 the carbon-offset fund (impact share), the relayer the keeper.
    seller, alice, bob = cast.maintainer, cast.funder, cast.contributor
    inventor, offsets, keeper = cast.arbiter, cast.verifiers[0], cast.relayer
    fund_dev_accounts(w3, [cast.operator, seller, alice, bob, keeper])

    house = AuctionHouse.deploy(
        w3, cast.operator, owner=cast.operator.address, treasury=cast.treasury.address, fee_bps=250
    )
    patents = NFT.deploy_test_nft(w3, cast.operator, "Quilt Patents", "QPAT")
    patents.set_default_royalty(inventor.address, 500, sender=cast.operator)
    patents.mint(seller.address, PATENT_ID, sender=cast.operator)
    say(f"deployed AuctionHouse at {house.address} (fee 2.5%, royalty cap 10%) and patent collection QPAT")

    created = house.create_auction(
        Listing(
            collection=patents.address,
            token_id=PATENT_ID,
            reserve=UNIT,
            duration=3 * 60 * MINUTE,
            min_increment_bps=500,
            time_buffer=TIME_BUFFER,
            impact_beneficiary=offsets.address,
            impact_bps=200,
        ),
        sender=seller,
    )
    auction_id = created.auction_id
    auction = house.get_auction(auction_id)
    say(
        f"1. the project lists patent #{PATENT_ID} (approval granted in the same flow): reserve 1 ETH, 3 hours, "
        f"+5% per bid, 10-minute buffer, 2% to a carbon-offset fund; ends at t={auction.end_time}"
    )
    house.bid(auction_id, UNIT, sender=alice)
    say("2. alice opens at 1 ETH")

    now = int(w3.eth.get_block("latest")["timestamp"])
    advance_time(w3, auction.end_time - now - 3 * MINUTE)
    say("3. the last minutes:")
    race = [(bob, "bob", 12 * UNIT // 10), (alice, "alice", 15 * UNIT // 10), (bob, "bob", 2 * UNIT)]
    for bidder, name, amount in race:
        before = house.get_auction(auction_id).end_time
        placed = house.bid(auction_id, amount, sender=bidder).event("BidPlaced").args
        left = before - int(w3.eth.get_block("latest")["timestamp"])
        say(
            f"   {name} bids {amount / UNIT:g} ETH with {left // MINUTE}m{left % MINUTE:02d}s left: "
            f"end moves {before} -> {placed['end_time']} (extended: {placed['extended']})"
        )
        advance_time(w3, TIME_BUFFER - 2 * MINUTE)
    auction = house.get_auction(auction_id)
    say(f"   highest: {auction.highest_bid / UNIT:g} ETH by bob; {auction.extensions} extensions")

    now = int(w3.eth.get_block("latest")["timestamp"])
    advance_time(w3, max(auction.end_time - now, 0) + 1)
    people = {
        "seller": seller.address,
        "inventor": inventor.address,
        "treasury": cast.treasury.address,
        "offsets": offsets.address,
    }
    before_balances = {name: w3.eth.get_balance(address) for name, address in people.items()}
    settled = house.settle_due(sender=keeper)
    settlement = next(s for s in settled if s.auction_id == auction_id)
    paid = {name: w3.eth.get_balance(address) - before_balances[name] for name, address in people.items()}
    say(
        f"4. it ends; the keeper settles every due auction: patent #{PATENT_ID} goes to bob "
        f"({patents.owner_of(PATENT_ID)})"
    )
    say("")
    say(payout_table(settlement, paid))
    return AuctionChapter(
        house=house.address, auction_id=auction_id, extensions=auction.extensions, settlement=settlement, paid=paid
    )


def payout_table(settlement: Settlement, paid: dict[str, int]) -> str:
    """Who received what from the winning bid, in ETH."""
    shares = {
        "seller": settlement.seller_proceeds,
        "inventor": settlement.royalty,
        "treasury": settlement.fee,
        "offsets": settlement.impact,
    }
    labels = {
        "seller": "seller (rest)",
        "inventor": "royalty (ERC-2981)",
        "treasury": "protocol fee",
        "offsets": "impact share",
    }
    rows = [f"{'payout':<20}{'ETH':>10}{'share':>9}{'received':>12}"]
    for name, amount in shares.items():
        rows.append(
            f"{labels[name]:<20}{amount / UNIT:>10,.4f}{amount / settlement.amount:>9.1%}{paid[name] / UNIT:>12,.4f}"
        )
    rows.append(f"{'winning bid':<20}{settlement.amount / UNIT:>10,.4f}{1:>9.1%}")
    return "\n".join(rows)
