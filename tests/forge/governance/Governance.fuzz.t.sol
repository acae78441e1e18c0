// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20CappedUpgradeable} from
    "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20CappedUpgradeable.sol";
import {QuiltkitGovernor} from "../../../contracts/governance/QuiltkitGovernor.sol";
import {GovernanceTestBase} from "./GovernanceTestBase.sol";
import {IntegerSqrt} from "./handlers/IntegerSqrt.sol";

contract GovernanceFuzzTest is GovernanceTestBase {
    /// @dev Any donation either mints value * rate / 1e18 and forwards the value, or (over the
    /// cap) reverts with ERC20ExceededCap leaving supply, balances and the treasury untouched.
    function testFuzz_donate_mintsAtRateOrRevertsAtCap(uint256 value, uint256 rate) public {
        rate = bound(rate, 1e15, 1e21);
        value = bound(value, 1e3, 10 * CAP);
        vm.prank(admin);
        token.setDonationRate(rate);
        vm.deal(stranger, value);
        uint256 supply = token.totalSupply();
        uint256 minted = value * rate / 1e18;
        vm.prank(stranger);
        if (supply + minted > CAP) {
            vm.expectRevert(
                abi.encodeWithSelector(ERC20CappedUpgradeable.ERC20ExceededCap.selector, supply + minted, CAP)
            );
            token.donate{value: value}();
            assertEq(token.totalSupply(), supply);
            assertEq(treasury.balance, 0);
        } else {
            assertEq(token.donate{value: value}(), minted);
            assertEq(token.balanceOf(stranger), minted);
            assertEq(treasury.balance, value);
            assertEq(token.donatedBy(stranger), value);
        }
        assertLe(token.totalSupply(), token.cap());
    }

    /// @dev A FOUNDER_IDEA vote counts the integer square root of the voter's weight.
    function testFuzz_founderIdea_countsIntegerSqrt(uint256 weight, uint8 support) public {
        weight = bound(weight, 0, CAP - token.totalSupply());
        support = uint8(bound(support, 0, 2));
        address voter = makeAddr("fuzz voter");
        if (weight > 0) _mintDelegated(voter, weight);
        vm.warp(block.timestamp + 1);
        uint256 id = _proposeTyped(alice, QuiltkitGovernor.ProposalType.FOUNDER_IDEA, _pokeProposal(1, "fuzz idea"));
        _toActive(id);
        vm.prank(voter);
        uint256 counted = governor.castVote(id, support);
        assertEq(counted, IntegerSqrt.sqrt(weight));
        assertLe(counted * counted, weight);
        assertGt((counted + 1) * (counted + 1), weight);
        (uint256 against, uint256 forVotes, uint256 abstain) = governor.proposalVotes(id);
        assertEq([against, forVotes, abstain][support], counted);
        (uint256 quorumWeight,) = governor.proposalQuorum(id);
        assertEq(quorumWeight, support == 0 ? 0 : weight);
    }

    /// @dev Transfers between delegated holders move exactly the amount of votes.
    function testFuzz_transfer_movesVotesExactly(uint256 amount, bool toStranger) public {
        amount = bound(amount, 0, 50_000e18);
        address to = toStranger ? stranger : bob;
        uint256 totalVotesBefore = token.getVotes(alice) + token.getVotes(bob) + token.getVotes(stranger);
        vm.prank(alice);
        token.transfer(to, amount);
        assertEq(token.getVotes(alice), 50_000e18 - amount);
        // stranger never delegated: its balance carries no votes.
        uint256 expectedBob = toStranger ? 30_000e18 : 30_000e18 + amount;
        assertEq(token.getVotes(bob), expectedBob);
        uint256 totalVotesAfter = token.getVotes(alice) + token.getVotes(bob) + token.getVotes(stranger);
        assertEq(totalVotesBefore - totalVotesAfter, toStranger ? amount : 0);
    }

    /// @dev A batch mint lands whole or not at all around the cap.
    function testFuzz_mintBatch_wholeOrNothingAtCap(uint256 a, uint256 b) public {
        uint256 room = CAP - token.totalSupply();
        a = bound(a, 0, room);
        b = bound(b, 0, room);
        address[] memory to = new address[](2);
        uint256[] memory amounts = new uint256[](2);
        (to[0], to[1], amounts[0], amounts[1]) = (stranger, treasury, a, b);
        uint256 supply = token.totalSupply();
        vm.prank(admin);
        if (a + b > room) {
            vm.expectRevert(
                abi.encodeWithSelector(ERC20CappedUpgradeable.ERC20ExceededCap.selector, supply + a + b, CAP)
            );
            token.mintBatch(to, amounts);
            assertEq(token.totalSupply(), supply);
        } else {
            token.mintBatch(to, amounts);
            assertEq(token.totalSupply(), supply + a + b);
        }
    }
}
