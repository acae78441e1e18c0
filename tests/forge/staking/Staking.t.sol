// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {GovernanceToken} from "../../../contracts/governance/GovernanceToken.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {GovernanceTokenV2} from "../../../contracts/governance/GovernanceTokenV2.sol";
import {QuiltkitStaking} from "../../../contracts/staking/QuiltkitStaking.sol";
import {FeeOnTransferToken} from "../../../contracts/testing/FeeOnTransferToken.sol";
import {TestToken} from "../../../contracts/testing/TestToken.sol";
import {StakingTestBase} from "./StakingTestBase.sol";

/// @notice GovernanceTokenV2's locks: votes kept, locked tokens immovable, the upgrade's storage.
contract GovernanceTokenV2Test is StakingTestBase {
    function test_upgrade_keepsV1State() public view {
        assertEq(token.balanceOf(alice), 50_000e18);
        assertEq(token.getVotes(alice), 50_000e18);
        assertEq(token.treasury(), treasury);
        assertEq(token.cap(), CAP);
        (address s, address b) = token.lockers();
        assertEq(s, address(pool));
        assertEq(b, address(bonds));
    }

    function test_upgrade_locksLiveInTheirOwnNamespace() public {
        bytes32 slot = keccak256(abi.encode(uint256(keccak256("quiltkit.storage.GovernanceTokenLocks")) - 1))
            & ~bytes32(uint256(0xff));
        _stake(alice, 3e18);
        vm.prank(alice);
        bonds.bond(2e18);
        // locks[alice] is the namespace's first (only) member: mapping slot = keccak(holder, base).
        bytes32 packed = vm.load(address(token), keccak256(abi.encode(alice, slot)));
        assertEq(uint256(packed), (uint256(2e18) << 128) | 3e18);
    }

    function test_initializeV2_RevertWhen_Again() public {
        vm.prank(admin);
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        token.initializeV2();
    }

    function test_initializeV2_RevertWhen_NotUpgrader() public {
        bytes memory init = abi.encodeCall(GovernanceToken.initialize, ("q", "Q", CAP, admin, treasury, 1e18));
        GovernanceToken v1 = GovernanceToken(address(new ERC1967Proxy(address(new GovernanceToken()), init)));
        address v2 = address(new GovernanceTokenV2(address(pool), address(bonds)));
        bytes32 role = v1.UPGRADER_ROLE();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role));
        v1.upgradeToAndCall(v2, abi.encodeCall(GovernanceTokenV2.initializeV2, ()));
        vm.expectEmit(address(v1));
        emit GovernanceTokenV2.LockersSet(address(pool), address(bonds));
        vm.prank(admin);
        v1.upgradeToAndCall(v2, abi.encodeCall(GovernanceTokenV2.initializeV2, ()));
    }

    function test_constructor_RevertWhen_InvalidLockers() public {
        vm.expectRevert(
            abi.encodeWithSelector(GovernanceTokenV2.GovernanceTokenInvalidLockers.selector, address(pool), address(pool))
        );
        new GovernanceTokenV2(address(pool), address(pool));
        vm.expectRevert(
            abi.encodeWithSelector(GovernanceTokenV2.GovernanceTokenInvalidLockers.selector, address(pool), stranger)
        );
        new GovernanceTokenV2(address(pool), stranger);
        vm.expectRevert(
            abi.encodeWithSelector(GovernanceTokenV2.GovernanceTokenInvalidLockers.selector, address(0), address(bonds))
        );
        new GovernanceTokenV2(address(0), address(bonds));
    }

    function test_stake_keepsVotesAndBalance() public {
        uint256 votes = token.getVotes(alice);
        uint256 supply = token.totalSupply();
        _stake(alice, 40_000e18);
        assertEq(token.getVotes(alice), votes, "votes unchanged by staking");
        assertEq(token.balanceOf(alice), 50_000e18, "staked tokens stay in the balance");
        assertEq(token.totalSupply(), supply, "nothing minted: no double counting");
        assertEq(token.unlockedBalanceOf(alice), 10_000e18);
        (uint256 staked, uint256 bonded) = token.locksOf(alice);
        assertEq(staked, 40_000e18);
        assertEq(bonded, 0);
        vm.warp(block.timestamp + 1);
        assertEq(token.getPastVotes(alice, block.timestamp - 1), votes);
        assertEq(token.getPastTotalSupply(block.timestamp - 1), supply);
    }

    function test_transfer_RevertWhen_SpendsLockedTokens() public {
        _stake(alice, 40_000e18);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                GovernanceTokenV2.GovernanceTokenTransferExceedsUnlocked.selector, alice, 10_000e18 + 1, 10_000e18
            )
        );
        token.transfer(bob, 10_000e18 + 1);
        vm.prank(alice);
        token.transfer(bob, 10_000e18);
        assertEq(token.balanceOf(alice), 40_000e18);
    }

    function test_transferFrom_RevertWhen_SpendsLockedTokens() public {
        _stake(alice, 50_000e18);
        vm.prank(alice);
        token.approve(bob, type(uint256).max);
        vm.prank(bob);
        vm.expectRevert(
            abi.encodeWithSelector(GovernanceTokenV2.GovernanceTokenTransferExceedsUnlocked.selector, alice, 1, 0)
        );
        token.transferFrom(alice, bob, 1);
    }

    function test_stake_RevertWhen_ExceedsUnlocked() public {
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                GovernanceTokenV2.GovernanceTokenLockExceedsUnlocked.selector, alice, 50_000e18 + 1, 50_000e18
            )
        );
        pool.stake(50_000e18 + 1);
    }

    function test_stakeAndBond_shareTheBalanceWithoutDoubleLocking() public {
        _stake(alice, 30_000e18);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                GovernanceTokenV2.GovernanceTokenLockExceedsUnlocked.selector, alice, 20_000e18 + 1, 20_000e18
            )
        );
        bonds.bond(20_000e18 + 1);
        vm.prank(alice);
        bonds.bond(20_000e18);
        assertEq(token.unlockedBalanceOf(alice), 0);
        assertEq(token.getVotes(alice), 50_000e18);
    }

    function test_lock_RevertWhen_NotLocker() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(GovernanceTokenV2.GovernanceTokenNotLocker.selector, stranger));
        token.lock(alice, 1);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(GovernanceTokenV2.GovernanceTokenNotLocker.selector, stranger));
        token.unlock(alice, 1);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(GovernanceTokenV2.GovernanceTokenNotLocker.selector, stranger));
        token.seize(alice, 1, stranger);
    }

    function test_unlock_RevertWhen_OtherLockersLock() public {
        vm.prank(alice);
        bonds.bond(1_000e18);
        // The pool cannot release what the bond registry locked.
        vm.prank(address(pool));
        vm.expectRevert(
            abi.encodeWithSelector(GovernanceTokenV2.GovernanceTokenUnlockExceedsLocked.selector, alice, 1, 0)
        );
        token.unlock(alice, 1);
    }

    function test_unstake_worksWhileTokenPaused() public {
        _stake(alice, 1_000e18);
        vm.prank(admin);
        token.pause();
        vm.prank(alice);
        pool.unstake(1_000e18);
        assertEq(token.unlockedBalanceOf(alice), 50_000e18);
    }
}

/// @notice The pool: staking, unstaking with and without cooldown, pausing, rewards in two tokens.
contract QuiltkitStakingTest is StakingTestBase {
    uint256 internal constant WEEK = 7 days;

    function test_stake_emitsAndCounts() public {
        vm.expectEmit(address(pool));
        emit QuiltkitStaking.Staked(alice, 1_000e18, 1_000e18);
        vm.expectEmit(address(token));
        emit GovernanceTokenV2.TokensLocked(address(pool), alice, 1_000e18);
        _stake(alice, 1_000e18);
        _stake(bob, 500e18);
        assertEq(pool.stakeOf(alice), 1_000e18);
        assertEq(pool.totalStaked(), 1_500e18);
    }

    function test_stake_RevertWhen_Zero() public {
        vm.prank(alice);
        vm.expectRevert(QuiltkitStaking.StakingZeroAmount.selector);
        pool.stake(0);
    }

    function test_stake_RevertWhen_Paused_exitsStillWork() public {
        _stake(alice, 1_000e18);
        _notify(address(usdc), 700e6, WEEK);
        vm.prank(timelock);
        pool.pause();
        vm.prank(bob);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        pool.stake(1);
        vm.warp(block.timestamp + 1 days);
        vm.startPrank(alice);
        pool.claimAll();
        pool.unstake(1_000e18);
        vm.stopPrank();
        assertApproxEqAbs(usdc.balanceOf(alice), 100e6, 1);
        vm.prank(timelock);
        pool.unpause();
        _stake(bob, 1);
    }

    function test_pause_RevertWhen_NotPauser() public {
        bytes32 role = pool.PAUSER_ROLE();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role));
        pool.pause();
    }

    function test_unstake_immediate() public {
        _stake(alice, 1_000e18);
        vm.expectEmit(address(pool));
        emit QuiltkitStaking.Unstaked(alice, 400e18);
        vm.prank(alice);
        pool.unstake(400e18);
        assertEq(pool.stakeOf(alice), 600e18);
        assertEq(pool.totalStaked(), 600e18);
        assertEq(token.unlockedBalanceOf(alice), 49_400e18);
    }

    function test_unstake_RevertWhen_Zero() public {
        vm.prank(alice);
        vm.expectRevert(QuiltkitStaking.StakingZeroAmount.selector);
        pool.unstake(0);
    }

    function test_unstake_RevertWhen_InsufficientStake() public {
        _stake(alice, 1_000e18);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(QuiltkitStaking.StakingInsufficientStake.selector, alice, 1_000e18 + 1, 1_000e18)
        );
        pool.unstake(1_000e18 + 1);
    }

    function test_unstake_withCooldown() public {
        vm.prank(timelock);
        pool.setCooldown(3 days);
        _stake(alice, 1_000e18);
        uint256 readyAt = block.timestamp + 3 days;
        vm.expectEmit(address(pool));
        emit QuiltkitStaking.UnstakeQueued(alice, 1_000e18, readyAt);
        vm.prank(alice);
        pool.unstake(1_000e18);
        (uint256 amount, uint256 at) = pool.pendingUnstake(alice);
        assertEq(amount, 1_000e18);
        assertEq(at, readyAt);
        assertEq(token.unlockedBalanceOf(alice), 49_000e18, "still locked in the cooldown");
        assertEq(pool.totalStaked(), 0, "no longer earning");
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(QuiltkitStaking.StakingCooldownActive.selector, alice, readyAt, block.timestamp)
        );
        pool.withdraw();
        vm.warp(readyAt);
        vm.prank(alice);
        pool.withdraw();
        assertEq(token.unlockedBalanceOf(alice), 50_000e18);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(QuiltkitStaking.StakingNothingPending.selector, alice));
        pool.withdraw();
    }

    function test_setCooldown_RevertWhen_TooLong() public {
        uint256 max = pool.MAX_COOLDOWN();
        uint48 tooLong = uint48(max + 1);
        vm.prank(timelock);
        vm.expectRevert(abi.encodeWithSelector(QuiltkitStaking.StakingInvalidCooldown.selector, tooLong, max));
        pool.setCooldown(tooLong);
    }

    function test_constructor_RevertWhen_ZeroAddress() public {
        vm.expectRevert(QuiltkitStaking.StakingZeroAddress.selector);
        new QuiltkitStaking(token, address(0), timelock, 0);
    }

    function test_rewards_singleStakerGetsTheStream() public {
        _stake(alice, 1_000e18);
        _notify(address(usdc), 7_000e6, WEEK);
        vm.warp(block.timestamp + WEEK + 1 days);
        assertApproxEqAbs(pool.earned(alice, address(usdc)), 7_000e6, 1);
        vm.expectEmit(true, true, false, false, address(pool));
        emit QuiltkitStaking.RewardPaid(alice, address(usdc), 0);
        vm.prank(alice);
        uint256 paid = pool.claim(address(usdc));
        assertApproxEqAbs(paid, 7_000e6, 1);
        assertLe(paid, 7_000e6, "never more than notified");
        assertEq(usdc.balanceOf(alice), paid);
        assertEq(pool.earned(alice, address(usdc)), 0);
    }

    function test_rewards_splitByStake_twoTokens() public {
        _stake(alice, 3_000e18);
        _stake(bob, 1_000e18);
        _notify(address(usdc), 4_000e6, WEEK);
        _notify(address(token), 8_000e18, WEEK);
        vm.warp(block.timestamp + WEEK);
        vm.prank(alice);
        uint256[] memory a = pool.claimAll();
        vm.prank(bob);
        uint256[] memory b = pool.claimAll();
        assertApproxEqAbs(a[0], 3_000e6, 1);
        assertApproxEqAbs(b[0], 1_000e6, 1);
        assertApproxEqAbs(a[1], 6_000e18, 1e6);
        assertApproxEqAbs(b[1], 2_000e18, 1e6);
        assertLe(a[0] + b[0], 4_000e6);
        assertLe(a[1] + b[1], 8_000e18);
        address[] memory list = pool.rewardTokens();
        assertEq(list.length, 2);
        assertEq(list[0], address(usdc));
        assertEq(list[1], address(token));
    }

    function test_rewards_lateStakerEarnsFromItsStake() public {
        _stake(alice, 1_000e18);
        _notify(address(usdc), 7_000e6, WEEK);
        vm.warp(block.timestamp + 1 days);
        _stake(bob, 1_000e18);
        vm.warp(block.timestamp + 6 days);
        assertApproxEqAbs(pool.earned(alice, address(usdc)), 1_000e6 + 3_000e6, 2);
        assertApproxEqAbs(pool.earned(bob, address(usdc)), 3_000e6, 2);
    }

    function test_notify_topUpRollsTheRemainderIn() public {
        _stake(alice, 1_000e18);
        _notify(address(usdc), 7_000e6, WEEK);
        vm.warp(block.timestamp + 3 days + 12 hours); // half of the first stream: 3,500 left
        _notify(address(usdc), 1_500e6, 5 days);
        (uint256 rate, uint256 finish,,) = pool.rewardData(address(usdc));
        assertEq(finish, block.timestamp + 5 days);
        assertApproxEqAbs(rate * 5 days / 1e18, 5_000e6, 1);
        vm.warp(block.timestamp + 5 days);
        assertApproxEqAbs(pool.earned(alice, address(usdc)), 8_500e6, 2);
        assertLe(pool.earned(alice, address(usdc)), 8_500e6);
    }

    function test_notify_usesUnallocatedBalanceFirst() public {
        _stake(alice, 1_000e18);
        // Protocol fees routed to the pool arrive as a plain transfer...
        usdc.mint(address(pool), 1_000e6);
        uint256 before = usdc.balanceOf(timelock);
        // ...and the next notify streams them, pulling only the shortfall.
        _notify(address(usdc), 1_500e6, WEEK);
        assertEq(before - usdc.balanceOf(timelock), 500e6);
        assertEq(pool.committed(address(usdc)), 1_500e6);
    }

    function test_notify_RevertWhen_NotDistributor() public {
        bytes32 role = pool.DISTRIBUTOR_ROLE();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role));
        pool.notifyRewardAmount(address(usdc), 1, WEEK);
    }

    function test_notify_RevertWhen_BadInput() public {
        vm.startPrank(timelock);
        vm.expectRevert(QuiltkitStaking.StakingZeroAddress.selector);
        pool.notifyRewardAmount(address(0), 1, WEEK);
        vm.expectRevert(QuiltkitStaking.StakingZeroAmount.selector);
        pool.notifyRewardAmount(address(usdc), 0, WEEK);
        vm.expectRevert(abi.encodeWithSelector(QuiltkitStaking.StakingInvalidDuration.selector, 0, 365 days));
        pool.notifyRewardAmount(address(usdc), 1, 0);
        vm.expectRevert(
            abi.encodeWithSelector(QuiltkitStaking.StakingInvalidDuration.selector, 365 days + 1, 365 days)
        );
        pool.notifyRewardAmount(address(usdc), 1, 365 days + 1);
        vm.stopPrank();
    }

    function test_notify_RevertWhen_TooManyRewardTokens() public {
        vm.startPrank(timelock);
        for (uint256 i; i < 8; ++i) {
            TestToken t = new TestToken("R", "R", 18);
            t.mint(timelock, 1e18);
            t.approve(address(pool), 1e18);
            pool.notifyRewardAmount(address(t), 1e18, WEEK);
        }
        TestToken ninth = new TestToken("R", "R", 18);
        vm.expectRevert(abi.encodeWithSelector(QuiltkitStaking.StakingTooManyRewardTokens.selector, 8));
        pool.notifyRewardAmount(address(ninth), 1e18, WEEK);
        vm.stopPrank();
    }

    function test_notify_RevertWhen_FeeOnTransferShortfall() public {
        FeeOnTransferToken fot = new FeeOnTransferToken(100); // 1%
        fot.mint(timelock, 1_000e18);
        vm.startPrank(timelock);
        fot.approve(address(pool), 1_000e18);
        vm.expectRevert(
            abi.encodeWithSelector(QuiltkitStaking.StakingRewardShortfall.selector, address(fot), 1_000e18, 990e18)
        );
        pool.notifyRewardAmount(address(fot), 1_000e18, WEEK);
        vm.stopPrank();
    }

    function test_notify_RevertWhen_RateTooLarge() public {
        TestToken huge = new TestToken("H", "H", 18);
        uint256 amount = uint256(type(uint192).max) / 1e18 + 1;
        huge.mint(timelock, amount);
        vm.prank(timelock);
        vm.expectRevert(abi.encodeWithSelector(QuiltkitStaking.StakingRewardTooLarge.selector, address(huge), amount));
        pool.notifyRewardAmount(address(huge), amount, 1);
    }

    function test_claim_RevertWhen_UnknownRewardToken() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(QuiltkitStaking.StakingUnknownRewardToken.selector, address(usdc)));
        pool.claim(address(usdc));
    }

    function test_claim_nothingDuePaysNothing() public {
        _notify(address(usdc), 1_000e6, WEEK);
        vm.prank(alice);
        assertEq(pool.claim(address(usdc)), 0);
    }

    function test_recoverUnallocated_emissionWhileNobodyStaked() public {
        _notify(address(usdc), 7_000e6, WEEK);
        vm.warp(block.timestamp + 1 days); // nobody staked: 1,000 is nobody's
        _stake(alice, 1_000e18);
        assertApproxEqAbs(pool.committed(address(usdc)), 6_000e6, 1);
        assertGe(pool.committed(address(usdc)), 6_000e6, "the bound rounds up");
        vm.prank(timelock);
        assertApproxEqAbs(pool.recoverUnallocated(address(usdc), treasury), 1_000e6, 1);
        vm.warp(block.timestamp + WEEK);
        vm.prank(alice);
        uint256 paid = pool.claim(address(usdc));
        assertApproxEqAbs(paid, 6_000e6, 1);
        vm.prank(timelock);
        pool.recoverUnallocated(address(usdc), treasury);
        // Rounding down leaves at most a unit per accrual inside the bound (here 2 units of 1e-6).
        assertLe(usdc.balanceOf(address(pool)), 2);
        assertEq(usdc.balanceOf(treasury) + paid + usdc.balanceOf(address(pool)), 7_000e6, "nothing lost");
    }

    function test_recoverUnallocated_RevertWhen_ZeroAddress() public {
        vm.prank(timelock);
        vm.expectRevert(QuiltkitStaking.StakingZeroAddress.selector);
        pool.recoverUnallocated(address(usdc), address(0));
    }

    function test_unstake_stopsEarning() public {
        _stake(alice, 1_000e18);
        _stake(bob, 1_000e18);
        _notify(address(usdc), 7_000e6, WEEK);
        vm.warp(block.timestamp + 1 days);
        vm.prank(bob);
        pool.unstake(1_000e18);
        vm.warp(block.timestamp + 6 days);
        assertApproxEqAbs(pool.earned(bob, address(usdc)), 500e6, 1);
        assertApproxEqAbs(pool.earned(alice, address(usdc)), 6_500e6, 1);
    }
}
