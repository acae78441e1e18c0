// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {MilestoneEscrow} from "../../../contracts/escrow/MilestoneEscrow.sol";
import {IMilestoneEscrow} from "../../../contracts/escrow/IMilestoneEscrow.sol";
import {ERC1271Wallet} from "../../../contracts/testing/ERC1271Wallet.sol";
import {FeeOnTransferToken} from "../../../contracts/testing/FeeOnTransferToken.sol";
import {RejectingReceiver} from "../../../contracts/testing/RejectingReceiver.sol";
import {BlockingToken} from "./mocks/BlockingToken.sol";
import {GasGuzzler} from "./mocks/GasGuzzler.sol";
import {ReentrantReceiver} from "./mocks/ReentrantReceiver.sol";
import {EscrowTestBase} from "./EscrowTestBase.sol";

/// @title MilestoneEscrowTest
/// @notice Unit tests: every external function, every custom error (exact revert data), every
/// event, ETH and ERC-20 paths, pull-payment fallbacks, pausing and admin limits.
contract MilestoneEscrowTest is EscrowTestBase {
    bytes32 internal constant INTENT_A = keccak256("intent-a");
    bytes32 internal constant INTENT_B = keccak256("intent-b");

    event Paused(address account);
    event Unpaused(address account);

    // ==========================================================================================
    // helpers
    // ==========================================================================================

    function _err(bytes4 selector) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(selector);
    }

    function _fee(uint256 amount) internal pure returns (uint256) {
        return amount * DEFAULT_FEE_BPS / BPS;
    }

    function _noVerifiers(EscrowParams memory p) internal pure returns (EscrowParams memory) {
        p.verifiers = new address[](0);
        p.threshold = 0;
        return p;
    }

    function _pauseAsGuardian() internal {
        vm.prank(guardian);
        escrow.pause();
    }

    function _pastDeadline(uint256 id) internal {
        vm.warp(uint256(escrow.getEscrow(id).deadline) + 1);
    }

    function _assertAmounts(uint96[] memory actual, uint96[] memory expected) internal pure {
        assertEq(actual.length, expected.length, "amounts length");
        for (uint256 i; i < expected.length; ++i) {
            assertEq(actual[i], expected[i], "amount");
        }
    }

    function _assertStates(uint256 id, MilestoneState a, MilestoneState b, MilestoneState c) internal view {
        MilestoneState[] memory s = escrow.getEscrow(id).states;
        assertEq(uint8(s[0]), uint8(a), "state 0");
        assertEq(uint8(s[1]), uint8(b), "state 1");
        assertEq(uint8(s[2]), uint8(c), "state 2");
    }

    function _withdrawVia(RejectingReceiver receiver, address token_) internal {
        receiver.execute(address(escrow), 0, abi.encodeCall(escrow.withdraw, (token_)));
    }

    function _fundVia(RejectingReceiver receiver, uint256 id, uint256 amount) internal {
        vm.deal(address(this), address(this).balance + amount);
        receiver.execute{value: amount}(address(escrow), amount, abi.encodeCall(escrow.fund, (id, amount)));
    }

    // ==========================================================================================
    // constructor
    // ==========================================================================================

    function test_constructor_SetsRolesTreasuryAndFee() public view {
        assertTrue(escrow.hasRole(escrow.DEFAULT_ADMIN_ROLE(), admin));
        assertTrue(escrow.hasRole(escrow.GUARDIAN_ROLE(), guardian));
        assertFalse(escrow.hasRole(escrow.GUARDIAN_ROLE(), admin));
        assertFalse(escrow.hasRole(escrow.DEFAULT_ADMIN_ROLE(), guardian));
        assertEq(escrow.GUARDIAN_ROLE(), keccak256("GUARDIAN_ROLE"));
        assertEq(escrow.treasury(), treasury);
        assertEq(escrow.defaultFeeBps(), DEFAULT_FEE_BPS);
        assertEq(escrow.escrowCount(), 0);
        assertFalse(escrow.paused());
        assertEq(escrow.MAX_FEE_BPS(), 1_000);
        assertEq(escrow.MAX_MILESTONES(), 16);
        assertEq(escrow.MAX_VERIFIERS(), 32);
        assertEq(escrow.PAYOUT_INTENT_TYPEHASH(), INTENT_TYPEHASH);
    }

    function test_constructor_EmitsTreasuryChangedAndDefaultFeeChanged() public {
        address expected = vm.computeCreateAddress(address(this), vm.getNonce(address(this)));
        vm.expectEmit(expected);
        emit TreasuryChanged(address(0), treasury);
        vm.expectEmit(expected);
        emit DefaultFeeChanged(0, 1_000);
        MilestoneEscrow deployed = new MilestoneEscrow(admin, guardian, treasury, 1_000);
        assertEq(address(deployed), expected);
        assertEq(deployed.defaultFeeBps(), 1_000);
    }

    function test_constructor_RevertWhen_TreasuryZero() public {
        vm.expectRevert(_err(IMilestoneEscrow.EscrowInvalidTreasury.selector));
        new MilestoneEscrow(admin, guardian, address(0), DEFAULT_FEE_BPS);
    }

    function test_constructor_RevertWhen_FeeAboveMax() public {
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidFee.selector, 1_001, 1_000));
        new MilestoneEscrow(admin, guardian, treasury, 1_001);
    }

    // ==========================================================================================
    // create
    // ==========================================================================================

    function test_create_StoresTermsAndEmitsEscrowCreated() public {
        EscrowParams memory p = _params(address(token));

        vm.expectEmit(address(escrow));
        emit EscrowCreated(1, maintainer, address(token), DEFAULT_FEE_BPS, p);
        vm.prank(maintainer);
        uint256 id = escrow.create(p, 0);

        assertEq(id, 1);
        assertEq(escrow.escrowCount(), 1);
        EscrowView memory v = escrow.getEscrow(id);
        assertEq(v.payer, maintainer);
        assertEq(v.token, address(token));
        assertEq(v.payee, contributor);
        assertEq(v.arbiter, arbiter);
        assertEq(v.deadline, p.deadline);
        assertEq(v.feeBps, DEFAULT_FEE_BPS);
        assertEq(v.threshold, 2);
        assertFalse(v.cancelled);
        assertFalse(v.refundsOpened);
        assertEq(v.funded, 0);
        assertEq(v.held, 0);
        assertEq(v.refundPool, 0);
        assertEq(v.fundedMilestones, 0);
        assertEq(v.verifiersHash, keccak256(abi.encode(_verifiers())));
        assertEq(v.verifiersHash, escrow.verifierSetHash(_verifiers()));
        _assertAmounts(v.amounts, p.amounts);
        _assertStates(id, MilestoneState.Pending, MilestoneState.Pending, MilestoneState.Pending);
    }

    function test_create_IdsStartAtOneAndIncrement() public {
        uint256 first = _create(maintainer, _params(address(token)), 0);
        uint256 second = _create(alice, _params(ETH), 0);
        assertEq(first, 1);
        assertEq(second, 2);
        assertEq(escrow.escrowCount(), 2);
        assertEq(escrow.getEscrow(second).payer, alice);
    }

    function test_create_ERC20_WithInitialFunding_EmitsEscrowFunded() public {
        EscrowParams memory p = _params(address(token));
        _provide(address(token), maintainer, TOTAL);

        vm.expectEmit(address(escrow));
        emit EscrowCreated(1, maintainer, address(token), DEFAULT_FEE_BPS, p);
        vm.expectEmit(address(escrow));
        emit EscrowFunded(1, maintainer, TOTAL, 3);
        vm.prank(maintainer);
        uint256 id = escrow.create(p, TOTAL);

        assertEq(token.balanceOf(address(escrow)), TOTAL);
        assertEq(token.balanceOf(maintainer), 0);
        EscrowView memory v = escrow.getEscrow(id);
        assertEq(v.funded, TOTAL);
        assertEq(v.held, TOTAL);
        assertEq(v.fundedMilestones, 3);
        assertEq(_share(id, maintainer), TOTAL);
        assertEq(_claimed(id, maintainer), 0);
    }

    function test_create_ETH_WithInitialFunding() public {
        EscrowParams memory p = _params(ETH);
        vm.deal(maintainer, TOTAL);

        vm.expectEmit(address(escrow));
        emit EscrowFunded(1, maintainer, TOTAL, 3);
        vm.prank(maintainer);
        uint256 id = escrow.create{value: TOTAL}(p, TOTAL);

        assertEq(address(escrow).balance, TOTAL);
        assertEq(maintainer.balance, 0);
        assertEq(escrow.getEscrow(id).held, TOTAL);
        assertEq(escrow.getEscrow(id).fundedMilestones, 3);
    }

    function test_create_PartialInitialFunding_CoversLeadingMilestones() public {
        uint256 id = _create(maintainer, _params(address(token)), M0 + M1 / 2);
        EscrowView memory v = escrow.getEscrow(id);
        assertEq(v.funded, M0 + M1 / 2);
        assertEq(v.fundedMilestones, 1);
    }

    function test_create_OpenBountyWithoutPayee() public {
        uint256 id = _create(maintainer, _bountyParams(address(token)), 0);
        assertEq(escrow.getEscrow(id).payee, address(0));
    }

    function test_create_WithoutVerifiersOrArbiter() public {
        EscrowParams memory p = _noVerifiers(_params(address(token)));
        p = _withoutArbiter(p);
        uint256 id = _create(maintainer, p, 0);
        EscrowView memory v = escrow.getEscrow(id);
        assertEq(v.threshold, 0);
        assertEq(v.verifiersHash, bytes32(0));
        assertEq(v.arbiter, address(0));
    }

    // --- registered verifier sets -------------------------------------------------------------

    function test_registerVerifierSet_IsIdempotentAndEmitsOnce() public {
        uint96 expected = escrow.verifierSetIdOf(_verifiers(), 2);
        vm.expectEmit(address(escrow));
        emit VerifierSetRegistered(expected, keccak256(abi.encode(_verifiers())), 2, _verifiers());
        vm.prank(stranger);
        uint96 setId = escrow.registerVerifierSet(_verifiers(), 2);
        assertEq(setId, expected);
        assertEq(setId & 0xff, 2, "the id carries the threshold");
        assertEq(escrow.verifierSetCommitment(setId), keccak256(abi.encode(_verifiers())));

        vm.recordLogs();
        assertEq(escrow.registerVerifierSet(_verifiers(), 2), setId, "same set, same id");
        assertEq(vm.getRecordedLogs().length, 0, "registering again changes nothing");
        assertTrue(escrow.registerVerifierSet(_verifiers(), 3) != setId, "another threshold, another set");
    }

    function test_registerVerifierSet_RevertWhen_Invalid() public {
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidVerifierSet.selector, 0, 0));
        escrow.registerVerifierSet(new address[](0), 0);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidVerifierSet.selector, 3, 4));
        escrow.registerVerifierSet(_verifiers(), 4);
        address[] memory dup = _verifiers();
        dup[2] = dup[0];
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowDuplicateVerifier.selector, dup[0]));
        escrow.registerVerifierSet(dup, 2);
    }

    function test_create_InlineVerifiersRegisterTheSet() public {
        uint96 expected = escrow.verifierSetIdOf(_verifiers(), 2);
        vm.expectEmit(address(escrow));
        emit VerifierSetRegistered(expected, keccak256(abi.encode(_verifiers())), 2, _verifiers());
        uint256 id = _create(maintainer, _params(address(token)), 0);
        assertEq(escrow.getEscrow(id).verifierSetId, expected);
        // A second escrow with the same set inline reuses it.
        uint256 second = _create(maintainer, _params(address(token)), 0);
        assertEq(escrow.getEscrow(second).verifierSetId, expected);
    }

    function test_create_ByVerifierSetId_ReleasesWithIntent() public {
        uint96 setId = escrow.registerVerifierSet(_verifiers(), 2);
        EscrowParams memory p = _params(address(token));
        (p.verifiers, p.threshold, p.verifierSetId) = (new address[](0), 0, setId);
        uint256 id = _create(maintainer, p, TOTAL);
        EscrowView memory v = escrow.getEscrow(id);
        assertEq(v.threshold, 2);
        assertEq(v.verifierSetId, setId);
        assertEq(v.verifiersHash, keccak256(abi.encode(_verifiers())));

        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        escrow.releaseWithIntent(i, _verifiers(), _sign2(i));
        assertTrue(_paid(i));
        assertEq(token.balanceOf(contributor), M0 - _fee(M0));
    }

    function test_create_RevertWhen_UnknownVerifierSetId() public {
        EscrowParams memory p = _params(address(token));
        uint96 setId = escrow.verifierSetIdOf(_verifiers(), 2);
        (p.verifiers, p.threshold, p.verifierSetId) = (new address[](0), 0, setId);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowUnknownVerifierSet.selector, setId));
        vm.prank(maintainer);
        escrow.create(p, 0);
    }

    function test_create_RevertWhen_VerifierSetIdAndInlineVerifiers() public {
        EscrowParams memory p = _params(address(token));
        p.verifierSetId = escrow.registerVerifierSet(_verifiers(), 2);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidVerifierSet.selector, 3, 2));
        vm.prank(maintainer);
        escrow.create(p, 0);
    }

    // --- the payer's implicit share ----------------------------------------------------------

    /// @dev The payer's share is implicit while nobody else funds; the first other funder
    /// records it, and refunds split exactly as with every share recorded.
    function test_fund_PayerShareImplicitUntilCoFunded_RefundsSplitPerShares() public {
        uint256 id = _create(maintainer, _params(address(token)), M0);
        assertEq(_share(id, maintainer), M0, "implicit share reads as funded");
        _fund(maintainer, id, M1);
        assertEq(_share(id, maintainer), uint256(M0) + M1);
        _fund(alice, id, 100e18);
        assertEq(_share(id, maintainer), uint256(M0) + M1, "recorded when alice funds");
        assertEq(_share(id, alice), 100e18);
        _fund(maintainer, id, 50e18);
        assertEq(_share(id, maintainer), uint256(M0) + M1 + 50e18, "recorded from then on");

        vm.warp(block.timestamp + ESCROW_DURATION + 1);
        escrow.openRefunds(id);
        escrow.claimRefund(id, maintainer);
        escrow.claimRefund(id, alice);
        assertEq(token.balanceOf(alice), 100e18);
        assertEq(token.balanceOf(maintainer), uint256(M0) + M1 + 50e18);
        assertEq(escrow.getEscrow(id).held, 0);
    }

    function test_claimRefund_SoleFunderPayerGetsEverything() public {
        uint256 id = _create(maintainer, _params(address(token)), TOTAL);
        vm.prank(maintainer);
        escrow.release(id, 0);
        vm.warp(block.timestamp + ESCROW_DURATION + 1);
        escrow.openRefunds(id);
        assertEq(escrow.claimableRefund(id, maintainer), TOTAL - M0);
        escrow.claimRefund(id, maintainer);
        assertEq(token.balanceOf(maintainer), TOTAL - M0);
        assertEq(_claimed(id, maintainer), TOTAL - M0);
        assertEq(escrow.claimableRefund(id, maintainer), 0);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNothingToClaim.selector, id, maintainer));
        escrow.claimRefund(id, maintainer);
    }

    function test_create_AcceptsMaxMilestonesAndVerifiers() public {
        EscrowParams memory p = _params(address(token));
        p.amounts = new uint96[](16);
        for (uint256 i; i < 16; ++i) {
            p.amounts[i] = uint96(i + 1);
        }
        p.verifiers = new address[](32);
        for (uint256 i; i < 32; ++i) {
            p.verifiers[i] = address(uint160(0x1000 + i));
        }
        p.threshold = 32;
        uint256 id = _create(maintainer, p, 136); // 1 + 2 + ... + 16
        EscrowView memory v = escrow.getEscrow(id);
        _assertAmounts(v.amounts, p.amounts);
        assertEq(v.fundedMilestones, 16);
        assertEq(v.threshold, 32);
    }

    function test_create_FixesTheCurrentDefaultFee() public {
        uint256 before = _create(maintainer, _params(address(token)), 0);
        vm.prank(admin);
        escrow.setDefaultFee(500);
        uint256 afterChange = _create(maintainer, _params(address(token)), 0);
        assertEq(escrow.getEscrow(before).feeBps, DEFAULT_FEE_BPS);
        assertEq(escrow.getEscrow(afterChange).feeBps, 500);
    }

    function test_create_RevertWhen_NoMilestones() public {
        EscrowParams memory p = _params(address(token), new uint96[](0));
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidMilestoneCount.selector, 0, 16));
        vm.prank(maintainer);
        escrow.create(p, 0);
    }

    function test_create_RevertWhen_TooManyMilestones() public {
        uint96[] memory amounts = new uint96[](17);
        for (uint256 i; i < 17; ++i) {
            amounts[i] = 1;
        }
        EscrowParams memory p = _params(address(token), amounts);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidMilestoneCount.selector, 17, 16));
        vm.prank(maintainer);
        escrow.create(p, 0);
    }

    function test_create_RevertWhen_ZeroAmount() public {
        EscrowParams memory p = _params(address(token), _amounts(M0, 0, M2));
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowZeroAmount.selector, 1));
        vm.prank(maintainer);
        escrow.create(p, 0);
    }

    function test_create_RevertWhen_TotalTooLarge() public {
        EscrowParams memory p = _params(address(token), _amounts(type(uint96).max, 1));
        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowTotalTooLarge.selector, uint256(type(uint96).max) + 1)
        );
        vm.prank(maintainer);
        escrow.create(p, 0);
    }

    function test_create_RevertWhen_DeadlineIsNow() public {
        EscrowParams memory p = _params(address(token));
        p.deadline = uint40(block.timestamp);
        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowDeadlineInPast.selector, block.timestamp, block.timestamp)
        );
        vm.prank(maintainer);
        escrow.create(p, 0);
    }

    function test_create_RevertWhen_DeadlineInPast() public {
        EscrowParams memory p = _params(address(token));
        p.deadline = uint40(block.timestamp - 1);
        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowDeadlineInPast.selector, block.timestamp - 1, block.timestamp)
        );
        vm.prank(maintainer);
        escrow.create(p, 0);
    }

    function test_create_RevertWhen_ThresholdWithoutVerifiers() public {
        EscrowParams memory p = _noVerifiers(_params(address(token)));
        p.threshold = 1;
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidVerifierSet.selector, 0, 1));
        vm.prank(maintainer);
        escrow.create(p, 0);
    }

    function test_create_RevertWhen_ZeroThresholdWithVerifiers() public {
        EscrowParams memory p = _params(address(token));
        p.threshold = 0;
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidVerifierSet.selector, 3, 0));
        vm.prank(maintainer);
        escrow.create(p, 0);
    }

    function test_create_RevertWhen_ThresholdAboveVerifierCount() public {
        EscrowParams memory p = _params(address(token));
        p.threshold = 4;
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidVerifierSet.selector, 3, 4));
        vm.prank(maintainer);
        escrow.create(p, 0);
    }

    function test_create_RevertWhen_TooManyVerifiers() public {
        EscrowParams memory p = _params(address(token));
        p.verifiers = new address[](33);
        for (uint256 i; i < 33; ++i) {
            p.verifiers[i] = address(uint160(0x1000 + i));
        }
        p.threshold = 1;
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidVerifierSet.selector, 33, 1));
        vm.prank(maintainer);
        escrow.create(p, 0);
    }

    function test_create_RevertWhen_ZeroAddressVerifier() public {
        EscrowParams memory p = _params(address(token));
        p.verifiers[2] = address(0);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidVerifierSet.selector, 3, 2));
        vm.prank(maintainer);
        escrow.create(p, 0);
    }

    function test_create_RevertWhen_DuplicateVerifier() public {
        EscrowParams memory p = _params(address(token));
        p.verifiers[2] = verifier1;
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowDuplicateVerifier.selector, verifier1));
        vm.prank(maintainer);
        escrow.create(p, 0);
    }

    function test_create_RevertWhen_PayeeIsTheEscrow() public {
        EscrowParams memory p = _params(address(token));
        p.payee = address(escrow);
        vm.expectRevert(_err(IMilestoneEscrow.EscrowInvalidPayee.selector));
        vm.prank(maintainer);
        escrow.create(p, 0);
    }

    function test_create_RevertWhen_ValueWithoutFunding() public {
        EscrowParams memory p = _params(ETH);
        vm.deal(maintainer, 1);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowWrongValue.selector, 1, 0));
        vm.prank(maintainer);
        escrow.create{value: 1}(p, 0);
    }

    function test_create_ETH_RevertWhen_ValueDiffersFromFunding() public {
        EscrowParams memory p = _params(ETH);
        vm.deal(maintainer, TOTAL);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowWrongValue.selector, TOTAL - 1, TOTAL));
        vm.prank(maintainer);
        escrow.create{value: TOTAL - 1}(p, TOTAL);
    }

    function test_create_ERC20_RevertWhen_ValueSent() public {
        EscrowParams memory p = _params(address(token));
        _provide(address(token), maintainer, TOTAL);
        vm.deal(maintainer, 1);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowWrongValue.selector, 1, 0));
        vm.prank(maintainer);
        escrow.create{value: 1}(p, TOTAL);
    }

    function test_create_InitialFundingAboveTheTotalTakesOnlyTheTotal() public {
        EscrowParams memory p = _params(address(token));
        _provide(address(token), maintainer, TOTAL + 1);
        vm.prank(maintainer);
        uint256 id = escrow.create(p, TOTAL + 1);
        assertEq(escrow.getEscrow(id).funded, TOTAL);
        assertEq(_share(id, maintainer), TOTAL);
        assertEq(token.balanceOf(maintainer), 1, "the excess is never pulled");
    }

    function test_create_RevertWhen_Paused() public {
        _pauseAsGuardian();
        EscrowParams memory p = _params(address(token));
        vm.expectRevert(_err(Pausable.EnforcedPause.selector));
        vm.prank(maintainer);
        escrow.create(p, 0);
    }

    // ==========================================================================================
    // fund
    // ==========================================================================================

    function test_fund_ERC20_CreditsFunderAndEmitsEscrowFunded() public {
        uint256 id = _create(maintainer, _params(address(token)), 0);
        _provide(address(token), alice, M0);

        vm.expectEmit(address(escrow));
        emit EscrowFunded(id, alice, M0, 1);
        vm.prank(alice);
        escrow.fund(id, M0);

        assertEq(token.balanceOf(address(escrow)), M0);
        assertEq(token.balanceOf(alice), 0);
        assertEq(_share(id, alice), M0);
        assertEq(escrow.getEscrow(id).funded, M0);
        assertEq(escrow.getEscrow(id).held, M0);
    }

    function test_fund_ETH_CreditsFunder() public {
        uint256 id = _create(maintainer, _params(ETH), 0);
        vm.deal(alice, M0);

        vm.expectEmit(address(escrow));
        emit EscrowFunded(id, alice, M0, 1);
        vm.prank(alice);
        escrow.fund{value: M0}(id, M0);

        assertEq(address(escrow).balance, M0);
        assertEq(alice.balance, 0);
        assertEq(_share(id, alice), M0);
    }

    function test_fund_CoversMilestonesInOrder() public {
        uint256 id = _create(maintainer, _params(address(token)), 0);
        _fund(alice, id, M0 - 1);
        assertEq(escrow.getEscrow(id).fundedMilestones, 0);
        _fund(bob, id, 1);
        assertEq(escrow.getEscrow(id).fundedMilestones, 1);
        _fund(alice, id, M1);
        assertEq(escrow.getEscrow(id).fundedMilestones, 2);
        _fund(bob, id, M2);
        assertEq(escrow.getEscrow(id).fundedMilestones, 3);
        assertEq(_share(id, alice), M0 - 1 + M1);
        assertEq(_share(id, bob), 1 + uint256(M2));
        assertEq(escrow.getEscrow(id).funded, TOTAL);
    }

    function test_fund_FeeOnTransferToken_CreditsBalanceDelta() public {
        FeeOnTransferToken fot = new FeeOnTransferToken(500); // 5% burnt on transfer
        uint256 id = _create(maintainer, _params(address(fot)), 0);
        _provide(address(fot), alice, M1);

        vm.expectEmit(address(escrow));
        emit EscrowFunded(id, alice, 190e18, 1); // 200e18 less 5%
        vm.prank(alice);
        escrow.fund(id, M1);

        assertEq(fot.balanceOf(address(escrow)), 190e18);
        assertEq(escrow.getEscrow(id).funded, 190e18);
        assertEq(escrow.getEscrow(id).held, 190e18);
        assertEq(_share(id, alice), 190e18);
    }

    function test_fund_AtDeadline() public {
        uint256 id = _create(maintainer, _params(address(token)), 0);
        vm.warp(escrow.getEscrow(id).deadline);
        _fund(alice, id, M0);
        assertEq(escrow.getEscrow(id).funded, M0);
    }

    function test_fund_RevertWhen_EscrowNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotFound.selector, 42));
        vm.prank(alice);
        escrow.fund(42, 1);
    }

    function test_fund_RevertWhen_ZeroAmount() public {
        uint256 id = _create(maintainer, _params(address(token)), 0);
        vm.expectRevert(_err(IMilestoneEscrow.EscrowZeroFunding.selector));
        vm.prank(alice);
        escrow.fund(id, 0);
    }

    function test_fund_RevertWhen_FeeOnTransferCreditsNothing() public {
        FeeOnTransferToken fot = new FeeOnTransferToken(10_000); // burns everything
        uint256 id = _create(maintainer, _params(address(fot)), 0);
        _provide(address(fot), alice, M0);
        vm.expectRevert(_err(IMilestoneEscrow.EscrowZeroFunding.selector));
        vm.prank(alice);
        escrow.fund(id, M0);
    }

    function test_fund_AboveWhatRemainsTakesOnlyWhatRemains() public {
        uint256 id = _create(maintainer, _params(address(token)), M0);
        _provide(address(token), alice, TOTAL);
        vm.expectEmit(address(escrow));
        emit EscrowFunded(id, alice, TOTAL - M0, 3);
        vm.prank(alice);
        uint256 credited = escrow.fund(id, TOTAL - M0 + 1);
        assertEq(credited, TOTAL - M0);
        assertEq(_share(id, alice), TOTAL - M0);
        assertEq(token.balanceOf(alice), M0, "only what remained was pulled");
    }

    function test_fund_RevertWhen_AlreadyFullyFunded() public {
        uint256 id = _createFunded(address(token));
        _provide(address(token), alice, 1);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowFullyFunded.selector, id));
        vm.prank(alice);
        escrow.fund(id, 1);
    }

    function test_fund_RevertWhen_DeadlinePassed() public {
        uint256 id = _create(maintainer, _params(address(token)), 0);
        _pastDeadline(id);
        _provide(address(token), alice, M0);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowFundingClosed.selector, id));
        vm.prank(alice);
        escrow.fund(id, M0);
    }

    /// Refunds are pro rata over the final funding, so money already returned to the funders'
    /// pool must not be diluted by someone funding afterwards.
    function test_fund_RevertWhen_RefundPoolNonZero() public {
        uint256 id = _create(maintainer, _params(address(token)), M0);
        _dispute(id, 0);
        vm.prank(arbiter);
        escrow.resolve(id, 0, 0);
        _provide(address(token), alice, TOTAL - M0);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowFundingClosed.selector, id));
        vm.prank(alice);
        escrow.fund(id, TOTAL - M0);
    }

    function test_fund_RevertWhen_Cancelled() public {
        uint256 id = _create(maintainer, _bountyParams(address(token)), 0);
        vm.prank(maintainer);
        escrow.cancel(id);
        _provide(address(token), alice, M0);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowClosed.selector, id));
        vm.prank(alice);
        escrow.fund(id, M0);
    }

    function test_fund_RevertWhen_RefundsOpened() public {
        uint256 id = _create(maintainer, _params(address(token)), M0);
        _pastDeadline(id);
        escrow.openRefunds(id);
        _provide(address(token), alice, M0);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowClosed.selector, id));
        vm.prank(alice);
        escrow.fund(id, M0);
    }

    function test_fund_ETH_RevertWhen_ValueDiffersFromAmount() public {
        uint256 id = _create(maintainer, _params(ETH), 0);
        vm.deal(alice, M0);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowWrongValue.selector, M0 - 1, M0));
        vm.prank(alice);
        escrow.fund{value: M0 - 1}(id, M0);
    }

    function test_fund_ERC20_RevertWhen_ValueSent() public {
        uint256 id = _create(maintainer, _params(address(token)), 0);
        _provide(address(token), alice, M0);
        vm.deal(alice, 1);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowWrongValue.selector, 1, 0));
        vm.prank(alice);
        escrow.fund{value: 1}(id, M0);
    }

    function test_fund_RevertWhen_Paused() public {
        uint256 id = _create(maintainer, _params(address(token)), 0);
        _pauseAsGuardian();
        _provide(address(token), alice, M0);
        vm.expectRevert(_err(Pausable.EnforcedPause.selector));
        vm.prank(alice);
        escrow.fund(id, M0);
    }

    // ==========================================================================================
    // assignPayee
    // ==========================================================================================

    function test_assignPayee_SetsPayeeAndEmits() public {
        uint256 id = _create(maintainer, _bountyParams(address(token)), TOTAL);
        vm.expectEmit(address(escrow));
        emit PayeeAssigned(id, contributor);
        vm.prank(maintainer);
        escrow.assignPayee(id, contributor);
        assertEq(escrow.getEscrow(id).payee, contributor);

        vm.prank(maintainer);
        escrow.release(id, 0);
        assertEq(token.balanceOf(contributor), M0 - _fee(M0));
    }

    function test_assignPayee_RevertWhen_EscrowNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotFound.selector, 7));
        vm.prank(maintainer);
        escrow.assignPayee(7, contributor);
    }

    function test_assignPayee_RevertWhen_NotPayer() public {
        uint256 id = _create(maintainer, _bountyParams(address(token)), 0);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotPayer.selector, id, contributor));
        vm.prank(contributor);
        escrow.assignPayee(id, contributor);
    }

    function test_assignPayee_RevertWhen_PayeeAlreadySet() public {
        uint256 id = _create(maintainer, _params(address(token)), 0);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowPayeeAlreadySet.selector, id, contributor));
        vm.prank(maintainer);
        escrow.assignPayee(id, stranger);
    }

    function test_assignPayee_RevertWhen_PayeeIsZero() public {
        uint256 id = _create(maintainer, _bountyParams(address(token)), 0);
        vm.expectRevert(_err(IMilestoneEscrow.EscrowInvalidPayee.selector));
        vm.prank(maintainer);
        escrow.assignPayee(id, address(0));
    }

    function test_assignPayee_RevertWhen_PayeeIsTheEscrow() public {
        uint256 id = _create(maintainer, _bountyParams(address(token)), 0);
        vm.expectRevert(_err(IMilestoneEscrow.EscrowInvalidPayee.selector));
        vm.prank(maintainer);
        escrow.assignPayee(id, address(escrow));
    }

    function test_assignPayee_RevertWhen_Cancelled() public {
        uint256 id = _create(maintainer, _bountyParams(address(token)), 0);
        vm.prank(maintainer);
        escrow.cancel(id);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowClosed.selector, id));
        vm.prank(maintainer);
        escrow.assignPayee(id, contributor);
    }

    function test_assignPayee_RevertWhen_RefundsOpened() public {
        uint256 id = _create(maintainer, _bountyParams(address(token)), M0);
        _pastDeadline(id);
        escrow.openRefunds(id);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowClosed.selector, id));
        vm.prank(maintainer);
        escrow.assignPayee(id, contributor);
    }

    // ==========================================================================================
    // release
    // ==========================================================================================

    function test_release_ERC20_PaysPayeeLessFeeAndTreasuryTheFee() public {
        uint256 id = _createFunded(address(token));
        uint256 fee = _fee(M1);

        vm.expectEmit(address(escrow));
        emit MilestoneReleased(id, 1, contributor, M1 - fee, fee);
        vm.prank(maintainer);
        escrow.release(id, 1);

        assertEq(fee, 2e18);
        assertEq(token.balanceOf(contributor), M1 - fee);
        assertEq(token.balanceOf(treasury), fee);
        assertEq(token.balanceOf(address(escrow)), TOTAL - M1);
        assertEq(escrow.getEscrow(id).held, TOTAL - M1);
        assertEq(escrow.getEscrow(id).funded, TOTAL);
        _assertStates(id, MilestoneState.Pending, MilestoneState.Released, MilestoneState.Pending);
    }

    function test_release_ETH_PaysPayeeLessFeeAndTreasuryTheFee() public {
        uint256 id = _createFunded(ETH);
        uint256 fee = _fee(M0);

        vm.expectEmit(address(escrow));
        emit MilestoneReleased(id, 0, contributor, M0 - fee, fee);
        vm.prank(maintainer);
        escrow.release(id, 0);

        assertEq(contributor.balance, M0 - fee);
        assertEq(treasury.balance, fee);
        assertEq(address(escrow).balance, TOTAL - M0);
        assertEq(escrow.getEscrow(id).held, TOTAL - M0);
    }

    function test_release_ZeroFee_PaysEverythingToPayee() public {
        vm.prank(admin);
        escrow.setDefaultFee(0);
        uint256 id = _createFunded(address(token));

        vm.expectEmit(address(escrow));
        emit MilestoneReleased(id, 2, contributor, M2, 0);
        vm.prank(maintainer);
        escrow.release(id, 2);

        assertEq(token.balanceOf(contributor), M2);
        assertEq(token.balanceOf(treasury), 0);
    }

    function test_release_InAnyOrder() public {
        uint256 id = _createFunded(address(token));
        vm.startPrank(maintainer);
        escrow.release(id, 2);
        escrow.release(id, 0);
        escrow.release(id, 1);
        vm.stopPrank();
        _assertStates(id, MilestoneState.Released, MilestoneState.Released, MilestoneState.Released);
        assertEq(token.balanceOf(contributor) + token.balanceOf(treasury), TOTAL);
        assertEq(escrow.getEscrow(id).held, 0);
        assertEq(token.balanceOf(address(escrow)), 0);
    }

    function test_release_AfterDeadlineBeforeRefundsOpen() public {
        uint256 id = _createFunded(address(token));
        _pastDeadline(id);
        vm.prank(maintainer);
        escrow.release(id, 0);
        assertEq(uint8(_state(id, 0)), uint8(MilestoneState.Released));
    }

    function test_release_ETH_CreditsRejectingPayee_ThenWithdraws() public {
        RejectingReceiver receiver = new RejectingReceiver();
        EscrowParams memory p = _params(ETH);
        p.payee = address(receiver);
        uint256 id = _create(maintainer, p, TOTAL);
        uint256 fee = _fee(M0);

        vm.expectEmit(address(escrow));
        emit MilestoneReleased(id, 0, address(receiver), M0 - fee, fee);
        vm.expectEmit(address(escrow));
        emit CreditAccrued(ETH, address(receiver), M0 - fee);
        vm.prank(maintainer);
        escrow.release(id, 0);

        assertEq(address(receiver).balance, 0);
        assertEq(treasury.balance, fee, "treasury still paid");
        assertEq(escrow.creditOf(ETH, address(receiver)), M0 - fee);
        assertEq(address(escrow).balance, TOTAL - M0 + (M0 - fee), "credit stays in the escrow");

        receiver.setAccepting(true);
        vm.expectEmit(address(escrow));
        emit CreditWithdrawn(ETH, address(receiver), M0 - fee);
        _withdrawVia(receiver, ETH);
        assertEq(address(receiver).balance, M0 - fee);
        assertEq(escrow.creditOf(ETH, address(receiver)), 0);
        assertEq(address(escrow).balance, TOTAL - M0);
    }

    function test_release_ETH_CreditsGasGuzzlingPayee() public {
        GasGuzzler guzzler = new GasGuzzler();
        EscrowParams memory p = _params(ETH);
        p.payee = address(guzzler);
        uint256 id = _create(maintainer, p, TOTAL);

        vm.prank(maintainer);
        escrow.release{gas: 500_000}(id, 0);

        assertEq(escrow.creditOf(ETH, address(guzzler)), M0 - _fee(M0));
        assertEq(treasury.balance, _fee(M0));
    }

    function test_release_ETH_CreditsReentrantPayee() public {
        ReentrantReceiver reentrant = new ReentrantReceiver();
        EscrowParams memory p = _params(ETH);
        p.payee = address(reentrant);
        uint256 id = _create(maintainer, p, TOTAL);
        reentrant.arm(address(escrow), abi.encodeCall(escrow.claimRefund, (id, maintainer)));

        vm.prank(maintainer);
        escrow.release(id, 0);

        assertEq(escrow.creditOf(ETH, address(reentrant)), M0 - _fee(M0));
        assertEq(address(escrow).balance, TOTAL - _fee(M0));
        assertEq(escrow.getEscrow(id).held, TOTAL - M0);
    }

    function test_release_ETH_CreditsRejectingTreasury() public {
        RejectingReceiver rejectingTreasury = new RejectingReceiver();
        vm.prank(admin);
        escrow.setTreasury(address(rejectingTreasury));
        uint256 id = _createFunded(ETH);
        uint256 fee = _fee(M2);

        vm.expectEmit(address(escrow));
        emit CreditAccrued(ETH, address(rejectingTreasury), fee);
        vm.prank(maintainer);
        escrow.release(id, 2);

        assertEq(contributor.balance, M2 - fee, "payee still paid");
        assertEq(escrow.creditOf(ETH, address(rejectingTreasury)), fee);

        rejectingTreasury.setAccepting(true);
        _withdrawVia(rejectingTreasury, ETH);
        assertEq(address(rejectingTreasury).balance, fee);
    }

    function test_release_ERC20_CreditsBlockedPayee_ThenWithdraws() public {
        BlockingToken blocking = new BlockingToken();
        uint256 id = _createFunded(address(blocking));
        blocking.setBlocked(contributor, true);
        uint256 fee = _fee(M0);

        vm.expectEmit(address(escrow));
        emit CreditAccrued(address(blocking), contributor, M0 - fee);
        vm.prank(maintainer);
        escrow.release(id, 0);

        assertEq(blocking.balanceOf(contributor), 0);
        assertEq(blocking.balanceOf(treasury), fee);
        assertEq(escrow.creditOf(address(blocking), contributor), M0 - fee);

        blocking.setBlocked(contributor, false);
        vm.expectEmit(address(escrow));
        emit CreditWithdrawn(address(blocking), contributor, M0 - fee);
        vm.prank(contributor);
        escrow.withdraw(address(blocking));
        assertEq(blocking.balanceOf(contributor), M0 - fee);
        assertEq(blocking.balanceOf(address(escrow)), TOTAL - M0);
    }

    function test_release_RevertWhen_EscrowNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotFound.selector, 3));
        vm.prank(maintainer);
        escrow.release(3, 0);
    }

    function test_release_RevertWhen_NotPayer() public {
        uint256 id = _createFunded(address(token));
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotPayer.selector, id, contributor));
        vm.prank(contributor);
        escrow.release(id, 0);
    }

    function test_release_RevertWhen_PayeeNotSet() public {
        uint256 id = _create(maintainer, _bountyParams(address(token)), TOTAL);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowPayeeNotSet.selector, id));
        vm.prank(maintainer);
        escrow.release(id, 0);
    }

    function test_release_RevertWhen_InvalidMilestone() public {
        uint256 id = _createFunded(address(token));
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidMilestone.selector, id, 3));
        vm.prank(maintainer);
        escrow.release(id, 3);
    }

    function test_release_RevertWhen_MilestoneNotFunded() public {
        uint256 id = _create(maintainer, _params(address(token)), M0 + M1 - 1);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowMilestoneNotFunded.selector, id, 1));
        vm.prank(maintainer);
        escrow.release(id, 1);
    }

    function test_release_RevertWhen_AlreadyReleased() public {
        uint256 id = _createFunded(address(token));
        vm.startPrank(maintainer);
        escrow.release(id, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowMilestoneNotPending.selector, id, 0, MilestoneState.Released)
        );
        escrow.release(id, 0);
        vm.stopPrank();
    }

    function test_release_RevertWhen_Disputed() public {
        uint256 id = _createFunded(address(token));
        _dispute(id, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowMilestoneNotPending.selector, id, 0, MilestoneState.Disputed)
        );
        vm.prank(maintainer);
        escrow.release(id, 0);
    }

    function test_release_RevertWhen_Resolved() public {
        uint256 id = _createFunded(address(token));
        _dispute(id, 0);
        vm.prank(arbiter);
        escrow.resolve(id, 0, 5_000);
        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowMilestoneNotPending.selector, id, 0, MilestoneState.Resolved)
        );
        vm.prank(maintainer);
        escrow.release(id, 0);
    }

    function test_release_RevertWhen_Refunded() public {
        uint256 id = _createFunded(address(token));
        _pastDeadline(id);
        escrow.openRefunds(id);
        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowMilestoneNotPending.selector, id, 1, MilestoneState.Refunded)
        );
        vm.prank(maintainer);
        escrow.release(id, 1);
    }

    // ==========================================================================================
    // cancel
    // ==========================================================================================

    function test_cancel_OpenBounty_MakesEveryFundRefundable() public {
        uint256 id = _create(maintainer, _bountyParams(address(token)), M0);
        _fund(alice, id, M1);

        vm.expectEmit(address(escrow));
        emit EscrowCancelled(id, M0 + M1);
        vm.prank(maintainer);
        escrow.cancel(id);

        EscrowView memory v = escrow.getEscrow(id);
        assertTrue(v.cancelled);
        assertFalse(v.refundsOpened);
        assertEq(v.refundPool, M0 + M1);
        _assertStates(id, MilestoneState.Refunded, MilestoneState.Refunded, MilestoneState.Refunded);
        assertEq(escrow.claimableRefund(id, alice), M1);
        assertEq(escrow.claimableRefund(id, maintainer), M0);

        escrow.claimRefund(id, alice);
        escrow.claimRefund(id, maintainer);
        assertEq(token.balanceOf(alice), M1);
        assertEq(token.balanceOf(maintainer), M0);
        assertEq(token.balanceOf(address(escrow)), 0);
        assertEq(escrow.getEscrow(id).held, 0);
    }

    function test_cancel_Unfunded() public {
        uint256 id = _create(maintainer, _bountyParams(ETH), 0);
        vm.expectEmit(address(escrow));
        emit EscrowCancelled(id, 0);
        vm.prank(maintainer);
        escrow.cancel(id);
        assertTrue(escrow.getEscrow(id).cancelled);
    }

    function test_cancel_RevertWhen_EscrowNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotFound.selector, 1));
        vm.prank(maintainer);
        escrow.cancel(1);
    }

    function test_cancel_RevertWhen_NotPayer() public {
        uint256 id = _create(maintainer, _bountyParams(address(token)), 0);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotPayer.selector, id, alice));
        vm.prank(alice);
        escrow.cancel(id);
    }

    function test_cancel_RevertWhen_PayeeAssigned() public {
        uint256 id = _create(maintainer, _params(address(token)), TOTAL);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotCancellable.selector, id));
        vm.prank(maintainer);
        escrow.cancel(id);
    }

    function test_cancel_RevertWhen_BountyAlreadyPaidByIntent() public {
        uint256 id = _create(maintainer, _bountyParams(address(token)), TOTAL);
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        i.payee = contributor;
        escrow.releaseWithIntent(i, _verifiers(), _sign2(i));

        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotCancellable.selector, id));
        vm.prank(maintainer);
        escrow.cancel(id);
    }

    function test_cancel_RevertWhen_AlreadyCancelled() public {
        uint256 id = _create(maintainer, _bountyParams(address(token)), 0);
        vm.startPrank(maintainer);
        escrow.cancel(id);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowClosed.selector, id));
        escrow.cancel(id);
        vm.stopPrank();
    }

    function test_cancel_RevertWhen_RefundsOpened() public {
        uint256 id = _create(maintainer, _bountyParams(address(token)), M0);
        _pastDeadline(id);
        escrow.openRefunds(id);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowClosed.selector, id));
        vm.prank(maintainer);
        escrow.cancel(id);
    }

    // ==========================================================================================
    // releaseWithIntent
    // ==========================================================================================

    function test_hashIntent_IsStandardEIP712() public view {
        uint256 id = 1;
        PayoutIntent memory i = PayoutIntent({
            escrowId: id,
            milestone: 2,
            payee: contributor,
            amount: M2,
            token: address(token),
            intentId: INTENT_A,
            deadline: block.timestamp + 1 hours,
            evidenceHash: EVIDENCE
        });
        assertEq(escrow.hashIntent(i), _eip712Digest(address(escrow), i));

        (, string memory name, string memory version, uint256 chainId, address verifyingContract,,) =
            escrow.eip712Domain();
        assertEq(name, DOMAIN_NAME);
        assertEq(version, DOMAIN_VERSION);
        assertEq(chainId, block.chainid);
        assertEq(verifyingContract, address(escrow));
    }

    function test_verifierSetHash_IsAbiEncodedCommitment() public view {
        assertEq(escrow.verifierSetHash(_verifiers()), keccak256(abi.encode(_verifiers())));
    }

    function test_releaseWithIntent_ERC20_PaysOnTwoOfThree() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 1, INTENT_A);
        VerifierSignature[] memory sigs = _sign2(i);
        uint256 fee = _fee(M1);

        vm.expectEmit(address(escrow));
        emit IntentConsumed(INTENT_A, id, 1, EVIDENCE);
        vm.expectEmit(address(escrow));
        emit MilestoneReleased(id, 1, contributor, M1 - fee, fee);
        vm.prank(relayer);
        escrow.releaseWithIntent(i, _verifiers(), sigs);

        assertTrue(_paid(i));
        PayoutIntent memory other = _intent(id, 1, INTENT_B);
        assertEq(uint8(_status(other)), uint8(IntentStatus.Closed), "another id for the paid milestone: closed");
        assertEq(uint8(_status(_intent(id, 0, INTENT_B))), uint8(IntentStatus.Payable));
        assertEq(token.balanceOf(contributor), M1 - fee);
        assertEq(token.balanceOf(treasury), fee);
        assertEq(token.balanceOf(relayer), 0);
        assertEq(escrow.getEscrow(id).held, TOTAL - M1);
        _assertStates(id, MilestoneState.Pending, MilestoneState.Released, MilestoneState.Pending);
    }

    function test_releaseWithIntent_ETH_PaysOnTwoOfThree() public {
        uint256 id = _createFunded(ETH);
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        VerifierSignature[] memory sigs = _sign2(i, 1, 2);

        vm.prank(relayer);
        escrow.releaseWithIntent(i, _verifiers(), sigs);

        assertEq(contributor.balance, M0 - _fee(M0));
        assertEq(treasury.balance, _fee(M0));
        assertEq(address(escrow).balance, TOTAL - M0);
    }

    function test_releaseWithIntent_AcceptsAnyAscendingPair() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i0 = _intent(id, 0, INTENT_A);
        PayoutIntent memory i1 = _intent(id, 1, INTENT_B);
        PayoutIntent memory i2 = _intent(id, 2, keccak256("intent-c"));
        escrow.releaseWithIntent(i0, _verifiers(), _sign2(i0, 0, 1));
        escrow.releaseWithIntent(i1, _verifiers(), _sign2(i1, 0, 2));
        escrow.releaseWithIntent(i2, _verifiers(), _sign2(i2, 1, 2));
        _assertStates(id, MilestoneState.Released, MilestoneState.Released, MilestoneState.Released);
    }

    function test_releaseWithIntent_ChecksOnlyThresholdSignatures() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        uint8[] memory indexes = new uint8[](3);
        (indexes[0], indexes[1], indexes[2]) = (0, 1, 2);
        VerifierSignature[] memory sigs = _sign(i, _verifierKeys(), indexes);
        escrow.releaseWithIntent(i, _verifiers(), sigs);
        assertTrue(_paid(i));
    }

    function test_releaseWithIntent_ERC1271Verifier() public {
        ERC1271Wallet wallet = new ERC1271Wallet(verifier1);
        EscrowParams memory p = _params(address(token));
        p.verifiers[0] = address(wallet);
        uint256 id = _create(maintainer, p, TOTAL);
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        // verifier1's key signs for the wallet at index 0; verifier2 signs at index 1.
        VerifierSignature[] memory sigs = _sign2(i, 0, 1);

        escrow.releaseWithIntent(i, p.verifiers, sigs);
        assertEq(token.balanceOf(contributor), M0 - _fee(M0));
    }

    function test_releaseWithIntent_ERC1271Verifier_RevertWhen_WalletRejects() public {
        ERC1271Wallet wallet = new ERC1271Wallet(stranger);
        EscrowParams memory p = _params(address(token));
        p.verifiers[0] = address(wallet);
        uint256 id = _create(maintainer, p, TOTAL);
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        VerifierSignature[] memory sigs = _sign2(i, 0, 1); // verifier1 is not the wallet's owner

        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidSignature.selector, address(wallet)));
        escrow.releaseWithIntent(i, p.verifiers, sigs);
    }

    function test_releaseWithIntent_OpenBounty_AssignsPayee() public {
        uint256 id = _create(maintainer, _bountyParams(address(token)), TOTAL);
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        i.payee = contributor;
        VerifierSignature[] memory sigs = _sign2(i);

        vm.expectEmit(address(escrow));
        emit PayeeAssigned(id, contributor);
        vm.expectEmit(address(escrow));
        emit IntentConsumed(INTENT_A, id, 0, EVIDENCE);
        vm.expectEmit(address(escrow));
        emit MilestoneReleased(id, 0, contributor, M0 - _fee(M0), _fee(M0));
        escrow.releaseWithIntent(i, _verifiers(), sigs);

        assertEq(escrow.getEscrow(id).payee, contributor);
        // From now on intents must name that payee.
        PayoutIntent memory next = _intent(id, 1, INTENT_B);
        next.payee = stranger;
        sigs = _sign2(next);
        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowIntentPayeeMismatch.selector, INTENT_B, contributor, stranger)
        );
        escrow.releaseWithIntent(next, _verifiers(), sigs);
    }

    function test_releaseWithIntent_AtIntentDeadline() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        VerifierSignature[] memory sigs = _sign2(i);
        vm.warp(i.deadline);
        escrow.releaseWithIntent(i, _verifiers(), sigs);
        assertTrue(_paid(i));
    }

    function test_releaseWithIntent_RevertWhen_EscrowNotFound() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        i.escrowId = 99;
        VerifierSignature[] memory sigs = _sign2(i);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotFound.selector, 99));
        escrow.releaseWithIntent(i, _verifiers(), sigs);
    }

    function test_releaseWithIntent_RevertWhen_Expired() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        VerifierSignature[] memory sigs = _sign2(i);
        vm.warp(i.deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowIntentExpired.selector, INTENT_A, i.deadline));
        escrow.releaseWithIntent(i, _verifiers(), sigs);
    }

    /// @dev The milestone is the replay guard: it left Pending when the intent paid.
    function test_releaseWithIntent_RevertWhen_Replayed() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        VerifierSignature[] memory sigs = _sign2(i);
        escrow.releaseWithIntent(i, _verifiers(), sigs);

        vm.expectRevert(
            abi.encodeWithSelector(
                IMilestoneEscrow.EscrowMilestoneNotPending.selector, id, 0, MilestoneState.Released
            )
        );
        escrow.releaseWithIntent(i, _verifiers(), sigs);
    }

    /// @dev A freshly signed intent under a fresh id pays nothing for a milestone already paid.
    function test_releaseWithIntent_RevertWhen_FreshIdForAPaidMilestone() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        escrow.releaseWithIntent(i, _verifiers(), _sign2(i));

        PayoutIntent memory fresh = _intent(id, 0, INTENT_B);
        VerifierSignature[] memory sigs = _sign2(fresh);
        vm.expectRevert(
            abi.encodeWithSelector(
                IMilestoneEscrow.EscrowMilestoneNotPending.selector, id, 0, MilestoneState.Released
            )
        );
        escrow.releaseWithIntent(fresh, _verifiers(), sigs);
        assertEq(token.balanceOf(contributor), M0 - _fee(M0), "paid once");
    }

    /// @dev The intent id is a correlation key, not a guard: an id that paid one milestone may
    /// name a freshly signed intent for another (the verifiers signed both).
    function test_releaseWithIntent_IntentIdReusedForAnotherMilestonePaysIt() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        escrow.releaseWithIntent(i, _verifiers(), _sign2(i));

        PayoutIntent memory reuse = _intent(id, 1, INTENT_A);
        escrow.releaseWithIntent(reuse, _verifiers(), _sign2(reuse));
        assertTrue(_paid(i) && _paid(reuse));
        assertEq(token.balanceOf(contributor), M0 - _fee(M0) + M1 - _fee(M1));
    }

    function test_intentStatus_ClosedOtherwise_ByPayerDisputeRefund() public {
        uint256 id = _createFunded(address(token));
        vm.startPrank(maintainer);
        escrow.release(id, 0);
        escrow.dispute(id, 1);
        vm.stopPrank();
        (IntentStatus s0, MilestoneState m0) = escrow.intentStatus(_intent(id, 0, INTENT_A));
        (IntentStatus s1, MilestoneState m1) = escrow.intentStatus(_intent(id, 1, INTENT_A));
        (IntentStatus s2, MilestoneState m2) = escrow.intentStatus(_intent(id, 2, INTENT_A));
        assertEq(uint8(s0), uint8(IntentStatus.Closed), "released by the payer");
        assertEq(uint8(m0), uint8(MilestoneState.Released));
        assertEq(uint8(s1), uint8(IntentStatus.Closed), "disputed");
        assertEq(uint8(m1), uint8(MilestoneState.Disputed));
        assertEq(uint8(s2), uint8(IntentStatus.Payable));
        assertEq(uint8(m2), uint8(MilestoneState.Pending));
        vm.warp(block.timestamp + ESCROW_DURATION + 1);
        escrow.openRefunds(id);
        (s2, m2) = escrow.intentStatus(_intent(id, 2, INTENT_A));
        assertEq(uint8(s2), uint8(IntentStatus.Closed), "refunded");
        assertEq(uint8(m2), uint8(MilestoneState.Refunded));
    }

    function test_intentStatus_RevertWhen_NoSuchMilestone() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        i.milestone = 3;
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidMilestone.selector, id, 3));
        escrow.intentStatus(i);
        (i.escrowId, i.milestone) = (99, 0);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotFound.selector, 99));
        escrow.intentStatus(i);
    }

    function test_releaseWithIntent_RevertWhen_AttestationDisabled() public {
        uint256 id = _create(maintainer, _noVerifiers(_params(address(token))), TOTAL);
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        VerifierSignature[] memory sigs = _sign2(i);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowAttestationDisabled.selector, id));
        escrow.releaseWithIntent(i, new address[](0), sigs);
    }

    function test_releaseWithIntent_RevertWhen_VerifierSetReordered() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        VerifierSignature[] memory sigs = _sign2(i);
        address[] memory reordered = _verifiers();
        (reordered[0], reordered[1]) = (reordered[1], reordered[0]);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowVerifierSetMismatch.selector, id));
        escrow.releaseWithIntent(i, reordered, sigs);
    }

    function test_releaseWithIntent_RevertWhen_VerifierSetTruncated() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        VerifierSignature[] memory sigs = _sign2(i);
        address[] memory two = new address[](2);
        (two[0], two[1]) = (verifier1, verifier2);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowVerifierSetMismatch.selector, id));
        escrow.releaseWithIntent(i, two, sigs);
    }

    function test_releaseWithIntent_RevertWhen_TokenMismatch() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        i.token = ETH;
        VerifierSignature[] memory sigs = _sign2(i);
        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowIntentTokenMismatch.selector, INTENT_A, address(token), ETH)
        );
        escrow.releaseWithIntent(i, _verifiers(), sigs);
    }

    function test_releaseWithIntent_RevertWhen_AmountMismatch() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 1, INTENT_A);
        i.amount = M1 - 1;
        VerifierSignature[] memory sigs = _sign2(i);
        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowIntentAmountMismatch.selector, INTENT_A, M1, M1 - 1)
        );
        escrow.releaseWithIntent(i, _verifiers(), sigs);
    }

    function test_releaseWithIntent_RevertWhen_PayeeMismatch() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        i.payee = stranger;
        VerifierSignature[] memory sigs = _sign2(i);
        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowIntentPayeeMismatch.selector, INTENT_A, contributor, stranger)
        );
        escrow.releaseWithIntent(i, _verifiers(), sigs);
    }

    function test_releaseWithIntent_OpenBounty_RevertWhen_PayeeZero() public {
        uint256 id = _create(maintainer, _bountyParams(address(token)), TOTAL);
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        VerifierSignature[] memory sigs = _sign2(i);
        vm.expectRevert(_err(IMilestoneEscrow.EscrowInvalidPayee.selector));
        escrow.releaseWithIntent(i, _verifiers(), sigs);
    }

    function test_releaseWithIntent_OpenBounty_RevertWhen_PayeeIsTheEscrow() public {
        uint256 id = _create(maintainer, _bountyParams(address(token)), TOTAL);
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        i.payee = address(escrow);
        VerifierSignature[] memory sigs = _sign2(i);
        vm.expectRevert(_err(IMilestoneEscrow.EscrowInvalidPayee.selector));
        escrow.releaseWithIntent(i, _verifiers(), sigs);
    }

    function test_releaseWithIntent_RevertWhen_InvalidMilestone() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 3, INTENT_A);
        VerifierSignature[] memory sigs = _sign2(i);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidMilestone.selector, id, 3));
        escrow.releaseWithIntent(i, _verifiers(), sigs);
    }

    function test_releaseWithIntent_RevertWhen_MilestoneNotFunded() public {
        uint256 id = _create(maintainer, _params(address(token)), M0);
        PayoutIntent memory i = _intent(id, 1, INTENT_A);
        VerifierSignature[] memory sigs = _sign2(i);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowMilestoneNotFunded.selector, id, 1));
        escrow.releaseWithIntent(i, _verifiers(), sigs);
    }

    function test_releaseWithIntent_RevertWhen_AlreadyReleasedByPayer() public {
        uint256 id = _createFunded(address(token));
        vm.prank(maintainer);
        escrow.release(id, 0);
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        VerifierSignature[] memory sigs = _sign2(i);
        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowMilestoneNotPending.selector, id, 0, MilestoneState.Released)
        );
        escrow.releaseWithIntent(i, _verifiers(), sigs);
    }

    function test_releaseWithIntent_RevertWhen_Disputed() public {
        uint256 id = _createFunded(address(token));
        _dispute(id, 0);
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        VerifierSignature[] memory sigs = _sign2(i);
        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowMilestoneNotPending.selector, id, 0, MilestoneState.Disputed)
        );
        escrow.releaseWithIntent(i, _verifiers(), sigs);
    }

    function test_releaseWithIntent_RevertWhen_NoSignatures() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInsufficientSignatures.selector, 0, 2));
        escrow.releaseWithIntent(i, _verifiers(), new VerifierSignature[](0));
    }

    function test_releaseWithIntent_RevertWhen_BelowThreshold() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        VerifierSignature[] memory one = new VerifierSignature[](1);
        one[0] = VerifierSignature(0, _signDigest(verifier1Key, escrow.hashIntent(i)));
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInsufficientSignatures.selector, 1, 2));
        escrow.releaseWithIntent(i, _verifiers(), one);
    }

    function test_releaseWithIntent_RevertWhen_SameVerifierTwice() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        bytes memory sig = _signDigest(verifier2Key, escrow.hashIntent(i));
        VerifierSignature[] memory sigs = new VerifierSignature[](2);
        sigs[0] = VerifierSignature(1, sig);
        sigs[1] = VerifierSignature(1, sig);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowSignersNotAscending.selector, 1));
        escrow.releaseWithIntent(i, _verifiers(), sigs);
    }

    function test_releaseWithIntent_RevertWhen_SignersDescending() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        VerifierSignature[] memory sigs = _sign2(i);
        (sigs[0], sigs[1]) = (sigs[1], sigs[0]);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowSignersNotAscending.selector, 1));
        escrow.releaseWithIntent(i, _verifiers(), sigs);
    }

    function test_releaseWithIntent_RevertWhen_UnknownVerifierIndex() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        VerifierSignature[] memory sigs = _sign2(i);
        sigs[1].verifierIndex = 3;
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowUnknownVerifier.selector, 3));
        escrow.releaseWithIntent(i, _verifiers(), sigs);
    }

    function test_releaseWithIntent_RevertWhen_SignerIsNotTheNamedVerifier() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        VerifierSignature[] memory sigs = _sign2(i);
        sigs[1].signature = _signDigest(uint256(keccak256("not a verifier")), escrow.hashIntent(i));
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidSignature.selector, verifier2));
        escrow.releaseWithIntent(i, _verifiers(), sigs);
    }

    function test_releaseWithIntent_RevertWhen_SignatureMalformed() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        VerifierSignature[] memory sigs = _sign2(i);
        sigs[0].signature = hex"deadbeef";
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidSignature.selector, verifier1));
        escrow.releaseWithIntent(i, _verifiers(), sigs);
    }

    /// The SDK's recover_digest_signer refuses the same two forms off chain; both must stay refused here.
    function test_releaseWithIntent_RevertWhen_SignatureMalleatedOrVIsNot27Or28() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(verifier1Key, escrow.hashIntent(i));
        uint256 n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
        VerifierSignature[] memory sigs = _sign2(i);
        sigs[0].signature = abi.encodePacked(r, bytes32(n - uint256(s)), v == 27 ? uint8(28) : uint8(27));
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidSignature.selector, verifier1));
        escrow.releaseWithIntent(i, _verifiers(), sigs);
        sigs[0].signature = abi.encodePacked(r, s, v - 27);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidSignature.selector, verifier1));
        escrow.releaseWithIntent(i, _verifiers(), sigs);
        sigs[0].signature = abi.encodePacked(r, s, v);
        escrow.releaseWithIntent(i, _verifiers(), sigs);
    }

    function test_releaseWithIntent_RevertWhen_EvidenceChangedAfterSigning() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        VerifierSignature[] memory sigs = _sign2(i);
        i.evidenceHash = keccak256("other evidence");
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidSignature.selector, verifier1));
        escrow.releaseWithIntent(i, _verifiers(), sigs);
    }

    function test_releaseWithIntent_RevertWhen_SignedForAnotherEscrowContract() public {
        uint256 id = _createFunded(address(token));
        MilestoneEscrow other = new MilestoneEscrow(admin, guardian, treasury, DEFAULT_FEE_BPS);
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        bytes32 foreignDigest = other.hashIntent(i);
        assertEq(foreignDigest, _eip712Digest(address(other), i));
        VerifierSignature[] memory sigs = new VerifierSignature[](2);
        sigs[0] = VerifierSignature(0, _signDigest(verifier1Key, foreignDigest));
        sigs[1] = VerifierSignature(1, _signDigest(verifier2Key, foreignDigest));
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidSignature.selector, verifier1));
        escrow.releaseWithIntent(i, _verifiers(), sigs);
    }

    // ==========================================================================================
    // releaseWithIntents (a relayer's batch under one verifier set)
    // ==========================================================================================

    function _batchOf(PayoutIntent memory a, PayoutIntent memory b)
        internal
        view
        returns (PayoutIntent[] memory intents, VerifierSignature[][] memory sigs)
    {
        intents = new PayoutIntent[](2);
        sigs = new VerifierSignature[][](2);
        (intents[0], intents[1]) = (a, b);
        (sigs[0], sigs[1]) = (_sign2(a), _sign2(b, 1, 2));
    }

    function test_releaseWithIntents_PaysEachIntentOfSeveralEscrows() public {
        uint256 tokenEscrow = _createFunded(address(token));
        uint256 ethEscrow = _createFunded(ETH);
        (PayoutIntent[] memory intents, VerifierSignature[][] memory sigs) =
            _batchOf(_intent(tokenEscrow, 1, INTENT_A), _intent(ethEscrow, 2, INTENT_B));

        vm.expectEmit(address(escrow));
        emit IntentConsumed(INTENT_A, tokenEscrow, 1, EVIDENCE);
        vm.expectEmit(address(escrow));
        emit MilestoneReleased(tokenEscrow, 1, contributor, M1 - _fee(M1), _fee(M1));
        vm.expectEmit(address(escrow));
        emit IntentConsumed(INTENT_B, ethEscrow, 2, EVIDENCE);
        vm.expectEmit(address(escrow));
        emit MilestoneReleased(ethEscrow, 2, contributor, M2 - _fee(M2), _fee(M2));
        vm.prank(relayer);
        escrow.releaseWithIntents(_verifiers(), intents, sigs);

        assertTrue(_paid(intents[0]) && _paid(intents[1]));
        assertEq(token.balanceOf(contributor), M1 - _fee(M1));
        assertEq(contributor.balance, M2 - _fee(M2));
        _assertStates(tokenEscrow, MilestoneState.Pending, MilestoneState.Released, MilestoneState.Pending);
        _assertStates(ethEscrow, MilestoneState.Pending, MilestoneState.Pending, MilestoneState.Released);
    }

    function test_releaseWithIntents_OpenBounty_AssignsPayeeOnce() public {
        EscrowParams memory p = _params(address(token));
        p.payee = address(0);
        uint256 id = _create(maintainer, p, TOTAL);
        PayoutIntent memory a = _intent(id, 0, INTENT_A);
        PayoutIntent memory b = _intent(id, 1, INTENT_B);
        (a.payee, b.payee) = (contributor, contributor);
        (PayoutIntent[] memory intents, VerifierSignature[][] memory sigs) = _batchOf(a, b);

        vm.recordLogs();
        escrow.releaseWithIntents(_verifiers(), intents, sigs);

        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 assigned;
        for (uint256 k; k < logs.length; ++k) {
            if (logs[k].topics[0] == PayeeAssigned.selector) ++assigned;
        }
        assertEq(assigned, 1, "the first intent assigns the payee, the second finds it set");
        assertEq(escrow.getEscrow(id).payee, contributor);
        assertEq(token.balanceOf(contributor), M0 - _fee(M0) + M1 - _fee(M1));
    }

    function test_releaseWithIntents_RevertWhen_Empty() public {
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowBatchMismatch.selector, 0, 0));
        escrow.releaseWithIntents(_verifiers(), new PayoutIntent[](0), new VerifierSignature[][](0));
    }

    function test_releaseWithIntents_RevertWhen_SignatureSetsMissing() public {
        uint256 id = _createFunded(address(token));
        (PayoutIntent[] memory intents,) = _batchOf(_intent(id, 0, INTENT_A), _intent(id, 1, INTENT_B));
        VerifierSignature[][] memory one = new VerifierSignature[][](1);
        one[0] = _sign2(intents[0]);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowBatchMismatch.selector, 2, 1));
        escrow.releaseWithIntents(_verifiers(), intents, one);
    }

    /// @dev All or none: a bad intent anywhere reverts the batch with its own error, and the good
    /// intents before it are not consumed.
    function test_releaseWithIntents_RevertWhen_AnyIntentFails_NothingPaid() public {
        uint256 id = _createFunded(address(token));
        (PayoutIntent[] memory intents, VerifierSignature[][] memory sigs) =
            _batchOf(_intent(id, 0, INTENT_A), _intent(id, 1, INTENT_B));
        intents[1].amount += 1; // tampered after signing

        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowIntentAmountMismatch.selector, INTENT_B, M1, uint256(M1) + 1)
        );
        escrow.releaseWithIntents(_verifiers(), intents, sigs);
        assertEq(uint8(_status(intents[0])), uint8(IntentStatus.Payable), "the batch reverted as a whole");
        assertEq(token.balanceOf(contributor), 0);
    }

    /// @dev The copy finds its milestone Released by the first and is skipped: paid once.
    function test_releaseWithIntents_SameIntentTwicePaysOnceAndSkipsTheCopy() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory a = _intent(id, 0, INTENT_A);
        (PayoutIntent[] memory intents, VerifierSignature[][] memory sigs) = _batchOf(a, a);
        vm.expectEmit(address(escrow));
        emit IntentSkipped(INTENT_A, id, 0, MilestoneState.Released);
        escrow.releaseWithIntents(_verifiers(), intents, sigs);
        assertEq(token.balanceOf(contributor), M0 - _fee(M0), "paid once");
        assertEq(escrow.getEscrow(id).held, TOTAL - M0);
    }

    function test_releaseWithIntents_RevertWhen_AnEscrowHasAnotherVerifierSet() public {
        uint256 id = _createFunded(address(token));
        EscrowParams memory p = _params(address(token));
        address[] memory others = new address[](2);
        (others[0], others[1]) = (verifier2, verifier3);
        p.verifiers = others;
        uint256 other = _create(maintainer, p, TOTAL);
        (PayoutIntent[] memory intents, VerifierSignature[][] memory sigs) =
            _batchOf(_intent(id, 0, INTENT_A), _intent(other, 0, INTENT_B));
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowVerifierSetMismatch.selector, other));
        escrow.releaseWithIntents(_verifiers(), intents, sigs);
    }

    function test_releaseWithIntents_RevertWhen_SignaturesSwapped() public {
        uint256 id = _createFunded(address(token));
        (PayoutIntent[] memory intents, VerifierSignature[][] memory sigs) =
            _batchOf(_intent(id, 0, INTENT_A), _intent(id, 1, INTENT_B));
        (sigs[0], sigs[1]) = (sigs[1], sigs[0]);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidSignature.selector, verifier2));
        escrow.releaseWithIntents(_verifiers(), intents, sigs);
    }

    /// @dev The hash of an intent whose address words carry dirty high bits is the hash of the
    /// clean intent, exactly as the ABI encoder would clean them; releasing it is refused.
    function test_hashIntent_CleansDirtyAddressWords() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        bytes memory clean = abi.encodeCall(escrow.hashIntent, (i));
        bytes memory dirty = abi.encodeCall(escrow.hashIntent, (i));
        // payee is the third word of the struct, after the selector: set a bit above the address.
        dirty[4 + 64 + 11] = 0x01;
        (bool ok1, bytes memory h1) = address(escrow).staticcall(clean);
        (bool ok2, bytes memory h2) = address(escrow).staticcall(dirty);
        assertTrue(ok1 && ok2);
        assertEq(keccak256(h1), keccak256(h2));

        bytes memory call_ = abi.encodeCall(escrow.releaseWithIntent, (i, _verifiers(), _sign2(i)));
        call_[4 + 64 + 11] = 0x01; // the intent is the first (static) argument
        (bool ok3,) = address(escrow).call(call_);
        assertFalse(ok3, "a dirty address is rejected by the ABI decoder");
        assertEq(uint8(_status(i)), uint8(IntentStatus.Payable));
    }

    // ==========================================================================================
    // dispute
    // ==========================================================================================

    function test_dispute_ByPayer_FreezesMilestone() public {
        uint256 id = _createFunded(address(token));
        vm.expectEmit(address(escrow));
        emit MilestoneDisputed(id, 1, maintainer, block.timestamp + DISPUTE_WINDOW);
        vm.prank(maintainer);
        escrow.dispute(id, 1);
        _assertStates(id, MilestoneState.Pending, MilestoneState.Disputed, MilestoneState.Pending);
        assertEq(escrow.getEscrow(id).held, TOTAL, "nothing moves");
    }

    function test_dispute_ByPayee() public {
        uint256 id = _createFunded(ETH);
        vm.expectEmit(address(escrow));
        emit MilestoneDisputed(id, 0, contributor, block.timestamp + DISPUTE_WINDOW);
        vm.prank(contributor);
        escrow.dispute(id, 0);
        assertEq(uint8(_state(id, 0)), uint8(MilestoneState.Disputed));
    }

    function test_dispute_AfterDeadline() public {
        uint256 id = _createFunded(address(token));
        _pastDeadline(id);
        _dispute(id, 2);
        assertEq(uint8(_state(id, 2)), uint8(MilestoneState.Disputed));
    }

    function test_dispute_RevertWhen_EscrowNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotFound.selector, 5));
        vm.prank(maintainer);
        escrow.dispute(5, 0);
    }

    function test_dispute_RevertWhen_NotParty() public {
        uint256 id = _createFunded(address(token));
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotParty.selector, id, arbiter));
        vm.prank(arbiter);
        escrow.dispute(id, 0);
    }

    function test_dispute_RevertWhen_DisputesDisabled() public {
        EscrowParams memory p = _params(address(token));
        p = _withoutArbiter(p);
        uint256 id = _create(maintainer, p, TOTAL);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowDisputesDisabled.selector, id));
        vm.prank(maintainer);
        escrow.dispute(id, 0);
    }

    function test_dispute_RevertWhen_PayeeNotSet() public {
        uint256 id = _create(maintainer, _bountyParams(address(token)), TOTAL);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowPayeeNotSet.selector, id));
        vm.prank(maintainer);
        escrow.dispute(id, 0);
    }

    function test_dispute_RevertWhen_InvalidMilestone() public {
        uint256 id = _createFunded(address(token));
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidMilestone.selector, id, 3));
        vm.prank(maintainer);
        escrow.dispute(id, 3);
    }

    function test_dispute_RevertWhen_MilestoneNotFunded() public {
        uint256 id = _create(maintainer, _params(address(token)), M0);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowMilestoneNotFunded.selector, id, 2));
        vm.prank(contributor);
        escrow.dispute(id, 2);
    }

    function test_dispute_RevertWhen_AlreadyDisputed() public {
        uint256 id = _createFunded(address(token));
        _dispute(id, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowMilestoneNotPending.selector, id, 0, MilestoneState.Disputed)
        );
        vm.prank(contributor);
        escrow.dispute(id, 0);
    }

    function test_dispute_RevertWhen_Released() public {
        uint256 id = _createFunded(address(token));
        vm.prank(maintainer);
        escrow.release(id, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowMilestoneNotPending.selector, id, 0, MilestoneState.Released)
        );
        vm.prank(contributor);
        escrow.dispute(id, 0);
    }

    // ==========================================================================================
    // resolve
    // ==========================================================================================

    function test_resolve_SplitsBetweenPayeeAndFunders() public {
        uint256 id = _createFunded(address(token));
        _dispute(id, 1);
        uint256 toPayee = M1 / 4; // 2500 bps
        uint256 fee = _fee(toPayee);
        uint256 toFunders = M1 - toPayee;

        vm.expectEmit(address(escrow));
        emit DisputeResolved(id, 1, 2_500, toPayee - fee, fee, toFunders);
        vm.prank(arbiter);
        escrow.resolve(id, 1, 2_500);

        assertEq(token.balanceOf(contributor), toPayee - fee);
        assertEq(token.balanceOf(treasury), fee);
        EscrowView memory v = escrow.getEscrow(id);
        assertEq(v.held, TOTAL - toPayee);
        assertEq(v.refundPool, toFunders);
        _assertStates(id, MilestoneState.Pending, MilestoneState.Resolved, MilestoneState.Pending);
        // Fully funded, so the funders' part is claimable at once.
        assertEq(escrow.claimableRefund(id, maintainer), toFunders);
        escrow.claimRefund(id, maintainer);
        assertEq(token.balanceOf(maintainer), toFunders);
    }

    function test_resolve_AllToPayee() public {
        uint256 id = _createFunded(ETH);
        _dispute(id, 0);
        vm.expectEmit(address(escrow));
        emit DisputeResolved(id, 0, 10_000, M0 - _fee(M0), _fee(M0), 0);
        vm.prank(arbiter);
        escrow.resolve(id, 0, 10_000);
        assertEq(contributor.balance, M0 - _fee(M0));
        assertEq(treasury.balance, _fee(M0));
        assertEq(escrow.getEscrow(id).refundPool, 0);
    }

    function test_resolve_AllToFunders() public {
        uint256 id = _createFunded(address(token));
        _dispute(id, 2);
        vm.expectEmit(address(escrow));
        emit DisputeResolved(id, 2, 0, 0, 0, M2);
        vm.prank(arbiter);
        escrow.resolve(id, 2, 0);
        assertEq(token.balanceOf(contributor), 0);
        assertEq(token.balanceOf(treasury), 0);
        assertEq(escrow.getEscrow(id).refundPool, M2);
        assertEq(escrow.getEscrow(id).held, TOTAL);
    }

    function test_resolve_AfterRefundsOpened_GrowsThePool() public {
        uint256 id = _createFunded(address(token));
        _dispute(id, 0);
        _pastDeadline(id);
        escrow.openRefunds(id);
        _assertStates(id, MilestoneState.Disputed, MilestoneState.Refunded, MilestoneState.Refunded);
        assertEq(escrow.getEscrow(id).refundPool, M1 + M2);

        vm.prank(arbiter);
        escrow.resolve(id, 0, 5_000);
        assertEq(escrow.getEscrow(id).refundPool, M1 + M2 + M0 / 2);
        escrow.claimRefund(id, maintainer);
        assertEq(token.balanceOf(maintainer), M1 + M2 + M0 / 2);
        assertEq(escrow.getEscrow(id).held, 0);
    }

    function test_resolve_ETH_CreditsRejectingPayee() public {
        RejectingReceiver receiver = new RejectingReceiver();
        EscrowParams memory p = _params(ETH);
        p.payee = address(receiver);
        uint256 id = _create(maintainer, p, TOTAL);
        _dispute(id, 0);
        vm.prank(arbiter);
        escrow.resolve(id, 0, 10_000);
        assertEq(escrow.creditOf(ETH, address(receiver)), M0 - _fee(M0));
    }

    function test_resolve_RevertWhen_EscrowNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotFound.selector, 8));
        vm.prank(arbiter);
        escrow.resolve(8, 0, 0);
    }

    function test_resolve_RevertWhen_NotArbiter() public {
        uint256 id = _createFunded(address(token));
        _dispute(id, 0);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotArbiter.selector, id, maintainer));
        vm.prank(maintainer);
        escrow.resolve(id, 0, 10_000);
    }

    function test_resolve_RevertWhen_SplitAboveAllBps() public {
        uint256 id = _createFunded(address(token));
        _dispute(id, 0);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidSplit.selector, 10_001));
        vm.prank(arbiter);
        escrow.resolve(id, 0, 10_001);
    }

    function test_resolve_RevertWhen_InvalidMilestone() public {
        uint256 id = _createFunded(address(token));
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidMilestone.selector, id, 3));
        vm.prank(arbiter);
        escrow.resolve(id, 3, 0);
    }

    function test_resolve_RevertWhen_NotDisputed() public {
        uint256 id = _createFunded(address(token));
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowMilestoneNotDisputed.selector, id, 0));
        vm.prank(arbiter);
        escrow.resolve(id, 0, 0);
    }

    function test_resolve_RevertWhen_AlreadyResolved() public {
        uint256 id = _createFunded(address(token));
        _dispute(id, 0);
        vm.startPrank(arbiter);
        escrow.resolve(id, 0, 3_000);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowMilestoneNotDisputed.selector, id, 0));
        escrow.resolve(id, 0, 3_000);
        vm.stopPrank();
    }

    // ==========================================================================================
    // openRefunds
    // ==========================================================================================

    function test_openRefunds_MovesFundedPendingMilestonesToThePool() public {
        uint256 id = _createFunded(address(token));
        vm.prank(maintainer);
        escrow.release(id, 0);
        _dispute(id, 1);
        _pastDeadline(id);

        vm.expectEmit(address(escrow));
        emit RefundsOpened(id, M2);
        vm.prank(stranger); // anyone may open refunds
        escrow.openRefunds(id);

        EscrowView memory v = escrow.getEscrow(id);
        assertTrue(v.refundsOpened);
        assertFalse(v.cancelled);
        assertEq(v.refundPool, M2);
        _assertStates(id, MilestoneState.Released, MilestoneState.Disputed, MilestoneState.Refunded);
    }

    function test_openRefunds_IncludesPartialFunding() public {
        uint256 id = _create(maintainer, _params(address(token)), 0);
        _fund(alice, id, M0 + 50e18);
        _pastDeadline(id);

        vm.expectEmit(address(escrow));
        emit RefundsOpened(id, M0 + 50e18);
        escrow.openRefunds(id);

        _assertStates(id, MilestoneState.Refunded, MilestoneState.Refunded, MilestoneState.Refunded);
        escrow.claimRefund(id, alice);
        assertEq(token.balanceOf(alice), M0 + 50e18);
    }

    function test_openRefunds_Unfunded() public {
        uint256 id = _create(maintainer, _params(ETH), 0);
        _pastDeadline(id);
        vm.expectEmit(address(escrow));
        emit RefundsOpened(id, 0);
        escrow.openRefunds(id);
        assertTrue(escrow.getEscrow(id).refundsOpened);
    }

    function test_openRefunds_RevertWhen_EscrowNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotFound.selector, 4));
        escrow.openRefunds(4);
    }

    function test_openRefunds_RevertWhen_AtDeadline() public {
        uint256 id = _createFunded(address(token));
        uint256 deadline = escrow.getEscrow(id).deadline;
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowDeadlineNotReached.selector, id, deadline));
        escrow.openRefunds(id);
    }

    function test_openRefunds_RevertWhen_AlreadyOpened() public {
        uint256 id = _createFunded(address(token));
        _pastDeadline(id);
        escrow.openRefunds(id);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowClosed.selector, id));
        escrow.openRefunds(id);
    }

    function test_openRefunds_RevertWhen_Cancelled() public {
        uint256 id = _create(maintainer, _bountyParams(address(token)), M0);
        vm.prank(maintainer);
        escrow.cancel(id);
        _pastDeadline(id);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowClosed.selector, id));
        escrow.openRefunds(id);
    }

    // ==========================================================================================
    // claimRefund
    // ==========================================================================================

    /// @dev Shares round up, capped by what is left of the pool: the first claim gets its exact
    /// share rounded up, the last takes what remains, and no dust stays behind.
    function test_claimRefund_ProRataBetweenFunders_LeavesNoDust() public {
        uint256 id = _create(maintainer, _params(address(token)), 0);
        _fund(alice, id, 200e18);
        _fund(bob, id, 100e18); // funded 300e18: milestones 0 and 1
        vm.prank(maintainer);
        escrow.release(id, 0);
        _pastDeadline(id);
        escrow.openRefunds(id); // pool: milestone 1 = 200e18

        uint256 aliceOwed = (uint256(200e18) * 200e18 + 300e18 - 1) / 300e18; // rounded up
        uint256 bobOwed = 200e18 - aliceOwed; // what is left, 1 wei under the rounded-up share
        assertEq(aliceOwed, 133_333_333_333_333_333_334);
        assertEq(escrow.claimableRefund(id, alice), aliceOwed);
        assertEq(escrow.claimableRefund(id, bob), bobOwed + 1, "before alice claims, bob's share rounds up too");

        vm.expectEmit(address(escrow));
        emit RefundClaimed(id, alice, aliceOwed);
        escrow.claimRefund(id, alice);
        assertEq(escrow.claimableRefund(id, bob), bobOwed, "capped by what is left of the pool");
        escrow.claimRefund(id, bob);

        assertEq(token.balanceOf(alice), aliceOwed);
        assertEq(token.balanceOf(bob), bobOwed);
        assertEq(_claimed(id, alice), aliceOwed);
        assertEq(_share(id, alice), 200e18);
        assertEq(aliceOwed + bobOwed, 200e18);
        assertEq(escrow.getEscrow(id).held, 0, "no dust stays");
        assertEq(token.balanceOf(address(escrow)), 0);
        assertEq(escrow.claimableRefund(id, alice), 0);
        assertEq(escrow.claimableRefund(id, bob), 0);
    }

    function test_claimRefund_AnyoneMayTriggerForAFunder() public {
        uint256 id = _create(maintainer, _bountyParams(ETH), 0);
        _fund(alice, id, M0);
        vm.prank(maintainer);
        escrow.cancel(id);
        vm.prank(stranger);
        escrow.claimRefund(id, alice);
        assertEq(alice.balance, M0);
        assertEq(stranger.balance, 0);
    }

    function test_claimRefund_IsCumulativeAsThePoolGrows() public {
        uint256 id = _create(maintainer, _params(address(token)), 0);
        _fund(alice, id, TOTAL / 2);
        _fund(bob, id, TOTAL / 2);
        _dispute(id, 0);
        vm.prank(arbiter);
        escrow.resolve(id, 0, 0); // M0 to funders; fully funded so claimable now
        escrow.claimRefund(id, alice);
        assertEq(token.balanceOf(alice), M0 / 2);

        _pastDeadline(id);
        escrow.openRefunds(id); // + M1 + M2
        escrow.claimRefund(id, alice);
        escrow.claimRefund(id, bob);
        assertEq(token.balanceOf(alice), TOTAL / 2);
        assertEq(token.balanceOf(bob), TOTAL / 2);
        assertEq(_claimed(id, alice), TOTAL / 2);
        assertEq(escrow.getEscrow(id).held, 0);
    }

    function test_claimRefund_ETH_CreditsRejectingFunder_ThenWithdraws() public {
        RejectingReceiver receiver = new RejectingReceiver();
        uint256 id = _create(maintainer, _bountyParams(ETH), 0);
        _fundVia(receiver, id, M0);
        assertEq(_share(id, address(receiver)), M0);
        vm.prank(maintainer);
        escrow.cancel(id);

        vm.expectEmit(address(escrow));
        emit RefundClaimed(id, address(receiver), M0);
        vm.expectEmit(address(escrow));
        emit CreditAccrued(ETH, address(receiver), M0);
        escrow.claimRefund(id, address(receiver));
        assertEq(escrow.creditOf(ETH, address(receiver)), M0);
        assertEq(escrow.getEscrow(id).held, 0);
        assertEq(address(escrow).balance, M0);

        receiver.setAccepting(true);
        _withdrawVia(receiver, ETH);
        assertEq(address(receiver).balance, M0);
        assertEq(address(escrow).balance, 0);
    }

    function test_claimRefund_RevertWhen_EscrowNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotFound.selector, 9));
        escrow.claimRefund(9, alice);
    }

    function test_claimRefund_RevertWhen_FundingNotFinal() public {
        uint256 id = _create(maintainer, _params(address(token)), M0);
        assertEq(escrow.claimableRefund(id, maintainer), 0);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowRefundsNotClaimable.selector, id));
        escrow.claimRefund(id, maintainer);
    }

    function test_claimRefund_RevertWhen_NotAFunder() public {
        uint256 id = _create(maintainer, _bountyParams(address(token)), M0);
        vm.prank(maintainer);
        escrow.cancel(id);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNothingToClaim.selector, id, stranger));
        escrow.claimRefund(id, stranger);
    }

    function test_claimRefund_RevertWhen_FullyFundedButPoolEmpty() public {
        uint256 id = _createFunded(address(token));
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNothingToClaim.selector, id, maintainer));
        escrow.claimRefund(id, maintainer);
    }

    function test_claimRefund_RevertWhen_AlreadyClaimed() public {
        uint256 id = _create(maintainer, _bountyParams(address(token)), M0);
        vm.prank(maintainer);
        escrow.cancel(id);
        escrow.claimRefund(id, maintainer);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNothingToClaim.selector, id, maintainer));
        escrow.claimRefund(id, maintainer);
    }

    // ==========================================================================================
    // withdraw
    // ==========================================================================================

    function test_withdraw_RevertWhen_NothingToWithdraw() public {
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNothingToWithdraw.selector, ETH, stranger));
        vm.prank(stranger);
        escrow.withdraw(ETH);
    }

    function test_withdraw_RevertWhen_RecipientStillRejects_KeepsCredit() public {
        RejectingReceiver receiver = new RejectingReceiver();
        EscrowParams memory p = _params(ETH);
        p.payee = address(receiver);
        uint256 id = _create(maintainer, p, TOTAL);
        vm.prank(maintainer);
        escrow.release(id, 0);
        uint256 credit = M0 - _fee(M0);

        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowWithdrawFailed.selector, ETH, address(receiver), credit)
        );
        _withdrawVia(receiver, ETH);
        assertEq(escrow.creditOf(ETH, address(receiver)), credit);
    }

    function test_withdraw_RevertWhen_RecipientReenters_KeepsCredit() public {
        ReentrantReceiver reentrant = new ReentrantReceiver();
        EscrowParams memory p = _params(ETH);
        p.payee = address(reentrant);
        uint256 id = _create(maintainer, p, TOTAL);
        reentrant.arm(address(escrow), abi.encodeCall(escrow.withdraw, (ETH)));
        vm.prank(maintainer);
        escrow.release(id, 0); // push fails on re-entry: credited
        uint256 credit = M0 - _fee(M0);
        assertEq(escrow.creditOf(ETH, address(reentrant)), credit);

        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowWithdrawFailed.selector, ETH, address(reentrant), credit)
        );
        vm.prank(address(reentrant));
        escrow.withdraw(ETH);
        assertEq(escrow.creditOf(ETH, address(reentrant)), credit);
        assertEq(address(reentrant).balance, 0);
    }

    function test_withdraw_CreditsAreSeparatePerToken() public {
        BlockingToken blocking = new BlockingToken();
        uint256 id = _createFunded(address(blocking));
        blocking.setBlocked(contributor, true);
        vm.prank(maintainer);
        escrow.release(id, 0);

        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNothingToWithdraw.selector, ETH, contributor));
        vm.prank(contributor);
        escrow.withdraw(ETH);
        assertEq(escrow.creditOf(address(blocking), contributor), M0 - _fee(M0));
    }

    // ==========================================================================================
    // administration
    // ==========================================================================================

    function test_setDefaultFee_EmitsAndAppliesOnlyToNewEscrows() public {
        uint256 oldEscrow = _createFunded(address(token));

        vm.expectEmit(address(escrow));
        emit DefaultFeeChanged(DEFAULT_FEE_BPS, 1_000);
        vm.prank(admin);
        escrow.setDefaultFee(1_000);
        assertEq(escrow.defaultFeeBps(), 1_000);

        uint256 newEscrow = _createFunded(address(token));
        vm.startPrank(maintainer);
        escrow.release(oldEscrow, 0);
        assertEq(token.balanceOf(treasury), M0 * DEFAULT_FEE_BPS / BPS, "old escrow keeps 1%");
        escrow.release(newEscrow, 0);
        vm.stopPrank();
        assertEq(token.balanceOf(treasury), M0 * DEFAULT_FEE_BPS / BPS + M0 / 10, "new escrow pays 10%");
    }

    function test_setDefaultFee_RevertWhen_AboveMax() public {
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidFee.selector, 1_001, 1_000));
        vm.prank(admin);
        escrow.setDefaultFee(1_001);
    }

    function test_setDefaultFee_RevertWhen_NotAdmin() public {
        bytes32 role = escrow.DEFAULT_ADMIN_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, guardian, role)
        );
        vm.prank(guardian);
        escrow.setDefaultFee(0);
    }

    function test_setTreasury_EmitsAndRedirectsFutureFees() public {
        uint256 id = _createFunded(address(token));
        address newTreasury = makeAddr("newTreasury");

        vm.expectEmit(address(escrow));
        emit TreasuryChanged(treasury, newTreasury);
        vm.prank(admin);
        escrow.setTreasury(newTreasury);
        assertEq(escrow.treasury(), newTreasury);

        vm.prank(maintainer);
        escrow.release(id, 0);
        assertEq(token.balanceOf(newTreasury), _fee(M0));
        assertEq(token.balanceOf(treasury), 0);
    }

    function test_setTreasury_RevertWhen_Zero() public {
        vm.expectRevert(_err(IMilestoneEscrow.EscrowInvalidTreasury.selector));
        vm.prank(admin);
        escrow.setTreasury(address(0));
    }

    function test_setTreasury_RevertWhen_NotAdmin() public {
        bytes32 role = escrow.DEFAULT_ADMIN_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role)
        );
        vm.prank(stranger);
        escrow.setTreasury(stranger);
    }

    function test_pause_OnlyGuardian_AndUnpause() public {
        vm.expectEmit(address(escrow));
        emit Paused(guardian);
        vm.prank(guardian);
        escrow.pause();
        assertTrue(escrow.paused());

        vm.expectEmit(address(escrow));
        emit Unpaused(guardian);
        vm.prank(guardian);
        escrow.unpause();
        assertFalse(escrow.paused());
        _create(maintainer, _params(address(token)), M0);
    }

    function test_pause_RevertWhen_Admin() public {
        bytes32 role = escrow.GUARDIAN_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, admin, role));
        vm.prank(admin);
        escrow.pause();
    }

    function test_unpause_RevertWhen_NotGuardian() public {
        _pauseAsGuardian();
        bytes32 role = escrow.GUARDIAN_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role)
        );
        vm.prank(stranger);
        escrow.unpause();
    }

    /// @dev Pausing stops new business only: every exit keeps working.
    function test_pause_BlocksOnlyCreateAndFund() public {
        uint256 funded = _createFunded(address(token));
        uint256 partial_ = _create(maintainer, _params(ETH), M0);
        uint256 bounty = _create(maintainer, _bountyParams(address(token)), M0);
        uint256 bountyToCancel = _create(maintainer, _bountyParams(ETH), M0);
        RejectingReceiver receiver = new RejectingReceiver();
        EscrowParams memory rp = _params(ETH);
        rp.payee = address(receiver);
        uint256 credited = _create(maintainer, rp, TOTAL);
        vm.prank(maintainer);
        escrow.release(credited, 0);
        _provide(address(token), alice, M0);
        vm.deal(alice, M0);

        _pauseAsGuardian();

        // New business is refused.
        EscrowParams memory p = _params(address(token));
        vm.expectRevert(_err(Pausable.EnforcedPause.selector));
        vm.prank(maintainer);
        escrow.create(p, 0);
        vm.expectRevert(_err(Pausable.EnforcedPause.selector));
        vm.prank(alice);
        escrow.fund{value: M0}(partial_, M0);

        // Every exit works.
        vm.prank(maintainer);
        escrow.release(funded, 0);
        PayoutIntent memory i = _intent(funded, 1, INTENT_A);
        escrow.releaseWithIntent(i, _verifiers(), _sign2(i));
        _dispute(funded, 2);
        vm.prank(arbiter);
        escrow.resolve(funded, 2, 5_000);
        escrow.claimRefund(funded, maintainer);
        vm.prank(maintainer);
        escrow.assignPayee(bounty, contributor);
        vm.prank(maintainer);
        escrow.cancel(bountyToCancel);
        escrow.claimRefund(bountyToCancel, maintainer);
        vm.warp(escrow.getEscrow(partial_).deadline + 1);
        escrow.openRefunds(partial_);
        escrow.claimRefund(partial_, maintainer);
        receiver.setAccepting(true);
        _withdrawVia(receiver, ETH);

        _assertStates(funded, MilestoneState.Released, MilestoneState.Released, MilestoneState.Resolved);
        assertEq(escrow.getEscrow(funded).held, 0);
        assertEq(maintainer.balance, 2 * uint256(M0));
        assertEq(address(receiver).balance, M0 - _fee(M0));
        assertTrue(escrow.paused());
    }

    /// @dev The admin (and the guardian) hold no path to escrowed money: every fund-moving call
    /// is bound to the payer, arbiter, verifiers or the funders themselves.
    function test_admin_CannotMoveEscrowedFunds() public {
        uint256 id = _createFunded(address(token));
        uint256 bounty = _create(maintainer, _bountyParams(ETH), M0);
        vm.prank(maintainer);
        escrow.dispute(id, 0);
        uint256 tokenHeld = token.balanceOf(address(escrow));
        uint256 ethHeld = address(escrow).balance;
        PayoutIntent memory unsigned = _intent(id, 1, INTENT_A);
        address[] memory verifiers = _verifiers();

        vm.startPrank(admin);
        escrow.grantRole(escrow.GUARDIAN_ROLE(), admin); // even with every role
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotPayer.selector, id, admin));
        escrow.release(id, 1);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotArbiter.selector, id, admin));
        escrow.resolve(id, 0, 10_000);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotParty.selector, id, admin));
        escrow.dispute(id, 1);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotPayer.selector, bounty, admin));
        escrow.assignPayee(bounty, admin);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotPayer.selector, bounty, admin));
        escrow.cancel(bounty);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInsufficientSignatures.selector, 0, 2));
        escrow.releaseWithIntent(unsigned, verifiers, new VerifierSignature[](0));
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNothingToClaim.selector, id, admin));
        escrow.claimRefund(id, admin);
        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowNothingToWithdraw.selector, address(token), admin)
        );
        escrow.withdraw(address(token));
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidFee.selector, 10_000, 1_000));
        escrow.setDefaultFee(10_000);
        escrow.setTreasury(admin); // only redirects future fees
        escrow.pause();
        vm.stopPrank();

        assertEq(token.balanceOf(address(escrow)), tokenHeld);
        assertEq(address(escrow).balance, ethHeld);
        assertEq(token.balanceOf(admin), 0);
        assertEq(admin.balance, 0);
        // Existing escrows keep their fee: the treasury switch cannot raise what a release costs.
        vm.prank(maintainer);
        escrow.release(id, 1);
        assertEq(token.balanceOf(contributor), M1 - _fee(M1));
        assertEq(token.balanceOf(admin), _fee(M1));
    }

    // ==========================================================================================
    // multicall
    // ==========================================================================================

    function test_multicall_BatchesAttestedReleases() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i0 = _intent(id, 0, INTENT_A);
        PayoutIntent memory i2 = _intent(id, 2, INTENT_B);
        bytes[] memory batch = new bytes[](2);
        batch[0] = abi.encodeCall(escrow.releaseWithIntent, (i0, _verifiers(), _sign2(i0)));
        batch[1] = abi.encodeCall(escrow.releaseWithIntent, (i2, _verifiers(), _sign2(i2, 1, 2)));

        vm.expectEmit(address(escrow));
        emit IntentConsumed(INTENT_A, id, 0, EVIDENCE);
        vm.expectEmit(address(escrow));
        emit IntentConsumed(INTENT_B, id, 2, EVIDENCE);
        vm.prank(relayer);
        escrow.multicall(batch);

        _assertStates(id, MilestoneState.Released, MilestoneState.Pending, MilestoneState.Released);
        assertEq(token.balanceOf(contributor), M0 - _fee(M0) + M2 - _fee(M2));
    }

    function test_multicall_KeepsTheCallerForEachCall() public {
        uint256 id = _createFunded(address(token));
        bytes[] memory batch = new bytes[](2);
        batch[0] = abi.encodeCall(escrow.release, (id, 0));
        batch[1] = abi.encodeCall(escrow.release, (id, 1));
        vm.prank(maintainer);
        escrow.multicall(batch);
        _assertStates(id, MilestoneState.Released, MilestoneState.Released, MilestoneState.Pending);

        batch = new bytes[](1);
        batch[0] = abi.encodeCall(escrow.release, (id, 2));
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotPayer.selector, id, relayer));
        vm.prank(relayer);
        escrow.multicall(batch);
    }

    function test_multicall_RevertWhen_AnyCallFails_BubblesItsError() public {
        uint256 id = _createFunded(address(token));
        PayoutIntent memory i = _intent(id, 0, INTENT_A);
        bytes memory call_ = abi.encodeCall(escrow.releaseWithIntent, (i, _verifiers(), _sign2(i)));
        bytes[] memory batch = new bytes[](2);
        (batch[0], batch[1]) = (call_, call_);

        vm.expectRevert(
            abi.encodeWithSelector(
                IMilestoneEscrow.EscrowMilestoneNotPending.selector, id, 0, MilestoneState.Released
            )
        );
        escrow.multicall(batch);
        assertEq(uint8(_status(i)), uint8(IntentStatus.Payable), "the whole batch reverted");
        assertEq(token.balanceOf(contributor), 0);
    }

    function test_multicall_RevertWhen_ValueSent() public {
        uint256 id = _create(maintainer, _params(ETH), 0);
        bytes[] memory batch = new bytes[](1);
        batch[0] = abi.encodeCall(escrow.fund, (id, M0));
        vm.deal(alice, M0);
        vm.prank(alice);
        (bool ok, bytes memory ret) = address(escrow).call{value: M0}(abi.encodeCall(escrow.multicall, (batch)));
        assertFalse(ok, "multicall is not payable");
        assertEq(ret.length, 0);
        assertEq(alice.balance, M0);
    }

    function test_multicall_ETHFundInBatch_SeesNoValue() public {
        uint256 id = _create(maintainer, _params(ETH), 0);
        bytes[] memory batch = new bytes[](2);
        batch[0] = abi.encodeCall(escrow.fund, (id, M0));
        batch[1] = abi.encodeCall(escrow.fund, (id, M0));
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowWrongValue.selector, 0, M0));
        vm.prank(alice);
        escrow.multicall(batch);
    }

    // ==========================================================================================
    // views
    // ==========================================================================================

    function test_getEscrow_RevertWhen_EscrowNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotFound.selector, 0));
        escrow.getEscrow(0);
    }

    function test_claimableRefund_RevertWhen_EscrowNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotFound.selector, 1));
        escrow.claimableRefund(1, alice);
    }

    function test_funderAccount_ZeroForStrangers() public {
        uint256 id = _createFunded(address(token));
        (uint256 share, uint256 claimed) = escrow.funderAccount(id, stranger);
        assertEq(share, 0);
        assertEq(claimed, 0);
        assertEq(escrow.creditOf(address(token), stranger), 0);
        assertEq(uint8(_status(_intent(id, 0, INTENT_A))), uint8(IntentStatus.Payable));
    }
}
