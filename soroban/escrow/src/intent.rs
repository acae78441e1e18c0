//! Canonical hash of a [`PayoutIntent`] (what verifiers sign with ed25519).
//!
//! ```text
//! digest = sha256( XDR( ScVal::Vec([
//!     ScVal::Symbol("qk_payout_v1"),
//!     ScVal::Bytes(network_id),          // 32 bytes, sha256(network passphrase)
//!     ScVal::Address(escrow contract),   // SC_ADDRESS_TYPE_CONTRACT
//!     ScVal::Map(intent),                // the #[contracttype] struct, keys sorted
//! ]) ) )
//! ```
//!
//! The full byte layout, and a test vector, are in `soroban/README.md`.

use soroban_sdk::{xdr::ToXdr, Address, BytesN, Env, Symbol};

use crate::types::PayoutIntent;

/// Domain tag, first element of the hashed tuple. Bump the suffix on any change
/// to the intent schema or the preimage layout.
pub const PAYOUT_DOMAIN: &str = "qk_payout_v1";

/// Canonical payout-intent digest for `contract` on the network `network_id`.
///
/// Pure function of its inputs; the contract calls it with
/// `env.ledger().network_id()` and `env.current_contract_address()`.
pub fn payout_digest(
    env: &Env,
    network_id: &BytesN<32>,
    contract: &Address,
    intent: &PayoutIntent,
) -> BytesN<32> {
    let preimage = (
        Symbol::new(env, PAYOUT_DOMAIN),
        network_id.clone(),
        contract.clone(),
        intent.clone(),
    );
    env.crypto().sha256(&preimage.to_xdr(env)).to_bytes()
}
