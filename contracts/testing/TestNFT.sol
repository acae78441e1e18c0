// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC2981} from "@openzeppelin/contracts/token/common/ERC2981.sol";

/// @title TestNFT
/// @notice An open-mint ERC-721 with ERC-2981 royalties for tests, demos and local networks
/// (e.g. a patent-style NFT put up for auction). Anyone may mint and set royalties: never deploy it
/// to a public network as a real collection.
contract TestNFT is ERC721, ERC2981 {
    constructor(string memory name_, string memory symbol_) ERC721(name_, symbol_) {}

    /// @notice Mints token `tokenId` to `to`. Open to anyone (test token).
    function mint(address to, uint256 tokenId) external {
        _mint(to, tokenId);
    }

    /// @notice Sets the royalty of every token without its own. Open to anyone (test token).
    function setDefaultRoyalty(address receiver, uint96 feeNumerator) external {
        _setDefaultRoyalty(receiver, feeNumerator);
    }

    /// @notice Sets one token's royalty. Open to anyone (test token).
    function setTokenRoyalty(uint256 tokenId, address receiver, uint96 feeNumerator) external {
        _setTokenRoyalty(tokenId, receiver, feeNumerator);
    }

    /// @inheritdoc ERC721
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, ERC2981) returns (bool) {
        return super.supportsInterface(interfaceId);
    }
}
