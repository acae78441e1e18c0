// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {console} from "forge-std/console.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MilestoneEscrow} from "../../../../contracts/escrow/MilestoneEscrow.sol";
import {IMilestoneEscrow} from "../../../../contracts/escrow/IMilestoneEscrow.sol";
import {ERC1271Wallet} from "../../../../contracts/testing/ERC1271Wallet.sol";
import {RejectingReceiver} from "../../../../contracts/testing/RejectingReceiver.sol";
import {IMintable} from "../EscrowTestBase.sol";
import {HookAccount} from "../mocks/HookToken.sol";

/// @title EscrowHandler
/// @notice Drives MilestoneEscrow through random but valid sequences for the invariant suite,
/// and keeps an independent model (ghost state) of every escrow, credit and intent.
/// @dev Revert-free by construction: every action checks its preconditions against the model and
/// skips when they do not hold, so `fail_on_revert = true` turns any unexpected revert into a
/// failure. Attack actions (replays, double releases) use low-level calls, expect a precise
/// error, and count any success in a ghost the invariants bound.
contract EscrowHandler is CommonBase, StdCheats, StdUtils {
    // --- model --------------------------------------------------------------------------------
    uint8 internal constant PENDING = 0;
    uint8 internal constant RELEASED = 1;
    uint8 internal constant DISPUTED = 2;
    uint8 internal constant RESOLVED = 3;
    uint8 internal constant REFUNDED = 4;
    uint256 internal constant BPS = 10_000;
    address internal constant ETH = address(0);

    struct Model {
        address token;
        address payer;
        address payee;
        address arbiter;
        uint256 deadline;
        uint256 feeBps;
        uint256 verifierSet; // 0: attestation disabled
        uint256 disputeWindow;
        uint256 defaultPayeeBps;
        bool cancelled;
        bool refundsOpened;
        uint256 total;
        uint256 funded; // credited funding
        uint256 paidOut; // gross amounts that left for payee + treasury (releases, resolutions)
        uint256 refundPool;
        uint256 claimed; // refunds claimed by funders
    }

    /// @notice Actors and keys the handler plays.
    struct Actors {
        address[] payers;
        address[] funders;
        address[] payees;
        address[] relayers;
        address arbiter;
        uint256[] verifierKeys; // 4 keys: three EOAs and the owner of an ERC-1271 wallet
        HookAccount hookAccount; // a payer, funder and payee whose token hooks try to re-enter
    }

    MilestoneEscrow public immutable escrow;
    address public immutable admin;
    address public immutable guardian;
    address public immutable treasuryEOA;
    RejectingReceiver public immutable rejecter;
    address public immutable arbiter;
    HookAccount public immutable hookAccount;

    address[] internal _tokens;
    address[] internal _payers;
    address[] internal _funders;
    address[] internal _payees;
    address[] internal _relayers;
    address[] internal _accounts;
    mapping(address account => bool) internal _isAccount;

    // Verifier sets 1..3 (0 means none): 2-of-3 EOAs; 2-of-3 with an ERC-1271 wallet; 1-of-1.
    uint256 internal constant SET_COUNT = 4;
    mapping(uint256 set => address[]) internal _setVerifiers;
    mapping(uint256 set => uint256[]) internal _setKeys;
    mapping(uint256 set => uint8) internal _setThreshold;

    uint256[] internal _ids;
    mapping(uint256 id => Model) internal _models;
    mapping(uint256 id => uint96[]) internal _amounts;
    mapping(uint256 id => uint8[]) internal _states;
    mapping(uint256 id => address[]) internal _escrowFunders;
    mapping(uint256 id => mapping(address funder => uint256)) internal _shares;
    mapping(uint256 id => mapping(address funder => uint256)) internal _claims;
    mapping(uint256 id => mapping(uint256 milestone => uint256)) internal _disputeClosesAt;
    mapping(address token => mapping(address account => uint256)) internal _credits;

    uint256 public defaultFeeBps;
    address public treasury;
    bool public paused;
    uint256 public currentTime;

    // --- ghosts -------------------------------------------------------------------------------
    mapping(address token => uint256) public ghost_in; // credited into escrows
    mapping(address token => uint256) public ghost_out; // pushed or withdrawn out of the contract
    mapping(uint256 id => mapping(uint256 milestone => uint256)) public ghost_payouts;
    mapping(bytes32 intentId => uint256) public ghost_intentSuccesses;
    bytes32[] internal _intentIds;
    mapping(bytes32 intentId => bytes) internal _intentCalls;
    mapping(bytes32 intentId => uint256) internal _intentDeadlines;
    /// @dev The escrow and milestone each accepted intent paid.
    mapping(bytes32 intentId => uint256[2]) internal _intentTargets;
    /// @dev Intents that paid something for a milestone that had already left Pending (must stay 0).
    uint256 public ghost_closedMilestonePayouts;
    uint256 internal _intentNonce;
    uint256 public ghost_unexpectedErrors;
    uint256 public ghost_openRefundsMismatches;
    uint256 public ghost_replaysRejected;
    uint256 public ghost_doubleReleasesRejected;
    uint256 public ghost_pausedRefusals;
    uint256 public ghost_withdrawalsRefused;
    uint256 public ghost_expiredDisputesClosed;

    // --- call summary -------------------------------------------------------------------------
    string[] internal _actionNames;
    mapping(string action => uint256) public calls;
    mapping(string action => uint256) public skips;

    modifier action(string memory name) {
        if (calls[name] == 0 && skips[name] == 0) _actionNames.push(name);
        vm.warp(currentTime);
        _;
    }

    constructor(
        MilestoneEscrow escrow_,
        address admin_,
        address guardian_,
        address treasury_,
        address[] memory tokens_,
        Actors memory actors,
        RejectingReceiver rejecter_
    ) {
        escrow = escrow_;
        admin = admin_;
        guardian = guardian_;
        treasuryEOA = treasury_;
        treasury = treasury_;
        rejecter = rejecter_;
        arbiter = actors.arbiter;
        hookAccount = actors.hookAccount;
        defaultFeeBps = escrow_.defaultFeeBps();
        currentTime = block.timestamp;
        _tokens = tokens_;
        _payers = actors.payers;
        _funders = actors.funders;
        _payees = actors.payees;
        _relayers = actors.relayers;

        _addAccounts(actors.payers);
        _addAccounts(actors.funders);
        _addAccounts(actors.payees);
        _addAccount(treasury_);
        _addAccount(address(rejecter_));

        uint256[] memory k = actors.verifierKeys;
        ERC1271Wallet wallet = new ERC1271Wallet(vm.addr(k[3]));
        _defineSet(1, 2, _three(vm.addr(k[0]), vm.addr(k[1]), vm.addr(k[2])), _threeKeys(k[0], k[1], k[2]));
        _defineSet(2, 2, _three(address(wallet), vm.addr(k[0]), vm.addr(k[1])), _threeKeys(k[3], k[0], k[1]));
        address[] memory single = new address[](1);
        single[0] = vm.addr(k[2]);
        uint256[] memory singleKey = new uint256[](1);
        singleKey[0] = k[2];
        _defineSet(3, 1, single, singleKey);
    }

    // ==========================================================================================
    // New business
    // ==========================================================================================

    function createEscrow(uint256 seed) public action("create") {
        address payer = _payers[_rand(seed, "payer") % _payers.length];
        IMilestoneEscrow.EscrowParams memory p;
        p.token = _tokens[_rand(seed, "token") % _tokens.length];
        uint256 count = bound(_rand(seed, "count"), 1, 8);
        p.amounts = new uint96[](count);
        uint256 total;
        for (uint256 i; i < count; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, "amount", i)));
            // A mix of dust-sized and large milestones exercises rounding and capacity.
            p.amounts[i] = uint96(r & 1 == 0 ? bound(r >> 1, 1, 1_000) : bound(r >> 1, 1, 1e22));
            total += p.amounts[i];
        }
        uint256 payeeChoice = _rand(seed, "payee") % (_payees.length + 1);
        if (payeeChoice != 0) p.payee = _payees[payeeChoice - 1];
        if (_rand(seed, "arbiter") % 4 != 0) {
            p.arbiter = arbiter;
            // Short enough that warps reach it, so expired disputes get closed.
            p.disputeWindow = uint32(bound(_rand(seed, "window"), 1 days, 10 days));
            if (_rand(seed, "default") % 2 == 0) p.defaultPayeeBps = uint16(bound(_rand(seed, "bps"), 0, BPS));
        }
        uint256 set = _rand(seed, "set") % SET_COUNT;
        p.verifiers = _setVerifiers[set];
        p.threshold = _setThreshold[set];
        // Half the attestable escrows reference the set registered once instead of passing it.
        if (p.verifiers.length != 0 && _rand(seed, "by id") % 2 == 0) {
            p.verifierSetId = escrow.registerVerifierSet(p.verifiers, p.threshold);
            p.verifiers = new address[](0);
            p.threshold = 0;
        }
        p.deadline = uint40(currentTime + bound(_rand(seed, "deadline"), 1 hours, 7 days));
        p.metadataHash = keccak256(abi.encode(seed));
        // A quarter unfunded, a quarter partly funded, half fully funded.
        uint256 fundingChoice = _rand(seed, "funded?") % 4;
        uint256 funding = fundingChoice == 0 ? 0 : fundingChoice == 1 ? bound(_rand(seed, "funding"), 1, total) : total;

        _provide(p.token, payer, funding);
        _armHooks(_ids.length + 1, seed);
        if (paused) {
            vm.prank(payer);
            (bool ok, bytes memory ret) =
                address(escrow).call{value: p.token == ETH ? funding : 0}(abi.encodeCall(escrow.create, (p, funding)));
            _expectPausedRefusal(ok, ret);
            return _skip("create");
        }
        uint256 balanceBefore = _balanceOf(p.token, address(escrow));
        vm.prank(payer);
        uint256 id = escrow.create{value: p.token == ETH ? funding : 0}(p, funding);
        uint256 credited = _balanceOf(p.token, address(escrow)) - balanceBefore;

        _ids.push(id);
        Model storage m = _models[id];
        m.token = p.token;
        m.payer = payer;
        m.payee = p.payee;
        m.arbiter = p.arbiter;
        m.disputeWindow = p.disputeWindow;
        m.defaultPayeeBps = p.defaultPayeeBps;
        m.deadline = p.deadline;
        m.feeBps = defaultFeeBps;
        m.verifierSet = set;
        m.total = total;
        _amounts[id] = p.amounts;
        _states[id] = new uint8[](count);
        if (funding != 0) _modelFund(id, payer, credited);
        ++calls["create"];
    }

    function fund(uint256 escrowSeed, uint256 funderSeed, uint256 amountSeed) public action("fund") {
        (bool found, uint256 id) = _findEscrow(escrowSeed, _fundable);
        if (!found) return _skip("fund");
        Model storage m = _models[id];
        address funder = _funders[funderSeed % _funders.length];
        // Half the time exactly what remains, so escrows often become fully funded.
        uint256 remaining = m.total - m.funded;
        uint256 amount = amountSeed & 1 == 0 ? remaining : bound(amountSeed >> 1, 1, remaining);

        _provide(m.token, funder, amount);
        _armHooks(id, amountSeed);
        if (paused) {
            vm.prank(funder);
            (bool ok, bytes memory ret) =
                address(escrow).call{value: m.token == ETH ? amount : 0}(abi.encodeCall(escrow.fund, (id, amount)));
            _expectPausedRefusal(ok, ret);
            return _skip("fund");
        }
        uint256 balanceBefore = _balanceOf(m.token, address(escrow));
        vm.prank(funder);
        escrow.fund{value: m.token == ETH ? amount : 0}(id, amount);
        _modelFund(id, funder, _balanceOf(m.token, address(escrow)) - balanceBefore);
        ++calls["fund"];
    }

    // ==========================================================================================
    // Payer actions and attested releases
    // ==========================================================================================

    function assignPayee(uint256 escrowSeed, uint256 payeeSeed) public action("assignPayee") {
        (bool found, uint256 id) = _findEscrow(escrowSeed, _openBounty);
        if (!found) return _skip("assignPayee");
        Model storage m = _models[id];
        address payee = _payees[payeeSeed % _payees.length];
        vm.prank(m.payer);
        escrow.assignPayee(id, payee);
        m.payee = payee;
        ++calls["assignPayee"];
    }

    function release(uint256 escrowSeed, uint256 milestoneSeed) public action("release") {
        (bool found, uint256 id) = _findEscrow(escrowSeed, _payableByPayer);
        if (!found) return _skip("release");
        Model storage m = _models[id];
        (, uint256 i) = _findReleasable(id, milestoneSeed);
        _armHooks(id, milestoneSeed);
        vm.prank(m.payer);
        escrow.release(id, i);
        _modelPayMilestone(id, i);
        ++calls["release"];
    }

    function releaseWithIntent(uint256 escrowSeed, uint256 milestoneSeed, uint256 sigSeed)
        public
        action("releaseWithIntent")
    {
        (bool found, uint256 id) = _findEscrow(escrowSeed, _attestable);
        if (!found) return _skip("releaseWithIntent");
        Model storage m = _models[id];
        (, uint256 i) = _findReleasable(id, milestoneSeed);
        address payee = m.payee != address(0) ? m.payee : _payees[sigSeed % _payees.length];
        bytes32 intentId = keccak256(abi.encode("handler intent", ++_intentNonce));
        bytes memory data = _signedReleaseCall(id, i, payee, intentId, sigSeed);

        vm.prank(_relayers[sigSeed % _relayers.length]);
        (bool ok, bytes memory ret) = address(escrow).call(data);
        if (!ok) _bubble(ret); // never expected: fail_on_revert reports it

        _intentIds.push(intentId);
        _intentCalls[intentId] = data;
        _intentDeadlines[intentId] = currentTime + 1 hours;
        _intentTargets[intentId] = [id, i];
        ++ghost_intentSuccesses[intentId];
        if (m.payee == address(0)) m.payee = payee;
        _modelPayMilestone(id, i);
        ++calls["releaseWithIntent"];
    }

    /// @dev A relayer's batch: up to three releasable milestones of one escrow through
    /// `releaseWithIntents` (one verifier set). Each intent's single-call form is kept for replays.
    function releaseBatch(uint256 escrowSeed, uint256 milestoneSeed, uint256 sigSeed) public action("releaseBatch") {
        (bool found, uint256 id) = _findEscrow(escrowSeed, _attestable);
        if (!found) return _skip("releaseBatch");
        address payee = _models[id].payee != address(0) ? _models[id].payee : _payees[sigSeed % _payees.length];
        (
            IMilestoneEscrow.PayoutIntent[] memory batch,
            address[] memory verifiers,
            IMilestoneEscrow.VerifierSignature[][] memory sigs
        ) = _signedBatch(id, _pickReleasable(id, milestoneSeed, 3), payee, sigSeed);

        vm.prank(_relayers[sigSeed % _relayers.length]);
        escrow.releaseWithIntents(verifiers, batch, sigs);

        if (_models[id].payee == address(0)) _models[id].payee = payee;
        for (uint256 k; k < batch.length; ++k) {
            bytes32 intentId = batch[k].intentId;
            _intentIds.push(intentId);
            _intentCalls[intentId] = abi.encodeCall(escrow.releaseWithIntent, (batch[k], verifiers, sigs[k]));
            _intentDeadlines[intentId] = currentTime + 1 hours;
            _intentTargets[intentId] = [id, batch[k].milestone];
            ++ghost_intentSuccesses[intentId];
            _modelPayMilestone(id, batch[k].milestone);
        }
        ++calls["releaseBatch"];
    }

    /// @dev Up to `most` pending covered milestones of `id`, from a random start.
    function _pickReleasable(uint256 id, uint256 seed, uint256 most) internal view returns (uint256[] memory picked) {
        uint256 covered = _covered(id);
        uint256[] memory found = new uint256[](most);
        uint256 count;
        uint256 start = covered == 0 ? 0 : seed % covered;
        for (uint256 k; k < covered && count < most; ++k) {
            uint256 i = (start + k) % covered;
            if (_states[id][i] == PENDING) found[count++] = i;
        }
        picked = new uint256[](count);
        for (uint256 k; k < count; ++k) {
            picked[k] = found[k];
        }
    }

    /// @dev Attack: resubmits an accepted intent verbatim (same signatures). Its milestone left
    /// Pending when it paid, so the replay fails on the milestone's state (or on expiry first).
    function replayIntent(uint256 intentSeed, uint256 relayerSeed) public action("replayIntent") {
        if (_intentIds.length == 0) return _skip("replayIntent");
        bytes32 intentId = _intentIds[intentSeed % _intentIds.length];
        vm.prank(_relayers[relayerSeed % _relayers.length]);
        (bool ok, bytes memory ret) = address(escrow).call(_intentCalls[intentId]);
        if (ok) {
            ++ghost_intentSuccesses[intentId];
            ++ghost_closedMilestonePayouts;
        } else {
            uint256 deadline = _intentDeadlines[intentId];
            (uint256 id, uint256 i) = (_intentTargets[intentId][0], _intentTargets[intentId][1]);
            bytes memory expected = currentTime > deadline
                ? abi.encodeWithSelector(IMilestoneEscrow.EscrowIntentExpired.selector, intentId, deadline)
                : _notPending(id, i);
            _expectError(ret, expected);
            ++ghost_replaysRejected;
        }
        ++calls["replayIntent"];
    }

    /// @dev Attack: a valid, freshly signed intent for a milestone that has left Pending (released,
    /// disputed, resolved, refunded, cancelled), under a fresh id or under an id that already paid.
    /// The milestone is the replay guard: it pays nothing, whatever the id.
    function intentForClosedMilestone(uint256 intentSeed, uint256 escrowSeed, uint256 milestoneSeed, uint256 sigSeed)
        public
        action("intentForClosedMilestone")
    {
        (bool found, uint256 id) = _findEscrow(escrowSeed, _hasClosedMilestone);
        if (!found) return _skip("intentForClosedMilestone");
        Model storage m = _models[id];
        uint256 i = _findClosed(id, milestoneSeed);
        bytes32 intentId = _intentIds.length != 0 && intentSeed & 1 == 0
            ? _intentIds[(intentSeed >> 1) % _intentIds.length]
            : keccak256(abi.encode("handler intent", ++_intentNonce));
        address payee = m.payee != address(0) ? m.payee : _payees[sigSeed % _payees.length];
        bytes memory data = _signedReleaseCall(id, i, payee, intentId, sigSeed);

        (bool ok, bytes memory ret) = address(escrow).call(data);
        if (ok) {
            ++ghost_closedMilestonePayouts;
            ++ghost_payouts[id][i];
        } else {
            _expectError(ret, _notPending(id, i));
            ++ghost_replaysRejected;
        }
        ++calls["intentForClosedMilestone"];
    }

    function _notPending(uint256 id, uint256 i) internal view returns (bytes memory) {
        return abi.encodeWithSelector(
            IMilestoneEscrow.EscrowMilestoneNotPending.selector, id, i, IMilestoneEscrow.MilestoneState(_states[id][i])
        );
    }

    function _hasClosedMilestone(uint256 id) internal view returns (bool) {
        return _models[id].verifierSet != 0 && _findClosed(id, 0) != type(uint256).max;
    }

    function _findClosed(uint256 id, uint256 seed) internal view returns (uint256) {
        uint8[] storage states = _states[id];
        uint256 count = states.length;
        for (uint256 k; k < count; ++k) {
            uint256 i = (seed % count + k) % count;
            if (states[i] != PENDING) return i;
        }
        return type(uint256).max;
    }

    /// @notice The escrow and milestone an accepted intent paid.
    function intentTarget(bytes32 intentId) external view returns (uint256 escrowId, uint256 milestone) {
        return (_intentTargets[intentId][0], _intentTargets[intentId][1]);
    }

    /// @dev Attack: the payer releases a milestone that was already paid (released or resolved).
    function releaseAgain(uint256 escrowSeed, uint256 milestoneSeed) public action("releaseAgain") {
        (bool found, uint256 id) = _findEscrow(escrowSeed, _hasPaidMilestone);
        if (!found) return _skip("releaseAgain");
        uint8[] storage states = _states[id];
        uint256 count = states.length;
        uint256 start = milestoneSeed % count;
        for (uint256 k; k < count; ++k) {
            uint256 i = (start + k) % count;
            uint8 state = states[i];
            if (state != RELEASED && state != RESOLVED) continue;
            vm.prank(_models[id].payer);
            (bool ok, bytes memory ret) = address(escrow).call(abi.encodeCall(escrow.release, (id, i)));
            if (ok) {
                ++ghost_payouts[id][i];
            } else {
                _expectError(
                    ret, abi.encodeWithSelector(IMilestoneEscrow.EscrowMilestoneNotPending.selector, id, i, state)
                );
                ++ghost_doubleReleasesRejected;
            }
            ++calls["releaseAgain"];
            return;
        }
        _skip("releaseAgain");
    }

    // ==========================================================================================
    // Disputes
    // ==========================================================================================

    function dispute(uint256 escrowSeed, uint256 milestoneSeed, bool byPayee) public action("dispute") {
        (bool found, uint256 id) = _findEscrow(escrowSeed, _disputable);
        if (!found) return _skip("dispute");
        Model storage m = _models[id];
        (, uint256 i) = _findReleasable(id, milestoneSeed);
        vm.prank(byPayee ? m.payee : m.payer);
        escrow.dispute(id, i);
        _states[id][i] = DISPUTED;
        _disputeClosesAt[id][i] = currentTime + m.disputeWindow;
        ++calls["dispute"];
    }

    function resolve(uint256 escrowSeed, uint256 milestoneSeed, uint256 payeeBps) public action("resolve") {
        (bool found, uint256 id) = _findEscrow(escrowSeed, _hasDispute);
        if (!found) return _skip("resolve");
        (, uint256 i) = _findInState(id, milestoneSeed, DISPUTED);
        payeeBps = bound(payeeBps, 0, BPS);
        _armHooks(id, milestoneSeed);
        vm.prank(_models[id].arbiter);
        escrow.resolve(id, i, payeeBps);
        _modelResolve(id, i, payeeBps);
        ++calls["resolve"];
    }

    /// @dev Anyone closes a dispute whose window has passed: the escrow's default outcome applies.
    function closeExpiredDispute(uint256 escrowSeed, uint256 milestoneSeed, uint256 callerSeed)
        public
        action("closeExpiredDispute")
    {
        (bool found, uint256 id) = _findEscrow(escrowSeed, _hasExpiredDispute);
        if (!found) return _skip("closeExpiredDispute");
        uint256 i = _findExpiredDispute(id, milestoneSeed);
        _armHooks(id, milestoneSeed);
        vm.prank(_funders[callerSeed % _funders.length]);
        escrow.closeExpiredDispute(id, i);
        _modelResolve(id, i, _models[id].defaultPayeeBps);
        ++ghost_expiredDisputesClosed;
        ++calls["closeExpiredDispute"];
    }

    /// @dev Attack: closing a dispute before its window has passed must fail, naming when it closes.
    function closeDisputeEarly(uint256 escrowSeed, uint256 milestoneSeed) public action("closeDisputeEarly") {
        (bool found, uint256 id) = _findEscrow(escrowSeed, _hasDispute);
        if (!found) return _skip("closeDisputeEarly");
        (, uint256 i) = _findInState(id, milestoneSeed, DISPUTED);
        uint256 closesAt = _disputeClosesAt[id][i];
        if (currentTime >= closesAt) return _skip("closeDisputeEarly");
        (bool ok, bytes memory ret) = address(escrow).call(abi.encodeCall(escrow.closeExpiredDispute, (id, i)));
        if (ok) {
            ++ghost_payouts[id][i];
        } else {
            _expectError(
                ret, abi.encodeWithSelector(IMilestoneEscrow.EscrowDisputeWindowOpen.selector, id, i, closesAt)
            );
        }
        ++calls["closeDisputeEarly"];
    }

    function _modelResolve(uint256 id, uint256 i, uint256 payeeBps) internal {
        Model storage m = _models[id];
        uint256 amount = _amounts[id][i];
        uint256 toPayee = amount * payeeBps / BPS;
        uint256 fee = toPayee * m.feeBps / BPS;
        _states[id][i] = RESOLVED;
        _disputeClosesAt[id][i] = 0;
        ++ghost_payouts[id][i];
        m.paidOut += toPayee;
        m.refundPool += amount - toPayee;
        if (toPayee != fee) _modelPush(m.token, m.payee, toPayee - fee);
        if (fee != 0) _modelPush(m.token, treasury, fee);
    }

    // ==========================================================================================
    // Refunds, cancellation, withdrawals
    // ==========================================================================================

    function openRefunds(uint256 escrowSeed, uint256 callerSeed) public action("openRefunds") {
        (bool found, uint256 id) = _findEscrow(escrowSeed, _expiredAndOpen);
        if (!found) return _skip("openRefunds");
        Model storage m = _models[id];
        uint256 expected = refundableOnOpen(id);
        uint256 poolBefore = escrow.getEscrow(id).refundPool;

        vm.prank(_funders[callerSeed % _funders.length]); // anyone may open refunds
        escrow.openRefunds(id);

        if (escrow.getEscrow(id).refundPool - poolBefore != expected) ++ghost_openRefundsMismatches;
        uint8[] storage states = _states[id];
        for (uint256 i; i < states.length; ++i) {
            if (states[i] == PENDING) states[i] = REFUNDED;
        }
        m.refundsOpened = true;
        m.refundPool += expected;
        ++calls["openRefunds"];
    }

    function claimRefund(uint256 escrowSeed, uint256 funderSeed, uint256 callerSeed) public action("claimRefund") {
        (bool found, uint256 id) = _findEscrow(escrowSeed, _hasClaimableRefund);
        if (!found) return _skip("claimRefund");
        Model storage m = _models[id];
        address[] storage funders = _escrowFunders[id];
        address funder;
        uint256 owed;
        for (uint256 k; k < funders.length && owed == 0; ++k) {
            funder = funders[(funderSeed % funders.length + k) % funders.length];
            owed = owedRefund(id, funder);
        }

        _armHooks(id, funderSeed);
        vm.prank(_funders[callerSeed % _funders.length]); // anyone may trigger a funder's claim
        escrow.claimRefund(id, funder);
        _claims[id][funder] += owed;
        m.claimed += owed;
        _modelPush(m.token, funder, owed);
        ++calls["claimRefund"];
    }

    function cancel(uint256 escrowSeed) public action("cancel") {
        (bool found, uint256 id) = _findEscrow(escrowSeed, _cancellable);
        if (!found) return _skip("cancel");
        Model storage m = _models[id];
        uint8[] storage states = _states[id];
        _armHooks(id, escrowSeed);
        vm.prank(m.payer);
        escrow.cancel(id);
        for (uint256 i; i < states.length; ++i) {
            states[i] = REFUNDED;
        }
        m.cancelled = true;
        m.refundPool = m.funded - m.paidOut - m.claimed;
        ++calls["cancel"];
    }

    function withdraw(uint256 accountSeed, uint256 tokenSeed) public action("withdraw") {
        address account;
        address token;
        uint256 credit;
        uint256 n = _accounts.length * _tokens.length;
        for (uint256 k; k < n && credit == 0; ++k) {
            account = _accounts[(accountSeed % _accounts.length + k) % _accounts.length];
            token = _tokens[(tokenSeed % _tokens.length + k / _accounts.length) % _tokens.length];
            credit = _credits[token][account];
        }
        if (credit == 0) return _skip("withdraw");
        if (token == ETH && account == address(rejecter) && !rejecter.accepting()) {
            // Still refusing: the withdrawal must fail and leave the credit in place.
            vm.prank(account);
            (bool ok, bytes memory ret) = address(escrow).call(abi.encodeCall(escrow.withdraw, (token)));
            if (ok) {
                ++ghost_unexpectedErrors;
            } else {
                _expectError(
                    ret, abi.encodeWithSelector(IMilestoneEscrow.EscrowWithdrawFailed.selector, token, account, credit)
                );
            }
            ++ghost_withdrawalsRefused;
            return _skip("withdraw");
        }
        _armHooks(_ids.length == 0 ? 0 : _ids[accountSeed % _ids.length], tokenSeed);
        vm.prank(account);
        escrow.withdraw(token);
        _credits[token][account] = 0;
        ghost_out[token] += credit;
        ++calls["withdraw"];
    }

    function setRejecterAccepting(bool accepting) public action("setRejecterAccepting") {
        rejecter.setAccepting(accepting);
        ++calls["setRejecterAccepting"];
    }

    function warp(uint256 seconds_) public action("warp") {
        currentTime += bound(seconds_, 1 minutes, 5 days);
        vm.warp(currentTime);
        ++calls["warp"];
    }

    // ==========================================================================================
    // Administration
    // ==========================================================================================

    function setDefaultFee(uint256 feeBps) public action("setDefaultFee") {
        feeBps = bound(feeBps, 0, 1_000);
        vm.prank(admin);
        escrow.setDefaultFee(uint16(feeBps));
        defaultFeeBps = feeBps;
        ++calls["setDefaultFee"];
    }

    function setTreasury(bool toRejecter) public action("setTreasury") {
        address next = toRejecter ? address(rejecter) : treasuryEOA;
        vm.prank(admin);
        escrow.setTreasury(next);
        treasury = next;
        ++calls["setTreasury"];
    }

    /// @dev Pauses a quarter of the time, so new business is refused in stretches but not mostly.
    function setPaused(uint256 seed) public action("setPaused") {
        bool pause = seed % 4 == 0;
        if (pause == paused) return _skip("setPaused");
        vm.prank(guardian);
        if (pause) escrow.pause();
        else escrow.unpause();
        paused = pause;
        ++calls["setPaused"];
    }

    // ==========================================================================================
    // Views for the invariants
    // ==========================================================================================

    function escrowIds() external view returns (uint256[] memory) {
        return _ids;
    }

    function model(uint256 id) external view returns (Model memory) {
        return _models[id];
    }

    function modelStates(uint256 id) external view returns (uint8[] memory) {
        return _states[id];
    }

    function modelAmounts(uint256 id) external view returns (uint96[] memory) {
        return _amounts[id];
    }

    /// @notice The model's funders of `id` with their credited shares and claimed refunds.
    function fundersOf(uint256 id)
        external
        view
        returns (address[] memory funders, uint256[] memory shares, uint256[] memory claims)
    {
        funders = _escrowFunders[id];
        shares = new uint256[](funders.length);
        claims = new uint256[](funders.length);
        for (uint256 k; k < funders.length; ++k) {
            shares[k] = _shares[id][funders[k]];
            claims[k] = _claims[id][funders[k]];
        }
    }

    /// @notice How many times each milestone of `id` was paid out (attacks included).
    function payoutsOf(uint256 id) external view returns (uint256[] memory payouts) {
        payouts = new uint256[](_states[id].length);
        for (uint256 i; i < payouts.length; ++i) {
            payouts[i] = ghost_payouts[id][i];
        }
    }

    /// @notice The model's credit of every account (in `accounts()` order) in `token`.
    function modelCredits(address token) external view returns (uint256[] memory credits) {
        credits = new uint256[](_accounts.length);
        for (uint256 a; a < credits.length; ++a) {
            credits[a] = _credits[token][_accounts[a]];
        }
    }

    function tokens() external view returns (address[] memory) {
        return _tokens;
    }

    function accounts() external view returns (address[] memory) {
        return _accounts;
    }

    function intentIds() external view returns (bytes32[] memory) {
        return _intentIds;
    }

    /// @notice What `openRefunds` must add to the pool now: the funded part of every pending
    /// milestone (milestones are funded in order, so at most one is partly funded).
    function refundableOnOpen(uint256 id) public view returns (uint256 refundable) {
        uint96[] storage amounts = _amounts[id];
        uint8[] storage states = _states[id];
        uint256 funded = _models[id].funded;
        uint256 prefix;
        for (uint256 i; i < amounts.length; ++i) {
            uint256 fundedPart = funded <= prefix ? 0 : _min(funded - prefix, amounts[i]);
            prefix += amounts[i];
            if (states[i] == PENDING) refundable += fundedPart;
        }
    }

    /// @notice The model's pro-rata refund owed to `funder` now: the share rounded up, capped by
    /// what is left of the pool (so that all claims together take exactly the pool).
    function owedRefund(uint256 id, address funder) public view returns (uint256) {
        Model storage m = _models[id];
        if (m.funded == 0) return 0;
        uint256 entitled = _ceilDiv(m.refundPool * _shares[id][funder], m.funded);
        uint256 claimed = _claims[id][funder];
        if (entitled <= claimed) return 0;
        return _min(entitled - claimed, m.refundPool - m.claimed);
    }

    /// @notice Whether every milestone of `id` reached a final state (released, resolved, refunded).
    function isSettled(uint256 id) external view returns (bool) {
        uint8[] storage states = _states[id];
        for (uint256 i; i < states.length; ++i) {
            if (states[i] == PENDING || states[i] == DISPUTED) return false;
        }
        return true;
    }

    function callSummary() external view {
        console.log("-- EscrowHandler call summary (done / skipped) --");
        for (uint256 k; k < _actionNames.length; ++k) {
            string memory name = _actionNames[k];
            console.log(string.concat(name, ": ", vm.toString(calls[name]), " / ", vm.toString(skips[name])));
        }
        console.log(string.concat("escrows: ", vm.toString(_ids.length), ", intents: ", vm.toString(_intentIds.length)));
        console.log(
            string.concat(
                "replays rejected: ",
                vm.toString(ghost_replaysRejected),
                ", double releases rejected: ",
                vm.toString(ghost_doubleReleasesRejected),
                ", create/fund refused while paused: ",
                vm.toString(ghost_pausedRefusals),
                ", withdrawals refused by the recipient: ",
                vm.toString(ghost_withdrawalsRefused),
                ", expired disputes closed: ",
                vm.toString(ghost_expiredDisputesClosed),
                ", hook re-entries refused: ",
                vm.toString(hookAccount.reentriesRefused())
            )
        );
    }

    // ==========================================================================================
    // Internals
    // ==========================================================================================

    /// @dev forge-std's clamp without its per-call console log (keeps the call summary readable).
    function bound(uint256 x, uint256 min, uint256 max) internal pure override returns (uint256) {
        return _bound(x, min, max);
    }

    function _modelFund(uint256 id, address funder, uint256 credited) internal {
        Model storage m = _models[id];
        if (_shares[id][funder] == 0) _escrowFunders[id].push(funder);
        _shares[id][funder] += credited;
        m.funded += credited;
        ghost_in[m.token] += credited;
    }

    function _modelPayMilestone(uint256 id, uint256 i) internal {
        Model storage m = _models[id];
        uint256 amount = _amounts[id][i];
        uint256 fee = amount * m.feeBps / BPS;
        _states[id][i] = RELEASED;
        ++ghost_payouts[id][i];
        m.paidOut += amount;
        _modelPush(m.token, m.payee, amount - fee);
        if (fee != 0) _modelPush(m.token, treasury, fee);
    }

    /// @dev Only ETH to the rejecting receiver while it refuses fails; that becomes a credit.
    function _modelPush(address token, address to, uint256 amount) internal {
        if (token == ETH && to == address(rejecter) && !rejecter.accepting()) {
            _credits[token][to] += amount;
        } else {
            ghost_out[token] += amount;
        }
    }

    function _signedReleaseCall(uint256 id, uint256 i, address payee, bytes32 intentId, uint256 sigSeed)
        internal
        view
        returns (bytes memory)
    {
        (
            IMilestoneEscrow.PayoutIntent memory intent,
            address[] memory verifiers,
            IMilestoneEscrow.VerifierSignature[] memory sigs
        ) = _signedIntent(id, i, payee, intentId, sigSeed);
        return abi.encodeCall(escrow.releaseWithIntent, (intent, verifiers, sigs));
    }

    function _signedBatch(uint256 id, uint256[] memory picked, address payee, uint256 sigSeed)
        internal
        returns (
            IMilestoneEscrow.PayoutIntent[] memory batch,
            address[] memory verifiers,
            IMilestoneEscrow.VerifierSignature[][] memory sigs
        )
    {
        batch = new IMilestoneEscrow.PayoutIntent[](picked.length);
        sigs = new IMilestoneEscrow.VerifierSignature[][](picked.length);
        for (uint256 k; k < picked.length; ++k) {
            bytes32 intentId = keccak256(abi.encode("handler intent", ++_intentNonce));
            (batch[k], verifiers, sigs[k]) = _signedIntent(id, picked[k], payee, intentId, sigSeed >> k);
        }
    }

    /// @dev A valid intent for milestone `i` of escrow `id`, its verifier set and signatures.
    function _signedIntent(uint256 id, uint256 i, address payee, bytes32 intentId, uint256 sigSeed)
        internal
        view
        returns (
            IMilestoneEscrow.PayoutIntent memory intent,
            address[] memory verifiers,
            IMilestoneEscrow.VerifierSignature[] memory sigs
        )
    {
        Model storage m = _models[id];
        intent = IMilestoneEscrow.PayoutIntent({
            escrowId: id,
            milestone: i,
            payee: payee,
            amount: _amounts[id][i],
            token: m.token,
            intentId: intentId,
            deadline: currentTime + 1 hours,
            evidenceHash: keccak256(abi.encode("evidence", intentId))
        });
        bytes32 digest = escrow.hashIntent(intent);
        uint256 set = m.verifierSet;
        uint256[] storage keys = _setKeys[set];
        uint256 n = keys.length;
        // threshold signatures, sometimes one more (ignored by the escrow), ascending indexes.
        uint256 threshold = _setThreshold[set];
        uint256 want = threshold < n && sigSeed & 1 == 1 ? threshold + 1 : threshold;
        sigs = new IMilestoneEscrow.VerifierSignature[](want);
        uint256 picked;
        for (uint256 k; k < n && picked < want; ++k) {
            if (uint256(keccak256(abi.encode(sigSeed, k))) % (n - k) < want - picked) {
                (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[k], digest);
                sigs[picked++] = IMilestoneEscrow.VerifierSignature(uint8(k), abi.encodePacked(r, s, v));
            }
        }
        verifiers = _setVerifiers[set];
    }

    /// @dev The first escrow, from a random start, for which `ok` holds.
    function _findEscrow(uint256 seed, function(uint256) internal view returns (bool) ok)
        internal
        view
        returns (bool, uint256)
    {
        uint256 n = _ids.length;
        if (n == 0) return (false, 0);
        uint256 start = seed % n;
        for (uint256 k; k < n; ++k) {
            uint256 id = _ids[(start + k) % n];
            if (ok(id)) return (true, id);
        }
        return (false, 0);
    }

    function _isOpen(uint256 id) internal view returns (bool) {
        return !_models[id].cancelled && !_models[id].refundsOpened;
    }

    function _fundable(uint256 id) internal view returns (bool) {
        Model storage m = _models[id];
        // Funding closes once anything went back to the funders' pool (see MilestoneEscrow._fund).
        return _isOpen(id) && currentTime <= m.deadline && m.funded < m.total && m.refundPool == 0;
    }

    function _openBounty(uint256 id) internal view returns (bool) {
        return _isOpen(id) && _models[id].payee == address(0);
    }

    function _payableByPayer(uint256 id) internal view returns (bool found) {
        if (_models[id].payee == address(0)) return false;
        (found,) = _findReleasable(id, 0);
    }

    function _attestable(uint256 id) internal view returns (bool found) {
        if (_models[id].verifierSet == 0) return false;
        (found,) = _findReleasable(id, 0);
    }

    function _disputable(uint256 id) internal view returns (bool) {
        return _models[id].arbiter != address(0) && _payableByPayer(id);
    }

    function _hasDispute(uint256 id) internal view returns (bool found) {
        (found,) = _findInState(id, 0, DISPUTED);
    }

    function _hasExpiredDispute(uint256 id) internal view returns (bool) {
        return _findExpiredDispute(id, 0) != type(uint256).max;
    }

    function _findExpiredDispute(uint256 id, uint256 seed) internal view returns (uint256) {
        uint8[] storage states = _states[id];
        uint256 count = states.length;
        for (uint256 k; k < count; ++k) {
            uint256 i = (seed % count + k) % count;
            if (states[i] == DISPUTED && currentTime >= _disputeClosesAt[id][i]) return i;
        }
        return type(uint256).max;
    }

    function _hasPaidMilestone(uint256 id) internal view returns (bool) {
        (bool released,) = _findInState(id, 0, RELEASED);
        (bool resolved,) = _findInState(id, 0, RESOLVED);
        return released || resolved;
    }

    function _expiredAndOpen(uint256 id) internal view returns (bool) {
        return _isOpen(id) && currentTime > _models[id].deadline;
    }

    function _hasClaimableRefund(uint256 id) internal view returns (bool) {
        Model storage m = _models[id];
        if (_isOpen(id) && m.funded != m.total) return false;
        address[] storage funders = _escrowFunders[id];
        for (uint256 k; k < funders.length; ++k) {
            if (owedRefund(id, funders[k]) != 0) return true;
        }
        return false;
    }

    function _cancellable(uint256 id) internal view returns (bool) {
        if (!_openBounty(id)) return false;
        uint8[] storage states = _states[id];
        for (uint256 i; i < states.length; ++i) {
            if (states[i] != PENDING) return false;
        }
        return true;
    }

    /// @dev A funded, pending milestone, searching from a random start.
    function _findReleasable(uint256 id, uint256 seed) internal view returns (bool, uint256) {
        uint256 covered = _covered(id);
        if (covered == 0) return (false, 0);
        uint256 start = seed % covered;
        for (uint256 k; k < covered; ++k) {
            uint256 i = (start + k) % covered;
            if (_states[id][i] == PENDING) return (true, i);
        }
        return (false, 0);
    }

    function _findInState(uint256 id, uint256 seed, uint8 state) internal view returns (bool, uint256) {
        uint8[] storage states = _states[id];
        uint256 count = states.length;
        uint256 start = seed % count;
        for (uint256 k; k < count; ++k) {
            uint256 i = (start + k) % count;
            if (states[i] == state) return (true, i);
        }
        return (false, 0);
    }

    /// @dev Number of leading milestones the model's funding fully covers.
    function _covered(uint256 id) internal view returns (uint256 n) {
        uint96[] storage amounts = _amounts[id];
        uint256 funded = _models[id].funded;
        uint256 prefix;
        for (; n < amounts.length; ++n) {
            prefix += amounts[n];
            if (prefix > funded) break;
        }
    }

    function _provide(address token, address who, uint256 amount) internal {
        if (amount == 0) return;
        if (token == ETH) {
            vm.deal(who, who.balance + amount);
        } else {
            IMintable(token).mint(who, amount);
            vm.prank(who);
            IERC20(token).approve(address(escrow), amount);
        }
    }

    function _expectPausedRefusal(bool ok, bytes memory ret) internal {
        if (ok) ++ghost_unexpectedErrors;
        else _expectError(ret, abi.encodeWithSignature("EnforcedPause()"));
        ++ghost_pausedRefusals;
    }

    function _expectError(bytes memory actual, bytes memory expected) internal {
        if (keccak256(actual) != keccak256(expected)) ++ghost_unexpectedErrors;
    }

    function _bubble(bytes memory ret) internal pure {
        assembly ("memory-safe") {
            revert(add(ret, 32), mload(ret))
        }
    }

    function _skip(string memory name) internal {
        ++skips[name];
    }

    function _rand(uint256 seed, string memory salt) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed, salt)));
    }

    function _balanceOf(address token, address who) internal view returns (uint256) {
        return token == ETH ? who.balance : IERC20(token).balanceOf(who);
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }

    function _ceilDiv(uint256 a, uint256 b) internal pure returns (uint256) {
        return a == 0 ? 0 : (a - 1) / b + 1;
    }

    /// @dev Points the hook account's callbacks at escrow `id`: whichever of its transfers the next
    /// action makes (a payer's or funder's pull, a payee's or funder's push), its hooks try to
    /// re-enter with one of the escrow's state-changing calls. Every try must be refused.
    function _armHooks(uint256 id, uint256 seed) internal {
        address h = address(hookAccount);
        bytes[8] memory calls_ = [
            abi.encodeCall(escrow.cancel, (id)),
            abi.encodeCall(escrow.openRefunds, (id)),
            abi.encodeCall(escrow.claimRefund, (id, h)),
            abi.encodeCall(escrow.release, (id, 0)),
            abi.encodeCall(escrow.assignPayee, (id, h)),
            abi.encodeCall(escrow.dispute, (id, 0)),
            abi.encodeCall(escrow.closeExpiredDispute, (id, 0)),
            abi.encodeCall(escrow.withdraw, (_tokens[seed % _tokens.length]))
        ];
        uint256 r = uint256(keccak256(abi.encode(seed, "hooks")));
        hookAccount.arm(address(escrow), calls_[r % 8], calls_[(r >> 8) % 8]);
    }

    function _addAccounts(address[] memory list) internal {
        for (uint256 i; i < list.length; ++i) {
            _addAccount(list[i]);
        }
    }

    function _addAccount(address account) internal {
        if (_isAccount[account]) return;
        _isAccount[account] = true;
        _accounts.push(account);
    }

    function _defineSet(uint256 set, uint8 threshold, address[] memory verifiers, uint256[] memory keys) internal {
        _setVerifiers[set] = verifiers;
        _setKeys[set] = keys;
        _setThreshold[set] = threshold;
    }

    function _three(address a, address b, address c) internal pure returns (address[] memory list) {
        list = new address[](3);
        (list[0], list[1], list[2]) = (a, b, c);
    }

    function _threeKeys(uint256 a, uint256 b, uint256 c) internal pure returns (uint256[] memory list) {
        list = new uint256[](3);
        (list[0], list[1], list[2]) = (a, b, c);
    }
}
