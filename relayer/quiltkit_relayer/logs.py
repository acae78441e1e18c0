"""Structured logs: one JSON object per line, each with ``intent_id``, ``action`` and ``attempt``.

Lines about no single intent carry ``intent_id: null`` (and ``intent_ids`` where a batch is meant),
so every line can be filtered the same way.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, WrappedLogger

__all__ = ["configure_logging", "get_logger"]

_REQUIRED = ("intent_id", "action", "attempt")


def _required_keys(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    for key in _REQUIRED:
        event.setdefault(key, None)
    return event


def configure_logging(level: str = "info", *, json: bool = True, stream: TextIO | None = None) -> None:
    """Configure structlog (and the stdlib root logger, for uvicorn and alembic) once per process."""
    numeric = logging.getLevelNamesMapping()[level.upper()]
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _required_keys,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[
                structlog.stdlib.add_logger_name,
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                _required_keys,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(max(numeric, logging.WARNING))


def get_logger(**bound: Any) -> Any:
    """A structlog logger with ``bound`` values on every line."""
    return structlog.get_logger("quiltkit_relayer").bind(**bound)
