// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BadgesTestBase} from "./BadgesTestBase.sol";
import {BadgesHandler} from "./handlers/BadgesHandler.sol";

/// @title BadgesInvariantTest
/// @notice Reputation equals the reference recomputed from the event history (to 1e-12 of the
/// largest score seen plus a few wei per entry), never above it by more than 1 wei per entry,
/// and a holder's balance equals their live badges in that history.
/// forge-config: default.invariant.runs = 32
/// forge-config: default.invariant.depth = 40
contract BadgesInvariantTest is BadgesTestBase {
    BadgesHandler internal handler;

    function setUp() public override {
        super.setUp();
        uint256[] memory types = new uint256[](4);
        (types[0], types[1], types[2], types[3]) = (contribution, review, permanent, selfBurn);
        uint256[] memory keys = new uint256[](3);
        (keys[0], keys[1], keys[2]) = (validator1Key, validator2Key, validator3Key);
        handler = new BadgesHandler(badges, issuer, activity, types, contribution, validators, keys);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](7);
        selectors[0] = BadgesHandler.issue.selector;
        selectors[1] = BadgesHandler.issueBatch.selector;
        selectors[2] = BadgesHandler.attest.selector;
        selectors[3] = BadgesHandler.revoke.selector;
        selectors[4] = BadgesHandler.burn.selector;
        selectors[5] = BadgesHandler.recordActivity.selector;
        selectors[6] = BadgesHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function invariant_reputationEqualsReferenceFromEvents() public view {
        uint256 slack = handler.maxScoreSeen() / 1e12;
        for (uint256 i; i < handler.actorCount(); ++i) {
            address holder = handler.actors(i);
            uint256 got = badges.reputationOf(holder);
            uint256 want = handler.referenceOf(holder);
            uint256 entries = handler.entriesOf(holder);
            assertLe(got, want + entries + 1, "never in the holder's favour");
            assertApproxEqAbs(got, want, slack + 2 * entries + 2, "equals the event-history reference");
        }
    }

    function invariant_callSummary() public view {
        assertGe(handler.now_(), START_TIME);
    }
}
