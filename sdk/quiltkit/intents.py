"""Payout intents: the one schema verifiers sign and relayers submit, on every chain.

A :class:`PayoutIntent` names an escrow, a milestone, the payee, the amount and token, a unique
intent id, a deadline and the hash of the evidence (e.g. a merged pull request). On EVM chains it
is EIP-712 typed data under the escrow contract's domain (name ``quiltkit MilestoneEscrow``,
version ``1``, chain id, contract address); the contract consumes each intent id once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from pydantic import BaseModel, ConfigDict, Field

from quiltkit._types import Address, Bytes32, checksum
from quiltkit.exceptions import InvalidInput

__all__ = [
    "DOMAIN_NAME",
    "DOMAIN_VERSION",
    "EvmDomain",
    "PayoutIntent",
    "VerifierSignature",
    "canonical_json",
    "evidence_hash",
    "new_intent_id",
    "recover_signer",
    "sign_intent",
    "signatures_for",
    "typed_data",
    "intent_digest",
]

DOMAIN_NAME = "quiltkit MilestoneEscrow"
DOMAIN_VERSION = "1"
UINT256_MAX = 2**256 - 1

PAYOUT_INTENT_TYPES: dict[str, list[dict[str, str]]] = {
    "PayoutIntent": [
        {"name": "escrowId", "type": "uint256"},
        {"name": "milestone", "type": "uint256"},
        {"name": "payee", "type": "address"},
        {"name": "amount", "type": "uint256"},
        {"name": "token", "type": "address"},
        {"name": "intentId", "type": "bytes32"},
        {"name": "deadline", "type": "uint256"},
        {"name": "evidenceHash", "type": "bytes32"},
    ]
}


class EvmDomain(BaseModel):
    """The EIP-712 domain of one MilestoneEscrow deployment."""

    model_config = ConfigDict(frozen=True)

    chain_id: int = Field(gt=0)
    verifying_contract: Address

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": self.chain_id,
            "verifyingContract": self.verifying_contract,
        }


class PayoutIntent(BaseModel):
    """An instruction to pay one milestone, signed by the escrow's verifiers."""

    model_config = ConfigDict(frozen=True)

    escrow_id: int = Field(gt=0, le=UINT256_MAX)
    milestone: int = Field(ge=0, le=UINT256_MAX)
    payee: Address
    amount: int = Field(gt=0, le=UINT256_MAX)
    token: Address
    intent_id: Bytes32
    deadline: int = Field(gt=0, le=UINT256_MAX)
    evidence_hash: Bytes32

    def message(self) -> dict[str, Any]:
        """The EIP-712 message (contract field names)."""
        return {
            "escrowId": self.escrow_id,
            "milestone": self.milestone,
            "payee": self.payee,
            "amount": self.amount,
            "token": self.token,
            "intentId": bytes.fromhex(self.intent_id[2:]),
            "deadline": self.deadline,
            "evidenceHash": bytes.fromhex(self.evidence_hash[2:]),
        }

    def as_tuple(self) -> tuple[Any, ...]:
        """The ABI tuple the contract's ``PayoutIntent`` struct decodes from."""
        m = self.message()
        return tuple(m[f["name"]] for f in PAYOUT_INTENT_TYPES["PayoutIntent"])


class VerifierSignature(BaseModel):
    """One verifier's signature, naming the verifier by its index in the escrow's set."""

    model_config = ConfigDict(frozen=True)

    verifier_index: int = Field(ge=0, le=255)
    signature: bytes

    def as_tuple(self) -> tuple[int, bytes]:
        return (self.verifier_index, self.signature)


def typed_data(intent: PayoutIntent, domain: EvmDomain) -> dict[str, Any]:
    """The full EIP-712 typed-data document (what a wallet's ``eth_signTypedData_v4`` signs)."""
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            **PAYOUT_INTENT_TYPES,
        },
        "primaryType": "PayoutIntent",
        "domain": domain.as_dict(),
        "message": intent.message(),
    }


def _signable(intent: PayoutIntent, domain: EvmDomain) -> SignableMessage:
    return encode_typed_data(full_message=typed_data(intent, domain))


def intent_digest(intent: PayoutIntent, domain: EvmDomain) -> bytes:
    """The 32-byte EIP-712 digest; equals the contract's ``hashIntent``."""
    s = _signable(intent, domain)
    return bytes(keccak(b"\x19" + s.version + s.header + s.body))


def sign_intent(intent: PayoutIntent, domain: EvmDomain, signer: LocalAccount | str | bytes) -> bytes:
    """Sign ``intent`` with a verifier's key; returns the 65-byte ECDSA signature."""
    account = signer if isinstance(signer, LocalAccount) else Account.from_key(signer)
    signed = account.sign_message(_signable(intent, domain))
    return bytes(signed.signature)


def recover_signer(intent: PayoutIntent, domain: EvmDomain, signature: bytes) -> str:
    """The address whose key produced ``signature`` over ``intent`` (ECDSA signers only)."""
    try:
        return str(Account.recover_message(_signable(intent, domain), signature=signature))
    except Exception as exc:  # eth-account raises several types for malformed signatures
        raise InvalidInput(f"not a valid 65-byte ECDSA signature: {exc}") from exc


def signatures_for(
    intent: PayoutIntent,
    domain: EvmDomain,
    verifiers: Sequence[str],
    signatures: Iterable[bytes],
) -> list[VerifierSignature]:
    """Match ECDSA signatures to verifier indexes, ascending, as ``releaseWithIntent`` expects.

    Raises :class:`InvalidInput` when a signature is by no verifier or two are by the same one.
    """
    index_of = {checksum(v): i for i, v in enumerate(verifiers)}
    found: dict[int, bytes] = {}
    for signature in signatures:
        signer = recover_signer(intent, domain, signature)
        if signer not in index_of:
            raise InvalidInput(f"signature by {signer}, who is not a verifier of escrow {intent.escrow_id}")
        index = index_of[signer]
        if index in found:
            raise InvalidInput(f"two signatures by verifier {signer}")
        found[index] = signature
    return [VerifierSignature(verifier_index=i, signature=found[i]) for i in sorted(found)]


def canonical_json(proof: Mapping[str, Any]) -> bytes:
    """Canonical JSON bytes: sorted keys, no spaces, UTF-8. Stable across languages."""
    return json.dumps(proof, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def evidence_hash(proof: Mapping[str, Any]) -> str:
    """sha256 of :func:`canonical_json`, as 0x-hex: the ``evidence_hash`` of an intent."""
    return "0x" + hashlib.sha256(canonical_json(proof)).hexdigest()


def new_intent_id() -> str:
    """A fresh random 32-byte intent id."""
    return "0x" + secrets.token_hex(32)
