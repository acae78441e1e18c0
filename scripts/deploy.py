"""Deploy MilestoneEscrow, AuctionHouse, SoulboundBadge and TieredBadges and record them in
deployments/<ecosystem>-<network>.json.

    ape run deploy --network ethereum:local:test                 # embedded chain, test account 0
    ape run deploy --network ethereum:local:foundry              # anvil
    ape run deploy --network ethereum:sepolia:node --account me  # a real network needs --account

Idempotent: a contract the manifest names that still has code on this chain is not deployed again
unless --redeploy is given (a manifest written before the AuctionHouse or the badges existed
gains only them). The badges' admin is the Timelock when the manifest records a live governance
deployment (QuiltkitTimelock), else --admin.
--dry-run prints what would be deployed and sends nothing.
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
AUCTION = "AuctionHouse"
BADGES = "SoulboundBadge"
TIERS = "TieredBadges"
CONTRACTS = (CONTRACT, AUCTION, BADGES, TIERS)
# Recorded by the governance deployment; when live, it administers the badges.
TIMELOCK = "QuiltkitTimelock"
BADGE_NAME, BADGE_SYMBOL = "quiltkit badges", "QKB"


def manifest_path(ecosystem: str, network: str) -> Path:
    return DEPLOYMENTS / f"{ecosystem}-{network}.json"


def load_manifest(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def is_live(manifest: dict[str, Any] | None, name: str = CONTRACT) -> bool:
    """True when the manifest is for this chain and contract ``name`` still has code here."""
    if not manifest or manifest.get("chain_id") != chain.chain_id:
        return False
    address = manifest.get("contracts", {}).get(name, {}).get("address")
    return bool(address) and len(chain.provider.get_code(address)) > 0


def all_live(manifest: dict[str, Any] | None) -> bool:
    return all(is_live(manifest, name) for name in CONTRACTS)


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
        if set(CONTRACTS) & set(c.contractTypes or [])
    ]


def deploy(
    deployer: Any,
    *,
    path: Path,
    admin: str,
    guardian: str,
    treasury: str,
    fee_bps: int,
    royalty_cap_bps: int = 1_000,
    badge_rate_bps: int = 500,
    activity_weight: int = 10**18,
    tiers_uri: str = "",
    redeploy: bool = False,
) -> tuple[dict[str, Any], bool]:
    """Deploy what is not live on this chain (everything with ``redeploy``); returns (manifest,
    deployed_now). The admin also owns the AuctionHouse (in a full deployment, the Timelock) and
    administers the badges, unless the manifest records a live Timelock: then the Timelock does."""
    existing = load_manifest(path)
    if all_live(existing) and not redeploy:
        assert existing is not None
        return existing, False
    recorded: dict[str, Any] = dict(existing["contracts"]) if existing and not redeploy else {}
    if redeploy or not is_live(existing, CONTRACT):
        escrow = project.MilestoneEscrow.deploy(admin, guardian, treasury, fee_bps, sender=deployer)
        recorded[CONTRACT] = _record(
            escrow, {"admin": admin, "guardian": guardian, "treasury": treasury, "fee_bps": fee_bps}
        )
    if redeploy or not is_live(existing, AUCTION):
        house = project.AuctionHouse.deploy(admin, treasury, fee_bps, royalty_cap_bps, sender=deployer)
        recorded[AUCTION] = _record(
            house, {"owner": admin, "treasury": treasury, "fee_bps": fee_bps, "royalty_cap_bps": royalty_cap_bps}
        )
    badge_admin = badge_admin_of(existing, admin)
    if redeploy or not is_live(existing, BADGES):
        badges = project.SoulboundBadge.deploy(
            BADGE_NAME, BADGE_SYMBOL, badge_admin, badge_rate_bps, activity_weight, sender=deployer
        )
        recorded[BADGES] = _record(
            badges, {"admin": badge_admin, "annual_rate_bps": badge_rate_bps, "activity_weight": activity_weight}
        )
    if redeploy or not is_live(existing, TIERS):
        tiers = project.TieredBadges.deploy(tiers_uri, badge_admin, sender=deployer)
        recorded[TIERS] = _record(tiers, {"uri": tiers_uri, "admin": badge_admin})
    manifest = {
        "network": f"{chain.provider.network.ecosystem.name}:{chain.provider.network.name}",
        "chain_id": chain.chain_id,
        "deployed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "compilers": compilers(),
        "contracts": recorded,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    return manifest, True


def badge_admin_of(manifest: dict[str, Any] | None, admin: str) -> str:
    """The Timelock when the manifest records a live governance deployment, else ``admin``."""
    if is_live(manifest, TIMELOCK):
        assert manifest is not None
        return str(manifest["contracts"][TIMELOCK]["address"])
    return admin


def _record(contract: Any, constructor: dict[str, Any]) -> dict[str, Any]:
    creation = contract.creation_metadata
    assert creation is not None
    receipt = chain.provider.get_receipt(creation.txn_hash)
    return {
        "address": contract.address,
        "tx_hash": receipt.txn_hash,
        "block": receipt.block_number,
        "constructor": constructor,
    }


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
@click.option(
    "--royalty-cap-bps",
    default=1_000,
    show_default=True,
    type=click.IntRange(0, 2_500),
    help="Most an ERC-2981 royalty may take of a winning bid at the AuctionHouse.",
)
@click.option("--redeploy", is_flag=True, help="Deploy even if a live deployment is recorded.")
@click.option("--dry-run", is_flag=True, help="Show what would happen; send nothing.")
def cli(
    choice: str,
    alias: str | None,
    admin: str | None,
    guardian: str | None,
    treasury: str | None,
    fee_bps: int,
    royalty_cap_bps: int,
    redeploy: bool,
    dry_run: bool,
) -> None:
    """Deploy MilestoneEscrow, AuctionHouse and the badges and write their deployment manifest."""
    known = set(networks.get_network_choices())
    if choice not in known:
        fail(f"unknown network {choice!r} (see `ape networks list` for ecosystem:network:provider choices)")
    try:
        with networks.parse_network_choice(choice):
            _deploy_connected(alias, admin, guardian, treasury, fee_bps, royalty_cap_bps, redeploy, dry_run)
    except ApeException as exc:
        fail(f"{choice}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")


def _deploy_connected(
    alias: str | None,
    admin: str | None,
    guardian: str | None,
    treasury: str | None,
    fee_bps: int,
    royalty_cap_bps: int,
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
    if all_live(existing) and not redeploy:
        shown = ", ".join(f"{n} at {existing['contracts'][n]['address']}" for n in CONTRACTS)  # type: ignore[index]
        click.echo(f"already deployed: {shown} ({path.relative_to(ROOT)}); nothing to do")
        return
    todo = [n for n in CONTRACTS if redeploy or not is_live(existing, n)]
    if dry_run:
        click.echo(f"dry run: would deploy {', '.join(todo)} from {deployer.address} on chain {chain.chain_id}")
        return
    who = deployer.address
    manifest, _ = deploy(
        deployer,
        path=path,
        admin=admin or who,
        guardian=guardian or who,
        treasury=treasury or who,
        fee_bps=fee_bps,
        royalty_cap_bps=royalty_cap_bps,
        redeploy=redeploy,
    )
    for name in todo:
        info = manifest["contracts"][name]
        click.echo(f"{name} deployed at {info['address']} (tx {info['tx_hash']})")
    click.echo(f"wrote {path.relative_to(ROOT)}")
