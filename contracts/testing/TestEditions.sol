// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {ERC2981} from "@openzeppelin/contracts/token/common/ERC2981.sol";

/// @title TestEditions
/// @notice An open-mint ERC-1155 with ERC-2981 royalties for tests, demos and local networks.
/// Anyone may mint and set royalties: never deploy it to a public network as a real collection.
contract TestEditions is ERC1155, ERC2981 {
    constructor() ERC1155("ipfs://quiltkit/editions/{id}.json") {}

    /// @notice Mints `amount` units of id `id` to `to`. Open to anyone (test token).
    function mint(address to, uint256 id, uint256 amount) external {
        _mint(to, id, amount, "");
    }

    /// @notice Sets the royalty of every id without its own. Open to anyone (test token).
    function setDefaultRoyalty(address receiver, uint96 feeNumerator) external {
        _setDefaultRoyalty(receiver, feeNumerator);
    }

    /// @inheritdoc ERC1155
    function supportsInterface(bytes4 interfaceId) public view override(ERC1155, ERC2981) returns (bool) {
        return super.supportsInterface(interfaceId);
    }
}
