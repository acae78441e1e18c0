"""The ``quiltkit`` command line: a demo, escrow inspection, governance and payout-intent tools.

Errors print one readable line on stderr and exit non-zero.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from web3 import Web3

from quiltkit import intents
from quiltkit._types import chain_address, checksum
from quiltkit.escrow import Escrow, MilestoneState
from quiltkit.exceptions import InvalidInput, QuiltkitError
from quiltkit.relayer_client import DEFAULT_URL as RELAYER_URL
from quiltkit.relayer_client import request as relayer_request

__all__ = ["main"]


COMMANDS_GROUP = "quiltkit.commands"
"""Entry-point group of commands other packages attach to ``quiltkit`` (the relayer's ``relayer``
group): loaded only when named, so the SDK imports none of them."""
CHAPTERS_GROUP = "quiltkit.demo_chapters"
"""Entry-point group of closing chapters of ``quiltkit demo``: ``chapter(w3, escrow, token, say)``."""


def _plugins(group: str) -> dict[str, importlib.metadata.EntryPoint]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=group)}


class _Cli(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_plugins(COMMANDS_GROUP)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        plugin = _plugins(COMMANDS_GROUP).get(cmd_name)
        if plugin is None:
            return None
        try:
            loaded = plugin.load()
        except ImportError as exc:  # its package's extra is not installed
            raise click.ClickException(f"`quiltkit {cmd_name}` needs its extra: {exc}") from None
        if not isinstance(loaded, click.Command):
            raise click.ClickException(f"entry point {plugin.value} is not a click command")
        return loaded

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QuiltkitError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except ConnectionError as exc:
            click.echo(f"error: cannot reach the node: {exc}", err=True)
            sys.exit(1)


@click.group(cls=_Cli)
@click.version_option(package_name="quiltkit")
def main() -> None:
    """quiltkit: fund and pay open work on-chain."""


@main.command()
@click.option("--anvil", "use_anvil", is_flag=True, help="Run on a fresh anvil instead of the embedded chain.")
@click.option("--rpc-url", default=None, help="Run on this dev node (accounts of the test mnemonic funded).")
@click.option("--no-stellar", is_flag=True, help="Skip the Stellar (Soroban) chapter.")
@click.option("--no-relayer", is_flag=True, help="Skip the closing chapter: the relayer paid by a GitHub webhook.")
@click.option("--no-auction", is_flag=True, help="Skip the auction chapter (a patent NFT auctioned).")
@click.option("--no-governance", is_flag=True, help="Skip the governance chapter (the DAO that owns quiltkit).")
@click.option("--no-badges", is_flag=True, help="Skip the reputation chapter (a badge by attestation, decay).")
@click.option("--no-staking", is_flag=True, help="Skip the staking chapter (votes kept, rewards, a slashed verifier).")
@click.option("--no-funding", is_flag=True, help="Skip the funding chapter (a DAO-made quadratic round, a contest).")
def demo(
    use_anvil: bool,
    rpc_url: str | None,
    no_stellar: bool,
    no_relayer: bool,
    no_auction: bool,
    no_governance: bool,
    no_badges: bool,
    no_staking: bool,
    no_funding: bool,
) -> None:
    """Play the bounty story: fund, attested release, dispute, refund (EVM, then Stellar); a patent
    NFT auctioned with a last-minute race; the DAO: donations, a help request paid from escrow,
    quadratic counting, a refused emergency; the paid contributor's soulbound badge and its
    decaying reputation; staking that keeps votes, rewards in two tokens and a verifier slashed by
    vote; a funding round the DAO creates, matched quadratically, and a contest paid by a signed
    leaderboard; then a merged pull request's GitHub webhook has the relayer pay a bounty."""
    from quiltkit.demo import run_story

    with _demo_chain(use_anvil, rpc_url) as (w3, label):
        click.echo(f"== quiltkit demo on {label} ==")
        story = run_story(w3, say=click.echo)
        deployed: dict[str, str] = {"MilestoneEscrow": story.escrow}  # by manifest name, for the closing chapters
        if not no_auction:
            from quiltkit.auction_demo import run_auction_chapter

            click.echo("")
            click.echo(f"== quiltkit demo, the auction house: a project auctions a patent NFT ({label}) ==")
            deployed["AuctionHouse"] = run_auction_chapter(w3, say=click.echo).house
        if not no_governance:
            from quiltkit.governance_demo import run_governance_chapter

            click.echo("")
            click.echo(f"== quiltkit demo, governance: the DAO that owns quiltkit ({label}) ==")
            dao = run_governance_chapter(w3, say=click.echo)
            deployed["QuiltkitGovernor"] = dao.governor
        if not no_badges:
            from quiltkit.badges_demo import run_badges_chapter

            click.echo("")
            click.echo(f"== quiltkit demo, reputation: the paid contributor earns a soulbound badge ({label}) ==")
            run_badges_chapter(w3, say=click.echo, evidence_hash=story.intent_id)
        if not no_staking:
            from quiltkit.staking_demo import run_staking_chapter

            click.echo("")
            click.echo(f"== quiltkit demo, staking: votes kept, rewards in two tokens, a slashed verifier ({label}) ==")
            staked = run_staking_chapter(w3, say=click.echo)
            deployed["QuiltkitStaking"], deployed["VerifierBonds"] = staked.staking, staked.bonds
        if not no_funding:
            from quiltkit.funding_demo import run_funding_chapter

            click.echo("")
            click.echo(
                f"== quiltkit demo, funding: a round the DAO creates, quadratic matching, a contest ({label}) =="
            )
            run_funding_chapter(w3, say=click.echo)
        if not no_stellar:
            _stellar_chapter()
        _closing_chapters(w3, story.escrow, story.token, deployed, skip={"relayer"} if no_relayer else set())


def _closing_chapters(w3: Web3, escrow: str, token: str, deployed: dict[str, str], skip: set[str]) -> None:
    """The chapters other packages add (the relayer's: a bounty paid from a GitHub webhook; the
    indexer's: the demo's contracts rebuilt from their events). ``deployed``: the demo's contracts
    by manifest name, for a chapter that reads more than the story's escrow."""
    for name, plugin in sorted(_plugins(CHAPTERS_GROUP).items()):
        if name in skip:
            continue
        click.echo("")
        try:
            chapter = plugin.load()
        except ImportError:
            click.echo(f"== {name} chapter skipped: its package is not installed (pip install 'quiltkit[{name}]') ==")
            continue
        chapter(w3, escrow, token, click.echo, contracts=deployed)


def _stellar_chapter() -> None:
    """The same story on the local Soroban host; one line and no chapter if it is not built."""
    from quiltkit.soroban.backend import BUILD_HINT, LocalHost
    from quiltkit.soroban.demo import run_story as run_stellar_story
    from quiltkit.soroban.errors import HarnessNotFound

    click.echo("")
    try:
        host = LocalHost()
    except HarnessNotFound:
        click.echo(f"== Stellar chapter skipped: the Soroban harness is not built (run `{BUILD_HINT}`) ==")
        return
    with host:
        click.echo("== quiltkit demo on Stellar: the Soroban escrow on the local Soroban host (harness) ==")
        run_stellar_story(host, say=click.echo)


@contextmanager
def _demo_chain(use_anvil: bool, rpc_url: str | None) -> Iterator[tuple[Web3, str]]:
    from quiltkit import devchain

    if use_anvil and rpc_url:
        raise InvalidInput("choose one of --anvil and --rpc-url")
    if rpc_url:
        yield _connect(rpc_url), rpc_url
    elif use_anvil:
        with devchain.anvil() as w3:
            yield w3, "anvil (started for this run)"
    else:
        yield devchain.embedded_web3(), "the embedded EthTester chain (in-process)"


def _connect(rpc_url: str) -> Web3:
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 10}))
    if not w3.is_connected():
        raise QuiltkitError(f"no node answers at {rpc_url}")
    return w3


@main.group()
def escrow() -> None:
    """Inspect MilestoneEscrow deployments."""


@escrow.command("show")
@click.argument("escrow_id", type=int)
@click.option("--address", required=True, help="MilestoneEscrow contract address.")
@click.option("--rpc-url", default="http://127.0.0.1:8545", show_default=True)
def escrow_show(escrow_id: int, address: str, rpc_url: str) -> None:
    """Print escrow ESCROW_ID as JSON (milestone states by name: PENDING, RELEASED, ...)."""
    checksum(address, "--address")  # before connecting: a key passed here is refused first
    info = Escrow(_connect(rpc_url), address).get_escrow(escrow_id)
    shown = info.model_dump(mode="json")
    for milestone in shown["milestones"]:
        milestone["state"] = MilestoneState(milestone["state"]).name
    click.echo(json.dumps(shown, indent=2))


@main.group()
def auction() -> None:
    """Inspect and settle AuctionHouse auctions."""


@auction.command("show")
@click.argument("auction_id", type=int)
@click.option("--address", required=True, help="AuctionHouse contract address.")
@click.option("--rpc-url", default="http://127.0.0.1:8545", show_default=True)
def auction_show(auction_id: int, address: str, rpc_url: str) -> None:
    """Print auction AUCTION_ID as JSON."""
    from quiltkit.auction import AuctionHouse

    click.echo(AuctionHouse(_connect(rpc_url), address).get_auction(auction_id).model_dump_json(indent=2))


@auction.command("settle-due")
@click.option("--address", required=True, help="AuctionHouse contract address.")
@click.option("--rpc-url", default="http://127.0.0.1:8545", show_default=True)
@click.option("--key-env", default="QUILTKIT_KEEPER_KEY", show_default=True, help="Env var holding the sender's key.")
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(1, 64))
def auction_settle_due(address: str, rpc_url: str, key_env: str, batch_size: int) -> None:
    """Settle every auction that has ended (anyone may); prints one line per settlement."""
    from eth_account import Account

    from quiltkit.auction import AuctionHouse

    key = os.environ.get(key_env)
    if not key:
        raise InvalidInput(f"set ${key_env} to the private key that sends the settlements")
    house = AuctionHouse(_connect(rpc_url), address)
    settled = house.settle_due(sender=Account.from_key(key), batch_size=batch_size)
    for s in settled:
        if s.winner is None:
            click.echo(f"auction {s.auction_id}: no bids, the lot went back to the seller")
        else:
            click.echo(
                f"auction {s.auction_id}: won by {s.winner} for {s.amount} (seller {s.seller_proceeds}, "
                f"royalty {s.royalty}, fee {s.fee}, impact {s.impact})"
            )
    click.echo(f"settled {len(settled)} auction(s)")


# --- governance ---------------------------------------------------------------------------

_KINDS = {
    "standard": 0,
    "treasury-spend": 1,
    "founder-idea": 2,
    "help-request": 3,
    "emergency": 4,
}
_SUPPORT = {"against": 0, "for": 1, "abstain": 2}
_governor_option = click.option("--governor", "governor_address", required=True, help="QuiltkitGovernor address.")
_rpc_option = click.option("--rpc-url", default="http://127.0.0.1:8545", show_default=True)
_gov_key_option = click.option(
    "--key-env", default="QUILTKIT_GOV_KEY", show_default=True, help="Env var holding the sender's key."
)
_from_block_option = click.option(
    "--from-block", default=0, show_default=True, type=click.IntRange(0), help="Search the proposal's log from here."
)


def _governor(address: str, rpc_url: str) -> Any:
    from quiltkit.governance import Governor

    checksum(address, "--governor")  # before connecting: a key passed here is refused first
    return Governor(_connect(rpc_url), address)


def _gov_sender(key_env: str) -> Any:
    from eth_account import Account

    key = os.environ.get(key_env)
    if not key:
        raise InvalidInput(f"set ${key_env} to the private key that sends the transaction")
    try:
        return Account.from_key(key)
    except ValueError:
        raise InvalidInput(f"${key_env} does not hold a private key (32 bytes of hex)") from None


def _parse_call(spec: str) -> Any:
    """TARGET:0xCALLDATA[:VALUE] -> Call."""
    from quiltkit.governance import Call

    parts = spec.split(":")
    if len(parts) not in (2, 3):
        raise InvalidInput(f"--call takes TARGET:0xCALLDATA[:VALUE_WEI], got {spec!r}")
    target = checksum(parts[0], "--call target")
    try:
        data = bytes.fromhex(parts[1].removeprefix("0x"))
    except ValueError:
        raise InvalidInput(f"--call calldata must be hex, got {parts[1]!r}") from None
    value = 0
    if len(parts) == 3:
        if not parts[2].isdigit():
            raise InvalidInput(f"--call value must be a whole number of wei, got {parts[2]!r}")
        value = int(parts[2])
    return Call(target=target, value=value, data=data)


def proposal_table(governor: Any, proposal_id: int) -> str:
    """The readable table of ``gov show``: type and rules, state, tally, quorum and timing."""
    from quiltkit.governance import ProposalType

    tally = governor.tally(proposal_id)
    rules = governor.rules(proposal_id)
    quadratic = rules.kind == ProposalType.FOUNDER_IDEA

    def amount(v: int) -> str:
        return f"{v:,}" if quadratic else f"{v / 10**18:,.4f}"

    unit = "square roots of weight" if quadratic else "tokens"
    reached = "reached" if tally.quorum_counted >= tally.quorum_required else "not reached"
    quorum_line = (
        f"{tally.quorum_counted / 10**18:,.4f} of {tally.quorum_required / 10**18:,.4f} tokens "
        f"({reached}; {rules.quorum_bps / 100:g}% of supply)"
    )
    rows = [
        ("proposal", str(proposal_id)),
        ("type", rules.kind.name + (f" (badge gate {rules.badge})" if rules.badge else "")),
        ("state", tally.state.name),
        (f"for ({unit})", amount(tally.for_)),
        (f"against ({unit})", amount(tally.against)),
        (f"abstain ({unit})", amount(tally.abstain)),
        ("quorum", quorum_line),
        ("voting", f"t={tally.snapshot} .. t={tally.deadline}"),
        ("execution delay", f"{rules.execution_delay} s"),
        ("eta", f"t={tally.eta}" if tally.eta else "- (not queued)"),
    ]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


@main.group()
def gov() -> None:
    """Propose, vote, queue, execute and show governance proposals (QuiltkitGovernor)."""


@gov.command("show")
@click.argument("proposal_id", type=int)
@_governor_option
@_rpc_option
def gov_show(proposal_id: int, governor_address: str, rpc_url: str) -> None:
    """Print proposal PROPOSAL_ID as a table: type and rules, state, tally, quorum, timing."""
    click.echo(proposal_table(_governor(governor_address, rpc_url), proposal_id))


@gov.command("propose")
@_governor_option
@click.option(
    "--call", "calls", multiple=True, required=True, help="TARGET:0xCALLDATA[:VALUE_WEI] (repeat for each call)."
)
@click.option("--description", required=True, help="What the proposal does (voters read it).")
@click.option("--type", "kind", type=click.Choice(list(_KINDS)), default="standard", show_default=True)
@_rpc_option
@_gov_key_option
def gov_propose(
    governor_address: str, calls: tuple[str, ...], description: str, kind: str, rpc_url: str, key_env: str
) -> None:
    """Propose the given calls; prints the proposal id and its table."""
    from quiltkit.governance import ProposalType

    parsed = [_parse_call(c) for c in calls]  # every input checked before connecting
    sender = _gov_sender(key_env)
    governor = _governor(governor_address, rpc_url)
    proposal, _ = governor.propose(parsed, description, kind=ProposalType(_KINDS[kind]), sender=sender)
    click.echo(f"proposed {proposal.proposal_id} ({proposal.kind.name}, {len(parsed)} call(s))")
    click.echo(proposal_table(governor, proposal.proposal_id))


@gov.command("vote")
@click.argument("proposal_id", type=int)
@click.argument("support", type=click.Choice(list(_SUPPORT)))
@click.option("--reason", default=None, help="A reason, recorded in the VoteCast event.")
@_governor_option
@_rpc_option
@_gov_key_option
def gov_vote(
    proposal_id: int, support: str, reason: str | None, governor_address: str, rpc_url: str, key_env: str
) -> None:
    """Vote SUPPORT (for, against, abstain) on PROPOSAL_ID; prints the weight counted."""
    from quiltkit.governance import Support

    sender = _gov_sender(key_env)
    governor = _governor(governor_address, rpc_url)
    cast = governor.cast_vote(proposal_id, Support(_SUPPORT[support]), reason=reason, sender=sender)
    weight = int(cast.event("VoteCast").args["weight"])
    click.echo(f"{sender.address} voted {support} on {proposal_id} with {weight / 10**18:,.4f} tokens of weight")
    click.echo(proposal_table(governor, proposal_id))


@gov.command("queue")
@click.argument("proposal_id", type=int)
@_governor_option
@_rpc_option
@_gov_key_option
@_from_block_option
def gov_queue(proposal_id: int, governor_address: str, rpc_url: str, key_env: str, from_block: int) -> None:
    """Queue succeeded proposal PROPOSAL_ID in the timelock (anyone may)."""
    sender = _gov_sender(key_env)
    governor = _governor(governor_address, rpc_url)
    governor.queue(governor.find_proposal(proposal_id, from_block=from_block), sender=sender)
    click.echo(f"queued {proposal_id}: executable from t={governor.tally(proposal_id).eta}")


@gov.command("execute")
@click.argument("proposal_id", type=int)
@_governor_option
@_rpc_option
@_gov_key_option
@_from_block_option
def gov_execute(proposal_id: int, governor_address: str, rpc_url: str, key_env: str, from_block: int) -> None:
    """Execute queued proposal PROPOSAL_ID once its delay has passed (anyone may)."""
    sender = _gov_sender(key_env)
    governor = _governor(governor_address, rpc_url)
    done = governor.execute(governor.find_proposal(proposal_id, from_block=from_block), sender=sender)
    click.echo(f"executed {proposal_id} (tx {done.tx_hash}, gas {done.gas_used})")


# --- staking and bonds ----------------------------------------------------------------------

_pool_option = click.option("--pool", "pool_address", required=True, help="QuiltkitStaking address.")
_registry_option = click.option("--registry", "registry_address", required=True, help="VerifierBonds address.")
_stake_key_option = click.option(
    "--key-env", default="QUILTKIT_STAKE_KEY", show_default=True, help="Env var holding the sender's key."
)


def _token_amount(text: str, what: str = "AMOUNT") -> int:
    """A positive number of governance tokens ("500", "1.25") -> units of 18 decimals."""
    from decimal import Decimal, InvalidOperation

    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"{what} must be a number of tokens, got {text!r}") from None
    units = value * 10**18
    if not value.is_finite() or value <= 0 or units != units.to_integral_value():
        raise InvalidInput(f"{what} must be a positive number of tokens with at most 18 decimals, got {text!r}")
    return int(units)


def _tokens(units: int, decimals: int = 18) -> str:
    return f"{units / 10**decimals:,.4f}"


def stake_table(pool: Any, account: str) -> str:
    """The table of ``stake show``: the account's stake, its cooldown, and per reward token what
    it can claim (computed client-side, as the contract does) and the stream."""
    from quiltkit.tokens import Token

    pending = pool.pending_unstake(account)
    rows = [
        ("account", account),
        ("staked", _tokens(pool.stake_of(account))),
        ("pool total", _tokens(pool.total_staked())),
        ("cooldown", f"{pool.cooldown()} s"),
        ("unstaking", f"{_tokens(pending.amount)} (free at t={pending.ready_at})" if pending.amount else "-"),
    ]
    for token, amount in pool.pending_rewards(account).items():
        erc20 = Token(pool.w3, token)
        decimals, symbol = erc20.decimals(), erc20.symbol()
        data = pool.reward_data(token)
        rate = data.rate * 86_400 // 10**18
        rows.append((f"claimable {symbol}", f"{_tokens(amount, decimals)} ({token})"))
        rows.append((f"stream {symbol}", f"{_tokens(rate, decimals)} a day until t={data.period_finish}"))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def bond_table(registry: Any, verifier: str, set_id: bytes | None) -> str:
    """The table of ``bonds show``: the verifier's bond, what a slash can take, and (with a set)
    the set's minimum and whether the verifier counts."""
    bond = registry.bond_of(verifier)
    rows = [
        ("verifier", verifier),
        ("active bond", _tokens(bond.active)),
        ("unbonding", f"{_tokens(bond.unbonding)} (free at t={bond.ready_at})" if bond.unbonding else "-"),
        ("slashable", _tokens(registry.slashable_of(verifier))),
        ("unbond delay", f"{registry.unbond_delay()} s"),
    ]
    if set_id is not None:
        rows.append(("set", "0x" + set_id.hex()))
        rows.append(("set minimum", _tokens(registry.minimum_bond(set_id))))
        rows.append(("counts", "yes" if registry.counts(set_id, verifier) else "no (below the minimum)"))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def _pool(address: str, rpc_url: str) -> Any:
    from quiltkit.staking import Staking

    checksum(address, "--pool")
    return Staking(_connect(rpc_url), address)


def _registry(address: str, rpc_url: str) -> Any:
    from quiltkit.staking import VerifierBonds

    checksum(address, "--registry")
    return VerifierBonds(_connect(rpc_url), address)


def _set_id(text: str | None) -> bytes | None:
    if text is None:
        return None
    try:
        raw = bytes.fromhex(text.removeprefix("0x"))
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise InvalidInput(f"--set-id must be 32 bytes of hex, got {text!r}")
    return raw


@main.group()
def stake() -> None:
    """Stake the governance token (votes kept), unstake, claim rewards (QuiltkitStaking)."""


@stake.command("show")
@click.argument("account")
@_pool_option
@_rpc_option
def stake_show(account: str, pool_address: str, rpc_url: str) -> None:
    """Print ACCOUNT's stake and claimable rewards as a table."""
    account_ = checksum(account, "ACCOUNT")
    click.echo(stake_table(_pool(pool_address, rpc_url), account_))


@stake.command("stake")
@click.argument("amount")
@_pool_option
@_rpc_option
@_stake_key_option
def stake_stake(amount: str, pool_address: str, rpc_url: str, key_env: str) -> None:
    """Stake AMOUNT governance tokens (they stay in your balance and keep voting)."""
    units = _token_amount(amount)
    sender = _gov_sender(key_env)
    pool = _pool(pool_address, rpc_url)
    pool.stake(units, sender=sender)
    click.echo(f"staked {_tokens(units)} tokens")
    click.echo(stake_table(pool, sender.address))


@stake.command("unstake")
@click.argument("amount")
@_pool_option
@_rpc_option
@_stake_key_option
def stake_unstake(amount: str, pool_address: str, rpc_url: str, key_env: str) -> None:
    """Unstake AMOUNT tokens (unlocked now, or by `stake withdraw` after the cooldown)."""
    units = _token_amount(amount)
    sender = _gov_sender(key_env)
    pool = _pool(pool_address, rpc_url)
    done = pool.unstake(units, sender=sender)
    queued = done.events_named("UnstakeQueued")
    tail = f" (free at t={queued[0].args['readyAt']})" if queued else ""
    click.echo(f"unstaked {_tokens(units)} tokens{tail}")
    click.echo(stake_table(pool, sender.address))


@stake.command("withdraw")
@_pool_option
@_rpc_option
@_stake_key_option
def stake_withdraw(pool_address: str, rpc_url: str, key_env: str) -> None:
    """Unlock tokens whose unstaking cooldown has passed."""
    sender = _gov_sender(key_env)
    pool = _pool(pool_address, rpc_url)
    done = pool.withdraw(sender=sender)
    click.echo(f"unlocked {_tokens(int(done.event('Unstaked').args['amount']))} tokens")


@stake.command("claim")
@click.option("--token", "reward_token", default=None, help="One reward token (default: every one).")
@_pool_option
@_rpc_option
@_stake_key_option
def stake_claim(reward_token: str | None, pool_address: str, rpc_url: str, key_env: str) -> None:
    """Claim rewards: one token, or all of them."""
    token = None if reward_token is None else checksum(reward_token, "--token")
    sender = _gov_sender(key_env)
    pool = _pool(pool_address, rpc_url)
    done = pool.claim_all(sender=sender) if token is None else pool.claim(token, sender=sender)
    paid = done.events_named("RewardPaid")
    for event in paid:
        click.echo(f"claimed {event.args['amount']} units of {event.args['token']}")
    if not paid:
        click.echo("nothing to claim")


@main.group()
def bonds() -> None:
    """Bond, unbond and inspect verifier bonds (VerifierBonds)."""


@bonds.command("show")
@click.argument("verifier")
@click.option("--set-id", default=None, help="A verifier set id (32 bytes of hex): show its minimum.")
@_registry_option
@_rpc_option
def bonds_show(verifier: str, set_id: str | None, registry_address: str, rpc_url: str) -> None:
    """Print VERIFIER's bond as a table."""
    verifier_, set_ = checksum(verifier, "VERIFIER"), _set_id(set_id)
    click.echo(bond_table(_registry(registry_address, rpc_url), verifier_, set_))


@bonds.command("bond")
@click.argument("amount")
@_registry_option
@_rpc_option
@_stake_key_option
def bonds_bond(amount: str, registry_address: str, rpc_url: str, key_env: str) -> None:
    """Bond AMOUNT governance tokens (locked in your balance, votes kept, slashable by the DAO)."""
    units = _token_amount(amount)
    sender = _gov_sender(key_env)
    registry = _registry(registry_address, rpc_url)
    registry.bond(units, sender=sender)
    click.echo(f"bonded {_tokens(units)} tokens")
    click.echo(bond_table(registry, sender.address, None))


@bonds.command("unbond")
@click.argument("amount")
@_registry_option
@_rpc_option
@_stake_key_option
def bonds_unbond(amount: str, registry_address: str, rpc_url: str, key_env: str) -> None:
    """Start unbonding AMOUNT tokens (slashable until the delay ends)."""
    units = _token_amount(amount)
    sender = _gov_sender(key_env)
    registry = _registry(registry_address, rpc_url)
    done = registry.unbond(units, sender=sender)
    click.echo(f"unbonding {_tokens(units)} tokens, free at t={done.event('UnbondStarted').args['readyAt']}")


@bonds.command("withdraw")
@_registry_option
@_rpc_option
@_stake_key_option
def bonds_withdraw(registry_address: str, rpc_url: str, key_env: str) -> None:
    """Unlock tokens whose unbonding delay has passed."""
    sender = _gov_sender(key_env)
    registry = _registry(registry_address, rpc_url)
    done = registry.withdraw_unbonded(sender=sender)
    click.echo(f"unlocked {_tokens(int(done.event('Unbonded').args['amount']))} tokens")


@main.group()
def intent() -> None:
    """Sign, verify, submit and follow payout intents (EIP-712)."""


def _load_intent(path: str) -> intents.PayoutIntent:
    """The intent in a JSON file (``-``: stdin), snake_case or the camelCase of ``message()``.
    A bad field raises the model's own error (InvalidAddress for an address) naming it."""
    try:
        if path == "-":
            raw = json.load(sys.stdin)
        else:
            with open(path) as fh:
                raw = json.load(fh)
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"cannot read a payout intent from {path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise InvalidInput(f"{path} must hold a JSON object (the intent's fields)")
    return intents.PayoutIntent.model_validate(raw)


@intent.command("sign")
@click.argument("intent_file")
@click.option("--chain-id", type=int, required=True)
@click.option("--contract", required=True, help="MilestoneEscrow address (EIP-712 verifying contract).")
@click.option("--key-env", default="QUILTKIT_VERIFIER_KEY", show_default=True, help="Env var holding the key.")
def intent_sign(intent_file: str, chain_id: int, contract: str, key_env: str) -> None:
    """Sign the intent in INTENT_FILE (JSON: snake_case fields, or the camelCase EIP-712 message);
    prints the signature."""
    key = os.environ.get(key_env)
    if not key:
        raise InvalidInput(f"set {key_env} to the verifier's private key")
    domain = intents.EvmDomain(chain_id=chain_id, verifying_contract=contract)
    click.echo("0x" + intents.sign_intent(_load_intent(intent_file), domain, key).hex())


@intent.command("verify")
@click.argument("intent_file")
@click.argument("signature")
@click.option("--chain-id", type=int, required=True)
@click.option("--contract", required=True)
def intent_verify(intent_file: str, signature: str, chain_id: int, contract: str) -> None:
    """Print the address that produced SIGNATURE over the intent in INTENT_FILE."""
    domain = intents.EvmDomain(chain_id=chain_id, verifying_contract=contract)
    try:
        raw = bytes.fromhex(signature.removeprefix("0x"))
    except ValueError as exc:
        raise InvalidInput("signature must be hex") from exc
    click.echo(intents.recover_signer(_load_intent(intent_file), domain, raw))


# --- badges -------------------------------------------------------------------------------------


@main.group()
def badges() -> None:
    """Inspect SoulboundBadge deployments and sign badge attestations."""


@badges.command("show")
@click.argument("token_id", type=int)
@click.option("--address", required=True, help="SoulboundBadge contract address.")
@click.option("--rpc-url", default="http://127.0.0.1:8545", show_default=True)
def badges_show(token_id: int, address: str, rpc_url: str) -> None:
    """Print badge TOKEN_ID as JSON (holder, type, issue time, evidence hash, expiry)."""
    from quiltkit.badges import SoulboundBadge

    checksum(address, "--address")
    click.echo(SoulboundBadge(_connect(rpc_url), address).badge(token_id).model_dump_json(indent=2))


@badges.command("reputation")
@click.argument("holder")
@click.option("--address", required=True, help="SoulboundBadge contract address.")
@click.option("--rpc-url", default="http://127.0.0.1:8545", show_default=True)
@click.option("--at", "at_time", type=int, default=None, help="Also project it to this unix time (no activity).")
def badges_reputation(holder: str, address: str, rpc_url: str, at_time: int | None) -> None:
    """Print HOLDER's reputation as JSON: stored score, last activity, value now (the chain's
    time) and, with --at, the value then, computed client-side with the contract's arithmetic."""
    from quiltkit.badges import SoulboundBadge

    checksum(address, "--address")
    checksum(holder, "HOLDER")
    rep = SoulboundBadge(_connect(rpc_url), address).reputation(holder)
    shown: dict[str, Any] = rep.model_dump(mode="json")
    if at_time is not None:
        shown["projected"] = {"at": at_time, "value": rep.at_time(at_time)}
    click.echo(json.dumps(shown, indent=2))


@badges.command("attest")
@click.option("--holder", required=True)
@click.option("--type", "badge_type", type=int, required=True, help="Badge type id.")
@click.option("--evidence", "evidence_hash", required=True, help="Evidence hash (32 bytes hex), e.g. an intent id.")
@click.option("--attestation-id", required=True, help="Unique attestation id (32 bytes hex).")
@click.option("--deadline", type=int, required=True, help="Unix time after which it cannot be submitted.")
@click.option("--chain-id", type=int, required=True)
@click.option("--contract", required=True, help="SoulboundBadge address (EIP-712 verifying contract).")
@click.option("--key-env", default="QUILTKIT_VALIDATOR_KEY", show_default=True, help="Env var holding the key.")
def badges_attest(
    holder: str,
    badge_type: int,
    evidence_hash: str,
    attestation_id: str,
    deadline: int,
    chain_id: int,
    contract: str,
    key_env: str,
) -> None:
    """Sign a BadgeAttestation with a validator's key; prints the signature."""
    from quiltkit.attestations import BadgeAttestation, BadgeDomain, sign_attestation

    key = os.environ.get(key_env)
    if not key:
        raise InvalidInput(f"set {key_env} to the validator's private key")
    attestation = BadgeAttestation(
        holder=holder,
        badge_type=badge_type,
        evidence_hash=evidence_hash,
        attestation_id=attestation_id,
        deadline=deadline,
    )
    domain = BadgeDomain(chain_id=chain_id, verifying_contract=contract)
    click.echo("0x" + sign_attestation(attestation, domain, key).hex())


# --- intents to a relayer's API (`quiltkit relayer ...` itself comes from the relayer package) --

_url_option = click.option("--url", default=RELAYER_URL, show_default=True, envvar="QUILTKIT_RELAYER_URL")
_key_option = click.option("--api-key", default=None, envvar="QUILTKIT_RELAYER_API_KEY", help="X-API-Key, if set.")


@intent.command("submit")
@click.argument("intent_file")
@click.option("--signature", "signatures", multiple=True, help="A verifier's signature (repeat for each).")
@click.option("--chain-id", type=int, default=None, help="EIP-712 chain id (or in the file).")
@click.option("--contract", default=None, help="MilestoneEscrow address (or in the file).")
@_url_option
@_key_option
def intent_submit(
    intent_file: str,
    signatures: tuple[str, ...],
    chain_id: int | None,
    contract: str | None,
    url: str,
    api_key: str | None,
) -> None:
    """Send the intent in INTENT_FILE with its signatures to a relayer; prints the stored record.

    INTENT_FILE holds either the intent alone (then pass --chain-id, --contract and --signature)
    or a whole submission: {"chain_id", "contract", "intent", "signatures"}.
    """
    try:
        with open(intent_file) as fh:
            raw = json.load(fh) if intent_file != "-" else json.load(sys.stdin)
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"cannot read {intent_file}: {exc}") from exc
    body = dict(raw) if isinstance(raw, dict) and "intent" in raw else {"intent": raw}
    body["intent"] = json.loads(intents.PayoutIntent(**body["intent"]).model_dump_json())
    if chain_id is not None:
        body["chain_id"] = chain_id
    if contract is not None:
        body["contract"] = contract
    if signatures:
        body["signatures"] = list(body.get("signatures", [])) + list(signatures)
    if "contract" in body:  # checked here: a key passed by mistake is never sent anywhere
        body["contract"] = chain_address(body["contract"], "--contract")
    missing = [k for k in ("chain_id", "contract") if k not in body]
    if missing:
        raise InvalidInput(
            f"give {' and '.join('--' + k.replace('_', '-') for k in missing)} (or put them in the file)"
        )
    status, answer = relayer_request("POST", f"{url.rstrip('/')}/intents", api_key, body)
    click.echo(json.dumps(answer, indent=2))
    if status >= 300:
        sys.exit(1)


@intent.command("status")
@click.argument("intent_id")
@_url_option
@_key_option
def intent_status(intent_id: str, url: str, api_key: str | None) -> None:
    """Print a relayer's record of INTENT_ID."""
    status, answer = relayer_request("GET", f"{url.rstrip('/')}/intents/{intent_id}", api_key)
    click.echo(json.dumps(answer, indent=2))
    if status >= 300:
        sys.exit(1)


# --- soroban: the `stellar` CLI for real networks (imported lazily: stellar-sdk stays unloaded) --


@main.group()
def soroban() -> None:
    """Build, deploy and invoke the Soroban escrow with the `stellar` CLI."""


@soroban.command("build")
@click.option("--manifest-path", default="soroban/Cargo.toml", show_default=True, help="Cargo workspace manifest.")
@click.option("--package", default="quiltkit-soroban-escrow", show_default=True)
@click.option("--out-dir", default=None, help="Copy the built wasm here.")
def soroban_build(manifest_path: str, package: str, out_dir: str | None) -> None:
    """Build the escrow's wasm (`stellar contract build`, target wasm32v1-none)."""
    from quiltkit.soroban.stellar_cli import StellarCli

    output = StellarCli().build(manifest_path=manifest_path, package=package, out_dir=out_dir)
    click.echo(output or "built")


@soroban.command("deploy")
@click.option("--wasm", required=True, help="The escrow wasm (from `quiltkit soroban build`).")
@click.option("--source", required=True, help="A `stellar keys` identity (or secret key) that pays and deploys.")
@click.option("--network", required=True, help="A `stellar network` name: testnet, mainnet, local...")
@click.option("--admin", required=True, help="Admin account (G...) or identity.")
@click.option("--treasury", required=True, help="Fee recipient (G... or C...).")
@click.option("--fee-bps", type=int, default=0, show_default=True, help="Default fee for new escrows (<= 1000).")
@click.option("--alias", default=None, help="Local alias for the new contract id.")
def soroban_deploy(
    wasm: str, source: str, network: str, admin: str, treasury: str, fee_bps: int, alias: str | None
) -> None:
    """Deploy the escrow (`stellar contract deploy`, constructor: admin, fee, treasury); prints its id."""
    from quiltkit.soroban.stellar_cli import StellarCli, escrow_constructor_args

    args = escrow_constructor_args(admin, treasury, fee_bps)
    click.echo(StellarCli().deploy(wasm, source=source, network=network, alias=alias, constructor_args=args))


@soroban.command("invoke")
@click.argument("contract_id")
@click.argument("function")
@click.option("--arg", "args", multiple=True, help="NAME=VALUE, a contract argument (repeat for each).")
@click.option("--source", required=True, help="A `stellar keys` identity (or secret key) that signs.")
@click.option("--network", required=True, help="A `stellar network` name.")
@click.option("--send", type=click.Choice(["yes", "no", "default"]), default=None, help="Submit, or only simulate.")
def soroban_invoke(
    contract_id: str, function: str, args: tuple[str, ...], source: str, network: str, send: str | None
) -> None:
    """Invoke FUNCTION on CONTRACT_ID (`stellar contract invoke`); prints the result."""
    from quiltkit.soroban.stellar_cli import StellarCli

    named: dict[str, str] = {}
    for arg in args:
        name, sep, value = arg.partition("=")
        if not sep or not name:
            raise InvalidInput(f"--arg takes NAME=VALUE, got {arg!r}")
        named[name] = value
    click.echo(StellarCli().invoke(contract_id, function, named, source=source, network=network, send=send))


if __name__ == "__main__":  # pragma: no cover
    main()


# --- the indexer ------------------------------------------------------------------------------

_INDEX_DB_DEFAULT = "sqlite:///quiltkit-index.db"


def _index_db_option(fn: Any) -> Any:
    return click.option(
        "--database-url",
        envvar="QUILTKIT_INDEX_DATABASE_URL",
        default=_INDEX_DB_DEFAULT,
        show_default=True,
        help="SQLAlchemy URL of the index (SQLite file, or postgresql+psycopg://...).",
    )(fn)


def _index_chain_options(fn: Any) -> Any:
    fn = click.option(
        "--manifest",
        envvar="QUILTKIT_INDEX_MANIFEST",
        required=True,
        type=click.Path(dir_okay=False),
        help="Deployment manifest (deployments/<ecosystem>-<network>.json, as scripts/deploy.py writes it).",
    )(fn)
    return click.option(
        "--rpc-url", envvar="QUILTKIT_INDEX_RPC_URL", default="http://127.0.0.1:8545", show_default=True
    )(fn)


@contextmanager
def _index_store(url: str, *, read_only: bool = False) -> Iterator[Any]:
    """The index at ``url``; a database that cannot be opened is one readable error line."""
    try:
        from sqlalchemy.exc import ArgumentError, OperationalError

        from quiltkit.indexer import IndexStore
    except ImportError as exc:
        raise QuiltkitError(f"the indexer needs the indexer extra (pip install 'quiltkit[indexer]'): {exc}") from exc
    try:
        store = IndexStore(url, read_only=read_only)
    except (ArgumentError, ImportError, ValueError) as exc:
        raise InvalidInput(f"bad --database-url: {exc}", field="database_url") from exc
    try:
        yield store
    except OperationalError as exc:
        raise QuiltkitError(f"database error: {str(exc.orig).splitlines()[0]}") from exc
    finally:
        store.dispose()


def _indexer(manifest: str, rpc_url: str, store: Any, **options: Any) -> Any:
    from quiltkit.indexer import Indexer, load_manifest

    deployment = load_manifest(manifest)
    indexer = Indexer(_connect(rpc_url), deployment, store, **options)
    indexer.prepare()
    return indexer


@main.group()
def index() -> None:
    """Index quiltkit contracts' events into SQLite or PostgreSQL and query the result."""


@index.command("run")
@_index_chain_options
@_index_db_option
@click.option("--confirmations", default=1, show_default=True, type=int, help="Index a block once this deep.")
@click.option(
    "--reorg-window", default=64, show_default=True, type=int, help="Blocks below the head checked for reorgs."
)
@click.option(
    "--poll-interval",
    default=0.25,
    show_default=True,
    type=float,
    help="Seconds between polls at the head (0.25 keeps the index within a block of 1 s blocks).",
)
@click.option("--initial-range", default=100, show_default=True, type=int, help="First eth_getLogs range (blocks).")
@click.option("--max-range", default=100_000, show_default=True, type=int, help="Largest eth_getLogs range (blocks).")
@click.option("--once", is_flag=True, help="Catch up with the head, then exit (instead of following it).")
def index_run(
    manifest: str,
    rpc_url: str,
    database_url: str,
    confirmations: int,
    reorg_window: int,
    poll_interval: float,
    initial_range: int,
    max_range: int,
    once: bool,
) -> None:
    """Backfill from the manifest's start blocks, then follow the head until SIGTERM or SIGINT."""
    import signal
    import threading

    with _index_store(database_url) as store:
        indexer = _indexer(
            manifest,
            rpc_url,
            store,
            confirmations=confirmations,
            reorg_window=reorg_window,
            initial_range=initial_range,
            max_range=max_range,
        )
        if once:
            applied = indexer.sync()
            cursor = store.cursor()
            click.echo(f"indexed {applied} events; cursor at block {cursor.number if cursor else 'none'}")
            return
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        click.echo(f"indexing chain {indexer.deployment.chain_id} into {store.engine.url.render_as_string()}")

        def report(step: Any) -> None:
            if step.applied or step.rolled_back:
                click.echo(
                    f"blocks {step.from_block}..{step.to_block}: {step.applied} events applied"
                    + (f", {step.rolled_back} rolled back (reorg)" if step.rolled_back else "")
                )

        indexer.run(stop=stop, poll_interval=poll_interval, on_step=report)
        click.echo("stopped")


def _soroban_options(fn: Any) -> Any:
    fn = click.option(
        "--network-passphrase", default=None, help="The network's passphrase (default: the RPC's getNetwork)."
    )(fn)
    fn = click.option("--contract", required=True, help="The Soroban escrow's contract id (C...).")(fn)
    return click.option(
        "--rpc-url", envvar="QUILTKIT_INDEX_SOROBAN_RPC_URL", required=True, help="A Stellar RPC server's URL."
    )(fn)


def _soroban_escrow(rpc_url: str, contract: str, network_passphrase: str | None) -> Any:
    """The escrow at ``contract`` over a Stellar RPC; the id is checked before anything is sent."""
    from quiltkit.soroban import Rpc, SorobanEscrow, _values

    contract = _values.contract(contract, "--contract")
    return SorobanEscrow(Rpc(rpc_url, network_passphrase), contract)


@index.command("run-soroban")
@_soroban_options
@_index_db_option
@click.option(
    "--start-ledger",
    type=int,
    default=None,
    help="Ledger to start reading at the first time (the escrow's deployment ledger; an RPC keeps about a day).",
)
@click.option("--page", default=200, show_default=True, type=int, help="Events per getEvents request (1..10000).")
@click.option(
    "--poll-interval", default=1.0, show_default=True, type=float, help="Seconds between polls when caught up."
)
@click.option("--once", is_flag=True, help="Catch up with the latest ledger, then exit (instead of following it).")
def index_run_soroban(
    rpc_url: str,
    contract: str,
    network_passphrase: str | None,
    database_url: str,
    start_ledger: int | None,
    page: int,
    poll_interval: float,
    once: bool,
) -> None:
    """Index a Soroban escrow's events (getEvents) into the index database, beside any EVM index;
    resumes from its own cursor. Stellar ledgers are final: there are no reorgs to follow."""
    import signal
    import threading

    with _index_store(database_url) as store:
        from quiltkit.indexer.soroban_indexer import SorobanIndexer

        indexer = SorobanIndexer(
            _soroban_escrow(rpc_url, contract, network_passphrase), store, start_ledger=start_ledger, page=page
        )
        indexer.prepare()
        if once:
            applied = indexer.sync()
            cursor = store.soroban_cursor(indexer.network, indexer.contract)
            ledger = cursor.ledger if cursor is not None and cursor.ledger is not None else "none"
            click.echo(f"indexed {applied} events of {indexer.contract}; last event in ledger {ledger}")
            return
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        click.echo(f"indexing {indexer.contract} into {store.engine.url.render_as_string()}")

        def report(step: Any) -> None:
            if step.applied:
                click.echo(f"{step.applied} events applied")

        indexer.run(stop=stop, poll_interval=poll_interval, on_step=report)
        click.echo("stopped")


@index.command("verify-soroban")
@_soroban_options
@_index_db_option
def index_verify_soroban(rpc_url: str, contract: str, network_passphrase: str | None, database_url: str) -> None:
    """Compare every indexed escrow of a Soroban escrow contract with its views (now: Soroban has
    no reads at a past ledger); print each difference and exit 1 if there is any."""
    from quiltkit.indexer import verify_soroban

    escrow = _soroban_escrow(rpc_url, contract, network_passphrase)
    with _index_store(database_url) as store:
        if (
            store.schema_revision() is None
            or store.soroban_cursor(escrow.network_passphrase, escrow.contract_id) is None
        ):
            raise QuiltkitError(f"{escrow.contract_id} is not indexed yet: run `quiltkit index run-soroban` first")
        found = verify_soroban(escrow, store)
    for difference in found:
        click.echo(str(difference))
    if found:
        click.echo(f"{len(found)} differences", err=True)
        sys.exit(1)
    click.echo(f"index matches {escrow.contract_id}")


@index.command("status")
@_index_db_option
def index_status(database_url: str) -> None:
    """Print the index's chain, contracts, cursor and counts as JSON."""
    from quiltkit.indexer import Queries

    with _index_store(database_url) as store:
        click.echo(json.dumps(Queries(store).status().model_dump(mode="json"), indent=2))


@index.command("serve")
@_index_db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8650, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--log-level", default="info", show_default=True, type=click.Choice(["debug", "info", "warning", "error"])
)
def index_serve(database_url: str, host: str, port: int, log_level: str) -> None:
    """Serve the index's queries as a read-only HTTP API (OpenAPI at /docs) until SIGTERM or SIGINT."""
    import signal

    try:
        import uvicorn

        from quiltkit.indexer.api import create_app
    except ImportError as exc:
        raise QuiltkitError(f"the index API needs the indexer extra (pip install 'quiltkit[indexer]'): {exc}") from exc
    with _index_store(database_url, read_only=True) as store:
        with store.engine.connect():  # a database that does not answer fails here, not per request
            pass
        click.echo(f"serving {store.engine.url.render_as_string()} on http://{host}:{port} (OpenAPI at /docs)")
        # uvicorn shuts down on the signal, then raises it again for the handler it found: this
        # one, so the command ends normally (exit 0) as `index run` does.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: None)
        uvicorn.run(create_app(store), host=host, port=port, log_level=log_level)
    click.echo("stopped")


@index.command("verify")
@_index_chain_options
@_index_db_option
def index_verify(manifest: str, rpc_url: str, database_url: str) -> None:
    """Compare every indexed escrow (and its funders, intents, credits) with the contract's views at
    the indexed block; print each difference and exit 1 if there is any."""
    from quiltkit.indexer import load_manifest, verify

    deployment = load_manifest(manifest)
    with _index_store(database_url) as store:
        block, differences = verify(_connect(rpc_url), store, deployment)
    if block is None:
        raise QuiltkitError("nothing indexed yet: run `quiltkit index run` first")
    for difference in differences:
        click.echo(str(difference))
    if differences:
        click.echo(f"{len(differences)} differences at block {block}", err=True)
        sys.exit(1)
    click.echo(f"index matches the chain at block {block}")


@index.group("query")
def index_query() -> None:
    """Read the index (JSON on stdout)."""


@index_query.command("escrows")
@_index_db_option
@click.option("--payee", default=None)
@click.option("--payer", default=None)
@click.option("--status", "statuses", multiple=True, help="funding, active, disputed, completed, refunding, cancelled")
@click.option("--offset", default=0, show_default=True, type=int)
@click.option("--limit", default=100, show_default=True, type=int)
def index_query_escrows(
    database_url: str, payee: str | None, payer: str | None, statuses: tuple[str, ...], offset: int, limit: int
) -> None:
    """Escrows matching the filters, one page."""
    from quiltkit.indexer import Queries

    with _index_store(database_url) as store:
        page = Queries(store).escrows(
            payee=payee, payer=payer, status=list(statuses) or None, offset=offset, limit=limit
        )
    click.echo(page.model_dump_json(indent=2))


@index_query.command("soroban-escrows")
@_index_db_option
@click.option("--contract", default=None, help="Only this Soroban escrow contract (C...).")
@click.option("--payee", default=None)
@click.option("--payer", default=None)
@click.option("--status", "statuses", multiple=True, help="active, refunding, cancelled")
@click.option("--offset", default=0, show_default=True, type=int)
@click.option("--limit", default=100, show_default=True, type=int)
def index_query_soroban_escrows(
    database_url: str,
    contract: str | None,
    payee: str | None,
    payer: str | None,
    statuses: tuple[str, ...],
    offset: int,
    limit: int,
) -> None:
    """Indexed Soroban escrows matching the filters, one page."""
    from quiltkit.indexer import Queries

    with _index_store(database_url) as store:
        page = Queries(store).soroban_escrows(
            contract=contract, payee=payee, payer=payer, status=list(statuses) or None, offset=offset, limit=limit
        )
    click.echo(page.model_dump_json(indent=2))


@index_query.command("escrow")
@click.argument("escrow_id", type=int)
@_index_db_option
def index_query_escrow(escrow_id: int, database_url: str) -> None:
    """One escrow as indexed."""
    from quiltkit.indexer import Queries

    with _index_store(database_url) as store:
        found = Queries(store).escrow(escrow_id)
    if found is None:
        raise InvalidInput(f"escrow {escrow_id} is not in the index", field="escrow_id")
    click.echo(found.model_dump_json(indent=2))


@index_query.command("history")
@click.argument("escrow_id", type=int)
@_index_db_option
@click.option("--offset", default=0, show_default=True, type=int)
@click.option("--limit", default=100, show_default=True, type=int)
def index_query_history(escrow_id: int, database_url: str, offset: int, limit: int) -> None:
    """Escrow ESCROW_ID's events in chain order, one page."""
    from quiltkit.indexer import Queries

    with _index_store(database_url) as store:
        page = Queries(store).history(escrow_id, offset=offset, limit=limit)
    click.echo(page.model_dump_json(indent=2))


@index_query.command("proposals")
@_index_db_option
@click.option("--kind", default=None, help="standard, treasury_spend, founder_idea, help_request, emergency")
@click.option("--status", default=None, help="open, queued, executed, canceled")
@click.option("--proposer", default=None)
@click.option("--offset", default=0, show_default=True, type=int)
@click.option("--limit", default=100, show_default=True, type=int)
def index_query_proposals(
    database_url: str, kind: str | None, status: str | None, proposer: str | None, offset: int, limit: int
) -> None:
    """Governor proposals matching the filters, oldest first, one page."""
    from quiltkit.indexer import Queries

    with _index_store(database_url) as store:
        page = Queries(store).proposals(kind=kind, status=status, proposer=proposer, offset=offset, limit=limit)
    click.echo(page.model_dump_json(indent=2))


@index_query.command("votes")
@_index_db_option
@click.option("--proposal", "proposal_id", default=None, type=int)
@click.option("--voter", default=None)
@click.option("--offset", default=0, show_default=True, type=int)
@click.option("--limit", default=100, show_default=True, type=int)
def index_query_votes(database_url: str, proposal_id: int | None, voter: str | None, offset: int, limit: int) -> None:
    """Votes of one proposal and/or one voter, in chain order, one page."""
    from quiltkit.indexer import Queries

    with _index_store(database_url) as store:
        page = Queries(store).votes(proposal_id=proposal_id, voter=voter, offset=offset, limit=limit)
    click.echo(page.model_dump_json(indent=2))


@index_query.command("auctions")
@_index_db_option
@click.option("--status", default=None, help="live, settled, cancelled")
@click.option("--seller", default=None)
@click.option("--collection", default=None)
@click.option("--bidder", default=None, help="auctions this account bid in")
@click.option("--offset", default=0, show_default=True, type=int)
@click.option("--limit", default=100, show_default=True, type=int)
def index_query_auctions(
    database_url: str,
    status: str | None,
    seller: str | None,
    collection: str | None,
    bidder: str | None,
    offset: int,
    limit: int,
) -> None:
    """AuctionHouse auctions matching the filters, oldest first, one page."""
    from quiltkit.indexer import Queries

    with _index_store(database_url) as store:
        page = Queries(store).auctions(
            status=status, seller=seller, collection=collection, bidder=bidder, offset=offset, limit=limit
        )
    click.echo(page.model_dump_json(indent=2))


@index_query.command("bids")
@_index_db_option
@click.option("--auction", "auction_id", default=None, type=int)
@click.option("--bidder", default=None)
@click.option("--offset", default=0, show_default=True, type=int)
@click.option("--limit", default=100, show_default=True, type=int)
def index_query_bids(database_url: str, auction_id: int | None, bidder: str | None, offset: int, limit: int) -> None:
    """Bids of one auction and/or one bidder, in chain order, one page."""
    from quiltkit.indexer import Queries

    with _index_store(database_url) as store:
        page = Queries(store).bids(auction_id=auction_id, bidder=bidder, offset=offset, limit=limit)
    click.echo(page.model_dump_json(indent=2))


# --- index query: funding rounds ----------------------------------------------------------------


@index_query.command("rounds")
@_index_db_option
@click.option("--curator", default=None)
@click.option("--phase", default=None, help="open, tallying, distributing, finalized")
@click.option("--offset", default=0, show_default=True, type=int)
@click.option("--limit", default=100, show_default=True, type=int)
def index_query_rounds(database_url: str, curator: str | None, phase: str | None, offset: int, limit: int) -> None:
    """Funding rounds the indexed factories created, one page."""
    from quiltkit.indexer import Queries

    with _index_store(database_url) as store:
        page = Queries(store).rounds(curator=curator, phase=phase, offset=offset, limit=limit)
    click.echo(page.model_dump_json(indent=2))


@index_query.command("projects")
@_index_db_option
@click.option("--round", "round_", default=None, help="the round's address")
@click.option("--recipient", default=None)
@click.option("--offset", default=0, show_default=True, type=int)
@click.option("--limit", default=100, show_default=True, type=int)
def index_query_projects(database_url: str, round_: str | None, recipient: str | None, offset: int, limit: int) -> None:
    """Projects of the indexed rounds, one page."""
    from quiltkit.indexer import Queries

    with _index_store(database_url) as store:
        page = Queries(store).projects(round=round_, recipient=recipient, offset=offset, limit=limit)
    click.echo(page.model_dump_json(indent=2))


@index_query.command("donations")
@_index_db_option
@click.option("--round", "round_", default=None, help="the round's address")
@click.option("--donor", default=None)
@click.option("--project", "project_id", default=None, type=int)
@click.option("--offset", default=0, show_default=True, type=int)
@click.option("--limit", default=100, show_default=True, type=int)
def index_query_donations(
    database_url: str, round_: str | None, donor: str | None, project_id: int | None, offset: int, limit: int
) -> None:
    """Donations (a donor's total to a project) of the indexed rounds, one page."""
    from quiltkit.indexer import Queries

    with _index_store(database_url) as store:
        page = Queries(store).donations(round=round_, donor=donor, project_id=project_id, offset=offset, limit=limit)
    click.echo(page.model_dump_json(indent=2))


# --- staking and bonds in the index --------------------------------------------------------------


@index_query.command("stakes")
@_index_db_option
@click.option("--account", default=None)
@click.option("--queued/--not-queued", default=None, help="only stakes with (or without) an unstake in its cooldown")
@click.option("--offset", default=0, show_default=True, type=int)
@click.option("--limit", default=100, show_default=True, type=int)
def index_query_stakes(database_url: str, account: str | None, queued: bool | None, offset: int, limit: int) -> None:
    """Stakes in the staking pool by account (staked, queued, paid rewards), one page."""
    from quiltkit.indexer import Queries

    with _index_store(database_url) as store:
        page = Queries(store).stakes(account=account, queued=queued, offset=offset, limit=limit)
    click.echo(page.model_dump_json(indent=2))


@index_query.command("rewards")
@_index_db_option
@click.option("--token", default=None)
@click.option("--offset", default=0, show_default=True, type=int)
@click.option("--limit", default=100, show_default=True, type=int)
def index_query_rewards(database_url: str, token: str | None, offset: int, limit: int) -> None:
    """The staking pool's reward tokens (notified, rate, period finish, paid), one page."""
    from quiltkit.indexer import Queries

    with _index_store(database_url) as store:
        page = Queries(store).rewards(token=token, offset=offset, limit=limit)
    click.echo(page.model_dump_json(indent=2))


@index_query.command("bonds")
@_index_db_option
@click.option("--verifier", default=None)
@click.option("--set", "set_id", default=None, help="only verifiers meeting this set's minimum (0x + 64 hex)")
@click.option("--offset", default=0, show_default=True, type=int)
@click.option("--limit", default=100, show_default=True, type=int)
def index_query_bonds(database_url: str, verifier: str | None, set_id: str | None, offset: int, limit: int) -> None:
    """Verifiers' bonds (active, unbonding, slashed), one page."""
    from quiltkit.indexer import Queries

    with _index_store(database_url) as store:
        page = Queries(store).bonds(verifier=verifier, set=set_id, offset=offset, limit=limit)
    click.echo(page.model_dump_json(indent=2))


@index_query.command("suspensions")
@_index_db_option
@click.option("--consumer", default=None, help="an escrow, badge contract or funding round the registry pushes to")
@click.option("--set", "set_id", default=None, help="one verifier set (0x + 64 hex)")
@click.option("--suspended-only", is_flag=True, help="only sets with a member suspended")
@click.option("--offset", default=0, show_default=True, type=int)
@click.option("--limit", default=100, show_default=True, type=int)
def index_query_suspensions(
    database_url: str, consumer: str | None, set_id: str | None, suspended_only: bool, offset: int, limit: int
) -> None:
    """The suspended members each consumer last recorded per verifier set (VerifierBonds' pushes), one page."""
    from quiltkit.indexer import Queries

    with _index_store(database_url) as store:
        page = Queries(store).suspensions(
            consumer=consumer, set=set_id, suspended_only=suspended_only, offset=offset, limit=limit
        )
    click.echo(page.model_dump_json(indent=2))


# --- index query: badges (SoulboundBadge) ---------------------------------------------------------


@index_query.command("badge-types")
@_index_db_option
@click.option("--offset", default=0, show_default=True, type=int)
@click.option("--limit", default=100, show_default=True, type=int)
def index_query_badge_types(database_url: str, offset: int, limit: int) -> None:
    """Badge types with their validators, by id, one page."""
    from quiltkit.indexer import Queries

    with _index_store(database_url) as store:
        page = Queries(store).badge_types(offset=offset, limit=limit)
    click.echo(page.model_dump_json(indent=2))


@index_query.command("badges")
@_index_db_option
@click.option("--holder", default=None)
@click.option("--type", "badge_type", default=None, type=int)
@click.option("--status", default=None, help="held, revoked, burned")
@click.option("--offset", default=0, show_default=True, type=int)
@click.option("--limit", default=100, show_default=True, type=int)
def index_query_badges(
    database_url: str, holder: str | None, badge_type: int | None, status: str | None, offset: int, limit: int
) -> None:
    """Badges matching the filters, in issue order, one page."""
    from quiltkit.indexer import Queries

    with _index_store(database_url) as store:
        page = Queries(store).badges(holder=holder, badge_type=badge_type, status=status, offset=offset, limit=limit)
    click.echo(page.model_dump_json(indent=2))


@index_query.command("badge-holders")
@_index_db_option
@click.option("--type", "badge_type", default=None, type=int, help="only holders of a badge of this type now")
@click.option("--offset", default=0, show_default=True, type=int)
@click.option("--limit", default=100, show_default=True, type=int)
def index_query_badge_holders(database_url: str, badge_type: int | None, offset: int, limit: int) -> None:
    """Holders with their reputation inputs, most badges held first, one page."""
    from quiltkit.indexer import Queries

    with _index_store(database_url) as store:
        page = Queries(store).badge_holders(badge_type=badge_type, offset=offset, limit=limit)
    click.echo(page.model_dump_json(indent=2))


@index_query.command("tiers")
@_index_db_option
@click.option("--account", default=None, help="that account's non-zero balances instead of the tiers")
@click.option("--tier", "tier_id", default=None, type=int, help="with --balances: one tier's holders")
@click.option("--balances", is_flag=True, help="balances (by tier and account) instead of tiers")
@click.option("--offset", default=0, show_default=True, type=int)
@click.option("--limit", default=100, show_default=True, type=int)
def index_query_tiers(
    database_url: str, account: str | None, tier_id: int | None, balances: bool, offset: int, limit: int
) -> None:
    """TieredBadges tiers, or (--balances / --account) their balances, one page."""
    from quiltkit.indexer import Queries

    with _index_store(database_url) as store:
        q = Queries(store)
        if balances or account is not None or tier_id is not None:
            page: Any = q.tier_balances(account=account, tier_id=tier_id, offset=offset, limit=limit)
        else:
            page = q.tiers(offset=offset, limit=limit)
    click.echo(page.model_dump_json(indent=2))
