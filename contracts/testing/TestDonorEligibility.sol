// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDonorEligibility} from "../funding/IDonorEligibility.sol";

/// @title TestDonorEligibility
/// @notice Test-only donor gate standing in for a SoulboundBadge adapter: an open allow list.
contract TestDonorEligibility is IDonorEligibility {
    mapping(address donor => bool) public allowed;

    /// @notice Sets whether `donor` is eligible. Open to anyone (test contract).
    function setEligible(address donor, bool eligible) external {
        allowed[donor] = eligible;
    }

    /// @inheritdoc IDonorEligibility
    function isEligible(address donor) external view returns (bool) {
        return allowed[donor];
    }
}
