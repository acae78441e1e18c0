// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "solady/tokens/ERC721.sol";
import {LibString} from "solady/utils/LibString.sol";
import {Base64} from "solady/utils/Base64.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignatureQuorum} from "../intents/SignatureQuorum.sol";
import {IVerifierSuspensions} from "../staking/IVerifierBonds.sol";
import {IGovernanceBadge} from "../governance/IGovernanceBadge.sol";
import {IERC5192} from "./IERC5192.sol";
import {IERC5484} from "./IERC5484.sol";
import {ReputationMath} from "./ReputationMath.sol";

/// @title SoulboundBadge
/// @notice Non-transferable reputation badges (ERC-721 + ERC-5192 + ERC-5484) issued by an
/// issuer role or by an EIP-712 `BadgeAttestation` signed by m of a badge type's n validators,
/// and a per-holder reputation score that decays exponentially at an annual rate since the
/// holder's last activity, readable in O(1).
/// @dev Built on Solady's ERC721 for its storage hitchhiking: a token's type, issue time and
/// per-holder index ride in its ownership slot (96 bits of extra data) and the holder's score,
/// last activity and mint count ride in their balance slot (224 bits of aux), so issuing to a
/// new holder writes two slots, like a plain mint. The evidence hash is carried by the token id
/// itself: `id = uint256(evidenceHash) ^ (holder << 96 | index)`, recovered by {evidenceOf}.
///
/// Reputation: each activity (a badge, or {recordActivity}) folds the decay accrued so far into
/// the stored score, adds its weight and restarts the clock; {reputationOf} decays the stored
/// score once. Removing a badge (revoke or holder burn) subtracts its own decayed weight.
/// Events carry what an indexer needs to rebuild every score (BadgeIssued's weight,
/// ActivityRecorded's weight, the removals' `subtracted`, and the block time); the stored score
/// is not emitted again (it would cost every issue ~1.6k gas).
contract SoulboundBadge is
    ERC721,
    AccessControl,
    EIP712,
    IERC5192,
    IERC5484,
    IGovernanceBadge,
    IVerifierSuspensions
{
    using SafeCast for uint256;

    /// @notice Role that issues badges and revokes them.
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    /// @notice Role that records activity (e.g. the payout relayer after a payout).
    bytes32 public constant ACTIVITY_ROLE = keccak256("ACTIVITY_ROLE");
    /// @notice Role that records a validator set's suspended members: the bond registry
    /// (VerifierBonds), granted at construction.
    bytes32 public constant VERIFIER_BONDS_ROLE = keccak256("VERIFIER_BONDS_ROLE");
    /// @notice EIP-712 type hash of {BadgeAttestation}.
    bytes32 public constant BADGE_ATTESTATION_TYPEHASH = keccak256(
        "BadgeAttestation(address holder,uint256 badgeType,bytes32 evidenceHash,bytes32 attestationId,uint256 deadline)"
    );
    /// @notice Upper bound on a batch issue.
    uint256 public constant MAX_BATCH = 256;

    uint256 private constant _MAX_TYPES = type(uint24).max;
    uint256 private constant _MASK32 = 0xffffffff;
    uint256 private constant _MASK40 = 0xffffffffff;

    /// @notice A badge type's fixed terms.
    /// @param weight Reputation a badge of this type adds when issued (fixed for the type's life).
    /// @param expiryPeriod Seconds a badge stays valid after issue (0: never expires).
    /// @param burnAuth Who may remove a badge of this type (ERC-5484).
    /// @param threshold Validator signatures an attestation needs (0: attestation disabled).
    /// @param onChainURI Whether tokenURI is on-chain JSON (else the type's URI).
    struct BadgeType {
        uint128 weight;
        uint40 expiryPeriod;
        BurnAuth burnAuth;
        uint8 threshold;
        bool onChainURI;
        bool exists;
    }

    /// @notice Registration parameters of a badge type.
    struct BadgeTypeParams {
        string name;
        string uri;
        uint128 weight;
        uint40 expiryPeriod;
        BurnAuth burnAuth;
        bool onChainURI;
    }

    /// @notice What m of a type's n validators sign for a badge to be issued.
    struct BadgeAttestation {
        address holder;
        uint256 badgeType;
        bytes32 evidenceHash;
        bytes32 attestationId;
        uint256 deadline;
    }

    /// @notice A badge as stored.
    struct Badge {
        address holder;
        uint256 badgeType;
        uint256 issuedAt;
        uint256 index;
        bytes32 evidenceHash;
        uint256 expiresAt;
    }

    /// @notice A holder's stored reputation (before the decay since `lastActivity`).
    struct Reputation {
        uint256 score;
        uint256 lastActivity;
        uint256 minted;
    }

    string private _name;
    string private _symbol;
    /// @dev ln(1 - annual rate) in WAD, fixed at deployment (changing it later would rewrite
    /// every holder's history).
    int256 private immutable _LN_KEEP;
    uint256 private immutable _ANNUAL_RATE_BPS;
    uint128 private _activityWeight;
    uint24 private _typeCount;

    mapping(uint256 badgeType => BadgeType) private _types;
    mapping(uint256 badgeType => bytes32 commitment) private _validatorSets;
    mapping(uint256 badgeType => string) private _typeNames;
    mapping(uint256 badgeType => string) private _typeURIs;
    /// @dev Used attestation ids as a bitmap (Permit2's unordered nonces): id >> 8 picks the word,
    /// its low 8 bits the bit. Ids allocated in sequence share words, so consuming one costs a
    /// warm-word update (~5k) instead of a fresh slot (~22k); any bytes32 id works.
    mapping(uint256 word => uint256 bits) private _usedAttestations;
    /// @dev Validator sets' suspended members by commitment, as the bond registry last recorded
    /// them ({recordVerifierSuspensions}); read once per attested issue.
    SignatureQuorum.Suspensions private _suspensions;

    // --- events -----------------------------------------------------------------------------

    /// @notice A badge type was registered.
    event BadgeTypeRegistered(
        uint256 indexed badgeType,
        string name,
        string uri,
        uint256 weight,
        uint256 expiryPeriod,
        BurnAuth burnAuth,
        bool onChainURI
    );
    /// @notice A type's metadata URI or URI mode changed.
    event BadgeTypeURIUpdated(uint256 indexed badgeType, string uri, bool onChainURI);
    /// @notice A type's attestation validator set changed (commitment = keccak256(abi.encode(validators))).
    event ValidatorsUpdated(uint256 indexed badgeType, address[] validators, uint256 threshold, bytes32 commitment);
    /// @notice A badge was issued (`attestationId` 0 for an issuer mint).
    event BadgeIssued(
        uint256 indexed tokenId,
        address indexed holder,
        uint256 indexed badgeType,
        uint256 weight,
        bytes32 evidenceHash,
        bytes32 attestationId
    );
    /// @notice The issuer revoked a badge; `subtracted` is its decayed weight taken off the score.
    event BadgeRevoked(uint256 indexed tokenId, address indexed holder, uint16 reason, uint256 subtracted);
    /// @notice The holder burned a badge; `subtracted` as for {BadgeRevoked}.
    event BadgeBurned(uint256 indexed tokenId, address indexed holder, uint256 subtracted);
    /// @notice The activity role recorded activity of `holder` worth `weight`.
    event ActivityRecorded(address indexed holder, uint256 weight);
    /// @notice The weight {recordActivity} adds changed.
    event ActivityWeightUpdated(uint256 previous, uint256 current);

    // --- errors -----------------------------------------------------------------------------

    /// @notice Badges never move: every transfer entry point reverts with this.
    error SoulboundTransferDisabled(uint256 tokenId);
    /// @notice Badges have no approvals: approve and setApprovalForAll revert with this.
    error SoulboundApprovalDisabled();
    /// @notice No badge type `badgeType`.
    error BadgeTypeNotFound(uint256 badgeType);
    /// @notice No badge `tokenId`.
    error BadgeNotFound(uint256 tokenId);
    /// @notice The annual decay rate must be below 100%.
    error BadgeInvalidDecayRate(uint256 annualRateBps);
    /// @notice Too many badge types.
    error BadgeTypeLimitReached();
    /// @notice The type has no validator set: attestations are disabled for it.
    error BadgeAttestationDisabled(uint256 badgeType);
    /// @notice The attestation's deadline has passed.
    error BadgeAttestationExpired(bytes32 attestationId, uint256 deadline);
    /// @notice The attestation id has already issued a badge.
    error BadgeAttestationAlreadyUsed(bytes32 attestationId);
    /// @notice A batch is empty, longer than MAX_BATCH, or its arrays differ in length.
    error BadgeInvalidBatch(uint256 holders, uint256 evidenceHashes);
    /// @notice The holder is the zero address.
    error BadgeInvalidHolder();
    /// @notice The type's burn authorisation does not let the issuer revoke.
    error BadgeNotRevocable(uint256 tokenId, BurnAuth burnAuth);
    /// @notice The type's burn authorisation does not let the holder burn.
    error BadgeNotBurnable(uint256 tokenId, BurnAuth burnAuth);
    /// @notice Only the holder may burn their badge.
    error BadgeNotHolder(uint256 tokenId, address caller);

    /// @param name_ ERC-721 name.
    /// @param symbol_ ERC-721 symbol.
    /// @param admin Holder of DEFAULT_ADMIN_ROLE (registers types, grants roles; the Timelock in a
    /// full deployment).
    /// @param annualRateBps_ Reputation lost per year without activity, in basis points (< 10,000;
    /// 500 = 5%).
    /// @param activityWeight_ Reputation {recordActivity} adds.
    /// @param verifierBonds The deployment's bond registry, granted VERIFIER_BONDS_ROLE (address(0):
    /// none yet; the admin may grant it later).
    constructor(
        string memory name_,
        string memory symbol_,
        address admin,
        uint256 annualRateBps_,
        uint128 activityWeight_,
        address verifierBonds
    ) EIP712("quiltkit SoulboundBadge", "1") {
        if (annualRateBps_ >= ReputationMath.BPS) revert BadgeInvalidDecayRate(annualRateBps_);
        _name = name_;
        _symbol = symbol_;
        _ANNUAL_RATE_BPS = annualRateBps_;
        _LN_KEEP = ReputationMath.lnKeep(annualRateBps_);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (verifierBonds != address(0)) _grantRole(VERIFIER_BONDS_ROLE, verifierBonds);
        _activityWeight = activityWeight_;
        emit ActivityWeightUpdated(0, activityWeight_);
    }

    // ------------------------------------------------------------------------------------------
    // types (admin)
    // ------------------------------------------------------------------------------------------

    /// @notice Registers a badge type; ids count up from 1.
    /// @dev Requirements: DEFAULT_ADMIN_ROLE. Emits {BadgeTypeRegistered}.
    /// @return badgeType The new type's id.
    function registerType(BadgeTypeParams calldata params)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
        returns (uint256 badgeType)
    {
        badgeType = uint256(_typeCount) + 1;
        if (badgeType > _MAX_TYPES) revert BadgeTypeLimitReached();
        _typeCount = uint24(badgeType);
        _types[badgeType] = BadgeType({
            weight: params.weight,
            expiryPeriod: params.expiryPeriod,
            burnAuth: params.burnAuth,
            threshold: 0,
            onChainURI: params.onChainURI,
            exists: true
        });
        _typeNames[badgeType] = params.name;
        _typeURIs[badgeType] = params.uri;
        emit BadgeTypeRegistered(
            badgeType,
            params.name,
            params.uri,
            params.weight,
            params.expiryPeriod,
            params.burnAuth,
            params.onChainURI
        );
    }

    /// @notice Sets the validators whose m-of-n attestations issue badges of `badgeType` (an
    /// empty set with threshold 0 disables attestations).
    /// @dev Requirements: DEFAULT_ADMIN_ROLE; a valid set (SignatureQuorum.commit). Emits
    /// {ValidatorsUpdated}.
    function setValidators(uint256 badgeType, address[] calldata validators, uint8 threshold)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        BadgeType storage t = _existingType(badgeType);
        bytes32 commitment = SignatureQuorum.commit(validators, threshold);
        t.threshold = threshold;
        _validatorSets[badgeType] = commitment;
        emit ValidatorsUpdated(badgeType, validators, threshold, commitment);
    }

    /// @notice Records the suspended members of the validator set with `commitment` (bit i: member
    /// i), as the bond registry computed them from its bonds and the set's minimum
    /// ({VerifierBonds-pushSuspensions}, permissionless there). Every badge type using the set
    /// then refuses an attestation signed by a suspended member with
    /// {SignatureQuorum-QuorumSignerSuspended}.
    /// @dev Requirements: VERIFIER_BONDS_ROLE.
    function recordVerifierSuspensions(bytes32 commitment, uint256 suspended)
        external
        onlyRole(VERIFIER_BONDS_ROLE)
    {
        _suspensions.members[commitment] = suspended;
    }

    /// @notice Sets a type's metadata URI and whether tokenURI is on-chain JSON instead.
    /// @dev Requirements: DEFAULT_ADMIN_ROLE. Emits {BadgeTypeURIUpdated}.
    function setTypeURI(uint256 badgeType, string calldata uri, bool onChainURI)
        external
        onlyRole(DEFAULT_ADMIN_ROLE)
    {
        BadgeType storage t = _existingType(badgeType);
        t.onChainURI = onChainURI;
        _typeURIs[badgeType] = uri;
        emit BadgeTypeURIUpdated(badgeType, uri, onChainURI);
    }

    /// @notice Sets the reputation {recordActivity} adds.
    /// @dev Requirements: DEFAULT_ADMIN_ROLE. Emits {ActivityWeightUpdated}.
    function setActivityWeight(uint128 weight) external onlyRole(DEFAULT_ADMIN_ROLE) {
        emit ActivityWeightUpdated(_activityWeight, weight);
        _activityWeight = weight;
    }

    // ------------------------------------------------------------------------------------------
    // issuance
    // ------------------------------------------------------------------------------------------

    /// @notice Issues a badge of `badgeType` to `holder` for the work `evidenceHash` names.
    /// @dev Requirements: ISSUER_ROLE; the type exists; holder non-zero. Emits {Transfer},
    /// {Locked}, {Issued}, {BadgeIssued}.
    /// @return tokenId The badge's id.
    function issue(address holder, uint256 badgeType, bytes32 evidenceHash)
        external
        onlyRole(ISSUER_ROLE)
        returns (uint256 tokenId)
    {
        BadgeType memory t = _existingType(badgeType);
        tokenId = _issue(msg.sender, holder, badgeType, t, evidenceHash, bytes32(0));
    }

    /// @notice Issues one badge of `badgeType` to each holder, with its own evidence hash.
    /// @dev Requirements: ISSUER_ROLE; 1..MAX_BATCH holders, as many evidence hashes. Emits the
    /// events of {issue} per badge.
    /// @return tokenIds The badges' ids, in order.
    function issueBatch(address[] calldata holders, uint256 badgeType, bytes32[] calldata evidenceHashes)
        external
        onlyRole(ISSUER_ROLE)
        returns (uint256[] memory tokenIds)
    {
        uint256 n = holders.length;
        if (n == 0 || n > MAX_BATCH || n != evidenceHashes.length) revert BadgeInvalidBatch(n, evidenceHashes.length);
        BadgeType memory t = _existingType(badgeType);
        tokenIds = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            tokenIds[i] = _issue(msg.sender, holders[i], badgeType, t, evidenceHashes[i], bytes32(0));
        }
    }

    /// @notice Issues the badge a `BadgeAttestation` describes, signed by at least the type's
    /// threshold of its validators; anyone (a relayer) may submit it. An attestation id issues once
    /// (ids issued in sequence, e.g. a namespace prefix and a counter, are cheapest to consume).
    /// @dev Requirements: attestations enabled for the type; deadline not passed; id unused;
    /// `validators` the type's set; signatures by ascending validator index, each valid (ECDSA or
    /// ERC-1271); no signature by a validator suspended by the bond registry
    /// ({recordVerifierSuspensions}). Emits the events of {issue} (ERC-5484 issuer: this contract).
    /// @return tokenId The badge's id.
    function issueWithAttestation(
        BadgeAttestation calldata attestation,
        address[] calldata validators,
        SignatureQuorum.Signature[] calldata signatures
    ) external returns (uint256 tokenId) {
        uint256 badgeType = attestation.badgeType;
        BadgeType memory t = _existingType(badgeType);
        if (t.threshold == 0) revert BadgeAttestationDisabled(badgeType);
        bytes32 attestationId = attestation.attestationId;
        if (block.timestamp > attestation.deadline) revert BadgeAttestationExpired(attestationId, attestation.deadline);
        if (_attestationUsed(attestationId)) revert BadgeAttestationAlreadyUsed(attestationId);
        bytes32 commitment = _validatorSets[badgeType];
        SignatureQuorum.verifyActive(
            _suspensions.members[commitment],
            hashAttestation(attestation),
            commitment,
            validators,
            signatures,
            t.threshold
        );
        _usedAttestations[uint256(attestationId) >> 8] |= 1 << (uint256(attestationId) & 0xff);
        tokenId = _issue(address(this), attestation.holder, badgeType, t, attestation.evidenceHash, attestationId);
    }

    // ------------------------------------------------------------------------------------------
    // removal and activity
    // ------------------------------------------------------------------------------------------

    /// @notice Revokes a badge, taking its decayed weight off the holder's reputation.
    /// @dev Requirements: ISSUER_ROLE; the type's burn authorisation is IssuerOnly or Both.
    /// Emits {Transfer} (to 0), {BadgeRevoked}.
    /// @param reason An application-defined reason code, recorded in the event.
    function revoke(uint256 tokenId, uint16 reason) external onlyRole(ISSUER_ROLE) {
        (address holder, uint256 extra) = _badgeOf(tokenId);
        BadgeType memory t = _types[extra & 0xffffff];
        if (t.burnAuth != BurnAuth.IssuerOnly && t.burnAuth != BurnAuth.Both) {
            revert BadgeNotRevocable(tokenId, t.burnAuth);
        }
        uint256 subtracted = _remove(tokenId, holder, extra, t.weight);
        emit BadgeRevoked(tokenId, holder, reason, subtracted);
    }

    /// @notice Burns the caller's own badge where its type allows, taking its decayed weight off
    /// their reputation.
    /// @dev Requirements: caller is the holder; burn authorisation OwnerOnly or Both. Emits
    /// {Transfer} (to 0), {BadgeBurned}.
    function burn(uint256 tokenId) external {
        (address holder, uint256 extra) = _badgeOf(tokenId);
        if (msg.sender != holder) revert BadgeNotHolder(tokenId, msg.sender);
        BadgeType memory t = _types[extra & 0xffffff];
        if (t.burnAuth != BurnAuth.OwnerOnly && t.burnAuth != BurnAuth.Both) {
            revert BadgeNotBurnable(tokenId, t.burnAuth);
        }
        uint256 subtracted = _remove(tokenId, holder, extra, t.weight);
        emit BadgeBurned(tokenId, holder, subtracted);
    }

    /// @notice Records activity of `holder` (e.g. a confirmed payout): folds in the decay so far,
    /// adds the activity weight and restarts the clock.
    /// @dev Requirements: ACTIVITY_ROLE; holder non-zero. Emits {ActivityRecorded}.
    function recordActivity(address holder) external onlyRole(ACTIVITY_ROLE) {
        if (holder == address(0)) revert BadgeInvalidHolder();
        uint256 weight = _activityWeight;
        uint256 aux = _getAux(holder);
        uint256 score = _decayedScore(aux) + weight;
        _setAux(holder, _packAux(score, aux >> 168));
        emit ActivityRecorded(holder, weight);
    }

    // ------------------------------------------------------------------------------------------
    // non-transferability
    // ------------------------------------------------------------------------------------------

    /// @notice Always reverts: badges are soulbound.
    function transferFrom(address, address, uint256 id) public payable override {
        revert SoulboundTransferDisabled(id);
    }

    /// @notice Always reverts: badges are soulbound.
    function safeTransferFrom(address, address, uint256 id) public payable override {
        revert SoulboundTransferDisabled(id);
    }

    /// @notice Always reverts: badges are soulbound.
    function safeTransferFrom(address, address, uint256 id, bytes calldata) public payable override {
        revert SoulboundTransferDisabled(id);
    }

    /// @notice Always reverts: badges have no approvals.
    function approve(address, uint256) public payable override {
        revert SoulboundApprovalDisabled();
    }

    /// @notice Always reverts: badges have no approvals.
    function setApprovalForAll(address, bool) public pure override {
        revert SoulboundApprovalDisabled();
    }

    /// @dev Defence in depth: no internal path may move a badge between two holders.
    function _beforeTokenTransfer(address from, address to, uint256 id) internal pure override {
        if (from != address(0) && to != address(0)) revert SoulboundTransferDisabled(id);
    }

    // ------------------------------------------------------------------------------------------
    // views
    // ------------------------------------------------------------------------------------------

    /// @notice `holder`'s reputation now: their stored score decayed since their last activity.
    /// O(1) in the number of badges.
    function reputationOf(address holder) external view returns (uint256) {
        return _decayedScore(_getAux(holder));
    }

    /// @notice `holder`'s stored score, last activity time and number of badges ever issued.
    function reputationState(address holder) external view returns (Reputation memory r) {
        uint256 aux = _getAux(holder);
        r.score = aux & type(uint128).max;
        r.lastActivity = (aux >> 128) & _MASK40;
        r.minted = (aux >> 168) & _MASK32;
    }

    /// @notice `score` decayed over `elapsed` seconds at this contract's rate (what {reputationOf}
    /// computes), for off-chain cross-checks.
    function decayed(uint256 score, uint256 elapsed) external view returns (uint256) {
        return ReputationMath.decay(score, _LN_KEEP, elapsed);
    }

    /// @notice The annual decay rate in basis points.
    function annualDecayRateBps() external view returns (uint256) {
        return _ANNUAL_RATE_BPS;
    }

    /// @notice The weight {recordActivity} adds.
    function activityWeight() external view returns (uint256) {
        return _activityWeight;
    }

    /// @notice Number of registered badge types (ids are 1..typeCount).
    function typeCount() external view returns (uint256) {
        return _typeCount;
    }

    /// @notice A badge type's terms.
    function typeInfo(uint256 id) external view returns (BadgeType memory) {
        return _existingType(id);
    }

    /// @notice A badge type's name and metadata URI.
    function typeMetadata(uint256 id) external view returns (string memory name_, string memory uri) {
        _existingType(id);
        return (_typeNames[id], _typeURIs[id]);
    }

    /// @notice The commitment of a type's validator set (bytes32(0): none).
    function validatorSetOf(uint256 id) external view returns (bytes32) {
        _existingType(id);
        return _validatorSets[id];
    }

    /// @notice Whether an attestation id has issued its badge.
    function attestationUsed(bytes32 attestationId) external view returns (bool) {
        return _attestationUsed(attestationId);
    }

    /// @notice The EIP-712 digest validators sign for `attestation` (domain: this chain and contract).
    function hashAttestation(BadgeAttestation calldata attestation) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    BADGE_ATTESTATION_TYPEHASH,
                    attestation.holder,
                    attestation.badgeType,
                    attestation.evidenceHash,
                    attestation.attestationId,
                    attestation.deadline
                )
            )
        );
    }

    /// @notice A badge's record.
    function badgeOf(uint256 tokenId) public view returns (Badge memory b) {
        (address holder, uint256 extra) = _badgeOf(tokenId);
        b.holder = holder;
        b.badgeType = extra & 0xffffff;
        b.issuedAt = (extra >> 24) & _MASK40;
        b.index = extra >> 64;
        b.evidenceHash = bytes32(tokenId ^ (uint256(uint160(holder)) << 96 | b.index));
        uint256 period = _types[b.badgeType].expiryPeriod;
        b.expiresAt = period == 0 ? 0 : b.issuedAt + period;
    }

    /// @notice The evidence hash a badge was issued for.
    function evidenceOf(uint256 tokenId) external view returns (bytes32) {
        return badgeOf(tokenId).evidenceHash;
    }

    /// @notice Whether a badge is within its type's expiry period (a badge of a type without one
    /// never expires).
    function isValid(uint256 tokenId) external view returns (bool) {
        uint256 expiresAt = badgeOf(tokenId).expiresAt;
        return expiresAt == 0 || block.timestamp < expiresAt;
    }

    /// @inheritdoc IERC5192
    function locked(uint256 tokenId) external view returns (bool) {
        _badgeOf(tokenId);
        return true;
    }

    /// @inheritdoc IERC5484
    function burnAuth(uint256 tokenId) external view returns (BurnAuth) {
        (, uint256 extra) = _badgeOf(tokenId);
        return _types[extra & 0xffffff].burnAuth;
    }

    /// @inheritdoc IGovernanceBadge
    /// @dev Every holder of at least one badge is their own identity (its address); the issuer
    /// gives one person badges on one address.
    function identityOf(address account) external view returns (uint256) {
        return balanceOf(account) == 0 ? 0 : uint256(uint160(account));
    }

    /// @notice ERC-721 name.
    function name() public view override returns (string memory) {
        return _name;
    }

    /// @notice ERC-721 symbol.
    function symbol() public view override returns (string memory) {
        return _symbol;
    }

    /// @notice The type's URI, or on-chain JSON (type, weight, issued at, evidence hash, the
    /// holder's current reputation) where the type is so configured.
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        Badge memory b = badgeOf(tokenId);
        BadgeType memory t = _types[b.badgeType];
        if (!t.onChainURI) return _typeURIs[b.badgeType];
        string memory typeName = LibString.escapeJSON(_typeNames[b.badgeType]);
        bytes memory json = abi.encodePacked(
            '{"name":"',
            typeName,
            " #",
            LibString.toString(b.index),
            '","description":"Soulbound quiltkit badge","attributes":[{"trait_type":"badge_type","value":',
            LibString.toString(b.badgeType),
            '},{"trait_type":"type_name","value":"',
            typeName,
            '"},{"trait_type":"weight","value":',
            LibString.toString(t.weight),
            '},{"trait_type":"issued_at","display_type":"date","value":',
            LibString.toString(b.issuedAt)
        );
        json = abi.encodePacked(
            json,
            '},{"trait_type":"evidence_hash","value":"',
            LibString.toHexString(uint256(b.evidenceHash), 32),
            '"},{"trait_type":"holder_reputation","value":',
            LibString.toString(_decayedScore(_getAux(b.holder))),
            "}]}"
        );
        return string.concat("data:application/json;base64,", Base64.encode(json));
    }

    /// @notice ERC-165: ERC-721, its metadata extension, ERC-5192, ERC-5484, AccessControl.
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, AccessControl) returns (bool) {
        return interfaceId == type(IERC5192).interfaceId || interfaceId == type(IERC5484).interfaceId
            || ERC721.supportsInterface(interfaceId) || AccessControl.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------------------------------------
    // internals
    // ------------------------------------------------------------------------------------------

    // Aux layout (224 bits of the holder's balance slot): score (128) | last activity (40) |
    // badges ever issued (32) | unused (24). Extra data (96 bits of a token's ownership slot):
    // type (24) | issued at (40) | per-holder index (32).

    function _issue(
        address issuer,
        address holder,
        uint256 badgeType_,
        BadgeType memory t,
        bytes32 evidenceHash,
        bytes32 attestationId
    ) private returns (uint256 tokenId) {
        if (holder == address(0)) revert BadgeInvalidHolder();
        uint256 aux = _getAux(holder);
        // The per-holder count is 32 bits (as is ERC721's balance); 2^32 badges is out of reach,
        // checked anyway so that an index never wraps into another token's id.
        uint256 index = ((aux >> 168) & _MASK32) + 1;
        if (index > _MASK32) revert BadgeInvalidHolder();
        tokenId = uint256(evidenceHash) ^ (uint256(uint160(holder)) << 96 | index);
        _mint(holder, tokenId);
        _setExtraData(tokenId, uint96(badgeType_ | block.timestamp << 24 | index << 64));
        uint256 score = _decayedScore(aux) + t.weight;
        _setAux(holder, _packAux(score, index));
        emit Locked(tokenId);
        emit Issued(issuer, holder, tokenId, t.burnAuth);
        emit BadgeIssued(tokenId, holder, badgeType_, t.weight, evidenceHash, attestationId);
    }

    function _remove(uint256 tokenId, address holder, uint256 extra, uint256 weight)
        private
        returns (uint256 subtracted)
    {
        uint256 issuedAt = (extra >> 24) & _MASK40;
        _burn(tokenId);
        uint256 aux = _getAux(holder);
        uint256 score = _decayedScore(aux);
        subtracted = ReputationMath.decayUp(weight, _LN_KEEP, block.timestamp - issuedAt);
        // Rounding of earlier folds may leave the score a few wei under the badge's share.
        if (subtracted > score) subtracted = score;
        score -= subtracted;
        _setAux(holder, _packAux(score, aux >> 168));
    }

    function _decayedScore(uint256 aux) private view returns (uint256) {
        uint256 score = aux & type(uint128).max;
        if (score == 0) return 0;
        return ReputationMath.decay(score, _LN_KEEP, block.timestamp - ((aux >> 128) & _MASK40));
    }

    /// @dev `high` is the aux above the last-activity field (the mint count).
    function _packAux(uint256 score, uint256 high) private view returns (uint224) {
        return uint224(score.toUint128() | block.timestamp << 128 | (high & _MASK32) << 168);
    }

    function _badgeOf(uint256 tokenId) private view returns (address holder, uint256 extra) {
        holder = _ownerOf(tokenId);
        if (holder == address(0)) revert BadgeNotFound(tokenId);
        extra = _getExtraData(tokenId);
    }

    function _attestationUsed(bytes32 attestationId) private view returns (bool) {
        return _usedAttestations[uint256(attestationId) >> 8] & (1 << (uint256(attestationId) & 0xff)) != 0;
    }

    function _existingType(uint256 id) private view returns (BadgeType storage t) {
        t = _types[id];
        if (!t.exists) revert BadgeTypeNotFound(id);
    }
}
