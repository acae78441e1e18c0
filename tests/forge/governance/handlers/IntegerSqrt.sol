// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @dev The tests' own integer square root (Newton's method from above), written independently
/// of OpenZeppelin's Math.sqrt so that checking the governor against it is a real check.
library IntegerSqrt {
    function sqrt(uint256 x) internal pure returns (uint256 r) {
        if (x == 0) return 0;
        r = x;
        uint256 y = x / 2 + (x & 1); // (x + 1) / 2 without overflow
        while (y < r) {
            r = y;
            y = (x / y + y) / 2;
        }
    }
}
