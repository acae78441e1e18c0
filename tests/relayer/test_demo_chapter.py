"""The last chapter of `quiltkit demo`: the relayer pays a bounty from GitHub's published
pull_request payload (merged), signed 2-of-3 by two relayer verifier instances; checked on chain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from quiltkit import Escrow
from quiltkit.cli import main
from quiltkit.demo import Cast
from quiltkit.devchain import anvil
from quiltkit.escrow import MilestoneState
from quiltkit.tokens import Token
from quiltkit_relayer.demo import BOUNTY, run_relayer_chapter
from quiltkit_relayer.github_examples import published_example
from quiltkit_relayer.logs import configure_logging
from quiltkit_relayer.models import IntentState
from quiltkit_relayer.store import Store


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    yield
    configure_logging("warning")  # as conftest set it; the chapter configures its own


def record_digest(workdir: Path, intent_id: str) -> str:
    store = Store(f"sqlite:///{workdir / 'relayer.db'}")
    try:
        record = store.get(intent_id)
        assert record is not None
        return record.digest
    finally:
        store.dispose()


def test_the_chapter_pays_the_milestone_exactly_once(tmp_path: Path) -> None:
    lines: list[str] = []
    with anvil() as w3:
        result = run_relayer_chapter(str(w3.provider.endpoint_uri), say=lines.append, workdir=tmp_path)  # type: ignore[attr-defined]

        cast = Cast.from_dev_accounts()
        escrow = Escrow(w3, result.escrow)
        consumed = escrow.contract.events.IntentConsumed().get_logs(from_block=0, to_block="latest")
        assert [("0x" + bytes(e["args"]["intentId"]).hex(), e["args"]["escrowId"]) for e in consumed] == [
            (result.intent_id, result.escrow_id)
        ]
        released = escrow.contract.events.MilestoneReleased().get_logs(from_block=0, to_block="latest")
        assert len(released) == 1
        assert released[0]["args"]["escrowId"] == result.escrow_id
        assert released[0]["args"]["milestone"] == 0
        assert released[0]["args"]["payee"] == cast.contributor.address
        info = escrow.get_escrow(result.escrow_id)
        assert info.payee == cast.contributor.address  # the open bounty's payee came from the mapping
        assert info.threshold == 2
        assert [m.state for m in info.milestones] == [MilestoneState.RELEASED]
        paid = released[0]["args"]["amount"]
        assert paid + released[0]["args"]["fee"] == BOUNTY
        assert Token(w3, result.token).balance_of(cast.contributor.address) == result.payee_before + paid
        assert result.payee_after == result.payee_before + paid
        # The badge the payout earned: issued once, to the contributor, with the payout intent as evidence.
        assert result.badge is not None
        assert result.badge["state"] == "issued"
        assert result.badge["holder"] == cast.contributor.address
        assert result.badge["evidence_hash"] == record_digest(tmp_path, result.intent_id)
        assert sorted(result.badge["signers"]) == sorted([cast.verifiers[0].address, cast.verifiers[2].address])

    store = Store(f"sqlite:///{tmp_path / 'relayer.db'}")
    try:
        record = store.get(result.intent_id)
        assert record is not None
        assert record.state is IntentState.CONFIRMED
        assert record.source == "webhook"
        assert sorted(record.signers) == sorted([cast.verifiers[0].address, cast.verifiers[2].address])
        assert [r.intent_id for r in store.list_intents()] == [result.intent_id]
    finally:
        store.dispose()

    pr = published_example("pull_request", "closed")
    assert any(f"{pr['repository']['full_name']} PR #{pr['number']}" in line for line in lines)
    assert any("409 duplicate_delivery" in line for line in lines)
    assert "RELEASED" in lines[-1]


def test_the_demo_command_ends_with_the_relayer_paying() -> None:
    result = CliRunner().invoke(main, ["demo", "--no-stellar"])
    assert result.exit_code == 0, result.output
    out = result.output.splitlines()
    assert "== quiltkit demo, last chapter: the relayer pays a bounty from a GitHub webhook ==" in out
    assert any("runs on an anvil started for it" in line for line in out)
    assert "milestone 1 RELEASED" in out[-1]
    assert "(+247.50, the bounty less the escrow's fee)" in out[-1]


def test_no_relayer_skips_the_chapter() -> None:
    result = CliRunner().invoke(
        main,
        [
            "demo",
            "--no-stellar",
            "--no-relayer",
            "--no-auction",
            "--no-governance",
            "--no-badges",
            "--no-staking",
            "--no-funding",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "relayer pays" not in result.output
    lines = result.output.splitlines()
    indexer = lines.index("== quiltkit demo, the indexer: the story's escrow rebuilt from its events (SQLite) ==")
    assert "escrow #1 now holds 0 QUSD" in [line for line in lines[:indexer] if line.strip()][-1]
    assert lines[-1].startswith("verify: every indexed escrow equals getEscrow")  # the indexer's chapter closes it
