"""`quiltkit stake|bonds` against a node (a fresh anvil): stake, see the claimable rewards in a
table, claim, unstake; bond, unbond; bad input refused in one line with nothing sent."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from quiltkit import GovernanceToken, GovernanceTokenV2, Staking, Token, VerifierBonds
from quiltkit.cli import main
from quiltkit.devchain import advance_time, anvil, dev_accounts

UNIT = 10**18
DAY = 86_400


def _table(output: str) -> dict[str, str]:
    rows = (re.split(r"\s{2,}", line, maxsplit=1) for line in output.splitlines())
    return {row[0]: row[1] for row in rows if len(row) == 2}


def test_stake_claim_unstake_and_bond_from_the_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    operator, alice = dev_accounts(2)
    with anvil() as w3:
        url = str(w3.provider.endpoint_uri)  # type: ignore[attr-defined]
        v1 = GovernanceToken.deploy(w3, operator, admin=operator.address, treasury=operator.address)
        pool = Staking.deploy(w3, operator, token=v1.address, admin=operator.address, distributor=operator.address)
        registry = VerifierBonds.deploy(
            w3, operator, token=v1.address, governance=operator.address, treasury=operator.address
        )
        token = GovernanceTokenV2.upgrade(w3, operator, token=v1.address, staking=pool.address, bonds=registry.address)
        usdc = Token.deploy_test_token(w3, operator, "USD Coin", "USDC", 6)
        token.mint(alice.address, 1_000 * UNIT, sender=operator)
        token.delegate(alice.address, sender=alice)
        usdc.mint(operator.address, 7_000 * 10**6, sender=operator)
        usdc.approve(pool.address, 7_000 * 10**6, sender=operator)
        runner = CliRunner()
        at = ["--pool", pool.address, "--rpc-url", url]
        monkeypatch.setenv("QUILTKIT_STAKE_KEY", "0x" + alice.key.hex())

        staked = runner.invoke(main, ["stake", "stake", "600", *at])
        assert staked.exit_code == 0, staked.output
        assert staked.output.splitlines()[0] == "staked 600.0000 tokens"
        assert _table(staked.output)["staked"] == "600.0000"
        assert token.get_votes(alice.address) == 1_000 * UNIT

        pool.notify_reward_amount(usdc.address, 7_000 * 10**6, 7 * DAY, sender=operator)
        advance_time(w3, DAY)
        shown = runner.invoke(main, ["stake", "show", alice.address, *at])
        assert shown.exit_code == 0, shown.output
        claimable = _table(shown.output)["claimable USDC"]
        assert claimable.startswith("1,000.") and claimable.endswith(f"({usdc.address})")

        claimed = runner.invoke(main, ["stake", "claim", *at])
        assert claimed.exit_code == 0, claimed.output
        assert claimed.output.startswith("claimed ") and usdc.address in claimed.output
        assert usdc.balance_of(alice.address) >= 999 * 10**6  # a day of 7,000 a week, rounded down

        unstaked = runner.invoke(main, ["stake", "unstake", "100", *at])
        assert unstaked.exit_code == 0, unstaked.output
        assert _table(unstaked.output)["staked"] == "500.0000"

        reg = ["--registry", registry.address, "--rpc-url", url]
        bonded = runner.invoke(main, ["bonds", "bond", "300", *reg])
        assert bonded.exit_code == 0, bonded.output
        assert _table(bonded.output)["active bond"] == "300.0000"
        unbonding = runner.invoke(main, ["bonds", "unbond", "50", *reg])
        assert unbonding.exit_code == 0, unbonding.output
        set_id = "0x" + "11" * 32
        shown = runner.invoke(main, ["bonds", "show", alice.address, "--set-id", set_id, *reg])
        assert shown.exit_code == 0, shown.output
        assert _table(shown.output)["slashable"] == "300.0000"
        assert _table(shown.output)["counts"] == "yes"

        nonce = w3.eth.get_transaction_count(alice.address)
        bad_amounts = (["stake", "stake", "0.0000000000000000001", *at], ["stake", "stake", "lots", *at])
        for bad in (*bad_amounts, ["bonds", "bond", "0", *reg]):
            refused = runner.invoke(main, bad)
            assert refused.exit_code == 1
            assert refused.output.startswith("error: ") and len(refused.output.splitlines()) == 1
        too_much = runner.invoke(main, ["stake", "unstake", "501", *at])
        assert too_much.exit_code == 1 and "StakingInsufficientStake" in too_much.output
        assert w3.eth.get_transaction_count(alice.address) == nonce, "nothing sent"
