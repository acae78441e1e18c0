// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MilestoneEscrow} from "../../../contracts/escrow/MilestoneEscrow.sol";
import {TestToken} from "../../../contracts/testing/TestToken.sol";
import {EscrowTestBase} from "./EscrowTestBase.sol";

/// @title MilestoneEscrowSymbolicTest
/// @notice Properties proved for every input by halmos (`make symbolic`), not sampled as the fuzz
/// and invariant suites do: the EIP-712 digest the assembly computes, the exact money arithmetic
/// of funding, releases (any amount, any fee up to the cap) and dispute splits (any split), and
/// who may move a milestone. Pro-rata refunds divide one symbolic amount by another, which the
/// solvers here do not finish; they stay with the fuzz and invariant suites.
/// forge does not run `check_` functions; halmos runs each with symbolic arguments.
contract MilestoneEscrowSymbolicTest is EscrowTestBase {
    uint16 internal constant MAX_FEE_BPS = 1_000;

    /// @dev The base suite derives actors with `makeAddr`, which halmos treats as symbolic
    /// addresses that may alias each other (the payee could be the treasury). Here every actor is
    /// a distinct constant; no signatures are made, so the verifiers need no keys.
    function setUp() public override {
        vm.warp(START_TIME);
        (admin, guardian, treasury, maintainer) = (address(0x1001), address(0x1002), address(0x1003), address(0x1004));
        (alice, bob, contributor, arbiter) = (address(0x1005), address(0x1006), address(0x1007), address(0x1008));
        (relayer, stranger) = (address(0x1009), address(0x100a));
        (verifier1, verifier2, verifier3) = (address(0x2001), address(0x2002), address(0x2003));
        escrow = new MilestoneEscrow(admin, guardian, treasury, DEFAULT_FEE_BPS);
        token = new TestToken("Quilt Test Token", "QTT", 18);
    }

    /// @dev `hashIntent` hashes the struct from calldata in assembly; for every intent it equals
    /// the EIP-712 digest written out with abi.encode.
    function check_hashIntent_isEIP712(PayoutIntent calldata intent) external view {
        assert(escrow.hashIntent(intent) == _eip712Digest(address(escrow), intent));
    }

    /// @dev A payer release moves exactly the milestone out of the escrow: the payee gets it less
    /// the fee, the treasury gets the fee, and the other milestone stays held.
    function check_release_paysMilestoneExactly(uint96 a0, uint96 a1, uint16 feeBps) external {
        vm.assume(a0 > 0 && a1 > 0 && feeBps <= MAX_FEE_BPS);
        vm.prank(admin);
        escrow.setDefaultFee(feeBps);
        uint256 id = _create(maintainer, _params(address(token), _amounts(a0, a1)), uint256(a0) + a1);
        uint256 escrowBefore = token.balanceOf(address(escrow));

        vm.prank(maintainer);
        escrow.release(id, 0);

        uint256 fee = uint256(a0) * feeBps / BPS;
        assert(token.balanceOf(contributor) == a0 - fee);
        assert(token.balanceOf(treasury) == fee);
        assert(token.balanceOf(address(escrow)) == escrowBefore - a0);
        EscrowView memory v = escrow.getEscrow(id);
        assert(v.held == a1);
        assert(v.states[0] == MilestoneState.Released && v.states[1] == MilestoneState.Pending);
    }

    /// @dev A dispute split conserves the milestone: what the payee and treasury get plus what
    /// goes back to the funders' pool is the milestone amount, and the pool stays held.
    function check_resolve_conservesMilestone(uint96 amount, uint256 payeeBps) external {
        vm.assume(amount > 0 && payeeBps <= BPS);
        uint256 id = _create(maintainer, _params(address(token), _amounts(amount)), amount);
        vm.prank(maintainer);
        escrow.dispute(id, 0);

        vm.prank(arbiter);
        escrow.resolve(id, 0, payeeBps);

        uint256 toPayee = uint256(amount) * payeeBps / BPS;
        uint256 paidOut = token.balanceOf(contributor) + token.balanceOf(treasury);
        EscrowView memory v = escrow.getEscrow(id);
        assert(paidOut == toPayee);
        assert(v.refundPool == amount - toPayee);
        assert(token.balanceOf(address(escrow)) == amount - toPayee);
        assert(v.held == amount - toPayee);
    }

    /// @dev Crowdfunding credits each funder exactly what the escrow took, which is what they
    /// sent up to what remained: never more than the total, never more pulled than credited.
    function check_fund_creditsSharesExactly(uint96 aliceShare, uint96 bobShare) external {
        uint256 total = uint256(M0) + M1;
        vm.assume(aliceShare > 0 && aliceShare <= total && bobShare > 0);
        uint256 id = _create(maintainer, _params(address(token), _amounts(M0, M1)), 0);
        _fund(alice, id, aliceShare);
        _provide(address(token), bob, bobShare);
        vm.prank(bob);
        (bool funded,) = address(escrow).call(abi.encodeCall(escrow.fund, (id, bobShare)));

        uint256 remaining = total - aliceShare;
        uint256 taken = bobShare < remaining ? bobShare : remaining;
        (uint256 aliceCredited,) = escrow.funderAccount(id, alice);
        (uint256 bobCredited,) = escrow.funderAccount(id, bob);
        assert(aliceCredited == aliceShare);
        assert(funded == (remaining != 0));
        assert(bobCredited == (funded ? taken : 0));
        assert(token.balanceOf(bob) == bobShare - bobCredited);
        assert(escrow.getEscrow(id).funded == aliceCredited + bobCredited);
        assert(escrow.getEscrow(id).funded <= total);
        assert(token.balanceOf(address(escrow)) == aliceCredited + bobCredited);
    }

    /// @dev Nobody but the payer releases a milestone, and nobody but the arbiter resolves one.
    function check_onlyPayerReleasesAndOnlyArbiterResolves(address caller) external {
        uint256 id = _createFunded(address(token));
        vm.prank(caller);
        (bool released,) = address(escrow).call(abi.encodeCall(escrow.release, (id, 0)));
        assert(!released || caller == maintainer);

        vm.prank(maintainer);
        escrow.dispute(id, 1);
        vm.prank(caller);
        (bool resolved,) = address(escrow).call(abi.encodeCall(escrow.resolve, (id, 1, BPS)));
        assert(!resolved || caller == arbiter);
    }
}
