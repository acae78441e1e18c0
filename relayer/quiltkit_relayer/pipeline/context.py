"""What every stage shares: settings, store, chain adapter, metrics, the nonce manager."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from quiltkit_relayer.config import RelayerSettings
from quiltkit_relayer.logs import get_logger
from quiltkit_relayer.metrics import Metrics
from quiltkit_relayer.store import Store

if TYPE_CHECKING:  # the Soroban adapter (and stellar-sdk) loads only for a Soroban relayer
    from quiltkit_relayer.chains.evm import EvmAdapter
    from quiltkit_relayer.chains.soroban import SorobanAdapter

__all__ = ["STAGES", "Adapter", "Context", "NonceManager"]

STAGES = ("verify", "submit", "confirm")

Adapter: TypeAlias = "EvmAdapter | SorobanAdapter"
"""The chain adapters the pipeline runs on (both implement :class:`~quiltkit_relayer.chains.base.ChainAdapter`)."""


class NonceManager:
    """Hands out the signer's nonces, one at a time, re-synced from chain on every allocation.

    The next nonce is the larger of the chain's pending count and one past the highest nonce of
    this signer's unresolved transactions in the store (signed ones may not have reached the node
    yet: the confirm stage broadcasts them, so no gap is left behind). When the chain is ahead of
    what we last handed out, something else used the key: that drift is logged and followed.
    """

    def __init__(self, store: Store, adapter: Adapter) -> None:
        self._store = store
        self._adapter = adapter
        self._lock = threading.Lock()
        self._last: int | None = None
        self._log = get_logger(component="nonces", signer=adapter.signer_address)

    @contextmanager
    def allocate(self) -> Iterator[int]:
        """Yield the next nonce; it counts as used only if the block exits without an exception."""
        with self._lock:
            chain_pending = self._adapter.account_nonce(pending=True)
            live_max = self._store.max_live_nonce(self._adapter.name, self._adapter.signer_address)
            nonce = max(chain_pending, 0 if live_max is None else live_max + 1)
            if self._last is not None and nonce != self._last + 1:
                self._log.warning(
                    "nonce re-synced from chain",
                    action="nonce_resync",
                    expected=self._last + 1,
                    chain_pending=chain_pending,
                    store_live_max=live_max,
                    using=nonce,
                )
            yield nonce
            self._last = nonce


@dataclass
class Context:
    settings: RelayerSettings
    store: Store
    adapter: Adapter
    metrics: Metrics
    instance_id: str
    nonces: NonceManager
    stop: threading.Event = field(default_factory=threading.Event)
    signer_ok: threading.Event = field(default_factory=threading.Event)
    nudges: dict[str, threading.Event] = field(default_factory=lambda: {stage: threading.Event() for stage in STAGES})
    """Per stage: set when this process hands it work, so an idle stage starts at once instead of
    at its next poll (work other instances hand over is found by polling)."""

    def log(self, **bound: Any) -> Any:
        return get_logger(instance=self.instance_id, **bound)

    def nudge(self, *stages: str) -> None:
        for stage in stages:
            self.nudges[stage].set()

    def request_stop(self) -> None:
        self.stop.set()
        self.nudge(*STAGES)  # idle stages wait on their nudge, not on stop
