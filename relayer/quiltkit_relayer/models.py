"""The relayer's domain: intent states, rejection reasons, the submission an intent arrives in and
the record the store keeps for it.

Lifecycle of one intent::

    received -> verified -> submitted -> confirmed
        |           |           |
        +-----------+-----------+-> failed(reason) | expired

``received`` intents wait for verification (or for more verifier signatures); ``verified`` ones
for a transaction; ``submitted`` ones for their transaction to be mined deep enough. A submitted
intent whose transaction reverted or vanished goes back to ``received`` and is checked again: an
intent the contract already consumed is ``confirmed``, whoever paid it.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from quiltkit._types import Address, ChainAddress, checksum
from quiltkit.intents import PayoutIntent

__all__ = [
    "TERMINAL_STATES",
    "IntentRecord",
    "IntentState",
    "IntentSubmission",
    "Reason",
    "Rejection",
    "Signature",
    "TxState",
]


class IntentState(StrEnum):
    RECEIVED = "received"
    VERIFIED = "verified"
    SUBMITTED = "submitted"
    CONFIRMED = "confirmed"
    FAILED = "failed"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    """Terminal: the intent's milestone was closed by something other than this intent (released
    by the payer or another intent, disputed, resolved, refunded), so it can never pay; the reason
    says how. Not ``confirmed`` (we did not pay it) and not ``failed`` (nothing went wrong)."""


TERMINAL_STATES = frozenset({IntentState.CONFIRMED, IntentState.FAILED, IntentState.EXPIRED, IntentState.SUPERSEDED})


class TxState(StrEnum):
    """State of one signed transaction (one version of one nonce)."""

    SIGNED = "signed"  # persisted, maybe not broadcast yet
    BROADCAST = "broadcast"  # the node accepted it
    MINED = "mined"  # in a block, not yet deep enough
    CONFIRMED = "confirmed"  # deep enough: final
    REVERTED = "reverted"  # mined, status 0
    REPLACED = "replaced"  # another version of the same nonce was mined
    DROPPED = "dropped"  # the nonce was used by a transaction we did not send


LIVE_TX_STATES = (TxState.SIGNED, TxState.BROADCAST, TxState.MINED)


class Reason(StrEnum):
    """Named reasons an intent (or a webhook delivery) is rejected or fails."""

    MALFORMED_JSON = "malformed_json"
    INVALID_INTENT = "invalid_intent"
    WRONG_CHAIN_ID = "wrong_chain_id"
    WRONG_CONTRACT = "wrong_contract"
    EXPIRED = "expired"
    ESCROW_NOT_FOUND = "escrow_not_found"
    ATTESTATION_DISABLED = "attestation_disabled"
    VERIFIER_SET_MISMATCH = "verifier_set_mismatch"
    TOKEN_MISMATCH = "token_mismatch"  # noqa: S105 - a reason name, not a secret
    INVALID_MILESTONE = "invalid_milestone"
    MILESTONE_NOT_PENDING = "milestone_not_pending"
    MILESTONE_NOT_FUNDED = "milestone_not_funded"
    AMOUNT_MISMATCH = "amount_mismatch"
    PAYEE_MISMATCH = "payee_mismatch"
    ALREADY_CONSUMED = "intent_already_consumed"
    INVALID_SIGNATURE = "invalid_signature"
    UNKNOWN_SIGNER = "unknown_signer"
    VERIFIER_SUSPENDED = "verifier_suspended"
    DUPLICATE_SIGNER = "duplicate_signer"
    INSUFFICIENT_SIGNATURES = "insufficient_signatures"
    INTENT_ID_CONFLICT = "intent_id_conflict"
    CONTRACT_REJECTED = "contract_rejected"
    RETRIES_EXHAUSTED = "retries_exhausted"
    NODE_UNAVAILABLE = "node_unavailable"
    # webhook deliveries
    BAD_SIGNATURE = "bad_signature"
    DUPLICATE_DELIVERY = "duplicate_delivery"
    WEBHOOKS_DISABLED = "webhooks_disabled"
    UNSUPPORTED_EVENT = "unsupported_event"
    NOT_MERGED = "pull_request_not_merged"
    UNKNOWN_REPOSITORY = "unknown_repository"
    NO_BOUNTY = "no_bounty_for_pull_request"
    UNKNOWN_PAYEE = "unknown_payee"
    NOT_A_VERIFIER = "not_a_verifier"


class Rejection(Exception):
    """An intent or delivery was refused; ``reason`` is a :class:`Reason`, ``detail`` says why."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)


def contract_signature(verifier: str, signature: bytes) -> str:
    """The form of an ERC-1271 (contract, e.g. Safe) verifier's signature: ``<address>:0x<bytes>``.

    A contract's signature names no signer that ECDSA could recover, so it carries its verifier."""
    return f"{verifier}:0x{bytes(signature).hex()}"


def split_signature(value: str) -> tuple[str | None, bytes]:
    """(the ERC-1271 verifier it names or None for ECDSA / ed25519, the signature bytes)."""
    verifier, _, signature = value.rpartition(":")
    return (verifier or None), bytes.fromhex(signature.removeprefix("0x"))


def _hex_signature(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if not isinstance(value, str):
        raise ValueError("a signature is a 0x-prefixed hex string")
    if ":" in value:  # an ERC-1271 verifier's signature: <address>:0x<bytes>
        verifier, _, rest = value.partition(":")
        if not re.fullmatch(r"0x[0-9a-fA-F]{40}", verifier):
            raise ValueError("a contract signature is <0x verifier address>:<0x hex signature>")
        return checksum(verifier) + ":" + _hex_signature(rest)
    text = value.removeprefix("0x")
    try:
        raw = bytes.fromhex(text)
    except ValueError as exc:
        raise ValueError("a signature is a 0x-prefixed hex string") from exc
    if not 1 <= len(raw) <= 1024:
        raise ValueError("a signature is 1..1024 bytes")
    return "0x" + raw.hex()


Signature = Annotated[str, BeforeValidator(_hex_signature)]


class IntentSubmission(BaseModel):
    """What POST /intents accepts: the intent, the domain it was signed under, its signatures."""

    model_config = ConfigDict(extra="forbid")

    chain_id: int = Field(
        gt=0,
        description="Chain id of the EIP-712 domain the verifiers signed under "
        "(Soroban: the first 6 bytes of the network id, as an integer).",
    )
    contract: ChainAddress = Field(
        description="MilestoneEscrow address (the EIP-712 verifying contract), or the Soroban escrow's C... id."
    )
    intent: PayoutIntent
    signatures: list[Signature] = Field(
        default_factory=list,
        max_length=32,
        description="65-byte ECDSA, hex; an ERC-1271 (contract) verifier's as <0x address>:<0x signature> "
        "(Soroban: 32-byte public key + 64-byte ed25519).",
    )
    verifiers: list[Address] | None = Field(
        default=None,
        max_length=32,
        description="The escrow's verifier set; read from chain when omitted (always, on Soroban).",
    )


class IntentRecord(BaseModel):
    """One intent as the store keeps it (and GET /intents/{id} returns it)."""

    model_config = ConfigDict(frozen=True)

    intent_id: str
    state: IntentState
    reason: str | None = None
    chain: str
    chain_id: int
    contract: str
    digest: str
    intent: PayoutIntent
    signatures: list[str]
    signers: list[str]
    verifiers: list[str] | None = None
    source: str
    attempts: int
    signer: str | None = None
    nonce: int | None = None
    tx_hash: str | None = None
    block_number: int | None = None
    created_at: float
    updated_at: float
    submitted_at: float | None = None
    confirmed_at: float | None = None
