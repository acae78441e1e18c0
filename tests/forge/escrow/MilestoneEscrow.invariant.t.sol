// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FeeOnTransferToken} from "../../../contracts/testing/FeeOnTransferToken.sol";
import {RejectingReceiver} from "../../../contracts/testing/RejectingReceiver.sol";
import {EscrowTestBase} from "./EscrowTestBase.sol";
import {EscrowHandler} from "./handlers/EscrowHandler.sol";
import {HookAccount, HookToken} from "./mocks/HookToken.sol";

/// @title MilestoneEscrowInvariantTest
/// @notice Handler-based invariants over ETH, a plain ERC-20, a fee-on-transfer ERC-20 and an
/// ERC-777-style hook token, with attested releases (real signatures, an ERC-1271 verifier),
/// disputes (resolved, or closed after their window), deadlines, refunds, cancellations, a
/// recipient that refuses ETH, an account whose token hooks try to re-enter the escrow on every
/// transfer, admin fee/treasury changes and pauses.
/// One `invariant_*` per property; `invariant_callSummary` prints what the campaign did.
contract MilestoneEscrowInvariantTest is EscrowTestBase {
    EscrowHandler internal handler;
    FeeOnTransferToken internal fot;
    RejectingReceiver internal rejecter;
    HookToken internal hookToken;
    HookAccount internal hookAccount;

    function setUp() public override {
        super.setUp();
        fot = new FeeOnTransferToken(100); // 1% burnt per transfer
        rejecter = new RejectingReceiver();
        vm.label(address(fot), "FeeOnTransferToken");
        vm.label(address(rejecter), "RejectingReceiver");
        hookToken = new HookToken();
        hookAccount = new HookAccount(hookToken);
        vm.label(address(hookToken), "HookToken");
        vm.label(address(hookAccount), "HookAccount");
        (, uint256 walletOwnerKey) = makeAddrAndKey("walletOwner");

        address[] memory tokens_ = _list(ETH, address(token), address(fot), address(hookToken));
        EscrowHandler.Actors memory actors;
        address hooked = address(hookAccount);
        actors.payers = _list(maintainer, alice, hooked);
        actors.funders = _list(alice, bob, stranger, address(rejecter), hooked);
        actors.payees = _list(contributor, stranger, address(rejecter), hooked);
        actors.relayers = _list(relayer, bob);
        actors.arbiter = arbiter;
        actors.hookAccount = hookAccount;
        actors.verifierKeys = new uint256[](4);
        (actors.verifierKeys[0], actors.verifierKeys[1]) = (verifier1Key, verifier2Key);
        (actors.verifierKeys[2], actors.verifierKeys[3]) = (verifier3Key, walletOwnerKey);
        handler = new EscrowHandler(escrow, admin, guardian, treasury, tokens_, actors, rejecter);

        // A few escrows up front so that every run has something to act on from its first call.
        for (uint256 s; s < 4; ++s) {
            handler.createEscrow(uint256(keccak256(abi.encode("initial escrow", s))));
        }

        bytes4[] memory selectors = new bytes4[](22);
        selectors[0] = EscrowHandler.createEscrow.selector;
        selectors[1] = EscrowHandler.fund.selector;
        selectors[2] = EscrowHandler.assignPayee.selector;
        selectors[3] = EscrowHandler.release.selector;
        selectors[4] = EscrowHandler.releaseWithIntent.selector;
        selectors[5] = EscrowHandler.replayIntent.selector;
        selectors[6] = EscrowHandler.intentForClosedMilestone.selector;
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
        selectors[20] = EscrowHandler.closeExpiredDispute.selector;
        selectors[21] = EscrowHandler.closeDisputeEarly.selector;
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

    /// @notice The milestone is the replay guard: no milestone pays twice, and no intent pays
    /// anything once its milestone has left Pending (funded and unpaid), whether it is a replay
    /// or a freshly signed intent under a fresh (or a used) id; each rejection has the expected
    /// error. Every accepted intent reads Paid from {intentStatus}.
    function invariant_milestonePaysOnceAndClosedMilestoneTakesNoIntent() public view {
        uint256[] memory ids = handler.escrowIds();
        for (uint256 k; k < ids.length; ++k) {
            uint256[] memory payouts = handler.payoutsOf(ids[k]);
            for (uint256 i; i < payouts.length; ++i) {
                assertLe(payouts[i], 1, "a milestone paid twice");
            }
        }
        assertEq(handler.ghost_closedMilestonePayouts(), 0, "an intent paid a milestone that had left Pending");
        bytes32[] memory intentIds = handler.intentIds();
        for (uint256 k; k < intentIds.length; ++k) {
            assertEq(handler.ghost_intentSuccesses(intentIds[k]), 1, "an accepted intent paid again");
            (uint256 escrowId, uint256 milestone) = handler.intentTarget(intentIds[k]);
            PayoutIntent memory probe;
            (probe.escrowId, probe.milestone, probe.intentId) = (escrowId, milestone, intentIds[k]);
            (IntentStatus status,) = escrow.intentStatus(probe);
            assertEq(uint8(status), uint8(IntentStatus.Paid), "an accepted intent reads Paid");
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

    /// @notice No token hook ever got back into the escrow: every re-entry the hook account tried
    /// (cancel, openRefunds, claimRefund, release, assignPayee, dispute, closeExpiredDispute,
    /// withdraw, from inside a pull or a push) was refused by the re-entrancy lock.
    function invariant_tokenHooksNeverReenter() public view {
        assertEq(hookAccount.reentriesSucceeded(), 0, "a token hook re-entered the escrow");
        if (hookAccount.reentriesRefused() != 0) {
            assertEq(hookAccount.lastRefusal(), bytes4(keccak256("ReentrancyGuardReentrantCall()")));
        }
    }

    /// @notice No dust stays behind: an escrow whose milestones are all final (released, resolved
    /// or refunded) and whose funders have claimed everything they can holds exactly zero.
    function invariant_settledAndFullyClaimedEscrowHoldsZero() public view {
        uint256[] memory ids = handler.escrowIds();
        for (uint256 k; k < ids.length; ++k) {
            uint256 id = ids[k];
            if (!handler.isSettled(id)) continue;
            (address[] memory funders,,) = handler.fundersOf(id);
            bool claimedAll = true;
            for (uint256 f; f < funders.length && claimedAll; ++f) {
                claimedAll = escrow.claimableRefund(id, funders[f]) == 0;
            }
            EscrowView memory v = escrow.getEscrow(id);
            // Refunds are claimable once funding is final; a settled escrow that is neither
            // cancelled, opened nor fully funded has a pool nobody can claim yet.
            bool final_ = v.cancelled || v.refundsOpened || v.funded == _sum(v.amounts);
            if (claimedAll && final_) assertEq(v.held, 0, "settled, fully claimed escrow holds dust");
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

    function _list(address a, address b, address c, address d, address e) internal pure returns (address[] memory l) {
        l = new address[](5);
        (l[0], l[1], l[2], l[3], l[4]) = (a, b, c, d, e);
    }
}
