//! Property tests over random operation sequences on one escrow.
//!
//! Properties checked after every operation:
//! * the contract's token balance equals what the escrow holds
//!   (`funded - released - refunded`), and equals the ghost totals of what
//!   actually moved (funding in, payee + treasury out, claims out);
//! * no milestone is paid twice (release, attested release or resolution);
//! * `released + refunded <= funded`, `refunded <= refundable`;
//! * no funder ever gets back more than it put in;
//! * a failed call changes nothing.
//!
//! At the end the escrow is driven to its end (resolve or expire disputes,
//! refund, every funder claims): what stays in the contract is rounding dust,
//! less than one base unit per funder per payout made while active, plus one.
//!
//! Cases: 64 by default; `PROPTEST_CASES=5000 cargo test -j 2 props` for a deep run.

use proptest::prelude::*;
use soroban_sdk::Address;
use std::vec; // prop_oneof! with more than ten arms expands to vec!

use super::setup::{Create, Setup, DEADLINE, MINTED};
use crate::{Escrow, EscrowStatus, MilestoneStatus};

const FUNDERS: usize = 3;
const MAX_MS: usize = 6;

#[derive(Clone, Debug)]
enum Op {
    /// `percent` of what is still unfunded (at least 1), or `raw` if set.
    Fund {
        funder: usize,
        percent: i128,
        raw: Option<i128>,
    },
    Release {
        m: u32,
    },
    Attest {
        m: u32,
        signers: usize,
    },
    Dispute {
        m: u32,
        by_payee: bool,
    },
    Resolve {
        m: u32,
        bps: u32,
    },
    Expire {
        m: u32,
    },
    Warp,
    Refund,
    Claim {
        funder: usize,
    },
    Cancel,
    AssignPayee,
}

#[derive(Clone, Debug)]
struct Case {
    milestones: std::vec::Vec<i128>,
    open_bounty: bool,
    fee_bps: u32,
    ops: std::vec::Vec<Op>,
}

fn op() -> impl Strategy<Value = Op> {
    // Taken modulo the milestone count (bad indices are covered by unit tests).
    let m = 0..(MAX_MS as u32);
    let raw = prop_oneof![4 => Just(None), 1 => (-5..=2_500i128).prop_map(Some)];
    let signers = prop_oneof![1 => 0..=1usize, 4 => 2..=3usize];
    let percent = prop_oneof![2 => Just(100i128), 3 => 1..=100i128];
    prop_oneof![
        12 => (0..FUNDERS, percent, raw)
            .prop_map(|(funder, percent, raw)| Op::Fund { funder, percent, raw }),
        6 => m.clone().prop_map(|m| Op::Release { m }),
        8 => (m.clone(), signers).prop_map(|(m, signers)| Op::Attest { m, signers }),
        4 => (m.clone(), any::<bool>()).prop_map(|(m, by_payee)| Op::Dispute { m, by_payee }),
        5 => (m.clone(), 0..=10_000u32).prop_map(|(m, bps)| Op::Resolve { m, bps }),
        2 => m.prop_map(|m| Op::Expire { m }),
        1 => Just(Op::Warp),
        2 => Just(Op::Refund),
        5 => (0..FUNDERS).prop_map(|funder| Op::Claim { funder }),
        1 => Just(Op::Cancel),
        2 => Just(Op::AssignPayee),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(1..=500i128, 1..=MAX_MS),
        any::<bool>(),
        0..=1_000u32,
        prop::collection::vec(op(), 1..40),
    )
        .prop_map(|(milestones, open_bounty, fee_bps, ops)| Case {
            milestones,
            open_bounty,
            fee_bps,
            ops,
        })
}

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

#[derive(Debug, PartialEq)]
struct Snapshot {
    escrow: Escrow,
    balances: std::vec::Vec<i128>,
}

struct Run {
    s: Setup,
    id: u64,
    paid: [u32; MAX_MS + 1],
    ghost_funded: i128,
    ghost_share: [i128; FUNDERS],
}

impl Run {
    fn new(c: &Case) -> Self {
        let s = Setup::new();
        s.escrow.set_fee(&c.fee_bps);
        let create = Create {
            payee: (!c.open_bounty).then(|| s.payee.clone()),
            ..s.default_create()
        };
        let id = s.create_with(&c.milestones, create);
        Run {
            s,
            id,
            paid: [0; MAX_MS + 1],
            ghost_funded: 0,
            ghost_share: [0; FUNDERS],
        }
    }

    fn apply(&mut self, op: &Op) -> bool {
        let (s, id) = (&self.s, self.id);
        let count = s.escrow.get_escrow(&id).milestones.len();
        let op = match *op {
            Op::Release { m } => Op::Release { m: m % count },
            Op::Attest { m, signers } => Op::Attest {
                m: m % count,
                signers,
            },
            Op::Dispute { m, by_payee } => Op::Dispute {
                m: m % count,
                by_payee,
            },
            Op::Resolve { m, bps } => Op::Resolve { m: m % count, bps },
            Op::Expire { m } => Op::Expire { m: m % count },
            ref other => other.clone(),
        };
        match op {
            Op::Fund {
                funder,
                percent,
                raw,
            } => {
                let e = s.escrow.get_escrow(&id);
                let remaining = e.total - e.funded;
                let amount = raw.unwrap_or(((remaining * percent + 99) / 100).max(1));
                match s.escrow.try_fund(&s.funders[funder], &id, &amount) {
                    Ok(Ok(credited)) => {
                        // Review finding 4: it keeps what remains, never more, never fails for more.
                        assert_eq!(credited, amount.min(remaining));
                        self.ghost_funded += credited;
                        self.ghost_share[funder] += credited;
                        true
                    }
                    _ => false,
                }
            }
            Op::Release { m } => {
                let ok = s.escrow.try_release(&id, &m).is_ok();
                if ok {
                    self.paid[m as usize] += 1;
                }
                ok
            }
            Op::Attest { m, signers } => {
                let amount = s.escrow.get_milestone(&id, &m).amount;
                let mut intent = s.intent(id, m, amount);
                intent.deadline = DEADLINE + 10 * 86_400;
                let keys: std::vec::Vec<usize> = (0..signers).collect();
                let sigs = s.sign(&intent, &keys);
                let ok = s.escrow.try_release_with_intent(&intent, &sigs).is_ok();
                if ok {
                    self.paid[m as usize] += 1;
                    assert!(signers >= 2, "accepted with {signers} signatures");
                }
                ok
            }
            Op::Dispute { m, by_payee } => {
                let who = if by_payee { &s.payee } else { &s.payer };
                s.escrow.try_dispute(&id, &m, who).is_ok()
            }
            Op::Resolve { m, bps } => {
                let ok = s.escrow.try_resolve(&id, &m, &bps).is_ok();
                if ok {
                    self.paid[m as usize] += 1;
                }
                ok
            }
            Op::Expire { m } => s.escrow.try_expire_dispute(&id, &m).is_ok(),
            Op::Warp => {
                s.set_time(DEADLINE + 1);
                true
            }
            Op::Refund => s.escrow.try_refund(&id).is_ok(),
            Op::Claim { funder } => s.escrow.try_claim_refund(&id, &s.funders[funder]).is_ok(),
            Op::Cancel => s.escrow.try_cancel(&id).is_ok(),
            Op::AssignPayee => s.escrow.try_assign_payee(&id, &s.payee).is_ok(),
        }
    }

    /// Escrow record and balances of funders 0..3, contract, payee, treasury.
    fn snapshot(&self) -> Snapshot {
        let s = &self.s;
        let mut who: std::vec::Vec<&Address> = s.funders.iter().collect();
        who.extend([&s.id, &s.payee, &s.treasury]);
        Snapshot {
            escrow: s.escrow.get_escrow(&self.id),
            balances: who.iter().map(|a| s.balance(a)).collect(),
        }
    }

    fn check(&self, snap: &Snapshot) {
        let s = &self.s;
        let e = &snap.escrow;
        let [f0, f1, f2, contract, payee, treasury] = snap.balances[..] else {
            unreachable!()
        };
        let held = e.funded - e.released - e.refunded;
        assert_eq!(contract, held, "contract balance != held");
        assert_eq!(e.funded, self.ghost_funded);
        assert!(e.funded <= e.total);
        assert!(e.released + e.refunded <= e.funded);
        assert!(e.refunded <= e.refundable);
        assert!(e.released + e.refundable <= e.funded);
        // Payee and treasury are paid by this escrow only.
        assert_eq!(payee + treasury, e.released);
        let mut claimed_total = 0;
        for (i, balance) in [f0, f1, f2].into_iter().enumerate() {
            let got_back = balance - (MINTED - self.ghost_share[i]);
            assert_eq!(s.escrow.claimed_of(&self.id, &s.funders[i]), got_back);
            assert!(got_back >= 0 && got_back <= self.ghost_share[i]);
            claimed_total += got_back;
        }
        assert_eq!(claimed_total, e.refunded);
        for (i, m) in e.milestones.iter().enumerate() {
            assert!(self.paid[i] <= 1, "milestone {i} paid twice");
            let paid_status =
                m.status == MilestoneStatus::Released || m.status == MilestoneStatus::Resolved;
            assert_eq!(paid_status, self.paid[i] == 1);
        }
    }

    /// Drives the escrow to its end and checks that only dust stays behind.
    fn finish(&mut self) {
        let (id, n) = (self.id, self.s.escrow.get_escrow(&self.id).milestones.len());
        for m in 0..n {
            if self.s.escrow.get_milestone(&id, &m).status == MilestoneStatus::Disputed {
                // Within its resolution window the arbiter rules, after it anyone expires it.
                assert!(
                    self.apply(&Op::Resolve { m, bps: 3_333 }) || self.apply(&Op::Expire { m })
                );
            }
        }
        if self.s.escrow.get_escrow(&id).status == EscrowStatus::Active {
            self.apply(&Op::Warp);
            assert!(self.apply(&Op::Refund));
        }
        for funder in 0..FUNDERS {
            self.apply(&Op::Claim { funder });
        }
        self.check(&self.snapshot());
        let e = self.s.escrow.get_escrow(&id);
        assert_eq!(e.released + e.refundable, e.funded);
        for (i, f) in self.s.funders.iter().enumerate() {
            assert_eq!(self.s.escrow.share_of(&id, f), self.ghost_share[i]);
        }
        // Review finding 5: once every funder has claimed, nothing stays behind.
        assert_eq!(
            self.s.balance(&self.s.id),
            0,
            "dust left in a settled escrow"
        );
        assert_eq!(e.refunded, e.refundable);
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn prop_escrow_invariants(c in case()) {
        let mut run = Run::new(&c);
        let mut before = run.snapshot();
        for op in &c.ops {
            let ok = run.apply(op);
            let after = run.snapshot();
            if !ok {
                prop_assert_eq!(&before, &after, "failed {:?} changed state", op);
            }
            run.check(&after);
            before = after;
        }
        run.finish();
    }
}
