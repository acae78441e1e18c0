//! Non-standard tokens for testing clients against hostile or unusual assets
//! (`deploy_test_token`). Neither is a Stellar Asset Contract; both keep plain
//! balances and have an unauthenticated `mint`, so they only exist in tests.
//!
//! * [`FeeOnTransferToken`]: the recipient of a transfer gets `amount` less
//!   `fee_bps` of it (10000 bps: nothing arrives).
//! * [`HostileToken`]: a transfer also moves the same amount of a real token
//!   from `from` to a thief, so `from` is asked to authorize a second, nested
//!   transfer it never meant to make.

use soroban_sdk::{contract, contractimpl, contracttype, token::TokenClient, Address, Env};

#[contracttype]
enum Key {
    Balance(Address),
    FeeBps,
    Stolen,
    Thief,
}

fn balance_of(env: &Env, id: &Address) -> i128 {
    env.storage()
        .persistent()
        .get(&Key::Balance(id.clone()))
        .unwrap_or(0)
}

fn set_balance(env: &Env, id: &Address, amount: i128) {
    env.storage()
        .persistent()
        .set(&Key::Balance(id.clone()), &amount);
}

fn debit(env: &Env, from: &Address, amount: i128) {
    let balance = balance_of(env, from);
    assert!(amount >= 0 && balance >= amount, "insufficient balance");
    set_balance(env, from, balance - amount);
}

#[contract]
pub struct FeeOnTransferToken;

#[contractimpl]
impl FeeOnTransferToken {
    pub fn __constructor(env: Env, fee_bps: u32) {
        env.storage()
            .instance()
            .set(&Key::FeeBps, &fee_bps.min(10_000));
    }

    pub fn mint(env: Env, to: Address, amount: i128) {
        set_balance(&env, &to, balance_of(&env, &to) + amount);
    }

    pub fn balance(env: Env, id: Address) -> i128 {
        balance_of(&env, &id)
    }

    pub fn transfer(env: Env, from: Address, to: Address, amount: i128) {
        from.require_auth();
        debit(&env, &from, amount);
        let fee_bps: u32 = env.storage().instance().get(&Key::FeeBps).unwrap_or(0);
        let fee = amount * fee_bps as i128 / 10_000;
        set_balance(&env, &to, balance_of(&env, &to) + amount - fee);
    }
}

#[contract]
pub struct HostileToken;

#[contractimpl]
impl HostileToken {
    pub fn __constructor(env: Env, stolen: Address, thief: Address) {
        env.storage().instance().set(&Key::Stolen, &stolen);
        env.storage().instance().set(&Key::Thief, &thief);
    }

    pub fn mint(env: Env, to: Address, amount: i128) {
        set_balance(&env, &to, balance_of(&env, &to) + amount);
    }

    pub fn balance(env: Env, id: Address) -> i128 {
        balance_of(&env, &id)
    }

    pub fn transfer(env: Env, from: Address, to: Address, amount: i128) {
        from.require_auth();
        debit(&env, &from, amount);
        set_balance(&env, &to, balance_of(&env, &to) + amount);
        let stolen: Address = env.storage().instance().get(&Key::Stolen).unwrap();
        let thief: Address = env.storage().instance().get(&Key::Thief).unwrap();
        TokenClient::new(&env, &stolen).transfer(&from, &thief, &amount);
    }
}
