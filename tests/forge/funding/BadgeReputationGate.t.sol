// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FundingTestBase} from "./FundingTestBase.sol";
import {FundingRound} from "../../../contracts/funding/FundingRound.sol";
import {BadgeReputationGate, IReputationSource} from "../../../contracts/funding/BadgeReputationGate.sol";
import {SoulboundBadge} from "../../../contracts/badges/SoulboundBadge.sol";
import {IERC5484} from "../../../contracts/badges/IERC5484.sol";

/// @title BadgeReputationGateTest
/// @notice The donor gate on the real SoulboundBadge: a badge holder donates, a donor without a
/// badge is refused with RoundIneligibleDonor, and reputation that decays below the minimum
/// closes the gate.
contract BadgeReputationGateTest is FundingTestBase {
    SoulboundBadge internal badges;
    BadgeReputationGate internal badgeGate;
    uint256 internal contribution;

    function setUp() public override {
        super.setUp();
        badges = new SoulboundBadge("quiltkit badges", "QKB", admin, 5_000, 1e18, address(0));
        vm.startPrank(admin);
        badges.grantRole(badges.ISSUER_ROLE(), admin);
        contribution = badges.registerType(
            SoulboundBadge.BadgeTypeParams({
                name: "Contribution",
                uri: "ipfs://contribution",
                weight: 10e18,
                expiryPeriod: 0,
                burnAuth: IERC5484.BurnAuth.IssuerOnly,
                onChainURI: true
            })
        );
        badges.issue(alice, contribution, keccak256("pr-1"));
        vm.stopPrank();
        badgeGate = new BadgeReputationGate(IReputationSource(address(badges)), 5e18);
        RoundParams memory p = _params(address(usdc), Strategy.QUADRATIC);
        p.eligibility = address(badgeGate);
        round = _create(p);
        _register(recipientA, 1, 0);
        vm.warp(DONATION_START);
    }

    function test_badgeHolderDonates_StrangerRefused() public {
        assertTrue(badgeGate.isEligible(alice));
        _give(alice, 0, 10 * USDC);
        (uint256 amount,) = round.donationOf(0, alice);
        assertEq(amount, 10 * USDC);
        usdc.mint(stranger, 1);
        vm.startPrank(stranger);
        usdc.approve(address(round), 1);
        vm.expectRevert(abi.encodeWithSelector(RoundIneligibleDonor.selector, stranger));
        round.donate(0, 1);
        vm.stopPrank();
    }

    function test_decayedReputationClosesTheGate() public {
        // 50% a year: 10e18 falls below 5e18 after a year and a bit.
        vm.warp(block.timestamp + 400 days);
        assertLt(badges.reputationOf(alice), 5e18);
        assertFalse(badgeGate.isEligible(alice));
    }

    function test_constructor_RevertWhen_Invalid() public {
        vm.expectRevert(abi.encodeWithSelector(BadgeReputationGate.GateInvalidBadges.selector, stranger));
        new BadgeReputationGate(IReputationSource(stranger), 1);
        vm.expectRevert(BadgeReputationGate.GateZeroMinimum.selector);
        new BadgeReputationGate(IReputationSource(address(badges)), 0);
    }
}
