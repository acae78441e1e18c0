// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IMilestoneEscrow} from "../../../contracts/escrow/IMilestoneEscrow.sol";
import {EscrowTestBase} from "./EscrowTestBase.sol";
import {GasBurningHookAccount, HookAccount, HookToken} from "./mocks/HookToken.sol";
import {BlocklistStablecoin, deployProxiedBlocklistToken} from "./mocks/ProxiedBlocklistToken.sol";

/// @title MilestoneEscrowReviewTest
/// @notice One test (or a pair) per finding of the adversarial review of 2026-12-06, named after
/// the finding: each failed on the escrow as it was and holds on this one.
contract MilestoneEscrowReviewTest is EscrowTestBase {
    HookToken internal hookToken;

    function setUp() public override {
        super.setUp();
        hookToken = new HookToken();
        vm.label(address(hookToken), "HookToken");
    }

    // ==========================================================================================
    // Finding 1: cancel from a token hook during fund locked the new money forever
    // ==========================================================================================

    /// @dev The review's scenario: Alice funds 100e18; the payer (a contract) funds 200e18 and its
    /// `tokensToSend` hook cancels the bounty from inside that transfer. The hook is refused by the
    /// re-entrancy lock, so the fund goes through whole; a cancel afterwards refunds every wei.
    function test_Finding1_CancelFromATokenHookDuringFundCannotLockFunds() public {
        HookAccount payer = new HookAccount(hookToken);
        EscrowParams memory p = _bountyParams(address(hookToken));
        vm.prank(address(payer));
        uint256 id = escrow.create(p, 0);
        _fund(alice, id, 100e18);

        payer.arm(address(escrow), abi.encodeCall(escrow.cancel, (id)), "");
        hookToken.mint(address(payer), 200e18);
        vm.startPrank(address(payer));
        hookToken.approve(address(escrow), 200e18);
        escrow.fund(id, 200e18);
        vm.stopPrank();

        assertEq(payer.reentriesSucceeded(), 0, "the hook's cancel went through");
        assertEq(payer.reentriesRefused(), 1);
        assertEq(payer.lastRefusal(), ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        EscrowView memory v = escrow.getEscrow(id);
        assertFalse(v.cancelled);
        assertEq(v.funded, 300e18);
        assertEq(v.held, 300e18);

        payer.arm(address(escrow), "", "");
        vm.prank(address(payer));
        escrow.cancel(id);
        escrow.claimRefund(id, alice);
        escrow.claimRefund(id, address(payer));
        assertEq(hookToken.balanceOf(alice), 100e18, "alice gets all of hers back");
        assertEq(hookToken.balanceOf(address(payer)), 200e18, "the payer gets all of its back");
        assertEq(escrow.getEscrow(id).held, 0);
        assertEq(hookToken.balanceOf(address(escrow)), 0, "nothing locked");
    }

    /// @dev The `create` variant: the hook cancels the escrow being created (its id is the next
    /// one) while the initial funding is pulled; the whole deposit used to stay locked.
    function test_Finding1_CancelFromATokenHookDuringCreateCannotLockTheDeposit() public {
        HookAccount payer = new HookAccount(hookToken);
        uint256 nextId = escrow.escrowCount() + 1;
        payer.arm(address(escrow), abi.encodeCall(escrow.cancel, (nextId)), "");
        hookToken.mint(address(payer), TOTAL);
        vm.startPrank(address(payer));
        hookToken.approve(address(escrow), TOTAL);
        uint256 id = escrow.create(_bountyParams(address(hookToken)), TOTAL);
        vm.stopPrank();

        assertEq(id, nextId);
        assertEq(payer.reentriesSucceeded(), 0, "the hook's cancel went through");
        assertEq(payer.lastRefusal(), ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        payer.arm(address(escrow), "", "");
        vm.prank(address(payer));
        escrow.cancel(id);
        escrow.claimRefund(id, address(payer));
        assertEq(hookToken.balanceOf(address(payer)), TOTAL);
        assertEq(hookToken.balanceOf(address(escrow)), 0);
    }

    /// @dev Every other state-changing entry point, entered from a payee's `tokensReceived` during
    /// a release push: each is refused, and the release itself still pays.
    function test_Finding1_NoStateChangingEntryPointCanBeEnteredFromATokenHook() public {
        HookAccount payee = new HookAccount(hookToken);
        EscrowParams memory p = _params(address(hookToken));
        p.payee = address(payee);
        uint256 id = _create(maintainer, p, TOTAL);
        bytes[10] memory calls = [
            abi.encodeCall(escrow.cancel, (id)),
            abi.encodeCall(escrow.assignPayee, (id, stranger)),
            abi.encodeCall(escrow.release, (id, 1)),
            abi.encodeCall(escrow.dispute, (id, 1)),
            abi.encodeCall(escrow.openRefunds, (id)),
            abi.encodeCall(escrow.claimRefund, (id, maintainer)),
            abi.encodeCall(escrow.closeExpiredDispute, (id, 1)),
            abi.encodeCall(escrow.resolve, (id, 1, 0)),
            abi.encodeCall(escrow.fund, (id, 1)),
            abi.encodeCall(escrow.withdraw, (address(hookToken)))
        ];
        for (uint256 k; k < calls.length; ++k) {
            uint256 snapshot = vm.snapshotState();
            payee.arm(address(escrow), "", calls[k]);
            vm.prank(maintainer);
            escrow.release(id, 0);
            assertEq(payee.reentriesSucceeded(), 0, "a hook re-entered");
            assertEq(payee.lastRefusal(), ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
            assertEq(hookToken.balanceOf(address(payee)), M0 - M0 * DEFAULT_FEE_BPS / BPS, "still paid");
            vm.revertToState(snapshot);
        }
    }

    // ==========================================================================================
    // Finding 2: one copied intent could sink a relayer's whole batch
    // ==========================================================================================

    /// @dev A front-runner copies intent 1 of a 3-intent batch and submits it first. The batch
    /// skips that intent (IntentSkipped, state Released) and pays the other two; the copy paid
    /// the milestone exactly once, to the payee the verifiers named.
    function test_Finding2_ACopiedIntentSubmittedFirstDoesNotSinkTheBatch() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent[] memory intents = new PayoutIntent[](3);
        VerifierSignature[][] memory sigs = new VerifierSignature[][](3);
        for (uint256 k; k < 3; ++k) {
            intents[k] = _intent(id, k, keccak256(abi.encode("batch intent", k)));
            sigs[k] = _sign2(intents[k]);
        }
        vm.prank(stranger);
        escrow.releaseWithIntent(intents[1], _verifiers(), sigs[1]);

        vm.expectEmit(address(escrow));
        emit IntentSkipped(intents[1].intentId, id, 1, MilestoneState.Released);
        vm.prank(relayer);
        escrow.releaseWithIntents(_verifiers(), intents, sigs);

        EscrowView memory v = escrow.getEscrow(id);
        for (uint256 k; k < 3; ++k) {
            assertEq(uint8(v.states[k]), uint8(MilestoneState.Released));
            assertTrue(_paid(intents[k]));
        }
        assertEq(token.balanceOf(contributor), TOTAL - TOTAL * DEFAULT_FEE_BPS / BPS, "each milestone paid once");
        assertEq(v.held, 0);
    }

    /// @dev A milestone closed some other way (the payer released it, or it is disputed) is
    /// skipped too, and says which state it was in; an intent that is wrong in itself still
    /// reverts the batch with its own error.
    function test_Finding2_AMilestoneClosedOtherwiseIsSkippedWithItsState() public {
        uint256 id = _createFunded(ETH);
        PayoutIntent[] memory intents = new PayoutIntent[](3);
        VerifierSignature[][] memory sigs = new VerifierSignature[][](3);
        for (uint256 k; k < 3; ++k) {
            intents[k] = _intent(id, k, keccak256(abi.encode("closed otherwise", k)));
            sigs[k] = _sign2(intents[k]);
        }
        vm.startPrank(maintainer);
        escrow.release(id, 0);
        escrow.dispute(id, 2);
        vm.stopPrank();

        vm.expectEmit(address(escrow));
        emit IntentSkipped(intents[0].intentId, id, 0, MilestoneState.Released);
        vm.expectEmit(address(escrow));
        emit IntentSkipped(intents[2].intentId, id, 2, MilestoneState.Disputed);
        escrow.releaseWithIntents(_verifiers(), intents, sigs);
        assertTrue(_paid(intents[1]));
        assertEq(uint8(_status(intents[0])), uint8(IntentStatus.Closed), "a skipped intent reads Closed, not Paid");

        PayoutIntent[] memory bad = new PayoutIntent[](1);
        bad[0] = intents[1];
        bad[0].milestone = 7;
        bad[0].intentId = keccak256("out of range");
        VerifierSignature[][] memory badSigs = new VerifierSignature[][](1);
        badSigs[0] = _sign2(bad[0]);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidMilestone.selector, id, 7));
        escrow.releaseWithIntents(_verifiers(), bad, badSigs);
    }

    // ==========================================================================================
    // Finding 3: ERC-20 pushes forwarded all gas to a hostile recipient
    // ==========================================================================================

    /// @dev A payee whose token hook burns all gas: the release costs a bounded amount (it used
    /// to need ~1.8M gas, or fail) and the payout becomes the payee's credit.
    function test_Finding3_AnERC20PayeeHookThatBurnsGasCostsTheCallerABoundedAmount() public {
        GasBurningHookAccount payee = new GasBurningHookAccount(hookToken);
        EscrowParams memory p = _params(address(hookToken));
        p.payee = address(payee);
        uint256 id = _create(maintainer, p, TOTAL);

        vm.prank(maintainer);
        uint256 gasBefore = gasleft();
        escrow.release{gas: 2_000_000}(id, 0);
        uint256 used = gasBefore - gasleft();

        assertLt(used, 250_000, "a hostile recipient burnt the caller's gas");
        uint256 fee = M0 * DEFAULT_FEE_BPS / BPS;
        assertEq(escrow.creditOf(address(hookToken), address(payee)), M0 - fee, "payout credited");
        assertEq(hookToken.balanceOf(treasury), fee, "the treasury's push is unaffected");
    }

    /// @dev The other side of the cap: a USDC-style token (ERC-1967 proxy, pause flag, blocklist
    /// on both parties) pushed to a holder that has never held it is paid, not credited, and its
    /// transfer uses well under half the stipend.
    function test_Finding3_AProxiedBlocklistStablecoinIsStillPushedNotCredited() public {
        BlocklistStablecoin usdc = deployProxiedBlocklistToken();
        address freshPayee = makeAddr("fresh payee");
        EscrowParams memory p = _params(address(usdc));
        p.payee = freshPayee;
        uint256 id = _create(maintainer, p, TOTAL);

        vm.prank(maintainer);
        escrow.release(id, 0);
        uint256 fee = M0 * DEFAULT_FEE_BPS / BPS;
        assertEq(usdc.balanceOf(freshPayee), M0 - fee, "pushed");
        assertEq(escrow.creditOf(address(usdc), freshPayee), 0, "not credited");

        // What one such transfer costs, everything cold, to a holder with no balance yet.
        usdc.mint(address(this), 1);
        address another = makeAddr("another fresh holder");
        vm.cool(address(usdc));
        uint256 gasBefore = gasleft();
        usdc.transfer(another, 1);
        uint256 used = gasBefore - gasleft();
        assertLt(used, 50_000, "a stablecoin transfer needs less than half the 100k stipend");
    }

    // ==========================================================================================
    // Finding 4: a 1-wei front-run made an exact-remaining fund revert
    // ==========================================================================================

    function test_Finding4_AOneWeiFrontRunCannotMakeAnExactFundRevert() public {
        uint256 id = _create(maintainer, _params(address(token)), M0);
        _fund(stranger, id, 1);
        uint256 remaining = TOTAL - M0;
        _provide(address(token), alice, remaining);

        vm.expectEmit(address(escrow));
        emit EscrowFunded(id, alice, remaining - 1, 3);
        vm.prank(alice);
        uint256 credited = escrow.fund(id, remaining);

        assertEq(credited, remaining - 1, "fund says how much it took");
        assertEq(token.balanceOf(alice), 1, "the rest is not pulled");
        assertEq(token.allowance(alice, address(escrow)), 1);
        assertEq(escrow.getEscrow(id).funded, TOTAL);
    }

    function test_Finding4_AnETHFunderOutrunByOneWeiGetsTheExcessBack() public {
        uint256 id = _create(maintainer, _params(ETH), M0);
        _fund(stranger, id, 1);
        uint256 remaining = TOTAL - M0;
        vm.deal(alice, remaining);
        vm.prank(alice);
        uint256 credited = escrow.fund{value: remaining}(id, remaining);
        assertEq(credited, remaining - 1);
        assertEq(alice.balance, 1, "the excess ETH is sent back");
        assertEq(address(escrow).balance, TOTAL);
        assertEq(escrow.getEscrow(id).held, TOTAL);
    }

    // ==========================================================================================
    // Finding 5: pro-rata refunds left dust in the escrow forever
    // ==========================================================================================

    /// @dev Three equal funders of an amount that does not divide by three: the claims together
    /// take the whole pool, whatever order they come in, and the escrow ends holding zero.
    function test_Finding5_ProRataRefundsLeaveNoDust() public {
        uint256 id = _create(maintainer, _params(address(token), _amounts(100)), 0);
        _fund(alice, id, 33);
        _fund(bob, id, 33);
        _fund(stranger, id, 34);
        _dispute(id, 0);
        vm.prank(arbiter);
        escrow.resolve(id, 0, 5_000); // 50 to the payee, 50 to three funders: 16.5 / 16.5 / 17
        EscrowView memory v = escrow.getEscrow(id);
        assertEq(v.refundPool, 50);

        escrow.claimRefund(id, stranger);
        escrow.claimRefund(id, bob);
        escrow.claimRefund(id, alice);
        uint256 refunded = token.balanceOf(alice) + token.balanceOf(bob) + token.balanceOf(stranger);
        assertEq(refunded, 50, "the claims take the whole pool");
        assertEq(escrow.getEscrow(id).held, 0, "no dust left behind");
        assertEq(token.balanceOf(address(escrow)), 0);
        for (uint256 k; k < 3; ++k) {
            address f = k == 0 ? alice : k == 1 ? bob : stranger;
            assertEq(escrow.claimableRefund(id, f), 0);
        }
    }

    /// @dev Any split of any pool between any funders: every claim is within 1 wei of the exact
    /// share, and the escrow always ends at zero.
    function testFuzz_Finding5_RefundsSumToThePoolExactly(uint96 a, uint96 b, uint96 c, uint16 payeeBps) public {
        a = uint96(bound(a, 1, 1e24));
        b = uint96(bound(b, 1, 1e24));
        c = uint96(bound(c, 1, 1e24));
        payeeBps = uint16(bound(payeeBps, 0, 9_999));
        uint96 total = a + b + c;
        uint256 id = _create(maintainer, _params(address(token), _amounts(total)), 0);
        _fund(alice, id, a);
        _fund(bob, id, b);
        _fund(stranger, id, c);
        _dispute(id, 0);
        vm.prank(arbiter);
        escrow.resolve(id, 0, payeeBps);
        uint256 pool = escrow.getEscrow(id).refundPool;

        address[3] memory funders = [stranger, alice, bob];
        uint256[3] memory shares = [uint256(c), a, b];
        for (uint256 k; k < 3; ++k) {
            if (escrow.claimableRefund(id, funders[k]) != 0) escrow.claimRefund(id, funders[k]);
            uint256 exact = pool * shares[k] / total;
            assertApproxEqAbs(token.balanceOf(funders[k]), exact, 2, "within rounding of the exact share");
        }
        assertEq(token.balanceOf(alice) + token.balanceOf(bob) + token.balanceOf(stranger), pool);
        assertEq(escrow.getEscrow(id).held, 0);
    }

    // ==========================================================================================
    // Finding 6: a dispute had no way out but the arbiter
    // ==========================================================================================

    /// @dev The arbiter never rules. Before the window closes nobody else can end the dispute;
    /// after it anyone closes it with the default fixed at creation (here: all to the funders),
    /// and the funders claim the milestone back.
    function test_Finding6_AnArbiterWhoNeverRulesCannotLockAMilestone() public {
        uint256 id = _createFunded(address(token));
        vm.prank(contributor);
        escrow.dispute(id, 1);
        uint256 closesAt = block.timestamp + DISPUTE_WINDOW;
        assertEq(escrow.disputeClosesAt(id, 1), closesAt);

        vm.warp(closesAt - 1);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowDisputeWindowOpen.selector, id, 1, closesAt));
        vm.prank(stranger);
        escrow.closeExpiredDispute(id, 1);

        vm.warp(closesAt);
        vm.expectEmit(address(escrow));
        emit DisputeExpired(id, 1, stranger);
        vm.expectEmit(address(escrow));
        emit DisputeResolved(id, 1, 0, 0, 0, M1);
        vm.prank(stranger);
        escrow.closeExpiredDispute(id, 1);

        assertEq(uint8(_state(id, 1)), uint8(MilestoneState.Resolved));
        assertEq(escrow.disputeClosesAt(id, 1), 0);
        escrow.claimRefund(id, maintainer);
        assertEq(token.balanceOf(maintainer), M1, "the disputed milestone went back to the funder");
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowMilestoneNotDisputed.selector, id, 1));
        vm.prank(arbiter);
        escrow.resolve(id, 1, 10_000);
    }

    /// @dev The default outcome is the escrow's own: here 70% to the payee (less the fee).
    function test_Finding6_AnExpiredDisputeTakesTheDefaultSetAtCreation() public {
        EscrowParams memory p = _params(address(token));
        p.defaultPayeeBps = 7_000;
        uint256 id = _create(maintainer, p, TOTAL);
        vm.prank(maintainer);
        escrow.dispute(id, 0);
        vm.warp(block.timestamp + DISPUTE_WINDOW);
        escrow.closeExpiredDispute(id, 0);
        uint256 toPayee = uint256(M0) * 7_000 / BPS;
        uint256 fee = toPayee * DEFAULT_FEE_BPS / BPS;
        assertEq(token.balanceOf(contributor), toPayee - fee);
        assertEq(escrow.getEscrow(id).refundPool, M0 - toPayee);
    }

    /// @dev The arbiter may still rule after the window, as long as nobody closed the dispute.
    function test_Finding6_TheArbiterMayStillRuleLateUntilSomeoneCloses() public {
        uint256 id = _createFunded(ETH);
        vm.prank(maintainer);
        escrow.dispute(id, 0);
        vm.warp(block.timestamp + DISPUTE_WINDOW + 1 days);
        vm.prank(arbiter);
        escrow.resolve(id, 0, 10_000);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowMilestoneNotDisputed.selector, id, 0));
        escrow.closeExpiredDispute(id, 0);
    }

    function test_Finding6_CreateRefusesAMissingOrUnboundedDisputeWindow() public {
        EscrowParams memory p = _params(address(token));
        uint256 min = escrow.MIN_DISPUTE_WINDOW();
        uint256 max = escrow.MAX_DISPUTE_WINDOW();
        p.disputeWindow = 0;
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidDisputeWindow.selector, 0, min, max));
        vm.prank(maintainer);
        escrow.create(p, 0);

        p.disputeWindow = uint32(max + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidDisputeWindow.selector, max + 1, min, max)
        );
        vm.prank(maintainer);
        escrow.create(p, 0);

        p.disputeWindow = DISPUTE_WINDOW;
        p.defaultPayeeBps = 10_001;
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidSplit.selector, 10_001));
        vm.prank(maintainer);
        escrow.create(p, 0);

        p = _withoutArbiter(_params(address(token)));
        p.disputeWindow = DISPUTE_WINDOW;
        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidDisputeWindow.selector, DISPUTE_WINDOW, 0, 0)
        );
        vm.prank(maintainer);
        escrow.create(p, 0);
    }
}
