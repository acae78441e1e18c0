"""A worker thread per stage: tick while there is work, wait ``interval`` when idle, stop on request.

A tick always runs to its end: stopping never cuts a stage between "signed and stored" and
"broadcast", and leases the stage still holds are handed back by the daemon afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["Worker"]


class Worker(threading.Thread):
    def __init__(
        self, name: str, tick: Callable[[], bool], *, interval: float, stop: threading.Event, log: Any
    ) -> None:
        super().__init__(name=f"relayer-{name}", daemon=True)
        self._tick = tick
        self._interval = interval
        self._stop_event = stop
        self._log = log
        self.errors = 0

    def run(self) -> None:
        failures = 0
        while not self._stop_event.is_set():
            try:
                busy = self._tick()
                failures = 0
            except Exception as exc:  # a stage must never kill its thread
                failures += 1
                self.errors += 1
                self._log.exception("stage tick failed", action=self.name, error=f"{type(exc).__name__}: {exc}")
                busy = False
            if not busy:
                self._stop_event.wait(min(self._interval * (2 ** min(failures, 5)), 5.0))
