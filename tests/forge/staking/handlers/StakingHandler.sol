// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {GovernanceTokenV2} from "../../../../contracts/governance/GovernanceTokenV2.sol";
import {QuiltkitStaking} from "../../../../contracts/staking/QuiltkitStaking.sol";
import {VerifierBonds} from "../../../../contracts/staking/VerifierBonds.sol";
import {TestToken} from "../../../../contracts/testing/TestToken.sol";

/// @notice Drives the pool and the bond registry with bounded, revert-free calls from three
/// self-delegated holders; ghost totals per reward token; records any slash that reached tokens
/// past their unbonding delay.
contract StakingHandler is Test {
    GovernanceTokenV2 public immutable token;
    QuiltkitStaking public immutable pool;
    VerifierBonds public immutable bonds;
    address public immutable distributor;
    address[] public actors;
    address[] public rewards;

    mapping(address token => uint256) public notified;
    mapping(address token => uint256) public claimed;
    mapping(address verifier => uint256) public bondedTotal;
    mapping(address verifier => uint256) public slashedTotal;
    bool public slashedPastDelay;
    mapping(bytes4 selector => uint256) public calls;

    constructor(
        GovernanceTokenV2 token_,
        QuiltkitStaking pool_,
        VerifierBonds bonds_,
        address distributor_,
        address[] memory actors_,
        address[] memory rewards_
    ) {
        token = token_;
        pool = pool_;
        bonds = bonds_;
        distributor = distributor_;
        actors = actors_;
        rewards = rewards_;
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function rewardCount() external view returns (uint256) {
        return rewards.length;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function stake(uint256 seed, uint256 amount) external {
        address a = _actor(seed);
        uint256 free = token.unlockedBalanceOf(a);
        if (free == 0) return;
        amount = bound(amount, 1, free);
        vm.prank(a);
        pool.stake(amount);
        calls[this.stake.selector]++;
    }

    function unstake(uint256 seed, uint256 amount) external {
        address a = _actor(seed);
        uint256 staked = pool.stakeOf(a);
        if (staked == 0) return;
        amount = bound(amount, 1, staked);
        vm.prank(a);
        pool.unstake(amount);
        calls[this.unstake.selector]++;
    }

    function withdraw(uint256 seed) external {
        address a = _actor(seed);
        (uint256 amount, uint256 readyAt) = pool.pendingUnstake(a);
        if (amount == 0 || block.timestamp < readyAt) return;
        vm.prank(a);
        pool.withdraw();
        calls[this.withdraw.selector]++;
    }

    function claim(uint256 seed, uint256 which) external {
        address a = _actor(seed);
        address r = rewards[which % rewards.length];
        (,, uint256 lastUpdate,) = pool.rewardData(r);
        if (lastUpdate == 0) return; // not notified yet
        vm.prank(a);
        claimed[r] += pool.claim(r);
        calls[this.claim.selector]++;
    }

    function claimAll(uint256 seed) external {
        address a = _actor(seed);
        address[] memory list = pool.rewardTokens();
        vm.prank(a);
        uint256[] memory paid = pool.claimAll();
        for (uint256 i; i < list.length; ++i) {
            claimed[list[i]] += paid[i];
        }
        calls[this.claimAll.selector]++;
    }

    function notify(uint256 which, uint256 amount, uint256 duration) external {
        address r = rewards[which % rewards.length];
        amount = bound(amount, 1, 10_000 * 10 ** TestToken(r).decimals());
        duration = bound(duration, 1, 30 days);
        TestToken(r).mint(distributor, amount);
        vm.startPrank(distributor);
        TestToken(r).approve(address(pool), amount);
        pool.notifyRewardAmount(r, amount, duration);
        vm.stopPrank();
        notified[r] += amount;
        calls[this.notify.selector]++;
    }

    function warp(uint256 dt) external {
        vm.warp(block.timestamp + bound(dt, 1, 3 days));
        calls[this.warp.selector]++;
    }

    function transfer(uint256 seed, uint256 to, uint256 amount) external {
        address a = _actor(seed);
        uint256 free = token.unlockedBalanceOf(a);
        if (free == 0) return;
        amount = bound(amount, 1, free);
        vm.prank(a);
        token.transfer(_actor(to), amount);
        calls[this.transfer.selector]++;
    }

    function bond(uint256 seed, uint256 amount) external {
        address a = _actor(seed);
        uint256 free = token.unlockedBalanceOf(a);
        if (free == 0) return;
        amount = bound(amount, 1, free);
        vm.prank(a);
        bonds.bond(amount);
        bondedTotal[a] += amount;
        calls[this.bond.selector]++;
    }

    function unbond(uint256 seed, uint256 amount) external {
        address a = _actor(seed);
        (uint256 active,,) = bonds.bondOf(a);
        if (active == 0) return;
        amount = bound(amount, 1, active);
        vm.prank(a);
        bonds.unbond(amount);
        calls[this.unbond.selector]++;
    }

    function withdrawUnbonded(uint256 seed) external {
        address a = _actor(seed);
        (, uint256 unbonding, uint256 readyAt) = bonds.bondOf(a);
        if (unbonding == 0 || block.timestamp < readyAt) return;
        vm.prank(a);
        bonds.withdrawUnbonded();
        calls[this.withdrawUnbonded.selector]++;
    }

    function slash(uint256 seed, uint256 amount) external {
        address a = _actor(seed);
        (uint256 active, uint256 unbonding, uint256 readyAt) = bonds.bondOf(a);
        uint256 slashable = bonds.slashableOf(a);
        if (unbonding != 0 && block.timestamp >= readyAt) {
            // Past the delay the unbonding amount is out of reach: asking for one unit more than
            // the active bond must fail.
            vm.prank(distributor);
            try bonds.slash(a, active + 1, "past delay", address(0)) {
                slashedPastDelay = true;
            } catch {}
        }
        if (slashable == 0) return;
        amount = bound(amount, 1, slashable);
        vm.prank(distributor);
        bonds.slash(a, amount, "false attestation", address(0));
        slashedTotal[a] += amount;
        calls[this.slash.selector]++;
    }
}
