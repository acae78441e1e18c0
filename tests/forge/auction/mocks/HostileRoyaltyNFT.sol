// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @title HostileRoyaltyNFT
/// @notice An ERC-721 whose `royaltyInfo` misbehaves in a chosen way: claims more than the whole
/// price, reverts, burns all the gas it is given, or answers a malformed receiver word. Settlement
/// must still pay out, with the royalty capped or dropped.
contract HostileRoyaltyNFT is ERC721 {
    enum Mode {
        Greedy,
        Revert,
        BurnGas,
        DirtyReceiver
    }

    Mode public mode;
    address public receiver;

    constructor(address receiver_) ERC721("Hostile", "HOST") {
        receiver = receiver_;
    }

    function mint(address to, uint256 tokenId) external {
        _mint(to, tokenId);
    }

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function royaltyInfo(uint256, uint256 salePrice) external view returns (address, uint256) {
        if (mode == Mode.Revert) revert("no royalties today");
        if (mode == Mode.BurnGas) {
            uint256 x;
            while (true) {
                x = uint256(keccak256(abi.encode(x)));
            }
        }
        if (mode == Mode.DirtyReceiver) {
            assembly ("memory-safe") {
                mstore(0, not(0))
                mstore(32, 1000)
                return(0, 64)
            }
        }
        return (receiver, salePrice * 2);
    }
}
