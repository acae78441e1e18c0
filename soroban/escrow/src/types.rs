//! Contract data types (all `#[contracttype]`, i.e. part of the contract spec).

use soroban_sdk::{contracttype, Address, BytesN, Vec};

/// Largest fee, in basis points, the admin can set (10%).
pub const MAX_FEE_BPS: u32 = 1_000;
/// Basis-point denominator.
pub const BPS_DENOMINATOR: u32 = 10_000;
/// Most milestones one escrow may have.
pub const MAX_MILESTONES: u32 = 64;
/// Most verifier keys one escrow may have.
pub const MAX_VERIFIERS: u32 = 20;
/// Largest escrow total. Stellar assets hold i64 amounts; capping the total at
/// `i64::MAX` keeps every `amount * share` product inside i128.
pub const MAX_ESCROW_TOTAL: i128 = i64::MAX as i128;
/// Furthest an escrow deadline may lie after its creation (10 years, in
/// seconds). Bounds the time until refunds are reachable (`u64::MAX` would mean never).
pub const MAX_DEADLINE_DELAY: u64 = 3_650 * 86_400;
/// Shortest resolution window an escrow may have (1 day, in seconds).
pub const MIN_RESOLUTION_WINDOW: u64 = 86_400;
/// Longest resolution window an escrow may have (365 days, in seconds).
pub const MAX_RESOLUTION_WINDOW: u64 = 365 * 86_400;
/// Time between `propose_upgrade` and the earliest `upgrade` (7 days, in seconds).
pub const UPGRADE_DELAY: u64 = 7 * 86_400;

/// Contract-wide configuration (instance storage).
#[contracttype]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Config {
    /// Can change fee, treasury, guardian, admin, pause, upgrade. Never moves escrowed funds.
    pub admin: Address,
    /// Optional second key that can pause and unpause.
    pub guardian: Option<Address>,
    /// Fee in bps applied to escrows created from now on.
    pub fee_bps: u32,
    /// Fee recipient for escrows created from now on.
    pub treasury: Address,
    /// When true, `create` and `fund` fail with `Paused`.
    pub paused: bool,
}

/// Lifecycle of one escrow.
#[contracttype]
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[repr(u32)]
pub enum EscrowStatus {
    /// Accepts funding; milestones can be released, disputed, resolved.
    Active = 0,
    /// `refund` ran: funding closed, open milestones refunded, funders claim.
    Refunding = 1,
    /// `cancel` ran: everything refunded, funders claim.
    Cancelled = 2,
}

/// State of one milestone.
#[contracttype]
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[repr(u32)]
pub enum MilestoneStatus {
    /// Not paid yet (may or may not be funded).
    Pending = 0,
    /// Paid to the payee (minus fee).
    Released = 1,
    /// Frozen by the payer or payee; only the arbiter can move it.
    Disputed = 2,
    /// Split by the arbiter between payee and funders.
    Resolved = 3,
    /// Returned to the funders by `refund` or `cancel`.
    Refunded = 4,
}

/// One milestone: its gross amount and state.
#[contracttype]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Milestone {
    pub amount: i128,
    pub status: MilestoneStatus,
    /// Ledger timestamp of the dispute (0 if the milestone was never disputed).
    /// Once `disputed_at + resolution_window` has passed, the arbiter can no longer
    /// resolve and anyone may return the milestone to the funders (`expire_dispute`).
    pub disputed_at: u64,
    /// The id of the payout intent that released it (None: not released by an intent). With
    /// the milestone's status this is the replay guard: an intent pays only a pending
    /// milestone, so no intent id needs an entry of its own.
    pub paid_by: Option<BytesN<32>>,
}

/// One payout made while the escrow was active: `amount` paid out of a pool of
/// `pool` unspent funding. Every funder's unspent funding shrinks by the same
/// factor `(pool - amount) / pool`, so a payout is borne pro rata by the
/// funders whose money was in the escrow at that moment, and not by later ones.
/// What a payout intent can still do (`intent_status`), read from its milestone.
#[contracttype]
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[repr(u32)]
pub enum IntentStatus {
    /// The milestone is pending: the intent pays it once it is funded.
    Payable = 0,
    /// This intent released the milestone.
    Paid = 1,
    /// The milestone left pending otherwise (released by the payer or by another intent,
    /// disputed, resolved, refunded, cancelled); the milestone's status says which.
    Closed = 2,
}

#[contracttype]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Spend {
    pub pool: i128,
    pub amount: i128,
}

/// One escrow (persistent storage, key `DataKey::Escrow(id)`).
///
/// Money accounting, all in token base units:
/// `held = funded - released - refunded` is what the contract holds for this
/// escrow; `refundable - refunded` of it is owed to funders and claimable.
#[contracttype]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Escrow {
    pub payer: Address,
    pub payee: Option<Address>,
    /// Stellar Asset Contract (or any SEP-41 token) the escrow is denominated in.
    pub token: Address,
    pub arbiter: Option<Address>,
    /// ed25519 public keys allowed to sign payout intents.
    pub verifiers: Vec<BytesN<32>>,
    pub threshold: u32,
    /// Ledger timestamp (seconds) after which unreleased money can be refunded.
    pub deadline: u64,
    /// Seconds the arbiter has to resolve a dispute, counted from the dispute.
    pub resolution_window: u64,
    pub metadata: BytesN<32>,
    /// Fee terms, fixed at creation.
    pub fee_bps: u32,
    pub treasury: Address,
    pub status: EscrowStatus,
    pub milestones: Vec<Milestone>,
    /// Sum of milestone amounts.
    pub total: i128,
    /// Sum of all funding received.
    pub funded: i128,
    /// Gross amount paid out for milestones (payee net + fee).
    pub released: i128,
    /// Cumulative amount owed back to funders (refunds, cancel, funders' part of resolutions).
    pub refundable: i128,
    /// Amount already claimed by funders.
    pub refunded: i128,
    /// Payouts made while active, in order (at most one per milestone).
    pub spends: Vec<Spend>,
    /// Unspent funding when the escrow closed (`funded - released` at `refund`
    /// or `cancel`): the denominator of every funder's refund share.
    pub closed_pool: i128,
}

/// A funder's stake in one escrow (persistent, key `DataKey::Position(id, funder)`).
#[contracttype]
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Position {
    /// Total this funder put in (as credited: what the escrow received).
    pub share: i128,
    /// Total this funder has claimed back.
    pub claimed: i128,
    /// This funder's unspent funding after the first `synced` spends of the escrow.
    pub unspent: i128,
    /// How many of the escrow's `spends` have been applied to `unspent`.
    pub synced: u32,
}

/// An upgrade announced by the admin (instance storage, `DataKey::PendingUpgrade`).
#[contracttype]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct PendingUpgrade {
    pub wasm_hash: BytesN<32>,
    /// Earliest ledger timestamp at which `upgrade` may apply it.
    pub ready_at: u64,
}

/// A payout intent signed by verifiers. Same fields as the EVM EIP-712 `PayoutIntent`.
#[contracttype]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct PayoutIntent {
    pub escrow_id: u64,
    pub milestone: u32,
    pub payee: Address,
    pub amount: i128,
    pub token: Address,
    pub intent_id: BytesN<32>,
    /// Last ledger timestamp (inclusive) at which the intent can be executed.
    pub deadline: u64,
    pub evidence_hash: BytesN<32>,
}
