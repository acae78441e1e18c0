// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {ERC20CappedUpgradeable} from
    "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20CappedUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {Checkpoints} from "@openzeppelin/contracts/utils/structs/Checkpoints.sol";
import {RejectingReceiver} from "../../../contracts/testing/RejectingReceiver.sol";
import {GovernanceToken} from "../../../contracts/governance/GovernanceToken.sol";
import {GovernanceTokenV2} from "./mocks/GovernanceMocks.sol";
import {GovernanceTestBase} from "./GovernanceTestBase.sol";

contract GovernanceTokenTest is GovernanceTestBase {
    event Donated(address indexed donor, address indexed treasury, uint256 value, uint256 minted);

    function test_initialize_setsCapRolesTreasuryAndClock() public view {
        assertEq(token.cap(), CAP);
        assertEq(token.treasury(), treasury);
        assertEq(token.donationRate(), 1e18);
        assertTrue(token.hasRole(token.MINTER_ROLE(), admin));
        assertTrue(token.hasRole(token.UPGRADER_ROLE(), admin));
        assertEq(token.clock(), block.timestamp);
        assertEq(token.CLOCK_MODE(), "mode=timestamp");
        assertEq(token.totalSupply(), 100_000e18);
    }

    function test_initialize_RevertWhen_RunTwice() public {
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        token.initialize("x", "X", CAP, stranger, stranger, 1);
    }

    function test_initialize_RevertWhen_ImplementationLocked() public {
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        implementation.initialize("x", "X", CAP, stranger, stranger, 1);
    }

    function test_mintBatch_mintsEveryRecipient() public {
        address[] memory to = new address[](2);
        uint256[] memory amounts = new uint256[](2);
        (to[0], to[1], amounts[0], amounts[1]) = (stranger, treasury, 5, 7);
        vm.prank(admin);
        token.mintBatch(to, amounts);
        assertEq(token.balanceOf(stranger), 5);
        assertEq(token.balanceOf(treasury), 7);
    }

    function test_mintBatch_RevertWhen_LengthMismatch() public {
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(GovernanceToken.GovernanceTokenBatchLengthMismatch.selector, 1, 0));
        token.mintBatch(new address[](1), new uint256[](0));
    }

    function test_mint_RevertWhen_NotMinter() public {
        bytes32 role = token.MINTER_ROLE();
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role)
        );
        token.mint(stranger, 1);
    }

    function test_mint_RevertWhen_OverCap() public {
        uint256 supply = token.totalSupply();
        vm.prank(admin);
        vm.expectRevert(abi.encodeWithSelector(ERC20CappedUpgradeable.ERC20ExceededCap.selector, CAP + 1, CAP));
        token.mint(stranger, CAP - supply + 1);
    }

    function test_donate_mintsAtRateAndForwardsToTreasury() public {
        vm.deal(stranger, 3 ether);
        vm.expectEmit(address(token));
        emit Donated(stranger, treasury, 2 ether, 2e18);
        vm.prank(stranger);
        uint256 minted = token.donate{value: 2 ether}();
        assertEq(minted, 2e18);
        assertEq(token.balanceOf(stranger), 2e18);
        assertEq(treasury.balance, 2 ether);
        assertEq(address(token).balance, 0);
        assertEq(token.donatedBy(stranger), 2 ether);
        vm.prank(stranger);
        token.donate{value: 1 ether}();
        assertEq(token.donatedBy(stranger), 3 ether);
        assertEq(token.totalDonated(), 3 ether);
    }

    function test_donate_atConfiguredRate() public {
        vm.prank(admin);
        token.setDonationRate(250e18); // 250 tokens per ether
        vm.deal(stranger, 1 ether);
        vm.prank(stranger);
        assertEq(token.donate{value: 1 ether}(), 250e18);
    }

    function test_donate_RevertWhen_OverCap_mintsNothing() public {
        uint256 room = CAP - token.totalSupply();
        vm.deal(stranger, room + 1);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ERC20CappedUpgradeable.ERC20ExceededCap.selector, CAP + 1, CAP));
        token.donate{value: room + 1}();
        assertEq(token.balanceOf(stranger), 0);
        assertEq(token.donatedBy(stranger), 0);
        assertEq(treasury.balance, 0);
        assertEq(stranger.balance, room + 1);
    }

    function test_donate_RevertWhen_TreasuryRejects_valueStaysWithDonor() public {
        RejectingReceiver rejecting = new RejectingReceiver();
        vm.prank(admin);
        token.setTreasury(address(rejecting));
        vm.deal(stranger, 1 ether);
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(
                GovernanceToken.GovernanceTokenTreasuryRejected.selector, address(rejecting), 1 ether
            )
        );
        token.donate{value: 1 ether}();
        assertEq(stranger.balance, 1 ether);
        assertEq(address(token).balance, 0);
        assertEq(token.balanceOf(stranger), 0);
    }

    function test_donate_RevertWhen_Closed() public {
        vm.prank(admin);
        token.setDonationRate(0);
        vm.deal(stranger, 1);
        vm.prank(stranger);
        vm.expectRevert(GovernanceToken.GovernanceTokenDonationsClosed.selector);
        token.donate{value: 1}();
    }

    function test_donate_RevertWhen_TooSmall() public {
        vm.prank(admin);
        token.setDonationRate(1); // 1e-18 token unit per wei
        vm.deal(stranger, 1);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(GovernanceToken.GovernanceTokenDonationTooSmall.selector, 1, 1));
        token.donate{value: 1}();
    }

    function test_pause_stopsTransfersAndDonations() public {
        vm.prank(admin);
        token.pause();
        vm.prank(alice);
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        token.transfer(bob, 1);
        vm.deal(stranger, 1 ether);
        vm.prank(stranger);
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        token.donate{value: 1 ether}();
        vm.prank(admin);
        token.unpause();
        vm.prank(alice);
        token.transfer(bob, 1);
        assertEq(token.balanceOf(bob), 30_000e18 + 1);
    }

    function test_pause_RevertWhen_NotPauser() public {
        bytes32 role = token.PAUSER_ROLE();
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role)
        );
        token.pause();
    }

    function test_setTreasury_RevertWhen_Zero() public {
        vm.prank(admin);
        vm.expectRevert(GovernanceToken.GovernanceTokenZeroAddress.selector);
        token.setTreasury(address(0));
    }

    function test_transfer_movesVotesBetweenDelegates() public {
        vm.prank(alice);
        token.transfer(bob, 10_000e18);
        assertEq(token.getVotes(alice), 40_000e18);
        assertEq(token.getVotes(bob), 40_000e18);
    }

    function test_upgrade_RevertWhen_NotUpgrader() public {
        GovernanceTokenV2 v2 = new GovernanceTokenV2();
        bytes32 role = token.UPGRADER_ROLE();
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role)
        );
        token.upgradeToAndCall(address(v2), "");
    }

    function test_upgrade_toV2_keepsBalancesVotesDelegationsAndCheckpoints() public {
        vm.prank(alice);
        token.transfer(carol, 1_000e18);
        vm.prank(bob);
        token.delegate(alice);
        uint256 t1 = block.timestamp;
        vm.warp(t1 + 10);
        Checkpoints.Checkpoint208 memory aliceCp = token.checkpoints(alice, token.numCheckpoints(alice) - 1);
        uint32 aliceCps = token.numCheckpoints(alice);

        GovernanceTokenV2 v2 = new GovernanceTokenV2();
        vm.prank(admin);
        token.upgradeToAndCall(address(v2), abi.encodeCall(GovernanceTokenV2.initializeV2, (42)));
        GovernanceTokenV2 upgraded = GovernanceTokenV2(address(token));

        assertEq(upgraded.version(), 2);
        assertEq(upgraded.marker(), 42);
        assertEq(upgraded.balanceOf(alice), 49_000e18);
        assertEq(upgraded.balanceOf(carol), 21_000e18);
        assertEq(upgraded.delegates(bob), alice);
        assertEq(upgraded.getVotes(alice), 49_000e18 + 30_000e18);
        assertEq(upgraded.getPastVotes(alice, t1 - 1), 50_000e18);
        assertEq(upgraded.getPastVotes(alice, t1), 79_000e18);
        assertEq(upgraded.numCheckpoints(alice), aliceCps);
        Checkpoints.Checkpoint208 memory kept = upgraded.checkpoints(alice, aliceCps - 1);
        assertEq(kept._key, aliceCp._key);
        assertEq(kept._value, aliceCp._value);
        assertEq(upgraded.cap(), CAP);
        assertEq(upgraded.treasury(), treasury);
        // Still capped, pausable and re-initialisation proof after the upgrade.
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        upgraded.initializeV2(7);
        vm.prank(admin);
        upgraded.pause();
        vm.prank(alice);
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        upgraded.transfer(bob, 1);
    }

    function test_permit_setsAllowanceBySignature() public {
        (address owner, uint256 key) = makeAddrAndKey("permit owner");
        bytes32 typehash =
            keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
        bytes32 structHash = keccak256(abi.encode(typehash, owner, bob, 5, 0, block.timestamp + 1));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        token.permit(owner, bob, 5, block.timestamp + 1, v, r, s);
        assertEq(token.allowance(owner, bob), 5);
        assertEq(token.nonces(owner), 1);
    }
}
