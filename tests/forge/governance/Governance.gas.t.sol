// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {QuiltkitGovernor} from "../../../contracts/governance/QuiltkitGovernor.sol";
import {GovernanceTestBase} from "./GovernanceTestBase.sol";
import {GovernedTarget} from "./mocks/GovernanceMocks.sol";
import {ReferenceGovernor, ReferenceVotesToken} from "./reference/ReferenceGovernance.sol";

/// @dev A call that does nothing: its gas tells whether top-level calls run as transactions.
contract GovIsolationProbe {
    function ping() external {}
}

/// @title GovernanceGasTest
/// @notice Full-transaction gas of the governance paths beside plain OpenZeppelin 5 ERC20Votes +
/// Governor measured in the same run, written to `snapshots/Governance.json`. Run as
/// `forge test --isolate --match-path 'tests/forge/governance/Governance.gas.t.sol'` (see
/// MilestoneEscrow.gas.t.sol for what --isolate changes; without it nothing is recorded).
/// @dev Conditions, the same for ours and the reference: holders delegated to themselves with
/// existing checkpoints, one second passed since (so every vote move pushes a new checkpoint);
/// the same one-call proposal with the same description length; votes by holders of 30,000 and
/// 20,000 tokens out of 100,000.
contract GovernanceGasTest is GovernanceTestBase {
    string internal constant GROUP = "Governance";

    GovIsolationProbe internal probe;
    ReferenceVotesToken internal refToken;
    TimelockController internal refTimelock;
    ReferenceGovernor internal refGovernor;
    GovernedTarget internal refTarget; // its own target, so both executions write fresh slots

    function setUp() public override {
        super.setUp();
        probe = new GovIsolationProbe();
        refTarget = new GovernedTarget();
        refToken = new ReferenceVotesToken(admin);
        address[] memory none = new address[](0);
        refTimelock = new TimelockController(STANDARD_DELAY, none, none, address(this));
        refGovernor = new ReferenceGovernor(refToken, refTimelock, VOTING_DELAY, VOTING_PERIOD, THRESHOLD);
        refTimelock.grantRole(refTimelock.PROPOSER_ROLE(), address(refGovernor));
        refTimelock.grantRole(refTimelock.EXECUTOR_ROLE(), address(refGovernor));
        refTimelock.renounceRole(refTimelock.DEFAULT_ADMIN_ROLE(), address(this));
        _refMintDelegated(alice, 50_000e18);
        _refMintDelegated(bob, 30_000e18);
        _refMintDelegated(carol, 20_000e18);
        vm.deal(stranger, 10 ether);
        vm.deal(treasury, 1); // an existing account, as a real treasury is
        vm.warp(block.timestamp + 1);
    }

    function _refMintDelegated(address to, uint256 amount) internal {
        vm.prank(admin);
        refToken.mint(to, amount);
        vm.prank(to);
        refToken.delegate(to);
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

    // --- token --------------------------------------------------------------------------------

    function test_gas_transfer_bothDelegated() public {
        bool isolated = _isolated();
        vm.prank(bob);
        token.transfer(carol, 1_000e18);
        _record("transfer_bothDelegated", isolated);
        vm.prank(bob);
        refToken.transfer(carol, 1_000e18);
        _record("ref_transfer_bothDelegated", isolated);
        assertEq(token.getVotes(carol), 21_000e18);
        assertEq(refToken.getVotes(carol), 21_000e18);
    }

    function test_gas_delegate_redelegate() public {
        bool isolated = _isolated();
        vm.prank(carol);
        token.delegate(bob);
        _record("delegate_redelegate", isolated);
        vm.prank(carol);
        refToken.delegate(bob);
        _record("ref_delegate_redelegate", isolated);
        assertEq(token.getVotes(bob), 50_000e18);
        assertEq(refToken.getVotes(bob), 50_000e18);
    }

    function test_gas_donate_firstDonation() public {
        bool isolated = _isolated();
        vm.prank(stranger);
        token.donate{value: 1 ether}();
        _record("donate_firstDonation", isolated);
        assertEq(token.balanceOf(stranger), 1e18);
    }

    function test_gas_mintBatch_10freshRecipients() public {
        address[] memory to = new address[](10);
        uint256[] memory amounts = new uint256[](10);
        for (uint256 i; i < 10; ++i) {
            to[i] = makeAddr(string.concat("batch ", vm.toString(i)));
            amounts[i] = 1e18;
        }
        bool isolated = _isolated();
        vm.prank(admin);
        token.mintBatch(to, amounts);
        _record("mintBatch_10freshRecipients", isolated);
        assertEq(token.balanceOf(to[9]), 1e18);
    }

    // --- governor -----------------------------------------------------------------------------

    function test_gas_propose_standard_and_typed() public {
        Proposal memory p = _pokeProposal(1, "gas proposal");
        bool isolated = _isolated();
        vm.prank(alice);
        governor.propose(p.targets, p.values, p.calldatas, p.description);
        _record("propose_standard", isolated);
        vm.prank(alice);
        governor.proposeTyped(QuiltkitGovernor.ProposalType.TREASURY_SPEND, p.targets, p.values, p.calldatas, p.description);
        _record("propose_typed_treasurySpend", isolated);
        vm.prank(alice);
        refGovernor.propose(p.targets, p.values, p.calldatas, p.description);
        _record("ref_propose", isolated);
    }

    function test_gas_castVote_first_second_quadratic() public {
        Proposal memory p = _pokeProposal(1, "gas proposal");
        uint256 id = _propose(alice, p);
        uint256 qid = _proposeTyped(alice, QuiltkitGovernor.ProposalType.FOUNDER_IDEA, _pokeProposal(1, "gas proposal"));
        vm.prank(alice);
        uint256 refId = refGovernor.propose(p.targets, p.values, p.calldatas, p.description);
        vm.warp(governor.proposalSnapshot(id) + 1);
        bool isolated = _isolated();

        vm.prank(bob);
        governor.castVote(id, 1);
        _record("castVote_first", isolated);
        vm.prank(carol);
        governor.castVote(id, 1);
        _record("castVote_second", isolated);
        vm.prank(bob);
        governor.castVote(qid, 1);
        _record("castVote_quadratic_first", isolated);
        vm.prank(carol);
        governor.castVote(qid, 1);
        _record("castVote_quadratic_second", isolated);

        vm.prank(bob);
        refGovernor.castVote(refId, 1);
        _record("ref_castVote_first", isolated);
        vm.prank(carol);
        refGovernor.castVote(refId, 1);
        _record("ref_castVote_second", isolated);

        (, uint256 forVotes,) = governor.proposalVotes(id);
        assertEq(forVotes, 50_000e18);
    }

    function test_gas_queue_execute() public {
        Proposal memory p = _pokeProposal(1, "gas proposal");
        Proposal memory r = _pokeProposal(1, "gas proposal");
        r.targets[0] = address(refTarget);
        uint256 id = _propose(alice, p);
        vm.prank(alice);
        uint256 refId = refGovernor.propose(r.targets, r.values, r.calldatas, r.description);
        vm.warp(governor.proposalSnapshot(id) + 1);
        _vote(alice, id, 1);
        vm.prank(alice);
        refGovernor.castVote(refId, 1);
        vm.warp(governor.proposalDeadline(id) + 1);
        bool isolated = _isolated();

        _queue(p);
        _record("queue", isolated);
        refGovernor.queue(r.targets, r.values, r.calldatas, _hash(r));
        _record("ref_queue", isolated);

        vm.warp(block.timestamp + STANDARD_DELAY);
        _execute(p);
        _record("execute", isolated);
        refGovernor.execute(r.targets, r.values, r.calldatas, _hash(r));
        _record("ref_execute", isolated);
        assertEq(target.pokes(), 1);
        assertEq(refTarget.pokes(), 1);
    }
}
