// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title GasGuzzler
/// @notice Recipient whose `receive` burns every unit of gas it is given, to prove the escrow's
/// bounded ETH push falls back to a credit instead of letting a recipient grief the caller.
contract GasGuzzler {
    receive() external payable {
        while (true) {}
    }
}
