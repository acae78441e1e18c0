// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IDonorEligibility} from "./IDonorEligibility.sol";

/// @notice The one SoulboundBadge read the gate needs: a holder's decayed reputation.
interface IReputationSource {
    function reputationOf(address holder) external view returns (uint256);
}

/// @title BadgeReputationGate
/// @notice A donor gate backed by SoulboundBadge: a donor is eligible while their (decaying)
/// reputation is at least `minReputation`. One gate serves every round that names it.
contract BadgeReputationGate is IDonorEligibility {
    /// @notice The badge contract whose reputation is read.
    IReputationSource public immutable badges;
    /// @notice The least reputation that admits a donor (> 0: a donor must hold a badge).
    uint256 public immutable minReputation;

    error GateInvalidBadges(address badges);
    error GateZeroMinimum();

    constructor(IReputationSource badges_, uint256 minReputation_) {
        if (address(badges_).code.length == 0) revert GateInvalidBadges(address(badges_));
        if (minReputation_ == 0) revert GateZeroMinimum();
        badges = badges_;
        minReputation = minReputation_;
    }

    /// @inheritdoc IDonorEligibility
    function isEligible(address donor) external view returns (bool) {
        return badges.reputationOf(donor) >= minReputation;
    }
}
