// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAuctionHouse} from "../../../contracts/auction/IAuctionHouse.sol";
import {AuctionTestBase} from "./AuctionTestBase.sol";

/// @title AuctionHouseFuzzTest
/// @notice Fuzzed twins of the unit tests: the increment rule at its boundary, the time buffer,
/// and the settlement split for any price, royalty, fee and impact share.
contract AuctionHouseFuzzTest is AuctionTestBase {
    function testFuzz_bid_incrementBoundary(uint96 reserve, uint16 incrementBps, uint96 first) public {
        Listing memory l = _listing();
        l.reserve = bound(reserve, 0, 1_000 ether);
        l.incrementBps = bound(incrementBps, 0, BPS);
        uint256 id = _create(l);
        uint256 opening = bound(first, l.reserve == 0 ? 1 : l.reserve, 10_000 ether);
        _bidEth(alice, id, opening);
        uint256 step = opening * l.incrementBps / BPS;
        uint256 minimum = opening + (step == 0 ? 1 : step);
        assertEq(house.min_next_bid(id), minimum);

        vm.deal(bob, minimum);
        vm.prank(bob);
        vm.expectRevert(bytes("auction: bid too low"));
        house.bid{value: minimum - 1}(id, minimum - 1);
        _bidEth(bob, id, minimum);
        assertEq(alice.balance, opening, "the beaten bid came back whole");
        assertEq(_auction(id).highest_bid, minimum);
    }

    function testFuzz_bid_timeBuffer(uint32 buffer, uint32 bidAt) public {
        Listing memory l = _listing();
        l.timeBuffer = bound(buffer, 0, 7 days);
        uint256 id = _create(l);
        uint256 end = _endOf(id);
        vm.warp(bound(bidAt, block.timestamp, end - 1));
        _bidEth(alice, id, RESERVE);
        uint256 expected = end - block.timestamp < l.timeBuffer ? block.timestamp + l.timeBuffer : end;
        assertEq(_endOf(id), expected);
        assertGe(_endOf(id), end, "the end never moves earlier");
        assertEq(_auction(id).extensions, expected == end ? 0 : 1);
    }

    function testFuzz_settle_payoutsSumToTheBid(uint96 price, uint16 royaltyBps, uint16 feeBps, uint16 impactBps)
        public
    {
        uint256 fee = bound(feeBps, 0, 1_000);
        vm.prank(owner);
        house.set_fee_bps(fee);
        uint256 impactShare = bound(impactBps, 0, BPS - fee - ROYALTY_CAP_BPS);
        Listing memory l = _listing();
        nft.setTokenRoyalty(l.tokenId, artist, uint96(bound(royaltyBps, 0, BPS)));
        if (impactShare > 0) (l.impactBeneficiary, l.impactBps) = (impact, impactShare);
        uint256 id = _create(l);
        uint256 amount = bound(price, RESERVE, type(uint96).max);
        _bidEth(alice, id, amount);
        _warpPastEnd(id);

        house.settle(id);
        uint256 royalty = amount * bound(royaltyBps, 0, BPS) / BPS;
        uint256 cap = amount * ROYALTY_CAP_BPS / BPS;
        royalty = royalty < cap ? royalty : cap;
        assertEq(artist.balance, royalty, "royalty, capped");
        assertEq(treasury.balance, amount * fee / BPS, "fee fixed at listing");
        assertEq(impact.balance, amount * impactShare / BPS, "impact share");
        assertEq(artist.balance + treasury.balance + impact.balance + seller.balance, amount, "payouts sum to the bid");
        assertEq(address(house).balance, 0);
        assertEq(nft.ownerOf(l.tokenId), alice);
        assertEq(uint256(_auction(id).status), 2);
        IAuctionHouse.Auction memory a = _auction(id);
        assertEq(a.highest_bid, amount);
    }
}
