// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Errors} from "@openzeppelin/contracts/utils/Errors.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {FundingTestBase} from "./FundingTestBase.sol";
import {FundingRound} from "../../../contracts/funding/FundingRound.sol";
import {FundingRoundFactory} from "../../../contracts/funding/FundingRoundFactory.sol";
import {IMilestoneEscrow} from "../../../contracts/escrow/IMilestoneEscrow.sol";
import {SignatureQuorum} from "../../../contracts/intents/SignatureQuorum.sol";
import {RejectingReceiver} from "../../../contracts/testing/RejectingReceiver.sol";

contract FundingRoundFactoryTest is FundingTestBase {
    function test_createRound_AtPredictedAddress() public {
        RoundParams memory p = _params(address(usdc), Strategy.QUADRATIC);
        address predicted = factory.predictRound(p, keccak256("salt"));
        vm.expectEmit(true, true, true, true, address(factory));
        emit FundingRoundFactory.RoundCreated(
            predicted, timelock, 0, keccak256("salt"), address(usdc), Strategy.QUADRATIC, "ipfs://bafyround"
        );
        FundingRound r = _create(p);
        assertEq(address(r), predicted);
        assertTrue(factory.isRound(predicted));
        assertEq(factory.roundCount(), 1);
        (address currency, address cur, Strategy s,,,,,,,, bytes32 vh, uint8 t) = r.roundParams();
        assertEq(currency, address(usdc));
        assertEq(cur, curator);
        assertEq(uint8(s), uint8(Strategy.QUADRATIC));
        assertEq(vh, keccak256(abi.encode(verifiers)));
        assertEq(t, 2);
        // An ERC-1167 clone: 45 bytes of code.
        assertEq(address(r).code.length, 45);
    }

    function test_createRound_DifferentParamsDifferentAddress() public view {
        RoundParams memory p = _params(address(usdc), Strategy.QUADRATIC);
        address a = factory.predictRound(p, keccak256("salt"));
        p.matchingCapBps = 2_500;
        assertTrue(factory.predictRound(p, keccak256("salt")) != a);
        assertTrue(factory.predictRound(p, keccak256("salt2")) != factory.predictRound(p, keccak256("salt")));
    }

    function test_createRound_RevertWhen_NotCreator() public {
        RoundParams memory p = _params(address(usdc), Strategy.QUADRATIC);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, factory.ROUND_CREATOR_ROLE()
            )
        );
        vm.prank(stranger);
        factory.createRound(p, bytes32(0), "");
    }

    function test_createRound_RevertWhen_SameSaltTwice() public {
        RoundParams memory p = _params(address(usdc), Strategy.QUADRATIC);
        _create(p);
        vm.expectRevert(Errors.FailedDeployment.selector);
        vm.prank(timelock);
        factory.createRound(p, keccak256("salt"), "");
    }

    function test_constructor_RevertWhen_BadImplementationOrAdmin() public {
        vm.expectRevert(FundingRoundFactory.FactoryInvalidImplementation.selector);
        new FundingRoundFactory(stranger, admin, timelock);
        vm.expectRevert(FundingRoundFactory.FactoryInvalidAdmin.selector);
        new FundingRoundFactory(address(implementation), address(0), timelock);
    }

    function test_initialize_RevertWhen_Implementation() public {
        vm.expectRevert(RoundAlreadyInitialized.selector);
        implementation.initialize(_params(ETH, Strategy.QUADRATIC));
    }

    function test_initialize_RevertWhen_Twice() public {
        FundingRound r = _createDefault(ETH);
        vm.expectRevert(RoundAlreadyInitialized.selector);
        r.initialize(_params(ETH, Strategy.QUADRATIC));
    }

    function test_initialize_RevertWhen_InvalidParams() public {
        RoundParams memory p = _params(ETH, Strategy.QUADRATIC);
        p.curator = address(0);
        vm.prank(timelock);
        vm.expectRevert(RoundInvalidCurator.selector);
        factory.createRound(p, 0, "");

        p = _params(ETH, Strategy.QUADRATIC);
        p.matchingCapBps = 10_001;
        vm.prank(timelock);
        vm.expectRevert(abi.encodeWithSelector(RoundInvalidCap.selector, 10_001));
        factory.createRound(p, 0, "");

        p = _params(ETH, Strategy.QUADRATIC);
        p.releaseDeadline = p.donationEnd;
        vm.prank(timelock);
        vm.expectRevert(
            abi.encodeWithSelector(
                RoundInvalidWindows.selector, p.applicationEnd, p.donationStart, p.donationEnd, p.releaseDeadline
            )
        );
        factory.createRound(p, 0, "");

        p = _params(ETH, Strategy.QUADRATIC);
        p.threshold = 4;
        vm.prank(timelock);
        vm.expectRevert(abi.encodeWithSelector(SignatureQuorum.QuorumInvalidSignerSet.selector, 3, 4));
        factory.createRound(p, 0, "");

        p = _params(ETH, Strategy.SCORE);
        p.verifiers = new address[](0);
        p.threshold = 0;
        vm.prank(timelock);
        vm.expectRevert(RoundAttestationDisabled.selector);
        factory.createRound(p, 0, "");
    }
}

contract FundingRoundQuadraticTest is FundingTestBase {
    uint256 internal a;
    uint256 internal b;

    function setUp() public override {
        super.setUp();
        _createDefault(address(usdc));
        a = _register(recipientA, uint96(50 * USDC), 0);
        b = _register(recipientB, uint96(50 * USDC), 0);
        vm.warp(DONATION_START);
    }

    function test_registerProject_Stores() public view {
        ProjectView memory v = round.getProject(a);
        assertEq(v.recipient, recipientA);
        assertEq(v.goal, 50 * USDC);
        assertEq(v.milestoneCount, 2);
        assertEq(v.plannedTotal, 400);
        assertEq(round.projectCount(), 2);
    }

    function test_registerProject_RevertWhen_Invalid() public {
        vm.startPrank(curator);
        vm.expectRevert(RoundInvalidRecipient.selector);
        round.registerProject(address(0), 1, _milestones2(), 0);
        vm.expectRevert(RoundInvalidGoal.selector);
        round.registerProject(recipientC, 0, _milestones2(), 0);
        vm.expectRevert(abi.encodeWithSelector(RoundInvalidMilestones.selector, 0, 32));
        round.registerProject(recipientC, 1, new uint96[](0), 0);
        vm.expectRevert(abi.encodeWithSelector(RoundInvalidMilestones.selector, 33, 32));
        round.registerProject(recipientC, 1, new uint96[](33), 0);
        vm.expectRevert(abi.encodeWithSelector(RoundZeroMilestone.selector, 0));
        round.registerProject(recipientC, 1, new uint96[](2), 0);
        uint96[] memory big = new uint96[](2);
        big[0] = type(uint96).max;
        big[1] = 1;
        vm.expectRevert(abi.encodeWithSelector(RoundAmountTooLarge.selector, uint256(type(uint96).max) + 1));
        round.registerProject(recipientC, 1, big, 0);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(RoundNotCurator.selector, stranger));
        vm.prank(stranger);
        round.registerProject(recipientC, 1, _milestones2(), 0);
        vm.warp(APPLICATION_END);
        vm.expectRevert(abi.encodeWithSelector(RoundApplicationsClosed.selector, APPLICATION_END, APPLICATION_END));
        vm.prank(curator);
        round.registerProject(recipientC, 1, _milestones2(), 0);
    }

    function test_donate_TracksSumOfSqrt() public {
        usdc.mint(alice, 9 * USDC);
        vm.startPrank(alice);
        usdc.approve(address(round), 9 * USDC);
        vm.expectEmit(true, true, false, true, address(round));
        emit Donated(a, alice, 9 * USDC, 9 * USDC);
        round.donate(a, 9 * USDC);
        vm.stopPrank();
        _give(alice, a, 7 * USDC); // repeat: 16 USDC in all
        _give(bob, a, 4 * USDC);
        ProjectView memory v = round.getProject(a);
        assertEq(v.donated, 20 * USDC);
        assertEq(v.sumSqrt, 4_000 + 2_000); // sqrt(16e6) + sqrt(4e6)
        (uint256 amt,) = round.donationOf(a, alice);
        assertEq(amt, 16 * USDC);
        assertEq(usdc.balanceOf(address(round)), 20 * USDC);
    }

    function test_donate_RevertWhen_OutsideWindow() public {
        vm.warp(DONATION_START - 1);
        usdc.mint(alice, 1);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(RoundDonationsClosed.selector, DONATION_START, DONATION_END, DONATION_START - 1)
        );
        round.donate(a, 1);
        vm.warp(DONATION_END);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(RoundDonationsClosed.selector, DONATION_START, DONATION_END, DONATION_END));
        round.donate(a, 1);
    }

    function test_donate_RevertWhen_BadInput() public {
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(RoundProjectNotFound.selector, 2));
        round.donate(2, 1);
        vm.expectRevert(RoundZeroAmount.selector);
        round.donate(a, 0);
        vm.deal(alice, 1);
        vm.expectRevert(abi.encodeWithSelector(RoundWrongValue.selector, 1, 0));
        round.donate{value: 1}(a, 1);
        vm.stopPrank();
    }

    function test_donate_RevertWhen_Paused() public {
        vm.prank(curator);
        round.pause();
        vm.expectRevert(RoundIsPaused.selector);
        vm.prank(alice);
        round.donate(a, 1);
        vm.expectRevert(RoundIsPaused.selector);
        vm.prank(curator);
        round.registerProject(recipientC, 1, _milestones2(), 0);
        vm.expectRevert(abi.encodeWithSelector(RoundNotCurator.selector, stranger));
        vm.prank(stranger);
        round.unpause();
        vm.prank(curator);
        round.unpause();
        vm.expectRevert(RoundNotPaused.selector);
        vm.prank(curator);
        round.unpause();
        _give(alice, a, 1);
    }

    function test_quadratic_ManySmallDonorsBeatOneWhale() public {
        _give(alice, a, 25 * USDC);
        _give(bob, a, 25 * USDC);
        _give(carol, a, 25 * USDC);
        _give(stranger, a, 25 * USDC);
        _give(whale, b, 100 * USDC);
        _sponsor(sponsor, 1_000 * USDC);
        _finalizeAll();
        // (4 * 5000)^2 - 100e6 = 300e6 for A, (10000)^2 - 100e6 = 0 for B; 300e6 <= pool: unscaled.
        assertEq(round.getProject(a).matched, 300 * USDC);
        assertEq(round.getProject(b).matched, 0);
        (uint256 total, uint256 matched, uint256 returned) = round.poolState();
        assertEq(total, 1_000 * USDC);
        assertEq(matched, 300 * USDC);
        assertEq(returned, 700 * USDC);
        vm.prank(sponsor);
        assertEq(round.claimPoolReturn(), 700 * USDC);
        assertEq(usdc.balanceOf(sponsor), 700 * USDC);
    }

    function test_quadratic_ScaledToPoolRoundedDown() public {
        uint256[] memory ga = new uint256[](3);
        ga[0] = 30 * USDC + 7;
        ga[1] = 11 * USDC;
        ga[2] = 20 * USDC + 3;
        uint256[] memory gb = new uint256[](2);
        gb[0] = 40 * USDC;
        gb[1] = 33 * USDC + 1;
        _give(alice, a, ga[0]);
        _give(bob, a, ga[1]);
        _give(carol, a, ga[2]);
        _give(alice, b, gb[0]);
        _give(whale, b, gb[1]);
        uint256 pool = 10 * USDC + 1;
        _sponsor(sponsor, pool);
        _finalizeAll();
        uint256 qa = _surplus(ga);
        uint256 qb = _surplus(gb);
        assertGt(qa + qb, pool);
        assertEq(round.getProject(a).matched, qa * pool / (qa + qb));
        assertEq(round.getProject(b).matched, qb * pool / (qa + qb));
        (, uint256 matched, uint256 returned) = round.poolState();
        assertLe(matched, pool);
        assertEq(matched + returned, pool);
    }

    function test_quadratic_CapPerProject() public {
        RoundParams memory p = _params(address(usdc), Strategy.QUADRATIC);
        p.matchingCapBps = 2_500;
        vm.prank(timelock);
        round = FundingRound(factory.createRound(p, keccak256("capped"), ""));
        uint256 x = _register(recipientA, 1, 0);
        vm.warp(DONATION_START);
        _give(alice, x, 100 * USDC);
        _give(bob, x, 100 * USDC);
        _sponsor(sponsor, 100 * USDC);
        _finalizeAll();
        assertEq(round.getProject(x).matched, 25 * USDC);
    }

    function test_finalize_BelowGoalRefundsDonors() public {
        _give(alice, a, 10 * USDC);
        _give(bob, a, 5 * USDC);
        _give(carol, b, 60 * USDC);
        _sponsor(sponsor, 100 * USDC);
        vm.warp(DONATION_END);
        vm.expectEmit(true, false, false, true, address(round));
        emit ProjectBelowGoal(a, 15 * USDC, 50 * USDC);
        round.finalize(10);
        assertTrue(round.getProject(a).refunding);
        assertEq(round.refundableOf(a, alice), 10 * USDC);
        vm.prank(alice);
        assertEq(round.claimRefund(a), 10 * USDC);
        assertEq(usdc.balanceOf(alice), 10 * USDC);
        vm.expectRevert(abi.encodeWithSelector(RoundNothingToClaim.selector, alice));
        vm.prank(alice);
        round.claimRefund(a);
        vm.expectRevert(abi.encodeWithSelector(RoundProjectRefunding.selector, a));
        vm.prank(curator);
        round.release(a, 0);
    }

    function test_finalize_ResumableCursor() public {
        _give(alice, a, 60 * USDC);
        _give(bob, b, 60 * USDC);
        vm.warp(DONATION_END);
        assertEq(uint8(round.finalize(1)), uint8(Phase.Tallying));
        assertEq(uint8(round.finalize(1)), uint8(Phase.Distributing));
        (Phase ph, uint256 cursor,) = round.progress();
        assertEq(uint8(ph), uint8(Phase.Distributing));
        assertEq(cursor, 0);
        assertEq(uint8(round.finalize(1)), uint8(Phase.Distributing));
        assertEq(uint8(round.finalize(1)), uint8(Phase.Finalized));
        vm.expectRevert(abi.encodeWithSelector(RoundWrongPhase.selector, Phase.Finalized));
        round.finalize(1);
    }

    function test_finalize_RevertWhen_EarlyOrZeroSteps() public {
        vm.expectRevert(abi.encodeWithSelector(RoundDonationsNotEnded.selector, DONATION_END, DONATION_START));
        round.finalize(1);
        vm.warp(DONATION_END);
        vm.expectRevert(RoundNothingToFinalize.selector);
        round.finalize(0);
    }

    function test_fundPool_RevertWhen_FinalisationStarted() public {
        _sponsor(sponsor, 1);
        vm.warp(DONATION_END);
        round.finalize(1);
        usdc.mint(sponsor, 1);
        vm.prank(sponsor);
        vm.expectRevert(RoundPoolClosed.selector);
        round.fundPool(1);
    }

    function test_fundPool_RevertWhen_Zero() public {
        vm.expectRevert(RoundZeroAmount.selector);
        round.fundPool(0);
    }

    function test_eligibility_RefusesIneligibleDonor() public {
        RoundParams memory p = _params(address(usdc), Strategy.QUADRATIC);
        p.eligibility = address(gate);
        vm.prank(timelock);
        round = FundingRound(factory.createRound(p, keccak256("gated"), ""));
        uint256 x = _register(recipientA, 1, 0);
        vm.warp(DONATION_START);
        gate.setEligible(alice, true);
        _give(alice, x, 5 * USDC);
        usdc.mint(stranger, 1);
        vm.startPrank(stranger);
        usdc.approve(address(round), 1);
        vm.expectRevert(abi.encodeWithSelector(RoundIneligibleDonor.selector, stranger));
        round.donate(x, 1);
        vm.stopPrank();
    }

    function _fundedAndFinalized() internal {
        _give(alice, a, 25 * USDC);
        _give(bob, a, 25 * USDC);
        _give(carol, b, 60 * USDC);
        _sponsor(sponsor, 1_000 * USDC);
        _finalizeAll();
    }

    function test_release_ByCurator_MilestonesSumToTotal() public {
        _fundedAndFinalized();
        ProjectView memory v = round.getProject(a);
        uint256 total = uint256(v.donated) + v.matched;
        uint256 m0 = round.milestonePayout(a, 0);
        uint256 m1 = round.milestonePayout(a, 1);
        assertEq(m0 + m1, total);
        assertEq(m0, total * 100 / 400);
        vm.prank(curator);
        round.release(a, 1);
        assertEq(usdc.balanceOf(recipientA), m1);
        vm.expectRevert(abi.encodeWithSelector(RoundMilestoneSettled.selector, a, 1));
        vm.prank(curator);
        round.release(a, 1);
        vm.expectRevert(abi.encodeWithSelector(RoundInvalidMilestone.selector, a, 2));
        vm.prank(curator);
        round.release(a, 2);
        vm.expectRevert(abi.encodeWithSelector(RoundNotCurator.selector, stranger));
        vm.prank(stranger);
        round.release(a, 0);
    }

    function test_release_RevertWhen_NotFinalizedOrAfterDeadline() public {
        vm.expectRevert(abi.encodeWithSelector(RoundWrongPhase.selector, Phase.Open));
        vm.prank(curator);
        round.release(a, 0);
        _fundedAndFinalized();
        vm.warp(RELEASE_DEADLINE);
        vm.expectRevert(abi.encodeWithSelector(RoundReleaseDeadlinePassed.selector, RELEASE_DEADLINE, RELEASE_DEADLINE));
        vm.prank(curator);
        round.release(a, 0);
    }

    function test_releaseWithIntent_Attested() public {
        _fundedAndFinalized();
        IMilestoneEscrow.PayoutIntent memory it = _intent(a, 0, keccak256("i0"));
        bytes32 digest = _intentDigest(it);
        assertEq(round.hashIntent(it), digest);
        SignatureQuorum.Signature[] memory sigs = _sign(digest);
        vm.expectEmit(true, true, true, true, address(round));
        emit MilestoneReleased(a, 0, recipientA, it.amount, it.intentId);
        vm.prank(relayer);
        round.releaseWithIntent(it, verifiers, sigs);
        assertEq(usdc.balanceOf(recipientA), it.amount);
        vm.expectRevert(abi.encodeWithSelector(RoundIntentConsumed.selector, it.intentId));
        round.releaseWithIntent(it, verifiers, sigs);
    }

    function test_releaseWithIntent_RevertWhen_Mismatch() public {
        _fundedAndFinalized();
        IMilestoneEscrow.PayoutIntent memory it = _intent(a, 0, keccak256("i0"));
        it.amount += 1;
        SignatureQuorum.Signature[] memory sigs = _sign(_intentDigest(it));
        vm.expectRevert(abi.encodeWithSelector(RoundIntentMismatch.selector, a, 0));
        round.releaseWithIntent(it, verifiers, sigs);
        it = _intent(a, 0, keccak256("i0"));
        it.payee = stranger;
        vm.expectRevert(abi.encodeWithSelector(RoundIntentMismatch.selector, a, 0));
        round.releaseWithIntent(it, verifiers, _sign(_intentDigest(it)));
    }

    function test_releaseWithIntent_RevertWhen_BadSignaturesOrExpired() public {
        _fundedAndFinalized();
        IMilestoneEscrow.PayoutIntent memory it = _intent(a, 0, keccak256("i0"));
        SignatureQuorum.Signature[] memory sigs = _sign(keccak256("something else"));
        vm.expectRevert();
        round.releaseWithIntent(it, verifiers, sigs);
        SignatureQuorum.Signature[] memory one = new SignatureQuorum.Signature[](1);
        one[0] = _sign(_intentDigest(it))[0];
        vm.expectRevert(abi.encodeWithSelector(SignatureQuorum.QuorumInsufficientSignatures.selector, 1, 2));
        round.releaseWithIntent(it, verifiers, one);
        vm.warp(it.deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(RoundIntentExpired.selector, it.intentId, it.deadline));
        round.releaseWithIntent(it, verifiers, _sign(_intentDigest(it)));
    }

    function test_releaseWithIntent_RevertWhen_NoVerifiers() public {
        RoundParams memory p = _params(address(usdc), Strategy.QUADRATIC);
        p.verifiers = new address[](0);
        p.threshold = 0;
        vm.prank(timelock);
        round = FundingRound(factory.createRound(p, keccak256("nov"), ""));
        IMilestoneEscrow.PayoutIntent memory it;
        vm.expectRevert(RoundAttestationDisabled.selector);
        round.releaseWithIntent(it, new address[](0), new SignatureQuorum.Signature[](0));
    }

    function test_returnUnreleased_SplitsBetweenDonorsAndPool() public {
        _fundedAndFinalized();
        vm.prank(curator);
        round.release(a, 0);
        vm.expectRevert(abi.encodeWithSelector(RoundReleaseDeadlineNotReached.selector, RELEASE_DEADLINE, block.timestamp));
        round.returnUnreleased(a);
        vm.warp(RELEASE_DEADLINE);
        ProjectView memory v = round.getProject(a);
        uint256 m1 = round.milestonePayout(a, 1);
        uint256 toDonors = m1 * v.donated / (uint256(v.donated) + v.matched);
        vm.expectEmit(true, false, false, true, address(round));
        emit FundsReturned(a, m1, toDonors, m1 - toDonors);
        assertEq(round.returnUnreleased(a), m1);
        assertEq(round.refundableOf(a, alice), 25 * USDC * toDonors / v.donated);
        vm.prank(alice);
        round.claimRefund(a);
        vm.expectRevert(abi.encodeWithSelector(RoundMilestoneSettled.selector, a, 1));
        round.returnUnreleased(a);
        (,, uint256 returned) = round.poolState();
        (, uint256 matched,) = round.poolState();
        assertEq(returned, 1_000 * USDC - matched + (m1 - toDonors));
    }

    function test_sponsors_ShareReturnsProRata() public {
        _give(alice, a, 60 * USDC);
        _sponsor(sponsor, 30 * USDC);
        _sponsor(sponsor2, 10 * USDC);
        _finalizeAll(); // alice alone: no surplus, the whole pool returns
        vm.prank(sponsor);
        assertEq(round.claimPoolReturn(), 30 * USDC);
        vm.prank(sponsor2);
        assertEq(round.claimPoolReturn(), 10 * USDC);
        vm.expectRevert(abi.encodeWithSelector(RoundNothingToClaim.selector, sponsor));
        vm.prank(sponsor);
        round.claimPoolReturn();
    }

    function test_treasury_ReceivesUndistributed() public {
        RoundParams memory p = _params(address(usdc), Strategy.QUADRATIC);
        p.treasury = treasury;
        vm.prank(timelock);
        round = FundingRound(factory.createRound(p, keccak256("tre"), ""));
        _sponsor(sponsor, 40 * USDC);
        _finalizeAll();
        assertEq(round.poolReturnOf(sponsor), 0);
        vm.prank(stranger);
        assertEq(round.claimPoolReturn(), 40 * USDC);
        assertEq(usdc.balanceOf(treasury), 40 * USDC);
    }
}

contract FundingRoundStreamTest is FundingTestBase {
    uint256 internal a;

    function setUp() public override {
        super.setUp();
        _createDefault(ETH);
        a = _register(recipientA, 1 ether, 30 days);
        vm.warp(DONATION_START);
        _give(alice, a, 4 ether);
        _give(bob, a, 1 ether);
        _sponsor(sponsor, 10 ether);
        _finalizeAll();
    }

    function test_stream_VestsLinearly() public {
        uint256 m0 = round.milestonePayout(a, 0);
        vm.prank(curator);
        round.release(a, 0);
        assertEq(recipientA.balance, 0);
        vm.expectRevert(abi.encodeWithSelector(RoundNothingToClaim.selector, recipientA));
        round.claimStream(a, 0);
        vm.warp(block.timestamp + 10 days);
        uint256 claimed = round.claimStream(a, 0);
        assertEq(claimed, m0 * 10 days / 30 days);
        vm.warp(block.timestamp + 40 days);
        round.claimStream(a, 0);
        assertEq(recipientA.balance, m0);
        vm.expectRevert(abi.encodeWithSelector(RoundNoStream.selector, a, 1));
        round.claimStream(a, 1);
    }

    function test_stopStream_ReturnsUnvested() public {
        uint256 m0 = round.milestonePayout(a, 0);
        vm.prank(curator);
        round.release(a, 0);
        vm.warp(block.timestamp + 15 days);
        uint256 vested = m0 * 15 days / 30 days;
        vm.expectEmit(true, true, false, true, address(round));
        emit StreamStopped(a, 0, vested, m0 - vested);
        vm.prank(curator);
        round.stopStream(a, 0);
        vm.warp(block.timestamp + 15 days);
        assertEq(round.claimStream(a, 0), vested);
        vm.expectRevert(abi.encodeWithSelector(RoundStreamStopped.selector, a, 0));
        vm.prank(curator);
        round.stopStream(a, 0);
        assertGt(round.refundableOf(a, alice), 0);
    }

    function test_pay_DefersRefusedEth() public {
        RejectingReceiver rr = new RejectingReceiver();
        RoundParams memory p = _params(ETH, Strategy.QUADRATIC);
        vm.warp(START_TIME);
        p.applicationEnd = uint40(block.timestamp + 1 days);
        p.donationStart = uint40(block.timestamp);
        p.donationEnd = uint40(block.timestamp + 2 days);
        p.releaseDeadline = uint40(block.timestamp + 3 days);
        vm.prank(timelock);
        round = FundingRound(factory.createRound(p, keccak256("rr"), ""));
        vm.prank(curator);
        uint256 x = round.registerProject(address(rr), 1, _milestones2(), 0);
        _give(alice, x, 1 ether);
        vm.warp(p.donationEnd);
        round.finalize(10);
        vm.prank(curator);
        round.release(x, 0);
        assertEq(round.owedOf(address(rr)), round.milestonePayout(x, 0));
        vm.expectRevert(abi.encodeWithSelector(RoundNothingToClaim.selector, stranger));
        vm.prank(stranger);
        round.withdraw();
    }
}

contract FundingRoundScoreTest is FundingTestBase {
    function setUp() public override {
        super.setUp();
        round = _create(_params(address(usdc), Strategy.SCORE));
        _sponsor(sponsor, 1_000 * USDC + 1);
    }

    function _entries() internal view returns (Entry[] memory e) {
        e = new Entry[](3);
        e[0] = Entry(recipientA, 50);
        e[1] = Entry(recipientB, 30);
        e[2] = Entry(recipientC, 17);
    }

    function test_submitLeaderboard_AllocatesProRata() public {
        Entry[] memory e = _entries();
        vm.warp(DONATION_END);
        bytes32 digest = _leaderboardDigest(e);
        assertEq(round.hashLeaderboard(e), digest);
        round.submitLeaderboard(e, verifiers, _sign(digest));
        uint256 pool = 1_000 * USDC + 1;
        assertEq(round.owedOf(recipientA), pool * 50 / 97);
        assertEq(round.owedOf(recipientC), pool * 17 / 97);
        vm.prank(recipientA);
        round.withdraw();
        assertEq(usdc.balanceOf(recipientA), pool * 50 / 97);
        (, uint256 distributed, uint256 returned) = round.poolState();
        assertEq(distributed + returned, pool);
        vm.expectRevert(abi.encodeWithSelector(RoundWrongPhase.selector, Phase.Finalized));
        round.submitLeaderboard(e, verifiers, _sign(digest));
    }

    function test_submitLeaderboard_RevertWhen_Invalid() public {
        Entry[] memory e = _entries();
        vm.expectRevert(abi.encodeWithSelector(RoundDonationsNotEnded.selector, DONATION_END, START_TIME));
        round.submitLeaderboard(e, verifiers, _sign(_leaderboardDigest(e)));
        vm.warp(DONATION_END);
        vm.expectRevert(RoundLeaderboardEmpty.selector);
        round.submitLeaderboard(new Entry[](0), verifiers, _sign(bytes32(0)));
        Entry[] memory zero = new Entry[](1);
        zero[0] = Entry(recipientA, 0);
        vm.expectRevert(RoundZeroScore.selector);
        round.submitLeaderboard(zero, verifiers, _sign(_leaderboardDigest(zero)));
        SignatureQuorum.Signature[] memory sigs = _sign(_leaderboardDigest(e));
        e[2].score = 18; // tampered after signing
        vm.expectRevert();
        round.submitLeaderboard(e, verifiers, sigs);
    }

    function test_score_RefusesDonationsAndQuadratic() public {
        vm.expectRevert(abi.encodeWithSelector(RoundWrongStrategy.selector, Strategy.SCORE));
        round.donate(0, 1);
        vm.expectRevert(abi.encodeWithSelector(RoundWrongStrategy.selector, Strategy.SCORE));
        round.finalize(1);
    }
}
