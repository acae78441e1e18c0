"""What a pipeline handler returns: Ok (go on), Done (nothing left to do), Retry (later, with
backoff and jitter) or Abort (stop, with a named reason)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Generic, TypeVar

from quiltkit_relayer.config import RetrySettings
from quiltkit_relayer.models import IntentState, Reason

__all__ = ["Abort", "Done", "Ok", "Result", "Retry", "backoff"]

T = TypeVar("T")


@dataclass(frozen=True)
class Ok(Generic[T]):
    value: T


@dataclass(frozen=True)
class Done:
    """The effect already happened (e.g. the contract consumed the intent): counts as success."""

    detail: str = ""


@dataclass(frozen=True)
class Retry:
    """A transient failure: try again after ``delay_s`` (None: the stage's backoff policy)."""

    reason: str
    delay_s: float | None = None


@dataclass(frozen=True)
class Abort:
    """A permanent failure: the intent ends in ``state`` with ``reason``."""

    reason: Reason
    detail: str = ""
    state: IntentState = IntentState.FAILED

    def text(self) -> str:
        return f"{self.reason.value}: {self.detail}" if self.detail else self.reason.value


Result = Ok[T] | Done | Retry | Abort


def backoff(policy: RetrySettings, attempt: int, *, rng: random.Random | None = None) -> float:
    """Exponential backoff with "equal jitter": half the capped delay fixed, half random."""
    cap = min(policy.max_s, policy.base_s * (2 ** max(0, min(attempt, 30))))
    r = rng or random
    return float(cap / 2 + r.uniform(0, cap / 2))
