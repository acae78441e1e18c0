// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IAuctionHouse} from "../../../contracts/auction/IAuctionHouse.sol";
import {TestToken} from "../../../contracts/testing/TestToken.sol";
import {TestNFT} from "../../../contracts/testing/TestNFT.sol";
import {TestEditions} from "../../../contracts/testing/TestEditions.sol";

/// @title AuctionTestBase
/// @notice The one deployment every AuctionHouse suite inherits (unit, adversarial, invariant,
/// gas): the Vyper house (forge compiles contracts/auction/AuctionHouse.vy with the pinned vyper)
/// with its owner, treasury, 1% fee and 10% royalty cap; an ERC-721 and an ERC-1155 collection
/// with a 5% default royalty to `artist`; an ERC-20; named actors; listing and bidding builders.
abstract contract AuctionTestBase is Test {
    uint256 internal constant FEE_BPS = 100; // 1%
    uint256 internal constant ROYALTY_CAP_BPS = 1_000; // 10%
    uint96 internal constant ROYALTY_BPS = 500; // 5%, the collections' default
    uint256 internal constant BPS = 10_000;
    uint256 internal constant START_TIME = 1_700_000_000;
    uint256 internal constant DURATION = 1 days;
    uint256 internal constant TIME_BUFFER = 15 minutes;
    uint256 internal constant INCREMENT_BPS = 500; // 5%
    uint256 internal constant RESERVE = 1 ether;
    address internal constant ETH = address(0);

    IAuctionHouse internal house;
    TestNFT internal nft;
    TestEditions internal editions;
    TestToken internal token;

    address internal owner;
    address internal treasury;
    address internal seller;
    address internal artist; // royalty receiver
    address internal impact; // impact-share beneficiary
    address internal alice;
    address internal bob;
    address internal carol;
    address internal keeper;
    address internal stranger;

    uint256 internal nextTokenId = 1;

    function setUp() public virtual {
        vm.warp(START_TIME);
        owner = makeAddr("owner");
        treasury = makeAddr("treasury");
        seller = makeAddr("seller");
        artist = makeAddr("artist");
        impact = makeAddr("impact");
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        carol = makeAddr("carol");
        keeper = makeAddr("keeper");
        stranger = makeAddr("stranger");

        house = IAuctionHouse(_deployHouse(owner, treasury, FEE_BPS, ROYALTY_CAP_BPS));
        nft = new TestNFT("Quilt Patents", "QPAT");
        editions = new TestEditions();
        token = new TestToken("Quilt Test Token", "QTT", 18);
        nft.setDefaultRoyalty(artist, ROYALTY_BPS);
        editions.setDefaultRoyalty(artist, ROYALTY_BPS);
        vm.label(address(house), "AuctionHouse");
        vm.label(address(nft), "TestNFT");
        vm.label(address(editions), "TestEditions");
        vm.label(address(token), "TestToken");

        vm.startPrank(seller);
        nft.setApprovalForAll(address(house), true);
        editions.setApprovalForAll(address(house), true);
        vm.stopPrank();
    }

    function _deployHouse(address owner_, address treasury_, uint256 feeBps, uint256 capBps) internal returns (address) {
        return deployCode("AuctionHouse.vy", abi.encode(owner_, treasury_, feeBps, capBps));
    }

    // ------------------------------------------------------------------------------------------
    // Listing
    // ------------------------------------------------------------------------------------------

    struct Listing {
        address collection;
        uint256 tokenId;
        uint256 amount;
        address currency;
        uint256 reserve;
        uint256 startTime;
        uint256 duration;
        uint256 incrementBps;
        uint256 timeBuffer;
        address impactBeneficiary;
        uint256 impactBps;
    }

    /// @dev Default terms: a fresh ERC-721 token of `nft`, ETH, reserve 1 ether, starts now,
    /// one day, 5% increment, 15-minute buffer, no impact share.
    function _listing() internal returns (Listing memory l) {
        uint256 tokenId = nextTokenId++;
        nft.mint(seller, tokenId);
        l = Listing(address(nft), tokenId, 0, ETH, RESERVE, 0, DURATION, INCREMENT_BPS, TIME_BUFFER, address(0), 0);
    }

    /// @dev The same terms for `amount` units of a fresh ERC-1155 id.
    function _listing1155(uint256 amount) internal returns (Listing memory l) {
        uint256 id = nextTokenId++;
        editions.mint(seller, id, amount);
        l = Listing(address(editions), id, amount, ETH, RESERVE, 0, DURATION, INCREMENT_BPS, TIME_BUFFER, address(0), 0);
    }

    function _create(Listing memory l) internal returns (uint256) {
        return _createAs(seller, l);
    }

    function _createAs(address who, Listing memory l) internal returns (uint256) {
        vm.prank(who);
        return house.create_auction(
            l.collection,
            l.tokenId,
            l.amount,
            l.currency,
            l.reserve,
            l.startTime,
            l.duration,
            l.incrementBps,
            l.timeBuffer,
            l.impactBeneficiary,
            l.impactBps
        );
    }

    function _createDefault() internal returns (uint256) {
        return _create(_listing());
    }

    function _createToken() internal returns (uint256) {
        Listing memory l = _listing();
        l.currency = address(token);
        return _create(l);
    }

    // ------------------------------------------------------------------------------------------
    // Bidding
    // ------------------------------------------------------------------------------------------

    function _bidEth(address who, uint256 auctionId, uint256 amount) internal {
        vm.deal(who, who.balance + amount);
        vm.prank(who);
        house.bid{value: amount}(auctionId, amount);
    }

    function _bidToken(address who, uint256 auctionId, uint256 amount) internal {
        token.mint(who, amount);
        vm.startPrank(who);
        token.approve(address(house), amount);
        house.bid(auctionId, amount);
        vm.stopPrank();
    }

    function _auction(uint256 auctionId) internal view returns (IAuctionHouse.Auction memory) {
        return house.get_auction(auctionId);
    }

    function _endOf(uint256 auctionId) internal view returns (uint256) {
        return house.get_auction(auctionId).end_time;
    }

    function _warpPastEnd(uint256 auctionId) internal {
        vm.warp(_endOf(auctionId));
    }

    function _ids(uint256 a) internal pure returns (uint256[] memory ids) {
        ids = new uint256[](1);
        ids[0] = a;
    }

    function _ids(uint256 a, uint256 b, uint256 c) internal pure returns (uint256[] memory ids) {
        ids = new uint256[](3);
        (ids[0], ids[1], ids[2]) = (a, b, c);
    }
}
