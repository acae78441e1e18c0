//! create / fund / assign_payee / release / cancel / reads.

use soroban_sdk::{
    testutils::{
        Address as _, AuthorizedFunction, AuthorizedInvocation, Events as _, MockAuth,
        MockAuthInvoke,
    },
    Address, BytesN, Event, IntoVal, Symbol, Vec,
};

use super::setup::{Setup, DEADLINE, FEE_BPS, MINTED, START_TS, WINDOW};
use crate::{
    EscrowCreated, EscrowError, EscrowFunded, EscrowStatus, Milestone, MilestoneReleased,
    MilestoneStatus, PayeeAssigned, MAX_ESCROW_TOTAL, MAX_MILESTONES,
};

// ---------------------------------------------------------------- create

#[test]
fn test_create_stores_escrow_and_emits_event() {
    let s = Setup::new();
    let id = s.create(&[100, 200]);
    assert_eq!(id, 0);

    // Exact authorization: only the payer, for exactly this call, no sub-invocations.
    let env = &s.env;
    let args = (
        s.payer.clone(),
        Some(s.payee.clone()),
        s.token.address.clone(),
        s.amounts(&[100, 200]),
        Some(s.arbiter.clone()),
        s.verifiers(3),
        2u32,
        DEADLINE,
        WINDOW,
        BytesN::from_array(env, &[0xab; 32]),
    );
    assert_eq!(
        env.auths(),
        std::vec![(
            s.payer.clone(),
            AuthorizedInvocation {
                function: AuthorizedFunction::Contract((
                    s.id.clone(),
                    Symbol::new(env, "create"),
                    args.into_val(env),
                )),
                sub_invocations: std::vec![],
            }
        )]
    );
    assert_eq!(
        env.events().all().filter_by_contract(&s.id),
        [EscrowCreated {
            escrow_id: 0,
            payer: s.payer.clone(),
            payee: Some(s.payee.clone()),
            token: s.token.address.clone(),
            arbiter: Some(s.arbiter.clone()),
            milestones: s.amounts(&[100, 200]),
            verifiers: s.verifiers(3),
            threshold: 2,
            deadline: DEADLINE,
            resolution_window: WINDOW,
            metadata: BytesN::from_array(env, &[0xab; 32]),
            fee_bps: FEE_BPS,
            treasury: s.treasury.clone(),
        }
        .to_xdr(env, &s.id)]
    );

    assert_eq!(s.escrow.escrow_count(), 1);
    let e = s.escrow.get_escrow(&id);
    assert_eq!(e.payer, s.payer);
    assert_eq!(e.total, 300);
    assert_eq!(e.funded, 0);
    assert_eq!(e.fee_bps, FEE_BPS);
    assert_eq!(e.treasury, s.treasury);
    assert_eq!(e.status, EscrowStatus::Active);
    assert_eq!(
        s.escrow.get_milestone(&id, &1),
        Milestone {
            amount: 200,
            status: MilestoneStatus::Pending,
            disputed_at: 0,
            paid_by: None,
        }
    );
    assert_eq!(s.create(&[1]), 1);
}

#[test]
fn test_create_RevertWhen_invalid_milestones() {
    let s = Setup::new();
    let none: &[i128] = &[];
    let err = |amounts: &[i128]| {
        s.escrow.try_create(
            &s.payer,
            &None,
            &s.token.address,
            &s.amounts(amounts),
            &None,
            &Vec::new(&s.env),
            &0,
            &DEADLINE,
            &WINDOW,
            &BytesN::from_array(&s.env, &[0; 32]),
        )
    };
    assert_eq!(err(none), Err(Ok(EscrowError::InvalidMilestoneCount)));
    let too_many: std::vec::Vec<i128> = (0..=MAX_MILESTONES).map(|_| 1).collect();
    assert_eq!(err(&too_many), Err(Ok(EscrowError::InvalidMilestoneCount)));
    assert_eq!(err(&[10, 0]), Err(Ok(EscrowError::InvalidAmount)));
    assert_eq!(err(&[-1]), Err(Ok(EscrowError::InvalidAmount)));
    assert_eq!(
        err(&[MAX_ESCROW_TOTAL, 1]),
        Err(Ok(EscrowError::InvalidAmount))
    );
    assert_eq!(err(&[MAX_ESCROW_TOTAL]), Ok(Ok(0)));
    let max: std::vec::Vec<i128> = (0..MAX_MILESTONES).map(|_| 1).collect();
    assert_eq!(err(&max), Ok(Ok(1)));
}

#[test]
fn test_create_RevertWhen_invalid_verifiers_threshold_or_deadline() {
    let s = Setup::new();
    let env = &s.env;
    let try_create = |verifiers: Vec<BytesN<32>>, threshold: u32, deadline: u64| {
        s.escrow.try_create(
            &s.payer,
            &Some(s.payee.clone()),
            &s.token.address,
            &s.amounts(&[10]),
            &None,
            &verifiers,
            &threshold,
            &deadline,
            &WINDOW,
            &BytesN::from_array(env, &[0; 32]),
        )
    };
    let v3 = s.verifiers(3);
    let mut dup = s.verifiers(2);
    dup.push_back(v3.get(0).unwrap());
    let mut many = Vec::new(env);
    for i in 0..21u8 {
        many.push_back(BytesN::from_array(env, &[i; 32]));
    }
    assert_eq!(
        try_create(many, 1, DEADLINE),
        Err(Ok(EscrowError::TooManyVerifiers))
    );
    assert_eq!(
        try_create(dup, 1, DEADLINE),
        Err(Ok(EscrowError::DuplicateVerifier))
    );
    assert_eq!(
        try_create(v3.clone(), 0, DEADLINE),
        Err(Ok(EscrowError::InvalidThreshold))
    );
    assert_eq!(
        try_create(v3.clone(), 4, DEADLINE),
        Err(Ok(EscrowError::InvalidThreshold))
    );
    assert_eq!(
        try_create(Vec::new(env), 1, DEADLINE),
        Err(Ok(EscrowError::InvalidThreshold))
    );
    assert_eq!(
        try_create(v3.clone(), 3, START_TS),
        Err(Ok(EscrowError::InvalidDeadline))
    );
    assert_eq!(try_create(v3, 3, START_TS + 1), Ok(Ok(0)));
    assert_eq!(try_create(Vec::new(env), 0, START_TS + 1), Ok(Ok(1)));
}

#[test]
#[should_panic(expected = "Error(Auth, InvalidAction)")]
fn test_create_RevertWhen_payer_did_not_authorize() {
    let s = Setup::new();
    // Only the stranger signs; the payer's require_auth fails in the host.
    s.escrow
        .mock_auths(&[MockAuth {
            address: &s.stranger,
            invoke: &MockAuthInvoke {
                contract: &s.id,
                fn_name: "create",
                args: ().into_val(&s.env),
                sub_invokes: &[],
            },
        }])
        .create(
            &s.payer,
            &None,
            &s.token.address,
            &s.amounts(&[1]),
            &None,
            &Vec::new(&s.env),
            &0,
            &DEADLINE,
            &WINDOW,
            &BytesN::from_array(&s.env, &[0; 32]),
        );
}

// ---------------------------------------------------------------- fund

#[test]
fn test_fund_records_shares_and_moves_tokens() {
    let s = Setup::new();
    let env = &s.env;
    let id = s.create(&[100, 200]);
    let (a, b) = (&s.funders[0], &s.funders[1]);

    s.escrow.fund(a, &id, &50);
    assert_eq!(
        env.auths(),
        std::vec![(
            a.clone(),
            AuthorizedInvocation {
                function: AuthorizedFunction::Contract((
                    s.id.clone(),
                    Symbol::new(env, "fund"),
                    (a.clone(), id, 50i128).into_val(env),
                )),
                sub_invocations: std::vec![AuthorizedInvocation {
                    function: AuthorizedFunction::Contract((
                        s.token.address.clone(),
                        Symbol::new(env, "transfer"),
                        (a.clone(), s.id.clone(), 50i128).into_val(env),
                    )),
                    sub_invocations: std::vec![],
                }],
            }
        )]
    );
    assert_eq!(
        env.events().all().filter_by_contract(&s.id),
        [EscrowFunded {
            escrow_id: id,
            funder: a.clone(),
            amount: 50,
            funder_share: 50,
            funded: 50,
        }
        .to_xdr(env, &s.id)]
    );

    s.escrow.fund(b, &id, &200);
    s.escrow.fund(a, &id, &50);
    assert_eq!(s.escrow.share_of(&id, a), 100);
    assert_eq!(s.escrow.share_of(&id, b), 200);
    assert_eq!(s.escrow.share_of(&id, &s.stranger), 0);
    assert_eq!(s.escrow.get_escrow(&id).funded, 300);
    assert_eq!(s.balance(&s.id), 300);
    assert_eq!(s.balance(a), MINTED - 100);
}

#[test]
fn test_fund_RevertWhen_invalid() {
    let s = Setup::new();
    let id = s.create(&[100]);
    let f = &s.funders[0];
    assert_eq!(
        s.escrow.try_fund(f, &id, &0),
        Err(Ok(EscrowError::InvalidAmount))
    );
    assert_eq!(
        s.escrow.try_fund(f, &id, &-5),
        Err(Ok(EscrowError::InvalidAmount))
    );
    assert_eq!(
        s.escrow.try_fund(f, &7, &5),
        Err(Ok(EscrowError::EscrowNotFound))
    );
    s.escrow.fund(f, &id, &60);
    s.set_time(DEADLINE);
    assert_eq!(s.escrow.try_fund(f, &id, &1), Ok(Ok(1)));
    s.set_time(DEADLINE + 1);
    assert_eq!(
        s.escrow.try_fund(f, &id, &1),
        Err(Ok(EscrowError::DeadlinePassed))
    );
    // A failed call moves nothing.
    assert_eq!(s.balance(&s.id), 61);
}

/// Review finding 4: funding 1 unit first used to make a payer's exact-remaining `fund` fail with
/// `AmountExceedsTotal`, repeatably. It now keeps what remains, sends the rest back in the same
/// call and says how much it took; only a fully funded escrow refuses (`FullyFunded`).
#[test]
fn test_finding4_fund_keeps_at_most_what_remains() {
    let s = Setup::new();
    let id = s.create(&[100]);
    let (payer_side, racer) = (&s.funders[0], &s.funders[1]);
    assert_eq!(s.escrow.fund(racer, &id, &1), 1);
    assert_eq!(s.escrow.fund(payer_side, &id, &100), 99);
    assert_eq!(s.balance(payer_side), MINTED - 99);
    assert_eq!(s.balance(&s.id), 100);
    let e = s.escrow.get_escrow(&id);
    assert_eq!((e.funded, e.total), (100, 100));
    assert_eq!(s.escrow.share_of(&id, payer_side), 99);
    assert_eq!(
        s.escrow.try_fund(racer, &id, &1),
        Err(Ok(EscrowError::FullyFunded))
    );
    assert_eq!(s.balance(racer), MINTED - 1);
}

#[test]
fn test_fund_RevertWhen_not_active() {
    let s = Setup::new();
    let mut c = s.default_create();
    c.payee = None;
    let id = s.create_with(&[100], c);
    s.escrow.cancel(&id);
    assert_eq!(
        s.escrow.try_fund(&s.funders[0], &id, &10),
        Err(Ok(EscrowError::EscrowNotActive))
    );
}

// ---------------------------------------------------------------- assign_payee

#[test]
fn test_assign_payee() {
    let s = Setup::new();
    let env = &s.env;
    let mut c = s.default_create();
    c.payee = None;
    let id = s.create_with(&[100], c);
    s.escrow.fund(&s.funders[0], &id, &100);
    assert_eq!(
        s.escrow.try_release(&id, &0),
        Err(Ok(EscrowError::PayeeNotSet))
    );

    s.escrow.assign_payee(&id, &s.payee);
    assert_eq!(
        env.auths(),
        std::vec![(
            s.payer.clone(),
            AuthorizedInvocation {
                function: AuthorizedFunction::Contract((
                    s.id.clone(),
                    Symbol::new(env, "assign_payee"),
                    (id, s.payee.clone()).into_val(env),
                )),
                sub_invocations: std::vec![],
            }
        )]
    );
    assert_eq!(
        env.events().all().filter_by_contract(&s.id),
        [PayeeAssigned {
            escrow_id: id,
            payee: s.payee.clone()
        }
        .to_xdr(env, &s.id)]
    );
    assert_eq!(s.escrow.get_escrow(&id).payee, Some(s.payee.clone()));
    assert_eq!(
        s.escrow.try_assign_payee(&id, &s.stranger),
        Err(Ok(EscrowError::PayeeAlreadySet))
    );
    assert_eq!(
        s.escrow.try_assign_payee(&9, &s.stranger),
        Err(Ok(EscrowError::EscrowNotFound))
    );
}

#[test]
fn test_assign_payee_RevertWhen_not_active() {
    let s = Setup::new();
    let mut c = s.default_create();
    c.payee = None;
    let id = s.create_with(&[100], c);
    s.set_time(DEADLINE + 1);
    s.escrow.refund(&id);
    assert_eq!(
        s.escrow.try_assign_payee(&id, &s.payee),
        Err(Ok(EscrowError::EscrowNotActive))
    );
}

// ---------------------------------------------------------------- release

#[test]
fn test_release_pays_payee_and_fee() {
    let s = Setup::new();
    let env = &s.env;
    let id = s.create_funded(&[1_000, 2_000]);

    s.escrow.release(&id, &1);
    assert_eq!(
        env.auths(),
        std::vec![(
            s.payer.clone(),
            AuthorizedInvocation {
                function: AuthorizedFunction::Contract((
                    s.id.clone(),
                    Symbol::new(env, "release"),
                    (id, 1u32).into_val(env),
                )),
                sub_invocations: std::vec![],
            }
        )]
    );
    // 2.5% fee of 2000 = 50.
    assert_eq!(
        env.events().all().filter_by_contract(&s.id),
        [MilestoneReleased {
            escrow_id: id,
            milestone: 1,
            payee: s.payee.clone(),
            amount: 2_000,
            fee: 50,
            net: 1_950,
        }
        .to_xdr(env, &s.id)]
    );
    assert_eq!(s.balance(&s.payee), 1_950);
    assert_eq!(s.balance(&s.treasury), 50);
    assert_eq!(s.balance(&s.id), 1_000);
    let e = s.escrow.get_escrow(&id);
    assert_eq!(e.released, 2_000);
    assert_eq!(
        e.milestones.get(1).unwrap().status,
        MilestoneStatus::Released
    );
    assert_eq!(
        s.escrow.try_release(&id, &1),
        Err(Ok(EscrowError::MilestoneAlreadyReleased))
    );
    s.escrow.release(&id, &0);
    assert_eq!(s.balance(&s.id), 0);
    assert_eq!(s.balance(&s.payee), 1_950 + 975);
}

#[test]
fn test_release_RevertWhen_not_funded_or_bad_index() {
    let s = Setup::new();
    let id = s.create(&[100, 200]);
    assert_eq!(
        s.escrow.try_release(&id, &0),
        Err(Ok(EscrowError::MilestoneNotFunded))
    );
    s.escrow.fund(&s.funders[0], &id, &299);
    // Milestone i is funded when funding covers milestones 0..=i.
    assert_eq!(s.escrow.try_release(&id, &0), Ok(Ok(())));
    assert_eq!(
        s.escrow.try_release(&id, &1),
        Err(Ok(EscrowError::MilestoneNotFunded))
    );
    assert_eq!(
        s.escrow.try_release(&id, &2),
        Err(Ok(EscrowError::InvalidMilestoneIndex))
    );
    assert_eq!(
        s.escrow.try_release(&5, &0),
        Err(Ok(EscrowError::EscrowNotFound))
    );
}

#[test]
fn test_release_RevertWhen_caller_is_not_payer() {
    let s = Setup::new();
    let id = s.create_funded(&[100]);
    let res = s
        .escrow
        .mock_auths(&[MockAuth {
            address: &s.payee,
            invoke: &MockAuthInvoke {
                contract: &s.id,
                fn_name: "release",
                args: (id, 0u32).into_val(&s.env),
                sub_invokes: &[],
            },
        }])
        .try_release(&id, &0);
    assert!(matches!(res, Err(Err(_))));
    assert_eq!(s.balance(&s.id), 100);
    assert_eq!(s.balance(&s.payee), 0);
}

#[test]
fn test_release_zero_fee_escrow_skips_treasury() {
    let s = Setup::new();
    s.escrow.set_fee(&0);
    let id = s.create_funded(&[100]);
    s.escrow.release(&id, &0);
    assert_eq!(s.balance(&s.payee), 100);
    assert_eq!(s.balance(&s.treasury), 0);
}

// ---------------------------------------------------------------- cancel

#[test]
fn test_cancel_refunds_everything() {
    let s = Setup::new();
    let env = &s.env;
    let mut c = s.default_create();
    c.payee = None;
    let id = s.create_with(&[100, 100], c);
    s.escrow.fund(&s.funders[0], &id, &30);
    s.escrow.fund(&s.funders[1], &id, &90);

    s.escrow.cancel(&id);
    assert_eq!(
        env.auths(),
        std::vec![(
            s.payer.clone(),
            AuthorizedInvocation {
                function: AuthorizedFunction::Contract((
                    s.id.clone(),
                    Symbol::new(env, "cancel"),
                    (id,).into_val(env),
                )),
                sub_invocations: std::vec![],
            }
        )]
    );
    assert_eq!(
        env.events().all().filter_by_contract(&s.id),
        [crate::EscrowCancelled {
            escrow_id: id,
            amount: 120,
            refundable: 120
        }
        .to_xdr(env, &s.id)]
    );
    let e = s.escrow.get_escrow(&id);
    assert_eq!(e.status, EscrowStatus::Cancelled);
    assert!(e
        .milestones
        .iter()
        .all(|m| m.status == MilestoneStatus::Refunded));
    assert_eq!(s.escrow.claim_refund(&id, &s.funders[0]), 30);
    assert_eq!(s.escrow.claim_refund(&id, &s.funders[1]), 90);
    assert_eq!(s.balance(&s.id), 0);
    assert_eq!(s.balance(&s.funders[1]), MINTED);
    assert_eq!(
        s.escrow.try_cancel(&id),
        Err(Ok(EscrowError::EscrowNotActive))
    );
    assert_eq!(
        s.escrow.try_release(&id, &0),
        Err(Ok(EscrowError::PayeeNotSet))
    );
}

#[test]
fn test_cancel_RevertWhen_payee_set() {
    let s = Setup::new();
    let id = s.create(&[100]);
    assert_eq!(
        s.escrow.try_cancel(&id),
        Err(Ok(EscrowError::PayeeAlreadySet))
    );
    assert_eq!(
        s.escrow.try_cancel(&3),
        Err(Ok(EscrowError::EscrowNotFound))
    );
}

// ---------------------------------------------------------------- reads

#[test]
fn test_reads() {
    let s = Setup::new();
    assert_eq!(
        s.escrow.try_get_escrow(&0),
        Err(Ok(EscrowError::EscrowNotFound))
    );
    let id = s.create(&[5]);
    assert_eq!(
        s.escrow.try_get_milestone(&id, &1),
        Err(Ok(EscrowError::InvalidMilestoneIndex))
    );
    assert_eq!(
        s.escrow.try_get_milestone(&9, &0),
        Err(Ok(EscrowError::EscrowNotFound))
    );
    assert_eq!(s.escrow.claimable(&id, &s.funders[0]), 0);
    assert_eq!(
        s.escrow.try_claimable(&9, &s.funders[0]),
        Err(Ok(EscrowError::EscrowNotFound))
    );
    assert_eq!(s.escrow.escrow_count(), 1);
    assert_eq!(s.escrow.config().fee_bps, FEE_BPS);
    let unknown = Address::generate(&s.env);
    assert_eq!(s.escrow.claimed_of(&id, &unknown), 0);
}
