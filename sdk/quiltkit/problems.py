"""The conventions the project's HTTP APIs share (the relayer's and the indexer's): every error is
a :class:`Problem` document with a stable ``reason``; 404 and 405 are named, a 405 listing in
``Allow`` every method of the path; and a query parameter a route does not declare is refused,
because a misspelt filter would otherwise silently list everything.

Needs FastAPI (the ``relayer`` or ``indexer`` extra).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

__all__ = ["Problem", "handle_http_errors", "known_query_only", "problem", "validation_detail"]


class Problem(BaseModel):
    """An error: ``reason`` is a stable name to match on, ``detail`` explains it."""

    reason: str
    detail: str = ""


def problem(status: int, reason: str, detail: str = "") -> JSONResponse:
    return JSONResponse(status_code=status, content=Problem(reason=reason, detail=detail).model_dump())


def validation_detail(errors: Sequence[Any]) -> str:
    """The first errors of a validation, one ``location: message`` each."""
    return "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in errors[:10])


def _query_names(dependant: Any) -> set[str]:
    names = {str(p.alias) for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def known_query_only(request: Request) -> None:
    """Refuse query parameters a route does not declare (an app-wide dependency)."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    unknown = sorted(set(request.query_params) - _query_names(dependant))
    if unknown:
        raise RequestValidationError(
            [{"type": "extra_forbidden", "loc": ("query", name), "msg": "unknown query parameter"} for name in unknown]
        )


def handle_http_errors(app: FastAPI) -> None:
    """Answer Starlette's HTTP errors (no such path, method not allowed, ...) as Problems."""

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # list every method of the path, not only the first route's
            allowed: set[str] = set()
            for route in app.routes:
                match, _ = route.matches(request.scope)
                if match is not Match.NONE:
                    allowed |= set(getattr(route, "methods", None) or ())
            headers["Allow"] = ", ".join(sorted(allowed))
        reason = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            status_code=exc.status_code,
            content=Problem(reason=reason, detail=str(exc.detail)).model_dump(),
            headers=headers,
        )
