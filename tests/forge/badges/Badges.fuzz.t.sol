// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1155Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {SoulboundBadge} from "../../../contracts/badges/SoulboundBadge.sol";
import {TieredBadges} from "../../../contracts/badges/TieredBadges.sol";
import {IERC5484} from "../../../contracts/badges/IERC5484.sol";
import {BadgesTestBase} from "./BadgesTestBase.sol";
import {DecayReference} from "./reference/DecayReference.sol";

/// @title BadgesFuzzTest
/// @notice Decay against an independent reference over 0..50 years (1e-6 relative, never above
/// it by more than 1 wei, never increasing without activity) and non-transferability under every
/// ERC-721 and ERC-1155 entry point, for any caller, recipient and amount.
contract BadgesFuzzTest is BadgesTestBase {
    uint256 internal constant FIFTY_YEARS = 50 * 365 days;

    /// @dev Worst relative error seen in the concrete sweep (logged for the closing note).
    function test_decay_sweepAgainstReference() public {
        uint256 worst;
        for (uint256 m; m <= 600; ++m) {
            uint256 elapsed = m * (FIFTY_YEARS / 600) + m; // not only multiples of a month
            uint256 got = badges.decayed(1e24, elapsed);
            uint256 want = DecayReference.decay(1e24, elapsed);
            assertLe(got, want + 1, "never in the holder's favour");
            uint256 err = (want - got) * 1e18 / want;
            if (err > worst) worst = err;
        }
        emit log_named_decimal_uint("worst relative error over 0..50 years (1e18 = 100%)", worst, 18);
        assertLe(worst, 1e12, "1e-6 relative");
    }

    function testFuzz_decay_matchesReference(uint256 score, uint256 elapsed) public view {
        score = bound(score, 1, type(uint128).max);
        elapsed = bound(elapsed, 0, FIFTY_YEARS);
        uint256 got = badges.decayed(score, elapsed);
        uint256 want = DecayReference.decay(score, elapsed);
        assertLe(got, want + 1, "rounding never favours the holder by more than 1 wei");
        assertLe(got, score, "never above the undecayed score");
        // 1e-6 relative, plus the 2 wei two floors can differ by at tiny scores
        assertApproxEqAbs(got, want, want / 1e6 + 2);
    }

    function testFuzz_decay_neverIncreasesWithoutActivity(uint128 weight, uint256 t1, uint256 t2) public {
        weight = uint128(bound(weight, 1, 1e30));
        t1 = bound(t1, 0, FIFTY_YEARS);
        t2 = bound(t2, t1, FIFTY_YEARS);
        vm.prank(admin);
        uint256 t = badges.registerType(_params("w", "", weight, 0, IERC5484.BurnAuth.Both, false));
        _issue(alice, t, EVIDENCE);
        vm.warp(START_TIME + t1);
        uint256 r1 = badges.reputationOf(alice);
        vm.warp(START_TIME + t2);
        uint256 r2 = badges.reputationOf(alice);
        assertLe(r2, r1);
        assertLe(r1, weight);
    }

    function testFuzz_decay_foldingIsPathIndependent(uint256 a, uint256 b) public {
        // Folding at an intermediate activity of weight 0 changes nothing beyond rounding, and
        // both paths stay at or below the exact value.
        a = bound(a, 0, 25 * 365 days);
        b = bound(b, 0, 25 * 365 days);
        vm.prank(admin);
        badges.setActivityWeight(0);
        _issue(alice, contribution, EVIDENCE);
        _issue(bob, contribution, EVIDENCE);
        vm.warp(START_TIME + a);
        vm.prank(activity);
        badges.recordActivity(alice);
        vm.warp(START_TIME + a + b);
        uint256 exact = DecayReference.decay(WEIGHT, a + b);
        assertLe(badges.reputationOf(alice), exact + 1);
        assertLe(badges.reputationOf(bob), exact + 1);
        assertApproxEqRel(badges.reputationOf(alice), badges.reputationOf(bob), 1e6); // 1e-12
    }

    // --- non-transferability ------------------------------------------------------------------

    function testFuzz_soulbound_everyTransferEntryPointReverts(address caller, address to, bytes memory data) public {
        vm.assume(to != address(0));
        uint256 id = _issue(alice, contribution, EVIDENCE);
        address[2] memory callers = [alice, caller];
        for (uint256 i; i < 2; ++i) {
            vm.startPrank(callers[i]);
            vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.SoulboundTransferDisabled.selector, id));
            badges.transferFrom(alice, to, id);
            vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.SoulboundTransferDisabled.selector, id));
            badges.safeTransferFrom(alice, to, id);
            vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.SoulboundTransferDisabled.selector, id));
            badges.safeTransferFrom(alice, to, id, data);
            vm.expectRevert(SoulboundBadge.SoulboundApprovalDisabled.selector);
            badges.approve(to, id);
            vm.expectRevert(SoulboundBadge.SoulboundApprovalDisabled.selector);
            badges.setApprovalForAll(to, true);
            vm.stopPrank();
        }
        assertEq(badges.ownerOf(id), alice);
        assertEq(badges.getApproved(id), address(0));
        assertFalse(badges.isApprovedForAll(alice, to));
    }

    function testFuzz_tiers_soulboundRevertsTradeableMoves(address to, uint256 amount, bytes memory data) public {
        vm.assume(to != address(0) && to.code.length == 0 && to != alice);
        amount = bound(amount, 1, 1e30);
        vm.startPrank(admin);
        tiers.createTier(1, true, 0);
        tiers.createTier(2, false, 0);
        tiers.mint(alice, 1, amount);
        tiers.mint(alice, 2, amount);
        vm.stopPrank();
        uint256[] memory ids = new uint256[](2);
        (ids[0], ids[1]) = (2, 1);
        uint256[] memory amounts = new uint256[](2);
        (amounts[0], amounts[1]) = (amount, amount);

        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(TieredBadges.TierSoulbound.selector, 1));
        tiers.safeTransferFrom(alice, to, 1, amount, data);
        vm.expectRevert(abi.encodeWithSelector(TieredBadges.TierSoulbound.selector, 1));
        tiers.safeBatchTransferFrom(alice, to, ids, amounts, data);
        tiers.setApprovalForAll(stranger, true);
        vm.stopPrank();
        vm.startPrank(stranger); // an approved operator cannot move it either
        vm.expectRevert(abi.encodeWithSelector(TieredBadges.TierSoulbound.selector, 1));
        tiers.safeTransferFrom(alice, to, 1, amount, data);
        vm.expectRevert(abi.encodeWithSelector(TieredBadges.TierSoulbound.selector, 1));
        tiers.safeBatchTransferFrom(alice, to, ids, amounts, data);
        tiers.safeTransferFrom(alice, to, 2, amount, data); // tradeable: plain ERC-1155
        vm.stopPrank();
        assertEq(tiers.balanceOf(alice, 1), amount);
        assertEq(tiers.balanceOf(to, 2), amount);
        assertEq(tiers.balanceOf(alice, 2), 0);
    }

    function testFuzz_tiers_batchOfTradeablesMoves(uint256 amount) public {
        amount = bound(amount, 1, 1e30);
        vm.startPrank(admin);
        tiers.createTier(3, false, 0);
        tiers.createTier(4, false, 3);
        tiers.mint(alice, 3, amount);
        tiers.mint(alice, 4, amount);
        vm.stopPrank();
        uint256[] memory ids = new uint256[](2);
        (ids[0], ids[1]) = (3, 4);
        uint256[] memory amounts = new uint256[](2);
        (amounts[0], amounts[1]) = (amount, amount);
        vm.prank(alice);
        tiers.safeBatchTransferFrom(alice, bob, ids, amounts, "");
        assertEq(tiers.balanceOf(bob, 3), amount);
        assertEq(tiers.balanceOf(bob, 4), amount);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(IERC1155Errors.ERC1155InsufficientBalance.selector, alice, 0, amount, 3)
        );
        tiers.safeTransferFrom(alice, bob, 3, amount, "");
    }
}
