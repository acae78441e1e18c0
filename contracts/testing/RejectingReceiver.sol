// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title RejectingReceiver
/// @notice Test account that refuses ETH until told otherwise, to prove failed pushes become
/// withdrawable credits and never block other recipients.
contract RejectingReceiver {
    bool public accepting;

    error RejectingReceiverRefused();

    /// @notice Turns acceptance of ETH on or off.
    function setAccepting(bool accepting_) external {
        accepting = accepting_;
    }

    /// @notice Calls `target` with `data` as this contract (to act as payer, funder or payee).
    function execute(address target, uint256 value, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory result) = target.call{value: value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
        return result;
    }

    receive() external payable {
        if (!accepting) revert RejectingReceiverRefused();
    }
}
