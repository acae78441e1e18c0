// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestToken} from "../../../contracts/testing/TestToken.sol";
import {StakingTestBase} from "./StakingTestBase.sol";
import {IMilestoneEscrow} from "../../../contracts/escrow/IMilestoneEscrow.sol";
import {IVerifierSuspensions} from "../../../contracts/staking/IVerifierBonds.sol";

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

/// @dev The escrow's calls this test makes. The escrow is deployed from its artifact (built at its
/// own optimizer setting, as shipped): importing it would build this test, and the staking
/// contracts with it, at the escrow's setting instead of the one the staking figures are for.
interface IBondedEscrow is IMilestoneEscrow {
    function create(EscrowParams calldata params, uint256 initialFunding) external payable returns (uint256);
    function releaseWithIntent(
        PayoutIntent calldata intent,
        address[] calldata verifiers,
        VerifierSignature[] calldata signatures
    ) external;
    function hashIntent(PayoutIntent calldata intent) external view returns (bytes32);
    function grantRole(bytes32 role, address account) external;
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
        bytes memory code =
            bytes.concat(vm.parseJsonBytes(vm.readFile(string.concat(UNI, artifact)), ".bytecode"), args);
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
    }

    /// @dev The same attested release (2 of 3 verifiers, a fresh escrow, a 6-decimal token) on the
    /// real escrow against an unbonded set and against a bonded set with its third member
    /// suspended (the bitmap is non-zero, so the signatures are checked against it). Each pays a
    /// payee of its own that holds none of the token yet, so both write the same slots.
    function test_gas_bondedRelease() public {
        IBondedEscrow escrow = IBondedEscrow(
            deployCode(
                ".build/forge/out/MilestoneEscrow.sol/MilestoneEscrow.json",
                abi.encode(timelock, timelock, treasury, uint16(0))
            )
        );
        vm.prank(timelock);
        escrow.grantRole(keccak256("VERIFIER_BONDS_ROLE"), address(bonds));
        (address[] memory unbonded, uint256[] memory unbondedKeys) = _verifierSet("unbonded");
        (address[] memory bonded, uint256[] memory bondedKeys) = _verifierSet("bonded");
        for (uint256 i; i < 3; ++i) {
            _mintDelegated(bonded[i], 2_000e18);
            vm.prank(bonded[i]);
            bonds.bond(i == 2 ? 500e18 : 1_000e18);
        }
        vm.prank(timelock);
        bonds.setMinimumBond(keccak256(abi.encode(bonded)), 1_000e18);
        uint256 unbondedId = _createEscrow(escrow, unbonded, makeAddr("unbonded payee"));
        uint256 bondedId = _createEscrow(escrow, bonded, makeAddr("bonded payee"));
        // A third escrow keeps the escrow's token balance non-zero after both releases: the last
        // release would otherwise clear it and earn a refund the other does not.
        _createEscrow(escrow, unbonded, makeAddr("spare payee"));
        bool isolated = _isolated();
        bonds.pushSuspensions(IVerifierSuspensions(address(escrow)), bonded);
        _record("pushSuspensions_3members", isolated);

        IMilestoneEscrow.PayoutIntent memory i = _releaseIntent(unbondedId, makeAddr("unbonded payee"));
        escrow.releaseWithIntent(i, unbonded, _sign2(escrow, i, unbondedKeys));
        _record("release_unbondedSet_2signers", isolated);
        i = _releaseIntent(bondedId, makeAddr("bonded payee"));
        escrow.releaseWithIntent(i, bonded, _sign2(escrow, i, bondedKeys));
        _record("release_bondedSet_2signers", isolated);
    }

    function _verifierSet(string memory name) internal returns (address[] memory set, uint256[] memory keys) {
        set = new address[](3);
        keys = new uint256[](3);
        for (uint256 i; i < 3; ++i) {
            (set[i], keys[i]) = makeAddrAndKey(string.concat(name, vm.toString(i)));
        }
    }

    function _createEscrow(IBondedEscrow escrow, address[] memory verifiers, address payee) internal returns (uint256) {
        IMilestoneEscrow.EscrowParams memory p;
        p.token = address(usdc);
        p.payee = payee;
        p.verifiers = verifiers;
        p.threshold = 2;
        p.deadline = uint40(block.timestamp + 30 days);
        p.amounts = new uint96[](1);
        p.amounts[0] = 1_000e6;
        vm.startPrank(timelock);
        usdc.approve(address(escrow), 1_000e6);
        uint256 id = escrow.create(p, 1_000e6);
        vm.stopPrank();
        return id;
    }

    function _releaseIntent(uint256 id, address payee) internal view returns (IMilestoneEscrow.PayoutIntent memory i) {
        i.escrowId = id;
        i.payee = payee;
        i.amount = 1_000e6;
        i.token = address(usdc);
        i.intentId = keccak256(abi.encode("release", id));
        i.deadline = block.timestamp + 1 days;
    }

    function _sign2(IBondedEscrow escrow, IMilestoneEscrow.PayoutIntent memory i, uint256[] memory keys)
        internal
        view
        returns (IMilestoneEscrow.VerifierSignature[] memory sigs)
    {
        bytes32 digest = escrow.hashIntent(i);
        sigs = new IMilestoneEscrow.VerifierSignature[](2);
        for (uint8 k; k < 2; ++k) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[k], digest);
            sigs[k] = IMilestoneEscrow.VerifierSignature(k, abi.encodePacked(r, s, v));
        }
    }
}
