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
library SignatureQuorum {
    /// @notice One member's signature over a digest. ABI-identical to
    /// IMilestoneEscrow.VerifierSignature (`tuple(uint8,bytes)`).
    /// @param signerIndex Position of the signer in the set.
    /// @param signature 65-byte ECDSA (r, s, v) signature, or an ERC-1271 wallet's signature bytes.
    struct Signature {
        uint8 signerIndex;
        bytes signature;
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

    /// @notice Validates a signer set and returns its commitment. An empty set with threshold 0
    /// means "no quorum" and commits to bytes32(0).
    /// @dev O(n^2) duplicate check: n <= MAX_SIGNERS and this runs when a set is registered, not
    /// when it is used.
    function commit(address[] calldata signers, uint256 threshold) internal pure returns (bytes32) {
        uint256 n = signers.length;
        if (n == 0) {
            if (threshold != 0) revert QuorumInvalidSignerSet(n, threshold);
            return bytes32(0);
        }
        if (n > MAX_SIGNERS || threshold == 0 || threshold > n) revert QuorumInvalidSignerSet(n, threshold);
        for (uint256 i; i < n; ++i) {
            address s = signers[i];
            if (s == address(0)) revert QuorumInvalidSignerSet(n, threshold);
            for (uint256 j = i + 1; j < n; ++j) {
                if (signers[j] == s) revert QuorumDuplicateSigner(s);
            }
        }
        return keccak256(abi.encode(signers));
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

    /// @notice Reverts unless at least `threshold` distinct members of `signers` signed `digest`;
    /// the caller has already checked `signers` against its commitment (a batch checks it once).
    function verifyAgainst(
        bytes32 digest,
        address[] calldata signers,
        Signature[] calldata signatures,
        uint256 threshold
    ) internal view {
        uint256 provided = signatures.length;
        if (provided < threshold) revert QuorumInsufficientSignatures(provided, threshold);
        uint256 previous;
        for (uint256 k; k < threshold; ++k) {
            Signature calldata sig = signatures[k];
            uint256 index = sig.signerIndex;
            // Strictly ascending indexes make every counted signer distinct.
            if (k != 0 && index <= previous) revert QuorumSignersNotAscending(k);
            if (index >= signers.length) revert QuorumUnknownSigner(index);
            address signer = signers[index];
            if (!isValidSignatureNow(signer, digest, sig.signature)) revert QuorumInvalidSignature(signer);
            previous = index;
        }
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
