// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {console2} from "forge-std/console2.sol";
import {FundingTestBase} from "./FundingTestBase.sol";
import {FundingHandler} from "./handlers/FundingHandler.sol";
import {FundingRound} from "../../../contracts/funding/FundingRound.sol";

/// @title FundingInvariantTest
/// @notice Properties of a QUADRATIC round (6-decimal token, four projects, one streamed, one
/// with a goal few reach) under random sequences of every action.
/// forge-config: default.invariant.runs = 64
/// forge-config: default.invariant.depth = 64
contract FundingInvariantTest is FundingTestBase {
    FundingHandler internal handler;
    uint256 internal constant PROJECTS = 4;

    function setUp() public override {
        super.setUp();
        _createDefault(address(usdc));
        address[] memory recipients = new address[](PROJECTS);
        for (uint256 i; i < PROJECTS; ++i) {
            recipients[i] = makeAddr(string.concat("recipient", vm.toString(i)));
            uint96 goal = i == 3 ? uint96(3_000e6) : uint96(1e6);
            _register(recipients[i], goal, i == 0 ? 30 days : 0);
        }
        vm.warp(DONATION_START);
        handler = new FundingHandler(round, usdc, curator, recipients, verifiers, verifierKeys);
        targetContract(address(handler));
    }

    /// @notice balance == donations + pool - paid - refunded - returned to sponsors (streamed-out
    /// claims are part of what recipients hold).
    function invariant_solvency() public view {
        assertEq(
            usdc.balanceOf(address(round)),
            handler.ghostDonations() + handler.ghostPool() - handler.paidToRecipients() - handler.ghostRefunded()
                - handler.ghostPoolReturned()
        );
    }

    function invariant_matchesWithinPool() public view {
        (uint256 total, uint256 matched, uint256 returned) = round.poolState();
        assertEq(total, handler.ghostPool());
        assertLe(matched, total);
        uint256 sum;
        for (uint256 i; i < PROJECTS; ++i) {
            sum += round.getProject(i).matched;
        }
        assertEq(sum, matched);
        assertLe(handler.ghostPoolReturned(), returned);
    }

    function invariant_noDonorRefundedMoreThanGiven() public view {
        for (uint256 d; d < handler.donorCount(); ++d) {
            address donor = handler.donors(d);
            for (uint256 p; p < PROJECTS; ++p) {
                (uint256 amount, uint256 refunded) = round.donationOf(p, donor);
                assertLe(refunded, amount);
            }
        }
    }

    function invariant_noMilestonePaidTwice() public view {
        for (uint256 p; p < PROJECTS; ++p) {
            for (uint256 k; k < 2; ++k) {
                assertLe(handler.releases(p, k), 1);
            }
        }
    }

    function invariant_finalizationOneShot() public view {
        assertFalse(handler.ghostFinalizedTwice());
    }

    /// @notice An attested release pays once: the same intent again is refused as consumed.
    function invariant_noIntentReplayed() public view {
        assertFalse(handler.ghostIntentReplayed());
    }

    function invariant_callSummary() public view {
        console2.log("donate", handler.calls("donate"));
        console2.log("finalize", handler.calls("finalize"));
        console2.log("release", handler.calls("release"));
        console2.log("releaseWithIntent", handler.calls("releaseWithIntent"));
        console2.log("claimStream", handler.calls("claimStream"));
        console2.log("claimRefund", handler.calls("claimRefund"));
        console2.log("returnUnreleased", handler.calls("returnUnreleased"));
    }
}
