// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";
import {ERC20CappedUpgradeable} from
    "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20CappedUpgradeable.sol";
import {ERC20PausableUpgradeable} from
    "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20PausableUpgradeable.sol";
import {ERC20PermitUpgradeable} from
    "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20PermitUpgradeable.sol";
import {ERC20VotesUpgradeable} from
    "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20VotesUpgradeable.sol";
import {NoncesUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/NoncesUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title GovernanceToken
/// @notice quiltkit's voting token: ERC-20 with ERC-2612 permit and ERC-5805 votes on a timestamp
/// clock (ERC-6372), a supply cap fixed at initialisation, pausable transfers, minting by the
/// minter role (one or many recipients per call) and by donation: `donate()` mints at a
/// configured rate and forwards the donated native currency to the treasury in the same call.
/// @dev Deployed behind an ERC-1967 proxy and upgraded through UUPS by the upgrader role (the
/// Timelock in a full deployment); the implementation locks its own initialisers. All of this
/// contract's own state lives in one ERC-7201 namespace so upgrades can append to it safely.
///
/// A treasury that rejects the value makes the donation revert (`GovernanceTokenTreasuryRejected`):
/// nothing is minted and the donor keeps the value. We chose revert over a pull fallback so this
/// upgradeable token never holds money: an upgrade can then never reach donated funds, and a
/// donation either reaches the treasury or does not happen.
/// @custom:oz-upgrades-from GovernanceToken
contract GovernanceToken is
    Initializable,
    ERC20Upgradeable,
    ERC20CappedUpgradeable,
    ERC20PausableUpgradeable,
    ERC20PermitUpgradeable,
    ERC20VotesUpgradeable,
    AccessControlUpgradeable,
    UUPSUpgradeable,
    ReentrancyGuardTransient
{
    /// @notice May mint (`mint`, `mintBatch`).
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    /// @notice May pause and unpause transfers, mints and donations.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice May upgrade the implementation.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");
    /// @notice Fixed-point base of `donationRate`: a rate of 1e18 mints one token unit per wei.
    uint256 public constant RATE_BASE = 1e18;
    /// @notice The cap `initialize` uses when given 0: one billion tokens of 18 decimals.
    uint256 public constant DEFAULT_CAP = 1_000_000_000e18;
    /// @notice Largest accepted cap (the governor's tallies are 96-bit by construction).
    uint256 public constant MAX_CAP = type(uint96).max;

    /// @custom:storage-location erc7201:quiltkit.storage.GovernanceToken
    struct GovernanceTokenStorage {
        address treasury;
        uint256 donationRate;
        mapping(address donor => uint256) donated;
        uint256 totalDonated;
    }

    // keccak256(abi.encode(uint256(keccak256("quiltkit.storage.GovernanceToken")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_LOCATION = 0x60e534a493b05e9ca270ad0dd8d2a900aef1704f912e2973ae88e67c7d0a9f00;

    /// @notice `recipients` and `amounts` of a batch mint differ in length.
    error GovernanceTokenBatchLengthMismatch(uint256 recipients, uint256 amounts);
    /// @notice A donation was attempted while the rate is 0.
    error GovernanceTokenDonationsClosed();
    /// @notice A donation too small to mint anything at the current rate.
    error GovernanceTokenDonationTooSmall(uint256 value, uint256 rate);
    /// @notice The treasury refused the donated value; the donation reverted and nothing was minted.
    error GovernanceTokenTreasuryRejected(address treasury, uint256 value);
    /// @notice The zero address was given where an account is required.
    error GovernanceTokenZeroAddress();
    /// @notice A cap of more than `MAX_CAP` was given.
    error GovernanceTokenCapTooLarge(uint256 cap, uint256 max);

    /// @notice `donor` gave `value` (wei) and received `minted` tokens; the value went to `treasury`.
    event Donated(address indexed donor, address indexed treasury, uint256 value, uint256 minted);
    /// @notice The treasury receiving donations changed.
    event TreasuryUpdated(address indexed previous, address indexed current);
    /// @notice The donation rate changed (`RATE_BASE` fixed point; 0 closes donations).
    event DonationRateUpdated(uint256 previous, uint256 current);

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises the proxy's state; runs once.
    /// @param name_ ERC-20 name (also the EIP-712 domain name).
    /// @param symbol_ ERC-20 symbol.
    /// @param cap_ Supply cap, fixed for the life of the token; 0 means `DEFAULT_CAP`.
    /// @param admin Holder of DEFAULT_ADMIN_ROLE and of the minter, pauser and upgrader roles.
    /// @param treasury_ Receiver of donated value.
    /// @param donationRate_ Tokens minted per wei donated, `RATE_BASE` fixed point (1e18: 1 for 1).
    function initialize(
        string calldata name_,
        string calldata symbol_,
        uint256 cap_,
        address admin,
        address treasury_,
        uint256 donationRate_
    ) external initializer {
        if (admin == address(0) || treasury_ == address(0)) revert GovernanceTokenZeroAddress();
        if (cap_ == 0) cap_ = DEFAULT_CAP;
        if (cap_ > MAX_CAP) revert GovernanceTokenCapTooLarge(cap_, MAX_CAP);
        __ERC20_init(name_, symbol_);
        __ERC20Capped_init(cap_);
        __ERC20Pausable_init();
        __ERC20Permit_init(name_);
        __ERC20Votes_init();
        __AccessControl_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MINTER_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        _grantRole(UPGRADER_ROLE, admin);
        _setTreasury(treasury_);
        _setDonationRate(donationRate_);
    }

    // ------------------------------------------------------------------------------------------
    // minting
    // ------------------------------------------------------------------------------------------

    /// @notice Mints `amount` to `to`.
    /// @dev Requirements: MINTER_ROLE; not paused; the cap holds. Emits {Transfer}.
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }

    /// @notice Mints `amounts[i]` to `recipients[i]` for every i, in one call.
    /// @dev Requirements: MINTER_ROLE; equal lengths; not paused; the cap holds after every mint
    /// (the whole batch reverts otherwise). Emits one {Transfer} per recipient.
    function mintBatch(address[] calldata recipients, uint256[] calldata amounts) external onlyRole(MINTER_ROLE) {
        uint256 n = recipients.length;
        if (n != amounts.length) revert GovernanceTokenBatchLengthMismatch(n, amounts.length);
        for (uint256 i; i < n; ++i) {
            _mint(recipients[i], amounts[i]);
        }
    }

    /// @notice Donates the attached native currency: mints `msg.value * donationRate / RATE_BASE`
    /// to the caller and forwards the whole value to the treasury in the same call.
    /// @dev Requirements: donations open (rate > 0); not paused; the mint fits under the cap
    /// (`ERC20ExceededCap`, nothing minted); the treasury accepts the value
    /// (`GovernanceTokenTreasuryRejected` otherwise: the donation reverts, the donor keeps it).
    /// Emits {Transfer} and {Donated}.
    /// @return minted Tokens minted to the caller.
    function donate() external payable nonReentrant returns (uint256 minted) {
        GovernanceTokenStorage storage $ = _store();
        uint256 rate = $.donationRate;
        if (rate == 0) revert GovernanceTokenDonationsClosed();
        minted = msg.value * rate / RATE_BASE;
        if (minted == 0) revert GovernanceTokenDonationTooSmall(msg.value, rate);
        address treasury_ = $.treasury;
        $.donated[msg.sender] += msg.value;
        $.totalDonated += msg.value;
        _mint(msg.sender, minted);
        emit Donated(msg.sender, treasury_, msg.value, minted);
        (bool ok,) = treasury_.call{value: msg.value}("");
        if (!ok) revert GovernanceTokenTreasuryRejected(treasury_, msg.value);
    }

    // ------------------------------------------------------------------------------------------
    // administration
    // ------------------------------------------------------------------------------------------

    /// @notice Stops transfers, mints and donations. Requirements: PAUSER_ROLE. Emits {Paused}.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Resumes transfers, mints and donations. Requirements: PAUSER_ROLE. Emits {Unpaused}.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /// @notice Sets the receiver of donations. Requirements: DEFAULT_ADMIN_ROLE; non-zero.
    /// Emits {TreasuryUpdated}.
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (treasury_ == address(0)) revert GovernanceTokenZeroAddress();
        _setTreasury(treasury_);
    }

    /// @notice Sets the donation rate (`RATE_BASE` fixed point; 0 closes donations).
    /// Requirements: DEFAULT_ADMIN_ROLE. Emits {DonationRateUpdated}.
    function setDonationRate(uint256 rate) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setDonationRate(rate);
    }

    // ------------------------------------------------------------------------------------------
    // views
    // ------------------------------------------------------------------------------------------

    /// @notice Receiver of donated value.
    function treasury() external view returns (address) {
        return _store().treasury;
    }

    /// @notice Tokens minted per wei donated, `RATE_BASE` fixed point.
    function donationRate() external view returns (uint256) {
        return _store().donationRate;
    }

    /// @notice Total native currency `donor` has donated.
    function donatedBy(address donor) external view returns (uint256) {
        return _store().donated[donor];
    }

    /// @notice Total native currency donated by everyone.
    function totalDonated() external view returns (uint256) {
        return _store().totalDonated;
    }

    /// @notice ERC-6372 clock: block timestamps.
    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    /// @notice ERC-6372 clock mode.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    /// @inheritdoc NoncesUpgradeable
    function nonces(address owner) public view override(ERC20PermitUpgradeable, NoncesUpgradeable) returns (uint256) {
        return super.nonces(owner);
    }

    // ------------------------------------------------------------------------------------------
    // internals
    // ------------------------------------------------------------------------------------------

    /// @dev The single balance hook: pause check, cap on mint, then vote checkpoints.
    function _update(address from, address to, uint256 value)
        internal
        virtual
        override(ERC20Upgradeable, ERC20CappedUpgradeable, ERC20PausableUpgradeable, ERC20VotesUpgradeable)
    {
        super._update(from, to, value);
    }

    function _authorizeUpgrade(address) internal override onlyRole(UPGRADER_ROLE) {}

    function _setTreasury(address treasury_) private {
        GovernanceTokenStorage storage $ = _store();
        emit TreasuryUpdated($.treasury, treasury_);
        $.treasury = treasury_;
    }

    function _setDonationRate(uint256 rate) private {
        GovernanceTokenStorage storage $ = _store();
        emit DonationRateUpdated($.donationRate, rate);
        $.donationRate = rate;
    }

    function _store() private pure returns (GovernanceTokenStorage storage $) {
        assembly {
            $.slot := STORAGE_LOCATION
        }
    }
}
