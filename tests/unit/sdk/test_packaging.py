"""The SDK ships the ABIs the sources compile to, and importing it does not import ape."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from quiltkit._contract import load_artifact


def _canonical(abi: list[dict[str, object]]) -> list[str]:
    return sorted(json.dumps(entry, sort_keys=True) for entry in abi)


@pytest.mark.parametrize(
    "name",
    [
        "MilestoneEscrow",
        "TestToken",
        "AuctionHouse",
        "TestNFT",
        "TestEditions",
        "GovernanceToken",
        "QuiltkitGovernor",
        "QuiltkitTimelock",
        "SoulboundBadge",
        "TieredBadges",
        "TestGovernanceBadge",
        "BadgeReputationGate",
    ],
)
def test_shipped_abi_equals_fresh_ape_compilation(name: str) -> None:
    from ape import project

    fresh = [
        entry.model_dump(mode="json", by_alias=True, exclude_none=True)
        for entry in project.get_contract(name).contract_type.abi
    ]
    shipped = load_artifact(name)["abi"]
    assert _canonical(_strip(fresh)) == _canonical(_strip(shipped))


def _strip(abi: list[dict[str, object]]) -> list[dict[str, object]]:
    """Drop keys one compiler front-end emits and the other omits (never part of the interface)."""

    def clean(value: object) -> object:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if k not in {"internalType"}}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return [clean(e) for e in abi]  # type: ignore[misc]


def test_import_does_not_import_ape() -> None:
    code = "import sys, quiltkit, quiltkit.escrow, quiltkit.intents; print('ape' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_the_sdk_never_imports_the_relayer() -> None:
    """The arrow goes one way: the relayer builds on the SDK, and attaches its `quiltkit relayer`
    commands and its demo chapter through entry points the SDK's CLI loads only when asked."""
    import ast
    from pathlib import Path

    import quiltkit

    offenders = []
    for path in Path(quiltkit.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "quiltkit_relayer"]
    assert not offenders
    code = (
        "import sys; from click.testing import CliRunner; from quiltkit.cli import main; "
        "r = CliRunner().invoke(main, ['escrow', '--help']); "
        "print(r.exit_code, any(m.startswith('quiltkit_relayer') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", "False"]


def test_the_relayer_attaches_its_commands_and_chapter_by_entry_point() -> None:
    from importlib.metadata import entry_points

    from quiltkit.cli import CHAPTERS_GROUP, COMMANDS_GROUP

    assert {ep.name: ep.value for ep in entry_points(group=COMMANDS_GROUP)} == {
        "relayer": "quiltkit_relayer.cli:relayer"
    }
    assert {ep.name: ep.value for ep in entry_points(group=CHAPTERS_GROUP)} == {
        "indexer": "quiltkit.indexer.demo:demo_chapter",
        "relayer": "quiltkit_relayer.demo:demo_chapter",
    }
