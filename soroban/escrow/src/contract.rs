//! The escrow contract.
//!
//! Every state-changing function follows checks-effects-interactions: all checks
//! first, then storage writes and events, then token transfers last.
//!
//! Authorization failures (a missing or invalid signature for an address that
//! must authorize) are host errors (`Error(Auth, InvalidAction)`), not contract
//! errors: the required signer of each function is listed under "Security".

use soroban_sdk::{
    contract, contractimpl, panic_with_error, token, Address, Bytes, BytesN, ContractExecutable,
    Env, Vec,
};

use crate::errors::EscrowError;
use crate::events;
use crate::intent::payout_digest;
use crate::storage;
use crate::types::{
    Config, Escrow, EscrowStatus, IntentStatus, Milestone, MilestoneStatus, PayoutIntent,
    PendingUpgrade, Position, Spend, BPS_DENOMINATOR, MAX_DEADLINE_DELAY, MAX_ESCROW_TOTAL,
    MAX_FEE_BPS, MAX_MILESTONES, MAX_RESOLUTION_WINDOW, MAX_VERIFIERS, MIN_RESOLUTION_WINDOW,
    UPGRADE_DELAY,
};

#[contract]
pub struct SorobanEscrow;

#[contractimpl]
impl SorobanEscrow {
    // ------------------------------------------------------------------
    // Construction and administration
    // ------------------------------------------------------------------

    /// Runs once, atomically with deployment (so there is no initialization
    /// front-running window).
    ///
    /// # Arguments
    /// * `admin` - can change fee/treasury/guardian, pause, upgrade.
    /// * `fee_bps` - default fee for new escrows, at most 1000 (10%).
    /// * `treasury` - default fee recipient for new escrows.
    ///
    /// # Errors
    /// * `FeeTooHigh` - `fee_bps > 1000`.
    ///
    /// # Events
    /// `initialized`.
    ///
    /// # Security
    /// No authorization: the deployer chooses the arguments.
    pub fn __constructor(env: Env, admin: Address, fee_bps: u32, treasury: Address) {
        if fee_bps > MAX_FEE_BPS {
            panic_with_error!(&env, EscrowError::FeeTooHigh);
        }
        let config = Config {
            admin: admin.clone(),
            guardian: None,
            fee_bps,
            treasury: treasury.clone(),
            paused: false,
        };
        storage::write_config(&env, &config);
        events::Initialized {
            admin,
            fee_bps,
            treasury,
        }
        .publish(&env);
    }

    /// Sets the default fee for escrows created from now on. Existing escrows
    /// keep the fee they were created with.
    ///
    /// # Arguments
    /// * `fee_bps` - new fee, at most 1000 bps.
    ///
    /// # Errors
    /// * `FeeTooHigh`
    ///
    /// # Events
    /// `fee_updated`.
    ///
    /// # Security
    /// Admin authorization.
    pub fn set_fee(env: Env, fee_bps: u32) -> Result<(), EscrowError> {
        let mut config = storage::read_config(&env);
        config.admin.require_auth();
        if fee_bps > MAX_FEE_BPS {
            return Err(EscrowError::FeeTooHigh);
        }
        let old_fee_bps = config.fee_bps;
        config.fee_bps = fee_bps;
        storage::write_config(&env, &config);
        events::FeeUpdated {
            old_fee_bps,
            new_fee_bps: fee_bps,
        }
        .publish(&env);
        Ok(())
    }

    /// Sets the fee recipient for escrows created from now on.
    ///
    /// # Arguments
    /// * `treasury` - new default treasury.
    ///
    /// # Errors
    /// None.
    ///
    /// # Events
    /// `treasury_updated`.
    ///
    /// # Security
    /// Admin authorization. Existing escrows keep their treasury, so the admin
    /// cannot redirect anything that is already escrowed.
    pub fn set_treasury(env: Env, treasury: Address) {
        let mut config = storage::read_config(&env);
        config.admin.require_auth();
        config.treasury = treasury.clone();
        storage::write_config(&env, &config);
        events::TreasuryUpdated { treasury }.publish(&env);
    }

    /// Sets or removes the guardian (a second key that may pause/unpause).
    ///
    /// # Arguments
    /// * `guardian` - new guardian, or `None` to remove it.
    ///
    /// # Errors
    /// None.
    ///
    /// # Events
    /// `guardian_updated`.
    ///
    /// # Security
    /// Admin authorization.
    pub fn set_guardian(env: Env, guardian: Option<Address>) {
        let mut config = storage::read_config(&env);
        config.admin.require_auth();
        config.guardian = guardian.clone();
        storage::write_config(&env, &config);
        events::GuardianUpdated { guardian }.publish(&env);
    }

    /// Starts a two-step admin transfer; `new_admin` must call `accept_admin`.
    ///
    /// # Arguments
    /// * `new_admin` - proposed admin (replaces any earlier proposal).
    ///
    /// # Errors
    /// None.
    ///
    /// # Events
    /// `admin_transfer_started`.
    ///
    /// # Security
    /// Admin authorization.
    pub fn propose_admin(env: Env, new_admin: Address) {
        let config = storage::read_config(&env);
        config.admin.require_auth();
        storage::write_pending_admin(&env, Some(&new_admin));
        events::AdminTransferStarted {
            admin: config.admin,
            pending_admin: new_admin,
        }
        .publish(&env);
    }

    /// Completes a two-step admin transfer.
    ///
    /// # Errors
    /// * `NoPendingAdmin`
    ///
    /// # Events
    /// `admin_changed`.
    ///
    /// # Security
    /// Authorization of the pending admin.
    pub fn accept_admin(env: Env) -> Result<(), EscrowError> {
        let mut config = storage::read_config(&env);
        let pending = storage::read_pending_admin(&env).ok_or(EscrowError::NoPendingAdmin)?;
        pending.require_auth();
        let previous_admin = config.admin.clone();
        config.admin = pending.clone();
        storage::write_config(&env, &config);
        storage::write_pending_admin(&env, None);
        events::AdminChanged {
            admin: pending,
            previous_admin,
        }
        .publish(&env);
        Ok(())
    }

    /// Blocks `create` and `fund`. Releases, disputes, resolutions, refunds,
    /// cancellations and claims keep working.
    ///
    /// # Arguments
    /// * `caller` - the admin or the guardian.
    ///
    /// # Errors
    /// * `NotPauser` - `caller` is neither admin nor guardian.
    /// * `Paused` - already paused.
    ///
    /// # Events
    /// `contract_paused`.
    ///
    /// # Security
    /// `caller` authorization.
    pub fn pause(env: Env, caller: Address) -> Result<(), EscrowError> {
        caller.require_auth();
        let mut config = storage::read_config(&env);
        Self::check_pauser(&config, &caller)?;
        if config.paused {
            return Err(EscrowError::Paused);
        }
        config.paused = true;
        storage::write_config(&env, &config);
        events::ContractPaused { by: caller }.publish(&env);
        Ok(())
    }

    /// Lifts a pause.
    ///
    /// # Arguments
    /// * `caller` - the admin or the guardian.
    ///
    /// # Errors
    /// * `NotPauser`
    /// * `NotPaused`
    ///
    /// # Events
    /// `contract_unpaused`.
    ///
    /// # Security
    /// `caller` authorization.
    pub fn unpause(env: Env, caller: Address) -> Result<(), EscrowError> {
        caller.require_auth();
        let mut config = storage::read_config(&env);
        Self::check_pauser(&config, &caller)?;
        if !config.paused {
            return Err(EscrowError::NotPaused);
        }
        config.paused = false;
        storage::write_config(&env, &config);
        events::ContractUnpaused { by: caller }.publish(&env);
        Ok(())
    }

    /// Announces an upgrade to an uploaded wasm. It can be applied with
    /// `upgrade` once `UPGRADE_DELAY` (7 days) has passed, and withdrawn with
    /// `cancel_upgrade` until then. A new announcement replaces the old one
    /// (and restarts the delay).
    ///
    /// # Arguments
    /// * `new_wasm_hash` - hash of the wasm to switch to.
    ///
    /// # Errors
    /// None.
    ///
    /// # Events
    /// `upgrade_proposed` (`wasm_hash`, `ready_at`).
    ///
    /// # Security
    /// Admin authorization. The delay is the users' notice: new code can move
    /// escrowed funds, so nobody should be surprised by it.
    pub fn propose_upgrade(env: Env, new_wasm_hash: BytesN<32>) {
        let config = storage::read_config(&env);
        config.admin.require_auth();
        let ready_at = env.ledger().timestamp().saturating_add(UPGRADE_DELAY);
        storage::write_pending_upgrade(
            &env,
            Some(&PendingUpgrade {
                wasm_hash: new_wasm_hash.clone(),
                ready_at,
            }),
        );
        events::UpgradeProposed {
            wasm_hash: new_wasm_hash,
            ready_at,
        }
        .publish(&env);
    }

    /// Withdraws the announced upgrade.
    ///
    /// # Errors
    /// * `NoUpgradeScheduled`
    ///
    /// # Events
    /// `upgrade_cancelled`.
    ///
    /// # Security
    /// Admin authorization.
    pub fn cancel_upgrade(env: Env) -> Result<(), EscrowError> {
        let config = storage::read_config(&env);
        config.admin.require_auth();
        let pending = storage::read_pending_upgrade(&env).ok_or(EscrowError::NoUpgradeScheduled)?;
        storage::write_pending_upgrade(&env, None);
        events::UpgradeCancelled {
            wasm_hash: pending.wasm_hash,
        }
        .publish(&env);
        Ok(())
    }

    /// Applies the announced upgrade: replaces the contract code with the
    /// uploaded wasm (storage is kept).
    ///
    /// # Arguments
    /// * `new_wasm_hash` - must equal the announced hash.
    ///
    /// # Errors
    /// * `NoUpgradeScheduled`, `UpgradeHashMismatch`, `UpgradeNotReady`
    ///   (before `ready_at`).
    /// * Host storage error if no wasm with that hash is uploaded.
    ///
    /// # Events
    /// `upgraded`.
    ///
    /// # Security
    /// Admin authorization, and only `UPGRADE_DELAY` after `propose_upgrade`
    /// announced this hash in an event.
    pub fn upgrade(env: Env, new_wasm_hash: BytesN<32>) -> Result<(), EscrowError> {
        let config = storage::read_config(&env);
        config.admin.require_auth();
        let pending = storage::read_pending_upgrade(&env).ok_or(EscrowError::NoUpgradeScheduled)?;
        if pending.wasm_hash != new_wasm_hash {
            return Err(EscrowError::UpgradeHashMismatch);
        }
        if env.ledger().timestamp() < pending.ready_at {
            return Err(EscrowError::UpgradeNotReady);
        }
        storage::write_pending_upgrade(&env, None);
        env.deployer()
            .update_current_contract(ContractExecutable::Wasm(new_wasm_hash.clone()));
        events::Upgraded {
            wasm_hash: new_wasm_hash,
        }
        .publish(&env);
        Ok(())
    }

    /// Returns the announced upgrade, if any.
    pub fn pending_upgrade(env: Env) -> Option<PendingUpgrade> {
        storage::extend_instance(&env);
        storage::read_pending_upgrade(&env)
    }

    /// Pays the fees owed to `treasury` in `token` (fees whose push to the
    /// treasury failed, see `fee_deferred`) to `to`, and returns the amount.
    ///
    /// # Arguments
    /// * `treasury` - the treasury the fees are owed to.
    /// * `token` - the token they are owed in.
    /// * `to` - recipient (the treasury itself once it can receive, or any address it chooses).
    ///
    /// # Errors
    /// * `NothingToClaim` - nothing owed.
    ///
    /// # Events
    /// `fees_withdrawn`.
    ///
    /// # Security
    /// Treasury authorization.
    pub fn withdraw_fees(
        env: Env,
        treasury: Address,
        token: Address,
        to: Address,
    ) -> Result<i128, EscrowError> {
        treasury.require_auth();
        storage::extend_instance(&env);
        let owed = storage::read_fees_owed(&env, &treasury, &token);
        if owed <= 0 {
            return Err(EscrowError::NothingToClaim);
        }
        storage::write_fees_owed(&env, &treasury, &token, 0);
        events::FeesWithdrawn {
            treasury,
            token: token.clone(),
            to: to.clone(),
            amount: owed,
        }
        .publish(&env);
        token::Client::new(&env, &token).transfer(&env.current_contract_address(), &to, &owed);
        Ok(owed)
    }

    /// Returns the fees owed to `treasury` in `token` (0 if none).
    pub fn fees_owed(env: Env, treasury: Address, token: Address) -> i128 {
        storage::extend_instance(&env);
        storage::read_fees_owed(&env, &treasury, &token)
    }

    // ------------------------------------------------------------------
    // Escrow lifecycle
    // ------------------------------------------------------------------

    /// Creates an escrow and returns its id (ids count up from 0).
    ///
    /// # Arguments
    /// * `payer` - owner of the escrow; releases milestones, assigns the payee, cancels.
    /// * `payee` - recipient, or `None` for an open bounty.
    /// * `token` - Stellar Asset Contract (SEP-41 token) of the escrow.
    /// * `milestones` - gross amounts, 1..=64, each > 0, total <= i64::MAX.
    /// * `arbiter` - resolves disputes; `None` disables disputes.
    /// * `verifiers` - ed25519 public keys that may sign payout intents (distinct, <= 20).
    /// * `threshold` - signatures needed: 1..=len(verifiers), or 0 with no verifiers.
    /// * `deadline` - ledger timestamp after which open milestones can be
    ///   refunded: after now, at most `MAX_DEADLINE_DELAY` (10 years) from now.
    /// * `resolution_window` - seconds the arbiter has to resolve a dispute
    ///   (1 day ..= 365 days); after it anyone may return the milestone to the funders.
    /// * `metadata` - opaque 32 bytes (e.g. hash of the off-chain description).
    ///
    /// # Errors
    /// * `Paused`, `ArbiterIsPayer`, `ArbiterIsPayee`, `InvalidMilestoneCount`,
    ///   `InvalidAmount`, `TooManyVerifiers`, `DuplicateVerifier`, `InvalidThreshold`,
    ///   `InvalidDeadline`, `DeadlineTooFar`, `InvalidResolutionWindow`.
    ///
    /// # Events
    /// `escrow_created`.
    ///
    /// # Security
    /// `payer` authorization. Fee bps and treasury are copied from the config
    /// and fixed for the life of the escrow. The arbiter can be neither the
    /// payer nor the payee: either could otherwise decide its own dispute.
    #[allow(clippy::too_many_arguments)]
    pub fn create(
        env: Env,
        payer: Address,
        payee: Option<Address>,
        token: Address,
        milestones: Vec<i128>,
        arbiter: Option<Address>,
        verifiers: Vec<BytesN<32>>,
        threshold: u32,
        deadline: u64,
        resolution_window: u64,
        metadata: BytesN<32>,
    ) -> Result<u64, EscrowError> {
        payer.require_auth();
        let config = storage::read_config(&env);
        if config.paused {
            return Err(EscrowError::Paused);
        }
        if let Some(arbiter) = &arbiter {
            if *arbiter == payer {
                return Err(EscrowError::ArbiterIsPayer);
            }
            if payee.as_ref() == Some(arbiter) {
                return Err(EscrowError::ArbiterIsPayee);
            }
        }
        let count = milestones.len();
        if count == 0 || count > MAX_MILESTONES {
            return Err(EscrowError::InvalidMilestoneCount);
        }
        let mut total: i128 = 0;
        let mut records: Vec<Milestone> = Vec::new(&env);
        for amount in milestones.iter() {
            if amount <= 0 {
                return Err(EscrowError::InvalidAmount);
            }
            total = total
                .checked_add(amount)
                .filter(|t| *t <= MAX_ESCROW_TOTAL)
                .ok_or(EscrowError::InvalidAmount)?;
            records.push_back(Milestone {
                amount,
                status: MilestoneStatus::Pending,
                disputed_at: 0,
                paid_by: None,
            });
        }
        if verifiers.len() > MAX_VERIFIERS {
            return Err(EscrowError::TooManyVerifiers);
        }
        for i in 0..verifiers.len() {
            let key = verifiers.get_unchecked(i);
            if verifiers.first_index_of(&key) != Some(i) {
                return Err(EscrowError::DuplicateVerifier);
            }
        }
        let threshold_ok = if verifiers.is_empty() {
            threshold == 0
        } else {
            threshold >= 1 && threshold <= verifiers.len()
        };
        if !threshold_ok {
            return Err(EscrowError::InvalidThreshold);
        }
        let now = env.ledger().timestamp();
        if deadline <= now {
            return Err(EscrowError::InvalidDeadline);
        }
        if deadline - now > MAX_DEADLINE_DELAY {
            return Err(EscrowError::DeadlineTooFar);
        }
        if !(MIN_RESOLUTION_WINDOW..=MAX_RESOLUTION_WINDOW).contains(&resolution_window) {
            return Err(EscrowError::InvalidResolutionWindow);
        }

        let id = storage::take_next_id(&env);
        let escrow = Escrow {
            payer: payer.clone(),
            payee: payee.clone(),
            token: token.clone(),
            arbiter: arbiter.clone(),
            verifiers: verifiers.clone(),
            threshold,
            deadline,
            resolution_window,
            metadata: metadata.clone(),
            fee_bps: config.fee_bps,
            treasury: config.treasury.clone(),
            status: EscrowStatus::Active,
            milestones: records,
            total,
            funded: 0,
            released: 0,
            refundable: 0,
            refunded: 0,
            spends: Vec::new(&env),
            closed_pool: 0,
        };
        storage::write_escrow(&env, id, &escrow);
        events::EscrowCreated {
            escrow_id: id,
            payer,
            payee,
            token,
            arbiter,
            milestones,
            verifiers,
            threshold,
            deadline,
            resolution_window,
            metadata,
            fee_bps: config.fee_bps,
            treasury: config.treasury,
        }
        .publish(&env);
        Ok(id)
    }

    /// Deposits `amount` of the escrow token from `funder`. Anyone may fund, in
    /// any number of parts, until the milestones are fully covered.
    ///
    /// The funder is credited with what the escrow's token balance grew by
    /// (the balance delta), not with `amount`: a fee-on-transfer token credits
    /// less than was sent, so every escrow stays solvent.
    ///
    /// # Arguments
    /// * `funder` - pays, and is recorded as owning the credited part of the escrow's funding.
    /// * `id` - escrow id.
    /// * `amount` - > 0; at most `total - funded` is kept (the rest is sent back
    ///   in the same call), so a front-run funding makes this call take less, never fail.
    ///
    /// Returns the amount credited.
    ///
    /// # Errors
    /// * `Paused`, `InvalidAmount`, `EscrowNotFound`, `EscrowNotActive`,
    ///   `DeadlinePassed`, `FullyFunded` (nothing remains to fund),
    ///   `TokenTransferMismatch` (the balance grew by nothing or by more than
    ///   `amount`).
    ///
    /// # Events
    /// `escrow_funded` (`amount` = credited).
    ///
    /// # Security
    /// `funder` authorization, for this call and for the nested
    /// `token.transfer(funder, escrow contract, amount)`. The transfer runs
    /// before the effects (the credit needs the balance after it); the token
    /// cannot call back into the escrow, since the Soroban host refuses to
    /// re-enter a contract that is already on the call stack.
    pub fn fund(env: Env, funder: Address, id: u64, amount: i128) -> Result<i128, EscrowError> {
        funder.require_auth();
        let config = storage::read_config(&env);
        if config.paused {
            return Err(EscrowError::Paused);
        }
        if amount <= 0 {
            return Err(EscrowError::InvalidAmount);
        }
        let mut escrow = storage::read_escrow(&env, id)?;
        if escrow.status != EscrowStatus::Active {
            return Err(EscrowError::EscrowNotActive);
        }
        if env.ledger().timestamp() > escrow.deadline {
            return Err(EscrowError::DeadlinePassed);
        }
        let remaining = escrow.total - escrow.funded;
        if remaining == 0 {
            return Err(EscrowError::FullyFunded);
        }

        let token = token::Client::new(&env, &escrow.token);
        let this = env.current_contract_address();
        let before = token.balance(&this);
        // The whole `amount` moves in, as the funder authorized it (a smaller transfer would not
        // match the signed authorization tree); what exceeds the remainder goes straight back.
        token.transfer(&funder, &this, &amount);
        let arrived = token
            .balance(&this)
            .checked_sub(before)
            .filter(|r| *r > 0 && *r <= amount)
            .ok_or(EscrowError::TokenTransferMismatch)?;
        // A funder racing this one (even by one unit) makes it keep less, never fail.
        let received = arrived.min(remaining);
        let mut position = storage::read_position(&env, id, &funder);
        Self::sync(&escrow, &mut position);
        position.share += received;
        position.unspent += received;
        escrow.funded += received;
        storage::write_escrow(&env, id, &escrow);
        storage::write_position(&env, id, &funder, &position);
        events::EscrowFunded {
            escrow_id: id,
            funder: funder.clone(),
            amount: received,
            funder_share: position.share,
            funded: escrow.funded,
        }
        .publish(&env);
        if arrived > received {
            token.transfer(&this, &funder, &(arrived - received));
        }
        Ok(received)
    }

    /// Sets the payee of an open bounty.
    ///
    /// # Arguments
    /// * `id` - escrow id.
    /// * `payee` - the recipient of all future payouts.
    ///
    /// # Errors
    /// * `EscrowNotFound`, `EscrowNotActive`, `PayeeAlreadySet`, `ArbiterIsPayee`.
    ///
    /// # Events
    /// `payee_assigned`.
    ///
    /// # Security
    /// Payer authorization. A payee can only be set once, so no payout can have
    /// happened before (every payout needs a payee).
    pub fn assign_payee(env: Env, id: u64, payee: Address) -> Result<(), EscrowError> {
        let mut escrow = storage::read_escrow(&env, id)?;
        escrow.payer.require_auth();
        if escrow.status != EscrowStatus::Active {
            return Err(EscrowError::EscrowNotActive);
        }
        if escrow.payee.is_some() {
            return Err(EscrowError::PayeeAlreadySet);
        }
        if escrow.arbiter.as_ref() == Some(&payee) {
            return Err(EscrowError::ArbiterIsPayee);
        }
        escrow.payee = Some(payee.clone());
        storage::write_escrow(&env, id, &escrow);
        events::PayeeAssigned {
            escrow_id: id,
            payee,
        }
        .publish(&env);
        Ok(())
    }

    /// Pays a funded milestone to the payee; the escrow's fee goes to its
    /// treasury, or is owed to it (`fee_deferred`) if the treasury cannot receive.
    ///
    /// # Arguments
    /// * `id` - escrow id.
    /// * `milestone` - milestone index.
    ///
    /// # Errors
    /// * `EscrowNotFound`, `PayeeNotSet`, `InvalidMilestoneIndex`,
    ///   `MilestoneAlreadyReleased`, `MilestoneDisputed`, `MilestoneAlreadyResolved`,
    ///   `MilestoneRefunded`, `MilestoneNotFunded`.
    ///
    /// # Events
    /// `milestone_released` (and `fee_deferred` if the fee push failed).
    ///
    /// # Security
    /// Payer authorization. Works while paused.
    pub fn release(env: Env, id: u64, milestone: u32) -> Result<(), EscrowError> {
        let mut escrow = storage::read_escrow(&env, id)?;
        escrow.payer.require_auth();
        let payee = escrow.payee.clone().ok_or(EscrowError::PayeeNotSet)?;
        let amount = Self::check_releasable(&escrow, milestone)?;
        Self::pay_milestone(&env, id, &mut escrow, milestone, &payee, amount);
        Ok(())
    }

    /// Pays a milestone on the strength of a payout intent signed by at least
    /// `threshold` distinct escrow verifiers. Anyone may submit (a relayer).
    ///
    /// # Arguments
    /// * `intent` - must match the escrow: token, milestone amount, payee (for an
    ///   open bounty the intent's payee becomes the escrow payee).
    /// * `signatures` - `(ed25519 public key, signature over the 32-byte
    ///   canonical digest)` pairs; see `intent_hash`.
    ///
    /// # Errors
    /// * `EscrowNotFound`, `AttestationDisabled`, `InvalidMilestoneIndex`,
    ///   `IntentMismatch`, `ArbiterIsPayee` (open bounty whose intent pays the
    ///   arbiter), `IntentExpired`, the milestone errors of `release` (a replay
    ///   fails with `MilestoneAlreadyReleased`), `UnknownSigner`, `DuplicateSigner`,
    ///   `InsufficientSignatures`.
    /// * A malformed or wrong signature from a verifier key aborts with the host
    ///   error `Error(Crypto, InvalidInput)`.
    ///
    /// # Events
    /// `payee_assigned` (open bounty only), `milestone_released`, `intent_executed`
    /// (carries the evidence hash, the digest and the signer keys).
    ///
    /// # Security
    /// No authorization: the signatures are the authority. The digest binds the
    /// network id and this contract's address, so a signature cannot be replayed
    /// on another network or escrow contract. The milestone is the replay guard: it
    /// pays once, so any intent for it (this id or a fresh one) pays nothing after;
    /// the milestone records this intent's id so `intent_status` can tell "paid by
    /// this intent" from "closed otherwise".
    pub fn release_with_intent(
        env: Env,
        intent: PayoutIntent,
        signatures: Vec<(BytesN<32>, BytesN<64>)>,
    ) -> Result<(), EscrowError> {
        let id = intent.escrow_id;
        let mut escrow = storage::read_escrow(&env, id)?;
        if escrow.verifiers.is_empty() {
            return Err(EscrowError::AttestationDisabled);
        }
        let milestone = escrow
            .milestones
            .get(intent.milestone)
            .ok_or(EscrowError::InvalidMilestoneIndex)?;
        if intent.token != escrow.token || intent.amount != milestone.amount {
            return Err(EscrowError::IntentMismatch);
        }
        if let Some(payee) = &escrow.payee {
            if *payee != intent.payee {
                return Err(EscrowError::IntentMismatch);
            }
        } else if escrow.arbiter.as_ref() == Some(&intent.payee) {
            return Err(EscrowError::ArbiterIsPayee);
        }
        if intent.deadline < env.ledger().timestamp() {
            return Err(EscrowError::IntentExpired);
        }
        // The milestone is the replay guard: it leaves Pending once, so a second use of any
        // intent for it (this id or a fresh one) fails here; no intent id needs an entry.
        let amount = Self::check_releasable(&escrow, intent.milestone)?;

        let digest = payout_digest(
            &env,
            &env.ledger().network_id(),
            &env.current_contract_address(),
            &intent,
        );
        let message = Bytes::from(digest.clone());
        let mut signers: Vec<BytesN<32>> = Vec::new(&env);
        for (public_key, signature) in signatures.iter() {
            if !escrow.verifiers.contains(&public_key) {
                return Err(EscrowError::UnknownSigner);
            }
            if signers.contains(&public_key) {
                return Err(EscrowError::DuplicateSigner);
            }
            env.crypto()
                .ed25519_verify(&public_key, &message, &signature);
            signers.push_back(public_key);
        }
        if signers.len() < escrow.threshold {
            return Err(EscrowError::InsufficientSignatures);
        }

        // Effects first; the token transfers come last.
        if escrow.payee.is_none() {
            escrow.payee = Some(intent.payee.clone());
            events::PayeeAssigned {
                escrow_id: id,
                payee: intent.payee.clone(),
            }
            .publish(&env);
        }
        let fee_net = Self::apply_release(
            &env,
            id,
            &mut escrow,
            intent.milestone,
            amount,
            Some(intent.intent_id.clone()),
        );
        events::IntentExecuted {
            intent_id: intent.intent_id,
            escrow_id: id,
            milestone: intent.milestone,
            payee: intent.payee.clone(),
            amount,
            evidence_hash: intent.evidence_hash,
            digest,
            signers,
        }
        .publish(&env);
        Self::transfer_payout(&env, id, &escrow, &intent.payee, fee_net);
        Ok(())
    }

    /// Freezes a funded, pending milestone until the arbiter resolves it.
    ///
    /// # Arguments
    /// * `id` - escrow id.
    /// * `milestone` - milestone index.
    /// * `caller` - the payer or the payee.
    ///
    /// # Errors
    /// * `EscrowNotFound`, `DisputesDisabled`, `PayeeNotSet`, `NotParty`, and the
    ///   milestone errors of `release`.
    ///
    /// # Events
    /// `milestone_disputed`.
    ///
    /// # Security
    /// `caller` authorization. A disputed milestone is excluded from `refund`;
    /// the arbiter can resolve it until `disputed_at + resolution_window`
    /// (inclusive), after which anyone can return it to the funders with
    /// `expire_dispute`.
    pub fn dispute(env: Env, id: u64, milestone: u32, caller: Address) -> Result<(), EscrowError> {
        caller.require_auth();
        let mut escrow = storage::read_escrow(&env, id)?;
        if escrow.arbiter.is_none() {
            return Err(EscrowError::DisputesDisabled);
        }
        let payee = escrow.payee.clone().ok_or(EscrowError::PayeeNotSet)?;
        if caller != escrow.payer && caller != payee {
            return Err(EscrowError::NotParty);
        }
        let amount = Self::check_releasable(&escrow, milestone)?;
        let now = env.ledger().timestamp();
        escrow.milestones.set(
            milestone,
            Milestone {
                amount,
                status: MilestoneStatus::Disputed,
                disputed_at: now,
                paid_by: None,
            },
        );
        storage::write_escrow(&env, id, &escrow);
        events::MilestoneDisputed {
            escrow_id: id,
            milestone,
            by: caller,
            resolve_by: now.saturating_add(escrow.resolution_window),
        }
        .publish(&env);
        Ok(())
    }

    /// Splits a disputed milestone: `payee_bps` of it to the payee (the escrow
    /// fee applies to that part only), the rest to the funders' refundable pool,
    /// claimable pro rata with `claim_refund` once the escrow is closed.
    ///
    /// # Arguments
    /// * `id` - escrow id.
    /// * `milestone` - a disputed milestone.
    /// * `payee_bps` - 0..=10000; payee part = floor(amount * payee_bps / 10000).
    ///
    /// # Errors
    /// * `EscrowNotFound`, `DisputesDisabled`, `InvalidMilestoneIndex`,
    ///   `MilestoneNotDisputed`, `ResolutionWindowPassed`, `InvalidBps`.
    ///
    /// # Events
    /// `dispute_resolved`.
    ///
    /// # Security
    /// Arbiter authorization. Works while paused and after the deadline.
    pub fn resolve(env: Env, id: u64, milestone: u32, payee_bps: u32) -> Result<(), EscrowError> {
        let mut escrow = storage::read_escrow(&env, id)?;
        let arbiter = escrow
            .arbiter
            .clone()
            .ok_or(EscrowError::DisputesDisabled)?;
        arbiter.require_auth();
        let m = escrow
            .milestones
            .get(milestone)
            .ok_or(EscrowError::InvalidMilestoneIndex)?;
        if m.status != MilestoneStatus::Disputed {
            return Err(EscrowError::MilestoneNotDisputed);
        }
        if env.ledger().timestamp() > m.disputed_at.saturating_add(escrow.resolution_window) {
            return Err(EscrowError::ResolutionWindowPassed);
        }
        if payee_bps > BPS_DENOMINATOR {
            return Err(EscrowError::InvalidBps);
        }
        // A dispute needs a payee, and a payee is never unset.
        let payee = escrow.payee.clone().ok_or(EscrowError::PayeeNotSet)?;

        let payee_amount = m.amount * payee_bps as i128 / BPS_DENOMINATOR as i128;
        let funders_amount = m.amount - payee_amount;
        let fee = Self::fee_of(&escrow, payee_amount);
        let net = payee_amount - fee;
        escrow.milestones.set(
            milestone,
            Milestone {
                status: MilestoneStatus::Resolved,
                ..m
            },
        );
        Self::record_spend(&mut escrow, payee_amount);
        escrow.released += payee_amount;
        escrow.refundable += funders_amount;
        storage::write_escrow(&env, id, &escrow);
        events::DisputeResolved {
            escrow_id: id,
            milestone,
            payee_bps,
            payee_amount,
            fee,
            net,
            funders_amount,
        }
        .publish(&env);
        Self::transfer_payout(&env, id, &escrow, &payee, (fee, net));
        Ok(())
    }

    /// Closes a dispute the arbiter did not resolve within the escrow's
    /// resolution window with the default outcome: the whole milestone goes
    /// back to the funders (status `Refunded`, amount added to the refundable
    /// pool, claimable once the escrow is closed).
    ///
    /// # Arguments
    /// * `id` - escrow id.
    /// * `milestone` - a disputed milestone.
    ///
    /// # Errors
    /// * `EscrowNotFound`, `InvalidMilestoneIndex`, `MilestoneNotDisputed`,
    ///   `DisputeNotExpired` (at or before `disputed_at + resolution_window`).
    ///
    /// # Events
    /// `dispute_expired`.
    ///
    /// # Security
    /// No authorization: anyone may call it, and it moves no tokens. Works
    /// while paused and after the deadline.
    pub fn expire_dispute(env: Env, id: u64, milestone: u32) -> Result<(), EscrowError> {
        let mut escrow = storage::read_escrow(&env, id)?;
        let m = escrow
            .milestones
            .get(milestone)
            .ok_or(EscrowError::InvalidMilestoneIndex)?;
        if m.status != MilestoneStatus::Disputed {
            return Err(EscrowError::MilestoneNotDisputed);
        }
        if env.ledger().timestamp() <= m.disputed_at.saturating_add(escrow.resolution_window) {
            return Err(EscrowError::DisputeNotExpired);
        }
        escrow.milestones.set(
            milestone,
            Milestone {
                status: MilestoneStatus::Refunded,
                ..m
            },
        );
        escrow.refundable += m.amount;
        storage::write_escrow(&env, id, &escrow);
        events::DisputeExpired {
            escrow_id: id,
            milestone,
            amount: m.amount,
            refundable: escrow.refundable,
        }
        .publish(&env);
        Ok(())
    }

    /// Closes the escrow for funding and refunds every `Pending` milestone: all
    /// funding not paid out and not reserved for a disputed milestone goes to
    /// the refundable pool. Funders then call `claim_refund`.
    ///
    /// Allowed after the deadline, or earlier once no milestone is `Pending` or
    /// `Disputed` (so funders' parts of resolutions can be claimed at once).
    ///
    /// # Arguments
    /// * `id` - escrow id.
    ///
    /// # Errors
    /// * `EscrowNotFound`, `EscrowNotActive`, `DeadlineNotReached`.
    ///
    /// # Events
    /// `escrow_refunded`.
    ///
    /// # Security
    /// No authorization (anyone can trigger it); it moves no tokens, each funder
    /// is paid by their own claim, so no funder can block another. Works while paused.
    pub fn refund(env: Env, id: u64) -> Result<(), EscrowError> {
        let mut escrow = storage::read_escrow(&env, id)?;
        if escrow.status != EscrowStatus::Active {
            return Err(EscrowError::EscrowNotActive);
        }
        let open = escrow
            .milestones
            .iter()
            .any(|m| m.status == MilestoneStatus::Pending || m.status == MilestoneStatus::Disputed);
        if open && env.ledger().timestamp() <= escrow.deadline {
            return Err(EscrowError::DeadlineNotReached);
        }
        let mut reserved: i128 = 0;
        for i in 0..escrow.milestones.len() {
            let mut m = escrow.milestones.get_unchecked(i);
            match m.status {
                MilestoneStatus::Pending => {
                    m.status = MilestoneStatus::Refunded;
                    escrow.milestones.set(i, m);
                }
                MilestoneStatus::Disputed => reserved += m.amount,
                _ => {}
            }
        }
        // Funding not yet paid out, not yet in the pool, not reserved for a dispute.
        let amount = escrow.funded - escrow.released - escrow.refundable - reserved;
        escrow.refundable += amount;
        escrow.closed_pool = escrow.funded - escrow.released;
        escrow.status = EscrowStatus::Refunding;
        storage::write_escrow(&env, id, &escrow);
        events::EscrowRefunded {
            escrow_id: id,
            amount,
            refundable: escrow.refundable,
        }
        .publish(&env);
        Ok(())
    }

    /// Cancels an escrow that has no payee (never assigned, so nothing was ever
    /// paid or disputed): every milestone is refunded, funders claim.
    ///
    /// # Arguments
    /// * `id` - escrow id.
    ///
    /// # Errors
    /// * `EscrowNotFound`, `EscrowNotActive`, `PayeeAlreadySet`.
    ///
    /// # Events
    /// `escrow_cancelled`.
    ///
    /// # Security
    /// Payer authorization. Works while paused.
    pub fn cancel(env: Env, id: u64) -> Result<(), EscrowError> {
        let mut escrow = storage::read_escrow(&env, id)?;
        escrow.payer.require_auth();
        if escrow.status != EscrowStatus::Active {
            return Err(EscrowError::EscrowNotActive);
        }
        if escrow.payee.is_some() {
            return Err(EscrowError::PayeeAlreadySet);
        }
        for i in 0..escrow.milestones.len() {
            let mut m = escrow.milestones.get_unchecked(i);
            m.status = MilestoneStatus::Refunded;
            escrow.milestones.set(i, m);
        }
        let amount = escrow.funded - escrow.released - escrow.refundable;
        escrow.refundable += amount;
        escrow.closed_pool = escrow.funded - escrow.released;
        escrow.status = EscrowStatus::Cancelled;
        storage::write_escrow(&env, id, &escrow);
        events::EscrowCancelled {
            escrow_id: id,
            amount,
            refundable: escrow.refundable,
        }
        .publish(&env);
        Ok(())
    }

    /// Pays `funder` what it is owed from the refundable pool and returns the
    /// amount paid. A funder is owed
    /// `min(ceil(refundable * unspent / closed_pool) - claimed, refundable - refunded)`, where `unspent`
    /// is its funding less its pro-rata part of every payout made while its
    /// money was in the escrow (a funder who arrived after a payout does not
    /// bear it); it can claim again if the pool grows later (a dispute
    /// resolved or expired after the refund).
    ///
    /// # Arguments
    /// * `id` - escrow id.
    /// * `funder` - the funder to pay (receives the tokens).
    ///
    /// # Errors
    /// * `EscrowNotFound`, `RefundsNotOpen` (escrow still `Active`), `NothingToClaim`.
    ///
    /// # Events
    /// `refund_claimed`.
    ///
    /// # Security
    /// No authorization: tokens only ever go to `funder`. Shares round up and
    /// each claim is capped by what is left of the pool, so the claims never
    /// sum to more than the pool and, once every funder has claimed, they sum
    /// to exactly the pool: a closed escrow ends holding zero (a funder gains
    /// at most `spends + 1` base units from rounding, taken from the last claims).
    pub fn claim_refund(env: Env, id: u64, funder: Address) -> Result<i128, EscrowError> {
        let mut escrow = storage::read_escrow(&env, id)?;
        if escrow.status == EscrowStatus::Active {
            return Err(EscrowError::RefundsNotOpen);
        }
        let mut position = storage::read_position(&env, id, &funder);
        Self::sync(&escrow, &mut position);
        let owed = Self::owed(&escrow, &position);
        if owed <= 0 {
            return Err(EscrowError::NothingToClaim);
        }
        position.claimed += owed;
        escrow.refunded += owed;
        storage::write_escrow(&env, id, &escrow);
        storage::write_position(&env, id, &funder, &position);
        events::RefundClaimed {
            escrow_id: id,
            funder: funder.clone(),
            amount: owed,
            claimed: position.claimed,
        }
        .publish(&env);
        token::Client::new(&env, &escrow.token).transfer(
            &env.current_contract_address(),
            &funder,
            &owed,
        );
        Ok(owed)
    }

    // ------------------------------------------------------------------
    // Reads
    // ------------------------------------------------------------------

    /// Returns an escrow.
    ///
    /// # Errors
    /// * `EscrowNotFound`
    pub fn get_escrow(env: Env, id: u64) -> Result<Escrow, EscrowError> {
        storage::read_escrow(&env, id)
    }

    /// Returns one milestone of an escrow.
    ///
    /// # Errors
    /// * `EscrowNotFound`, `InvalidMilestoneIndex`
    pub fn get_milestone(env: Env, id: u64, milestone: u32) -> Result<Milestone, EscrowError> {
        storage::read_escrow(&env, id)?
            .milestones
            .get(milestone)
            .ok_or(EscrowError::InvalidMilestoneIndex)
    }

    /// Returns how much `funder` has put into escrow `id` (0 if nothing).
    pub fn share_of(env: Env, id: u64, funder: Address) -> i128 {
        storage::extend_instance(&env);
        storage::read_position(&env, id, &funder).share
    }

    /// Returns how much `funder` has claimed back from escrow `id`.
    pub fn claimed_of(env: Env, id: u64, funder: Address) -> i128 {
        storage::extend_instance(&env);
        storage::read_position(&env, id, &funder).claimed
    }

    /// Returns what `claim_refund(id, funder)` would pay now (0 while the escrow is active).
    ///
    /// # Errors
    /// * `EscrowNotFound`
    pub fn claimable(env: Env, id: u64, funder: Address) -> Result<i128, EscrowError> {
        let escrow = storage::read_escrow(&env, id)?;
        if escrow.status == EscrowStatus::Active {
            return Ok(0);
        }
        let mut position = storage::read_position(&env, id, &funder);
        Self::sync(&escrow, &mut position);
        Ok(Self::owed(&escrow, &position).max(0))
    }

    /// What `intent` can still do, read from its milestone (no per-intent entry exists):
    /// `Payable` while the milestone is pending, `Paid` when this intent's id released it,
    /// `Closed` when it left pending otherwise; with the milestone's status, which says how.
    ///
    /// # Errors
    /// * `EscrowNotFound`, `InvalidMilestoneIndex`
    pub fn intent_status(
        env: Env,
        intent: PayoutIntent,
    ) -> Result<(IntentStatus, MilestoneStatus), EscrowError> {
        let m = storage::read_escrow(&env, intent.escrow_id)?
            .milestones
            .get(intent.milestone)
            .ok_or(EscrowError::InvalidMilestoneIndex)?;
        let status = match m.status {
            MilestoneStatus::Pending => IntentStatus::Payable,
            MilestoneStatus::Released if m.paid_by.as_ref() == Some(&intent.intent_id) => {
                IntentStatus::Paid
            }
            _ => IntentStatus::Closed,
        };
        Ok((status, m.status))
    }

    /// Returns the contract configuration.
    pub fn config(env: Env) -> Config {
        storage::read_config(&env)
    }

    /// Returns the proposed admin, if a transfer is pending.
    pub fn pending_admin(env: Env) -> Option<Address> {
        storage::extend_instance(&env);
        storage::read_pending_admin(&env)
    }

    /// Returns the number of escrows created (the next id).
    pub fn escrow_count(env: Env) -> u64 {
        storage::extend_instance(&env);
        storage::peek_next_id(&env)
    }

    /// Returns the canonical digest verifiers sign for `intent` on this
    /// contract and network (see README, "Canonical payout-intent hash").
    pub fn intent_hash(env: Env, intent: PayoutIntent) -> BytesN<32> {
        payout_digest(
            &env,
            &env.ledger().network_id(),
            &env.current_contract_address(),
            &intent,
        )
    }
}

// Internal helpers (not contract functions).
impl SorobanEscrow {
    fn check_pauser(config: &Config, caller: &Address) -> Result<(), EscrowError> {
        if *caller == config.admin || config.guardian.as_ref() == Some(caller) {
            Ok(())
        } else {
            Err(EscrowError::NotPauser)
        }
    }

    /// Checks that `milestone` is pending and covered by the funding received;
    /// returns its amount. Milestone `i` is funded when
    /// `funded >= amount[0] + ... + amount[i]`.
    fn check_releasable(escrow: &Escrow, milestone: u32) -> Result<i128, EscrowError> {
        let m = escrow
            .milestones
            .get(milestone)
            .ok_or(EscrowError::InvalidMilestoneIndex)?;
        match m.status {
            MilestoneStatus::Pending => {}
            MilestoneStatus::Released => return Err(EscrowError::MilestoneAlreadyReleased),
            MilestoneStatus::Disputed => return Err(EscrowError::MilestoneDisputed),
            MilestoneStatus::Resolved => return Err(EscrowError::MilestoneAlreadyResolved),
            MilestoneStatus::Refunded => return Err(EscrowError::MilestoneRefunded),
        }
        let mut prefix: i128 = 0;
        for i in 0..=milestone {
            prefix += escrow.milestones.get_unchecked(i).amount;
        }
        if escrow.funded < prefix {
            return Err(EscrowError::MilestoneNotFunded);
        }
        Ok(m.amount)
    }

    fn fee_of(escrow: &Escrow, amount: i128) -> i128 {
        amount * escrow.fee_bps as i128 / BPS_DENOMINATOR as i128
    }

    /// What a closed escrow owes a funder whose position is synced: its share
    /// of the pool rounded up, capped by what is left of the pool.
    fn owed(escrow: &Escrow, position: &Position) -> i128 {
        if escrow.closed_pool == 0 {
            return 0;
        }
        // refundable <= closed_pool <= i64::MAX and unspent <= closed_pool: no overflow.
        let entitled = ceil_div(escrow.refundable * position.unspent, escrow.closed_pool);
        (entitled - position.claimed).min(escrow.refundable - escrow.refunded)
    }

    /// Applies the spends recorded since the position was last synced: each
    /// one shrinks the funder's unspent funding by `(pool - amount) / pool`,
    /// rounded up, so the positions sum to at least the pool and the capped
    /// claims of all funders take all of it (no dust).
    fn sync(escrow: &Escrow, position: &mut Position) {
        for k in position.synced..escrow.spends.len() {
            let spend = escrow.spends.get_unchecked(k);
            // unspent <= pool <= i64::MAX: the product fits in i128.
            position.unspent = ceil_div(position.unspent * (spend.pool - spend.amount), spend.pool);
        }
        position.synced = escrow.spends.len();
    }

    /// Books a payout of `amount` against the funding in the escrow while it
    /// is active (after closing, the funders' shares are fixed by `closed_pool`).
    /// Call before adding `amount` to `released`.
    fn record_spend(escrow: &mut Escrow, amount: i128) {
        if amount > 0 && escrow.status == EscrowStatus::Active {
            // A payable milestone is covered by funding not yet paid out, so pool >= amount > 0.
            let pool = escrow.funded - escrow.released;
            escrow.spends.push_back(Spend { pool, amount });
        }
    }

    /// Effects of a release: marks the milestone, books the amount, writes the
    /// escrow, emits `milestone_released`. Returns (fee, net) for the transfer.
    fn apply_release(
        env: &Env,
        id: u64,
        escrow: &mut Escrow,
        milestone: u32,
        amount: i128,
        paid_by: Option<BytesN<32>>,
    ) -> (i128, i128) {
        let fee = Self::fee_of(escrow, amount);
        let net = amount - fee;
        escrow.milestones.set(
            milestone,
            Milestone {
                amount,
                status: MilestoneStatus::Released,
                disputed_at: 0,
                paid_by,
            },
        );
        Self::record_spend(escrow, amount);
        escrow.released += amount;
        storage::write_escrow(env, id, escrow);
        let payee = escrow.payee.clone().unwrap_or_else(|| {
            // Callers set the payee before releasing.
            panic_with_error!(env, EscrowError::PayeeNotSet)
        });
        events::MilestoneReleased {
            escrow_id: id,
            milestone,
            payee,
            amount,
            fee,
            net,
        }
        .publish(env);
        (fee, net)
    }

    fn pay_milestone(
        env: &Env,
        id: u64,
        escrow: &mut Escrow,
        milestone: u32,
        payee: &Address,
        amount: i128,
    ) {
        let fee_net = Self::apply_release(env, id, escrow, milestone, amount, None);
        Self::transfer_payout(env, id, escrow, payee, fee_net);
    }

    /// Interactions: fee to the escrow's treasury, net to the payee (zero
    /// amounts are skipped). A treasury that cannot receive (a G account
    /// without a trustline, a deauthorized or frozen balance) never blocks the
    /// payee: a failed fee push is rolled back by the host and the fee is
    /// owed to the treasury instead (`withdraw_fees`).
    fn transfer_payout(
        env: &Env,
        id: u64,
        escrow: &Escrow,
        payee: &Address,
        (fee, net): (i128, i128),
    ) {
        let token = token::Client::new(env, &escrow.token);
        let this = env.current_contract_address();
        if fee > 0 {
            let pushed = matches!(
                token.try_transfer(&this, &escrow.treasury, &fee),
                Ok(Ok(()))
            );
            if !pushed {
                let owed = storage::read_fees_owed(env, &escrow.treasury, &escrow.token) + fee;
                storage::write_fees_owed(env, &escrow.treasury, &escrow.token, owed);
                events::FeeDeferred {
                    treasury: escrow.treasury.clone(),
                    token: escrow.token.clone(),
                    escrow_id: id,
                    amount: fee,
                    owed,
                }
                .publish(env);
            }
        }
        if net > 0 {
            token.transfer(&this, payee, &net);
        }
    }
}

/// `ceil(a / b)` for `a >= 0`, `b > 0`.
fn ceil_div(a: i128, b: i128) -> i128 {
    (a + b - 1) / b
}
