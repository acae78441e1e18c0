// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SoulboundBadge} from "../../../contracts/badges/SoulboundBadge.sol";
import {IERC5484} from "../../../contracts/badges/IERC5484.sol";
import {FundingRound} from "../../../contracts/funding/FundingRound.sol";
import {FundingRoundFactory} from "../../../contracts/funding/FundingRoundFactory.sol";
import {IFundingRound} from "../../../contracts/funding/IFundingRound.sol";
import {IMilestoneEscrow} from "../../../contracts/escrow/IMilestoneEscrow.sol";
import {SignatureQuorum} from "../../../contracts/intents/SignatureQuorum.sol";
import {IVerifierSuspensions} from "../../../contracts/staking/IVerifierBonds.sol";
import {StakingTestBase} from "./StakingTestBase.sol";

/// @notice The badges and the funding rounds over the real bond registry, as the escrow is in
/// BondedEscrow.t.sol: a validator (a round verifier) slashed below its set's minimum is suspended
/// by anyone through {VerifierBonds-pushSuspensions}; its signature on an attestation (a
/// leaderboard, a payout intent) is then refused with QuorumSignerSuspended; re-bonding and a new
/// push reinstate it; only the registry records suspensions.
contract BondedConsumersTest is StakingTestBase {
    uint256 internal constant MINIMUM = 1_000e18;

    SoulboundBadge internal badges;
    FundingRoundFactory internal factory;
    uint256 internal badgeType;
    address[] internal members;
    uint256[] internal keys;
    bytes32 internal commitment;

    function setUp() public override {
        super.setUp();
        (members, keys, commitment) = _bondedSet("validator", 3, MINIMUM);

        badges = new SoulboundBadge("quiltkit badges", "QKB", admin, 500, 1e18, address(bonds));
        assertTrue(badges.hasRole(badges.VERIFIER_BONDS_ROLE(), address(bonds)), "granted at construction");
        vm.startPrank(admin);
        badgeType = badges.registerType(
            SoulboundBadge.BadgeTypeParams({
                name: "Contribution",
                uri: "ipfs://contribution",
                weight: 10e18,
                expiryPeriod: 0,
                burnAuth: IERC5484.BurnAuth.IssuerOnly,
                onChainURI: true
            })
        );
        badges.setValidators(badgeType, members, 2);
        vm.stopPrank();

        factory = new FundingRoundFactory(address(new FundingRound(address(bonds))), admin, timelock);
    }

    // --- helpers ------------------------------------------------------------------------------

    function _signed(bytes32 digest, uint8 a, uint8 b) internal view returns (SignatureQuorum.Signature[] memory sigs) {
        sigs = new SignatureQuorum.Signature[](2);
        uint8[2] memory idx = [a, b];
        for (uint256 k; k < 2; ++k) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[idx[k]], digest);
            sigs[k] = SignatureQuorum.Signature(idx[k], abi.encodePacked(r, s, v));
        }
    }

    function _slashBelowMinimum(uint256 index) internal {
        vm.prank(timelock);
        bonds.slash(members[index], 600e18, "false attestation", address(0));
    }

    function _push(address consumer) internal returns (uint256 suspended) {
        vm.prank(stranger);
        (, suspended) = bonds.pushSuspensions(IVerifierSuspensions(consumer), members);
    }

    function _attestation(bytes32 id) internal view returns (SoulboundBadge.BadgeAttestation memory) {
        return SoulboundBadge.BadgeAttestation({
            holder: alice,
            badgeType: badgeType,
            evidenceHash: keccak256("merged pull request"),
            attestationId: id,
            deadline: block.timestamp + 1 days
        });
    }

    function _scoreRound() internal returns (FundingRound round) {
        round = _round(IFundingRound.Strategy.SCORE, factory, "score");
        vm.warp(block.timestamp + 2 days);
    }

    function _round(IFundingRound.Strategy strategy, FundingRoundFactory from, bytes32 salt)
        internal
        returns (FundingRound round)
    {
        IFundingRound.RoundParams memory p;
        p.currency = address(usdc);
        p.curator = admin;
        p.strategy = strategy;
        p.matchingCapBps = 10_000;
        uint40 start = uint40(block.timestamp);
        p.applicationEnd = start + 1 days;
        p.donationStart = start;
        p.donationEnd = start + 2 days;
        p.releaseDeadline = start + 30 days;
        p.verifiers = members;
        p.threshold = 2;
        vm.prank(timelock);
        round = FundingRound(from.createRound(p, salt, "ipfs://round"));
    }

    function _leaderboard() internal view returns (IFundingRound.Entry[] memory entries) {
        entries = new IFundingRound.Entry[](2);
        entries[0] = IFundingRound.Entry(bob, 3);
        entries[1] = IFundingRound.Entry(carol, 1);
    }

    // --- SoulboundBadge -----------------------------------------------------------------------

    function test_badges_slashedValidatorRefusedThenReinstated() public {
        _slashBelowMinimum(1);
        assertEq(_push(address(badges)), 1 << 1);

        SoulboundBadge.BadgeAttestation memory a = _attestation(bytes32(uint256(1)));
        SignatureQuorum.Signature[] memory withSlashed = _signed(badges.hashAttestation(a), 0, 1);
        vm.expectRevert(abi.encodeWithSelector(SignatureQuorum.QuorumSignerSuspended.selector, members[1]));
        badges.issueWithAttestation(a, members, withSlashed);
        // The two members still bonded issue it.
        badges.issueWithAttestation(a, members, _signed(badges.hashAttestation(a), 0, 2));
        assertEq(badges.balanceOf(alice), 1);

        vm.prank(members[1]);
        bonds.bond(600e18);
        assertEq(_push(address(badges)), 0);
        SoulboundBadge.BadgeAttestation memory b = _attestation(bytes32(uint256(2)));
        badges.issueWithAttestation(b, members, _signed(badges.hashAttestation(b), 0, 1));
        assertEq(badges.balanceOf(alice), 2);
    }

    function test_badges_recordVerifierSuspensions_RevertWhen_NotTheRegistry() public {
        bytes32 role = badges.VERIFIER_BONDS_ROLE();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSignature("AccessControlUnauthorizedAccount(address,bytes32)", stranger, role));
        badges.recordVerifierSuspensions(commitment, 1);
    }

    /// @dev Property: whatever validators are suspended, an attestation signed by one of them is
    /// refused (naming the first such signature's signer), one signed by neither issues.
    function testFuzz_badges_suspendedValidatorNeverCounts(uint8 bitmap, uint8 a, uint8 b) public {
        bitmap = bitmap & 7;
        a = a % 3;
        b = b % 3;
        vm.assume(a < b);
        vm.prank(address(bonds));
        badges.recordVerifierSuspensions(commitment, bitmap);
        SoulboundBadge.BadgeAttestation memory att = _attestation(bytes32(uint256(7)));
        SignatureQuorum.Signature[] memory sigs = _signed(badges.hashAttestation(att), a, b);
        bool refused = (bitmap >> a) & 1 != 0 || (bitmap >> b) & 1 != 0;
        if (refused) {
            address first = (bitmap >> a) & 1 != 0 ? members[a] : members[b];
            vm.expectRevert(abi.encodeWithSelector(SignatureQuorum.QuorumSignerSuspended.selector, first));
        }
        badges.issueWithAttestation(att, members, sigs);
        assertEq(badges.balanceOf(alice), refused ? 0 : 1);
    }

    // --- FundingRound -------------------------------------------------------------------------

    function test_round_slashedVerifierRefusedOnTheLeaderboard() public {
        FundingRound round = _scoreRound();
        assertEq(round.verifierBonds(), address(bonds));
        _slashBelowMinimum(0);
        assertEq(_push(address(round)), 1);

        IFundingRound.Entry[] memory entries = _leaderboard();
        bytes32 digest = round.hashLeaderboard(entries);
        SignatureQuorum.Signature[] memory withSlashed = _signed(digest, 0, 2);
        vm.expectRevert(abi.encodeWithSelector(SignatureQuorum.QuorumSignerSuspended.selector, members[0]));
        round.submitLeaderboard(entries, members, withSlashed);
        round.submitLeaderboard(entries, members, _signed(digest, 1, 2));
        (IFundingRound.Phase phase,,) = round.progress();
        assertEq(uint256(phase), uint256(IFundingRound.Phase.Finalized));
    }

    function test_round_slashedVerifierRefusedOnAPayoutIntent() public {
        FundingRound round = _round(IFundingRound.Strategy.QUADRATIC, factory, "quadratic");
        uint96[] memory plan = new uint96[](1);
        plan[0] = 100;
        vm.prank(admin);
        uint256 project = round.registerProject(bob, 100e6, plan, 0);
        usdc.mint(alice, 500e6);
        vm.startPrank(alice);
        usdc.approve(address(round), 500e6);
        round.donate(project, 500e6);
        vm.stopPrank();
        vm.warp(block.timestamp + 2 days);
        round.finalize(1_000);
        _slashBelowMinimum(2);
        assertEq(_push(address(round)), 1 << 2);

        IMilestoneEscrow.PayoutIntent memory intent = IMilestoneEscrow.PayoutIntent({
            escrowId: project,
            milestone: 0,
            payee: bob,
            amount: round.milestonePayout(project, 0),
            token: address(usdc),
            intentId: keccak256("intent"),
            deadline: block.timestamp + 1 days,
            evidenceHash: keccak256("ipfs://evidence")
        });
        bytes32 digest = round.hashIntent(intent);
        SignatureQuorum.Signature[] memory withSlashed = _signed(digest, 1, 2);
        vm.expectRevert(abi.encodeWithSelector(SignatureQuorum.QuorumSignerSuspended.selector, members[2]));
        round.releaseWithIntent(intent, members, withSlashed);
        round.releaseWithIntent(intent, members, _signed(digest, 0, 1));
        assertEq(usdc.balanceOf(bob), 500e6);
    }

    function test_round_recordVerifierSuspensions_RevertWhen_NotTheRegistryOrAnotherSet() public {
        FundingRound round = _scoreRound();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IFundingRound.RoundNotVerifierBonds.selector, stranger));
        round.recordVerifierSuspensions(commitment, 1);

        address[] memory other = new address[](1);
        other[0] = stranger;
        bytes32 otherSet = keccak256(abi.encode(other));
        vm.prank(address(bonds));
        vm.expectRevert(abi.encodeWithSelector(IFundingRound.RoundVerifierSetMismatch.selector, otherSet));
        round.recordVerifierSuspensions(otherSet, 1);
    }

    function test_round_withoutARegistry_refusesEveryRecorder() public {
        FundingRoundFactory unbonded = new FundingRoundFactory(address(new FundingRound(address(0))), admin, timelock);
        FundingRound round = _round(IFundingRound.Strategy.SCORE, unbonded, "unbonded");
        assertEq(round.verifierBonds(), address(0));
        vm.prank(address(bonds));
        vm.expectRevert(abi.encodeWithSelector(IFundingRound.RoundNotVerifierBonds.selector, address(bonds)));
        round.recordVerifierSuspensions(commitment, 1);
    }
}
