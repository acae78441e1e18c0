// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Base64} from "@openzeppelin/contracts/utils/Base64.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {SoulboundBadge} from "../../../contracts/badges/SoulboundBadge.sol";
import {IERC5192} from "../../../contracts/badges/IERC5192.sol";
import {IERC5484} from "../../../contracts/badges/IERC5484.sol";
import {SignatureQuorum} from "../../../contracts/intents/SignatureQuorum.sol";
import {ERC1271Wallet} from "../../../contracts/testing/ERC1271Wallet.sol";
import {BadgesTestBase} from "./BadgesTestBase.sol";
import {DecayReference} from "./reference/DecayReference.sol";

/// @title SoulboundBadgeTest
/// @notice Every path and named failure of SoulboundBadge: types, validator sets, issuer and
/// attested issuance, revocation, holder burn, activity, reputation, metadata, ERC-165, the
/// governor's identity gate.
contract SoulboundBadgeTest is BadgesTestBase {
    event Transfer(address indexed from, address indexed to, uint256 indexed id);
    event Locked(uint256 tokenId);
    event Issued(address indexed from, address indexed to, uint256 indexed tokenId, IERC5484.BurnAuth burnAuth);
    event BadgeIssued(
        uint256 indexed tokenId,
        address indexed holder,
        uint256 indexed badgeType,
        uint256 weight,
        bytes32 evidenceHash,
        bytes32 attestationId
    );
    event BadgeRevoked(uint256 indexed tokenId, address indexed holder, uint16 reason, uint256 subtracted);
    event BadgeBurned(uint256 indexed tokenId, address indexed holder, uint256 subtracted);
    event ActivityRecorded(address indexed holder, uint256 weight);
    event ActivityWeightUpdated(uint256 previous, uint256 current);
    event BadgeTypeRegistered(
        uint256 indexed badgeType,
        string name,
        string uri,
        uint256 weight,
        uint256 expiryPeriod,
        IERC5484.BurnAuth burnAuth,
        bool onChainURI
    );
    event BadgeTypeURIUpdated(uint256 indexed badgeType, string uri, bool onChainURI);
    event ValidatorsUpdated(uint256 indexed badgeType, address[] validators, uint256 threshold, bytes32 commitment);

    // --- deployment and types -----------------------------------------------------------------

    function test_constructor_setsTermsAndRoles() public view {
        assertEq(badges.name(), "quiltkit badges");
        assertEq(badges.symbol(), "QKB");
        assertEq(badges.annualDecayRateBps(), RATE_BPS);
        assertEq(badges.activityWeight(), ACTIVITY_WEIGHT);
        assertTrue(badges.hasRole(badges.DEFAULT_ADMIN_ROLE(), admin));
        assertEq(badges.typeCount(), 4);
    }

    function test_constructor_RevertWhen_RateIsHundredPercent() public {
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeInvalidDecayRate.selector, 10_000));
        new SoulboundBadge("b", "B", admin, 10_000, 0, address(0));
    }

    function test_registerType_emitsAndStores() public {
        vm.expectEmit(address(badges));
        emit BadgeTypeRegistered(5, "Mentor", "ipfs://m", 7e18, 30 days, IERC5484.BurnAuth.Both, false);
        vm.prank(admin);
        uint256 id = badges.registerType(_params("Mentor", "ipfs://m", 7e18, 30 days, IERC5484.BurnAuth.Both, false));
        assertEq(id, 5);
        SoulboundBadge.BadgeType memory t = badges.typeInfo(id);
        assertEq(t.weight, 7e18);
        assertEq(t.expiryPeriod, 30 days);
        assertEq(uint8(t.burnAuth), uint8(IERC5484.BurnAuth.Both));
        assertEq(t.threshold, 0);
        assertFalse(t.onChainURI);
        assertTrue(t.exists);
        (string memory name, string memory uri) = badges.typeMetadata(id);
        assertEq(name, "Mentor");
        assertEq(uri, "ipfs://m");
        assertEq(badges.validatorSetOf(id), bytes32(0));
    }

    function test_registerType_RevertWhen_NotAdmin() public {
        SoulboundBadge.BadgeTypeParams memory p = _params("x", "x", 1, 0, IERC5484.BurnAuth.Both, true);
        bytes32 role = badges.DEFAULT_ADMIN_ROLE();
        vm.prank(issuer);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, issuer, role));
        badges.registerType(p);
    }

    function test_views_RevertWhen_TypeNotFound() public {
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeTypeNotFound.selector, 0));
        badges.typeInfo(0);
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeTypeNotFound.selector, 9));
        badges.typeMetadata(9);
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeTypeNotFound.selector, 9));
        badges.validatorSetOf(9);
    }

    function test_setValidators_commitsTheSet() public {
        address[] memory set = new address[](2);
        set[0] = validator3;
        set[1] = validator1;
        bytes32 commitment = keccak256(abi.encode(set));
        vm.expectEmit(address(badges));
        emit ValidatorsUpdated(review, set, 1, commitment);
        vm.prank(admin);
        badges.setValidators(review, set, 1);
        assertEq(badges.validatorSetOf(review), commitment);
        assertEq(badges.typeInfo(review).threshold, 1);
    }

    function test_setValidators_emptySetDisablesAttestation() public {
        vm.prank(admin);
        badges.setValidators(contribution, new address[](0), 0);
        assertEq(badges.validatorSetOf(contribution), bytes32(0));
        SoulboundBadge.BadgeAttestation memory a = _attestation(alice, "a1");
        SignatureQuorum.Signature[] memory sigs = _signatures(a, _pair(0, 1));
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeAttestationDisabled.selector, contribution));
        badges.issueWithAttestation(a, validators, sigs);
    }

    function test_setValidators_RevertWhen_InvalidSet() public {
        address[] memory set = new address[](2);
        set[0] = validator1;
        set[1] = validator2;
        vm.startPrank(admin);
        vm.expectRevert(abi.encodeWithSelector(SignatureQuorum.QuorumInvalidSignerSet.selector, 2, 3));
        badges.setValidators(review, set, 3);
        vm.expectRevert(abi.encodeWithSelector(SignatureQuorum.QuorumInvalidSignerSet.selector, 2, 0));
        badges.setValidators(review, set, 0);
        vm.expectRevert(abi.encodeWithSelector(SignatureQuorum.QuorumInvalidSignerSet.selector, 0, 1));
        badges.setValidators(review, new address[](0), 1);
        set[1] = address(0);
        vm.expectRevert(abi.encodeWithSelector(SignatureQuorum.QuorumInvalidSignerSet.selector, 2, 1));
        badges.setValidators(review, set, 1);
        set[1] = validator1;
        vm.expectRevert(abi.encodeWithSelector(SignatureQuorum.QuorumDuplicateSigner.selector, validator1));
        badges.setValidators(review, set, 1);
        address[] memory tooMany = new address[](33);
        for (uint256 i; i < 33; ++i) {
            tooMany[i] = address(uint160(i + 1));
        }
        vm.expectRevert(abi.encodeWithSelector(SignatureQuorum.QuorumInvalidSignerSet.selector, 33, 1));
        badges.setValidators(review, tooMany, 1);
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeTypeNotFound.selector, 77));
        badges.setValidators(77, set, 1);
        vm.stopPrank();
    }

    function test_setTypeURI_and_setActivityWeight() public {
        vm.startPrank(admin);
        vm.expectEmit(address(badges));
        emit BadgeTypeURIUpdated(contribution, "ipfs://new", false);
        badges.setTypeURI(contribution, "ipfs://new", false);
        vm.expectEmit(address(badges));
        emit ActivityWeightUpdated(ACTIVITY_WEIGHT, 3e18);
        badges.setActivityWeight(3e18);
        vm.stopPrank();
        assertEq(badges.activityWeight(), 3e18);
        uint256 id = _issue(alice, contribution, EVIDENCE);
        assertEq(badges.tokenURI(id), "ipfs://new");
    }

    function test_adminSetters_RevertWhen_NotAdmin() public {
        bytes32 role = badges.DEFAULT_ADMIN_ROLE();
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role));
        badges.setValidators(review, validators, 1);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role));
        badges.setTypeURI(review, "x", true);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role));
        badges.setActivityWeight(1);
        vm.stopPrank();
    }

    // --- issuer issuance ----------------------------------------------------------------------

    function test_issue_mintsLockedBadgeAndScoresIt() public {
        uint256 expected = _expectedId(alice, EVIDENCE, 1);
        vm.expectEmit(address(badges));
        emit Transfer(address(0), alice, expected);
        vm.expectEmit(address(badges));
        emit Locked(expected);
        vm.expectEmit(address(badges));
        emit Issued(issuer, alice, expected, IERC5484.BurnAuth.IssuerOnly);
        vm.expectEmit(address(badges));
        emit BadgeIssued(expected, alice, contribution, WEIGHT, EVIDENCE, bytes32(0));
        uint256 id = _issue(alice, contribution, EVIDENCE);
        assertEq(id, expected);
        assertEq(badges.ownerOf(id), alice);
        assertEq(badges.balanceOf(alice), 1);
        assertTrue(badges.locked(id));
        assertEq(uint8(badges.burnAuth(id)), uint8(IERC5484.BurnAuth.IssuerOnly));
        SoulboundBadge.Badge memory b = badges.badgeOf(id);
        assertEq(b.holder, alice);
        assertEq(b.badgeType, contribution);
        assertEq(b.issuedAt, block.timestamp);
        assertEq(b.index, 1);
        assertEq(b.evidenceHash, EVIDENCE);
        assertEq(b.expiresAt, 0);
        assertEq(badges.evidenceOf(id), EVIDENCE);
        assertTrue(badges.isValid(id));
        assertEq(badges.reputationOf(alice), WEIGHT);
        SoulboundBadge.Reputation memory r = badges.reputationState(alice);
        assertEq(r.score, WEIGHT);
        assertEq(r.lastActivity, block.timestamp);
        assertEq(r.minted, 1);
    }

    function test_issue_sameEvidenceTwice_distinctIds() public {
        uint256 a = _issue(alice, contribution, EVIDENCE);
        uint256 b = _issue(alice, contribution, EVIDENCE);
        uint256 c = _issue(bob, contribution, EVIDENCE);
        assertTrue(a != b && b != c && a != c);
        assertEq(badges.evidenceOf(b), EVIDENCE);
        assertEq(badges.evidenceOf(c), EVIDENCE);
        assertEq(badges.balanceOf(alice), 2);
        assertEq(badges.reputationOf(alice), 2 * uint256(WEIGHT));
    }

    function test_issue_foldsDecayBeforeAddingWeight() public {
        _issue(alice, contribution, EVIDENCE);
        vm.warp(block.timestamp + YEAR);
        assertEq(badges.reputationOf(alice), badges.decayed(WEIGHT, YEAR));
        _issue(alice, review, EVIDENCE);
        uint256 expected = badges.decayed(WEIGHT, YEAR) + REVIEW_WEIGHT;
        assertEq(badges.reputationOf(alice), expected);
        assertEq(badges.reputationState(alice).lastActivity, block.timestamp);
    }

    function test_issue_RevertWhen_NotIssuer() public {
        bytes32 role = badges.ISSUER_ROLE();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role));
        badges.issue(alice, contribution, EVIDENCE);
    }

    function test_issue_RevertWhen_UnknownTypeOrZeroHolder() public {
        vm.startPrank(issuer);
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeTypeNotFound.selector, 99));
        badges.issue(alice, 99, EVIDENCE);
        vm.expectRevert(SoulboundBadge.BadgeInvalidHolder.selector);
        badges.issue(address(0), contribution, EVIDENCE);
        vm.stopPrank();
    }

    function test_issueBatch_issuesEach() public {
        address[] memory holders = new address[](3);
        holders[0] = alice;
        holders[1] = bob;
        holders[2] = alice;
        bytes32[] memory evidence = new bytes32[](3);
        evidence[0] = keccak256("e0");
        evidence[1] = keccak256("e1");
        evidence[2] = keccak256("e2");
        vm.prank(issuer);
        uint256[] memory ids = badges.issueBatch(holders, review, evidence);
        assertEq(ids.length, 3);
        assertEq(ids[0], _expectedId(alice, evidence[0], 1));
        assertEq(ids[1], _expectedId(bob, evidence[1], 1));
        assertEq(ids[2], _expectedId(alice, evidence[2], 2));
        assertEq(badges.balanceOf(alice), 2);
        assertEq(badges.reputationOf(alice), 2 * uint256(REVIEW_WEIGHT));
        assertEq(badges.reputationOf(bob), REVIEW_WEIGHT);
        assertEq(badges.evidenceOf(ids[2]), evidence[2]);
    }

    function test_issueBatch_RevertWhen_InvalidBatch() public {
        vm.startPrank(issuer);
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeInvalidBatch.selector, 0, 0));
        badges.issueBatch(new address[](0), review, new bytes32[](0));
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeInvalidBatch.selector, 2, 1));
        badges.issueBatch(new address[](2), review, new bytes32[](1));
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeInvalidBatch.selector, 257, 257));
        badges.issueBatch(new address[](257), review, new bytes32[](257));
        vm.expectRevert(SoulboundBadge.BadgeInvalidHolder.selector);
        badges.issueBatch(new address[](1), review, new bytes32[](1));
        vm.stopPrank();
        bytes32 role = badges.ISSUER_ROLE();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role));
        badges.issueBatch(new address[](1), review, new bytes32[](1));
    }

    // --- attestations -------------------------------------------------------------------------

    function test_hashAttestation_equalsIndependentDigest() public view {
        SoulboundBadge.BadgeAttestation memory a = _attestation(alice, "a1");
        assertEq(badges.hashAttestation(a), _digest(a));
    }

    function test_issueWithAttestation_twoOfThree() public {
        SoulboundBadge.BadgeAttestation memory a = _attestation(alice, "a1");
        uint256 expected = _expectedId(alice, EVIDENCE, 1);
        vm.expectEmit(address(badges));
        emit Issued(address(badges), alice, expected, IERC5484.BurnAuth.IssuerOnly);
        vm.expectEmit(address(badges));
        emit BadgeIssued(expected, alice, contribution, WEIGHT, EVIDENCE, "a1");
        uint256 id = _attest(alice, "a1");
        assertEq(id, expected);
        assertTrue(badges.attestationUsed("a1"));
        assertEq(badges.ownerOf(id), alice);
        assertEq(badges.reputationOf(alice), WEIGHT);
        a.attestationId = "a2";
        SignatureQuorum.Signature[] memory sigs = _signatures(a, _pair(1, 2));
        badges.issueWithAttestation(a, validators, sigs); // any two, by anyone
        assertEq(badges.balanceOf(alice), 2);
    }

    function test_issueWithAttestation_extraSignaturesIgnored() public {
        SoulboundBadge.BadgeAttestation memory a = _attestation(alice, "a1");
        uint8[] memory all = new uint8[](3);
        (all[0], all[1], all[2]) = (0, 1, 2);
        SignatureQuorum.Signature[] memory sigs = _signatures(a, all);
        sigs[2].signature = hex"00"; // beyond the threshold: not checked
        badges.issueWithAttestation(a, validators, sigs);
        assertEq(badges.balanceOf(alice), 1);
    }

    function test_issueWithAttestation_ERC1271Validator() public {
        ERC1271Wallet wallet = new ERC1271Wallet(validator3);
        address[] memory set = new address[](2);
        set[0] = validator1;
        set[1] = address(wallet);
        vm.prank(admin);
        badges.setValidators(contribution, set, 2);
        SoulboundBadge.BadgeAttestation memory a = _attestation(bob, "safe");
        SignatureQuorum.Signature[] memory sigs = new SignatureQuorum.Signature[](2);
        sigs[0] = SignatureQuorum.Signature(0, _sign(validator1Key, _digest(a)));
        sigs[1] = SignatureQuorum.Signature(1, _sign(validator3Key, _digest(a)));
        badges.issueWithAttestation(a, set, sigs);
        assertEq(badges.balanceOf(bob), 1);
    }

    function test_issueWithAttestation_RevertWhen_AlreadyUsed() public {
        _attest(alice, "a1");
        SoulboundBadge.BadgeAttestation memory a = _attestation(alice, "a1");
        SignatureQuorum.Signature[] memory sigs = _signatures(a, _pair(0, 1));
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeAttestationAlreadyUsed.selector, bytes32("a1")));
        badges.issueWithAttestation(a, validators, sigs);
    }

    function test_attestationUsed_bitmapKeepsNeighboursApart() public {
        _attest(alice, bytes32(uint256(0x200)));
        assertTrue(badges.attestationUsed(bytes32(uint256(0x200))));
        assertFalse(badges.attestationUsed(bytes32(uint256(0x201)))); // same word, next bit
        assertFalse(badges.attestationUsed(bytes32(uint256(0x300)))); // same bit, next word
        _attest(alice, bytes32(uint256(0x201)));
        _attest(alice, bytes32(uint256(0x2ff)));
        assertTrue(badges.attestationUsed(bytes32(uint256(0x201))));
        assertTrue(badges.attestationUsed(bytes32(uint256(0x200))));
        assertEq(badges.balanceOf(alice), 3);
    }

    function testFuzz_attestation_eachIdIssuesOnce(bytes32 first, bytes32 second) public {
        vm.assume(first != second);
        _attest(alice, first);
        assertFalse(badges.attestationUsed(second));
        _attest(bob, second);
        SoulboundBadge.BadgeAttestation memory a = _attestation(carol, first);
        SignatureQuorum.Signature[] memory sigs = _signatures(a, _pair(0, 1));
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeAttestationAlreadyUsed.selector, first));
        badges.issueWithAttestation(a, validators, sigs);
    }

    function test_issueWithAttestation_RevertWhen_Expired() public {
        SoulboundBadge.BadgeAttestation memory a = _attestation(alice, "a1");
        SignatureQuorum.Signature[] memory sigs = _signatures(a, _pair(0, 1));
        vm.warp(a.deadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(SoulboundBadge.BadgeAttestationExpired.selector, bytes32("a1"), a.deadline)
        );
        badges.issueWithAttestation(a, validators, sigs);
    }

    function test_issueWithAttestation_RevertWhen_TypeWithoutValidatorsOrUnknown() public {
        SoulboundBadge.BadgeAttestation memory a = _attestation(alice, "a1");
        a.badgeType = review;
        SignatureQuorum.Signature[] memory sigs = _signatures(a, _pair(0, 1));
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeAttestationDisabled.selector, review));
        badges.issueWithAttestation(a, validators, sigs);
        a.badgeType = 42;
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeTypeNotFound.selector, 42));
        badges.issueWithAttestation(a, validators, sigs);
    }

    function test_issueWithAttestation_RevertWhen_SignerSetMismatch() public {
        SoulboundBadge.BadgeAttestation memory a = _attestation(alice, "a1");
        SignatureQuorum.Signature[] memory sigs = _signatures(a, _pair(0, 1));
        address[] memory other = new address[](3);
        (other[0], other[1], other[2]) = (validator1, validator2, stranger);
        vm.expectRevert(
            abi.encodeWithSelector(
                SignatureQuorum.QuorumSignerSetMismatch.selector,
                keccak256(abi.encode(validators)),
                keccak256(abi.encode(other))
            )
        );
        badges.issueWithAttestation(a, other, sigs);
    }

    function test_issueWithAttestation_RevertWhen_TooFewSignatures() public {
        SoulboundBadge.BadgeAttestation memory a = _attestation(alice, "a1");
        uint8[] memory one = new uint8[](1);
        SignatureQuorum.Signature[] memory sigs = _signatures(a, one);
        vm.expectRevert(abi.encodeWithSelector(SignatureQuorum.QuorumInsufficientSignatures.selector, 1, 2));
        badges.issueWithAttestation(a, validators, sigs);
    }

    function test_issueWithAttestation_RevertWhen_SameValidatorTwiceOrDescending() public {
        SoulboundBadge.BadgeAttestation memory a = _attestation(alice, "a1");
        SignatureQuorum.Signature[] memory twice = _signatures(a, _pair(1, 1));
        vm.expectRevert(abi.encodeWithSelector(SignatureQuorum.QuorumSignersNotAscending.selector, 1));
        badges.issueWithAttestation(a, validators, twice);
        SignatureQuorum.Signature[] memory descending = _signatures(a, _pair(2, 0));
        vm.expectRevert(abi.encodeWithSelector(SignatureQuorum.QuorumSignersNotAscending.selector, 1));
        badges.issueWithAttestation(a, validators, descending);
    }

    function test_issueWithAttestation_RevertWhen_UnknownIndex() public {
        SoulboundBadge.BadgeAttestation memory a = _attestation(alice, "a1");
        SignatureQuorum.Signature[] memory sigs = _signatures(a, _pair(0, 1));
        sigs[1].signerIndex = 3;
        vm.expectRevert(abi.encodeWithSelector(SignatureQuorum.QuorumUnknownSigner.selector, 3));
        badges.issueWithAttestation(a, validators, sigs);
    }

    function test_issueWithAttestation_RevertWhen_WrongSignerOrTamperedField() public {
        SoulboundBadge.BadgeAttestation memory a = _attestation(alice, "a1");
        SignatureQuorum.Signature[] memory sigs = _signatures(a, _pair(0, 1));
        sigs[1].signature = _sign(validator3Key, _digest(a)); // validator 3 signing as index 1
        vm.expectRevert(abi.encodeWithSelector(SignatureQuorum.QuorumInvalidSignature.selector, validator2));
        badges.issueWithAttestation(a, validators, sigs);
        sigs = _signatures(a, _pair(0, 1));
        a.holder = stranger; // a relayer redirecting the badge
        vm.expectRevert(abi.encodeWithSelector(SignatureQuorum.QuorumInvalidSignature.selector, validator1));
        badges.issueWithAttestation(a, validators, sigs);
    }

    function test_issueWithAttestation_RevertWhen_ZeroHolder() public {
        SoulboundBadge.BadgeAttestation memory a = _attestation(address(0), "a1");
        SignatureQuorum.Signature[] memory sigs = _signatures(a, _pair(0, 1));
        vm.expectRevert(SoulboundBadge.BadgeInvalidHolder.selector);
        badges.issueWithAttestation(a, validators, sigs);
    }

    // --- revocation and holder burn -----------------------------------------------------------

    function test_revoke_removesBadgeAndItsDecayedWeight() public {
        uint256 first = _issue(alice, contribution, EVIDENCE);
        vm.warp(block.timestamp + YEAR);
        _issue(alice, review, keccak256("r"));
        vm.warp(block.timestamp + YEAR / 2);
        uint256 share = DecayReference.decay(WEIGHT, YEAR + YEAR / 2);
        uint256 before = badges.reputationOf(alice);
        vm.expectEmit(true, true, false, false, address(badges));
        emit BadgeRevoked(first, alice, 7, 0);
        vm.prank(issuer);
        badges.revoke(first, 7);
        assertEq(badges.balanceOf(alice), 1);
        // What is left is the other badge's decayed weight: never above it, 1e-15 relative.
        uint256 left = DecayReference.decay(REVIEW_WEIGHT, YEAR / 2);
        assertLe(badges.reputationOf(alice), left + 1);
        assertApproxEqRel(badges.reputationOf(alice), left, 1e3);
        assertApproxEqRel(badges.reputationOf(alice), before - share, 1e3);
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeNotFound.selector, first));
        badges.locked(first);
    }

    function test_revoke_lastBadge_leavesNoReputation() public {
        uint256 id = _issue(alice, contribution, EVIDENCE);
        vm.warp(block.timestamp + 3 * YEAR + 17);
        vm.prank(issuer);
        badges.revoke(id, 1);
        assertEq(badges.reputationOf(alice), 0);
        assertEq(badges.identityOf(alice), 0);
    }

    function test_revoke_RevertWhen_NotRevocableNotIssuerOrMissing() public {
        uint256 p = _issue(alice, permanent, EVIDENCE);
        uint256 s = _issue(alice, selfBurn, EVIDENCE);
        uint256 r = _issue(alice, review, EVIDENCE);
        vm.startPrank(issuer);
        vm.expectRevert(
            abi.encodeWithSelector(SoulboundBadge.BadgeNotRevocable.selector, p, IERC5484.BurnAuth.Neither)
        );
        badges.revoke(p, 1);
        vm.expectRevert(
            abi.encodeWithSelector(SoulboundBadge.BadgeNotRevocable.selector, s, IERC5484.BurnAuth.OwnerOnly)
        );
        badges.revoke(s, 1);
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeNotFound.selector, 12345));
        badges.revoke(12345, 1);
        badges.revoke(r, 2); // Both: the issuer may
        vm.stopPrank();
        bytes32 role = badges.ISSUER_ROLE();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role));
        badges.revoke(p, 1);
    }

    function test_burn_byHolderWhereAllowed() public {
        uint256 s = _issue(alice, selfBurn, EVIDENCE);
        uint256 r = _issue(alice, review, EVIDENCE);
        vm.warp(block.timestamp + 100 days);
        vm.expectEmit(true, true, false, false, address(badges));
        emit BadgeBurned(s, alice, 0);
        vm.startPrank(alice);
        badges.burn(s);
        badges.burn(r);
        vm.stopPrank();
        assertEq(badges.balanceOf(alice), 0);
        assertLe(badges.reputationOf(alice), 2);
    }

    function test_burn_RevertWhen_NotHolderOrNotBurnable() public {
        uint256 c = _issue(alice, contribution, EVIDENCE);
        uint256 p = _issue(alice, permanent, EVIDENCE);
        uint256 s = _issue(alice, selfBurn, EVIDENCE);
        vm.prank(issuer);
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeNotHolder.selector, s, issuer));
        badges.burn(s);
        vm.startPrank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(SoulboundBadge.BadgeNotBurnable.selector, c, IERC5484.BurnAuth.IssuerOnly)
        );
        badges.burn(c);
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeNotBurnable.selector, p, IERC5484.BurnAuth.Neither));
        badges.burn(p);
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeNotFound.selector, 1));
        badges.burn(1);
        vm.stopPrank();
    }

    // --- activity and reputation --------------------------------------------------------------

    function test_recordActivity_foldsAndAdds() public {
        _issue(alice, contribution, EVIDENCE);
        vm.warp(block.timestamp + 2 * YEAR);
        uint256 decayedNow = badges.reputationOf(alice);
        vm.expectEmit(address(badges));
        emit ActivityRecorded(alice, ACTIVITY_WEIGHT);
        vm.prank(activity);
        badges.recordActivity(alice);
        assertEq(badges.reputationOf(alice), decayedNow + ACTIVITY_WEIGHT);
        // an account without badges accrues activity too
        vm.prank(activity);
        badges.recordActivity(carol);
        assertEq(badges.reputationOf(carol), ACTIVITY_WEIGHT);
        assertEq(badges.identityOf(carol), 0);
    }

    function test_recordActivity_RevertWhen_NotActivityRoleOrZero() public {
        bytes32 role = badges.ACTIVITY_ROLE();
        vm.prank(issuer);
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, issuer, role));
        badges.recordActivity(alice);
        vm.prank(activity);
        vm.expectRevert(SoulboundBadge.BadgeInvalidHolder.selector);
        badges.recordActivity(address(0));
    }

    function test_reputation_decaysFivePercentAYear() public {
        _issue(alice, contribution, EVIDENCE);
        // Python decimal at 60 digits: 100e18 * 0.95^t
        vm.warp(START_TIME + YEAR);
        assertApproxEqRel(badges.reputationOf(alice), 95e18, 1e6); // 1e-12 relative
        vm.warp(START_TIME + YEAR / 2);
        assertApproxEqRel(badges.reputationOf(alice), 97.4679434480896390e18, 1e6);
        vm.warp(START_TIME + 10 * YEAR);
        assertApproxEqRel(badges.reputationOf(alice), 59.8736939238378906e18, 1e6);
        vm.warp(START_TIME + 50 * YEAR);
        assertApproxEqRel(badges.reputationOf(alice), 7.6944975276713329e18, 1e6);
        assertLe(badges.reputationOf(alice), 7.6944975276713330e18);
    }

    function test_reputation_otherRates() public {
        SoulboundBadge none = new SoulboundBadge("b", "B", admin, 0, 0, address(0));
        assertEq(none.decayed(1e18, 10 * YEAR), 1e18);
        SoulboundBadge steep = new SoulboundBadge("b", "B", admin, 9_999, 0, address(0));
        assertApproxEqRel(steep.decayed(1e18, YEAR), 1e14, 1e6);
        SoulboundBadge tenPercent = new SoulboundBadge("b", "B", admin, 1_000, 0, address(0));
        assertApproxEqRel(tenPercent.decayed(1e18, 2 * YEAR), 0.81e18, 1e6);
    }

    // --- metadata, interfaces, identity -------------------------------------------------------

    function test_tokenURI_onChainJSON() public {
        uint256 id = _issue(alice, contribution, EVIDENCE);
        vm.warp(block.timestamp + YEAR);
        string memory json = string.concat(
            '{"name":"Contribution #1","description":"Soulbound quiltkit badge","attributes":[',
            '{"trait_type":"badge_type","value":1},{"trait_type":"type_name","value":"Contribution"},',
            '{"trait_type":"weight","value":100000000000000000000},',
            '{"trait_type":"issued_at","display_type":"date","value":1700000000},',
            '{"trait_type":"evidence_hash","value":"',
            Strings.toHexString(uint256(EVIDENCE), 32),
            '"},{"trait_type":"holder_reputation","value":',
            Strings.toString(badges.reputationOf(alice)),
            "}]}"
        );
        assertEq(badges.tokenURI(id), string.concat("data:application/json;base64,", Base64.encode(bytes(json))));
    }

    function test_tokenURI_escapesTypeName() public {
        vm.prank(admin);
        uint256 t = badges.registerType(_params('Say "hi"', "", 1, 0, IERC5484.BurnAuth.Both, true));
        uint256 id = _issue(alice, t, EVIDENCE);
        string memory uri = badges.tokenURI(id);
        string memory prefix = '{"name":"Say \\"hi\\" #1"';
        string memory encodedPrefix = Base64.encode(bytes(string.concat(prefix, ',"description":"Soulbound')));
        // the first 48 base64 characters encode the first 36 bytes exactly
        assertEq(_slice(bytes(uri), 29, 48), _slice(bytes(encodedPrefix), 0, 48));
    }

    function test_tokenURI_typeURIAndExpiry() public {
        uint256 id = _issue(alice, review, EVIDENCE);
        assertEq(badges.tokenURI(id), "ipfs://review");
        assertEq(badges.badgeOf(id).expiresAt, block.timestamp + REVIEW_EXPIRY);
        assertTrue(badges.isValid(id));
        vm.warp(block.timestamp + REVIEW_EXPIRY);
        assertFalse(badges.isValid(id));
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeNotFound.selector, 5));
        badges.tokenURI(5);
    }

    function test_supportsInterface() public view {
        assertTrue(badges.supportsInterface(0x01ffc9a7)); // ERC-165
        assertTrue(badges.supportsInterface(0x80ac58cd)); // ERC-721
        assertTrue(badges.supportsInterface(0x5b5e139f)); // ERC-721 metadata
        assertTrue(badges.supportsInterface(0xb45a3c0e)); // ERC-5192
        assertTrue(badges.supportsInterface(0x0489b56f)); // ERC-5484
        assertEq(type(IERC5192).interfaceId, bytes4(0xb45a3c0e));
        assertEq(type(IERC5484).interfaceId, bytes4(0x0489b56f));
        assertTrue(badges.supportsInterface(type(IAccessControl).interfaceId));
        assertFalse(badges.supportsInterface(0xd9b67a26)); // not ERC-1155
        assertFalse(badges.supportsInterface(0xffffffff));
    }

    function test_locked_RevertWhen_Missing() public {
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeNotFound.selector, 3));
        badges.locked(3);
        vm.expectRevert(abi.encodeWithSelector(SoulboundBadge.BadgeNotFound.selector, 3));
        badges.burnAuth(3);
    }

    function test_identityOf_holdersAreTheirOwnIdentity() public {
        assertEq(badges.identityOf(alice), 0);
        _issue(alice, review, EVIDENCE);
        assertEq(badges.identityOf(alice), uint256(uint160(alice)));
    }

    function _slice(bytes memory b, uint256 start, uint256 len) internal pure returns (string memory) {
        bytes memory out = new bytes(len);
        for (uint256 i; i < len; ++i) {
            out[i] = b[start + i];
        }
        return string(out);
    }
}
