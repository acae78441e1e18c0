"""Signing keys: an eth-account encrypted keystore file with its password, or (for development)
a key from the environment. Keys are decrypted once at start and never logged.

Stellar keys (the Soroban submitter and verifier) use the same keystore container (scrypt or
pbkdf2, AES-128-CTR, MAC) around the 32-byte ed25519 seed: :func:`write_stellar_keystore`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from eth_account import Account
from eth_account.signers.local import LocalAccount
from pydantic import SecretStr

from quiltkit_relayer.config import ConfigError, RelayerSettings

if TYPE_CHECKING:  # stellar-sdk loads only where a Stellar key is used: an EVM relayer starts faster
    from stellar_sdk import Keypair

__all__ = [
    "Verifier",
    "load_account",
    "load_signer",
    "load_stellar_key",
    "load_submitter",
    "load_verifier",
    "verifier_id",
    "write_keystore",
    "write_stellar_keystore",
]


def load_account(
    what: str,
    *,
    key: SecretStr | None,
    keystore: Path | None,
    password: SecretStr | None,
    password_file: Path | None,
) -> LocalAccount | None:
    """The account named by a key or a keystore; None when neither is set."""
    if key is not None:
        try:
            account: LocalAccount = Account.from_key(key.get_secret_value().strip())
            return account
        except (ValueError, TypeError):
            raise ConfigError(f"{what}_key is not a valid secp256k1 private key (hex)") from None
    if keystore is None:
        return None
    decrypted: LocalAccount = Account.from_key(_decrypt(what, keystore, password, password_file))
    return decrypted


def load_stellar_key(
    what: str,
    *,
    secret: SecretStr | None,
    keystore: Path | None,
    password: SecretStr | None,
    password_file: Path | None,
) -> Keypair | None:
    """The Stellar keypair named by a secret (S...) or a keystore; None when neither is set."""
    from stellar_sdk import Keypair

    if secret is not None:
        try:
            return Keypair.from_secret(secret.get_secret_value().strip())
        except (ValueError, TypeError):  # pragma: no cover - the settings validate it
            # from None: stellar-sdk's own error repeats the secret
            raise ConfigError(f"{what}_secret is not a Stellar secret key (S...)") from None
    if keystore is None:
        return None
    return Keypair.from_raw_ed25519_seed(_decrypt(what, keystore, password, password_file))


def _decrypt(what: str, keystore: Path, password: SecretStr | None, password_file: Path | None) -> bytes:
    secret = _password(what, password, password_file)
    try:
        encrypted = json.loads(keystore.read_text())
    except OSError as exc:
        raise ConfigError(f"{what}_keystore: cannot read {keystore}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{what}_keystore: {keystore} is not a JSON keystore") from exc
    try:
        return bytes(Account.decrypt(encrypted, secret))
    except ValueError as exc:
        raise ConfigError(f"{what}_keystore: cannot decrypt {keystore} ({exc}); check {what}_password") from exc


def _password(what: str, password: SecretStr | None, password_file: Path | None) -> str:
    if password is not None:
        return password.get_secret_value()
    if password_file is not None:
        try:
            return password_file.read_text().rstrip("\n")
        except OSError as exc:
            raise ConfigError(f"{what}_password_file: cannot read {password_file}: {exc.strerror}") from exc
    raise ConfigError(f"{what}_keystore is set: also set {what}_password or {what}_password_file")


def load_signer(settings: RelayerSettings) -> LocalAccount:
    """The key that pays gas for submissions (never a verifier's authority over funds)."""
    account = load_account(
        "signer",
        key=settings.signer_key,
        keystore=settings.signer_keystore,
        password=settings.signer_password,
        password_file=settings.signer_password_file,
    )
    if account is None:  # pragma: no cover - RelayerSettings requires one
        raise ConfigError("set signer_keystore or signer_key")
    return account


Verifier: TypeAlias = "LocalAccount | Keypair"
"""A verifier key: an EVM account (signs EIP-712) or a Stellar keypair (signs the Soroban digest)."""


def _soroban_key(settings: RelayerSettings, role: str) -> Keypair | None:
    """``soroban.<role>_secret`` or ``soroban.<role>_keystore`` (+ password), for submitter or verifier."""
    soroban = settings.soroban
    assert soroban is not None  # validated
    return load_stellar_key(
        f"soroban.{role}",
        secret=getattr(soroban, f"{role}_secret"),
        keystore=getattr(soroban, f"{role}_keystore"),
        password=getattr(soroban, f"{role}_password"),
        password_file=getattr(soroban, f"{role}_password_file"),
    )


def load_submitter(settings: RelayerSettings) -> Keypair:
    """The Stellar account that sends Soroban payouts (pays fees; no authority over funds)."""
    keypair = _soroban_key(settings, "submitter")
    if keypair is None:  # pragma: no cover - SorobanSettings requires one
        raise ConfigError("set soroban.submitter_keystore or soroban.submitter_secret")
    return keypair


def verifier_id(verifier: Verifier) -> str:
    """How the pipeline names a verifier: its EVM address or its Stellar public key (G...)."""
    return str(verifier.address) if isinstance(verifier, LocalAccount) else str(verifier.public_key)


def load_verifier(settings: RelayerSettings) -> Verifier | None:
    """The verifier key, when this instance attests merged pull requests."""
    if settings.chain == "soroban":
        return _soroban_key(settings, "verifier")
    return load_account(
        "verifier",
        key=settings.verifier_key,
        keystore=settings.verifier_keystore,
        password=settings.verifier_password,
        password_file=settings.verifier_password_file,
    )


def write_keystore(account: LocalAccount, password: str, path: Path, *, iterations: int | None = None) -> Path:
    """Encrypt ``account`` into an eth-account (v3) keystore file at ``path``."""
    encrypted = Account.encrypt(account.key, password, kdf="pbkdf2", iterations=iterations)
    path.write_text(json.dumps(encrypted))
    path.chmod(0o600)
    return path


def write_stellar_keystore(keypair: Keypair, password: str, path: Path, *, iterations: int | None = None) -> Path:
    """Encrypt ``keypair``'s ed25519 seed into a keystore file at ``path`` (see the module docstring)."""
    encrypted = Account.encrypt(keypair.raw_secret_key(), password, kdf="pbkdf2", iterations=iterations)
    encrypted.pop("address", None)  # a secp256k1 address of the seed: meaningless for a Stellar key
    encrypted["stellar_public_key"] = keypair.public_key
    path.write_text(json.dumps(encrypted))
    path.chmod(0o600)
    return path
