// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IGovernanceBadge} from "../governance/IGovernanceBadge.sol";

/// @title TestGovernanceBadge
/// @notice TEST-ONLY stand-in for the badge contract (the badges issue builds the real, soulbound
/// one): anyone assigns any account any identity. For local networks, tests and demos; never for
/// a deployment that counts votes.
contract TestGovernanceBadge is IGovernanceBadge {
    mapping(address account => uint256 identity) private _identities;

    /// @notice `account` now belongs to `identity` (0: holds no badge).
    event IdentitySet(address indexed account, uint256 identity);

    /// @notice Assigns `account` to `identity` (0 removes its badge). Open to anyone: test-only.
    /// Emits {IdentitySet}.
    function setIdentity(address account, uint256 identity) external {
        _identities[account] = identity;
        emit IdentitySet(account, identity);
    }

    /// @inheritdoc IGovernanceBadge
    function identityOf(address account) external view returns (uint256) {
        return _identities[account];
    }
}
