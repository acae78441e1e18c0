// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {QuiltkitGovernor} from "../../../contracts/governance/QuiltkitGovernor.sol";
import {QuiltkitTimelock} from "../../../contracts/governance/QuiltkitTimelock.sol";
import {GovernedTarget} from "./mocks/GovernanceMocks.sol";
import {GovernanceTestBase} from "./GovernanceTestBase.sol";
import {IntegerSqrt} from "./handlers/IntegerSqrt.sol";

contract QuiltkitGovernorTest is GovernanceTestBase {
    uint8 internal constant AGAINST = 0;
    uint8 internal constant FOR = 1;
    uint8 internal constant ABSTAIN = 2;

    // --- lifecycle ----------------------------------------------------------------------------

    function test_lifecycle_standard_delegateProposeVoteQueueExecute() public {
        Proposal memory p = _pokeProposal(7, "poke 7");
        uint256 id = _propose(alice, p);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Pending));
        assertEq(uint8(governor.proposalRules(id).kind), uint8(QuiltkitGovernor.ProposalType.STANDARD));
        _toActive(id);
        vm.prank(alice);
        governor.castVoteWithReason(id, FOR, "yes");
        _vote(bob, id, AGAINST);
        _vote(carol, id, ABSTAIN);
        (uint256 against, uint256 forVotes, uint256 abstain) = governor.proposalVotes(id);
        assertEq(against, 30_000e18);
        assertEq(forVotes, 50_000e18);
        assertEq(abstain, 20_000e18);
        _toEnd(id);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Succeeded));
        _queue(p);
        assertEq(governor.proposalEta(id), block.timestamp + STANDARD_DELAY);
        vm.warp(governor.proposalEta(id));
        _execute(p);
        assertEq(target.lastValue(), 7);
        assertEq(target.lastCaller(), address(timelock));
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Executed));
    }

    function test_castVoteBySig_countsTheSigner() public {
        (address signer, uint256 key) = makeAddrAndKey("sig voter");
        _mintDelegated(signer, 5_000e18);
        vm.warp(block.timestamp + 1);
        uint256 id = _propose(alice, _pokeProposal(1, "by sig"));
        _toActive(id);
        bytes32 structHash = keccak256(abi.encode(governor.BALLOT_TYPEHASH(), id, FOR, signer, governor.nonces(signer)));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, _digest(structHash));
        governor.castVoteBySig(id, FOR, signer, abi.encodePacked(r, s, v));
        assertTrue(governor.hasVoted(id, signer));
        (, uint256 forVotes,) = governor.proposalVotes(id);
        assertEq(forVotes, 5_000e18);
    }

    function test_cancel_byProposerWhilePending() public {
        Proposal memory p = _pokeProposal(1, "cancel me");
        uint256 id = _propose(alice, p);
        vm.prank(alice);
        governor.cancel(p.targets, p.values, p.calldatas, _hash(p));
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Canceled));
    }

    // --- named failures -----------------------------------------------------------------------

    function test_castVote_RevertWhen_VotedTwice() public {
        uint256 id = _propose(alice, _pokeProposal(1, "twice"));
        _toActive(id);
        _vote(bob, id, FOR);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorAlreadyCastVote.selector, bob));
        governor.castVote(id, AGAINST);
    }

    function test_castVote_RevertWhen_InvalidSupport() public {
        uint256 id = _propose(alice, _pokeProposal(1, "bad support"));
        _toActive(id);
        vm.prank(bob);
        vm.expectRevert(IGovernor.GovernorInvalidVoteType.selector);
        governor.castVote(id, 3);
    }

    function test_execute_RevertWhen_BeforeDelay() public {
        Proposal memory p = _pokeProposal(1, "early");
        uint256 id = _passed(p, QuiltkitGovernor.ProposalType.STANDARD);
        _queue(p);
        uint256 eta = governor.proposalEta(id);
        vm.warp(eta - 1);
        vm.expectRevert(abi.encodeWithSelector(QuiltkitGovernor.GovernorExecutionTooEarly.selector, id, eta));
        _execute(p);
    }

    function test_timelock_RevertWhen_ExecutedDirectlyByOthers() public {
        Proposal memory p = _pokeProposal(1, "direct");
        _passed(p, QuiltkitGovernor.ProposalType.STANDARD);
        _queue(p);
        vm.warp(block.timestamp + STANDARD_DELAY);
        bytes32 role = timelock.EXECUTOR_ROLE();
        vm.prank(stranger);
        vm.expectRevert(); // AccessControlUnauthorizedAccount(stranger, EXECUTOR_ROLE)
        timelock.executeBatch(p.targets, p.values, p.calldatas, 0, bytes20(address(governor)) ^ _hash(p));
        assertFalse(timelock.hasRole(role, stranger));
        assertEq(target.pokes(), 0);
    }

    function test_propose_RevertWhen_BelowThreshold() public {
        _mintDelegated(stranger, THRESHOLD - 1);
        vm.warp(block.timestamp + 1);
        Proposal memory p = _pokeProposal(1, "small");
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorInsufficientProposerVotes.selector, stranger, THRESHOLD - 1, THRESHOLD
            )
        );
        governor.propose(p.targets, p.values, p.calldatas, p.description);
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorInsufficientProposerVotes.selector, stranger, THRESHOLD - 1, THRESHOLD
            )
        );
        governor.proposeTyped(QuiltkitGovernor.ProposalType.TREASURY_SPEND, p.targets, p.values, p.calldatas, "x");
    }

    function test_propose_RevertWhen_DescriptionCarriesTypeTag() public {
        Proposal memory p = _pokeProposal(1, string.concat("sneaky", governor.typeTag(QuiltkitGovernor.ProposalType.EMERGENCY)));
        vm.prank(alice);
        vm.expectRevert(QuiltkitGovernor.GovernorReservedDescriptionTag.selector);
        governor.propose(p.targets, p.values, p.calldatas, p.description);
    }

    function test_proposeTyped_emergency_RevertWhen_NotAllowListed() public {
        Proposal memory p = _pokeProposal(1, "not allowed");
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                QuiltkitGovernor.GovernorEmergencyCallNotAllowed.selector, address(target), GovernedTarget.poke.selector
            )
        );
        governor.proposeTyped(QuiltkitGovernor.ProposalType.EMERGENCY, p.targets, p.values, p.calldatas, p.description);
    }

    function test_proposeTyped_emergency_RevertWhen_CallShorterThanSelector() public {
        Proposal memory p = _emergencyProposal();
        p.calldatas[0] = hex"aa";
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(QuiltkitGovernor.GovernorEmergencyCallNotAllowed.selector, address(target), bytes4(0))
        );
        governor.proposeTyped(QuiltkitGovernor.ProposalType.EMERGENCY, p.targets, p.values, p.calldatas, p.description);
    }

    function test_setEmergencyCall_RevertWhen_NotTimelock() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(TimelockController.TimelockUnauthorizedCaller.selector, alice));
        timelock.setEmergencyCall(address(target), GovernedTarget.poke.selector, true);
    }

    function test_setBadge_RevertWhen_NotGovernance() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorOnlyExecutor.selector, alice));
        governor.setBadge(address(badge));
    }

    function test_constructor_RevertWhen_QuorumBpsOutOfRange() public {
        QuiltkitGovernor.Config memory c = _config();
        c.treasuryQuorumBps = 10_001;
        vm.expectRevert(abi.encodeWithSelector(QuiltkitGovernor.GovernorInvalidQuorumBps.selector, 10_001));
        new QuiltkitGovernor(token, timelock, c);
    }

    // --- typed rules --------------------------------------------------------------------------

    function test_emergency_fastTrack_shortPeriodAndTimelockMinimum() public {
        Proposal memory p = _emergencyProposal();
        uint256 id = _proposeTyped(alice, QuiltkitGovernor.ProposalType.EMERGENCY, p);
        assertEq(governor.proposalSnapshot(id), block.timestamp + EMERGENCY_VOTING_DELAY);
        assertEq(governor.proposalDeadline(id) - governor.proposalSnapshot(id), EMERGENCY_VOTING_PERIOD);
        QuiltkitGovernor.ProposalRules memory r = governor.proposalRules(id);
        assertEq(r.quorumBps, EMERGENCY_QUORUM_BPS);
        _toActive(id);
        _vote(alice, id, FOR); // 50% >= 20% quorum
        _toEnd(id);
        _queue(p);
        assertEq(governor.proposalEta(id), block.timestamp + EMERGENCY_DELAY);
        vm.warp(block.timestamp + EMERGENCY_DELAY);
        _execute(p);
        assertEq(target.pokes(), 100);
    }

    function test_emergency_allowListGrowsThroughGovernance() public {
        Proposal memory add = _pokeProposal(0, "allow poke in emergencies");
        add.targets[0] = address(timelock);
        add.calldatas[0] =
            abi.encodeCall(QuiltkitTimelock.setEmergencyCall, (address(target), GovernedTarget.poke.selector, true));
        _passed(add, QuiltkitGovernor.ProposalType.STANDARD);
        _queue(add);
        vm.warp(block.timestamp + STANDARD_DELAY);
        _execute(add);
        assertTrue(timelock.isEmergencyCall(address(target), GovernedTarget.poke.selector));
        Proposal memory p = _pokeProposal(3, "now allowed");
        uint256 id = _proposeTyped(alice, QuiltkitGovernor.ProposalType.EMERGENCY, p);
        assertEq(uint8(governor.proposalRules(id).kind), uint8(QuiltkitGovernor.ProposalType.EMERGENCY));
    }

    function test_treasurySpend_needsHigherQuorum() public {
        // carol alone: 20% of the supply, above the 4% standard quorum. Against treasury's 10%
        // it passes too, so dilute: mint 200,000 more to a non-voter (carol then holds 6.67%).
        _mintDelegated(stranger, 200_000e18);
        vm.warp(block.timestamp + 1);
        Proposal memory std = _pokeProposal(1, "spend as standard");
        Proposal memory spend = _pokeProposal(1, "spend");
        uint256 stdId = _propose(alice, std);
        uint256 spendId = _proposeTyped(alice, QuiltkitGovernor.ProposalType.TREASURY_SPEND, spend);
        assertEq(governor.proposalRules(spendId).quorumBps, TREASURY_QUORUM_BPS);
        _toActive(spendId);
        _vote(carol, stdId, FOR);
        _vote(carol, spendId, FOR);
        _toEnd(spendId);
        assertEq(uint8(governor.state(stdId)), uint8(IGovernor.ProposalState.Succeeded));
        assertEq(uint8(governor.state(spendId)), uint8(IGovernor.ProposalState.Defeated));
        (uint256 counted, uint256 required) = governor.proposalQuorum(spendId);
        assertEq(counted, 20_000e18);
        assertEq(required, 30_000e18);
    }

    function test_helpRequest_standardCounting() public {
        Proposal memory p = _pokeProposal(5, "pay the help desk");
        uint256 id = _passed(p, QuiltkitGovernor.ProposalType.HELP_REQUEST);
        QuiltkitGovernor.ProposalRules memory r = governor.proposalRules(id);
        assertEq(uint8(r.kind), uint8(QuiltkitGovernor.ProposalType.HELP_REQUEST));
        assertEq(r.quorumBps, QUORUM_PERCENT * 100);
        assertEq(r.executionDelay, STANDARD_DELAY);
        _queue(p);
        vm.warp(block.timestamp + STANDARD_DELAY);
        _execute(p);
        assertEq(target.lastValue(), 5);
    }

    function test_founderIdea_quadratic_manySmallBeatOneWhale() public {
        // The whale (alice, 50,000) votes against; nine holders of 1,000 each vote for.
        // Simple: 9,000 < 50,000. Quadratic: 9 * sqrt(1,000e18) > sqrt(50,000e18).
        address[] memory small = _smallHolders(9, 1_000e18);
        Proposal memory p = _pokeProposal(1, "idea");
        Proposal memory simple = _pokeProposal(1, "idea, simple");
        uint256 id = _proposeTyped(alice, QuiltkitGovernor.ProposalType.FOUNDER_IDEA, p);
        uint256 simpleId = _propose(alice, simple);
        _toActive(id);
        _vote(alice, id, AGAINST);
        _vote(alice, simpleId, AGAINST);
        for (uint256 i; i < small.length; ++i) {
            _vote(small[i], id, FOR);
            _vote(small[i], simpleId, FOR);
        }
        (uint256 against, uint256 forVotes,) = governor.proposalVotes(id);
        assertEq(against, _sqrt(50_000e18));
        assertEq(forVotes, 9 * _sqrt(1_000e18));
        _toEnd(id);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Succeeded));
        assertEq(uint8(governor.state(simpleId)), uint8(IGovernor.ProposalState.Defeated));
    }

    function test_founderIdea_badgeGate_RevertWhen_NotEligible() public {
        uint256 id = _founderIdeaWithBadge();
        _toActive(id);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(QuiltkitGovernor.GovernorVoterNotEligible.selector, id, carol));
        governor.castVote(id, FOR);
    }

    function test_founderIdea_badgeGate_RevertWhen_IdentityVotesTwice() public {
        uint256 id = _founderIdeaWithBadge();
        badge.setIdentity(bob, 1); // alice's identity on a second address
        _toActive(id);
        _vote(alice, id, FOR);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(QuiltkitGovernor.GovernorIdentityAlreadyVoted.selector, id, 1));
        governor.castVote(id, FOR);
    }

    function test_rules_fixedAtProposalTime_configChangesDoNotReachLiveProposals() public {
        uint256 id = _proposeTyped(alice, QuiltkitGovernor.ProposalType.TREASURY_SPEND, _pokeProposal(1, "fixed"));
        QuiltkitGovernor.ProposalRules memory before = governor.proposalRules(id);
        uint256 idea = _proposeTyped(alice, QuiltkitGovernor.ProposalType.FOUNDER_IDEA, _pokeProposal(1, "fixed idea"));
        _govern(abi.encodeCall(QuiltkitGovernor.setBadge, (address(badge))), "badge");
        _govern(abi.encodeWithSignature("updateQuorumNumerator(uint256)", 50), "quorum");
        assertEq(governor.proposalRules(idea).badge, address(0));
        assertEq(governor.proposalRules(idea).quorumBps, QUORUM_PERCENT * 100);
        QuiltkitGovernor.ProposalRules memory kept = governor.proposalRules(id);
        assertEq(uint8(kept.kind), uint8(before.kind));
        assertEq(kept.quorumBps, before.quorumBps);
        assertEq(kept.executionDelay, before.executionDelay);
        assertEq(kept.badge, before.badge);
        uint256 later = _proposeTyped(alice, QuiltkitGovernor.ProposalType.FOUNDER_IDEA, _pokeProposal(1, "later"));
        assertEq(governor.proposalRules(later).quorumBps, 5_000);
        assertEq(governor.proposalRules(later).badge, address(badge));
    }

    function test_lateQuorum_extendsDeadline() public {
        uint256 id = _propose(alice, _pokeProposal(1, "late"));
        uint256 deadline = governor.proposalDeadline(id);
        vm.warp(deadline - 10);
        _vote(alice, id, FOR);
        assertEq(governor.proposalDeadline(id), deadline - 10 + LATE_QUORUM);
    }

    // --- helpers ------------------------------------------------------------------------------

    function _passed(Proposal memory p, QuiltkitGovernor.ProposalType kind) internal returns (uint256 id) {
        id = kind == QuiltkitGovernor.ProposalType.STANDARD ? _propose(alice, p) : _proposeTyped(alice, kind, p);
        _toActive(id);
        _vote(alice, id, FOR);
        _vote(bob, id, FOR);
        _toEnd(id);
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Succeeded));
    }

    function _founderIdeaWithBadge() internal returns (uint256) {
        _govern(abi.encodeCall(QuiltkitGovernor.setBadge, (address(badge))), "badge");
        badge.setIdentity(alice, 1);
        return _proposeTyped(alice, QuiltkitGovernor.ProposalType.FOUNDER_IDEA, _pokeProposal(1, "gated idea"));
    }

    function _smallHolders(uint256 n, uint256 each) internal returns (address[] memory holders) {
        holders = new address[](n);
        for (uint256 i; i < n; ++i) {
            holders[i] = makeAddr(string.concat("small ", vm.toString(i)));
            _mintDelegated(holders[i], each);
        }
        vm.warp(block.timestamp + 1);
    }

    function _sqrt(uint256 x) internal pure returns (uint256) {
        return IntegerSqrt.sqrt(x);
    }

    function _digest(bytes32 structHash) internal view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256(bytes(governor.name())),
                keccak256(bytes(governor.version())),
                block.chainid,
                address(governor)
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }
}
