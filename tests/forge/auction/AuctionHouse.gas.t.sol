// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAuctionHouse} from "../../../contracts/auction/IAuctionHouse.sol";
import {ReferenceEnglishAuction} from "./reference/ReferenceEnglishAuction.sol";
import {AuctionTestBase} from "./AuctionTestBase.sol";

/// @dev A call that does nothing: its gas tells whether forge runs top-level calls as
/// transactions (`--isolate`: >= 21,000 intrinsic gas) or as plain internal calls.
contract AuctionIsolationProbe {
    function ping() external {}
}

/// @title AuctionHouseGasTest
/// @notice Full-transaction gas of the house's list, first bid, outbid and settle (ETH and ERC-20,
/// ERC-721 and ERC-1155), beside a reference English auction written in Solidity on OpenZeppelin 5,
/// written to `snapshots/AuctionHouse.json`. Run it as
/// `forge test --isolate --match-path 'tests/forge/auction/AuctionHouse.gas.t.sol'`: with
/// `--isolate` each top-level call is its own transaction (21,000 base, calldata, cold accounts
/// and slots, refunds applied) and `snapshotGasLastCall` records it. A plain `forge test` runs the
/// same scenarios and checks their outcome, recording nothing.
/// @dev Conditions, for every scenario unless its name says otherwise:
/// - steady state: the house already holds a token of the collection and ETH / tokens of another
///   live auction, and `auction_count` is non-zero;
/// - the seller approved the house with `setApprovalForAll`;
/// - bidders, seller, treasury and royalty receiver are existing accounts (non-zero balance);
///   the winner held none of the collection before; ERC-20 bidders approve exactly their bid;
/// - settlement pays a 5% royalty and the 1% fee; no impact share.
contract AuctionHouseGasTest is AuctionTestBase {
    string internal constant GROUP = "AuctionHouse";

    AuctionIsolationProbe internal probe;
    ReferenceEnglishAuction internal ref;

    function setUp() public override {
        super.setUp();
        probe = new AuctionIsolationProbe();
        ref = new ReferenceEnglishAuction(treasury, FEE_BPS, ROYALTY_CAP_BPS);
        vm.prank(seller);
        nft.setApprovalForAll(address(ref), true);
        // Steady state: earlier live auctions with bids in ETH and in the token.
        _bidEth(carol, _createDefault(), RESERVE);
        _bidToken(carol, _createToken(), RESERVE);
        Listing memory l = _listing1155(1);
        _bidEth(carol, _create(l), RESERVE);
        uint256 refId = _refList();
        vm.deal(carol, 10 ether);
        vm.prank(carol);
        ref.bid{value: RESERVE}(refId);
        for (uint256 i; i < 5; ++i) {
            vm.deal([seller, treasury, artist, alice, bob, impact][i], 1);
        }
        vm.deal(impact, 1);
    }

    // ------------------------------------------------------------------------------------------
    // helpers
    // ------------------------------------------------------------------------------------------

    function _isolated() internal returns (bool) {
        probe.ping();
        return vm.lastCallGas().gasTotalUsed >= 21_000;
    }

    function _record(string memory name, bool isolated) internal {
        if (isolated) {
            uint256 gasUsed = vm.snapshotGasLastCall(GROUP, name);
            assertGe(gasUsed, 21_000, "isolated figures include the intrinsic 21,000");
        } else {
            emit log_named_uint(string.concat(name, " (execution only, not recorded)"), vm.lastCallGas().gasTotalUsed);
        }
    }

    function _refList() internal returns (uint256) {
        uint256 tokenId = nextTokenId++;
        nft.mint(seller, tokenId);
        vm.prank(seller);
        return ref.createAuction(address(nft), tokenId, uint96(RESERVE), uint40(DURATION), uint16(INCREMENT_BPS), uint32(TIME_BUFFER));
    }

    function _fund(address who, uint256 amount) internal {
        vm.deal(who, who.balance + amount);
    }

    // ------------------------------------------------------------------------------------------
    // list
    // ------------------------------------------------------------------------------------------

    function test_gas_list_erc721_eth() public {
        Listing memory l = _listing();
        bool isolated = _isolated();
        _create(l);
        _record("list_erc721_eth", isolated);
        assertEq(nft.ownerOf(l.tokenId), address(house));
    }

    function test_gas_list_erc721_erc20() public {
        Listing memory l = _listing();
        l.currency = address(token);
        bool isolated = _isolated();
        _create(l);
        _record("list_erc721_erc20", isolated);
        assertEq(nft.ownerOf(l.tokenId), address(house));
    }

    function test_gas_list_erc1155_eth() public {
        Listing memory l = _listing1155(10);
        bool isolated = _isolated();
        _create(l);
        _record("list_erc1155_eth", isolated);
        assertEq(editions.balanceOf(address(house), l.tokenId), 10);
    }

    // ------------------------------------------------------------------------------------------
    // bids
    // ------------------------------------------------------------------------------------------

    function test_gas_firstBid_eth_erc721() public {
        uint256 id = _createDefault();
        _fund(alice, RESERVE);
        bool isolated = _isolated();
        vm.prank(alice);
        house.bid{value: RESERVE}(id, RESERVE);
        _record("firstBid_eth_erc721", isolated);
        assertEq(house.get_auction(id).highest_bidder, alice);
    }

    function test_gas_outbid_eth_erc721() public {
        uint256 id = _createDefault();
        _bidEth(alice, id, RESERVE);
        _fund(bob, 2 ether);
        bool isolated = _isolated();
        vm.prank(bob);
        house.bid{value: 2 ether}(id, 2 ether);
        _record("outbid_eth_erc721", isolated);
        assertEq(house.get_auction(id).highest_bidder, bob);
        assertEq(alice.balance, RESERVE + 1);
    }

    function test_gas_outbid_eth_erc721_extends() public {
        uint256 id = _createDefault();
        _bidEth(alice, id, RESERVE);
        vm.warp(_endOf(id) - 60);
        _fund(bob, 2 ether);
        bool isolated = _isolated();
        vm.prank(bob);
        house.bid{value: 2 ether}(id, 2 ether);
        _record("outbid_eth_erc721_insideBuffer", isolated);
        assertEq(house.get_auction(id).extensions, 1);
    }

    function test_gas_firstBid_eth_erc1155() public {
        uint256 id = _create(_listing1155(10));
        _fund(alice, RESERVE);
        bool isolated = _isolated();
        vm.prank(alice);
        house.bid{value: RESERVE}(id, RESERVE);
        _record("firstBid_eth_erc1155", isolated);
        assertEq(house.get_auction(id).highest_bidder, alice);
    }

    function test_gas_outbid_eth_erc1155() public {
        uint256 id = _create(_listing1155(10));
        _bidEth(alice, id, RESERVE);
        _fund(bob, 2 ether);
        bool isolated = _isolated();
        vm.prank(bob);
        house.bid{value: 2 ether}(id, 2 ether);
        _record("outbid_eth_erc1155", isolated);
        assertEq(house.get_auction(id).highest_bidder, bob);
    }

    function test_gas_firstBid_erc20_erc721() public {
        uint256 id = _createToken();
        token.mint(alice, 10 * RESERVE);
        vm.prank(alice);
        token.approve(address(house), RESERVE);
        bool isolated = _isolated();
        vm.prank(alice);
        house.bid(id, RESERVE);
        _record("firstBid_erc20_erc721", isolated);
        assertEq(house.get_auction(id).highest_bidder, alice);
    }

    function test_gas_outbid_erc20_erc721() public {
        uint256 id = _createToken();
        _bidToken(alice, id, RESERVE);
        token.mint(bob, 10 * RESERVE);
        vm.prank(bob);
        token.approve(address(house), 2 ether);
        bool isolated = _isolated();
        vm.prank(bob);
        house.bid(id, 2 ether);
        _record("outbid_erc20_erc721", isolated);
        assertEq(token.balanceOf(alice), RESERVE);
    }

    // ------------------------------------------------------------------------------------------
    // settle
    // ------------------------------------------------------------------------------------------

    function test_gas_settle_erc721_eth_royaltyFee() public {
        uint256 id = _createDefault();
        _bidEth(alice, id, 10 ether);
        _warpPastEnd(id);
        bool isolated = _isolated();
        vm.prank(keeper);
        house.settle(id);
        _record("settle_erc721_eth_royaltyFee", isolated);
        assertEq(artist.balance, 1 + 0.5 ether);
    }

    function test_gas_settle_erc721_eth_royaltyFeeImpact() public {
        Listing memory l = _listing();
        (l.impactBeneficiary, l.impactBps) = (impact, 200);
        uint256 id = _create(l);
        _bidEth(alice, id, 10 ether);
        _warpPastEnd(id);
        bool isolated = _isolated();
        vm.prank(keeper);
        house.settle(id);
        _record("settle_erc721_eth_royaltyFeeImpact", isolated);
        assertEq(impact.balance, 1 + 0.2 ether);
    }

    function test_gas_settle_erc1155_eth_royaltyFee() public {
        uint256 id = _create(_listing1155(10));
        _bidEth(alice, id, 10 ether);
        _warpPastEnd(id);
        bool isolated = _isolated();
        vm.prank(keeper);
        house.settle(id);
        _record("settle_erc1155_eth_royaltyFee", isolated);
        assertEq(artist.balance, 1 + 0.5 ether);
    }

    function test_gas_settle_erc721_erc20_royaltyFee() public {
        uint256 id = _createToken();
        _bidToken(alice, id, 10 ether);
        token.mint(seller, 1);
        token.mint(artist, 1);
        token.mint(treasury, 1);
        _warpPastEnd(id);
        bool isolated = _isolated();
        vm.prank(keeper);
        house.settle(id);
        _record("settle_erc721_erc20_royaltyFee", isolated);
        assertEq(token.balanceOf(artist), 1 + 0.5 ether);
    }

    function test_gas_settle_erc721_noBids() public {
        uint256 id = _createDefault();
        _warpPastEnd(id);
        bool isolated = _isolated();
        vm.prank(keeper);
        house.settle(id);
        _record("settle_erc721_noBids", isolated);
        assertEq(house.get_auction(id).status, 2);
    }

    function test_gas_settleMany_five_erc721_eth() public {
        uint256[] memory ids = new uint256[](5);
        for (uint256 i; i < 5; ++i) {
            ids[i] = _createDefault();
            _bidEth(alice, ids[i], 10 ether);
        }
        _warpPastEnd(ids[4]);
        bool isolated = _isolated();
        vm.prank(keeper);
        assertEq(house.settle_many(ids), 5);
        _record("settleMany_five_erc721_eth_royaltyFee", isolated);
    }

    function test_gas_withdraw_eth_credit() public {
        vm.etch(bob, hex"fe"); // bob refuses ETH while outbid
        uint256 id = _createDefault();
        _bidEth(bob, id, RESERVE);
        _bidEth(alice, id, 2 ether);
        vm.etch(bob, "");
        assertEq(house.credits(ETH, bob), RESERVE);
        bool isolated = _isolated();
        vm.prank(bob);
        house.withdraw(ETH, bob);
        _record("withdraw_eth_credit", isolated);
        assertEq(house.credits(ETH, bob), 0);
    }

    // ------------------------------------------------------------------------------------------
    // reference: an English auction in Solidity on OpenZeppelin 5, same run
    // ------------------------------------------------------------------------------------------

    function test_gas_ref_list_firstBid_outbid_settle() public {
        uint256 tokenId = nextTokenId++;
        nft.mint(seller, tokenId);
        bool isolated = _isolated();
        vm.prank(seller);
        uint256 id = ref.createAuction(address(nft), tokenId, uint96(RESERVE), uint40(DURATION), uint16(INCREMENT_BPS), uint32(TIME_BUFFER));
        _record("ref_list_erc721_eth", isolated);

        _fund(alice, RESERVE);
        vm.prank(alice);
        ref.bid{value: RESERVE}(id);
        _record("ref_firstBid_eth_erc721", isolated);

        _fund(bob, 10 ether);
        vm.prank(bob);
        ref.bid{value: 10 ether}(id);
        _record("ref_outbid_eth_erc721", isolated);

        vm.warp(block.timestamp + DURATION);
        vm.prank(keeper);
        ref.settle(id);
        _record("ref_settle_erc721_eth_royaltyFee", isolated);
        assertEq(nft.ownerOf(tokenId), bob);
        assertEq(alice.balance, RESERVE + 1);
    }
}
