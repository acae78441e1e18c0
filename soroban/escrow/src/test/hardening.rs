//! Issue 30: a treasury that cannot receive, arbiter collusion, dispute
//! timeout, delayed upgrades, refunds over unspent funding, fee-on-transfer
//! tokens, bounded deadlines. Each test fails on the escrow before the fix.

use soroban_sdk::{
    contract, contractimpl, contracttype,
    testutils::{Address as _, Events as _, IssuerFlags},
    token::{StellarAssetClient, TokenClient},
    Address, BytesN, Env, Event, Vec,
};

use super::setup::{Create, Setup, DEADLINE, MINTED, START_TS, WINDOW};
use crate::{
    DisputeExpired, EscrowError, EscrowStatus, FeeDeferred, FeesWithdrawn, MilestoneStatus,
    PendingUpgrade, UpgradeCancelled, UpgradeProposed, MAX_DEADLINE_DELAY, MAX_RESOLUTION_WINDOW,
    MIN_RESOLUTION_WINDOW, UPGRADE_DELAY,
};

/// A G account that does not exist on the ledger, so it has no trustline to
/// any asset (32 x 0x22, the payee of the README's test vector).
const NO_TRUSTLINE: &str = "GARCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCFRVX";

// ------------------------------------------------ 1. treasury that cannot receive

#[test]
fn test_payouts_succeed_and_fee_is_owed_when_treasury_cannot_receive() {
    let s = Setup::new();
    let env = &s.env;
    let treasury = Address::from_str(env, NO_TRUSTLINE);
    s.escrow.set_treasury(&treasury);
    let id = s.create_funded(&[10_000, 10_000, 10_000]);

    // release: the payee gets the net, the fee (2.5%) is owed to the treasury.
    s.escrow.release(&id, &0);
    assert_eq!(
        env.events().all().filter_by_contract(&s.id).events().last(),
        Some(
            &FeeDeferred {
                treasury: treasury.clone(),
                token: s.token.address.clone(),
                escrow_id: id,
                amount: 250,
                owed: 250,
            }
            .to_xdr(env, &s.id)
        )
    );
    assert_eq!(s.balance(&s.payee), 9_750);

    // release_with_intent (submitted by anyone) is not blocked either.
    let intent = s.intent(id, 1, 10_000);
    s.escrow
        .release_with_intent(&intent, &s.sign(&intent, &[0, 1]));
    assert_eq!(s.balance(&s.payee), 2 * 9_750);

    // Nor is resolve: payee part 5000, fee 125 owed.
    s.escrow.dispute(&id, &2, &s.payer);
    s.escrow.resolve(&id, &2, &5_000);
    assert_eq!(s.balance(&s.payee), 2 * 9_750 + 4_875);
    assert_eq!(s.escrow.fees_owed(&treasury, &s.token.address), 625);
    // The contract holds the escrow's money plus the fees owed.
    let e = s.escrow.get_escrow(&id);
    assert_eq!(s.balance(&s.id), e.funded - e.released - e.refunded + 625);

    // The treasury withdraws to an address that can receive.
    let to = Address::generate(env);
    assert_eq!(
        s.escrow.withdraw_fees(&treasury, &s.token.address, &to),
        625
    );
    assert_eq!(
        env.events().all().filter_by_contract(&s.id),
        [FeesWithdrawn {
            treasury: treasury.clone(),
            token: s.token.address.clone(),
            to: to.clone(),
            amount: 625,
        }
        .to_xdr(env, &s.id)]
    );
    assert_eq!(s.balance(&to), 625);
    assert_eq!(s.escrow.fees_owed(&treasury, &s.token.address), 0);
    assert_eq!(
        s.escrow.try_withdraw_fees(&treasury, &s.token.address, &to),
        Err(Ok(EscrowError::NothingToClaim))
    );
}

#[test]
fn test_payout_succeeds_when_treasury_balance_is_deauthorized() {
    let s = Setup::new();
    let env = &s.env;
    // An asset whose issuer may revoke authorization (AUTH_REVOCABLE).
    let sac = env.register_stellar_asset_contract_v2(Address::generate(env));
    sac.issuer().set_flag(IssuerFlags::RevocableFlag);
    let asset = StellarAssetClient::new(env, &sac.address());
    asset.mint(&s.funders[0], &10_000);
    let id = s.escrow.create(
        &s.payer,
        &Some(s.payee.clone()),
        &sac.address(),
        &Vec::from_array(env, [10_000]),
        &None,
        &Vec::new(env),
        &0,
        &DEADLINE,
        &WINDOW,
        &BytesN::from_array(env, &[0; 32]),
    );
    s.escrow.fund(&s.funders[0], &id, &10_000);
    asset.set_authorized(&s.treasury, &false);
    s.escrow.release(&id, &0);
    let token = TokenClient::new(env, &sac.address());
    assert_eq!(token.balance(&s.payee), 9_750);
    assert_eq!(token.balance(&s.treasury), 0);
    assert_eq!(s.escrow.fees_owed(&s.treasury, &sac.address()), 250);
}

// ------------------------------------------------ 2. arbiter is neither payee nor payer

#[test]
fn test_create_RevertWhen_arbiter_is_payee_or_payer() {
    let s = Setup::new();
    let mut c = s.default_create();
    c.arbiter = Some(s.payee.clone());
    assert_eq!(
        try_create_with(&s, &[10], c),
        Err(Ok(EscrowError::ArbiterIsPayee))
    );
    let mut c = s.default_create();
    c.arbiter = Some(s.payer.clone());
    assert_eq!(
        try_create_with(&s, &[10], c),
        Err(Ok(EscrowError::ArbiterIsPayer))
    );
    assert_eq!(s.escrow.escrow_count(), 0);
}

#[test]
fn test_open_bounty_RevertWhen_arbiter_would_become_payee() {
    let s = Setup::new();
    let mut c = s.default_create();
    c.payee = None;
    let id = s.create_with(&[100], c);
    s.escrow.fund(&s.funders[0], &id, &100);
    assert_eq!(
        s.escrow.try_assign_payee(&id, &s.arbiter),
        Err(Ok(EscrowError::ArbiterIsPayee))
    );
    let mut intent = s.intent(id, 0, 100);
    intent.payee = s.arbiter.clone();
    assert_eq!(
        s.escrow
            .try_release_with_intent(&intent, &s.sign(&intent, &[0, 1])),
        Err(Ok(EscrowError::ArbiterIsPayee))
    );
    assert_eq!(s.escrow.get_escrow(&id).payee, None);
}

// ------------------------------------------------ 3. dispute timeout

#[test]
fn test_expire_dispute_returns_milestone_to_funders_after_window() {
    let s = Setup::new();
    let env = &s.env;
    let id = s.create(&[100, 300]);
    s.escrow.fund(&s.funders[0], &id, &100);
    s.escrow.fund(&s.funders[1], &id, &300);
    s.escrow.dispute(&id, &1, &s.payee);

    // Within the window (its last second included) only the arbiter moves it.
    s.set_time(START_TS + WINDOW);
    assert_eq!(
        s.escrow.try_expire_dispute(&id, &1),
        Err(Ok(EscrowError::DisputeNotExpired))
    );
    s.set_time(START_TS + WINDOW + 1);
    assert_eq!(
        s.escrow.try_resolve(&id, &1, &10_000),
        Err(Ok(EscrowError::ResolutionWindowPassed))
    );
    // Anyone closes it, no authorization needed.
    s.escrow.expire_dispute(&id, &1);
    assert_eq!(env.auths(), std::vec![]);
    assert_eq!(
        env.events().all().filter_by_contract(&s.id),
        [DisputeExpired {
            escrow_id: id,
            milestone: 1,
            amount: 300,
            refundable: 300,
        }
        .to_xdr(env, &s.id)]
    );
    assert_eq!(
        s.escrow.get_milestone(&id, &1).status,
        MilestoneStatus::Refunded
    );
    assert_eq!(
        s.escrow.try_expire_dispute(&id, &1),
        Err(Ok(EscrowError::MilestoneNotDisputed))
    );
    assert_eq!(
        s.escrow.try_release(&id, &1),
        Err(Ok(EscrowError::MilestoneRefunded))
    );

    // Milestone 0 is paid; then nothing is open and the funders claim the
    // disputed milestone back, pro rata to their unspent funding.
    s.escrow.release(&id, &0);
    s.escrow.refund(&id);
    assert_eq!(s.escrow.claim_refund(&id, &s.funders[0]), 75);
    assert_eq!(s.escrow.claim_refund(&id, &s.funders[1]), 225);
    assert_eq!(s.balance(&s.id), 0);
    assert_eq!(s.balance(&s.payee), 100 - 2);
}

#[test]
fn test_expire_dispute_after_refund_adds_to_claims() {
    let s = Setup::new();
    let id = s.create_funded(&[100, 200]);
    s.escrow.dispute(&id, &1, &s.payer);
    s.set_time(DEADLINE + 1);
    s.escrow.refund(&id);
    assert_eq!(s.escrow.claim_refund(&id, &s.funders[0]), 100);
    s.escrow.expire_dispute(&id, &1);
    assert_eq!(s.escrow.claim_refund(&id, &s.funders[0]), 200);
    assert_eq!(s.balance(&s.funders[0]), MINTED);
}

#[test]
fn test_create_RevertWhen_resolution_window_out_of_range() {
    let s = Setup::new();
    for (window, ok) in [
        (0, false),
        (MIN_RESOLUTION_WINDOW - 1, false),
        (MIN_RESOLUTION_WINDOW, true),
        (MAX_RESOLUTION_WINDOW, true),
        (MAX_RESOLUTION_WINDOW + 1, false),
        (u64::MAX, false),
    ] {
        let c = Create {
            resolution_window: window,
            ..s.default_create()
        };
        let got = try_create_with(&s, &[10], c);
        if ok {
            assert!(got.is_ok(), "window {window}");
        } else {
            assert_eq!(got, Err(Ok(EscrowError::InvalidResolutionWindow)));
        }
    }
}

// ------------------------------------------------ 4. upgrade behind a delay

#[test]
fn test_upgrade_RevertWhen_not_announced_or_delay_not_passed() {
    let s = Setup::new();
    let env = &s.env;
    let hash = BytesN::from_array(env, &[7; 32]);
    assert_eq!(
        s.escrow.try_upgrade(&hash),
        Err(Ok(EscrowError::NoUpgradeScheduled))
    );
    s.escrow.propose_upgrade(&hash);
    let ready_at = START_TS + UPGRADE_DELAY;
    assert_eq!(
        env.events().all().filter_by_contract(&s.id),
        [UpgradeProposed {
            wasm_hash: hash.clone(),
            ready_at,
        }
        .to_xdr(env, &s.id)]
    );
    assert_eq!(
        s.escrow.pending_upgrade(),
        Some(PendingUpgrade {
            wasm_hash: hash.clone(),
            ready_at,
        })
    );
    s.set_time(ready_at - 1);
    assert_eq!(
        s.escrow.try_upgrade(&hash),
        Err(Ok(EscrowError::UpgradeNotReady))
    );
    s.set_time(ready_at);
    assert_eq!(
        s.escrow.try_upgrade(&BytesN::from_array(env, &[8; 32])),
        Err(Ok(EscrowError::UpgradeHashMismatch))
    );
}

#[test]
fn test_cancel_upgrade_withdraws_the_announcement() {
    let s = Setup::new();
    let env = &s.env;
    let hash = BytesN::from_array(env, &[7; 32]);
    assert_eq!(
        s.escrow.try_cancel_upgrade(),
        Err(Ok(EscrowError::NoUpgradeScheduled))
    );
    s.escrow.propose_upgrade(&hash);
    s.escrow.cancel_upgrade();
    assert_eq!(
        env.events().all().filter_by_contract(&s.id),
        [UpgradeCancelled {
            wasm_hash: hash.clone()
        }
        .to_xdr(env, &s.id)]
    );
    assert_eq!(s.escrow.pending_upgrade(), None);
    s.set_time(START_TS + UPGRADE_DELAY);
    assert_eq!(
        s.escrow.try_upgrade(&hash),
        Err(Ok(EscrowError::NoUpgradeScheduled))
    );
}

// ------------------------------------------------ 5. refunds over unspent funding

#[test]
fn test_refund_late_funder_does_not_pay_for_earlier_release() {
    let s = Setup::new();
    let id = s.create(&[100, 200, 300]);
    s.escrow.fund(&s.funders[0], &id, &100);
    s.escrow.release(&id, &0); // paid entirely from funder 0's money
    s.escrow.fund(&s.funders[1], &id, &300);
    s.set_time(DEADLINE + 1);
    s.escrow.refund(&id);
    assert_eq!(s.escrow.claimable(&id, &s.funders[0]), 0);
    assert_eq!(
        s.escrow.try_claim_refund(&id, &s.funders[0]),
        Err(Ok(EscrowError::NothingToClaim))
    );
    assert_eq!(s.escrow.claim_refund(&id, &s.funders[1]), 300);
    assert_eq!(s.balance(&s.funders[1]), MINTED);
    assert_eq!(s.balance(&s.id), 0);
}

#[test]
fn test_refund_splits_each_payout_over_funding_present_at_that_time() {
    let s = Setup::new();
    let id = s.create(&[100, 100, 1_000]);
    s.escrow.fund(&s.funders[0], &id, &100);
    s.escrow.fund(&s.funders[1], &id, &100);
    s.escrow.release(&id, &0); // 100 of 200: funders 0 and 1 bear 50 each
    s.escrow.fund(&s.funders[2], &id, &200);
    // Unspent now 50 / 50 / 200; 100 of 300 leaves two thirds of each:
    // 33.3 / 33.3 / 133.3, rounded up, the last claim capped by what is left of the pool.
    s.escrow.release(&id, &1);
    s.set_time(DEADLINE + 1);
    s.escrow.refund(&id);
    assert_eq!(s.escrow.claim_refund(&id, &s.funders[0]), 34);
    assert_eq!(s.escrow.claim_refund(&id, &s.funders[1]), 34);
    assert_eq!(s.escrow.claim_refund(&id, &s.funders[2]), 132);
    // No dust (review finding 5): the claims took the whole pool.
    assert_eq!(s.balance(&s.id), 0);
}

// ------------------------------------------------ 6. fee-on-transfer tokens

#[contracttype]
enum FeeTokenKey {
    Balance(Address),
}

/// A SEP-41-shaped token that burns 1% of every transfer (the recipient gets 99%).
#[contract]
struct FeeToken;

#[contractimpl]
impl FeeToken {
    pub fn mint(env: Env, to: Address, amount: i128) {
        let b = Self::balance(env.clone(), to.clone());
        env.storage()
            .persistent()
            .set(&FeeTokenKey::Balance(to), &(b + amount));
    }

    pub fn balance(env: Env, id: Address) -> i128 {
        env.storage()
            .persistent()
            .get(&FeeTokenKey::Balance(id))
            .unwrap_or(0)
    }

    pub fn transfer(env: Env, from: Address, to: Address, amount: i128) {
        from.require_auth();
        let from_balance = Self::balance(env.clone(), from.clone());
        assert!(from_balance >= amount, "insufficient balance");
        env.storage()
            .persistent()
            .set(&FeeTokenKey::Balance(from), &(from_balance - amount));
        let to_balance = Self::balance(env.clone(), to.clone());
        env.storage().persistent().set(
            &FeeTokenKey::Balance(to),
            &(to_balance + amount - amount / 100),
        );
    }
}

#[test]
fn test_fund_credits_balance_delta_of_fee_on_transfer_token() {
    let s = Setup::new();
    let env = &s.env;
    let fee_token = env.register(FeeToken, ());
    let client = FeeTokenClient::new(env, &fee_token);
    let create = |amount: i128| {
        s.escrow.create(
            &s.payer,
            &Some(s.payee.clone()),
            &fee_token,
            &Vec::from_array(env, [amount]),
            &Some(s.arbiter.clone()),
            &Vec::new(env),
            &0,
            &DEADLINE,
            &WINDOW,
            &BytesN::from_array(env, &[0; 32]),
        )
    };
    let (a, b) = (create(20_000), create(20_000));
    client.mint(&s.funders[0], &10_000);
    client.mint(&s.funders[1], &10_000);
    s.escrow.fund(&s.funders[0], &a, &10_000);
    s.escrow.fund(&s.funders[1], &b, &10_000);
    // Each escrow books what arrived: 9,900, and together they hold exactly that.
    assert_eq!(s.escrow.get_escrow(&a).funded, 9_900);
    assert_eq!(s.escrow.share_of(&a, &s.funders[0]), 9_900);
    assert_eq!(s.escrow.get_escrow(&b).funded, 9_900);
    assert_eq!(client.balance(&s.id), 19_800);

    // Both escrows stay solvent: every funder gets back what was credited.
    s.set_time(DEADLINE + 1);
    s.escrow.refund(&a);
    s.escrow.refund(&b);
    assert_eq!(s.escrow.claim_refund(&a, &s.funders[0]), 9_900);
    assert_eq!(s.escrow.claim_refund(&b, &s.funders[1]), 9_900);
    assert_eq!(client.balance(&s.id), 0);
}

#[test]
fn test_sac_fund_credits_full_amount() {
    // The balance delta of a Stellar Asset Contract is the amount sent.
    let s = Setup::new();
    let id = s.create(&[500]);
    s.escrow.fund(&s.funders[0], &id, &500);
    assert_eq!(s.escrow.get_escrow(&id).funded, 500);
    assert_eq!(
        TokenClient::new(&s.env, &s.token.address).balance(&s.id),
        500
    );
}

// ------------------------------------------------ 8. bounded deadline

#[test]
fn test_create_RevertWhen_deadline_too_far() {
    let s = Setup::new();
    for (deadline, expected) in [
        (u64::MAX, Err(Ok(EscrowError::DeadlineTooFar))),
        (
            START_TS + MAX_DEADLINE_DELAY + 1,
            Err(Ok(EscrowError::DeadlineTooFar)),
        ),
        (START_TS + MAX_DEADLINE_DELAY, Ok(Ok(0))),
    ] {
        let c = Create {
            deadline,
            ..s.default_create()
        };
        assert_eq!(
            try_create_with(&s, &[10], c),
            expected,
            "deadline {deadline}"
        );
    }
    assert_eq!(
        s.escrow.get_escrow(&0).deadline,
        START_TS + MAX_DEADLINE_DELAY
    );
    assert_eq!(s.escrow.get_escrow(&0).status, EscrowStatus::Active);
}

type CreateResult =
    Result<Result<u64, soroban_sdk::Error>, Result<EscrowError, soroban_sdk::InvokeError>>;

fn try_create_with(s: &Setup, amounts: &[i128], c: Create) -> CreateResult {
    s.escrow.try_create(
        &s.payer,
        &c.payee,
        &s.token.address,
        &s.amounts(amounts),
        &c.arbiter,
        &s.verifiers(c.verifiers),
        &c.threshold,
        &c.deadline,
        &c.resolution_window,
        &BytesN::from_array(&s.env, &[0xab; 32]),
    )
}
