// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {FundingRound} from "../../../../contracts/funding/FundingRound.sol";
import {IFundingRound} from "../../../../contracts/funding/IFundingRound.sol";
import {IMilestoneEscrow} from "../../../../contracts/escrow/IMilestoneEscrow.sol";
import {SignatureQuorum} from "../../../../contracts/intents/SignatureQuorum.sol";
import {TestToken} from "../../../../contracts/testing/TestToken.sol";

/// @title FundingHandler
/// @notice Drives one QUADRATIC ERC-20 round through its whole life in random order: donations,
/// sponsorship, time, resumable finalisation, releases (by the curator, and by PayoutIntents a
/// random quorum of the verifiers signs, checked by SignatureQuorum), streams and their stops,
/// deadline returns, refunds and pool returns. Calls that may legitimately revert go through
/// try/catch and only count when they succeed, so the ghosts record what really moved; an
/// attested release is sent only when it must succeed, so any revert of it fails the run.
contract FundingHandler is CommonBase, StdCheats, StdUtils {
    FundingRound public immutable round;
    TestToken public immutable token;
    address public immutable curator;
    uint256 public immutable projects;
    uint256 public constant MILESTONES = 2;

    address[] public donors;
    address[] public sponsors;
    address[] public recipients;
    address[] internal verifiers;
    uint256[] internal verifierKeys;

    // --- ghosts -------------------------------------------------------------------------------
    uint256 public ghostDonations;
    uint256 public ghostPool;
    uint256 public ghostRefunded;
    uint256 public ghostPoolReturned;
    uint256 public ghostWithdrawn;
    bool public ghostFinalizedTwice;
    bool public ghostIntentReplayed;
    uint256 internal intentNonce;
    mapping(uint256 projectId => mapping(uint256 milestone => uint256)) public releases;
    mapping(bytes32 key => uint256) public calls;

    constructor(
        FundingRound round_,
        TestToken token_,
        address curator_,
        address[] memory recipients_,
        address[] memory verifiers_,
        uint256[] memory verifierKeys_
    ) {
        round = round_;
        verifiers = verifiers_;
        verifierKeys = verifierKeys_;
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

    /// @notice A milestone released by a PayoutIntent that 2 or 3 of the verifiers sign (which
    /// ones, by seed), submitted by anyone; then the same intent once more, which must be refused
    /// as consumed. Sent only when the release must succeed (donations over and the round
    /// finalised, before the deadline, the project not refunding, the milestone unsettled), so it
    /// is never caught.
    function releaseWithIntent(uint256 projectSeed, uint256 milestoneSeed, uint256 quorumSeed) external {
        uint256 p = projectSeed % projects;
        uint256 k = milestoneSeed % MILESTONES;
        (,,,,,, uint40 end, uint40 deadline,,,,) = round.roundParams();
        if (block.timestamp < end || block.timestamp >= deadline) return;
        // A relayer with an attestation in hand completes a due finalisation first (anyone may):
        // without it the random walk rarely finishes one, and attested releases go untested.
        if (_phase() != IFundingRound.Phase.Finalized) round.finalize(2 * projects);
        IFundingRound.ProjectView memory project = round.getProject(p);
        if (project.refunding || uint256(project.settledMask) & (1 << k) != 0) return;
        IMilestoneEscrow.PayoutIntent memory it = IMilestoneEscrow.PayoutIntent({
            escrowId: p,
            milestone: k,
            payee: project.recipient,
            amount: round.milestonePayout(p, k),
            token: address(token),
            intentId: keccak256(abi.encode("handler intent", ++intentNonce)),
            deadline: block.timestamp + 1 days,
            evidenceHash: keccak256(abi.encode("evidence", p, k))
        });
        SignatureQuorum.Signature[] memory sigs = _quorum(round.hashIntent(it), quorumSeed);
        vm.prank(makeAddr("relayer"));
        round.releaseWithIntent(it, verifiers, sigs);
        ++releases[p][k];
        ++calls["releaseWithIntent"];
        try round.releaseWithIntent(it, verifiers, sigs) {
            ghostIntentReplayed = true;
        } catch (bytes memory reason) {
            if (bytes4(reason) != IFundingRound.RoundIntentConsumed.selector) ghostIntentReplayed = true;
        }
    }

    /// @dev Signatures over `digest` by the verifiers {0,1}, {0,2}, {1,2} or {0,1,2}, in the
    /// ascending signer order SignatureQuorum requires.
    function _quorum(bytes32 digest, uint256 seed) internal view returns (SignatureQuorum.Signature[] memory sigs) {
        uint8[3][4] memory sets = [[0, 1, 255], [0, 2, 255], [1, 2, 255], [0, 1, 2]];
        uint8[3] memory chosen = sets[seed % 4];
        uint256 n = chosen[2] == 255 ? 2 : 3;
        sigs = new SignatureQuorum.Signature[](n);
        for (uint256 i; i < n; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(verifierKeys[chosen[i]], digest);
            sigs[i] = SignatureQuorum.Signature({signerIndex: chosen[i], signature: abi.encodePacked(r, s, v)});
        }
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
