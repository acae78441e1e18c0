// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAuctionHouse} from "../../../contracts/auction/IAuctionHouse.sol";
import {RejectingReceiver} from "../../../contracts/testing/RejectingReceiver.sol";
import {AuctionBidder} from "./mocks/AuctionBidder.sol";
import {ReentrantWinner} from "./mocks/ReentrantWinner.sol";
import {FalseToken} from "./mocks/FalseToken.sol";
import {HostileRoyaltyNFT} from "./mocks/HostileRoyaltyNFT.sol";
import {AuctionTestBase} from "./AuctionTestBase.sol";

/// @title AuctionHouseAdversarialTest
/// @notice Hostile counterparties: bidders that revert or burn gas on receive, a winner whose
/// ERC-721 hook re-enters, an ERC-20 that returns false, royalty receivers and collections that
/// revert or claim beyond the cap, recipients of payouts that refuse them. In every case the
/// others are paid, and what could not be pushed waits as a credit or an owed lot.
contract AuctionHouseAdversarialTest is AuctionTestBase {
    // ------------------------------------------------------------------------------------------
    // Outbid refunds to hostile bidders
    // ------------------------------------------------------------------------------------------

    function _contractBid(AuctionBidder b, uint256 id, uint256 amount) internal {
        vm.deal(address(b), amount);
        b.bid{value: amount}(house, id, amount);
    }

    function test_outbid_revertingBidder_IsCredited() public {
        AuctionBidder hostile = new AuctionBidder();
        hostile.setMode(AuctionBidder.Mode.Revert);
        uint256 id = _createDefault();
        _contractBid(hostile, id, RESERVE);
        vm.expectEmit(address(house));
        emit IAuctionHouse.Credited(ETH, address(hostile), id, RESERVE);
        _bidEth(alice, id, 2 ether);
        assertEq(_auction(id).highest_bidder, alice, "the new bid stands");
        assertEq(house.credits(ETH, address(hostile)), RESERVE);
        assertEq(address(house).balance, 2 ether + RESERVE);
        // The credit goes wherever its owner names.
        assertEq(hostile.withdraw(house, ETH, carol), RESERVE);
        assertEq(carol.balance, RESERVE);
        assertEq(house.credits(ETH, address(hostile)), 0);
    }

    function test_outbid_gasBurningBidder_CostsBoundedGas() public {
        AuctionBidder hostile = new AuctionBidder();
        hostile.setMode(AuctionBidder.Mode.BurnGas);
        uint256 id = _createDefault();
        _contractBid(hostile, id, RESERVE);
        vm.deal(alice, 2 ether);
        vm.prank(alice);
        uint256 before = gasleft();
        house.bid{value: 2 ether}(id, 2 ether);
        uint256 used = before - gasleft();
        assertLt(used, 100_000, "the burner takes at most the push allowance");
        assertEq(house.credits(ETH, address(hostile)), RESERVE);
        assertEq(_auction(id).highest_bidder, alice);
    }

    function test_outbid_RevertWhen_CallerStarvesTheRefund() public {
        AuctionBidder hostile = new AuctionBidder();
        uint256 id = _createDefault();
        _contractBid(hostile, id, RESERVE);
        vm.deal(alice, 2 ether);
        vm.prank(alice);
        // Too little gas to give the refund its allowance: the bid fails instead of turning a
        // payable refund into a credit.
        vm.expectRevert(bytes("auction: more gas needed"));
        house.bid{value: 2 ether, gas: 45_000}(id, 2 ether);
        assertEq(_auction(id).highest_bidder, address(hostile));
    }

    // ------------------------------------------------------------------------------------------
    // Re-entrant winners
    // ------------------------------------------------------------------------------------------

    function test_settle_reentrantWinnerHook_IsLockedOut() public {
        ReentrantWinner winner = new ReentrantWinner(house);
        Listing memory l = _listing();
        uint256 id = _create(l);
        uint256 other = _createDefault();
        vm.deal(address(winner), RESERVE);
        winner.bid{value: RESERVE}(id, RESERVE);
        _bidEth(alice, other, RESERVE);
        _warpPastEnd(other);
        // The hook tries to settle the other auction while the house sends it the lot.
        winner.arm(abi.encodeCall(IAuctionHouse.settle, (other)), false);
        house.settle(id);
        assertTrue(winner.reentered());
        assertFalse(winner.reentrySucceeded(), "re-entry refused by the lock");
        assertEq(nft.ownerOf(l.tokenId), address(winner));
        assertEq(_auction(other).status, 1, "the other auction is untouched");
    }

    function test_settle_reentrantWinnerThatFails_OwesTheLot() public {
        ReentrantWinner winner = new ReentrantWinner(house);
        Listing memory l = _listing();
        uint256 id = _create(l);
        vm.deal(address(winner), RESERVE);
        winner.bid{value: RESERVE}(id, RESERVE);
        _warpPastEnd(id);
        winner.arm(abi.encodeCall(IAuctionHouse.withdraw, (ETH, address(winner))), true);
        vm.expectEmit(address(house));
        emit IAuctionHouse.LotOwed(id, address(winner));
        house.settle(id);
        assertEq(nft.ownerOf(l.tokenId), address(house), "the lot waits in the house");
        assertEq(house.lot_owed(id), address(winner));
        assertGt(seller.balance, 0, "the seller is paid regardless");
        vm.prank(stranger);
        vm.expectRevert(bytes("auction: lot not owed"));
        house.claim_lot(id, stranger);
        winner.claimLot(id, carol);
        assertEq(nft.ownerOf(l.tokenId), carol);
        assertEq(house.lot_owed(id), address(0));
        vm.expectRevert(bytes("auction: lot not owed"));
        winner.claimLot(id, carol);
    }

    function test_settle_winnerWithoutReceiverHook_OwesTheLot() public {
        AuctionBidder noHook = new AuctionBidder();
        Listing memory l = _listing1155(2);
        uint256 id = _create(l);
        _contractBid(noHook, id, RESERVE);
        _warpPastEnd(id);
        house.settle(id);
        assertEq(house.lot_owed(id), address(noHook));
        assertEq(editions.balanceOf(address(house), l.tokenId), 2);
        noHook.claimLot(house, id, carol);
        assertEq(editions.balanceOf(carol, l.tokenId), 2);
    }

    // ------------------------------------------------------------------------------------------
    // ERC-20 that answers false
    // ------------------------------------------------------------------------------------------

    function test_falseToken_BidRefundSettleWithdraw() public {
        FalseToken ft = new FalseToken();
        Listing memory l = _listing();
        l.currency = address(ft);
        uint256 id = _create(l);
        address[3] memory bidders = [alice, bob, carol];
        for (uint256 i; i < 3; ++i) {
            ft.mint(bidders[i], 10 ether);
            vm.prank(bidders[i]);
            ft.approve(address(house), type(uint256).max);
        }

        // A pull answered with false is no bid.
        ft.setFailing(false, true);
        vm.prank(alice);
        vm.expectRevert(bytes("auction: transfer failed"));
        house.bid(id, RESERVE);

        // A refund answered with false becomes a credit; the new bid stands.
        ft.setFailing(true, false);
        vm.prank(alice);
        house.bid(id, RESERVE);
        vm.expectEmit(address(house));
        emit IAuctionHouse.Credited(address(ft), alice, id, RESERVE);
        vm.prank(bob);
        house.bid(id, 3 ether);
        assertEq(house.credits(address(ft), alice), RESERVE);
        assertEq(_auction(id).highest_bidder, bob);

        // Every payout answered with false: all of it waits as credits, none of it is lost.
        _warpPastEnd(id);
        house.settle(id);
        uint256 royalty = 3 ether * ROYALTY_BPS / BPS;
        uint256 fee = 3 ether * FEE_BPS / BPS;
        assertEq(house.credits(address(ft), artist), royalty);
        assertEq(house.credits(address(ft), treasury), fee);
        assertEq(house.credits(address(ft), seller), 3 ether - royalty - fee);
        assertEq(ft.balanceOf(address(house)), 3 ether + RESERVE);
        assertEq(nft.ownerOf(l.tokenId), bob);

        // A withdrawal answered with false reverts and keeps the credit.
        vm.prank(seller);
        vm.expectRevert(bytes("auction: transfer failed"));
        house.withdraw(address(ft), seller);
        assertEq(house.credits(address(ft), seller), 3 ether - royalty - fee);
        ft.setFailing(false, false);
        vm.prank(seller);
        house.withdraw(address(ft), seller);
        vm.prank(alice);
        house.withdraw(address(ft), alice);
        assertEq(ft.balanceOf(seller), 3 ether - royalty - fee);
        assertEq(ft.balanceOf(alice), 10 ether);
    }

    // ------------------------------------------------------------------------------------------
    // Royalties
    // ------------------------------------------------------------------------------------------

    function test_settle_revertingRoyaltyReceiver_IsCredited() public {
        RejectingReceiver receiver = new RejectingReceiver();
        nft.mint(seller, 500);
        nft.setTokenRoyalty(500, address(receiver), ROYALTY_BPS);
        Listing memory l = _listing();
        l.tokenId = 500;
        uint256 id = _create(l);
        _bidEth(alice, id, 10 ether);
        _warpPastEnd(id);
        house.settle(id);
        assertEq(house.credits(ETH, address(receiver)), 0.5 ether);
        assertEq(treasury.balance, 0.1 ether);
        assertEq(seller.balance, 9.4 ether);
        assertEq(nft.ownerOf(500), alice);
    }

    function _hostileAuction(HostileRoyaltyNFT.Mode mode) internal returns (uint256 id, HostileRoyaltyNFT h) {
        h = new HostileRoyaltyNFT(artist);
        h.setMode(mode);
        h.mint(seller, 1);
        vm.prank(seller);
        h.setApprovalForAll(address(house), true);
        Listing memory l = _listing();
        (l.collection, l.tokenId) = (address(h), 1);
        id = _create(l);
        _bidEth(alice, id, 10 ether);
        _warpPastEnd(id);
    }

    function test_settle_greedyRoyalty_IsCapped() public {
        (uint256 id,) = _hostileAuction(HostileRoyaltyNFT.Mode.Greedy);
        house.settle(id);
        assertEq(artist.balance, 10 ether * ROYALTY_CAP_BPS / BPS, "capped at 10%");
        assertEq(seller.balance, 10 ether - 1 ether - 0.1 ether);
    }

    function test_settle_revertingOrGasBurningOrDirtyRoyalty_PaysNone() public {
        HostileRoyaltyNFT.Mode[3] memory modes =
            [HostileRoyaltyNFT.Mode.Revert, HostileRoyaltyNFT.Mode.BurnGas, HostileRoyaltyNFT.Mode.DirtyReceiver];
        for (uint256 i; i < 3; ++i) {
            uint256 sellerBefore = seller.balance;
            (uint256 id, HostileRoyaltyNFT h) = _hostileAuction(modes[i]);
            house.settle(id);
            assertEq(artist.balance, 0, "no royalty");
            assertEq(seller.balance - sellerBefore, 10 ether - 0.1 ether);
            assertEq(h.ownerOf(1), alice);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Payout recipients that refuse
    // ------------------------------------------------------------------------------------------

    function test_settle_refusingSellerAndTreasury_AreCredited() public {
        RejectingReceiver hostileSeller = new RejectingReceiver();
        AuctionBidder burner = new AuctionBidder();
        burner.setMode(AuctionBidder.Mode.BurnGas);
        vm.prank(owner);
        house.set_treasury(address(burner));
        uint256 tokenId = nextTokenId++;
        nft.mint(address(hostileSeller), tokenId);
        hostileSeller.execute(address(nft), 0, abi.encodeCall(nft.setApprovalForAll, (address(house), true)));
        hostileSeller.execute(
            address(house),
            0,
            abi.encodeCall(
                IAuctionHouse.create_auction,
                (address(nft), tokenId, 0, ETH, RESERVE, 0, DURATION, INCREMENT_BPS, TIME_BUFFER, impact, 200)
            )
        );
        uint256 id = house.auction_count();
        _bidEth(alice, id, 10 ether);
        _warpPastEnd(id);
        house.settle(id);
        assertEq(house.credits(ETH, address(hostileSeller)), 10 ether - 0.5 ether - 0.1 ether - 0.2 ether);
        assertEq(house.credits(ETH, address(burner)), 0.1 ether);
        assertEq(artist.balance, 0.5 ether);
        assertEq(impact.balance, 0.2 ether);
        assertEq(address(house).balance, 10 ether - 0.5 ether - 0.2 ether);
        hostileSeller.execute(address(house), 0, abi.encodeCall(IAuctionHouse.withdraw, (ETH, carol)));
        assertEq(carol.balance, 9.2 ether);
    }
}
