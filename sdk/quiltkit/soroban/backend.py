"""Where Soroban calls run: one interface, two backends.

- :class:`LocalHost` drives the local harness (``quiltkit-soroban-harness``): the real Soroban
  host in a child process, speaking JSON lines (soroban/README.md, "The harness"). It is the
  embedded default network of the tests and the demo, as EthTester is for EVM.
- :class:`Rpc` talks to a Stellar RPC server with stellar-sdk's ``SorobanServer``: build the
  transaction, simulate, ``prepare_transaction``, authorise the auth entries, sign, send, then
  poll ``getTransaction`` (``NOT_FOUND`` only ever means "not yet") until ``SUCCESS`` or
  ``FAILED``, the transaction's time bounds expire, or the client's deadline passes.

Every write is the same three steps on both backends: simulate (recording the authorisations
the call needs, and raising the contract's error if it would fail, so nothing is sent), sign
each auth entry with the ``Keypair`` whose address it names (``stellar_sdk.auth.authorize_entry``,
valid until the latest ledger + ``auth_validity_ledgers``), then submit with exactly those
entries, which the host checks (enforcing mode: signatures, nonces, expiry, invocation tree).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, ClassVar

from pydantic import BaseModel, ConfigDict
from stellar_sdk import (
    Account,
    Address,
    Keypair,
    SorobanServer,
    StrKey,
    TransactionBuilder,
    TransactionEnvelope,
    scval,
    xdr,
)
from stellar_sdk.auth import authorize_entry
from stellar_sdk.client.requests_client import RequestsClient
from stellar_sdk.exceptions import (
    AccountNotFoundException,
    BadResponseError,
    PrepareTransactionException,
    SorobanRpcErrorResponse,
)
from stellar_sdk.exceptions import ConnectionError as StellarConnectionError
from stellar_sdk.operation import InvokeHostFunction
from stellar_sdk.soroban_rpc import (
    EventFilter,
    EventFilterType,
    GetEventsResponse,
    GetTransactionResponse,
    GetTransactionStatus,
    SendTransactionResponse,
    SendTransactionStatus,
    SimulateTransactionResponse,
)

from quiltkit.exceptions import InvalidInput, QuiltkitError
from quiltkit.soroban import _values
from quiltkit.soroban.errors import (
    HarnessError,
    HarnessNotFound,
    SorobanContractError,
    SorobanRpcError,
    SorobanTimeout,
    SorobanTransactionFailed,
    UnexpectedAuthorization,
    error_from_message,
    host_error,
)
from quiltkit.soroban.models import SorobanEvent, decode_contract_event, decode_event

__all__ = [
    "HARNESS_ENV",
    "ContractCall",
    "Invocation",
    "LedgerInfo",
    "LocalHost",
    "time_bounds_end",
    "Rpc",
    "Simulation",
    "SorobanBackend",
    "authorize_entries",
    "check_authorization",
    "find_harness",
    "harness_event_id",
]

HARNESS_ENV = "QUILTKIT_SOROBAN_HARNESS"
MAX_EVENTS_PAGE = 10_000
"""The largest ``limit`` a Stellar RPC accepts for ``getEvents``."""
HARNESS_NAME = "quiltkit-soroban-harness"
BUILD_HINT = "cd soroban && cargo build -p quiltkit-soroban-harness"
STANDALONE_PASSPHRASE = "Standalone Network ; February 2017"  # noqa: S105 - a network name
NULL_ACCOUNT = "GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAWHF"
"""The all-zero account: the source of read-only simulations (it needs no ledger entry)."""


@dataclass(frozen=True)
class ContractCall:
    """One contract function call: contract (``C...``), function name and SCVal arguments.

    ``subcalls`` are the nested calls a signer may be asked to authorize under this one (the
    escrow's ``fund``: its one token transfer); anything else in a simulated auth tree is refused
    before signing (:func:`check_authorization`).
    """

    contract: str
    function: str
    args: tuple[xdr.SCVal, ...] = ()
    subcalls: tuple[ContractCall, ...] = ()

    def invoke_args(self) -> xdr.InvokeContractArgs:
        return xdr.InvokeContractArgs(
            contract_address=Address(self.contract).to_xdr_sc_address(),
            function_name=xdr.SCSymbol(self.function.encode()),
            args=list(self.args),
        )

    def __str__(self) -> str:
        return f"{self.function} on {self.contract[:6]}...{self.contract[-4:]}"


class LedgerInfo(BaseModel):
    """The latest ledger: sequence number and close time (unix seconds)."""

    model_config = ConfigDict(frozen=True)

    sequence: int
    timestamp: int


@dataclass
class Simulation:
    """What a call would do: its return value, the auth entries to sign and the events."""

    result: xdr.SCVal
    auth_entries: list[xdr.SorobanAuthorizationEntry]
    events: list[SorobanEvent]
    latest_ledger: int
    raw: Any = None
    """The backend's own response (``SimulateTransactionResponse`` for :class:`Rpc`)."""


@dataclass
class Invocation:
    """A committed call: return value, events, ledger, transaction hash (``None`` on LocalHost)."""

    result: xdr.SCVal
    events: list[SorobanEvent] = field(default_factory=list)
    ledger: int = 0
    tx_hash: str | None = None


def _address_credentials(credentials: xdr.SorobanCredentials) -> xdr.SorobanAddressCredentials | None:
    kind = credentials.type
    if kind == xdr.SorobanCredentialsType.SOROBAN_CREDENTIALS_ADDRESS:
        return credentials.address
    if kind == xdr.SorobanCredentialsType.SOROBAN_CREDENTIALS_ADDRESS_V2:
        return credentials.address_v2
    if kind == xdr.SorobanCredentialsType.SOROBAN_CREDENTIALS_ADDRESS_WITH_DELEGATES:
        assert credentials.address_with_delegates is not None
        return credentials.address_with_delegates.address_credentials
    return None


def entry_address(entry: xdr.SorobanAuthorizationEntry) -> str | None:
    """The address an auth entry authorises for, or ``None`` for source-account credentials."""
    creds = _address_credentials(entry.credentials)
    if creds is None:
        return None
    return _values.native(xdr.SCVal(xdr.SCValType.SCV_ADDRESS, address=creds.address))  # type: ignore[no-any-return]


def _describe(invocation: xdr.SorobanAuthorizedInvocation) -> str:
    function = invocation.function
    fn = function.contract_fn
    if function.type != xdr.SorobanAuthorizedFunctionType.SOROBAN_AUTHORIZED_FUNCTION_TYPE_CONTRACT_FN or fn is None:
        return f"a host function ({function.type.name})"
    contract = _values.native(xdr.SCVal(xdr.SCValType.SCV_ADDRESS, address=fn.contract_address))
    args = ", ".join(repr(_values.native(a)) for a in fn.args)
    return f"{fn.function_name.sc_symbol.decode()}({args}) on {contract}"


def _is_call(invocation: xdr.SorobanAuthorizedInvocation, call: ContractCall) -> bool:
    function = invocation.function
    if function.type != xdr.SorobanAuthorizedFunctionType.SOROBAN_AUTHORIZED_FUNCTION_TYPE_CONTRACT_FN:
        return False
    return bool(function.contract_fn is not None and function.contract_fn.to_xdr() == call.invoke_args().to_xdr())


def check_authorization(entry: xdr.SorobanAuthorizationEntry, call: ContractCall, *, what: str = "this call") -> None:
    """Refuse an auth entry that asks for more than ``call``: its root must be ``call`` itself
    (same contract, function and arguments) and its sub-invocations at most ``call.subcalls``,
    each once and with nothing nested under it. Raises :class:`UnexpectedAuthorization`."""
    address = entry_address(entry)
    root = entry.root_invocation
    if not _is_call(root, call):
        raise UnexpectedAuthorization(address, _describe(root), what)
    allowed = list(call.subcalls)
    for sub in root.sub_invocations:
        match = next((c for c in allowed if _is_call(sub, c)), None)
        if match is None:
            raise UnexpectedAuthorization(address, _describe(sub), what)
        if sub.sub_invocations:
            raise UnexpectedAuthorization(address, _describe(sub.sub_invocations[0]), what)
        allowed.remove(match)


def authorize_entries(
    entries: Sequence[xdr.SorobanAuthorizationEntry],
    signers: Sequence[Keypair],
    valid_until_ledger: int,
    network_passphrase: str,
    *,
    what: str = "this call",
    call: ContractCall | None = None,
) -> list[xdr.SorobanAuthorizationEntry]:
    """Sign each address-credential entry with the signer whose public key it names.

    With ``call``, every entry (source-account ones too) must ask for exactly ``call`` and at
    most its ``subcalls`` (:func:`check_authorization`); otherwise nothing is signed and
    :class:`UnexpectedAuthorization` is raised. Source-account entries are returned as they are
    (the transaction signature covers them). Raises :class:`InvalidInput` before anything is sent
    when an entry names an address none of ``signers`` holds the key of.
    """
    if call is not None:
        for entry in entries:
            check_authorization(entry, call, what=what)
    by_address = {kp.public_key: kp for kp in signers}
    signed: list[xdr.SorobanAuthorizationEntry] = []
    for entry in entries:
        address = entry_address(entry)
        if address is None:
            signed.append(entry)
            continue
        signer = by_address.get(address)
        if signer is None:
            raise InvalidInput(f"{what} needs authorization from {address}: pass its Keypair as the signer")
        if not signer.can_sign():
            raise InvalidInput(f"the Keypair of {address} has no secret key, so it cannot authorize {what}")
        signed.append(authorize_entry(entry, signer, valid_until_ledger, network_passphrase))
    return signed


class SorobanBackend(ABC):
    """Runs contract calls: simulate, submit with given auth entries, or invoke (both, signed)."""

    network_passphrase: str
    auth_validity_ledgers: int = 100
    """Auth entries are signed valid until the latest ledger + this many ledgers."""
    names_contract_errors: ClassVar[bool] = False
    """True when the backend tells escrow errors from other contracts' errors (LocalHost)."""

    @abstractmethod
    def ledger(self) -> LedgerInfo:
        """The latest ledger's sequence and close time."""

    @abstractmethod
    def simulate(self, call: ContractCall, *, source: str | None = None) -> Simulation:
        """Run ``call`` without committing anything; raise its error if it would fail."""

    @abstractmethod
    def submit(
        self,
        call: ContractCall,
        auth_entries: Sequence[xdr.SorobanAuthorizationEntry],
        *,
        source: Keypair | None = None,
        simulation: Simulation | None = None,
    ) -> Invocation:
        """Commit ``call`` with exactly ``auth_entries`` (checked by the host)."""

    def invoke(
        self,
        call: ContractCall,
        *,
        signers: Sequence[Keypair] = (),
        source: Keypair | None = None,
    ) -> Invocation:
        """Simulate ``call``, sign its auth entries with ``signers``, submit it."""
        simulation = self.simulate(call, source=source.public_key if source else None)
        entries = authorize_entries(
            simulation.auth_entries,
            signers,
            simulation.latest_ledger + self.auth_validity_ledgers,
            self.network_passphrase,
            what=call.function,
            call=call,
        )
        return self.submit(call, entries, source=source, simulation=simulation)

    def read(self, call: ContractCall) -> xdr.SCVal:
        """The return value of a read-only call (simulated, nothing is committed)."""
        return self.simulate(call).result

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (a child process, an HTTP session)."""

    def __enter__(self) -> SorobanBackend:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


# --- LocalHost -------------------------------------------------------------------------------


def _repo_candidates() -> Iterator[Path]:
    here = Path(__file__).resolve()
    seen: set[Path] = set()
    for base in [*here.parents, Path.cwd(), *Path.cwd().parents]:
        if base in seen:
            continue
        seen.add(base)
        yield base / "soroban" / "target" / "debug" / HARNESS_NAME


def find_harness(binary: str | os.PathLike[str] | None = None) -> str:
    """Path of the harness binary: ``binary``, ``$QUILTKIT_SOROBAN_HARNESS``, the repository's
    ``soroban/target/debug/`` build, or ``PATH``. Raises :class:`HarnessNotFound` with the
    command that builds it."""
    explicit = binary or os.environ.get(HARNESS_ENV)
    if explicit:
        path = Path(explicit)
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
        source = "given" if binary else f"${HARNESS_ENV}"
        raise HarnessNotFound(
            f"the Soroban harness {source} ({explicit}) is not an executable file: run `{BUILD_HINT}`"
        )
    for candidate in _repo_candidates():
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(HARNESS_NAME)
    if found:
        return found
    raise HarnessNotFound(f"the Soroban harness is not built: run `{BUILD_HINT}` (or set ${HARNESS_ENV})")


class LocalHost(SorobanBackend):
    """The local Soroban harness: a real Soroban host in a child process (JSON lines).

    One host per instance, alive until :meth:`close` (or the end of a ``with`` block). Requests
    carry increasing ids and the responses are checked against them.
    """

    names_contract_errors = True

    def __init__(
        self,
        binary: str | os.PathLike[str] | None = None,
        *,
        network_passphrase: str | None = None,
        timestamp: int | None = None,
        sequence: int | None = None,
        timeout_s: float = 120.0,
    ) -> None:
        self.binary = find_harness(binary)
        self.timeout_s = timeout_s
        command = [self.binary]
        if network_passphrase is not None:
            command += ["--network-passphrase", network_passphrase]
        if timestamp is not None:
            command += ["--timestamp", str(timestamp)]
        if sequence is not None:
            command += ["--sequence", str(sequence)]
        env = {**os.environ, "RUST_BACKTRACE": "0"}
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, env=env
        )
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read_stdout, name="soroban-harness-stdout", daemon=True)
        self._reader.start()
        self._lock = threading.Lock()
        self._next_id = 0
        info = self.request("network_id")
        self.network_passphrase = str(info["network_passphrase"])
        self.network_id = str(info["network_id"])

    def __repr__(self) -> str:
        return f"LocalHost({self.binary!r}, pid={self._process.pid})"

    def _read_stdout(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        for line in stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _stderr_tail(self) -> str:
        with contextlib.suppress(OSError, ValueError):
            self._stderr.seek(0, os.SEEK_END)
            size = self._stderr.tell()
            self._stderr.seek(max(0, size - 2000))
            lines = self._stderr.read().decode(errors="replace").strip().splitlines()
            return lines[-1] if lines else "no diagnostics on stderr"
        return ""

    def request(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one request and return its ``result``; raise the mapped error if it failed."""
        with self._lock:
            if self._process.poll() is not None or self._process.stdin is None:
                raise HarnessError("exit", f"the harness is not running (exit code {self._process.returncode})")
            self._next_id += 1
            request_id = self._next_id
            line = json.dumps({"id": request_id, "method": method, "params": params}, separators=(",", ":"))
            try:
                self._process.stdin.write(line.encode() + b"\n")
                self._process.stdin.flush()
            except (BrokenPipeError, OSError) as exc:
                raise HarnessError("exit", f"cannot write to the harness: {exc}; {self._stderr_tail()}") from exc
            try:
                raw = self._lines.get(timeout=self.timeout_s)
            except queue.Empty:
                raise HarnessError("timeout", f"no answer to {method} within {self.timeout_s:g}s") from None
            if raw is None:
                self._process.wait(timeout=5)
                raise HarnessError(
                    "exit", f"the harness exited ({self._process.returncode}) during {method}: {self._stderr_tail()}"
                )
        response = json.loads(raw)
        if response.get("id") != request_id:
            raise HarnessError("internal", f"response id {response.get('id')!r} does not match request {request_id}")
        if response.get("ok"):
            result: dict[str, Any] = response["result"]
            return result
        raise _harness_error(response.get("error") or {})

    def close(self) -> None:
        """End the harness (EOF on stdin) and wait for it."""
        process = self._process
        if process.poll() is None:
            with contextlib.suppress(OSError):
                if process.stdin is not None:
                    process.stdin.close()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        elif process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        with contextlib.suppress(OSError):
            self._stderr.close()

    def __enter__(self) -> LocalHost:
        return self

    def __del__(self) -> None:
        process = getattr(self, "_process", None)
        if process is not None and process.poll() is None:
            with contextlib.suppress(Exception):
                self.close()

    # --- ledger and fixtures ------------------------------------------------------------------

    def ledger(self) -> LedgerInfo:
        info = self.request("get_ledger")
        return LedgerInfo(sequence=info["sequence"], timestamp=info["timestamp"])

    def set_ledger(self, *, timestamp: int | None = None, sequence: int | None = None) -> LedgerInfo:
        params = {k: v for k, v in (("timestamp", timestamp), ("sequence", sequence)) if v is not None}
        info = self.request("set_ledger", **params)
        return LedgerInfo(sequence=info["sequence"], timestamp=info["timestamp"])

    def advance_ledger(self, *, ledgers: int = 0, seconds: int | None = None) -> LedgerInfo:
        """Close ``ledgers`` ledgers and move the clock by ``seconds`` (default 5 per ledger)."""
        params: dict[str, Any] = {"ledgers": ledgers}
        if seconds is not None:
            params["seconds"] = seconds
        info = self.request("advance_ledger", **params)
        return LedgerInfo(sequence=info["sequence"], timestamp=info["timestamp"])

    def create_account(self, account: Keypair | str, balance: int | None = None) -> str:
        """Create a ``G...`` account (its own key is its only signer) with trustlines to every SAC."""
        public_key = _values.account(account)
        params: dict[str, Any] = {"public_key": public_key}
        if balance is not None:
            params["balance"] = balance
        return str(self.request("create_account", **params)["address"])

    def deploy_sac(self, admin: Keypair | str) -> str:
        """Deploy a Stellar Asset Contract for a fresh asset administered by ``admin``; its ``C...``."""
        return str(self.request("deploy_sac", admin=_values.address(admin, "admin"))["address"])

    def deploy_escrow(self, admin: Keypair | str, treasury: Keypair | str, fee_bps: int = 0) -> str:
        """Deploy the escrow contract (constructor: admin, fee bps, treasury); its ``C...``."""
        _values.in_range(fee_bps, 0, 1_000, "fee_bps")
        result = self.request(
            "deploy_escrow",
            admin=_values.address(admin, "admin"),
            treasury=_values.address(treasury, "treasury"),
            fee_bps=fee_bps,
        )
        return str(result["address"])

    def deploy_test_token(
        self, kind: str, *, fee_bps: int | None = None, stolen: str | None = None, thief: Keypair | str | None = None
    ) -> str:
        """Deploy a non-standard token for tests; its ``C...``. ``kind="fee_on_transfer"``: the
        recipient gets ``amount`` less ``fee_bps`` (default 100) of it; ``kind="hostile"``: each
        transfer also moves the same amount of token ``stolen`` from the sender to ``thief``.
        Both have an unauthenticated ``mint`` (:meth:`mint` works on them)."""
        params: dict[str, Any] = {"kind": kind}
        if fee_bps is not None:
            params["fee_bps"] = _values.in_range(fee_bps, 0, 10_000, "fee_bps")
        if stolen is not None:
            params["stolen"] = _values.contract(stolen, "stolen")
        if thief is not None:
            params["thief"] = _values.address(thief, "thief")
        return str(self.request("deploy_test_token", **params)["address"])

    def mint(self, token: str, to: Keypair | str, amount: int) -> int:
        """Mint ``amount`` of a harness SAC to ``to`` (admin auth mocked); the new balance."""
        _values.in_range(amount, 1, _values.I128_MAX, "amount")
        result = self.request(
            "mint", token=_values.contract(token, "token"), to=_values.address(to), amount=str(amount)
        )
        return int(result["balance"])

    def balance(self, token: str, address: Keypair | str) -> int:
        result = self.request("balance", token=_values.contract(token, "token"), address=_values.address(address))
        return int(result["balance"])

    def events(
        self, *, cursor: int = 0, limit: int | None = None, contract: str | None = None
    ) -> tuple[list[SorobanEvent], int]:
        """Events logged since ``cursor`` (optionally of one contract) and the next cursor.

        Each event's ``id`` has a Stellar RPC event id's shape and order
        (:func:`harness_event_id`)."""
        params: dict[str, Any] = {"cursor": cursor}
        if limit is not None:
            params["limit"] = limit
        if contract is not None:
            params["contract"] = _values.contract(contract)
        result = self.request("events", **params)
        return [_harness_event(e, with_id=True) for e in result["events"]], int(result["cursor"])

    # --- calls --------------------------------------------------------------------------------

    def simulate(self, call: ContractCall, *, source: str | None = None) -> Simulation:
        params: dict[str, Any] = {"invoke_args": call.invoke_args().to_xdr()}
        if source is not None:
            params["source"] = _values.account(source, "source")
        result = self.request("simulate", **params)
        return Simulation(
            result=xdr.SCVal.from_xdr(result["result"]),
            auth_entries=[xdr.SorobanAuthorizationEntry.from_xdr(e) for e in result["auth_entries"]],
            events=[_harness_event(e) for e in result["events"]],
            latest_ledger=int(result["ledger"]),
            raw=result,
        )

    def submit(
        self,
        call: ContractCall,
        auth_entries: Sequence[xdr.SorobanAuthorizationEntry],
        *,
        source: Keypair | None = None,
        simulation: Simulation | None = None,
    ) -> Invocation:
        params: dict[str, Any] = {
            "invoke_args": call.invoke_args().to_xdr(),
            "auth_entries": [e.to_xdr() for e in auth_entries],
        }
        if source is not None:
            params["source"] = source.public_key
        result = self.request("invoke", **params)
        return Invocation(
            result=xdr.SCVal.from_xdr(result["result"]),
            events=[_harness_event(e) for e in result["events"]],
            ledger=int(result["ledger"]),
        )


def harness_event_id(ledger: int, number: int) -> str:
    """An id for the harness's event ``number`` (its place in the host's log) emitted in
    ``ledger``, in a Stellar RPC event id's format: the ledger's TOID (19 digits), a dash, the
    number (10 digits). Unique per host, and ordered as the events were emitted."""
    return f"{ledger << 32:019d}-{number:010d}"


def _harness_event(e: dict[str, Any], *, with_id: bool = False) -> SorobanEvent:
    ledger, index = e.get("ledger"), e.get("index")
    return decode_event(
        e.get("contract"),
        [xdr.SCVal.from_xdr(t) for t in e["topics"]],
        xdr.SCVal.from_xdr(e["data"]),
        ledger=ledger,
        index=index,
        id=harness_event_id(ledger, index) if with_id and ledger is not None and index is not None else None,
    )


def _harness_error(error: dict[str, Any]) -> QuiltkitError:
    kind = error.get("kind")
    message = str(error.get("message", ""))
    if kind == "contract" and isinstance(error.get("code"), int):
        return SorobanContractError(int(error["code"]), error.get("name"), message)
    if kind == "host":
        scerror = error.get("scerror") or {}
        return host_error(scerror.get("type"), scerror.get("code"), message)
    return HarnessError(str(kind or "unknown"), message)


# --- Rpc -------------------------------------------------------------------------------------


class Rpc(SorobanBackend):
    """A Stellar RPC server (``SorobanServer``): testnet, mainnet or ``stellar container``.

    ``source`` is the default transaction source (pays the fee, signs the envelope); a write can
    name another. Transactions get time bounds of ``tx_timeout_s``; ``getTransaction`` is polled
    every ``poll_interval_s`` until the transaction succeeds or fails, its time bounds have
    expired in the latest ledger (it can never be applied: safe to resubmit), or ``max_wait_s``
    passes (:class:`SorobanTimeout`: it may still be applied until its time bounds expire).
    """

    def __init__(
        self,
        url: str,
        network_passphrase: str | None = None,
        *,
        source: Keypair | None = None,
        base_fee: int = 100,
        tx_timeout_s: int = 30,
        poll_interval_s: float = 1.0,
        max_wait_s: float | None = None,
        auth_validity_ledgers: int = 100,
        http_timeout_s: float = 10.0,
        server: SorobanServer | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.server = server or SorobanServer(
            url, client=RequestsClient(num_retries=1, post_timeout=http_timeout_s, request_timeout=int(http_timeout_s))
        )
        self.source = source
        self.base_fee = base_fee
        self.tx_timeout_s = tx_timeout_s
        self.poll_interval_s = poll_interval_s
        self.max_wait_s = max_wait_s if max_wait_s is not None else tx_timeout_s + 30.0
        self.auth_validity_ledgers = auth_validity_ledgers
        self._sleep, self._clock = sleep, clock
        self.network_passphrase = network_passphrase or str(self._rpc(self.server.get_network).passphrase)

    def __repr__(self) -> str:
        return f"Rpc({self.server.server_url!r})"

    def close(self) -> None:
        self.server.close()

    def _rpc(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SorobanRpcErrorResponse as exc:
            raise SorobanRpcError(f"RPC error {exc.code}: {exc.message}") from exc
        except (StellarConnectionError, BadResponseError) as exc:
            raise SorobanRpcError(f"cannot reach the Stellar RPC at {self.server.server_url}: {exc}") from exc

    def ledger(self) -> LedgerInfo:
        latest = self._rpc(self.server.get_latest_ledger)
        return LedgerInfo(sequence=latest.sequence, timestamp=latest.close_time)

    def _envelope(
        self,
        call: ContractCall,
        source: str,
        auth: Sequence[xdr.SorobanAuthorizationEntry] = (),
        *,
        sequence: int | None = None,
    ) -> Any:
        if source == NULL_ACCOUNT:
            account = Account(NULL_ACCOUNT, 0)
        elif sequence is not None:
            account = Account(source, sequence - 1)  # the builder takes the next one: exactly `sequence`
        else:
            try:
                account = self._rpc(self.server.load_account, source)
            except AccountNotFoundException as exc:
                raise InvalidInput(f"source account {source} does not exist on this network: fund it first") from exc
        return (
            TransactionBuilder(account, self.network_passphrase, self.base_fee)
            .append_invoke_contract_function_op(call.contract, call.function, list(call.args), auth=list(auth))
            .set_timeout(self.tx_timeout_s)
            .build()
        )

    def _simulate(self, envelope: Any) -> SimulateTransactionResponse:
        sim: SimulateTransactionResponse = self._rpc(self.server.simulate_transaction, envelope)
        if sim.error:
            raise error_from_message(sim.error) or SorobanRpcError(f"simulation failed: {sim.error.splitlines()[0]}")
        if sim.restore_preamble is not None:
            raise SorobanRpcError(
                "the call touches archived state: restore it first (stellar contract restore, or a "
                "RestoreFootprint transaction), then retry"
            )
        if not sim.results:
            raise SorobanRpcError("simulation returned no result")
        return sim

    def simulate(self, call: ContractCall, *, source: str | None = None) -> Simulation:
        envelope = self._envelope(call, source or NULL_ACCOUNT)
        sim = self._simulate(envelope)
        assert sim.results is not None
        first = sim.results[0]
        events = []
        for raw in sim.events or []:
            diagnostic = xdr.DiagnosticEvent.from_xdr(raw)
            if diagnostic.event.type == xdr.ContractEventType.CONTRACT and diagnostic.in_successful_contract_call:
                events.append(decode_contract_event(diagnostic.event))
        return Simulation(
            result=xdr.SCVal.from_xdr(first.xdr),
            auth_entries=[xdr.SorobanAuthorizationEntry.from_xdr(e) for e in first.auth or []],
            events=events,
            latest_ledger=sim.latest_ledger,
            raw=sim,
        )

    def _source(self, source: Keypair | None) -> Keypair:
        keypair = source or self.source
        if keypair is None:
            raise InvalidInput("an Rpc write needs a source Keypair (pays the fee, signs the transaction)")
        if not keypair.can_sign():
            raise InvalidInput(f"the source Keypair {keypair.public_key} has no secret key")
        return keypair

    def invoke(
        self,
        call: ContractCall,
        *,
        signers: Sequence[Keypair] = (),
        source: Keypair | None = None,
    ) -> Invocation:
        """Build, simulate, prepare, authorise the auth entries, sign, send, poll."""
        keypair = self._source(source)
        envelope = self._envelope(call, keypair.public_key)
        sim = self._simulate(envelope)
        try:
            prepared = self.server.prepare_transaction(envelope, sim)
        except PrepareTransactionException as exc:  # pragma: no cover - _simulate raised already
            raise SorobanRpcError(str(exc)) from exc
        op = prepared.transaction.operations[0]
        assert isinstance(op, InvokeHostFunction)
        op.auth = authorize_entries(
            op.auth,
            signers,
            sim.latest_ledger + self.auth_validity_ledgers,
            self.network_passphrase,
            what=call.function,
            call=call,
        )
        prepared.sign(keypair)
        return self._send_and_wait(prepared)

    def submit(
        self,
        call: ContractCall,
        auth_entries: Sequence[xdr.SorobanAuthorizationEntry],
        *,
        source: Keypair | None = None,
        simulation: Simulation | None = None,
    ) -> Invocation:
        return self._send_and_wait(self.build(call, auth_entries, source=source, simulation=simulation))

    def build(
        self,
        call: ContractCall,
        auth_entries: Sequence[xdr.SorobanAuthorizationEntry] = (),
        *,
        source: Keypair | None = None,
        simulation: Simulation | None = None,
        sequence: int | None = None,
    ) -> TransactionEnvelope:
        """The transaction, simulated, prepared (footprint, resource fee) and signed, but not sent.

        ``sequence`` pins its sequence number (default: the source account's next). Its time
        bounds end ``tx_timeout_s`` from now. A caller that persists it before :meth:`send` can
        resend it identically, and knows it can never be applied once :meth:`expired` says so.
        """
        keypair = self._source(source)
        envelope = self._envelope(call, keypair.public_key, auth_entries, sequence=sequence)
        sim = simulation.raw if simulation is not None else None
        if not isinstance(sim, SimulateTransactionResponse):
            sim = self._simulate(envelope)
        prepared: TransactionEnvelope = self.server.prepare_transaction(envelope, sim)
        prepared.sign(keypair)
        return prepared

    def send(self, envelope: TransactionEnvelope | str) -> SendTransactionResponse:
        """``sendTransaction`` once, as is; the answer's status says whether the node took it."""
        response: SendTransactionResponse = self._rpc(self.server.send_transaction, envelope)
        return response

    def transaction(self, tx_hash: str) -> GetTransactionResponse:
        """``getTransaction``: SUCCESS, FAILED, or NOT_FOUND (pending, dropped, or never sent)."""
        response: GetTransactionResponse = self._rpc(self.server.get_transaction, tx_hash)
        return response

    def expired(self, envelope: TransactionEnvelope | str) -> bool:
        """Whether the transaction can provably never be applied: no ledger holds it, and the
        latest ledger closed after its time bounds. Only then is a rebuild safe."""
        if isinstance(envelope, str):
            envelope = TransactionEnvelope.from_xdr(envelope, self.network_passphrase)
        max_time = time_bounds_end(envelope)
        if max_time is None:
            return False  # no upper time bound: it stays valid until its sequence number is used
        response = self.transaction(envelope.hash_hex())
        return response.status == GetTransactionStatus.NOT_FOUND and response.latest_ledger_close_time > max_time

    def events(
        self,
        *,
        start_ledger: int | None = None,
        cursor: str | None = None,
        limit: int | None = None,
        contract: str | None = None,
    ) -> tuple[list[SorobanEvent], str]:
        """``getEvents``: contract events from ``start_ledger`` (inclusive) or after ``cursor``
        (exactly one of them), optionally of one contract, and the cursor to continue after.

        The cursor the RPC answers moves past every event it scanned, matching or not, so a
        caller that stores it never scans a ledger twice. An RPC keeps a window of recent ledgers
        only (a day by default): ``start_ledger`` below it is an RPC error.
        """
        if (start_ledger is None) == (cursor is None):
            raise InvalidInput("getEvents takes either start_ledger or cursor (exactly one)", field="start_ledger")
        if start_ledger is not None:
            _values.in_range(start_ledger, 1, _values.U32_MAX, "start_ledger")
        if limit is not None:
            _values.in_range(limit, 1, MAX_EVENTS_PAGE, "limit")
        filters = [
            EventFilter(
                type=EventFilterType.CONTRACT,
                contractIds=[_values.contract(contract)] if contract is not None else None,
            )
        ]
        response: GetEventsResponse = self._rpc(
            self.server.get_events, start_ledger=start_ledger, filters=filters, cursor=cursor, limit=limit
        )
        events = [
            decode_event(
                e.contract_id or None,
                [xdr.SCVal.from_xdr(t) for t in e.topic],
                xdr.SCVal.from_xdr(e.value),
                ledger=e.ledger,
                id=e.id,
            )
            for e in response.events
            if e.event_type == EventFilterType.CONTRACT.value
        ]
        return events, response.cursor or (cursor or "")

    def account(self, address: str) -> xdr.AccountEntry | None:
        """The account's ledger entry (sequence number, native balance), or None if it does not exist."""
        key = xdr.LedgerKey(
            xdr.LedgerEntryType.ACCOUNT,
            account=xdr.LedgerKeyAccount(Keypair.from_public_key(address).xdr_account_id()),
        )
        found = self._rpc(self.server.get_ledger_entries, [key])
        for entry in found.entries or []:
            data = xdr.LedgerEntryData.from_xdr(entry.xdr)
            if data.account is not None:
                return data.account
        return None

    def _send_and_wait(self, envelope: Any) -> Invocation:
        tx_hash = str(envelope.hash_hex())
        max_time = time_bounds_end(envelope)
        give_up = self._clock() + self.max_wait_s
        while True:
            sent = self._rpc(self.server.send_transaction, envelope)
            if sent.status in (SendTransactionStatus.PENDING, SendTransactionStatus.DUPLICATE):
                break
            if sent.status == SendTransactionStatus.ERROR:
                raise _send_error(tx_hash, sent.error_result_xdr, sent.diagnostic_events_xdr)
            # TRY_AGAIN_LATER: the node is congested; the same envelope may be resent.
            if self._clock() >= give_up:
                raise SorobanTimeout(tx_hash, f"transaction {tx_hash} got TRY_AGAIN_LATER until the deadline")
            self._sleep(self.poll_interval_s)
        while True:
            response: GetTransactionResponse | None
            try:
                response = self._rpc(self.server.get_transaction, tx_hash)
            except SorobanRpcError:
                response = None  # a transient RPC failure is "not yet", like NOT_FOUND
            if response is not None and response.status == GetTransactionStatus.SUCCESS:
                return _success(tx_hash, response)
            if response is not None and response.status == GetTransactionStatus.FAILED:
                raise _failure(tx_hash, response)
            # NOT_FOUND: not in a ledger yet. Never a failure by itself.
            if response is not None and max_time is not None and response.latest_ledger_close_time > max_time:
                raise SorobanTimeout(
                    tx_hash,
                    f"transaction {tx_hash} is in no ledger up to {response.latest_ledger}, which closed after "
                    f"its time bounds ({max_time}): it can no longer be applied, so it is safe to resubmit",
                )
            if self._clock() >= give_up:
                raise SorobanTimeout(
                    tx_hash,
                    f"transaction {tx_hash} not seen in a ledger after {self.max_wait_s:g}s; it may still be "
                    f"applied until its time bounds expire ({max_time})",
                )
            self._sleep(self.poll_interval_s)


def time_bounds_end(envelope: TransactionEnvelope) -> int | None:
    """The upper time bound (unix seconds) of a transaction, None when it has none."""
    preconditions = envelope.transaction.preconditions
    bounds = preconditions.time_bounds if preconditions is not None else None
    return int(bounds.max_time) if bounds is not None and bounds.max_time else None


_MetaResult = tuple[xdr.SCVal | None, list[xdr.ContractEvent], list[xdr.DiagnosticEvent]]


def _meta_result(meta: xdr.TransactionMeta) -> _MetaResult:
    if meta.v == 3 and meta.v3 is not None and meta.v3.soroban_meta is not None:
        soroban = meta.v3.soroban_meta
        return soroban.return_value, list(soroban.events), list(soroban.diagnostic_events)
    if meta.v == 4 and meta.v4 is not None:
        v4 = meta.v4
        value = v4.soroban_meta.return_value if v4.soroban_meta is not None else None
        return value, [e for op in v4.operations for e in op.events], list(v4.diagnostic_events)
    return None, [], []


def _success(tx_hash: str, response: GetTransactionResponse) -> Invocation:
    value: xdr.SCVal | None = None
    events: list[xdr.ContractEvent] = []
    if response.result_meta_xdr:
        value, events, _ = _meta_result(xdr.TransactionMeta.from_xdr(response.result_meta_xdr))
    if response.events is not None and response.events.contract_events_xdr:
        events = [xdr.ContractEvent.from_xdr(e) for op in response.events.contract_events_xdr for e in op]
    ledger = response.ledger or 0
    return Invocation(
        result=value if value is not None else scval.to_void(),
        events=[decode_contract_event(e, ledger=ledger) for e in events],
        ledger=ledger,
        tx_hash=tx_hash,
    )


def _error_in(events: Sequence[xdr.DiagnosticEvent]) -> QuiltkitError | None:
    """The contract or host error reported by the host's diagnostic ``error`` events, if any."""
    found: list[tuple[xdr.SCError, str | None]] = []
    for diagnostic in events:
        body = diagnostic.event.body.v0
        if body is None:
            continue
        contract = (
            str(StrKey.encode_contract(diagnostic.event.contract_id.contract_id.hash))
            if diagnostic.event.contract_id is not None
            else None
        )
        for topic in body.topics:
            if topic.type == xdr.SCValType.SCV_ERROR and topic.error is not None:
                found.append((topic.error, contract))
    for error, contract in found:
        if error.type == xdr.SCErrorType.SCE_CONTRACT and error.contract_code is not None:
            code = int(error.contract_code.uint32)
            return SorobanContractError(code, None, f"Error(Contract, #{code})", contract)
    if found:
        error = found[0][0]
        kind = _camel(error.type.name, "SCE_")
        host_code = _camel(error.code.name, "SCEC_") if error.code is not None else None
        return host_error(kind, host_code, f"Error({kind}, {host_code})")
    return None


def _camel(name: str, prefix: str) -> str:
    return "".join(part.capitalize() for part in name.removeprefix(prefix).split("_"))


def _result_code(result_xdr: str | None) -> str | None:
    if not result_xdr:
        return None
    result = xdr.TransactionResult.from_xdr(result_xdr)
    code = result.result.code.name
    for op in result.result.results or []:
        if op.tr is not None and op.tr.invoke_host_function_result is not None:
            return f"{code}/{op.tr.invoke_host_function_result.code.name}"
    return str(code)


def _failure(tx_hash: str, response: GetTransactionResponse) -> QuiltkitError:
    diagnostics = [xdr.DiagnosticEvent.from_xdr(e) for e in response.diagnostic_events_xdr or []]
    if not diagnostics and response.result_meta_xdr:
        diagnostics = _meta_result(xdr.TransactionMeta.from_xdr(response.result_meta_xdr))[2]
    found = _error_in(diagnostics)
    if found is not None:
        return found
    code = _result_code(response.result_xdr)
    return SorobanTransactionFailed(tx_hash, f"{code or 'FAILED'} (no diagnostic events to say why)", code)


def _send_error(tx_hash: str, result_xdr: str | None, diagnostics_xdr: list[str] | None) -> QuiltkitError:
    found = _error_in([xdr.DiagnosticEvent.from_xdr(e) for e in diagnostics_xdr or []])
    if found is not None:
        return found
    code = _result_code(result_xdr)
    return SorobanTransactionFailed(tx_hash, f"rejected by the node: {code or 'ERROR'}", code)
