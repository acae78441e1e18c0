// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";

/// @title BlocklistStablecoin
/// @notice The implementation half of a USDC-style stablecoin: every transfer reads a pause flag
/// and both parties' blocklist entries before moving balances. Deployed behind an ERC-1967 proxy
/// (see {deployProxiedBlocklistToken}) so a transfer pays what USDC's does: the proxy's
/// implementation slot, a delegatecall, three cold flag reads and two balance writes.
contract BlocklistStablecoin is ERC20 {
    bool public paused;
    mapping(address account => bool) public blocklisted;

    error BlocklistStablecoinRefused(address account);

    constructor() ERC20("USD Stablecoin", "USDS") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setBlocklisted(address account, bool on) external {
        blocklisted[account] = on;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (paused) revert BlocklistStablecoinRefused(address(0));
        if (blocklisted[from]) revert BlocklistStablecoinRefused(from);
        if (blocklisted[to]) revert BlocklistStablecoinRefused(to);
        super._update(from, to, value);
    }
}

/// @notice A BlocklistStablecoin behind an ERC-1967 proxy; call it through the BlocklistStablecoin ABI.
function deployProxiedBlocklistToken() returns (BlocklistStablecoin) {
    return BlocklistStablecoin(address(new ERC1967Proxy(address(new BlocklistStablecoin()), "")));
}
