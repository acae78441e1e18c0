//! Contract errors.
//!
//! The numeric codes are part of the public interface (clients map them back to
//! names) and never change once released. Ranges: 1-99 configuration and admin,
//! 100-119 escrow lifecycle, 120-139 milestones, 140-159 escrow terms and
//! token transfers, 200-219 payout intents.
//! Names match the EVM `MilestoneEscrow` custom errors where the meaning is the
//! same.

use soroban_sdk::contracterror;

/// Every error the escrow contract returns, with its stable code.
#[contracterror]
#[derive(Copy, Clone, Debug, Eq, PartialEq, PartialOrd, Ord)]
#[repr(u32)]
pub enum EscrowError {
    // --- configuration and admin: 1-99 ---
    /// The contract has no configuration (unreachable after the constructor ran).
    NotInitialized = 1,
    /// A fee above `MAX_FEE_BPS` (1000 bps = 10%).
    FeeTooHigh = 2,
    /// `create` or `fund` while the contract is paused.
    Paused = 3,
    /// `unpause` while the contract is not paused.
    NotPaused = 4,
    /// `pause`/`unpause` by an address that is neither admin nor guardian.
    NotPauser = 5,
    /// `accept_admin` without a pending admin.
    NoPendingAdmin = 6,
    /// `upgrade` or `cancel_upgrade` with no upgrade announced.
    NoUpgradeScheduled = 7,
    /// `upgrade` before the announced upgrade's `ready_at`.
    UpgradeNotReady = 8,
    /// `upgrade` with a wasm hash other than the announced one.
    UpgradeHashMismatch = 9,

    // --- escrow lifecycle: 100-119 ---
    /// No escrow with this id.
    EscrowNotFound = 100,
    /// Zero milestones, or more than `MAX_MILESTONES`.
    InvalidMilestoneCount = 101,
    /// A milestone amount or a funding amount that is not positive, or an
    /// escrow total above `MAX_ESCROW_TOTAL` (i64::MAX).
    InvalidAmount = 102,
    /// Threshold 0 or above the number of verifiers (or non-zero without verifiers).
    InvalidThreshold = 103,
    /// The same verifier key twice in `create`.
    DuplicateVerifier = 104,
    /// More than `MAX_VERIFIERS` verifier keys.
    TooManyVerifiers = 105,
    /// A deadline that is not in the future at creation.
    InvalidDeadline = 106,
    /// Retired (no call returns it since `fund` keeps at most what remains); the code stays reserved.
    AmountExceedsTotal = 107,
    /// The escrow is refunding or cancelled (no new funding, no assignment).
    EscrowNotActive = 108,
    /// Funding after the escrow deadline.
    DeadlinePassed = 109,
    /// `refund` before the deadline while a milestone is still open.
    DeadlineNotReached = 110,
    /// `assign_payee` or `cancel` when a payee is already set.
    PayeeAlreadySet = 111,
    /// A payout or dispute while the escrow has no payee.
    PayeeNotSet = 112,
    /// `dispute` by an address that is neither the payer nor the payee.
    NotParty = 113,
    /// `dispute`/`resolve` on an escrow created without an arbiter.
    DisputesDisabled = 114,
    /// `payee_bps` above 10000.
    InvalidBps = 115,
    /// `claim_refund` with nothing owed to this funder.
    NothingToClaim = 116,
    /// `claim_refund` while the escrow is still active (not refunding or cancelled).
    RefundsNotOpen = 117,
    /// The arbiter would also be the payee (it could dispute and award itself everything).
    ArbiterIsPayee = 118,
    /// The arbiter would also be the payer (it could block an attested payout by dispute + resolve(0)).
    ArbiterIsPayer = 119,

    // --- milestones: 120-139 ---
    /// Milestone index out of range.
    InvalidMilestoneIndex = 120,
    /// The escrow's funding does not yet cover this milestone.
    MilestoneNotFunded = 121,
    /// The milestone was already released.
    MilestoneAlreadyReleased = 122,
    /// The milestone is frozen by a dispute.
    MilestoneDisputed = 123,
    /// `resolve` on a milestone that is not disputed.
    MilestoneNotDisputed = 124,
    /// The milestone's dispute was already resolved.
    MilestoneAlreadyResolved = 125,
    /// The milestone was refunded (deadline refund or cancel).
    MilestoneRefunded = 126,
    /// `expire_dispute` before the dispute's resolution window has passed.
    DisputeNotExpired = 127,
    /// `resolve` after the dispute's resolution window: only `expire_dispute` is left.
    ResolutionWindowPassed = 128,

    // --- escrow terms and token transfers: 140-159 ---
    /// A deadline more than `MAX_DEADLINE_DELAY` (10 years) after creation.
    DeadlineTooFar = 140,
    /// A resolution window outside `MIN_RESOLUTION_WINDOW..=MAX_RESOLUTION_WINDOW`.
    InvalidResolutionWindow = 141,
    /// `fund`: the escrow's token balance grew by nothing, or by more than was sent.
    TokenTransferMismatch = 142,
    /// `fund` on an escrow whose milestones are already fully covered.
    FullyFunded = 143,

    // --- payout intents: 200-219 ---
    /// `intent.deadline` is before the ledger timestamp.
    IntentExpired = 200,
    /// Retired: the milestone's status is the replay guard (a replay fails with the
    /// milestone's error, e.g. `MilestoneAlreadyReleased`); the code stays reserved.
    IntentAlreadyConsumed = 201,
    /// Fewer distinct verifier signatures than the escrow threshold.
    InsufficientSignatures = 202,
    /// The same verifier key signed twice in one submission.
    DuplicateSigner = 203,
    /// A signature from a key that is not one of the escrow's verifiers.
    UnknownSigner = 204,
    /// Payee, amount or token of the intent differ from the escrow state.
    IntentMismatch = 205,
    /// The escrow has no verifiers, so attested release is off.
    AttestationDisabled = 206,
}
