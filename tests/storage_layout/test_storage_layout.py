"""The storage-layout check (scripts/toolchain/storage_layout.js, @openzeppelin/upgrades-core with
the ERC-7201 namespaced compilation) accepts GovernanceToken V1 -> the real V2 and rejects a
deliberately broken V2 that inserts a member into V1's namespace. Plain pytest (`make
storage-layout`): it needs node, not a chain."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "toolchain" / "storage_layout.js"
V1 = "contracts/governance/GovernanceToken.sol:GovernanceToken"
V2 = "tests/forge/governance/mocks/GovernanceMocks.sol:GovernanceTokenV2"
BROKEN = "tests/storage_layout/BrokenGovernanceTokenV2.sol:BrokenGovernanceTokenV2"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "node is needed (make setup installs the npm toolchain)"
    return subprocess.run([node, str(SCRIPT), *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def every_pair() -> subprocess.CompletedProcess[str]:
    return _run()


def test_the_real_v2_is_compatible(every_pair: subprocess.CompletedProcess[str]) -> None:
    assert every_pair.returncode == 0, every_pair.stdout + every_pair.stderr
    line = next(x for x in every_pair.stdout.splitlines() if x.startswith(f"{V1} -> {V2}:"))
    assert line.endswith(": compatible (9 ERC-7201 namespaces compared)")


def test_the_broken_v2_is_rejected_for_its_layout(every_pair: subprocess.CompletedProcess[str]) -> None:
    lines = every_pair.stdout.splitlines()
    verdict = next(i for i, x in enumerate(lines) if x.startswith(f"{V1} -> {BROKEN}:"))
    assert lines[verdict].endswith(": INCOMPATIBLE LAYOUT (9 ERC-7201 namespaces compared)")
    assert lines[verdict + 1] == "tests/storage_layout/BrokenGovernanceTokenV2.sol:39: Inserted `inserted`"


def test_checking_the_broken_v2_alone_fails_the_build() -> None:
    done = _run(V1, BROKEN)
    assert done.returncode == 1
    assert "INCOMPATIBLE LAYOUT" in done.stdout and "Inserted `inserted`" in done.stdout
