// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IAuctionHouse} from "../../../contracts/auction/IAuctionHouse.sol";
import {FeeOnTransferToken} from "../../../contracts/testing/FeeOnTransferToken.sol";
import {AuctionTestBase} from "./AuctionTestBase.sol";

/// @title AuctionHouseTest
/// @notice Unit tests of the Vyper AuctionHouse: listing, bidding, anti-sniping, settlement
/// splits, cancellation, pause and owner powers, views.
contract AuctionHouseTest is AuctionTestBase {
    // ------------------------------------------------------------------------------------------
    // Deployment
    // ------------------------------------------------------------------------------------------

    function test_constructor_SetsConfig() public view {
        assertEq(house.owner(), owner);
        assertEq(house.treasury(), treasury);
        assertEq(house.fee_bps(), FEE_BPS);
        assertEq(house.royalty_cap_bps(), ROYALTY_CAP_BPS);
        assertEq(house.auction_count(), 0);
        assertFalse(house.paused());
    }

    function test_constructor_RevertWhen_FeeOrCapTooHigh() public {
        vm.expectRevert();
        _deployHouse(owner, treasury, 1_001, ROYALTY_CAP_BPS);
        vm.expectRevert();
        _deployHouse(owner, treasury, FEE_BPS, 2_501);
        vm.expectRevert();
        _deployHouse(address(0), treasury, FEE_BPS, ROYALTY_CAP_BPS);
    }

    // ------------------------------------------------------------------------------------------
    // Listing
    // ------------------------------------------------------------------------------------------

    function test_create_erc721_MovesLotAndEmits() public {
        IAuctionHouse.Auction memory a;
        Listing memory l = _listing();
        uint256 tokenId = l.tokenId;
        vm.expectEmit(address(house));
        emit IAuctionHouse.AuctionCreated(
            1,
            seller,
            address(nft),
            tokenId,
            0,
            ETH,
            RESERVE,
            block.timestamp,
            block.timestamp + DURATION,
            INCREMENT_BPS,
            TIME_BUFFER,
            FEE_BPS,
            address(0),
            0
        );
        uint256 id = _create(l);
        assertEq(id, 1);
        assertEq(house.auction_count(), 1);
        assertEq(nft.ownerOf(tokenId), address(house));
        a = _auction(id);
        assertEq(a.status, 1);
        assertEq(a.seller, seller);
        assertEq(a.collection, address(nft));
        assertEq(a.token_id, tokenId);
        assertEq(a.amount, 0);
        assertEq(a.currency, ETH);
        assertEq(a.start_time, block.timestamp);
        assertEq(a.end_time, block.timestamp + DURATION);
        assertEq(a.min_increment_bps, INCREMENT_BPS);
        assertEq(a.time_buffer, TIME_BUFFER);
        assertEq(a.extensions, 0);
        assertEq(a.fee_bps, FEE_BPS);
        assertEq(a.highest_bidder, address(0));
        assertEq(a.highest_bid, 0);
        assertEq(a.min_next_bid, RESERVE);
    }

    function test_create_erc1155_MovesUnits() public {
        Listing memory l = _listing1155(7);
        l.amount = 5;
        uint256 id = _create(l);
        assertEq(editions.balanceOf(address(house), l.tokenId), 5);
        assertEq(editions.balanceOf(seller, l.tokenId), 2);
        assertEq(_auction(id).amount, 5);
    }

    function test_create_bigTokenId_RoundTrips() public {
        uint256 tokenId = uint256(keccak256("quiltkit.eth"));
        nft.mint(seller, tokenId);
        Listing memory l = _listing();
        l.tokenId = tokenId;
        uint256 id = _create(l);
        assertEq(_auction(id).token_id, tokenId);
        _bidEth(alice, id, RESERVE);
        _warpPastEnd(id);
        house.settle(id);
        assertEq(nft.ownerOf(tokenId), alice);
    }

    function test_create_futureStart_RevertWhen_BidEarly() public {
        Listing memory l = _listing();
        l.startTime = block.timestamp + 1 hours;
        uint256 id = _create(l);
        assertEq(_endOf(id), block.timestamp + 1 hours + DURATION);
        vm.deal(alice, RESERVE);
        vm.prank(alice);
        vm.expectRevert(bytes("auction: not started"));
        house.bid{value: RESERVE}(id, RESERVE);
        vm.warp(block.timestamp + 1 hours);
        _bidEth(alice, id, RESERVE);
        assertEq(_auction(id).highest_bidder, alice);
    }

    function test_create_RevertWhen_BadTerms() public {
        Listing memory l = _listing();
        l.duration = 0;
        _expectCreateRevert(l, "auction: bad duration");
        l = _listing();
        l.duration = 366 days;
        _expectCreateRevert(l, "auction: bad duration");
        l = _listing();
        l.incrementBps = 10_001;
        _expectCreateRevert(l, "auction: bad increment");
        l = _listing();
        l.timeBuffer = 7 days + 1;
        _expectCreateRevert(l, "auction: bad time buffer");
        l = _listing();
        l.reserve = uint256(type(uint96).max) + 1;
        _expectCreateRevert(l, "auction: amount too large");
        l = _listing();
        l.startTime = block.timestamp - 1;
        _expectCreateRevert(l, "auction: bad start time");
        l = _listing();
        l.impactBps = 100;
        _expectCreateRevert(l, "auction: bad impact share");
        l = _listing();
        l.impactBeneficiary = impact;
        _expectCreateRevert(l, "auction: bad impact share");
        l = _listing();
        (l.impactBeneficiary, l.impactBps) = (impact, BPS - FEE_BPS - ROYALTY_CAP_BPS + 1);
        _expectCreateRevert(l, "auction: bad impact share");
        l = _listing();
        l.currency = stranger;
        _expectCreateRevert(l, "auction: not a contract");
        l = _listing();
        l.collection = stranger;
        _expectCreateRevert(l, "auction: not a contract");
        l = _listing1155(1);
        l.amount = 2 ** 32;
        _expectCreateRevert(l, "auction: amount too large");
    }

    function _expectCreateRevert(Listing memory l, string memory reason) internal {
        vm.expectRevert(bytes(reason));
        _create(l);
    }

    function test_create_RevertWhen_NotOwnerOfLot() public {
        Listing memory l = _listing();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721IncorrectOwner.selector, stranger, l.tokenId, seller));
        house.create_auction(l.collection, l.tokenId, 0, ETH, RESERVE, 0, DURATION, INCREMENT_BPS, TIME_BUFFER, address(0), 0);
        assertEq(house.auction_count(), 0);
    }

    function test_directTransfers_Refused() public {
        uint256 id = nextTokenId++;
        editions.mint(seller, id, 1);
        vm.prank(seller);
        vm.expectRevert();
        editions.safeTransferFrom(seller, address(house), id, 1, "");
        nft.mint(seller, id);
        vm.prank(seller);
        vm.expectRevert();
        nft.safeTransferFrom(seller, address(house), id);
        assertTrue(house.supportsInterface(0x4e2312e0));
        assertTrue(house.supportsInterface(0x01ffc9a7));
        assertFalse(house.supportsInterface(0xffffffff));
    }

    // ------------------------------------------------------------------------------------------
    // Bidding
    // ------------------------------------------------------------------------------------------

    function test_bid_first_AtReserve() public {
        uint256 id = _createDefault();
        vm.deal(alice, RESERVE);
        vm.expectEmit(address(house));
        emit IAuctionHouse.BidPlaced(id, alice, RESERVE, block.timestamp + DURATION, false);
        vm.prank(alice);
        house.bid{value: RESERVE}(id, RESERVE);
        IAuctionHouse.Auction memory a = _auction(id);
        assertEq(a.highest_bidder, alice);
        assertEq(a.highest_bid, RESERVE);
        assertEq(a.min_next_bid, RESERVE + RESERVE * INCREMENT_BPS / BPS);
        assertEq(address(house).balance, RESERVE);
    }

    function test_bid_RevertWhen_BelowReserve() public {
        uint256 id = _createDefault();
        vm.deal(alice, RESERVE);
        vm.prank(alice);
        vm.expectRevert(bytes("auction: below reserve"));
        house.bid{value: RESERVE - 1}(id, RESERVE - 1);
    }

    function test_bid_zeroReserve_NeedsOneWei() public {
        Listing memory l = _listing();
        l.reserve = 0;
        uint256 id = _create(l);
        vm.prank(alice);
        vm.expectRevert(bytes("auction: below reserve"));
        house.bid(id, 0);
        _bidEth(alice, id, 1);
        assertEq(_auction(id).highest_bid, 1);
    }

    function test_bid_outbid_RefundsInSameCall() public {
        uint256 id = _createDefault();
        _bidEth(alice, id, RESERVE);
        uint256 next = RESERVE + RESERVE * INCREMENT_BPS / BPS;
        _bidEth(bob, id, next);
        assertEq(alice.balance, RESERVE, "alice refunded");
        assertEq(address(house).balance, next);
        assertEq(house.credits(ETH, alice), 0);
        assertEq(_auction(id).highest_bidder, bob);
    }

    function test_bid_RevertWhen_BelowIncrement() public {
        uint256 id = _createDefault();
        _bidEth(alice, id, RESERVE);
        uint256 next = RESERVE + RESERVE * INCREMENT_BPS / BPS;
        vm.deal(bob, next);
        vm.prank(bob);
        vm.expectRevert(bytes("auction: bid too low"));
        house.bid{value: next - 1}(id, next - 1);
    }

    function test_bid_zeroIncrement_StillStrictlyHigher() public {
        Listing memory l = _listing();
        l.incrementBps = 0;
        uint256 id = _create(l);
        _bidEth(alice, id, RESERVE);
        vm.deal(bob, RESERVE);
        vm.prank(bob);
        vm.expectRevert(bytes("auction: bid too low"));
        house.bid{value: RESERVE}(id, RESERVE);
        _bidEth(bob, id, RESERVE + 1);
        assertEq(_auction(id).highest_bid, RESERVE + 1);
    }

    function test_bid_RevertWhen_WrongValue() public {
        uint256 id = _createDefault();
        vm.deal(alice, 2 * RESERVE);
        vm.prank(alice);
        vm.expectRevert(bytes("auction: wrong value"));
        house.bid{value: RESERVE}(id, 2 * RESERVE);
        uint256 tid = _createToken();
        vm.prank(alice);
        vm.expectRevert(bytes("auction: wrong value"));
        house.bid{value: 1}(tid, RESERVE);
    }

    function test_bid_RevertWhen_EndedOrUnknown() public {
        uint256 id = _createDefault();
        _warpPastEnd(id);
        vm.deal(alice, RESERVE);
        vm.prank(alice);
        vm.expectRevert(bytes("auction: ended"));
        house.bid{value: RESERVE}(id, RESERVE);
        vm.prank(alice);
        vm.expectRevert(bytes("auction: not live"));
        house.bid{value: RESERVE}(99, RESERVE);
    }

    function test_bid_erc20_PullsAndRefunds() public {
        uint256 id = _createToken();
        _bidToken(alice, id, RESERVE);
        assertEq(token.balanceOf(address(house)), RESERVE);
        _bidToken(bob, id, 2 * RESERVE);
        assertEq(token.balanceOf(alice), RESERVE, "alice refunded");
        assertEq(token.balanceOf(address(house)), 2 * RESERVE);
    }

    function test_bid_feeOnTransfer_CreditsBalanceDelta() public {
        FeeOnTransferToken fot = new FeeOnTransferToken(100); // 1% burnt per transfer
        Listing memory l = _listing();
        (l.currency, l.reserve) = (address(fot), 99e16);
        uint256 id = _create(l);
        fot.mint(alice, 1 ether);
        vm.startPrank(alice);
        fot.approve(address(house), 1 ether);
        house.bid(id, 1 ether);
        vm.stopPrank();
        assertEq(_auction(id).highest_bid, 99e16, "the bid is what arrived");
        assertEq(fot.balanceOf(address(house)), 99e16);
    }

    function test_bid_RevertWhen_Paused() public {
        uint256 id = _createDefault();
        vm.prank(owner);
        house.pause();
        vm.deal(alice, RESERVE);
        vm.prank(alice);
        vm.expectRevert(bytes("auction: paused"));
        house.bid{value: RESERVE}(id, RESERVE);
        Listing memory l = _listing();
        vm.expectRevert(bytes("auction: paused"));
        _create(l);
        vm.prank(owner);
        house.unpause();
        _bidEth(alice, id, RESERVE);
    }

    // ------------------------------------------------------------------------------------------
    // Anti-sniping
    // ------------------------------------------------------------------------------------------

    function test_bid_insideBuffer_ExtendsEnd() public {
        uint256 id = _createDefault();
        uint256 end = _endOf(id);
        vm.warp(end - 60);
        vm.deal(alice, RESERVE);
        vm.expectEmit(address(house));
        emit IAuctionHouse.BidPlaced(id, alice, RESERVE, block.timestamp + TIME_BUFFER, true);
        vm.prank(alice);
        house.bid{value: RESERVE}(id, RESERVE);
        assertEq(_endOf(id), block.timestamp + TIME_BUFFER);
        assertEq(_auction(id).extensions, 1);
        vm.warp(block.timestamp + TIME_BUFFER - 1);
        _bidEth(bob, id, 2 * RESERVE);
        assertEq(_endOf(id), block.timestamp + TIME_BUFFER);
        assertEq(_auction(id).extensions, 2);
    }

    function test_bid_outsideBuffer_KeepsEnd() public {
        uint256 id = _createDefault();
        uint256 end = _endOf(id);
        vm.warp(end - TIME_BUFFER);
        _bidEth(alice, id, RESERVE);
        assertEq(_endOf(id), end, "exactly the buffer away: no extension");
        assertEq(_auction(id).extensions, 0);
    }

    function test_bid_seventyTwoHourBuffer() public {
        Listing memory l = _listing();
        (l.duration, l.timeBuffer) = (7 days, 72 hours);
        uint256 id = _create(l);
        vm.warp(block.timestamp + 6 days);
        _bidEth(alice, id, RESERVE);
        assertEq(_endOf(id), block.timestamp + 72 hours);
    }

    // ------------------------------------------------------------------------------------------
    // Settlement
    // ------------------------------------------------------------------------------------------

    function test_settle_eth_SplitsRoyaltyFeeImpactSeller() public {
        Listing memory l = _listing();
        (l.impactBeneficiary, l.impactBps) = (impact, 200);
        uint256 id = _create(l);
        _bidEth(alice, id, 10 ether);
        _warpPastEnd(id);
        uint256 royalty = 10 ether * ROYALTY_BPS / BPS;
        uint256 fee = 10 ether * FEE_BPS / BPS;
        uint256 share = 10 ether * 200 / BPS;
        uint256 rest = 10 ether - royalty - fee - share;
        vm.expectEmit(address(house));
        emit IAuctionHouse.AuctionSettled(id, alice, 10 ether, artist, royalty, fee, share, rest);
        vm.prank(keeper);
        house.settle(id);
        assertEq(nft.ownerOf(l.tokenId), alice);
        assertEq(artist.balance, royalty);
        assertEq(treasury.balance, fee);
        assertEq(impact.balance, share);
        assertEq(seller.balance, rest);
        assertEq(address(house).balance, 0);
        IAuctionHouse.Auction memory a = _auction(id);
        assertEq(a.status, 2);
        assertEq(a.highest_bidder, alice);
        assertEq(a.highest_bid, 10 ether);
        assertEq(a.min_next_bid, 0, "a settled auction takes no bid");
        assertEq(house.min_next_bid(id), 0);
    }

    function test_settle_erc20_erc1155() public {
        Listing memory l = _listing1155(3);
        l.currency = address(token);
        uint256 id = _create(l);
        _bidToken(alice, id, 4 ether);
        _warpPastEnd(id);
        house.settle(id);
        assertEq(editions.balanceOf(alice, l.tokenId), 3);
        assertEq(token.balanceOf(artist), 4 ether * ROYALTY_BPS / BPS);
        assertEq(token.balanceOf(treasury), 4 ether * FEE_BPS / BPS);
        assertEq(token.balanceOf(seller), 4 ether - 4 ether * (ROYALTY_BPS + FEE_BPS) / BPS);
        assertEq(token.balanceOf(address(house)), 0);
    }

    function test_settle_royaltyAboveCap_IsCapped() public {
        Listing memory l = _listing();
        nft.mint(seller, 1000);
        nft.setTokenRoyalty(1000, artist, 5_000); // claims 50%
        l.tokenId = 1000;
        uint256 id = _create(l);
        _bidEth(alice, id, 10 ether);
        _warpPastEnd(id);
        house.settle(id);
        assertEq(artist.balance, 10 ether * ROYALTY_CAP_BPS / BPS);
        assertEq(seller.balance, 10 ether - 10 ether * (ROYALTY_CAP_BPS + FEE_BPS) / BPS);
    }

    function test_settle_noBids_ReturnsLot() public {
        Listing memory l = _listing();
        uint256 id = _create(l);
        _warpPastEnd(id);
        vm.expectEmit(address(house));
        emit IAuctionHouse.AuctionSettled(id, address(0), 0, address(0), 0, 0, 0, 0);
        house.settle(id);
        assertEq(nft.ownerOf(l.tokenId), seller);
        assertEq(_auction(id).status, 2);
    }

    function test_settle_RevertWhen_NotEndedOrTwice() public {
        uint256 id = _createDefault();
        _bidEth(alice, id, RESERVE);
        vm.expectRevert(bytes("auction: not ended"));
        house.settle(id);
        _warpPastEnd(id);
        house.settle(id);
        vm.expectRevert(bytes("auction: not live"));
        house.settle(id);
        assertEq(seller.balance, RESERVE - RESERVE * (ROYALTY_BPS + FEE_BPS) / BPS, "paid once");
    }

    function test_settleMany_SkipsWhatIsNotDue() public {
        uint256 a = _createDefault();
        uint256 b = _createDefault();
        _bidEth(alice, a, RESERVE);
        _bidEth(bob, b, RESERVE);
        _warpPastEnd(a);
        uint256 c = _createDefault(); // not ended
        house.settle(b);
        assertEq(house.due_auctions(1, 3).length, 1);
        assertEq(house.due_auctions(1, 3)[0], a);
        vm.prank(keeper);
        assertEq(house.settle_many(_ids(a, b, c)), 1);
        assertEq(_auction(a).status, 2);
        assertEq(_auction(c).status, 1);
        assertEq(house.settle_many(_ids(a, b, c)), 0);
    }

    function test_settle_WorksWhilePaused() public {
        uint256 id = _createDefault();
        _bidEth(alice, id, RESERVE);
        vm.prank(owner);
        house.pause();
        _warpPastEnd(id);
        house.settle(id);
        assertEq(_auction(id).status, 2);
    }

    function test_settle_feeFixedAtListing() public {
        uint256 id = _createDefault();
        vm.prank(owner);
        house.set_fee_bps(1_000);
        _bidEth(alice, id, 10 ether);
        _warpPastEnd(id);
        house.settle(id);
        assertEq(treasury.balance, 10 ether * FEE_BPS / BPS, "the fee at listing");
        assertEq(_auction(_createDefault()).fee_bps, 1_000, "new listings take the new fee");
    }

    // ------------------------------------------------------------------------------------------
    // Cancel
    // ------------------------------------------------------------------------------------------

    function test_cancel_BeforeBid_ReturnsLot() public {
        Listing memory l = _listing();
        uint256 id = _create(l);
        vm.prank(owner);
        house.pause();
        vm.expectEmit(address(house));
        emit IAuctionHouse.AuctionCancelled(id, seller);
        vm.prank(seller);
        house.cancel(id);
        assertEq(nft.ownerOf(l.tokenId), seller);
        assertEq(_auction(id).status, 3);
        vm.prank(owner);
        house.unpause();
        vm.deal(alice, RESERVE);
        vm.prank(alice);
        vm.expectRevert(bytes("auction: not live"));
        house.bid{value: RESERVE}(id, RESERVE);
    }

    function test_cancel_RevertWhen_BidOrNotSeller() public {
        uint256 id = _createDefault();
        vm.prank(stranger);
        vm.expectRevert(bytes("auction: not seller"));
        house.cancel(id);
        _bidEth(alice, id, RESERVE);
        vm.prank(seller);
        vm.expectRevert(bytes("auction: has bids"));
        house.cancel(id);
    }

    function test_cancel_erc1155_bigId() public {
        uint256 bigId = type(uint256).max;
        editions.mint(seller, bigId, 4);
        Listing memory l = _listing1155(1);
        (l.tokenId, l.amount) = (bigId, 4);
        uint256 id = _create(l);
        vm.prank(seller);
        house.cancel(id);
        assertEq(editions.balanceOf(seller, bigId), 4);
    }

    // ------------------------------------------------------------------------------------------
    // Owner
    // ------------------------------------------------------------------------------------------

    function test_owner_OnlyOwner() public {
        vm.startPrank(stranger);
        vm.expectRevert(bytes("auction: not owner"));
        house.pause();
        vm.expectRevert(bytes("auction: not owner"));
        house.set_fee_bps(10);
        vm.expectRevert(bytes("auction: not owner"));
        house.set_treasury(stranger);
        vm.expectRevert(bytes("auction: not owner"));
        house.transfer_ownership(stranger);
        vm.stopPrank();
        vm.startPrank(owner);
        vm.expectRevert(bytes("auction: fee too high"));
        house.set_fee_bps(1_001);
        vm.expectRevert(bytes("auction: not paused"));
        house.unpause();
        vm.expectEmit(address(house));
        emit IAuctionHouse.TreasuryChanged(treasury, carol);
        house.set_treasury(carol);
        vm.stopPrank();
        assertEq(house.treasury(), carol);
    }

    function test_ownership_TwoStep() public {
        vm.prank(owner);
        house.transfer_ownership(carol);
        assertEq(house.pending_owner(), carol);
        vm.prank(stranger);
        vm.expectRevert(bytes("auction: not pending owner"));
        house.accept_ownership();
        vm.prank(carol);
        house.accept_ownership();
        assertEq(house.owner(), carol);
        assertEq(house.pending_owner(), address(0));
    }

    function test_withdraw_RevertWhen_Nothing() public {
        vm.prank(owner);
        vm.expectRevert(bytes("auction: nothing to withdraw"));
        house.withdraw(ETH, owner);
    }
}
