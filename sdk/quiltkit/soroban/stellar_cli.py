"""A thin wrapper over the ``stellar`` CLI: build, deploy and invoke the escrow on a real network.

The CLI does what this machine cannot: build the wasm (``wasm32v1-none`` target), upload and
deploy it, and invoke it with identities from its own key store (``stellar keys``). When it is
not installed every call fails with one line saying how to install it. The ``*_command``
functions only build argument lists, so they can be inspected without the CLI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from stellar_sdk import Keypair

from quiltkit.exceptions import InvalidInput
from quiltkit.soroban.errors import StellarCliError, StellarCliNotFound

__all__ = [
    "ESCROW_PACKAGE",
    "INSTALL_HINT",
    "StellarCli",
    "build_command",
    "cli_value",
    "deploy_command",
    "escrow_constructor_args",
    "invoke_command",
]

ESCROW_PACKAGE = "quiltkit-soroban-escrow"
INSTALL_HINT = (
    "the `stellar` CLI is not installed: install it (`cargo install --locked stellar-cli`, or see "
    "https://developers.stellar.org/docs/tools/cli/install-cli) or set $STELLAR_CLI to its path"
)
Runner = Callable[..., "subprocess.CompletedProcess[str]"]


def cli_value(value: Any) -> str:
    """One contract argument as the CLI parses it: strkeys and numbers as text, others as JSON."""
    if isinstance(value, Keypair):
        return str(value.public_key)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return json.dumps(value, separators=(",", ":"))


def _function_args(args: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for name, value in args.items():
        if not name or name.startswith("-"):
            raise InvalidInput(f"argument names are the contract's parameter names, got {name!r}")
        out += [f"--{name}", cli_value(value)]
    return out


def _network(source: str | None, network: str | None) -> list[str]:
    out: list[str] = []
    if source:
        out += ["--source-account", source]
    if network:
        out += ["--network", network]
    return out


def build_command(
    *,
    package: str | None = ESCROW_PACKAGE,
    manifest_path: str | os.PathLike[str] | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    profile: str | None = None,
) -> list[str]:
    """``stellar contract build`` (wasm32v1-none, release profile unless ``profile``)."""
    command = ["contract", "build"]
    if manifest_path is not None:
        command += ["--manifest-path", str(manifest_path)]
    if package:
        command += ["--package", package]
    if out_dir is not None:
        command += ["--out-dir", str(out_dir)]
    if profile:
        command += ["--profile", profile]
    return command


def deploy_command(
    wasm: str | os.PathLike[str],
    *,
    source: str,
    network: str,
    alias: str | None = None,
    constructor_args: Mapping[str, Any] | None = None,
) -> list[str]:
    """``stellar contract deploy --wasm W ... -- <constructor args>``."""
    if not source or not network:
        raise InvalidInput("deploy needs --source (an identity or secret) and --network")
    command = ["contract", "deploy", "--wasm", str(wasm), *_network(source, network)]
    if alias:
        command += ["--alias", alias]
    if constructor_args:
        command += ["--", *_function_args(constructor_args)]
    return command


def invoke_command(
    contract_id: str,
    function: str,
    args: Mapping[str, Any] | None = None,
    *,
    source: str,
    network: str,
    send: str | None = None,
) -> list[str]:
    """``stellar contract invoke --id C... ... -- <function> --<arg> <value>...``."""
    if not source or not network:
        raise InvalidInput("invoke needs --source (an identity or secret) and --network")
    if not function or not function.replace("_", "").isalnum():
        raise InvalidInput(f"not a contract function name: {function!r}")
    if send is not None and send not in ("yes", "no", "default"):
        raise InvalidInput(f"send must be yes, no or default, got {send!r}")
    command = ["contract", "invoke", "--id", contract_id, *_network(source, network)]
    if send is not None:
        command += ["--send", send]
    return [*command, "--", function, *_function_args(args or {})]


def escrow_constructor_args(admin: str, treasury: str, fee_bps: int = 0) -> dict[str, Any]:
    """The escrow's ``__constructor(admin, fee_bps, treasury)`` arguments."""
    if not 0 <= fee_bps <= 1_000:
        raise InvalidInput(f"fee_bps must be 0..1000, got {fee_bps}")
    return {"admin": admin, "fee_bps": fee_bps, "treasury": treasury}


class StellarCli:
    """Runs the ``stellar`` binary (``binary``, ``$STELLAR_CLI`` or ``PATH``)."""

    def __init__(
        self,
        binary: str | None = None,
        *,
        cwd: str | os.PathLike[str] | None = None,
        runner: Runner = subprocess.run,
        timeout_s: float = 900.0,
    ) -> None:
        self.binary = binary or os.environ.get("STELLAR_CLI") or "stellar"
        self.cwd = Path(cwd) if cwd is not None else None
        self.runner = runner
        self.timeout_s = timeout_s

    def path(self) -> str:
        """The resolved binary; :class:`StellarCliNotFound` (one line) when it is not installed."""
        found = shutil.which(self.binary)
        if found is None:
            raise StellarCliNotFound(INSTALL_HINT)
        return found

    def run(self, args: Sequence[str]) -> str:
        """Run ``stellar <args>``; its stdout, or :class:`StellarCliError` with its last stderr line."""
        command = [self.path(), *args]
        done = self.runner(command, cwd=self.cwd, capture_output=True, text=True, timeout=self.timeout_s, check=False)
        if done.returncode != 0:
            raise StellarCliError(["stellar", *args], done.returncode, done.stderr or "")
        return str(done.stdout).strip()

    def build(self, **kwargs: Any) -> str:
        """Build the escrow wasm (see :func:`build_command`)."""
        return self.run(build_command(**kwargs))

    def deploy(self, wasm: str | os.PathLike[str], **kwargs: Any) -> str:
        """Deploy ``wasm``; returns the new contract id (the CLI's last output line)."""
        output = self.run(deploy_command(wasm, **kwargs))
        return output.splitlines()[-1].strip() if output else ""

    def invoke(self, contract_id: str, function: str, args: Mapping[str, Any] | None = None, **kwargs: Any) -> str:
        """Invoke ``function``; returns the CLI's output (the return value as JSON)."""
        return self.run(invoke_command(contract_id, function, args, **kwargs))
