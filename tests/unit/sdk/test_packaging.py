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
        "TestGovernanceBadge",
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
