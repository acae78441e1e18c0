"""Deploy quiltkit (MilestoneEscrow, AuctionHouse, the badges, the funding-round factory and the DAO that
owns them) and record it all in deployments/<ecosystem>-<network>.json.

    ape run deploy --network ethereum:local:test                 # embedded chain, test account 0
    ape run deploy --network ethereum:local:foundry              # anvil
    ape run deploy --network ethereum:sepolia:node --account me  # a real network needs --account

The DAO: GovernanceToken (behind its ERC-1967 proxy), QuiltkitTimelock and QuiltkitGovernor, all
from the artifacts the SDK ships (the governor must be the 200-run build that fits EIP-170). The
Timelock becomes the admin of everything: the token's roles, MilestoneEscrow's admin and guardian
roles, the AuctionHouse's ownership, its own administration; it receives donations and (unless
--treasury) fees; its EMERGENCY allow-list starts with the three `pause` calls. The deployer
renounces every role it held at the end unless --keep-admin. The manifest records the role
holders as read back from the chain. SoulboundBadge and TieredBadges (from the shipped artifacts
too) are administered by the Timelock (and the deployer with --keep-admin); they are deployed with
the DAO, or alone beside a live DAO whose manifest lacks them. QuiltkitStaking and VerifierBonds
(the token's V2 lockers) come with the DAO, and the deployer upgrades the token to
GovernanceTokenV2 before handing over its roles; beside a live DAO the upgrade is recorded as a
pending Timelock call unless the deployer kept the upgrader role.

Idempotent: a contract the manifest names that still has code on this chain is not deployed again
unless --redeploy is given (a manifest written before the DAO existed gains only the DAO, which
then takes over the live escrow's roles and is offered the live house's ownership).
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
import rlp  # type: ignore[import-untyped]
from ape import accounts, chain, networks, project
from ape.contracts import ContractContainer, ContractInstance
from ape.exceptions import AccountsError, ApeException
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from ethpm_types import ContractType
from quiltkit._contract import load_artifact
from quiltkit.governance import GovernorConfig

ROOT = Path(__file__).resolve().parent.parent
DEPLOYMENTS = ROOT / "deployments"
CONTRACT = "MilestoneEscrow"
AUCTION = "AuctionHouse"
TOKEN = "GovernanceToken"  # noqa: S105 - a contract name
TIMELOCK = "QuiltkitTimelock"
GOVERNOR = "QuiltkitGovernor"
DAO = (TOKEN, TIMELOCK, GOVERNOR)
BADGES = "SoulboundBadge"
TIERS = "TieredBadges"
FUNDING = "FundingRoundFactory"
STAKING = "QuiltkitStaking"
BONDS = "VerifierBonds"
TOKEN_V2 = "GovernanceTokenV2"  # noqa: S105 - a contract name
STAKING_FAMILY = (STAKING, BONDS)
CONTRACTS = (CONTRACT, AUCTION, *DAO, BADGES, TIERS, FUNDING, *STAKING_FAMILY)
BADGE_RATE_BPS = 500  # 5% a year
ACTIVITY_WEIGHT = 10**18
ADMIN_ROLE = b"\x00" * 32
ZERO_ADDRESS = "0x" + "00" * 20
TOKEN_ROLES = ("DEFAULT_ADMIN_ROLE", "MINTER_ROLE", "PAUSER_ROLE", "UPGRADER_ROLE")
ESCROW_ROLES = ("DEFAULT_ADMIN_ROLE", "GUARDIAN_ROLE")
# Held by the bond registry, not handed over: the escrow's and the badges'
# recordVerifierSuspensions (a round's implementation names the registry in its code instead).
VERIFIER_BONDS_ROLE = "VERIFIER_BONDS_ROLE"
TIMELOCK_ROLES = ("DEFAULT_ADMIN_ROLE", "PROPOSER_ROLE", "CANCELLER_ROLE", "EXECUTOR_ROLE")
DEFAULT_MIN_DELAY = 86_400
BADGE_ROLES = ("DEFAULT_ADMIN_ROLE", "ISSUER_ROLE", "ACTIVITY_ROLE")
TIER_ROLES = ("DEFAULT_ADMIN_ROLE", "ISSUER_ROLE")
FUNDING_ROLES = ("DEFAULT_ADMIN_ROLE", "ROUND_CREATOR_ROLE")
STAKING_ROLES = ("DEFAULT_ADMIN_ROLE", "PAUSER_ROLE", "DISTRIBUTOR_ROLE")
BOND_ROLES = ("DEFAULT_ADMIN_ROLE", "SLASHER_ROLE")
SLASH_SIGNATURE = "slash(address,uint256,string,address)"


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


def to_deploy(manifest: dict[str, Any] | None, redeploy: bool) -> list[str]:
    """What a run deploys: the escrow and the house unless live, and then the DAO's three contracts
    together (the Timelock's allow-list and roles are set once, at its deployment, for the others),
    then the badges."""
    todo = [n for n in (CONTRACT, AUCTION) if redeploy or not is_live(manifest, n)]
    if todo or not all(is_live(manifest, n) for n in DAO):
        todo += list(DAO)
    core = bool(todo)
    # The badges and the round factory come with the DAO (its Timelock administers them), or
    # alone beside a live one.
    if core or not all(is_live(manifest, n) for n in (BADGES, TIERS)):
        todo += [BADGES, TIERS]
    if core or not is_live(manifest, FUNDING):
        todo.append(FUNDING)
    # The pool and the bond registry are the lockers of the token's V2: they come with the DAO
    # (the deployer upgrades the token before handing it over), or together beside a live one.
    if core or not all(is_live(manifest, n) for n in STAKING_FAMILY):
        todo += list(STAKING_FAMILY)
    return todo


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
        if {CONTRACT, AUCTION} & set(c.contractTypes or [])
    ]


def role_id(role: str) -> bytes:
    return ADMIN_ROLE if role == "DEFAULT_ADMIN_ROLE" else keccak(text=role)


def shipped(name: str) -> ContractContainer:
    """A contract from the SDK's shipped artifacts (forge build), deployable by an ape account."""
    artifact = load_artifact(name)
    return ContractContainer(
        ContractType.model_validate(
            {"contractName": name, "abi": artifact["abi"], "deploymentBytecode": {"bytecode": artifact["bytecode"]}}
        )
    )


def at(name: str, address: str) -> ContractInstance:
    if name in (CONTRACT, AUCTION):
        return project.get_contract(name).at(address)
    return shipped(name).at(address)


def create_address(sender: str, nonce: int) -> str:
    """The address of the contract ``sender`` creates with transaction ``nonce`` (CREATE)."""
    return to_checksum_address(keccak(rlp.encode([bytes.fromhex(sender[2:]), nonce]))[12:])


def deploy(
    deployer: Any,
    *,
    path: Path,
    fee_bps: int,
    treasury: str | None = None,
    royalty_cap_bps: int = 1_000,
    min_delay: int = DEFAULT_MIN_DELAY,
    config: GovernorConfig | None = None,
    keep_admin: bool = False,
    redeploy: bool = False,
) -> tuple[dict[str, Any], bool]:
    """Deploy what is not live on this chain (everything with ``redeploy``), make the Timelock the
    admin of everything, and write the manifest; returns (manifest, deployed_now)."""
    existing = load_manifest(path)
    if all_live(existing) and not redeploy:
        assert existing is not None
        return existing, False
    todo = to_deploy(existing, redeploy)
    recorded: dict[str, Any] = dict(existing["contracts"]) if existing and not redeploy else {}
    me = deployer.address
    if set(todo) <= {BADGES, TIERS, FUNDING, *STAKING_FAMILY}:  # the DAO is live: add what is missing beside it
        timelock_live = at(TIMELOCK, recorded[TIMELOCK]["address"])
        # The registry first: the badges and the rounds deployed after it name it.
        if STAKING in todo:
            token_live = at(TOKEN, recorded[TOKEN]["address"])
            pool, bonds = _deploy_staking(deployer, recorded, token_live, timelock_live.address, keep_admin=keep_admin)
            if keep_admin:
                _share_staking_admin(deployer, pool, bonds, timelock_live.address)
            _upgrade_token(deployer, recorded, token_live, pool, bonds)
        bonds_live = recorded[BONDS]["address"] if BONDS in recorded else None
        if BADGES in todo:
            _deploy_badges(deployer, recorded, timelock_live, bonds_live, keep_admin=keep_admin)
        if FUNDING in todo:
            _deploy_funding(deployer, recorded, timelock_live, bonds_live, keep_admin=keep_admin)
        governor_live = recorded[GOVERNOR]["address"]
        parties = {"deployer": me, "timelock": timelock_live.address, "governor": governor_live}
        return _write_manifest(path, recorded, parties), True
    # The Timelock is everyone's admin and treasury, and its allow-list names the others' `pause`:
    # its address is fixed before anything is deployed (the deployer's nonce when it comes).
    # (token implementation and proxy, the staking pool and the bond registry: four transactions)
    before_timelock = sum(n in todo for n in (CONTRACT, AUCTION)) + 4 * (TOKEN in todo)
    timelock_at = create_address(me, deployer.nonce + before_timelock)
    fees_to = treasury or timelock_at

    if CONTRACT in todo:
        escrow = project.MilestoneEscrow.deploy(me, me, fees_to, fee_bps, sender=deployer)
        recorded[CONTRACT] = _record(escrow, {"admin": me, "guardian": me, "treasury": fees_to, "fee_bps": fee_bps})
    escrow = at(CONTRACT, recorded[CONTRACT]["address"])
    cfg = config or GovernorConfig()
    implementation = shipped(TOKEN).deploy(sender=deployer)
    init = implementation.initialize.encode_input("quiltkit", "QUILT", 10**27, me, timelock_at, 10**18)
    proxy = shipped("ERC1967Proxy").deploy(implementation.address, init, sender=deployer)
    token = at(TOKEN, proxy.address)
    owner = me if keep_admin else timelock_at
    if AUCTION in todo:
        house = project.AuctionHouse.deploy(owner, fees_to, fee_bps, royalty_cap_bps, sender=deployer)
        recorded[AUCTION] = _record(
            house, {"owner": owner, "treasury": fees_to, "fee_bps": fee_bps, "royalty_cap_bps": royalty_cap_bps}
        )
    house = at(AUCTION, recorded[AUCTION]["address"])
    # The token's V2 lockers exist before the Timelock so that its allow-list can name them.
    pool, bonds = _deploy_staking(deployer, recorded, token, timelock_at, keep_admin=keep_admin)
    pause = keccak(text="pause()")[:4]
    # A false attestation can be slashed by an EMERGENCY proposal (the short delay), as the
    # staking design allows; pausing new stakes is an emergency call like the other pauses.
    emergency = [(a.address, pause) for a in (token, escrow, house, pool)]
    emergency.append((bonds.address, keccak(text=SLASH_SIGNATURE)[:4]))
    timelock = shipped(TIMELOCK).deploy(min_delay, [], [], me, emergency, sender=deployer)
    if timelock.address != timelock_at:
        raise ApeException(
            f"the Timelock landed at {timelock.address}, not {timelock_at}: the deployer sent another "
            "transaction meanwhile; rerun with --redeploy"
        )
    governor = shipped(GOVERNOR).deploy(token.address, timelock.address, cfg.as_tuple(), sender=deployer)
    recorded[TOKEN] = _record(
        proxy,
        {"name": "quiltkit", "symbol": "QUILT", "cap": 10**27, "treasury": timelock_at, "donation_rate": 10**18},
        implementation=_record(implementation, {}),
    )
    recorded[TIMELOCK] = _record(
        timelock, {"min_delay": min_delay, "emergency_calls": [[t, "0x" + s.hex()] for t, s in emergency]}
    )
    recorded[GOVERNOR] = _record(governor, cfg.model_dump(mode="json"))
    for name in DAO:
        recorded[name]["artifact"] = f"quiltkit/abi/{name if name != TOKEN else 'ERC1967Proxy'}.json"
    # The deployer still holds the upgrader role here: the token reaches V2 before the hand-over.
    _upgrade_token(deployer, recorded, token, pool, bonds)
    if keep_admin:
        _share_staking_admin(deployer, pool, bonds, timelock.address)

    # The bond registry records a bonded set's suspended verifiers in the escrow (pushSuspensions,
    # permissionless there); the escrow's deployer is its admin until the hand-over. Sent after
    # the Timelock, whose address was fixed by the deployer's nonce.
    if escrow.hasRole(ADMIN_ROLE, me) and not escrow.hasRole(role_id(VERIFIER_BONDS_ROLE), bonds.address):
        escrow.grantRole(role_id(VERIFIER_BONDS_ROLE), bonds.address, sender=deployer)
    _hand_over(deployer, token, escrow, house, timelock, governor, keep_admin=keep_admin)
    _deploy_badges(deployer, recorded, timelock, bonds.address, keep_admin=keep_admin)
    _deploy_funding(deployer, recorded, timelock, bonds.address, keep_admin=keep_admin)
    parties = {"deployer": me, "timelock": timelock.address, "governor": governor.address}
    return _write_manifest(path, recorded, parties), True


def _write_manifest(path: Path, recorded: dict[str, Any], parties: dict[str, str]) -> dict[str, Any]:
    manifest = {
        "network": f"{chain.provider.network.ecosystem.name}:{chain.provider.network.name}",
        "chain_id": chain.chain_id,
        "deployed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "compilers": compilers(),
        "contracts": recorded,
        "roles": roles(recorded, parties),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    return manifest


def _deploy_badges(
    deployer: Any, recorded: dict[str, Any], timelock: ContractInstance, bonds: str | None, *, keep_admin: bool
) -> None:
    """SoulboundBadge and TieredBadges, administered by the Timelock (and, with keep_admin, the
    deployer, which then also holds TieredBadges' ISSUER_ROLE); no role is left to renounce. The
    bond registry (when there is one) records the validators' suspensions from construction on."""
    me, tl = deployer.address, timelock.address
    admin = me if keep_admin else tl
    verifier_bonds = bonds or ZERO_ADDRESS
    badges = shipped(BADGES).deploy(
        "quiltkit badges", "QKB", admin, BADGE_RATE_BPS, ACTIVITY_WEIGHT, verifier_bonds, sender=deployer
    )
    tiers = shipped(TIERS).deploy("", admin, sender=deployer)
    if keep_admin:
        badges.grantRole(ADMIN_ROLE, tl, sender=deployer)
        tiers.grantRole(ADMIN_ROLE, tl, sender=deployer)
    recorded[BADGES] = _record(
        badges,
        {
            "admin": admin,
            "annual_rate_bps": BADGE_RATE_BPS,
            "activity_weight": ACTIVITY_WEIGHT,
            "verifier_bonds": verifier_bonds,
        },
    )
    recorded[TIERS] = _record(tiers, {"uri": "", "admin": admin})
    for name in (BADGES, TIERS):
        recorded[name]["artifact"] = f"quiltkit/abi/{name}.json"


def _deploy_funding(
    deployer: Any, recorded: dict[str, Any], timelock: ContractInstance, bonds: str | None, *, keep_admin: bool
) -> None:
    """FundingRoundFactory over a FundingRound implementation: the Timelock creates rounds (a
    proposal) and administers the factory (beside the deployer with keep_admin). The
    implementation names the bond registry, which may then suspend any round's verifiers."""
    me, tl = deployer.address, timelock.address
    admin = me if keep_admin else tl
    verifier_bonds = bonds or ZERO_ADDRESS
    implementation = shipped("FundingRound").deploy(verifier_bonds, sender=deployer)
    factory = shipped(FUNDING).deploy(implementation.address, admin, tl, sender=deployer)
    if keep_admin:
        factory.grantRole(ADMIN_ROLE, tl, sender=deployer)
    recorded[FUNDING] = _record(
        factory,
        {"implementation": implementation.address, "admin": admin, "creator": tl},
        implementation=_record(implementation, {"verifier_bonds": verifier_bonds}),
    )
    recorded[FUNDING]["artifact"] = f"quiltkit/abi/{FUNDING}.json"


def _deploy_staking(
    deployer: Any, recorded: dict[str, Any], token: ContractInstance, timelock: str, *, keep_admin: bool
) -> tuple[ContractInstance, ContractInstance]:
    """QuiltkitStaking (no cooldown) and VerifierBonds over the token proxy: the Timelock distributes
    rewards, administers both and is the only slasher; slashed bonds go to the Timelock (the
    treasury). With keep_admin the deployer holds the admin roles beside it."""
    me = deployer.address
    admin = me if keep_admin else timelock
    pool = shipped(STAKING).deploy(token.address, admin, timelock, 0, sender=deployer)
    bonds = shipped(BONDS).deploy(token.address, admin, timelock, sender=deployer)
    recorded[STAKING] = _record(pool, {"token": token.address, "admin": admin, "distributor": timelock, "cooldown": 0})
    recorded[BONDS] = _record(bonds, {"token": token.address, "governance": admin, "treasury": timelock})
    for name in STAKING_FAMILY:
        recorded[name]["artifact"] = f"quiltkit/abi/{name}.json"
    return pool, bonds


def _share_staking_admin(deployer: Any, pool: ContractInstance, bonds: ContractInstance, timelock: str) -> None:
    """With keep_admin: the Timelock's roles beside the deployer's (sent after the Timelock exists,
    so that its precomputed address holds)."""
    for contract, names in ((pool, ("DEFAULT_ADMIN_ROLE", "PAUSER_ROLE")), (bonds, BOND_ROLES)):
        for role in names:
            if not contract.hasRole(role_id(role), timelock):
                contract.grantRole(role_id(role), timelock, sender=deployer)


def _upgrade_token(
    deployer: Any, recorded: dict[str, Any], token: ContractInstance, pool: ContractInstance, bonds: ContractInstance
) -> None:
    """Deploy GovernanceTokenV2 with the two lockers and upgrade the proxy to it (UUPS,
    `initializeV2` in the same call) when the deployer holds the upgrader role; otherwise record
    the call for a Timelock proposal (the upgrader role is the Timelock's)."""
    implementation = shipped(TOKEN_V2).deploy(pool.address, bonds.address, sender=deployer)
    # A token already at V2 (new lockers beside a live DAO) has run its reinitializer: the
    # upgrade then carries no call.
    init = b"" if recorded[TOKEN].get("v1_implementation") else implementation.initializeV2.encode_input()
    record = _record(implementation, {"staking": pool.address, "bonds": bonds.address})
    record["artifact"] = f"quiltkit/abi/{TOKEN_V2}.json"
    entry = recorded[TOKEN]
    if token.hasRole(role_id("UPGRADER_ROLE"), deployer.address):
        token.upgradeToAndCall(implementation.address, init, sender=deployer)
        entry.setdefault("v1_implementation", entry.get("implementation"))
        entry["implementation"] = record
        entry.pop("pending_upgrade", None)
    else:
        calldata = token.upgradeToAndCall.encode_input(implementation.address, init)
        entry["pending_upgrade"] = {
            "implementation": record,
            "call": {"target": token.address, "value": 0, "calldata": "0x" + bytes(calldata).hex()},
        }


def _hand_over(
    deployer: Any,
    token: ContractInstance,
    escrow: ContractInstance,
    house: ContractInstance,
    timelock: ContractInstance,
    governor: ContractInstance,
    *,
    keep_admin: bool,
) -> None:
    """The Timelock takes every role; the deployer renounces its own last (unless keep_admin)."""
    me, tl = deployer.address, timelock.address
    for role in ("PROPOSER_ROLE", "CANCELLER_ROLE", "EXECUTOR_ROLE"):
        timelock.grantRole(role_id(role), governor.address, sender=deployer)
    for contract, names in ((token, TOKEN_ROLES), (escrow, ESCROW_ROLES)):
        for role in names:
            if contract.hasRole(role_id(role), me) and not contract.hasRole(role_id(role), tl):
                contract.grantRole(role_id(role), tl, sender=deployer)
    if house.owner() == me and house.pending_owner() != tl:
        house.transfer_ownership(tl, sender=deployer)  # the Timelock accepts through a proposal
    if keep_admin:
        return
    for contract, names in ((token, TOKEN_ROLES), (escrow, ESCROW_ROLES)):
        # DEFAULT_ADMIN_ROLE last: the others stay renounceable until then
        for role in reversed(names):
            if contract.hasRole(role_id(role), me):
                contract.renounceRole(role_id(role), me, sender=deployer)
    timelock.renounceRole(ADMIN_ROLE, me, sender=deployer)


def roles(recorded: dict[str, Any], parties: dict[str, str]) -> dict[str, Any]:
    """Who of ``parties`` holds which role (and owns the house), read from the chain."""

    def holders(contract: ContractInstance, role: str) -> list[str]:
        return [name for name, address in parties.items() if contract.hasRole(role_id(role), address)]

    house = at(AUCTION, recorded[AUCTION]["address"])
    by_address = {address: name for name, address in parties.items()}
    owner, pending = house.owner(), house.pending_owner()
    return {
        BADGES: {r: holders(at(BADGES, recorded[BADGES]["address"]), r) for r in BADGE_ROLES},
        TIERS: {r: holders(at(TIERS, recorded[TIERS]["address"]), r) for r in TIER_ROLES},
        FUNDING: {r: holders(at(FUNDING, recorded[FUNDING]["address"]), r) for r in FUNDING_ROLES},
        TOKEN: {r: holders(at(TOKEN, recorded[TOKEN]["address"]), r) for r in TOKEN_ROLES},
        STAKING: {r: holders(at(STAKING, recorded[STAKING]["address"]), r) for r in STAKING_ROLES},
        BONDS: {r: holders(at(BONDS, recorded[BONDS]["address"]), r) for r in BOND_ROLES},
        CONTRACT: {r: holders(at(CONTRACT, recorded[CONTRACT]["address"]), r) for r in ESCROW_ROLES},
        TIMELOCK: {r: holders(at(TIMELOCK, recorded[TIMELOCK]["address"]), r) for r in TIMELOCK_ROLES},
        AUCTION: {
            "owner": by_address.get(owner, owner),
            "pending_owner": None if int(pending, 16) == 0 else by_address.get(pending, pending),
        },
    }


def _record(contract: Any, constructor: dict[str, Any], **extra: Any) -> dict[str, Any]:
    creation = contract.creation_metadata
    assert creation is not None
    receipt = chain.provider.get_receipt(creation.txn_hash)
    return {
        "address": contract.address,
        "tx_hash": receipt.txn_hash,
        "block": receipt.block_number,
        "constructor": constructor,
        **extra,
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
@click.option("--treasury", default=None, help="Fee receiver of the escrow and the house (default: the Timelock).")
@click.option("--fee-bps", default=0, show_default=True, type=click.IntRange(0, 1000))
@click.option(
    "--royalty-cap-bps",
    default=1_000,
    show_default=True,
    type=click.IntRange(0, 2_500),
    help="Most an ERC-2981 royalty may take of a winning bid at the AuctionHouse.",
)
@click.option(
    "--min-delay",
    default=DEFAULT_MIN_DELAY,
    show_default=True,
    type=click.IntRange(0, 2**32 - 1),
    help="The Timelock's minimum delay in seconds (the EMERGENCY delay).",
)
@click.option("--keep-admin", is_flag=True, help="The deployer keeps its roles beside the Timelock.")
@click.option("--redeploy", is_flag=True, help="Deploy even if a live deployment is recorded.")
@click.option("--dry-run", is_flag=True, help="Show what would happen; send nothing.")
def cli(
    choice: str,
    alias: str | None,
    treasury: str | None,
    fee_bps: int,
    royalty_cap_bps: int,
    min_delay: int,
    keep_admin: bool,
    redeploy: bool,
    dry_run: bool,
) -> None:
    """Deploy MilestoneEscrow, AuctionHouse, the badges and the DAO that owns them; write the manifest."""
    known = set(networks.get_network_choices())
    if choice not in known:
        fail(f"unknown network {choice!r} (see `ape networks list` for ecosystem:network:provider choices)")
    if treasury is not None:
        try:
            treasury = to_checksum_address(treasury)
        except ValueError:
            fail(f"--treasury must be an address, got {treasury!r}")
    try:
        with networks.parse_network_choice(choice):
            _deploy_connected(alias, treasury, fee_bps, royalty_cap_bps, min_delay, keep_admin, redeploy, dry_run)
    except ApeException as exc:
        fail(f"{choice}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")


def _deploy_connected(
    alias: str | None,
    treasury: str | None,
    fee_bps: int,
    royalty_cap_bps: int,
    min_delay: int,
    keep_admin: bool,
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
    todo = to_deploy(existing, redeploy)
    if dry_run:
        click.echo(f"dry run: would deploy {', '.join(todo)} from {deployer.address} on chain {chain.chain_id}")
        return
    manifest, _ = deploy(
        deployer,
        path=path,
        treasury=treasury,
        fee_bps=fee_bps,
        royalty_cap_bps=royalty_cap_bps,
        min_delay=min_delay,
        keep_admin=keep_admin,
        redeploy=redeploy,
    )
    for name in todo:
        info = manifest["contracts"][name]
        click.echo(f"{name} deployed at {info['address']} (tx {info['tx_hash']})")
    timelock = manifest["contracts"][TIMELOCK]["address"]
    kept = " (the deployer kept its roles: --keep-admin)" if keep_admin else "; the deployer renounced its roles"
    click.echo(f"the Timelock {timelock} administers everything{kept}")
    pending = manifest["roles"][AUCTION]["pending_owner"]
    if pending == "timelock":
        click.echo("the AuctionHouse is offered to the Timelock; a proposal calling accept_ownership takes it")
    click.echo(f"wrote {path.relative_to(ROOT)}")
