// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {StakingTestBase} from "./StakingTestBase.sol";

/// @notice Fuzzed twins of the reward and lock paths.
contract StakingFuzzTest is StakingTestBase {
    /// Two stakers, any split, any stream, any elapsed time: payouts never exceed the stream and
    /// are split by stake (to rounding), and neither holder's votes move.
    function testFuzz_rewards_neverExceedNotified(uint256 a, uint256 b, uint256 amount, uint256 duration, uint256 dt)
        public
    {
        a = bound(a, 1, 50_000e18);
        b = bound(b, 1, 30_000e18);
        amount = bound(amount, 1, 1_000_000e6);
        duration = bound(duration, 1, 365 days);
        dt = bound(dt, 0, 400 days);
        _stake(alice, a);
        _stake(bob, b);
        _notify(address(usdc), amount, duration);
        vm.warp(block.timestamp + dt);
        vm.prank(alice);
        uint256 pa = pool.claim(address(usdc));
        vm.prank(bob);
        uint256 pb = pool.claim(address(usdc));
        assertLe(pa + pb, amount);
        uint256 streamed = dt >= duration ? amount : amount * dt / duration;
        assertApproxEqAbs(pa + pb, streamed, 2 + streamed / 1e12);
        assertEq(token.getVotes(alice), 50_000e18);
        assertEq(token.getVotes(bob), 30_000e18);
    }

    /// Any stake leaves exactly the unlocked rest transferable.
    function testFuzz_transfer_onlyUnlocked(uint256 staked, uint256 value) public {
        staked = bound(staked, 1, 50_000e18);
        value = bound(value, 1, 50_000e18);
        _stake(alice, staked);
        vm.prank(alice);
        if (value > 50_000e18 - staked) vm.expectRevert();
        token.transfer(bob, value);
    }

    /// Any slash within the slashable amount moves exactly that many tokens and votes.
    function testFuzz_slash_withinBond(uint256 bonded, uint256 unbonded, uint256 amount, uint256 dt) public {
        bonded = bound(bonded, 1, 20_000e18);
        unbonded = bound(unbonded, 0, bonded);
        dt = bound(dt, 0, 14 days);
        vm.startPrank(carol);
        bonds.bond(bonded);
        if (unbonded != 0) bonds.unbond(unbonded);
        vm.stopPrank();
        vm.warp(block.timestamp + dt);
        uint256 slashable = bonds.slashableOf(carol);
        assertEq(slashable, dt < 7 days ? bonded : bonded - unbonded);
        if (slashable == 0) return;
        amount = bound(amount, 1, slashable);
        vm.prank(timelock);
        bonds.slash(carol, amount, "fuzz", address(0));
        assertEq(token.balanceOf(carol), 20_000e18 - amount);
        assertEq(token.getVotes(carol), 20_000e18 - amount);
        assertEq(token.balanceOf(treasury), amount);
    }
}
