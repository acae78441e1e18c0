// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FalseToken
/// @notice An ERC-20 that, once told to, answers `false` to transfer and transferFrom without
/// moving anything (as some old tokens do instead of reverting), to prove the house never counts
/// such a call as paid.
contract FalseToken is ERC20 {
    bool public failTransfer;
    bool public failTransferFrom;

    constructor() ERC20("False Token", "FALSE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Makes transfer and/or transferFrom answer false without moving anything.
    function setFailing(bool transfer_, bool transferFrom_) external {
        (failTransfer, failTransferFrom) = (transfer_, transferFrom_);
    }

    function transfer(address to, uint256 value) public override returns (bool) {
        if (failTransfer) return false;
        return super.transfer(to, value);
    }

    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (failTransferFrom) return false;
        return super.transferFrom(from, to, value);
    }
}
