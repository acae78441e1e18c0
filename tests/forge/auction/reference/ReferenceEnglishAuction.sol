// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC2981} from "@openzeppelin/contracts/interfaces/IERC2981.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title ReferenceEnglishAuction
/// @notice A gas reference only (never deployed): the same English auction as the Vyper
/// AuctionHouse's ERC-721 / ETH path, written in idiomatic Solidity on OpenZeppelin 5 (natural
/// struct packing, ReentrancyGuardTransient, IERC2981), so `make bench` can set the two side by
/// side in one run. Reserve, minimum increment, time buffer, bounded refund with a credit
/// fallback, royalty capped, protocol fee; no start delay, ERC-20, ERC-1155 or impact share.
contract ReferenceEnglishAuction is ReentrancyGuardTransient {
    struct Auction {
        address seller; // slot 0
        uint40 endTime;
        uint32 timeBuffer;
        uint16 incrementBps;
        bool settled;
        address collection; // slot 1
        uint96 reserve;
        uint256 tokenId; // slot 2
        address bidder; // slot 3
        uint96 amount;
    }

    uint256 private constant _BPS = 10_000;
    uint256 private constant _PUSH_GAS = 30_000;

    address public immutable treasury;
    uint256 public immutable feeBps;
    uint256 public immutable royaltyCapBps;
    uint256 public auctionCount;
    mapping(uint256 auctionId => Auction) public auctions;
    mapping(address account => uint256) public credits;

    error ReferenceAuctionBidTooLow(uint256 auctionId, uint256 minimum);
    error ReferenceAuctionNotLive(uint256 auctionId);
    error ReferenceAuctionNotEnded(uint256 auctionId);

    event AuctionCreated(uint256 indexed auctionId, address indexed seller, address indexed collection, uint256 tokenId);
    event BidPlaced(uint256 indexed auctionId, address indexed bidder, uint256 amount, uint256 endTime);
    event AuctionSettled(uint256 indexed auctionId, address indexed winner, uint256 amount);
    event Credited(address indexed account, uint256 amount);

    constructor(address treasury_, uint256 feeBps_, uint256 royaltyCapBps_) {
        (treasury, feeBps, royaltyCapBps) = (treasury_, feeBps_, royaltyCapBps_);
    }

    function createAuction(
        address collection,
        uint256 tokenId,
        uint96 reserve,
        uint40 duration,
        uint16 incrementBps,
        uint32 timeBuffer
    ) external nonReentrant returns (uint256 auctionId) {
        auctionId = ++auctionCount;
        auctions[auctionId] = Auction({
            seller: msg.sender,
            endTime: uint40(block.timestamp) + duration,
            timeBuffer: timeBuffer,
            incrementBps: incrementBps,
            settled: false,
            collection: collection,
            reserve: reserve,
            tokenId: tokenId,
            bidder: address(0),
            amount: 0
        });
        emit AuctionCreated(auctionId, msg.sender, collection, tokenId);
        IERC721(collection).transferFrom(msg.sender, address(this), tokenId);
    }

    function bid(uint256 auctionId) external payable nonReentrant {
        Auction storage a = auctions[auctionId];
        uint256 endTime = a.endTime;
        if (a.settled || block.timestamp >= endTime) revert ReferenceAuctionNotLive(auctionId);
        address previousBidder = a.bidder;
        uint256 previousAmount = a.amount;
        uint256 minimum = previousBidder == address(0)
            ? Math.max(a.reserve, 1)
            : previousAmount + Math.max(previousAmount * a.incrementBps / _BPS, 1);
        if (msg.value < minimum) revert ReferenceAuctionBidTooLow(auctionId, minimum);
        a.bidder = msg.sender;
        a.amount = uint96(msg.value);
        if (endTime - block.timestamp < a.timeBuffer) {
            endTime = block.timestamp + a.timeBuffer;
            a.endTime = uint40(endTime);
        }
        emit BidPlaced(auctionId, msg.sender, msg.value, endTime);
        if (previousBidder != address(0)) _pay(previousBidder, previousAmount);
    }

    function settle(uint256 auctionId) external nonReentrant {
        Auction storage a = auctions[auctionId];
        if (a.settled || a.seller == address(0)) revert ReferenceAuctionNotLive(auctionId);
        if (block.timestamp < a.endTime) revert ReferenceAuctionNotEnded(auctionId);
        a.settled = true;
        (address winner, uint256 price, address seller) = (a.bidder, a.amount, a.seller);
        (address collection, uint256 tokenId) = (a.collection, a.tokenId);
        emit AuctionSettled(auctionId, winner, price);
        if (winner == address(0)) {
            IERC721(collection).safeTransferFrom(address(this), seller, tokenId);
            return;
        }
        IERC721(collection).safeTransferFrom(address(this), winner, tokenId);
        uint256 royalty;
        address receiver;
        try IERC2981(collection).royaltyInfo(tokenId, price) returns (address r, uint256 amount) {
            (receiver, royalty) = (r, Math.min(amount, price * royaltyCapBps / _BPS));
        } catch {}
        uint256 fee = price * feeBps / _BPS;
        if (royalty != 0) _pay(receiver, royalty);
        _pay(treasury, fee);
        _pay(seller, price - royalty - fee);
    }

    function withdraw() external nonReentrant {
        uint256 amount = credits[msg.sender];
        credits[msg.sender] = 0;
        (bool ok,) = msg.sender.call{value: amount}("");
        require(ok);
    }

    function _pay(address to, uint256 amount) private {
        (bool ok,) = to.call{value: amount, gas: _PUSH_GAS}("");
        if (!ok) {
            credits[to] += amount;
            emit Credited(to, amount);
        }
    }
}
