"""Shared machinery of the typed contract clients: calls, transactions, events and reverts.

Works with any web3.py ``Web3``: an HTTP node, anvil, or ape's provider in tests. A sender is
either an eth-account ``LocalAccount`` (signed here, sent raw) or an address the node manages
(sent with ``eth_sendTransaction``). Every write is simulated first (gas estimation), so a call
that would revert raises its typed exception and nothing is sent.
"""

from __future__ import annotations

import ast
import functools
import inspect
import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from importlib.resources import files
from typing import Any, ClassVar, Literal, NoReturn, ParamSpec, Self, TypeAlias, TypedDict, TypeVar, Unpack, overload

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_abi.exceptions import DecodingError, EncodingError
from eth_abi.grammar import ABIType, BasicType, TupleType, parse
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress, HexAddress, HexStr
from eth_utils.abi import collapse_if_tuple, event_abi_to_log_topic, function_abi_to_4byte_selector
from eth_utils.crypto import keccak
from pydantic import BaseModel, ConfigDict
from web3 import AsyncWeb3, Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError, ContractPanicError, TimeExhausted, TransactionNotFound, Web3RPCError
from web3.providers import JSONBaseProvider
from web3.types import Nonce, RPCEndpoint, TxParams, TxReceipt, Wei

from quiltkit._model import Model
from quiltkit._types import Address, Bytes32, checksum, shown
from quiltkit.exceptions import (
    ContractRevert,
    InvalidInput,
    NoContractCode,
    TransactionFailed,
    TransactionPending,
    UnknownRevert,
    WrongContract,
)

__all__ = [
    "BuiltTx",
    "ContractClient",
    "ContractEvent",
    "DecodedEvent",
    "Sender",
    "TxOptions",
    "TxResult",
    "load_artifact",
]

Sender: TypeAlias = LocalAccount | str
"""Who sends a transaction: a local key, or the address of an account the node unlocks."""

_ERROR_STRING = "0x08c379a0"
_PANIC = "0x4e487b71"
_GAS_HEADROOM = 1.25
_RECEIPT_TIMEOUT_S = 120.0
_POLL_S = 0.1
_P = ParamSpec("_P")


class TxOptions(TypedDict, total=False):
    """Optional transaction settings every write takes as keyword arguments.

    ``nonce``, ``gas`` and the fee fields are used as given (unset: the pending nonce, the
    simulated gas plus headroom, fees from the latest block); the call is simulated first either
    way. ``confirmations`` (default 1) is how many blocks deep the receipt must be, ``timeout``
    (seconds, default 120) how long to wait for that before :class:`TransactionPending`.
    """

    nonce: int
    gas: int
    gas_price: int
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    confirmations: int
    timeout: float


_SEND_KEYS = frozenset({"nonce", "gas", "gas_price", "max_fee_per_gas", "max_priority_fee_per_gas"})
_WAIT_KEYS = frozenset({"confirmations", "timeout"})


@cache
def load_artifact(name: str) -> dict[str, Any]:
    """ABI and bytecode shipped in ``quiltkit/abi/<name>.json``."""
    text = files("quiltkit").joinpath("abi", f"{name}.json").read_text()
    artifact: dict[str, Any] = json.loads(text)
    return artifact


class DecodedEvent(BaseModel):
    """One decoded log of a transaction."""

    model_config = ConfigDict(frozen=True)

    name: str
    args: dict[str, Any]
    address: str
    log_index: int


class ContractEvent(Model):
    """One log of a contract, typed: the base of the generated per-event models
    (``quiltkit.escrow_events.EscrowFunded``...). Every event model carries where it was
    emitted; its own fields are the event's arguments (snake_case; bytes as 0x-hex)."""

    model_config = ConfigDict(frozen=True)

    event_name: ClassVar[str] = ""
    indexed: ClassVar[tuple[str, ...]] = ()
    """The fields that are indexed topics: the ones ``events(...)`` filters on."""

    contract: Address
    block_number: int
    block_hash: Bytes32
    tx_hash: Bytes32
    log_index: int


_E = TypeVar("_E", bound=ContractEvent)
_LOG_PAGE = 2_000
_RANGE_REFUSALS = ("range", "limit", "too many", "exceed", "query returned more than", "response size")


class TxResult(BaseModel):
    """A mined, successful transaction and the events it emitted from the contract."""

    model_config = ConfigDict(frozen=True)

    tx_hash: str
    block_number: int
    gas_used: int
    events: list[DecodedEvent]

    def event(self, name: str) -> DecodedEvent:
        """The first event called ``name``; raises LookupError if there is none."""
        for event in self.events:
            if event.name == name:
                return event
        raise LookupError(f"transaction {self.tx_hash} emitted no {name} event")

    def events_named(self, name: str) -> list[DecodedEvent]:
        return [e for e in self.events if e.name == name]


class BuiltTx(BaseModel):
    """A write, ready to sign, not sent: what :meth:`ContractClient.build` returns.

    ``gas`` is the simulated gas plus the SDK's headroom (or the ``gas`` option); nonce and fees
    are what would be used now. ``data`` is the calldata as 0x-hex. ``as_params()`` gives the
    web3 ``TxParams`` to sign (``sender.sign_transaction(built.as_params())``).
    """

    model_config = ConfigDict(frozen=True)

    sender: str
    to: str
    data: str
    value: int
    gas: int
    nonce: int
    chain_id: int
    gas_price: int | None = None
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None

    def as_params(self) -> TxParams:
        params: dict[str, Any] = {
            "from": self.sender,
            "to": self.to,
            "data": self.data,
            "value": self.value,
            "gas": self.gas,
            "nonce": self.nonce,
            "chainId": self.chain_id,
        }
        if self.gas_price is not None:
            params["gasPrice"] = self.gas_price
        else:
            params["maxFeePerGas"] = self.max_fee_per_gas
            params["maxPriorityFeePerGas"] = self.max_priority_fee_per_gas
        return params  # type: ignore[return-value]


class _Intercepted(Exception):
    """Carries a built or sent transaction out of a write run under :meth:`ContractClient.build`
    or :meth:`ContractClient.send` (past the write's own result handling)."""

    def __init__(self, value: Any) -> None:
        self.value = value


_MODE: ContextVar[tuple[int, Literal["build", "send"], TxOptions] | None] = ContextVar("quiltkit_tx_mode", default=None)


def sender_address(sender: Sender) -> str:
    """The address of ``sender``. A string that looks like a private key raises
    :class:`~quiltkit.exceptions.PrivateKeyAsAddress`, which never repeats it."""
    return checksum(sender.address if isinstance(sender, LocalAccount) else sender, "sender")


def _checks_sender_first(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a method taking ``sender`` so that the sender is checked before anything else runs:
    a key passed as ``sender`` is refused the same way by every write, before any input check or
    RPC could mention it."""
    params = list(inspect.signature(fn).parameters)
    position = params.index("sender")

    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Any:
        sender = kwargs["sender"] if "sender" in kwargs else (args[position] if len(args) > position else None)
        if sender is not None and not isinstance(sender, LocalAccount):
            sender_address(sender)
        return fn(*args, **kwargs)

    return checked


class ContractClient:
    """Base of the typed clients: one instance per deployed contract.

    Every public method of a subclass that takes a ``sender`` checks it first (see
    :func:`sender_address`); subclasses get this without writing it.
    """

    artifact_name: ClassVar[str]
    errors: ClassVar[dict[str, type[ContractRevert]]] = {}
    event_types: ClassVar[dict[str, type[ContractEvent]]] = {}
    """The family's generated event models by event name (``quiltkit.<family>_events.EVENTS``)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, member in list(vars(cls).items()):
            if name.startswith("_"):
                continue
            if isinstance(member, classmethod):
                if "sender" in inspect.signature(member.__func__).parameters:
                    setattr(cls, name, classmethod(_checks_sender_first(member.__func__)))
            elif inspect.isfunction(member) and "sender" in inspect.signature(member).parameters:
                setattr(cls, name, _checks_sender_first(member))

    def __init__(self, w3: Web3, address: str) -> None:
        if isinstance(w3, AsyncWeb3):  # its calls are coroutines: every read would fail obscurely
            raise InvalidInput(
                f"{type(self).__name__} takes a synchronous web3 Web3, got an AsyncWeb3: use its async twin "
                f"quiltkit.aio.Async{type(self).__name__}",
                field="w3",
            )
        self.w3 = w3
        self.address = checksum(address, f"{self.artifact_name} address")
        self._deployment_checked = False
        typed_address = ChecksumAddress(HexAddress(HexStr(self.address)))
        self.contract: Contract = w3.eth.contract(address=typed_address, abi=self.abi())
        self._topics = {
            event_abi_to_log_topic(e): e["name"]  # type: ignore[arg-type]
            for e in self.abi()
            if e["type"] == "event"
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.address})"

    def check_deployment(self) -> None:
        """Check that the address holds this client's contract; done once, before the first call.

        Raises :class:`~quiltkit.exceptions.NoContractCode` when there is no code at the address,
        :class:`~quiltkit.exceptions.WrongContract` when the code there is another contract (as far
        as :meth:`_identify` can tell). A failed check is repeated on the next call (the contract
        may be deployed meanwhile); a passed one is not.
        """
        code = self.w3.eth.get_code(ChecksumAddress(HexAddress(HexStr(self.address))))
        if not code:
            raise NoContractCode(self.address, self.artifact_name)
        self._deployment_checked = True  # before _identify, whose reads go through _eth_call
        try:
            problem = self._identify()
        except ContractRevert as exc:
            problem = f"it reverted on the identity check ({exc})"
        except DecodingError as exc:  # a node or network failure propagates as itself: it may pass
            problem = f"its answer to the identity check does not decode ({type(exc).__name__})"
        if problem is not None:
            self._deployment_checked = False
            raise WrongContract(self.address, self.artifact_name, problem)

    def _identify(self) -> str | None:
        """What is wrong with the contract at the address, or None if it is this client's.

        Overridden by a family whose contract can tell who it is (an EIP-712 domain name, an
        ERC-165 interface); the default accepts any code, which suits tokens behind proxies.
        """
        return None

    def _ensure_deployed(self) -> None:
        if not self._deployment_checked:
            self.check_deployment()

    # --- event history -------------------------------------------------------------------------

    @overload
    def events(
        self,
        kind: type[_E],
        from_block: int = 0,
        to_block: int | Literal["latest"] = "latest",
        *,
        page_size: int = _LOG_PAGE,
        **filters: Any,
    ) -> list[_E]: ...

    @overload
    def events(
        self,
        kind: str | None = None,
        from_block: int = 0,
        to_block: int | Literal["latest"] = "latest",
        *,
        page_size: int = _LOG_PAGE,
        **filters: Any,
    ) -> list[ContractEvent]: ...

    def events(
        self,
        kind: type[ContractEvent] | str | None = None,
        from_block: int = 0,
        to_block: int | Literal["latest"] = "latest",
        *,
        page_size: int = _LOG_PAGE,
        **filters: Any,
    ) -> list[Any]:
        """This contract's events in ``from_block..to_block`` (inclusive), oldest first, typed.

        ``kind`` is an event model (``EscrowFunded``, typed result), its name, or None for every
        event. ``filters`` match indexed arguments by name (snake_case or the ABI's camelCase); a
        list matches any of its values: ``escrow.events(EscrowFunded, escrow_id=7, funder=[a, b])``.
        The range is fetched in pages of ``page_size`` blocks, halved whenever the node refuses a
        range or result as too large. Raises InvalidInput for an unknown event or filter.
        """
        model = self._event_model(kind)
        topics = self._topic_filter(model, filters)
        if page_size < 1:
            raise InvalidInput(f"page_size must be >= 1, got {page_size}", field="page_size")
        last = int(self.w3.eth.block_number) if to_block == "latest" else int(to_block)
        found: list[ContractEvent] = []
        start, size = int(from_block), page_size
        while start <= last:
            end = min(start + size - 1, last)
            try:
                logs = self.w3.eth.get_logs(
                    {"address": self.contract.address, "fromBlock": start, "toBlock": end, "topics": topics}
                )
            except (Web3RPCError, ValueError) as exc:
                if size > 1 and any(word in str(exc).lower() for word in _RANGE_REFUSALS):
                    size = max(1, size // 2)
                    continue
                raise
            found += [e for e in (self._typed_log(log) for log in logs) if e is not None]
            start = end + 1
        return found

    def follow(
        self,
        kind: type[ContractEvent] | str | None = None,
        from_block: int | None = None,
        *,
        confirmations: int = 1,
        poll_interval: float = 1.0,
        sleep: Callable[[float], object] = time.sleep,
        page_size: int = _LOG_PAGE,
        **filters: Any,
    ) -> Iterator[ContractEvent]:
        """Yield events from ``from_block`` (default: the next block) on, forever, each once its
        block is ``confirmations`` deep (1: as soon as it is mined), in chain order.

        Between polls it calls ``sleep(poll_interval)``. Events are yielded only at the requested
        depth, so a reorg shallower than ``confirmations`` blocks is never seen; an indexer that
        must survive deeper ones re-reads by block hash (``ContractEvent.block_hash``).
        """
        next_block = self._follow_start(kind, from_block, confirmations, filters)
        while True:
            found, next_block = self._follow_step(kind, next_block, confirmations, page_size, filters)
            if found is None:
                sleep(poll_interval)
            else:
                yield from found

    def _follow_start(
        self,
        kind: type[ContractEvent] | str | None,
        from_block: int | None,
        confirmations: int,
        filters: dict[str, Any],
    ) -> int:
        """The first block :meth:`follow` reads; bad arguments fail now, not at the first poll."""
        if confirmations < 1:
            raise InvalidInput("confirmations must be >= 1", field="confirmations")
        self._topic_filter(self._event_model(kind), filters)
        return int(self.w3.eth.block_number) + 1 if from_block is None else int(from_block)

    def _follow_step(
        self,
        kind: type[ContractEvent] | str | None,
        next_block: int,
        confirmations: int,
        page_size: int,
        filters: dict[str, Any],
    ) -> tuple[list[ContractEvent] | None, int]:
        """One poll of :meth:`follow` (shared with the async twin): the events of the blocks now
        ``confirmations`` deep from ``next_block`` on, and the block to read next; None when no
        new block is deep enough yet (the caller waits)."""
        safe = int(self.w3.eth.block_number) - confirmations + 1
        if safe < next_block:
            return None, next_block
        return self.events(kind, next_block, safe, page_size=page_size, **filters), safe + 1

    def _event_model(self, kind: type[ContractEvent] | str | None) -> type[ContractEvent] | None:
        if kind is None:
            return None
        name = kind if isinstance(kind, str) else kind.event_name
        model = self.event_types.get(name)
        if model is None or (not isinstance(kind, str) and model is not kind):
            known = ", ".join(sorted(self.event_types)) or "none"
            raise InvalidInput(f"{self.artifact_name} has no event {name!r} (events: {known})", field="kind")
        return model

    def _topic_filter(self, model: type[ContractEvent] | None, filters: dict[str, Any]) -> list[Any]:
        """``eth_getLogs`` topics: the event's signature, then each indexed argument (None = any)."""
        if model is None:
            if filters:
                raise InvalidInput("filters need an event: events(EventModel, ..., name=value)", field="kind")
            return []
        abi = next(e for e in self.abi() if e["type"] == "event" and e["name"] == model.event_name)
        indexed = [p for p in abi["inputs"] if p.get("indexed")]
        by_name = {n: p for p in indexed for n in (p["name"], _snake(p["name"]), _snake(p["name"]) + "_")}
        for name in filters:
            if name not in by_name:
                can = ", ".join(_snake(p["name"]) for p in indexed) or "none"
                raise InvalidInput(f"{model.event_name} cannot be filtered on {name!r} (indexed: {can})", field=name)
        topics: list[Any] = ["0x" + event_abi_to_log_topic(abi).hex()]  # type: ignore[arg-type]
        for param in indexed:
            wanted = [v for n, v in filters.items() if by_name[n] is param]
            if not wanted:
                topics.append(None)
                continue
            values = wanted[0] if isinstance(wanted[0], list | tuple) else [wanted[0]]
            topics.append([_topic(param["type"], v, _snake(param["name"])) for v in values])
        while topics and topics[-1] is None:
            topics.pop()
        return topics

    def _typed_log(self, log: Any) -> ContractEvent | None:
        return decode_log(self.artifact_name, self.event_types, log)

    @classmethod
    def decode_log(cls, log: Any) -> ContractEvent | None:
        """One log of this contract's ABI as its typed event (None for an event the family has no
        model for). ``log`` is a web3 log or a raw JSON-RPC ``eth_getLogs`` entry (hex strings):
        the form an indexer reads in bulk, decoded without web3's formatters."""
        return decode_log(cls.artifact_name, cls.event_types, log)

    # --- transaction control: any write, built, estimated or sent without waiting -------------

    def build(self, write: Callable[_P, Any], /, *args: _P.args, **kwargs: _P.kwargs) -> BuiltTx:
        """The transaction ``write(*args, **kwargs)`` would send, simulated and not sent.

        ``write`` is a bound write of this client (``escrow.build(escrow.release, 1, 0,
        sender=payer)``). Every pre-send check runs and a revert raises its named error, as for
        the write itself. A write that would first send an ERC-20 approval raises
        :class:`~quiltkit.exceptions.InsufficientAllowance` instead (approve, then build).
        """
        with self._mode("build", kwargs):
            try:
                write(*args, **kwargs)
            except _Intercepted as done:
                built: BuiltTx = done.value
                return built
        raise InvalidInput(f"{getattr(write, '__name__', write)} sends no transaction of {self!r}")

    def estimate(self, write: Callable[_P, Any], /, *args: _P.args, **kwargs: _P.kwargs) -> int:
        """The gas limit the write would be sent with (see :meth:`build`); nothing is sent."""
        return self.build(write, *args, **kwargs).gas

    def send(self, write: Callable[_P, Any], /, *args: _P.args, **kwargs: _P.kwargs) -> str:
        """Send the write without waiting for it to be mined; returns the transaction hash (0x).

        Follow it with :meth:`wait_for`. Pre-send checks and the simulation run as for the write;
        an ERC-20 approval the write needs (``approve=True``) is sent and waited for first.
        """
        with self._mode("send", kwargs):
            try:
                write(*args, **kwargs)
            except _Intercepted as done:
                tx_hash: str = done.value
                return tx_hash
        raise InvalidInput(f"{getattr(write, '__name__', write)} sends no transaction of {self!r}")

    def wait_for(self, tx_hash: str, *, confirmations: int = 1, timeout: float = _RECEIPT_TIMEOUT_S) -> TxResult:
        """Wait until ``tx_hash`` is mined ``confirmations`` blocks deep; its result and events.

        Raises :class:`~quiltkit.exceptions.TransactionPending` (carrying the hash) when that has
        not happened within ``timeout`` seconds, and the contract's named error if it reverted.
        """
        receipt = _await(self.w3, tx_hash, None, self.errors, confirmations=confirmations, timeout=timeout)
        return self._result(receipt)

    @contextmanager
    def _mode(self, mode: Literal["build", "send"], kwargs: Any) -> Iterator[None]:
        options: TxOptions = {k: v for k, v in kwargs.items() if k in _SEND_KEYS | _WAIT_KEYS}  # type: ignore[assignment]
        token = _MODE.set((id(self), mode, options))
        try:
            yield
        finally:
            _MODE.reset(token)

    def _planning(self) -> bool:
        """Whether a write of this client is being built or estimated (nothing may be sent)."""
        mode = _MODE.get()
        return mode is not None and mode[0] == id(self) and mode[1] == "build"

    @classmethod
    def abi(cls) -> list[dict[str, Any]]:
        abi: list[dict[str, Any]] = load_artifact(cls.artifact_name)["abi"]
        return abi

    @classmethod
    def _deployed(cls, w3: Web3, address: str) -> Self:
        """A client of a contract just deployed from the shipped bytecode: it needs no check."""
        client = cls(w3, address)
        client._deployment_checked = True
        return client

    @classmethod
    def _deploy(cls, w3: Web3, sender: Sender, *args: Any, **options: Any) -> tuple[str, TxResult]:
        artifact = load_artifact(cls.artifact_name)
        factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
        tx: TxParams = factory.constructor(*args).build_transaction({"from": sender_address(sender), "gas": 0})
        receipt = _send(w3, sender, tx, cls.errors, options)
        address = receipt["contractAddress"]
        if address is None:
            raise TransactionFailed(receipt["transactionHash"].hex(), "no contract created")
        return str(address), TxResult(
            tx_hash="0x" + receipt["transactionHash"].hex().removeprefix("0x"),
            block_number=receipt["blockNumber"],
            gas_used=receipt["gasUsed"],
            events=[],
        )

    def _call(self, fn: str, *args: Any) -> Any:
        """A read: encoded and decoded here with the ABI's types, sent as one ``eth_call``.

        Returns what web3's ``ContractFunction.call()`` returns (one value, or a list of them;
        structs as tuples; addresses checksummed) at a fraction of its cost: web3 looks the
        function up in the ABI and normalises every argument and result again on each call, which
        dominated a relayer's per-intent checks.
        """
        return self._decoded(fn, self._eth_call(self._encode(fn, *args)))

    def _call_many(self, *calls: tuple[str, tuple[Any, ...]], block: int | str = "latest") -> list[Any]:
        """Several reads in one ``eth_call`` through the contract's (OpenZeppelin) ``multicall``.

        One round trip and one node execution instead of one per read, all at the same block.
        Each result is what :meth:`_call` returns for that read; the first read that reverts
        raises its typed exception.
        """
        data = [self._encode(fn, *args) for fn, args in calls]
        (results,) = abi_decode(["bytes[]"], self._eth_call(self._encode("multicall", data), block))
        return [self._decoded(fn, raw) for (fn, _), raw in zip(calls, results, strict=True)]

    def _eth_call(self, data: bytes, block: int | str = "latest") -> bytes:
        """``eth_call`` of ``data`` at ``block`` (a number, or a tag such as "latest")."""
        if not self._deployment_checked:
            self.check_deployment()
        tx: TxParams = {"to": self.contract.address, "data": HexStr("0x" + data.hex())}
        provider = self.w3.provider
        if isinstance(provider, JSONBaseProvider):
            return self._raw_eth_call(provider, tx, block)
        try:
            return bytes(self.w3.eth.call(tx, block))  # type: ignore[arg-type]
        except Exception as exc:
            if not _is_revert(exc):
                raise
            raise _decode_revert(exc, self.errors) from exc

    def _raw_eth_call(self, provider: JSONBaseProvider, tx: TxParams, block: int | str = "latest") -> bytes:
        """``eth_call`` straight to a JSON-RPC node: web3's ``eth.call`` wraps every call in its
        middleware, request and result formatters and CCIP-read handling, several times the CPU
        the node spends on a view (and nothing here needs them: calldata and results are ABI-coded
        by this class). A node reports a revert as an error carrying the revert data."""
        at = hex(block) if isinstance(block, int) else block
        response = provider.make_request(RPCEndpoint("eth_call"), [tx, at])
        error = response.get("error")
        if error is None:
            return bytes.fromhex(str(response["result"]).removeprefix("0x"))
        revert = _rpc_error_revert(error, self.errors)
        if revert is not None:
            raise revert
        raise Web3RPCError(str(error), rpc_response=response)

    def _decoded(self, fn: str, raw: bytes) -> Any:
        *_, outputs, parsed = _function_types(self.artifact_name, fn)
        values = [_normalised(t, v) for t, v in zip(parsed, abi_decode(outputs, raw), strict=True)]
        return values[0] if len(values) == 1 else values

    def _encode(self, fn: str, *args: Any) -> bytes:
        """Calldata of ``fn(*args)``, encoded with the ABI's types (fixed bytes may be 0x-hex)."""
        selector, inputs, *_ = _function_types(self.artifact_name, fn)
        try:
            return selector + abi_encode(inputs, [_abi_arg(t, a) for t, a in zip(inputs, args, strict=True)])
        except (EncodingError, ValueError, TypeError):  # eth_abi's messages repeat the value
            error = _bad_argument(self.artifact_name, fn, inputs, args)
        raise error

    def _refuse(self, error: ContractRevert, data: bytes, *, sender: Sender, value: int = 0) -> NoReturn:
        """Refuse a call a pre-send check found would revert: raise the revert the contract gives
        for it (simulated with ``eth_call``; nothing is sent), else ``error``.

        A pre-send check mirrors one contract rule and builds that rule's named error with the
        arguments the contract would give; asking the chain on the way out makes the answer the
        chain's own (type, arguments, and which rule fails first when several do), so a caller's
        ``except`` is the same whether the SDK or the chain noticed first.
        """
        self._ensure_deployed()
        tx: TxParams = {"from": sender_address(sender), "to": self.address, "value": Wei(value)}
        tx["data"] = HexStr("0x" + data.hex())
        try:
            self.w3.eth.call(tx)
        except Exception as exc:
            if _is_revert(exc):
                chain_error = _decode_revert(exc, self.errors)
                if not isinstance(chain_error, UnknownRevert):
                    raise chain_error from None
        raise error

    def _transact(self, fn: str, *args: Any, sender: Sender, value: int = 0, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact_data(self._encode(fn, *args), sender=sender, value=value, **options)

    def _transact_data(
        self, data: HexStr | bytes, *, sender: Sender, value: int = 0, **options: Unpack[TxOptions]
    ) -> TxResult:
        """Simulate, send and decode one call whose calldata is already encoded.

        Under :meth:`build` or :meth:`send` (for this client) the transaction is built, or sent
        without waiting, and carried out of the write instead.
        """
        self._ensure_deployed()
        tx: TxParams = {"from": sender_address(sender), "to": self.address, "value": Wei(value)}
        tx["data"] = data
        mode = _MODE.get()
        if mode is not None and mode[0] == id(self):
            merged: TxOptions = {**options, **mode[2]}
            prepared = _prepare(self.w3, sender, tx, self.errors, merged)
            if mode[1] == "build":
                raise _Intercepted(_built(prepared))
            raise _Intercepted(_broadcast(self.w3, sender, prepared))
        receipt = _send(self.w3, sender, tx, self.errors, options)
        return self._result(receipt)

    def _result(self, receipt: TxReceipt) -> TxResult:
        return TxResult(
            tx_hash="0x" + receipt["transactionHash"].hex().removeprefix("0x"),
            block_number=receipt["blockNumber"],
            gas_used=receipt["gasUsed"],
            events=self._decode_events(receipt),
        )

    def _decode_events(self, receipt: TxReceipt) -> list[DecodedEvent]:
        decoded = []
        for log in receipt["logs"]:
            if log["address"] != self.address or not log["topics"]:
                continue
            name = self._topics.get(bytes(log["topics"][0]))
            if name is None:
                continue
            event = self.contract.events[name]().process_log(log)
            decoded.append(
                DecodedEvent(
                    name=name,
                    args=_plain(dict(event["args"])),
                    address=self.address,
                    log_index=log["logIndex"],
                )
            )
        return decoded


def _send(
    w3: Web3, sender: Sender, tx: TxParams, errors: dict[str, type[ContractRevert]], options: TxOptions | Any
) -> TxReceipt:
    """Simulate, then sign-and-send (local key) or send (node account); wait for the receipt."""
    prepared = _prepare(w3, sender, tx, errors, options)
    tx_hash = _broadcast(w3, sender, prepared)
    return _await(
        w3,
        tx_hash,
        prepared,
        errors,
        confirmations=int(options.get("confirmations", 1)),
        timeout=float(options.get("timeout", _RECEIPT_TIMEOUT_S)),
    )


def _prepare(
    w3: Web3, sender: Sender, tx: TxParams, errors: dict[str, type[ContractRevert]], options: TxOptions | Any
) -> TxParams:
    """The transaction to send: simulated (a revert raises its named error), with gas, nonce,
    fees and chain id from ``options`` or from the node."""
    unknown = set(options) - _SEND_KEYS - _WAIT_KEYS
    if unknown:
        raise InvalidInput(f"unknown transaction options: {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    for key, value in options.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise InvalidInput(f"{key} must be a number >= 0, got {value!r}", field=key)
    if options.get("confirmations", 1) < 1:
        raise InvalidInput("confirmations must be >= 1", field="confirmations")
    for key in ("gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "nonce", "chainId"):
        tx.pop(key, None)  # type: ignore[misc]
    try:
        estimate = w3.eth.estimate_gas(tx)
    except Exception as exc:
        if not _is_revert(exc):
            raise
        raise _decode_revert(exc, errors) from exc
    tx["gas"] = int(options["gas"]) if "gas" in options else int(estimate * _GAS_HEADROOM) + 10_000
    tx["chainId"] = w3.eth.chain_id
    address = ChecksumAddress(HexAddress(HexStr(str(tx["from"]))))
    nonce = int(options["nonce"]) if "nonce" in options else w3.eth.get_transaction_count(address, "pending")
    tx["nonce"] = Nonce(nonce)
    tx.update(_fees(w3, options))  # type: ignore[typeddict-item]
    return tx


def _broadcast(w3: Web3, sender: Sender, tx: TxParams) -> str:
    """Sign and send (local key) or send (node account); the hash as 0x-hex."""
    if isinstance(sender, LocalAccount):
        signed = sender.sign_transaction(tx)  # type: ignore[arg-type]
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    else:
        tx_hash = w3.eth.send_transaction(tx)
    return "0x" + bytes(tx_hash).hex()


def _built(tx: TxParams) -> BuiltTx:
    data = tx["data"]
    fees: dict[str, Any] = dict(tx)
    return BuiltTx(
        sender=str(tx["from"]),
        to=str(tx["to"]),
        data=data if isinstance(data, str) else "0x" + bytes(data).hex(),
        value=int(tx.get("value", 0)),
        gas=int(tx["gas"]),
        nonce=int(tx["nonce"]),
        chain_id=int(tx["chainId"]),
        gas_price=fees.get("gasPrice"),
        max_fee_per_gas=fees.get("maxFeePerGas"),
        max_priority_fee_per_gas=fees.get("maxPriorityFeePerGas"),
    )


def _await(
    w3: Web3,
    tx_hash: str,
    tx: TxParams | None,
    errors: dict[str, type[ContractRevert]],
    *,
    confirmations: int,
    timeout: float,
) -> TxReceipt:
    """The receipt of ``tx_hash`` once it is ``confirmations`` blocks deep (and still in the
    chain: a receipt that moved block meanwhile is waited for again); TransactionPending after
    ``timeout`` seconds; the decoded revert if it failed."""
    hex_hash = HexStr(tx_hash)
    deadline = time.monotonic() + timeout
    nonce = int(tx["nonce"]) if tx is not None and "nonce" in tx else None
    while True:
        remaining = deadline - time.monotonic()
        try:
            receipt = w3.eth.wait_for_transaction_receipt(hex_hash, timeout=max(remaining, 0.0), poll_latency=_POLL_S)
        except TimeExhausted:
            raise TransactionPending(tx_hash, timeout, nonce=nonce) from None
        if receipt["status"] != 1:
            _raise_failure(w3, receipt, tx, errors)
        if confirmations <= 1:
            return receipt
        while w3.eth.block_number - receipt["blockNumber"] + 1 < confirmations:
            if time.monotonic() >= deadline:
                raise TransactionPending(tx_hash, timeout, nonce=nonce, mined_in=receipt["blockNumber"])
            time.sleep(_POLL_S)
        try:
            again = w3.eth.get_transaction_receipt(hex_hash)
        except TransactionNotFound:
            continue  # reorged out: wait for it to be mined again
        if again["blockHash"] == receipt["blockHash"]:
            return again


def _raise_failure(
    w3: Web3, receipt: TxReceipt, tx: TxParams | None, errors: dict[str, type[ContractRevert]]
) -> NoReturn:
    """Replay a reverted transaction at the block it was mined in to recover the reason."""
    if tx is None:
        mined: Any = w3.eth.get_transaction(receipt["transactionHash"])
        tx = {"from": mined["from"], "to": mined["to"], "data": mined["input"], "value": mined["value"]}
    replay: TxParams = {k: v for k, v in tx.items() if k in ("from", "to", "data", "value")}  # type: ignore[assignment]
    try:
        w3.eth.call(replay, receipt["blockNumber"] - 1)
    except Exception as exc:
        if not _is_revert(exc):
            raise
        raise _decode_revert(exc, errors) from exc
    raise TransactionFailed("0x" + bytes(receipt["transactionHash"]).hex())


def _fees(w3: Web3, options: TxOptions | Any) -> dict[str, int]:
    """Fee fields: the caller's where given, else from the latest block (and the node's tip)."""
    if "gas_price" in options:
        return {"gasPrice": int(options["gas_price"])}
    if "max_fee_per_gas" in options and "max_priority_fee_per_gas" in options:
        return {
            "maxFeePerGas": int(options["max_fee_per_gas"]),
            "maxPriorityFeePerGas": int(options["max_priority_fee_per_gas"]),
        }
    base_fee = w3.eth.get_block("latest").get("baseFeePerGas")
    if base_fee is None:
        return {"gasPrice": w3.eth.gas_price}
    try:
        tip = int(w3.eth.max_priority_fee)
    except Exception:  # providers without eth_maxPriorityFeePerGas (eth-tester)
        tip = 10**9
    if "max_priority_fee_per_gas" in options:
        tip = int(options["max_priority_fee_per_gas"])
    if "max_fee_per_gas" in options:
        max_fee = int(options["max_fee_per_gas"])
        return {"maxFeePerGas": max_fee, "maxPriorityFeePerGas": min(tip, max_fee)}
    return {"maxFeePerGas": 2 * int(base_fee) + tip, "maxPriorityFeePerGas": tip}


def _revert_data(exc: BaseException) -> str | None:
    """Revert data of a failed call, from whichever shape the provider raised; None if not a revert."""
    data = getattr(exc, "data", None)
    if isinstance(data, dict):  # some nodes nest it
        data = data.get("data")
    if isinstance(data, bytes):
        return "0x" + data.hex()
    if isinstance(data, str) and data.startswith("0x"):
        return data
    for arg in exc.args:
        if isinstance(arg, bytes):
            return "0x" + arg.hex()
        # eth-tester (the embedded chain) reports "execution reverted: b'...'"
        if isinstance(arg, str) and "execution reverted" in arg:
            literal = arg.partition("execution reverted: ")[2]
            if literal.startswith(("b'", 'b"')):
                value = ast.literal_eval(literal)
                if isinstance(value, bytes):
                    return "0x" + value.hex()
            return ""
    return None


@cache
def _function_types(artifact: str, fn: str) -> tuple[bytes, tuple[str, ...], tuple[str, ...], tuple[ABIType, ...]]:
    """(selector, input types, output types, parsed output types) of the only function called ``fn``."""
    matches = [e for e in load_artifact(artifact)["abi"] if e["type"] == "function" and e["name"] == fn]
    if len(matches) != 1:
        raise LookupError(f"{artifact} has {len(matches)} functions called {fn}")
    abi = matches[0]
    outputs = tuple(collapse_if_tuple(p) for p in abi["outputs"])
    return (
        function_abi_to_4byte_selector(abi),
        tuple(collapse_if_tuple(p) for p in abi["inputs"]),
        outputs,
        tuple(parse(t) for t in outputs),
    )


def _bad_argument(artifact: str, fn: str, inputs: tuple[str, ...], args: tuple[Any, ...]) -> InvalidInput:
    """InvalidInput naming the first argument of ``fn`` its ABI type cannot encode (never its value
    if it could be a secret)."""
    (abi,) = [e for e in load_artifact(artifact)["abi"] if e["type"] == "function" and e["name"] == fn]
    names = [str(p["name"]) or f"argument {i}" for i, p in enumerate(abi["inputs"])]
    if len(args) != len(inputs):
        return InvalidInput(f"{fn} takes {len(inputs)} arguments ({', '.join(names)}), got {len(args)}")
    for name, abi_type, value in zip(names, inputs, args, strict=True):
        try:
            abi_encode([abi_type], [_abi_arg(abi_type, value)])
        except (EncodingError, ValueError, TypeError):
            return InvalidInput(f"{fn}: {name} must be a valid {abi_type}, got {shown(value)}", field=name)
    return InvalidInput(f"{fn}: the arguments do not encode as ({', '.join(inputs)})")


def _abi_arg(abi_type: str, value: Any) -> Any:
    """web3's one argument normalisation the SDK relies on: fixed bytes given as 0x-hex strings."""
    if isinstance(value, str) and abi_type.startswith("bytes") and abi_type != "bytes":
        return bytes.fromhex(value.removeprefix("0x"))
    return value


def _normalised(t: ABIType, value: Any) -> Any:
    """Checksum every address in a decoded value (as web3 does), through tuples and arrays."""
    if t.is_array:
        item = t.item_type
        return [_normalised(item, v) for v in value]
    if isinstance(t, TupleType):
        return tuple(_normalised(c, v) for c, v in zip(t.components, value, strict=True))
    if isinstance(t, BasicType) and t.base == "address":
        return checksum(value)
    return value


def _is_revert(exc: BaseException) -> bool:
    return isinstance(exc, ContractLogicError) or _revert_data(exc) is not None


def _rpc_error_revert(error: Any, errors: dict[str, type[ContractRevert]]) -> ContractRevert | None:
    """The typed revert a JSON-RPC ``error`` object reports (its revert data, or a message that
    says it reverted), or None if it is some other node error."""
    message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
    data = error.get("data") if isinstance(error, dict) else None
    if isinstance(data, dict):  # some nodes nest it
        data = data.get("data")
    if (isinstance(data, str) and data.startswith("0x")) or "revert" in message.lower():
        return _decode_revert(ContractLogicError(message, data=data if isinstance(data, str) else "0x"), errors)
    return None


def _decode_revert(exc: BaseException, errors: dict[str, type[ContractRevert]]) -> ContractRevert:
    data = _revert_data(exc) or ""
    if isinstance(exc, ContractPanicError):
        return UnknownRevert(data, f"panic: {exc}")
    selector = data[:10].lower()
    error_class = errors.get(selector)
    if error_class is not None:
        types = list(error_class.param_types)
        values = abi_decode(types, bytes.fromhex(data[10:])) if types else ()
        return error_class(*(_typed(t, v) for t, v in zip(types, values, strict=True)))
    if selector == _ERROR_STRING:
        (message,) = abi_decode(["string"], bytes.fromhex(data[10:]))
        # Vyper contracts revert with stable reasons; their clients key error classes by reason.
        reason_class = errors.get(message)
        if reason_class is not None:
            return reason_class()
        return UnknownRevert(data, f"execution reverted: {message}")
    if selector == _PANIC:
        (code,) = abi_decode(["uint256"], bytes.fromhex(data[10:]))
        return UnknownRevert(data, f"panic 0x{code:02x}")
    # eth-tester (the embedded chain) reports an Error(string) revert as text only.
    reason_class = errors.get(str(exc).partition("execution reverted: ")[2])
    if reason_class is not None:
        return reason_class()
    return UnknownRevert(data, str(exc))


def _typed(abi_type: str, value: Any) -> Any:
    if abi_type == "address":
        return checksum(value)
    return _plain(value)


_LogLayout: TypeAlias = tuple[str, tuple[tuple[str, str], ...], tuple[str, ...], tuple[Any, ...]]


@cache
def _log_layouts(artifact: str) -> dict[bytes, _LogLayout]:
    """Per event topic of ``artifact``: (name, indexed (field, type) pairs, data types, data params)."""
    layouts: dict[bytes, _LogLayout] = {}
    for abi in load_artifact(artifact)["abi"]:
        if abi["type"] != "event" or abi.get("anonymous"):
            continue
        indexed = tuple((p["name"], collapse_if_tuple(p)) for p in abi["inputs"] if p.get("indexed"))
        data = tuple(p for p in abi["inputs"] if not p.get("indexed"))
        layouts[event_abi_to_log_topic(abi)] = (
            abi["name"],
            indexed,
            tuple(collapse_if_tuple(p) for p in data),
            data,
        )
    return layouts


def _hex_bytes(value: Any) -> bytes:
    return bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)


def _int(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value)


def _named(param: dict[str, Any], value: Any) -> Any:
    """A decoded ABI value in the event models' plain form: structs as dicts by component name,
    addresses checksummed, bytes as 0x-hex."""
    t = param["type"]
    if t.startswith("tuple"):
        if t.endswith("]"):
            item = {**param, "type": t[: t.rindex("[")]}
            return [_named(item, v) for v in value]
        return {c["name"]: _named(c, v) for c, v in zip(param["components"], value, strict=True)}
    if t.endswith("]"):
        item = {"type": t[: t.rindex("[")]}
        return [_named(item, v) for v in value]
    if t == "address":
        return checksum(value)
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return value


_WORD_TYPE = re.compile(r"^(uint\d*|int\d*|address|bool|bytes([1-9]|[12]\d|3[0-2]))$")


def _is_word(abi_type: str) -> bool:
    """A type whose ABI encoding is one 32-byte word (decoded here without eth_abi)."""
    return _WORD_TYPE.match(abi_type) is not None


def _word(abi_type: str, word: bytes) -> Any:
    """One 32-byte ABI word of ``abi_type`` (see :func:`_is_word`) in the event models' form:
    the same value eth_abi decodes, at a fraction of its cost on the indexer's hot path."""
    if abi_type.startswith("uint"):
        return int.from_bytes(word, "big")
    if abi_type.startswith("int"):
        return int.from_bytes(word, "big", signed=True)
    if abi_type == "address":
        return checksum(word[12:])
    if abi_type == "bool":
        return word[-1] != 0
    return "0x" + word[: int(abi_type[5:])].hex()


class _Unsupported(Exception):
    """A type :func:`_decode_params` leaves to eth_abi (fixed-size arrays and what nests in them)."""


def _is_dynamic(param: dict[str, Any]) -> bool:
    t = param["type"]
    if t in ("bytes", "string") or t.endswith("[]"):
        return True
    if t == "tuple":
        return any(_is_dynamic(c) for c in param["components"])
    if t.endswith("]"):
        raise _Unsupported(t)
    return False


def _static_size(param: dict[str, Any]) -> int:
    if param["type"] == "tuple":
        return sum(_static_size(c) for c in param["components"])
    return 32


def _at(data: bytes, pos: int) -> int:
    return int.from_bytes(data[pos : pos + 32], "big")


def _decode_params(params: Sequence[dict[str, Any]], data: bytes, base: int) -> list[Any]:
    """The ABI head/tail encoding of ``params`` starting at ``base``, in :func:`_named`'s form."""
    out, head = [], base
    for param in params:
        if _is_dynamic(param):
            out.append(_decode_dynamic(param, data, base + _at(data, head)))
            head += 32
        elif param["type"] == "tuple":
            values = _decode_params(param["components"], data, head)
            out.append({c["name"]: v for c, v in zip(param["components"], values, strict=True)})
            head += _static_size(param)
        else:
            out.append(_word(param["type"], data[head : head + 32]))
            head += 32
    return out


def _decode_dynamic(param: dict[str, Any], data: bytes, pos: int) -> Any:
    t = param["type"]
    if t in ("bytes", "string"):
        raw = data[pos + 32 : pos + 32 + _at(data, pos)]
        return raw.decode() if t == "string" else "0x" + raw.hex()
    if t == "tuple":
        values = _decode_params(param["components"], data, pos)
        return {c["name"]: v for c, v in zip(param["components"], values, strict=True)}
    item = {**param, "type": t[: t.rindex("[")]}
    count = _at(data, pos)
    return _decode_params([item] * count, data, pos + 32)


def _decode_data(params: tuple[dict[str, Any], ...], types: tuple[str, ...], data: bytes) -> list[Any]:
    """An event's non-indexed values: the ABI's head/tail layout read directly for words, arrays,
    bytes, strings and structs (what the quiltkit contracts emit); eth_abi for anything else."""
    try:
        return _decode_params(params, data, 0)
    except _Unsupported:
        return [_named(p, v) for p, v in zip(params, abi_decode(types, data), strict=True)]


def decode_log(artifact: str, models: dict[str, type[ContractEvent]], log: Any) -> ContractEvent | None:
    """``log`` (web3's or raw JSON-RPC) as the typed event of ``models`` its topic names, or None.

    Decoded with eth_abi from the artifact's event ABI: the same values web3's ``process_log``
    gives, without its per-log ABI lookups and formatters (an indexer decodes logs in bulk)."""
    topics = log["topics"]
    if not topics:
        return None
    layout = _log_layouts(artifact).get(_hex_bytes(topics[0]))
    if layout is None:
        return None
    name, indexed, data_types, data_params = layout
    model = models.get(name)
    if model is None:
        return None
    args: dict[str, Any] = {}
    for (field, abi_type), topic in zip(indexed, topics[1:], strict=True):
        raw = _hex_bytes(topic)
        if _is_word(abi_type):
            args[field] = _word(abi_type, raw)
        else:  # dynamic values (strings, bytes, arrays, structs) are indexed by their hash
            args[field] = "0x" + raw.hex()
    if data_types:
        values = _decode_data(data_params, data_types, _hex_bytes(log["data"]))
        for param, value in zip(data_params, values, strict=True):
            args[param["name"]] = value
    return model.model_validate(
        {
            **args,
            "contract": checksum(log["address"]),
            "block_number": _int(log["blockNumber"]),
            "block_hash": "0x" + _hex_bytes(log["blockHash"]).hex(),
            "tx_hash": "0x" + _hex_bytes(log["transactionHash"]).hex(),
            "log_index": _int(log["logIndex"]),
        }
    )


def _plain(value: Any) -> Any:
    """Turn web3 AttributeDicts, HexBytes and tuples into plain Python values; bytes become
    0x-hex strings, the SDK's one form of bytes32 (and other bytes) values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    return value


def _snake(name: str) -> str:
    """``escrowId`` -> ``escrow_id``, as scripts/export_abis.py names event fields."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def _topic(abi_type: str, value: Any, what: str) -> str:
    """One indexed argument as the 32-byte topic a log carries for it."""
    if abi_type == "address":
        value = checksum(value, what)
    elif abi_type in ("string", "bytes") or abi_type.endswith("]") or abi_type.startswith("tuple"):
        raw = value.encode() if isinstance(value, str) and abi_type == "string" else _abi_arg("bytes32", value)
        return "0x" + keccak(raw).hex()  # dynamic values are indexed by their hash
    return "0x" + abi_encode([abi_type], [_abi_arg(abi_type, value)]).hex()


def require(condition: bool, message: str, *, field: str | None = None) -> None:
    """Raise :class:`InvalidInput` with ``message`` (naming ``field``) unless ``condition`` holds."""
    if not condition:
        raise InvalidInput(message, field=field)
