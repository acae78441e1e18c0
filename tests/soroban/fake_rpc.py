"""FakeStellarRpc: a stand-in for a live Stellar RPC server, for the Rpc backend's tests.

Nothing here can reach a real Stellar network, so this small HTTP server speaks the Stellar
RPC JSON-RPC 2.0 API (getNetwork, getLatestLedger, getLedgerEntries, simulateTransaction,
sendTransaction, getTransaction, getEvents) with the documented response shapes, and runs the
transactions it is sent on the local Soroban host (the harness). Signatures, auth entries,
nonces and contract errors are therefore real; what is faked is consensus: a transaction is
"in a ledger" after a scripted number of NOT_FOUND answers, and the ledger closes (the host's
ledger advances) when it is applied.

Differences from a real RPC, on purpose: simulation always runs in recording mode (a real RPC
uses enforcing mode when the transaction already carries auth entries); resource numbers in
``transactionData`` are placeholders; only account ledger entries can be fetched.

getEvents serves the host's event log (every contract event the host emitted, by transactions
sent here or requests made to the host directly): ``startLedger`` or ``pagination.cursor``
(exactly one), ``pagination.limit`` (1..10000, default 100), ``filters`` (at most 5, each with
``type`` "contract" or absent, ``contractIds``, and ``topics``: segments matched exactly, as
base64 SCVal XDR, or by ``*``; the ``**`` suffix is not supported and is refused). Event ids
have the real shape (19-digit TOID, dash, 10-digit index) and order, but the TOID is the
ledger's (no transaction or operation part) and the index is the host's event number, not the
position in the operation; ``txHash`` is blank and ``transactionIndex``/``operationIndex`` are 0.
The answer's ``cursor`` is the id of the last event scanned, matching or not, as a real RPC's
moves past what it scanned. There is no retention window: every event since the host started.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from quiltkit.soroban import LocalHost
from quiltkit.soroban.backend import harness_event_id, time_bounds_end
from quiltkit.soroban.errors import HarnessError, SorobanContractError, SorobanHostError
from stellar_sdk import Keypair, StrKey, TransactionEnvelope, scval, xdr
from stellar_sdk.exceptions import BadSignatureError
from stellar_sdk.operation import InvokeHostFunction

NULL_ACCOUNT = "GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAWHF"


@dataclass
class FakeTx:
    hash: str
    envelope: TransactionEnvelope
    submitted_ledger: int
    not_found_left: int
    status: str = "PENDING"  # PENDING until applied, then SUCCESS or FAILED
    response: dict[str, Any] = field(default_factory=dict)
    polls: list[str] = field(default_factory=list)


class FakeStellarRpc:
    """Stands in for a live Stellar RPC (see the module docstring); ``url`` is its endpoint.

    Scripts:
    - ``not_found_polls``: NOT_FOUND answers to getTransaction before the transaction is applied.
    - ``send_statuses``: statuses sendTransaction answers first (e.g. ``["TRY_AGAIN_LATER"]``),
      then PENDING; ``"ERROR"`` answers with a ``txBAD_SEQ`` errorResultXdr.
    - ``before_apply``: called just before a transaction is applied (a competing submission).
    - ``never_apply``: accept transactions but never put them in a ledger.
    - ``close_time_step``: seconds the reported latest ledger close time moves per getTransaction.
    - ``diagnostics``: include diagnosticEventsXdr in FAILED answers.
    - ``rpc_errors``: JSON-RPC errors (code, message) to answer to the next getTransaction calls.
    """

    def __init__(self, host: LocalHost, port: int = 0) -> None:
        self.host = host
        self.not_found_polls = 0
        self.send_statuses: list[str] = []
        self.before_apply: Callable[[FakeTx], None] | None = None
        self.never_apply = False
        self.close_time_step = 0
        self.diagnostics = True
        self.rpc_errors: list[tuple[int, str]] = []
        self.calls: list[str] = []
        self.sequences: dict[str, int] = {}
        self.transactions: dict[str, FakeTx] = {}
        self.dropped: list[str] = []
        self._close_time_offset = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fund_account(self, keypair: Keypair | str) -> None:
        """Create the account on the host and give it a sequence number, as friendbot would."""
        public_key = keypair if isinstance(keypair, str) else keypair.public_key
        self.host.create_account(public_key)
        self.sequences[public_key] = self.host.ledger().sequence << 32

    def polls(self, tx_hash: str) -> list[str]:
        return self.transactions[tx_hash].polls

    # --- HTTP -------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with fake._lock:
                    answer = fake._dispatch(body)
                raw = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def _dispatch(self, body: dict[str, Any]) -> dict[str, Any]:
        method, params, rid = body["method"], body.get("params") or {}, body.get("id")
        self.calls.append(method)
        if method == "getTransaction" and self.rpc_errors:
            code, message = self.rpc_errors.pop(0)
            return {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}}
        handler = getattr(self, "_" + method, None)
        if handler is None:
            return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": "method not found"}}
        try:
            return {"jsonrpc": "2.0", "id": rid, "result": handler(params)}
        except RpcParamsError as exc:
            return {"jsonrpc": "2.0", "id": rid, "error": {"code": -32602, "message": str(exc)}}

    # --- ledger -----------------------------------------------------------------------------

    def _ledger(self) -> tuple[int, int]:
        info = self.host.ledger()
        return info.sequence, info.timestamp

    def _close_time(self) -> int:
        """What time bounds are judged by: the wall clock, moved on by ``close_time_step``."""
        return int(time.time()) + self._close_time_offset

    def _latest(self) -> dict[str, Any]:
        sequence, _ = self._ledger()
        return {"latestLedger": sequence, "latestLedgerCloseTime": str(self._close_time())}

    def _too_late(self, envelope: TransactionEnvelope) -> bool:
        return (max_time := time_bounds_end(envelope)) is not None and self._close_time() > max_time

    def _getNetwork(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"passphrase": self.host.network_passphrase, "protocolVersion": 23}

    def _getLatestLedger(self, params: dict[str, Any]) -> dict[str, Any]:
        sequence, timestamp = self._ledger()
        return {
            "id": hashlib.sha256(str(sequence).encode()).hexdigest(),
            "protocolVersion": 23,
            "sequence": sequence,
            "closeTime": str(timestamp),
            "headerXdr": "",
            "metadataXdr": "",
        }

    def _getLedgerEntries(self, params: dict[str, Any]) -> dict[str, Any]:
        sequence, _ = self._ledger()
        entries = []
        for key_b64 in params["keys"]:
            key = xdr.LedgerKey.from_xdr(key_b64)
            if key.type != xdr.LedgerEntryType.ACCOUNT:
                continue
            account_id = key.account.account_id
            public_key = StrKey.encode_ed25519_public_key(account_id.account_id.ed25519.uint256)
            if public_key not in self.sequences:
                continue
            entry = xdr.LedgerEntryData(
                type=xdr.LedgerEntryType.ACCOUNT,
                account=xdr.AccountEntry(
                    account_id=account_id,
                    balance=xdr.Int64(10**10),
                    seq_num=xdr.SequenceNumber(xdr.Int64(self.sequences[public_key])),
                    num_sub_entries=xdr.Uint32(0),
                    inflation_dest=None,
                    flags=xdr.Uint32(0),
                    home_domain=xdr.String32(b""),
                    thresholds=xdr.Thresholds(bytes([1, 0, 0, 0])),
                    signers=[],
                    ext=xdr.AccountEntryExt(0),
                ),
            )
            entries.append({"key": key_b64, "xdr": entry.to_xdr(), "lastModifiedLedgerSeq": sequence})
        return {"entries": entries, "latestLedger": sequence}

    # --- events -------------------------------------------------------------------------------

    def _getEvents(self, params: dict[str, Any]) -> dict[str, Any]:
        sequence, timestamp = self._ledger()
        pagination = params.get("pagination") or {}
        cursor, start = pagination.get("cursor"), params.get("startLedger")
        if (cursor is None) == (start is None):
            raise RpcParamsError("startLedger and cursor: exactly one of them")
        if params.get("endLedger") is not None and cursor is not None:
            raise RpcParamsError("endLedger and cursor cannot both be set")
        limit = int(pagination.get("limit") or 100)
        if not 1 <= limit <= 10_000:
            raise RpcParamsError(f"limit must be in 1..10000, got {limit}")
        if start is not None and int(start) > sequence:
            raise RpcParamsError(f"startLedger {start} is after the latest ledger {sequence}")
        filters = params.get("filters") or []
        if len(filters) > 5:
            raise RpcParamsError("at most 5 filters")
        for f in filters:
            if f.get("type") not in (None, "contract"):
                raise RpcParamsError(f"the stand-in serves contract events only, not {f.get('type')!r}")
            if any(segment == "**" for topic in f.get("topics") or [] for segment in topic):
                raise RpcParamsError("the stand-in does not support the '**' topic wildcard")
        after = int(cursor.split("-")[1]) if cursor is not None else -1
        end = int(params["endLedger"]) if params.get("endLedger") is not None else None
        found: list[dict[str, Any]] = []
        scanned = cursor or ""  # nothing scanned from a start ledger: no cursor to continue after yet
        for e in self.host.request("events", cursor=after + 1)["events"]:
            if len(found) >= limit:
                break
            ledger = int(e["ledger"])
            if end is not None and ledger >= end:
                break
            scanned = harness_event_id(ledger, int(e["index"]))
            if (start is not None and ledger < int(start)) or not _matches(filters, e):
                continue
            closed = datetime.datetime.fromtimestamp(int(e["timestamp"]), datetime.UTC)
            found.append(
                {
                    "type": "contract",
                    "ledger": ledger,
                    "ledgerClosedAt": closed.isoformat().replace("+00:00", "Z"),
                    "contractId": e["contract"] or "",
                    "id": scanned,
                    "operationIndex": 0,
                    "transactionIndex": 0,
                    "txHash": "",
                    "inSuccessfulContractCall": True,
                    "topic": e["topics"],
                    "value": e["data"],
                }
            )
        return {
            "events": found,
            "cursor": scanned,
            "latestLedger": sequence,
            "oldestLedger": 1,
            "latestLedgerCloseTime": str(timestamp),
            "oldestLedgerCloseTime": "1700000000",
        }

    # --- simulate -----------------------------------------------------------------------------

    def _invocation(self, envelope: TransactionEnvelope) -> tuple[xdr.InvokeContractArgs, str, InvokeHostFunction]:
        (op,) = envelope.transaction.operations
        assert isinstance(op, InvokeHostFunction)
        args = op.host_function.invoke_contract
        assert args is not None
        return args, envelope.transaction.source.account_id, op

    def _simulateTransaction(self, params: dict[str, Any]) -> dict[str, Any]:
        sequence, _ = self._ledger()
        envelope = TransactionEnvelope.from_xdr(params["transaction"], self.host.network_passphrase)
        args, source, _ = self._invocation(envelope)
        request: dict[str, Any] = {"invoke_args": args.to_xdr()}
        request["credentials"] = "address_v2" if params.get("useUpgradedAuth", True) else "address"
        if source != NULL_ACCOUNT:
            request["source"] = source
        try:
            result = self.host.request("simulate", **request)
        except (SorobanContractError, SorobanHostError, HarnessError) as exc:
            return {
                "error": f"HostError: {exc}\n\nEvent log (newest first):\n   0: [Diagnostic Event] ...",
                "latestLedger": sequence,
            }
        data = xdr.SorobanTransactionData(
            ext=xdr.SorobanTransactionDataExt(0),
            resources=xdr.SorobanResources(
                footprint=xdr.LedgerFootprint(read_only=[], read_write=[]),
                instructions=xdr.Uint32(10_000_000),
                disk_read_bytes=xdr.Uint32(10_000),
                write_bytes=xdr.Uint32(10_000),
            ),
            resource_fee=xdr.Int64(90_000),
        )
        return {
            "transactionData": data.to_xdr(),
            "minResourceFee": "90000",
            "events": [],
            "results": [{"auth": result["auth_entries"], "xdr": result["result"]}],
            "latestLedger": sequence,
        }

    # --- send and apply -----------------------------------------------------------------------

    def _sendTransaction(self, params: dict[str, Any]) -> dict[str, Any]:
        envelope = TransactionEnvelope.from_xdr(params["transaction"], self.host.network_passphrase)
        tx_hash = envelope.hash_hex()
        _, source, _ = self._invocation(envelope)
        status = self.send_statuses.pop(0) if self.send_statuses else "PENDING"
        answer: dict[str, Any] = {"status": status, "hash": tx_hash, **self._latest()}
        if status == "ERROR":
            answer["errorResultXdr"] = _result(xdr.TransactionResultCode.txBAD_SEQ).to_xdr()
            return answer
        if status != "PENDING":
            return answer
        # What stellar-core checks before accepting: the source's signature and sequence number.
        try:
            Keypair.from_public_key(source).verify(envelope.hash(), envelope.signatures[0].signature)
        except (BadSignatureError, IndexError):
            answer.update(status="ERROR", errorResultXdr=_result(xdr.TransactionResultCode.txBAD_AUTH).to_xdr())
            return answer
        if envelope.transaction.sequence != self.sequences.get(source, -2) + 1:
            answer.update(status="ERROR", errorResultXdr=_result(xdr.TransactionResultCode.txBAD_SEQ).to_xdr())
            return answer
        if self._too_late(envelope):
            answer.update(status="ERROR", errorResultXdr=_result(xdr.TransactionResultCode.txTOO_LATE).to_xdr())
            return answer
        if tx_hash in self.transactions:
            answer["status"] = "DUPLICATE"
            return answer
        sequence, _ = self._ledger()
        self.transactions[tx_hash] = FakeTx(tx_hash, envelope, sequence, self.not_found_polls)
        return answer

    def _getTransaction(self, params: dict[str, Any]) -> dict[str, Any]:
        self._close_time_offset += self.close_time_step
        sequence, _ = self._ledger()
        common = {**self._latest(), "oldestLedger": 1, "oldestLedgerCloseTime": "1700000000", "txHash": params["hash"]}
        tx = self.transactions.get(params["hash"])
        if tx is None:
            return {"status": "NOT_FOUND", **common}
        if tx.status == "PENDING":
            if self.never_apply or tx.not_found_left > 0:
                tx.not_found_left -= 1
                tx.polls.append("NOT_FOUND")
                return {"status": "NOT_FOUND", **common}
            _, source, _ = self._invocation(tx.envelope)
            if tx.envelope.transaction.sequence != self.sequences.get(source, -2) + 1 or self._too_late(tx.envelope):
                # What a validator does with a queued transaction that has become invalid (its
                # sequence number used, its time bounds passed): drops it; it is in no ledger, ever.
                del self.transactions[tx.hash]
                self.dropped.append(tx.hash)
                return {"status": "NOT_FOUND", **common}
            self._apply(tx)
        tx.polls.append(tx.status)
        return {**tx.response, **self._latest(), "oldestLedger": 1, "oldestLedgerCloseTime": "1700000000"}

    # --- control: what friendbot and `stellar contract deploy` do on a real network -------------

    def _quiltkit_fundAccount(self, params: dict[str, Any]) -> dict[str, Any]:
        self.fund_account(params["publicKey"])
        return {"publicKey": params["publicKey"]}

    def _quiltkit_harness(self, params: dict[str, Any]) -> dict[str, Any]:
        """One request to the host behind this stand-in (deploy, mint, ledger time)."""
        try:
            return {"ok": True, "result": self.host.request(params["method"], **params.get("params", {}))}
        except (HarnessError, SorobanContractError, SorobanHostError) as exc:
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}

    def _quiltkit_transactions(self, params: dict[str, Any]) -> dict[str, Any]:
        """Every transaction this stand-in has accepted: hash, source, sequence, status."""
        rows = []
        for tx in self.transactions.values():
            _, source, _ = self._invocation(tx.envelope)
            rows.append(
                {"hash": tx.hash, "source": source, "sequence": tx.envelope.transaction.sequence, "status": tx.status}
            )
        return {"transactions": rows, "dropped": list(self.dropped)}

    def _apply(self, tx: FakeTx) -> None:
        if self.before_apply is not None:
            self.before_apply(tx)
        args, source, op = self._invocation(tx.envelope)
        self.sequences[source] = tx.envelope.transaction.sequence
        base = {
            "txHash": tx.hash,
            "applicationOrder": 1,
            "feeBump": False,
            "envelopeXdr": tx.envelope.to_xdr(),
            "createdAt": str(int(time.time())),
        }
        try:
            result = self.host.request(
                "invoke",
                invoke_args=args.to_xdr(),
                auth_entries=[e.to_xdr() for e in op.auth],
                source=source,
            )
        except (SorobanContractError, SorobanHostError) as exc:
            self.host.advance_ledger(ledgers=1)
            tx.status = "FAILED"
            tx.response = {
                "status": "FAILED",
                **base,
                "ledger": self._ledger()[0],
                "resultXdr": _result(xdr.TransactionResultCode.txFAILED, trapped=True).to_xdr(),
                "resultMetaXdr": _meta(None, [], []).to_xdr(),
            }
            if self.diagnostics:
                tx.response["diagnosticEventsXdr"] = [_error_event(args, exc).to_xdr()]
            return
        self.host.advance_ledger(ledgers=1)
        events = [xdr.ContractEvent.from_xdr(e["xdr"]) for e in result["events"]]
        tx.status = "SUCCESS"
        tx.response = {
            "status": "SUCCESS",
            **base,
            "ledger": self._ledger()[0],
            "resultXdr": _result(xdr.TransactionResultCode.txSUCCESS).to_xdr(),
            "resultMetaXdr": _meta(xdr.SCVal.from_xdr(result["result"]), events, []).to_xdr(),
            "events": {"transactionEventsXdr": [], "contractEventsXdr": [[e.to_xdr() for e in events]]},
        }


class RpcParamsError(ValueError):
    """A request the real RPC refuses with -32602 (invalid params)."""


def _matches(filters: list[dict[str, Any]], event: dict[str, Any]) -> bool:
    """Whether a host event passes ``filters`` (any of them; none: every event)."""
    if not filters:
        return True
    for f in filters:
        if f.get("contractIds") and event["contract"] not in f["contractIds"]:
            continue
        topics = f.get("topics")
        if topics and not any(
            len(t) == len(event["topics"]) and all(s in ("*", v) for s, v in zip(t, event["topics"], strict=True))
            for t in topics
        ):
            continue
        return True
    return False


def _result(code: xdr.TransactionResultCode, trapped: bool = False) -> xdr.TransactionResult:
    results = None
    if code in (xdr.TransactionResultCode.txSUCCESS, xdr.TransactionResultCode.txFAILED):
        inner = (
            xdr.InvokeHostFunctionResult(xdr.InvokeHostFunctionResultCode.INVOKE_HOST_FUNCTION_TRAPPED)
            if trapped
            else xdr.InvokeHostFunctionResult(
                xdr.InvokeHostFunctionResultCode.INVOKE_HOST_FUNCTION_SUCCESS, success=xdr.Hash(bytes(32))
            )
        )
        results = [
            xdr.OperationResult(
                xdr.OperationResultCode.opINNER,
                tr=xdr.OperationResultTr(xdr.OperationType.INVOKE_HOST_FUNCTION, invoke_host_function_result=inner),
            )
        ]
    return xdr.TransactionResult(
        fee_charged=xdr.Int64(100),
        result=xdr.TransactionResultResult(code, results=results),
        ext=xdr.TransactionResultExt(0),
    )


def _meta(value: xdr.SCVal | None, events: list[xdr.ContractEvent], diagnostics: list[Any]) -> xdr.TransactionMeta:
    return xdr.TransactionMeta(
        4,
        v4=xdr.TransactionMetaV4(
            ext=xdr.ExtensionPoint(0),
            tx_changes_before=xdr.LedgerEntryChanges([]),
            operations=[
                xdr.OperationMetaV2(ext=xdr.ExtensionPoint(0), changes=xdr.LedgerEntryChanges([]), events=events)
            ],
            tx_changes_after=xdr.LedgerEntryChanges([]),
            soroban_meta=xdr.SorobanTransactionMetaV2(ext=xdr.SorobanTransactionMetaExt(0), return_value=value),
            events=[],
            diagnostic_events=diagnostics,
        ),
    )


def _error_event(args: xdr.InvokeContractArgs, exc: Exception) -> xdr.DiagnosticEvent:
    """The host's diagnostic ``error`` event: topics [Symbol("error"), Error(...)]."""
    if isinstance(exc, SorobanContractError):
        error = xdr.SCError(xdr.SCErrorType.SCE_CONTRACT, contract_code=xdr.Uint32(exc.code))
    else:
        assert isinstance(exc, SorobanHostError)
        kind = "SCE_" + _snake(exc.error_type or "Context")
        code = "SCEC_" + _snake(exc.error_code or "InternalError")
        error = xdr.SCError(xdr.SCErrorType[kind], code=xdr.SCErrorCode[code])
    contract = args.contract_address.contract_id
    assert contract is not None
    return xdr.DiagnosticEvent(
        in_successful_contract_call=False,
        event=xdr.ContractEvent(
            ext=xdr.ExtensionPoint(0),
            contract_id=contract,
            type=xdr.ContractEventType.DIAGNOSTIC,
            body=xdr.ContractEventBody(
                0,
                v0=xdr.ContractEventV0(
                    topics=[scval.to_symbol("error"), xdr.SCVal(xdr.SCValType.SCV_ERROR, error=error)],
                    data=scval.to_string("escalating error to VM trap from failed host function call"),
                ),
            ),
        ),
    )


def _snake(name: str) -> str:
    out = ""
    for i, ch in enumerate(name):
        if ch.isupper() and i:
            out += "_"
        out += ch.upper()
    return out


def main(argv: list[str] | None = None) -> None:
    """Serve the stand-in in its own process (``python -m tests.soroban.fake_rpc``), so that
    relayer processes can be killed and restarted against one ledger. Prints one JSON line
    (``url``, ``network_passphrase``) once it listens; ends on SIGTERM or SIGINT."""
    import argparse
    import signal

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--harness", default=None, help="quiltkit-soroban-harness binary")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--network-passphrase", default=None)
    args = parser.parse_args(argv)
    host = LocalHost(args.harness, network_passphrase=args.network_passphrase)
    fake = FakeStellarRpc(host, args.port)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(json.dumps({"url": fake.url, "network_passphrase": host.network_passphrase}), flush=True)
    try:
        while not stop.wait(0.2):
            pass
    finally:
        fake.close()
        host.close()


if __name__ == "__main__":
    main()
