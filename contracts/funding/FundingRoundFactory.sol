// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IFundingRound} from "./IFundingRound.sol";
import {FundingRound} from "./FundingRound.sol";

/// @title FundingRoundFactory
/// @notice Creates funding rounds as ERC-1167 minimal clones of one FundingRound implementation,
/// at CREATE2 addresses derived from the parameters and a salt (`predictRound` tells the address
/// before creation). Only ROUND_CREATOR_ROLE may create: in a full deployment the Timelock, so a
/// round is a governance decision. Keeps a registry of the rounds it created.
contract FundingRoundFactory is AccessControl {
    /// @notice May create rounds.
    bytes32 public constant ROUND_CREATOR_ROLE = keccak256("ROUND_CREATOR_ROLE");

    /// @notice The FundingRound every clone delegates to.
    address public immutable implementation;

    uint256 private _roundCount;
    mapping(address round => bool) private _isRound;

    error FactoryInvalidImplementation();
    error FactoryInvalidAdmin();

    /// @notice A round was created; `metadataURI` is its off-chain description (an IPFS CID).
    event RoundCreated(
        address indexed round,
        address indexed creator,
        uint256 indexed index,
        bytes32 salt,
        address currency,
        IFundingRound.Strategy strategy,
        string metadataURI
    );

    /// @param implementation_ A deployed FundingRound (its own initialisation is locked).
    /// @param admin Holds DEFAULT_ADMIN_ROLE (grants and revokes the creator role).
    /// @param creator Holds ROUND_CREATOR_ROLE (the Timelock); address(0) grants none yet.
    constructor(address implementation_, address admin, address creator) {
        if (implementation_.code.length == 0) revert FactoryInvalidImplementation();
        if (admin == address(0)) revert FactoryInvalidAdmin();
        implementation = implementation_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (creator != address(0)) _grantRole(ROUND_CREATOR_ROLE, creator);
    }

    /// @notice Creates and initialises a round at predictRound(params, salt).
    /// Requirements: ROUND_CREATOR_ROLE; valid params (see FundingRound.initialize); the
    /// (params, salt) pair not used before. Emits RoundCreated (and the round's RoundInitialized).
    function createRound(IFundingRound.RoundParams calldata params, bytes32 salt, string calldata metadataURI)
        external
        onlyRole(ROUND_CREATOR_ROLE)
        returns (address round)
    {
        round = Clones.cloneDeterministic(implementation, _saltOf(params, salt));
        FundingRound(round).initialize(params);
        uint256 index = _roundCount++;
        _isRound[round] = true;
        emit RoundCreated(round, msg.sender, index, salt, params.currency, params.strategy, metadataURI);
    }

    /// @notice The address createRound(params, salt, ...) deploys to.
    function predictRound(IFundingRound.RoundParams calldata params, bytes32 salt) external view returns (address) {
        return Clones.predictDeterministicAddress(implementation, _saltOf(params, salt));
    }

    /// @notice Whether `round` was created by this factory.
    function isRound(address round) external view returns (bool) {
        return _isRound[round];
    }

    /// @notice How many rounds this factory created.
    function roundCount() external view returns (uint256) {
        return _roundCount;
    }

    function _saltOf(IFundingRound.RoundParams calldata params, bytes32 salt) private pure returns (bytes32) {
        return keccak256(abi.encode(params, salt));
    }
}
