"""Deploy MilestoneEscrow and record it in deployments/<ecosystem>-<network>.json.

    ape run deploy --network ethereum:local:test                 # embedded chain, test account 0
    ape run deploy --network ethereum:local:foundry              # anvil
    ape run deploy --network ethereum:sepolia:node --account me  # a real network needs --account

Idempotent: when the manifest names a contract that still has code on this chain, nothing is
deployed unless --redeploy is given. --dry-run prints what would be deployed and sends nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from ape import accounts, chain, networks, project
from ape.exceptions import AccountsError, ApeException

ROOT = Path(__file__).resolve().parent.parent
DEPLOYMENTS = ROOT / "deployments"
CONTRACT = "MilestoneEscrow"


def manifest_path(ecosystem: str, network: str) -> Path:
    return DEPLOYMENTS / f"{ecosystem}-{network}.json"


def load_manifest(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def is_live(manifest: dict[str, Any] | None) -> bool:
    """True when the manifest is for this chain and its contract still has code here."""
    if not manifest or manifest.get("chain_id") != chain.chain_id:
        return False
    address = manifest.get("contracts", {}).get(CONTRACT, {}).get("address")
    return bool(address) and len(chain.provider.get_code(address)) > 0


def git_commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
        return commit + ("-dirty" if dirty.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def compilers() -> list[dict[str, Any]]:
    return [
        {"name": c.name, "version": c.version, "settings": c.settings}
        for c in (project.manifest.compilers or [])
        if CONTRACT in (c.contractTypes or [])
    ]


def deploy(
    deployer: Any,
    *,
    path: Path,
    admin: str,
    guardian: str,
    treasury: str,
    fee_bps: int,
    redeploy: bool = False,
) -> tuple[dict[str, Any], bool]:
    """Deploy unless a live deployment is recorded; returns (manifest, deployed_now)."""
    existing = load_manifest(path)
    if is_live(existing) and not redeploy:
        assert existing is not None
        return existing, False
    contract = project.MilestoneEscrow.deploy(admin, guardian, treasury, fee_bps, sender=deployer)
    creation = contract.creation_metadata
    assert creation is not None
    receipt = chain.provider.get_receipt(creation.txn_hash)
    manifest = {
        "network": f"{chain.provider.network.ecosystem.name}:{chain.provider.network.name}",
        "chain_id": chain.chain_id,
        "deployed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "compilers": compilers(),
        "contracts": {
            CONTRACT: {
                "address": contract.address,
                "tx_hash": receipt.txn_hash,
                "block": receipt.block_number,
                "constructor": {"admin": admin, "guardian": guardian, "treasury": treasury, "fee_bps": fee_bps},
            }
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    return manifest, True


def fail(message: str) -> None:
    click.echo(f"deploy: {message}", err=True)
    sys.exit(1)


@click.command()
@click.option(
    "--network",
    "choice",
    default="ethereum:local:test",
    show_default=True,
    help="ecosystem:network:provider, as `ape networks list` shows them.",
)
@click.option("--account", "alias", default=None, help="ape account alias (required off local networks).")
@click.option("--admin", default=None, help="DEFAULT_ADMIN_ROLE holder (default: the deployer).")
@click.option("--guardian", default=None, help="GUARDIAN_ROLE holder (default: the deployer).")
@click.option("--treasury", default=None, help="Fee receiver (default: the deployer).")
@click.option("--fee-bps", default=0, show_default=True, type=click.IntRange(0, 1000))
@click.option("--redeploy", is_flag=True, help="Deploy even if a live deployment is recorded.")
@click.option("--dry-run", is_flag=True, help="Show what would happen; send nothing.")
def cli(
    choice: str,
    alias: str | None,
    admin: str | None,
    guardian: str | None,
    treasury: str | None,
    fee_bps: int,
    redeploy: bool,
    dry_run: bool,
) -> None:
    """Deploy MilestoneEscrow and write its deployment manifest."""
    known = set(networks.get_network_choices())
    if choice not in known:
        fail(f"unknown network {choice!r} (see `ape networks list` for ecosystem:network:provider choices)")
    try:
        with networks.parse_network_choice(choice):
            _deploy_connected(alias, admin, guardian, treasury, fee_bps, redeploy, dry_run)
    except ApeException as exc:
        fail(f"{choice}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")


def _deploy_connected(
    alias: str | None,
    admin: str | None,
    guardian: str | None,
    treasury: str | None,
    fee_bps: int,
    redeploy: bool,
    dry_run: bool,
) -> None:
    net = chain.provider.network
    local = net.name == "local"
    if alias:
        try:
            deployer = accounts.load(alias)
        except (AccountsError, IndexError, KeyError):
            fail(f"no ape account named {alias!r} (see `ape accounts list`)")
    elif local:
        deployer = accounts.test_accounts[0]
    else:
        fail(f"--account is required on {net.ecosystem.name}:{net.name} (an ape account alias)")
    path = manifest_path(net.ecosystem.name, net.name)
    existing = load_manifest(path)
    if is_live(existing) and not redeploy:
        address = existing["contracts"][CONTRACT]["address"]  # type: ignore[index]
        click.echo(f"{CONTRACT} already deployed at {address} ({path.relative_to(ROOT)}); nothing to do")
        return
    if dry_run:
        click.echo(f"dry run: would deploy {CONTRACT} from {deployer.address} on chain {chain.chain_id}")
        return
    who = deployer.address
    manifest, _ = deploy(
        deployer,
        path=path,
        admin=admin or who,
        guardian=guardian or who,
        treasury=treasury or who,
        fee_bps=fee_bps,
        redeploy=redeploy,
    )
    info = manifest["contracts"][CONTRACT]
    click.echo(f"{CONTRACT} deployed at {info['address']} (tx {info['tx_hash']}); wrote {path.relative_to(ROOT)}")
