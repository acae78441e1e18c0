// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IEmergencyAllowList} from "./IEmergencyAllowList.sol";

/// @title QuiltkitTimelock
/// @notice OpenZeppelin's TimelockController, the executor of the governor and the admin of every
/// governable quiltkit contract, plus the allow-list of (target, selector) pairs that EMERGENCY
/// proposals may call. The list changes only through the timelock itself (a passed proposal).
/// @dev Its minimum delay is the EMERGENCY delay; the governor adds the rest of the standard
/// delay to every other proposal. For that to hold, the governor must be the only proposer and
/// the only executor (never the open role, address(0)).
contract QuiltkitTimelock is TimelockController, IEmergencyAllowList {
    /// @notice One allow-list entry, for seeding at deployment.
    struct EmergencyCall {
        address target;
        bytes4 selector;
    }

    mapping(address target => mapping(bytes4 selector => bool)) private _emergencyCalls;

    /// @param minDelay Minimum delay of every operation (the EMERGENCY delay), in seconds.
    /// @param proposers Granted PROPOSER_ROLE and CANCELLER_ROLE (the governor).
    /// @param executors Granted EXECUTOR_ROLE (the governor).
    /// @param admin Optional bootstrap admin (address(0) for none); renounces after wiring.
    /// @param emergencyCalls Initial allow-list entries.
    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin,
        EmergencyCall[] memory emergencyCalls
    ) TimelockController(minDelay, proposers, executors, admin) {
        for (uint256 i; i < emergencyCalls.length; ++i) {
            _setEmergencyCall(emergencyCalls[i].target, emergencyCalls[i].selector, true);
        }
    }

    /// @notice Adds (`allowed`) or removes an EMERGENCY allow-list entry.
    /// @dev Requirements: called by the timelock itself, i.e. by an executed operation.
    /// Emits {EmergencyCallSet}.
    function setEmergencyCall(address target, bytes4 selector, bool allowed) external {
        if (msg.sender != address(this)) revert TimelockUnauthorizedCaller(msg.sender);
        _setEmergencyCall(target, selector, allowed);
    }

    /// @inheritdoc IEmergencyAllowList
    function isEmergencyCall(address target, bytes4 selector) external view returns (bool) {
        return _emergencyCalls[target][selector];
    }

    function _setEmergencyCall(address target, bytes4 selector, bool allowed) private {
        _emergencyCalls[target][selector] = allowed;
        emit EmergencyCallSet(target, selector, allowed);
    }
}
