// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestToken} from "../../../contracts/testing/TestToken.sol";
import {StakingTestBase} from "./StakingTestBase.sol";

/// @dev Uniswap's StakingRewards (the Synthetix algorithm), deployed from the npm package's bytecode.
interface IUniStakingRewards {
    function stake(uint256 amount) external;
    function withdraw(uint256 amount) external;
    function getReward() external;
    function exit() external;
    function notifyRewardAmount(uint256 reward) external;
    function earned(address account) external view returns (uint256);
    function balanceOf(address account) external view returns (uint256);
}

interface IUniTestERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function approve(address spender, uint256 amount) external returns (bool);
    function balanceOf(address account) external view returns (uint256);
}

/// @dev A call that does nothing: its gas tells whether top-level calls run as transactions.
contract StakingIsolationProbe {
    function ping() external {}
}

/// @dev The release path's verifier check, alone: the escrow (owned elsewhere) cannot consult the
/// registry yet, so this measures what consulting it adds to an attested release: one
/// `requireBonded` call with the release's signers, against the same call path without it.
contract BondedReleaseHarness {
    address internal immutable registry;
    uint256 public releases;

    constructor(address registry_) {
        registry = registry_;
    }

    function releaseUnbonded(bytes32, address[] calldata signers) external {
        releases += signers.length;
    }

    function releaseBonded(bytes32 setId, address[] calldata signers) external {
        (bool ok, bytes memory ret) =
            registry.staticcall(abi.encodeWithSignature("requireBonded(bytes32,address[])", setId, signers));
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        releases += signers.length;
    }
}

/// @title StakingGasTest
/// @notice Full-transaction gas of staking, rewards and bonds beside Uniswap's StakingRewards
/// (npm package uniswap/liquidity-staker, build/StakingRewards.json, the Synthetix algorithm) measured in the
/// same run, written to `snapshots/Staking.json`. Run as
/// `forge test --isolate --match-path 'tests/forge/staking/Staking.gas.t.sol'`; without --isolate
/// nothing is recorded.
/// @dev Conditions, the same for ours and the reference: alice (50,000) and bob (30,000) already
/// staking 10,000 each and settled once, one reward stream running (a 6-decimal stablecoin in ours, Uniswap's single
/// reward token), an hour between actions. Ours keeps the stake's votes; Uniswap moves the tokens
/// into the vault (where, with a votes token, they would stop voting).
contract StakingGasTest is StakingTestBase {
    string internal constant GROUP = "Staking";
    string internal constant UNI = "node_modules/@uniswap/liquidity-staker/build/";

    StakingIsolationProbe internal probe;
    IUniStakingRewards internal uni;
    IUniTestERC20 internal uniStake;
    IUniTestERC20 internal uniReward;

    function setUp() public override {
        super.setUp();
        probe = new StakingIsolationProbe();
        uniStake = IUniTestERC20(_deploy("TestERC20.json", abi.encode(uint256(1_000_000_000e18))));
        uniReward = IUniTestERC20(_deploy("TestERC20.json", abi.encode(uint256(1_000_000_000e18))));
        uni = IUniStakingRewards(
            _deploy("StakingRewards.json", abi.encode(address(this), address(uniReward), address(uniStake)))
        );
        address[3] memory holders = [alice, bob, carol];
        for (uint256 i; i < 3; ++i) {
            uniStake.transfer(holders[i], token.balanceOf(holders[i]));
            vm.prank(holders[i]);
            uniStake.approve(address(uni), type(uint256).max);
        }
        _stake(alice, 10_000e18);
        _stake(bob, 10_000e18);
        vm.prank(alice);
        uni.stake(10_000e18);
        vm.prank(bob);
        uni.stake(10_000e18);
        _notify(address(usdc), 60_000e6, 60 days);
        uniReward.transfer(address(uni), 60_000e18);
        uni.notifyRewardAmount(60_000e18);
        // Both stakers have accrued and settled once (their reward slots are non-zero), as any
        // staker has after its first action in a running stream.
        vm.warp(block.timestamp + 1 hours);
        _stake(alice, 1);
        _stake(bob, 1);
        vm.prank(alice);
        uni.stake(1);
        vm.prank(bob);
        uni.stake(1);
        vm.warp(block.timestamp + 1 hours);
    }

    function _deploy(string memory artifact, bytes memory args) internal returns (address deployed) {
        bytes memory code = bytes.concat(vm.parseJsonBytes(vm.readFile(string.concat(UNI, artifact)), ".bytecode"), args);
        assembly {
            deployed := create(0, add(code, 32), mload(code))
        }
        require(deployed != address(0), "deploy failed");
    }

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

    function _hour() internal {
        vm.warp(block.timestamp + 1 hours);
    }

    function test_gas_stake() public {
        bool isolated = _isolated();
        uint256 votes = token.getVotes(carol);
        vm.prank(carol);
        pool.stake(5_000e18);
        _record("stake_first", isolated);
        vm.prank(carol);
        uni.stake(5_000e18);
        _record("ref_stake_first", isolated);
        _hour();
        vm.prank(alice);
        pool.stake(5_000e18);
        _record("stake_existing", isolated);
        vm.prank(alice);
        uni.stake(5_000e18);
        _record("ref_stake_existing", isolated);
        assertEq(token.getVotes(carol), votes, "staking kept the votes");
    }

    function test_gas_unstake() public {
        bool isolated = _isolated();
        vm.prank(alice);
        pool.unstake(4_000e18);
        _record("unstake_part", isolated);
        vm.prank(alice);
        uni.withdraw(4_000e18);
        _record("ref_withdraw_part", isolated);
        _hour();
        vm.prank(bob);
        uni.exit();
        _record("ref_exit", isolated);
        assertEq(pool.stakeOf(alice), 6_000e18 + 1);
    }

    function test_gas_claim() public {
        bool isolated = _isolated();
        vm.prank(alice);
        pool.claim(address(usdc));
        _record("claim_first", isolated);
        vm.prank(alice);
        uni.getReward();
        _record("ref_getReward_first", isolated);
        _hour();
        vm.prank(alice);
        pool.claim(address(usdc));
        _record("claim_repeat", isolated);
        vm.prank(alice);
        uni.getReward();
        _record("ref_getReward_repeat", isolated);
        assertGt(usdc.balanceOf(alice), 0);
    }

    function test_gas_claimAll_twoTokens() public {
        TestToken dai = new TestToken("Dai", "DAI", 18);
        dai.mint(timelock, 60_000e18);
        vm.prank(timelock);
        dai.approve(address(pool), type(uint256).max);
        _notify(address(dai), 60_000e18, 60 days);
        _hour();
        vm.prank(alice);
        pool.claimAll();
        vm.prank(bob);
        pool.claimAll();
        _hour();
        bool isolated = _isolated();
        vm.prank(bob);
        pool.claim(address(usdc));
        _record("claim_repeat_oneOfTwoTokens", isolated);
        vm.prank(alice);
        pool.claimAll();
        _record("claimAll_repeat_twoTokens", isolated);
        _hour();
        vm.prank(alice);
        pool.stake(1_000e18);
        _record("stake_existing_twoTokens_afterClaim", isolated);
        assertGt(dai.balanceOf(alice), 0);
    }

    function test_gas_claim_governanceTokenReward() public {
        _notify(address(token), 60_000e18, 60 days);
        _hour();
        vm.prank(alice);
        pool.claimAll();
        _hour();
        bool isolated = _isolated();
        vm.prank(alice);
        pool.claim(address(token));
        _record("claim_repeat_governanceToken", isolated);
        assertEq(token.getVotes(alice), token.balanceOf(alice), "rewards in the token vote too");
    }

    function test_gas_notify() public {
        vm.warp(block.timestamp + 1 days);
        bool isolated = _isolated();
        vm.prank(timelock);
        pool.notifyRewardAmount(address(usdc), 10_000e6, 60 days);
        _record("notifyRewardAmount_topUp", isolated);
        uniReward.transfer(address(uni), 10_000e18);
        uni.notifyRewardAmount(10_000e18);
        _record("ref_notifyRewardAmount_topUp", isolated);
    }

    function test_gas_transfer() public {
        bool isolated = _isolated();
        vm.prank(alice);
        token.transfer(carol, 1_000e18);
        _record("transfer_stakerWithLock", isolated);
        vm.prank(alice);
        uniStake.transfer(carol, 1_000e18);
        _record("ref_transfer_testToken", isolated);
    }

    function test_gas_bonds() public {
        bytes32 setId = keccak256("escrow verifier set");
        vm.prank(timelock);
        bonds.setMinimumBond(setId, 1_000e18);
        bool isolated = _isolated();
        vm.prank(carol);
        bonds.bond(2_000e18);
        _record("bond_first", isolated);
        vm.prank(bob);
        bonds.bond(2_000e18);
        vm.prank(timelock);
        bonds.slash(carol, 500e18, "false attestation", address(0));
        _record("slash", isolated);

        BondedReleaseHarness harness = new BondedReleaseHarness(address(bonds));
        address[] memory signers = new address[](2);
        signers[0] = carol;
        signers[1] = bob;
        harness.releaseUnbonded(setId, signers); // same storage warm-up for both
        harness.releaseUnbonded(setId, signers);
        _record("release_unbondedSet_2signers", isolated);
        harness.releaseBonded(setId, signers);
        _record("release_bondedSet_2signers", isolated);
    }
}
