"""The stage worker loop: ticks while busy, polls while work is in progress, sleeps until nudged
when idle, and stops promptly from any of those waits."""

from __future__ import annotations

import threading
import time
from typing import Any

from quiltkit_relayer.pipeline import Worker

from tests.relayer.conftest import wait_until


class Stage:
    """A stage whose tick reports what the test sets, counting its ticks."""

    def __init__(self) -> None:
        self.ticks = 0
        self.idle = True
        self.busy_ticks = 0

    def tick(self) -> bool:
        self.ticks += 1
        if self.busy_ticks:
            self.busy_ticks -= 1
            return True
        return False


class _Log:
    def exception(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"a tick failed: {args} {kwargs}")


def _worker(stage: Stage, stop: threading.Event, nudge: threading.Event, *, interval: float) -> Worker:
    worker = Worker(
        "test",
        stage.tick,
        interval=interval,
        stop=stop,
        log=_Log(),
        idle=lambda: stage.idle,
        idle_interval=60,
        nudge=nudge,
    )
    worker.start()
    return worker


def test_an_idle_stage_sleeps_until_nudged_then_works_through_its_backlog() -> None:
    stage, stop, nudge = Stage(), threading.Event(), threading.Event()
    worker = _worker(stage, stop, nudge, interval=0.01)
    wait_until(lambda: stage.ticks == 1, timeout=5, what="the first tick")
    time.sleep(0.3)
    assert stage.ticks == 1  # thirty intervals passed: no polling while idle

    stage.busy_ticks = 5
    nudge.set()
    wait_until(lambda: stage.ticks == 7, timeout=5, what="five busy ticks and the idle one after them")
    stop.set()
    nudge.set()
    worker.join(5)
    assert not worker.is_alive()


def test_a_stage_with_work_in_progress_polls_and_ignores_nudges() -> None:
    stage, stop, nudge = Stage(), threading.Event(), threading.Event()
    stage.idle = False  # e.g. a batch filling up: look again every interval, not on every new intent
    worker = _worker(stage, stop, nudge, interval=0.2)
    started = time.monotonic()
    while time.monotonic() - started < 0.5:
        nudge.set()
        time.sleep(0.005)
    ticks = stage.ticks
    stop.set()
    worker.join(5)
    assert 2 <= ticks <= 4  # one per 0.2 s interval (about 100 nudges were sent)
    assert not worker.is_alive()
