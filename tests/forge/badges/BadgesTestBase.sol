// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {SoulboundBadge} from "../../../contracts/badges/SoulboundBadge.sol";
import {TieredBadges} from "../../../contracts/badges/TieredBadges.sol";
import {IERC5484} from "../../../contracts/badges/IERC5484.sol";
import {SignatureQuorum} from "../../../contracts/intents/SignatureQuorum.sol";

/// @title BadgesTestBase
/// @notice The one deployment every badges suite inherits: SoulboundBadge at 5% a year with its
/// admin, issuer and activity roles, four badge types (one per ERC-5484 burn authorisation, the
/// first with a 2-of-3 validator set), TieredBadges, named actors, validator keys and builders
/// for EIP-712 signed attestations.
abstract contract BadgesTestBase is Test {
    uint256 internal constant START_TIME = 1_700_000_000;
    uint256 internal constant RATE_BPS = 500; // 5% a year
    uint128 internal constant ACTIVITY_WEIGHT = 10e18;
    uint128 internal constant WEIGHT = 100e18; // CONTRIBUTION
    uint128 internal constant REVIEW_WEIGHT = 40e18;
    uint40 internal constant REVIEW_EXPIRY = 365 days;
    uint256 internal constant YEAR = 365 days;
    bytes32 internal constant EVIDENCE = keccak256("payout-intent:escrow-1/milestone-0");

    /// @dev Written out independently of the contract so the digest check is a real check.
    bytes32 internal constant EIP712_DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant ATTESTATION_TYPEHASH = keccak256(
        "BadgeAttestation(address holder,uint256 badgeType,bytes32 evidenceHash,bytes32 attestationId,uint256 deadline)"
    );

    SoulboundBadge internal badges;
    TieredBadges internal tiers;

    address internal admin;
    address internal issuer;
    address internal activity; // the activity role (a payout relayer)
    address internal alice;
    address internal bob;
    address internal carol;
    address internal relayer; // submits attestations
    address internal stranger;
    address internal validator1;
    address internal validator2;
    address internal validator3;
    uint256 internal validator1Key;
    uint256 internal validator2Key;
    uint256 internal validator3Key;
    address[] internal validators;

    /// @dev Types: CONTRIBUTION (IssuerOnly, attestable 2-of-3, on-chain JSON), REVIEW (Both,
    /// expires after a year, off-chain URI), PERMANENT (Neither), SELF_BURN (OwnerOnly).
    uint256 internal contribution;
    uint256 internal review;
    uint256 internal permanent;
    uint256 internal selfBurn;

    function setUp() public virtual {
        vm.warp(START_TIME);
        admin = makeAddr("admin");
        issuer = makeAddr("issuer");
        activity = makeAddr("activity");
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        carol = makeAddr("carol");
        relayer = makeAddr("relayer");
        stranger = makeAddr("stranger");
        (validator1, validator1Key) = makeAddrAndKey("validator1");
        (validator2, validator2Key) = makeAddrAndKey("validator2");
        (validator3, validator3Key) = makeAddrAndKey("validator3");
        validators = [validator1, validator2, validator3];

        badges = new SoulboundBadge("quiltkit badges", "QKB", admin, RATE_BPS, ACTIVITY_WEIGHT, address(0));
        vm.startPrank(admin);
        badges.grantRole(badges.ISSUER_ROLE(), issuer);
        badges.grantRole(badges.ACTIVITY_ROLE(), activity);
        contribution = badges.registerType(_params("Contribution", "ipfs://contribution", WEIGHT, 0, IERC5484.BurnAuth.IssuerOnly, true));
        review = badges.registerType(_params("Review", "ipfs://review", REVIEW_WEIGHT, REVIEW_EXPIRY, IERC5484.BurnAuth.Both, false));
        permanent = badges.registerType(_params("Founder", "ipfs://founder", 1e18, 0, IERC5484.BurnAuth.Neither, true));
        selfBurn = badges.registerType(_params("Opt-in", "ipfs://opt-in", 5e18, 0, IERC5484.BurnAuth.OwnerOnly, true));
        badges.setValidators(contribution, validators, 2);
        vm.stopPrank();

        tiers = new TieredBadges("ipfs://tiers/{id}.json", admin);
    }

    function _params(
        string memory name,
        string memory uri,
        uint128 weight,
        uint40 expiry,
        IERC5484.BurnAuth auth,
        bool onChain
    ) internal pure returns (SoulboundBadge.BadgeTypeParams memory) {
        return SoulboundBadge.BadgeTypeParams({
            name: name,
            uri: uri,
            weight: weight,
            expiryPeriod: expiry,
            burnAuth: auth,
            onChainURI: onChain
        });
    }

    function _issue(address holder, uint256 badgeType, bytes32 evidence) internal returns (uint256 id) {
        vm.prank(issuer);
        id = badges.issue(holder, badgeType, evidence);
    }

    // --- attestations -------------------------------------------------------------------------

    function _attestation(address holder, bytes32 attestationId)
        internal
        view
        returns (SoulboundBadge.BadgeAttestation memory)
    {
        return SoulboundBadge.BadgeAttestation({
            holder: holder,
            badgeType: contribution,
            evidenceHash: EVIDENCE,
            attestationId: attestationId,
            deadline: block.timestamp + 1 days
        });
    }

    function _domainSeparator() internal view returns (bytes32) {
        return keccak256(
            abi.encode(
                EIP712_DOMAIN_TYPEHASH,
                keccak256("quiltkit SoulboundBadge"),
                keccak256("1"),
                block.chainid,
                address(badges)
            )
        );
    }

    function _digest(SoulboundBadge.BadgeAttestation memory a) internal view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(ATTESTATION_TYPEHASH, a.holder, a.badgeType, a.evidenceHash, a.attestationId, a.deadline)
        );
        return keccak256(abi.encodePacked("\x19\x01", _domainSeparator(), structHash));
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _keyOf(uint256 index) internal view returns (uint256) {
        return index == 0 ? validator1Key : index == 1 ? validator2Key : validator3Key;
    }

    /// @dev Signatures by the validators at `indexes` (in the order given).
    function _signatures(SoulboundBadge.BadgeAttestation memory a, uint8[] memory indexes)
        internal
        view
        returns (SignatureQuorum.Signature[] memory sigs)
    {
        bytes32 digest = _digest(a);
        sigs = new SignatureQuorum.Signature[](indexes.length);
        for (uint256 i; i < indexes.length; ++i) {
            sigs[i] = SignatureQuorum.Signature(indexes[i], _sign(_keyOf(indexes[i]), digest));
        }
    }

    function _pair(uint8 a, uint8 b) internal pure returns (uint8[] memory out) {
        out = new uint8[](2);
        out[0] = a;
        out[1] = b;
    }

    function _attest(address holder, bytes32 attestationId) internal returns (uint256 id) {
        SoulboundBadge.BadgeAttestation memory a = _attestation(holder, attestationId);
        SignatureQuorum.Signature[] memory sigs = _signatures(a, _pair(0, 2));
        vm.prank(relayer);
        id = badges.issueWithAttestation(a, validators, sigs);
    }

    /// @dev The id scheme the contract documents: evidence XOR (holder << 96 | index).
    function _expectedId(address holder, bytes32 evidence, uint256 index) internal pure returns (uint256) {
        return uint256(evidence) ^ (uint256(uint160(holder)) << 96 | index);
    }
}
