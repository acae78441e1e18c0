// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title TieredBadges
/// @notice Achievement tiers (e.g. bronze/silver/gold per skill) as ERC-1155 ids. Each id is
/// marked soulbound or tradeable when it is created: soulbound ids revert on every transfer path
/// (single and batch), tradeable ones behave as plain ERC-1155. An id may name the tier below it;
/// {upgrade} burns one of the lower tier and mints one of the higher in one call.
/// @dev One extension point: every balance change flows through `_update`, which refuses a
/// holder-to-holder move of a soulbound id (mint and burn stay possible).
contract TieredBadges is ERC1155, AccessControl {
    /// @notice Role that creates tiers, mints and upgrades.
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");

    /// @notice A tier's terms, fixed at creation.
    /// @param exists Whether the id was created.
    /// @param soulbound Whether holders can never move it.
    /// @param lower The tier an upgrade to this one consumes (0: none; tier ids start at 1).
    struct Tier {
        bool exists;
        bool soulbound;
        uint256 lower;
    }

    mapping(uint256 id => Tier) private _tiers;

    /// @notice A tier was created.
    event TierCreated(uint256 indexed id, bool soulbound, uint256 lower);
    /// @notice `holder` upgraded from tier `from` to tier `to`.
    event TierUpgraded(address indexed holder, uint256 indexed from, uint256 indexed to);

    /// @notice Tier `id` is soulbound: it cannot move between holders.
    error TierSoulbound(uint256 id);
    /// @notice Tier `id` does not exist.
    error TierNotFound(uint256 id);
    /// @notice Tier `id` exists already, or is 0.
    error TierInvalidId(uint256 id);
    /// @notice Tier `to` is not the upgrade of tier `from`.
    error TierNotUpgradeOf(uint256 from, uint256 to);

    /// @param uri_ ERC-1155 metadata URI template (`{id}` substituted by clients).
    /// @param admin Holder of DEFAULT_ADMIN_ROLE and ISSUER_ROLE.
    constructor(string memory uri_, address admin) ERC1155(uri_) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ISSUER_ROLE, admin);
    }

    /// @notice Creates tier `id`, soulbound or tradeable, optionally the upgrade of `lower`.
    /// @dev Requirements: ISSUER_ROLE; id non-zero and new; `lower` 0 or an existing tier.
    /// Emits {TierCreated}.
    function createTier(uint256 id, bool soulbound, uint256 lower) external onlyRole(ISSUER_ROLE) {
        if (id == 0 || _tiers[id].exists || lower == id) revert TierInvalidId(id);
        if (lower != 0 && !_tiers[lower].exists) revert TierNotFound(lower);
        _tiers[id] = Tier({exists: true, soulbound: soulbound, lower: lower});
        emit TierCreated(id, soulbound, lower);
    }

    /// @notice Mints `amount` of tier `id` to `to`.
    /// @dev Requirements: ISSUER_ROLE; the tier exists; a contract recipient accepts ERC-1155.
    /// Emits {TransferSingle}.
    function mint(address to, uint256 id, uint256 amount) external onlyRole(ISSUER_ROLE) {
        _checkTier(id);
        _mint(to, id, amount, "");
    }

    /// @notice Burns one of `holder`'s tier `from` and mints one of tier `to`, its upgrade.
    /// @dev Requirements: ISSUER_ROLE; `to`'s lower tier is `from`; holder has one of `from`.
    /// Emits {TransferSingle} twice and {TierUpgraded}.
    function upgrade(address holder, uint256 from, uint256 to) external onlyRole(ISSUER_ROLE) {
        Tier memory t = _checkTier(to);
        if (from == 0 || t.lower != from) revert TierNotUpgradeOf(from, to);
        _burn(holder, from, 1);
        emit TierUpgraded(holder, from, to);
        _mint(holder, to, 1, "");
    }

    /// @notice Burns `amount` of the caller's tier `id` (holders may always give a badge up).
    /// @dev Emits {TransferSingle}.
    function burn(uint256 id, uint256 amount) external {
        _burn(msg.sender, id, amount);
    }

    /// @notice A tier's terms.
    function tier(uint256 id) external view returns (Tier memory) {
        return _checkTier(id);
    }

    /// @notice Whether tier `id` is soulbound.
    function isSoulbound(uint256 id) external view returns (bool) {
        return _checkTier(id).soulbound;
    }

    /// @notice ERC-165: ERC-1155, its metadata URI extension, AccessControl.
    function supportsInterface(bytes4 interfaceId) public view override(ERC1155, AccessControl) returns (bool) {
        return ERC1155.supportsInterface(interfaceId) || AccessControl.supportsInterface(interfaceId);
    }

    /// @dev Refuses to move a soulbound id between two holders (mints and burns pass).
    function _update(address from, address to, uint256[] memory ids, uint256[] memory values) internal override {
        if (from != address(0) && to != address(0)) {
            for (uint256 i; i < ids.length; ++i) {
                if (_tiers[ids[i]].soulbound) revert TierSoulbound(ids[i]);
            }
        }
        super._update(from, to, ids, values);
    }

    function _checkTier(uint256 id) private view returns (Tier memory t) {
        t = _tiers[id];
        if (!t.exists) revert TierNotFound(id);
    }
}
