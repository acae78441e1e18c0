// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FundingTestBase} from "./FundingTestBase.sol";
import {FundingRound} from "../../../contracts/funding/FundingRound.sol";
import {IMilestoneEscrow} from "../../../contracts/escrow/IMilestoneEscrow.sol";
import {SignatureQuorum} from "../../../contracts/intents/SignatureQuorum.sol";

/// @dev A call that does nothing: its gas tells whether forge runs top-level calls as
/// transactions (`--isolate`: >= 21,000 intrinsic gas) or as plain internal calls.
contract FundingIsolationProbe {
    function ping() external {}
}

/// @title FundingGasTest
/// @notice Full-transaction gas of the funding round's main paths, with a plain ERC-20
/// `transferFrom` measured in the same run, written to `snapshots/Funding.json`. Run it as
/// `forge test --isolate --match-path 'tests/forge/funding/Funding.gas.t.sol'`; without
/// `--isolate` the scenarios still run and check their outcome, but nothing is recorded.
/// @dev Conditions: a 6-decimal ERC-20; steady state (the factory created a round before, the
/// round already holds the token); donors keep a balance and approve exactly what they give;
/// the reference `transferFrom` moves the same amount into an account that already holds the
/// token, like a donation into the round. Finalisation rows: every project has two donors and
/// meets its goal, the whole round finalises in one call.
contract FundingGasTest is FundingTestBase {
    string internal constant GROUP = "Funding";
    FundingIsolationProbe internal probe;

    function setUp() public override {
        super.setUp();
        probe = new FundingIsolationProbe();
        _createDefault(address(usdc));
    }

    function _isolated() internal returns (bool) {
        probe.ping();
        return vm.lastCallGas().gasTotalUsed >= 21_000;
    }

    function _record(string memory name, bool isolated) internal {
        if (isolated) {
            uint256 gasUsed = vm.snapshotGasLastCall(GROUP, name);
            assertGe(gasUsed, 21_000, "isolated figures include the intrinsic 21,000");
        } else {
            emit log_named_uint(string.concat(name, " (execution only, not recorded)"), vm.lastCallGas().gasTotalUsed);
        }
    }

    function _ready(address who, uint256 amount) internal {
        usdc.mint(who, 10 * amount);
        vm.prank(who);
        usdc.approve(address(round), amount);
    }

    function test_gas_createRound_erc20_2of3() public {
        bool isolated = _isolated();
        RoundParams memory p = _params(address(usdc), Strategy.QUADRATIC);
        vm.prank(timelock);
        address r = factory.createRound(p, keccak256("second"), "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi");
        _record("createRound_erc20_2of3", isolated);
        assertEq(r, factory.predictRound(p, keccak256("second")));
    }

    function _donationSetup() internal returns (uint256 a) {
        a = _register(recipientA, 1, 0);
        vm.warp(DONATION_START);
        _give(bob, a, 5 * USDC); // the round already holds the token
    }

    function test_gas_donate_erc20_firstDonor() public {
        uint256 a = _donationSetup();
        _ready(alice, 25 * USDC);
        bool isolated = _isolated();
        vm.prank(alice);
        round.donate(a, 25 * USDC);
        _record("donate_erc20_firstDonor", isolated);
        (uint256 amount,) = round.donationOf(a, alice);
        assertEq(amount, 25 * USDC);
    }

    function test_gas_donate_erc20_repeatDonor() public {
        uint256 a = _donationSetup();
        _give(alice, a, 10 * USDC);
        _ready(alice, 25 * USDC);
        bool isolated = _isolated();
        vm.prank(alice);
        round.donate(a, 25 * USDC);
        _record("donate_erc20_repeatDonor", isolated);
        (uint256 amount,) = round.donationOf(a, alice);
        assertEq(amount, 35 * USDC);
    }

    function test_gas_ref_erc20TransferFrom() public {
        address holder = makeAddr("holder");
        usdc.mint(holder, 1);
        usdc.mint(alice, 250 * USDC);
        vm.prank(alice);
        usdc.approve(address(this), 25 * USDC);
        bool isolated = _isolated();
        usdc.transferFrom(alice, holder, 25 * USDC);
        _record("ref_erc20TransferFrom", isolated);
        assertEq(usdc.balanceOf(holder), 25 * USDC + 1);
    }

    function _finalizeN(uint256 n) internal {
        for (uint256 i; i < n; ++i) {
            _register(address(uint160(0x10000 + i)), 1, 0);
        }
        vm.warp(DONATION_START);
        for (uint256 i; i < n; ++i) {
            _give(alice, i, 4 * USDC + i);
            _give(bob, i, 9 * USDC);
        }
        _sponsor(sponsor, 1_000 * USDC);
        vm.warp(DONATION_END);
        bool isolated = _isolated();
        round.finalize(2 * n);
        _record(string.concat("finalize_", vm.toString(n), "projects"), isolated);
        (Phase phase,,) = round.progress();
        assertEq(uint8(phase), uint8(Phase.Finalized));
    }

    function test_gas_finalize_10projects() public {
        _finalizeN(10);
    }

    function test_gas_finalize_100projects() public {
        _finalizeN(100);
    }

    function test_gas_finalize_500projects() public {
        _finalizeN(500);
    }

    function _finalizedProject(uint40 vesting) internal returns (uint256 a) {
        a = _register(recipientA, 1, vesting);
        vm.warp(DONATION_START);
        _give(alice, a, 25 * USDC);
        _give(bob, a, 25 * USDC);
        _sponsor(sponsor, 1_000 * USDC);
        _finalizeAll();
    }

    function test_gas_release_erc20_curator() public {
        uint256 a = _finalizedProject(0);
        bool isolated = _isolated();
        vm.prank(curator);
        round.release(a, 0);
        _record("release_erc20_curator", isolated);
        assertEq(usdc.balanceOf(recipientA), round.milestonePayout(a, 0));
    }

    function test_gas_releaseWithIntent_erc20_2of3() public {
        uint256 a = _finalizedProject(0);
        IMilestoneEscrow.PayoutIntent memory it = _intent(a, 0, keccak256("i0"));
        SignatureQuorum.Signature[] memory sigs = _sign(_intentDigest(it));
        bool isolated = _isolated();
        vm.prank(relayer);
        round.releaseWithIntent(it, verifiers, sigs);
        _record("releaseWithIntent_erc20_2of3", isolated);
        assertEq(usdc.balanceOf(recipientA), it.amount);
    }

    function test_gas_claimStream_erc20() public {
        uint256 a = _finalizedProject(30 days);
        vm.prank(curator);
        round.release(a, 0);
        vm.warp(block.timestamp + 10 days);
        bool isolated = _isolated();
        round.claimStream(a, 0);
        _record("claimStream_erc20", isolated);
        assertEq(usdc.balanceOf(recipientA), round.milestonePayout(a, 0) / 3);
    }
}
