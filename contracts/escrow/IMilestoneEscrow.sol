// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IMilestoneEscrow
/// @notice Types, errors and events of quiltkit's milestone escrow. Indexers can rebuild every
/// escrow's state from these events alone.
interface IMilestoneEscrow {
    /// @notice Lifecycle of one milestone. Stored in 3 bits per milestone.
    enum MilestoneState {
        Pending,
        Released,
        Disputed,
        Resolved,
        Refunded
    }

    /// @notice What a given PayoutIntent can still do ({intentStatus}), read from its milestone.
    /// Payable: the milestone is Pending (it pays once funded). Paid: this intent's id released
    /// it. Closed: it left Pending otherwise (released by the payer or by another intent,
    /// disputed, resolved, refunded, cancelled); the milestone state says which.
    enum IntentStatus {
        Payable,
        Paid,
        Closed
    }

    /// @notice What a payer fixes when opening an escrow.
    /// @param token ERC-20 token, or address(0) for native ETH.
    /// @param payee Who is paid; address(0) opens a bounty whose payee is assigned later.
    /// @param arbiter Who resolves disputes; address(0) disables disputes for this escrow.
    /// @param disputeWindow Seconds the arbiter has to rule on a dispute; after it anyone may close
    /// the dispute with `defaultPayeeBps`, so an absent arbiter never locks a milestone. Within
    /// [MIN_DISPUTE_WINDOW, MAX_DISPUTE_WINDOW] when there is an arbiter, 0 when there is none.
    /// @param defaultPayeeBps The outcome of a dispute the arbiter let expire: this share of the
    /// milestone to the payee, the rest to the funders (0: refund the funders in full).
    /// @param verifiers Signer addresses (EOA or ERC-1271) that may attest payouts, registered on
    /// the way ({registerVerifierSet}); empty when `verifierSetId` names a registered set, or for
    /// an escrow without attestation.
    /// @param threshold How many distinct verifiers must sign an intent (0 iff no verifiers).
    /// @param verifierSetId A registered set ({registerVerifierSet}) to reference instead of
    /// passing `verifiers`, which must then be empty with threshold 0; 0 for none.
    /// @param deadline Unix time after which unreleased, undisputed milestones are refundable.
    /// @param amounts Milestone amounts, in token units, paid in any order once funded.
    /// @param metadataHash Hash of the off-chain specification (e.g. an IPFS CID digest).
    struct EscrowParams {
        address token;
        address payee;
        address arbiter;
        uint32 disputeWindow;
        uint16 defaultPayeeBps;
        address[] verifiers;
        uint8 threshold;
        uint96 verifierSetId;
        uint40 deadline;
        uint96[] amounts;
        bytes32 metadataHash;
    }

    /// @notice A verifier-signed instruction to pay one milestone (EIP-712 typed data).
    struct PayoutIntent {
        uint256 escrowId;
        uint256 milestone;
        address payee;
        uint256 amount;
        address token;
        bytes32 intentId;
        uint256 deadline;
        bytes32 evidenceHash;
    }

    /// @notice One verifier's signature, naming the verifier by its index in the escrow's set.
    struct VerifierSignature {
        uint8 verifierIndex;
        bytes signature;
    }

    /// @notice A read-only view of an escrow's state.
    struct EscrowView {
        address payer;
        address token;
        address payee;
        address arbiter;
        uint40 deadline;
        uint16 feeBps;
        uint8 threshold;
        uint32 disputeWindow;
        uint16 defaultPayeeBps;
        bool cancelled;
        bool refundsOpened;
        uint96 funded;
        uint96 held;
        uint96 refundPool;
        uint8 fundedMilestones;
        uint96 verifierSetId;
        bytes32 verifiersHash;
        uint96[] amounts;
        MilestoneState[] states;
    }

    // --- errors -------------------------------------------------------------------------------
    error EscrowNotFound(uint256 escrowId);
    error EscrowInvalidMilestoneCount(uint256 count, uint256 max);
    error EscrowZeroAmount(uint256 milestone);
    error EscrowTotalTooLarge(uint256 total);
    error EscrowDeadlineInPast(uint256 deadline, uint256 nowTime);
    error EscrowInvalidVerifierSet(uint256 verifierCount, uint256 threshold);
    error EscrowDuplicateVerifier(address verifier);
    error EscrowInvalidFee(uint256 feeBps, uint256 maxFeeBps);
    error EscrowInvalidTreasury();
    error EscrowNotPayer(uint256 escrowId, address caller);
    error EscrowNotArbiter(uint256 escrowId, address caller);
    error EscrowNotParty(uint256 escrowId, address caller);
    error EscrowInvalidMilestone(uint256 escrowId, uint256 milestone);
    error EscrowMilestoneNotFunded(uint256 escrowId, uint256 milestone);
    error EscrowMilestoneNotPending(uint256 escrowId, uint256 milestone, MilestoneState state);
    error EscrowMilestoneNotDisputed(uint256 escrowId, uint256 milestone);
    error EscrowPayeeNotSet(uint256 escrowId);
    error EscrowPayeeAlreadySet(uint256 escrowId, address payee);
    error EscrowInvalidPayee();
    error EscrowDisputesDisabled(uint256 escrowId);
    error EscrowInvalidSplit(uint256 payeeBps);
    error EscrowZeroFunding();
    error EscrowOverfunded(uint256 escrowId, uint256 amount, uint256 remaining);
    error EscrowWrongValue(uint256 sent, uint256 expected);
    error EscrowFundingClosed(uint256 escrowId);
    error EscrowDeadlineNotReached(uint256 escrowId, uint256 deadline);
    error EscrowClosed(uint256 escrowId);
    error EscrowNotCancellable(uint256 escrowId);
    error EscrowRefundsNotClaimable(uint256 escrowId);
    error EscrowNothingToClaim(uint256 escrowId, address funder);
    error EscrowNothingToWithdraw(address token, address account);
    error EscrowWithdrawFailed(address token, address account, uint256 amount);
    error EscrowAttestationDisabled(uint256 escrowId);
    error EscrowVerifierSetMismatch(uint256 escrowId);
    error EscrowIntentExpired(bytes32 intentId, uint256 deadline);
    /// @dev Not raised by this contract since v2 (the milestone's state is the replay guard: a
    /// replay reverts {EscrowMilestoneNotPending}); kept because the Soroban escrow's code 201
    /// still maps onto it in the SDK.
    error EscrowIntentAlreadyConsumed(bytes32 intentId);
    error EscrowUnknownVerifierSet(uint256 setId);
    error EscrowIntentTokenMismatch(bytes32 intentId, address expected, address actual);
    error EscrowIntentAmountMismatch(bytes32 intentId, uint256 expected, uint256 actual);
    error EscrowIntentPayeeMismatch(bytes32 intentId, address expected, address actual);
    error EscrowInsufficientSignatures(uint256 provided, uint256 threshold);
    error EscrowSignersNotAscending(uint256 position);
    error EscrowUnknownVerifier(uint256 verifierIndex);
    error EscrowInvalidSignature(address verifier);
    error EscrowBatchMismatch(uint256 intents, uint256 signatureSets);
    error EscrowInvalidDisputeWindow(uint256 window, uint256 minWindow, uint256 maxWindow);
    error EscrowDisputeWindowOpen(uint256 escrowId, uint256 milestone, uint256 closesAt);
    error EscrowFullyFunded(uint256 escrowId);
    /// @notice The verifier at `verifierIndex` is suspended in the escrow's verifier set (its bond fell below the set's
    /// minimum in the bond registry, recorded by {MilestoneEscrow-recordVerifierSuspensions}): its signature does
    /// not count.
    error EscrowVerifierSuspended(uint256 verifierIndex);

    // --- events -------------------------------------------------------------------------------
    /// @dev `params` carries the full terms (token, payee, arbiter, verifiers and threshold or the
    /// registered set's id, whose {VerifierSetRegistered} names its members,
    /// deadline, amounts, metadata hash) so the event alone rebuilds the escrow.
    event EscrowCreated(
        uint256 indexed escrowId, address indexed payer, address indexed token, uint16 feeBps, EscrowParams params
    );
    event EscrowFunded(uint256 indexed escrowId, address indexed funder, uint256 amount, uint8 fundedMilestones);
    event PayeeAssigned(uint256 indexed escrowId, address indexed payee);
    event MilestoneReleased(
        uint256 indexed escrowId, uint256 indexed milestone, address indexed payee, uint256 amount, uint256 fee
    );
    /// @dev `intentId` is the intent's idempotency and correlation key: the one that paid the
    /// milestone ({intentStatus} answers Paid for it).
    event IntentConsumed(
        bytes32 indexed intentId, uint256 indexed escrowId, uint256 indexed milestone, bytes32 evidenceHash
    );
    /// @dev A batch ({releaseWithIntents}) passes over an intent whose milestone is no longer
    /// Pending (paid by a copy of it submitted first, released by the payer, disputed, resolved,
    /// refunded) instead of reverting the honest intents beside it; `state` says why.
    event IntentSkipped(
        bytes32 indexed intentId, uint256 indexed escrowId, uint256 indexed milestone, MilestoneState state
    );
    /// @dev `closesAt` is when anyone may close the dispute with the escrow's default outcome.
    event MilestoneDisputed(uint256 indexed escrowId, uint256 indexed milestone, address indexed by, uint256 closesAt);
    /// @dev The arbiter did not rule within the dispute window; {DisputeResolved} follows with the
    /// escrow's `defaultPayeeBps`.
    event DisputeExpired(uint256 indexed escrowId, uint256 indexed milestone, address indexed by);
    event DisputeResolved(
        uint256 indexed escrowId,
        uint256 indexed milestone,
        uint256 payeeBps,
        uint256 toPayee,
        uint256 fee,
        uint256 toFunders
    );
    /// @dev `commitment` is keccak256(abi.encode(verifiers)); emitted once per set, when stored.
    event VerifierSetRegistered(uint256 indexed setId, bytes32 commitment, uint8 threshold, address[] verifiers);
    event RefundsOpened(uint256 indexed escrowId, uint256 amount);
    event EscrowCancelled(uint256 indexed escrowId, uint256 amount);
    event RefundClaimed(uint256 indexed escrowId, address indexed funder, uint256 amount);
    event CreditAccrued(address indexed token, address indexed account, uint256 amount);
    event CreditWithdrawn(address indexed token, address indexed account, uint256 amount);
    event DefaultFeeChanged(uint16 previousFeeBps, uint16 newFeeBps);
    event TreasuryChanged(address indexed previousTreasury, address indexed newTreasury);
}
