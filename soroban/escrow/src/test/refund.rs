//! refund / claim_refund.

use soroban_sdk::{testutils::Events as _, Event};

use super::setup::{Setup, DEADLINE, MINTED, START_TS};
use crate::{EscrowError, EscrowRefunded, EscrowStatus, MilestoneStatus, RefundClaimed};

#[test]
fn test_refund_after_deadline_pro_rata() {
    let s = Setup::new();
    let env = &s.env;
    let id = s.create(&[100, 200, 300]);
    s.escrow.fund(&s.funders[0], &id, &100);
    s.escrow.fund(&s.funders[1], &id, &300);
    s.escrow.release(&id, &0); // 100 paid out

    assert_eq!(
        s.escrow.try_refund(&id),
        Err(Ok(EscrowError::DeadlineNotReached))
    );
    s.set_time(DEADLINE);
    assert_eq!(
        s.escrow.try_refund(&id),
        Err(Ok(EscrowError::DeadlineNotReached))
    );
    s.set_time(DEADLINE + 1);
    s.escrow.refund(&id);
    // Anyone can trigger it: no authorization is used.
    assert_eq!(env.auths(), std::vec![]);
    assert_eq!(
        env.events().all().filter_by_contract(&s.id),
        [EscrowRefunded {
            escrow_id: id,
            amount: 300,
            refundable: 300
        }
        .to_xdr(env, &s.id)]
    );
    let e = s.escrow.get_escrow(&id);
    assert_eq!(e.status, EscrowStatus::Refunding);
    assert_eq!(
        e.milestones.get(0).unwrap().status,
        MilestoneStatus::Released
    );
    assert_eq!(
        e.milestones.get(2).unwrap().status,
        MilestoneStatus::Refunded
    );
    assert_eq!(
        s.escrow.try_refund(&id),
        Err(Ok(EscrowError::EscrowNotActive))
    );
    assert_eq!(
        s.escrow.try_release(&id, &1),
        Err(Ok(EscrowError::MilestoneRefunded))
    );

    // 300 back, pro rata 100:300 -> 75 / 225.
    assert_eq!(s.escrow.claimable(&id, &s.funders[0]), 75);
    assert_eq!(s.escrow.claim_refund(&id, &s.funders[0]), 75);
    assert_eq!(env.auths(), std::vec![]);
    assert_eq!(
        env.events().all().filter_by_contract(&s.id),
        [RefundClaimed {
            escrow_id: id,
            funder: s.funders[0].clone(),
            amount: 75,
            claimed: 75
        }
        .to_xdr(env, &s.id)]
    );
    assert_eq!(s.escrow.claim_refund(&id, &s.funders[1]), 225);
    assert_eq!(s.escrow.claimed_of(&id, &s.funders[1]), 225);
    assert_eq!(
        s.escrow.try_claim_refund(&id, &s.funders[1]),
        Err(Ok(EscrowError::NothingToClaim))
    );
    assert_eq!(
        s.escrow.try_claim_refund(&id, &s.stranger),
        Err(Ok(EscrowError::NothingToClaim))
    );
    assert_eq!(s.balance(&s.id), 0);
    assert_eq!(s.balance(&s.funders[1]), MINTED - 75);
}

/// Review finding 5: pro-rata refunds used to round down with no sweep, so a closed escrow kept
/// dust forever. Shares now round up and each claim is capped by what is left of the pool: once
/// every funder has claimed, the escrow holds exactly zero.
#[test]
fn test_finding5_refund_rounding_leaves_no_dust() {
    let s = Setup::new();
    let id = s.create(&[10]);
    for f in s.funders.iter() {
        s.escrow.fund(f, &id, &3);
    }
    s.set_time(DEADLINE + 1);
    s.escrow.refund(&id);
    // 9 refundable, shares 3/3/3 of 9 -> exactly 3 each.
    for f in s.funders.iter() {
        assert_eq!(s.escrow.claim_refund(&id, f), 3);
    }

    // Uneven: a 50% split of 3 leaves 2 for three equal funders.
    s.set_time(START_TS);
    let id = s.create(&[3, 4]);
    for f in s.funders.iter() {
        s.escrow.fund(f, &id, &1);
    }
    s.escrow.dispute(&id, &0, &s.payer);
    s.escrow.resolve(&id, &0, &5_000); // payee gets 1 (floor 1.5), funders 2
    s.set_time(DEADLINE + 1);
    s.escrow.refund(&id);
    assert_eq!(s.escrow.get_escrow(&id).refundable, 2);
    let paid: std::vec::Vec<i128> = s
        .funders
        .iter()
        .map(|f| s.escrow.try_claim_refund(&id, f).map_or(0, |r| r.unwrap()))
        .collect();
    // ceil(2 * 1 / 3) = 1 for the first two; the third finds the pool empty.
    assert_eq!(paid, [1, 1, 0]);
    assert_eq!(s.balance(&s.id), 0);
}

#[test]
fn test_claim_RevertWhen_not_open_or_not_found() {
    let s = Setup::new();
    let id = s.create_funded(&[10]);
    assert_eq!(
        s.escrow.try_claim_refund(&id, &s.funders[0]),
        Err(Ok(EscrowError::RefundsNotOpen))
    );
    assert_eq!(
        s.escrow.try_claim_refund(&6, &s.funders[0]),
        Err(Ok(EscrowError::EscrowNotFound))
    );
    assert_eq!(
        s.escrow.try_refund(&6),
        Err(Ok(EscrowError::EscrowNotFound))
    );
}

#[test]
fn test_refund_unfunded_escrow() {
    let s = Setup::new();
    let id = s.create(&[10]);
    s.set_time(DEADLINE + 1);
    s.escrow.refund(&id);
    assert_eq!(s.escrow.get_escrow(&id).refundable, 0);
    assert_eq!(
        s.escrow.try_claim_refund(&id, &s.funders[0]),
        Err(Ok(EscrowError::NothingToClaim))
    );
}

#[test]
fn test_many_funders_claim_independently() {
    // 40 funders: refund is O(milestones), each claim is O(1); no loop over funders.
    let s = Setup::new();
    let id = s.create(&[1_000_000]);
    let mut funders = std::vec::Vec::new();
    for i in 0..40i128 {
        let f = <soroban_sdk::Address as soroban_sdk::testutils::Address>::generate(&s.env);
        s.token_admin.mint(&f, &(1_000 + i));
        s.escrow.fund(&f, &id, &(1_000 + i));
        funders.push(f);
    }
    s.set_time(DEADLINE + 1);
    s.escrow.refund(&id);
    for (i, f) in funders.iter().enumerate().rev() {
        assert_eq!(s.escrow.claim_refund(&id, f), 1_000 + i as i128);
    }
    assert_eq!(s.balance(&s.id), 0);
}
