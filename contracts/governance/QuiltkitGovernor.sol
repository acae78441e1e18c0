// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {GovernorPreventLateQuorum} from "@openzeppelin/contracts/governance/extensions/GovernorPreventLateQuorum.sol";
import {GovernorSettings} from "@openzeppelin/contracts/governance/extensions/GovernorSettings.sol";
import {GovernorTimelockControl} from "@openzeppelin/contracts/governance/extensions/GovernorTimelockControl.sol";
import {GovernorVotes} from "@openzeppelin/contracts/governance/extensions/GovernorVotes.sol";
import {GovernorVotesQuorumFraction} from
    "@openzeppelin/contracts/governance/extensions/GovernorVotesQuorumFraction.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IEmergencyAllowList} from "./IEmergencyAllowList.sol";
import {IGovernanceBadge} from "./IGovernanceBadge.sol";

/// @title QuiltkitGovernor
/// @notice OpenZeppelin 5 Governor (settings, votes, quorum fraction, timelock control, late-quorum
/// protection) with typed proposals. A proposal's type is fixed when it is created, readable with
/// `proposalRules`, and brings its own rules, copied into the proposal at creation so that later
/// configuration changes never alter a live proposal:
/// - STANDARD (plain `propose`) and HELP_REQUEST: the quorum fraction, simple counting, the
///   standard execution delay;
/// - TREASURY_SPEND: a higher quorum (`treasuryQuorumBps`);
/// - FOUNDER_IDEA: quadratic counting (each vote counts as the integer square root of the voter's
///   weight; quorum is measured on the raw weight of for + abstain), and when a badge contract is
///   configured only holders of a qualifying badge vote, one identity once;
/// - EMERGENCY: shorter voting delay and period, the timelock's minimum delay and a higher quorum,
///   only when every (target, selector) is on the timelock's allow-list.
/// @dev Typed proposals carry a tag (`\n#quiltkit-type=<n>`) appended to their description, so
/// their id differs from a plain proposal of the same text; plain `propose` refuses descriptions
/// ending in such a tag, so nobody can pre-empt a typed proposal with a weaker-typed twin.
/// The type is the proposer's declaration of what the calls do; voters reject mis-typed ones.
contract QuiltkitGovernor is
    Governor,
    GovernorSettings,
    GovernorVotes,
    GovernorVotesQuorumFraction,
    GovernorTimelockControl,
    GovernorPreventLateQuorum
{
    /// @notice Kinds of proposal, each with its rules.
    enum ProposalType {
        STANDARD,
        TREASURY_SPEND,
        FOUNDER_IDEA,
        HELP_REQUEST,
        EMERGENCY
    }

    /// @notice The rules a proposal got at creation; they never change afterwards.
    /// @param kind The proposal's type.
    /// @param quorumBps Quorum, basis points of the total supply at the snapshot.
    /// @param executionDelay Seconds between queue and execution (at least the timelock's minimum).
    /// @param badge Eligibility gate of a FOUNDER_IDEA vote (address(0): none).
    struct ProposalRules {
        ProposalType kind;
        uint16 quorumBps;
        uint32 executionDelay;
        address badge;
    }

    /// @notice Construction parameters.
    struct Config {
        uint48 votingDelay;
        uint32 votingPeriod;
        uint256 proposalThreshold;
        uint256 quorumNumerator; // percent of the supply at the snapshot (standard types)
        uint48 lateQuorumExtension;
        uint16 treasuryQuorumBps;
        uint16 emergencyQuorumBps;
        uint48 emergencyVotingDelay;
        uint32 emergencyVotingPeriod;
        uint32 standardExecutionDelay;
        address badge;
    }

    /// @dev Packed so that a vote writes one tally slot: "for" shares its slot with the
    /// FOUNDER_IDEA quorum weight. 128 bits hold any supply of the token (capped at 2^96);
    /// with another IVotes token an overflowing tally reverts (checked arithmetic) instead of wrapping.
    struct Tally {
        uint128 forVotes;
        uint128 quorumWeight; // FOUNDER_IDEA only: raw weight of for + abstain
        uint128 againstVotes;
        uint128 abstainVotes;
        mapping(address voter => bool) voted;
        mapping(uint256 identity => bool) identityVoted;
    }

    uint256 private constant BPS = 10_000;
    bytes16 private constant TYPE_TAG = "\n#quiltkit-type=";
    uint256 private constant TAG_LENGTH = 17; // TYPE_TAG and one digit

    mapping(uint256 proposalId => ProposalRules) private _rules;
    mapping(uint256 proposalId => Tally) private _tallies;

    // Type rules are constants of a governor deployment (changing them means deploying a new
    // governor, itself a governance decision); the badge gate and the standard quorum fraction
    // change through governance. Either way a live proposal keeps what it got at creation.
    uint16 private immutable _treasuryQuorumBps;
    uint16 private immutable _emergencyQuorumBps;
    uint48 private immutable _emergencyVotingDelay;
    uint32 private immutable _emergencyVotingPeriod;
    uint32 private immutable _standardExecutionDelay;
    address private _badge;

    /// @dev The type of the proposal being created in this call (read by votingDelay/votingPeriod).
    ProposalType private transient _creating;

    /// @notice An EMERGENCY proposal calls something the timelock's allow-list does not hold.
    error GovernorEmergencyCallNotAllowed(address target, bytes4 selector);
    /// @notice A plain proposal's description ends in a type tag only typed proposals may carry.
    error GovernorReservedDescriptionTag();
    /// @notice A FOUNDER_IDEA vote by an account without a qualifying badge.
    error GovernorVoterNotEligible(uint256 proposalId, address account);
    /// @notice A second FOUNDER_IDEA vote by the same badge identity.
    error GovernorIdentityAlreadyVoted(uint256 proposalId, uint256 identity);
    /// @notice Execution before the proposal's execution delay has passed.
    error GovernorExecutionTooEarly(uint256 proposalId, uint256 eta);
    /// @notice A quorum above 100% (or zero) was configured.
    error GovernorInvalidQuorumBps(uint256 bps);

    /// @notice A typed proposal was created (after {ProposalCreated}) with these rules.
    event ProposalTyped(
        uint256 indexed proposalId, ProposalType kind, uint256 quorumBps, uint256 executionDelay, address badge
    );
    /// @notice The FOUNDER_IDEA badge gate of future proposals changed.
    event BadgeUpdated(address indexed previous, address indexed current);

    constructor(IVotes token_, TimelockController timelock_, Config memory c)
        Governor("quiltkit Governor")
        GovernorSettings(c.votingDelay, c.votingPeriod, c.proposalThreshold)
        GovernorVotes(token_)
        GovernorVotesQuorumFraction(c.quorumNumerator)
        GovernorTimelockControl(timelock_)
        GovernorPreventLateQuorum(c.lateQuorumExtension)
    {
        if (c.treasuryQuorumBps == 0 || c.treasuryQuorumBps > BPS) revert GovernorInvalidQuorumBps(c.treasuryQuorumBps);
        if (c.emergencyQuorumBps == 0 || c.emergencyQuorumBps > BPS) {
            revert GovernorInvalidQuorumBps(c.emergencyQuorumBps);
        }
        if (c.emergencyVotingPeriod == 0) revert GovernorInvalidVotingPeriod(0);
        _treasuryQuorumBps = c.treasuryQuorumBps;
        _emergencyQuorumBps = c.emergencyQuorumBps;
        _emergencyVotingDelay = c.emergencyVotingDelay;
        _emergencyVotingPeriod = c.emergencyVotingPeriod;
        _standardExecutionDelay = c.standardExecutionDelay;
        _setBadge(c.badge);
    }

    // ------------------------------------------------------------------------------------------
    // proposing
    // ------------------------------------------------------------------------------------------

    /// @notice A STANDARD proposal (the OpenZeppelin Governor interface, unchanged).
    /// @dev Requirements: as {Governor-propose}; the description does not end in a type tag.
    /// Emits {ProposalCreated} and {ProposalTyped}.
    function propose(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description
    ) public override returns (uint256) {
        if (_hasTypeTag(description)) revert GovernorReservedDescriptionTag();
        return super.propose(targets, values, calldatas, description);
    }

    /// @notice A proposal of type `kind`. Its description, as emitted and as hashed for queue,
    /// execute and cancel, is `description` followed by `typeTag(kind)` (nothing for STANDARD).
    /// @dev Requirements: the proposer holds the threshold; for EMERGENCY every call is at least
    /// 4 bytes and its (target, selector) on the timelock's allow-list. Emits {ProposalCreated}
    /// and {ProposalTyped}.
    function proposeTyped(
        ProposalType kind,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description
    ) external returns (uint256 proposalId) {
        if (kind == ProposalType.STANDARD) return propose(targets, values, calldatas, description);
        // The proposer restriction (`#proposer=` suffix) is checked on the untagged text; the
        // threshold and the rest by Governor.propose on the tagged one.
        address proposer = _msgSender();
        if (!_isValidDescriptionForProposer(proposer, description)) revert GovernorRestrictedProposer(proposer);
        if (kind == ProposalType.EMERGENCY) _checkEmergencyCalls(targets, calldatas);
        _creating = kind;
        proposalId = super.propose(targets, values, calldatas, string.concat(description, typeTag(kind)));
        _creating = ProposalType.STANDARD;
    }

    /// @notice The suffix a typed proposal's description carries ("" for STANDARD).
    function typeTag(ProposalType kind) public pure returns (string memory) {
        if (kind == ProposalType.STANDARD) return "";
        return string(abi.encodePacked(TYPE_TAG, bytes1(uint8(0x30) + uint8(kind))));
    }

    /// @dev Records the rules of every new proposal, typed or plain.
    function _propose(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        string memory description,
        address proposer
    ) internal override returns (uint256 proposalId) {
        proposalId = super._propose(targets, values, calldatas, description, proposer);
        ProposalType kind = _creating;
        ProposalRules memory r = ProposalRules({
            kind: kind,
            quorumBps: uint16(quorumNumerator() * BPS / quorumDenominator()),
            executionDelay: _standardExecutionDelay,
            badge: address(0)
        });
        if (kind == ProposalType.TREASURY_SPEND) {
            r.quorumBps = _treasuryQuorumBps;
        } else if (kind == ProposalType.EMERGENCY) {
            r.quorumBps = _emergencyQuorumBps;
            r.executionDelay = 0; // the timelock's minimum
        } else if (kind == ProposalType.FOUNDER_IDEA) {
            r.badge = _badge;
        }
        _rules[proposalId] = r;
        emit ProposalTyped(proposalId, kind, r.quorumBps, r.executionDelay, r.badge);
    }

    function _checkEmergencyCalls(address[] memory targets, bytes[] memory calldatas) private view {
        IEmergencyAllowList list = IEmergencyAllowList(timelock());
        uint256 n = targets.length;
        if (n != calldatas.length) revert GovernorInvalidProposalLength(n, calldatas.length, n);
        for (uint256 i; i < n; ++i) {
            bytes memory data = calldatas[i];
            bytes4 selector = data.length >= 4 ? bytes4(data) : bytes4(0);
            if (data.length < 4 || !list.isEmergencyCall(targets[i], selector)) {
                revert GovernorEmergencyCallNotAllowed(targets[i], selector);
            }
        }
    }

    function _hasTypeTag(string memory description) private pure returns (bool tagged) {
        uint256 len = bytes(description).length;
        if (len < TAG_LENGTH) return false;
        bytes16 tag = TYPE_TAG;
        assembly ("memory-safe") {
            // The 16 bytes starting TAG_LENGTH from the end (in bounds: len >= TAG_LENGTH).
            let word := mload(add(add(description, 0x20), sub(len, TAG_LENGTH)))
            tagged := eq(shr(128, word), shr(128, tag))
        }
    }

    // ------------------------------------------------------------------------------------------
    // counting
    // ------------------------------------------------------------------------------------------

    /// @notice Counting: bravo support (against 0, for 1, abstain 2), quorum on for + abstain.
    // solhint-disable-next-line func-name-mixedcase
    function COUNTING_MODE() public pure override returns (string memory) {
        return "support=bravo&quorum=for,abstain";
    }

    /// @notice Whether `account` has voted on `proposalId`.
    function hasVoted(uint256 proposalId, address account) public view override returns (bool) {
        return _tallies[proposalId].voted[account];
    }

    /// @notice Counted votes (square roots for FOUNDER_IDEA).
    function proposalVotes(uint256 proposalId)
        external
        view
        returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes)
    {
        Tally storage t = _tallies[proposalId];
        return (t.againstVotes, t.forVotes, t.abstainVotes);
    }

    /// @notice Weight that counts toward `proposalId`'s quorum so far, and the quorum it needs.
    /// @dev `required` is 0 while the snapshot is in the future (the supply then is unknown).
    function proposalQuorum(uint256 proposalId) public view returns (uint256 counted, uint256 required) {
        Tally storage t = _tallies[proposalId];
        ProposalRules memory r = _rules[proposalId];
        counted = r.kind == ProposalType.FOUNDER_IDEA ? t.quorumWeight : uint256(t.forVotes) + t.abstainVotes;
        uint256 snapshot = proposalSnapshot(proposalId);
        if (snapshot < clock()) required = token().getPastTotalSupply(snapshot) * r.quorumBps / BPS;
    }

    /// @notice The rules `proposalId` got at creation (all zero for an unknown id).
    function proposalRules(uint256 proposalId) external view returns (ProposalRules memory) {
        return _rules[proposalId];
    }

    /// @dev Called only once the snapshot has passed (voting, or state after the vote).
    function _quorumReached(uint256 proposalId) internal view override returns (bool) {
        (uint256 counted, uint256 required) = proposalQuorum(proposalId);
        return counted >= required;
    }

    function _voteSucceeded(uint256 proposalId) internal view override returns (bool) {
        Tally storage t = _tallies[proposalId];
        return t.forVotes > t.againstVotes;
    }

    /// @dev Counts `totalWeight` (its square root for FOUNDER_IDEA) and returns what was counted.
    function _countVote(uint256 proposalId, address account, uint8 support, uint256 totalWeight, bytes memory)
        internal
        override
        returns (uint256 counted)
    {
        Tally storage t = _tallies[proposalId];
        if (t.voted[account]) revert GovernorAlreadyCastVote(account);
        t.voted[account] = true;
        counted = totalWeight;
        ProposalRules memory r = _rules[proposalId];
        if (r.kind == ProposalType.FOUNDER_IDEA) {
            if (r.badge != address(0)) {
                uint256 identity = IGovernanceBadge(r.badge).identityOf(account);
                if (identity == 0) revert GovernorVoterNotEligible(proposalId, account);
                if (t.identityVoted[identity]) revert GovernorIdentityAlreadyVoted(proposalId, identity);
                t.identityVoted[identity] = true;
            }
            counted = Math.sqrt(totalWeight);
            if (support != 0 && support <= 2) t.quorumWeight += SafeCast.toUint128(totalWeight);
        }
        if (support == 0) {
            t.againstVotes += SafeCast.toUint128(counted);
        } else if (support == 1) {
            t.forVotes += SafeCast.toUint128(counted);
        } else if (support == 2) {
            t.abstainVotes += SafeCast.toUint128(counted);
        } else {
            revert GovernorInvalidVoteType();
        }
    }

    // ------------------------------------------------------------------------------------------
    // configuration (through governance)
    // ------------------------------------------------------------------------------------------

    /// @notice Sets the FOUNDER_IDEA eligibility gate of future proposals (address(0): none).
    /// Requirements: through governance. Emits {BadgeUpdated}.
    function setBadge(address badge_) external onlyGovernance {
        _setBadge(badge_);
    }

    /// @notice The type rules of this deployment.
    function typeRules()
        external
        view
        returns (
            uint16 treasuryQuorumBps,
            uint16 emergencyQuorumBps,
            uint48 emergencyVotingDelay,
            uint32 emergencyVotingPeriod,
            uint32 standardExecutionDelay
        )
    {
        return (
            _treasuryQuorumBps, _emergencyQuorumBps, _emergencyVotingDelay, _emergencyVotingPeriod, _standardExecutionDelay
        );
    }

    /// @notice The badge gate new FOUNDER_IDEA proposals get.
    function badge() external view returns (address) {
        return _badge;
    }

    function _setBadge(address badge_) private {
        emit BadgeUpdated(_badge, badge_);
        _badge = badge_;
    }

    // ------------------------------------------------------------------------------------------
    // timing
    // ------------------------------------------------------------------------------------------

    /// @notice Delay before voting starts for a proposal created now (EMERGENCY: its own, shorter).
    function votingDelay() public view override(Governor, GovernorSettings) returns (uint256) {
        return _creating == ProposalType.EMERGENCY ? _emergencyVotingDelay : super.votingDelay();
    }

    /// @notice Voting period of a proposal created now (EMERGENCY: its own, shorter).
    function votingPeriod() public view override(Governor, GovernorSettings) returns (uint256) {
        return _creating == ProposalType.EMERGENCY ? _emergencyVotingPeriod : super.votingPeriod();
    }

    /// @dev Schedules on the timelock (its minimum delay), then adds what the proposal's
    /// execution delay asks beyond that minimum.
    function _queueOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint48 eta) {
        eta = super._queueOperations(proposalId, targets, values, calldatas, descriptionHash);
        uint256 minDelay = TimelockController(payable(timelock())).getMinDelay();
        uint256 wanted = _rules[proposalId].executionDelay;
        if (wanted > minDelay) eta += uint48(wanted - minDelay);
    }

    /// @dev Refuses execution before the proposal's own delay, then executes on the timelock.
    function _executeOperations(
        uint256 proposalId,
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) {
        uint256 eta = proposalEta(proposalId);
        if (block.timestamp < eta) revert GovernorExecutionTooEarly(proposalId, eta);
        super._executeOperations(proposalId, targets, values, calldatas, descriptionHash);
    }

    // ------------------------------------------------------------------------------------------
    // required overrides
    // ------------------------------------------------------------------------------------------

    function state(uint256 proposalId) public view override(Governor, GovernorTimelockControl) returns (ProposalState) {
        return super.state(proposalId);
    }

    function proposalNeedsQueuing(uint256 proposalId)
        public
        view
        override(Governor, GovernorTimelockControl)
        returns (bool)
    {
        return super.proposalNeedsQueuing(proposalId);
    }

    function proposalThreshold() public view override(Governor, GovernorSettings) returns (uint256) {
        return super.proposalThreshold();
    }

    function proposalDeadline(uint256 proposalId)
        public
        view
        override(Governor, GovernorPreventLateQuorum)
        returns (uint256)
    {
        return super.proposalDeadline(proposalId);
    }

    function _tallyUpdated(uint256 proposalId) internal override(Governor, GovernorPreventLateQuorum) {
        super._tallyUpdated(proposalId);
    }

    function _cancel(
        address[] memory targets,
        uint256[] memory values,
        bytes[] memory calldatas,
        bytes32 descriptionHash
    ) internal override(Governor, GovernorTimelockControl) returns (uint256) {
        return super._cancel(targets, values, calldatas, descriptionHash);
    }

    function _executor() internal view override(Governor, GovernorTimelockControl) returns (address) {
        return super._executor();
    }
}
