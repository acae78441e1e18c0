// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CommonBase} from "forge-std/Base.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {GovernanceToken} from "../../../../contracts/governance/GovernanceToken.sol";

/// @title TokenHandler
/// @notice Drives the token with transfers, delegations (to actors or to nobody), mints, batch
/// mints and donations among a fixed set of actors, inputs clamped so no call reverts; keeps a
/// ghost of everything minted.
contract TokenHandler is CommonBase, StdUtils {
    GovernanceToken public immutable token;
    address public immutable minter;
    address[] public actors;

    uint256 public ghostMinted;
    mapping(bytes32 => uint256) public calls;

    constructor(GovernanceToken token_, address minter_, address[] memory actors_) {
        token = token_;
        minter = minter_;
        actors = actors_;
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function _room() internal view returns (uint256) {
        return token.cap() - token.totalSupply();
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = _actor(fromSeed);
        amount = bound(amount, 0, token.balanceOf(from));
        vm.prank(from);
        token.transfer(_actor(toSeed), amount);
        calls["transfer"]++;
    }

    function delegate(uint256 fromSeed, uint256 toSeed, bool nobody) external {
        address from = _actor(fromSeed);
        vm.prank(from);
        token.delegate(nobody ? address(0) : _actor(toSeed));
        calls["delegate"]++;
    }

    function mint(uint256 toSeed, uint256 amount) external {
        amount = bound(amount, 0, _room());
        vm.prank(minter);
        token.mint(_actor(toSeed), amount);
        ghostMinted += amount;
        calls["mint"]++;
    }

    function mintBatch(uint256 seed, uint256 a, uint256 b) external {
        a = bound(a, 0, _room());
        b = bound(b, 0, _room() - a);
        address[] memory to = new address[](2);
        uint256[] memory amounts = new uint256[](2);
        (to[0], to[1], amounts[0], amounts[1]) = (_actor(seed), _actor(seed / 7), a, b);
        vm.prank(minter);
        token.mintBatch(to, amounts);
        ghostMinted += a + b;
        calls["mintBatch"]++;
    }

    /// @dev The donation rate is 1:1 (1e18), so value == minted.
    function donate(uint256 fromSeed, uint256 value) external {
        uint256 room = _room();
        if (room == 0) return;
        value = bound(value, 1, room);
        address from = _actor(fromSeed);
        vm.deal(from, value);
        vm.prank(from);
        token.donate{value: value}();
        ghostMinted += value;
        calls["donate"]++;
    }

    /// @dev Moves the clock so checkpoints land at distinct timepoints.
    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 0, 1 days));
        calls["warp"]++;
    }
}
