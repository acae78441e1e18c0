// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IERC5484 (Consensual Soulbound Tokens)
/// @notice ERC-165 interface id 0x0489b56f (the selector of `burnAuth`).
interface IERC5484 {
    /// @notice Who may burn a token, fixed when it is issued.
    enum BurnAuth {
        IssuerOnly,
        OwnerOnly,
        Both,
        Neither
    }

    /// @notice Emitted when a soulbound token is issued.
    event Issued(address indexed from, address indexed to, uint256 indexed tokenId, BurnAuth burnAuth);

    /// @notice The burn authorisation of `tokenId`.
    function burnAuth(uint256 tokenId) external view returns (BurnAuth);
}
