"""Loaded (through PYTHONPATH) only by scripts/toolchain/clock_shift.sh, under libfaketime.

libfaketime 0.9.10 with ``FAKETIME_DONT_FAKE_MONOTONIC=1`` rejects
``clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME)`` with EINVAL, and that is what ``time.sleep``
calls since Python 3.11; faking the monotonic clock instead makes every timed pthread wait
(``queue.get(timeout=...)``, ``Event.wait``) hang. So the shifted runs keep the monotonic clock
real and let ``time.sleep`` wait on an ``Event``, which libfaketime leaves alone. Nothing else
changes: wall-clock reads still see the shifted clock.
"""

from __future__ import annotations

import threading
import time

_never_set = threading.Event()


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    _never_set.wait(seconds)


time.sleep = _sleep
