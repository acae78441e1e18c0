// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SoulboundBadge} from "../../../contracts/badges/SoulboundBadge.sol";
import {SignatureQuorum} from "../../../contracts/intents/SignatureQuorum.sol";
import {BadgesTestBase} from "./BadgesTestBase.sol";
import {ReferenceOZNFT, ReferenceSoladyNFT} from "./reference/ReferenceNFTs.sol";

/// @dev A call that does nothing: its gas tells whether top-level calls run as transactions.
contract BadgesIsolationProbe {
    function ping() external {}
}

/// @dev Measures the gas of one reputationOf call from inside a transaction (not `view`: under
/// --isolate only transactions are isolated; cold badge
/// account and cold slot, as a contract reading it for the first time in its transaction pays).
contract ReputationReader {
    function read(SoulboundBadge badges, address holder) external returns (uint256 gasUsed) {
        uint256 before = gasleft();
        badges.reputationOf(holder);
        gasUsed = before - gasleft();
    }
}

/// @title BadgesGasTest
/// @notice Full-transaction gas of the badge paths beside a plain OpenZeppelin 5 ERC-721 `_mint`
/// and a plain Solady ERC-721 `_mint` built in the same run, written to `snapshots/Badges.json`.
/// Run as `forge test --isolate --match-path 'tests/forge/badges/Badges.gas.t.sol'` (see
/// MilestoneEscrow.gas.t.sol for what --isolate changes; without it nothing is recorded).
/// @dev Conditions: the issuer and the relayer are existing accounts; "new holder" means an
/// address with no badge (and, for the references, no token) before the call; a year passes
/// between the first badge and the measured call where the call folds decay.
contract BadgesGasTest is BadgesTestBase {
    string internal constant GROUP = "Badges";

    ReferenceOZNFT internal ozNft;
    ReferenceSoladyNFT internal soladyNft;
    BadgesIsolationProbe internal probe;
    ReputationReader internal reader;

    function setUp() public override {
        super.setUp();
        ozNft = new ReferenceOZNFT();
        soladyNft = new ReferenceSoladyNFT();
        probe = new BadgesIsolationProbe();
        reader = new ReputationReader();
        vm.deal(issuer, 1 ether);
        vm.deal(relayer, 1 ether);
        vm.deal(activity, 1 ether);
    }

    function _isolated() internal returns (bool) {
        probe.ping();
        return vm.lastCallGas().gasTotalUsed >= 21_000;
    }

    function _record(string memory name, bool isolated) internal {
        if (isolated) {
            uint256 gasUsed = vm.snapshotGasLastCall(GROUP, name);
            assertGe(gasUsed, 21_000, "isolated figures include the intrinsic 21,000");
        } else {
            emit log_named_uint(string.concat(name, " (execution only, not recorded)"), vm.lastCallGas().gasTotalUsed);
        }
    }

    function test_gas_issue_newHolder() public {
        bool isolated = _isolated();
        vm.prank(issuer);
        badges.issue(alice, contribution, EVIDENCE);
        _record("issue_newHolder", isolated);
        ozNft.mint(alice, 1);
        _record("ref_oz_mint_newOwner", isolated);
        soladyNft.mint(alice, 1);
        _record("ref_solady_mint_newOwner", isolated);
        assertEq(badges.balanceOf(alice), 1);
    }

    function test_gas_issue_existingHolder() public {
        bool isolated = _isolated();
        _issue(alice, contribution, EVIDENCE);
        vm.warp(block.timestamp + YEAR);
        vm.prank(issuer);
        badges.issue(alice, review, keccak256("second"));
        _record("issue_existingHolder", isolated);
        ozNft.mint(alice, 1);
        ozNft.mint(alice, 2);
        _record("ref_oz_mint_existingOwner", isolated);
        soladyNft.mint(alice, 1);
        soladyNft.mint(alice, 2);
        _record("ref_solady_mint_existingOwner", isolated);
    }

    /// @dev Attestation ids allocated in sequence: the one before this one was consumed, so
    /// its bitmap word is in use (the steady state of a relayer numbering its attestations).
    function test_gas_issueWithAttestation_2of3() public {
        _attest(bob, bytes32(uint256(0x100)));
        bool isolated = _isolated();
        SoulboundBadge.BadgeAttestation memory a = _attestation(alice, bytes32(uint256(0x101)));
        SignatureQuorum.Signature[] memory sigs = _signatures(a, _pair(0, 2));
        vm.prank(relayer);
        badges.issueWithAttestation(a, validators, sigs);
        _record("issueWithAttestation_2of3_newHolder", isolated);
        assertTrue(badges.attestationUsed(bytes32(uint256(0x101))));
    }

    /// @dev A random (hash) attestation id: its bitmap word is fresh.
    function test_gas_issueWithAttestation_2of3_freshIdWord() public {
        bool isolated = _isolated();
        SoulboundBadge.BadgeAttestation memory a = _attestation(alice, keccak256("random id"));
        SignatureQuorum.Signature[] memory sigs = _signatures(a, _pair(0, 2));
        vm.prank(relayer);
        badges.issueWithAttestation(a, validators, sigs);
        _record("issueWithAttestation_2of3_newHolder_freshIdWord", isolated);
    }

    function test_gas_issueWithAttestation_2of3_existingHolder() public {
        _attest(bob, bytes32(uint256(0x100)));
        bool isolated = _isolated();
        _issue(alice, review, keccak256("first"));
        vm.warp(block.timestamp + YEAR);
        SoulboundBadge.BadgeAttestation memory a = _attestation(alice, bytes32(uint256(0x101)));
        SignatureQuorum.Signature[] memory sigs = _signatures(a, _pair(0, 2));
        vm.prank(relayer);
        badges.issueWithAttestation(a, validators, sigs);
        _record("issueWithAttestation_2of3_existingHolder", isolated);
    }

    function test_gas_issueBatch_10() public {
        bool isolated = _isolated();
        address[] memory holders = new address[](10);
        bytes32[] memory evidence = new bytes32[](10);
        for (uint256 i; i < 10; ++i) {
            holders[i] = makeAddr(string.concat("batch ", vm.toString(i)));
            evidence[i] = keccak256(abi.encode(i));
        }
        vm.prank(issuer);
        badges.issueBatch(holders, contribution, evidence);
        _record("issueBatch_10newHolders", isolated);
    }

    function test_gas_revoke() public {
        bool isolated = _isolated();
        uint256 id = _issue(alice, contribution, EVIDENCE);
        _issue(alice, review, keccak256("kept"));
        vm.warp(block.timestamp + YEAR);
        vm.prank(issuer);
        badges.revoke(id, 1);
        _record("revoke", isolated);
    }

    function test_gas_recordActivity() public {
        bool isolated = _isolated();
        _issue(alice, contribution, EVIDENCE);
        vm.warp(block.timestamp + YEAR);
        vm.prank(activity);
        badges.recordActivity(alice);
        _record("recordActivity", isolated);
    }

    function test_gas_reputationOf_1_10_50() public {
        bool isolated = _isolated();
        uint256[3] memory counts = [uint256(1), 10, 50];
        address[3] memory holders = [alice, bob, carol];
        for (uint256 k; k < 3; ++k) {
            for (uint256 i; i < counts[k]; ++i) {
                _issue(holders[k], contribution, keccak256(abi.encode(i)));
                vm.warp(block.timestamp + 1 days);
            }
        }
        vm.warp(block.timestamp + YEAR);
        for (uint256 k; k < 3; ++k) {
            uint256 callGas = reader.read(badges, holders[k]);
            string memory name = string.concat("reputationOf_", vm.toString(counts[k]));
            _record(string.concat(name, "_tx"), isolated);
            if (isolated) vm.snapshotValue(GROUP, string.concat(name, "_call"), callGas);
            else emit log_named_uint(string.concat(name, "_call (not recorded)"), callGas);
        }
    }
}
