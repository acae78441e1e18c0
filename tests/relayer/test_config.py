"""Configuration from TOML/YAML files and QUILTKIT_RELAYER_* variables, validated with errors that
name the setting; signer keys from encrypted keystores or the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
from quiltkit.devchain import dev_accounts
from quiltkit_relayer.config import ConfigError, load_settings
from quiltkit_relayer.keys import load_signer, load_verifier, write_keystore

ESCROW = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
KEY = "0x" + dev_accounts(6)[5].key.hex()


def test_toml_file_then_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "relayer.toml"
    config.write_text(
        f"""
[relayer]
rpc_url = "http://127.0.0.1:8545"
escrow_address = "{ESCROW.lower()}"
signer_key = "{KEY}"
confirmations = 3

[relayer.github]
bounties = [{{ repo = "o/r", issue = 12, escrow_id = 1, milestone = 0 }}]

[relayer.retry.submit]
base_s = 2.0
"""
    )
    monkeypatch.setenv("QUILTKIT_RELAYER_CONFIRMATIONS", "5")
    monkeypatch.setenv("QUILTKIT_RELAYER_GITHUB__WEBHOOK_SECRET", "from-env")
    settings = load_settings(config)
    assert settings.escrow_address == ESCROW  # checksummed
    assert settings.confirmations == 5  # the environment wins over the file
    assert settings.github.webhook_secret is not None
    assert settings.github.webhook_secret.get_secret_value() == "from-env"
    assert settings.github.bounties[0].issue == 12
    assert settings.retry.submit.base_s == 2.0
    assert settings.database_url == "sqlite:///relayer.db"


def test_yaml_file(tmp_path: Path) -> None:
    config = tmp_path / "relayer.yaml"
    config.write_text(
        f"rpc_url: http://127.0.0.1:8545\nescrow_address: '{ESCROW}'\nsigner_key: '{KEY}'\n"
        "keeper:\n  open_refunds: true\n  escrow_ids: [1, 2]\n"
    )
    settings = load_settings(config)
    assert settings.keeper.open_refunds
    assert settings.keeper.escrow_ids == [1, 2]


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("confirmations", "0", "confirmations (env QUILTKIT_RELAYER_CONFIRMATIONS)"),
        ("escrow_address", "0x1234", "escrow_address (env QUILTKIT_RELAYER_ESCROW_ADDRESS)"),
        ("database_url", "mysql://x", "database_url (env QUILTKIT_RELAYER_DATABASE_URL)"),
        ("fee_bump_percent", "5", "fee_bump_percent (env QUILTKIT_RELAYER_FEE_BUMP_PERCENT)"),
        ("github__intent_ttl_s", "1", "github.intent_ttl_s (env QUILTKIT_RELAYER_GITHUB__INTENT_TTL_S)"),
    ],
)
def test_errors_name_the_setting(monkeypatch: pytest.MonkeyPatch, setting: str, value: str, named: str) -> None:
    monkeypatch.setenv("QUILTKIT_RELAYER_RPC_URL", "http://127.0.0.1:8545")
    monkeypatch.setenv("QUILTKIT_RELAYER_ESCROW_ADDRESS", ESCROW)
    monkeypatch.setenv("QUILTKIT_RELAYER_SIGNER_KEY", KEY)
    monkeypatch.setenv(f"QUILTKIT_RELAYER_{setting.upper()}", value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert named in str(error.value)


def test_missing_settings_are_all_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(tmp_path / "absent.toml")
    assert "cannot read the config file" in str(error.value)
    empty = tmp_path / "empty.toml"
    empty.write_text("[relayer]\n")
    with pytest.raises(ConfigError) as error:
        load_settings(empty)
    text = str(error.value)
    for name in ("rpc_url (env QUILTKIT_RELAYER_RPC_URL)", "escrow_address (env QUILTKIT_RELAYER_ESCROW_ADDRESS)"):
        assert name in text
    empty.write_text(f'[relayer]\nrpc_url = "http://127.0.0.1:8545"\nescrow_address = "{ESCROW}"\n')
    with pytest.raises(ConfigError) as error:
        load_settings(empty)
    assert "set signer_keystore" in str(error.value)


def test_signer_from_an_encrypted_keystore(tmp_path: Path) -> None:
    account = dev_accounts(6)[5]
    keystore = write_keystore(account, "correct horse", tmp_path / "signer.json", iterations=2)
    password = tmp_path / "password"
    password.write_text("correct horse\n")
    base = {"rpc_url": "http://127.0.0.1:8545", "escrow_address": ESCROW, "signer_keystore": str(keystore)}

    settings = load_settings(None, **base, signer_password_file=str(password))
    assert load_signer(settings).address == account.address
    assert load_verifier(settings) is None

    wrong = load_settings(None, **base, signer_password="wrong")
    with pytest.raises(ConfigError) as error:
        load_signer(wrong)
    assert "signer_password" in str(error.value)

    no_password = load_settings(None, **base)
    with pytest.raises(ConfigError) as error:
        load_signer(no_password)
    assert "signer_password_file" in str(error.value)


def test_signer_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUILTKIT_RELAYER_SIGNER_KEY", KEY)
    monkeypatch.setenv("QUILTKIT_RELAYER_VERIFIER_KEY", "0x" + dev_accounts(8)[7].key.hex())
    settings = load_settings(None, rpc_url="http://127.0.0.1:8545", escrow_address=ESCROW)
    assert load_signer(settings).address == dev_accounts(6)[5].address
    verifier = load_verifier(settings)
    assert verifier is not None
    assert verifier.address == dev_accounts(8)[7].address
    assert KEY not in repr(settings)  # secrets never show in reprs or logs


def test_a_bounty_naming_a_badge_type_needs_the_badge_contract() -> None:
    bounty = {"repo": "o/r", "issue": 12, "escrow_id": 1, "badge_type": 3}
    base = {"rpc_url": "http://127.0.0.1:8545", "escrow_address": ESCROW, "signer_key": KEY}
    with pytest.raises(ConfigError, match=r"badges\.contract"):
        load_settings(None, **base, github={"bounties": [bounty]})
    with pytest.raises(ConfigError, match="badge_type"):
        load_settings(None, **base, github={"bounties": [bounty | {"badge_type": 0}]}, badges={"contract": ESCROW})
    settings = load_settings(None, **base, github={"bounties": [bounty]}, badges={"contract": ESCROW.lower()})
    assert settings.github.bounties[0].badge_type == 3
    assert settings.badges.contract == ESCROW  # checksummed


def test_badges_need_an_evm_relayer() -> None:
    from stellar_sdk import Keypair, StrKey

    soroban = {"contract_id": StrKey.encode_contract(b"\x01" * 32), "submitter_secret": Keypair.random().secret}
    with pytest.raises(ConfigError, match="chain = evm"):
        load_settings(None, chain="soroban", soroban=soroban, badges={"contract": ESCROW})
