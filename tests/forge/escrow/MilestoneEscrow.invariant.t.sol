// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FeeOnTransferToken} from "../../../contracts/testing/FeeOnTransferToken.sol";
import {RejectingReceiver} from "../../../contracts/testing/RejectingReceiver.sol";
import {EscrowTestBase} from "./EscrowTestBase.sol";
import {EscrowHandler} from "./handlers/EscrowHandler.sol";

/// @title MilestoneEscrowInvariantTest
/// @notice Handler-based invariants over ETH, a plain ERC-20 and a fee-on-transfer ERC-20, with
/// attested releases (real signatures, an ERC-1271 verifier), disputes, deadlines, refunds,
/// cancellations, a recipient that refuses ETH, admin fee/treasury changes and pauses.
/// One `invariant_*` per property; `invariant_callSummary` prints what the campaign did.
contract MilestoneEscrowInvariantTest is EscrowTestBase {
    EscrowHandler internal handler;
    FeeOnTransferToken internal fot;
    RejectingReceiver internal rejecter;

    function setUp() public override {
        super.setUp();
        fot = new FeeOnTransferToken(100); // 1% burnt per transfer
        rejecter = new RejectingReceiver();
        vm.label(address(fot), "FeeOnTransferToken");
        vm.label(address(rejecter), "RejectingReceiver");
        (, uint256 walletOwnerKey) = makeAddrAndKey("walletOwner");

        address[] memory tokens_ = new address[](3);
        (tokens_[0], tokens_[1], tokens_[2]) = (ETH, address(token), address(fot));
        EscrowHandler.Actors memory actors;
        actors.payers = _list(maintainer, alice);
        actors.funders = _list(alice, bob, stranger, address(rejecter));
        actors.payees = _list(contributor, stranger, address(rejecter));
        actors.relayers = _list(relayer, bob);
        actors.arbiter = arbiter;
        actors.verifierKeys = new uint256[](4);
        (actors.verifierKeys[0], actors.verifierKeys[1]) = (verifier1Key, verifier2Key);
        (actors.verifierKeys[2], actors.verifierKeys[3]) = (verifier3Key, walletOwnerKey);
        handler = new EscrowHandler(escrow, admin, guardian, treasury, tokens_, actors, rejecter);

        // A few escrows up front so that every run has something to act on from its first call.
        for (uint256 s; s < 4; ++s) {
            handler.createEscrow(uint256(keccak256(abi.encode("initial escrow", s))));
        }

        bytes4[] memory selectors = new bytes4[](20);
        selectors[0] = EscrowHandler.createEscrow.selector;
        selectors[1] = EscrowHandler.fund.selector;
        selectors[2] = EscrowHandler.assignPayee.selector;
        selectors[3] = EscrowHandler.release.selector;
        selectors[4] = EscrowHandler.releaseWithIntent.selector;
        selectors[5] = EscrowHandler.replayIntent.selector;
        selectors[6] = EscrowHandler.reuseIntentId.selector;
        selectors[7] = EscrowHandler.releaseAgain.selector;
        selectors[8] = EscrowHandler.dispute.selector;
        selectors[9] = EscrowHandler.resolve.selector;
        selectors[10] = EscrowHandler.openRefunds.selector;
        selectors[11] = EscrowHandler.claimRefund.selector;
        selectors[12] = EscrowHandler.cancel.selector;
        selectors[13] = EscrowHandler.withdraw.selector;
        selectors[14] = EscrowHandler.setRejecterAccepting.selector;
        selectors[15] = EscrowHandler.warp.selector;
        selectors[16] = EscrowHandler.setDefaultFee.selector;
        selectors[17] = EscrowHandler.setTreasury.selector;
        selectors[18] = EscrowHandler.setPaused.selector;
        selectors[19] = EscrowHandler.releaseBatch.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    // ==========================================================================================
    // Invariants
    // ==========================================================================================

    /// @notice Solvency, per token (ETH included): the contract holds exactly what its escrows
    /// hold plus the credits it owes, and exactly what came in minus what went out.
    function invariant_solvencyPerToken() public view {
        address[] memory tokens_ = handler.tokens();
        address[] memory accounts_ = handler.accounts();
        uint256[] memory ids = handler.escrowIds();
        address[] memory escrowToken = new address[](ids.length);
        uint256[] memory escrowHeld = new uint256[](ids.length);
        for (uint256 k; k < ids.length; ++k) {
            EscrowView memory v = escrow.getEscrow(ids[k]);
            (escrowToken[k], escrowHeld[k]) = (v.token, v.held);
        }
        for (uint256 t; t < tokens_.length; ++t) {
            address tok = tokens_[t];
            uint256 held;
            for (uint256 k; k < ids.length; ++k) {
                if (escrowToken[k] == tok) held += escrowHeld[k];
            }
            uint256 credits;
            for (uint256 a; a < accounts_.length; ++a) {
                credits += escrow.creditOf(tok, accounts_[a]);
            }
            uint256 balance = _balanceOf(tok, address(escrow));
            assertEq(balance, held + credits, "balance == sum(held) + sum(credits)");
            assertEq(balance, handler.ghost_in(tok) - handler.ghost_out(tok), "balance == ghost in - ghost out");
        }
    }

    /// @notice No milestone is ever paid twice (released, attested or resolved), even though the
    /// handler keeps trying; and the contract's milestone states match the model.
    function invariant_noMilestonePaidTwice() public view {
        uint256[] memory ids = handler.escrowIds();
        for (uint256 k; k < ids.length; ++k) {
            MilestoneState[] memory states = escrow.getEscrow(ids[k]).states;
            uint8[] memory expected = handler.modelStates(ids[k]);
            uint256[] memory payouts = handler.payoutsOf(ids[k]);
            for (uint256 i; i < states.length; ++i) {
                assertLe(payouts[i], 1, "milestone paid twice");
                assertEq(uint8(states[i]), expected[i], "state matches model");
                bool paid = states[i] == MilestoneState.Released || states[i] == MilestoneState.Resolved;
                assertEq(payouts[i] == 1, paid, "paid exactly when released or resolved");
            }
        }
    }

    /// @notice Per escrow: released + refunded <= funded <= total, and what is held is exactly
    /// the difference.
    function invariant_releasedPlusRefundedWithinFunded() public view {
        uint256[] memory ids = handler.escrowIds();
        for (uint256 k; k < ids.length; ++k) {
            EscrowHandler.Model memory m = handler.model(ids[k]);
            EscrowView memory v = escrow.getEscrow(ids[k]);
            assertEq(v.funded, m.funded, "funded matches the credited deposits");
            assertLe(m.paidOut + m.claimed, v.funded, "released + refunded <= funded");
            assertEq(v.held, v.funded - m.paidOut - m.claimed, "held == funded - released - refunded");
            assertLe(v.funded, m.total, "funded <= milestone total");
        }
    }

    /// @notice No intent id is usable twice: replays and re-signed reuses always fail, with the
    /// expected error, and every accepted intent is marked consumed.
    function invariant_intentIdsUsableOnce() public view {
        bytes32[] memory intentIds = handler.intentIds();
        for (uint256 k; k < intentIds.length; ++k) {
            assertLe(handler.ghost_intentSuccesses(intentIds[k]), 1, "intent id used twice");
            assertTrue(escrow.isIntentConsumed(intentIds[k]), "accepted intent is consumed");
        }
        assertEq(handler.ghost_unexpectedErrors(), 0, "an attack failed with an unexpected error");
    }

    /// @notice After the deadline every unreleased, undisputed milestone is refundable: opening
    /// refunds moves each pending milestone to Refunded and grows the pool by exactly the funded
    /// part of those milestones; released, disputed and resolved milestones are untouched.
    function invariant_afterDeadlineUnreleasedUndisputedIsRefundable() public {
        assertEq(handler.ghost_openRefundsMismatches(), 0, "openRefunds added a wrong amount");
        uint256 now_ = handler.currentTime();
        uint256[] memory ids = handler.escrowIds();
        for (uint256 k; k < ids.length; ++k) {
            uint256 id = ids[k];
            EscrowView memory before = escrow.getEscrow(id);
            if (now_ <= before.deadline || before.cancelled || before.refundsOpened) continue;
            uint256 expected = handler.refundableOnOpen(id);

            uint256 snapshot = vm.snapshotState();
            vm.warp(now_);
            escrow.openRefunds(id);
            EscrowView memory after_ = escrow.getEscrow(id);
            vm.revertToState(snapshot);

            assertEq(after_.refundPool - before.refundPool, expected, "pool grows by the funded pending part");
            for (uint256 i; i < before.states.length; ++i) {
                MilestoneState want =
                    before.states[i] == MilestoneState.Pending ? MilestoneState.Refunded : before.states[i];
                assertEq(uint8(after_.states[i]), uint8(want), "pending -> refunded, others untouched");
            }
        }
    }

    /// @notice Funders' refunds never exceed their shares, and all refunds never exceed the pool.
    function invariant_refundsNeverExceedShares() public view {
        uint256[] memory ids = handler.escrowIds();
        for (uint256 k; k < ids.length; ++k) {
            uint256 id = ids[k];
            EscrowView memory v = escrow.getEscrow(id);
            (address[] memory funders, uint256[] memory modelShares, uint256[] memory modelClaims) =
                handler.fundersOf(id);
            uint256 shares;
            uint256 claimedTotal;
            for (uint256 f; f < funders.length; ++f) {
                (uint256 share, uint256 claimed) = escrow.funderAccount(id, funders[f]);
                assertEq(share, modelShares[f], "share matches credited funding");
                assertEq(claimed, modelClaims[f], "claimed matches refunds paid");
                assertLe(claimed, share, "refund above share");
                shares += share;
                claimedTotal += claimed;
            }
            assertEq(shares, v.funded, "shares add up to funded");
            assertLe(claimedTotal, v.refundPool, "refunds above pool");
            assertLe(v.refundPool, v.funded, "pool above funded");
        }
    }

    /// @notice Credits are exactly the pushes that failed (ETH to the refusing receiver) minus
    /// what was withdrawn.
    function invariant_creditsMatchFailedPushes() public view {
        address[] memory tokens_ = handler.tokens();
        address[] memory accounts_ = handler.accounts();
        for (uint256 t; t < tokens_.length; ++t) {
            uint256[] memory expected = handler.modelCredits(tokens_[t]);
            for (uint256 a; a < accounts_.length; ++a) {
                assertEq(escrow.creditOf(tokens_[t], accounts_[a]), expected[a], "credit matches failed pushes");
            }
        }
    }

    function invariant_callSummary() public view {
        handler.callSummary();
    }

    function _list(address a, address b) internal pure returns (address[] memory l) {
        l = new address[](2);
        (l[0], l[1]) = (a, b);
    }

    function _list(address a, address b, address c) internal pure returns (address[] memory l) {
        l = new address[](3);
        (l[0], l[1], l[2]) = (a, b, c);
    }

    function _list(address a, address b, address c, address d) internal pure returns (address[] memory l) {
        l = new address[](4);
        (l[0], l[1], l[2], l[3]) = (a, b, c, d);
    }
}
