"""The Soroban chain adapter: the Soroban escrow through :mod:`quiltkit.soroban`, on a Stellar RPC
server or on the local harness.

Intents are signed with ed25519 over :func:`quiltkit.intents.soroban_digest` (network passphrase
and escrow contract bound in). Ed25519 signatures name no signer, so a Soroban signature as the
relayer takes it is 96 bytes: the verifier's raw 32-byte public key followed by its 64-byte
signature (:func:`soroban_signature` builds one). Quorum is judged against the verifier keys and
threshold the contract stores for the escrow.

This module decides what to call (``release_with_intent`` needs no authorisation entries: anyone
may submit it); :mod:`quiltkit_relayer.chains.soroban_tx` decides how the call becomes a persisted
transaction on each backend: a signed envelope with time bounds on a Stellar RPC server, the
exact ``invoke`` request on the harness. ``release_with_intent`` pays one intent per call, so a
Soroban transaction carries one intent.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from eth_account.signers.local import LocalAccount
from quiltkit import intents
from quiltkit.escrow import IntentStatus
from quiltkit.escrow_errors import EscrowInvalidMilestone, EscrowNotFound
from quiltkit.exceptions import ContractRevert, InvalidInput, UnknownRevert
from quiltkit.soroban import LocalHost, SorobanEscrow
from quiltkit.soroban.backend import ContractCall, Rpc
from quiltkit.soroban.errors import (
    HarnessError,
    SorobanContractError,
    SorobanHostError,
    SorobanRpcError,
)
from quiltkit.soroban.models import EscrowStatus, SorobanEscrowInfo
from stellar_sdk import Keypair, Network, StrKey, scval

from quiltkit_relayer.chains.base import (
    Broadcast,
    ChainUnavailable,
    Checked,
    CheckResult,
    Fees,
    Prepared,
    Receipt,
    SignedTx,
    TxRequest,
    check_escrow_terms,
    check_intent,
)
from quiltkit_relayer.chains.evm import abort_for_revert
from quiltkit_relayer.chains.soroban_tx import (
    HarnessTransactions,
    RpcTransactions,
    request_call,
    unavailable_on,
)
from quiltkit_relayer.models import IntentRecord, IntentSubmission, Reason, Rejection
from quiltkit_relayer.results import Abort, Done, Ok, Retry

__all__ = ["SorobanAdapter", "soroban_chain_id", "soroban_signature"]


def soroban_chain_id(network_passphrase: str) -> int:
    """The ``chain_id`` a Soroban submission names: the first 6 bytes of the network id (exact in JSON)."""
    return int.from_bytes(Network(network_passphrase).network_id()[:6], "big")


def soroban_signature(public_key: str, signature: bytes) -> str:
    """One verifier signature as the relayer takes it: hex of raw public key (32) + ed25519 signature (64)."""
    return "0x" + StrKey.decode_ed25519_public_key(public_key).hex() + bytes(signature).hex()


def _node(what: str) -> Any:
    """Transport failures of either backend become :class:`ChainUnavailable`."""
    return unavailable_on((HarnessError, SorobanRpcError), what)


class SorobanAdapter:
    """One Soroban escrow contract on a Stellar RPC server or the local harness, one submitter key.

    Thread-safe (one lock around the backend).
    """

    name = "soroban"
    batch_limit = 1
    """``release_with_intent`` pays one intent per call: one intent per transaction."""

    def __init__(
        self,
        backend: LocalHost | Rpc,
        contract_id: str,
        submitter: Keypair,
        *,
        expiry_margin_s: int = 5,
    ) -> None:
        self.backend = backend
        self.escrow = SorobanEscrow(backend, contract_id)
        self._contract = self.escrow.contract_id
        self._submitter = submitter
        self.expiry_margin_s = expiry_margin_s
        self._passphrase = backend.network_passphrase
        self._chain_id = soroban_chain_id(self._passphrase)
        self._lock = threading.RLock()
        self._thresholds: dict[int, int] = {}
        self.transactions: RpcTransactions | HarnessTransactions
        if isinstance(backend, Rpc):
            if backend.source is not None and backend.source.public_key != submitter.public_key:
                raise ValueError("the Rpc backend's source must be the submitter (or unset)")
            self.transactions = RpcTransactions(backend, self._contract, submitter, self._lock)
        elif isinstance(backend, LocalHost):
            self.transactions = HarnessTransactions(
                backend,
                self._contract,
                submitter,
                self._lock,
                is_paid=self.is_paid,
                named_error=lambda exc: self.escrow._contract_error(exc, "release_with_intent"),
            )
        else:
            raise TypeError(
                f"a Soroban relayer runs on a Stellar RPC (Rpc) or the harness (LocalHost), not {backend!r}"
            )
        self.max_in_flight = self.transactions.max_in_flight

    # --- identity -------------------------------------------------------------------------------

    @property
    def chain_id(self) -> int:
        return self._chain_id

    def node_chain_id(self) -> int:
        return soroban_chain_id(self.transactions.node_passphrase())

    @property
    def contract(self) -> str:
        return self._contract

    @property
    def signer_address(self) -> str:
        return str(self._submitter.public_key)

    @property
    def network_passphrase(self) -> str:
        return self._passphrase

    # --- intents --------------------------------------------------------------------------------

    def attest(self, intent: intents.PayoutIntent, verifier: LocalAccount | Keypair) -> str:
        """``verifier``'s ed25519 signature of ``intent``'s Soroban digest, as submissions carry it."""
        if not isinstance(verifier, Keypair):
            raise TypeError("a Soroban verifier key is a Stellar Keypair")
        signature = intents.sign_soroban_intent(intent, self._passphrase, self._contract, verifier)
        return soroban_signature(verifier.public_key, signature)

    def prepare(self, submission: IntentSubmission) -> Prepared:
        if submission.chain_id != self._chain_id:
            raise Rejection(
                Reason.WRONG_CHAIN_ID,
                f"signed for chain {submission.chain_id}; this relayer serves Soroban network {self._chain_id}",
            )
        if submission.contract != self._contract:
            raise Rejection(
                Reason.WRONG_CONTRACT, f"signed for {submission.contract}; this relayer submits to {self._contract}"
            )
        intent = submission.intent
        try:
            digest = "0x" + intents.soroban_digest(intent, self._passphrase, self._contract).hex()
        except InvalidInput as exc:
            raise Rejection(Reason.INVALID_INTENT, str(exc)) from None
        signers: list[str] = []
        for n, sig in enumerate(submission.signatures):
            raw = bytes.fromhex(sig[2:])
            if len(raw) != 96:
                raise Rejection(
                    Reason.INVALID_SIGNATURE, f"signature {n} is {len(raw)} bytes, not 96 (public key + ed25519)"
                )
            who = StrKey.encode_ed25519_public_key(raw[:32])
            if not intents.verify_soroban_signature(intent, self._passphrase, self._contract, who, raw[32:]):
                raise Rejection(Reason.INVALID_SIGNATURE, f"signature {n} by {who} does not verify over {digest}")
            if who in signers:
                raise Rejection(Reason.DUPLICATE_SIGNER, f"signatures {signers.index(who)} and {n} are both by {who}")
            signers.append(who)
        return Prepared(
            intent_id=intent.intent_id, digest=digest, signers=tuple(signers), signatures=tuple(submission.signatures)
        )

    def now(self) -> int:
        with self._lock, _node("get_ledger"):
            return self.backend.ledger().timestamp

    def head(self) -> int:
        with self._lock, _node("get_ledger"):
            return self.backend.ledger().sequence

    def is_paid(self, intent: intents.PayoutIntent) -> bool:
        """Whether this intent paid its milestone (``intent_status`` says Paid, as on EVM); an
        escrow or milestone that does not exist was paid by nothing."""
        try:
            with self._lock, _node("intent_status"):
                return self.escrow.intent_status(intent).status is IntentStatus.PAID
        except (EscrowNotFound, EscrowInvalidMilestone):
            return False

    def paid_many(self, intents: Sequence[intents.PayoutIntent]) -> list[bool]:
        return [self.is_paid(intent) for intent in intents]

    def escrow_info(self, escrow_id: int) -> SorobanEscrowInfo:
        """``get_escrow``; raises :class:`quiltkit.soroban.errors.EscrowNotFound` or :class:`ChainUnavailable`."""
        with self._lock, _node("get_escrow"):
            return self.escrow.get_escrow(escrow_id)

    def intent_state(self, intent: intents.PayoutIntent) -> tuple[bool, SorobanEscrowInfo | None]:
        """Whether this intent paid its milestone already, and the escrow (None if there is none)."""
        try:
            info = self.escrow_info(intent.escrow_id)
        except EscrowNotFound:
            return False, None
        if not 0 <= intent.milestone < len(info.milestones):
            return False, info
        return self.is_paid(intent), info

    def check(self, record: IntentRecord) -> CheckResult:
        return check_intent(self, record)

    def check_many(self, records: Sequence[IntentRecord]) -> list[CheckResult]:
        return [check_intent(self, record) for record in records]

    def check_terms(self, record: IntentRecord, info: SorobanEscrowInfo) -> Abort | None:
        attested = info.threshold != 0 and bool(info.verifiers)
        return check_escrow_terms(
            record.intent, attested=attested, token=info.token, payee=info.payee, milestones=info.milestones
        )

    def check_signatures(self, record: IntentRecord, info: SorobanEscrowInfo) -> CheckResult:
        intent = record.intent
        verifiers = tuple(info.verifiers)
        with self._lock:
            self._thresholds[intent.escrow_id] = info.threshold
        index_of = {v: i for i, v in enumerate(verifiers)}
        for who in record.signers:
            if who not in index_of:
                return Abort(Reason.UNKNOWN_SIGNER, f"{who} is not a verifier of escrow {intent.escrow_id}")
        if len(record.signers) < info.threshold:
            return Abort(
                Reason.INSUFFICIENT_SIGNATURES,
                f"{len(record.signers)} of the {info.threshold} verifier signatures escrow {intent.escrow_id} needs",
            )
        return Ok(self._choose(record, verifiers, info.threshold))

    @staticmethod
    def _choose(record: IntentRecord, verifiers: tuple[str, ...], threshold: int) -> Checked:
        index_of = {v: i for i, v in enumerate(verifiers)}
        ranked = sorted(
            (index_of[w], s, w) for s, w in zip(record.signatures, record.signers, strict=True) if w in index_of
        )[:threshold]
        return Checked(
            intent_id=record.intent_id,
            verifiers=verifiers,
            signatures=tuple(s for _, s, _ in ranked),
            signers=tuple(w for _, _, w in ranked),
        )

    def checked(self, record: IntentRecord) -> Checked:
        """The submission data of an intent the verify stage passed (verifiers as stored by it)."""
        escrow_id = record.intent.escrow_id
        with self._lock:
            threshold = self._thresholds.get(escrow_id)
        verifiers = tuple(record.verifiers or ())
        if threshold is None or not verifiers:
            info = self.escrow_info(escrow_id)
            threshold, verifiers = info.threshold, tuple(info.verifiers)
            with self._lock:
                self._thresholds[escrow_id] = threshold
        return self._choose(record, verifiers, threshold)

    # --- transactions -----------------------------------------------------------------------------

    def _call(self, record: IntentRecord, checked: Checked) -> ContractCall:
        pairs = [bytes.fromhex(s[2:]) for s in checked.signatures]
        signatures = scval.to_vec([scval.to_vec([scval.to_bytes(p[:32]), scval.to_bytes(p[32:])]) for p in pairs])
        return ContractCall(
            self._contract, "release_with_intent", (intents.soroban_intent_scval(record.intent), signatures)
        )

    def payout_request(self, batch: Sequence[tuple[IntentRecord, Checked]]) -> TxRequest:
        if len(batch) != 1:
            raise ValueError(f"a Soroban payout carries exactly one intent, not {len(batch)}")
        record, checked = batch[0]
        data = self._call(record, checked).invoke_args().to_xdr().encode()
        return TxRequest(to=self._contract, data=data, intent_ids=(record.intent_id,), intents=(record.intent,))

    def estimate(self, request: TxRequest) -> int:
        """Simulate the call (raising the escrow's named error if it would fail); no gas on the harness."""
        call = request_call(self._contract, request)
        try:
            with self._lock, _node("simulate"):
                self.backend.simulate(call, source=self.signer_address)
        except SorobanContractError as exc:
            named = self.escrow._contract_error(exc, call.function)
            if isinstance(named, ContractRevert):
                raise named from exc
            raise UnknownRevert("", f"{call.function}: {named}") from exc
        except SorobanHostError as exc:
            raise UnknownRevert("", f"the host rejects {call.function}: {exc}") from exc
        return 1

    def closed_since_check(self, records: Sequence[IntentRecord]) -> dict[str, Abort | Done]:
        """Nothing: the Soroban escrow fails an intent whose milestone closed, so simulation tells."""
        return {}

    def explain_failure(self, record: IntentRecord, checked: Checked) -> Abort | Done | Retry | None:
        try:
            self.estimate(self.payout_request([(record, checked)]))
        except ContractRevert as err:
            try:
                if self.is_paid(record.intent):  # a copy of this very intent landed first
                    return Done("the contract already consumed this intent")
            except ChainUnavailable as exc:
                return Retry(str(exc))
            return abort_for_revert(err)
        except ChainUnavailable as exc:
            return Retry(str(exc))
        return None

    # --- the keeper's work --------------------------------------------------------------------------

    def escrow_ids(self) -> range:
        """Every escrow id (Soroban escrow ids run from 0)."""
        with self._lock, _node("escrow_count"):
            return range(self.escrow.escrow_count())

    def refund_due(self, escrow_id: int, now: int) -> str | None:
        """Why ``refund`` is due for the escrow now (active, deadline passed, a milestone pending), or None."""
        info = self.escrow_info(escrow_id)
        if info.status is not EscrowStatus.ACTIVE or now <= info.deadline:
            return None
        if not any(m.state.name == "PENDING" for m in info.milestones):
            return None
        return f"escrow {escrow_id} passed its deadline {info.deadline}"

    def refund_request(self, escrow_id: int) -> TxRequest:
        call = ContractCall(self._contract, "refund", (scval.to_uint64(escrow_id),))
        return TxRequest(to=self._contract, data=call.invoke_args().to_xdr().encode(), intent_ids=())

    # --- the transaction itself: per backend (chains/soroban_tx.py) ------------------------------

    def fees(self) -> Fees:
        return self.transactions.fees()

    def bumped(self, previous: Fees) -> Fees | None:
        return self.transactions.bumped(previous)

    def sign(self, request: TxRequest, *, nonce: int, gas_limit: int, fees: Fees) -> SignedTx:
        return self.transactions.sign(request, nonce=nonce, gas_limit=gas_limit, fees=fees)

    def expired(self, raw: str) -> bool:
        return self.transactions.expired(raw)

    def replacement(self, raw: str, fees: Fees) -> SignedTx:
        return self.transactions.replacement(raw, fees)

    def broadcast(self, raw: str) -> tuple[Broadcast, str]:
        return self.transactions.broadcast(raw)

    def receipt(self, tx_hash: str) -> Receipt | None:
        return self.transactions.receipt(tx_hash)

    def is_known(self, tx_hash: str) -> bool:
        return self.transactions.is_known(tx_hash)

    def account_nonce(self, *, pending: bool) -> int:
        return self.transactions.account_nonce(pending=pending)

    def balance(self) -> int:
        return self.transactions.balance()
