"""A random AuctionHouse workload on the chain's anvil: sellers list ERC-721 and ERC-1155 lots for
ETH or an ERC-20 (reserves, increments, time buffers, impact shares), bidders outbid each other
(late bids extend the end), sellers cancel lots nobody bid on, the clock moves, and anyone settles
what has ended, singly or in batches. Each action is chosen among what the chain's current state
allows (read before each action, so the workload survives reorgs)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from quiltkit.auction import ETH, NFT, AuctionHouse, AuctionStatus, Editions, Listing
from quiltkit.devchain import advance_time
from quiltkit.exceptions import ContractRevert
from quiltkit.tokens import Token

from tests.relayer.conftest import Chain

COIN = 10**18


class AuctionWorkload:
    def __init__(self, chain: Chain, rng: random.Random) -> None:
        self.chain, self.rng = chain, rng
        operator = chain.operator
        self.sellers = chain.accounts[6:8]
        self.bidders = chain.accounts[8:11]
        self.house = AuctionHouse.deploy(
            chain.w3, operator, owner=operator.address, treasury=operator.address, fee_bps=250
        )
        self.nft = NFT.deploy_test_nft(chain.w3, operator, "Patents", "PAT")
        self.editions = Editions.deploy_test_editions(chain.w3, operator)
        self.nft.set_default_royalty(operator.address, 500, sender=operator)
        self.token = Token.deploy_test_token(chain.w3, operator, "Bid", "BID")
        for bidder in self.bidders:
            self.token.mint(bidder.address, 10**6 * COIN, sender=operator)
        self.next_token = 1
        self.done: dict[str, int] = {}

    def run(self, steps: int) -> None:
        for _ in range(steps):
            self.step()

    def step(self) -> str:
        """One action: a kind drawn by weight among those possible now, then one of its instances."""
        kinds: dict[str, list[Callable[[], Any]]] = {"list": [self._list], "bid": [], "cancel": [], "settle": []}
        now = self.chain.now()
        for auction_id in range(1, self.house.auction_count() + 1):
            a = self.house.get_auction(auction_id)
            if a.status is not AuctionStatus.LIVE or not a.is_open(now):
                continue
            bidder = self.rng.choice([b for b in self.bidders if b.address != a.highest_bidder])
            kinds["bid"].append(lambda i=auction_id, b=bidder: self._bid(i, b))
            if a.highest_bidder is None:
                seller = next(s for s in self.sellers if s.address == a.seller)
                kinds["cancel"].append(lambda i=auction_id, s=seller: self.house.cancel(i, sender=s))
        if self.house.due_auctions():
            kinds["settle"].append(self._settle)
        kinds["time"] = [lambda: advance_time(self.chain.w3, self.rng.choice([30, 400, 1_500]))]
        weights = {"list": 2, "bid": 4, "cancel": 1, "settle": 2, "time": 2}
        possible = [k for k, runs in kinds.items() if runs]
        name = self.rng.choices(possible, weights=[weights[k] for k in possible])[0]
        try:
            self.rng.choice(kinds[name])()
        except ContractRevert:
            name += " (reverted)"
        self.done[name] = self.done.get(name, 0) + 1
        return name

    def _list(self) -> None:
        seller = self.rng.choice(self.sellers)
        token_id, self.next_token = self.next_token, self.next_token + 1
        if self.rng.random() < 0.75:
            self.nft.mint(seller.address, token_id, sender=self.chain.operator)
            amount = 0
        else:
            amount = self.rng.randint(1, 5)
            self.editions.mint(seller.address, token_id, amount, sender=self.chain.operator)
        impact = self.rng.random() < 0.3
        listing = Listing(
            collection=self.nft.address if amount == 0 else self.editions.address,
            token_id=token_id,
            amount=amount,
            currency=self.rng.choice([ETH, self.token.address]),
            reserve=self.rng.choice([0, COIN // 100]),
            duration=self.rng.choice([600, 1_200, 2_400]),
            min_increment_bps=self.rng.choice([0, 500, 1_000]),
            time_buffer=self.rng.choice([0, 300, 900]),
            impact_beneficiary=self.chain.accounts[11].address if impact else None,
            impact_bps=1_000 if impact else 0,
        )
        self.house.create_auction(listing, sender=seller)

    def _bid(self, auction_id: int, bidder: Any) -> None:
        minimum = max(self.house.min_next_bid(auction_id), 1)
        self.house.bid(auction_id, minimum + self.rng.randint(0, COIN // 50), sender=bidder)

    def _settle(self) -> None:
        due = self.house.due_auctions()
        if len(due) > 1 and self.rng.random() < 0.5:
            self.house.settle_many(due, sender=self.chain.operator)
        else:
            self.house.settle(self.rng.choice(due), sender=self.chain.operator)
