//! dispute / resolve.

use soroban_sdk::{
    testutils::{AuthorizedFunction, AuthorizedInvocation, Events as _},
    Event, IntoVal, Symbol,
};

use super::setup::{Setup, DEADLINE, MINTED, START_TS, WINDOW};
use crate::{DisputeResolved, EscrowError, MilestoneDisputed, MilestoneStatus};

#[test]
fn test_dispute_freezes_milestone() {
    let s = Setup::new();
    let env = &s.env;
    let id = s.create_funded(&[100, 200]);

    s.escrow.dispute(&id, &1, &s.payee);
    assert_eq!(
        env.auths(),
        std::vec![(
            s.payee.clone(),
            AuthorizedInvocation {
                function: AuthorizedFunction::Contract((
                    s.id.clone(),
                    Symbol::new(env, "dispute"),
                    (id, 1u32, s.payee.clone()).into_val(env),
                )),
                sub_invocations: std::vec![],
            }
        )]
    );
    assert_eq!(
        env.events().all().filter_by_contract(&s.id),
        [MilestoneDisputed {
            escrow_id: id,
            milestone: 1,
            by: s.payee.clone(),
            resolve_by: START_TS + WINDOW,
        }
        .to_xdr(env, &s.id)]
    );
    assert_eq!(
        s.escrow.get_milestone(&id, &1).status,
        MilestoneStatus::Disputed
    );
    assert_eq!(
        s.escrow.try_release(&id, &1),
        Err(Ok(EscrowError::MilestoneDisputed))
    );
    assert_eq!(
        s.escrow.try_dispute(&id, &1, &s.payer),
        Err(Ok(EscrowError::MilestoneDisputed))
    );
    let intent = s.intent(id, 1, 200);
    assert_eq!(
        s.escrow
            .try_release_with_intent(&intent, &s.sign(&intent, &[0, 1])),
        Err(Ok(EscrowError::MilestoneDisputed))
    );
    // The payer can dispute too.
    s.escrow.dispute(&id, &0, &s.payer);
}

#[test]
fn test_dispute_RevertWhen_invalid() {
    let s = Setup::new();
    let id = s.create(&[100, 200]);
    assert_eq!(
        s.escrow.try_dispute(&id, &0, &s.stranger),
        Err(Ok(EscrowError::NotParty))
    );
    assert_eq!(
        s.escrow.try_dispute(&id, &0, &s.payer),
        Err(Ok(EscrowError::MilestoneNotFunded))
    );
    assert_eq!(
        s.escrow.try_dispute(&id, &2, &s.payer),
        Err(Ok(EscrowError::InvalidMilestoneIndex))
    );
    assert_eq!(
        s.escrow.try_dispute(&4, &0, &s.payer),
        Err(Ok(EscrowError::EscrowNotFound))
    );
    s.escrow.fund(&s.funders[0], &id, &300);
    s.escrow.release(&id, &0);
    assert_eq!(
        s.escrow.try_dispute(&id, &0, &s.payer),
        Err(Ok(EscrowError::MilestoneAlreadyReleased))
    );

    let mut c = s.default_create();
    c.arbiter = None;
    let no_arbiter = s.create_with(&[10], c);
    s.escrow.fund(&s.funders[0], &no_arbiter, &10);
    assert_eq!(
        s.escrow.try_dispute(&no_arbiter, &0, &s.payer),
        Err(Ok(EscrowError::DisputesDisabled))
    );
    assert_eq!(
        s.escrow.try_resolve(&no_arbiter, &0, &0),
        Err(Ok(EscrowError::DisputesDisabled))
    );

    let mut c = s.default_create();
    c.payee = None;
    let open = s.create_with(&[10], c);
    s.escrow.fund(&s.funders[0], &open, &10);
    assert_eq!(
        s.escrow.try_dispute(&open, &0, &s.payer),
        Err(Ok(EscrowError::PayeeNotSet))
    );
}

#[test]
fn test_resolve_splits_with_fee_on_payee_part() {
    let s = Setup::new();
    let env = &s.env;
    let id = s.create(&[10_000]);
    s.escrow.fund(&s.funders[0], &id, &2_500);
    s.escrow.fund(&s.funders[1], &id, &7_500);
    s.escrow.dispute(&id, &0, &s.payer);

    s.escrow.resolve(&id, &0, &6_000);
    assert_eq!(
        env.auths(),
        std::vec![(
            s.arbiter.clone(),
            AuthorizedInvocation {
                function: AuthorizedFunction::Contract((
                    s.id.clone(),
                    Symbol::new(env, "resolve"),
                    (id, 0u32, 6_000u32).into_val(env),
                )),
                sub_invocations: std::vec![],
            }
        )]
    );
    // Payee part 6000, fee 2.5% of it = 150; funders' part 4000.
    assert_eq!(
        env.events().all().filter_by_contract(&s.id),
        [DisputeResolved {
            escrow_id: id,
            milestone: 0,
            payee_bps: 6_000,
            payee_amount: 6_000,
            fee: 150,
            net: 5_850,
            funders_amount: 4_000,
        }
        .to_xdr(env, &s.id)]
    );
    assert_eq!(s.balance(&s.payee), 5_850);
    assert_eq!(s.balance(&s.treasury), 150);
    assert_eq!(s.balance(&s.id), 4_000);
    assert_eq!(
        s.escrow.get_milestone(&id, &0).status,
        MilestoneStatus::Resolved
    );
    assert_eq!(
        s.escrow.try_resolve(&id, &0, &0),
        Err(Ok(EscrowError::MilestoneNotDisputed))
    );
    assert_eq!(
        s.escrow.try_release(&id, &0),
        Err(Ok(EscrowError::MilestoneAlreadyResolved))
    );

    // Nothing is pending or disputed any more: refund closes at once, and the
    // funders' part is claimable pro rata (25% / 75%).
    assert_eq!(
        s.escrow.try_claim_refund(&id, &s.funders[0]),
        Err(Ok(EscrowError::RefundsNotOpen))
    );
    s.escrow.refund(&id);
    assert_eq!(s.escrow.claim_refund(&id, &s.funders[0]), 1_000);
    assert_eq!(s.escrow.claim_refund(&id, &s.funders[1]), 3_000);
    assert_eq!(s.balance(&s.id), 0);
}

#[test]
fn test_resolve_RevertWhen_invalid() {
    let s = Setup::new();
    let id = s.create_funded(&[100]);
    assert_eq!(
        s.escrow.try_resolve(&id, &0, &0),
        Err(Ok(EscrowError::MilestoneNotDisputed))
    );
    assert_eq!(
        s.escrow.try_resolve(&id, &1, &0),
        Err(Ok(EscrowError::InvalidMilestoneIndex))
    );
    assert_eq!(
        s.escrow.try_resolve(&8, &0, &0),
        Err(Ok(EscrowError::EscrowNotFound))
    );
    s.escrow.dispute(&id, &0, &s.payer);
    assert_eq!(
        s.escrow.try_resolve(&id, &0, &10_001),
        Err(Ok(EscrowError::InvalidBps))
    );
}

#[test]
fn test_resolve_after_refund_adds_to_claims() {
    let s = Setup::new();
    let id = s.create(&[100, 300]);
    s.escrow.fund(&s.funders[0], &id, &200);
    s.escrow.fund(&s.funders[1], &id, &200);
    // Disputed a day before the deadline, so the arbiter can still rule after it.
    s.set_time(DEADLINE - 86_400);
    s.escrow.dispute(&id, &1, &s.payee);
    // Disputed milestone blocks the early close.
    assert_eq!(
        s.escrow.try_refund(&id),
        Err(Ok(EscrowError::DeadlineNotReached))
    );
    s.set_time(DEADLINE + 1);
    s.escrow.refund(&id);
    // Milestone 0 (100) refunded, milestone 1 (300) still reserved.
    let e = s.escrow.get_escrow(&id);
    assert_eq!(e.refundable, 100);
    assert_eq!(s.escrow.claim_refund(&id, &s.funders[0]), 50);
    assert_eq!(
        s.escrow.try_claim_refund(&id, &s.funders[0]),
        Err(Ok(EscrowError::NothingToClaim))
    );

    s.escrow.resolve(&id, &1, &0); // all back to funders
    assert_eq!(s.escrow.claimable(&id, &s.funders[0]), 150);
    assert_eq!(s.escrow.claim_refund(&id, &s.funders[0]), 150);
    assert_eq!(s.escrow.claim_refund(&id, &s.funders[1]), 200);
    assert_eq!(s.balance(&s.id), 0);
    assert_eq!(s.balance(&s.funders[0]), MINTED);
    assert_eq!(s.balance(&s.payee), 0);
}
