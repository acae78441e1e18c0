// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IStakeLocks
/// @notice The lock surface GovernanceTokenV2 offers its two configured lockers (the staking pool
/// and the verifier-bond registry): locked tokens stay in the holder's balance, so they keep
/// their votes, but cannot be transferred until their locker unlocks them.
interface IStakeLocks {
    /// @notice Locks `amount` of `holder`'s unlocked balance under the calling locker.
    function lock(address holder, uint256 amount) external;

    /// @notice Releases `amount` of what the calling locker has locked for `holder`.
    function unlock(address holder, uint256 amount) external;

    /// @notice Releases `amount` of the calling locker's lock on `holder` and transfers it to `to`.
    function seize(address holder, uint256 amount, address to) external;

    /// @notice What the staking pool and the bond registry have locked for `holder`.
    function locksOf(address holder) external view returns (uint256 staked, uint256 bonded);

    /// @notice `holder`'s balance minus everything locked: what it may transfer.
    function unlockedBalanceOf(address holder) external view returns (uint256);
}
