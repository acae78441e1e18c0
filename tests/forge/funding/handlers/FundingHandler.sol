// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {FundingRound} from "../../../../contracts/funding/FundingRound.sol";
import {IFundingRound} from "../../../../contracts/funding/IFundingRound.sol";
import {TestToken} from "../../../../contracts/testing/TestToken.sol";

/// @title FundingHandler
/// @notice Drives one QUADRATIC ERC-20 round through its whole life in random order: donations,
/// sponsorship, time, resumable finalisation, releases, streams and their stops, deadline
/// returns, refunds and pool returns. Calls that may legitimately revert go through try/catch
/// and only count when they succeed, so the ghosts record what really moved.
contract FundingHandler is CommonBase, StdCheats, StdUtils {
    FundingRound public immutable round;
    TestToken public immutable token;
    address public immutable curator;
    uint256 public immutable projects;
    uint256 public constant MILESTONES = 2;

    address[] public donors;
    address[] public sponsors;
    address[] public recipients;

    // --- ghosts -------------------------------------------------------------------------------
    uint256 public ghostDonations;
    uint256 public ghostPool;
    uint256 public ghostRefunded;
    uint256 public ghostPoolReturned;
    uint256 public ghostWithdrawn;
    bool public ghostFinalizedTwice;
    mapping(uint256 projectId => mapping(uint256 milestone => uint256)) public releases;
    mapping(bytes32 key => uint256) public calls;

    constructor(FundingRound round_, TestToken token_, address curator_, address[] memory recipients_) {
        round = round_;
        token = token_;
        curator = curator_;
        recipients = recipients_;
        projects = recipients_.length;
        for (uint256 i; i < 4; ++i) {
            donors.push(makeAddr(string.concat("donor", vm.toString(i))));
        }
        for (uint256 i; i < 2; ++i) {
            sponsors.push(makeAddr(string.concat("sponsor", vm.toString(i))));
        }
    }

    function donorCount() external view returns (uint256) {
        return donors.length;
    }

    function _phase() internal view returns (IFundingRound.Phase phase) {
        (phase,,) = round.progress();
    }

    // --- actions ------------------------------------------------------------------------------

    function donate(uint256 donorSeed, uint256 projectSeed, uint256 amount) external {
        (,,,,, uint40 start, uint40 end,,,,,) = round.roundParams();
        if (block.timestamp < start || block.timestamp >= end) return;
        address donor = donors[donorSeed % donors.length];
        uint256 p = projectSeed % projects;
        amount = bound(amount, 1, 2_000e6);
        token.mint(donor, amount);
        vm.startPrank(donor);
        token.approve(address(round), amount);
        round.donate(p, amount);
        vm.stopPrank();
        ghostDonations += amount;
        ++calls["donate"];
    }

    function sponsor(uint256 seed, uint256 amount) external {
        if (_phase() != IFundingRound.Phase.Open) return;
        address s = sponsors[seed % sponsors.length];
        amount = bound(amount, 1, 5_000e6);
        token.mint(s, amount);
        vm.startPrank(s);
        token.approve(address(round), amount);
        round.fundPool(amount);
        vm.stopPrank();
        ghostPool += amount;
        ++calls["sponsor"];
    }

    function warp(uint256 dt) external {
        vm.warp(block.timestamp + bound(dt, 0, 20 days));
        ++calls["warp"];
    }

    function finalize(uint256 steps) external {
        (,,,,,, uint40 end,,,,,) = round.roundParams();
        if (block.timestamp < end) return;
        bool wasFinal = _phase() == IFundingRound.Phase.Finalized;
        try round.finalize(bound(steps, 1, 3)) {
            if (wasFinal) ghostFinalizedTwice = true;
            ++calls["finalize"];
        } catch {}
    }

    function release(uint256 projectSeed, uint256 milestoneSeed) external {
        uint256 p = projectSeed % projects;
        uint256 k = milestoneSeed % MILESTONES;
        vm.prank(curator);
        try round.release(p, k) {
            ++releases[p][k];
            ++calls["release"];
        } catch {}
    }

    function claimStream(uint256 projectSeed, uint256 milestoneSeed) external {
        try round.claimStream(projectSeed % projects, milestoneSeed % MILESTONES) {
            ++calls["claimStream"];
        } catch {}
    }

    function stopStream(uint256 projectSeed, uint256 milestoneSeed) external {
        vm.prank(curator);
        try round.stopStream(projectSeed % projects, milestoneSeed % MILESTONES) {
            ++calls["stopStream"];
        } catch {}
    }

    function returnUnreleased(uint256 projectSeed) external {
        try round.returnUnreleased(projectSeed % projects) {
            ++calls["returnUnreleased"];
        } catch {}
    }

    function claimRefund(uint256 donorSeed, uint256 projectSeed) external {
        address donor = donors[donorSeed % donors.length];
        vm.prank(donor);
        try round.claimRefund(projectSeed % projects) returns (uint256 amount) {
            ghostRefunded += amount;
            ++calls["claimRefund"];
        } catch {}
    }

    function claimPoolReturn(uint256 seed) external {
        vm.prank(sponsors[seed % sponsors.length]);
        try round.claimPoolReturn() returns (uint256 amount) {
            ghostPoolReturned += amount;
            ++calls["claimPoolReturn"];
        } catch {}
    }

    /// @notice What every recipient has received (immediate releases and stream claims).
    function paidToRecipients() external view returns (uint256 sum) {
        for (uint256 i; i < recipients.length; ++i) {
            sum += token.balanceOf(recipients[i]);
        }
    }
}
