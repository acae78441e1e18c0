"""Badge attestations: what m of a badge type's n validators sign for SoulboundBadge to issue it.

A :class:`BadgeAttestation` names the holder, the badge type, the evidence hash (e.g. the payout
intent that earned the badge), a unique attestation id and a deadline. It is EIP-712 typed data
under the badge contract's domain (name ``quiltkit SoulboundBadge``, version ``1``, chain id,
contract address), signed with ECDSA like a :class:`~quiltkit.intents.PayoutIntent`, and verified
on chain by the same m-of-n quorum (``contracts/intents/SignatureQuorum.sol``): signatures name
their validator by index, in ascending order (:func:`attestation_signatures_for`). The contract
issues each attestation id once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from pydantic import AliasChoices, ConfigDict, Field

from quiltkit._model import Model
from quiltkit._types import Address, Bytes32, checksum
from quiltkit.exceptions import InvalidInput
from quiltkit.intents import VerifierSignature, _account, new_intent_id, recover_digest_signer

__all__ = [
    "ATTESTATION_DOMAIN_NAME",
    "ATTESTATION_DOMAIN_VERSION",
    "BadgeAttestation",
    "BadgeDomain",
    "attestation_digest",
    "attestation_signatures_for",
    "attestation_typed_data",
    "new_attestation_id",
    "recover_attestation_signer",
    "sequential_attestation_id",
    "sign_attestation",
]

ATTESTATION_DOMAIN_NAME = "quiltkit SoulboundBadge"
ATTESTATION_DOMAIN_VERSION = "1"
UINT256_MAX = 2**256 - 1

ATTESTATION_TYPES: dict[str, list[dict[str, str]]] = {
    "BadgeAttestation": [
        {"name": "holder", "type": "address"},
        {"name": "badgeType", "type": "uint256"},
        {"name": "evidenceHash", "type": "bytes32"},
        {"name": "attestationId", "type": "bytes32"},
        {"name": "deadline", "type": "uint256"},
    ]
}
_FIELDS = ATTESTATION_TYPES["BadgeAttestation"]
_DOMAIN_TYPEHASH = keccak(text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
_TYPEHASH = keccak(text="BadgeAttestation(" + ",".join(f"{f['type']} {f['name']}" for f in _FIELDS) + ")")


class BadgeDomain(Model):
    """The EIP-712 domain of one SoulboundBadge deployment."""

    model_config = ConfigDict(frozen=True)

    chain_id: int = Field(gt=0)
    verifying_contract: Address

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": ATTESTATION_DOMAIN_NAME,
            "version": ATTESTATION_DOMAIN_VERSION,
            "chainId": self.chain_id,
            "verifyingContract": self.verifying_contract,
        }


class BadgeAttestation(Model):
    """Validators' statement that ``holder`` earned a badge of ``badge_type`` for the work
    ``evidence_hash`` names. Built from snake_case or the contract's camelCase field names; bad
    fields raise :class:`~quiltkit.exceptions.InvalidInput` naming the field."""

    model_config = ConfigDict(frozen=True)

    holder: Address
    badge_type: int = Field(gt=0, le=UINT256_MAX, validation_alias=AliasChoices("badge_type", "badgeType"))
    evidence_hash: Bytes32 = Field(validation_alias=AliasChoices("evidence_hash", "evidenceHash"))
    attestation_id: Bytes32 = Field(validation_alias=AliasChoices("attestation_id", "attestationId"))
    deadline: int = Field(gt=0, le=UINT256_MAX)

    def message(self) -> dict[str, Any]:
        """The EIP-712 message (contract field names)."""
        return {
            "holder": self.holder,
            "badgeType": self.badge_type,
            "evidenceHash": bytes.fromhex(self.evidence_hash[2:]),
            "attestationId": bytes.fromhex(self.attestation_id[2:]),
            "deadline": self.deadline,
        }

    def as_tuple(self) -> tuple[Any, ...]:
        """The ABI tuple the contract's ``BadgeAttestation`` struct decodes from."""
        m = self.message()
        return tuple(m[f["name"]] for f in _FIELDS)


def attestation_typed_data(attestation: BadgeAttestation, domain: BadgeDomain) -> dict[str, Any]:
    """The full EIP-712 typed-data document (what a wallet's ``eth_signTypedData_v4`` signs)."""
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            **ATTESTATION_TYPES,
        },
        "primaryType": "BadgeAttestation",
        "domain": domain.as_dict(),
        "message": attestation.message(),
    }


@lru_cache(maxsize=64)
def _domain_separator(chain_id: int, verifying_contract: str) -> bytes:
    return keccak(
        abi_encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [
                _DOMAIN_TYPEHASH,
                keccak(text=ATTESTATION_DOMAIN_NAME),
                keccak(text=ATTESTATION_DOMAIN_VERSION),
                chain_id,
                verifying_contract,
            ],
        )
    )


def attestation_digest(attestation: BadgeAttestation, domain: BadgeDomain) -> bytes:
    """The 32-byte EIP-712 digest; equals the contract's ``hashAttestation``."""
    struct_hash = keccak(abi_encode(["bytes32", *(f["type"] for f in _FIELDS)], [_TYPEHASH, *attestation.as_tuple()]))
    return keccak(b"\x19\x01" + _domain_separator(domain.chain_id, domain.verifying_contract) + struct_hash)


def sign_attestation(attestation: BadgeAttestation, domain: BadgeDomain, signer: LocalAccount | str | bytes) -> bytes:
    """Sign ``attestation`` with a validator's key; returns the 65-byte ECDSA signature."""
    account = signer if isinstance(signer, LocalAccount) else _account(signer)
    signed = account.sign_message(encode_typed_data(full_message=attestation_typed_data(attestation, domain)))
    return bytes(signed.signature)


def recover_attestation_signer(attestation: BadgeAttestation, domain: BadgeDomain, signature: bytes) -> str:
    """The address whose key produced ``signature`` over ``attestation`` (ECDSA signers only)."""
    return recover_digest_signer(attestation_digest(attestation, domain), signature)


def attestation_signatures_for(
    attestation: BadgeAttestation,
    domain: BadgeDomain,
    validators: Sequence[str],
    signatures: Iterable[bytes],
) -> list[VerifierSignature]:
    """Match ECDSA signatures to validator indexes, ascending, as ``issueWithAttestation`` expects.

    Raises :class:`InvalidInput` when a signature is by no validator or two are by the same one.
    """
    index_of = {checksum(v, "validator"): i for i, v in enumerate(validators)}
    found: dict[int, bytes] = {}
    for signature in signatures:
        signer = recover_attestation_signer(attestation, domain, signature)
        if signer not in index_of:
            raise InvalidInput(f"signature by {signer}, who is not a validator of badge type {attestation.badge_type}")
        index = index_of[signer]
        if index in found:
            raise InvalidInput(f"two signatures by validator {signer}")
        found[index] = signature
    return [VerifierSignature(verifier_index=i, signature=found[i]) for i in sorted(found)]


def new_attestation_id() -> str:
    """A fresh random 32-byte attestation id (its consumption writes a fresh bitmap word: about
    17k gas more than a :func:`sequential_attestation_id`)."""
    return new_intent_id()


def sequential_attestation_id(namespace: str, n: int) -> str:
    """The ``n``-th attestation id of ``namespace`` (e.g. a relayer's name): keccak256(namespace)
    with its low 64 bits replaced by ``n``. The contract keeps used ids as a bitmap of 256 per
    word, so ids issued in sequence share words and each is consumed for a warm-word update."""
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n < 2**64:
        raise InvalidInput(f"n must be an integer in 0..2**64-1, got {n!r}", field="n")
    prefix = int.from_bytes(keccak(text=namespace), "big") >> 64 << 64
    return "0x" + (prefix | n).to_bytes(32, "big").hex()
