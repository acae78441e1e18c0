"""Follow one chain from a deployment manifest into an :class:`IndexStore`.

A step reads the logs of every indexed contract in one ``eth_getLogs`` over an adaptive block
range (halved when the node refuses a range or times out, doubled while ranges come back small),
decodes them with the SDK's typed event models, and applies them with the cursor in one
transaction. Near the head (within ``reorg_window`` blocks) it also reads every block header of
the range, checks that they chain from the cursor's hash and that every log's block hash is the
header's, and records them; before each step it checks that the cursor's block is still on the
chain. When it is not (a reorganisation, or a node rolled back), it walks the recorded hashes down
to the newest one still on the chain, rolls the projections back to it, and indexes forward again.

Child contracts: a factory family (a projection with ``child_client``) creates contracts the
manifest does not name. A step that finds a creation event of a contract it does not follow reads
that contract's logs from the creation block to the end of its range before applying it, and
records the contract with the range; the contracts recorded are reloaded at ``prepare`` and after
a rollback (which removes those whose creation it undid).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field
from web3 import Web3
from web3.providers import JSONBaseProvider
from web3.types import RPCEndpoint

from quiltkit._contract import _RANGE_REFUSALS, ContractClient, ContractEvent
from quiltkit._model import Model
from quiltkit._types import Address
from quiltkit.exceptions import InvalidInput
from quiltkit.indexer.families import CHILD_CLIENTS, FAMILIES, PROJECTIONS
from quiltkit.indexer.projection import Projection
from quiltkit.indexer.store import Block, IndexStore

__all__ = ["ContractRef", "Deployment", "Indexer", "StepResult", "load_manifest"]

log = logging.getLogger("quiltkit.indexer")


class ContractRef(Model):
    model_config = ConfigDict(frozen=True)

    address: Address
    start_block: int = Field(ge=0)


class Deployment(Model):
    """What to index: a chain id and, per contract name, its address and first block."""

    model_config = ConfigDict(frozen=True)

    chain_id: int
    contracts: dict[str, ContractRef]


def load_manifest(path: str | Path) -> Deployment:
    """A deployment manifest written by ``scripts/deploy.py`` (``deployments/<network>.json``):
    the contracts the indexer has a projection for, each from the block it was deployed in."""
    try:
        data = json.loads(Path(path).read_text())
        contracts = {
            name: ContractRef(address=info["address"], start_block=int(info.get("block", 0)))
            for name, info in data["contracts"].items()
            if name in FAMILIES
        }
        deployment = Deployment(chain_id=int(data["chain_id"]), contracts=contracts)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"cannot read deployment manifest {path}: {exc}", field="manifest") from exc
    if not deployment.contracts:
        raise InvalidInput(f"{path} names none of the indexed contracts ({', '.join(FAMILIES)})", field="manifest")
    return deployment


@dataclass(frozen=True)
class StepResult:
    applied: int = 0
    rolled_back: int = 0
    from_block: int = 0
    to_block: int = 0
    caught_up: bool = False
    retried: bool = False


class Indexer:
    """One chain, one database. ``confirmations``: index a block once it is this deep (1: as soon
    as it is mined). ``reorg_window``: how far below the head block hashes are checked and kept."""

    def __init__(
        self,
        w3: Web3,
        deployment: Deployment,
        store: IndexStore,
        *,
        confirmations: int = 1,
        reorg_window: int = 64,
        initial_range: int = 100,
        max_range: int = 100_000,
        target_logs: int = 5_000,
    ) -> None:
        if confirmations < 1:
            raise InvalidInput(
                "confirmations must be >= 1 (1: index a block as soon as it is mined)", field="confirmations"
            )
        if reorg_window < 1:
            raise InvalidInput("reorg_window must be >= 1", field="reorg_window")
        if initial_range < 1 or max_range < initial_range:
            raise InvalidInput("need 1 <= initial_range <= max_range", field="initial_range")
        self.w3, self.deployment, self.store = w3, deployment, store
        self.confirmations, self.reorg_window = confirmations, reorg_window
        self.range, self.max_range, self.target_logs = initial_range, max_range, target_logs
        self.clients: dict[str, type[ContractClient]] = {
            ref.address.lower(): FAMILIES[name] for name, ref in deployment.contracts.items()
        }
        self.addresses = [ref.address for ref in deployment.contracts.values()]
        self._manifest = (dict(self.clients), list(self.addresses))
        by_family = {p.family: p for p in PROJECTIONS if p.child_client is not None}
        self.factories: dict[str, Projection] = {
            ref.address.lower(): by_family[name] for name, ref in deployment.contracts.items() if name in by_family
        }
        """The indexed contracts that create child contracts, with their projection."""
        self.children: dict[str, int] = {}
        """The child contracts followed (address -> creation block), from the index database."""
        self.start_block = min(ref.start_block for ref in deployment.contracts.values())
        self._provider: Any = w3.provider
        self._raw = isinstance(w3.provider, JSONBaseProvider)
        self._pool: ThreadPoolExecutor | None = None
        self._pending: tuple[int, int, Future[list[dict[str, Any]]]] | None = None

    # --- RPC ---------------------------------------------------------------------------------

    def _rpc(self, method: str, params: list[Any]) -> Any:
        """One JSON-RPC call, its result in the raw JSON form (hex strings): straight to a node's
        JSON-RPC endpoint, through web3's middleware for an in-process provider (EthereumTester)."""
        if not self._raw:
            return _as_json(self.w3.manager.request_blocking(RPCEndpoint(method), params))
        response = self._provider.make_request(RPCEndpoint(method), params)
        if response.get("error"):
            raise RpcError(str(response["error"].get("message", response["error"])))
        return response["result"]

    def head(self) -> int:
        return int(self._rpc("eth_blockNumber", []), 16)

    def header(self, number: int) -> Block | None:
        raw = self._rpc("eth_getBlockByNumber", [hex(number), False])
        return None if raw is None else Block(int(raw["number"], 16), raw["hash"], raw["parentHash"])

    def headers(self, first: int, last: int) -> list[Block | None]:
        if last - first < 2 or not self._raw or not hasattr(self._provider, "make_batch_request"):
            return [self.header(n) for n in range(first, last + 1)]
        answers = self._provider.make_batch_request(
            [(RPCEndpoint("eth_getBlockByNumber"), [hex(n), False]) for n in range(first, last + 1)]
        )
        out: list[Block | None] = []
        for answer in answers:
            if answer.get("error"):
                raise RpcError(str(answer["error"]))
            raw = answer["result"]
            out.append(None if raw is None else Block(int(raw["number"], 16), raw["hash"], raw["parentHash"]))
        return out

    def get_logs(self, first: int, last: int, addresses: list[str] | None = None) -> list[dict[str, Any]]:
        """Raw logs of the indexed contracts (or ``addresses``) in ``first..last``; shrinks
        ``self.range`` and raises :class:`RangeRefused` when the node refuses the range as too
        large or times out."""
        try:
            logs: list[dict[str, Any]] = self._rpc(
                "eth_getLogs",
                [{"address": addresses or self.addresses, "fromBlock": hex(first), "toBlock": hex(last)}],
            )
        except (RpcError, TimeoutError, OSError) as exc:
            text = str(exc).lower()
            timed_out = "timed out" in text or "timeout" in text or isinstance(exc, TimeoutError)
            if last > first and (timed_out or any(w in text for w in _RANGE_REFUSALS)):
                self.range = max(1, (last - first + 1) // 2)
                raise RangeRefused(str(exc)) from exc
            raise
        return logs

    def decode(
        self, raw: dict[str, Any], new: Mapping[str, type[ContractClient]] | None = None
    ) -> ContractEvent | None:
        address = str(raw["address"]).lower()
        client = self.clients.get(address) or (new or {}).get(address)
        return None if client is None else client.decode_log(raw)

    # --- child contracts ---------------------------------------------------------------------

    def load_children(self) -> None:
        """Follow the child contracts the database records (after a restart or a rollback, which
        removes those whose creation it undid)."""
        clients, addresses = self._manifest
        self.clients, self.addresses = dict(clients), list(addresses)
        self.children = {}
        for address, (family, block) in self.store.children().items():
            self.clients[address.lower()] = CHILD_CLIENTS[family]
            self.addresses.append(address)
            self.children[address] = block

    def _new_children(self, raw_logs: list[dict[str, Any]], last: int) -> list[tuple[str, str, str, int]]:
        """The contracts the factories' logs in ``raw_logs`` created and the index does not follow
        yet, as (address, parent, family, block); their logs from their creation block to ``last``
        are appended to ``raw_logs`` (the range was read before they were known)."""
        found: list[tuple[str, str, str, int]] = []
        for raw in raw_logs:
            projection = self.factories.get(str(raw["address"]).lower())
            if projection is None:
                continue
            event = self.decode(raw)
            child = None if event is None else projection.child_of(event)
            if child is not None and child.lower() not in self.clients:
                found.append((child, event.contract, projection.family, event.block_number))  # type: ignore[union-attr]
        if found:
            seen = {(r["blockHash"], r["logIndex"]) for r in raw_logs}
            extra = self.get_logs(min(b for *_, b in found), last, [a for a, *_ in found])
            raw_logs += [r for r in extra if (r["blockHash"], r["logIndex"]) not in seen]
        return found

    # --- one step ----------------------------------------------------------------------------

    def step(self, *, until: int | None = None) -> StepResult:
        """Check the cursor against the chain (roll back on a reorg), then index one range (not
        past block ``until`` when given)."""
        cursor = self.store.cursor()
        last_done = cursor.number if cursor else self.start_block - 1
        if cursor is not None and cursor.hash:
            on_chain = self.header(cursor.number)
            if on_chain is None or on_chain.hash != cursor.hash:
                return self._roll_back(cursor.number)
        head = self.head()
        target = head - self.confirmations + 1
        if until is not None:
            target = min(target, until)
        if target <= last_done:
            return StepResult(from_block=last_done + 1, to_block=last_done, caught_up=True)
        first = last_done + 1
        last = min(target, first + self.range - 1)
        started = time.monotonic()
        prefetched = self._take_prefetch(first, target)
        if prefetched is not None:
            last, raw_logs = prefetched
        else:
            try:
                raw_logs = self.get_logs(first, last)
            except RangeRefused:
                return StepResult(from_block=first, to_block=last, retried=True)
        try:
            children = self._new_children(raw_logs, last)
        except RangeRefused:
            return StepResult(from_block=first, to_block=last, retried=True)
        near = last >= head - self.reorg_window
        if near:
            headers = self.headers(first, last)
            if not self._consistent(headers, cursor.hash if cursor else None, raw_logs):
                return StepResult(from_block=first, to_block=last, retried=True)
            recorded = [h for h in headers if h is not None]
        else:
            end = self.header(last)
            if end is None:
                return StepResult(from_block=first, to_block=last, retried=True)
            recorded = [end]
            following = min(target, last + self.range)
            # backfilling: read the next range ahead, unless this one found child contracts (their
            # logs must be in the next read too)
            if self._raw and not children and last < following < head - self.reorg_window:
                self._prefetch(last + 1, following)
        new = {a.lower(): CHILD_CLIENTS[f] for a, _, f, _ in children}
        events = [e for e in (self.decode(r, new) for r in raw_logs) if e is not None]
        events.sort(key=lambda e: (e.block_number, e.log_index))
        self.store.apply(
            events,
            to_block=last,
            to_hash=recorded[-1].hash,
            headers=recorded,
            keep_blocks_from=min(head - self.reorg_window, last),
            children=children,
        )
        for address, _, family, block in children:
            self.store.register_child(address, family)
            self.clients[address.lower()] = CHILD_CLIENTS[family]
            self.addresses.append(address)
            self.children[address] = block
        self._adapt(len(raw_logs), time.monotonic() - started, last - first + 1)
        return StepResult(applied=len(events), from_block=first, to_block=last, caught_up=last >= target)

    def _prefetch(self, first: int, last: int) -> None:
        """Start reading the logs of ``first..last`` in the background, so that the node works
        on the next range while this one is decoded and written (backfill only: far below the
        head, where a step checks no headers; over HTTP only, where web3 keeps a session per
        thread)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quiltkit-index-prefetch")
        # the address list as of now: a step that finds new child contracts reads no range ahead
        self._pending = (first, last, self._pool.submit(self._fetch_raw, first, last, list(self.addresses)))

    def _fetch_raw(self, first: int, last: int, addresses: list[str]) -> list[dict[str, Any]]:
        logs: list[dict[str, Any]] = self._rpc(
            "eth_getLogs", [{"address": addresses, "fromBlock": hex(first), "toBlock": hex(last)}]
        )
        return logs

    def _take_prefetch(self, first: int, target: int) -> tuple[int, list[dict[str, Any]]] | None:
        """The prefetched range's (last block, logs) when it starts at ``first`` and ends by
        ``target``; None otherwise, or when its read failed (the step then reads the range
        itself, which shrinks it on a refusal)."""
        pending, self._pending = self._pending, None
        if pending is None:
            return None
        p_first, p_last, future = pending
        try:
            logs = future.result()
        except Exception:
            return None
        if p_first != first or p_last > target:
            return None
        return p_last, logs

    def close(self) -> None:
        """Stop the background reader (a pending read finishes and is dropped)."""
        self._pending = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    @staticmethod
    def _consistent(headers: list[Block | None], parent: str | None, raw_logs: list[dict[str, Any]]) -> bool:
        """The headers chain from ``parent`` and every log lies in one of them (by hash): nothing
        changed under the step's reads."""
        if any(h is None for h in headers):
            return False
        by_number = {h.number: h.hash for h in headers if h is not None}
        previous = parent
        for h in headers:
            assert h is not None
            if previous is not None and h.parent_hash != previous:
                return False
            previous = h.hash
        return all(by_number.get(int(r["blockNumber"], 16)) == r["blockHash"] for r in raw_logs)

    def _adapt(self, logs: int, elapsed: float, span: int) -> None:
        """Aim the next range at ``target_logs`` logs (at most twice the last range, so a sparse
        stretch grows it step by step, and shrinking at once when a range came back dense)."""
        if span < self.range:  # the range was cut by the head: it says nothing about density
            return
        wanted = span * self.target_logs // max(logs, 1)
        if elapsed > 10.0:  # a slow node: keep requests short whatever the density
            wanted = min(wanted, span // 2)
        self.range = max(1, min(self.max_range, 2 * span, wanted))

    def _roll_back(self, cursor_number: int) -> StepResult:
        fork: Block | None = None
        for recorded in self.store.blocks_from(max(0, self.start_block - 1)):
            if recorded.number > cursor_number:
                continue
            on_chain = self.header(recorded.number)
            if on_chain is not None and on_chain.hash == recorded.hash:
                fork = recorded
                break
        fork_number = fork.number if fork else self.start_block - 1
        undone = self.store.rollback(fork_number, fork.hash if fork else None)
        log.warning("reorg: rolled back %d logs to block %d (cursor was %d)", undone, fork_number, cursor_number)
        self.load_children()
        return StepResult(rolled_back=undone, from_block=fork_number + 1, to_block=cursor_number)

    # --- loops -------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Migrate the schema, check the node's chain id, bind the database to this deployment."""
        chain_id = int(self._rpc("eth_chainId", []), 16)
        if chain_id != self.deployment.chain_id:
            raise InvalidInput(
                f"the node is chain {chain_id}, the deployment is for chain {self.deployment.chain_id}", field="rpc_url"
            )
        self.store.migrate()
        self.store.bind_chain(chain_id, {n: r.address for n, r in sorted(self.deployment.contracts.items())})
        self.load_children()

    def sync(self, *, until: int | None = None, max_steps: int | None = None) -> int:
        """Index until caught up with the head (at ``confirmations``) or block ``until``; returns
        the logs applied."""
        applied, steps = 0, 0
        while max_steps is None or steps < max_steps:
            result = self.step(until=until)
            steps += 1
            applied += result.applied
            if result.caught_up:
                break
        self.close()
        return applied

    def run(
        self,
        *,
        stop: threading.Event | None = None,
        poll_interval: float = 1.0,
        on_step: Callable[[StepResult], object] | None = None,
    ) -> None:
        """Follow the chain until ``stop`` is set: step, and sleep ``poll_interval`` when caught up."""
        stop = stop or threading.Event()
        try:
            while not stop.is_set():
                result = self.step()
                if on_step is not None:
                    on_step(result)
                if result.caught_up:
                    stop.wait(poll_interval)
        finally:
            self.close()


def _as_json(value: Any) -> Any:
    """A web3-formatted result back in JSON-RPC's form: quantities and bytes as 0x-hex."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return hex(value)
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, Mapping):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_as_json(v) for v in value]
    return value


class RpcError(RuntimeError):
    """The node answered a request with an error."""


class RangeRefused(RuntimeError):
    """The node refused an ``eth_getLogs`` range; the indexer retries with a smaller one."""
