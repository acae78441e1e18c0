"""The `stellar` CLI wrapper: argument construction, and one clear line when it is missing
(it is not installed on the machines this repository is tested on)."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
from click.testing import CliRunner
from quiltkit.cli import main
from quiltkit.exceptions import InvalidInput
from quiltkit.soroban import stellar_cli
from quiltkit.soroban.errors import StellarCliError, StellarCliNotFound
from quiltkit.soroban.stellar_cli import StellarCli

ADMIN = "GDWUSKGGFDI4FRXK5EBTRECZSVQSSWJHHJOGH6JWG3AUMFFMQ435DIAG"
TREASURY = "GCATS5YOVB6ROX2WUNKGNQ2MP3GMXDMKSG2O4N5CLX3A6W4PZGZZI55U"
CONTRACT = "CAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAHK3M"


@pytest.fixture
def no_stellar(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.delenv("STELLAR_CLI", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: no `stellar` anywhere


def test_missing_cli_is_one_clear_line(no_stellar: None) -> None:
    with pytest.raises(StellarCliNotFound) as caught:
        StellarCli().build()
    message = str(caught.value)
    assert "\n" not in message
    assert "`stellar` CLI is not installed" in message and "cargo install --locked stellar-cli" in message
    assert isinstance(caught.value, FileNotFoundError)


@pytest.mark.parametrize(
    "argv",
    [
        ["soroban", "build"],
        [
            "soroban",
            "deploy",
            "--wasm",
            "x.wasm",
            "--source",
            "me",
            "--network",
            "testnet",
            "--admin",
            ADMIN,
            "--treasury",
            TREASURY,
        ],
        ["soroban", "invoke", CONTRACT, "escrow_count", "--source", "me", "--network", "testnet"],
    ],
    ids=["build", "deploy", "invoke"],
)
def test_cli_commands_without_stellar_print_one_line(no_stellar: None, argv: list[str]) -> None:
    result = CliRunner().invoke(main, argv)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: the `stellar` CLI is not installed")


def test_build_command() -> None:
    assert stellar_cli.build_command(manifest_path="soroban/Cargo.toml", out_dir="dist") == [
        "contract",
        "build",
        "--manifest-path",
        "soroban/Cargo.toml",
        "--package",
        "quiltkit-soroban-escrow",
        "--out-dir",
        "dist",
    ]


def test_deploy_command_passes_constructor_args_after_double_dash() -> None:
    args = stellar_cli.escrow_constructor_args(ADMIN, TREASURY, 100)
    assert stellar_cli.deploy_command(
        "target/wasm32v1-none/release/quiltkit_soroban_escrow.wasm",
        source="alice",
        network="testnet",
        alias="quiltkit-escrow",
        constructor_args=args,
    ) == [
        "contract",
        "deploy",
        "--wasm",
        "target/wasm32v1-none/release/quiltkit_soroban_escrow.wasm",
        "--source-account",
        "alice",
        "--network",
        "testnet",
        "--alias",
        "quiltkit-escrow",
        "--",
        "--admin",
        ADMIN,
        "--fee_bps",
        "100",
        "--treasury",
        TREASURY,
    ]


def test_invoke_command_encodes_values() -> None:
    command = stellar_cli.invoke_command(
        CONTRACT,
        "create",
        {"payer": ADMIN, "milestones": ["3000000000", "2000000000"], "payee": None, "threshold": 2, "ok": True},
        source="alice",
        network="testnet",
        send="yes",
    )
    assert command[:9] == [
        "contract",
        "invoke",
        "--id",
        CONTRACT,
        "--source-account",
        "alice",
        "--network",
        "testnet",
        "--send",
    ]
    assert command[9:] == [
        "yes",
        "--",
        "create",
        "--payer",
        ADMIN,
        "--milestones",
        '["3000000000","2000000000"]',
        "--payee",
        "null",
        "--threshold",
        "2",
        "--ok",
        "true",
    ]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: stellar_cli.invoke_command(CONTRACT, "x y", source="a", network="n"), "function name"),
        (lambda: stellar_cli.invoke_command(CONTRACT, "f", source="", network="n"), "--source"),
        (lambda: stellar_cli.invoke_command(CONTRACT, "f", {"--x": 1}, source="a", network="n"), "parameter names"),
        (lambda: stellar_cli.invoke_command(CONTRACT, "f", source="a", network="n", send="maybe"), "send must be"),
        (lambda: stellar_cli.escrow_constructor_args(ADMIN, TREASURY, 1_001), "fee_bps"),
    ],
)
def test_bad_arguments_are_refused(call: Any, match: str) -> None:
    with pytest.raises(InvalidInput, match=match):
        call()


def test_runs_the_binary_and_reports_failures(tmp_path: Any) -> None:
    calls: list[list[str]] = []

    def runner(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        if command[2] == "deploy":
            return subprocess.CompletedProcess(command, 0, stdout="Deploying...\n" + CONTRACT + "\n", stderr="")
        return subprocess.CompletedProcess(command, 1, stdout="", stderr="warning\nerror: network testnet not found\n")

    fake = tmp_path / "stellar"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    cli = StellarCli(str(fake), runner=runner)
    assert cli.deploy("a.wasm", source="me", network="testnet") == CONTRACT
    with pytest.raises(StellarCliError, match="exited with 1: error: network testnet not found"):
        cli.invoke(CONTRACT, "escrow_count", source="me", network="testnet")
    assert calls[0][0] == str(fake)
