"""Payout intents: the one schema verifiers sign and relayers submit, on every chain.

A :class:`PayoutIntent` names an escrow, a milestone, the payee, the amount and token, a unique
intent id, a deadline and the hash of the evidence (e.g. a merged pull request). The same model
serves both chains; its addresses are 0x addresses on EVM and strkeys on Stellar.

- EVM: EIP-712 typed data under the escrow contract's domain (name ``quiltkit MilestoneEscrow``,
  version ``1``, chain id, contract address), signed with ECDSA (:func:`sign_intent`).
- Soroban: ed25519 over :func:`soroban_digest`, the sha256 of the XDR of
  ``Vec[Symbol("qk_payout_v1"), Bytes(network id), Address(contract), intent as a ScMap]``
  (byte layout and a test vector in soroban/README.md), signed by :func:`sign_soroban_intent`.

Either contract consumes each intent id once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_keys.datatypes import Signature
from eth_keys.exceptions import BadSignature
from eth_utils.crypto import keccak
from eth_utils.exceptions import ValidationError
from pydantic import AliasChoices, ConfigDict, Field

from quiltkit._model import Model
from quiltkit._types import Address, Bytes32, ChainAddress, checksum, is_evm_address, looks_like_secret
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
    "recover_digest_signer",
    "recover_signer",
    "sign_intent",
    "signatures_for",
    "typed_data",
    "intent_digest",
    "sign_soroban_intent",
    "soroban_digest",
    "soroban_intent_scval",
    "verify_soroban_signature",
]

SOROBAN_DOMAIN_TAG = "qk_payout_v1"
U64_MAX = 2**64 - 1
U32_MAX = 2**32 - 1
I128_MAX = 2**127 - 1

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


class EvmDomain(Model):
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


def _either(name: str, camel: str) -> AliasChoices:
    return AliasChoices(name, camel)


class PayoutIntent(Model):
    """An instruction to pay one milestone, signed by the escrow's verifiers.

    Built from snake_case fields or from the camelCase form of :meth:`message` (``escrowId``,
    ``intentId``, ...; bytes32 values as 0x-hex or bytes). Bad fields raise
    :class:`~quiltkit.exceptions.InvalidInput` / :class:`~quiltkit.exceptions.InvalidAddress`
    naming the field.
    """

    model_config = ConfigDict(frozen=True)

    escrow_id: int = Field(ge=0, le=UINT256_MAX, validation_alias=_either("escrow_id", "escrowId"))
    milestone: int = Field(ge=0, le=UINT256_MAX)
    payee: ChainAddress
    amount: int = Field(gt=0, le=UINT256_MAX)
    token: ChainAddress
    intent_id: Bytes32 = Field(validation_alias=_either("intent_id", "intentId"))
    deadline: int = Field(gt=0, le=UINT256_MAX)
    evidence_hash: Bytes32 = Field(validation_alias=_either("evidence_hash", "evidenceHash"))

    @property
    def is_evm(self) -> bool:
        return is_evm_address(self.payee) and is_evm_address(self.token)

    def message(self) -> dict[str, Any]:
        """The EIP-712 message (contract field names)."""
        if not self.is_evm:
            raise InvalidInput("this intent names Stellar addresses; it has no EIP-712 form")
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


class VerifierSignature(Model):
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


_DOMAIN_TYPEHASH = keccak(text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
_INTENT_FIELDS = PAYOUT_INTENT_TYPES["PayoutIntent"]
_INTENT_TYPEHASH = keccak(text="PayoutIntent(" + ",".join(f"{f['type']} {f['name']}" for f in _INTENT_FIELDS) + ")")
_SECP256K1_HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0


@lru_cache(maxsize=64)
def _domain_separator(chain_id: int, verifying_contract: str) -> bytes:
    return keccak(
        abi_encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [_DOMAIN_TYPEHASH, keccak(text=DOMAIN_NAME), keccak(text=DOMAIN_VERSION), chain_id, verifying_contract],
        )
    )


def _word(kind: str, value: Any) -> bytes:
    """One member of the intent struct as its 32-byte ABI word. Every member is a static word
    (uint256, address, bytes32), so the struct's ABI encoding is their concatenation: a sixth of
    what ``eth_abi.encode`` costs, which validates each value the model has already validated."""
    if kind == "uint256":
        return int(value).to_bytes(32, "big")
    if kind == "address":
        return bytes(12) + bytes.fromhex(value[2:])
    if kind == "bytes32":
        return bytes(value)  # the model holds exactly 32 bytes
    raise TypeError(f"{kind} is not a static 32-byte ABI word")


def intent_digest(intent: PayoutIntent, domain: EvmDomain) -> bytes:
    """The 32-byte EIP-712 digest; equals the contract's ``hashIntent``.

    Written out (domain separator, struct hash) rather than through eth-account's generic typed-data
    encoder, which costs a relayer about a millisecond per intent; a property test holds the two
    equal, and another holds this equal to the contract's.
    """
    message = intent.message()
    struct_hash = keccak(_INTENT_TYPEHASH + b"".join(_word(f["type"], message[f["name"]]) for f in _INTENT_FIELDS))
    return keccak(b"\x19\x01" + _domain_separator(domain.chain_id, domain.verifying_contract) + struct_hash)


def sign_intent(intent: PayoutIntent, domain: EvmDomain, signer: LocalAccount | str | bytes) -> bytes:
    """Sign ``intent`` with a verifier's key; returns the 65-byte ECDSA signature."""
    account = signer if isinstance(signer, LocalAccount) else _account(signer)
    signed = account.sign_message(_signable(intent, domain))
    return bytes(signed.signature)


def _account(key: str | bytes) -> LocalAccount:
    """The account of a private key; an error that never repeats the key."""
    account: LocalAccount | None
    try:
        account = Account.from_key(key)
    except Exception:  # eth-account's errors are not ours to pass on: some repeat their input
        account = None
    if account is None:  # raised outside the handler, so no chained error carries the key
        shape = "32 bytes of hex" if looks_like_secret(key) else "not 32 bytes of hex"
        raise InvalidInput(
            f"signer is not a valid secp256k1 private key ({shape}; the value is not repeated)", field="signer"
        )
    return account


def recover_signer(intent: PayoutIntent, domain: EvmDomain, signature: bytes) -> str:
    """The address whose key produced ``signature`` over ``intent`` (ECDSA signers only)."""
    return recover_digest_signer(intent_digest(intent, domain), signature)


def recover_digest_signer(digest: bytes, signature: bytes) -> str:
    """The address whose key signed the 32-byte ``digest``, by the contract's rules.

    What the contract's ``ECDSA.tryRecover`` accepts: 65 bytes ``r || s || v`` with ``v`` 27 or
    28 and ``s`` in the lower half of the curve order, so a malleated copy of a signature, or one
    with ``v`` 0 or 1, is refused here as the contract would refuse it. Raises :class:`InvalidInput`.
    """
    if len(signature) != 65:
        raise InvalidInput(f"not a valid 65-byte ECDSA signature: it is {len(signature)} bytes")
    r, s, v = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big"), signature[64]
    if v not in (27, 28):
        raise InvalidInput(f"not a valid 65-byte ECDSA signature: v is {v}, not 27 or 28")
    if s > _SECP256K1_HALF_N:
        raise InvalidInput("not a valid 65-byte ECDSA signature: s is in the upper half of the curve order (malleable)")
    try:
        public_key = Signature(vrs=(v - 27, r, s)).recover_public_key_from_msg_hash(digest)
    except (BadSignature, ValidationError) as exc:
        raise InvalidInput(f"not a valid 65-byte ECDSA signature: {exc}") from exc
    return checksum(public_key.to_canonical_address())


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


# --- Soroban ------------------------------------------------------------------------------------


def soroban_intent_scval(intent: PayoutIntent) -> Any:
    """The intent as the contract's ``#[contracttype]`` struct: an ScMap with sorted symbol keys."""
    from stellar_sdk import scval

    if intent.is_evm or intent.escrow_id > U64_MAX or intent.milestone > U32_MAX or intent.amount > I128_MAX:
        raise InvalidInput("a Soroban intent needs strkey addresses, a u64 escrow id, u32 milestone, i128 amount")
    if intent.deadline > U64_MAX:
        raise InvalidInput("a Soroban intent deadline must fit u64")
    return scval.to_map(
        {
            scval.to_symbol("amount"): scval.to_int128(intent.amount),
            scval.to_symbol("deadline"): scval.to_uint64(intent.deadline),
            scval.to_symbol("escrow_id"): scval.to_uint64(intent.escrow_id),
            scval.to_symbol("evidence_hash"): scval.to_bytes(bytes.fromhex(intent.evidence_hash[2:])),
            scval.to_symbol("intent_id"): scval.to_bytes(bytes.fromhex(intent.intent_id[2:])),
            scval.to_symbol("milestone"): scval.to_uint32(intent.milestone),
            scval.to_symbol("payee"): scval.to_address(intent.payee),
            scval.to_symbol("token"): scval.to_address(intent.token),
        }
    )


def soroban_digest(intent: PayoutIntent, network_passphrase: str, contract: str) -> bytes:
    """The 32 bytes verifiers sign for the Soroban escrow ``contract`` on that network.

    Equals the contract's ``intent_hash``; binding the network id and the contract means a
    signature is valid for one escrow contract on one network only.
    """
    from stellar_sdk import Network, scval

    preimage = scval.to_vec(
        [
            scval.to_symbol(SOROBAN_DOMAIN_TAG),
            scval.to_bytes(Network(network_passphrase).network_id()),
            scval.to_address(contract),
            soroban_intent_scval(intent),
        ]
    ).to_xdr_bytes()
    return hashlib.sha256(preimage).digest()


def sign_soroban_intent(intent: PayoutIntent, network_passphrase: str, contract: str, secret: Any) -> bytes:
    """ed25519 signature (64 bytes) of :func:`soroban_digest` by a verifier's Stellar key."""
    from stellar_sdk import Keypair

    keypair: Keypair | None = secret if isinstance(secret, Keypair) else None
    if keypair is None:
        try:
            keypair = Keypair.from_secret(str(secret))
        except Exception:  # stellar-sdk's error repeats the secret
            keypair = None
    if keypair is None:  # raised outside the handler, so no chained error carries the secret
        raise InvalidInput("secret is not a Stellar secret key (S...; the value is not repeated)", field="secret")
    return bytes(keypair.sign(soroban_digest(intent, network_passphrase, contract)))


def verify_soroban_signature(
    intent: PayoutIntent, network_passphrase: str, contract: str, public_key: str, signature: bytes
) -> bool:
    """True when ``signature`` is the verifier ``public_key`` (G...) signing this intent."""
    from stellar_sdk import Keypair
    from stellar_sdk.exceptions import BadSignatureError

    try:
        Keypair.from_public_key(public_key).verify(soroban_digest(intent, network_passphrase, contract), signature)
    except BadSignatureError:
        return False
    return True
