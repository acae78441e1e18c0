// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {GovernanceTokenV2} from "../../../contracts/governance/GovernanceTokenV2.sol";
import {IVerifierBonds} from "../../../contracts/staking/IVerifierBonds.sol";
import {VerifierBonds} from "../../../contracts/staking/VerifierBonds.sol";
import {StakingTestBase} from "./StakingTestBase.sol";

/// @notice The bond registry: bond, unbond with delay, slash by the Timelock, set minimums.
contract VerifierBondsTest is StakingTestBase {
    bytes32 internal constant SET = keccak256("escrow verifier set");

    function _bond(address who, uint256 amount) internal {
        vm.prank(who);
        bonds.bond(amount);
    }

    function test_bond_keepsVotesAndLocks() public {
        vm.expectEmit(address(bonds));
        emit VerifierBonds.Bonded(carol, 5_000e18, 5_000e18);
        _bond(carol, 5_000e18);
        (uint256 active,,) = bonds.bondOf(carol);
        assertEq(active, 5_000e18);
        assertEq(token.getVotes(carol), 20_000e18);
        assertEq(token.unlockedBalanceOf(carol), 15_000e18);
        vm.prank(carol);
        vm.expectRevert(
            abi.encodeWithSelector(
                GovernanceTokenV2.GovernanceTokenTransferExceedsUnlocked.selector, carol, 20_000e18, 15_000e18
            )
        );
        token.transfer(bob, 20_000e18);
    }

    function test_bond_RevertWhen_Zero() public {
        vm.prank(carol);
        vm.expectRevert(VerifierBonds.VerifierBondsZeroAmount.selector);
        bonds.bond(0);
    }

    function test_unbond_delayThenWithdraw() public {
        _bond(carol, 5_000e18);
        uint256 readyAt = block.timestamp + 7 days;
        vm.expectEmit(address(bonds));
        emit VerifierBonds.UnbondStarted(carol, 2_000e18, readyAt);
        vm.prank(carol);
        bonds.unbond(2_000e18);
        (uint256 active, uint256 unbonding, uint256 at) = bonds.bondOf(carol);
        assertEq(active, 3_000e18);
        assertEq(unbonding, 2_000e18);
        assertEq(at, readyAt);
        assertEq(bonds.slashableOf(carol), 5_000e18, "slashable during the delay");
        vm.prank(carol);
        vm.expectRevert(
            abi.encodeWithSelector(
                VerifierBonds.VerifierBondsUnbondingDelay.selector, carol, readyAt, block.timestamp
            )
        );
        bonds.withdrawUnbonded();
        vm.warp(readyAt);
        assertEq(bonds.slashableOf(carol), 3_000e18, "not slashable after the delay");
        vm.expectEmit(address(bonds));
        emit VerifierBonds.Unbonded(carol, 2_000e18);
        vm.prank(carol);
        bonds.withdrawUnbonded();
        assertEq(token.unlockedBalanceOf(carol), 17_000e18);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(VerifierBonds.VerifierBondsNothingUnbonding.selector, carol));
        bonds.withdrawUnbonded();
    }

    function test_unbond_RevertWhen_BadAmount() public {
        _bond(carol, 1_000e18);
        vm.startPrank(carol);
        vm.expectRevert(VerifierBonds.VerifierBondsZeroAmount.selector);
        bonds.unbond(0);
        vm.expectRevert(
            abi.encodeWithSelector(
                VerifierBonds.VerifierBondsInsufficientBond.selector, carol, 1_000e18 + 1, 1_000e18
            )
        );
        bonds.unbond(1_000e18 + 1);
        vm.stopPrank();
    }

    function test_slash_toTreasuryMovesTokensAndVotes() public {
        _bond(carol, 5_000e18);
        vm.expectEmit(address(bonds));
        emit VerifierBonds.Slashed(carol, treasury, 1_500e18, "false attestation");
        vm.prank(timelock);
        bonds.slash(carol, 1_500e18, "false attestation", address(0));
        assertEq(token.balanceOf(treasury), 1_500e18);
        assertEq(token.getVotes(carol), 18_500e18);
        (uint256 active,,) = bonds.bondOf(carol);
        assertEq(active, 3_500e18);
    }

    function test_slash_toHarmedPartyReachesTheUnbondingPart() public {
        _bond(carol, 5_000e18);
        vm.prank(carol);
        bonds.unbond(4_000e18);
        vm.prank(timelock);
        bonds.slash(carol, 4_500e18, "false attestation", stranger);
        assertEq(token.balanceOf(stranger), 4_500e18);
        (uint256 active, uint256 unbonding,) = bonds.bondOf(carol);
        assertEq(active, 0);
        assertEq(unbonding, 500e18);
    }

    function test_slash_RevertWhen_ExceedsBondOrPastDelay() public {
        _bond(carol, 5_000e18);
        vm.prank(carol);
        bonds.unbond(2_000e18);
        vm.warp(block.timestamp + 7 days);
        vm.startPrank(timelock);
        vm.expectRevert(
            abi.encodeWithSelector(
                VerifierBonds.VerifierBondsSlashExceedsBond.selector, carol, 3_000e18 + 1, 3_000e18
            )
        );
        bonds.slash(carol, 3_000e18 + 1, "too much", address(0));
        vm.expectRevert(VerifierBonds.VerifierBondsZeroAmount.selector);
        bonds.slash(carol, 0, "nothing", address(0));
        vm.stopPrank();
    }

    function test_slash_RevertWhen_NotSlasher() public {
        _bond(carol, 5_000e18);
        bytes32 role = bonds.SLASHER_ROLE();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role));
        bonds.slash(carol, 1, "no", address(0));
    }

    function test_minimum_membersBelowStopCounting() public {
        _bond(carol, 1_000e18);
        _bond(bob, 2_000e18);
        vm.expectEmit(address(bonds));
        emit VerifierBonds.MinimumBondUpdated(SET, 0, 1_000e18);
        vm.prank(timelock);
        bonds.setMinimumBond(SET, 1_000e18);
        address[] memory signers = new address[](2);
        signers[0] = bob;
        signers[1] = carol;
        bonds.requireBonded(SET, signers);
        assertTrue(bonds.counts(SET, carol));
        vm.prank(timelock);
        bonds.slash(carol, 1, "false attestation", address(0));
        assertFalse(bonds.counts(SET, carol));
        vm.expectRevert(
            abi.encodeWithSelector(IVerifierBonds.VerifierBondsBelowMinimum.selector, SET, carol, 1_000e18 - 1, 1_000e18)
        );
        bonds.requireBonded(SET, signers);
        // A set without a minimum counts everyone.
        bonds.requireBonded(keccak256("other"), signers);
        assertEq(bonds.minimumBond(SET), 1_000e18);
    }

    function test_minimum_unbondingStopsCounting() public {
        _bond(carol, 1_000e18);
        vm.prank(timelock);
        bonds.setMinimumBond(SET, 1_000e18);
        vm.prank(carol);
        bonds.unbond(1);
        assertFalse(bonds.counts(SET, carol));
    }

    function test_setUnbondDelay() public {
        vm.expectEmit(address(bonds));
        emit VerifierBonds.UnbondDelayUpdated(7 days, 1 days);
        vm.prank(timelock);
        bonds.setUnbondDelay(1 days);
        assertEq(bonds.unbondDelay(), 1 days);
        vm.prank(timelock);
        vm.expectRevert(abi.encodeWithSelector(VerifierBonds.VerifierBondsInvalidDelay.selector, 91 days, 90 days));
        bonds.setUnbondDelay(91 days);
        bytes32 role = bonds.DEFAULT_ADMIN_ROLE();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role));
        bonds.setMinimumBond(SET, 1);
    }

    function test_constructor_RevertWhen_ZeroAddress() public {
        vm.expectRevert(VerifierBonds.VerifierBondsZeroAddress.selector);
        new VerifierBonds(token, timelock, address(0));
    }

    function test_slash_stakeIsNotReachable() public {
        // The registry can only seize what it locked: a staked-only holder has nothing slashable.
        _stake(carol, 20_000e18);
        vm.prank(timelock);
        vm.expectRevert(abi.encodeWithSelector(VerifierBonds.VerifierBondsSlashExceedsBond.selector, carol, 1, 0));
        bonds.slash(carol, 1, "no bond", address(0));
    }
}
