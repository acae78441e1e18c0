// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IStakeLocks} from "./IStakeLocks.sol";

/// @title QuiltkitStaking
/// @notice Stake the governance token without losing its votes, and earn rewards streamed in
/// several tokens. Staking locks tokens inside the token (GovernanceTokenV2): they stay in the
/// holder's balance and keep voting, but cannot move until unstaked.
/// @dev Rewards use one reward-per-token accumulator per reward token (the Synthetix algorithm),
/// with the rate kept at 1e18 fixed point so a 6-decimal stablecoin streams without losing the
/// division remainder. Every action is O(1) in the number of stakers and O(reward tokens) at most
/// (`MAX_REWARD_TOKENS`). Per reward token `committed` is an upper bound of what stakers can still
/// claim (accrued and yet to stream): anything the pool holds above it (emission while nobody was
/// staked, tokens sent to the pool, e.g. routed protocol fees) is `unallocated`, streamed by the
/// next `notifyRewardAmount` before anything is pulled, or withdrawn by the distributor with
/// `recoverUnallocated`. Rounding is down everywhere, so the claims never exceed what was notified.
///
/// Roles: DISTRIBUTOR_ROLE (the Timelock) notifies rewards and recovers unallocated tokens;
/// PAUSER_ROLE pauses new stakes (unstaking, withdrawing and claiming never stop);
/// DEFAULT_ADMIN_ROLE (the Timelock) sets the unstaking cooldown. No role can touch stakes: the
/// pool never holds them.
contract QuiltkitStaking is AccessControl, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice May stream rewards and recover unallocated reward tokens.
    bytes32 public constant DISTRIBUTOR_ROLE = keccak256("DISTRIBUTOR_ROLE");
    /// @notice May pause and unpause new stakes.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Most reward tokens one pool streams (bounds every action's loop).
    uint256 public constant MAX_REWARD_TOKENS = 8;
    /// @notice Longest reward period.
    uint256 public constant MAX_DURATION = 365 days;
    /// @notice Longest unstaking cooldown.
    uint256 public constant MAX_COOLDOWN = 60 days;
    /// @dev Fixed point of the stream rates (units per second).
    uint256 private constant PRECISION = 1e18;
    /// @dev Fixed point of the accumulators (units per staked unit): 1e30 keeps a 6-decimal
    /// reward over an 18-decimal stake exact to far below one unit per accrual.
    uint256 private constant ACC_PRECISION = 1e30;
    uint256 private constant ACC_PER_RATE = ACC_PRECISION / PRECISION;

    /// @dev One slot, written when the accumulator moves.
    struct Accumulator {
        uint208 rewardPerToken; // ACC_PRECISION fixed point, per staked unit
        uint48 lastUpdate;
    }

    /// @dev One slot, written by notifyRewardAmount only.
    struct Stream {
        uint192 rate; // reward units per second, PRECISION fixed point
        uint48 periodFinish;
        bool listed;
    }

    /// @dev A user's position in one reward token.
    struct UserReward {
        uint208 paid; // the accumulator at the user's last settlement
        uint48 unused;
    }

    struct PendingUnstake {
        uint128 amount;
        uint48 readyAt;
    }

    /// @notice The staked token (GovernanceTokenV2 behind its proxy).
    IStakeLocks public immutable stakingToken;

    /// @dev One slot read by every stake and unstake: the total, the cooldown, the token count.
    struct PoolState {
        uint128 totalStaked;
        uint48 cooldown;
        uint8 rewardCount;
    }

    PoolState private _state;
    mapping(uint256 index => address) private _rewardTokens;
    mapping(address account => uint256) private _stakes;
    mapping(address account => PendingUnstake) private _pending;
    mapping(address token => Accumulator) private _accumulators;
    mapping(address token => Stream) private _streams;
    mapping(address token => uint256) private _committed;
    mapping(address token => mapping(address account => UserReward)) private _userPaid;
    mapping(address token => mapping(address account => uint256)) private _userRewards;

    /// @notice A zero amount was given.
    error StakingZeroAmount();
    /// @notice The zero address was given where an account or token is required.
    error StakingZeroAddress();
    /// @notice `account` tried to unstake `amount` but has `staked`.
    error StakingInsufficientStake(address account, uint256 amount, uint256 staked);
    /// @notice `account` has nothing waiting out a cooldown.
    error StakingNothingPending(address account);
    /// @notice `account`'s pending unstake is ready at `readyAt`; it is `now`.
    error StakingCooldownActive(address account, uint256 readyAt, uint256 now);
    /// @notice A reward duration outside 1 second .. `MAX_DURATION`.
    error StakingInvalidDuration(uint256 duration, uint256 max);
    /// @notice A cooldown above `MAX_COOLDOWN`.
    error StakingInvalidCooldown(uint256 cooldown, uint256 max);
    /// @notice A new reward token beyond `MAX_REWARD_TOKENS`.
    error StakingTooManyRewardTokens(uint256 max);
    /// @notice `token` is not one of this pool's reward tokens.
    error StakingUnknownRewardToken(address token);
    /// @notice The pool received `received` of `token` where `expected` was due (fee-on-transfer).
    error StakingRewardShortfall(address token, uint256 expected, uint256 received);
    /// @notice The stream's rate would exceed its 192-bit slot.
    error StakingRewardTooLarge(address token, uint256 amount);

    /// @notice `account` staked `amount`; it now has `stake` staked.
    event Staked(address indexed account, uint256 amount, uint256 stake);
    /// @notice `account` unstaked `amount` (it stopped earning); it is free at `readyAt`.
    event UnstakeQueued(address indexed account, uint256 amount, uint256 readyAt);
    /// @notice `amount` of `account`'s tokens were unlocked (transferable again).
    event Unstaked(address indexed account, uint256 amount);
    /// @notice `account` received `amount` of reward `token`.
    event RewardPaid(address indexed account, address indexed token, uint256 amount);
    /// @notice `token` became a reward token of this pool.
    event RewardTokenAdded(address indexed token);
    /// @notice `amount` of `token` (plus the rest of the running period) now streams at `rate`
    /// (PRECISION fixed point per second) until `periodFinish`.
    event RewardNotified(address indexed token, uint256 amount, uint256 duration, uint256 rate, uint256 periodFinish);
    /// @notice `amount` of unallocated `token` went to `to`.
    event UnallocatedRecovered(address indexed token, address indexed to, uint256 amount);
    /// @notice The unstaking cooldown changed (0: unstaking is immediate).
    event CooldownUpdated(uint256 previous, uint256 current);

    /// @param token The governance token (V2, whose staking locker is this pool).
    /// @param admin DEFAULT_ADMIN_ROLE and PAUSER_ROLE (the Timelock in a full deployment).
    /// @param distributor DISTRIBUTOR_ROLE (the Timelock in a full deployment).
    /// @param cooldown_ Unstaking cooldown in seconds (0: immediate).
    constructor(IStakeLocks token, address admin, address distributor, uint48 cooldown_) {
        if (address(token) == address(0) || admin == address(0) || distributor == address(0)) {
            revert StakingZeroAddress();
        }
        stakingToken = token;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        _grantRole(DISTRIBUTOR_ROLE, distributor);
        _setCooldown(cooldown_);
    }

    // ------------------------------------------------------------------------------------------
    // staking
    // ------------------------------------------------------------------------------------------

    /// @notice Stakes `amount` of the caller's governance tokens: they stay in its balance (and
    /// keep its votes) but are locked until unstaked.
    /// @dev Requirements: not paused; `amount` > 0 and within the caller's unlocked balance.
    /// Emits {Staked} (and the token's {TokensLocked}).
    function stake(uint256 amount) external whenNotPaused nonReentrant {
        if (amount == 0) revert StakingZeroAmount();
        uint256 staked = _stakes[msg.sender];
        _settleAll(msg.sender, staked);
        staked += amount;
        _stakes[msg.sender] = staked;
        // Checked: the staked token's supply cap (below 2**96) bounds the total.
        _state.totalStaked += uint128(amount);
        emit Staked(msg.sender, amount, staked);
        stakingToken.lock(msg.sender, amount);
    }

    /// @notice Unstakes `amount`: it stops earning now and is unlocked now (no cooldown) or by
    /// {withdraw} once the cooldown has passed.
    /// @dev Requirements: `amount` > 0 and within the caller's stake. Works while paused. Emits
    /// {Unstaked} or {UnstakeQueued}. A new unstake during a cooldown restarts it for the sum.
    function unstake(uint256 amount) external nonReentrant {
        if (amount == 0) revert StakingZeroAmount();
        uint256 staked = _stakes[msg.sender];
        if (amount > staked) revert StakingInsufficientStake(msg.sender, amount, staked);
        _settleAll(msg.sender, staked);
        PoolState memory st = _state;
        // Cannot underflow: checked above; the total is the sum of the stakes.
        unchecked {
            _stakes[msg.sender] = staked - amount;
            st.totalStaked -= uint128(amount);
        }
        _state = st;
        uint48 cooldown_ = st.cooldown;
        if (cooldown_ == 0) {
            emit Unstaked(msg.sender, amount);
            stakingToken.unlock(msg.sender, amount);
            return;
        }
        PendingUnstake storage p = _pending[msg.sender];
        uint48 readyAt = uint48(block.timestamp) + cooldown_;
        p.amount += uint128(amount);
        p.readyAt = readyAt;
        emit UnstakeQueued(msg.sender, amount, readyAt);
    }

    /// @notice Unlocks the caller's unstaked tokens once their cooldown has passed.
    /// @dev Requirements: something pending and ready. Works while paused. Emits {Unstaked}.
    function withdraw() external nonReentrant {
        PendingUnstake memory p = _pending[msg.sender];
        if (p.amount == 0) revert StakingNothingPending(msg.sender);
        if (block.timestamp < p.readyAt) revert StakingCooldownActive(msg.sender, p.readyAt, block.timestamp);
        delete _pending[msg.sender];
        emit Unstaked(msg.sender, p.amount);
        stakingToken.unlock(msg.sender, p.amount);
    }

    // ------------------------------------------------------------------------------------------
    // rewards
    // ------------------------------------------------------------------------------------------

    /// @notice Pays the caller everything it has earned in reward `token`.
    /// @dev Requirements: a reward token of this pool. Works while paused. Emits {RewardPaid} when
    /// something is due.
    /// @return paid What was paid.
    function claim(address token) external nonReentrant returns (uint256 paid) {
        if (!_streams[token].listed) revert StakingUnknownRewardToken(token);
        return _claim(token, msg.sender, _stakes[msg.sender]);
    }

    /// @notice Pays the caller everything it has earned in every reward token.
    /// @dev Works while paused. Emits one {RewardPaid} per token with something due.
    /// @return paid What was paid, in the order of {rewardTokens}.
    function claimAll() external nonReentrant returns (uint256[] memory paid) {
        uint256 staked = _stakes[msg.sender];
        uint256 n = _state.rewardCount;
        paid = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            paid[i] = _claim(_rewardTokens[i], msg.sender, staked);
        }
    }

    /// @notice Streams `amount` of `token` over `duration` seconds from now; the rest of a running
    /// period rolls into the new one. The pool's unallocated balance of `token` is used first;
    /// only the shortfall is pulled from the caller (who must have approved it).
    /// @dev Requirements: DISTRIBUTOR_ROLE; `token` non-zero; `amount` > 0; 1 <= duration <=
    /// MAX_DURATION; at most MAX_REWARD_TOKENS distinct tokens; the full shortfall arrives.
    /// Emits {RewardTokenAdded} for a new token and {RewardNotified}.
    function notifyRewardAmount(address token, uint256 amount, uint256 duration)
        external
        onlyRole(DISTRIBUTOR_ROLE)
        nonReentrant
    {
        if (token == address(0)) revert StakingZeroAddress();
        if (amount == 0) revert StakingZeroAmount();
        if (duration == 0 || duration > MAX_DURATION) revert StakingInvalidDuration(duration, MAX_DURATION);
        Stream memory s = _streams[token];
        if (!s.listed) {
            uint8 count = _state.rewardCount;
            if (count == MAX_REWARD_TOKENS) revert StakingTooManyRewardTokens(MAX_REWARD_TOKENS);
            _rewardTokens[count] = token;
            _state.rewardCount = count + 1;
            s.listed = true;
            emit RewardTokenAdded(token);
        } else {
            _accrue(token, s);
        }
        uint256 remainder = block.timestamp < s.periodFinish ? (s.periodFinish - block.timestamp) * s.rate : 0;
        uint256 rate = (amount * PRECISION + remainder) / duration;
        if (rate > type(uint192).max) revert StakingRewardTooLarge(token, amount);
        uint256 periodFinish = block.timestamp + duration;
        _streams[token] = Stream(uint192(rate), uint48(periodFinish), true);
        _accumulators[token].lastUpdate = uint48(block.timestamp);

        uint256 committedBefore = _committed[token];
        _committed[token] = committedBefore + amount;
        emit RewardNotified(token, amount, duration, rate, periodFinish);

        uint256 balance = IERC20(token).balanceOf(address(this));
        uint256 unallocated = balance - committedBefore;
        if (unallocated < amount) {
            uint256 shortfall = amount - unallocated;
            IERC20(token).safeTransferFrom(msg.sender, address(this), shortfall);
            uint256 received = IERC20(token).balanceOf(address(this)) - balance;
            if (received < shortfall) revert StakingRewardShortfall(token, shortfall, received);
        }
    }

    /// @notice Sends the pool's unallocated `token` (above what stakers can still claim) to `to`.
    /// @dev Requirements: DISTRIBUTOR_ROLE; `to` non-zero. Emits {UnallocatedRecovered}.
    /// @return amount What was sent.
    function recoverUnallocated(address token, address to) external onlyRole(DISTRIBUTOR_ROLE) nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert StakingZeroAddress();
        Stream memory s = _streams[token];
        if (s.listed) _accrue(token, s);
        amount = IERC20(token).balanceOf(address(this)) - _committed[token];
        emit UnallocatedRecovered(token, to, amount);
        if (amount != 0) IERC20(token).safeTransfer(to, amount);
    }

    // ------------------------------------------------------------------------------------------
    // administration
    // ------------------------------------------------------------------------------------------

    /// @notice Stops new stakes (unstake, withdraw and claims keep working).
    /// @dev Requirements: PAUSER_ROLE. Emits {Paused}.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Resumes new stakes. Requirements: PAUSER_ROLE. Emits {Unpaused}.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /// @notice Sets the unstaking cooldown (0: immediate); pending unstakes keep their time.
    /// @dev Requirements: DEFAULT_ADMIN_ROLE; at most MAX_COOLDOWN. Emits {CooldownUpdated}.
    function setCooldown(uint48 cooldown_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setCooldown(cooldown_);
    }

    // ------------------------------------------------------------------------------------------
    // views
    // ------------------------------------------------------------------------------------------

    /// @notice Total staked (earning) amount.
    function totalStaked() external view returns (uint256) {
        return _state.totalStaked;
    }

    /// @notice `account`'s staked (earning) amount.
    function stakeOf(address account) external view returns (uint256) {
        return _stakes[account];
    }

    /// @notice `account`'s unstaked amount waiting out the cooldown, and when it is free.
    function pendingUnstake(address account) external view returns (uint256 amount, uint256 readyAt) {
        PendingUnstake memory p = _pending[account];
        return (p.amount, p.readyAt);
    }

    /// @notice The unstaking cooldown in seconds.
    function cooldown() external view returns (uint256) {
        return _state.cooldown;
    }

    /// @notice The reward tokens, in the order they were first notified.
    function rewardTokens() external view returns (address[] memory tokens) {
        uint256 n = _state.rewardCount;
        tokens = new address[](n);
        for (uint256 i; i < n; ++i) {
            tokens[i] = _rewardTokens[i];
        }
    }

    /// @notice `token`'s stream: rate (PRECISION fixed point per second), end, last accrual, and
    /// the accumulator as of its last accrual.
    function rewardData(address token)
        external
        view
        returns (uint256 rate, uint256 periodFinish, uint256 lastUpdate, uint256 rewardPerTokenStored)
    {
        Stream memory s = _streams[token];
        Accumulator memory a = _accumulators[token];
        return (s.rate, s.periodFinish, a.lastUpdate, a.rewardPerToken);
    }

    /// @notice `token`'s accumulator now (1e30 fixed point per staked unit).
    function rewardPerToken(address token) public view returns (uint256) {
        Accumulator memory a = _accumulators[token];
        Stream memory s = _streams[token];
        uint256 until = block.timestamp < s.periodFinish ? block.timestamp : s.periodFinish;
        uint256 total = _state.totalStaked;
        if (until <= a.lastUpdate || total == 0) return a.rewardPerToken;
        return a.rewardPerToken + Math.mulDiv((until - a.lastUpdate) * s.rate, ACC_PER_RATE, total);
    }

    /// @notice What `account` can claim of `token` now.
    function earned(address account, address token) public view returns (uint256) {
        return _userRewards[token][account]
            + Math.mulDiv(_stakes[account], rewardPerToken(token) - _userPaid[token][account].paid, ACC_PRECISION);
    }

    /// @notice `account`'s last settlement in `token`: the accumulator then (`paid`) and what it
    /// had earned by then (`stored`); with {rewardData} a client computes {earned} itself.
    function userReward(address account, address token) external view returns (uint256 paid, uint256 stored) {
        return (_userPaid[token][account].paid, _userRewards[token][account]);
    }

    /// @notice Upper bound of what stakers can still claim of `token` (accrued and yet to stream).
    function committed(address token) external view returns (uint256) {
        Stream memory s = _streams[token];
        uint256 c = _committed[token];
        if (_state.totalStaked != 0 || !s.listed) return c;
        Accumulator memory a = _accumulators[token];
        uint256 until = block.timestamp < s.periodFinish ? block.timestamp : s.periodFinish;
        return until > a.lastUpdate ? c - (until - a.lastUpdate) * s.rate / PRECISION : c;
    }

    // ------------------------------------------------------------------------------------------
    // internals
    // ------------------------------------------------------------------------------------------

    function _settleAll(address account, uint256 staked) private {
        uint256 n = _state.rewardCount;
        for (uint256 i; i < n; ++i) {
            _settle(_rewardTokens[i], account, staked);
        }
    }

    /// @dev Brings `token`'s accumulator to now and credits `account` (holding `staked`) with
    /// what it earned since its last settlement. Writes only the slots that change.
    function _settle(address token, address account, uint256 staked) private {
        uint256 rpt = _accrue(token, _streams[token]);
        UserReward storage u = _userPaid[token][account];
        uint256 paid = u.paid;
        if (paid == rpt) return;
        if (staked != 0) {
            uint256 delta = Math.mulDiv(staked, rpt - paid, ACC_PRECISION);
            if (delta != 0) _userRewards[token][account] += delta;
        }
        u.paid = uint208(rpt); // cannot truncate: rpt came from a uint208 slot
    }

    /// @dev Moves `token`'s accumulator to min(now, periodFinish). With nobody staked the
    /// emission is nobody's: it leaves `committed` (becomes unallocated).
    function _accrue(address token, Stream memory s) private returns (uint256) {
        Accumulator memory a = _accumulators[token];
        uint256 until = block.timestamp < s.periodFinish ? block.timestamp : s.periodFinish;
        if (until <= a.lastUpdate) return a.rewardPerToken;
        uint256 elapsed = until - a.lastUpdate;
        uint256 total = _state.totalStaked;
        uint256 rpt = a.rewardPerToken;
        if (total == 0) {
            _committed[token] -= elapsed * s.rate / PRECISION;
        } else {
            rpt += Math.mulDiv(elapsed * s.rate, ACC_PER_RATE, total);
        }
        // Checked: 208 bits hold the accumulator of any realistic history; a revert beats a wrap.
        _accumulators[token] = Accumulator(SafeCast.toUint208(rpt), uint48(until));
        return rpt;
    }

    /// @dev {_settle} then pays everything owed, without parking the new earnings in
    /// `_userRewards` first: writing that slot from zero and clearing it in the same transaction
    /// costs 20,000 gas whose refund is capped at a fifth of the transaction (a claim of several
    /// tokens lost most of it).
    function _claim(address token, address account, uint256 staked) private returns (uint256 amount) {
        uint256 rpt = _accrue(token, _streams[token]);
        UserReward storage u = _userPaid[token][account];
        uint256 paid = u.paid;
        if (paid != rpt) {
            if (staked != 0) amount = Math.mulDiv(staked, rpt - paid, ACC_PRECISION);
            u.paid = uint208(rpt); // cannot truncate: rpt came from a uint208 slot
        }
        uint256 stored = _userRewards[token][account];
        if (stored != 0) {
            _userRewards[token][account] = 0;
            amount += stored;
        }
        if (amount == 0) return 0;
        _committed[token] -= amount;
        emit RewardPaid(account, token, amount);
        IERC20(token).safeTransfer(account, amount);
    }

    function _setCooldown(uint48 cooldown_) private {
        if (cooldown_ > MAX_COOLDOWN) revert StakingInvalidCooldown(cooldown_, MAX_COOLDOWN);
        emit CooldownUpdated(_state.cooldown, cooldown_);
        _state.cooldown = cooldown_;
    }
}
