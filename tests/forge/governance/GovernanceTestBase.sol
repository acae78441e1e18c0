// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {GovernanceToken} from "../../../contracts/governance/GovernanceToken.sol";
import {QuiltkitGovernor} from "../../../contracts/governance/QuiltkitGovernor.sol";
import {QuiltkitTimelock} from "../../../contracts/governance/QuiltkitTimelock.sol";
import {GovernedTarget, MockBadge} from "./mocks/GovernanceMocks.sol";

/// @title GovernanceTestBase
/// @notice The one deployment every governance suite inherits: the token behind its proxy, the
/// timelock (governor the only proposer and executor), the governor, a badge registry, a target
/// contract with one allow-listed emergency call, and three delegated voters.
abstract contract GovernanceTestBase is Test {
    uint256 internal constant START_TIME = 1_700_000_000;
    uint256 internal constant CAP = 1_000_000_000e18;
    uint48 internal constant VOTING_DELAY = 1 days;
    uint32 internal constant VOTING_PERIOD = 5 days;
    uint256 internal constant THRESHOLD = 1_000e18;
    uint256 internal constant QUORUM_PERCENT = 4;
    uint48 internal constant LATE_QUORUM = 1 days;
    uint16 internal constant TREASURY_QUORUM_BPS = 1_000;
    uint16 internal constant EMERGENCY_QUORUM_BPS = 2_000;
    uint48 internal constant EMERGENCY_VOTING_DELAY = 1;
    uint32 internal constant EMERGENCY_VOTING_PERIOD = 1 days;
    uint32 internal constant STANDARD_DELAY = 2 days;
    uint256 internal constant EMERGENCY_DELAY = 1 hours; // the timelock's minimum

    GovernanceToken internal token;
    GovernanceToken internal implementation;
    QuiltkitTimelock internal timelock;
    QuiltkitGovernor internal governor;
    GovernedTarget internal target;
    MockBadge internal badge;

    address internal admin;
    address internal treasury;
    address internal alice; // 50,000 tokens
    address internal bob; // 30,000 tokens
    address internal carol; // 20,000 tokens
    address internal stranger;

    function setUp() public virtual {
        vm.warp(START_TIME);
        admin = makeAddr("admin");
        treasury = makeAddr("treasury");
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        carol = makeAddr("carol");
        stranger = makeAddr("stranger");

        implementation = new GovernanceToken();
        bytes memory init =
            abi.encodeCall(GovernanceToken.initialize, ("quiltkit", "QUILT", CAP, admin, treasury, 1e18));
        token = GovernanceToken(address(new ERC1967Proxy(address(implementation), init)));

        target = new GovernedTarget();
        badge = new MockBadge();
        QuiltkitTimelock.EmergencyCall[] memory calls = new QuiltkitTimelock.EmergencyCall[](1);
        calls[0] = QuiltkitTimelock.EmergencyCall(address(target), GovernedTarget.emergencyStop.selector);
        timelock = new QuiltkitTimelock(EMERGENCY_DELAY, new address[](0), new address[](0), address(this), calls);
        governor = new QuiltkitGovernor(token, timelock, _config());
        timelock.grantRole(timelock.PROPOSER_ROLE(), address(governor));
        timelock.grantRole(timelock.CANCELLER_ROLE(), address(governor));
        timelock.grantRole(timelock.EXECUTOR_ROLE(), address(governor));
        timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), address(this));

        _mintDelegated(alice, 50_000e18);
        _mintDelegated(bob, 30_000e18);
        _mintDelegated(carol, 20_000e18);
        vm.warp(block.timestamp + 1);
    }

    function _config() internal view virtual returns (QuiltkitGovernor.Config memory) {
        return QuiltkitGovernor.Config({
            votingDelay: VOTING_DELAY,
            votingPeriod: VOTING_PERIOD,
            proposalThreshold: THRESHOLD,
            quorumNumerator: QUORUM_PERCENT,
            lateQuorumExtension: LATE_QUORUM,
            treasuryQuorumBps: TREASURY_QUORUM_BPS,
            emergencyQuorumBps: EMERGENCY_QUORUM_BPS,
            emergencyVotingDelay: EMERGENCY_VOTING_DELAY,
            emergencyVotingPeriod: EMERGENCY_VOTING_PERIOD,
            standardExecutionDelay: STANDARD_DELAY,
            badge: address(0)
        });
    }

    function _mintDelegated(address to, uint256 amount) internal {
        vm.prank(admin);
        token.mint(to, amount);
        vm.prank(to);
        token.delegate(to);
    }

    // --- proposal builders --------------------------------------------------------------------

    struct Proposal {
        address[] targets;
        uint256[] values;
        bytes[] calldatas;
        string description;
    }

    function _pokeProposal(uint256 value, string memory description) internal view returns (Proposal memory p) {
        p.targets = new address[](1);
        p.targets[0] = address(target);
        p.values = new uint256[](1);
        p.calldatas = new bytes[](1);
        p.calldatas[0] = abi.encodeCall(GovernedTarget.poke, (value));
        p.description = description;
    }

    function _emergencyProposal() internal view returns (Proposal memory p) {
        p = _pokeProposal(0, "stop");
        p.calldatas[0] = abi.encodeCall(GovernedTarget.emergencyStop, ());
    }

    function _propose(address proposer, Proposal memory p) internal returns (uint256) {
        vm.prank(proposer);
        return governor.propose(p.targets, p.values, p.calldatas, p.description);
    }

    function _proposeTyped(address proposer, QuiltkitGovernor.ProposalType kind, Proposal memory p)
        internal
        returns (uint256 id)
    {
        vm.prank(proposer);
        id = governor.proposeTyped(kind, p.targets, p.values, p.calldatas, p.description);
        p.description = string.concat(p.description, governor.typeTag(kind)); // what queue/execute hash
    }

    function _hash(Proposal memory p) internal pure returns (bytes32) {
        return keccak256(bytes(p.description));
    }

    function _toActive(uint256 id) internal {
        vm.warp(governor.proposalSnapshot(id) + 1);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Active));
    }

    function _vote(address voter, uint256 id, uint8 support) internal {
        vm.prank(voter);
        governor.castVote(id, support);
    }

    function _toEnd(uint256 id) internal {
        vm.warp(governor.proposalDeadline(id) + 1);
    }

    function _queue(Proposal memory p) internal {
        governor.queue(p.targets, p.values, p.calldatas, _hash(p));
    }

    function _execute(Proposal memory p) internal {
        governor.execute(p.targets, p.values, p.calldatas, _hash(p));
    }

    /// @dev Runs `call` on the governor through a whole standard proposal (alice and bob vote
    /// for it), the only way `onlyGovernance` functions can be reached.
    function _govern(bytes memory call, string memory description) internal {
        Proposal memory p = _pokeProposal(0, description);
        p.targets[0] = address(governor);
        p.calldatas[0] = call;
        uint256 id = _propose(alice, p);
        vm.warp(governor.proposalSnapshot(id) + 1);
        vm.prank(alice);
        governor.castVote(id, 1);
        vm.prank(bob);
        governor.castVote(id, 1);
        vm.warp(governor.proposalDeadline(id) + 1);
        _queue(p);
        vm.warp(governor.proposalEta(id));
        _execute(p);
    }
}
