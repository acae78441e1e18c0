// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FundingTestBase} from "./FundingTestBase.sol";
import {FundingRound} from "../../../contracts/funding/FundingRound.sol";

/// @title FundingFuzzTest
/// @notice Random rounds: the match equals an independent reference (Babylonian sqrt, the same
/// scaling and cap), and it does not depend on the order donations arrive in.
contract FundingFuzzTest is FundingTestBase {
    uint256 internal constant PROJECTS = 3;
    uint256 internal constant DONORS = 4;

    /// @dev gifts[p][d]: amounts bounded to 0..1,000,000 USDC; pool and cap from the seeds.
    function _run(uint256[DONORS][PROJECTS] memory gifts, uint256 pool, uint16 cap, bool reverse, bytes32 salt)
        internal
        returns (FundingRound r)
    {
        vm.warp(START_TIME);
        RoundParams memory p = _params(address(usdc), Strategy.QUADRATIC);
        p.matchingCapBps = cap;
        vm.prank(timelock);
        r = FundingRound(factory.createRound(p, salt, ""));
        round = r;
        for (uint256 i; i < PROJECTS; ++i) {
            _register(makeAddr(string.concat("r", vm.toString(i))), 1, 0);
        }
        vm.warp(DONATION_START);
        for (uint256 n; n < PROJECTS * DONORS; ++n) {
            uint256 idx = reverse ? PROJECTS * DONORS - 1 - n : n;
            uint256 pi = idx / DONORS;
            uint256 di = idx % DONORS;
            if (gifts[pi][di] != 0) _give(makeAddr(string.concat("d", vm.toString(di))), pi, gifts[pi][di]);
        }
        if (pool != 0) _sponsor(sponsor, pool);
        _finalizeAll();
    }

    function testFuzz_match_EqualsReferenceAndOrderIndependent(
        uint256[DONORS][PROJECTS] memory gifts,
        uint256 pool,
        uint16 cap
    ) public {
        for (uint256 i; i < PROJECTS; ++i) {
            for (uint256 j; j < DONORS; ++j) {
                gifts[i][j] = bound(gifts[i][j], 0, 1_000_000 * USDC);
            }
        }
        pool = bound(pool, 0, 10_000_000 * USDC);
        cap = uint16(bound(cap, 1, 10_000));
        FundingRound forward = _run(gifts, pool, cap, false, "fwd");
        FundingRound backward = _run(gifts, pool, cap, true, "bwd");

        uint256[] memory q = new uint256[](PROJECTS);
        uint256 tally;
        for (uint256 i; i < PROJECTS; ++i) {
            uint256[] memory g = new uint256[](DONORS);
            uint256 d;
            for (uint256 j; j < DONORS; ++j) {
                g[j] = gifts[i][j];
                d += g[j];
            }
            q[i] = d >= 1 ? _surplus(g) : 0;
            tally += q[i];
        }
        uint256 capAmount = pool * cap / 10_000;
        uint256 sum;
        for (uint256 i; i < PROJECTS; ++i) {
            uint256 m = tally <= pool ? q[i] : q[i] * pool / tally;
            if (m > capAmount) m = capAmount;
            assertEq(forward.getProject(i).matched, m, "reference");
            assertEq(backward.getProject(i).matched, m, "order");
            sum += m;
        }
        assertLe(sum, pool);
    }
}
