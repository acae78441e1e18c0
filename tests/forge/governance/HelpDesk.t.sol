// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MilestoneEscrow} from "../../../contracts/escrow/MilestoneEscrow.sol";
import {IMilestoneEscrow} from "../../../contracts/escrow/IMilestoneEscrow.sol";
import {QuiltkitGovernor} from "../../../contracts/governance/QuiltkitGovernor.sol";
import {GovernanceTestBase} from "./GovernanceTestBase.sol";

/// @title HelpDeskTest
/// @notice The "help desk": donations reach the Timelock (the token's treasury); a HELP_REQUEST
/// proposal opens and funds a MilestoneEscrow whose payer is the Timelock, and a second one
/// releases a milestone to the helper. No new escrow contract, only DAO approval moves money.
contract HelpDeskTest is GovernanceTestBase {
    MilestoneEscrow internal escrow;
    address internal helper;

    function setUp() public override {
        super.setUp();
        helper = makeAddr("helper");
        escrow = new MilestoneEscrow(address(timelock), address(timelock), address(timelock), 0);
        vm.prank(admin);
        token.setTreasury(address(timelock));
    }

    function test_helpRequest_donationsFundAnEscrowAndPayThroughTheTimelock() public {
        address donor = makeAddr("donor");
        vm.deal(donor, 3 ether);
        vm.prank(donor);
        token.donate{value: 3 ether}();
        assertEq(address(timelock).balance, 3 ether);

        uint96[] memory amounts = new uint96[](2);
        (amounts[0], amounts[1]) = (1 ether, 2 ether);
        IMilestoneEscrow.EscrowParams memory p;
        p.token = address(0);
        p.payee = helper;
        p.deadline = uint40(block.timestamp + 90 days);
        p.amounts = amounts;
        p.metadataHash = keccak256("help request #1");
        Proposal memory open = _pokeProposal(0, "help request #1: open the escrow");
        open.targets[0] = address(escrow);
        open.values[0] = 3 ether;
        open.calldatas[0] = abi.encodeCall(MilestoneEscrow.create, (p, 3 ether));
        _passHelpRequest(open);
        uint256 id = escrow.escrowCount();
        assertEq(escrow.getEscrow(id).payer, address(timelock));
        assertEq(address(timelock).balance, 0);

        Proposal memory pay = _pokeProposal(0, "help request #1: pay milestone 0");
        pay.targets[0] = address(escrow);
        pay.calldatas[0] = abi.encodeCall(MilestoneEscrow.release, (id, 0));
        _passHelpRequest(pay);
        assertEq(helper.balance, 1 ether);
    }

    function _passHelpRequest(Proposal memory p) internal {
        uint256 id = _proposeTyped(alice, QuiltkitGovernor.ProposalType.HELP_REQUEST, p);
        _toActive(id);
        _vote(alice, id, 1);
        _toEnd(id);
        _queue(p);
        vm.warp(governor.proposalEta(id));
        _execute(p);
    }
}
