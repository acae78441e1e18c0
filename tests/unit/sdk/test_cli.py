"""The CLI: `escrow show` prints milestone states by name; intent files are read in snake_case
or in the camelCase of the intent's own EIP-712 message, with the same result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from eth_account.signers.local import LocalAccount
from quiltkit import Escrow, EscrowTerms, intents
from quiltkit.cli import main
from quiltkit.devchain import anvil, dev_accounts
from web3 import Web3

from tests.conftest import now


def _intent() -> intents.PayoutIntent:
    address = dev_accounts(1)[0].address
    return intents.PayoutIntent(
        escrow_id=3,
        milestone=1,
        payee=address,
        amount=10**18,
        token=address,
        intent_id="0x" + "ab" * 32,
        deadline=2_000_000_000,
        evidence_hash=intents.evidence_hash({"pr": 1}),
    )


def test_payout_intent_accepts_the_camel_case_of_its_own_message() -> None:
    intent = _intent()
    assert intents.PayoutIntent(**intent.message()) == intent  # bytes32 as bytes
    as_json = json.loads(
        json.dumps({k: ("0x" + v.hex() if isinstance(v, bytes) else v) for k, v in intent.message().items()})
    )
    assert intents.PayoutIntent.model_validate(as_json) == intent
    assert set(json.loads(intent.model_dump_json())) == {
        "escrow_id",
        "milestone",
        "payee",
        "amount",
        "token",
        "intent_id",
        "deadline",
        "evidence_hash",
    }  # serialised in snake_case, as the relayer's API expects


def test_cli_signs_snake_and_camel_case_files_alike(tmp_path: Path, verifiers: list[LocalAccount]) -> None:
    intent = _intent()
    snake = tmp_path / "snake.json"
    snake.write_text(intent.model_dump_json())
    camel = tmp_path / "camel.json"
    camel.write_text(
        json.dumps({k: ("0x" + v.hex() if isinstance(v, bytes) else v) for k, v in intent.message().items()})
    )
    contract = dev_accounts(2)[1].address
    env = {"QUILTKIT_VERIFIER_KEY": "0x" + verifiers[0].key.hex().removeprefix("0x")}
    runner = CliRunner()
    signatures = []
    for path in (snake, camel):
        result = runner.invoke(
            main, ["intent", "sign", str(path), "--chain-id", "31337", "--contract", contract], env=env
        )
        assert result.exit_code == 0, result.output
        signatures.append(result.output.strip())
    assert signatures[0] == signatures[1]
    domain = intents.EvmDomain(chain_id=31337, verifying_contract=contract)
    assert signatures[0] == "0x" + intents.sign_intent(intent, domain, verifiers[0]).hex()
    verified = runner.invoke(
        main, ["intent", "verify", str(camel), signatures[0], "--chain-id", "31337", "--contract", contract]
    )
    assert verified.output.strip() == verifiers[0].address


def test_cli_reports_a_bad_address_in_an_intent_file_by_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(json.loads(_intent().model_dump_json()) | {"payee": "0x12"}))
    result = CliRunner().invoke(
        main,
        ["intent", "verify", str(bad), "0x" + "11" * 65, "--chain-id", "1", "--contract", dev_accounts(1)[0].address],
    )
    assert result.exit_code == 1
    assert "payee must be a 0x-prefixed 20-byte hex address" in result.output


@pytest.fixture(scope="module")
def node() -> Web3:
    with anvil() as w3:
        yield w3  # type: ignore[misc]


def test_escrow_show_prints_state_names(node: Web3) -> None:
    payer, payee = dev_accounts(2)
    escrow = Escrow.deploy(node, payer, admin=payer.address, guardian=payer.address, treasury=payer.address)
    terms = EscrowTerms(amounts=[10, 20], deadline=now(node) + 1_000, payee=payee.address)
    eid = escrow.create(terms, sender=payer, initial_funding=30).escrow_id
    escrow.release(eid, 0, sender=payer)
    url = str(getattr(node.provider, "endpoint_uri", ""))
    result = CliRunner().invoke(main, ["escrow", "show", str(eid), "--address", escrow.address, "--rpc-url", url])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert [m["state"] for m in shown["milestones"]] == ["RELEASED", "PENDING"]
    assert shown["escrow_id"] == eid and shown["payee"] == payee.address


def test_badges_commands_show_reputation_and_sign(node: Web3, verifiers: list[LocalAccount]) -> None:
    from quiltkit import BadgeAttestation, BadgeDomain, SoulboundBadge
    from quiltkit.attestations import sign_attestation
    from quiltkit.badges import decay, issued_token_ids, registered_type

    admin, holder = dev_accounts(2)
    badges = SoulboundBadge.deploy(node, admin, admin=admin.address)
    badges.grant_role("ISSUER_ROLE", admin.address, sender=admin)
    kind = registered_type(badges.register_type("Contribution", "", 10**20, sender=admin))
    (token_id,) = issued_token_ids(badges.issue(holder.address, kind, "0x" + "cd" * 32, sender=admin))
    url = str(getattr(node.provider, "endpoint_uri", ""))
    runner = CliRunner()
    shown = runner.invoke(main, ["badges", "show", str(token_id), "--address", badges.address, "--rpc-url", url])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["evidence_hash"] == "0x" + "cd" * 32
    rep = badges.reputation(holder.address)
    later = rep.last_activity + 365 * 86_400
    result = runner.invoke(
        main,
        ["badges", "reputation", holder.address, "--address", badges.address, "--rpc-url", url, "--at", str(later)],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["score"] == 10**20
    assert doc["projected"]["value"] == decay(10**20, 365 * 86_400)
    env = {"QUILTKIT_VALIDATOR_KEY": "0x" + verifiers[0].key.hex().removeprefix("0x")}
    fields = {"holder": holder.address, "badge_type": kind, "evidence_hash": "0x" + "cd" * 32}
    fields |= {"attestation_id": "0x" + "01" * 32, "deadline": 2_000_000_000}
    signed = runner.invoke(
        main,
        [
            "badges", "attest", "--holder", holder.address, "--type", str(kind), "--evidence", fields["evidence_hash"],
            "--attestation-id", fields["attestation_id"], "--deadline", "2000000000",
            "--chain-id", str(node.eth.chain_id), "--contract", badges.address,
        ],
        env=env,
    )  # fmt: skip
    assert signed.exit_code == 0, signed.output
    domain = BadgeDomain(chain_id=node.eth.chain_id, verifying_contract=badges.address)
    assert signed.output.strip() == "0x" + sign_attestation(BadgeAttestation(**fields), domain, verifiers[0]).hex()
    bad = runner.invoke(main, ["badges", "show", "1", "--address", "0x12", "--rpc-url", url])
    assert bad.exit_code == 1
