// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IFundingRound
/// @notice Types, errors and events of a quiltkit funding round. An indexer rebuilds a round's
/// state (projects, donations, pool, matches, releases, streams, refunds) from these events alone.
interface IFundingRound {
    /// @notice How the matching pool is allocated at finalisation.
    enum Strategy {
        QUADRATIC,
        SCORE
    }

    /// @notice Finalisation progress. QUADRATIC walks Tallying then Distributing with a resumable
    /// cursor; SCORE goes from Open to Finalized with one signed leaderboard.
    enum Phase {
        Open,
        Tallying,
        Distributing,
        Finalized
    }

    /// @notice What the factory fixes when it creates a round.
    /// @param currency ERC-20 token, or address(0) for native ETH. Fee-on-transfer tokens are not
    /// supported (a donation must arrive in full).
    /// @param curator Registers projects, pauses, releases milestones, stops streams.
    /// @param strategy QUADRATIC (donations) or SCORE (a contest leaderboard).
    /// @param matchingCapBps Most of the pool one project may receive (1..10,000 bps).
    /// @param applicationEnd Projects register before this time.
    /// @param donationStart Donations open at this time.
    /// @param donationEnd Donations close at this time; finalisation may start from it.
    /// @param releaseDeadline Milestones unreleased at this time return to donors and the pool.
    /// @param eligibility Donor gate (IDonorEligibility) or address(0) for none.
    /// @param treasury Receives what the pool does not distribute; address(0): the sponsors, pro rata.
    /// @param verifiers Signer set for PayoutIntents and leaderboards (may be empty for QUADRATIC).
    /// @param threshold How many distinct verifiers must sign (0 iff no verifiers).
    struct RoundParams {
        address currency;
        address curator;
        Strategy strategy;
        uint16 matchingCapBps;
        uint40 applicationEnd;
        uint40 donationStart;
        uint40 donationEnd;
        uint40 releaseDeadline;
        address eligibility;
        address treasury;
        address[] verifiers;
        uint8 threshold;
    }

    /// @notice One leaderboard line of a SCORE round (EIP-712 `Entry`).
    struct Entry {
        address recipient;
        uint256 score;
    }

    /// @notice A read-only view of one project (the milestone plan is in ProjectRegistered;
    /// `milestonePayout` gives each milestone's payout).
    struct ProjectView {
        address recipient;
        uint40 vestingDuration;
        uint32 settledMask;
        uint8 milestoneCount;
        bool refunding;
        uint96 goal;
        uint96 donated;
        uint96 sumSqrt;
        uint96 matched;
        uint96 returnedToDonors;
        uint96 plannedTotal;
    }

    // --- errors -------------------------------------------------------------------------------
    error RoundAlreadyInitialized();
    error RoundInvalidWindows(uint256 applicationEnd, uint256 donationStart, uint256 donationEnd, uint256 deadline);
    error RoundInvalidCap(uint256 capBps);
    error RoundInvalidCurator();
    error RoundNotCurator(address caller);
    error RoundWrongStrategy(Strategy strategy);
    error RoundApplicationsClosed(uint256 applicationEnd, uint256 nowTime);
    error RoundInvalidRecipient();
    error RoundInvalidGoal();
    error RoundInvalidMilestones(uint256 count, uint256 max);
    error RoundZeroMilestone(uint256 milestone);
    error RoundProjectNotFound(uint256 projectId);
    error RoundDonationsClosed(uint256 donationStart, uint256 donationEnd, uint256 nowTime);
    error RoundDonationsNotEnded(uint256 donationEnd, uint256 nowTime);
    error RoundIneligibleDonor(address donor);
    error RoundZeroAmount();
    error RoundAmountTooLarge(uint256 amount);
    error RoundWrongValue(uint256 sent, uint256 expected);
    error RoundPoolClosed();
    error RoundWrongPhase(Phase phase);
    error RoundNothingToFinalize();
    error RoundLeaderboardEmpty();
    error RoundZeroScore();
    error RoundProjectRefunding(uint256 projectId);
    error RoundInvalidMilestone(uint256 projectId, uint256 milestone);
    error RoundMilestoneSettled(uint256 projectId, uint256 milestone);
    error RoundReleaseDeadlinePassed(uint256 deadline, uint256 nowTime);
    error RoundReleaseDeadlineNotReached(uint256 deadline, uint256 nowTime);
    error RoundAttestationDisabled();
    error RoundIntentMismatch(uint256 projectId, uint256 milestone);
    error RoundIntentExpired(bytes32 intentId, uint256 deadline);
    error RoundIntentConsumed(bytes32 intentId);
    error RoundNoStream(uint256 projectId, uint256 milestone);
    error RoundStreamStopped(uint256 projectId, uint256 milestone);
    error RoundNothingToClaim(address account);
    error RoundTransferFailed(address to, uint256 amount);
    error RoundIsPaused();
    error RoundNotPaused();
    /// @notice Only the deployment's bond registry records suspended verifiers.
    error RoundNotVerifierBonds(address caller);
    /// @notice `commitment` is not the round's verifier set.
    error RoundVerifierSetMismatch(bytes32 commitment);

    // --- events -------------------------------------------------------------------------------
    event RoundInitialized(address indexed factory, address indexed curator, address currency, Strategy strategy);
    event ProjectRegistered(
        uint256 indexed projectId, address indexed recipient, uint96 goal, uint96[] milestoneAmounts, uint40 vestingDuration
    );
    event Donated(uint256 indexed projectId, address indexed donor, uint256 amount, uint256 donorTotal);
    event PoolFunded(address indexed sponsor, uint256 amount, uint256 poolTotal);
    event FinalizationProgressed(Phase phase, uint256 cursor);
    event ProjectMatched(uint256 indexed projectId, uint256 matched, uint256 total);
    event ProjectBelowGoal(uint256 indexed projectId, uint256 donated, uint256 goal);
    event RoundFinalized(uint256 pool, uint256 distributed, uint256 undistributed);
    event LeaderboardAccepted(bytes32 digest, uint256 entries, uint256 totalScore);
    event ScoreAllocated(address indexed recipient, uint256 score, uint256 amount);
    event MilestoneReleased(
        uint256 indexed projectId, uint256 indexed milestone, address indexed recipient, uint256 amount, bytes32 intentId
    );
    event StreamStarted(uint256 indexed projectId, uint256 indexed milestone, uint256 amount, uint40 start, uint40 duration);
    event StreamClaimed(uint256 indexed projectId, uint256 indexed milestone, address indexed recipient, uint256 amount);
    event StreamStopped(uint256 indexed projectId, uint256 indexed milestone, uint256 vested, uint256 returned);
    event FundsReturned(uint256 indexed projectId, uint256 amount, uint256 toDonors, uint256 toPool);
    event DonorRefunded(uint256 indexed projectId, address indexed donor, uint256 amount);
    event PoolReturnClaimed(address indexed account, uint256 amount);
    event PaymentDeferred(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);
    event RoundPaused(address indexed by);
    event RoundUnpaused(address indexed by);
}
