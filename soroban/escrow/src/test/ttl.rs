//! TTL policy: writes and reads extend entries; untouched entries get archived.

use soroban_sdk::testutils::{
    storage::{Instance as _, Persistent as _},
    Ledger as _,
};

use super::setup::Setup;
use crate::{
    DataKey, EscrowError, IntentStatus, MilestoneStatus, DAY_IN_LEDGERS, INSTANCE_EXTEND_TO,
    PERSISTENT_EXTEND_TO, PERSISTENT_TTL_THRESHOLD,
};

fn ttl(s: &Setup, key: &DataKey) -> u32 {
    s.env
        .as_contract(&s.id, || s.env.storage().persistent().get_ttl(key))
}

fn instance_ttl(s: &Setup) -> u32 {
    s.env
        .as_contract(&s.id, || s.env.storage().instance().get_ttl())
}

fn advance(s: &Setup, ledgers: u32) {
    s.env.ledger().with_mut(|l| {
        l.sequence_number += ledgers;
        l.timestamp += ledgers as u64 * 5;
    });
}

#[test]
fn test_ttl_constants_are_derived_from_days() {
    assert_eq!(DAY_IN_LEDGERS, 17_280);
    assert_eq!(INSTANCE_EXTEND_TO, 30 * 17_280);
    assert_eq!(PERSISTENT_EXTEND_TO, 120 * 17_280);
    assert_eq!(PERSISTENT_TTL_THRESHOLD, 119 * 17_280);
}

#[test]
fn test_writes_extend_ttl() {
    let s = Setup::new();
    let id = s.create_funded(&[100, 100]);
    let position = DataKey::Position(id, s.funders[0].clone());
    assert_eq!(ttl(&s, &DataKey::Escrow(id)), PERSISTENT_EXTEND_TO);
    assert_eq!(ttl(&s, &position), PERSISTENT_EXTEND_TO);
    assert_eq!(instance_ttl(&s), INSTANCE_EXTEND_TO);

    advance(&s, 2 * DAY_IN_LEDGERS);
    let mut intent = s.intent(id, 0, 100);
    intent.deadline = s.env.ledger().timestamp() + 60;
    s.escrow
        .release_with_intent(&intent, &s.sign(&intent, &[0, 1]));
    // The attested release writes the escrow (its milestone is the replay guard) and extends it.
    assert_eq!(ttl(&s, &DataKey::Escrow(id)), PERSISTENT_EXTEND_TO);
}

#[test]
fn test_reads_extend_ttl_below_threshold_only() {
    let s = Setup::new();
    let id = s.create_funded(&[100]);
    let key = DataKey::Escrow(id);

    // Half a day later the TTL is still above the threshold: a read leaves it.
    advance(&s, DAY_IN_LEDGERS / 2);
    s.escrow.get_escrow(&id);
    assert_eq!(ttl(&s, &key), PERSISTENT_EXTEND_TO - DAY_IN_LEDGERS / 2);

    // Two days later it is below: the read extends it back to the maximum.
    advance(&s, 2 * DAY_IN_LEDGERS);
    assert!(ttl(&s, &key) < PERSISTENT_TTL_THRESHOLD);
    s.escrow.get_escrow(&id);
    assert_eq!(ttl(&s, &key), PERSISTENT_EXTEND_TO);
    s.escrow.share_of(&id, &s.funders[0]);
    assert_eq!(
        ttl(&s, &DataKey::Position(id, s.funders[0].clone())),
        PERSISTENT_EXTEND_TO
    );
}

#[test]
fn test_touched_entries_outlive_their_first_ttl() {
    let s = Setup::new();
    let id = s.create_funded(&[100]);
    // 10 x 25 days = 250 days, twice the first persistent TTL and 8x the
    // instance TTL; a read every 25 days keeps both alive.
    for _ in 0..10 {
        advance(&s, 25 * DAY_IN_LEDGERS);
        assert_eq!(s.escrow.get_escrow(&id).funded, 100);
        assert_eq!(instance_ttl(&s), INSTANCE_EXTEND_TO);
    }
    assert_eq!(ttl(&s, &DataKey::Escrow(id)), PERSISTENT_EXTEND_TO);
}

#[test]
fn test_an_archived_escrow_still_refuses_a_replay() {
    let s = Setup::new();
    let id = s.create_funded(&[100, 100]);
    let intent = s.intent(id, 0, 100);
    s.escrow
        .release_with_intent(&intent, &s.sign(&intent, &[0, 1]));
    // 125 days without a touch: the escrow's 120-day TTL ran out and it was archived. Archived
    // persistent entries are restored (automatically since protocol 23), never deleted: the
    // milestone still reads as released by this intent, and a replay still fails.
    for _ in 0..5 {
        advance(&s, 25 * DAY_IN_LEDGERS);
        s.escrow.config();
    }
    assert_eq!(
        s.escrow.intent_status(&intent),
        (IntentStatus::Paid, MilestoneStatus::Released)
    );
    assert_eq!(ttl(&s, &DataKey::Escrow(id)), PERSISTENT_EXTEND_TO);
    let mut replay = intent.clone();
    replay.deadline = s.env.ledger().timestamp() + 60;
    assert_eq!(
        s.escrow
            .try_release_with_intent(&replay, &s.sign(&replay, &[0, 1])),
        Err(Ok(EscrowError::MilestoneAlreadyReleased))
    );
}

#[test]
fn test_every_escrow_call_extends_the_instance() {
    let s = Setup::new();
    let id = s.create_funded(&[100]);
    advance(&s, 2 * DAY_IN_LEDGERS);
    assert_eq!(instance_ttl(&s), INSTANCE_EXTEND_TO - 2 * DAY_IN_LEDGERS);
    // dispute reads no config; the escrow read extends the instance.
    s.escrow.dispute(&id, &0, &s.payer);
    assert_eq!(instance_ttl(&s), INSTANCE_EXTEND_TO);
}
