"""Typed client for AuctionHouse (Vyper): English auctions of ERC-721 tokens and ERC-1155 lots.

Bids are in ETH or one ERC-20 per auction; the beaten bid is refunded in the same call; a bid
inside an auction's time buffer extends it; anyone settles an ended auction (one, a batch, or
every due one with :meth:`AuctionHouse.settle_due`). Reverts raise the classes of
:mod:`quiltkit.auction_errors`, one per revert reason (``AuctionBidTooLow``...).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any, Unpack

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from web3 import Web3

from quiltkit._contract import ContractClient, Sender, TxOptions, TxResult, require, sender_address
from quiltkit._types import ZERO_ADDRESS, Address, checksum
from quiltkit.auction_errors import ERRORS
from quiltkit.auction_events import EVENTS as AUCTION_EVENTS
from quiltkit.exceptions import ContractRevert, InsufficientBalance, InvalidInput
from quiltkit.tokens import Token

__all__ = [
    "Auction",
    "AuctionHouse",
    "AuctionStatus",
    "CreatedAuction",
    "Editions",
    "Listing",
    "MAX_BATCH",
    "MAX_TIME_BUFFER",
    "NFT",
    "SETTLE_GAS_RESERVE",
    "Settlement",
]

BPS = 10_000
MAX_FEE_BPS = 1_000
MAX_ROYALTY_CAP_BPS = 2_500
MAX_TIME_BUFFER = 7 * 86_400
MAX_DURATION = 365 * 86_400
MAX_AMOUNT = 2**96 - 1
MAX_LOT_AMOUNT = 2**32 - 1
MAX_BATCH = 64
MAX_SCAN = 256
ETH = ZERO_ADDRESS
"""The currency address that means native ETH."""
SETTLE_GAS_RESERVE = 300_000
"""Gas to add to a settlement's gas *used* when that is all a sender knows (e.g. from
``eth_createAccessList``): before each push the house checks it can give the push its whole
allowance (the lot's is 250,000), so the limit must exceed the gas used by about that much. The
unused part is not charged. ``eth_estimateGas``, which the SDK uses, finds the limit by itself."""


class AuctionStatus(IntEnum):
    NONE = 0
    LIVE = 1
    SETTLED = 2
    CANCELLED = 3


class Auction(BaseModel):
    """State of one auction, as ``get_auction`` returns it.

    Once settled or cancelled the contract keeps only the status, seller, fee and impact shares,
    extensions and the winning bid; the rest is in the events.
    """

    model_config = ConfigDict(frozen=True)

    auction_id: int
    status: AuctionStatus
    seller: str
    collection: str
    token_id: int
    amount: int
    currency: str
    start_time: int
    end_time: int
    min_increment_bps: int
    time_buffer: int
    extensions: int
    fee_bps: int
    impact_beneficiary: str | None
    impact_bps: int
    highest_bidder: str | None
    highest_bid: int
    min_next_bid: int

    @property
    def is_erc1155(self) -> bool:
        return self.amount > 0

    @property
    def is_eth(self) -> bool:
        return self.currency == ETH

    def is_open(self, now: int) -> bool:
        """Whether the auction takes bids at chain time ``now``."""
        return self.status is AuctionStatus.LIVE and self.start_time <= now < self.end_time

    def is_due(self, now: int) -> bool:
        """Whether the auction can be settled at chain time ``now``."""
        return self.status is AuctionStatus.LIVE and now >= self.end_time


class Listing(BaseModel):
    """What a seller fixes when listing a lot (validated before anything is sent)."""

    model_config = ConfigDict(frozen=True)

    collection: Address
    token_id: int = Field(ge=0, lt=2**256)
    amount: int = Field(default=0, ge=0, le=MAX_LOT_AMOUNT)
    """0 for an ERC-721 token; the number of units of an ERC-1155 id."""
    currency: Address = ETH
    reserve: int = Field(default=0, ge=0, le=MAX_AMOUNT)
    start_time: int = Field(default=0, ge=0, lt=2**40)
    """When bidding opens (0: at listing)."""
    duration: int = Field(gt=0, le=MAX_DURATION)
    min_increment_bps: int = Field(default=500, ge=0, le=BPS)
    time_buffer: int = Field(default=900, ge=0, le=MAX_TIME_BUFFER)
    impact_beneficiary: Address | None = None
    impact_bps: int = Field(default=0, ge=0, le=BPS)

    @model_validator(mode="after")
    def _check(self) -> Listing:
        if (self.impact_bps == 0) != (self.impact_beneficiary is None):
            raise ValueError("name an impact_beneficiary exactly when impact_bps > 0")
        return self

    def as_args(self) -> tuple[Any, ...]:
        return (
            self.collection,
            self.token_id,
            self.amount,
            self.currency,
            self.reserve,
            self.start_time,
            self.duration,
            self.min_increment_bps,
            self.time_buffer,
            self.impact_beneficiary or ZERO_ADDRESS,
            self.impact_bps,
        )


class CreatedAuction(BaseModel):
    model_config = ConfigDict(frozen=True)

    auction_id: int
    tx: TxResult


class Settlement(BaseModel):
    """One auction's settlement, from its ``AuctionSettled`` event."""

    model_config = ConfigDict(frozen=True)

    auction_id: int
    winner: str | None
    amount: int
    royalty_receiver: str | None
    royalty: int
    fee: int
    impact: int
    seller_proceeds: int


def _listing(listing: Listing | dict[str, Any]) -> Listing:
    if isinstance(listing, Listing):
        return listing
    try:
        return Listing(**listing)
    except ValidationError as exc:
        raise InvalidInput(f"invalid listing: {exc}") from exc


def _or_none(address: str) -> str | None:
    return None if address == ZERO_ADDRESS else address


def _settlement(args: dict[str, Any]) -> Settlement:
    return Settlement(
        auction_id=args["auction_id"],
        winner=_or_none(checksum(args["winner"])),
        amount=args["amount"],
        royalty_receiver=_or_none(checksum(args["royalty_receiver"])),
        royalty=args["royalty"],
        fee=args["fee"],
        impact=args["impact"],
        seller_proceeds=args["seller_proceeds"],
    )


class AuctionHouse(ContractClient):
    """One deployed AuctionHouse. Reverts raise :mod:`quiltkit.auction_errors` exceptions."""

    artifact_name = "AuctionHouse"
    errors = ERRORS  # type: ignore[assignment]
    event_types = AUCTION_EVENTS  # type: ignore[assignment]

    @classmethod
    def deploy(
        cls,
        w3: Web3,
        sender: Sender,
        *,
        owner: str,
        treasury: str,
        fee_bps: int = 0,
        royalty_cap_bps: int = 1_000,
        **tx: Unpack[TxOptions],
    ) -> AuctionHouse:
        """Deploy a new AuctionHouse from the shipped bytecode."""
        require(0 <= fee_bps <= MAX_FEE_BPS, f"fee_bps must be 0..{MAX_FEE_BPS}, got {fee_bps}")
        require(
            0 <= royalty_cap_bps <= MAX_ROYALTY_CAP_BPS,
            f"royalty_cap_bps must be 0..{MAX_ROYALTY_CAP_BPS}, got {royalty_cap_bps}",
        )
        address, _ = cls._deploy(
            w3, sender, checksum(owner, "owner"), checksum(treasury, "treasury"), fee_bps, royalty_cap_bps, **tx
        )
        return cls(w3, address)

    # --- reads --------------------------------------------------------------------------------

    def get_auction(self, auction_id: int) -> Auction:
        raw = self._call("get_auction", auction_id)
        (
            status,
            seller,
            collection,
            token_id,
            amount,
            currency,
            start_time,
            end_time,
            increment,
            buffer,
            extensions,
            fee_bps,
            beneficiary,
            impact_bps,
            bidder,
            highest,
            min_next,
        ) = raw
        return Auction(
            auction_id=auction_id,
            status=AuctionStatus(status),
            seller=seller,
            collection=collection,
            token_id=token_id,
            amount=amount,
            currency=currency,
            start_time=start_time,
            end_time=end_time,
            min_increment_bps=increment,
            time_buffer=buffer,
            extensions=extensions,
            fee_bps=fee_bps,
            impact_beneficiary=_or_none(beneficiary),
            impact_bps=impact_bps,
            highest_bidder=_or_none(bidder),
            highest_bid=highest,
            min_next_bid=min_next,
        )

    def auction_count(self) -> int:
        return int(self._call("auction_count"))

    def min_next_bid(self, auction_id: int) -> int:
        return int(self._call("min_next_bid", auction_id))

    def credits(self, account: str, currency: str = ETH) -> int:
        """What ``account`` may withdraw in ``currency`` (ETH by default) after failed pushes."""
        return int(self._call("credits", checksum(currency, "currency"), checksum(account, "account")))

    def lot_owed(self, auction_id: int) -> str | None:
        """Who may claim the auction's lot after its push failed, if anyone."""
        return _or_none(str(self._call("lot_owed", auction_id)))

    def fee_bps(self) -> int:
        return int(self._call("fee_bps"))

    def royalty_cap_bps(self) -> int:
        return int(self._call("royalty_cap_bps"))

    def treasury(self) -> str:
        return str(self._call("treasury"))

    def owner(self) -> str:
        return str(self._call("owner"))

    def paused(self) -> bool:
        return bool(self._call("paused"))

    def due_auctions(self) -> list[int]:
        """Every live auction whose end has passed (what :meth:`settle_due` settles), by id."""
        due: list[int] = []
        count = self.auction_count()
        for first in range(1, count + 1, MAX_SCAN):
            due += [int(i) for i in self._call("due_auctions", first, min(MAX_SCAN, count + 1 - first))]
        return due

    # --- writes -------------------------------------------------------------------------------

    def create_auction(
        self, listing: Listing | dict[str, Any], *, sender: Sender, approve: bool = True, **tx: Unpack[TxOptions]
    ) -> CreatedAuction:
        """List a lot, moving it into the house; with ``approve`` first grant the house the
        approval it needs (ERC-721: ``approve`` of this token unless the house is an operator;
        ERC-1155: ``setApprovalForAll``)."""
        lot = _listing(listing)
        seller = sender_address(sender)
        now = self._now()
        require(
            lot.start_time == 0 or lot.start_time >= now,
            f"start_time {lot.start_time} is before the latest block time {now}",
        )
        if lot.amount == 0:
            nft = NFT(self.w3, lot.collection)
            try:
                holder = nft.owner_of(lot.token_id)
            except ContractRevert as exc:
                raise InvalidInput(f"token {lot.token_id} of {lot.collection} does not exist ({exc})") from exc
            require(holder == seller, f"{seller} does not own token {lot.token_id} of {lot.collection} ({holder} does)")
            approved = nft.is_approved_for_all(seller, self.address) or nft.get_approved(lot.token_id) == self.address
        else:
            editions = Editions(self.w3, lot.collection)
            balance = editions.balance_of(seller, lot.token_id)
            if balance < lot.amount:
                raise InsufficientBalance(f"{lot.collection} id {lot.token_id}", seller, balance, lot.amount)
            approved = editions.is_approved_for_all(seller, self.address)
        if not approved:
            require(approve, f"the house may not move {seller}'s lot: approve it first (or pass approve=True)")
            if lot.amount == 0:
                nft.approve(self.address, lot.token_id, sender=sender)
            else:
                editions.set_approval_for_all(self.address, True, sender=sender)
        result = self._transact("create_auction", *lot.as_args(), sender=sender, **tx)
        return CreatedAuction(auction_id=result.event("AuctionCreated").args["auction_id"], tx=result)

    def bid(
        self, auction_id: int, amount: int, *, sender: Sender, approve: bool = True, **tx: Unpack[TxOptions]
    ) -> TxResult:
        """Bid ``amount`` (ETH sent as value; an ERC-20 approved first when ``approve``)."""
        require(0 < amount <= MAX_AMOUNT, f"amount must be 1..{MAX_AMOUNT}, got {amount}")
        auction = self.get_auction(auction_id)
        if auction.is_eth:
            return self._transact("bid", auction_id, amount, sender=sender, value=amount, **tx)
        token = Token(self.w3, auction.currency)
        bidder = sender_address(sender)
        if token.allowance(bidder, self.address) < amount:
            require(approve, f"approve the house for {amount} of {auction.currency} first (or pass approve=True)")
            token.approve(self.address, amount, sender=sender)
        return self._transact("bid", auction_id, amount, sender=sender, **tx)

    def settle(self, auction_id: int, *, sender: Sender, **tx: Unpack[TxOptions]) -> Settlement:
        """Settle one ended auction (anyone may)."""
        result = self._transact("settle", auction_id, sender=sender, **tx)
        return _settlement(result.event("AuctionSettled").args)

    def settle_many(self, auction_ids: Sequence[int], *, sender: Sender, **tx: Unpack[TxOptions]) -> list[Settlement]:
        """Settle every live, ended auction among ``auction_ids`` (others are skipped)."""
        require(0 < len(auction_ids) <= MAX_BATCH, f"settle 1..{MAX_BATCH} auctions per call, got {len(auction_ids)}")
        result = self._transact("settle_many", list(auction_ids), sender=sender, **tx)
        return [_settlement(e.args) for e in result.events_named("AuctionSettled")]

    def settle_due(self, *, sender: Sender, batch_size: int = MAX_BATCH, **tx: Unpack[TxOptions]) -> list[Settlement]:
        """Settle every auction that has ended, ``batch_size`` per transaction."""
        require(0 < batch_size <= MAX_BATCH, f"batch_size must be 1..{MAX_BATCH}, got {batch_size}")
        require("nonce" not in tx, "settle_due may send several transactions: it takes no nonce", field="nonce")
        due = self.due_auctions()
        settled: list[Settlement] = []
        for start in range(0, len(due), batch_size):
            settled += self.settle_many(due[start : start + batch_size], sender=sender, **tx)
        return settled

    def cancel(self, auction_id: int, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        """Withdraw a lot nobody has bid on (seller only)."""
        return self._transact("cancel", auction_id, sender=sender, **tx)

    def claim_lot(self, auction_id: int, to: str, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        """Collect a lot whose push to ``sender`` failed, sending it to ``to``."""
        return self._transact("claim_lot", auction_id, checksum(to, "recipient"), sender=sender, **tx)

    def withdraw(
        self, *, sender: Sender, currency: str = ETH, to: str | None = None, **tx: Unpack[TxOptions]
    ) -> TxResult:
        """Collect ``sender``'s credit in ``currency``, sent to ``to`` (default: the sender)."""
        recipient = checksum(to, "recipient") if to else sender_address(sender)
        return self._transact("withdraw", checksum(currency, "currency"), recipient, sender=sender, **tx)

    def pause(self, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        return self._transact("pause", sender=sender, **tx)

    def unpause(self, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        return self._transact("unpause", sender=sender, **tx)

    def set_fee_bps(self, fee_bps: int, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        require(0 <= fee_bps <= MAX_FEE_BPS, f"fee_bps must be 0..{MAX_FEE_BPS}, got {fee_bps}")
        return self._transact("set_fee_bps", fee_bps, sender=sender, **tx)

    def set_treasury(self, treasury: str, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        return self._transact("set_treasury", checksum(treasury, "treasury"), sender=sender, **tx)

    def _now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])


class NFT(ContractClient):
    """An ERC-721 collection (any; ``mint`` and royalty setters work only on quiltkit's open-mint
    TestNFT, for local networks and demos)."""

    artifact_name = "TestNFT"

    @classmethod
    def deploy_test_nft(cls, w3: Web3, sender: Sender, name: str, symbol: str, **tx: Unpack[TxOptions]) -> NFT:
        address, _ = cls._deploy(w3, sender, name, symbol, **tx)
        return cls(w3, address)

    def owner_of(self, token_id: int) -> str:
        return checksum(self._call("ownerOf", token_id))

    def get_approved(self, token_id: int) -> str:
        return checksum(self._call("getApproved", token_id))

    def is_approved_for_all(self, owner: str, operator: str) -> bool:
        return bool(self._call("isApprovedForAll", checksum(owner, "owner"), checksum(operator, "operator")))

    def approve(self, spender: str, token_id: int, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        return self._transact("approve", checksum(spender, "spender"), token_id, sender=sender, **tx)

    def set_approval_for_all(
        self, operator: str, approved: bool, *, sender: Sender, **tx: Unpack[TxOptions]
    ) -> TxResult:
        return self._transact("setApprovalForAll", checksum(operator, "operator"), approved, sender=sender, **tx)

    def mint(self, to: str, token_id: int, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        return self._transact("mint", checksum(to, "recipient"), token_id, sender=sender, **tx)

    def set_default_royalty(self, receiver: str, bps: int, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        require(0 <= bps <= BPS, f"bps must be 0..{BPS}, got {bps}")
        return self._transact("setDefaultRoyalty", checksum(receiver, "receiver"), bps, sender=sender, **tx)


class Editions(ContractClient):
    """An ERC-1155 collection (any; ``mint`` and royalty setters work only on quiltkit's
    open-mint TestEditions, for local networks and demos)."""

    artifact_name = "TestEditions"

    @classmethod
    def deploy_test_editions(cls, w3: Web3, sender: Sender, **tx: Unpack[TxOptions]) -> Editions:
        address, _ = cls._deploy(w3, sender, **tx)
        return cls(w3, address)

    def balance_of(self, account: str, token_id: int) -> int:
        return int(self._call("balanceOf", checksum(account, "account"), token_id))

    def is_approved_for_all(self, owner: str, operator: str) -> bool:
        return bool(self._call("isApprovedForAll", checksum(owner, "owner"), checksum(operator, "operator")))

    def set_approval_for_all(
        self, operator: str, approved: bool, *, sender: Sender, **tx: Unpack[TxOptions]
    ) -> TxResult:
        return self._transact("setApprovalForAll", checksum(operator, "operator"), approved, sender=sender, **tx)

    def mint(self, to: str, token_id: int, amount: int, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        require(amount > 0, f"amount must be > 0, got {amount}")
        return self._transact("mint", checksum(to, "recipient"), token_id, amount, sender=sender, **tx)

    def set_default_royalty(self, receiver: str, bps: int, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        require(0 <= bps <= BPS, f"bps must be 0..{BPS}, got {bps}")
        return self._transact("setDefaultRoyalty", checksum(receiver, "receiver"), bps, sender=sender, **tx)
