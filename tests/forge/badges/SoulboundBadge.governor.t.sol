// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {QuiltkitGovernor} from "../../../contracts/governance/QuiltkitGovernor.sol";
import {SoulboundBadge} from "../../../contracts/badges/SoulboundBadge.sol";
import {IERC5484} from "../../../contracts/badges/IERC5484.sol";
import {GovernanceTestBase} from "../governance/GovernanceTestBase.sol";

/// @title SoulboundBadgeGovernorTest
/// @notice The governor's FOUNDER_IDEA eligibility gate (IGovernanceBadge) with the real badge
/// contract: badge holders vote quadratically, accounts without a badge are refused, a revoked
/// holder loses the vote.
contract SoulboundBadgeGovernorTest is GovernanceTestBase {
    uint8 internal constant FOR = 1;
    SoulboundBadge internal soulbound;
    uint256 internal founderType;
    address internal badgeIssuer = makeAddr("badge issuer");

    function setUp() public override {
        soulbound = new SoulboundBadge("quiltkit badges", "QKB", address(this), 500, 0, address(0));
        soulbound.grantRole(soulbound.ISSUER_ROLE(), badgeIssuer);
        founderType = soulbound.registerType(
            SoulboundBadge.BadgeTypeParams({
                name: "Founder",
                uri: "",
                weight: 1e18,
                expiryPeriod: 0,
                burnAuth: IERC5484.BurnAuth.IssuerOnly,
                onChainURI: true
            })
        );
        super.setUp();
    }

    function _config() internal view override returns (QuiltkitGovernor.Config memory c) {
        c = super._config();
        c.badge = address(soulbound);
    }

    function test_founderIdea_realBadgeGate() public {
        vm.startPrank(badgeIssuer);
        soulbound.issue(alice, founderType, keccak256("alice"));
        uint256 bobBadge = soulbound.issue(bob, founderType, keccak256("bob"));
        vm.stopPrank();
        assertEq(governor.badge(), address(soulbound));
        uint256 id = _proposeTyped(alice, QuiltkitGovernor.ProposalType.FOUNDER_IDEA, _pokeProposal(1, "idea"));
        vm.prank(badgeIssuer);
        soulbound.revoke(bobBadge, 1);
        _toActive(id);
        _vote(alice, id, FOR);
        vm.prank(carol); // never had a badge
        vm.expectRevert(abi.encodeWithSelector(QuiltkitGovernor.GovernorVoterNotEligible.selector, id, carol));
        governor.castVote(id, FOR);
        vm.prank(bob); // revoked
        vm.expectRevert(abi.encodeWithSelector(QuiltkitGovernor.GovernorVoterNotEligible.selector, id, bob));
        governor.castVote(id, FOR);
        (, uint256 forVotes,) = governor.proposalVotes(id);
        assertEq(forVotes, _sqrt(50_000e18));
        assertEq(uint8(governor.state(id)), uint8(IGovernor.ProposalState.Active));
    }

    function _sqrt(uint256 x) internal pure returns (uint256 r) {
        r = x;
        uint256 y = (x + 1) / 2;
        while (y < r) {
            r = y;
            y = (x / y + y) / 2;
        }
    }
}
