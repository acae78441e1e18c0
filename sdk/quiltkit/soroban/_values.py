"""Stellar strkeys and Soroban values: validation before sending, SCVal <-> Python."""

from __future__ import annotations

from typing import Any

from stellar_sdk import Address, Keypair, StrKey, scval, xdr

from quiltkit._types import looks_like_secret, shown
from quiltkit.exceptions import InvalidAddress, InvalidInput, PrivateKeyAsAddress

__all__ = [
    "I128_MAX",
    "I64_MAX",
    "U32_MAX",
    "U64_MAX",
    "account",
    "address",
    "contract",
    "from_b64",
    "native",
    "raw_public_key",
    "to_b64",
]

U32_MAX = 2**32 - 1
U64_MAX = 2**64 - 1
I64_MAX = 2**63 - 1
I128_MAX = 2**127 - 1


def _text(value: Any) -> str:
    if isinstance(value, Keypair):
        return str(value.public_key)
    if isinstance(value, Address):
        return str(value.address)
    return str(value)


def _refused(value: Any, what: str, expected: str) -> InvalidAddress:
    """The error for a value that is no address; a secret key is named as such, never repeated."""
    if looks_like_secret(value):
        return PrivateKeyAsAddress(what)
    return InvalidAddress(f"{what} must be {expected}, got {shown(value)}", field=what)


def address(value: Any, what: str = "address") -> str:
    """A ``G...`` account or ``C...`` contract strkey (a ``Keypair`` gives its public key)."""
    text = _text(value)
    if StrKey.is_valid_ed25519_public_key(text) or StrKey.is_valid_contract(text):
        return text
    raise _refused(value, what, "a G... account or C... contract strkey")


def account(value: Any, what: str = "account") -> str:
    """A ``G...`` account strkey."""
    text = _text(value)
    if StrKey.is_valid_ed25519_public_key(text):
        return text
    raise _refused(value, what, "a G... Stellar account strkey")


def contract(value: Any, what: str = "contract") -> str:
    """A ``C...`` contract strkey."""
    text = _text(value)
    if StrKey.is_valid_contract(text):
        return text
    raise _refused(value, what, "a C... Soroban contract strkey")


def raw_public_key(value: Any, what: str = "verifier key") -> bytes:
    """32 raw ed25519 bytes from a ``G...`` strkey, a ``Keypair``, 32 bytes or 64 hex digits."""
    if isinstance(value, Keypair):
        return bytes(value.raw_public_key())
    if isinstance(value, bytes | bytearray):
        if len(value) != 32:
            raise InvalidInput(f"{what} must be 32 bytes, got {len(value)}")
        return bytes(value)
    text = str(value)
    if StrKey.is_valid_ed25519_public_key(text):
        return bytes(StrKey.decode_ed25519_public_key(text))
    hex_text = text.removeprefix("0x")
    if len(hex_text) == 64:
        try:
            return bytes.fromhex(hex_text)
        except ValueError:
            pass
    if looks_like_secret(text):  # 64 hex digits were accepted above: this is an S... secret seed
        raise PrivateKeyAsAddress(what)
    raise InvalidInput(f"{what} must be a G... strkey, 32 bytes or 64 hex digits, got {shown(value)}", field=what)


def bytes_n(value: Any, size: int, what: str) -> bytes:
    """Exactly ``size`` bytes from bytes or (0x-)hex."""
    if isinstance(value, bytes | bytearray):
        raw = bytes(value)
    else:
        try:
            raw = bytes.fromhex(str(value).removeprefix("0x"))
        except ValueError as exc:
            raise InvalidInput(f"{what} must be {size} bytes of hex, got {shown(value)}", field=what) from exc
    if len(raw) != size:
        raise InvalidInput(f"{what} must be exactly {size} bytes, got {len(raw)}")
    return raw


def in_range(value: int, low: int, high: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{what} must be an integer, got {value!r}")
    if not low <= value <= high:
        raise InvalidInput(f"{what} must be in {low}..{high}, got {value}")
    return value


def option_address(value: str | None) -> xdr.SCVal:
    """``Option<Address>``: void for ``None``."""
    return scval.to_void() if value is None else scval.to_address(value)


def native(value: xdr.SCVal) -> Any:
    """An SCVal as plain Python: addresses as strkeys, maps as dicts keyed by symbol, bytes as bytes."""
    t = value.type
    if t == xdr.SCValType.SCV_ADDRESS:
        return str(scval.from_address(value).address)
    if t == xdr.SCValType.SCV_VEC:
        return [native(v) for v in (value.vec.sc_vec if value.vec is not None else [])]
    if t == xdr.SCValType.SCV_MAP:
        entries = value.map.sc_map if value.map is not None else []
        return {_key(native(e.key)): native(e.val) for e in entries}
    if t == xdr.SCValType.SCV_ERROR:
        return value.error
    return scval.to_native(value)


def _key(value: Any) -> Any:
    return value if isinstance(value, str | int | bytes) else repr(value)


def to_b64(value: Any) -> str:
    """Base64 XDR of any stellar-sdk XDR object."""
    return str(value.to_xdr())


def from_b64(cls: Any, text: str) -> Any:
    return cls.from_xdr(text)
