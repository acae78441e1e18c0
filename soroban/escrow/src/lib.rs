//! quiltkit milestone escrow for Soroban.
//!
//! Same milestone-escrow semantics as the EVM `MilestoneEscrow`: a payer locks a
//! Stellar Asset Contract token against a list of milestones; milestones are paid
//! to the payee by the payer, or by a threshold of ed25519 verifiers signing a
//! [`PayoutIntent`]; disputes go to an optional arbiter; after the deadline the
//! unreleased money goes back to the funders, pro rata to what each put in.
//!
//! See `soroban/README.md` for the storage layout, the error codes, the events
//! and the canonical payout-intent hash.
#![no_std]

#[cfg(test)]
extern crate std;

mod contract;
mod errors;
mod events;
mod intent;
mod storage;
mod types;

#[cfg(test)]
mod test;

pub use contract::{SorobanEscrow, SorobanEscrowArgs, SorobanEscrowClient};
pub use errors::EscrowError;
pub use events::*;
pub use intent::{payout_digest, PAYOUT_DOMAIN};
pub use storage::{
    DataKey, DAY_IN_LEDGERS, INSTANCE_EXTEND_TO, INSTANCE_TTL_THRESHOLD, PERSISTENT_EXTEND_TO,
    PERSISTENT_TTL_THRESHOLD,
};
pub use types::*;
