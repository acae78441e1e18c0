// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {GovernanceToken} from "../../../contracts/governance/GovernanceToken.sol";
import {GovernanceTokenV2} from "../../../contracts/governance/GovernanceTokenV2.sol";
import {QuiltkitStaking} from "../../../contracts/staking/QuiltkitStaking.sol";
import {VerifierBonds} from "../../../contracts/staking/VerifierBonds.sol";
import {TestToken} from "../../../contracts/testing/TestToken.sol";

/// @title StakingTestBase
/// @notice The one deployment every staking suite inherits: GovernanceToken V1 behind its proxy,
/// upgraded through UUPS to V2 with the pool and the bond registry as its lockers; a 6-decimal
/// stablecoin; three self-delegated holders. `timelock` stands for the Timelock (distributor,
/// slasher, admin): the governance suites show the Timelock executing such calls.
abstract contract StakingTestBase is Test {
    uint256 internal constant START_TIME = 1_700_000_000;
    uint256 internal constant CAP = 1_000_000_000e18;
    uint48 internal constant COOLDOWN = 0;

    GovernanceTokenV2 internal token;
    QuiltkitStaking internal pool;
    VerifierBonds internal bonds;
    TestToken internal usdc;

    address internal admin;
    address internal timelock;
    address internal treasury;
    address internal alice; // 50,000 tokens
    address internal bob; // 30,000 tokens
    address internal carol; // 20,000 tokens
    address internal stranger;

    function setUp() public virtual {
        vm.warp(START_TIME);
        admin = makeAddr("admin");
        timelock = makeAddr("timelock");
        treasury = makeAddr("treasury");
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        carol = makeAddr("carol");
        stranger = makeAddr("stranger");

        GovernanceToken v1 = new GovernanceToken();
        bytes memory init = abi.encodeCall(GovernanceToken.initialize, ("quiltkit", "QUILT", CAP, admin, treasury, 1e18));
        address proxy = address(new ERC1967Proxy(address(v1), init));
        pool = new QuiltkitStaking(GovernanceTokenV2(proxy), timelock, timelock, COOLDOWN);
        bonds = new VerifierBonds(GovernanceTokenV2(proxy), timelock, treasury);
        GovernanceTokenV2 v2 = new GovernanceTokenV2(address(pool), address(bonds));
        vm.prank(admin);
        GovernanceToken(proxy).upgradeToAndCall(address(v2), abi.encodeCall(GovernanceTokenV2.initializeV2, ()));
        token = GovernanceTokenV2(proxy);
        usdc = new TestToken("USD Coin", "USDC", 6);

        _mintDelegated(alice, 50_000e18);
        _mintDelegated(bob, 30_000e18);
        _mintDelegated(carol, 20_000e18);
        _mintDelegated(timelock, 1_000_000e18);
        usdc.mint(timelock, 10_000_000e6);
        vm.startPrank(timelock);
        token.approve(address(pool), type(uint256).max);
        usdc.approve(address(pool), type(uint256).max);
        vm.stopPrank();
        vm.warp(block.timestamp + 1);
    }

    function _mintDelegated(address to, uint256 amount) internal {
        vm.prank(admin);
        token.mint(to, amount);
        vm.prank(to);
        token.delegate(to);
    }

    /// @dev `n` verifiers named `label`0.., each bonded `minimum` (with votes), whose set requires
    /// `minimum`; returns the members, their keys and the set's commitment (its id in the registry).
    function _bondedSet(string memory label, uint256 n, uint256 minimum)
        internal
        returns (address[] memory members, uint256[] memory keys, bytes32 commitment)
    {
        members = new address[](n);
        keys = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            (members[i], keys[i]) = makeAddrAndKey(string.concat(label, vm.toString(i)));
            _mintDelegated(members[i], 5_000e18);
            vm.prank(members[i]);
            bonds.bond(minimum);
        }
        commitment = keccak256(abi.encode(members));
        vm.prank(timelock);
        bonds.setMinimumBond(commitment, minimum);
    }

    function _stake(address who, uint256 amount) internal {
        vm.prank(who);
        pool.stake(amount);
    }

    function _notify(address reward, uint256 amount, uint256 duration) internal {
        vm.prank(timelock);
        pool.notifyRewardAmount(reward, amount, duration);
    }
}
