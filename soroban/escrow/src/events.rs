//! Events: one for every state change, enough to rebuild the contract state
//! from events alone (see `soroban/README.md`, "Events").
//!
//! Each event's first topic is its name in snake_case (e.g. `escrow_created`),
//! followed by the fields marked `#[topic]`; the other fields form the data map
//! (a `None` field is left out of the map).

use soroban_sdk::{contractevent, Address, BytesN, Vec};

/// The constructor ran.
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Initialized {
    pub admin: Address,
    pub fee_bps: u32,
    pub treasury: Address,
}

/// The default fee for new escrows changed.
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct FeeUpdated {
    pub old_fee_bps: u32,
    pub new_fee_bps: u32,
}

/// The treasury for new escrows changed.
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct TreasuryUpdated {
    pub treasury: Address,
}

/// The guardian changed (`guardian` absent: removed).
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct GuardianUpdated {
    pub guardian: Option<Address>,
}

/// The admin proposed a new admin.
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct AdminTransferStarted {
    #[topic]
    pub admin: Address,
    pub pending_admin: Address,
}

/// The pending admin accepted.
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct AdminChanged {
    #[topic]
    pub admin: Address,
    pub previous_admin: Address,
}

/// `create` and `fund` are now blocked.
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ContractPaused {
    pub by: Address,
}

/// `create` and `fund` work again.
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ContractUnpaused {
    pub by: Address,
}

/// The admin announced an upgrade; `upgrade` may apply it from `ready_at` on.
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct UpgradeProposed {
    pub wasm_hash: BytesN<32>,
    pub ready_at: u64,
}

/// The admin withdrew the announced upgrade.
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct UpgradeCancelled {
    pub wasm_hash: BytesN<32>,
}

/// The contract code was replaced.
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Upgraded {
    pub wasm_hash: BytesN<32>,
}

/// A new escrow (all milestones `Pending`, status `Active`, nothing funded).
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct EscrowCreated {
    #[topic]
    pub escrow_id: u64,
    #[topic]
    pub payer: Address,
    pub payee: Option<Address>,
    pub token: Address,
    pub arbiter: Option<Address>,
    pub milestones: Vec<i128>,
    pub verifiers: Vec<BytesN<32>>,
    pub threshold: u32,
    pub deadline: u64,
    pub resolution_window: u64,
    pub metadata: BytesN<32>,
    pub fee_bps: u32,
    pub treasury: Address,
}

/// Funding received. `amount` is what the escrow's balance grew by (for a
/// fee-on-transfer token, less than was sent); `funder_share` and `funded` are the new totals.
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct EscrowFunded {
    #[topic]
    pub escrow_id: u64,
    #[topic]
    pub funder: Address,
    pub amount: i128,
    pub funder_share: i128,
    pub funded: i128,
}

/// The escrow's payee was set (by `assign_payee` or a first attested release).
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct PayeeAssigned {
    #[topic]
    pub escrow_id: u64,
    #[topic]
    pub payee: Address,
}

/// A milestone was paid: `amount` gross, `fee` to the treasury, `net` to the payee.
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct MilestoneReleased {
    #[topic]
    pub escrow_id: u64,
    #[topic]
    pub milestone: u32,
    pub payee: Address,
    pub amount: i128,
    pub fee: i128,
    pub net: i128,
}

/// A payout intent was executed (emitted right after its `MilestoneReleased`).
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct IntentExecuted {
    #[topic]
    pub intent_id: BytesN<32>,
    #[topic]
    pub escrow_id: u64,
    pub milestone: u32,
    pub payee: Address,
    pub amount: i128,
    pub evidence_hash: BytesN<32>,
    pub digest: BytesN<32>,
    pub signers: Vec<BytesN<32>>,
}

/// A milestone was frozen by the payer or the payee.
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct MilestoneDisputed {
    #[topic]
    pub escrow_id: u64,
    #[topic]
    pub milestone: u32,
    pub by: Address,
    /// Last ledger timestamp at which the arbiter can resolve it.
    pub resolve_by: u64,
}

/// Nobody resolved a dispute within the resolution window: the milestone is
/// `Refunded` and its whole `amount` was added to the funders' pool (new total `refundable`).
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct DisputeExpired {
    #[topic]
    pub escrow_id: u64,
    #[topic]
    pub milestone: u32,
    pub amount: i128,
    pub refundable: i128,
}

/// The arbiter split a disputed milestone: `payee_amount` gross to the payee side
/// (`fee` to the treasury, `net` to the payee), `funders_amount` added to the
/// funders' refundable pool.
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct DisputeResolved {
    #[topic]
    pub escrow_id: u64,
    #[topic]
    pub milestone: u32,
    pub payee_bps: u32,
    pub payee_amount: i128,
    pub fee: i128,
    pub net: i128,
    pub funders_amount: i128,
}

/// `refund` ran: every `Pending` milestone is now `Refunded`, status `Refunding`,
/// `amount` added to the refundable pool (new total `refundable`).
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct EscrowRefunded {
    #[topic]
    pub escrow_id: u64,
    pub amount: i128,
    pub refundable: i128,
}

/// `cancel` ran: every milestone is now `Refunded`, status `Cancelled`,
/// `amount` added to the refundable pool (new total `refundable`).
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct EscrowCancelled {
    #[topic]
    pub escrow_id: u64,
    pub amount: i128,
    pub refundable: i128,
}

/// A funder was paid `amount`; `claimed` is the funder's new claimed total.
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct RefundClaimed {
    #[topic]
    pub escrow_id: u64,
    #[topic]
    pub funder: Address,
    pub amount: i128,
    pub claimed: i128,
}

/// A fee could not be pushed to the treasury (e.g. a G account without a
/// trustline): `amount` is owed to it instead; `owed` is the new total owed for this token.
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct FeeDeferred {
    #[topic]
    pub treasury: Address,
    #[topic]
    pub token: Address,
    pub escrow_id: u64,
    pub amount: i128,
    pub owed: i128,
}

/// The treasury withdrew the fees owed to it in `token`, sending `amount` to `to`.
#[contractevent]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct FeesWithdrawn {
    #[topic]
    pub treasury: Address,
    #[topic]
    pub token: Address,
    pub to: Address,
    pub amount: i128,
}
