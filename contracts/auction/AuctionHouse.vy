# pragma version 0.4.3
# pragma optimize gas
"""
@title AuctionHouse
@license MIT
@notice English auctions of ERC-721 tokens and ERC-1155 lots, bid in ETH or one ERC-20 per auction.
        A seller lists a lot (it moves into the house) with a reserve, a start time, a duration,
        a minimum increment and a time buffer: a bid in the last `time_buffer` seconds moves the
        end to now + `time_buffer` (anti-sniping, bounded by MAX_TIME_BUFFER). Each higher bid
        refunds the one it beats in the same call. After the end anyone settles (one auction or a
        batch): the lot goes to the winner and the winning bid is split into the ERC-2981 royalty
        (capped at `royalty_cap_bps`), the protocol fee (fixed at listing), an optional impact share
        to a beneficiary named by the seller, and the seller's rest. An auction without bids
        returns the lot to the seller. The seller may cancel before the first bid.
@dev Money rules:
     - Every push (a refund, a payout, a lot) that fails becomes a credit its recipient collects
       with `withdraw` (funds) or `claim_lot` (a lot), naming where it goes. Pushes run with a
       bounded gas allowance, so a recipient that reverts or burns gas blocks no one else.
     - Pausing stops `create_auction` and `bid` only; settling, cancelling, withdrawing and
       claiming always work. No admin path moves a listed lot or a bid: the owner sets the fee
       for future listings (at most MAX_FEE_BPS), the treasury, and the pause.
     - ERC-20 bids are credited by the house's balance delta (fee-on-transfer tokens bid what
       arrives). Rebasing tokens are unsupported. Amounts are at most 2**96 - 1 base units, an
       ERC-1155 lot at most 2**32 - 1 units.
     - Every state-changing entry point holds the one re-entrancy lock and changes state before
       it calls out.
     - Reverts carry stable reasons "auction: ..." that the SDK maps to named exceptions.
     Storage is packed by hand (Vyper gives each variable a full slot); the layouts are below.
"""

# ----------------------------------------------------------------------------------------------
# Interfaces
# ----------------------------------------------------------------------------------------------

interface IERC721:
    def transferFrom(owner: address, to: address, token_id: uint256): nonpayable
    def ownerOf(token_id: uint256) -> address: view

interface IERC1155:
    def safeTransferFrom(owner: address, to: address, id: uint256, amount: uint256, data: Bytes[1]): nonpayable
    def balanceOf(account: address, id: uint256) -> uint256: view

interface IERC20Balance:
    def balanceOf(account: address) -> uint256: view

# ----------------------------------------------------------------------------------------------
# Types, constants
# ----------------------------------------------------------------------------------------------

struct Auction:
    status: uint8
    seller: address
    collection: address
    token_id: uint256
    amount: uint256
    currency: address
    start_time: uint256
    end_time: uint256
    min_increment_bps: uint256
    time_buffer: uint256
    extensions: uint256
    fee_bps: uint256
    impact_beneficiary: address
    impact_bps: uint256
    highest_bidder: address
    highest_bid: uint256
    min_next_bid: uint256

# Auction status: NONE (no such id), LIVE (listed, not yet settled or cancelled), SETTLED, CANCELLED.
STATUS_NONE: constant(uint8) = 0
STATUS_LIVE: constant(uint8) = 1
STATUS_SETTLED: constant(uint8) = 2
STATUS_CANCELLED: constant(uint8) = 3

BPS: constant(uint256) = 10_000
# @notice The highest protocol fee the owner may set: 10%.
MAX_FEE_BPS: constant(uint256) = 1_000
# @notice The highest royalty cap a deployment may choose: 25%.
MAX_ROYALTY_CAP_BPS: constant(uint256) = 2_500
# @notice Bounds on an auction's timing.
MAX_TIME_BUFFER: constant(uint256) = 7 * 86_400
MAX_DURATION: constant(uint256) = 365 * 86_400
MAX_START_DELAY: constant(uint256) = 365 * 86_400
MAX_AMOUNT: constant(uint256) = 2**96 - 1
MAX_LOT_AMOUNT: constant(uint256) = 2**32 - 1
MAX_BATCH: constant(uint256) = 64
MAX_SCAN: constant(uint256) = 256

# Gas a push may use: enough for a smart-contract wallet's receive or a token's transfer, bounded
# so a recipient that burns gas costs the caller at most this much. Before each push the house
# checks it has the allowance to give, so a caller cannot starve a push into its credit fallback.
ETH_PUSH_GAS: constant(uint256) = 30_000
TOKEN_PUSH_GAS: constant(uint256) = 150_000
LOT_PUSH_GAS: constant(uint256) = 250_000
ROYALTY_QUERY_GAS: constant(uint256) = 50_000
CALL_MARGIN: constant(uint256) = 15_000

MASK_160: constant(uint256) = 2**160 - 1
MASK_96: constant(uint256) = 2**96 - 1
MASK_64: constant(uint256) = 2**64 - 1
MASK_40: constant(uint256) = 2**40 - 1
MASK_24: constant(uint256) = 2**24 - 1
MASK_16: constant(uint256) = 2**16 - 1

# ----------------------------------------------------------------------------------------------
# Events
# ----------------------------------------------------------------------------------------------

event AuctionCreated:
    auction_id: indexed(uint256)
    seller: indexed(address)
    collection: indexed(address)
    token_id: uint256
    amount: uint256
    currency: address
    reserve: uint256
    start_time: uint256
    end_time: uint256
    min_increment_bps: uint256
    time_buffer: uint256
    fee_bps: uint256
    impact_beneficiary: address
    impact_bps: uint256

event BidPlaced:
    auction_id: indexed(uint256)
    bidder: indexed(address)
    amount: uint256
    end_time: uint256
    extended: bool

event AuctionSettled:
    auction_id: indexed(uint256)
    winner: indexed(address)
    amount: uint256
    royalty_receiver: address
    royalty: uint256
    fee: uint256
    impact: uint256
    seller_proceeds: uint256

event AuctionCancelled:
    auction_id: indexed(uint256)
    seller: indexed(address)

event Credited:
    token: indexed(address)
    account: indexed(address)
    auction_id: indexed(uint256)
    amount: uint256

event Withdrawn:
    token: indexed(address)
    account: indexed(address)
    to: address
    amount: uint256

event LotOwed:
    auction_id: indexed(uint256)
    account: indexed(address)

event LotClaimed:
    auction_id: indexed(uint256)
    account: indexed(address)
    to: address

event FeeChanged:
    previous_fee_bps: uint256
    new_fee_bps: uint256

event TreasuryChanged:
    previous_treasury: indexed(address)
    new_treasury: indexed(address)

event Paused:
    account: indexed(address)

event Unpaused:
    account: indexed(address)

event OwnershipTransferStarted:
    previous_owner: indexed(address)
    new_owner: indexed(address)

event OwnershipTransferred:
    previous_owner: indexed(address)
    new_owner: indexed(address)

# ----------------------------------------------------------------------------------------------
# Storage
# ----------------------------------------------------------------------------------------------

# @notice The account that may pause, set the fee and the treasury.
owner: public(address)
# @notice The account `owner` offered ownership to (two-step transfer).
pending_owner: public(address)
# @notice Royalty paid at most, in basis points of the winning bid.
royalty_cap_bps: public(immutable(uint256))

# treasury (0..159) | fee_bps (160..175) | auction_count (176..239) | paused (240)
_config: uint256
# currency (0..159) | end_time (160..199) | start_time (200..239) | min_increment_bps (240..255);
# zero once the auction is settled or cancelled.
_terms: HashMap[uint256, uint256]
# highest_bidder (0..159) | amount (160..255). Before the first bid the bidder is empty and the
# amount is the lowest acceptable bid, max(reserve, 1), so the first bid rewrites a non-zero slot.
_bid: HashMap[uint256, uint256]
# seller (0..159) | time_buffer (160..183) | extensions (184..199) | fee_bps (200..215) |
# impact_bps (216..231) | status (232..239) | token id stored apart (240)
_meta: HashMap[uint256, uint256]
# collection (0..159) | token id when < 2**64 (160..223) | ERC-1155 amount, 0 for ERC-721 (224..255)
_lot: HashMap[uint256, uint256]
_lot_token_id: HashMap[uint256, uint256]
_impact_beneficiary: HashMap[uint256, address]

# @notice Funds owed to an account after a failed push: token (empty for ETH) -> account -> amount.
credits: public(HashMap[address, HashMap[address, uint256]])
# @notice Who may claim an auction's lot after its push failed (empty when nothing is owed).
lot_owed: public(HashMap[uint256, address])


@deploy
def __init__(owner_: address, treasury_: address, fee_bps_: uint256, royalty_cap_bps_: uint256):
    """
    @notice Deploys the house.
    @param owner_ May pause listing and bidding, set the fee for future listings and the treasury
           (in a full deployment, the Timelock).
    @param treasury_ Receives the protocol fee.
    @param fee_bps_ Protocol fee for listings from now on, at most MAX_FEE_BPS.
    @param royalty_cap_bps_ Most a lot's ERC-2981 royalty may take, at most MAX_ROYALTY_CAP_BPS.
    """
    assert owner_ != empty(address), "auction: zero address"
    assert treasury_ != empty(address), "auction: zero address"
    assert fee_bps_ <= MAX_FEE_BPS, "auction: fee too high"
    assert royalty_cap_bps_ <= MAX_ROYALTY_CAP_BPS, "auction: royalty cap too high"
    royalty_cap_bps = royalty_cap_bps_
    self.owner = owner_
    self._config = convert(treasury_, uint256) | (fee_bps_ << 160)
    log OwnershipTransferred(previous_owner=empty(address), new_owner=owner_)
    log TreasuryChanged(previous_treasury=empty(address), new_treasury=treasury_)
    log FeeChanged(previous_fee_bps=0, new_fee_bps=fee_bps_)


# ----------------------------------------------------------------------------------------------
# Listing
# ----------------------------------------------------------------------------------------------

@external
@nonreentrant
def create_auction(
    collection: address,
    token_id: uint256,
    amount: uint256,
    currency: address,
    reserve: uint256,
    start_time: uint256,
    duration: uint256,
    min_increment_bps: uint256,
    time_buffer: uint256,
    impact_beneficiary: address,
    impact_bps: uint256,
) -> uint256:
    """
    @notice Lists a lot and moves it into the house.
    @dev Requirements: not paused; the house approved for the lot (ERC-721 `approve` or
         `setApprovalForAll`; ERC-1155 `setApprovalForAll`); `amount` 0 for an ERC-721 token,
         1..2**32-1 units for an ERC-1155 id; `currency` empty (ETH) or an ERC-20 contract;
         `reserve` < 2**96; `start_time` 0 (now) or within MAX_START_DELAY from now; `duration`
         1..MAX_DURATION seconds; `min_increment_bps` <= 10,000; `time_buffer` <= MAX_TIME_BUFFER;
         an impact beneficiary iff `impact_bps` > 0, and fee + royalty cap + impact <= 100%.
         Emits AuctionCreated.
    @param collection The ERC-721 or ERC-1155 contract.
    @param token_id The token id.
    @param amount 0 for ERC-721; the number of ERC-1155 units.
    @param currency Empty for ETH, or the ERC-20 bids are made in.
    @param reserve The lowest acceptable first bid (a bid is always at least 1).
    @param start_time When bidding opens (0: now).
    @param duration Seconds from the start to the end, before extensions.
    @param min_increment_bps How much each bid must beat the highest by (at least 1 base unit).
    @param time_buffer A bid this close to the end moves the end to now + `time_buffer`.
    @param impact_beneficiary Receives the impact share (empty: none).
    @param impact_bps The impact share of the winning bid, in basis points.
    @return The new auction's id.
    """
    config: uint256 = self._config
    assert config >> 240 == 0, "auction: paused"
    assert collection.is_contract, "auction: not a contract"
    assert currency == empty(address) or currency.is_contract, "auction: not a contract"
    assert reserve <= MAX_AMOUNT, "auction: amount too large"
    assert amount <= MAX_LOT_AMOUNT, "auction: amount too large"
    assert duration != 0 and duration <= MAX_DURATION, "auction: bad duration"
    assert min_increment_bps <= BPS, "auction: bad increment"
    assert time_buffer <= MAX_TIME_BUFFER, "auction: bad time buffer"
    start: uint256 = start_time
    if start == 0:
        start = block.timestamp
    assert start >= block.timestamp and start <= block.timestamp + MAX_START_DELAY, "auction: bad start time"
    fee_bps: uint256 = (config >> 160) & MASK_16
    assert (impact_bps == 0) == (impact_beneficiary == empty(address)), "auction: bad impact share"
    assert fee_bps + royalty_cap_bps + impact_bps <= BPS, "auction: bad impact share"

    auction_id: uint256 = ((config >> 176) & MASK_64) + 1
    self._config = (config & ~(MASK_64 << 176)) | (auction_id << 176)
    end: uint256 = start + duration
    self._terms[auction_id] = (
        convert(currency, uint256) | (end << 160) | (start << 200) | (min_increment_bps << 240)
    )
    self._bid[auction_id] = max(reserve, 1) << 160
    big_id: uint256 = 0
    if token_id > MASK_64:
        big_id = 1
        self._lot_token_id[auction_id] = token_id
    self._meta[auction_id] = (
        convert(msg.sender, uint256)
        | (time_buffer << 160)
        | (fee_bps << 200)
        | (impact_bps << 216)
        | (convert(STATUS_LIVE, uint256) << 232)
        | (big_id << 240)
    )
    self._lot[auction_id] = convert(collection, uint256) | ((token_id & (MASK_64 * (1 - big_id))) << 160) | (amount << 224)
    if impact_bps != 0:
        self._impact_beneficiary[auction_id] = impact_beneficiary

    log AuctionCreated(
        auction_id=auction_id,
        seller=msg.sender,
        collection=collection,
        token_id=token_id,
        amount=amount,
        currency=currency,
        reserve=reserve,
        start_time=start,
        end_time=end,
        min_increment_bps=min_increment_bps,
        time_buffer=time_buffer,
        fee_bps=fee_bps,
        impact_beneficiary=impact_beneficiary,
        impact_bps=impact_bps,
    )

    # Interactions: pull the lot, then check it arrived.
    if amount == 0:
        extcall IERC721(collection).transferFrom(msg.sender, self, token_id)
        assert staticcall IERC721(collection).ownerOf(token_id) == self, "auction: lot not received"
    else:
        before: uint256 = staticcall IERC1155(collection).balanceOf(self, token_id)
        extcall IERC1155(collection).safeTransferFrom(msg.sender, self, token_id, amount, b"")
        received: uint256 = staticcall IERC1155(collection).balanceOf(self, token_id) - before
        assert received == amount, "auction: lot not received"
    return auction_id


@external
def onERC1155Received(
    operator: address, sender: address, id: uint256, amount: uint256, data: Bytes[1024]
) -> bytes4:
    """
    @notice ERC-1155 receiver hook: accepts only the lots `create_auction` pulls in.
    @dev Anything sent directly would be stuck, so it is refused.
    """
    assert operator == self, "auction: transfer not from a listing"
    return method_id("onERC1155Received(address,address,uint256,uint256,bytes)", output_type=bytes4)


@view
@external
def supportsInterface(interface_id: bytes4) -> bool:
    """
    @notice ERC-165: the house is an ERC-1155 receiver.
    """
    return interface_id == 0x01ffc9a7 or interface_id == 0x4e2312e0


# ----------------------------------------------------------------------------------------------
# Bidding
# ----------------------------------------------------------------------------------------------

@external
@payable
@nonreentrant
def bid(auction_id: uint256, amount: uint256):
    """
    @notice Bids on a live auction; the bid it beats is refunded in the same call.
    @dev Requirements: not paused; the auction started and not ended; for ETH `msg.value` ==
         `amount`; for an ERC-20 no ETH and an allowance of `amount` (the bid is what arrives);
         the first bid at least the reserve, later bids at least the highest plus
         max(highest * min_increment_bps / 10,000, 1). A bid within `time_buffer` of the end
         moves the end to now + `time_buffer`. A refund that fails is credited to the outbid
         bidder. Emits BidPlaced, and Credited when a refund fails.
    @param auction_id The auction.
    @param amount The bid, in the auction's currency's base units.
    """
    assert self._config >> 240 == 0, "auction: paused"
    terms: uint256 = self._terms[auction_id]
    assert terms != 0, "auction: not live"
    end: uint256 = (terms >> 160) & MASK_40
    assert block.timestamp >= (terms >> 200) & MASK_40, "auction: not started"
    assert block.timestamp < end, "auction: ended"
    currency: address = convert(terms & MASK_160, address)

    received: uint256 = amount
    if currency == empty(address):
        assert msg.value == amount, "auction: wrong value"
    else:
        assert msg.value == 0, "auction: wrong value"
        received = self._pull(currency, amount)
    assert received <= MAX_AMOUNT, "auction: amount too large"

    previous: uint256 = self._bid[auction_id]
    previous_bidder: address = convert(previous & MASK_160, address)
    previous_amount: uint256 = previous >> 160
    if previous_bidder == empty(address):
        assert received >= previous_amount, "auction: below reserve"
    else:
        step: uint256 = max(previous_amount * (terms >> 240) // BPS, 1)
        assert received >= previous_amount + step, "auction: bid too low"
    self._bid[auction_id] = convert(msg.sender, uint256) | (received << 160)

    extended: bool = False
    meta: uint256 = self._meta[auction_id]
    time_buffer: uint256 = (meta >> 160) & MASK_24
    if end - block.timestamp < time_buffer:
        # The new end is later: end - now < buffer, so now + buffer > end.
        extended = True
        end = block.timestamp + time_buffer
        self._terms[auction_id] = (terms & ~(MASK_40 << 160)) | (end << 160)
        extensions: uint256 = (meta >> 184) & MASK_16
        if extensions < MASK_16:
            self._meta[auction_id] = meta + (1 << 184)
    log BidPlaced(auction_id=auction_id, bidder=msg.sender, amount=received, end_time=end, extended=extended)

    if previous_bidder != empty(address):
        self._pay(currency, previous_bidder, previous_amount, auction_id)


# ----------------------------------------------------------------------------------------------
# Settlement and cancellation
# ----------------------------------------------------------------------------------------------

@external
@nonreentrant
def settle(auction_id: uint256):
    """
    @notice Settles an ended auction: the lot to the winner, the winning bid split into royalty,
            fee, impact share and the seller's rest; without bids the lot returns to the seller.
    @dev Open to anyone. Requirements: the auction is live and its end has passed. Each push that
         fails becomes a credit (funds) or an owed lot. Emits AuctionSettled, and Credited or
         LotOwed for failed pushes.
    @param auction_id The auction.
    """
    assert self._settle(auction_id, True), "auction: not live"


@external
@nonreentrant
def settle_many(auction_ids: DynArray[uint256, MAX_BATCH]) -> uint256:
    """
    @notice Settles every auction of `auction_ids` that is live and ended, skipping the rest (so
            keepers racing each other never revert a batch).
    @param auction_ids Up to MAX_BATCH auction ids.
    @return How many auctions this call settled.
    """
    settled: uint256 = 0
    for auction_id: uint256 in auction_ids:
        if self._settle(auction_id, False):
            settled += 1
    return settled


@external
@nonreentrant
def cancel(auction_id: uint256):
    """
    @notice The seller withdraws a lot nobody has bid on; works while paused.
    @dev Requirements: the caller is the seller, the auction is live and has no bid. Emits
         AuctionCancelled, and LotOwed if the lot cannot be pushed back.
    @param auction_id The auction.
    """
    terms: uint256 = self._terms[auction_id]
    assert terms != 0, "auction: not live"
    meta: uint256 = self._meta[auction_id]
    seller: address = convert(meta & MASK_160, address)
    assert msg.sender == seller, "auction: not seller"
    assert self._bid[auction_id] & MASK_160 == 0, "auction: has bids"
    self._terms[auction_id] = 0
    self._bid[auction_id] = 0
    self._meta[auction_id] = (meta & ~(255 << 232)) | (convert(STATUS_CANCELLED, uint256) << 232)
    log AuctionCancelled(auction_id=auction_id, seller=seller)
    self._send_lot(auction_id, meta, seller)


@external
@nonreentrant
def claim_lot(auction_id: uint256, to: address):
    """
    @notice Collects a lot whose push failed, sending it to `to`.
    @dev Requirements: the lot is owed to the caller; `to` accepts it. Emits LotClaimed.
    @param auction_id The auction.
    @param to Where the lot goes.
    """
    assert to != empty(address), "auction: zero address"
    assert msg.sender != empty(address) and self.lot_owed[auction_id] == msg.sender, "auction: lot not owed"
    self.lot_owed[auction_id] = empty(address)
    lot: uint256 = self._lot[auction_id]
    token_id: uint256 = self._token_id(auction_id, self._meta[auction_id], lot)
    self._lot[auction_id] = 0
    self._lot_token_id[auction_id] = 0
    log LotClaimed(auction_id=auction_id, account=msg.sender, to=to)
    success: bool = raw_call(convert(lot & MASK_160, address), self._lot_calldata(lot, token_id, to), revert_on_failure=False)
    assert success, "auction: lot transfer failed"


@external
@nonreentrant
def withdraw(token: address, to: address) -> uint256:
    """
    @notice Collects the caller's credit in `token` (empty for ETH), sending it to `to`.
    @dev Requirements: a non-zero credit; the transfer to `to` succeeds. Emits Withdrawn.
    @param token The currency of the credit.
    @param to Where the funds go.
    @return The amount withdrawn.
    """
    assert to != empty(address), "auction: zero address"
    amount: uint256 = self.credits[token][msg.sender]
    assert amount != 0, "auction: nothing to withdraw"
    self.credits[token][msg.sender] = 0
    log Withdrawn(token=token, account=msg.sender, to=to, amount=amount)
    if token == empty(address):
        assert raw_call(to, b"", value=amount, revert_on_failure=False), "auction: transfer failed"
    else:
        assert self._call_token(token, abi_encode(to, amount, method_id=method_id("transfer(address,uint256)")), max_value(uint256)), "auction: transfer failed"
    return amount


# ----------------------------------------------------------------------------------------------
# Owner
# ----------------------------------------------------------------------------------------------

@external
def pause():
    """
    @notice Stops new listings and bids. Settlement, cancellation and withdrawals keep working.
    @dev Requirements: the caller is the owner; not paused. Emits Paused.
    """
    self._check_owner()
    config: uint256 = self._config
    assert config >> 240 == 0, "auction: paused"
    self._config = config | (1 << 240)
    log Paused(account=msg.sender)


@external
def unpause():
    """
    @notice Lets listings and bids resume.
    @dev Requirements: the caller is the owner; paused. Emits Unpaused.
    """
    self._check_owner()
    config: uint256 = self._config
    assert config >> 240 != 0, "auction: not paused"
    self._config = config & ~(1 << 240)
    log Unpaused(account=msg.sender)


@external
def set_fee_bps(new_fee_bps: uint256):
    """
    @notice Sets the protocol fee of listings from now on; live auctions keep theirs.
    @dev Requirements: the caller is the owner; at most MAX_FEE_BPS. Emits FeeChanged.
    @param new_fee_bps The fee in basis points.
    """
    self._check_owner()
    assert new_fee_bps <= MAX_FEE_BPS, "auction: fee too high"
    config: uint256 = self._config
    log FeeChanged(previous_fee_bps=(config >> 160) & MASK_16, new_fee_bps=new_fee_bps)
    self._config = (config & ~(MASK_16 << 160)) | (new_fee_bps << 160)


@external
def set_treasury(new_treasury: address):
    """
    @notice Sets the account that receives protocol fees from the next settlement on.
    @dev Requirements: the caller is the owner; not the zero address. Emits TreasuryChanged.
    @param new_treasury The new treasury.
    """
    self._check_owner()
    assert new_treasury != empty(address), "auction: zero address"
    config: uint256 = self._config
    log TreasuryChanged(previous_treasury=convert(config & MASK_160, address), new_treasury=new_treasury)
    self._config = (config & ~MASK_160) | convert(new_treasury, uint256)


@external
def transfer_ownership(new_owner: address):
    """
    @notice Offers ownership to `new_owner`, who takes it with `accept_ownership`.
    @dev Requirements: the caller is the owner. Emits OwnershipTransferStarted.
    @param new_owner The proposed owner (empty cancels an offer).
    """
    self._check_owner()
    self.pending_owner = new_owner
    log OwnershipTransferStarted(previous_owner=msg.sender, new_owner=new_owner)


@external
def accept_ownership():
    """
    @notice Takes the ownership offered to the caller.
    @dev Requirements: the caller is the pending owner. Emits OwnershipTransferred.
    """
    assert msg.sender == self.pending_owner, "auction: not pending owner"
    previous: address = self.owner
    self.owner = msg.sender
    self.pending_owner = empty(address)
    log OwnershipTransferred(previous_owner=previous, new_owner=msg.sender)


# ----------------------------------------------------------------------------------------------
# Views
# ----------------------------------------------------------------------------------------------

@view
@external
def treasury() -> address:
    """
    @notice The account that receives protocol fees.
    """
    return convert(self._config & MASK_160, address)


@view
@external
def fee_bps() -> uint256:
    """
    @notice The protocol fee new listings take, in basis points.
    """
    return (self._config >> 160) & MASK_16


@view
@external
def auction_count() -> uint256:
    """
    @notice How many auctions were ever created; ids run from 1 to this.
    """
    return (self._config >> 176) & MASK_64


@view
@external
def paused() -> bool:
    """
    @notice Whether listing and bidding are stopped.
    """
    return self._config >> 240 != 0


@view
@external
def get_auction(auction_id: uint256) -> Auction:
    """
    @notice One auction's state. Once settled or cancelled only the status, seller, fee and
            impact shares, extensions and the winning bid remain; the rest is in the events.
    @param auction_id The auction.
    """
    meta: uint256 = self._meta[auction_id]
    terms: uint256 = self._terms[auction_id]
    lot: uint256 = self._lot[auction_id]
    highest: uint256 = self._bid[auction_id]
    bidder: address = convert(highest & MASK_160, address)
    status: uint8 = convert((meta >> 232) & 255, uint8)
    impact_bps: uint256 = (meta >> 216) & MASK_16
    return Auction(
        status=status,
        seller=convert(meta & MASK_160, address),
        collection=convert(lot & MASK_160, address),
        token_id=self._token_id(auction_id, meta, lot),
        amount=lot >> 224,
        currency=convert(terms & MASK_160, address),
        start_time=(terms >> 200) & MASK_40,
        end_time=(terms >> 160) & MASK_40,
        min_increment_bps=terms >> 240,
        time_buffer=(meta >> 160) & MASK_24,
        extensions=(meta >> 184) & MASK_16,
        fee_bps=(meta >> 200) & MASK_16,
        impact_beneficiary=self._impact_beneficiary[auction_id],
        impact_bps=impact_bps,
        highest_bidder=bidder,
        highest_bid=(highest >> 160) if bidder != empty(address) else 0,
        min_next_bid=self._min_next_bid(terms, highest) if terms != 0 else 0,
    )


@view
@external
def min_next_bid(auction_id: uint256) -> uint256:
    """
    @notice The lowest bid the auction accepts now (0 when it is not live).
    @param auction_id The auction.
    """
    terms: uint256 = self._terms[auction_id]
    if terms == 0:
        return 0
    return self._min_next_bid(terms, self._bid[auction_id])


@view
@external
def due_auctions(first_id: uint256, count: uint256) -> DynArray[uint256, MAX_SCAN]:
    """
    @notice The live auctions whose end has passed among ids first_id .. first_id + count - 1,
            i.e. what `settle_many` would settle now.
    @param first_id The first id to look at.
    @param count How many ids to look at, at most MAX_SCAN.
    """
    assert count <= MAX_SCAN, "auction: batch too large"
    due: DynArray[uint256, MAX_SCAN] = []
    for i: uint256 in range(count, bound=MAX_SCAN):
        terms: uint256 = self._terms[first_id + i]
        if terms != 0 and block.timestamp >= (terms >> 160) & MASK_40:
            due.append(first_id + i)
    return due


# ----------------------------------------------------------------------------------------------
# Internals
# ----------------------------------------------------------------------------------------------

@internal
def _check_owner():
    assert msg.sender == self.owner, "auction: not owner"


@view
@internal
def _min_next_bid(terms: uint256, highest: uint256) -> uint256:
    amount: uint256 = highest >> 160
    if highest & MASK_160 == 0:
        return amount
    return amount + max(amount * (terms >> 240) // BPS, 1)


@view
@internal
def _token_id(auction_id: uint256, meta: uint256, lot: uint256) -> uint256:
    if (meta >> 240) & 1 == 1:
        return self._lot_token_id[auction_id]
    return (lot >> 160) & MASK_64


@view
@internal
def _lot_calldata(lot: uint256, token_id: uint256, to: address) -> Bytes[260]:
    amount: uint256 = lot >> 224
    if amount == 0:
        return abi_encode(self, to, token_id, method_id=method_id("safeTransferFrom(address,address,uint256)"))
    return abi_encode(
        self, to, token_id, amount, b"", method_id=method_id("safeTransferFrom(address,address,uint256,uint256,bytes)")
    )


@internal
def _require_gas(allowance: uint256):
    # With this much left the callee gets its whole allowance (EIP-150 keeps 1/64 back), so a
    # push that fails failed on its own account, not because the caller starved it.
    assert msg.gas >= allowance * 64 // 63 + CALL_MARGIN, "auction: more gas needed"


@internal
def _send_lot(auction_id: uint256, meta: uint256, to: address):
    """
    @dev Pushes the lot to `to`; if that fails, `to` may claim it with `claim_lot`.
    """
    lot: uint256 = self._lot[auction_id]
    token_id: uint256 = self._token_id(auction_id, meta, lot)
    self._lot[auction_id] = 0
    if (meta >> 240) & 1 == 1:
        self._lot_token_id[auction_id] = 0
    self._require_gas(LOT_PUSH_GAS)
    if not raw_call(
        convert(lot & MASK_160, address), self._lot_calldata(lot, token_id, to), gas=LOT_PUSH_GAS, revert_on_failure=False
    ):
        # Put the lot back for claim_lot (rewriting the original values costs little).
        self._lot[auction_id] = lot
        if (meta >> 240) & 1 == 1:
            self._lot_token_id[auction_id] = token_id
        self.lot_owed[auction_id] = to
        log LotOwed(auction_id=auction_id, account=to)


@internal
def _call_token(token: address, data: Bytes[100], allowance: uint256) -> bool:
    """
    @dev Calls an ERC-20; true when the call succeeded and returned nothing or true.
    """
    success: bool = False
    response: Bytes[32] = b""
    if allowance == max_value(uint256):
        success, response = raw_call(token, data, max_outsize=32, revert_on_failure=False)
    else:
        success, response = raw_call(token, data, max_outsize=32, gas=allowance, revert_on_failure=False)
    if not success:
        return False
    if len(response) == 0:
        return token.is_contract
    if len(response) != 32:
        return False
    return convert(response, uint256) == 1


@internal
def _pull(token: address, amount: uint256) -> uint256:
    """
    @dev Pulls `amount` of `token` from the caller and returns what arrived.
    """
    before: uint256 = staticcall IERC20Balance(token).balanceOf(self)
    assert self._call_token(
        token, abi_encode(msg.sender, self, amount, method_id=method_id("transferFrom(address,address,uint256)")), max_value(uint256)
    ), "auction: transfer failed"
    return staticcall IERC20Balance(token).balanceOf(self) - before


@internal
def _pay(token: address, to: address, amount: uint256, auction_id: uint256):
    """
    @dev Pushes `amount` to `to` with a bounded gas allowance; a failed push becomes a credit.
    """
    if amount == 0:
        return
    success: bool = False
    if token == empty(address):
        self._require_gas(ETH_PUSH_GAS)
        success = raw_call(to, b"", value=amount, gas=ETH_PUSH_GAS, revert_on_failure=False)
    else:
        self._require_gas(TOKEN_PUSH_GAS)
        success = self._call_token(token, abi_encode(to, amount, method_id=method_id("transfer(address,uint256)")), TOKEN_PUSH_GAS)
    if not success:
        self.credits[token][to] += amount
        log Credited(token=token, account=to, auction_id=auction_id, amount=amount)


@view
@internal
def _royalty(collection: address, token_id: uint256, price: uint256) -> (address, uint256):
    """
    @dev The lot's ERC-2981 royalty on `price`, capped at royalty_cap_bps; nothing when the
         collection does not answer, answers malformed data, or names no receiver.
    """
    success: bool = False
    response: Bytes[64] = b""
    success, response = raw_call(
        collection,
        abi_encode(token_id, price, method_id=method_id("royaltyInfo(uint256,uint256)")),
        max_outsize=64,
        gas=ROYALTY_QUERY_GAS,
        is_static_call=True,
        revert_on_failure=False,
    )
    if not success or len(response) != 64:
        return empty(address), 0
    word: uint256 = extract32(response, 0, output_type=uint256)
    if word == 0 or word > MASK_160:
        return empty(address), 0
    royalty: uint256 = min(extract32(response, 32, output_type=uint256), price * royalty_cap_bps // BPS)
    return convert(word, address), royalty


@internal
def _settle(auction_id: uint256, strict: bool) -> bool:
    """
    @dev Settles one auction. Returns False (when not `strict`) for an auction that is not live
         or not ended; reverts for them when `strict`.
    """
    terms: uint256 = self._terms[auction_id]
    if terms == 0:
        return False
    if block.timestamp < (terms >> 160) & MASK_40:
        assert not strict, "auction: not ended"
        return False
    meta: uint256 = self._meta[auction_id]
    highest: uint256 = self._bid[auction_id]
    seller: address = convert(meta & MASK_160, address)
    winner: address = convert(highest & MASK_160, address)

    # Effects: the auction is settled before anything is sent.
    self._terms[auction_id] = 0
    self._meta[auction_id] = (meta & ~(255 << 232)) | (convert(STATUS_SETTLED, uint256) << 232)

    if winner == empty(address):
        self._bid[auction_id] = 0
        log AuctionSettled(
            auction_id=auction_id,
            winner=empty(address),
            amount=0,
            royalty_receiver=empty(address),
            royalty=0,
            fee=0,
            impact=0,
            seller_proceeds=0,
        )
        self._send_lot(auction_id, meta, seller)
        return True

    price: uint256 = highest >> 160
    lot: uint256 = self._lot[auction_id]
    royalty_receiver: address = empty(address)
    royalty: uint256 = 0
    royalty_receiver, royalty = self._royalty(
        convert(lot & MASK_160, address), self._token_id(auction_id, meta, lot), price
    )
    # fee_bps + royalty cap + impact_bps <= 10,000 (checked at listing), so the rest is >= 0.
    fee: uint256 = price * ((meta >> 200) & MASK_16) // BPS
    impact_bps: uint256 = (meta >> 216) & MASK_16
    impact: uint256 = price * impact_bps // BPS
    proceeds: uint256 = price - royalty - fee - impact
    log AuctionSettled(
        auction_id=auction_id,
        winner=winner,
        amount=price,
        royalty_receiver=royalty_receiver,
        royalty=royalty,
        fee=fee,
        impact=impact,
        seller_proceeds=proceeds,
    )

    # Interactions.
    self._send_lot(auction_id, meta, winner)
    currency: address = convert(terms & MASK_160, address)
    self._pay(currency, royalty_receiver, royalty, auction_id)
    self._pay(currency, convert(self._config & MASK_160, address), fee, auction_id)
    if impact_bps != 0:
        self._pay(currency, self._impact_beneficiary[auction_id], impact, auction_id)
    self._pay(currency, seller, proceeds, auction_id)
    return True
