// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice The callbacks an ERC-777-style token makes into accounts that registered for them.
interface ITokenHooks {
    function tokensToSend(address operator, address from, address to, uint256 amount) external;
    function tokensReceived(address operator, address from, address to, uint256 amount) external;
}

/// @title HookToken
/// @notice ERC-20 with ERC-777-style hooks: an account that registered is called before tokens
/// leave it (`tokensToSend`, inside `transferFrom` too) and after tokens reach it
/// (`tokensReceived`), with all remaining gas, a hook's revert reverting the transfer. Stands in
/// for ERC-777 tokens and any token with transfer callbacks, to prove no hook can re-enter the
/// escrow between a transfer and its bookkeeping.
contract HookToken is ERC20 {
    mapping(address account => bool) public hooked;

    constructor() ERC20("Hook Token", "HOOK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice The caller asks (or stops asking) to be called on its sends and receipts.
    function setHooked(bool on) external {
        hooked[msg.sender] = on;
    }

    /// @dev Transfers only: a mint (the tests' way of handing out tokens) calls no hook, so every
    /// hook call happens inside someone's transfer.
    function _update(address from, address to, uint256 value) internal override {
        bool isTransfer = from != address(0) && to != address(0);
        if (isTransfer && hooked[from]) ITokenHooks(from).tokensToSend(msg.sender, from, to, value);
        super._update(from, to, value);
        if (isTransfer && hooked[to]) ITokenHooks(to).tokensReceived(msg.sender, from, to, value);
    }
}

/// @title HookAccount
/// @notice A contract account registered with a HookToken whose hooks call back into `target`
/// with preset calldata (a payer cancelling from inside its own `fund`, a payee re-entering a
/// release). It never reverts from a hook: it counts re-entries that went through, so a test or
/// invariant can require that none did, and keeps the last refusal.
contract HookAccount is ITokenHooks {
    address public target;
    bytes public onSend;
    bytes public onReceive;
    // One slot, so that a hook stays well inside the escrow's ERC-20 push stipend.
    uint64 public reentriesSucceeded;
    uint64 public reentriesRefused;
    bytes4 public lastRefusal;

    constructor(HookToken token) {
        token.setHooked(true);
    }

    function arm(address target_, bytes calldata onSend_, bytes calldata onReceive_) external {
        (target, onSend, onReceive) = (target_, onSend_, onReceive_);
    }

    function tokensToSend(address, address, address, uint256) external {
        _reenter(onSend);
    }

    function tokensReceived(address, address, address, uint256) external {
        _reenter(onReceive);
    }

    /// @notice Lets the test drive this account as an ordinary caller (approve, create, fund).
    function execute(address to, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = to.call{value: msg.value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
    }

    receive() external payable {}

    function _reenter(bytes memory data) internal {
        if (data.length == 0) return;
        (bool ok, bytes memory ret) = target.call(data);
        if (ok) {
            ++reentriesSucceeded;
        } else {
            ++reentriesRefused;
            lastRefusal = bytes4(ret);
        }
    }
}

/// @title GasBurningHookAccount
/// @notice A payee registered with a HookToken whose `tokensReceived` burns every unit of gas it
/// is given: the ERC-20 twin of GasGuzzler.
contract GasBurningHookAccount {
    constructor(HookToken token) {
        token.setHooked(true);
    }

    function tokensToSend(address, address, address, uint256) external pure {}

    function tokensReceived(address, address, address, uint256) external pure {
        while (true) {}
    }
}
