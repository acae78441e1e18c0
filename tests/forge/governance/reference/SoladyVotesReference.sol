// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20Votes} from "solady/tokens/ERC20Votes.sol";

/// @dev Gas reference: Solady's ERC20Votes (ERC-20 + ERC-2612 permit + ERC-5805 votes) from its npm
/// package, on a timestamp clock like ours and OpenZeppelin's reference; not upgradeable, no pause,
/// no cap. Test-only.
contract SoladyVotesReference is ERC20Votes {
    address private immutable _owner;

    error SoladyVotesReferenceNotOwner(address caller);

    constructor(address owner_) {
        _owner = owner_;
    }

    function name() public pure override returns (string memory) {
        return "solady reference";
    }

    function symbol() public pure override returns (string memory) {
        return "SREF";
    }

    function mint(address to, uint256 amount) external {
        if (msg.sender != _owner) revert SoladyVotesReferenceNotOwner(msg.sender);
        _mint(to, amount);
    }

    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }
}
