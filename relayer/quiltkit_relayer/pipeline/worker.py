"""A worker thread per stage: tick while there is work, poll every ``interval`` while work is in
progress, sleep until nudged (or ``idle_interval``) when there is none, stop on request.

A tick always runs to its end: stopping never cuts a stage between "signed and stored" and
"broadcast", and leases the stage still holds are handed back by the daemon afterwards.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["Worker"]


class Worker(threading.Thread):
    """``idle`` and ``nudge`` given: after a tick that found nothing at all to do (``idle()`` true),
    wait up to ``idle_interval`` for the nudge instead of polling every ``interval``. A stage that
    has work in progress (a batch filling, a transaction pending) keeps polling every ``interval``
    and is not woken early by nudges, so a stream of new intents never makes it tick per intent."""

    def __init__(
        self,
        name: str,
        tick: Callable[[], bool],
        *,
        interval: float,
        stop: threading.Event,
        log: Any,
        idle: Callable[[], bool] | None = None,
        idle_interval: float | None = None,
        nudge: threading.Event | None = None,
    ) -> None:
        super().__init__(name=f"relayer-{name}", daemon=True)
        self._tick = tick
        self._interval = interval
        self._stop_event = stop
        self._log = log
        self._idle = idle
        self._idle_interval = max(interval, idle_interval or interval)
        self._nudge = nudge
        self.errors = 0

    def run(self) -> None:
        failures = 0
        while not self._stop_event.is_set():
            if self._nudge is not None:
                self._nudge.clear()  # this tick sees whatever the nudge announced
            try:
                busy = self._tick()
                failures = 0
            except Exception as exc:  # a stage must never kill its thread
                failures += 1
                self.errors += 1
                self._log.exception("stage tick failed", action=self.name, error=f"{type(exc).__name__}: {exc}")
                busy = False
            if busy:
                continue
            if failures:
                self._stop_event.wait(min(self._interval * (2 ** min(failures, 5)), 5.0))
            elif self._nudge is not None and self._idle is not None and self._idle():
                self._nudge.wait(self._idle_interval)
            else:
                self._stop_event.wait(self._interval)
