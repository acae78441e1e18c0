// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/// @title SignatureQuorum
/// @notice The shared m-of-n EIP-712 intent verifier: a digest counts as approved when at least
/// `threshold` distinct members of a registered signer set signed it (ECDSA for EOAs, ERC-1271 for
/// contract wallets such as a Safe). Used by badge attestations; shaped so that MilestoneEscrow's
/// verifier check (same set commitment, same signature layout, same gas) can move onto it.
/// @dev A signer set is stored by its commitment `keccak256(abi.encode(signers))` and passed in
/// calldata when used: reading n addresses from calldata is far cheaper than n cold slots.
/// Signatures name their signer by index into the set and come in strictly ascending index order,
/// so distinctness costs one comparison per signature (no seen-set). Only the first `threshold`
/// signatures are checked; extra ones are ignored. Everything is `internal`: the functions inline
/// into the caller, so a contract using the library pays what a private copy would cost.
///
/// Registered sets ({Registry}): a set is stored once, under a content-derived id, and referenced
/// by that id (a uint96 that packs next to an address). The id is a pure function of the set and
/// its threshold ({setIdOf}), so registration is idempotent without a reverse index: one slot per
/// set, ever. Its low byte is the threshold, so a contract referencing a set reads the threshold
/// from the id itself.
///
/// Error vocabulary: {verify}, {verifyAgainst} and {commit} revert with the `Quorum*` errors below.
/// A contract whose users already know its own named errors (MilestoneEscrow's SDK raises them
/// before sending) uses {check} and {checkSet}, which return a {Failure} instead of reverting, and
/// maps each failure onto its own error. They apply the same rules, in the same order, as
/// {verifyAgainst} and {commit} (kept as they were, byte for byte, for their existing users).
///
/// Bonded sets ({Suspensions}, {verifyActive}): the bond registry (VerifierBonds) pushes a set's
/// suspended members into each consumer as one bitmap per set commitment (bit i: member i), after a
/// slash, an unbond, a re-bond or a new minimum. The quorum check reads that one local slot
/// instead of calling the registry per signature or per release, and refuses any signature by a
/// suspended member.
library SignatureQuorum {
    /// @notice One member's signature over a digest. ABI-identical to
    /// IMilestoneEscrow.VerifierSignature (`tuple(uint8,bytes)`).
    /// @param signerIndex Position of the signer in the set.
    /// @param signature 65-byte ECDSA (r, s, v) signature, or an ERC-1271 wallet's signature bytes.
    struct Signature {
        uint8 signerIndex;
        bytes signature;
    }

    /// @notice Registered signer sets: id => commitment (`keccak256(abi.encode(signers))`).
    struct Registry {
        mapping(uint256 setId => bytes32 commitment) commitments;
    }

    /// @notice Suspended members by set: commitment => bitmap, bit i set while member i does not
    /// count (its bond is below the set's minimum). A set of at most MAX_SIGNERS fits one slot.
    struct Suspensions {
        mapping(bytes32 commitment => uint256 bitmap) members;
    }

    /// @notice Why a set or a quorum check failed ({checkSet}, {check}); `None` when it passed.
    enum Failure {
        None,
        InvalidSignerSet,
        DuplicateSigner,
        InsufficientSignatures,
        SignersNotAscending,
        UnknownSigner,
        InvalidSignature
    }

    /// @notice Upper bound on the size of a signer set (indexes fit a uint8 with room to spare).
    uint256 internal constant MAX_SIGNERS = 32;

    /// @notice A set that is empty with a non-zero threshold, larger than MAX_SIGNERS, contains
    /// the zero address, or has a threshold outside 1..size.
    error QuorumInvalidSignerSet(uint256 size, uint256 threshold);
    /// @notice The same address appears twice in a signer set.
    error QuorumDuplicateSigner(address signer);
    /// @notice Fewer signatures than the threshold.
    error QuorumInsufficientSignatures(uint256 provided, uint256 threshold);
    /// @notice Signature `position` does not name a higher index than the one before it.
    error QuorumSignersNotAscending(uint256 position);
    /// @notice A signature names an index outside the set.
    error QuorumUnknownSigner(uint256 index);
    /// @notice `signer`'s signature does not verify over the digest.
    error QuorumInvalidSignature(address signer);
    /// @notice The signer set passed does not match the registered commitment.
    error QuorumSignerSetMismatch(bytes32 expected, bytes32 actual);
    /// @notice `signer` is suspended in its set (its bond fell below the set's minimum in the bond
    /// registry): its signature is refused.
    error QuorumSignerSuspended(address signer);

    /// @notice Validates a signer set and returns its commitment. An empty set with threshold 0
    /// means "no quorum" and commits to bytes32(0).
    /// @dev O(n^2) duplicate check: n <= MAX_SIGNERS and this runs when a set is registered, not
    /// when it is used.
    function commit(address[] calldata signers, uint256 threshold) internal pure returns (bytes32) {
        (Failure failure, address duplicate) = checkSet(signers, threshold);
        if (failure == Failure.DuplicateSigner) revert QuorumDuplicateSigner(duplicate);
        if (failure != Failure.None) revert QuorumInvalidSignerSet(signers.length, threshold);
        return signers.length == 0 ? bytes32(0) : keccak256(abi.encode(signers));
    }

    /// @notice The validation {commit} reverts on, as a code: `InvalidSignerSet` (empty with a non-zero
    /// threshold, larger than MAX_SIGNERS, a zero address, threshold outside 1..size) or
    /// `DuplicateSigner` (with the address), else `None`. An empty set with threshold 0 passes.
    function checkSet(address[] calldata signers, uint256 threshold)
        internal
        pure
        returns (Failure failure, address duplicate)
    {
        uint256 n = signers.length;
        if (n == 0) return (threshold != 0 ? Failure.InvalidSignerSet : Failure.None, address(0));
        if (n > MAX_SIGNERS || threshold == 0 || threshold > n) return (Failure.InvalidSignerSet, address(0));
        for (uint256 i; i < n; ++i) {
            address s = signers[i];
            if (s == address(0)) return (Failure.InvalidSignerSet, address(0));
            for (uint256 j = i + 1; j < n; ++j) {
                if (signers[j] == s) return (Failure.DuplicateSigner, s);
            }
        }
        return (Failure.None, address(0));
    }

    /// @notice The commitment of a signer set (no validation): keccak256(abi.encode(signers)).
    function hashOf(address[] calldata signers) internal pure returns (bytes32) {
        return keccak256(abi.encode(signers));
    }

    /// @notice Reverts unless `signers` is the set committed to by `expected` and at least
    /// `threshold` of its members signed `digest`.
    function verify(
        bytes32 digest,
        bytes32 expected,
        address[] calldata signers,
        Signature[] calldata signatures,
        uint256 threshold
    ) internal view {
        bytes32 actual = keccak256(abi.encode(signers));
        if (actual != expected) revert QuorumSignerSetMismatch(expected, actual);
        verifyAgainst(digest, signers, signatures, threshold);
    }

    /// @notice {verify} for a bonded set: first refuses, with {QuorumSignerSuspended}, any signature
    /// given by a member whose bit is set in `suspended` (the consumer's bitmap for the set).
    /// With no member suspended (the common case) it costs one comparison more than {verify}.
    function verifyActive(
        uint256 suspended,
        bytes32 digest,
        bytes32 expected,
        address[] calldata signers,
        Signature[] calldata signatures,
        uint256 threshold
    ) internal view {
        if (suspended != 0) {
            address signer = firstSuspended(suspended, signers, signatures);
            if (signer != address(0)) revert QuorumSignerSuspended(signer);
        }
        verify(digest, expected, signers, signatures, threshold);
    }

    /// @notice The signer of the first signature in `signatures` (counted or extra) whose bit is
    /// set in `suspended`, or address(0). Indexes outside the set are left to {check}.
    function firstSuspended(uint256 suspended, address[] calldata signers, Signature[] calldata signatures)
        internal
        pure
        returns (address)
    {
        uint256 n = signatures.length;
        for (uint256 k; k < n; ++k) {
            uint256 index = signatures[k].signerIndex;
            if (index < signers.length && (suspended >> index) & 1 != 0) return signers[index];
        }
        return address(0);
    }

    /// @notice Reverts unless at least `threshold` distinct members of `signers` signed `digest`;
    /// the caller has already checked `signers` against its commitment (a batch checks it once).
    function verifyAgainst(
        bytes32 digest,
        address[] calldata signers,
        Signature[] calldata signatures,
        uint256 threshold
    ) internal view {
        (Failure failure, uint256 detail) = check(digest, signers, signatures, threshold);
        if (failure == Failure.None) return;
        if (failure == Failure.InsufficientSignatures) revert QuorumInsufficientSignatures(detail, threshold);
        if (failure == Failure.SignersNotAscending) revert QuorumSignersNotAscending(detail);
        if (failure == Failure.UnknownSigner) revert QuorumUnknownSigner(detail);
        revert QuorumInvalidSignature(address(uint160(detail)));
    }

    /// @notice The check {verifyAgainst} reverts on, as a code. `detail` is, by failure: the number of
    /// signatures provided (InsufficientSignatures), the position out of order
    /// (SignersNotAscending), the index outside the set (UnknownSigner), the signer whose
    /// signature does not verify (InvalidSignature, as uint160).
    function check(bytes32 digest, address[] calldata signers, Signature[] calldata signatures, uint256 threshold)
        internal
        view
        returns (Failure failure, uint256 detail)
    {
        uint256 provided = signatures.length;
        if (provided < threshold) return (Failure.InsufficientSignatures, provided);
        uint256 previous;
        for (uint256 k; k < threshold; ++k) {
            Signature calldata sig = signatures[k];
            uint256 index = sig.signerIndex;
            // Strictly ascending indexes make every counted signer distinct.
            if (k != 0 && index <= previous) return (Failure.SignersNotAscending, k);
            if (index >= signers.length) return (Failure.UnknownSigner, index);
            address signer = signers[index];
            if (!isValidSignatureNow(signer, digest, sig.signature)) return (Failure.InvalidSignature, uint160(signer));
            previous = index;
        }
        return (Failure.None, 0);
    }

    // --- registered sets ----------------------------------------------------------------------

    /// @notice The id a set with `commitment` and `threshold` (1..MAX_SIGNERS) is registered under:
    /// the top 88 bits of `keccak256(abi.encode(commitment, threshold))` above the threshold byte.
    /// Never 0 (the threshold is at least 1). A colliding id would take ~2^88 work to find.
    function setIdOf(bytes32 commitment, uint256 threshold) internal pure returns (uint96) {
        uint256 digest = uint256(keccak256(abi.encode(commitment, threshold)));
        return uint96(((digest >> 168) << 8) | (threshold & 0xff));
    }

    /// @notice The threshold a registered set id carries (its low byte).
    function thresholdOf(uint256 setId) internal pure returns (uint256) {
        return setId & 0xff;
    }

    /// @notice Registers a validated set (`commitment` from {commit} or {checkSet} + {hashOf},
    /// threshold >= 1); registering it again returns the same id and writes nothing.
    /// @return setId The set's id ({setIdOf}).
    /// @return created Whether this call stored it (the caller emits its event then).
    function register(Registry storage registry, bytes32 commitment, uint256 threshold)
        internal
        returns (uint96 setId, bool created)
    {
        setId = setIdOf(commitment, threshold);
        bytes32 stored = registry.commitments[setId];
        if (stored == commitment) return (setId, false);
        // Unreachable but for an 88-bit collision: never overwrite a registered set.
        if (stored != bytes32(0)) revert QuorumSignerSetMismatch(stored, commitment);
        registry.commitments[setId] = commitment;
        return (setId, true);
    }

    /// @notice The commitment registered under `setId` (bytes32(0) if none).
    function commitmentOf(Registry storage registry, uint256 setId) internal view returns (bytes32) {
        return registry.commitments[setId];
    }

    /// @notice Whether `signature` by `signer` verifies over `digest` (ECDSA, else ERC-1271).
    /// @dev ECDSA first: it needs no code-size probe of the (cold) signer account, which saves
    /// ~2.6k gas per EOA; contract signers fall through to ERC-1271. The (r, s, v) words are read
    /// straight from calldata: copying each signature to memory would grow memory per intent.
    function isValidSignatureNow(address signer, bytes32 digest, bytes calldata signature)
        internal
        view
        returns (bool)
    {
        if (signature.length == 65) {
            bytes32 r;
            bytes32 s;
            uint8 v;
            assembly ("memory-safe") {
                r := calldataload(signature.offset)
                s := calldataload(add(signature.offset, 0x20))
                v := byte(0, calldataload(add(signature.offset, 0x40)))
            }
            (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, v, r, s);
            if (err == ECDSA.RecoverError.NoError && recovered == signer) return true;
        }
        return SignatureChecker.isValidERC1271SignatureNow(signer, digest, signature);
    }
}
