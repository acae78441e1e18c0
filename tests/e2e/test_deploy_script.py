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
    assert badges["constructor"] == {"admin": timelock_address, "annual_rate_bps": 500, "activity_weight": 10**18}
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
    }
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
    for name in ("GovernanceToken", "MilestoneEscrow", "AuctionHouse"):
        assert timelock.is_emergency_call(contracts[name]["address"], pause), name
    assert contracts["GovernanceToken"]["implementation"]["address"] != token.address


def _check_keep_admin_keeps_the_deployer_beside_the_timelock(manifest: dict[str, Any]) -> None:
    roles = manifest["roles"]
    assert roles["GovernanceToken"]["UPGRADER_ROLE"] == ["deployer", "timelock"]
    assert roles["MilestoneEscrow"]["GUARDIAN_ROLE"] == ["deployer", "timelock"]
    assert roles["QuiltkitTimelock"]["DEFAULT_ADMIN_ROLE"] == ["deployer", "timelock"]
    assert roles["AuctionHouse"] == {"owner": "deployer", "pending_owner": "timelock"}
    assert roles["SoulboundBadge"]["DEFAULT_ADMIN_ROLE"] == ["deployer", "timelock"]
    assert roles["TieredBadges"] == {"DEFAULT_ADMIN_ROLE": ["deployer", "timelock"], "ISSUER_ROLE": ["deployer"]}


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
