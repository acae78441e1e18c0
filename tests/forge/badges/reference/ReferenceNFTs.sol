// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721 as OZERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721 as SoladyERC721} from "solady/tokens/ERC721.sol";

/// @notice Plain OpenZeppelin 5 ERC-721 with an open `_mint`: the gas reference for a mint.
contract ReferenceOZNFT is OZERC721("ref", "REF") {
    function mint(address to, uint256 id) external {
        _mint(to, id);
    }
}

/// @notice Plain Solady ERC-721 with an open `_mint`: the second gas reference.
contract ReferenceSoladyNFT is SoladyERC721 {
    function mint(address to, uint256 id) external {
        _mint(to, id);
    }

    function name() public pure override returns (string memory) {
        return "ref";
    }

    function symbol() public pure override returns (string memory) {
        return "REF";
    }

    function tokenURI(uint256) public pure override returns (string memory) {
        return "";
    }
}
