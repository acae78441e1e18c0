// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAuctionHouse} from "../../../../contracts/auction/IAuctionHouse.sol";

/// @title ReentrantWinner
/// @notice A bidder whose ERC-721 receiver hook calls back into the house with preset calldata
/// while the house is sending it the lot. It records whether the re-entry got through and then
/// either accepts the token or, when `bubble` is set, fails the transfer.
contract ReentrantWinner {
    IAuctionHouse public immutable house;
    bytes public reentryData;
    bool public bubble;
    bool public reentered;
    bool public reentrySucceeded;
    bytes public reentryRevert;

    constructor(IAuctionHouse house_) {
        house = house_;
    }

    function arm(bytes calldata data, bool bubble_) external {
        reentryData = data;
        bubble = bubble_;
    }

    function bid(uint256 auctionId, uint256 amount) external payable {
        house.bid{value: msg.value}(auctionId, amount);
    }

    function claimLot(uint256 auctionId, address to) external {
        house.claim_lot(auctionId, to);
    }

    function onERC721Received(address, address, uint256, bytes calldata) external returns (bytes4) {
        reentered = true;
        (bool ok, bytes memory result) = address(house).call(reentryData);
        reentrySucceeded = ok;
        reentryRevert = result;
        if (!ok && bubble) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
        return this.onERC721Received.selector;
    }

    receive() external payable {}
}
