// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {StdInvariant} from "forge-std/StdInvariant.sol";
import {IAuctionHouse} from "../../../contracts/auction/IAuctionHouse.sol";
import {AuctionHandler} from "./handlers/AuctionHandler.sol";
import {AuctionTestBase} from "./AuctionTestBase.sol";

/// @title AuctionHouseInvariantTest
/// @notice Stateful properties of the house under random sequences of listings, bids, time,
/// settlements (single and batched), cancellations and withdrawals (AuctionHandler):
/// - the house holds every listed-and-unsettled lot (and every lot it owes);
/// - funds held == highest bids of live auctions (ended or not) + credits, per currency;
/// - the highest bid strictly increases; the end only moves later, only by a bid inside the
///   buffer, and only to now + buffer; an auction settles once; payouts sum to the winning bid.
/// Runs at the CI profile (foundry.toml [invariant]: 256 runs x depth 64); `make fuzz-deep` at
/// 2,000 x 256.
contract AuctionHouseInvariantTest is StdInvariant, AuctionTestBase {
    AuctionHandler internal handler;

    function setUp() public override {
        super.setUp();
        address[] memory bidders = new address[](3);
        (bidders[0], bidders[1], bidders[2]) = (alice, bob, carol);
        address[] memory sellers = new address[](2);
        (sellers[0], sellers[1]) = (seller, stranger);
        address[] memory others = new address[](3);
        (others[0], others[1], others[2]) = (treasury, artist, impact);
        handler = new AuctionHandler(house, nft, editions, token, bidders, sellers, others, impact);

        bytes4[] memory selectors = new bytes4[](7);
        selectors[0] = AuctionHandler.create.selector;
        selectors[1] = AuctionHandler.bid.selector;
        selectors[2] = AuctionHandler.warp.selector;
        selectors[3] = AuctionHandler.settle.selector;
        selectors[4] = AuctionHandler.settleMany.selector;
        selectors[5] = AuctionHandler.cancel.selector;
        selectors[6] = AuctionHandler.withdraw.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    function invariant_houseHoldsEveryUnsettledLot() public view {
        uint256 n = handler.idCount();
        for (uint256 i; i < n; ++i) {
            uint256 id = handler.ids(i);
            if (!handler.isLive(id) && house.lot_owed(id) == address(0)) continue;
            (address collection, uint256 tokenId, uint256 amount,,,,,,,,) = handler.ghosts(id);
            if (amount == 0) {
                assertEq(nft.ownerOf(tokenId), address(house), "an unsettled ERC-721 lot left the house");
            } else {
                assertEq(editions.balanceOf(address(house), tokenId), amount, "an unsettled ERC-1155 lot left the house");
            }
            assertEq(_auction(id).collection, collection, "the house records the lot it holds");
        }
    }

    function invariant_fundsHeldEqualLiveBidsPlusCredits() public view {
        uint256 liveEth;
        uint256 liveToken;
        uint256 n = handler.idCount();
        for (uint256 i; i < n; ++i) {
            uint256 id = handler.ids(i);
            if (!handler.isLive(id)) continue;
            (,,, address currency,, uint256 highest,,,,,) = handler.ghosts(id);
            if (currency == ETH) liveEth += highest;
            else liveToken += highest;
        }
        uint256 creditsEth;
        uint256 creditsToken;
        uint256 m = handler.creditorCount();
        for (uint256 i; i < m; ++i) {
            creditsEth += house.credits(ETH, handler.creditors(i));
            creditsToken += house.credits(address(token), handler.creditors(i));
        }
        assertEq(address(house).balance, liveEth + creditsEth, "ETH held != live bids + credits");
        assertEq(token.balanceOf(address(house)), liveToken + creditsToken, "tokens held != live bids + credits");
    }

    function invariant_highestBidsAndEndsMatchTheGhosts() public view {
        assertEq(handler.bidNotHigher(), 0, "a bid did not strictly raise the highest");
        assertEq(handler.endMovedWrongly(), 0, "an end moved other than by a bid inside the buffer");
        uint256 n = handler.idCount();
        for (uint256 i; i < n; ++i) {
            uint256 id = handler.ids(i);
            if (!handler.isLive(id)) continue;
            (,,,,, uint256 highest, address bidder, uint256 end,,,) = handler.ghosts(id);
            IAuctionHouse.Auction memory a = _auction(id);
            assertEq(a.highest_bid, highest);
            assertEq(a.highest_bidder, bidder);
            assertEq(a.end_time, end, "an end changed without a bid");
        }
    }

    function invariant_settledOnceAndPayoutsSum() public view {
        assertEq(handler.settledTwice(), 0, "an auction settled other than once");
        assertEq(handler.payoutMismatch(), 0, "payouts did not sum to the winning bid");
        uint256 n = handler.idCount();
        for (uint256 i; i < n; ++i) {
            uint256 id = handler.ids(i);
            (,,,,,,,, , uint256 settleCount, bool cancelled) = handler.ghosts(id);
            assertLe(settleCount, 1);
            uint8 status = _auction(id).status;
            if (settleCount == 1) assertEq(status, 2);
            else if (cancelled) assertEq(status, 3);
            else assertEq(status, 1);
        }
    }

    function invariant_callSummary() public view {
        handler.callSummary();
    }
}
