//! Shared deployment for every suite: one escrow contract, one Stellar Asset
//! Contract, named actors, three ed25519 verifier keys with fixed seeds.

use ed25519_dalek::{Signer, SigningKey};
use soroban_sdk::{
    testutils::EnvTestConfig,
    testutils::{Address as _, Ledger},
    token::{StellarAssetClient, TokenClient},
    Address, Bytes, BytesN, Env, Vec,
};

use crate::{PayoutIntent, SorobanEscrow, SorobanEscrowClient};

pub const START_TS: u64 = 1_700_000_000;
pub const START_SEQ: u32 = 1_000;
pub const DEADLINE: u64 = START_TS + 30 * 86_400;
/// Resolution window of the default escrow (7 days).
pub const WINDOW: u64 = 7 * 86_400;
pub const FEE_BPS: u32 = 250;
pub const MINTED: i128 = 1_000_000_000;
pub const TESTNET_PASSPHRASE: &str = "Test SDF Network ; September 2015";

pub struct Setup {
    pub env: Env,
    /// Escrow contract address.
    pub id: Address,
    pub escrow: SorobanEscrowClient<'static>,
    pub admin: Address,
    pub treasury: Address,
    pub payer: Address,
    pub payee: Address,
    pub arbiter: Address,
    pub funders: std::vec::Vec<Address>,
    pub stranger: Address,
    pub token: TokenClient<'static>,
    pub token_admin: StellarAssetClient<'static>,
    pub verifier_keys: std::vec::Vec<SigningKey>,
}

/// Options for `Setup::create_with`; `Default` is a named payee, an arbiter,
/// three verifiers with threshold 2, and `DEADLINE`.
pub struct Create {
    pub payee: Option<Address>,
    pub arbiter: Option<Address>,
    pub verifiers: usize,
    pub threshold: u32,
    pub deadline: u64,
    pub resolution_window: u64,
}

impl Setup {
    pub fn new() -> Self {
        let env = Env::new_with_config(EnvTestConfig {
            capture_snapshot_at_drop: false,
        });
        let network_id = network_id(&env, TESTNET_PASSPHRASE);
        env.ledger().with_mut(|l| {
            l.timestamp = START_TS;
            l.sequence_number = START_SEQ;
            l.network_id = network_id.to_array();
        });
        env.mock_all_auths();

        let admin = Address::generate(&env);
        let treasury = Address::generate(&env);
        let payer = Address::generate(&env);
        let payee = Address::generate(&env);
        let arbiter = Address::generate(&env);
        let stranger = Address::generate(&env);
        let funders: std::vec::Vec<Address> = (0..3).map(|_| Address::generate(&env)).collect();

        let sac = env.register_stellar_asset_contract_v2(Address::generate(&env));
        let token = TokenClient::new(&env, &sac.address());
        let token_admin = StellarAssetClient::new(&env, &sac.address());
        for who in funders.iter().chain([&payer, &stranger]) {
            token_admin.mint(who, &MINTED);
        }

        let id = env.register(SorobanEscrow, (&admin, FEE_BPS, &treasury));
        let escrow = SorobanEscrowClient::new(&env, &id);
        let verifier_keys = (1u8..=3)
            .map(|i| SigningKey::from_bytes(&[i; 32]))
            .collect();

        Setup {
            env,
            id,
            escrow,
            admin,
            treasury,
            payer,
            payee,
            arbiter,
            funders,
            stranger,
            token,
            token_admin,
            verifier_keys,
        }
    }

    pub fn default_create(&self) -> Create {
        Create {
            payee: Some(self.payee.clone()),
            arbiter: Some(self.arbiter.clone()),
            verifiers: 3,
            threshold: 2,
            deadline: DEADLINE,
            resolution_window: WINDOW,
        }
    }

    pub fn verifiers(&self, n: usize) -> Vec<BytesN<32>> {
        let mut v = Vec::new(&self.env);
        for k in self.verifier_keys.iter().take(n) {
            v.push_back(pubkey(&self.env, k));
        }
        v
    }

    pub fn amounts(&self, amounts: &[i128]) -> Vec<i128> {
        Vec::from_slice(&self.env, amounts)
    }

    pub fn create(&self, amounts: &[i128]) -> u64 {
        self.create_with(amounts, self.default_create())
    }

    pub fn create_with(&self, amounts: &[i128], c: Create) -> u64 {
        self.escrow.create(
            &self.payer,
            &c.payee,
            &self.token.address,
            &self.amounts(amounts),
            &c.arbiter,
            &self.verifiers(c.verifiers),
            &c.threshold,
            &c.deadline,
            &c.resolution_window,
            &BytesN::from_array(&self.env, &[0xab; 32]),
        )
    }

    /// Creates an escrow and funds it fully from funder 0.
    pub fn create_funded(&self, amounts: &[i128]) -> u64 {
        let id = self.create(amounts);
        self.escrow
            .fund(&self.funders[0], &id, &amounts.iter().sum::<i128>());
        id
    }

    pub fn intent(&self, escrow_id: u64, milestone: u32, amount: i128) -> PayoutIntent {
        PayoutIntent {
            escrow_id,
            milestone,
            payee: self.payee.clone(),
            amount,
            token: self.token.address.clone(),
            intent_id: BytesN::from_array(&self.env, &[milestone as u8 + 0x10; 32]),
            deadline: START_TS + 3_600,
            evidence_hash: BytesN::from_array(&self.env, &[0xee; 32]),
        }
    }

    /// Signs the contract's canonical digest of `intent` with the given verifier keys.
    pub fn sign(&self, intent: &PayoutIntent, keys: &[usize]) -> Vec<(BytesN<32>, BytesN<64>)> {
        let digest = self.escrow.intent_hash(intent);
        let mut sigs = Vec::new(&self.env);
        for &k in keys {
            sigs.push_back(sign_digest(&self.env, &self.verifier_keys[k], &digest));
        }
        sigs
    }

    pub fn set_time(&self, timestamp: u64) {
        self.env.ledger().with_mut(|l| l.timestamp = timestamp);
    }

    pub fn balance(&self, who: &Address) -> i128 {
        self.token.balance(who)
    }
}

pub fn network_id(env: &Env, passphrase: &str) -> BytesN<32> {
    env.crypto()
        .sha256(&Bytes::from_slice(env, passphrase.as_bytes()))
        .to_bytes()
}

pub fn pubkey(env: &Env, key: &SigningKey) -> BytesN<32> {
    BytesN::from_array(env, &key.verifying_key().to_bytes())
}

pub fn sign_digest(env: &Env, key: &SigningKey, digest: &BytesN<32>) -> (BytesN<32>, BytesN<64>) {
    let sig = key.sign(&digest.to_array());
    (pubkey(env, key), BytesN::from_array(env, &sig.to_bytes()))
}
