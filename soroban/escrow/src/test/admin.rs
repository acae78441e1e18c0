//! Constructor, fee and treasury, guardian and pause, admin transfer, upgrade.

use soroban_sdk::{
    testutils::EnvTestConfig,
    testutils::{
        Address as _, AuthorizedFunction, AuthorizedInvocation, Events as _, MockAuth,
        MockAuthInvoke,
    },
    Address, BytesN, Env, Event, Executable, IntoVal, Symbol,
};

use super::setup::{Setup, DEADLINE, FEE_BPS, START_TS, WINDOW};
use crate::{
    Config, ContractPaused, EscrowError, FeeUpdated, Initialized, SorobanEscrow,
    SorobanEscrowClient, MAX_FEE_BPS, UPGRADE_DELAY,
};

fn admin_auth(s: &Setup, fn_name: &str, args: soroban_sdk::Vec<soroban_sdk::Val>) {
    assert_eq!(
        s.env.auths(),
        std::vec![(
            s.admin.clone(),
            AuthorizedInvocation {
                function: AuthorizedFunction::Contract((
                    s.id.clone(),
                    Symbol::new(&s.env, fn_name),
                    args,
                )),
                sub_invocations: std::vec![],
            }
        )]
    );
}

#[test]
fn test_constructor_sets_config() {
    let env = Env::new_with_config(EnvTestConfig {
        capture_snapshot_at_drop: false,
    });
    let admin = Address::generate(&env);
    let treasury = Address::generate(&env);
    let id = env.register(SorobanEscrow, (&admin, 1_000u32, &treasury));
    assert_eq!(
        env.events().all().filter_by_contract(&id),
        [Initialized {
            admin: admin.clone(),
            fee_bps: 1_000,
            treasury: treasury.clone()
        }
        .to_xdr(&env, &id)]
    );
    let client = SorobanEscrowClient::new(&env, &id);
    assert_eq!(
        client.config(),
        Config {
            admin,
            guardian: None,
            fee_bps: MAX_FEE_BPS,
            treasury,
            paused: false,
        }
    );
    assert_eq!(client.escrow_count(), 0);
    assert_eq!(client.pending_admin(), None);
}

#[test]
#[should_panic(expected = "Error(Contract, #2)")]
fn test_constructor_RevertWhen_fee_too_high() {
    let env = Env::new_with_config(EnvTestConfig {
        capture_snapshot_at_drop: false,
    });
    let admin = Address::generate(&env);
    env.register(SorobanEscrow, (&admin, MAX_FEE_BPS + 1, &admin));
}

#[test]
fn test_set_fee_applies_to_new_escrows_only() {
    let s = Setup::new();
    let old = s.create(&[10_000]);
    s.escrow.fund(&s.funders[0], &old, &10_000);

    s.escrow.set_fee(&1_000);
    admin_auth(&s, "set_fee", (1_000u32,).into_val(&s.env));
    assert_eq!(
        s.env.events().all().filter_by_contract(&s.id),
        [FeeUpdated {
            old_fee_bps: FEE_BPS,
            new_fee_bps: 1_000
        }
        .to_xdr(&s.env, &s.id)]
    );
    assert_eq!(
        s.escrow.try_set_fee(&(MAX_FEE_BPS + 1)),
        Err(Ok(EscrowError::FeeTooHigh))
    );

    let new = s.create_funded(&[10_000]);
    assert_eq!(s.escrow.get_escrow(&old).fee_bps, FEE_BPS);
    assert_eq!(s.escrow.get_escrow(&new).fee_bps, 1_000);
    s.escrow.release(&old, &0);
    assert_eq!(s.balance(&s.treasury), 250);
    s.escrow.release(&new, &0);
    assert_eq!(s.balance(&s.treasury), 250 + 1_000);
    assert_eq!(s.balance(&s.payee), 9_750 + 9_000);
}

#[test]
fn test_set_treasury_applies_to_new_escrows_only() {
    let s = Setup::new();
    let old = s.create_funded(&[10_000]);
    let new_treasury = Address::generate(&s.env);
    s.escrow.set_treasury(&new_treasury);
    admin_auth(&s, "set_treasury", (new_treasury.clone(),).into_val(&s.env));
    let new = s.create_funded(&[10_000]);
    s.escrow.release(&old, &0);
    s.escrow.release(&new, &0);
    assert_eq!(s.balance(&s.treasury), 250);
    assert_eq!(s.balance(&new_treasury), 250);
    assert_eq!(s.escrow.config().treasury, new_treasury);
}

#[test]
#[should_panic(expected = "Error(Auth, InvalidAction)")]
fn test_admin_functions_RevertWhen_not_admin() {
    let s = Setup::new();
    s.escrow
        .mock_auths(&[MockAuth {
            address: &s.stranger,
            invoke: &MockAuthInvoke {
                contract: &s.id,
                fn_name: "set_fee",
                args: (0u32,).into_val(&s.env),
                sub_invokes: &[],
            },
        }])
        .set_fee(&0);
}

#[test]
fn test_pause_by_guardian_and_admin() {
    let s = Setup::new();
    let guardian = Address::generate(&s.env);
    assert_eq!(
        s.escrow.try_pause(&guardian),
        Err(Ok(EscrowError::NotPauser))
    );
    s.escrow.set_guardian(&Some(guardian.clone()));
    admin_auth(
        &s,
        "set_guardian",
        (Some(guardian.clone()),).into_val(&s.env),
    );

    s.escrow.pause(&guardian);
    assert_eq!(
        s.env.auths(),
        std::vec![(
            guardian.clone(),
            AuthorizedInvocation {
                function: AuthorizedFunction::Contract((
                    s.id.clone(),
                    Symbol::new(&s.env, "pause"),
                    (guardian.clone(),).into_val(&s.env),
                )),
                sub_invocations: std::vec![],
            }
        )]
    );
    assert_eq!(
        s.env.events().all().filter_by_contract(&s.id),
        [ContractPaused {
            by: guardian.clone()
        }
        .to_xdr(&s.env, &s.id)]
    );
    assert!(s.escrow.config().paused);
    assert_eq!(s.escrow.try_pause(&s.admin), Err(Ok(EscrowError::Paused)));
    assert_eq!(
        s.escrow.try_unpause(&s.stranger),
        Err(Ok(EscrowError::NotPauser))
    );
    s.escrow.unpause(&s.admin);
    assert_eq!(
        s.escrow.try_unpause(&guardian),
        Err(Ok(EscrowError::NotPaused))
    );
    s.escrow.set_guardian(&None);
    assert_eq!(
        s.escrow.try_pause(&guardian),
        Err(Ok(EscrowError::NotPauser))
    );
}

#[test]
fn test_pause_blocks_create_and_fund_only() {
    let s = Setup::new();
    let env = &s.env;
    let funded = s.create_funded(&[100, 100, 100, 100]);
    let mut c = s.default_create();
    c.payee = None;
    let open = s.create_with(&[50], c);
    s.escrow.fund(&s.funders[1], &open, &50);
    let partly = s.create(&[100]);
    s.escrow.fund(&s.funders[2], &partly, &40);

    s.escrow.pause(&s.admin);
    assert_eq!(
        s.escrow.try_create(
            &s.payer,
            &None,
            &s.token.address,
            &s.amounts(&[1]),
            &None,
            &soroban_sdk::Vec::new(env),
            &0,
            &DEADLINE,
            &WINDOW,
            &BytesN::from_array(env, &[0; 32]),
        ),
        Err(Ok(EscrowError::Paused))
    );
    assert_eq!(
        s.escrow.try_fund(&s.funders[0], &partly, &1),
        Err(Ok(EscrowError::Paused))
    );

    // Everything that lets users exit or get paid keeps working.
    s.escrow.release(&funded, &0);
    let intent = s.intent(funded, 1, 100);
    s.escrow
        .release_with_intent(&intent, &s.sign(&intent, &[0, 1]));
    s.escrow.dispute(&funded, &2, &s.payee);
    s.escrow.resolve(&funded, &2, &5_000);
    s.escrow.cancel(&open);
    assert_eq!(s.escrow.claim_refund(&open, &s.funders[1]), 50);
    s.set_time(DEADLINE + 1);
    s.escrow.refund(&partly);
    assert_eq!(s.escrow.claim_refund(&partly, &s.funders[2]), 40);
    s.escrow.refund(&funded);
    assert_eq!(s.escrow.claim_refund(&funded, &s.funders[0]), 150);
    assert_eq!(s.balance(&s.id), 0);
}

#[test]
fn test_admin_transfer_two_step() {
    let s = Setup::new();
    let new_admin = Address::generate(&s.env);
    assert_eq!(
        s.escrow.try_accept_admin(),
        Err(Ok(EscrowError::NoPendingAdmin))
    );
    s.escrow.propose_admin(&new_admin);
    admin_auth(&s, "propose_admin", (new_admin.clone(),).into_val(&s.env));
    assert_eq!(s.escrow.pending_admin(), Some(new_admin.clone()));
    assert_eq!(s.escrow.config().admin, s.admin);

    s.escrow.accept_admin();
    assert_eq!(
        s.env.auths(),
        std::vec![(
            new_admin.clone(),
            AuthorizedInvocation {
                function: AuthorizedFunction::Contract((
                    s.id.clone(),
                    Symbol::new(&s.env, "accept_admin"),
                    ().into_val(&s.env),
                )),
                sub_invocations: std::vec![],
            }
        )]
    );
    assert_eq!(
        s.env.events().all().filter_by_contract(&s.id),
        [crate::AdminChanged {
            admin: new_admin.clone(),
            previous_admin: s.admin.clone()
        }
        .to_xdr(&s.env, &s.id)]
    );
    assert_eq!(s.escrow.config().admin, new_admin);
    assert_eq!(s.escrow.pending_admin(), None);
    assert_eq!(
        s.escrow.try_accept_admin(),
        Err(Ok(EscrowError::NoPendingAdmin))
    );
    // The old admin can no longer pause.
    assert_eq!(
        s.escrow.try_pause(&s.admin),
        Err(Ok(EscrowError::NotPauser))
    );
}

/// Smallest module the host accepts as a contract: wasm header plus the
/// `contractenvmetav0` custom section (interface version, protocol 29).
fn minimal_contract_wasm() -> std::vec::Vec<u8> {
    let mut meta = std::vec::Vec::new();
    meta.extend_from_slice(&0u32.to_be_bytes()); // SC_ENV_META_KIND_INTERFACE_VERSION
    meta.extend_from_slice(&29u32.to_be_bytes()); // protocol
    meta.extend_from_slice(&0u32.to_be_bytes()); // pre-release
    let name = b"contractenvmetav0";
    let mut section = std::vec![name.len() as u8];
    section.extend_from_slice(name);
    section.extend_from_slice(&meta);
    let mut wasm = std::vec![0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x00];
    wasm.push(section.len() as u8);
    wasm.extend_from_slice(&section);
    wasm
}

#[test]
#[should_panic(expected = "Error(Auth, InvalidAction)")]
fn test_upgrade_RevertWhen_not_admin() {
    let s = Setup::new();
    let hash = s
        .env
        .deployer()
        .upload_contract_wasm(minimal_contract_wasm().as_slice());
    s.escrow
        .mock_auths(&[MockAuth {
            address: &s.stranger,
            invoke: &MockAuthInvoke {
                contract: &s.id,
                fn_name: "upgrade",
                args: (hash.clone(),).into_val(&s.env),
                sub_invokes: &[],
            },
        }])
        .upgrade(&hash);
}

#[test]
#[should_panic(expected = "Error(Storage, MissingValue)")]
fn test_upgrade_RevertWhen_wasm_not_uploaded() {
    let s = Setup::new();
    // The admin is authorized (mock_all_auths), but no wasm has this hash.
    let hash = BytesN::from_array(&s.env, &[9; 32]);
    s.escrow.propose_upgrade(&hash);
    s.set_time(START_TS + UPGRADE_DELAY);
    s.escrow.upgrade(&hash);
}

#[test]
fn test_upgrade_by_admin_replaces_executable() {
    let s = Setup::new();
    let id = s.create(&[1]);
    let hash = s
        .env
        .deployer()
        .upload_contract_wasm(minimal_contract_wasm().as_slice());
    s.escrow.propose_upgrade(&hash);
    s.set_time(START_TS + UPGRADE_DELAY);
    s.escrow.upgrade(&hash);
    admin_auth(&s, "upgrade", (hash.clone(),).into_val(&s.env));
    assert_eq!(
        s.env.events().all().filter_by_contract(&s.id),
        [crate::Upgraded {
            wasm_hash: hash.clone()
        }
        .to_xdr(&s.env, &s.id)]
    );
    // The instance now points at the uploaded wasm; storage is untouched.
    assert_eq!(s.id.executable(), Some(Executable::Wasm(hash)));
    let escrow_key = crate::DataKey::Escrow(id);
    s.env.as_contract(&s.id, || {
        assert!(s.env.storage().persistent().has(&escrow_key));
    });
}
