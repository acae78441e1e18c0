// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "forge-std/Vm.sol";
import {Escrow as OZEscrowV4} from "openzeppelin-contracts-4/utils/escrow/Escrow.sol";
import {RejectingReceiver} from "../../../contracts/testing/RejectingReceiver.sol";
import {EscrowTestBase} from "./EscrowTestBase.sol";

/// @dev A call that does nothing: its gas tells whether forge runs top-level calls as
/// transactions (`--isolate`: >= 21,000 intrinsic gas) or as plain internal calls.
contract IsolationProbe {
    function ping() external {}
}

/// @title MilestoneEscrowGasTest
/// @notice Full-transaction gas of the escrow's main paths, with references, written to
/// `snapshots/MilestoneEscrow.json`. Run it as
/// `forge test --isolate --match-path 'tests/forge/escrow/MilestoneEscrow.gas.t.sol'`:
/// with `--isolate` every top-level call is its own transaction (cold storage and accounts, the
/// 21,000 base and calldata cost included, refunds applied), and `snapshotGasLastCall` records
/// that transaction's gas. Without `--isolate` (a plain `forge test`) the scenarios still run and
/// check their outcome, but nothing is recorded, so snapshots only ever hold full-tx figures.
/// @dev Conditions, the same for every scenario unless its name says otherwise:
/// - steady state: the escrow already holds the token and some ETH, `escrowCount` is non-zero;
/// - default fee 0 (no treasury transfer); the ERC-20 payee held none of the token before;
/// - the ETH payee is an existing account (sending value to an empty account costs 25,000 more);
/// - payers keep a token balance after funding and approve exactly what they fund.
contract MilestoneEscrowGasTest is EscrowTestBase {
    string internal constant GROUP = "MilestoneEscrow";

    IsolationProbe internal probe;

    function setUp() public override {
        super.setUp();
        probe = new IsolationProbe();
        vm.prank(admin);
        escrow.setDefaultFee(0);
        // Steady state: an earlier escrow per asset, so counters and the escrow's balances are warm
        // in the sense of "non-zero" (every top-level call still starts with cold access lists).
        _create(bob, _params(address(token)), M0);
        _create(bob, _params(ETH), M0);
        vm.deal(contributor, 1 ether);
    }

    // ------------------------------------------------------------------------------------------
    // helpers
    // ------------------------------------------------------------------------------------------

    /// @dev True when this run executes top-level calls as isolated transactions.
    function _isolated() internal returns (bool) {
        probe.ping();
        return vm.lastCallGas().gasTotalUsed >= 21_000;
    }

    /// @dev Records the previous call's full-transaction gas under `name` when isolated.
    function _record(string memory name, bool isolated) internal {
        if (isolated) {
            uint256 gasUsed = vm.snapshotGasLastCall(GROUP, name);
            assertGe(gasUsed, 21_000, "isolated figures include the intrinsic 21,000");
        } else {
            emit log_named_uint(string.concat(name, " (execution only, not recorded)"), vm.lastCallGas().gasTotalUsed);
        }
    }

    /// @dev Payer with a remaining balance and an exact approval for `amount`.
    function _readyPayer(address payer, uint256 amount) internal {
        token.mint(payer, 10 * amount);
        vm.prank(payer);
        token.approve(address(escrow), amount);
    }

    function _fundedEscrow(address token_) internal returns (uint256) {
        return _create(maintainer, _params(token_), TOTAL);
    }

    // ------------------------------------------------------------------------------------------
    // create + fund
    // ------------------------------------------------------------------------------------------

    /// @dev A 2-of-3 set nobody registered yet (the steady-state escrows registered the default one).
    function _newVerifierSet(EscrowParams memory p) internal returns (EscrowParams memory) {
        p.verifiers = new address[](3);
        (p.verifiers[0], p.verifiers[1], p.verifiers[2]) = (makeAddr("new v1"), makeAddr("new v2"), makeAddr("new v3"));
        return p;
    }

    /// @dev The verifier set is new and registered on the way (one slot).
    function test_gas_createAndFund_erc20_3milestones_2of3() public {
        EscrowParams memory p = _newVerifierSet(_params(address(token)));
        _readyPayer(maintainer, TOTAL);
        bool isolated = _isolated();

        vm.prank(maintainer);
        uint256 id = escrow.create(p, TOTAL);
        _record("createAndFund_erc20_3milestones_2of3", isolated);

        assertEq(escrow.getEscrow(id).fundedMilestones, 3);
    }

    /// @dev The platform's set, registered once before, referenced by id; the payer is the sole funder.
    function test_gas_createAndFund_erc20_3milestones_registeredSet() public {
        EscrowParams memory p = _params(address(token));
        (p.verifiers, p.threshold, p.verifierSetId) = (new address[](0), 0, escrow.verifierSetIdOf(_verifiers(), 2));
        _readyPayer(maintainer, TOTAL);
        bool isolated = _isolated();

        vm.prank(maintainer);
        uint256 id = escrow.create(p, TOTAL);
        _record("createAndFund_erc20_3milestones_registeredSet", isolated);

        assertEq(escrow.getEscrow(id).fundedMilestones, 3);
        assertEq(escrow.getEscrow(id).threshold, 2);
    }

    /// @dev A new set, registered on the way, as the ERC-20 row.
    function test_gas_createAndFund_eth_3milestones_2of3() public {
        EscrowParams memory p = _newVerifierSet(_params(ETH));
        vm.deal(maintainer, 10 * TOTAL);
        bool isolated = _isolated();

        vm.prank(maintainer);
        uint256 id = escrow.create{value: TOTAL}(p, TOTAL);
        _record("createAndFund_eth_3milestones_2of3", isolated);

        assertEq(escrow.getEscrow(id).fundedMilestones, 3);
    }

    function test_gas_fund_erc20_secondFunder() public {
        uint256 id = _create(maintainer, _params(address(token)), M0);
        _readyPayer(alice, M1);
        bool isolated = _isolated();

        vm.prank(alice);
        escrow.fund(id, M1);
        _record("fund_erc20_secondFunder", isolated);

        assertEq(_share(id, alice), M1);
    }

    // ------------------------------------------------------------------------------------------
    // releases
    // ------------------------------------------------------------------------------------------

    function test_gas_release_erc20_payer_fee0_payeeHeldNone() public {
        uint256 id = _fundedEscrow(address(token));
        assertEq(token.balanceOf(contributor), 0);
        bool isolated = _isolated();

        vm.prank(maintainer);
        escrow.release(id, 1);
        _record("release_erc20_payer_fee0_payeeHeldNone", isolated);

        assertEq(token.balanceOf(contributor), M1);
    }

    /// @dev The same release to a payee that already holds the token (its balance slot is
    /// non-zero: 2,900 instead of 20,000 for the token's SSTORE).
    function test_gas_release_erc20_payer_fee0_payeeHeldSome() public {
        uint256 id = _fundedEscrow(address(token));
        token.mint(contributor, 1);
        bool isolated = _isolated();

        vm.prank(maintainer);
        escrow.release(id, 1);
        _record("release_erc20_payer_fee0_payeeHeldSome", isolated);

        assertEq(token.balanceOf(contributor), 1 + uint256(M1));
    }

    function test_gas_release_eth_payer_fee0() public {
        uint256 id = _fundedEscrow(ETH);
        bool isolated = _isolated();

        vm.prank(maintainer);
        escrow.release(id, 1);
        _record("release_eth_payer_fee0", isolated);

        assertEq(contributor.balance, 1 ether + M1);
    }

    /// @dev For comparison: the same release with a 1% fee to a treasury that already holds the token.
    function test_gas_release_erc20_payer_fee100bps() public {
        vm.prank(admin);
        escrow.setDefaultFee(100);
        token.mint(treasury, 1);
        uint256 id = _fundedEscrow(address(token));
        bool isolated = _isolated();

        vm.prank(maintainer);
        escrow.release(id, 1);
        _record("release_erc20_payer_fee100bps_payeeHeldNone", isolated);

        assertEq(token.balanceOf(treasury), 1 + uint256(M1) / 100);
    }

    function test_gas_releaseWithIntent_erc20_2of3_fee0_payeeHeldNone() public {
        uint256 id = _fundedEscrow(address(token));
        PayoutIntent memory i = _intent(id, 1, keccak256("gas intent"));
        VerifierSignature[] memory sigs = _sign2(i);
        address[] memory verifiers = _verifiers();
        bool isolated = _isolated();

        vm.prank(relayer);
        escrow.releaseWithIntent(i, verifiers, sigs);
        _record("releaseWithIntent_erc20_2of3_fee0_payeeHeldNone", isolated);

        assertEq(token.balanceOf(contributor), M1);
    }

    function test_gas_releaseWithIntent_eth_2of3_fee0() public {
        uint256 id = _fundedEscrow(ETH);
        PayoutIntent memory i = _intent(id, 1, keccak256("gas intent"));
        VerifierSignature[] memory sigs = _sign2(i);
        address[] memory verifiers = _verifiers();
        bool isolated = _isolated();

        vm.prank(relayer);
        escrow.releaseWithIntent(i, verifiers, sigs);
        _record("releaseWithIntent_eth_2of3_fee0", isolated);

        assertEq(contributor.balance, 1 ether + M1);
    }

    /// @dev Two attested releases of one escrow batched by a relayer through `multicall`.
    function test_gas_multicall_twoIntents_erc20_2of3_fee0() public {
        uint256 id = _fundedEscrow(address(token));
        PayoutIntent memory i0 = _intent(id, 0, keccak256("gas intent 0"));
        PayoutIntent memory i1 = _intent(id, 1, keccak256("gas intent 1"));
        bytes[] memory batch = new bytes[](2);
        batch[0] = abi.encodeCall(escrow.releaseWithIntent, (i0, _verifiers(), _sign2(i0)));
        batch[1] = abi.encodeCall(escrow.releaseWithIntent, (i1, _verifiers(), _sign2(i1)));
        bool isolated = _isolated();

        vm.prank(relayer);
        escrow.multicall(batch);
        _record("multicall_twoIntents_erc20_2of3_fee0", isolated);

        assertEq(token.balanceOf(contributor), uint256(M0) + M1);
    }

    /// @dev Ten equal ETH milestones, fully funded, payee named: the relayer benchmark's batch shape.
    function _tenMilestoneEthEscrow() internal returns (uint256) {
        uint96[] memory amounts = new uint96[](10);
        for (uint256 m; m < 10; ++m) {
            amounts[m] = 1e15;
        }
        return _create(maintainer, _params(ETH, amounts), 1e16);
    }

    /// @dev Twenty attested ETH releases (all milestones of two escrows) in one `multicall`, the
    /// way the relayer batched before `releaseWithIntents`. Per payout: the figure / 20.
    function test_gas_multicall_twentyIntents_eth_2of3_fee0() public {
        uint256[2] memory ids = [_tenMilestoneEthEscrow(), _tenMilestoneEthEscrow()];
        bytes[] memory batch = new bytes[](20);
        for (uint256 k; k < 20; ++k) {
            PayoutIntent memory i = _intent(ids[k / 10], k % 10, keccak256(abi.encode("batch", k)));
            batch[k] = abi.encodeCall(escrow.releaseWithIntent, (i, _verifiers(), _sign2(i)));
        }
        uint256 before = contributor.balance;
        bool isolated = _isolated();

        vm.prank(relayer);
        escrow.multicall(batch);
        _record("multicall_twentyIntents_eth_2of3_fee0", isolated);

        assertEq(contributor.balance, before + 20 * 1e15);
    }

    /// @dev The same twenty releases through the batch entry point (verifier set passed once).
    function test_gas_releaseWithIntents_twentyIntents_eth_2of3_fee0() public {
        uint256[2] memory ids = [_tenMilestoneEthEscrow(), _tenMilestoneEthEscrow()];
        PayoutIntent[] memory batch = new PayoutIntent[](20);
        VerifierSignature[][] memory sigs = new VerifierSignature[][](20);
        for (uint256 k; k < 20; ++k) {
            batch[k] = _intent(ids[k / 10], k % 10, keccak256(abi.encode("batch", k)));
            sigs[k] = _sign2(batch[k]);
        }
        address[] memory verifiers = _verifiers();
        uint256 before = contributor.balance;
        bool isolated = _isolated();

        vm.prank(relayer);
        escrow.releaseWithIntents(verifiers, batch, sigs);
        _record("releaseWithIntents_twentyIntents_eth_2of3_fee0", isolated);

        assertEq(contributor.balance, before + 20 * 1e15);
    }

    // ------------------------------------------------------------------------------------------
    // disputes and refunds
    // ------------------------------------------------------------------------------------------

    function test_gas_dispute_then_resolve_erc20_fee0() public {
        uint256 id = _fundedEscrow(address(token));
        bool isolated = _isolated();

        vm.prank(contributor);
        escrow.dispute(id, 1);
        _record("dispute", isolated);

        vm.prank(arbiter);
        escrow.resolve(id, 1, 5_000);
        _record("resolve_erc20_50pct_fee0", isolated);

        assertEq(token.balanceOf(contributor), M1 / 2);
        assertEq(escrow.getEscrow(id).refundPool, M1 / 2);
    }

    function test_gas_closeExpiredDispute_erc20_refundToFunders() public {
        uint256 id = _fundedEscrow(address(token));
        vm.prank(contributor);
        escrow.dispute(id, 1);
        vm.warp(block.timestamp + DISPUTE_WINDOW);
        bool isolated = _isolated();

        vm.prank(stranger);
        escrow.closeExpiredDispute(id, 1);
        _record("closeExpiredDispute_erc20_refundToFunders", isolated);

        assertEq(escrow.getEscrow(id).refundPool, M1);
    }

    function test_gas_openRefunds_then_claimRefund_erc20() public {
        uint256 id = _fundedEscrow(address(token));
        vm.prank(maintainer);
        escrow.release(id, 0);
        vm.warp(uint256(escrow.getEscrow(id).deadline) + 1);
        token.mint(maintainer, 1); // the funder still holds some of the token
        bool isolated = _isolated();

        vm.prank(stranger);
        escrow.openRefunds(id);
        _record("openRefunds_3milestones", isolated);

        vm.prank(maintainer);
        escrow.claimRefund(id, maintainer);
        _record("claimRefund_erc20", isolated);

        assertEq(token.balanceOf(maintainer), 1 + uint256(M1) + M2);
    }

    /// @dev The credit accrues while the recipient refuses ETH (it has code that reverts); the
    /// withdrawal is then sent by that account itself as a plain transaction (its code removed,
    /// as for an EIP-7702 account that changed its delegation), so the figure is the escrow's
    /// withdraw path and nothing else.
    function test_gas_withdraw_eth_credit() public {
        RejectingReceiver receiver = new RejectingReceiver();
        EscrowParams memory p = _params(ETH);
        p.payee = address(receiver);
        uint256 id = _create(maintainer, p, TOTAL);
        vm.prank(maintainer);
        escrow.release(id, 0);
        assertEq(escrow.creditOf(ETH, address(receiver)), M0);
        vm.etch(address(receiver), "");
        bool isolated = _isolated();

        vm.prank(address(receiver));
        escrow.withdraw(ETH);
        _record("withdraw_eth_credit", isolated);

        assertEq(address(receiver).balance, M0);
        assertEq(escrow.creditOf(ETH, address(receiver)), 0);
    }

    // ------------------------------------------------------------------------------------------
    // references
    // ------------------------------------------------------------------------------------------

    /// @dev A bare ERC-20 transfer (OpenZeppelin 5 ERC20) to an address that held none.
    function test_gas_ref_erc20Transfer_freshRecipient() public {
        token.mint(alice, 2 * TOTAL);
        address fresh = makeAddr("fresh recipient");
        bool isolated = _isolated();

        vm.prank(alice);
        token.transfer(fresh, TOTAL);
        _record("ref_erc20Transfer_freshRecipient", isolated);

        assertEq(token.balanceOf(fresh), TOTAL);
    }

    /// @dev OpenZeppelin 4.9.6 `Escrow`: owner deposits for a payee, then withdraws to them.
    function test_gas_ref_ozEscrowV4_deposit_then_withdraw() public {
        address owner = makeAddr("oz escrow owner");
        vm.prank(owner);
        OZEscrowV4 oz = new OZEscrowV4();
        vm.deal(owner, 10 ether);
        bool isolated = _isolated();

        vm.prank(owner);
        oz.deposit{value: 1 ether}(contributor);
        _record("ref_ozEscrowV4_deposit", isolated);

        vm.prank(owner);
        oz.withdraw(payable(contributor));
        _record("ref_ozEscrowV4_withdraw", isolated);

        assertEq(contributor.balance, 2 ether);
    }

    /// @dev Documents what the recorded figure is: gas used by the whole transaction, net of refunds.
    function test_gas_isolationMeasuresFullTransactions() public {
        if (!_isolated()) return;
        probe.ping();
        Vm.Gas memory g = vm.lastCallGas();
        // An empty call: 21,000 intrinsic + 4 calldata bytes (16 each) + dispatch.
        assertGe(g.gasTotalUsed, 21_064);
        assertLt(g.gasTotalUsed, 21_300);
    }
}
