// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IMilestoneEscrow} from "../escrow/IMilestoneEscrow.sol";
import {SignatureQuorum} from "../intents/SignatureQuorum.sol";
import {IVerifierSuspensions} from "../staking/IVerifierBonds.sol";
import {IDonorEligibility} from "./IDonorEligibility.sol";
import {IFundingRound} from "./IFundingRound.sol";

/// @title FundingRound
/// @notice One funding round, deployed by FundingRoundFactory as an ERC-1167 clone. Donors give to
/// projects, sponsors fund a matching pool, and finalisation allocates the pool on chain:
/// QUADRATIC gives project i a match proportional to (sum_j sqrt(c_ij))^2 - sum_j c_ij, SCORE
/// allocates it pro rata to a verifier-signed leaderboard. Projects are then paid milestone by
/// milestone (by an attested PayoutIntent or by the curator), optionally as a linear stream.
/// @dev Rounding: integer square roots floor (OpenZeppelin Math.sqrt), every share floors, so the
/// pool never pays more than it holds. Milestone k of a project with total T and cumulative
/// planned amounts C pays floor(T*C_k/C_n) - floor(T*C_{k-1}/C_n): the parts sum to T exactly.
/// Pausing stops project registration and donations only; refunds, claims, releases, streams and
/// finalisation always work. There is no admin path to the funds.
contract FundingRound is IFundingRound, IVerifierSuspensions, ReentrancyGuardTransient, EIP712 {
    using SafeERC20 for IERC20;

    /// @notice The escrow's PayoutIntent type: `escrowId` names the project.
    bytes32 public constant PAYOUT_INTENT_TYPEHASH = keccak256(
        "PayoutIntent(uint256 escrowId,uint256 milestone,address payee,uint256 amount,address token,bytes32 intentId,uint256 deadline,bytes32 evidenceHash)"
    );
    /// @notice A SCORE round's leaderboard snapshot.
    bytes32 public constant LEADERBOARD_TYPEHASH =
        keccak256("Leaderboard(Entry[] entries)Entry(address recipient,uint256 score)");
    /// @notice One leaderboard line.
    bytes32 public constant ENTRY_TYPEHASH = keccak256("Entry(address recipient,uint256 score)");
    /// @notice Most milestones per project (one bit each in the settled mask).
    uint256 public constant MAX_MILESTONES = 32;
    uint256 private constant _BPS = 10_000;

    struct Project {
        // slot 0
        address recipient;
        uint40 vestingDuration;
        uint32 settledMask;
        uint8 milestoneCount;
        bool refunding;
        // slot 1
        uint96 donated;
        uint96 sumSqrt;
        // slot 2
        uint96 goal;
        uint96 matched;
        // slot 3
        uint96 returnedToDonors;
        // slot 4..
        uint96[] cumulativeAmounts;
    }

    struct Donation {
        uint96 amount;
        uint96 refunded;
    }

    struct Sponsor {
        uint128 contributed;
        uint128 claimed;
    }

    struct Stream {
        uint96 amount;
        uint96 claimed;
        uint40 start;
        bool stopped;
    }

    // --- configuration (written once by initialize) ------------------------------------------
    // Times are kept as uint32 (seconds, until 2106) so a round's configuration and its project
    // count fill three slots: a clone's initialisation writes three (plus the verifier commitment),
    // and a donation reads three.
    address private _currency;
    Strategy private _strategy;
    uint16 private _capBps;
    uint8 private _threshold;
    Phase private _phase;
    bool private _initialized;
    uint32 private _applicationEnd;

    address private _curator;
    uint32 private _donationStart;
    uint32 private _donationEnd;
    uint32 private _releaseDeadline;

    address private _eligibility;
    uint32 private _projectCount;
    bool private _paused;

    address private _treasury;
    bytes32 private _verifiersHash;

    // --- state --------------------------------------------------------------------------------
    uint256 private _cursor;
    uint256 private _tally;
    uint256 private _poolTotal;
    uint256 private _totalMatched;
    uint256 private _poolReturned;
    uint256 private _treasuryClaimed;

    mapping(uint256 projectId => Project) private _projects;
    mapping(uint256 projectId => mapping(address donor => Donation)) private _donations;
    mapping(address sponsor => Sponsor) private _sponsors;
    mapping(uint256 projectId => mapping(uint256 milestone => Stream)) private _streams;
    mapping(address account => uint256) private _owed;
    mapping(bytes32 intentId => bool) private _consumed;
    /// @dev The round's verifiers suspended by the bond registry (bit i: verifier i), as it last
    /// recorded them ({recordVerifierSuspensions}); read once per attested release or leaderboard.
    uint256 private _suspendedVerifiers;

    /// @notice The bond registry (VerifierBonds) allowed to suspend the round's verifiers; fixed in
    /// the implementation's code, so every clone of it shares the deployment's registry.
    /// address(0): the rounds' verifiers are not bonded.
    address public immutable verifierBonds;

    /// @dev The implementation itself can never be initialised; only its clones are.
    /// @param verifierBonds_ The deployment's bond registry (address(0): none).
    constructor(address verifierBonds_) EIP712("quiltkit FundingRound", "1") {
        _initialized = true;
        verifierBonds = verifierBonds_;
    }

    modifier onlyCurator() {
        _checkCurator();
        _;
    }

    modifier whenNotPaused() {
        if (_paused) revert RoundIsPaused();
        _;
    }

    // ------------------------------------------------------------------------------------------
    // Initialisation
    // ------------------------------------------------------------------------------------------

    /// @notice Fixes the round's parameters (called once by the factory in the clone's creation).
    /// Requirements: not initialised; a curator; a cap in 1..10,000 bps; applicationEnd <=
    /// donationEnd, donationStart < donationEnd < releaseDeadline <= 2^32 - 1; a valid verifier set (a SCORE
    /// round needs one). Emits RoundInitialized.
    function initialize(RoundParams calldata params) external {
        if (_initialized) revert RoundAlreadyInitialized();
        if (params.curator == address(0)) revert RoundInvalidCurator();
        if (params.matchingCapBps == 0 || params.matchingCapBps > _BPS) revert RoundInvalidCap(params.matchingCapBps);
        if (
            params.applicationEnd > params.donationEnd || params.donationStart >= params.donationEnd
                || params.donationEnd >= params.releaseDeadline || params.releaseDeadline > type(uint32).max
        ) {
            revert RoundInvalidWindows(
                params.applicationEnd, params.donationStart, params.donationEnd, params.releaseDeadline
            );
        }
        bytes32 verifiersHash = SignatureQuorum.commit(params.verifiers, params.threshold);
        if (params.strategy == Strategy.SCORE && verifiersHash == bytes32(0)) revert RoundAttestationDisabled();
        _initialized = true;
        _currency = params.currency;
        _strategy = params.strategy;
        _capBps = params.matchingCapBps;
        _threshold = params.threshold;
        _curator = params.curator;
        // All four times fit uint32: each is at most releaseDeadline, checked above.
        _applicationEnd = uint32(params.applicationEnd);
        _donationStart = uint32(params.donationStart);
        _donationEnd = uint32(params.donationEnd);
        _releaseDeadline = uint32(params.releaseDeadline);
        if (params.eligibility != address(0)) _eligibility = params.eligibility;
        if (params.treasury != address(0)) _treasury = params.treasury;
        if (verifiersHash != bytes32(0)) _verifiersHash = verifiersHash;
        emit RoundInitialized(msg.sender, params.curator, params.currency, params.strategy);
    }

    // ------------------------------------------------------------------------------------------
    // Projects, donations, pool
    // ------------------------------------------------------------------------------------------

    /// @notice Registers a project: its recipient, funding goal, planned milestone amounts (the
    /// final total is paid in these proportions) and an optional vesting duration per milestone.
    /// Requirements: curator; QUADRATIC; before applicationEnd; not paused; 1..32 milestones, none
    /// zero, total within uint96; goal > 0. Emits ProjectRegistered.
    function registerProject(address recipient, uint96 goal, uint96[] calldata milestoneAmounts, uint40 vestingDuration)
        external
        onlyCurator
        whenNotPaused
        returns (uint256 projectId)
    {
        _requireStrategy(Strategy.QUADRATIC);
        if (block.timestamp >= _applicationEnd) revert RoundApplicationsClosed(_applicationEnd, block.timestamp);
        if (recipient == address(0)) revert RoundInvalidRecipient();
        if (goal == 0) revert RoundInvalidGoal();
        uint256 n = milestoneAmounts.length;
        if (n == 0 || n > MAX_MILESTONES) revert RoundInvalidMilestones(n, MAX_MILESTONES);
        projectId = _projectCount++;
        Project storage p = _projects[projectId];
        p.recipient = recipient;
        p.vestingDuration = vestingDuration;
        p.milestoneCount = uint8(n);
        p.goal = goal;
        uint256 sum;
        for (uint256 k; k < n; ++k) {
            if (milestoneAmounts[k] == 0) revert RoundZeroMilestone(k);
            sum += milestoneAmounts[k];
            if (sum > type(uint96).max) revert RoundAmountTooLarge(sum);
            p.cumulativeAmounts.push(uint96(sum));
        }
        emit ProjectRegistered(projectId, recipient, goal, milestoneAmounts, vestingDuration);
    }

    /// @notice Donates `amount` of the round's currency to `projectId`.
    /// Requirements: QUADRATIC; within the donation window; not paused; an existing project; an
    /// eligible donor; amount > 0 and the donor's total within uint96; for ETH msg.value ==
    /// amount, for a token an allowance and msg.value == 0. Emits Donated.
    function donate(uint256 projectId, uint256 amount) external payable whenNotPaused nonReentrant {
        _requireStrategy(Strategy.QUADRATIC);
        if (block.timestamp < _donationStart || block.timestamp >= _donationEnd) {
            revert RoundDonationsClosed(_donationStart, _donationEnd, block.timestamp);
        }
        if (projectId >= _projectCount) revert RoundProjectNotFound(projectId);
        if (amount == 0) revert RoundZeroAmount();
        address gate = _eligibility;
        if (gate != address(0) && !IDonorEligibility(gate).isEligible(msg.sender)) {
            revert RoundIneligibleDonor(msg.sender);
        }
        Donation storage d = _donations[projectId][msg.sender];
        uint256 before = d.amount;
        uint256 total = before + amount;
        Project storage p = _projects[projectId];
        uint256 donated = uint256(p.donated) + amount;
        if (donated > type(uint96).max) revert RoundAmountTooLarge(donated);
        d.amount = uint96(total);
        p.donated = uint96(donated);
        // sqrt(total) >= sqrt(before) (monotone), and sumSqrt <= sqrt(n * donated) fits uint96.
        p.sumSqrt = uint96(p.sumSqrt + Math.sqrt(total) - Math.sqrt(before));
        emit Donated(projectId, msg.sender, amount, total);
        _collect(amount);
    }

    /// @notice Adds `amount` to the matching pool. Anyone may sponsor before finalisation starts.
    /// Requirements: phase Open; amount > 0 (total within uint128); ETH or allowance as for donate.
    /// Emits PoolFunded.
    function fundPool(uint256 amount) external payable nonReentrant {
        if (_phase != Phase.Open) revert RoundPoolClosed();
        if (amount == 0) revert RoundZeroAmount();
        Sponsor storage s = _sponsors[msg.sender];
        uint256 contributed = uint256(s.contributed) + amount;
        if (contributed > type(uint96).max) revert RoundAmountTooLarge(contributed);
        uint256 pool = _poolTotal + amount;
        if (pool > type(uint96).max) revert RoundAmountTooLarge(pool);
        s.contributed = uint128(contributed);
        _poolTotal = pool;
        emit PoolFunded(msg.sender, amount, pool);
        _collect(amount);
    }

    // ------------------------------------------------------------------------------------------
    // Finalisation
    // ------------------------------------------------------------------------------------------

    /// @notice Advances QUADRATIC finalisation by at most `maxSteps` projects (each project is
    /// visited twice: a tally, then a distribution). Anyone may call; repeat until the phase is
    /// Finalized. Requirements: QUADRATIC; donations ended; not yet Finalized; maxSteps > 0.
    /// Emits FinalizationProgressed, ProjectMatched / ProjectBelowGoal, and at the end RoundFinalized.
    function finalize(uint256 maxSteps) external nonReentrant returns (Phase) {
        _requireStrategy(Strategy.QUADRATIC);
        if (block.timestamp < _donationEnd) revert RoundDonationsNotEnded(_donationEnd, block.timestamp);
        Phase phase = _phase;
        if (phase == Phase.Finalized) revert RoundWrongPhase(phase);
        if (maxSteps == 0) revert RoundNothingToFinalize();
        if (phase == Phase.Open) phase = Phase.Tallying;
        uint256 count = _projectCount;
        uint256 cursor = _cursor;
        uint256 steps;
        if (phase == Phase.Tallying) {
            uint256 tally = _tally;
            while (cursor < count && steps < maxSteps) {
                Project storage p = _projects[cursor];
                uint256 donated = p.donated;
                if (donated >= p.goal) tally += _quadratic(p.sumSqrt, donated);
                unchecked {
                    // Both bounded by count and maxSteps.
                    ++cursor;
                    ++steps;
                }
            }
            _tally = tally;
            if (cursor == count) {
                phase = Phase.Distributing;
                cursor = 0;
            }
        }
        if (phase == Phase.Distributing) {
            uint256 pool = _poolTotal;
            uint256 tally = _tally;
            uint256 cap = pool * _capBps / _BPS;
            uint256 matchedSum = _totalMatched;
            while (cursor < count && steps < maxSteps) {
                Project storage p = _projects[cursor];
                uint256 donated = p.donated;
                uint256 goal = p.goal;
                if (donated < goal) {
                    p.refunding = true;
                    emit ProjectBelowGoal(cursor, donated, goal);
                } else {
                    uint256 q = _quadratic(p.sumSqrt, donated);
                    uint256 m = tally <= pool ? q : Math.mulDiv(q, pool, tally);
                    if (m > cap) m = cap;
                    if (m != 0) {
                        p.matched = uint96(m);
                        matchedSum += m;
                    }
                    emit ProjectMatched(cursor, m, donated + m);
                }
                unchecked {
                    // Both bounded by count and maxSteps.
                    ++cursor;
                    ++steps;
                }
            }
            _totalMatched = matchedSum;
            if (cursor == count) {
                phase = Phase.Finalized;
                cursor = count;
                uint256 undistributed = pool - matchedSum;
                _poolReturned += undistributed;
                emit RoundFinalized(pool, matchedSum, undistributed);
            }
        }
        _phase = phase;
        _cursor = cursor;
        emit FinalizationProgressed(phase, cursor);
        return phase;
    }

    /// @notice Finalises a SCORE round: the verifier quorum's leaderboard allocates the pool pro
    /// rata to score (each share floors; the rest returns to the sponsors or the treasury).
    /// Allocations are paid by pull (`withdraw`). Requirements: SCORE; the contest window ended;
    /// phase Open (one leaderboard per round); entries non-empty with non-zero recipients and a
    /// positive total score; `threshold` verifier signatures over hashLeaderboard(entries).
    /// Emits LeaderboardAccepted, ScoreAllocated per entry, RoundFinalized.
    function submitLeaderboard(
        Entry[] calldata entries,
        address[] calldata verifiers,
        SignatureQuorum.Signature[] calldata signatures
    ) external nonReentrant {
        _requireStrategy(Strategy.SCORE);
        if (block.timestamp < _donationEnd) revert RoundDonationsNotEnded(_donationEnd, block.timestamp);
        if (_phase != Phase.Open) revert RoundWrongPhase(_phase);
        uint256 n = entries.length;
        if (n == 0) revert RoundLeaderboardEmpty();
        bytes32 digest = hashLeaderboard(entries);
        SignatureQuorum.verifyActive(_suspendedVerifiers, digest, _verifiersHash, verifiers, signatures, _threshold);
        uint256 totalScore;
        for (uint256 i; i < n; ++i) {
            if (entries[i].recipient == address(0)) revert RoundInvalidRecipient();
            totalScore += entries[i].score;
        }
        if (totalScore == 0) revert RoundZeroScore();
        _phase = Phase.Finalized;
        emit LeaderboardAccepted(digest, n, totalScore);
        uint256 pool = _poolTotal;
        uint256 distributed;
        for (uint256 i; i < n; ++i) {
            uint256 amount = Math.mulDiv(pool, entries[i].score, totalScore);
            if (amount != 0) {
                _owed[entries[i].recipient] += amount;
                distributed += amount;
            }
            emit ScoreAllocated(entries[i].recipient, entries[i].score, amount);
        }
        _totalMatched = distributed;
        _poolReturned += pool - distributed;
        emit RoundFinalized(pool, distributed, pool - distributed);
    }

    // ------------------------------------------------------------------------------------------
    // Milestones and streams
    // ------------------------------------------------------------------------------------------

    /// @notice The curator releases milestone `milestone` of `projectId`. See `_release`.
    function release(uint256 projectId, uint256 milestone) external onlyCurator nonReentrant {
        _release(projectId, milestone, bytes32(0));
    }

    /// @notice Releases a milestone on a PayoutIntent signed by the verifier quorum (the same
    /// EIP-712 type as MilestoneEscrow, `escrowId` = project id, domain "quiltkit FundingRound").
    /// Anyone may submit. Requirements: attestation configured; the intent names this project,
    /// milestone, recipient, the milestone's exact payout and the round's currency; not expired;
    /// intentId unused; `threshold` valid signatures. Emits MilestoneReleased (and StreamStarted).
    function releaseWithIntent(
        IMilestoneEscrow.PayoutIntent calldata intent,
        address[] calldata verifiers,
        SignatureQuorum.Signature[] calldata signatures
    ) external nonReentrant {
        bytes32 expected = _verifiersHash;
        if (expected == bytes32(0)) revert RoundAttestationDisabled();
        if (block.timestamp > intent.deadline) revert RoundIntentExpired(intent.intentId, intent.deadline);
        if (_consumed[intent.intentId]) revert RoundIntentConsumed(intent.intentId);
        uint256 projectId = intent.escrowId;
        if (projectId >= _projectCount) revert RoundProjectNotFound(projectId);
        Project storage p = _projects[projectId];
        if (
            intent.milestone >= p.milestoneCount || intent.payee != p.recipient || intent.token != _currency
                || _phase != Phase.Finalized || intent.amount != _milestonePayout(p, intent.milestone)
        ) revert RoundIntentMismatch(projectId, intent.milestone);
        SignatureQuorum.verifyActive(_suspendedVerifiers, hashIntent(intent), expected, verifiers, signatures, _threshold);
        _consumed[intent.intentId] = true;
        _release(projectId, intent.milestone, intent.intentId);
    }

    /// @notice Records which of the round's verifiers (bit i: verifier i) the bond registry
    /// suspends now ({VerifierBonds-pushSuspensions}, permissionless there): their signatures on a
    /// leaderboard or a payout intent are refused with {SignatureQuorum-QuorumSignerSuspended}.
    /// Requirements: the caller is {verifierBonds}; `commitment` is the round's verifier set.
    function recordVerifierSuspensions(bytes32 commitment, uint256 suspended) external {
        if (msg.sender != verifierBonds) revert RoundNotVerifierBonds(msg.sender);
        if (commitment != _verifiersHash) revert RoundVerifierSetMismatch(commitment);
        _suspendedVerifiers = suspended;
    }

    /// @notice Pays the vested, unclaimed part of a streamed milestone to the project's recipient.
    /// Anyone may call. Requirements: a stream; something vested and unclaimed. Emits StreamClaimed.
    function claimStream(uint256 projectId, uint256 milestone) external nonReentrant returns (uint256 amount) {
        Stream storage s = _streams[projectId][milestone];
        if (s.amount == 0) revert RoundNoStream(projectId, milestone);
        amount = _vested(s, _projects[projectId].vestingDuration) - s.claimed;
        address recipient = _projects[projectId].recipient;
        if (amount == 0) revert RoundNothingToClaim(recipient);
        s.claimed += uint96(amount);
        emit StreamClaimed(projectId, milestone, recipient, amount);
        _pay(recipient, amount);
    }

    /// @notice Emergency stop of a stream by the curator: what has vested stays claimable by the
    /// recipient, the unvested rest returns to the project's donors and the pool pro rata.
    /// Requirements: curator; a running stream. Emits StreamStopped, FundsReturned.
    function stopStream(uint256 projectId, uint256 milestone) external onlyCurator nonReentrant {
        Stream storage s = _streams[projectId][milestone];
        if (s.amount == 0) revert RoundNoStream(projectId, milestone);
        if (s.stopped) revert RoundStreamStopped(projectId, milestone);
        uint256 vested = _vested(s, _projects[projectId].vestingDuration);
        uint256 returned = s.amount - vested;
        s.amount = uint96(vested);
        s.stopped = true;
        emit StreamStopped(projectId, milestone, vested, returned);
        if (returned != 0) _returnToFunders(projectId, returned);
    }

    /// @notice After the release deadline, returns every unreleased milestone of `projectId` to
    /// its donors and the pool pro rata. Anyone may call. Requirements: Finalized; deadline
    /// reached; a funded project with an unsettled milestone. Emits FundsReturned.
    function returnUnreleased(uint256 projectId) external nonReentrant returns (uint256 amount) {
        if (_phase != Phase.Finalized) revert RoundWrongPhase(_phase);
        if (block.timestamp < _releaseDeadline) revert RoundReleaseDeadlineNotReached(_releaseDeadline, block.timestamp);
        if (projectId >= _projectCount) revert RoundProjectNotFound(projectId);
        Project storage p = _projects[projectId];
        if (p.refunding) revert RoundProjectRefunding(projectId);
        uint256 n = p.milestoneCount;
        uint256 mask = p.settledMask;
        for (uint256 k; k < n; ++k) {
            if (mask & (1 << k) == 0) amount += _milestonePayout(p, k);
        }
        uint256 full = (1 << n) - 1;
        if (mask == full) revert RoundMilestoneSettled(projectId, n - 1);
        p.settledMask = uint32(full);
        if (amount != 0) _returnToFunders(projectId, amount);
        else emit FundsReturned(projectId, 0, 0, 0);
    }

    // ------------------------------------------------------------------------------------------
    // Refunds and withdrawals (never paused)
    // ------------------------------------------------------------------------------------------

    /// @notice Pays the caller what is refundable on their donations to `projectId`: everything
    /// if the project missed its goal, else their pro rata part of what returned to donors.
    /// Requirements: something refundable. Emits DonorRefunded.
    function claimRefund(uint256 projectId) external nonReentrant returns (uint256 amount) {
        amount = refundableOf(projectId, msg.sender);
        if (amount == 0) revert RoundNothingToClaim(msg.sender);
        _donations[projectId][msg.sender].refunded += uint96(amount);
        emit DonorRefunded(projectId, msg.sender, amount);
        _pay(msg.sender, amount);
    }

    /// @notice Pays what the pool did not distribute (and what returned to it): to the treasury if
    /// the round has one (anyone may trigger), else the caller's pro rata share as a sponsor.
    /// Requirements: something to claim. Emits PoolReturnClaimed.
    function claimPoolReturn() external nonReentrant returns (uint256 amount) {
        address treasury = _treasury;
        address account = treasury == address(0) ? msg.sender : treasury;
        amount = poolReturnOf(account);
        if (amount == 0) revert RoundNothingToClaim(account);
        if (treasury == address(0)) _sponsors[account].claimed += uint128(amount);
        else _treasuryClaimed += amount;
        emit PoolReturnClaimed(account, amount);
        _pay(account, amount);
    }

    /// @notice Pays the caller's deferred payments (SCORE allocations, ETH a recipient refused).
    /// Requirements: something owed; the transfer succeeds. Emits Withdrawn.
    function withdraw() external nonReentrant returns (uint256 amount) {
        amount = _owed[msg.sender];
        if (amount == 0) revert RoundNothingToClaim(msg.sender);
        _owed[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        if (!_send(msg.sender, amount)) revert RoundTransferFailed(msg.sender, amount);
    }

    // ------------------------------------------------------------------------------------------
    // Pausing
    // ------------------------------------------------------------------------------------------

    /// @notice Stops project registration and donations. Requirements: curator; not paused.
    /// Emits RoundPaused.
    function pause() external onlyCurator whenNotPaused {
        _paused = true;
        emit RoundPaused(msg.sender);
    }

    /// @notice Resumes registration and donations. Requirements: curator; paused.
    /// Emits RoundUnpaused.
    function unpause() external onlyCurator {
        if (!_paused) revert RoundNotPaused();
        _paused = false;
        emit RoundUnpaused(msg.sender);
    }

    /// @notice Whether registration and donations are paused.
    function paused() external view returns (bool) {
        return _paused;
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @notice The round's parameters (verifiers as their commitment).
    function roundParams()
        external
        view
        returns (
            address currency,
            address curator,
            Strategy strategy,
            uint16 matchingCapBps,
            uint40 applicationEnd,
            uint40 donationStart,
            uint40 donationEnd,
            uint40 releaseDeadline,
            address eligibility,
            address treasury,
            bytes32 verifiersHash,
            uint8 threshold
        )
    {
        return (
            _currency,
            _curator,
            _strategy,
            _capBps,
            _applicationEnd,
            _donationStart,
            _donationEnd,
            _releaseDeadline,
            _eligibility,
            _treasury,
            _verifiersHash,
            _threshold
        );
    }

    /// @notice Finalisation phase and cursor.
    function progress() external view returns (Phase phase, uint256 cursor, uint256 tally) {
        return (_phase, _cursor, _tally);
    }

    /// @notice Pool totals: funded, distributed as matches or scores, returned to sponsors/treasury.
    function poolState() external view returns (uint256 total, uint256 matched, uint256 returned) {
        return (_poolTotal, _totalMatched, _poolReturned);
    }

    /// @notice Number of registered projects.
    function projectCount() external view returns (uint256) {
        return _projectCount;
    }

    /// @notice One project's state.
    function getProject(uint256 projectId) external view returns (ProjectView memory v) {
        if (projectId >= _projectCount) revert RoundProjectNotFound(projectId);
        Project storage p = _projects[projectId];
        v = ProjectView({
            recipient: p.recipient,
            vestingDuration: p.vestingDuration,
            settledMask: p.settledMask,
            milestoneCount: p.milestoneCount,
            refunding: p.refunding,
            goal: p.goal,
            donated: p.donated,
            sumSqrt: p.sumSqrt,
            matched: p.matched,
            returnedToDonors: p.returnedToDonors,
            plannedTotal: p.cumulativeAmounts[p.milestoneCount - 1]
        });
    }

    /// @notice A donor's total donation to a project and what has been refunded of it.
    function donationOf(uint256 projectId, address donor) external view returns (uint256 amount, uint256 refunded) {
        Donation storage d = _donations[projectId][donor];
        return (d.amount, d.refunded);
    }

    /// @notice A sponsor's pool contribution and what has been returned to it.
    function sponsorOf(address sponsor) external view returns (uint256 contributed, uint256 claimed) {
        Sponsor storage s = _sponsors[sponsor];
        return (s.contributed, s.claimed);
    }

    /// @notice What milestone `milestone` of `projectId` pays (0 before finalisation).
    function milestonePayout(uint256 projectId, uint256 milestone) external view returns (uint256) {
        if (projectId >= _projectCount) revert RoundProjectNotFound(projectId);
        Project storage p = _projects[projectId];
        if (milestone >= p.milestoneCount) revert RoundInvalidMilestone(projectId, milestone);
        return _phase == Phase.Finalized ? _milestonePayout(p, milestone) : 0;
    }

    /// @notice A streamed milestone: amount, claimed, start, stopped, and what is claimable now.
    function streamOf(uint256 projectId, uint256 milestone)
        external
        view
        returns (uint256 amount, uint256 claimed, uint40 start, bool stopped, uint256 claimable)
    {
        Stream storage s = _streams[projectId][milestone];
        claimable = s.amount == 0 ? 0 : _vested(s, _projects[projectId].vestingDuration) - s.claimed;
        return (s.amount, s.claimed, s.start, s.stopped, claimable);
    }

    /// @notice What `donor` can claim back from `projectId` now.
    function refundableOf(uint256 projectId, address donor) public view returns (uint256) {
        Donation storage d = _donations[projectId][donor];
        Project storage p = _projects[projectId];
        uint256 entitled = p.refunding ? d.amount : (p.donated == 0 ? 0 : uint256(d.amount) * p.returnedToDonors / p.donated);
        return entitled - d.refunded;
    }

    /// @notice What `account` (the treasury, or a sponsor when there is none) can claim from the pool.
    function poolReturnOf(address account) public view returns (uint256) {
        if (_treasury != address(0)) return account == _treasury ? _poolReturned - _treasuryClaimed : 0;
        Sponsor storage s = _sponsors[account];
        if (_poolTotal == 0) return 0;
        return uint256(s.contributed) * _poolReturned / _poolTotal - s.claimed;
    }

    /// @notice Deferred payments owed to `account` (withdraw them with `withdraw`).
    function owedOf(address account) external view returns (uint256) {
        return _owed[account];
    }

    /// @notice The EIP-712 digest verifiers sign for a milestone `intent`.
    function hashIntent(IMilestoneEscrow.PayoutIntent calldata intent) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(PAYOUT_INTENT_TYPEHASH, intent)));
    }

    /// @notice The EIP-712 digest verifiers sign for a SCORE leaderboard.
    function hashLeaderboard(Entry[] calldata entries) public view returns (bytes32) {
        uint256 n = entries.length;
        bytes32[] memory hashes = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            hashes[i] = keccak256(abi.encode(ENTRY_TYPEHASH, entries[i].recipient, entries[i].score));
        }
        return _hashTypedDataV4(keccak256(abi.encode(LEADERBOARD_TYPEHASH, keccak256(abi.encodePacked(hashes)))));
    }

    // ------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------

    function _checkCurator() internal view {
        if (msg.sender != _curator) revert RoundNotCurator(msg.sender);
    }

    function _requireStrategy(Strategy strategy) private view {
        if (_strategy != strategy) revert RoundWrongStrategy(_strategy);
    }

    /// @dev The quadratic surplus (sum sqrt)^2 - sum, 0 when flooring makes it negative.
    function _quadratic(uint256 sumSqrt, uint256 donated) private pure returns (uint256) {
        uint256 square = sumSqrt * sumSqrt;
        return square > donated ? square - donated : 0;
    }

    /// @dev floor(T*C_k/C_n) - floor(T*C_{k-1}/C_n): telescopes to T over all milestones.
    function _milestonePayout(Project storage p, uint256 k) private view returns (uint256) {
        uint256 total = uint256(p.donated) + p.matched;
        uint256 n = p.milestoneCount;
        uint256 planned = p.cumulativeAmounts[n - 1];
        uint256 upper = Math.mulDiv(total, p.cumulativeAmounts[k], planned);
        uint256 lower = k == 0 ? 0 : Math.mulDiv(total, p.cumulativeAmounts[k - 1], planned);
        return upper - lower;
    }

    function _vested(Stream storage s, uint256 duration) private view returns (uint256) {
        if (s.stopped) return s.amount;
        uint256 elapsed = block.timestamp - s.start;
        if (elapsed >= duration) return s.amount;
        return uint256(s.amount) * elapsed / duration;
    }

    /// @dev Checks and settles milestone `k`, then pays it or starts its stream.
    function _release(uint256 projectId, uint256 k, bytes32 intentId) private {
        if (_phase != Phase.Finalized) revert RoundWrongPhase(_phase);
        if (block.timestamp >= _releaseDeadline) revert RoundReleaseDeadlinePassed(_releaseDeadline, block.timestamp);
        if (projectId >= _projectCount) revert RoundProjectNotFound(projectId);
        Project storage p = _projects[projectId];
        if (p.refunding) revert RoundProjectRefunding(projectId);
        if (k >= p.milestoneCount) revert RoundInvalidMilestone(projectId, k);
        uint32 bit = uint32(1 << k);
        if (p.settledMask & bit != 0) revert RoundMilestoneSettled(projectId, k);
        p.settledMask |= bit;
        uint256 amount = _milestonePayout(p, k);
        address recipient = p.recipient;
        emit MilestoneReleased(projectId, k, recipient, amount, intentId);
        if (amount == 0) return;
        uint40 duration = p.vestingDuration;
        if (duration == 0) {
            _pay(recipient, amount);
        } else {
            _streams[projectId][k] = Stream({amount: uint96(amount), claimed: 0, start: uint40(block.timestamp), stopped: false});
            emit StreamStarted(projectId, k, amount, uint40(block.timestamp), duration);
        }
    }

    /// @dev Splits `amount` of a project's money back: donors get floor(amount*D/T) (claimed pro
    /// rata to their donation), the pool the rest (claimed by sponsors or the treasury).
    function _returnToFunders(uint256 projectId, uint256 amount) private {
        Project storage p = _projects[projectId];
        uint256 donated = p.donated;
        uint256 toDonors = amount * donated / (donated + p.matched);
        uint256 toPool = amount - toDonors;
        p.returnedToDonors += uint96(toDonors);
        _poolReturned += toPool;
        emit FundsReturned(projectId, amount, toDonors, toPool);
    }

    function _collect(uint256 amount) private {
        address currency = _currency;
        if (currency == address(0)) {
            if (msg.value != amount) revert RoundWrongValue(msg.value, amount);
        } else {
            if (msg.value != 0) revert RoundWrongValue(msg.value, 0);
            IERC20(currency).safeTransferFrom(msg.sender, address(this), amount);
        }
    }

    /// @dev Pushes a payment; ETH a recipient refuses is kept for it (`withdraw`).
    function _pay(address to, uint256 amount) private {
        if (!_send(to, amount)) {
            _owed[to] += amount;
            emit PaymentDeferred(to, amount);
        }
    }

    /// @dev Transfers the currency; false only when an ETH recipient refuses (a token reverts).
    function _send(address to, uint256 amount) private returns (bool ok) {
        address currency = _currency;
        if (currency == address(0)) {
            (ok,) = payable(to).call{value: amount}("");
        } else {
            IERC20(currency).safeTransfer(to, amount);
            ok = true;
        }
    }
}
