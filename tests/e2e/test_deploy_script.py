"""scripts/deploy.py: deploys once, records a manifest, and fails in one line on bad input."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from quiltkit import GovernanceToken, Governor, Timelock

ROOT = Path(__file__).resolve().parents[2]


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("quiltkit_deploy_script", ROOT / "scripts" / "deploy.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _dao(address_of: dict[str, Any]) -> tuple[GovernanceToken, Timelock, Governor]:
    from ape import chain

    w3 = chain.provider.web3
    return (
        GovernanceToken(w3, address_of["GovernanceToken"]["address"]),
        Timelock(w3, address_of["QuiltkitTimelock"]["address"]),
        Governor(w3, address_of["QuiltkitGovernor"]["address"]),
    )


def test_deploy_is_idempotent_and_writes_manifest(tmp_path: Path) -> None:
    from ape import accounts, chain

    script = _load_script()
    deployer = accounts.test_accounts[0]
    path = tmp_path / "ethereum-local.json"
    args = {"treasury": deployer.address, "fee_bps": 50, "min_delay": 3_600}

    manifest, deployed = script.deploy(deployer, path=path, **args)
    assert deployed
    _check_the_timelock_administers_everything(script, deployer, manifest)
    nonce = deployer.nonce
    again, deployed_again = script.deploy(deployer, path=path, **args)
    assert not deployed_again and again == manifest
    assert deployer.nonce == nonce, "a second run sends nothing"

    on_disk = json.loads(path.read_text())
    info = on_disk["contracts"]["MilestoneEscrow"]
    assert on_disk["chain_id"] == chain.chain_id
    assert len(chain.provider.get_code(info["address"])) > 0
    assert info["tx_hash"].startswith("0x") and info["block"] >= 0
    assert any(c["version"].startswith("0.8.30") for c in on_disk["compilers"])
    assert on_disk["git_commit"]

    timelock_address = on_disk["contracts"]["QuiltkitTimelock"]["address"]
    house = on_disk["contracts"]["AuctionHouse"]
    assert len(chain.provider.get_code(house["address"])) > 0
    assert house["constructor"] == {
        "owner": timelock_address,
        "treasury": deployer.address,
        "fee_bps": 50,
        "royalty_cap_bps": 1_000,
    }
    assert any(c["name"] == "vyper" and c["version"].startswith("0.4.3") for c in on_disk["compilers"])

    badges = on_disk["contracts"]["SoulboundBadge"]
    bonds = on_disk["contracts"]["VerifierBonds"]["address"]
    assert badges["constructor"] == {
        "admin": timelock_address, "annual_rate_bps": 500, "activity_weight": 10**18, "verifier_bonds": bonds
    }  # fmt: skip
    assert len(chain.provider.get_code(badges["address"])) > 0
    assert on_disk["contracts"]["TieredBadges"]["constructor"]["admin"] == timelock_address

    _, redeployed = script.deploy(deployer, path=path, redeploy=True, **args)
    assert redeployed
    fresh = json.loads(path.read_text())["contracts"]
    assert fresh["MilestoneEscrow"]["address"] != info["address"]
    assert fresh["AuctionHouse"]["address"] != house["address"]
    assert fresh["QuiltkitTimelock"]["address"] != timelock_address


def _check_the_timelock_administers_everything(script: ModuleType, deployer: Any, manifest: dict[str, Any]) -> None:
    from ape import project

    contracts = manifest["contracts"]
    token, timelock, governor = _dao(contracts)
    me = deployer.address

    assert manifest["roles"] == {
        "GovernanceToken": {r: ["timelock"] for r in script.TOKEN_ROLES},
        "MilestoneEscrow": {r: ["timelock"] for r in script.ESCROW_ROLES},
        "QuiltkitTimelock": {
            "DEFAULT_ADMIN_ROLE": ["timelock"],
            "PROPOSER_ROLE": ["governor"],
            "CANCELLER_ROLE": ["governor"],
            "EXECUTOR_ROLE": ["governor"],
        },
        "AuctionHouse": {"owner": "timelock", "pending_owner": None},
        "SoulboundBadge": {"DEFAULT_ADMIN_ROLE": ["timelock"], "ISSUER_ROLE": [], "ACTIVITY_ROLE": []},
        "TieredBadges": {"DEFAULT_ADMIN_ROLE": ["timelock"], "ISSUER_ROLE": ["timelock"]},
        "FundingRoundFactory": {"DEFAULT_ADMIN_ROLE": ["timelock"], "ROUND_CREATOR_ROLE": ["timelock"]},
        "QuiltkitStaking": {r: ["timelock"] for r in script.STAKING_ROLES},
        "VerifierBonds": {r: ["timelock"] for r in script.BOND_ROLES},
    }
    _check_the_token_is_v2_with_the_recorded_lockers(contracts)
    _check_the_bond_registry_may_suspend_verifiers(contracts)
    slash = bytes.fromhex(script.keccak(text=script.SLASH_SIGNATURE)[:4].hex())
    assert timelock.is_emergency_call(contracts["VerifierBonds"]["address"], slash), "an EMERGENCY vote may slash"
    for role in script.TOKEN_ROLES:  # read back through the SDK too
        assert token.has_role(role, timelock.address) and not token.has_role(role, me)
    escrow = project.MilestoneEscrow.at(contracts["MilestoneEscrow"]["address"])
    assert escrow.hasRole(script.ADMIN_ROLE, timelock.address) and not escrow.hasRole(script.ADMIN_ROLE, me)
    assert token.treasury() == timelock.address, "donations reach the DAO"
    assert token.total_supply() == 0 and token.cap() == 10**27
    assert str(governor._call("timelock")) == timelock.address
    assert str(governor._call("token")) == token.address
    assert timelock.min_delay() == 3_600
    pause = bytes.fromhex("8456cb59")
    for name in ("GovernanceToken", "MilestoneEscrow", "AuctionHouse", "QuiltkitStaking"):
        assert timelock.is_emergency_call(contracts[name]["address"], pause), name
    assert contracts["GovernanceToken"]["implementation"]["address"] != token.address


def _check_the_token_is_v2_with_the_recorded_lockers(contracts: dict[str, Any]) -> None:
    """The proxy runs GovernanceTokenV2 whose lockers are the recorded pool and registry, and the
    SDK's clients read the pool and the registry at the manifest's addresses."""
    from ape import chain
    from quiltkit import GovernanceTokenV2, Staking, VerifierBonds

    w3 = chain.provider.web3
    token = GovernanceTokenV2(w3, contracts["GovernanceToken"]["address"])
    pool = Staking(w3, contracts["QuiltkitStaking"]["address"])
    bonds = VerifierBonds(w3, contracts["VerifierBonds"]["address"])
    assert token.lockers() == (pool.address, bonds.address)
    implementation = contracts["GovernanceToken"]["implementation"]
    assert implementation["constructor"] == {"staking": pool.address, "bonds": bonds.address}
    assert implementation["artifact"] == "quiltkit/abi/GovernanceTokenV2.json"
    assert contracts["GovernanceToken"]["v1_implementation"]["address"] != implementation["address"]
    assert "pending_upgrade" not in contracts["GovernanceToken"]
    assert str(pool._call("stakingToken")) == token.address
    assert str(bonds._call("token")) == token.address
    timelock = contracts["QuiltkitTimelock"]["address"]
    assert str(bonds._call("treasury")) == timelock, "slashed bonds reach the DAO"
    assert contracts["QuiltkitStaking"]["constructor"]["distributor"] == timelock


def _check_the_bond_registry_may_suspend_verifiers(contracts: dict[str, Any]) -> None:
    """The escrow and the badges let the registry record suspensions (VERIFIER_BONDS_ROLE) and the
    round implementation names it, so every round the factory clones does too."""
    from ape import chain
    from quiltkit import Escrow, FundingRound, SoulboundBadge

    w3 = chain.provider.web3
    bonds = contracts["VerifierBonds"]["address"]
    assert Escrow(w3, contracts["MilestoneEscrow"]["address"]).has_role("VERIFIER_BONDS_ROLE", bonds)
    assert SoulboundBadge(w3, contracts["SoulboundBadge"]["address"]).has_role("VERIFIER_BONDS_ROLE", bonds)
    implementation = contracts["FundingRoundFactory"]["implementation"]
    assert implementation["constructor"] == {"verifier_bonds": bonds}
    assert FundingRound(w3, implementation["address"]).verifier_bonds() == bonds


def _check_keep_admin_keeps_the_deployer_beside_the_timelock(manifest: dict[str, Any]) -> None:
    roles = manifest["roles"]
    assert roles["QuiltkitStaking"] == {
        "DEFAULT_ADMIN_ROLE": ["deployer", "timelock"],
        "PAUSER_ROLE": ["deployer", "timelock"],
        "DISTRIBUTOR_ROLE": ["timelock"],
    }
    assert roles["VerifierBonds"] == {
        "DEFAULT_ADMIN_ROLE": ["deployer", "timelock"],
        "SLASHER_ROLE": ["deployer", "timelock"],
    }
    assert roles["GovernanceToken"]["UPGRADER_ROLE"] == ["deployer", "timelock"]
    assert roles["MilestoneEscrow"]["GUARDIAN_ROLE"] == ["deployer", "timelock"]
    assert roles["QuiltkitTimelock"]["DEFAULT_ADMIN_ROLE"] == ["deployer", "timelock"]
    assert roles["AuctionHouse"] == {"owner": "deployer", "pending_owner": "timelock"}
    assert roles["SoulboundBadge"]["DEFAULT_ADMIN_ROLE"] == ["deployer", "timelock"]
    assert roles["TieredBadges"] == {"DEFAULT_ADMIN_ROLE": ["deployer", "timelock"], "ISSUER_ROLE": ["deployer"]}
    assert roles["FundingRoundFactory"] == {
        "DEFAULT_ADMIN_ROLE": ["deployer", "timelock"],
        "ROUND_CREATOR_ROLE": ["timelock"],
    }


def test_deploy_adds_the_dao_to_an_older_manifest(tmp_path: Path) -> None:
    """Also: --keep-admin keeps the deployer's roles, and fees reach the Timelock by default."""
    from ape import accounts, project

    script = _load_script()
    deployer = accounts.test_accounts[0]
    path = tmp_path / "ethereum-local.json"
    manifest, _ = script.deploy(deployer, path=path, fee_bps=0, keep_admin=True)
    _check_keep_admin_keeps_the_deployer_beside_the_timelock(manifest)
    escrow_address = manifest["contracts"]["MilestoneEscrow"]["address"]
    assert project.MilestoneEscrow.at(escrow_address).treasury() == manifest["contracts"]["QuiltkitTimelock"]["address"]
    escrow = manifest["contracts"]["MilestoneEscrow"]["address"]
    house = manifest["contracts"]["AuctionHouse"]["address"]
    for name in script.DAO:  # as written before the DAO existed
        del manifest["contracts"][name]
    del manifest["roles"]
    path.write_text(json.dumps(manifest))

    updated, deployed = script.deploy(deployer, path=path, fee_bps=0)
    assert deployed
    assert updated["contracts"]["MilestoneEscrow"]["address"] == escrow, "the live escrow is kept"
    assert updated["contracts"]["AuctionHouse"]["address"] == house, "the live house is kept"
    assert updated["roles"]["MilestoneEscrow"] == {r: ["timelock"] for r in script.ESCROW_ROLES}
    assert updated["roles"]["AuctionHouse"] == {"owner": "deployer", "pending_owner": "timelock"}


def test_dry_run_lists_what_a_run_would_deploy(tmp_path: Path) -> None:
    script = _load_script()
    assert script.to_deploy(None, redeploy=False) == list(script.CONTRACTS)


def test_deploy_adds_the_badges_beside_a_live_dao(tmp_path: Path) -> None:
    from ape import accounts, chain
    from quiltkit import SoulboundBadge, TieredBadges

    script = _load_script()
    deployer = accounts.test_accounts[0]
    path = tmp_path / "ethereum-local.json"
    manifest, _ = script.deploy(deployer, path=path, fee_bps=0)
    kept = {n: manifest["contracts"][n]["address"] for n in (*script.DAO, "MilestoneEscrow", "AuctionHouse")}
    for name in ("SoulboundBadge", "TieredBadges"):  # as written before the badges existed
        del manifest["contracts"][name]
        del manifest["roles"][name]
    path.write_text(json.dumps(manifest))
    assert script.to_deploy(manifest, redeploy=False) == ["SoulboundBadge", "TieredBadges"]

    nonce = deployer.nonce
    updated, deployed = script.deploy(deployer, path=path, fee_bps=0)
    assert deployed
    assert deployer.nonce == nonce + 2, "only the two badge contracts are deployed"
    assert {n: updated["contracts"][n]["address"] for n in kept} == kept
    timelock = kept["QuiltkitTimelock"]
    w3 = chain.provider.web3
    badges = SoulboundBadge(w3, updated["contracts"]["SoulboundBadge"]["address"])
    assert badges.has_role("DEFAULT_ADMIN_ROLE", timelock)
    assert not badges.has_role("DEFAULT_ADMIN_ROLE", deployer.address)
    assert badges.annual_rate_bps() == 500
    tiers = TieredBadges(w3, updated["contracts"]["TieredBadges"]["address"])
    assert tiers.has_role("DEFAULT_ADMIN_ROLE", timelock)
    assert updated["roles"]["SoulboundBadge"]["DEFAULT_ADMIN_ROLE"] == ["timelock"]


def test_deploy_adds_the_round_factory_beside_a_live_dao(tmp_path: Path) -> None:
    from ape import accounts, chain
    from quiltkit import FundingRoundFactory

    script = _load_script()
    deployer = accounts.test_accounts[0]
    path = tmp_path / "ethereum-local.json"
    manifest, _ = script.deploy(deployer, path=path, fee_bps=0)
    del manifest["contracts"]["FundingRoundFactory"]  # as written before the funding rounds existed
    del manifest["roles"]["FundingRoundFactory"]
    path.write_text(json.dumps(manifest))
    assert script.to_deploy(manifest, redeploy=False) == ["FundingRoundFactory"]

    nonce = deployer.nonce
    updated, deployed = script.deploy(deployer, path=path, fee_bps=0)
    assert deployed
    assert deployer.nonce == nonce + 2, "only the round implementation and the factory are deployed"
    timelock = updated["contracts"]["QuiltkitTimelock"]["address"]
    factory = FundingRoundFactory(chain.provider.web3, updated["contracts"]["FundingRoundFactory"]["address"])
    assert factory.has_role("ROUND_CREATOR_ROLE", timelock) and factory.has_role("DEFAULT_ADMIN_ROLE", timelock)
    assert not factory.has_role("DEFAULT_ADMIN_ROLE", deployer.address)
    assert factory.implementation() == updated["contracts"]["FundingRoundFactory"]["implementation"]["address"]
    assert updated["roles"]["FundingRoundFactory"]["ROUND_CREATOR_ROLE"] == ["timelock"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--network", "ethereum:nowhere:test"], "deploy: unknown network 'ethereum:nowhere:test'"),
        (["--account", "nobody"], "deploy: no ape account named 'nobody'"),
        (["--treasury", "nope"], "deploy: --treasury must be an address, got 'nope'"),
    ],
)
def test_cli_errors_are_one_line(args: list[str], message: str) -> None:
    ape = str(Path(sys.executable).with_name("ape"))
    done = subprocess.run([ape, "run", "deploy", *args], cwd=ROOT, capture_output=True, text=True, env=os.environ)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == done.stderr.strip() or message in done.stderr
    assert message in done.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("keep_admin", [False, True])
def test_deploy_adds_the_staking_family_beside_a_live_dao(tmp_path: Path, keep_admin: bool) -> None:
    """New lockers need a new V2 implementation: the deployer upgrades the token when it still holds
    the upgrader role (--keep-admin); otherwise the manifest records the Timelock call to propose."""
    from ape import accounts, chain
    from quiltkit import GovernanceTokenV2, Staking, VerifierBonds

    script = _load_script()
    deployer = accounts.test_accounts[0]
    path = tmp_path / "ethereum-local.json"
    manifest, _ = script.deploy(deployer, path=path, fee_bps=0, keep_admin=keep_admin)
    w3 = chain.provider.web3
    token = GovernanceTokenV2(w3, manifest["contracts"]["GovernanceToken"]["address"])
    old_lockers = token.lockers()
    for name in script.STAKING_FAMILY:  # as if the registry and the pool had been lost
        del manifest["contracts"][name]
        del manifest["roles"][name]
    path.write_text(json.dumps(manifest))
    assert script.to_deploy(manifest, redeploy=False) == list(script.STAKING_FAMILY)

    updated, deployed = script.deploy(deployer, path=path, fee_bps=0)
    assert deployed
    contracts = updated["contracts"]
    pool = Staking(w3, contracts["QuiltkitStaking"]["address"])
    bonds = VerifierBonds(w3, contracts["VerifierBonds"]["address"])
    assert (pool.address, bonds.address) != old_lockers
    entry = contracts["GovernanceToken"]
    if keep_admin:
        assert token.lockers() == (pool.address, bonds.address)
        assert "pending_upgrade" not in entry
        assert entry["implementation"]["constructor"] == {"staking": pool.address, "bonds": bonds.address}
    else:
        assert token.lockers() == old_lockers, "the deployer renounced the upgrader role: nothing changed"
        pending = entry["pending_upgrade"]
        implementation = pending["implementation"]["address"]
        assert pending["call"]["target"] == token.address
        upgrade = script.at("GovernanceToken", token.address).upgradeToAndCall
        assert pending["call"]["calldata"] == "0x" + bytes(upgrade.encode_input(implementation, b"")).hex()
        assert updated["roles"]["QuiltkitStaking"] == {r: ["timelock"] for r in script.STAKING_ROLES}
        assert updated["roles"]["VerifierBonds"] == {r: ["timelock"] for r in script.BOND_ROLES}
