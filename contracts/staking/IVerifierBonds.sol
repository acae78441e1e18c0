// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IVerifierBonds
/// @notice What a verifier set's consumer (an escrow, a badge type, a funding round) asks the
/// bond registry before counting attestations: one call per release for all its signers.
interface IVerifierBonds {
    /// @notice A signer of `setId` whose active bond `bond` is below the set's `minimum`.
    error VerifierBondsBelowMinimum(bytes32 setId, address verifier, uint256 bond, uint256 minimum);

    /// @notice Reverts with {VerifierBondsBelowMinimum} unless every signer's active bond meets
    /// `setId`'s minimum (a set without a minimum accepts everyone).
    function requireBonded(bytes32 setId, address[] calldata signers) external view;

    /// @notice Whether `verifier` counts toward `setId`'s thresholds now.
    function counts(bytes32 setId, address verifier) external view returns (bool);
}

/// @title IVerifierSuspensions
/// @notice A verifier set's consumer that keeps the set's suspended members locally (one slot per
/// set, read once per release) and lets the bond registry record them ({VerifierBonds-pushSuspensions}).
interface IVerifierSuspensions {
    /// @notice Records the suspended members of the set with `commitment` (bit i: member i).
    function recordVerifierSuspensions(bytes32 commitment, uint256 suspended) external;
}
