"""The EVM chain adapter: MilestoneEscrow through the quiltkit SDK and web3.py.

Intents are EIP-712 typed data under the escrow's domain; signatures are recovered with
:mod:`quiltkit.intents` and matched against the escrow's verifier set (from the request, or from
the escrow's ``EscrowCreated`` event, checked against the commitment stored on chain). Several
intents go out in one transaction through ``releaseWithIntents`` (one call per verifier set, in a
``multicall`` when there are several); one alone as a direct ``releaseWithIntent``.
Transactions are EIP-1559, signed locally by the relayer's key.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

import requests
from eth_abi.abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from hexbytes import HexBytes
from quiltkit import escrow_errors, intents
from quiltkit._contract import (  # the SDK's revert decoding, shared on purpose
    _decode_revert,
    _is_revert,
    _rpc_error_revert,
)
from quiltkit._types import checksum
from quiltkit.escrow import Escrow, EscrowInfo, IntentStatus, MilestoneState, verifier_set_hash
from quiltkit.exceptions import ContractRevert, InvalidInput
from quiltkit.intents import VerifierSignature
from web3 import Web3
from web3.exceptions import ContractLogicError, ProviderConnectionError, TransactionNotFound, Web3RPCError
from web3.types import RPCEndpoint, TxParams

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
    judge_intent,
    milestone_closed,
)
from quiltkit_relayer.chains.http_rpc import KeepAliveHTTPProvider
from quiltkit_relayer.models import IntentRecord, IntentState, IntentSubmission, Reason, Rejection, split_signature
from quiltkit_relayer.results import Abort, Done, Ok, Retry

if TYPE_CHECKING:
    from stellar_sdk import Keypair

_ERC1271_SELECTOR = bytes.fromhex("1626ba7e")  # isValidSignature(bytes32,bytes)
_ERC1271_MAGIC = _ERC1271_SELECTOR  # what a valid signature returns
_INTENT_SKIPPED_TOPIC = "0x" + Web3.keccak(text="IntentSkipped(bytes32,uint256,uint256,uint8)").hex().removeprefix("0x")

__all__ = ["EvmAdapter", "abort_for_revert"]

_REFUND_BOUND = 5 / 4
"""Gas spent / gas used after refunds is at most this (EIP-3529 caps refunds at a fifth of the spend)."""
_METHOD_MISSING = (-32601, -32004)  # method not found / not supported (JSON-RPC, EIP-1474)

_TRANSIENT = (requests.RequestException, ProviderConnectionError, OSError, TimeoutError)


@contextmanager
def _rpc(what: str) -> Iterator[None]:
    """Turn transport failures (and node-side internal errors) into :class:`ChainUnavailable`."""
    try:
        yield
    except (ContractRevert, TransactionNotFound):
        raise
    except _TRANSIENT as exc:
        raise ChainUnavailable(f"{what}: {type(exc).__name__}: {exc}") from exc
    except Web3RPCError as exc:
        if _is_revert(exc):
            raise
        raise ChainUnavailable(f"{what}: node error {exc}") from exc


def abort_for_revert(err: ContractRevert) -> Abort | Done:
    """The pipeline outcome of a contract error raised by ``releaseWithIntent``."""
    e = escrow_errors
    table: list[tuple[type[ContractRevert], Reason, IntentState]] = [
        (e.EscrowIntentExpired, Reason.EXPIRED, IntentState.EXPIRED),
        (e.EscrowNotFound, Reason.ESCROW_NOT_FOUND, IntentState.FAILED),
        (e.EscrowAttestationDisabled, Reason.ATTESTATION_DISABLED, IntentState.FAILED),
        (e.EscrowVerifierSetMismatch, Reason.VERIFIER_SET_MISMATCH, IntentState.FAILED),
        (e.EscrowIntentTokenMismatch, Reason.TOKEN_MISMATCH, IntentState.FAILED),
        (e.EscrowInvalidMilestone, Reason.INVALID_MILESTONE, IntentState.FAILED),
        (e.EscrowMilestoneNotPending, Reason.MILESTONE_NOT_PENDING, IntentState.SUPERSEDED),
        (e.EscrowMilestoneNotFunded, Reason.MILESTONE_NOT_FUNDED, IntentState.FAILED),
        (e.EscrowIntentAmountMismatch, Reason.AMOUNT_MISMATCH, IntentState.FAILED),
        (e.EscrowIntentPayeeMismatch, Reason.PAYEE_MISMATCH, IntentState.FAILED),
        (e.EscrowInsufficientSignatures, Reason.INSUFFICIENT_SIGNATURES, IntentState.FAILED),
        (e.EscrowInvalidSignature, Reason.INVALID_SIGNATURE, IntentState.FAILED),
        (e.EscrowUnknownVerifier, Reason.UNKNOWN_SIGNER, IntentState.FAILED),
        (e.EscrowSignersNotAscending, Reason.INVALID_SIGNATURE, IntentState.FAILED),
        # a signer's bond fell below its set's minimum (VerifierBonds): a new signature is needed
        (e.EscrowVerifierSuspended, Reason.VERIFIER_SUSPENDED, IntentState.FAILED),
    ]
    if isinstance(err, e.EscrowIntentAlreadyConsumed):
        return Done("the contract already consumed this intent")
    for cls, reason, state in table:
        if isinstance(err, cls):
            return Abort(reason, f"the contract rejects it: {err}", state)
    return Abort(Reason.CONTRACT_REJECTED, str(err))


class EvmAdapter:
    """One MilestoneEscrow on one EVM chain, one relayer signer key. Thread-safe (a Web3 per thread)."""

    name = "evm"
    batch_limit = 200
    """Most intents one payout transaction carries (the settings' ``batch_max`` is at most this)."""
    max_in_flight: int | None = None
    """A node queues many transactions per sender; the ``max_in_flight`` setting decides."""

    def __init__(
        self,
        rpc_url: str,
        escrow_address: str,
        signer: LocalAccount,
        *,
        expected_chain_id: int | None = None,
        max_fee_cap_wei: int = 500 * 10**9,
        priority_fee_wei: int | None = None,
        fee_bump_percent: int = 20,
        gas_headroom: float = 1.2,
        expiry_margin_s: int = 5,
        rpc_timeout_s: float = 10.0,
    ) -> None:
        self.rpc_url = rpc_url
        self._contract = checksum(escrow_address, "escrow_address")
        self._signer = signer
        self._expected_chain_id = expected_chain_id
        self._cap = max_fee_cap_wei
        self._tip = priority_fee_wei
        self._bump = fee_bump_percent
        self._headroom = gas_headroom
        self.expiry_margin_s = expiry_margin_s
        self._timeout = rpc_timeout_s
        self._local = threading.local()
        self._chain_id: int | None = expected_chain_id
        self._verifier_sets: dict[int, tuple[str, ...]] = {}
        self._registered_sets: dict[int, tuple[str, ...]] = {}
        self._verifier_fetches: dict[int, threading.Lock] = {}
        self._thresholds: dict[int, int] = {}
        self._lock = threading.Lock()
        self._now_cache: tuple[float, int] = (0.0, 0)
        self._access_list_gas = True

    # --- plumbing -------------------------------------------------------------------------------

    @property
    def w3(self) -> Web3:
        w3 = getattr(self._local, "w3", None)
        if w3 is None:
            # The chain id is the one answer that cannot change under us: cached.
            provider = KeepAliveHTTPProvider(
                self.rpc_url,
                timeout=self._timeout,
                exception_retry_configuration=None,
                cache_allowed_requests=True,
                cacheable_requests={RPCEndpoint("eth_chainId")},
            )
            w3 = Web3(provider)
            # Two default middlewares only cost time here (about 7% of an instance's CPU): the
            # relayer never passes ENS names, and it signs its own transactions for the chain id
            # checked against the node at start, so web3's per-request chain-id validation of
            # every eth_call and estimate adds nothing.
            w3.middleware_onion.remove("ens_name_to_address")
            w3.middleware_onion.remove("validation")
            self._local.w3 = w3
            self._local.escrow = Escrow(w3, self._contract)
        return w3

    def _request(self, method: str, params: list[Any]) -> Any:
        """The raw JSON-RPC result, past web3's middleware and result formatters.

        For the calls every batch makes: web3 runs each through its middleware and request and
        result formatters (and formats blocks and receipts field by field, when the relayer reads
        two or three fields), several times the CPU of the exchange itself. Errors raise
        :class:`ChainUnavailable`, with the node's error as its cause."""
        with _rpc(method):
            response = self.w3.provider.make_request(RPCEndpoint(method), params)
            if "error" in response:
                raise Web3RPCError(str(response["error"]), rpc_response=response)
        return response.get("result")

    def _latest_block(self) -> dict[str, Any]:
        block = self._request("eth_getBlockByNumber", ["latest", False])
        if not isinstance(block, dict):
            raise ChainUnavailable(f"eth_getBlockByNumber latest: the node answered {block!r}")
        return block

    @property
    def escrow(self) -> Escrow:
        self.w3  # noqa: B018 - creates this thread's client
        return cast(Escrow, self._local.escrow)

    @property
    def chain_id(self) -> int:
        """The configured chain id, or the node's (asked once)."""
        if self._chain_id is None:
            self._chain_id = self.node_chain_id()
        return self._chain_id

    def node_chain_id(self) -> int:
        """The node's chain id; raises :class:`ChainUnavailable` if it differs from the configured one."""
        with _rpc("eth_chainId"):
            found = int(self.w3.eth.chain_id)
        if self._expected_chain_id is not None and found != self._expected_chain_id:
            raise ChainUnavailable(f"the node is on chain {found}, the configuration expects {self._expected_chain_id}")
        return found

    @property
    def contract(self) -> str:
        return self._contract

    @property
    def signer_address(self) -> str:
        return str(self._signer.address)

    def domain(self) -> intents.EvmDomain:
        return intents.EvmDomain(chain_id=self.chain_id, verifying_contract=self._contract)

    # --- intents --------------------------------------------------------------------------------

    def attest(self, intent: intents.PayoutIntent, verifier: LocalAccount | Keypair) -> str:
        """``verifier``'s EIP-712 signature of ``intent`` in this escrow's domain, as submissions carry it."""
        if not isinstance(verifier, LocalAccount):
            raise TypeError("an EVM verifier key is an eth-account LocalAccount")
        return "0x" + intents.sign_intent(intent, self.domain(), verifier).hex()

    def prepare(self, submission: IntentSubmission) -> Prepared:
        if submission.chain_id != self.chain_id:
            raise Rejection(
                Reason.WRONG_CHAIN_ID,
                f"signed for chain {submission.chain_id}; this relayer serves chain {self.chain_id}",
            )
        if submission.contract != self._contract:
            raise Rejection(
                Reason.WRONG_CONTRACT, f"signed for {submission.contract}; this relayer submits to {self._contract}"
            )
        digest_bytes = intents.intent_digest(submission.intent, self.domain())
        digest = "0x" + digest_bytes.hex()
        signers: list[str] = []
        for n, sig in enumerate(submission.signatures):
            contract_signer, raw = split_signature(sig)
            if contract_signer is not None:
                who = contract_signer  # ERC-1271: the verifier contract judges it (in check, on chain)
            elif len(raw) != 65:
                raise Rejection(Reason.INVALID_SIGNATURE, f"signature {n} is {len(raw)} bytes, not 65")
            else:
                try:
                    who = intents.recover_digest_signer(digest_bytes, raw)
                except InvalidInput as exc:
                    raise Rejection(Reason.INVALID_SIGNATURE, f"signature {n}: {exc}") from None
            if who in signers:
                raise Rejection(Reason.DUPLICATE_SIGNER, f"signatures {signers.index(who)} and {n} are both by {who}")
            signers.append(who)
        return Prepared(
            intent_id=submission.intent.intent_id,
            digest=digest,
            signers=tuple(signers),
            signatures=tuple(submission.signatures),
        )

    def now(self) -> int:
        cached_at, value = self._now_cache
        if time.monotonic() - cached_at < 0.5:
            return value
        latest = int(self._latest_block()["timestamp"], 16)
        value = max(latest, int(time.time()))
        self._now_cache = (time.monotonic(), value)
        return value

    def is_paid(self, intent: intents.PayoutIntent) -> bool:
        """``intentStatus`` says this intent paid its milestone (no such escrow or milestone: not paid)."""
        try:
            with _rpc("intentStatus"):
                return self.escrow.intent_status(intent).status is IntentStatus.PAID
        except (escrow_errors.EscrowNotFound, escrow_errors.EscrowInvalidMilestone):
            return False

    def paid_many(self, intents_: Sequence[intents.PayoutIntent]) -> list[bool]:
        """:meth:`is_paid` of each intent in one ``eth_call`` (``intentStatus`` of each); one naming
        a missing escrow or milestone makes that call revert, and they are then asked one by one."""
        if len(intents_) < 2:
            return [self.is_paid(intent) for intent in intents_]
        try:
            with _rpc("intentStatus"):
                states, _ = self.escrow.intents_and_escrows(intents_, [])
        except (escrow_errors.EscrowNotFound, escrow_errors.EscrowInvalidMilestone):
            return [self.is_paid(intent) for intent in intents_]
        return [state.status is IntentStatus.PAID for state in states]

    def intent_state(self, intent: intents.PayoutIntent) -> tuple[bool, EscrowInfo | None]:
        """Paid by this intent or not, and the escrow (None if there is none), in one ``eth_call``.

        A milestone closed otherwise (by the payer, another intent, a dispute, a refund) is not
        done: the terms check names it (MILESTONE_NOT_PENDING)."""
        try:
            with _rpc("intentStatus+getEscrow"):
                state, info = self.escrow.intent_and_escrow(intent)
            return state.status is IntentStatus.PAID, info
        except escrow_errors.EscrowNotFound:
            return False, None
        except escrow_errors.EscrowInvalidMilestone:
            return False, self.escrow_info(intent.escrow_id)

    def closed_since_check(self, records: Sequence[IntentRecord]) -> dict[str, Abort | Done]:
        # intentStatus alone tells: it names the state of each intent's milestone, and what else
        # check_terms judges (token, verifiers, milestone count) is fixed at creation and passed at
        # verification. getEscrow (sixteen milestones decoded into models, a fifth of the submit
        # stage's CPU) only for escrows whose threshold checked() does not know yet: with several
        # instances the one verifying an escrow's intents is often another.
        escrow_ids = sorted({record.intent.escrow_id for record in records})
        unknown = [e for e in escrow_ids if e not in self._thresholds]
        try:
            with _rpc("intentStatus" + ("+getEscrow" if unknown else "")):
                states, infos = self.escrow.intents_and_escrows([r.intent for r in records], unknown)
        except (escrow_errors.EscrowNotFound, escrow_errors.EscrowInvalidMilestone):
            return {}  # simulation names the missing escrow or milestone, with its intent
        for escrow_id, info in infos.items():
            self._thresholds.setdefault(escrow_id, info.threshold)
        closed: dict[str, Abort | Done] = {}
        for record, state in zip(records, states, strict=True):
            if state.status is IntentStatus.PAID:
                closed[record.intent_id] = Done("the contract already paid this intent's milestone")
            elif state.status is IntentStatus.CLOSED:
                closed[record.intent_id] = milestone_closed(record.intent, state.milestone_state.name)
        return closed

    def escrow_info(self, escrow_id: int) -> EscrowInfo:
        """``getEscrow``; raises :class:`quiltkit.escrow_errors.EscrowNotFound` or :class:`ChainUnavailable`."""
        with _rpc("getEscrow"):
            return self.escrow.get_escrow(escrow_id)

    def escrow_count(self) -> int:
        with _rpc("escrowCount"):
            return self.escrow.escrow_count()

    def verifier_set(self, escrow_id: int) -> tuple[str, ...]:
        """The escrow's verifiers, from its EscrowCreated event (cached: they never change).

        One log query per escrow: intake threads that miss the cache together wait for the first
        one's answer instead of each scanning the logs for the same event.
        """
        known = self._verifier_sets.get(escrow_id)
        if known is not None:
            return known
        with self._lock:
            fetching = self._verifier_fetches.setdefault(escrow_id, threading.Lock())
        with fetching:
            known = self._verifier_sets.get(escrow_id)
            if known is not None:
                return known
            with _rpc("eth_getLogs EscrowCreated"):
                logs = self.escrow.contract.events.EscrowCreated().get_logs(
                    argument_filters={"escrowId": escrow_id}, from_block=0, to_block="latest"
                )
            if not logs:
                return ()
            return self._remember_verifier_set(escrow_id, logs[0]["args"]["params"])

    def _remember_verifier_set(self, escrow_id: int, params: Any) -> tuple[str, ...]:
        """Cache (and return) the verifier set an ``EscrowCreated`` event's params name."""
        verifiers = params["verifiers"]
        set_id = params["verifierSetId"]
        if not verifiers and set_id:
            # The escrow references a registered set: its members are in VerifierSetRegistered. A
            # registration never changes, and escrows share sets: one query per set, not per escrow.
            known = self._registered_sets.get(set_id)
            if known is not None:
                self._verifier_sets[escrow_id] = known
                return known
            with _rpc("eth_getLogs VerifierSetRegistered"):
                registered = self.escrow.contract.events.VerifierSetRegistered().get_logs(
                    argument_filters={"setId": set_id}, from_block=0, to_block="latest"
                )
            verifiers = registered[0]["args"]["verifiers"] if registered else []
            if registered:
                self._registered_sets[set_id] = tuple(checksum(v) for v in verifiers)
        found = tuple(checksum(v) for v in verifiers)
        self._verifier_sets[escrow_id] = found
        return found

    def check(self, record: IntentRecord) -> CheckResult:
        return check_intent(self, record)

    def prefetch_verifier_sets(self, escrow_ids: Sequence[int]) -> None:
        """The verifier sets of those of ``escrow_ids`` not cached yet, from ONE log query (their
        ``EscrowCreated`` events, the escrow id topic matching any of them): a batch request names
        several escrows, each once a cache miss costing a query and web3's decoding of it. Escrows
        it finds nothing for are left to :meth:`verifier_set`, which tells."""
        missing = sorted({e for e in escrow_ids if e not in self._verifier_sets})
        if len(missing) < 2:
            return
        with _rpc("eth_getLogs EscrowCreated"):
            logs = self.escrow.contract.events.EscrowCreated().get_logs(
                argument_filters={"escrowId": missing}, from_block=0, to_block="latest"
            )
        for log in logs:
            escrow_id = int(log["args"]["escrowId"])
            if escrow_id in missing and escrow_id not in self._verifier_sets:
                self._remember_verifier_set(escrow_id, log["args"]["params"])

    def check_many(self, records: Sequence[IntentRecord]) -> list[CheckResult]:
        """Each record's :meth:`check`, with the chain state of all of them read in one ``eth_call``
        (``intentStatus`` of each, ``getEscrow`` of each escrow): a batch intake request costs one
        round trip to the node, not one per intent. A request naming a missing escrow or milestone
        makes that call revert as a whole: it is then checked intent by intent, each with its reason."""
        if len(records) < 2:
            return [check_intent(self, record) for record in records]
        escrow_ids = sorted({record.intent.escrow_id for record in records})
        try:
            self.prefetch_verifier_sets([r.intent.escrow_id for r in records if not r.verifiers])
            with _rpc("intentStatus+getEscrow"):
                states, infos = self.escrow.intents_and_escrows([r.intent for r in records], escrow_ids)
        except (escrow_errors.EscrowNotFound, escrow_errors.EscrowInvalidMilestone):
            return [check_intent(self, record) for record in records]
        except ChainUnavailable as exc:
            return [Retry(str(exc)) for _ in records]
        results: list[CheckResult] = []
        for record, state in zip(records, states, strict=True):
            try:
                paid = state.status is IntentStatus.PAID
                results.append(judge_intent(self, record, paid, infos[record.intent.escrow_id]))
            except ChainUnavailable as exc:
                results.append(Retry(str(exc)))
        return results

    def check_terms(self, record: IntentRecord, info: EscrowInfo) -> Abort | None:
        return check_escrow_terms(
            record.intent, attested=info.threshold != 0, token=info.token, payee=info.payee, milestones=info.milestones
        )

    def check_signatures(self, record: IntentRecord, info: EscrowInfo) -> CheckResult:
        intent = record.intent
        self._thresholds[intent.escrow_id] = info.threshold
        verifiers = tuple(record.verifiers) if record.verifiers else self.verifier_set(intent.escrow_id)
        if verifier_set_hash(verifiers) != info.verifiers_hash:
            return Abort(Reason.VERIFIER_SET_MISMATCH, f"not escrow {intent.escrow_id}'s verifier set")
        index_of = {v: i for i, v in enumerate(verifiers)}
        indexed: list[tuple[int, str, str]] = []
        for sig, who in zip(record.signatures, record.signers, strict=True):
            if who not in index_of:
                return Abort(Reason.UNKNOWN_SIGNER, f"{who} is not a verifier of escrow {intent.escrow_id}")
            indexed.append((index_of[who], sig, who))
        if len(indexed) < info.threshold:
            return Abort(
                Reason.INSUFFICIENT_SIGNATURES,
                f"{len(indexed)} of the {info.threshold} verifier signatures escrow {intent.escrow_id} needs",
            )
        chosen = sorted(indexed)[: info.threshold]  # the contract checks exactly `threshold`, ascending
        for _, sig, who in chosen:
            contract_signer, raw = split_signature(sig)
            if contract_signer is not None and not self._erc1271_valid(who, record.digest, raw):
                return Abort(Reason.INVALID_SIGNATURE, f"verifier contract {who} rejects its signature (ERC-1271)")
        return Ok(
            Checked(
                intent_id=intent.intent_id,
                verifiers=verifiers,
                signatures=tuple(s for _, s, _ in chosen),
                signers=tuple(w for _, _, w in chosen),
            )
        )

    def _erc1271_valid(self, verifier: str, digest: str, signature: bytes) -> bool:
        """``isValidSignature(digest, signature)`` on the verifier contract returns the magic value.

        What the contract itself accepts (OpenZeppelin SignatureChecker): a revert, no code or any
        other answer is a rejection. Node failures raise :class:`ChainUnavailable` (retried)."""
        call = _ERC1271_SELECTOR + abi_encode(["bytes32", "bytes"], [bytes(HexBytes(digest)), signature])
        try:
            with _rpc("isValidSignature"):
                answer = bytes(self.w3.eth.call({"to": checksum(verifier), "data": HexBytes(call)}))
        except (ContractLogicError, Web3RPCError):  # _rpc lets only reverts through
            return False
        return len(answer) >= 32 and answer[:4] == _ERC1271_MAGIC

    def checked(self, record: IntentRecord) -> Checked:
        """The submission data of an intent the verify stage passed (no chain call once cached)."""
        escrow_id = record.intent.escrow_id
        verifiers = tuple(record.verifiers) if record.verifiers else self.verifier_set(escrow_id)
        threshold = self._thresholds.get(escrow_id)
        if threshold is None:
            with _rpc("getEscrow"):
                threshold = self.escrow.get_escrow(escrow_id).threshold
            self._thresholds[escrow_id] = threshold
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

    # --- transactions -----------------------------------------------------------------------------

    @staticmethod
    def _signatures(checked: Checked) -> list[VerifierSignature]:
        index_of = {v: i for i, v in enumerate(checked.verifiers)}
        return [
            VerifierSignature(verifier_index=index_of[w], signature=split_signature(s)[1])
            for s, w in zip(checked.signatures, checked.signers, strict=True)
        ]

    def payout_request(self, batch: Sequence[tuple[IntentRecord, Checked]]) -> TxRequest:
        """The SDK's batch encoding: one intent as ``releaseWithIntent``, several as ``releaseWithIntents``
        per verifier set (a ``multicall`` of them when the batch spans several sets)."""
        if not batch:
            raise ValueError("an empty batch")
        data = self.escrow.release_with_intents_data(
            [(r.intent, list(c.verifiers), self._signatures(c)) for r, c in batch]
        )
        return TxRequest(to=self._contract, data=data, intent_ids=tuple(r.intent_id for r, _ in batch))

    def estimate(self, request: TxRequest) -> int:
        """The gas limit for ``request``; raises the decoded :class:`ContractRevert` if it would revert.

        From ``eth_createAccessList`` where the node has it: one traced execution whose gas used,
        after refunds, is scaled back up by the most EIP-3529 lets refunds take (a fifth of the gas
        spent, so at most 5/4 of what is left). ``eth_estimateGas`` answers the same question by
        bisection; anvil runs the whole batch about fifteen times for it (75 ms of node CPU for a
        batch of 20, against 7 ms here). Nodes without the method, or that report a revert without
        its data (geth puts only a message in the result), get ``eth_estimateGas``.
        """
        if self._access_list_gas:
            used = self._access_list_gas_used(request)
            if used is not None:
                return math.ceil(used * _REFUND_BOUND * self._headroom) + 10_000
        tx: TxParams = {"from": self.signer_address, "to": request.to, "data": request.data, "value": request.value}  # type: ignore[typeddict-item]
        try:
            with _rpc("eth_estimateGas"):
                gas = int(self.w3.eth.estimate_gas(tx))
        except ContractRevert:
            raise
        except Exception as exc:
            if _is_revert(exc):
                raise _decode_revert(exc, dict(escrow_errors.ERRORS)) from exc
            raise
        return math.ceil(gas * self._headroom) + 10_000

    def _access_list_gas_used(self, request: TxRequest) -> int | None:
        """Gas used by ``request`` per ``eth_createAccessList``; None when that cannot tell."""
        call = {
            "from": self.signer_address,
            "to": request.to,
            "data": "0x" + request.data.hex(),
            "value": hex(request.value),
        }
        with _rpc("eth_createAccessList"):
            response = self.w3.provider.make_request(RPCEndpoint("eth_createAccessList"), [call, "latest"])
        error = response.get("error")
        if error is not None:
            revert = _rpc_error_revert(error, dict(escrow_errors.ERRORS))
            if revert is not None:
                raise revert
            if isinstance(error, dict) and error.get("code") in _METHOD_MISSING:
                self._access_list_gas = False
                return None
            raise ChainUnavailable(f"eth_createAccessList: node error {error}")
        result = response.get("result")
        if not isinstance(result, dict) or result.get("error") or "gasUsed" not in result:
            return None  # reverted without its data (geth): eth_estimateGas reports it properly
        return int(result["gasUsed"], 16)

    def explain_failure(self, record: IntentRecord, checked: Checked) -> Abort | Done | Retry | None:
        request = self.payout_request([(record, checked)])
        try:
            self.estimate(request)
        except ContractRevert as err:
            return abort_for_revert(err)
        except ChainUnavailable as exc:
            return Retry(str(exc))
        return None

    def escrow_ids(self) -> range:
        """Every escrow id (MilestoneEscrow ids run from 1)."""
        return range(1, self.escrow_count() + 1)

    def refund_due(self, escrow_id: int, now: int) -> str | None:
        """Why ``openRefunds`` is due for the escrow now (deadline passed, a milestone pending), or None."""
        info = self.escrow_info(escrow_id)
        if info.cancelled or info.refunds_opened or now <= info.deadline:
            return None
        if not any(m.state is MilestoneState.PENDING for m in info.milestones):
            return None
        return f"escrow {escrow_id} passed its deadline {info.deadline}"

    def refund_request(self, escrow_id: int) -> TxRequest:
        return self.call_request("openRefunds", escrow_id)

    def call_request(self, fn: str, *args: Any) -> TxRequest:
        """A plain contract call (the keeper's work)."""
        data = self.escrow.contract.encode_abi(fn, args=list(args))
        return TxRequest(to=self._contract, data=bytes(HexBytes(data)), intent_ids=())

    def fees(self) -> Fees:
        base_fee = int(self._latest_block().get("baseFeePerGas") or "0x0", 16)
        tip = self._tip if self._tip is not None else int(self._request("eth_maxPriorityFeePerGas", []), 16)
        max_fee = min(self._cap, 2 * base_fee + tip)
        return Fees(max_fee_per_gas=max_fee, priority_fee_per_gas=min(tip, max_fee))

    def bumped(self, previous: Fees) -> Fees | None:
        factor = 1 + self._bump / 100
        base = int(self._latest_block().get("baseFeePerGas") or "0x0", 16)
        tip = math.ceil(previous.priority_fee_per_gas * factor) + 1
        max_fee = max(math.ceil(previous.max_fee_per_gas * factor) + 1, 2 * base + tip)
        max_fee = min(max_fee, self._cap)
        if max_fee <= previous.max_fee_per_gas:
            return None  # the cap forbids a bump
        return Fees(max_fee_per_gas=max_fee, priority_fee_per_gas=min(tip, max_fee))

    def sign(self, request: TxRequest, *, nonce: int, gas_limit: int, fees: Fees) -> SignedTx:
        tx: dict[str, Any] = {
            "type": 2,
            "chainId": self.chain_id,
            "nonce": nonce,
            "to": request.to,
            "value": request.value,
            "data": request.data,
            "gas": gas_limit,
            "maxFeePerGas": fees.max_fee_per_gas,
            "maxPriorityFeePerGas": fees.priority_fee_per_gas,
        }
        signed = self._signer.sign_transaction(tx)
        return SignedTx(
            tx_hash="0x" + bytes(signed.hash).hex(),
            raw="0x" + bytes(signed.raw_transaction).hex(),
            nonce=nonce,
            gas_limit=gas_limit,
            fees=fees,
        )

    def replacement(self, raw: str, fees: Fees) -> SignedTx:
        old = TypedTransaction.from_bytes(HexBytes(raw)).as_dict()
        request = TxRequest(
            to=checksum(bytes(old["to"])), data=bytes(old["data"]), intent_ids=(), value=int(old["value"])
        )
        return self.sign(request, nonce=int(old["nonce"]), gas_limit=int(old["gas"]), fees=fees)

    def expired(self, raw: str) -> bool:
        return False  # an EVM transaction has no time bounds: it stays includable until its nonce is used

    def broadcast(self, raw: str) -> tuple[Broadcast, str]:
        try:
            self._request("eth_sendRawTransaction", [raw])
        except ChainUnavailable as exc:
            if isinstance(exc.__cause__, Web3RPCError):
                return _classify_send_error(str(exc.__cause__))
            raise
        return Broadcast.ACCEPTED, ""

    def receipt(self, tx_hash: str) -> Receipt | None:
        # Raw: web3's receipt formatting walks every log of a batch's receipt, and none is read here.
        r = self._request("eth_getTransactionReceipt", [tx_hash])
        if r is None or r.get("blockNumber") is None:
            return None
        return Receipt(
            tx_hash=tx_hash,
            success=int(r["status"], 16) == 1,
            block_number=int(r["blockNumber"], 16),
            gas_used=int(r["gasUsed"], 16),
            effective_gas_price=int(r.get("effectiveGasPrice") or "0x0", 16),
            skipped=self._skipped_intents(r.get("logs") or ()),
        )

    def _skipped_intents(self, logs: Sequence[dict[str, Any]]) -> tuple[str, ...]:
        """The intent ids of the escrow's ``IntentSkipped`` logs (topic 1), read from raw logs."""
        escrow = self._contract.lower()
        return tuple(
            "0x" + log["topics"][1][-64:]
            for log in logs
            if str(log.get("address", "")).lower() == escrow
            and len(log.get("topics") or ()) > 1
            and str(log["topics"][0]).lower() == _INTENT_SKIPPED_TOPIC
        )

    def is_known(self, tx_hash: str) -> bool:
        try:
            with _rpc("eth_getTransactionByHash"):
                self.w3.eth.get_transaction(HexBytes(tx_hash))
        except TransactionNotFound:
            return False
        return True

    def head(self) -> int:
        return int(self._request("eth_blockNumber", []), 16)

    def account_nonce(self, *, pending: bool) -> int:
        count = self._request("eth_getTransactionCount", [self._signer.address, "pending" if pending else "latest"])
        return int(count, 16)

    def balance(self) -> int:
        with _rpc("eth_getBalance"):
            return int(self.w3.eth.get_balance(self._signer.address))


def _classify_send_error(message: str) -> tuple[Broadcast, str]:
    text = message.lower()
    if "already known" in text or "already imported" in text or "known transaction" in text:
        return Broadcast.ACCEPTED, message
    if "nonce too low" in text or "nonce has already been used" in text:
        return Broadcast.NONCE_USED, message
    if "underpriced" in text or "replacement" in text:
        return Broadcast.UNDERPRICED, message
    return Broadcast.REJECTED, message
