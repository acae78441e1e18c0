// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CommonBase} from "forge-std/Base.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {GovernanceToken} from "../../../../contracts/governance/GovernanceToken.sol";
import {QuiltkitGovernor} from "../../../../contracts/governance/QuiltkitGovernor.sol";
import {GovernedTarget, MockBadge} from "../mocks/GovernanceMocks.sol";
import {IntegerSqrt} from "./IntegerSqrt.sol";

/// @title GovernorHandler
/// @notice Creates proposals of every type, casts votes, moves the clock and reconfigures the
/// governor through whole governance cycles (badge gate, quorum numerator). Keeps,
/// per proposal, the rules it got at creation (checked against the configuration at that moment)
/// and ghost tallies: the integer square root of each counted weight for FOUNDER_IDEA, the weight
/// itself otherwise.
contract GovernorHandler is CommonBase, StdUtils {
    QuiltkitGovernor public immutable governor;
    GovernanceToken public immutable token;
    GovernedTarget public immutable target;
    MockBadge public immutable badge;
    address[] public actors; // actors[0] proposes; every actor is delegated to itself

    uint256[] public proposalIds;
    mapping(uint256 id => QuiltkitGovernor.ProposalRules) internal _recorded;
    mapping(uint256 id => uint256[3]) internal _ghostTally;
    mapping(bytes32 => uint256) public calls;
    uint256 private _nonce;

    constructor(
        QuiltkitGovernor governor_,
        GovernanceToken token_,
        GovernedTarget target_,
        MockBadge badge_,
        address[] memory actors_
    ) {
        (governor, token, target, badge) = (governor_, token_, target_, badge_);
        actors = actors_;
    }

    function proposalCount() external view returns (uint256) {
        return proposalIds.length;
    }

    function recorded(uint256 id) external view returns (QuiltkitGovernor.ProposalRules memory) {
        return _recorded[id];
    }

    function ghostTally(uint256 id) external view returns (uint256[3] memory) {
        return _ghostTally[id];
    }

    // --- actions ------------------------------------------------------------------------------

    function propose(uint256 kindSeed) external {
        QuiltkitGovernor.ProposalType kind = QuiltkitGovernor.ProposalType(kindSeed % 5);
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _call(address(target), "");
        calldatas[0] = kind == QuiltkitGovernor.ProposalType.EMERGENCY
            ? abi.encodeCall(GovernedTarget.emergencyStop, ())
            : abi.encodeCall(GovernedTarget.poke, (_nonce));
        string memory description = string.concat("proposal ", vm.toString(++_nonce));
        vm.prank(actors[0]);
        uint256 id = governor.proposeTyped(kind, targets, values, calldatas, description);
        _record(id, kind);
        calls["propose"]++;
    }

    function vote(uint256 actorSeed, uint256 proposalSeed, uint256 support) external {
        if (proposalIds.length == 0) return;
        uint256 id = proposalIds[proposalSeed % proposalIds.length];
        address voter = actors[actorSeed % actors.length];
        if (governor.state(id) != IGovernor.ProposalState.Active || governor.hasVoted(id, voter)) return;
        uint8 s = uint8(support % 3);
        uint256 weight = token.getPastVotes(voter, governor.proposalSnapshot(id));
        vm.prank(voter);
        uint256 counted = governor.castVote(id, s);
        uint256 expected = _recorded[id].kind == QuiltkitGovernor.ProposalType.FOUNDER_IDEA
            ? IntegerSqrt.sqrt(weight)
            : weight;
        require(counted == expected, "counted weight");
        _ghostTally[id][s] += expected;
        calls["vote"]++;
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 0, 2 days));
        calls["warp"]++;
    }

    /// @dev One whole governance cycle (every actor votes for) that changes the configuration
    /// new proposals get; live proposals must keep theirs.
    function reconfigure(uint256 what, uint256 a) external {
        bytes memory data;
        if (what % 2 == 0) {
            data = abi.encodeCall(QuiltkitGovernor.setBadge, (a % 2 == 0 ? address(badge) : address(0)));
        } else {
            data = abi.encodeWithSignature("updateQuorumNumerator(uint256)", bound(a, 1, 100));
        }
        (address[] memory targets, uint256[] memory values, bytes[] memory calldatas) = _call(address(governor), data);
        string memory description = string.concat("reconfigure ", vm.toString(++_nonce));
        vm.prank(actors[0]);
        uint256 id = governor.propose(targets, values, calldatas, description);
        _record(id, QuiltkitGovernor.ProposalType.STANDARD);
        vm.warp(governor.proposalSnapshot(id) + 1);
        uint256 weight;
        for (uint256 i; i < actors.length; ++i) {
            vm.prank(actors[i]);
            weight += governor.castVote(id, 1);
        }
        _ghostTally[id][1] += weight;
        vm.warp(governor.proposalDeadline(id) + 1);
        bytes32 descriptionHash = keccak256(bytes(description));
        governor.queue(targets, values, calldatas, descriptionHash);
        vm.warp(governor.proposalEta(id));
        governor.execute(targets, values, calldatas, descriptionHash);
        calls["reconfigure"]++;
    }

    // --- helpers ------------------------------------------------------------------------------

    function _call(address to, bytes memory data)
        internal
        pure
        returns (address[] memory targets, uint256[] memory values, bytes[] memory calldatas)
    {
        targets = new address[](1);
        targets[0] = to;
        values = new uint256[](1);
        calldatas = new bytes[](1);
        calldatas[0] = data;
    }

    /// @dev Records the new proposal's rules after checking them against the configuration now.
    function _record(uint256 id, QuiltkitGovernor.ProposalType kind) internal {
        QuiltkitGovernor.ProposalRules memory r = governor.proposalRules(id);
        (uint16 treasuryBps, uint16 emergencyBps,,, uint32 delay) = governor.typeRules();
        uint256 standardBps = governor.quorumNumerator() * 10_000 / governor.quorumDenominator();
        require(r.kind == kind, "kind");
        if (kind == QuiltkitGovernor.ProposalType.TREASURY_SPEND) require(r.quorumBps == treasuryBps, "treasury bps");
        else if (kind == QuiltkitGovernor.ProposalType.EMERGENCY) require(r.quorumBps == emergencyBps, "emergency bps");
        else require(r.quorumBps == standardBps, "standard bps");
        require(r.executionDelay == (kind == QuiltkitGovernor.ProposalType.EMERGENCY ? 0 : delay), "delay");
        require(r.badge == (kind == QuiltkitGovernor.ProposalType.FOUNDER_IDEA ? governor.badge() : address(0)), "badge");
        _recorded[id] = r;
        proposalIds.push(id);
    }
}
