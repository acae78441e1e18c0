// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IEmergencyAllowList
/// @notice The (target, selector) pairs an EMERGENCY proposal may call, kept by the Timelock.
interface IEmergencyAllowList {
    /// @notice An entry was added (`allowed`) or removed.
    event EmergencyCallSet(address indexed target, bytes4 indexed selector, bool allowed);

    /// @notice Whether an EMERGENCY proposal may call `selector` on `target`.
    function isEmergencyCall(address target, bytes4 selector) external view returns (bool);
}
