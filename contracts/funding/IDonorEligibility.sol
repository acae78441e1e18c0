// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IDonorEligibility
/// @notice The donor gate a FundingRound consults before accepting a donation. A SoulboundBadge
/// adapter answers it from a badge type held or a minimum reputation; a round without a gate
/// (address(0)) accepts every donor.
interface IDonorEligibility {
    /// @notice Whether `donor` may donate to rounds using this gate.
    function isEligible(address donor) external view returns (bool);
}
