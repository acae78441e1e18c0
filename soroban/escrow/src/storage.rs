//! Storage keys, TTL policy and typed read/write helpers.
//!
//! Instance storage (lives and dies with the contract instance): `Config`,
//! `NextId`, `PendingAdmin`, `PendingUpgrade`. Persistent storage, one entry per item:
//! `Escrow(id)`, `Position(id, funder)`, `FeesOwed(treasury, token)`. No entry per payout
//! intent: the milestone (inside `Escrow(id)`) is the replay guard.
//!
//! Every helper that reads or writes an entry extends its TTL, so any entry a
//! user touches stays live for at least `*_TTL_THRESHOLD` ledgers. Persistent
//! entries that are never touched are archived, never deleted: an archived
//! escrow must be restored before any call on it, and then still reads as it was.

use soroban_sdk::{contracttype, panic_with_error, Address, Env};

use crate::errors::EscrowError;
use crate::types::{Config, Escrow, PendingUpgrade, Position};

/// Ledgers per day at 5 seconds per ledger.
pub const DAY_IN_LEDGERS: u32 = 17_280;
/// Instance storage is extended to this many ledgers (30 days)...
pub const INSTANCE_EXTEND_TO: u32 = 30 * DAY_IN_LEDGERS;
/// ...whenever its TTL has dropped below this (29 days).
pub const INSTANCE_TTL_THRESHOLD: u32 = INSTANCE_EXTEND_TO - DAY_IN_LEDGERS;
/// Persistent entries are extended to this many ledgers (120 days)...
pub const PERSISTENT_EXTEND_TO: u32 = 120 * DAY_IN_LEDGERS;
/// ...whenever their TTL has dropped below this (119 days).
pub const PERSISTENT_TTL_THRESHOLD: u32 = PERSISTENT_EXTEND_TO - DAY_IN_LEDGERS;

/// Every storage key the contract uses.
#[contracttype]
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum DataKey {
    /// Instance: [`Config`].
    Config,
    /// Instance: next escrow id (u64, starts at 0).
    NextId,
    /// Instance: proposed admin waiting for `accept_admin`.
    PendingAdmin,
    /// Persistent: [`Escrow`] by id.
    Escrow(u64),
    /// Persistent: [`Position`] by (escrow id, funder).
    Position(u64, Address),
    /// Instance: the upgrade announced by `propose_upgrade`.
    PendingUpgrade,
    /// Persistent: fees owed to (treasury, token) whose push failed (i128).
    FeesOwed(Address, Address),
}

pub(crate) fn extend_instance(env: &Env) {
    env.storage()
        .instance()
        .extend_ttl(INSTANCE_TTL_THRESHOLD, INSTANCE_EXTEND_TO);
}

fn extend_persistent(env: &Env, key: &DataKey) {
    env.storage()
        .persistent()
        .extend_ttl(key, PERSISTENT_TTL_THRESHOLD, PERSISTENT_EXTEND_TO);
}

// --- config (instance) ---

pub(crate) fn read_config(env: &Env) -> Config {
    extend_instance(env);
    env.storage()
        .instance()
        .get(&DataKey::Config)
        .unwrap_or_else(|| panic_with_error!(env, EscrowError::NotInitialized))
}

pub(crate) fn write_config(env: &Env, config: &Config) {
    env.storage().instance().set(&DataKey::Config, config);
    extend_instance(env);
}

pub(crate) fn read_pending_admin(env: &Env) -> Option<Address> {
    env.storage().instance().get(&DataKey::PendingAdmin)
}

pub(crate) fn write_pending_admin(env: &Env, admin: Option<&Address>) {
    match admin {
        Some(a) => env.storage().instance().set(&DataKey::PendingAdmin, a),
        None => env.storage().instance().remove(&DataKey::PendingAdmin),
    }
}

pub(crate) fn read_pending_upgrade(env: &Env) -> Option<PendingUpgrade> {
    env.storage().instance().get(&DataKey::PendingUpgrade)
}

pub(crate) fn write_pending_upgrade(env: &Env, upgrade: Option<&PendingUpgrade>) {
    match upgrade {
        Some(u) => env.storage().instance().set(&DataKey::PendingUpgrade, u),
        None => env.storage().instance().remove(&DataKey::PendingUpgrade),
    }
}

/// Returns the next escrow id and advances the counter.
pub(crate) fn take_next_id(env: &Env) -> u64 {
    let id: u64 = env.storage().instance().get(&DataKey::NextId).unwrap_or(0);
    env.storage().instance().set(&DataKey::NextId, &(id + 1));
    id
}

pub(crate) fn peek_next_id(env: &Env) -> u64 {
    env.storage().instance().get(&DataKey::NextId).unwrap_or(0)
}

// --- escrows (persistent) ---

/// Reads an escrow; also extends the instance, since every escrow function
/// goes through here.
pub(crate) fn read_escrow(env: &Env, id: u64) -> Result<Escrow, EscrowError> {
    extend_instance(env);
    let key = DataKey::Escrow(id);
    let escrow: Escrow = env
        .storage()
        .persistent()
        .get(&key)
        .ok_or(EscrowError::EscrowNotFound)?;
    extend_persistent(env, &key);
    Ok(escrow)
}

pub(crate) fn write_escrow(env: &Env, id: u64, escrow: &Escrow) {
    let key = DataKey::Escrow(id);
    env.storage().persistent().set(&key, escrow);
    extend_persistent(env, &key);
}

// --- funder positions (persistent) ---

pub(crate) fn read_position(env: &Env, id: u64, funder: &Address) -> Position {
    let key = DataKey::Position(id, funder.clone());
    match env.storage().persistent().get::<_, Position>(&key) {
        Some(p) => {
            extend_persistent(env, &key);
            p
        }
        None => Position::default(),
    }
}

pub(crate) fn write_position(env: &Env, id: u64, funder: &Address, position: &Position) {
    let key = DataKey::Position(id, funder.clone());
    env.storage().persistent().set(&key, position);
    extend_persistent(env, &key);
}

// --- fees owed to treasuries that could not receive them (persistent) ---

pub(crate) fn read_fees_owed(env: &Env, treasury: &Address, token: &Address) -> i128 {
    let key = DataKey::FeesOwed(treasury.clone(), token.clone());
    match env.storage().persistent().get::<_, i128>(&key) {
        Some(owed) => {
            extend_persistent(env, &key);
            owed
        }
        None => 0,
    }
}

pub(crate) fn write_fees_owed(env: &Env, treasury: &Address, token: &Address, owed: i128) {
    let key = DataKey::FeesOwed(treasury.clone(), token.clone());
    if owed == 0 {
        env.storage().persistent().remove(&key);
    } else {
        env.storage().persistent().set(&key, &owed);
        extend_persistent(env, &key);
    }
}
