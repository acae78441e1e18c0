// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IMilestoneEscrow} from "../../../contracts/escrow/IMilestoneEscrow.sol";
import {FeeOnTransferToken} from "../../../contracts/testing/FeeOnTransferToken.sol";
import {EscrowTestBase} from "./EscrowTestBase.sol";

/// @title MilestoneEscrowFuzzTest
/// @notice Fuzzed twins of the unit tests: amounts, milestone counts, funding splits, fee and
/// dispute splits, verifier subsets; pro-rata refunds never exceed shares and rounding never
/// creates money.
contract MilestoneEscrowFuzzTest is EscrowTestBase {
    /// @dev Keeps any 16 milestones' total inside uint96.
    uint256 internal constant MAX_MILESTONE_AMOUNT = type(uint96).max / 16;

    // ------------------------------------------------------------------------------------------
    // helpers
    // ------------------------------------------------------------------------------------------

    function _token(bool eth) internal view returns (address) {
        return eth ? ETH : address(token);
    }

    function _randomAmounts(uint256 seed, uint256 count, uint256 maxAmount) internal pure returns (uint96[] memory a) {
        a = new uint96[](count);
        for (uint256 i; i < count; ++i) {
            a[i] = uint96(bound(uint256(keccak256(abi.encode(seed, "amount", i))), 1, maxAmount));
        }
    }

    function _funder(uint256 i) internal pure returns (address) {
        return vm.addr(0xF00D + i);
    }

    function _setFee(uint256 feeBps) internal returns (uint16 fee) {
        fee = uint16(bound(feeBps, 0, 1_000));
        vm.prank(admin);
        escrow.setDefaultFee(fee);
    }

    function _coveredCount(uint96[] memory amounts, uint256 funded) internal pure returns (uint256 n) {
        uint256 prefix;
        for (; n < amounts.length; ++n) {
            prefix += amounts[n];
            if (prefix > funded) break;
        }
    }

    // ------------------------------------------------------------------------------------------
    // create / fund
    // ------------------------------------------------------------------------------------------

    function testFuzz_create_StoresAnyValidTerms(uint256 count, uint256 seed, bool eth, uint40 duration) public {
        count = bound(count, 1, 16);
        duration = uint40(bound(duration, 1, 10 * 365 days));
        EscrowParams memory p = _params(_token(eth), _randomAmounts(seed, count, MAX_MILESTONE_AMOUNT));
        p.deadline = uint40(block.timestamp) + duration;

        uint256 id = _create(maintainer, p, 0);

        EscrowView memory v = escrow.getEscrow(id);
        assertEq(v.amounts.length, count);
        for (uint256 i; i < count; ++i) {
            assertEq(v.amounts[i], p.amounts[i]);
            assertEq(uint8(v.states[i]), uint8(MilestoneState.Pending));
        }
        assertEq(v.deadline, p.deadline);
        assertEq(v.funded, 0);
    }

    function testFuzz_create_RevertWhen_DeadlineNotInFuture(uint256 deadline) public {
        deadline = bound(deadline, 0, block.timestamp);
        EscrowParams memory p = _params(address(token));
        p.deadline = uint40(deadline);
        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowDeadlineInPast.selector, deadline, block.timestamp)
        );
        vm.prank(maintainer);
        escrow.create(p, 0);
    }

    function testFuzz_create_RevertWhen_TotalTooLarge(uint96 a, uint96 b) public {
        a = uint96(bound(a, 1, type(uint96).max));
        b = uint96(bound(b, type(uint96).max - a + 1, type(uint96).max));
        EscrowParams memory p = _params(address(token), _amounts(a, b));
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowTotalTooLarge.selector, uint256(a) + b));
        vm.prank(maintainer);
        escrow.create(p, 0);
    }

    /// @dev Any split of the total among funders: shares add up to what was credited and the
    /// funded-milestone count is always the longest fully covered prefix.
    function testFuzz_fund_SplitsCoverMilestonesInOrder(uint256 count, uint256 seed, uint256 funders, bool eth) public {
        count = bound(count, 1, 16);
        funders = bound(funders, 1, 8);
        uint96[] memory amounts = _randomAmounts(seed, count, 1e24);
        uint256 total = _sum(amounts);
        uint256 id = _create(maintainer, _params(_token(eth), amounts), 0);

        uint256 funded;
        for (uint256 k; k < funders && funded < total; ++k) {
            uint256 remaining = total - funded;
            uint256 piece =
                k == funders - 1 ? remaining : bound(uint256(keccak256(abi.encode(seed, "piece", k))), 1, remaining);
            _fund(_funder(k), id, piece);
            funded += piece;
            EscrowView memory v = escrow.getEscrow(id);
            assertEq(v.funded, funded);
            assertEq(v.held, funded);
            assertEq(v.fundedMilestones, _coveredCount(amounts, funded));
        }
        uint256 shares;
        for (uint256 k; k < funders; ++k) {
            shares += _share(id, _funder(k));
        }
        assertEq(shares, total);
        assertEq(escrow.getEscrow(id).fundedMilestones, count);
        assertEq(_balanceOf(_token(eth), address(escrow)), total);
    }

    function testFuzz_fund_TakesAtMostWhatRemains(uint256 initial, uint256 extra, bool eth) public {
        initial = bound(initial, 0, TOTAL - 1);
        extra = bound(extra, 1, 1e30);
        address token_ = _token(eth);
        uint256 id = _create(maintainer, _params(token_), initial);
        uint256 amount = TOTAL - initial + extra;
        _provide(token_, alice, amount);
        vm.prank(alice);
        uint256 credited = escrow.fund{value: eth ? amount : 0}(id, amount);
        assertEq(credited, TOTAL - initial);
        assertEq(escrow.getEscrow(id).funded, TOTAL);
        assertEq(_balanceOf(token_, alice), extra, "the excess stays with (or goes back to) the funder");
        assertEq(_balanceOf(token_, address(escrow)), TOTAL);
    }

    /// @dev Fee-on-transfer tokens: the share is exactly the escrow's balance increase.
    function testFuzz_fund_FeeOnTransfer_CreditsBalanceDelta(uint256 tokenFeeBps, uint256 amount) public {
        tokenFeeBps = bound(tokenFeeBps, 0, 9_999);
        amount = bound(amount, 1, TOTAL);
        FeeOnTransferToken fot = new FeeOnTransferToken(tokenFeeBps);
        uint256 id = _create(maintainer, _params(address(fot)), 0);
        _provide(address(fot), alice, amount);
        uint256 credited = amount - amount * tokenFeeBps / BPS;

        if (credited == 0) {
            vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowZeroFunding.selector));
        } else {
            vm.expectEmit(address(escrow));
            emit EscrowFunded(id, alice, credited, uint8(_coveredCount(_defaultAmounts(), credited)));
        }
        vm.prank(alice);
        escrow.fund(id, amount);

        if (credited != 0) {
            assertEq(fot.balanceOf(address(escrow)), credited);
            assertEq(_share(id, alice), credited);
            assertEq(escrow.getEscrow(id).held, credited);
        }
    }

    // ------------------------------------------------------------------------------------------
    // release
    // ------------------------------------------------------------------------------------------

    /// @dev Payee + treasury receive exactly the milestone; the fee is floor(amount * bps / 1e4).
    function testFuzz_release_PaysAmountLessFee(uint256 amount, uint256 feeBps, bool eth) public {
        amount = bound(amount, 1, type(uint96).max);
        uint16 fee = _setFee(feeBps);
        address t = _token(eth);
        uint256 id = _create(maintainer, _params(t, _amounts(uint96(amount))), amount);
        uint256 expectedFee = amount * fee / BPS;

        vm.expectEmit(address(escrow));
        emit MilestoneReleased(id, 0, contributor, amount - expectedFee, expectedFee);
        vm.prank(maintainer);
        escrow.release(id, 0);

        assertEq(_balanceOf(t, contributor), amount - expectedFee);
        assertEq(_balanceOf(t, treasury), expectedFee);
        assertEq(_balanceOf(t, address(escrow)), 0);
        assertLe(expectedFee * BPS, amount * 1_000, "fee never above 10%");
    }

    function testFuzz_release_RevertWhen_NotPayer(address caller) public {
        vm.assume(caller != maintainer);
        uint256 id = _createFunded(address(token));
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotPayer.selector, id, caller));
        vm.prank(caller);
        escrow.release(id, 0);
    }

    /// @dev Any `threshold` of `n` verifiers, named in ascending order, release; one fewer does not.
    function testFuzz_releaseWithIntent_AnyAscendingThresholdSubset(
        uint256 n,
        uint256 threshold,
        uint256 subsetSeed,
        bool eth
    ) public {
        n = bound(n, 1, 8);
        threshold = bound(threshold, 1, n);
        (address[] memory verifiers, uint256[] memory keys) = _fuzzVerifiers(n);
        EscrowParams memory p = _params(_token(eth));
        p.verifiers = verifiers;
        p.threshold = uint8(threshold);
        uint256 id = _create(maintainer, p, TOTAL);
        PayoutIntent memory intent = _intent(id, 1, keccak256(abi.encode(subsetSeed)));
        VerifierSignature[] memory sigs = _signBySubset(intent, keys, threshold, subsetSeed);

        VerifierSignature[] memory short = new VerifierSignature[](threshold - 1);
        for (uint256 k; k + 1 < threshold; ++k) {
            short[k] = sigs[k];
        }
        vm.expectRevert(
            abi.encodeWithSelector(IMilestoneEscrow.EscrowInsufficientSignatures.selector, threshold - 1, threshold)
        );
        escrow.releaseWithIntent(intent, verifiers, short);

        vm.prank(relayer);
        escrow.releaseWithIntent(intent, verifiers, sigs);
        assertTrue(_paid(intent));
        assertEq(_balanceOf(_token(eth), contributor), M1 - uint256(M1) * DEFAULT_FEE_BPS / BPS);
    }

    function _fuzzVerifiers(uint256 n) internal pure returns (address[] memory verifiers, uint256[] memory keys) {
        verifiers = new address[](n);
        keys = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            keys[i] = uint256(keccak256(abi.encode("fuzz verifier", i)));
            verifiers[i] = vm.addr(keys[i]);
        }
    }

    /// @dev Signs with `threshold` distinct verifiers chosen at random, in ascending index order
    /// (selection sampling: index i is kept with probability needed / left).
    function _signBySubset(PayoutIntent memory intent, uint256[] memory keys, uint256 threshold, uint256 seed)
        internal
        view
        returns (VerifierSignature[] memory)
    {
        uint256 n = keys.length;
        uint256[] memory subsetKeys = new uint256[](threshold);
        uint8[] memory indexes = new uint8[](threshold);
        uint256 picked;
        for (uint256 i; i < n && picked < threshold; ++i) {
            if (uint256(keccak256(abi.encode(seed, i))) % (n - i) < threshold - picked) {
                subsetKeys[picked] = keys[i];
                indexes[picked] = uint8(i);
                ++picked;
            }
        }
        assertEq(picked, threshold);
        return _sign(intent, subsetKeys, indexes);
    }

    /// @dev `hashIntent` is the EIP-712 digest for every intent.
    function testFuzz_hashIntent_MatchesEIP712(PayoutIntent memory intent) public view {
        assertEq(escrow.hashIntent(intent), _eip712Digest(address(escrow), intent));
    }

    // ------------------------------------------------------------------------------------------
    // disputes
    // ------------------------------------------------------------------------------------------

    function testFuzz_dispute_RevertWhen_NotParty(address caller) public {
        vm.assume(caller != maintainer && caller != contributor);
        uint256 id = _createFunded(address(token));
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowNotParty.selector, id, caller));
        vm.prank(caller);
        escrow.dispute(id, 0);
    }

    function testFuzz_resolve_RevertWhen_SplitAboveAllBps(uint256 payeeBps) public {
        payeeBps = bound(payeeBps, BPS + 1, type(uint256).max);
        uint256 id = _createFunded(address(token));
        vm.prank(maintainer);
        escrow.dispute(id, 0);
        vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidSplit.selector, payeeBps));
        vm.prank(arbiter);
        escrow.resolve(id, 0, payeeBps);
    }

    /// @dev payee part + fee + funders' part == the milestone, for every split and fee.
    function testFuzz_resolve_SplitConservesTheMilestone(uint256 amount, uint256 payeeBps, uint256 feeBps, bool eth)
        public
    {
        amount = bound(amount, 1, type(uint96).max);
        payeeBps = bound(payeeBps, 0, BPS);
        uint16 fee = _setFee(feeBps);
        address t = _token(eth);
        uint256 id = _create(maintainer, _params(t, _amounts(uint96(amount))), amount);
        vm.prank(contributor);
        escrow.dispute(id, 0);

        uint256 toPayee = amount * payeeBps / BPS;
        uint256 expectedFee = toPayee * fee / BPS;
        vm.expectEmit(address(escrow));
        emit DisputeResolved(id, 0, payeeBps, toPayee - expectedFee, expectedFee, amount - toPayee);
        vm.prank(arbiter);
        escrow.resolve(id, 0, payeeBps);

        assertEq(_balanceOf(t, contributor) + _balanceOf(t, treasury) + escrow.getEscrow(id).refundPool, amount);
        assertEq(escrow.getEscrow(id).held, amount - toPayee);
        if (amount - toPayee != 0) {
            escrow.claimRefund(id, maintainer); // sole funder, fully funded: claimable at once
        }
        assertEq(_balanceOf(t, contributor) + _balanceOf(t, treasury) + _balanceOf(t, maintainer), amount);
        assertEq(_balanceOf(t, address(escrow)), 0);
    }

    // ------------------------------------------------------------------------------------------
    // refunds
    // ------------------------------------------------------------------------------------------

    /// @dev After the deadline the pool grows by exactly the funded part of every pending
    /// milestone (whole funded milestones plus the partly funded one).
    function testFuzz_openRefunds_PoolIsTheFundedPendingPart(
        uint256 seed,
        uint256 count,
        uint256 funded,
        uint16 releaseMask,
        uint16 disputeMask
    ) public {
        count = bound(count, 1, 16);
        uint96[] memory amounts = _randomAmounts(seed, count, 1e24);
        uint256 total = _sum(amounts);
        funded = bound(funded, 0, total);
        uint256 id = _create(maintainer, _params(address(token), amounts), funded);

        uint256 covered = _coveredCount(amounts, funded);
        uint256 expectedPool;
        uint256 prefix;
        for (uint256 i; i < count; ++i) {
            uint256 fundedPart = funded > prefix ? (funded - prefix < amounts[i] ? funded - prefix : amounts[i]) : 0;
            prefix += amounts[i];
            if (i < covered && (releaseMask >> i) & 1 == 1) {
                vm.prank(maintainer);
                escrow.release(id, i);
            } else if (i < covered && (disputeMask >> i) & 1 == 1) {
                vm.prank(maintainer);
                escrow.dispute(id, i);
            } else {
                expectedPool += fundedPart;
            }
        }
        vm.warp(uint256(escrow.getEscrow(id).deadline) + 1);

        vm.expectEmit(address(escrow));
        emit RefundsOpened(id, expectedPool);
        escrow.openRefunds(id);

        EscrowView memory v = escrow.getEscrow(id);
        assertEq(v.refundPool, expectedPool);
        for (uint256 i; i < count; ++i) {
            assertTrue(v.states[i] != MilestoneState.Pending, "no milestone left pending");
        }
        if (expectedPool != 0) escrow.claimRefund(id, maintainer);
        assertEq(_claimed(id, maintainer), expectedPool);
    }

    /// @dev Whole lifecycle with random funders, releases, disputes and splits: every funder's
    /// refunds stay within their share, all refunds within the pool, the rounding dust left is
    /// below one unit per funder, and money out + money still held == money in.
    function testFuzz_refunds_ProRataNeverExceedSharesAndNoMoneyIsCreated(
        uint256 seed,
        uint256 funderCount,
        uint8 releaseMask,
        uint8 disputeMask,
        uint256 payeeBps,
        uint256 feeBps,
        bool eth,
        bool claimEarly
    ) public {
        _setFee(feeBps);
        funderCount = bound(funderCount, 1, 6);
        payeeBps = bound(payeeBps, 0, BPS);
        address t = _token(eth);
        uint96[] memory amounts = _randomAmounts(seed, 4, 1e24);
        uint256 id = _create(maintainer, _params(t, amounts), 0);

        uint256 fundedTotal = _fundRandomly(id, seed, funderCount, _sum(amounts));
        _settleRandomly(id, releaseMask, disputeMask, payeeBps);
        if (claimEarly) _claimAll(id, funderCount); // only pays when fully funded

        vm.warp(uint256(escrow.getEscrow(id).deadline) + 1);
        escrow.openRefunds(id);
        _claimAll(id, funderCount);

        _assertRefundAccounting(id, t, funderCount, fundedTotal);
    }

    /// @dev Funders split a random part of the total; half the runs fund it completely.
    function _fundRandomly(uint256 id, uint256 seed, uint256 funderCount, uint256 total)
        internal
        returns (uint256 fundedTotal)
    {
        for (uint256 k; k < funderCount; ++k) {
            uint256 remaining = total - fundedTotal;
            if (remaining == 0) break;
            uint256 piece = bound(uint256(keccak256(abi.encode(seed, "fund", k))), 1, remaining);
            if (seed & 1 == 1 && k == funderCount - 1) piece = remaining;
            _fund(_funder(k), id, piece);
            fundedTotal += piece;
        }
    }

    /// @dev Releases or disputes-and-settles some of the funded milestones.
    function _settleRandomly(uint256 id, uint8 releaseMask, uint8 disputeMask, uint256 payeeBps) internal {
        uint256 covered = escrow.getEscrow(id).fundedMilestones;
        for (uint256 i; i < covered; ++i) {
            if ((releaseMask >> i) & 1 == 1) {
                vm.prank(maintainer);
                escrow.release(id, i);
            } else if ((disputeMask >> i) & 1 == 1) {
                vm.prank(contributor);
                escrow.dispute(id, i);
                vm.prank(arbiter);
                escrow.resolve(id, i, payeeBps);
            }
        }
    }

    function _assertRefundAccounting(uint256 id, address t, uint256 funderCount, uint256 fundedTotal) internal view {
        EscrowView memory v = escrow.getEscrow(id);
        uint256 claimedTotal;
        for (uint256 k; k < funderCount; ++k) {
            (uint256 share, uint256 claimed) = escrow.funderAccount(id, _funder(k));
            assertLe(claimed, share, "refund above share");
            assertEq(_balanceOf(t, _funder(k)), claimed, "funder received exactly the claim");
            claimedTotal += claimed;
        }
        assertLe(claimedTotal, v.refundPool, "refunds above pool");
        assertLt(v.refundPool - claimedTotal, funderCount, "dust below one unit per funder");
        assertEq(v.held, v.refundPool - claimedTotal, "held is exactly the unclaimed dust");
        assertEq(_balanceOf(t, address(escrow)), v.held, "balance matches accounting");
        uint256 out = _balanceOf(t, contributor) + _balanceOf(t, treasury) + claimedTotal;
        assertEq(out + v.held, fundedTotal, "money out + held == money in");
        assertEq(v.funded, fundedTotal);
    }

    function _claimAll(uint256 id, uint256 funderCount) internal {
        for (uint256 k; k < funderCount; ++k) {
            if (escrow.claimableRefund(id, _funder(k)) != 0) escrow.claimRefund(id, _funder(k));
        }
    }

    // ------------------------------------------------------------------------------------------
    // administration
    // ------------------------------------------------------------------------------------------

    /// @dev The default fee is capped and only ever reaches escrows created after the change.
    function testFuzz_setDefaultFee_CappedAndOnlyForNewEscrows(uint16 feeBps) public {
        uint256 before = _create(maintainer, _params(address(token)), 0);
        if (feeBps > 1_000) {
            vm.expectRevert(abi.encodeWithSelector(IMilestoneEscrow.EscrowInvalidFee.selector, feeBps, 1_000));
            vm.prank(admin);
            escrow.setDefaultFee(feeBps);
            assertEq(escrow.defaultFeeBps(), DEFAULT_FEE_BPS);
            return;
        }
        vm.prank(admin);
        escrow.setDefaultFee(feeBps);
        uint256 afterChange = _create(maintainer, _params(address(token)), 0);
        assertEq(escrow.getEscrow(before).feeBps, DEFAULT_FEE_BPS);
        assertEq(escrow.getEscrow(afterChange).feeBps, feeBps);
    }
}
