"""scripts/deploy.py: deploys once, records a manifest, and fails in one line on bad input."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("quiltkit_deploy_script", ROOT / "scripts" / "deploy.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_deploy_is_idempotent_and_writes_manifest(tmp_path: Path) -> None:
    from ape import accounts, chain

    script = _load_script()
    deployer = accounts.test_accounts[0]
    path = tmp_path / "ethereum-local.json"
    args = {"admin": deployer.address, "guardian": deployer.address, "treasury": deployer.address, "fee_bps": 50}

    manifest, deployed = script.deploy(deployer, path=path, **args)
    assert deployed
    again, deployed_again = script.deploy(deployer, path=path, **args)
    assert not deployed_again and again == manifest

    on_disk = json.loads(path.read_text())
    info = on_disk["contracts"]["MilestoneEscrow"]
    assert on_disk["chain_id"] == chain.chain_id
    assert len(chain.provider.get_code(info["address"])) > 0
    assert info["tx_hash"].startswith("0x") and info["block"] >= 0
    assert any(c["version"].startswith("0.8.30") for c in on_disk["compilers"])
    assert on_disk["git_commit"]

    house = on_disk["contracts"]["AuctionHouse"]
    assert len(chain.provider.get_code(house["address"])) > 0
    assert house["constructor"] == {
        "owner": deployer.address,
        "treasury": deployer.address,
        "fee_bps": 50,
        "royalty_cap_bps": 1_000,
    }
    assert any(c["name"] == "vyper" and c["version"].startswith("0.4.3") for c in on_disk["compilers"])

    badges = on_disk["contracts"]["SoulboundBadge"]
    assert badges["constructor"] == {"admin": deployer.address, "annual_rate_bps": 500, "activity_weight": 10**18}
    assert len(chain.provider.get_code(badges["address"])) > 0
    assert on_disk["contracts"]["TieredBadges"]["constructor"]["admin"] == deployer.address

    _, redeployed = script.deploy(deployer, path=path, redeploy=True, **args)
    assert redeployed
    fresh = json.loads(path.read_text())["contracts"]
    assert fresh["MilestoneEscrow"]["address"] != info["address"]
    assert fresh["AuctionHouse"]["address"] != house["address"]


def test_deploy_adds_the_house_to_an_older_manifest(tmp_path: Path) -> None:
    from ape import accounts

    script = _load_script()
    deployer = accounts.test_accounts[0]
    path = tmp_path / "ethereum-local.json"
    args = {"admin": deployer.address, "guardian": deployer.address, "treasury": deployer.address, "fee_bps": 0}
    manifest, _ = script.deploy(deployer, path=path, **args)
    escrow = manifest["contracts"]["MilestoneEscrow"]["address"]
    del manifest["contracts"]["AuctionHouse"]  # as written before the AuctionHouse existed
    path.write_text(json.dumps(manifest))

    updated, deployed = script.deploy(deployer, path=path, **args)
    assert deployed
    assert updated["contracts"]["MilestoneEscrow"]["address"] == escrow, "the live escrow is kept"
    assert "AuctionHouse" in updated["contracts"]


def test_badges_are_administered_by_a_recorded_timelock(tmp_path: Path) -> None:
    from ape import accounts, chain
    from quiltkit import SoulboundBadge, Timelock
    from quiltkit.devchain import dev_accounts

    script = _load_script()
    deployer = accounts.test_accounts[0]
    path = tmp_path / "ethereum-local.json"
    args = {"admin": deployer.address, "guardian": deployer.address, "treasury": deployer.address, "fee_bps": 0}
    manifest, _ = script.deploy(deployer, path=path, **args)
    w3 = chain.provider.web3
    timelock = Timelock.deploy(w3, dev_accounts(1)[0], min_delay=3_600, admin=deployer.address)
    for name in ("SoulboundBadge", "TieredBadges"):  # as written before the badges existed
        del manifest["contracts"][name]
    manifest["contracts"]["QuiltkitTimelock"] = {"address": timelock.address}  # the governance deployment
    path.write_text(json.dumps(manifest))

    updated, deployed = script.deploy(deployer, path=path, **args)
    assert deployed
    badges = SoulboundBadge(w3, updated["contracts"]["SoulboundBadge"]["address"])
    assert badges.has_role("DEFAULT_ADMIN_ROLE", timelock.address)
    assert not badges.has_role("DEFAULT_ADMIN_ROLE", deployer.address)
    assert updated["contracts"]["TieredBadges"]["constructor"]["admin"] == timelock.address


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--network", "ethereum:nowhere:test"], "deploy: unknown network 'ethereum:nowhere:test'"),
        (["--account", "nobody"], "deploy: no ape account named 'nobody'"),
    ],
)
def test_cli_errors_are_one_line(args: list[str], message: str) -> None:
    ape = str(Path(sys.executable).with_name("ape"))
    done = subprocess.run([ape, "run", "deploy", *args], cwd=ROOT, capture_output=True, text=True, env=os.environ)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == done.stderr.strip() or message in done.stderr
    assert message in done.stderr.strip().splitlines()[-1]
