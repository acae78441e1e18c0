"""How a Soroban payout becomes a persisted transaction, sent and found again: one class per backend.

The Soroban adapter (:mod:`quiltkit_relayer.chains.soroban`) decides *what* to call; these classes
decide how that call is signed, stored, sent, resent and settled, which differs by backend:

:class:`RpcTransactions` (a Stellar RPC server: testnet, mainnet, a local ``stellar container``)
    The raw transaction is the signed envelope XDR; its hash is the network's transaction hash;
    the "nonce" is the submitter account's sequence number. Every envelope carries time bounds.
    It is persisted before it is sent and resent byte for byte (after a crash, or while the node
    does not have it). It is rebuilt (same sequence number and call, new time bounds, signed
    again) only once the RPC shows that no ledger holds it and the latest ledger closed after its
    upper time bound: from then on it can never be applied, so the rebuild cannot pay twice. Two
    envelopes with the same sequence number can never both be applied either. stellar-core
    queues one transaction per source account, so one is in flight at a time per submitter.

:class:`HarnessTransactions` (the local harness, :class:`~quiltkit.soroban.LocalHost`)
    The harness has no mempool, account sequence or time bounds: an ``invoke`` runs and commits
    synchronously. The raw transaction is the exact ``invoke`` request as canonical JSON (with the
    intents it pays) and its hash the sha256 of those bytes; resending it is safe because an
    intent pays only a pending milestone (a resend of a request that ran fails with the
    milestone's error, and the intent reads as paid, which counts as done). Its receipt is read
    from the contract: every intent paid its milestone -> success.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from quiltkit.intents import PayoutIntent
from quiltkit.soroban import LocalHost
from quiltkit.soroban.backend import ContractCall, Rpc
from quiltkit.soroban.errors import (
    HarnessError,
    SorobanContractError,
    SorobanHostError,
    SorobanRpcError,
)
from stellar_sdk import Keypair, Preconditions, TimeBounds, TransactionEnvelope, xdr
from stellar_sdk.soroban_rpc import GetTransactionStatus, SendTransactionStatus

from quiltkit_relayer.chains.base import Broadcast, ChainUnavailable, Fees, Receipt, SignedTx, TxRequest

__all__ = ["HarnessTransactions", "RpcTransactions", "canonical_request"]


def canonical_request(params: dict[str, Any]) -> str:
    """The canonical JSON of a harness request (sorted keys, no spaces): the persisted raw transaction."""
    return json.dumps(params, sort_keys=True, separators=(",", ":"))


def _sha256(raw: str) -> str:
    return "0x" + hashlib.sha256(raw.encode()).hexdigest()


@contextmanager
def unavailable_on(errors: tuple[type[Exception], ...], what: str) -> Iterator[None]:
    """Transport failures (harness gone, RPC unreachable) become :class:`ChainUnavailable`."""
    try:
        yield
    except errors as exc:
        raise ChainUnavailable(f"{what}: {exc}") from exc


def request_call(contract: str, request: TxRequest) -> ContractCall:
    """The contract call a :class:`TxRequest` carries (``data`` is ``InvokeContractArgs`` XDR)."""
    args = xdr.InvokeContractArgs.from_xdr(request.data.decode())
    return ContractCall(contract, args.function_name.sc_symbol.decode(), tuple(args.args))


class RpcTransactions:
    """Signed envelopes through a Stellar RPC server (see the module docstring)."""

    max_in_flight = 1
    """stellar-core keeps one queued transaction per source account."""

    def __init__(self, rpc: Rpc, contract: str, submitter: Keypair, lock: threading.RLock) -> None:
        self.rpc = rpc
        self._contract = contract
        self._submitter = submitter
        self._lock = lock
        self._sent: set[str] = set()
        """Hashes this process has handed to the node (the RPC cannot show pending transactions)."""

    def _call(self, what: str) -> Any:
        return unavailable_on((SorobanRpcError,), what)

    def node_passphrase(self) -> str:
        with self._lock, self._call("getNetwork"):
            return str(self.rpc.server.get_network().passphrase)

    def fees(self) -> Fees:
        return Fees(max_fee_per_gas=self.rpc.base_fee, priority_fee_per_gas=0)

    def bumped(self, previous: Fees) -> Fees | None:
        return None  # a same-sequence rebuild happens only after the time bounds (see expired)

    def _envelope(self, raw: str) -> TransactionEnvelope:
        return TransactionEnvelope.from_xdr(raw, self.rpc.network_passphrase)

    def sign(self, request: TxRequest, *, nonce: int, gas_limit: int, fees: Fees) -> SignedTx:
        """Simulate, prepare and sign the call as an envelope with sequence number ``nonce``."""
        call = request_call(self._contract, request)
        with self._lock, self._call("build"):
            envelope = self.rpc.build(call, source=self._submitter, sequence=nonce)
        return self._signed(envelope, gas_limit)

    def _signed(self, envelope: TransactionEnvelope, gas_limit: int) -> SignedTx:
        tx = envelope.transaction
        return SignedTx(
            tx_hash="0x" + envelope.hash_hex(),
            raw=envelope.to_xdr(),
            nonce=int(tx.sequence),
            gas_limit=gas_limit,
            fees=Fees(max_fee_per_gas=int(tx.fee), priority_fee_per_gas=0),
        )

    def expired(self, raw: str) -> bool:
        envelope = self._envelope(raw)
        with self._lock, self._call("getTransaction"):
            return self.rpc.expired(envelope)

    def replacement(self, raw: str, fees: Fees) -> SignedTx:
        """The same envelope (sequence, operation, resources, fee) with new time bounds, signed again.

        Only for an envelope :meth:`expired` has shown can never be applied.
        """
        envelope = self._envelope(raw)
        # The wall clock, as TransactionBuilder.set_timeout uses for the first version.
        max_time = int(time.time()) + self.rpc.tx_timeout_s
        envelope.transaction.preconditions = Preconditions(time_bounds=TimeBounds(0, max_time))
        envelope.signatures = []
        envelope.sign(self._submitter)
        return self._signed(envelope, 1)

    def broadcast(self, raw: str) -> tuple[Broadcast, str]:
        envelope = self._envelope(raw)
        with self._lock, self._call("sendTransaction"):
            sent = self.rpc.send(envelope)
        if sent.status in (SendTransactionStatus.PENDING, SendTransactionStatus.DUPLICATE):
            with self._lock:
                self._sent.add("0x" + envelope.hash_hex())
            return Broadcast.ACCEPTED, "" if sent.status == SendTransactionStatus.PENDING else "duplicate"
        if sent.status == SendTransactionStatus.TRY_AGAIN_LATER:
            return Broadcast.REJECTED, "the node is congested (TRY_AGAIN_LATER); sending it again later"
        code = xdr.TransactionResult.from_xdr(sent.error_result_xdr).result.code if sent.error_result_xdr else None
        if code == xdr.TransactionResultCode.txBAD_SEQ:
            return Broadcast.NONCE_USED, "txBAD_SEQ: the sequence number is used (or not next)"
        return Broadcast.REJECTED, f"refused by the node: {code.name if code is not None else sent.status}"

    def receipt(self, tx_hash: str) -> Receipt | None:
        with self._lock, self._call("getTransaction"):
            found = self.rpc.transaction(tx_hash.removeprefix("0x"))
        if found.status == GetTransactionStatus.NOT_FOUND:
            return None
        fee = 0
        if found.result_xdr:
            fee = int(xdr.TransactionResult.from_xdr(found.result_xdr).fee_charged.int64)
        return Receipt(
            tx_hash=tx_hash,
            success=found.status == GetTransactionStatus.SUCCESS,
            block_number=int(found.ledger or 0),
            gas_used=fee,  # stroops charged; price 1 makes fees_paid count stroops
            effective_gas_price=1,
        )

    def is_known(self, tx_hash: str) -> bool:
        """Sent by this process: the node queued it or applied it (its receipt settles which)."""
        with self._lock:
            return tx_hash in self._sent

    def _account(self) -> xdr.AccountEntry:
        with self._lock, self._call("getLedgerEntries"):
            account = self.rpc.account(self._submitter.public_key)
        if account is None:
            raise ChainUnavailable(f"the submitter account {self._submitter.public_key} does not exist: fund it")
        return account

    def account_nonce(self, *, pending: bool) -> int:
        """The next sequence number: the account's own plus one (the RPC shows no pending ones)."""
        return int(self._account().seq_num.sequence_number.int64) + 1

    def balance(self) -> int:
        """The submitter's XLM balance, in stroops."""
        return int(self._account().balance.int64)


class HarnessTransactions:
    """Canonical-JSON ``invoke`` requests on the local harness (see the module docstring)."""

    max_in_flight: int | None = None

    def __init__(
        self,
        host: LocalHost,
        contract: str,
        submitter: Keypair,
        lock: threading.RLock,
        *,
        is_paid: Callable[[PayoutIntent], bool],
        named_error: Callable[[SorobanContractError], Exception],
    ) -> None:
        self.host = host
        self._contract = contract
        self._submitter = submitter
        self._lock = lock
        self._is_paid = is_paid
        self._named_error = named_error
        self._sent: dict[str, tuple[tuple[PayoutIntent, ...], int, str | None]] = {}
        """tx hash -> (intents, ledger, error text or None) of each request run by this process."""
        self._next_sequence = 0

    def _call(self, what: str) -> Any:
        return unavailable_on((HarnessError,), what)

    def node_passphrase(self) -> str:
        with self._lock, self._call("network_id"):
            return str(self.host.request("network_id")["network_passphrase"])

    def fees(self) -> Fees:
        return Fees(max_fee_per_gas=0, priority_fee_per_gas=0)

    def bumped(self, previous: Fees) -> Fees | None:
        return None  # the harness has no fee market: a stored request is only ever resent identically

    def sign(self, request: TxRequest, *, nonce: int, gas_limit: int, fees: Fees) -> SignedTx:
        """The exact ``invoke`` request, canonical JSON; its hash is the sha256 of those bytes.

        ``sequence`` (the nonce) and ``signed_at`` make two requests for the same intent (say, a
        retry after a revert) distinct transactions; only ``method`` and ``params`` reach the harness.
        """
        params = {"invoke_args": request.data.decode(), "auth_entries": [], "source": self._submitter.public_key}
        raw = canonical_request(
            {
                "method": "invoke",
                "params": params,
                "intent_ids": list(request.intent_ids),
                "intents": [i.model_dump(mode="json") for i in request.intents],
                "sequence": nonce,
                "signed_at": time.time_ns(),
            }
        )
        with self._lock:
            self._next_sequence = max(self._next_sequence, nonce + 1)
        return SignedTx(tx_hash=_sha256(raw), raw=raw, nonce=nonce, gas_limit=gas_limit, fees=fees)

    def expired(self, raw: str) -> bool:
        return False  # a request has no time bounds; it is resent as it is

    def replacement(self, raw: str, fees: Fees) -> SignedTx:
        """Never a new request: the stored one, as it is (no fee market to bump into)."""
        doc = json.loads(raw)
        return SignedTx(tx_hash=_sha256(raw), raw=raw, nonce=int(doc["sequence"]), gas_limit=1, fees=fees)

    def broadcast(self, raw: str) -> tuple[Broadcast, str]:
        """Send the stored request, byte for byte as persisted (only ``params`` reach the harness)."""
        doc = json.loads(raw)
        tx_hash = _sha256(raw)
        paid = tuple(PayoutIntent.model_validate(i) for i in doc.get("intents", ()))
        params: dict[str, Any] = doc["params"]
        with self._lock:
            try:
                with self._call("invoke"):
                    result = self.host.request(str(doc["method"]), **params)
            except (SorobanContractError, SorobanHostError) as exc:
                error: Exception = self._named_error(exc) if isinstance(exc, SorobanContractError) else exc
                with self._call("get_ledger"):
                    ledger = self.host.ledger().sequence
                self._sent[tx_hash] = (paid, ledger, f"{type(error).__name__}: {error}")
                if paid and all(self._is_paid(i) for i in paid):
                    return Broadcast.ACCEPTED, "the milestone is already paid by this intent"
                return Broadcast.ACCEPTED, f"ran and failed: {error}"
            self._sent[tx_hash] = (paid, int(result["ledger"]), None)
        return Broadcast.ACCEPTED, ""

    def receipt(self, tx_hash: str) -> Receipt | None:
        """From the contract: every intent paid its milestone -> success; the run failed otherwise -> reverted."""
        with self._lock:
            sent = self._sent.get(tx_hash)
        if sent is None:
            return None  # not run by this process: the confirm stage sends the stored request again
        paid, ledger, error = sent
        ran = all(self._is_paid(i) for i in paid) if paid else error is None  # keeper calls: no intents
        if ran:
            return Receipt(tx_hash=tx_hash, success=True, block_number=ledger, gas_used=0, effective_gas_price=0)
        if error is not None:
            return Receipt(tx_hash=tx_hash, success=False, block_number=ledger, gas_used=0, effective_gas_price=0)
        return None

    def is_known(self, tx_hash: str) -> bool:
        with self._lock:
            return tx_hash in self._sent

    def account_nonce(self, *, pending: bool) -> int:
        """The next sequence this process hands out (pending); the harness has no account sequence."""
        if not pending:
            return 0  # nothing else ever uses a sequence of ours
        with self._lock:
            return self._next_sequence

    def balance(self) -> int:
        """The submitter pays no fees on the harness; reported as 0 (no native balance to read)."""
        return 0
