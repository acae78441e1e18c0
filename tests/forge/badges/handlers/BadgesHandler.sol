// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";
import {SoulboundBadge} from "../../../../contracts/badges/SoulboundBadge.sol";
import {IERC5484} from "../../../../contracts/badges/IERC5484.sol";
import {SignatureQuorum} from "../../../../contracts/intents/SignatureQuorum.sol";
import {DecayReference} from "../reference/DecayReference.sol";

/// @title BadgesHandler
/// @notice Drives SoulboundBadge through issues (single, batch, attested), revocations, holder
/// burns, activity and time, and rebuilds every holder's history from the contract's events
/// alone (BadgeIssued, BadgeRevoked, BadgeBurned, ActivityRecorded): the invariant compares
/// reputationOf with the reference recomputed from that history. Revert-free by construction.
contract BadgesHandler is Test {
    bytes32 internal constant ISSUED = keccak256("BadgeIssued(uint256,address,uint256,uint256,bytes32,bytes32)");
    bytes32 internal constant REVOKED = keccak256("BadgeRevoked(uint256,address,uint16,uint256)");
    bytes32 internal constant BURNED = keccak256("BadgeBurned(uint256,address,uint256)");
    bytes32 internal constant ACTIVITY = keccak256("ActivityRecorded(address,uint256)");

    struct Entry {
        uint256 weight;
        uint256 at;
        bool live;
    }

    SoulboundBadge public immutable badges;
    address internal immutable issuer;
    address internal immutable activity;
    uint256[] internal types; // badge type ids the handler issues
    uint256 internal immutable attestable;
    address[] internal validators;
    uint256[] internal validatorKeys;

    address[] public actors;
    uint256 public now_;
    mapping(address holder => Entry[]) internal _history;
    mapping(uint256 tokenId => address) internal _holderOf;
    mapping(uint256 tokenId => uint256) internal _entryOf;
    uint256[] internal _liveTokens;
    uint256 public maxScoreSeen;
    uint256 internal _nonce;
    mapping(bytes4 selector => uint256) public calls;

    constructor(
        SoulboundBadge badges_,
        address issuer_,
        address activity_,
        uint256[] memory types_,
        uint256 attestable_,
        address[] memory validators_,
        uint256[] memory keys_
    ) {
        badges = badges_;
        issuer = issuer_;
        activity = activity_;
        types = types_;
        attestable = attestable_;
        validators = validators_;
        validatorKeys = keys_;
        for (uint256 i; i < 4; ++i) {
            actors.push(makeAddr(string.concat("holder", vm.toString(i))));
        }
        now_ = block.timestamp;
    }

    // --- actions ------------------------------------------------------------------------------

    function issue(uint256 actorSeed, uint256 typeSeed, bytes32 evidence) external {
        _begin(this.issue.selector);
        vm.prank(issuer);
        badges.issue(_actor(actorSeed), types[typeSeed % types.length], evidence);
        _end();
    }

    function issueBatch(uint256 actorSeed, uint256 typeSeed, uint8 count) external {
        _begin(this.issueBatch.selector);
        uint256 n = bound(count, 1, 5);
        address[] memory holders = new address[](n);
        bytes32[] memory evidence = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            holders[i] = _actor(actorSeed % actors.length + i);
            evidence[i] = keccak256(abi.encode(++_nonce));
        }
        vm.prank(issuer);
        badges.issueBatch(holders, types[typeSeed % types.length], evidence);
        _end();
    }

    function attest(uint256 actorSeed) external {
        _begin(this.attest.selector);
        SoulboundBadge.BadgeAttestation memory a = SoulboundBadge.BadgeAttestation({
            holder: _actor(actorSeed),
            badgeType: attestable,
            evidenceHash: keccak256(abi.encode("evidence", _nonce)),
            attestationId: keccak256(abi.encode("attestation", ++_nonce)),
            deadline: block.timestamp
        });
        bytes32 digest = badges.hashAttestation(a);
        SignatureQuorum.Signature[] memory sigs = new SignatureQuorum.Signature[](2);
        for (uint256 i; i < 2; ++i) {
            uint8 index = uint8(i * 2); // validators 0 and 2
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(validatorKeys[index], digest);
            sigs[i] = SignatureQuorum.Signature(index, abi.encodePacked(r, s, v));
        }
        badges.issueWithAttestation(a, validators, sigs);
        _end();
    }

    function revoke(uint256 seed, uint16 reason) external {
        if (_liveTokens.length == 0) return;
        uint256 id = _liveTokens[seed % _liveTokens.length];
        IERC5484.BurnAuth auth = badges.burnAuth(id);
        if (auth != IERC5484.BurnAuth.IssuerOnly && auth != IERC5484.BurnAuth.Both) return;
        _begin(this.revoke.selector);
        vm.prank(issuer);
        badges.revoke(id, reason);
        _end();
    }

    function burn(uint256 seed) external {
        if (_liveTokens.length == 0) return;
        uint256 id = _liveTokens[seed % _liveTokens.length];
        IERC5484.BurnAuth auth = badges.burnAuth(id);
        if (auth != IERC5484.BurnAuth.OwnerOnly && auth != IERC5484.BurnAuth.Both) return;
        _begin(this.burn.selector);
        vm.prank(_holderOf[id]);
        badges.burn(id);
        _end();
    }

    function recordActivity(uint256 actorSeed) external {
        _begin(this.recordActivity.selector);
        vm.prank(activity);
        badges.recordActivity(_actor(actorSeed));
        _end();
    }

    function warp(uint256 dt) external {
        calls[this.warp.selector]++;
        now_ += bound(dt, 1, 3 * 365 days);
        vm.warp(now_);
    }

    // --- the reference ------------------------------------------------------------------------

    /// @notice Σ over the holder's live history entries of weight * 0.95^(age / year).
    function referenceOf(address holder) public view returns (uint256 total) {
        Entry[] storage h = _history[holder];
        for (uint256 i; i < h.length; ++i) {
            if (h[i].live) total += DecayReference.decay(h[i].weight, now_ - h[i].at);
        }
    }

    function entriesOf(address holder) external view returns (uint256) {
        return _history[holder].length;
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    // --- internals ----------------------------------------------------------------------------

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function _begin(bytes4 selector) internal {
        calls[selector]++;
        vm.warp(now_);
        vm.recordLogs();
    }

    /// @dev Applies the call's events to the history: the history is what the events say.
    function _end() internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory l = logs[i];
            if (l.emitter != address(badges)) continue;
            bytes32 sig = l.topics[0];
            if (sig == ISSUED) {
                uint256 id = uint256(l.topics[1]);
                address holder = address(uint160(uint256(l.topics[2])));
                (uint256 weight,,) = abi.decode(l.data, (uint256, bytes32, bytes32));
                _holderOf[id] = holder;
                _entryOf[id] = _history[holder].length;
                _history[holder].push(Entry(weight, now_, true));
                _liveTokens.push(id);
            } else if (sig == REVOKED || sig == BURNED) {
                uint256 id = uint256(l.topics[1]);
                _history[_holderOf[id]][_entryOf[id]].live = false;
                _removeLive(id);
            } else if (sig == ACTIVITY) {
                address holder = address(uint160(uint256(l.topics[1])));
                _history[holder].push(Entry(abi.decode(l.data, (uint256)), now_, true));
            }
        }
        for (uint256 i; i < actors.length; ++i) {
            uint256 r = badges.reputationOf(actors[i]);
            if (r > maxScoreSeen) maxScoreSeen = r;
        }
    }

    function _removeLive(uint256 id) internal {
        uint256 n = _liveTokens.length;
        for (uint256 i; i < n; ++i) {
            if (_liveTokens[i] == id) {
                _liveTokens[i] = _liveTokens[n - 1];
                _liveTokens.pop();
                return;
            }
        }
    }
}
