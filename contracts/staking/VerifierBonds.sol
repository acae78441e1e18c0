// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IStakeLocks} from "./IStakeLocks.sol";
import {IVerifierBonds, IVerifierSuspensions} from "./IVerifierBonds.sol";

/// @title VerifierBonds
/// @notice Verifiers bond governance tokens to serve in verifier sets; the DAO (the Timelock) can
/// slash a bond for a false attestation. A bond is a lock inside the token (GovernanceTokenV2),
/// like a stake: the bonded tokens stay in the verifier's balance and keep their votes.
/// @dev A set (any bytes32 id: an escrow's verifier-set hash, a badge type, a funding round) may
/// require a minimum active bond per member; a member below it stops counting
/// ({requireBonded} refuses its signature with {VerifierBondsBelowMinimum}). Unbonding takes
/// `unbondDelay` (default 7 days): the amount stops counting at once but stays slashable until
/// the delay ends, and is never slashable after it. Bonds do not earn the staking pool's rewards:
/// a bond is collateral the DAO may take, and keeping it out of the pool keeps a slash from ever
/// touching the pool's reward accounting (a verifier who wants rewards stakes separately).
/// Roles: SLASHER_ROLE and DEFAULT_ADMIN_ROLE (minimums, the delay) are the Timelock.
contract VerifierBonds is IVerifierBonds, AccessControl, ReentrancyGuardTransient {
    /// @notice May slash bonds (the Timelock: a governance vote, EMERGENCY allowed).
    bytes32 public constant SLASHER_ROLE = keccak256("SLASHER_ROLE");
    /// @notice The unbonding delay a new registry starts with.
    uint48 public constant DEFAULT_UNBOND_DELAY = 7 days;
    /// @notice Longest unbonding delay.
    uint48 public constant MAX_UNBOND_DELAY = 90 days;

    /// @dev One slot per verifier.
    struct Bond {
        uint96 active;
        uint96 unbonding;
        uint48 unbondReadyAt;
    }

    /// @notice The bonded token (GovernanceTokenV2, whose bond locker is this registry).
    IStakeLocks public immutable token;
    /// @notice Where slashed tokens go when no harmed party is named.
    address public immutable treasury;

    uint48 private _unbondDelay;
    mapping(address verifier => Bond) private _bonds;
    mapping(bytes32 setId => uint256) private _minimums;

    /// @notice A zero amount was given.
    error VerifierBondsZeroAmount();
    /// @notice The zero address was given where an account is required.
    error VerifierBondsZeroAddress();
    /// @notice `verifier` tried to unbond `amount` of an active bond of `active`.
    error VerifierBondsInsufficientBond(address verifier, uint256 amount, uint256 active);
    /// @notice `verifier` has nothing unbonding.
    error VerifierBondsNothingUnbonding(address verifier);
    /// @notice `verifier`'s unbonding amount is free at `readyAt`; it is `now`.
    error VerifierBondsUnbondingDelay(address verifier, uint256 readyAt, uint256 now);
    /// @notice A slash of `amount` exceeds `verifier`'s slashable bond `slashable`.
    error VerifierBondsSlashExceedsBond(address verifier, uint256 amount, uint256 slashable);
    /// @notice An unbonding delay above `MAX_UNBOND_DELAY`.
    error VerifierBondsInvalidDelay(uint256 delay, uint256 max);

    /// @notice `verifier` bonded `amount`; its active bond is `active`.
    event Bonded(address indexed verifier, uint256 amount, uint256 active);
    /// @notice `verifier` started unbonding `amount`, free at `readyAt`.
    event UnbondStarted(address indexed verifier, uint256 amount, uint256 readyAt);
    /// @notice `verifier`'s unbonded `amount` was unlocked.
    event Unbonded(address indexed verifier, uint256 amount);
    /// @notice `amount` of `verifier`'s bond went to `to` for `reason`.
    event Slashed(address indexed verifier, address indexed to, uint256 amount, string reason);
    /// @notice `setId` now requires `minimum` active bond per member (0: none).
    event MinimumBondUpdated(bytes32 indexed setId, uint256 previous, uint256 current);
    /// @notice `consumer` recorded `suspended` (bit i: member i) as the suspended members of the
    /// set `setId` ({pushSuspensions}); its releases refuse their signatures from now on.
    event SuspensionsPushed(address indexed consumer, bytes32 indexed setId, uint256 suspended);
    /// @notice The unbonding delay changed.
    event UnbondDelayUpdated(uint256 previous, uint256 current);

    /// @param token_ The governance token (V2, whose bond locker is this registry).
    /// @param governance The Timelock: DEFAULT_ADMIN_ROLE and SLASHER_ROLE.
    /// @param treasury_ Receiver of slashed tokens when no harmed party is named.
    constructor(IStakeLocks token_, address governance, address treasury_) {
        if (address(token_) == address(0) || governance == address(0) || treasury_ == address(0)) {
            revert VerifierBondsZeroAddress();
        }
        token = token_;
        treasury = treasury_;
        _grantRole(DEFAULT_ADMIN_ROLE, governance);
        _grantRole(SLASHER_ROLE, governance);
        _setUnbondDelay(DEFAULT_UNBOND_DELAY);
    }

    /// @notice Bonds `amount` of the caller's tokens (locked in its balance, votes kept).
    /// @dev Requirements: `amount` > 0 and within the caller's unlocked balance. Emits {Bonded}.
    function bond(uint256 amount) external nonReentrant {
        if (amount == 0) revert VerifierBondsZeroAmount();
        Bond storage b = _bonds[msg.sender];
        // Cannot overflow: the token's supply cap is below 2**96 and a bond is locked balance.
        uint96 active = b.active + uint96(amount);
        b.active = active;
        emit Bonded(msg.sender, amount, active);
        token.lock(msg.sender, amount);
    }

    /// @notice Starts unbonding `amount`: it stops counting now, stays slashable for the delay,
    /// then {withdrawUnbonded} unlocks it. A new unbond restarts the delay for the sum.
    /// @dev Requirements: `amount` > 0 and within the active bond. Emits {UnbondStarted}.
    function unbond(uint256 amount) external {
        if (amount == 0) revert VerifierBondsZeroAmount();
        Bond memory b = _bonds[msg.sender];
        if (amount > b.active) revert VerifierBondsInsufficientBond(msg.sender, amount, b.active);
        uint48 readyAt = uint48(block.timestamp) + _unbondDelay;
        // Cannot overflow or underflow: amount <= active; the sum stays within the locked bond.
        unchecked {
            b.active -= uint96(amount);
            b.unbonding += uint96(amount);
        }
        b.unbondReadyAt = readyAt;
        _bonds[msg.sender] = b;
        emit UnbondStarted(msg.sender, amount, readyAt);
    }

    /// @notice Unlocks the caller's unbonding amount once its delay has passed.
    /// @dev Requirements: something unbonding, delay passed. Emits {Unbonded}.
    function withdrawUnbonded() external nonReentrant {
        Bond memory b = _bonds[msg.sender];
        if (b.unbonding == 0) revert VerifierBondsNothingUnbonding(msg.sender);
        if (block.timestamp < b.unbondReadyAt) {
            revert VerifierBondsUnbondingDelay(msg.sender, b.unbondReadyAt, block.timestamp);
        }
        uint256 amount = b.unbonding;
        b.unbonding = 0;
        b.unbondReadyAt = 0;
        _bonds[msg.sender] = b;
        emit Unbonded(msg.sender, amount);
        token.unlock(msg.sender, amount);
    }

    /// @notice Slashes `amount` of `verifier`'s bond (active first, then what is still inside its
    /// unbonding delay) to `harmedParty`, or to the treasury when it is zero.
    /// @dev Requirements: SLASHER_ROLE; 0 < amount <= slashable. Emits {Slashed} (and the token's
    /// {TokensSeized}, {Transfer}).
    function slash(address verifier, uint256 amount, string calldata reason, address harmedParty)
        external
        onlyRole(SLASHER_ROLE)
        nonReentrant
    {
        if (amount == 0) revert VerifierBondsZeroAmount();
        Bond memory b = _bonds[verifier];
        uint256 slashable = _slashable(b);
        if (amount > slashable) revert VerifierBondsSlashExceedsBond(verifier, amount, slashable);
        // Cannot underflow: amount <= active + (unbonding inside its delay).
        unchecked {
            if (amount <= b.active) {
                b.active -= uint96(amount);
            } else {
                b.unbonding -= uint96(amount - b.active);
                b.active = 0;
            }
        }
        _bonds[verifier] = b;
        address to = harmedParty == address(0) ? treasury : harmedParty;
        emit Slashed(verifier, to, amount, reason);
        token.seize(verifier, amount, to);
    }

    /// @notice Sets `setId`'s minimum active bond per member (0: none).
    /// @dev Requirements: DEFAULT_ADMIN_ROLE. Emits {MinimumBondUpdated}.
    function setMinimumBond(bytes32 setId, uint256 minimum) external onlyRole(DEFAULT_ADMIN_ROLE) {
        emit MinimumBondUpdated(setId, _minimums[setId], minimum);
        _minimums[setId] = minimum;
    }

    /// @notice Sets the unbonding delay for unbonds started from now.
    /// @dev Requirements: DEFAULT_ADMIN_ROLE; at most MAX_UNBOND_DELAY. Emits {UnbondDelayUpdated}.
    function setUnbondDelay(uint48 delay) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setUnbondDelay(delay);
    }

    /// @inheritdoc IVerifierBonds
    function requireBonded(bytes32 setId, address[] calldata signers) external view {
        uint256 minimum = _minimums[setId];
        if (minimum == 0) return;
        for (uint256 i; i < signers.length; ++i) {
            uint256 active = _bonds[signers[i]].active;
            if (active < minimum) revert VerifierBondsBelowMinimum(setId, signers[i], active, minimum);
        }
    }

    /// @inheritdoc IVerifierBonds
    function counts(bytes32 setId, address verifier) external view returns (bool) {
        return _bonds[verifier].active >= _minimums[setId];
    }

    /// @notice The members of `signers` that do not count ({counts}) as a bitmap (bit i: member i),
    /// and the set's id, its commitment `keccak256(abi.encode(signers))`.
    /// @dev Members past index 255 have no bit (the consumers' sets hold at most 32).
    function suspensionsOf(address[] calldata signers) public view returns (bytes32 setId, uint256 suspended) {
        setId = keccak256(abi.encode(signers));
        uint256 minimum = _minimums[setId];
        if (minimum == 0) return (setId, 0);
        uint256 n = signers.length < 256 ? signers.length : 256;
        for (uint256 i; i < n; ++i) {
            if (_bonds[signers[i]].active < minimum) suspended |= 1 << i;
        }
    }

    /// @notice Records in `consumer` (an escrow, a badge contract, a funding round holding this
    /// registry's recorder role) which members of `signers` do not count now ({suspensionsOf}):
    /// after a slash, an unbond or a new minimum the member is suspended there, after re-bonding
    /// it is reinstated. Permissionless: the registry computes the answer from its own state and
    /// the set's members (bound by the commitment), the caller only pays for the write.
    /// @return setId The set's commitment.
    /// @return suspended The bitmap recorded.
    function pushSuspensions(IVerifierSuspensions consumer, address[] calldata signers)
        external
        returns (bytes32 setId, uint256 suspended)
    {
        (setId, suspended) = suspensionsOf(signers);
        emit SuspensionsPushed(address(consumer), setId, suspended);
        consumer.recordVerifierSuspensions(setId, suspended);
    }

    /// @notice `verifier`'s active bond, unbonding amount and when that is free.
    function bondOf(address verifier) external view returns (uint256 active, uint256 unbonding, uint256 readyAt) {
        Bond memory b = _bonds[verifier];
        return (b.active, b.unbonding, b.unbondReadyAt);
    }

    /// @notice What a slash of `verifier` can take now.
    function slashableOf(address verifier) external view returns (uint256) {
        return _slashable(_bonds[verifier]);
    }

    /// @notice `setId`'s minimum active bond per member.
    function minimumBond(bytes32 setId) external view returns (uint256) {
        return _minimums[setId];
    }

    /// @notice The unbonding delay in seconds.
    function unbondDelay() external view returns (uint256) {
        return _unbondDelay;
    }

    function _slashable(Bond memory b) private view returns (uint256) {
        return block.timestamp < b.unbondReadyAt ? uint256(b.active) + b.unbonding : b.active;
    }

    function _setUnbondDelay(uint48 delay) private {
        if (delay > MAX_UNBOND_DELAY) revert VerifierBondsInvalidDelay(delay, MAX_UNBOND_DELAY);
        emit UnbondDelayUpdated(_unbondDelay, delay);
        _unbondDelay = delay;
    }
}
