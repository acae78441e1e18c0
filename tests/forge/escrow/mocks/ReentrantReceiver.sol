// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ReentrantReceiver
/// @notice Recipient that, on receiving ETH, calls back into `target` with preset calldata and
/// bubbles any failure, to prove re-entry is refused (and the push turned into a credit).
contract ReentrantReceiver {
    address public target;
    bytes public reentryData;

    function arm(address target_, bytes calldata data) external {
        target = target_;
        reentryData = data;
    }

    receive() external payable {
        (bool ok, bytes memory result) = target.call(reentryData);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }
}
