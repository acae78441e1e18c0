// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MilestoneEscrow} from "../../../contracts/escrow/MilestoneEscrow.sol";
import {IMilestoneEscrow} from "../../../contracts/escrow/IMilestoneEscrow.sol";
import {IVerifierSuspensions} from "../../../contracts/staking/IVerifierBonds.sol";
import {StakingTestBase} from "./StakingTestBase.sol";

/// @notice The real escrow over the real bond registry: a verifier slashed below its set's minimum
/// is suspended by anyone through {VerifierBonds-pushSuspensions}, its signature on an attested
/// release is then refused with EscrowVerifierSuspended, and re-bonding reinstates it.
contract BondedEscrowTest is StakingTestBase {
    uint256 internal constant MINIMUM = 1_000e18;
    uint96 internal constant AMOUNT = 1_000e6;

    MilestoneEscrow internal escrow;
    address[] internal verifiers;
    uint256[] internal keys;
    bytes32 internal commitment;
    address internal payee;

    function setUp() public override {
        super.setUp();
        payee = makeAddr("payee");
        escrow = new MilestoneEscrow(admin, admin, treasury, 0);
        vm.prank(admin);
        escrow.grantRole(keccak256("VERIFIER_BONDS_ROLE"), address(bonds));
        (verifiers, keys, commitment) = _bondedSet("verifier", 3, MINIMUM);
    }

    function _create(uint256 milestones) internal returns (uint256 id) {
        IMilestoneEscrow.EscrowParams memory p;
        p.token = address(usdc);
        p.payee = payee;
        p.verifiers = verifiers;
        p.threshold = 2;
        p.deadline = uint40(block.timestamp + 30 days);
        p.amounts = new uint96[](milestones);
        for (uint256 i; i < milestones; ++i) {
            p.amounts[i] = AMOUNT;
        }
        uint256 total = uint256(AMOUNT) * milestones;
        usdc.mint(address(this), total);
        usdc.approve(address(escrow), total);
        id = escrow.create(p, total);
    }

    function _intent(uint256 id, uint256 milestone) internal view returns (IMilestoneEscrow.PayoutIntent memory i) {
        i.escrowId = id;
        i.milestone = milestone;
        i.payee = payee;
        i.amount = AMOUNT;
        i.token = address(usdc);
        i.intentId = keccak256(abi.encode(id, milestone));
        i.deadline = block.timestamp + 1 days;
    }

    function _sign(IMilestoneEscrow.PayoutIntent memory i, uint8 a, uint8 b)
        internal
        view
        returns (IMilestoneEscrow.VerifierSignature[] memory sigs)
    {
        bytes32 digest = escrow.hashIntent(i);
        sigs = new IMilestoneEscrow.VerifierSignature[](2);
        uint8[2] memory idx = [a, b];
        for (uint256 k; k < 2; ++k) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[idx[k]], digest);
            sigs[k] = IMilestoneEscrow.VerifierSignature(idx[k], abi.encodePacked(r, s, v));
        }
    }

    function _slashBelowMinimum(uint256 index) internal {
        vm.prank(timelock);
        bonds.slash(verifiers[index], 600e18, "false attestation", address(0));
    }

    function test_bondedSet_releasesWithBondedMembers() public {
        uint256 id = _create(1);
        IMilestoneEscrow.PayoutIntent memory i = _intent(id, 0);
        escrow.releaseWithIntent(i, verifiers, _sign(i, 0, 1));
        assertEq(usdc.balanceOf(payee), AMOUNT);
    }

    function test_slashedVerifier_refusedThenReinstatedAfterRebonding() public {
        uint256 id = _create(2);
        _slashBelowMinimum(1);
        // Anyone records it: the registry computes the bitmap from its own bonds.
        vm.prank(stranger);
        (bytes32 setId, uint256 suspended) = bonds.pushSuspensions(IVerifierSuspensions(address(escrow)), verifiers);
        assertEq(setId, commitment);
        assertEq(suspended, 1 << 1);

        IMilestoneEscrow.PayoutIntent memory i = _intent(id, 0);
        IMilestoneEscrow.VerifierSignature[] memory withSlashed = _sign(i, 0, 1);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowVerifierSuspended.selector, 1));
        escrow.releaseWithIntent(i, verifiers, withSlashed);
        // The two members still bonded release it.
        escrow.releaseWithIntent(i, verifiers, _sign(i, 0, 2));
        assertEq(usdc.balanceOf(payee), AMOUNT);

        // Re-bonding to the minimum, pushed again, reinstates the member.
        vm.prank(verifiers[1]);
        bonds.bond(600e18);
        (, suspended) = bonds.pushSuspensions(IVerifierSuspensions(address(escrow)), verifiers);
        assertEq(suspended, 0);
        IMilestoneEscrow.PayoutIntent memory j = _intent(id, 1);
        escrow.releaseWithIntent(j, verifiers, _sign(j, 0, 1));
        assertEq(usdc.balanceOf(payee), 2 * uint256(AMOUNT));
    }

    function test_recordVerifierSuspensions_RevertWhen_NotTheRegistry() public {
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSignature(
                "AccessControlUnauthorizedAccount(address,bytes32)", stranger, keccak256("VERIFIER_BONDS_ROLE")
            )
        );
        escrow.recordVerifierSuspensions(commitment, 1);
    }

    /// @dev Property: whatever members are suspended, a release whose counted signatures include
    /// one of them is refused, and one without them goes through.
    function testFuzz_suspendedVerifierNeverCounts(uint8 bitmap, uint8 a, uint8 b) public {
        bitmap = bitmap & 7;
        a = a % 3;
        b = b % 3;
        vm.assume(a < b);
        uint256 id = _create(1);
        vm.prank(address(bonds));
        escrow.recordVerifierSuspensions(commitment, bitmap);
        IMilestoneEscrow.PayoutIntent memory i = _intent(id, 0);
        IMilestoneEscrow.VerifierSignature[] memory sigs = _sign(i, a, b);
        if ((bitmap >> a) & 1 != 0) {
            vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowVerifierSuspended.selector, a));
        } else if ((bitmap >> b) & 1 != 0) {
            vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowVerifierSuspended.selector, b));
        }
        escrow.releaseWithIntent(i, verifiers, sigs);
        if ((bitmap >> a) & 1 == 0 && (bitmap >> b) & 1 == 0) assertEq(usdc.balanceOf(payee), AMOUNT);
    }
}
