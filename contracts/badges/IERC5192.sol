// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IERC5192 (Minimal Soulbound NFTs)
/// @notice ERC-165 interface id 0xb45a3c0e.
interface IERC5192 {
    /// @notice Emitted when the locking status is changed to locked.
    event Locked(uint256 tokenId);
    /// @notice Emitted when the locking status is changed to unlocked.
    event Unlocked(uint256 tokenId);

    /// @notice Whether `tokenId` is locked (reverts for a token that does not exist).
    function locked(uint256 tokenId) external view returns (bool);
}
