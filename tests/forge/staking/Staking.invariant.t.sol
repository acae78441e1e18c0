// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {StdInvariant} from "forge-std/StdInvariant.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {TestToken} from "../../../contracts/testing/TestToken.sol";
import {StakingTestBase} from "./StakingTestBase.sol";
import {StakingHandler} from "./handlers/StakingHandler.sol";

/// @notice Handler invariants of the pool and the bond registry together (they share the token's
/// locks). Three self-delegated holders stake, unstake (with a 1-day cooldown), claim, transfer,
/// bond, unbond and are slashed while the distributor streams a 6- and an 18-decimal token.
/// @dev CI: 64 runs x depth 48; the deep profile runs 2,000 x 256.
/// forge-config: default.invariant.runs = 64
/// forge-config: default.invariant.depth = 48
contract StakingInvariantTest is StdInvariant, StakingTestBase {
    StakingHandler internal handler;
    TestToken internal dai;
    address[] internal actors;

    function setUp() public override {
        super.setUp();
        vm.prank(timelock);
        pool.setCooldown(1 days);
        dai = new TestToken("Dai", "DAI", 18);
        actors.push(alice);
        actors.push(bob);
        actors.push(carol);
        address[] memory rewards = new address[](2);
        rewards[0] = address(usdc);
        rewards[1] = address(dai);
        handler = new StakingHandler(token, pool, bonds, timelock, actors, rewards);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](13);
        selectors[0] = StakingHandler.stake.selector;
        selectors[1] = StakingHandler.unstake.selector;
        selectors[2] = StakingHandler.withdraw.selector;
        selectors[3] = StakingHandler.claim.selector;
        selectors[4] = StakingHandler.claimAll.selector;
        selectors[5] = StakingHandler.notify.selector;
        selectors[6] = StakingHandler.warp.selector;
        selectors[7] = StakingHandler.transfer.selector;
        selectors[8] = StakingHandler.bond.selector;
        selectors[9] = StakingHandler.unbond.selector;
        selectors[10] = StakingHandler.withdrawUnbonded.selector;
        selectors[11] = StakingHandler.slash.selector;
        selectors[12] = StakingHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function _claimable(address reward) internal view returns (uint256 sum) {
        for (uint256 i; i < actors.length; ++i) {
            sum += pool.earned(actors[i], reward);
        }
    }

    function invariant_claimedPlusClaimableWithinNotified() public view {
        address[2] memory rewards = [address(usdc), address(dai)];
        for (uint256 i; i < 2; ++i) {
            uint256 claimable = _claimable(rewards[i]);
            assertLe(handler.claimed(rewards[i]) + claimable, handler.notified(rewards[i]), "paid more than notified");
            assertGe(IERC20(rewards[i]).balanceOf(address(pool)), claimable, "pool holds less than claimable");
            assertGe(pool.committed(rewards[i]), claimable, "committed bound below claimable");
            assertGe(IERC20(rewards[i]).balanceOf(address(pool)), pool.committed(rewards[i]), "bound not funded");
        }
    }

    function invariant_totalStakedIsSumOfStakes() public view {
        uint256 sum;
        for (uint256 i; i < actors.length; ++i) {
            sum += pool.stakeOf(actors[i]);
        }
        assertEq(pool.totalStaked(), sum);
    }

    function invariant_locksMatchTheLockers() public view {
        for (uint256 i; i < actors.length; ++i) {
            (uint256 staked, uint256 bonded) = token.locksOf(actors[i]);
            (uint256 pending,) = pool.pendingUnstake(actors[i]);
            (uint256 active, uint256 unbonding,) = bonds.bondOf(actors[i]);
            assertEq(staked, pool.stakeOf(actors[i]) + pending, "stake lock");
            assertEq(bonded, active + unbonding, "bond lock");
            assertLe(staked + bonded, token.balanceOf(actors[i]), "locked beyond the balance");
        }
    }

    function invariant_votesConservedByStaking() public view {
        // Every holder is self-delegated: its votes are its whole balance, staked or not.
        uint256 sum;
        for (uint256 i; i < actors.length; ++i) {
            assertEq(token.getVotes(actors[i]), token.balanceOf(actors[i]), "staking moved votes");
            sum += token.balanceOf(actors[i]);
        }
        assertEq(token.getVotes(timelock) + token.getVotes(treasury) + sum, token.totalSupply() - _undelegated());
    }

    function _undelegated() internal view returns (uint256) {
        // The treasury receives slashes without delegating: its balance has no votes.
        return token.balanceOf(treasury) - token.getVotes(treasury);
    }

    function invariant_slashNeverExceedsBond() public view {
        for (uint256 i; i < actors.length; ++i) {
            assertLe(handler.slashedTotal(actors[i]), handler.bondedTotal(actors[i]));
        }
    }

    function invariant_unbondedNeverSlashedAfterDelay() public view {
        assertFalse(handler.slashedPastDelay());
    }
}
