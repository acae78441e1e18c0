"""The relayer never echoes a secret: its settings' str/repr/JSON mask every key, keystore password,
API key and webhook secret; configuration errors about them, or about a key put where an address
belongs, never repeat the value; the keys it loads are not in any error or log line."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

import pytest
from quiltkit.devchain import dev_accounts
from quiltkit_relayer.config import ConfigError, RelayerSettings, load_settings, payout_address
from quiltkit_relayer.keys import load_signer, write_keystore

ESCROW = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
KEY = dev_accounts(7)[6].key.hex().removeprefix("0x")
PASSWORD = "correct horse battery staple 7781"
WEBHOOK_SECRET = "whsec-5f0c2d7b9a1e4c3f8d6b2a7e9c1d4f30"
API_KEY = "apikey-8c1e2f9d7b3a4c5e6f708192a3b4c5d6"
STELLAR_SECRET = "SBZVMB74Z76QZ3ZOY7UTDFYKMEGKW5XFJEB6PFKBF4UYSSWHG4EDH7PY"
SECRETS = [KEY, PASSWORD, WEBHOOK_SECRET, API_KEY, STELLAR_SECRET]


def _said(exc: BaseException) -> str:
    return "\n".join([str(exc), repr(exc), *map(repr, exc.args), *traceback.format_exception(exc)])


def _assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret.lower() not in text.lower(), f"a secret leaked: {secret[:6]}..."


def test_settings_mask_every_secret(tmp_path: Path) -> None:
    password_file = tmp_path / "pw"
    password_file.write_text(PASSWORD)
    settings = RelayerSettings(
        rpc_url="http://127.0.0.1:8545",
        escrow_address=ESCROW,
        signer_key="0x" + KEY,
        verifier_key="0x" + KEY,
        api_key=API_KEY,
        github={"webhook_secret": WEBHOOK_SECRET},
    )
    for text in (str(settings), repr(settings), settings.model_dump_json(), repr(settings.model_dump())):
        _assert_clean(text)
    keystore = tmp_path / "signer.json"
    write_keystore(dev_accounts(7)[6], PASSWORD, keystore, iterations=2)
    stored = RelayerSettings(
        rpc_url="http://127.0.0.1:8545", escrow_address=ESCROW, signer_keystore=keystore, signer_password=PASSWORD
    )
    _assert_clean(repr(stored) + stored.model_dump_json())
    assert load_signer(stored).address == dev_accounts(7)[6].address


@pytest.mark.parametrize("where", ["escrow_address", "payees"])
@pytest.mark.parametrize("form", [KEY, "0x" + KEY, STELLAR_SECRET], ids=["hex", "0x-hex", "stellar"])
def test_a_key_in_an_address_setting_is_named_and_not_repeated(tmp_path: Path, where: str, form: str) -> None:
    config = tmp_path / "relayer.toml"
    address = form if where == "escrow_address" else ESCROW
    payee = form if where == "payees" else ESCROW
    config.write_text(
        f'[relayer]\nrpc_url = "http://127.0.0.1:8545"\nescrow_address = "{address}"\nsigner_key = "0x{"11" * 32}"\n'
        f'[relayer.github]\npayees = {{ ada = "{payee}" }}\n'
    )
    with pytest.raises(ConfigError) as info:
        load_settings(config)
    assert "looks like a private key" in str(info.value)
    assert where in str(info.value)
    _assert_clean(_said(info.value))


def test_payout_address_never_repeats_a_key() -> None:
    for value in (KEY, "0x" + KEY, STELLAR_SECRET, KEY[:-1], "0x" + KEY + "ab"):
        with pytest.raises(ValueError, match="private key|neither an EVM address|not a Stellar account") as info:
            payout_address(value)
        _assert_clean(_said(info.value).replace(KEY[:-1], "<near-key>") if value == KEY[:-1] else _said(info.value))
        assert value not in _said(info.value)


@pytest.mark.parametrize(
    ("setting", "value"),
    ids=["typo-key", "long-key", "wrong-password"],
    argvalues=[
        ("signer_key", KEY[:-2] + "zz"),
        ("signer_key", KEY + "00"),
        ("signer_password", PASSWORD),
    ],
)
def test_bad_key_or_wrong_password_errors_do_not_repeat_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, setting: str, value: str
) -> None:
    caplog.set_level(logging.DEBUG)
    keystore = tmp_path / "signer.json"
    write_keystore(dev_accounts(1)[0], "another password", keystore, iterations=2)
    extra = {setting: value} if setting == "signer_key" else {"signer_keystore": keystore, setting: value}
    with pytest.raises(ConfigError) as info:
        load_signer(RelayerSettings(rpc_url="http://127.0.0.1:8545", escrow_address=ESCROW, **extra))
    assert value not in _said(info.value)
    assert value[:40] not in _said(info.value)
    assert all(value not in r.getMessage() for r in caplog.records)
