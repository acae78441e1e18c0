"""The Stellar chapter of `quiltkit demo` on the local host, and the CLI's handling of it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from quiltkit.cli import _stellar_chapter, main
from quiltkit.soroban import LocalHost
from quiltkit.soroban.demo import UNIT, run_story


def test_stellar_story_moves_the_money_it_tells(harness_binary: str) -> None:
    lines: list[str] = []
    with LocalHost(harness_binary) as host:
        result = run_story(host, say=lines.append)
    change = {k: result.after[k] - result.before[k] for k in result.before}
    assert result.before == {"maintainer": 1_000 * UNIT, "funder": 1_000 * UNIT, "contributor": 0, "treasury": 0}
    assert change == {
        "maintainer": -360 * UNIT,  # funded 600, got 240 back
        "funder": -240 * UNIT,  # funded 400, got 160 back
        "contributor": 594 * UNIT,  # 300 + 60% of 500, less 1% fee
        "treasury": 6 * UNIT,
    }
    assert result.held == 0
    assert any("milestone 1 paid (297 to the contributor, 3 fee)" in line for line in lines)
    table = "\n".join(lines).splitlines()
    assert "contributor         0.00      594.00     +594.00" in table
    assert "maintainer      1,000.00      640.00     -360.00" in table
    assert lines[-1] == "escrow #0 now holds 0; milestones: ['RELEASED', 'RESOLVED', 'REFUNDED']"


def test_chapter_prints_the_story(
    harness_binary: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QUILTKIT_SOROBAN_HARNESS", harness_binary)
    _stellar_chapter()
    out = capsys.readouterr().out
    assert "== quiltkit demo on Stellar" in out and "treasury            0.00        6.00       +6.00" in out


def test_chapter_skipped_with_one_line_when_harness_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QUILTKIT_SOROBAN_HARNESS", str(tmp_path / "missing"))
    _stellar_chapter()
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    assert lines == [
        "== Stellar chapter skipped: the Soroban harness is not built "
        "(run `cd soroban && cargo build -p quiltkit-soroban-harness`) =="
    ]


def test_demo_command_runs_both_chapters(harness_binary: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUILTKIT_SOROBAN_HARNESS", harness_binary)
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    assert "== quiltkit demo on the embedded EthTester chain" in result.output
    assert "== quiltkit demo on Stellar" in result.output
    # Each chain's story closes on its escrow's final state (other chapters mention escrows too).
    assert len(re.findall(r"^escrow #\d+ now holds 0", result.output, re.MULTILINE)) == 2


def test_demo_no_stellar_flag_skips_the_chapter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUILTKIT_SOROBAN_HARNESS", "/nonexistent/harness")
    result = CliRunner().invoke(main, ["demo", "--no-stellar"])
    assert result.exit_code == 0, result.output
    assert "Stellar" not in result.output


def test_importing_quiltkit_loads_neither_stellar_sdk_nor_ape() -> None:
    code = (
        "import sys, quiltkit, quiltkit.cli, quiltkit.intents; "
        "print('stellar_sdk' in sys.modules, 'ape' in sys.modules, 'quiltkit.soroban' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False", "False"]
