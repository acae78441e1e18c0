// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title DecayReference
/// @notice A second method for 5%-a-year decay, independent of the contract's lnWad/expWad path:
/// whole years by repeated squaring of 0.95 and the remaining fraction of a year by the Taylor
/// series of exp, both in 27-decimal fixed point. ln(0.95) and the table below come from Python's
/// `decimal` at 60 digits.
library DecayReference {
    uint256 internal constant YEAR = 365 days;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant KEEP_RAY = 0.95e27;
    /// @dev ln(0.95) * 1e27, floor (Decimal('0.95').ln() at 60 digits).
    int256 internal constant LN_KEEP_RAY = -51_293_294_387_550_533_426_196_144;

    /// @notice 0.95^(elapsed / year) in RAY.
    function factorRay(uint256 elapsed) internal pure returns (uint256) {
        uint256 n = elapsed / YEAR;
        uint256 p = RAY;
        uint256 b = KEEP_RAY;
        while (n != 0) {
            if (n & 1 == 1) p = p * b / RAY;
            b = b * b / RAY;
            n >>= 1;
        }
        int256 x = LN_KEEP_RAY * int256(elapsed % YEAR) / int256(YEAR);
        int256 term = int256(RAY);
        int256 sum = term;
        for (uint256 i = 1; i < 30 && term != 0; ++i) {
            term = term * x / int256(RAY) / int256(i);
            sum += term;
        }
        return p * uint256(sum) / RAY;
    }

    /// @notice `score` decayed over `elapsed` at 5% a year (to the nearest wei below).
    function decay(uint256 score, uint256 elapsed) internal pure returns (uint256) {
        return score * factorRay(elapsed) / RAY;
    }
}
