// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {GovernanceToken} from "../../../../contracts/governance/GovernanceToken.sol";
import {IGovernanceBadge} from "../../../../contracts/governance/IGovernanceBadge.sol";

/// @dev A badge registry stand-in: identities assigned by the test.
contract MockBadge is IGovernanceBadge {
    mapping(address => uint256) public identities;

    function setIdentity(address account, uint256 identity) external {
        identities[account] = identity;
    }

    function identityOf(address account) external view returns (uint256) {
        return identities[account];
    }
}

/// @dev What proposals execute: records every call and its sender.
contract GovernedTarget {
    uint256 public pokes;
    uint256 public lastValue;
    address public lastCaller;

    function poke(uint256 value) external {
        pokes += 1;
        lastValue = value;
        lastCaller = msg.sender;
    }

    function emergencyStop() external {
        pokes += 100;
        lastCaller = msg.sender;
    }
}

/// @dev The V2 used by the upgrade test: same layout, one appended namespace and a new function.
/// @custom:oz-upgrades-from GovernanceToken
contract GovernanceTokenV2 is GovernanceToken {
    /// @custom:storage-location erc7201:quiltkit.storage.GovernanceTokenV2Mock
    struct V2Storage {
        uint256 marker;
    }

    bytes32 private constant V2_LOCATION = 0x347ed133e35ba4655d3122e06bb06dfbdf8750e85f7281dd2136aa01a2243300;

    function initializeV2(uint256 marker_) external reinitializer(2) {
        _v2().marker = marker_;
    }

    function marker() external view returns (uint256) {
        return _v2().marker;
    }

    function version() external pure returns (uint256) {
        return 2;
    }

    function _v2() private pure returns (V2Storage storage $) {
        assembly {
            $.slot := V2_LOCATION
        }
    }
}
