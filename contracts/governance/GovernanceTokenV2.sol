// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {GovernanceToken} from "./GovernanceToken.sol";
import {IStakeLocks} from "../staking/IStakeLocks.sol";

/// @title GovernanceTokenV2
/// @notice GovernanceToken plus stake locks: the staking pool and the verifier-bond registry lock
/// part of a holder's balance instead of taking custody of it. Locked tokens never leave the
/// holder's balance, so its ERC-5805 votes (and its delegate's) are exactly what they were before
/// staking, nothing is counted twice, and a transfer that would spend locked tokens reverts with
/// {GovernanceTokenTransferExceedsUnlocked}. See docs/staking.md for why this design.
/// @dev Upgrade of GovernanceToken through UUPS (`upgradeToAndCall(v2, initializeV2(...))` by the
/// upgrader role). V1's storage is untouched; everything V2 adds lives in its own ERC-7201
/// namespace `quiltkit.storage.GovernanceTokenLocks`. Each locker has its own 128-bit half of one
/// slot per holder and can only lower its own half, so the bond registry cannot release stake
/// and the pool cannot release bonds. The lockers are immutables of this implementation (no
/// storage read per lock): moving a lock to another contract takes another upgrade, so no role
/// can re-point a locker and free bonded tokens before a slash.
/// @custom:oz-upgrades-from GovernanceToken
contract GovernanceTokenV2 is GovernanceToken, IStakeLocks {
    struct Locks {
        uint128 staked;
        uint128 bonded;
    }

    /// @custom:storage-location erc7201:quiltkit.storage.GovernanceTokenLocks
    struct LockStorage {
        mapping(address holder => Locks) locks;
    }

    // keccak256(abi.encode(uint256(keccak256("quiltkit.storage.GovernanceTokenLocks")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant LOCK_STORAGE_LOCATION = 0x6e2ea27d42c31b9e46a0ced7153d1badc2188eb3d11a9dcf50400c92163d5000;

    /// @notice The caller is neither the staking locker nor the bond locker.
    error GovernanceTokenNotLocker(address caller);
    /// @notice A lock of `amount` asked for more than `holder`'s `unlocked` balance.
    error GovernanceTokenLockExceedsUnlocked(address holder, uint256 amount, uint256 unlocked);
    /// @notice An unlock or seizure of `amount` exceeds the caller's lock `locked` on `holder`.
    error GovernanceTokenUnlockExceedsLocked(address holder, uint256 amount, uint256 locked);
    /// @notice A transfer of `value` from `holder` would spend locked tokens (`unlocked` is free).
    error GovernanceTokenTransferExceedsUnlocked(address holder, uint256 value, uint256 unlocked);
    /// @notice The two lockers must be distinct non-zero contracts.
    error GovernanceTokenInvalidLockers(address stakingLocker, address bondLocker);

    /// @notice The token now runs with these lockers (emitted by the V2 upgrade).
    event LockersSet(address indexed stakingLocker, address indexed bondLocker);
    /// @notice `locker` locked `amount` more of `holder`'s balance.
    event TokensLocked(address indexed locker, address indexed holder, uint256 amount);
    /// @notice `locker` released `amount` of its lock on `holder`.
    event TokensUnlocked(address indexed locker, address indexed holder, uint256 amount);
    /// @notice `locker` released `amount` of its lock on `holder` and moved it to `to`.
    event TokensSeized(address indexed locker, address indexed holder, address indexed to, uint256 amount);

    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    address private immutable STAKING_LOCKER;
    /// @custom:oz-upgrades-unsafe-allow state-variable-immutable
    address private immutable BOND_LOCKER;

    /// @param stakingLocker The staking pool. @param bondLocker The verifier-bond registry.
    /// @dev Both distinct contracts (deployed before this implementation, over the proxy).
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor(address stakingLocker, address bondLocker) {
        if (
            stakingLocker == address(0) || bondLocker == address(0) || stakingLocker == bondLocker
                || stakingLocker.code.length == 0 || bondLocker.code.length == 0
        ) revert GovernanceTokenInvalidLockers(stakingLocker, bondLocker);
        STAKING_LOCKER = stakingLocker;
        BOND_LOCKER = bondLocker;
        _disableInitializers();
    }

    /// @notice The V2 upgrade's call: runs once (reinitializer 2).
    /// @dev Requirements: UPGRADER_ROLE (the caller of `upgradeToAndCall`). Emits {LockersSet}.
    function initializeV2() external reinitializer(2) onlyRole(UPGRADER_ROLE) {
        emit LockersSet(STAKING_LOCKER, BOND_LOCKER);
    }

    /// @inheritdoc IStakeLocks
    /// @dev Requirements: a locker; `amount` within the unlocked balance. Emits {TokensLocked}.
    function lock(address holder, uint256 amount) external {
        (LockStorage storage $, bool staking) = _locker();
        Locks memory l = $.locks[holder];
        uint256 unlocked = balanceOf(holder) - l.staked - l.bonded;
        if (amount > unlocked) revert GovernanceTokenLockExceedsUnlocked(holder, amount, unlocked);
        // Cannot overflow: each half stays at most the balance, itself below MAX_CAP < 2**96.
        if (staking) l.staked += uint128(amount);
        else l.bonded += uint128(amount);
        $.locks[holder] = l;
        emit TokensLocked(msg.sender, holder, amount);
    }

    /// @inheritdoc IStakeLocks
    /// @dev Requirements: a locker; `amount` within its lock. Works while paused (exits never
    /// stop). Emits {TokensUnlocked}.
    function unlock(address holder, uint256 amount) external {
        _release(holder, amount);
        emit TokensUnlocked(msg.sender, holder, amount);
    }

    /// @inheritdoc IStakeLocks
    /// @dev Requirements: a locker; `amount` within its lock; not paused. Emits {TokensSeized} and
    /// {Transfer}; the votes move with the tokens.
    function seize(address holder, uint256 amount, address to) external {
        _release(holder, amount);
        emit TokensSeized(msg.sender, holder, to, amount);
        _transfer(holder, to, amount);
    }

    /// @inheritdoc IStakeLocks
    function locksOf(address holder) external view returns (uint256 staked, uint256 bonded) {
        Locks memory l = _lockStore().locks[holder];
        return (l.staked, l.bonded);
    }

    /// @inheritdoc IStakeLocks
    function unlockedBalanceOf(address holder) external view returns (uint256) {
        Locks memory l = _lockStore().locks[holder];
        return balanceOf(holder) - l.staked - l.bonded;
    }

    /// @notice The staking pool and the bond registry.
    function lockers() external view returns (address stakingLocker, address bondLocker) {
        return (STAKING_LOCKER, BOND_LOCKER);
    }

    /// @dev V1's balance hook, after refusing to spend locked tokens (one slot read per transfer).
    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0)) {
            Locks memory l = _lockStore().locks[from];
            uint256 locked = uint256(l.staked) + l.bonded;
            if (locked != 0) {
                uint256 balance = balanceOf(from);
                uint256 unlocked = balance > locked ? balance - locked : 0;
                if (value > unlocked) revert GovernanceTokenTransferExceedsUnlocked(from, value, unlocked);
            }
        }
        super._update(from, to, value);
    }

    function _release(address holder, uint256 amount) private {
        (LockStorage storage $, bool staking) = _locker();
        Locks memory l = $.locks[holder];
        uint256 locked = staking ? l.staked : l.bonded;
        if (amount > locked) revert GovernanceTokenUnlockExceedsLocked(holder, amount, locked);
        // Cannot underflow: checked against the lock just above.
        unchecked {
            if (staking) l.staked -= uint128(amount);
            else l.bonded -= uint128(amount);
        }
        $.locks[holder] = l;
    }

    function _locker() private view returns (LockStorage storage $, bool staking) {
        $ = _lockStore();
        if (msg.sender == STAKING_LOCKER) return ($, true);
        if (msg.sender != BOND_LOCKER) revert GovernanceTokenNotLocker(msg.sender);
        return ($, false);
    }

    function _lockStore() private pure returns (LockStorage storage $) {
        assembly {
            $.slot := LOCK_STORAGE_LOCATION
        }
    }
}
