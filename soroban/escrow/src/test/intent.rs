//! release_with_intent with real ed25519 signatures, and the canonical hash.

use ed25519_dalek::SigningKey;
use soroban_sdk::{
    testutils::EnvTestConfig,
    testutils::{Address as _, Events as _, Ledger as _},
    xdr::{self, ToXdr},
    Address, Bytes, BytesN, Env, Event, Symbol, TryFromVal, Vec,
};

use super::setup::{network_id, sign_digest, Setup, TESTNET_PASSPHRASE};
use crate::{
    payout_digest, EscrowError, IntentExecuted, IntentStatus, MilestoneReleased, MilestoneStatus,
    PayeeAssigned, PayoutIntent, SorobanEscrow, SorobanEscrowClient, PAYOUT_DOMAIN,
};

// ---------------------------------------------------------------- happy paths

#[test]
fn test_release_with_intent_pays_and_consumes() {
    let s = Setup::new();
    let env = &s.env;
    let id = s.create_funded(&[1_000, 2_000]);
    let intent = s.intent(id, 1, 2_000);
    let sigs = s.sign(&intent, &[2, 0]);
    let digest = s.escrow.intent_hash(&intent);

    s.escrow.release_with_intent(&intent, &sigs);
    // Nobody authorized anything: the verifier signatures are the authority.
    assert_eq!(env.auths(), std::vec![]);
    assert_eq!(
        env.events().all().filter_by_contract(&s.id),
        [
            MilestoneReleased {
                escrow_id: id,
                milestone: 1,
                payee: s.payee.clone(),
                amount: 2_000,
                fee: 50,
                net: 1_950,
            }
            .to_xdr(env, &s.id),
            IntentExecuted {
                intent_id: intent.intent_id.clone(),
                escrow_id: id,
                milestone: 1,
                payee: s.payee.clone(),
                amount: 2_000,
                evidence_hash: BytesN::from_array(env, &[0xee; 32]),
                digest,
                signers: Vec::from_array(env, [sigs.get(0).unwrap().0, sigs.get(1).unwrap().0]),
            }
            .to_xdr(env, &s.id),
        ]
    );
    assert_eq!(s.balance(&s.payee), 1_950);
    assert_eq!(s.balance(&s.treasury), 50);
    assert_eq!(
        s.escrow.intent_status(&intent),
        (IntentStatus::Paid, MilestoneStatus::Released)
    );
    assert_eq!(
        s.escrow.get_milestone(&id, &1).paid_by,
        Some(intent.intent_id.clone())
    );

    // The milestone is the replay guard: the same intent again, or a fresh id for the same
    // milestone, pays nothing; no entry per intent id exists.
    assert_eq!(
        s.escrow.try_release_with_intent(&intent, &sigs),
        Err(Ok(EscrowError::MilestoneAlreadyReleased))
    );
    let mut fresh = s.intent(id, 1, 2_000);
    fresh.intent_id = BytesN::from_array(env, &[0x77; 32]);
    assert_eq!(
        s.escrow
            .try_release_with_intent(&fresh, &s.sign(&fresh, &[0, 1])),
        Err(Ok(EscrowError::MilestoneAlreadyReleased))
    );
    assert_eq!(
        s.escrow.intent_status(&fresh),
        (IntentStatus::Closed, MilestoneStatus::Released)
    );
    assert_eq!(s.balance(&s.payee), 1_950);
}

#[test]
fn test_intent_status_answers_from_the_milestone() {
    let s = Setup::new();
    let id = s.create_funded(&[100, 100, 100]);
    let paid = s.intent(id, 0, 100);
    let by_payer = s.intent(id, 1, 100);
    let pending = s.intent(id, 2, 100);
    assert_eq!(
        s.escrow.intent_status(&paid),
        (IntentStatus::Payable, MilestoneStatus::Pending)
    );
    s.escrow.release_with_intent(&paid, &s.sign(&paid, &[0, 1]));
    s.escrow.release(&id, &1);
    assert_eq!(
        s.escrow.intent_status(&paid),
        (IntentStatus::Paid, MilestoneStatus::Released)
    );
    // Released by the payer: closed for every intent, whatever its id.
    assert_eq!(
        s.escrow.intent_status(&by_payer),
        (IntentStatus::Closed, MilestoneStatus::Released)
    );
    s.escrow.dispute(&id, &2, &s.payer);
    assert_eq!(
        s.escrow.intent_status(&pending),
        (IntentStatus::Closed, MilestoneStatus::Disputed)
    );
    let mut unknown = pending.clone();
    unknown.milestone = 9;
    assert_eq!(
        s.escrow.try_intent_status(&unknown),
        Err(Ok(EscrowError::InvalidMilestoneIndex))
    );
}

#[test]
fn test_release_with_intent_assigns_payee_of_open_bounty() {
    let s = Setup::new();
    let env = &s.env;
    let mut c = s.default_create();
    c.payee = None;
    let id = s.create_with(&[500], c);
    s.escrow.fund(&s.funders[0], &id, &500);
    let intent = s.intent(id, 0, 500);
    s.escrow
        .release_with_intent(&intent, &s.sign(&intent, &[0, 1, 2]));
    let events = env.events().all().filter_by_contract(&s.id);
    assert_eq!(
        events.events()[0],
        PayeeAssigned {
            escrow_id: id,
            payee: s.payee.clone()
        }
        .to_xdr(env, &s.id)
    );
    assert_eq!(events.events().len(), 3);
    assert_eq!(s.escrow.get_escrow(&id).payee, Some(s.payee.clone()));
    assert_eq!(s.balance(&s.payee), 500 - 12);
}

#[test]
fn test_release_with_intent_deadline_is_inclusive() {
    let s = Setup::new();
    let id = s.create_funded(&[10]);
    let intent = s.intent(id, 0, 10);
    s.set_time(intent.deadline);
    assert_eq!(
        s.escrow
            .try_release_with_intent(&intent, &s.sign(&intent, &[0, 1])),
        Ok(Ok(()))
    );
}

// ---------------------------------------------------------------- rejections

#[test]
fn test_release_with_intent_RevertWhen_expired() {
    let s = Setup::new();
    let id = s.create_funded(&[10]);
    let intent = s.intent(id, 0, 10);
    let sigs = s.sign(&intent, &[0, 1]);
    s.set_time(intent.deadline + 1);
    assert_eq!(
        s.escrow.try_release_with_intent(&intent, &sigs),
        Err(Ok(EscrowError::IntentExpired))
    );
}

#[test]
fn test_release_with_intent_RevertWhen_under_signed() {
    let s = Setup::new();
    let id = s.create_funded(&[10]);
    let intent = s.intent(id, 0, 10);
    assert_eq!(
        s.escrow
            .try_release_with_intent(&intent, &s.sign(&intent, &[1])),
        Err(Ok(EscrowError::InsufficientSignatures))
    );
    assert_eq!(
        s.escrow.try_release_with_intent(&intent, &Vec::new(&s.env)),
        Err(Ok(EscrowError::InsufficientSignatures))
    );
    assert_eq!(
        s.escrow.intent_status(&intent),
        (IntentStatus::Payable, MilestoneStatus::Pending)
    );
}

#[test]
fn test_release_with_intent_RevertWhen_duplicate_signer() {
    let s = Setup::new();
    let id = s.create_funded(&[10]);
    let intent = s.intent(id, 0, 10);
    assert_eq!(
        s.escrow
            .try_release_with_intent(&intent, &s.sign(&intent, &[1, 1])),
        Err(Ok(EscrowError::DuplicateSigner))
    );
}

#[test]
fn test_release_with_intent_RevertWhen_unknown_signer() {
    let s = Setup::new();
    // Escrow trusts verifiers 0 and 1 only; verifier 2 is a stranger to it.
    let mut c = s.default_create();
    c.verifiers = 2;
    let id = s.create_with(&[10], c);
    s.escrow.fund(&s.funders[0], &id, &10);
    let intent = s.intent(id, 0, 10);
    assert_eq!(
        s.escrow
            .try_release_with_intent(&intent, &s.sign(&intent, &[0, 2])),
        Err(Ok(EscrowError::UnknownSigner))
    );
    let outsider = SigningKey::from_bytes(&[99; 32]);
    let digest = s.escrow.intent_hash(&intent);
    let mut sigs = s.sign(&intent, &[0]);
    sigs.push_back(sign_digest(&s.env, &outsider, &digest));
    assert_eq!(
        s.escrow.try_release_with_intent(&intent, &sigs),
        Err(Ok(EscrowError::UnknownSigner))
    );
}

#[test]
fn test_release_with_intent_RevertWhen_tampered() {
    let s = Setup::new();
    let id = s.create_funded(&[10, 20]);
    let intent = s.intent(id, 0, 10);
    let sigs = s.sign(&intent, &[0, 1]);

    // Amount that differs from the milestone: rejected before signatures.
    let mut t = intent.clone();
    t.amount = 20;
    assert_eq!(
        s.escrow.try_release_with_intent(&t, &sigs),
        Err(Ok(EscrowError::IntentMismatch))
    );
    let mut t = intent.clone();
    t.payee = s.stranger.clone();
    assert_eq!(
        s.escrow.try_release_with_intent(&t, &sigs),
        Err(Ok(EscrowError::IntentMismatch))
    );
    let mut t = intent.clone();
    t.token = Address::generate(&s.env);
    assert_eq!(
        s.escrow.try_release_with_intent(&t, &sigs),
        Err(Ok(EscrowError::IntentMismatch))
    );
    // Milestone 1 has amount 20: an intent for milestone 1 with 10 mismatches.
    let mut t = intent.clone();
    t.milestone = 1;
    assert_eq!(
        s.escrow.try_release_with_intent(&t, &sigs),
        Err(Ok(EscrowError::IntentMismatch))
    );
    // Fields that match the state but differ from what was signed: the
    // ed25519 check fails in the host (Error(Crypto, InvalidInput)).
    let mut t = intent.clone();
    t.evidence_hash = BytesN::from_array(&s.env, &[0; 32]);
    assert!(matches!(
        s.escrow.try_release_with_intent(&t, &sigs),
        Err(Err(_))
    ));
    let mut t = intent.clone();
    t.deadline += 1;
    assert!(matches!(
        s.escrow.try_release_with_intent(&t, &sigs),
        Err(Err(_))
    ));
    // Untampered still works: nothing was consumed by the failures.
    assert_eq!(s.escrow.try_release_with_intent(&intent, &sigs), Ok(Ok(())));
}

#[test]
#[should_panic(expected = "Error(Crypto, InvalidInput)")]
fn test_release_with_intent_RevertWhen_signature_does_not_match() {
    let s = Setup::new();
    let id = s.create_funded(&[10]);
    let intent = s.intent(id, 0, 10);
    let sigs = s.sign(&intent, &[0, 1]);
    let mut t = intent.clone();
    t.evidence_hash = BytesN::from_array(&s.env, &[0; 32]);
    s.escrow.release_with_intent(&t, &sigs);
}

#[test]
fn test_release_with_intent_RevertWhen_escrow_state_wrong() {
    let s = Setup::new();
    let id = s.create(&[10, 20]);
    let intent = s.intent(id, 0, 10);
    assert_eq!(
        s.escrow
            .try_release_with_intent(&intent, &s.sign(&intent, &[0, 1])),
        Err(Ok(EscrowError::MilestoneNotFunded))
    );
    let mut t = s.intent(id, 2, 10);
    t.intent_id = BytesN::from_array(&s.env, &[1; 32]);
    assert_eq!(
        s.escrow.try_release_with_intent(&t, &s.sign(&t, &[0, 1])),
        Err(Ok(EscrowError::InvalidMilestoneIndex))
    );
    let t = s.intent(42, 0, 10);
    assert_eq!(
        s.escrow.try_release_with_intent(&t, &Vec::new(&s.env)),
        Err(Ok(EscrowError::EscrowNotFound))
    );
    s.escrow.fund(&s.funders[0], &id, &10);
    s.escrow.release(&id, &0);
    assert_eq!(
        s.escrow
            .try_release_with_intent(&intent, &s.sign(&intent, &[0, 1])),
        Err(Ok(EscrowError::MilestoneAlreadyReleased))
    );

    let mut c = s.default_create();
    c.verifiers = 0;
    c.threshold = 0;
    let plain = s.create_with(&[10], c);
    s.escrow.fund(&s.funders[0], &plain, &10);
    let t = s.intent(plain, 0, 10);
    assert_eq!(
        s.escrow.try_release_with_intent(&t, &Vec::new(&s.env)),
        Err(Ok(EscrowError::AttestationDisabled))
    );
}

#[test]
fn test_signature_is_bound_to_contract_and_network() {
    let s = Setup::new();
    let id = s.create_funded(&[10]);
    let intent = s.intent(id, 0, 10);

    // Same intent, signed for a second escrow contract: not valid here.
    let other = s.env.register(SorobanEscrow, (&s.admin, 0u32, &s.treasury));
    let other_digest = SorobanEscrowClient::new(&s.env, &other).intent_hash(&intent);
    assert_ne!(other_digest, s.escrow.intent_hash(&intent));
    let mut sigs = Vec::new(&s.env);
    for k in &s.verifier_keys[..2] {
        sigs.push_back(sign_digest(&s.env, k, &other_digest));
    }
    assert!(matches!(
        s.escrow.try_release_with_intent(&intent, &sigs),
        Err(Err(_))
    ));

    // Same contract, other network id: different digest.
    let mainnet = network_id(&s.env, "Public Global Stellar Network ; September 2015");
    assert_ne!(
        payout_digest(&s.env, &mainnet, &s.id, &intent),
        s.escrow.intent_hash(&intent)
    );
    assert_eq!(
        payout_digest(
            &s.env,
            &network_id(&s.env, TESTNET_PASSPHRASE),
            &s.id,
            &intent
        ),
        s.escrow.intent_hash(&intent)
    );
}

// ---------------------------------------------------------------- test vector

fn contract_address(env: &Env, byte: u8) -> Address {
    let sc = xdr::ScAddress::Contract(xdr::ContractId(xdr::Hash([byte; 32])));
    Address::try_from_val(env, &sc).unwrap()
}

fn account_address(env: &Env, byte: u8) -> Address {
    let sc = xdr::ScAddress::Account(xdr::AccountId(xdr::PublicKey::PublicKeyTypeEd25519(
        xdr::Uint256([byte; 32]),
    )));
    Address::try_from_val(env, &sc).unwrap()
}

fn hex(bytes: &[u8]) -> std::string::String {
    bytes.iter().map(|b| std::format!("{b:02x}")).collect()
}

/// The vector documented in soroban/README.md; the Python SDK asserts the same bytes.
pub fn vector_intent(env: &Env) -> PayoutIntent {
    PayoutIntent {
        escrow_id: 7,
        milestone: 1,
        payee: account_address(env, 0x22),
        amount: 1_000_000_000,
        token: contract_address(env, 0x33),
        intent_id: BytesN::from_array(env, &[0x44; 32]),
        deadline: 1_700_003_600,
        evidence_hash: BytesN::from_array(env, &[0x55; 32]),
    }
}

const VECTOR_PREIMAGE_HEX: &str = concat!(
    "0000001000000001000000040000000f0000000c716b5f7061796f75745f7631",
    "0000000d00000020cee0302d59844d32bdca915c8203dd44b33fbb7edc19051e",
    "a37abedf28ecd472000000120000000111111111111111111111111111111111",
    "111111111111111111111111111111110000001100000001000000080000000f",
    "00000006616d6f756e7400000000000a0000000000000000000000003b9aca00",
    "0000000f00000008646561646c696e6500000005000000006553ff100000000f",
    "00000009657363726f775f69640000000000000500000000000000070000000f",
    "0000000d65766964656e63655f686173680000000000000d0000002055555555",
    "555555555555555555555555555555555555555555555555555555550000000f",
    "00000009696e74656e745f69640000000000000d000000204444444444444444",
    "4444444444444444444444444444444444444444444444440000000f00000009",
    "6d696c6573746f6e6500000000000003000000010000000f0000000570617965",
    "6500000000000012000000000000000022222222222222222222222222222222",
    "222222222222222222222222222222220000000f00000005746f6b656e000000",
    "0000001200000001333333333333333333333333333333333333333333333333",
    "3333333333333333",
);
const VECTOR_DIGEST_HEX: &str = "5d9b8a0a042843344f4a229837a9764337cb9c5b88476ea61319fc755c440683";

#[test]
fn test_canonical_hash_vector() {
    let env = Env::new_with_config(EnvTestConfig {
        capture_snapshot_at_drop: false,
    });
    let network = network_id(&env, TESTNET_PASSPHRASE);
    assert_eq!(
        hex(&network.to_array()),
        "cee0302d59844d32bdca915c8203dd44b33fbb7edc19051ea37abedf28ecd472"
    );
    let contract = contract_address(&env, 0x11);
    let intent = vector_intent(&env);

    let preimage = (
        Symbol::new(&env, PAYOUT_DOMAIN),
        network.clone(),
        contract.clone(),
        intent.clone(),
    )
        .to_xdr(&env);
    let mut buf = std::vec![0u8; preimage.len() as usize];
    preimage.copy_into_slice(&mut buf);
    let digest = payout_digest(&env, &network, &contract, &intent);
    assert_eq!(
        strkey(&contract),
        "CAIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRDB3V"
    );
    assert_eq!(
        strkey(&intent.payee),
        "GARCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCFRVX"
    );
    assert_eq!(
        strkey(&intent.token),
        "CAZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGGJH"
    );
    assert_eq!(hex(&buf), VECTOR_PREIMAGE_HEX);
    assert_eq!(hex(&digest.to_array()), VECTOR_DIGEST_HEX);
    assert_eq!(
        env.crypto()
            .sha256(&Bytes::from_slice(&env, &buf))
            .to_bytes(),
        digest
    );

    // The contract function computes the same digest at that address on that network.
    env.ledger().set_network_id(network.to_array());
    let id = env.register_at(&contract, SorobanEscrow, (&contract, 0u32, &contract));
    assert_eq!(
        SorobanEscrowClient::new(&env, &id).intent_hash(&intent),
        digest
    );
}

fn strkey(a: &Address) -> std::string::String {
    let s = a.to_string();
    let mut buf = std::vec![0u8; s.len() as usize];
    s.copy_into_slice(&mut buf);
    std::string::String::from_utf8(buf).unwrap()
}
