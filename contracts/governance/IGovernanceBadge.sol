// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IGovernanceBadge
/// @notice What the governor asks a badge contract before counting a FOUNDER_IDEA (quadratic)
/// vote: which identity, if any, a voting address belongs to. A soulbound badge contract (the
/// badges issue) implements it; one identity may hold its badge on one address only, so splitting
/// tokens over many addresses does not multiply square roots.
interface IGovernanceBadge {
    /// @notice The identity `account` holds a qualifying badge for, or 0 if it holds none.
    function identityOf(address account) external view returns (uint256 identity);
}
