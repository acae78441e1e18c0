"""Shared pydantic field types: checksummed EVM addresses and 32-byte hex values."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Any

from eth_utils.address import is_hex_address, to_checksum_address
from eth_utils.crypto import keccak
from pydantic import BeforeValidator, ValidationInfo

from quiltkit.exceptions import InvalidAddress, InvalidInput, PrivateKeyAsAddress

__all__ = [
    "role_id",
    "Address",
    "Bytes32",
    "ChainAddress",
    "HexData",
    "ZERO_ADDRESS",
    "ZERO_BYTES32",
    "checksum",
    "chain_address",
    "is_evm_address",
    "looks_like_secret",
    "shown",
    "to_bytes32",
]

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ZERO_BYTES32 = "0x" + "00" * 32

_HEX_KEY = re.compile(r"^(0[xX])?[0-9a-fA-F]{64}$")
_STELLAR_SECRET = re.compile(r"^S[A-Z2-7]{55}$")
_SHOWN_MAX = 44  # an address (42) and a little: longer values are described, never echoed


def looks_like_secret(value: Any) -> bool:
    """Whether ``value`` has the shape of a private key: 32 raw bytes, 32 bytes of hex (with or
    without 0x), or a Stellar secret seed (``S...``). Such a value is never put in a message."""
    if isinstance(value, bytes | bytearray):
        return len(value) == 32
    if isinstance(value, str):
        text = value.strip()
        return bool(_HEX_KEY.match(text) or _STELLAR_SECRET.match(text))
    return False


def shown(value: Any) -> str:
    """How a rejected value appears in an error message: short strings and numbers as they are,
    anything longer or of another kind by its type and length only, so that no message repeats a
    key (or a key with a typo in it) that was passed in the wrong place."""
    if value is None or isinstance(value, bool | int):
        return repr(value)
    if isinstance(value, str):
        return (
            repr(value)
            if len(value) <= _SHOWN_MAX and not looks_like_secret(value)
            else f"a {len(value)}-character string"
        )
    if isinstance(value, bytes | bytearray):
        return f"{len(value)} bytes"
    return f"a {type(value).__name__}"


def checksum(value: Any, what: str = "address") -> str:
    """Return ``value`` as a checksummed EVM address.

    Raises :class:`PrivateKeyAsAddress` (an :class:`InvalidAddress`) when ``value`` looks like a
    private key, and :class:`InvalidAddress` for anything else that is no address.
    """
    if isinstance(value, bytes | bytearray) and len(value) == 20:
        value = "0x" + bytes(value).hex()
    elif isinstance(value, bytes | bytearray):
        raise _not_an_address(value, what, "a 0x-prefixed 20-byte hex address")
    text = value if isinstance(value, str) else str(getattr(value, "address", value))  # accounts, contracts
    checksummed = _checksummed(text)
    if checksummed is None:
        raise _not_an_address(value, what, "a 0x-prefixed 20-byte hex address")
    return checksummed


def _not_an_address(value: Any, what: str, expected: str) -> InvalidAddress:
    if looks_like_secret(value):
        return PrivateKeyAsAddress(what)
    return InvalidAddress(f"{what} must be {expected}, got {shown(value)}", field=what)


def _field_checksum(value: Any, info: ValidationInfo) -> str:
    return checksum(value, info.field_name or "address")


def _field_chain_address(value: Any, info: ValidationInfo) -> str:
    return chain_address(value, info.field_name or "address")


def _field_bytes32(value: Any, info: ValidationInfo) -> str:
    return to_bytes32(value, info.field_name or "value")


@lru_cache(maxsize=65_536)
def _checksummed(text: str) -> str | None:
    """EIP-55 form of ``text``, or None if it is no address. Cached: checksumming costs a keccak,
    and a relayer sees the same few addresses (verifiers, escrow, tokens) on every intent."""
    if not is_hex_address(text):
        return None
    return str(to_checksum_address(text))


def to_bytes32(value: Any, what: str = "value") -> str:
    """Return ``value`` (bytes or hex) as a 0x-prefixed lowercase 32-byte hex string."""
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)
    elif isinstance(value, str):
        text = value[2:] if value.startswith(("0x", "0X")) else value
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise InvalidInput(f"{what} must be 32 bytes of hex, got {shown(value)}", field=what) from None
    else:
        raise InvalidInput(f"{what} must be 32 bytes (bytes or hex string), got {shown(value)}", field=what)
    if len(raw) != 32:
        raise InvalidInput(f"{what} must be exactly 32 bytes, got {len(raw)}", field=what)
    return "0x" + raw.hex()


def is_evm_address(value: str) -> bool:
    return value.startswith("0x") and is_hex_address(value)


def chain_address(value: Any, what: str = "address") -> str:
    """An EVM address (checksummed) or a Stellar strkey (``G...`` account, ``C...`` contract)."""
    text = value if isinstance(value, str) else str(getattr(value, "address", value))
    if text.startswith("0x"):
        return checksum(text, what)
    from stellar_sdk import StrKey

    if StrKey.is_valid_ed25519_public_key(text) or StrKey.is_valid_contract(text):
        return text
    raise _not_an_address(value, what, "a 0x EVM address or a G.../C... Stellar strkey")


Address = Annotated[str, BeforeValidator(_field_checksum)]
"""A checksummed EVM address; a model field of this type names itself in its error."""
ChainAddress = Annotated[str, BeforeValidator(_field_chain_address)]
Bytes32 = Annotated[str, BeforeValidator(_field_bytes32)]
"""32 bytes as a 0x-prefixed lowercase hex string: the SDK's one form of bytes32 values."""


def to_hex(value: Any, what: str = "value") -> str:
    """Bytes of any length (bytes or hex) as a 0x-prefixed lowercase hex string."""
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, str):
        text = value[2:] if value.startswith(("0x", "0X")) else value
        try:
            return "0x" + bytes.fromhex(text).hex()
        except ValueError:
            raise InvalidInput(f"{what} must be hex bytes, got {shown(value)}", field=what) from None
    raise InvalidInput(f"{what} must be bytes or a hex string, got {shown(value)}", field=what)


def _field_hex(value: Any, info: ValidationInfo) -> str:
    return to_hex(value, info.field_name or "value")


HexData = Annotated[str, BeforeValidator(_field_hex)]
"""Bytes of any length as a 0x-prefixed lowercase hex string (the form of ``bytes``/``bytesN`` values)."""


def role_id(role: str) -> bytes:
    """An AccessControl role's id from its name (``DEFAULT_ADMIN_ROLE`` is zero)."""
    return bytes(32) if role == "DEFAULT_ADMIN_ROLE" else keccak(text=role)
