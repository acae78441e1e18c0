"""The ``quiltkit`` command line: a demo, escrow inspection and payout-intent tools.

Errors print one readable line on stderr and exit non-zero.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from web3 import Web3

from quiltkit import intents
from quiltkit.escrow import Escrow
from quiltkit.exceptions import InvalidInput, QuiltkitError

__all__ = ["main"]


class _Cli(click.Group):
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
def demo(use_anvil: bool, rpc_url: str | None, no_stellar: bool) -> None:
    """Play the bounty story: fund, attested release, dispute, refund (EVM, then Stellar)."""
    from quiltkit.demo import run_story

    with _demo_chain(use_anvil, rpc_url) as (w3, label):
        click.echo(f"== quiltkit demo on {label} ==")
        run_story(w3, say=click.echo)
    if not no_stellar:
        _stellar_chapter()


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
    """Print escrow ESCROW_ID as JSON."""
    info = Escrow(_connect(rpc_url), address).get_escrow(escrow_id)
    click.echo(info.model_dump_json(indent=2))


@main.group()
def intent() -> None:
    """Sign, verify, submit and follow payout intents (EIP-712)."""


def _load_intent(path: str) -> intents.PayoutIntent:
    try:
        with open(path) as fh:
            raw = json.load(fh) if path != "-" else json.load(sys.stdin)
        return intents.PayoutIntent(**raw)
    except (OSError, json.JSONDecodeError, TypeError, ValueError) as exc:
        raise InvalidInput(f"cannot read a payout intent from {path}: {exc}") from exc


@intent.command("sign")
@click.argument("intent_file")
@click.option("--chain-id", type=int, required=True)
@click.option("--contract", required=True, help="MilestoneEscrow address (EIP-712 verifying contract).")
@click.option("--key-env", default="QUILTKIT_VERIFIER_KEY", show_default=True, help="Env var holding the key.")
def intent_sign(intent_file: str, chain_id: int, contract: str, key_env: str) -> None:
    """Sign the intent in INTENT_FILE (JSON, snake_case fields); prints the signature."""
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
