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
from collections.abc import Callable
from functools import cache
from importlib.resources import files
from typing import Any, ClassVar, NoReturn, TypeAlias

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_abi.grammar import ABIType, BasicType, TupleType, parse
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress, HexAddress, HexStr
from eth_utils.abi import collapse_if_tuple, event_abi_to_log_topic, function_abi_to_4byte_selector
from pydantic import BaseModel, ConfigDict
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError, ContractPanicError, Web3RPCError
from web3.providers import JSONBaseProvider
from web3.types import RPCEndpoint, TxParams, TxReceipt, Wei

from quiltkit._types import checksum
from quiltkit.exceptions import (
    ContractRevert,
    InvalidInput,
    NoContractCode,
    TransactionFailed,
    UnknownRevert,
    WrongContract,
)

__all__ = ["ContractClient", "DecodedEvent", "Sender", "TxResult", "load_artifact"]

Sender: TypeAlias = LocalAccount | str
"""Who sends a transaction: a local key, or the address of an account the node unlocks."""

_ERROR_STRING = "0x08c379a0"
_PANIC = "0x4e487b71"
_GAS_HEADROOM = 1.25
_RECEIPT_TIMEOUT_S = 120


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
    _deployed_here: ClassVar[set[tuple[str, int, str]]] = set()
    """Contracts this process deployed from the shipped bytecode: known to be what they are."""

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
        self.w3 = w3
        self.address = checksum(address, f"{self.artifact_name} address")
        self._deployment_checked = (self.artifact_name, id(w3), self.address) in ContractClient._deployed_here
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
        except Exception as exc:
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

    @classmethod
    def abi(cls) -> list[dict[str, Any]]:
        abi: list[dict[str, Any]] = load_artifact(cls.artifact_name)["abi"]
        return abi

    @classmethod
    def _deploy(cls, w3: Web3, sender: Sender, *args: Any) -> tuple[str, TxResult]:
        artifact = load_artifact(cls.artifact_name)
        factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
        tx: TxParams = factory.constructor(*args).build_transaction({"from": sender_address(sender), "gas": 0})
        receipt = _send(w3, sender, tx, cls.errors)
        address = receipt["contractAddress"]
        if address is None:
            raise TransactionFailed(receipt["transactionHash"].hex(), "no contract created")
        ContractClient._deployed_here.add((cls.artifact_name, id(w3), str(address)))
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

    def _call_many(self, *calls: tuple[str, tuple[Any, ...]]) -> list[Any]:
        """Several reads in one ``eth_call`` through the contract's (OpenZeppelin) ``multicall``.

        One round trip and one node execution instead of one per read, all at the same block.
        Each result is what :meth:`_call` returns for that read; the first read that reverts
        raises its typed exception.
        """
        data = [self._encode(fn, *args) for fn, args in calls]
        (results,) = abi_decode(["bytes[]"], self._eth_call(self._encode("multicall", data)))
        return [self._decoded(fn, raw) for (fn, _), raw in zip(calls, results, strict=True)]

    def _eth_call(self, data: bytes) -> bytes:
        if not self._deployment_checked:
            self.check_deployment()
        tx: TxParams = {"to": self.contract.address, "data": HexStr("0x" + data.hex())}
        provider = self.w3.provider
        if isinstance(provider, JSONBaseProvider):
            return self._raw_eth_call(provider, tx)
        try:
            return bytes(self.w3.eth.call(tx))
        except Exception as exc:
            if not _is_revert(exc):
                raise
            raise _decode_revert(exc, self.errors) from exc

    def _raw_eth_call(self, provider: JSONBaseProvider, tx: TxParams) -> bytes:
        """``eth_call`` straight to a JSON-RPC node: web3's ``eth.call`` wraps every call in its
        middleware, request and result formatters and CCIP-read handling, several times the CPU
        the node spends on a view (and nothing here needs them: calldata and results are ABI-coded
        by this class). A node reports a revert as an error carrying the revert data."""
        response = provider.make_request(RPCEndpoint("eth_call"), [tx, "latest"])
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
        return selector + abi_encode(inputs, [_abi_arg(t, a) for t, a in zip(inputs, args, strict=True)])

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

    def _transact(self, fn: str, *args: Any, sender: Sender, value: int = 0) -> TxResult:
        return self._transact_data(self._encode(fn, *args), sender=sender, value=value)

    def _transact_data(self, data: HexStr | bytes, *, sender: Sender, value: int = 0) -> TxResult:
        """Simulate, send and decode one call whose calldata is already encoded."""
        self._ensure_deployed()
        tx: TxParams = {"from": sender_address(sender), "to": self.address, "value": Wei(value)}
        tx["data"] = data
        receipt = _send(self.w3, sender, tx, self.errors)
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


def _send(w3: Web3, sender: Sender, tx: TxParams, errors: dict[str, type[ContractRevert]]) -> TxReceipt:
    """Simulate, then sign-and-send (local key) or send (node account); wait for the receipt."""
    for key in ("gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "nonce", "chainId"):
        tx.pop(key, None)  # type: ignore[misc]
    try:
        estimate = w3.eth.estimate_gas(tx)
    except Exception as exc:
        if not _is_revert(exc):
            raise
        raise _decode_revert(exc, errors) from exc
    tx["gas"] = int(estimate * _GAS_HEADROOM) + 10_000
    if isinstance(sender, LocalAccount):
        tx["chainId"] = w3.eth.chain_id
        tx["nonce"] = w3.eth.get_transaction_count(sender.address, "pending")
        tx.update(_fees(w3))  # type: ignore[typeddict-item]
        signed = sender.sign_transaction(tx)  # type: ignore[arg-type]
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    else:
        tx_hash = w3.eth.send_transaction(tx)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=_RECEIPT_TIMEOUT_S)
    if receipt["status"] != 1:
        # Replay at the block it was mined in to recover the reason.
        replay: TxParams = {k: v for k, v in tx.items() if k in ("from", "to", "data", "value")}  # type: ignore[assignment]
        try:
            w3.eth.call(replay, receipt["blockNumber"] - 1)
        except Exception as exc:
            if not _is_revert(exc):
                raise
            raise _decode_revert(exc, errors) from exc
        raise TransactionFailed(receipt["transactionHash"].hex())
    return receipt


def _fees(w3: Web3) -> dict[str, int]:
    base_fee = w3.eth.get_block("latest").get("baseFeePerGas")
    if base_fee is None:
        return {"gasPrice": w3.eth.gas_price}
    try:
        tip = int(w3.eth.max_priority_fee)
    except Exception:  # providers without eth_maxPriorityFeePerGas (eth-tester)
        tip = 10**9
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
        return UnknownRevert(data, f"execution reverted: {message}")
    if selector == _PANIC:
        (code,) = abi_decode(["uint256"], bytes.fromhex(data[10:]))
        return UnknownRevert(data, f"panic 0x{code:02x}")
    return UnknownRevert(data, str(exc))


def _typed(abi_type: str, value: Any) -> Any:
    if abi_type == "address":
        return checksum(value)
    return _plain(value)


def _plain(value: Any) -> Any:
    """Turn web3 AttributeDicts, HexBytes and tuples into plain Python values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return bytes(value)
    return value


def require(condition: bool, message: str, *, field: str | None = None) -> None:
    """Raise :class:`InvalidInput` with ``message`` (naming ``field``) unless ``condition`` holds."""
    if not condition:
        raise InvalidInput(message, field=field)
