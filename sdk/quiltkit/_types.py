"""Shared pydantic field types: checksummed EVM addresses and 32-byte hex values."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any

from eth_utils.address import is_hex_address, to_checksum_address
from pydantic import BeforeValidator

from quiltkit.exceptions import InvalidAddress, InvalidInput

__all__ = [
    "Address",
    "Bytes32",
    "ChainAddress",
    "ZERO_ADDRESS",
    "ZERO_BYTES32",
    "checksum",
    "chain_address",
    "is_evm_address",
    "to_bytes32",
]

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ZERO_BYTES32 = "0x" + "00" * 32


def checksum(value: Any, what: str = "address") -> str:
    """Return ``value`` as a checksummed EVM address or raise :class:`InvalidAddress`."""
    if isinstance(value, bytes) and len(value) == 20:
        value = "0x" + value.hex()
    text = str(getattr(value, "address", value))  # accept accounts and contracts too
    checksummed = _checksummed(text)
    if checksummed is None:
        raise InvalidAddress(f"{what} must be a 0x-prefixed 20-byte hex address, got {value!r}")
    return checksummed


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
        except ValueError as exc:
            raise InvalidInput(f"{what} must be 32 bytes of hex, got {value!r}") from exc
    else:
        raise InvalidInput(f"{what} must be 32 bytes (bytes or hex string), got {type(value).__name__}")
    if len(raw) != 32:
        raise InvalidInput(f"{what} must be exactly 32 bytes, got {len(raw)}")
    return "0x" + raw.hex()


def is_evm_address(value: str) -> bool:
    return value.startswith("0x") and is_hex_address(value)


def chain_address(value: Any, what: str = "address") -> str:
    """An EVM address (checksummed) or a Stellar strkey (``G...`` account, ``C...`` contract)."""
    text = str(getattr(value, "address", value))
    if text.startswith("0x"):
        return checksum(text, what)
    from stellar_sdk import StrKey

    if StrKey.is_valid_ed25519_public_key(text) or StrKey.is_valid_contract(text):
        return text
    raise InvalidAddress(f"{what} must be a 0x EVM address or a G.../C... Stellar strkey, got {value!r}")


Address = Annotated[str, BeforeValidator(checksum)]
ChainAddress = Annotated[str, BeforeValidator(chain_address)]
Bytes32 = Annotated[str, BeforeValidator(to_bytes32)]
