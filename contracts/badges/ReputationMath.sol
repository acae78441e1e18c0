// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FixedPointMathLib} from "solady/utils/FixedPointMathLib.sol";

/// @title ReputationMath
/// @notice Exponential decay of a reputation score at an annual rate, in WAD fixed point on
/// Solady's FixedPointMathLib (`lnWad`, `expWad`). A score `s` recorded at `t0` is worth
/// `s * keep^((t - t0) / 365 days)` at `t`, with `keep = 1 - annualRate`; equivalently
/// `s * exp(ln(keep) * elapsed / year)`, which is what is computed.
/// @dev Rounding never favours the holder: the exponent is floored (more decay) and the factor
/// loses one wei to cover expWad's last-digit error, so a decayed score is never above the exact
/// value; the factor used to subtract a revoked badge is rounded the other way.
library ReputationMath {
    /// @notice Seconds in the year the annual rate refers to.
    uint256 internal constant YEAR = 365 days;
    /// @notice 100% in basis points.
    uint256 internal constant BPS = 10_000;
    uint256 private constant _WAD = 1e18;

    /// @notice ln(1 - annualRateBps / 10,000) in WAD (<= 0); requires annualRateBps < 10,000.
    function lnKeep(uint256 annualRateBps) internal pure returns (int256) {
        // Cannot underflow: callers check annualRateBps < BPS; the argument is in 1e14..1e18.
        return FixedPointMathLib.lnWad(int256((BPS - annualRateBps) * 1e14));
    }

    /// @notice The decay factor after `elapsed` seconds (WAD), rounded down.
    function factorDown(int256 lnKeep_, uint256 elapsed) internal pure returns (uint256) {
        if (elapsed == 0 || lnKeep_ == 0) return _WAD;
        // Cannot overflow: |lnKeep_| <= ~9.3e18 (a 99.99% rate) and elapsed < 2^40.
        int256 product = lnKeep_ * int256(elapsed);
        int256 x = product / int256(YEAR);
        // Floor (division truncates toward zero and product < 0): more decay, never less.
        if (product % int256(YEAR) != 0) x -= 1;
        int256 f = FixedPointMathLib.expWad(x);
        // expWad is exact to its last digit or so; one wei off keeps the result below the truth.
        return f > 0 ? uint256(f) - 1 : 0;
    }

    /// @notice The decay factor after `elapsed` seconds (WAD), rounded up (at most 1e18).
    function factorUp(int256 lnKeep_, uint256 elapsed) internal pure returns (uint256) {
        if (elapsed == 0 || lnKeep_ == 0) return _WAD;
        int256 x = lnKeep_ * int256(elapsed) / int256(YEAR);
        uint256 f = uint256(FixedPointMathLib.expWad(x)) + 1;
        return f > _WAD ? _WAD : f;
    }

    /// @notice `score` decayed over `elapsed` seconds, rounded down.
    function decay(uint256 score, int256 lnKeep_, uint256 elapsed) internal pure returns (uint256) {
        return FixedPointMathLib.mulWad(score, factorDown(lnKeep_, elapsed));
    }

    /// @notice `weight` decayed over `elapsed` seconds, rounded up (what a revocation subtracts).
    function decayUp(uint256 weight, int256 lnKeep_, uint256 elapsed) internal pure returns (uint256) {
        return FixedPointMathLib.mulWadUp(weight, factorUp(lnKeep_, elapsed));
    }
}
