// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title BlockingToken
/// @notice ERC-20 whose transfers to a blocked address revert (a stand-in for USDC-style
/// blocklists), to prove failed ERC-20 pushes become withdrawable credits.
contract BlockingToken is ERC20 {
    mapping(address account => bool) public blocked;

    error BlockingTokenBlocked(address account);

    constructor() ERC20("Blocking Token", "BLK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlocked(address account, bool blocked_) external {
        blocked[account] = blocked_;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked[to]) revert BlockingTokenBlocked(to);
        super._update(from, to, value);
    }
}
