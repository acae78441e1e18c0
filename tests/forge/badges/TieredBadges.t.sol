// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC1155Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {TieredBadges} from "../../../contracts/badges/TieredBadges.sol";
import {BadgesTestBase} from "./BadgesTestBase.sol";

/// @title TieredBadgesTest
/// @notice Tier creation, minting, upgrades, holder burn, soulbound and tradeable transfers, and
/// every named failure of TieredBadges.
contract TieredBadgesTest is BadgesTestBase {
    event TierCreated(uint256 indexed id, bool soulbound, uint256 lower);
    event TierUpgraded(address indexed holder, uint256 indexed from, uint256 indexed to);
    event TransferSingle(address indexed operator, address indexed from, address indexed to, uint256 id, uint256 value);

    uint256 internal constant BRONZE = 101;
    uint256 internal constant SILVER = 102;
    uint256 internal constant GOLD = 103;
    uint256 internal constant STICKER = 900; // tradeable

    function setUp() public override {
        super.setUp();
        vm.startPrank(admin);
        tiers.createTier(BRONZE, true, 0);
        tiers.createTier(SILVER, true, BRONZE);
        tiers.createTier(GOLD, true, SILVER);
        tiers.createTier(STICKER, false, 0);
        tiers.mint(alice, BRONZE, 1);
        vm.stopPrank();
    }

    function test_createTier_stores() public {
        vm.expectEmit(address(tiers));
        emit TierCreated(5, false, GOLD);
        vm.prank(admin);
        tiers.createTier(5, false, GOLD);
        TieredBadges.Tier memory t = tiers.tier(5);
        assertTrue(t.exists);
        assertFalse(t.soulbound);
        assertEq(t.lower, GOLD);
        assertTrue(tiers.isSoulbound(BRONZE));
        assertFalse(tiers.isSoulbound(STICKER));
    }

    function test_createTier_RevertWhen_InvalidOrUnauthorised() public {
        vm.startPrank(admin);
        vm.expectRevert(abi.encodeWithSelector(TieredBadges.TierInvalidId.selector, 0));
        tiers.createTier(0, true, 0);
        vm.expectRevert(abi.encodeWithSelector(TieredBadges.TierInvalidId.selector, BRONZE));
        tiers.createTier(BRONZE, true, 0);
        vm.expectRevert(abi.encodeWithSelector(TieredBadges.TierInvalidId.selector, 7));
        tiers.createTier(7, true, 7);
        vm.expectRevert(abi.encodeWithSelector(TieredBadges.TierNotFound.selector, 8));
        tiers.createTier(7, true, 8);
        vm.stopPrank();
        bytes32 role = tiers.ISSUER_ROLE();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role));
        tiers.createTier(7, true, 0);
    }

    function test_mint_RevertWhen_UnknownTierOrUnauthorised() public {
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(TieredBadges.TierNotFound.selector, 4));
        tiers.mint(alice, 4, 1);
        bytes32 role = tiers.ISSUER_ROLE();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role));
        tiers.mint(alice, BRONZE, 1);
        vm.expectRevert(abi.encodeWithSelector(TieredBadges.TierNotFound.selector, 4));
        tiers.tier(4);
    }

    function test_upgrade_burnsLowerMintsHigher() public {
        vm.expectEmit(address(tiers));
        emit TransferSingle(admin, alice, address(0), BRONZE, 1);
        vm.expectEmit(address(tiers));
        emit TierUpgraded(alice, BRONZE, SILVER);
        vm.expectEmit(address(tiers));
        emit TransferSingle(admin, address(0), alice, SILVER, 1);
        vm.prank(admin);
        tiers.upgrade(alice, BRONZE, SILVER);
        assertEq(tiers.balanceOf(alice, BRONZE), 0);
        assertEq(tiers.balanceOf(alice, SILVER), 1);
        vm.prank(admin);
        tiers.upgrade(alice, SILVER, GOLD);
        assertEq(tiers.balanceOf(alice, GOLD), 1);
    }

    function test_upgrade_RevertWhen_NotTheNextTierOrNoneHeld() public {
        vm.startPrank(admin);
        vm.expectRevert(abi.encodeWithSelector(TieredBadges.TierNotUpgradeOf.selector, BRONZE, GOLD));
        tiers.upgrade(alice, BRONZE, GOLD);
        vm.expectRevert(abi.encodeWithSelector(TieredBadges.TierNotUpgradeOf.selector, 0, BRONZE));
        tiers.upgrade(alice, 0, BRONZE);
        vm.expectRevert(abi.encodeWithSelector(TieredBadges.TierNotFound.selector, 55));
        tiers.upgrade(alice, BRONZE, 55);
        vm.expectRevert(
            abi.encodeWithSelector(IERC1155Errors.ERC1155InsufficientBalance.selector, bob, 0, 1, BRONZE)
        );
        tiers.upgrade(bob, BRONZE, SILVER);
        vm.stopPrank();
        bytes32 role = tiers.ISSUER_ROLE();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, alice, role));
        tiers.upgrade(alice, BRONZE, SILVER);
    }

    function test_soulbound_transfersRevert_burnWorks() public {
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(TieredBadges.TierSoulbound.selector, BRONZE));
        tiers.safeTransferFrom(alice, bob, BRONZE, 1, "");
        tiers.burn(BRONZE, 1);
        vm.stopPrank();
        assertEq(tiers.balanceOf(alice, BRONZE), 0);
    }

    function test_tradeable_plainERC1155() public {
        vm.prank(admin);
        tiers.mint(alice, STICKER, 5);
        vm.prank(alice);
        tiers.safeTransferFrom(alice, bob, STICKER, 2, "");
        assertEq(tiers.balanceOf(bob, STICKER), 2);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(IERC1155Errors.ERC1155MissingApprovalForAll.selector, bob, alice)
        );
        tiers.safeTransferFrom(alice, bob, STICKER, 1, "");
    }

    function test_supportsInterface() public view {
        assertTrue(tiers.supportsInterface(0xd9b67a26)); // ERC-1155
        assertTrue(tiers.supportsInterface(0x0e89341c)); // ERC-1155 metadata URI
        assertTrue(tiers.supportsInterface(0x01ffc9a7));
        assertTrue(tiers.supportsInterface(type(IAccessControl).interfaceId));
        assertFalse(tiers.supportsInterface(0x80ac58cd));
        assertEq(tiers.uri(BRONZE), "ipfs://tiers/{id}.json");
    }
}
