// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IAuctionHouse} from "../../../../contracts/auction/IAuctionHouse.sol";

/// @title AuctionBidder
/// @notice A contract bidder whose `receive` accepts ETH, reverts, or burns every unit of gas it
/// is given, to prove an outbid refund or a payout to it becomes a credit and blocks no one.
contract AuctionBidder {
    enum Mode {
        Accept,
        Revert,
        BurnGas
    }

    Mode public mode;

    error AuctionBidderRefused();

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function approve(IERC20 token, address spender, uint256 amount) external {
        token.approve(spender, amount);
    }

    function bid(IAuctionHouse house, uint256 auctionId, uint256 amount) external payable {
        house.bid{value: msg.value}(auctionId, amount);
    }

    function withdraw(IAuctionHouse house, address token, address to) external returns (uint256) {
        return house.withdraw(token, to);
    }

    function claimLot(IAuctionHouse house, uint256 auctionId, address to) external {
        house.claim_lot(auctionId, to);
    }

    receive() external payable {
        if (mode == Mode.Revert) revert AuctionBidderRefused();
        if (mode == Mode.BurnGas) {
            while (true) {}
        }
    }
}
