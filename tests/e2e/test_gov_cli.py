"""`quiltkit gov propose|vote|queue|execute|show` against a node (a fresh anvil): a proposal
carried from creation to execution by the CLI alone, and bad input refused in one line."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from quiltkit import GovernanceToken, Governor, GovernorConfig, Timelock
from quiltkit.cli import main
from quiltkit.devchain import advance_time, anvil, dev_accounts
from quiltkit.governance import call

UNIT = 10**18
CONFIG = GovernorConfig(
    voting_delay=1,
    voting_period=600,
    proposal_threshold=100 * UNIT,
    late_quorum_extension=60,
    standard_execution_delay=7_200,
)

KIND = ["--type", "help-request"]


def _table(output: str) -> dict[str, str]:
    """The `key  value` rows of a proposal table (other lines ignored)."""
    rows = (re.split(r"\s{2,}", line, maxsplit=1) for line in output.splitlines())
    return {row[0]: row[1] for row in rows if len(row) == 2}


def test_a_proposal_from_creation_to_execution(monkeypatch: pytest.MonkeyPatch) -> None:
    operator, alice, bob, dev = dev_accounts(4)
    with anvil() as w3:
        url = str(w3.provider.endpoint_uri)  # type: ignore[attr-defined]
        token = GovernanceToken.deploy(w3, operator, admin=operator.address, treasury=operator.address)
        timelock = Timelock.deploy(w3, operator, min_delay=3_600, admin=operator.address)
        governor = Governor.deploy(w3, operator, token=token.address, timelock=timelock.address, config=CONFIG)
        for role in ("PROPOSER_ROLE", "CANCELLER_ROLE", "EXECUTOR_ROLE"):
            timelock.grant_role(role, governor.address, sender=operator)
        token.grant_role("MINTER_ROLE", timelock.address, sender=operator)
        token.mint_batch([alice.address, bob.address], [700 * UNIT, 300 * UNIT], sender=operator)
        token.delegate(alice.address, sender=alice)
        token.delegate(bob.address, sender=bob)
        advance_time(w3, 1)
        runner = CliRunner()
        at = ["--governor", governor.address, "--rpc-url", url]

        mint = call(token, "mint", dev.address, 5 * UNIT)
        monkeypatch.setenv("QUILTKIT_GOV_KEY", "0x" + alice.key.hex())
        proposed = runner.invoke(
            main,
            [
                "gov",
                "propose",
                *at,
                "--call",
                f"{mint.target}:0x{mint.data.hex()}",
                "--description",
                "pay dev 5",
                *KIND,
            ],
        )
        assert proposed.exit_code == 0, proposed.output
        first = proposed.output.splitlines()[0]
        assert first.startswith("proposed ") and first.endswith("(HELP_REQUEST, 1 call(s))")
        proposal_id = int(first.split()[1])
        assert _table(proposed.output)["state"] == "PENDING"

        advance_time(w3, CONFIG.voting_delay + 1)
        voted = runner.invoke(main, ["gov", "vote", str(proposal_id), "for", "--reason", "help the dev", *at])
        assert voted.exit_code == 0, voted.output
        assert (
            voted.output.splitlines()[0] == f"{alice.address} voted for on {proposal_id} with 700.0000 tokens of weight"
        )
        monkeypatch.setenv("QUILTKIT_GOV_KEY", "0x" + bob.key.hex())
        assert runner.invoke(main, ["gov", "vote", str(proposal_id), "against", *at]).exit_code == 0

        twice = runner.invoke(main, ["gov", "vote", str(proposal_id), "for", *at])
        assert twice.exit_code == 1
        assert twice.output.strip().splitlines() == [twice.output.strip()]
        assert "GovernorAlreadyCastVote" in twice.output

        shown = runner.invoke(main, ["gov", "show", str(proposal_id), *at])
        assert shown.exit_code == 0, shown.output
        table = _table(shown.output)
        assert table["type"] == "HELP_REQUEST"
        assert table["state"] == "ACTIVE"
        assert table["for (tokens)"] == "700.0000"
        assert table["against (tokens)"] == "300.0000"
        assert table["quorum"].startswith("700.0000 of 40.0000 tokens (reached")  # for + abstain

        advance_time(w3, CONFIG.voting_period + CONFIG.late_quorum_extension + 1)
        queued = runner.invoke(main, ["gov", "queue", str(proposal_id), *at])
        assert queued.exit_code == 0, queued.output
        eta = governor.tally(proposal_id).eta
        assert queued.output.strip() == f"queued {proposal_id}: executable from t={eta}"
        early = runner.invoke(main, ["gov", "execute", str(proposal_id), *at])
        assert early.exit_code == 1 and "GovernorExecutionTooEarly" in early.output
        advance_time(w3, CONFIG.standard_execution_delay)
        executed = runner.invoke(main, ["gov", "execute", str(proposal_id), *at])
        assert executed.exit_code == 0, executed.output
        assert executed.output.startswith(f"executed {proposal_id} (tx 0x")
        assert token.balance_of(dev.address) == 5 * UNIT
        assert _table(runner.invoke(main, ["gov", "show", str(proposal_id), *at]).output)["state"] == "EXECUTED"

        unknown = runner.invoke(main, ["gov", "show", "12345", *at])
        assert unknown.exit_code == 1
        assert unknown.output.startswith("error: ") and "GovernorNonexistentProposal" in unknown.output


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["propose", "--call", "0xnot:0x00", "--description", "x"], "0x" + "11" * 32, "--call target"),
        (
            ["propose", "--call", "0x" + "22" * 20 + ":zz", "--description", "x"],
            "0x" + "11" * 32,
            "--call calldata must be hex",
        ),
        (["propose", "--call", "0x" + "22" * 20, "--description", "x"], "0x" + "11" * 32, "TARGET:0xCALLDATA"),
        (["vote", "1", "for"], None, "set $QUILTKIT_GOV_KEY"),
        (["vote", "1", "for"], "not-a-key", "does not hold a private key"),
    ],
)
def test_bad_input_is_one_line_and_sends_nothing(
    monkeypatch: pytest.MonkeyPatch, args: list[str], env: str | None, message: str
) -> None:
    if env is None:
        monkeypatch.delenv("QUILTKIT_GOV_KEY", raising=False)
    else:
        monkeypatch.setenv("QUILTKIT_GOV_KEY", env)
    # no node listens here: every one of these fails before connecting
    at = ["--governor", "0x" + "33" * 20, "--rpc-url", "http://127.0.0.1:9"]
    done = CliRunner().invoke(main, ["gov", *args, *at])
    assert done.exit_code == 1
    assert done.output.strip().splitlines() == [done.output.strip()]
    assert done.output.startswith("error: ") and message in done.output
