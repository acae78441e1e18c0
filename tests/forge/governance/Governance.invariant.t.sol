// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {QuiltkitGovernor} from "../../../contracts/governance/QuiltkitGovernor.sol";
import {GovernanceTestBase} from "./GovernanceTestBase.sol";
import {GovernorHandler} from "./handlers/GovernorHandler.sol";
import {TokenHandler} from "./handlers/TokenHandler.sol";

/// @title GovernanceTokenInvariantTest
/// @notice Voting power is conserved across transfers, delegations, mints and donations (the sum
/// of every actor's votes equals the supply held by delegated actors), and the cap holds.
/// @dev CI: 128 runs x depth 64 per invariant (about 8,000 handler calls each); the deep profile
/// is not overridden here, so `FOUNDRY_PROFILE=deep` gets 2,000 x 256.
/// forge-config: default.invariant.runs = 128
contract GovernanceTokenInvariantTest is GovernanceTestBase {
    TokenHandler internal handler;
    uint256 internal initialSupply;

    function setUp() public override {
        super.setUp();
        address[] memory actors = new address[](5);
        (actors[0], actors[1], actors[2]) = (alice, bob, carol);
        actors[3] = makeAddr("dave"); // starts with nothing and no delegate
        actors[4] = makeAddr("erin");
        initialSupply = token.totalSupply();
        handler = new TokenHandler(token, admin, actors);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](6);
        selectors[0] = TokenHandler.transfer.selector;
        selectors[1] = TokenHandler.delegate.selector;
        selectors[2] = TokenHandler.mint.selector;
        selectors[3] = TokenHandler.mintBatch.selector;
        selectors[4] = TokenHandler.donate.selector;
        selectors[5] = TokenHandler.warp.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function invariant_sumOfVotesEqualsDelegatedSupply() public view {
        uint256 votes;
        uint256 delegated;
        uint256 held;
        for (uint256 i; i < handler.actorCount(); ++i) {
            address a = handler.actors(i);
            votes += token.getVotes(a);
            held += token.balanceOf(a);
            if (token.delegates(a) != address(0)) delegated += token.balanceOf(a);
        }
        assertEq(votes, delegated, "sum of votes == delegated supply");
        assertEq(held, token.totalSupply(), "only actors hold tokens");
    }

    function invariant_capNeverExceeded() public view {
        assertLe(token.totalSupply(), token.cap());
        assertEq(token.cap(), CAP);
        assertEq(token.totalSupply(), initialSupply + handler.ghostMinted());
        assertEq(address(token).balance, 0, "the token never holds donated value");
    }

    function invariant_callSummary() public view {
        assertGe(handler.calls("transfer") + handler.calls("delegate") + handler.calls("mint") + handler.calls("donate")
                + handler.calls("mintBatch") + handler.calls("warp"), 0);
    }
}

/// @title GovernorInvariantTest
/// @notice Tallies equal the ghost (the sum of integer square roots of counted weights for
/// FOUNDER_IDEA, of the weights otherwise), and no proposal's type or rules ever change, while
/// proposals of every type are created, voted and the governor reconfigured through governance.
/// @dev CI: 32 runs x depth 64 per invariant (a reconfiguration is a whole proposal cycle);
/// `FOUNDRY_PROFILE=deep` keeps 2,000 x 256.
/// forge-config: default.invariant.runs = 32
contract GovernorInvariantTest is GovernanceTestBase {
    GovernorHandler internal handler;

    function setUp() public override {
        super.setUp();
        address[] memory actors = new address[](6);
        (actors[0], actors[1], actors[2]) = (alice, bob, carol);
        actors[3] = makeAddr("dave");
        actors[4] = makeAddr("erin");
        actors[5] = makeAddr("frank");
        _mintDelegated(actors[3], 7);
        _mintDelegated(actors[4], 1e18 + 3);
        _mintDelegated(actors[5], 123_456_789e15);
        for (uint256 i; i < actors.length; ++i) {
            badge.setIdentity(actors[i], i + 1);
        }
        vm.warp(block.timestamp + 1);
        handler = new GovernorHandler(governor, token, target, badge, actors);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](5);
        selectors[0] = GovernorHandler.propose.selector;
        selectors[1] = GovernorHandler.vote.selector;
        selectors[2] = GovernorHandler.vote.selector; // votes twice as often as the rest
        selectors[3] = GovernorHandler.warp.selector;
        selectors[4] = GovernorHandler.reconfigure.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function invariant_tallyEqualsGhost() public view {
        for (uint256 i; i < handler.proposalCount(); ++i) {
            uint256 id = handler.proposalIds(i);
            uint256[3] memory ghost = handler.ghostTally(id);
            (uint256 against, uint256 forVotes, uint256 abstain) = governor.proposalVotes(id);
            assertEq(against, ghost[0], "against");
            assertEq(forVotes, ghost[1], "for");
            assertEq(abstain, ghost[2], "abstain");
        }
    }

    /// @dev Shows that the campaign reaches votes on live proposals of every kind.
    function afterInvariant() external view {
        assertGt(handler.calls("propose") + handler.calls("reconfigure"), 0);
    }

    function invariant_rulesNeverChange() public view {
        for (uint256 i; i < handler.proposalCount(); ++i) {
            uint256 id = handler.proposalIds(i);
            QuiltkitGovernor.ProposalRules memory r = governor.proposalRules(id);
            QuiltkitGovernor.ProposalRules memory at = handler.recorded(id);
            assertEq(uint8(r.kind), uint8(at.kind), "kind");
            assertEq(r.quorumBps, at.quorumBps, "quorum");
            assertEq(r.executionDelay, at.executionDelay, "delay");
            assertEq(r.badge, at.badge, "badge");
        }
    }
}
