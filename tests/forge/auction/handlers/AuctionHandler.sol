// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {Vm} from "forge-std/Vm.sol";
import {console} from "forge-std/console.sol";
import {IAuctionHouse} from "../../../../contracts/auction/IAuctionHouse.sol";
import {TestToken} from "../../../../contracts/testing/TestToken.sol";
import {TestNFT} from "../../../../contracts/testing/TestNFT.sol";
import {TestEditions} from "../../../../contracts/testing/TestEditions.sol";
import {AuctionBidder} from "../mocks/AuctionBidder.sol";

/// @title AuctionHandler
/// @notice Drives the house through every entry point with valid inputs only (the suite runs with
/// fail_on_revert): list ERC-721 / ERC-1155 lots in ETH or the token, bid (EOAs and a bidder that
/// refuses refunds), let time pass, settle singly and in batches, cancel, withdraw credits. It
/// keeps ghost state per auction and checks the per-call properties as they happen: each bid
/// strictly raises the highest, the end moves only on a bid inside the buffer and only to
/// now + buffer, an auction settles once, and its payouts sum to the winning bid.
contract AuctionHandler is CommonBase, StdCheats, StdUtils {
    struct Ghost {
        address collection;
        uint256 tokenId;
        uint256 amount;
        address currency;
        address seller;
        uint256 highest;
        address bidder;
        uint256 end;
        uint256 buffer;
        uint256 settleCount;
        bool cancelled;
    }

    bytes32 private constant SETTLED_TOPIC =
        keccak256("AuctionSettled(uint256,address,uint256,address,uint256,uint256,uint256,uint256)");
    address private constant ETH = address(0);

    IAuctionHouse public immutable house;
    TestNFT public immutable nft;
    TestEditions public immutable editions;
    TestToken public immutable token;
    AuctionBidder public immutable refuser;
    address public immutable impact;

    address[] public bidders;
    address[] public sellers;
    /// @notice Every account that may hold a credit (bidders, sellers, treasury, royalty, impact).
    address[] public creditors;
    uint256[] public ids;
    mapping(uint256 auctionId => Ghost) public ghosts;
    uint256 private _nextTokenId = 1_000_000;

    // Property violations observed during calls (each must stay 0).
    uint256 public bidNotHigher;
    uint256 public endMovedWrongly;
    uint256 public settledTwice;
    uint256 public payoutMismatch;

    // Call summary.
    mapping(string action => uint256) public calls;

    constructor(
        IAuctionHouse house_,
        TestNFT nft_,
        TestEditions editions_,
        TestToken token_,
        address[] memory bidders_,
        address[] memory sellers_,
        address[] memory others,
        address impact_
    ) {
        (house, nft, editions, token, impact) = (house_, nft_, editions_, token_, impact_);
        refuser = new AuctionBidder();
        refuser.setMode(AuctionBidder.Mode.Revert);
        bidders = bidders_;
        bidders.push(address(refuser));
        sellers = sellers_;
        for (uint256 i; i < bidders.length; ++i) {
            creditors.push(bidders[i]);
        }
        for (uint256 i; i < sellers_.length; ++i) {
            creditors.push(sellers_[i]);
            vm.startPrank(sellers_[i]);
            nft.setApprovalForAll(address(house), true);
            editions.setApprovalForAll(address(house), true);
            vm.stopPrank();
        }
        for (uint256 i; i < others.length; ++i) {
            creditors.push(others[i]);
        }
    }

    function idCount() external view returns (uint256) {
        return ids.length;
    }

    function creditorCount() external view returns (uint256) {
        return creditors.length;
    }

    function isLive(uint256 auctionId) public view returns (bool) {
        Ghost storage g = ghosts[auctionId];
        return g.seller != address(0) && g.settleCount == 0 && !g.cancelled;
    }

    // ------------------------------------------------------------------------------------------
    // Actions
    // ------------------------------------------------------------------------------------------

    function create(uint256 seed, uint256 reserve, uint256 duration, uint256 buffer, uint256 incrementBps) external {
        Ghost memory g;
        g.seller = sellers[seed % sellers.length];
        g.currency = (seed >> 16) % 2 == 1 ? address(token) : ETH;
        g.tokenId = _nextTokenId++;
        if ((seed >> 8) % 2 == 1) {
            g.collection = address(editions);
            g.amount = _bound(seed >> 64, 1, 50);
            editions.mint(g.seller, g.tokenId, g.amount);
        } else {
            g.collection = address(nft);
            nft.mint(g.seller, g.tokenId);
        }
        duration = _bound(duration, 1 hours, 3 days);
        g.buffer = _bound(buffer, 0, 72 hours);
        g.end = block.timestamp + duration;
        uint256 impactBps = (seed >> 24) % 3 == 0 ? _bound(seed >> 32, 1, 500) : 0;
        uint256 auctionId = _list(g, _bound(reserve, 0, 5 ether), duration, _bound(incrementBps, 0, 2_000), impactBps);
        ids.push(auctionId);
        ghosts[auctionId] = g;
        calls["create"]++;
    }

    function _list(Ghost memory g, uint256 reserve, uint256 duration, uint256 incrementBps, uint256 impactBps)
        internal
        returns (uint256)
    {
        vm.prank(g.seller);
        return house.create_auction(
            g.collection,
            g.tokenId,
            g.amount,
            g.currency,
            reserve,
            0,
            duration,
            incrementBps,
            g.buffer,
            impactBps == 0 ? address(0) : impact,
            impactBps
        );
    }

    function bid(uint256 actorSeed, uint256 idSeed, uint256 extra) external {
        (bool found, uint256 auctionId) = _pick(idSeed, true, false);
        if (!found) return;
        Ghost storage g = ghosts[auctionId];
        address bidder = bidders[actorSeed % bidders.length];
        uint256 amount = house.min_next_bid(auctionId) + _bound(extra, 0, 3 ether);
        if (g.currency == ETH) {
            if (bidder == address(refuser)) {
                vm.deal(address(this), address(this).balance + amount);
                refuser.bid{value: amount}(house, auctionId, amount);
            } else {
                vm.deal(bidder, bidder.balance + amount);
                vm.prank(bidder);
                house.bid{value: amount}(auctionId, amount);
            }
        } else {
            token.mint(bidder, amount);
            if (bidder == address(refuser)) {
                refuser.approve(token, address(house), amount);
                refuser.bid(house, auctionId, amount);
            } else {
                vm.startPrank(bidder);
                token.approve(address(house), amount);
                house.bid(auctionId, amount);
                vm.stopPrank();
            }
        }
        IAuctionHouse.Auction memory a = house.get_auction(auctionId);
        if (a.highest_bid <= g.highest || a.highest_bid != amount || a.highest_bidder != bidder) bidNotHigher++;
        uint256 expectedEnd = g.end - block.timestamp < g.buffer ? block.timestamp + g.buffer : g.end;
        if (a.end_time != expectedEnd || a.end_time < g.end) endMovedWrongly++;
        (g.highest, g.bidder, g.end) = (a.highest_bid, bidder, a.end_time);
        calls["bid"]++;
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + _bound(seconds_, 1, 2 days));
        calls["warp"]++;
    }

    function settle(uint256 idSeed) external {
        (bool found, uint256 auctionId) = _pick(idSeed, false, true);
        if (!found) return;
        vm.recordLogs();
        house.settle(auctionId);
        _checkSettled(auctionId, vm.getRecordedLogs());
        calls["settle"]++;
    }

    function settleMany(uint256 idSeed) external {
        uint256 n = ids.length;
        if (n == 0) return;
        uint256 size = _bound(idSeed, 1, n < 8 ? n : 8);
        uint256[] memory batch = new uint256[](size);
        uint256 due;
        for (uint256 i; i < size; ++i) {
            batch[i] = ids[(idSeed % n + i) % n];
            if (isLive(batch[i]) && block.timestamp >= ghosts[batch[i]].end) due++;
        }
        // Duplicates in the batch settle once: count distinct due ids.
        for (uint256 i; i < size; ++i) {
            for (uint256 j; j < i; ++j) {
                if (batch[i] == batch[j] && isLive(batch[i]) && block.timestamp >= ghosts[batch[i]].end) {
                    due--;
                    break;
                }
            }
        }
        vm.recordLogs();
        uint256 settled = house.settle_many(batch);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        if (settled != due) settledTwice++;
        for (uint256 i; i < size; ++i) {
            if (isLive(batch[i]) && block.timestamp >= ghosts[batch[i]].end) _checkSettled(batch[i], logs);
        }
        calls["settleMany"]++;
    }

    function cancel(uint256 idSeed) external {
        (bool found, uint256 auctionId) = _pick(idSeed, false, false);
        if (!found) return;
        Ghost storage g = ghosts[auctionId];
        if (g.bidder != address(0)) return;
        vm.prank(g.seller);
        house.cancel(auctionId);
        g.cancelled = true;
        calls["cancel"]++;
    }

    function withdraw(uint256 actorSeed, bool inToken) external {
        address account = creditors[actorSeed % creditors.length];
        address currency = inToken ? address(token) : ETH;
        if (house.credits(currency, account) == 0) return;
        if (account == address(refuser)) {
            refuser.withdraw(house, currency, address(this));
        } else {
            vm.prank(account);
            house.withdraw(currency, account);
        }
        calls["withdraw"]++;
    }

    receive() external payable {}

    /// @notice Prints what the campaign did (forge test -vv).
    function callSummary() external view {
        string[7] memory names = ["create", "bid", "warp", "settle", "settleMany", "cancel", "withdraw"];
        console.log("-- AuctionHandler call summary --");
        for (uint256 k; k < names.length; ++k) {
            console.log(string.concat(names[k], ": ", vm.toString(calls[names[k]])));
        }
        console.log(string.concat("auctions: ", vm.toString(ids.length)));
    }

    // ------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------

    /// @dev A live auction starting from `seed`: open for bids (`open`), ended (`ended`), or any.
    function _pick(uint256 seed, bool open, bool ended) internal view returns (bool, uint256) {
        uint256 n = ids.length;
        for (uint256 i; i < n; ++i) {
            uint256 auctionId = ids[(seed % n + i) % n];
            if (!isLive(auctionId)) continue;
            bool hasEnded = block.timestamp >= ghosts[auctionId].end;
            if (open && hasEnded) continue;
            if (ended && !hasEnded) continue;
            return (true, auctionId);
        }
        return (false, 0);
    }

    function _checkSettled(uint256 auctionId, Vm.Log[] memory logs) internal {
        Ghost storage g = ghosts[auctionId];
        uint256 seen;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(house) || logs[i].topics[0] != SETTLED_TOPIC) continue;
            if (uint256(logs[i].topics[1]) != auctionId) continue;
            seen++;
            (uint256 amount,, uint256 royalty, uint256 fee, uint256 impactShare, uint256 proceeds) =
                abi.decode(logs[i].data, (uint256, address, uint256, uint256, uint256, uint256));
            address winner = address(uint160(uint256(logs[i].topics[2])));
            if (amount != g.highest || winner != g.bidder) payoutMismatch++;
            if (royalty + fee + impactShare + proceeds != amount) payoutMismatch++;
        }
        if (seen != 1) settledTwice++;
        g.settleCount++;
    }
}
