// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SignatureQuorum} from "../intents/SignatureQuorum.sol";
import {IMilestoneEscrow} from "./IMilestoneEscrow.sol";

/// @title MilestoneEscrow
/// @notice Many escrows in one contract: bounties and milestone payments in ETH or any ERC-20,
/// crowdfunded by anyone, released by the payer or by an m-of-n verifier-signed EIP-712
/// PayoutIntent, disputable before an arbiter, refundable pro rata after the deadline.
/// @dev Money rules:
/// - No admin path moves escrowed funds. The admin only sets the fee for future escrows and the
///   treasury; the guardian only pauses `create` and `fund`. Exits (releases, resolutions,
///   refunds, claims, withdrawals) never check the pause.
/// - Every push (ETH or ERC-20) that fails is credited to the recipient instead (pull payment), so
///   one reverting recipient never blocks anyone else; `withdraw` collects credits. Pushes carry a
///   bounded gas stipend, so a recipient (or a token hook) that burns gas costs the caller a
///   bounded amount and ends as a credit too.
/// - Every state-changing entry point holds the re-entrancy lock: a token hook (ERC-777 style,
///   on either side of a transfer) cannot enter the escrow between a transfer and its bookkeeping.
/// - Funding takes at most what remains (the rest is not pulled; excess ETH is sent back), so a
///   1-wei front-run cannot make an exact `fund` revert.
/// - Refund shares round up and the last claims take what is left, so an escrow that every party
///   has claimed holds exactly zero.
/// - A dispute ends: after the escrow's dispute window anyone may close it with the default
///   outcome fixed at creation, so an absent arbiter never locks money.
/// - Fee-on-transfer tokens are credited by the balance delta. Rebasing tokens are unsupported:
///   the escrow's accounting would drift from its balance.
/// - `multicall` (OpenZeppelin) batches calls, e.g. a relayer submitting several intents in one
///   transaction. It is not payable, so no call in a batch can reuse `msg.value`.
/// - Amounts are uint96 (up to ~7.9e28 base units per escrow) so that hot state packs in few slots.
/// - Storage that guards nothing is not kept (v2): the milestone's state is the replay guard (an
///   intent pays one whole milestone, which leaves Pending once), so there is no per-intent-id
///   slot; `held` is derived from the other figures; a verifier set is registered once
///   ({SignatureQuorum.Registry}) and referenced by id; the payer's share is implicit until
///   someone else funds.
contract MilestoneEscrow is IMilestoneEscrow, AccessControl, Pausable, ReentrancyGuardTransient, EIP712, Multicall {
    using SafeERC20 for IERC20;

    /// @notice Role allowed to pause and unpause new business (create, fund).
    bytes32 public constant GUARDIAN_ROLE = keccak256("GUARDIAN_ROLE");
    /// @dev May record a verifier set's suspended members: the bond registry (VerifierBonds).
    /// Internal (no getter: the escrow is at the EIP-170 limit); clients hash the name.
    bytes32 internal constant VERIFIER_BONDS_ROLE = keccak256("VERIFIER_BONDS_ROLE");
    /// @notice EIP-712 type hash of {PayoutIntent}.
    bytes32 public constant PAYOUT_INTENT_TYPEHASH = keccak256(
        "PayoutIntent(uint256 escrowId,uint256 milestone,address payee,uint256 amount,address token,bytes32 intentId,uint256 deadline,bytes32 evidenceHash)"
    );
    /// @notice Upper bound on any platform fee, in basis points (10%).
    uint16 public constant MAX_FEE_BPS = 1_000;
    /// @notice Upper bound on milestones per escrow (3 state bits each fit one uint48).
    uint256 public constant MAX_MILESTONES = 16;
    /// @notice Upper bound on verifiers per escrow.
    uint256 public constant MAX_VERIFIERS = SignatureQuorum.MAX_SIGNERS;
    /// @notice Shortest dispute window an escrow with an arbiter may set.
    uint256 public constant MIN_DISPUTE_WINDOW = 1 days;
    /// @notice Longest dispute window an escrow with an arbiter may set.
    uint256 public constant MAX_DISPUTE_WINDOW = 365 days;

    uint256 private constant _BPS = 10_000;
    // Enough for smart-contract wallets (Safe proxies emit an event on receive) while bounding
    // what a hostile recipient can burn of the caller's gas before we fall back to a credit.
    uint256 private constant _ETH_PUSH_GAS = 50_000;
    // A proxied, blocklisted stablecoin (USDC's FiatToken) spends about 45k on a transfer to a
    // fresh holder; 100k leaves room for that and for upgrades, and still stops a recipient hook
    // from burning the caller's gas (measured in MilestoneEscrow.t.sol, both sides).
    uint256 private constant _ERC20_PUSH_GAS = 100_000;
    uint8 private constant _FLAG_CANCELLED = 1;
    uint8 private constant _FLAG_REFUNDS_OPENED = 2;
    uint8 private constant _CLOSED = _FLAG_CANCELLED | _FLAG_REFUNDS_OPENED;
    /// @dev Set once a dispute split sent money to the funders' pool: funding is closed from then on.
    uint8 private constant _FLAG_POOL_FUNDED = 4;
    /// @dev Set when someone other than the payer first funds. Until then every unit funded is the
    /// payer's, so the payer's share is `funded` and has no record; from then on it is recorded.
    uint8 private constant _FLAG_CO_FUNDED = 8;
    /// @dev Milestone amounts are uint96 in a 128-bit half word; the 32 bits above hold the
    /// fingerprint of the intent that released the milestone (0: not released by an intent).
    uint256 private constant _AMOUNT_MASK = type(uint96).max;

    /// @dev Packed so that release touches few slots: slot 0 (payer, deadline, fee, counts,
    /// flags), slot 1 (token, registered verifier-set id), slot 2 (payee, milestone states,
    /// dispute window, default outcome), slot 3 (arbiter, funded), slot 4 (refund pool, refunds
    /// paid). What the escrow holds is derived ({_held}).
    struct Escrow {
        address payer;
        uint40 deadline;
        uint16 feeBps;
        uint8 milestoneCount;
        uint8 threshold;
        uint8 fundedMilestones;
        uint8 flags;
        address token;
        uint96 verifierSetId;
        address payee;
        uint48 states;
        uint32 disputeWindow;
        uint16 defaultPayeeBps;
        address arbiter;
        uint96 funded;
        uint96 refundPool;
        uint96 refundsPaid;
    }

    uint256 private _escrowCount;
    uint16 private _defaultFeeBps;
    address private _treasury;

    mapping(uint256 escrowId => Escrow) private _escrows;
    /// @dev Two milestones per word: milestone i lives in word i/2, half i%2; each half is the
    /// uint96 amount and, above it, the 32-bit fingerprint of the intent that released it.
    mapping(uint256 escrowId => mapping(uint256 word => uint256 amounts)) private _milestoneAmounts;
    /// @dev Low 128 bits: amount the funder contributed; high 128 bits: refunds already claimed.
    /// The payer's contribution is not recorded while the escrow is not co-funded (_FLAG_CO_FUNDED).
    mapping(uint256 escrowId => mapping(address funder => uint256 account)) private _funders;
    SignatureQuorum.Registry private _verifierSets;
    mapping(address token => mapping(address account => uint256 amount)) private _credits;
    /// @dev When a disputed milestone's window closes; cleared when the dispute is resolved.
    mapping(uint256 escrowId => mapping(uint256 milestone => uint256 closesAt)) private _disputeClosesAt;
    /// @dev Suspended verifiers by set commitment, as the bond registry last answered
    /// ({recordVerifierSuspensions}); read once per release.
    SignatureQuorum.Suspensions private _suspensions;

    /// @param admin Holder of DEFAULT_ADMIN_ROLE (in a full deployment, the Timelock).
    /// @param guardian Holder of GUARDIAN_ROLE (may pause create and fund).
    /// @param treasury_ Receiver of platform fees.
    /// @param defaultFeeBps_ Fee for new escrows, at most MAX_FEE_BPS.
    constructor(address admin, address guardian, address treasury_, uint16 defaultFeeBps_)
        EIP712("quiltkit MilestoneEscrow", "1")
    {
        if (treasury_ == address(0)) revert EscrowInvalidTreasury();
        if (defaultFeeBps_ > MAX_FEE_BPS) revert EscrowInvalidFee(defaultFeeBps_, MAX_FEE_BPS);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(GUARDIAN_ROLE, guardian);
        _treasury = treasury_;
        _defaultFeeBps = defaultFeeBps_;
        emit TreasuryChanged(address(0), treasury_);
        emit DefaultFeeChanged(0, defaultFeeBps_);
    }

    // ------------------------------------------------------------------------------------------
    // New business (pausable)
    // ------------------------------------------------------------------------------------------

    /// @notice Opens an escrow with the caller as payer and optionally funds it in the same call.
    /// @dev Requirements: not paused; 1..MAX_MILESTONES non-zero amounts whose total fits uint96;
    /// a future deadline; `threshold` in 1..verifiers.length with distinct non-zero verifiers
    /// (registered on the way, {VerifierSetRegistered} if new), or no verifiers and threshold 0
    /// with `verifierSetId` 0 or a registered set's id; with an arbiter a dispute window in
    /// [MIN_DISPUTE_WINDOW, MAX_DISPUTE_WINDOW], without one no window; `defaultPayeeBps` <= 10000.
    /// For ETH, `msg.value` must equal `initialFunding`.
    /// Emits {EscrowCreated}, and {EscrowFunded} when `initialFunding` > 0.
    /// @param params The escrow's terms; the current default fee is fixed into it.
    /// @param initialFunding Amount the payer funds now (0 for none); at most the total is taken,
    /// as in {fund}.
    /// @return escrowId The new escrow's id (ids start at 1).
    function create(EscrowParams calldata params, uint256 initialFunding)
        external
        payable
        whenNotPaused
        nonReentrant
        returns (uint256 escrowId)
    {
        uint256 count = params.amounts.length;
        if (count == 0 || count > MAX_MILESTONES) revert EscrowInvalidMilestoneCount(count, MAX_MILESTONES);
        if (params.deadline <= block.timestamp) revert EscrowDeadlineInPast(params.deadline, block.timestamp);
        (uint256 verifierSetId, uint256 threshold) = _verifierSetOf(params);
        _checkDisputeTerms(params);

        unchecked {
            // Cannot overflow: one increment per transaction.
            escrowId = ++_escrowCount;
        }
        uint256 total;
        for (uint256 i; i < count; ++i) {
            uint256 amount = params.amounts[i];
            if (amount == 0) revert EscrowZeroAmount(i);
            total += amount;
        }
        if (total > type(uint96).max) revert EscrowTotalTooLarge(total);
        _storeAmounts(escrowId, params.amounts);

        Escrow storage e = _escrows[escrowId];
        uint16 feeBps = _defaultFeeBps;
        e.payer = msg.sender;
        e.deadline = params.deadline;
        e.feeBps = feeBps;
        e.milestoneCount = uint8(count);
        // Cannot truncate: thresholds are at most MAX_SIGNERS.
        e.threshold = uint8(threshold);
        e.token = params.token;
        if (verifierSetId != 0) e.verifierSetId = uint96(verifierSetId);
        if (params.payee != address(0)) {
            if (params.payee == address(this)) revert EscrowInvalidPayee();
            e.payee = params.payee;
        }
        if (params.arbiter != address(0)) {
            e.arbiter = params.arbiter;
            e.disputeWindow = params.disputeWindow;
            if (params.defaultPayeeBps != 0) e.defaultPayeeBps = params.defaultPayeeBps;
        }
        emit EscrowCreated(escrowId, msg.sender, params.token, feeBps, params);

        if (initialFunding != 0) {
            _fund(escrowId, e, initialFunding, total);
        } else if (msg.value != 0) {
            revert EscrowWrongValue(msg.value, 0);
        }
    }

    /// @notice Adds funds to an escrow; anyone may fund, in parts, up to the milestone total.
    /// @dev Requirements: not paused; escrow open (not cancelled, refunds not opened, deadline not
    /// passed); `amount` > 0 and something left to fund; for ETH `msg.value == amount`, for ERC-20
    /// an allowance. Takes at most what remains: an ERC-20 excess is not pulled, an ETH excess is
    /// sent back (or credited). The credited share is the escrow's balance increase
    /// (fee-on-transfer safe). Emits {EscrowFunded} with the amount credited.
    /// @return credited What the escrow took and booked to the caller's share.
    function fund(uint256 escrowId, uint256 amount)
        external
        payable
        whenNotPaused
        nonReentrant
        returns (uint256 credited)
    {
        Escrow storage e = _existing(escrowId);
        return _fund(escrowId, e, amount, _totalAmount(escrowId, e.milestoneCount));
    }

    // ------------------------------------------------------------------------------------------
    // Payer actions
    // ------------------------------------------------------------------------------------------

    /// @notice Names the payee of an open bounty.
    /// @dev Requirements: caller is the payer; no payee yet; escrow not closed.
    /// Emits {PayeeAssigned}.
    function assignPayee(uint256 escrowId, address payee) external nonReentrant {
        Escrow storage e = _existing(escrowId);
        _checkPayer(escrowId, e);
        _checkOpen(escrowId, e);
        if (e.payee != address(0)) revert EscrowPayeeAlreadySet(escrowId, e.payee);
        if (payee == address(0) || payee == address(this)) revert EscrowInvalidPayee();
        e.payee = payee;
        emit PayeeAssigned(escrowId, payee);
    }

    /// @notice Pays a funded, pending milestone to the payee (less the escrow's fee).
    /// @dev Requirements: caller is the payer; payee set; milestone funded and Pending.
    /// Emits {MilestoneReleased}.
    function release(uint256 escrowId, uint256 milestone) external nonReentrant {
        Escrow storage e = _escrows[escrowId];
        // Each slot is read once into locals: Solidity would read the slot again for every field.
        (address payer, uint256 feeBps) = (e.payer, e.feeBps);
        if (payer == address(0)) revert EscrowNotFound(escrowId);
        if (msg.sender != payer) revert EscrowNotPayer(escrowId, msg.sender);
        (address payee, uint256 states) = (e.payee, e.states);
        if (payee == address(0)) revert EscrowPayeeNotSet(escrowId);
        uint256 amount = _releasableAmount(escrowId, e, milestone, states);
        _payMilestone(escrowId, e, milestone, payee, amount, feeBps, states);
    }

    /// @notice Cancels an unassigned open bounty before anything left it; all funds become refundable.
    /// @dev Requirements: caller is the payer; no payee; every milestone Pending; not closed.
    /// Emits {EscrowCancelled}. Funders then call {claimRefund}.
    function cancel(uint256 escrowId) external nonReentrant {
        Escrow storage e = _existing(escrowId);
        _checkPayer(escrowId, e);
        _checkOpen(escrowId, e);
        if (e.payee != address(0) || e.states != 0) revert EscrowNotCancellable(escrowId);
        e.flags |= _FLAG_CANCELLED;
        e.states = _allStates(e.milestoneCount, MilestoneState.Refunded);
        // Nothing left the escrow yet (every milestone Pending, no claim before funding is final,
        // the pool was empty), so it holds all it was funded.
        uint96 amount = e.funded;
        e.refundPool = amount;
        emit EscrowCancelled(escrowId, amount);
    }

    // ------------------------------------------------------------------------------------------
    // Verifier sets
    // ------------------------------------------------------------------------------------------

    /// @notice Registers a verifier set once so that escrows reference it by id instead of storing
    /// it each; anyone may register. Idempotent: the same set and threshold always get the same id
    /// ({verifierSetIdOf}), and registering it again writes nothing.
    /// @dev Requirements: `threshold` in 1..verifiers.length (at most MAX_VERIFIERS) with distinct
    /// non-zero verifiers. Emits {VerifierSetRegistered} when the set is new.
    /// @return setId The set's id, for {EscrowParams}'s `verifierSetId`.
    function registerVerifierSet(address[] calldata verifiers, uint8 threshold) external returns (uint96 setId) {
        if (verifiers.length == 0) revert EscrowInvalidVerifierSet(0, threshold);
        return _registerVerifierSet(verifiers, threshold);
    }

    // ------------------------------------------------------------------------------------------
    // Attested release
    // ------------------------------------------------------------------------------------------

    /// @notice Pays a milestone on an EIP-712 PayoutIntent signed by at least `threshold` distinct
    /// verifiers of the escrow; anyone (a relayer) may submit it. An intent for an open bounty
    /// assigns its payee.
    /// @dev Requirements: intent not expired (`block.timestamp <= deadline`); its milestone funded
    /// and Pending (the replay guard: a milestone leaves Pending once, whatever the intent's id);
    /// `verifiers` is the escrow's verifier set; every intent field matches the escrow; signatures
    /// name verifiers by strictly ascending index and each is valid (ECDSA or ERC-1271).
    /// Emits {IntentConsumed}, {MilestoneReleased}, and {PayeeAssigned} for an open bounty.
    /// @param intent The payout intent.
    /// @param verifiers The escrow's full verifier set, as registered.
    /// @param signatures At least `threshold` signatures over {hashIntent}.
    function releaseWithIntent(
        PayoutIntent calldata intent,
        address[] calldata verifiers,
        VerifierSignature[] calldata signatures
    ) external nonReentrant {
        _releaseWithIntent(intent, verifiers, keccak256(abi.encode(verifiers)), signatures);
    }

    /// @notice Releases several milestones in one transaction, each by its own verifier-signed
    /// intent, for escrows that share one verifier set (a platform's verifiers sign for many
    /// escrows). An intent whose milestone is no longer Pending is skipped with {IntentSkipped}
    /// (so nobody can sink a relayer's batch by submitting a copy of one of its intents first);
    /// any other failing intent reverts the batch with its own error.
    /// @dev Same checks and events per intent as {releaseWithIntent}; the verifier set is passed
    /// and hashed once, which is what makes a relayer's batch cheaper per payout than a
    /// `multicall` of single releases. Intents under other verifier sets go in another call
    /// (a `multicall` of several `releaseWithIntents` keeps them in one transaction).
    /// @param verifiers The verifier set every intent's escrow was created with.
    /// @param intents The payout intents, at least one.
    /// @param signatures `signatures[k]` signs `intents[k]`, as in {releaseWithIntent}.
    function releaseWithIntents(
        address[] calldata verifiers,
        PayoutIntent[] calldata intents,
        VerifierSignature[][] calldata signatures
    ) external nonReentrant {
        uint256 count = intents.length;
        if (count == 0 || signatures.length != count) revert EscrowBatchMismatch(count, signatures.length);
        bytes32 verifiersHash = keccak256(abi.encode(verifiers));
        for (uint256 k; k < count; ++k) {
            // Before any other check: a copy of this very intent paid first is the griefing case,
            // and the milestone's state says nothing is left to do.
            if (_skippedAsClosed(intents[k])) continue;
            _releaseWithIntent(intents[k], verifiers, verifiersHash, signatures[k]);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Disputes
    // ------------------------------------------------------------------------------------------

    /// @notice Freezes a funded, pending milestone until the arbiter resolves it.
    /// @dev Requirements: caller is the payer or the payee; the escrow has an arbiter and a payee.
    /// Emits {MilestoneDisputed}.
    function dispute(uint256 escrowId, uint256 milestone) external nonReentrant {
        Escrow storage e = _existing(escrowId);
        if (msg.sender != e.payer && msg.sender != e.payee) {
            revert EscrowNotParty(escrowId, msg.sender);
        }
        if (e.arbiter == address(0)) revert EscrowDisputesDisabled(escrowId);
        if (e.payee == address(0)) revert EscrowPayeeNotSet(escrowId);
        uint48 states = e.states;
        _releasableAmount(escrowId, e, milestone, states);
        e.states = _withState(states, milestone, MilestoneState.Disputed);
        uint256 closesAt = block.timestamp + e.disputeWindow;
        _disputeClosesAt[escrowId][milestone] = closesAt;
        emit MilestoneDisputed(escrowId, milestone, msg.sender, closesAt);
    }

    /// @notice Settles a disputed milestone: `payeeBps` of it to the payee (less the fee), the
    /// rest to the funders' refund pool.
    /// @dev Requirements: caller is the escrow's arbiter; milestone Disputed; payeeBps <= 10000.
    /// The arbiter may rule after the window too, until someone closes the dispute.
    /// Emits {DisputeResolved}.
    function resolve(uint256 escrowId, uint256 milestone, uint256 payeeBps) external nonReentrant {
        Escrow storage e = _existing(escrowId);
        if (msg.sender != e.arbiter) revert EscrowNotArbiter(escrowId, msg.sender);
        if (payeeBps > _BPS) revert EscrowInvalidSplit(payeeBps);
        _checkDisputed(escrowId, e, milestone);
        _resolve(escrowId, e, milestone, payeeBps);
    }

    /// @notice Closes a dispute the arbiter did not rule on within the escrow's dispute window,
    /// with the escrow's default outcome (`defaultPayeeBps` to the payee, the rest to the funders).
    /// Anyone may call it.
    /// @dev Requirements: milestone Disputed; its window has closed. Emits {DisputeExpired} and
    /// {DisputeResolved}.
    function closeExpiredDispute(uint256 escrowId, uint256 milestone) external nonReentrant {
        Escrow storage e = _existing(escrowId);
        _checkDisputed(escrowId, e, milestone);
        uint256 closesAt = _disputeClosesAt[escrowId][milestone];
        if (block.timestamp < closesAt) revert EscrowDisputeWindowOpen(escrowId, milestone, closesAt);
        emit DisputeExpired(escrowId, milestone, msg.sender);
        _resolve(escrowId, e, milestone, e.defaultPayeeBps);
    }

    function _checkDisputed(uint256 escrowId, Escrow storage e, uint256 milestone) private view {
        if (milestone >= e.milestoneCount) revert EscrowInvalidMilestone(escrowId, milestone);
        if (_stateOf(e.states, milestone) != MilestoneState.Disputed) {
            revert EscrowMilestoneNotDisputed(escrowId, milestone);
        }
    }

    function _resolve(uint256 escrowId, Escrow storage e, uint256 milestone, uint256 payeeBps) private {
        delete _disputeClosesAt[escrowId][milestone];
        uint256 amount = _milestoneAmount(escrowId, milestone);
        uint256 toPayee = amount * payeeBps / _BPS;
        uint256 fee = toPayee * e.feeBps / _BPS;
        uint256 toFunders = amount - toPayee;

        e.states = _withState(e.states, milestone, MilestoneState.Resolved);
        if (toFunders != 0) {
            e.refundPool += uint96(toFunders);
            e.flags |= _FLAG_POOL_FUNDED;
        }
        emit DisputeResolved(escrowId, milestone, payeeBps, toPayee - fee, fee, toFunders);

        address token = e.token;
        if (toPayee != fee) _push(token, e.payee, toPayee - fee);
        if (fee != 0) _push(token, _treasury, fee);
    }

    // ------------------------------------------------------------------------------------------
    // Refunds and withdrawals (never paused)
    // ------------------------------------------------------------------------------------------

    /// @notice After the deadline, moves every funded, pending milestone and any unallocated
    /// funding into the funders' refund pool. Anyone may call it.
    /// @dev Requirements: `block.timestamp > deadline`; not cancelled; not already opened.
    /// Disputed milestones stay with the arbiter. Emits {RefundsOpened}.
    function openRefunds(uint256 escrowId) external nonReentrant {
        Escrow storage e = _existing(escrowId);
        if (block.timestamp <= e.deadline) revert EscrowDeadlineNotReached(escrowId, e.deadline);
        _checkOpen(escrowId, e);

        uint256 count = e.milestoneCount;
        uint256 funded = e.funded;
        uint256 states = e.states;
        uint256 covered;
        uint256 refundable;
        for (uint256 i; i < count; ++i) {
            uint256 amount = _milestoneAmount(escrowId, i);
            if (i < e.fundedMilestones) covered += amount;
            if (_stateOf(states, i) == MilestoneState.Pending) {
                states = _withState(states, i, MilestoneState.Refunded);
                if (i < e.fundedMilestones) refundable += amount;
            }
        }
        refundable += funded - covered;
        e.flags |= _FLAG_REFUNDS_OPENED;
        e.states = uint48(states);
        e.refundPool += uint96(refundable);
        emit RefundsOpened(escrowId, refundable);
    }

    /// @notice Pays a funder their pro-rata part of the refund pool not yet claimed. Anyone may
    /// call it for any funder; the funds go to the funder (or to their credit if the push fails).
    /// @dev Requirements: funding is final (cancelled, refunds opened, or fully funded) and
    /// something is owed. Emits {RefundClaimed}.
    function claimRefund(uint256 escrowId, address funder) external nonReentrant {
        Escrow storage e = _existing(escrowId);
        if (!_fundingFinal(escrowId, e)) revert EscrowRefundsNotClaimable(escrowId);
        uint256 account = _account(escrowId, e, funder);
        uint256 owed = _owedRefund(e, account);
        if (owed == 0) revert EscrowNothingToClaim(escrowId, funder);

        // A sole payer's claims are refundsPaid itself: nothing to record for them.
        if (_hasRecord(e, funder)) _funders[escrowId][funder] = account + (owed << 128);
        // Cannot overflow: refundsPaid + owed <= refundPool.
        e.refundsPaid += uint96(owed);
        emit RefundClaimed(escrowId, funder, owed);
        _push(e.token, funder, owed);
    }

    /// @notice Sends the caller every credit they hold in `token` (address(0) for ETH).
    /// @dev Credits come from pushes that failed. Reverts if nothing is owed or the transfer fails,
    /// leaving the credit in place. Emits {CreditWithdrawn}.
    function withdraw(address token) external nonReentrant {
        uint256 amount = _credits[token][msg.sender];
        if (amount == 0) revert EscrowNothingToWithdraw(token, msg.sender);
        _credits[token][msg.sender] = 0;
        emit CreditWithdrawn(token, msg.sender, amount);
        if (token == address(0)) {
            (bool ok,) = msg.sender.call{value: amount}("");
            if (!ok) revert EscrowWithdrawFailed(token, msg.sender, amount);
        } else {
            IERC20(token).safeTransfer(msg.sender, amount);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Administration (never touches escrowed funds)
    // ------------------------------------------------------------------------------------------

    /// @notice Sets the fee for escrows created from now on; existing escrows keep theirs.
    /// @dev Requirements: DEFAULT_ADMIN_ROLE; `feeBps <= MAX_FEE_BPS`. Emits {DefaultFeeChanged}.
    function setDefaultFee(uint16 feeBps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (feeBps > MAX_FEE_BPS) revert EscrowInvalidFee(feeBps, MAX_FEE_BPS);
        emit DefaultFeeChanged(_defaultFeeBps, feeBps);
        _defaultFeeBps = feeBps;
    }

    /// @notice Sets the receiver of fees.
    /// @dev Requirements: DEFAULT_ADMIN_ROLE; non-zero. Emits {TreasuryChanged}.
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (treasury_ == address(0)) revert EscrowInvalidTreasury();
        emit TreasuryChanged(_treasury, treasury_);
        _treasury = treasury_;
    }

    /// @notice Records the suspended members of the verifier set with `commitment` (bit i: member
    /// i), as the bond registry computed them from its bonds and the set's minimum
    /// ({VerifierBonds-pushSuspensions}, permissionless there). Every escrow using the set then
    /// refuses a counted signature by a suspended member with {EscrowVerifierSuspended}.
    /// @dev Requirements: VERIFIER_BONDS_ROLE (granted to the bond registry). The logic that asks the
    /// bonds lives in the registry, not here: the escrow is at the EIP-170 limit, and one write
    /// of a whole set's bitmap serves every member. The registry emits
    /// {VerifierBonds-SuspensionsPushed} (naming this escrow), for the same reason.
    function recordVerifierSuspensions(bytes32 commitment, uint256 suspended) external onlyRole(VERIFIER_BONDS_ROLE) {
        _suspensions.members[commitment] = suspended;
    }

    /// @notice Stops `create` and `fund`. Exits keep working. Requirements: GUARDIAN_ROLE.
    function pause() external onlyRole(GUARDIAN_ROLE) {
        _pause();
    }

    /// @notice Resumes `create` and `fund`. Requirements: GUARDIAN_ROLE.
    function unpause() external onlyRole(GUARDIAN_ROLE) {
        _unpause();
    }

    // ------------------------------------------------------------------------------------------
    // Views
    // ------------------------------------------------------------------------------------------

    /// @notice The EIP-712 digest verifiers sign for `intent` (domain: this chain and contract).
    function hashIntent(PayoutIntent calldata intent) public view returns (bytes32) {
        bytes32 typeHash = PAYOUT_INTENT_TYPEHASH;
        bytes32 structHash;
        // Equal to keccak256(abi.encode(PAYOUT_INTENT_TYPEHASH, intent)): the struct's eight static
        // words are copied from calldata as they are, without growing memory once per intent of a
        // batch. The two address words are masked as the ABI encoder would clean them.
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            calldatacopy(add(ptr, 0x20), intent, 0x100)
            let mask := 0xffffffffffffffffffffffffffffffffffffffff
            mstore(add(ptr, 0x60), and(mload(add(ptr, 0x60)), mask))
            mstore(add(ptr, 0xa0), and(mload(add(ptr, 0xa0)), mask))
            structHash := keccak256(ptr, 0x120)
        }
        return _hashTypedDataV4(structHash);
    }

    /// @notice The commitment stored for a verifier set: keccak256(abi.encode(verifiers)).
    function verifierSetHash(address[] calldata verifiers) external pure returns (bytes32) {
        return SignatureQuorum.hashOf(verifiers);
    }

    /// @notice The id `verifiers` with `threshold` is (or would be) registered under; no validation.
    function verifierSetIdOf(address[] calldata verifiers, uint8 threshold) external pure returns (uint96) {
        return SignatureQuorum.setIdOf(SignatureQuorum.hashOf(verifiers), threshold);
    }

    /// @notice The commitment registered under `setId` (bytes32(0): not registered).
    function verifierSetCommitment(uint256 setId) external view returns (bytes32) {
        return SignatureQuorum.commitmentOf(_verifierSets, setId);
    }

    /// @notice What `intent` can still do, from its milestone's state: Payable (Pending), Paid
    /// (released by an intent with this `intentId`), Closed (left Pending otherwise: released by
    /// the payer or another intent, disputed, resolved, refunded, cancelled). Expiry, signatures
    /// and the other fields are not judged here.
    /// @dev Requirements: the escrow and milestone exist. "Paid" compares a 32-bit fingerprint of
    /// the id stored beside the milestone's amount (a 2^-31 chance that another id for the very
    /// same milestone reads as Paid); {IntentConsumed} carries the full id.
    function intentStatus(PayoutIntent calldata intent)
        external
        view
        returns (IntentStatus status, MilestoneState state)
    {
        uint256 escrowId = intent.escrowId;
        Escrow storage e = _existing(escrowId);
        uint256 milestone = intent.milestone;
        if (milestone >= e.milestoneCount) revert EscrowInvalidMilestone(escrowId, milestone);
        state = _stateOf(e.states, milestone);
        if (state == MilestoneState.Pending) return (IntentStatus.Payable, state);
        uint256 half = _milestoneAmounts[escrowId][milestone >> 1] >> ((milestone & 1) * 128);
        bool paidByIt = state == MilestoneState.Released && uint32(half >> 96) == _fingerprint(intent.intentId);
        return (paidByIt ? IntentStatus.Paid : IntentStatus.Closed, state);
    }

    /// @notice The full state of escrow `escrowId`.
    function getEscrow(uint256 escrowId) external view returns (EscrowView memory view_) {
        Escrow storage e = _existing(escrowId);
        uint256 count = e.milestoneCount;
        view_.payer = e.payer;
        view_.token = e.token;
        view_.payee = e.payee;
        view_.arbiter = e.arbiter;
        view_.deadline = e.deadline;
        view_.feeBps = e.feeBps;
        view_.threshold = e.threshold;
        view_.disputeWindow = e.disputeWindow;
        view_.defaultPayeeBps = e.defaultPayeeBps;
        view_.cancelled = e.flags & _FLAG_CANCELLED != 0;
        view_.refundsOpened = e.flags & _FLAG_REFUNDS_OPENED != 0;
        view_.funded = e.funded;
        // Cannot truncate: what the escrow holds is at most what it was funded.
        view_.held = uint96(_held(escrowId, e));
        view_.refundPool = e.refundPool;
        view_.fundedMilestones = e.fundedMilestones;
        view_.verifierSetId = e.verifierSetId;
        view_.verifiersHash = SignatureQuorum.commitmentOf(_verifierSets, e.verifierSetId);
        view_.amounts = new uint96[](count);
        view_.states = new MilestoneState[](count);
        for (uint256 i; i < count; ++i) {
            view_.amounts[i] = uint96(_milestoneAmount(escrowId, i));
            view_.states[i] = _stateOf(e.states, i);
        }
    }

    /// @notice What `funder` contributed to `escrowId` and has claimed back so far.
    function funderAccount(uint256 escrowId, address funder) external view returns (uint256 share, uint256 claimed) {
        uint256 account = _account(escrowId, _escrows[escrowId], funder);
        return (uint128(account), account >> 128);
    }

    /// @notice The refund `funder` could claim now (0 while funding is not final).
    function claimableRefund(uint256 escrowId, address funder) external view returns (uint256) {
        Escrow storage e = _existing(escrowId);
        if (!_fundingFinal(escrowId, e)) return 0;
        return _owedRefund(e, _account(escrowId, e, funder));
    }

    /// @notice When anyone may close the dispute on `milestone` with the default outcome (0 if the
    /// milestone is not disputed).
    function disputeClosesAt(uint256 escrowId, uint256 milestone) external view returns (uint256) {
        return _disputeClosesAt[escrowId][milestone];
    }

    /// @notice Credit `account` can withdraw in `token` (address(0) for ETH).
    function creditOf(address token, address account) external view returns (uint256) {
        return _credits[token][account];
    }

    /// @notice Number of escrows created; ids run from 1 to this value.
    function escrowCount() external view returns (uint256) {
        return _escrowCount;
    }

    /// @notice Fee, in basis points, fixed into escrows created from now on.
    function defaultFeeBps() external view returns (uint16) {
        return _defaultFeeBps;
    }

    /// @notice Receiver of fees.
    function treasury() external view returns (address) {
        return _treasury;
    }

    // ------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------

    /// @dev `verifiersHash` is `keccak256(abi.encode(verifiers))`, computed once per call.
    function _releaseWithIntent(
        PayoutIntent calldata intent,
        address[] calldata verifiers,
        bytes32 verifiersHash,
        VerifierSignature[] calldata signatures
    ) private {
        uint256 escrowId = intent.escrowId;
        Escrow storage e = _escrows[escrowId];
        // Fields are read into locals once: in a batch every repeated storage read costs each
        // intent 100 gas.
        uint256 threshold = _attestationThreshold(escrowId, e);
        bytes32 intentId = intent.intentId;
        if (block.timestamp > intent.deadline) revert EscrowIntentExpired(intentId, intent.deadline);
        if (verifiersHash != SignatureQuorum.commitmentOf(_verifierSets, e.verifierSetId)) {
            revert EscrowVerifierSetMismatch(escrowId);
        }
        _refuseSuspended(verifiersHash, signatures);
        if (intent.token != e.token) revert EscrowIntentTokenMismatch(intentId, e.token, intent.token);
        address assigned = e.payee;
        uint256 amount = _releasableAmount(escrowId, e, intent.milestone, e.states);
        if (intent.amount != amount) revert EscrowIntentAmountMismatch(intentId, amount, intent.amount);
        // From here on the payee is `intent.payee`: it names an open bounty's payee, or it must
        // equal the assigned one.
        if (assigned == address(0)) {
            if (intent.payee == address(0) || intent.payee == address(this)) revert EscrowInvalidPayee();
        } else if (intent.payee != assigned) {
            revert EscrowIntentPayeeMismatch(intentId, assigned, intent.payee);
        }
        _checkSignatures(hashIntent(intent), verifiers, signatures, threshold);

        // The milestone leaving Pending (in _payMilestone) is the replay guard; the fingerprint
        // only lets {intentStatus} tell "paid by this intent" from "closed otherwise".
        _markReleasedBy(escrowId, intent.milestone, intentId);
        if (assigned == address(0)) {
            e.payee = intent.payee;
            emit PayeeAssigned(escrowId, intent.payee);
        }
        emit IntentConsumed(intentId, escrowId, intent.milestone, intent.evidenceHash);
        _payMilestone(escrowId, e, intent.milestone, intent.payee, amount, e.feeBps, e.states);
    }

    /// @dev In a batch, an intent for a milestone that is no longer Pending is passed over, with
    /// {IntentSkipped} naming the state (an out-of-range milestone still reverts, in order).
    function _skippedAsClosed(PayoutIntent calldata intent) private returns (bool) {
        uint256 escrowId = intent.escrowId;
        Escrow storage e = _escrows[escrowId];
        uint256 milestone = intent.milestone;
        if (milestone >= e.milestoneCount) return false;
        MilestoneState state = _stateOf(e.states, milestone);
        if (state == MilestoneState.Pending) return false;
        emit IntentSkipped(intent.intentId, escrowId, milestone, state);
        return true;
    }

    /// @dev Every escrow that accepts intents has a threshold, so a missing escrow is told apart
    /// from one without verifiers only on the way to the revert (one slot read, not two).
    function _attestationThreshold(uint256 escrowId, Escrow storage e) private view returns (uint256 threshold) {
        threshold = e.threshold;
        if (threshold == 0) {
            if (e.payer == address(0)) revert EscrowNotFound(escrowId);
            revert EscrowAttestationDisabled(escrowId);
        }
    }

    /// @dev Takes min(amount, remaining): a funder racing another (or a 1-wei front-run) gets the
    /// rest of their money back instead of a revert.
    function _fund(uint256 escrowId, Escrow storage e, uint256 amount, uint256 total)
        private
        returns (uint256 credited)
    {
        _checkOpen(escrowId, e);
        // Refunds are shared pro rata over the final funding; once money has gone back to the
        // funders' pool (a dispute split), a later funder would dilute the earlier funders' claim.
        if (block.timestamp > e.deadline || e.flags & _FLAG_POOL_FUNDED != 0) revert EscrowFundingClosed(escrowId);
        if (amount == 0) revert EscrowZeroFunding();
        uint256 funded = e.funded;
        uint256 remaining = total - funded;
        if (remaining == 0) revert EscrowFullyFunded(escrowId);
        uint256 taken = amount < remaining ? amount : remaining;

        address token = e.token;
        if (token == address(0)) {
            if (msg.value != amount) revert EscrowWrongValue(msg.value, amount);
            credited = taken;
        } else {
            if (msg.value != 0) revert EscrowWrongValue(msg.value, 0);
            uint256 balanceBefore = IERC20(token).balanceOf(address(this));
            IERC20(token).safeTransferFrom(msg.sender, address(this), taken);
            // Never more than `taken` arrives from an honest token; a hostile one that reports a
            // larger increase is capped so that funding never exceeds the total.
            credited = IERC20(token).balanceOf(address(this)) - balanceBefore;
            if (credited == 0) revert EscrowZeroFunding();
            if (credited > remaining) revert EscrowOverfunded(escrowId, credited, remaining);
        }

        uint256 fundedBefore = funded;
        funded += credited;
        uint8 fundedMilestones = _coveredMilestones(escrowId, e.milestoneCount, funded);
        // Cannot overflow uint96: funded <= total <= type(uint96).max, checked at creation.
        e.funded = uint96(funded);
        e.fundedMilestones = fundedMilestones;
        _recordShare(escrowId, e, fundedBefore, credited);
        emit EscrowFunded(escrowId, msg.sender, credited, fundedMilestones);
        if (amount != taken) _push(address(0), msg.sender, amount - taken);
    }

    /// @dev `feeBps` and `states` are the escrow's, read by the caller.
    function _payMilestone(
        uint256 escrowId,
        Escrow storage e,
        uint256 milestone,
        address payee,
        uint256 amount,
        uint256 feeBps,
        uint256 states
    ) private {
        uint256 fee = amount * feeBps / _BPS;
        e.states = _withState(states, milestone, MilestoneState.Released);
        emit MilestoneReleased(escrowId, milestone, payee, amount - fee, fee);
        address token = e.token;
        _push(token, payee, amount - fee);
        if (fee != 0) _push(token, _treasury, fee);
    }

    /// @dev Sends `amount` of `token`; on any failure credits the recipient instead.
    function _push(address token, address to, uint256 amount) private {
        bool ok;
        if (token == address(0)) {
            assembly ("memory-safe") {
                // Returndata is not copied: a hostile recipient cannot make us pay for it.
                ok := call(_ETH_PUSH_GAS, to, amount, 0, 0, 0, 0)
            }
        } else {
            // IERC20.trySafeTransfer's acceptance rule (call succeeded, and returned true or
            // nothing from a contract), with a gas stipend and at most one word of returndata.
            assembly ("memory-safe") {
                let ptr := mload(0x40)
                mstore(ptr, shl(224, 0xa9059cbb))
                mstore(add(ptr, 0x04), to)
                mstore(add(ptr, 0x24), amount)
                mstore(0x00, 0)
                ok := call(_ERC20_PUSH_GAS, token, 0, ptr, 0x44, 0x00, 0x20)
                if ok {
                    switch returndatasize()
                    case 0 { ok := gt(extcodesize(token), 0) }
                    default { ok := and(gt(returndatasize(), 0x1f), eq(mload(0x00), 1)) }
                }
            }
        }
        if (!ok) {
            _credits[token][to] += amount;
            emit CreditAccrued(token, to, amount);
        }
    }

    /// @dev The shared quorum check ({SignatureQuorum.check}), its failures mapped onto the
    /// escrow's own named errors: the SDK's pre-send checks raise the same ones, on both chains.
    function _checkSignatures(
        bytes32 digest,
        address[] calldata verifiers,
        VerifierSignature[] calldata signatures,
        uint256 threshold
    ) private view {
        (SignatureQuorum.Failure failure, uint256 detail) =
            SignatureQuorum.check(digest, verifiers, _quorumSignatures(signatures), threshold);
        if (failure == SignatureQuorum.Failure.None) return;
        if (failure == SignatureQuorum.Failure.InsufficientSignatures) {
            revert EscrowInsufficientSignatures(detail, threshold);
        }
        if (failure == SignatureQuorum.Failure.SignersNotAscending) revert EscrowSignersNotAscending(detail);
        if (failure == SignatureQuorum.Failure.UnknownSigner) revert EscrowUnknownVerifier(detail);
        revert EscrowInvalidSignature(address(uint160(detail)));
    }

    /// @dev A bonded set's suspended members ({recordVerifierSuspensions}): one slot read per
    /// release (warm for the next intent of a batch under the same set); any signature by a
    /// suspended member is refused before any signature is verified. Its own call, not a
    /// parameter of {_checkSignatures}: the release path is at the stack limit.
    function _refuseSuspended(bytes32 verifiersHash, VerifierSignature[] calldata signatures) private view {
        uint256 suspended = _suspensions.members[verifiersHash];
        if (suspended == 0) return;
        // Every signature given, counted or extra: a suspended member signs nothing here (and the
        // bound costs no min() in an escrow at the EIP-170 limit).
        for (uint256 k; k < signatures.length; ++k) {
            // The index word of signature k, read in place: {_checkSignatures} decodes and
            // validates every counted signature after this; bits exist only for members.
            uint256 index;
            assembly ("memory-safe") {
                let head := add(signatures.offset, calldataload(add(signatures.offset, shl(5, k))))
                index := and(calldataload(head), 0xff)
            }
            if ((suspended >> index) & 1 != 0) revert EscrowVerifierSuspended(index);
        }
    }

    /// @dev VerifierSignature and SignatureQuorum.Signature are the same tuple(uint8,bytes): the
    /// calldata array is read as the library's type, not copied.
    function _quorumSignatures(VerifierSignature[] calldata signatures)
        private
        pure
        returns (SignatureQuorum.Signature[] calldata sigs)
    {
        assembly ("memory-safe") {
            sigs.offset := signatures.offset
            sigs.length := signatures.length
        }
    }

    /// @dev Inline verifiers are validated ({SignatureQuorum.checkSet}, escrow errors) and
    /// registered; a set id must be registered and comes with no inline verifiers.
    function _verifierSetOf(EscrowParams calldata params) private returns (uint256 setId, uint256 threshold) {
        setId = params.verifierSetId;
        if (setId != 0) {
            if (params.verifiers.length != 0 || params.threshold != 0) {
                revert EscrowInvalidVerifierSet(params.verifiers.length, params.threshold);
            }
            if (SignatureQuorum.commitmentOf(_verifierSets, setId) == bytes32(0)) {
                revert EscrowUnknownVerifierSet(setId);
            }
            return (setId, SignatureQuorum.thresholdOf(setId));
        }
        if (params.verifiers.length == 0) {
            if (params.threshold != 0) revert EscrowInvalidVerifierSet(0, params.threshold);
            return (0, 0);
        }
        return (_registerVerifierSet(params.verifiers, params.threshold), params.threshold);
    }

    function _registerVerifierSet(address[] calldata verifiers, uint8 threshold) private returns (uint96 setId) {
        (SignatureQuorum.Failure failure, address duplicate) = SignatureQuorum.checkSet(verifiers, threshold);
        if (failure == SignatureQuorum.Failure.DuplicateSigner) revert EscrowDuplicateVerifier(duplicate);
        if (failure != SignatureQuorum.Failure.None) revert EscrowInvalidVerifierSet(verifiers.length, threshold);
        bytes32 commitment = SignatureQuorum.hashOf(verifiers);
        bool created;
        (setId, created) = SignatureQuorum.register(_verifierSets, commitment, threshold);
        if (created) emit VerifierSetRegistered(setId, commitment, threshold, verifiers);
    }

    /// @dev Records a funding of `credited` by the caller. The payer's funding is not recorded
    /// while nobody else has funded (its share is `funded` then); the first other funder records
    /// what the payer put in so far, and every share is recorded from then on.
    function _recordShare(uint256 escrowId, Escrow storage e, uint256 fundedBefore, uint256 credited) private {
        uint8 flags = e.flags;
        if (flags & _FLAG_CO_FUNDED == 0) {
            address payer = e.payer;
            if (msg.sender == payer) return;
            e.flags = flags | _FLAG_CO_FUNDED;
            // Everything funded so far is the payer's; no refund was claimed (funding not final).
            if (fundedBefore != 0) _funders[escrowId][payer] = fundedBefore;
        }
        _funders[escrowId][msg.sender] += credited;
    }

    /// @dev A funder's account (share, claimed << 128). While the payer is the sole funder its
    /// share is everything funded and its claims are every refund paid.
    function _account(uint256 escrowId, Escrow storage e, address funder) private view returns (uint256) {
        if (_hasRecord(e, funder)) return _funders[escrowId][funder];
        return (uint256(e.refundsPaid) << 128) | e.funded;
    }

    /// @dev Whether `funder`'s account is recorded: always, but for the payer of an escrow nobody
    /// else funded.
    function _hasRecord(Escrow storage e, address funder) private view returns (bool) {
        return e.flags & _FLAG_CO_FUNDED != 0 || funder != e.payer;
    }

    /// @dev What the escrow holds for `escrowId`: in (funded) less out (released milestones,
    /// resolved milestones less their funders' part, refunds claimed). The funders' part of
    /// resolutions is the pool less what opening refunds or cancelling put in it: the funding not
    /// tied to a funded milestone that left Pending otherwise than by a refund.
    function _held(uint256 escrowId, Escrow storage e) private view returns (uint256) {
        uint256 count = e.milestoneCount;
        uint256 funded = e.funded;
        uint256 states = e.states;
        uint256 paidOut;
        uint256 keptFromRefunds;
        for (uint256 i; i < count; ++i) {
            MilestoneState state = _stateOf(states, i);
            if (state == MilestoneState.Pending || state == MilestoneState.Refunded) continue;
            uint256 amount = _milestoneAmount(escrowId, i);
            // Only a funded milestone leaves Pending other than by a refund.
            keptFromRefunds += amount;
            if (state != MilestoneState.Disputed) paidOut += amount;
        }
        uint256 openedPool = e.flags & _CLOSED != 0 ? funded - keptFromRefunds : 0;
        uint256 resolvedToFunders = e.refundPool - openedPool;
        return funded + resolvedToFunders - paidOut - e.refundsPaid;
    }

    function _markReleasedBy(uint256 escrowId, uint256 milestone, bytes32 intentId) private {
        uint256 shift = (milestone & 1) * 128 + 96;
        _milestoneAmounts[escrowId][milestone >> 1] |= uint256(_fingerprint(intentId)) << shift;
    }

    /// @dev Never 0, so 0 means "not released by an intent".
    function _fingerprint(bytes32 intentId) private pure returns (uint32 fp) {
        assembly ("memory-safe") {
            mstore(0x00, intentId)
            fp := or(and(keccak256(0x00, 0x20), 0xffffffff), 1)
        }
    }

    function _checkDisputeTerms(EscrowParams calldata params) private pure {
        uint256 window = params.disputeWindow;
        if (params.arbiter == address(0)) {
            if (window != 0) revert EscrowInvalidDisputeWindow(window, 0, 0);
        } else if (window < MIN_DISPUTE_WINDOW || window > MAX_DISPUTE_WINDOW) {
            revert EscrowInvalidDisputeWindow(window, MIN_DISPUTE_WINDOW, MAX_DISPUTE_WINDOW);
        }
        if (params.defaultPayeeBps > _BPS) revert EscrowInvalidSplit(params.defaultPayeeBps);
    }

    function _checkVerifierSet(address[] calldata verifiers, uint8 threshold) private pure returns (bytes32) {
        uint256 n = verifiers.length;
        if (n == 0) {
            if (threshold != 0) revert EscrowInvalidVerifierSet(n, threshold);
            return bytes32(0);
        }
        if (n > MAX_VERIFIERS || threshold == 0 || threshold > n) revert EscrowInvalidVerifierSet(n, threshold);
        for (uint256 i; i < n; ++i) {
            address v = verifiers[i];
            if (v == address(0)) revert EscrowInvalidVerifierSet(n, threshold);
            for (uint256 j = i + 1; j < n; ++j) {
                if (verifiers[j] == v) revert EscrowDuplicateVerifier(v);
            }
        }
        return keccak256(abi.encode(verifiers));
    }

    /// @dev `states` are the escrow's milestone states, read by the caller.
    function _releasableAmount(uint256 escrowId, Escrow storage e, uint256 milestone, uint256 states)
        private
        view
        returns (uint256)
    {
        (uint256 count, uint256 fundedMilestones) = (e.milestoneCount, e.fundedMilestones);
        if (milestone >= count) revert EscrowInvalidMilestone(escrowId, milestone);
        MilestoneState state = _stateOf(states, milestone);
        if (state != MilestoneState.Pending) revert EscrowMilestoneNotPending(escrowId, milestone, state);
        if (milestone >= fundedMilestones) revert EscrowMilestoneNotFunded(escrowId, milestone);
        return _milestoneAmount(escrowId, milestone);
    }

    /// @dev Milestones are covered in order: the count of leading milestones `funded` pays for.
    function _coveredMilestones(uint256 escrowId, uint256 count, uint256 funded) private view returns (uint8) {
        uint256 prefix;
        for (uint256 i; i < count; ++i) {
            prefix += _milestoneAmount(escrowId, i);
            if (prefix > funded) return uint8(i);
        }
        return uint8(count);
    }

    /// @dev Shares round up and are capped by what is left of the pool, so the claims together
    /// take exactly the pool: no dust stays behind (a funder may get 1 wei more than the exact
    /// share, the last claimers correspondingly less).
    function _owedRefund(Escrow storage e, uint256 account) private view returns (uint256) {
        uint256 funded = e.funded;
        if (funded == 0) return 0;
        uint256 pool = e.refundPool;
        // Cannot overflow: pool < 2^96 and the share < 2^128.
        uint256 entitled = (pool * uint128(account) + funded - 1) / funded;
        uint256 claimed = account >> 128;
        if (entitled <= claimed) return 0;
        uint256 owed = entitled - claimed;
        uint256 unpaid = pool - e.refundsPaid;
        return owed < unpaid ? owed : unpaid;
    }

    function _fundingFinal(uint256 escrowId, Escrow storage e) private view returns (bool) {
        return e.flags & _CLOSED != 0 || e.funded == _totalAmount(escrowId, e.milestoneCount);
    }

    function _storeAmounts(uint256 escrowId, uint96[] calldata amounts) private {
        uint256 count = amounts.length;
        for (uint256 i; i < count; i += 2) {
            uint256 word = amounts[i];
            if (i + 1 < count) word |= uint256(amounts[i + 1]) << 128;
            _milestoneAmounts[escrowId][i >> 1] = word;
        }
    }

    function _milestoneAmount(uint256 escrowId, uint256 milestone) private view returns (uint256) {
        return (_milestoneAmounts[escrowId][milestone >> 1] >> ((milestone & 1) * 128)) & _AMOUNT_MASK;
    }

    function _totalAmount(uint256 escrowId, uint256 count) private view returns (uint256 total) {
        for (uint256 i; i < count; i += 2) {
            uint256 word = _milestoneAmounts[escrowId][i >> 1];
            total += (word & _AMOUNT_MASK) + ((word >> 128) & _AMOUNT_MASK);
        }
    }

    function _existing(uint256 escrowId) private view returns (Escrow storage e) {
        e = _escrows[escrowId];
        if (e.payer == address(0)) revert EscrowNotFound(escrowId);
    }

    function _checkPayer(uint256 escrowId, Escrow storage e) private view {
        if (msg.sender != e.payer) revert EscrowNotPayer(escrowId, msg.sender);
    }

    function _checkOpen(uint256 escrowId, Escrow storage e) private view {
        if (e.flags & _CLOSED != 0) revert EscrowClosed(escrowId);
    }

    function _stateOf(uint256 states, uint256 milestone) private pure returns (MilestoneState) {
        return MilestoneState((states >> (milestone * 3)) & 7);
    }

    function _withState(uint256 states, uint256 milestone, MilestoneState state) private pure returns (uint48) {
        uint256 shift = milestone * 3;
        return uint48((states & ~(uint256(7) << shift)) | (uint256(state) << shift));
    }

    function _allStates(uint256 count, MilestoneState state) private pure returns (uint48 states) {
        for (uint256 i; i < count; ++i) {
            states = _withState(states, i, state);
        }
    }
}
