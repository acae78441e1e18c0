"""HTTP API (FastAPI): intents in, status out, health, readiness, Prometheus metrics, GitHub webhooks.

Errors are JSON :class:`Problem` documents with a named ``reason`` (conventions shared with the
indexer's API: :mod:`quiltkit.problems`). ``POST /intents`` is
idempotent: the same intent again returns the stored record (200), with any new signatures merged.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, FastAPI, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from quiltkit.problems import Problem, handle_http_errors, known_query_only, problem, validation_detail

from quiltkit_relayer import __version__
from quiltkit_relayer.badges import badge_router
from quiltkit_relayer.chains.base import ChainUnavailable
from quiltkit_relayer.keys import Verifier
from quiltkit_relayer.models import IntentRecord, IntentState, IntentSubmission, Reason, Rejection
from quiltkit_relayer.pipeline.context import Context
from quiltkit_relayer.pipeline.intake import accept, accept_many
from quiltkit_relayer.webhooks import build_router

__all__ = ["BATCH_MAX", "BatchItem", "BatchResult", "IntentBatch", "Problem", "create_app"]

_INTENT_ID = re.compile(r"^0x[0-9a-fA-F]{64}$")
_API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, description="Required when the relayer sets api_key.")


class Health(BaseModel):
    status: str
    version: str


class Readiness(BaseModel):
    ready: bool
    checks: dict[str, bool]
    detail: dict[str, str]


BATCH_MAX = 500
"""Most intents one ``POST /batch/intents`` request carries."""


class IntentBatch(BaseModel):
    """What POST /batch/intents accepts: submissions as POST /intents takes them, each judged alone."""

    model_config = ConfigDict(extra="forbid")

    intents: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=BATCH_MAX,
        description="Each an IntentSubmission; one that is not is rejected (invalid_intent) on its own.",
    )


class BatchItem(BaseModel):
    """One submission's outcome: ``status`` is what POST /intents would have answered for it alone."""

    index: int
    status: int = Field(description="201 stored, 202 stored (verification waits), 200 already stored, 409, 422, 503.")
    intent_id: str | None = None
    state: IntentState | None = Field(default=None, description="The stored intent's state (accepted ones).")
    reason: str | None = Field(default=None, description="Why it was rejected (the names POST /intents uses).")
    detail: str = ""


class BatchResult(BaseModel):
    results: list[BatchItem]
    accepted: int = Field(description="Submissions stored (new or stored before).")
    rejected: int


class IntentList(BaseModel):
    intents: list[IntentRecord]
    counts: dict[str, int]


def _responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {
        400: "Malformed JSON (reason malformed_json).",
        401: "Missing or wrong X-API-Key (reason unauthorized).",
        404: "No such intent (reason not_found).",
        409: "The intent id is stored with other content (reason intent_id_conflict).",
        422: "Rejected: invalid_intent, wrong_chain_id, wrong_contract, expired, insufficient_signatures, ...",
        503: "Not ready / node unreachable.",
    }
    return {code: {"model": Problem, "description": text[code]} for code in codes}


def _record(record: IntentRecord, status: int = 200) -> Response:
    """``record`` as its JSON, ready made: FastAPI would validate and serialise the model again
    (in a thread hop) to produce the same bytes. The routes still declare it for the OpenAPI."""
    return Response(content=record.model_dump_json(), media_type="application/json", status_code=status)


def create_app(ctx: Context, *, verifier: Verifier | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Handlers run in the event loop's thread pool: bound it so the store's connection pool
        # (sized from the same setting) covers every request in progress.
        anyio.to_thread.current_default_thread_limiter().total_tokens = ctx.settings.api_threads
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="quiltkit relayer",
        version=__version__,
        description="Verified payout intents in, exactly-once payouts out.",
        dependencies=[Depends(known_query_only)],
    )

    # Dependencies are async (they only compare strings): a sync one costs a thread hop per request.
    async def require_key(key: Annotated[str | None, Depends(_API_KEY)]) -> None:
        expected = ctx.settings.api_key
        if expected is None:
            return
        if key is None or not hmac.compare_digest(key.encode(), expected.get_secret_value().encode()):
            raise _UnauthorizedError

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return problem(400, Reason.MALFORMED_JSON.value, "the body is not valid JSON")
        shown = validation_detail(errors)
        in_body = any(tuple(e.get("loc", ()))[:1] == ("body",) for e in errors)
        return problem(422, Reason.INVALID_INTENT.value if in_body else "invalid_request", shown)

    handle_http_errors(app)

    @app.exception_handler(_UnauthorizedError)
    async def _unauthorized(_request: Request, _exc: _UnauthorizedError) -> JSONResponse:
        return problem(401, "unauthorized", "send the relayer's API key in X-API-Key")

    @app.post(
        "/intents",
        response_model=IntentRecord,
        status_code=201,
        responses={
            200: {"model": IntentRecord, "description": "Already stored: the same record."},
            202: {"model": IntentRecord, "description": "Stored; verification waits for the node."},
            **_responses(400, 401, 409, 422, 503),
        },
        dependencies=[Depends(require_key)],
        summary="Submit a payout intent with its verifier signatures",
    )
    def post_intent(submission: IntentSubmission) -> Any:
        try:
            record, created = accept(ctx, submission)
        except Rejection as exc:
            status = 409 if exc.reason is Reason.INTENT_ID_CONFLICT else 422
            return problem(status, exc.reason.value, exc.detail)
        except ChainUnavailable as exc:
            return problem(503, Reason.NODE_UNAVAILABLE.value, str(exc))
        if not created:
            return _record(record, 200)
        return _record(record, 202 if record.state is IntentState.RECEIVED else 201)

    @app.post(
        "/batch/intents",
        response_model=BatchResult,
        responses=_responses(400, 401, 422),
        dependencies=[Depends(require_key)],
        summary="Submit many payout intents at once, each accepted or rejected with its own reason",
    )
    def post_intents(batch: IntentBatch) -> Any:
        # One chain read and one store insert for the whole request (see accept_many): per intent
        # those round trips, with the HTTP exchange, were most of the intake's CPU.
        results: list[BatchItem | None] = [None] * len(batch.intents)
        valid: list[tuple[int, IntentSubmission]] = []
        for n, body in enumerate(batch.intents):
            try:
                valid.append((n, IntentSubmission.model_validate(body)))
            except ValidationError as exc:
                shown = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:10])
                results[n] = BatchItem(index=n, status=422, reason=Reason.INVALID_INTENT.value, detail=shown)
        outcomes = accept_many(ctx, [submission for _, submission in valid])
        for (n, submission), outcome in zip(valid, outcomes, strict=True):
            intent_id = submission.intent.intent_id
            if isinstance(outcome, Rejection):
                status = 409 if outcome.reason is Reason.INTENT_ID_CONFLICT else 422
                results[n] = BatchItem(
                    index=n, status=status, intent_id=intent_id, reason=outcome.reason.value, detail=outcome.detail
                )
            elif isinstance(outcome, ChainUnavailable):
                item = BatchItem(index=n, status=503, intent_id=intent_id, reason=Reason.NODE_UNAVAILABLE.value)
                results[n] = item.model_copy(update={"detail": str(outcome)})
            else:
                record, created = outcome
                status = 200 if not created else 202 if record.state is IntentState.RECEIVED else 201
                results[n] = BatchItem(index=n, status=status, intent_id=record.intent_id, state=record.state)
        items = [r for r in results if r is not None]
        accepted = sum(1 for r in items if r.status < 300)
        answer = BatchResult(results=items, accepted=accepted, rejected=len(items) - accepted)
        return Response(content=answer.model_dump_json(), media_type="application/json")

    @app.get(
        "/intents/{intent_id}",
        response_model=IntentRecord,
        responses=_responses(401, 404, 422),
        dependencies=[Depends(require_key)],
        summary="One intent's state",
    )
    def get_intent(intent_id: Annotated[str, Path(pattern=_INTENT_ID.pattern)]) -> Any:
        record = ctx.store.get(intent_id.lower())
        if record is None:
            return problem(404, "not_found", f"no intent {intent_id}")
        return _record(record)

    @app.get(
        "/intents",
        response_model=IntentList,
        responses=_responses(401, 422),
        dependencies=[Depends(require_key)],
        summary="Intents, optionally in one state",
    )
    def list_intents(
        state: IntentState | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    ) -> Any:
        return IntentList(intents=ctx.store.list_intents(state, limit=limit, offset=offset), counts=ctx.store.counts())

    @app.get("/healthz", response_model=Health, summary="The process is alive")
    def healthz() -> Health:
        return Health(status="ok", version=__version__)

    @app.get(
        "/readyz",
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "A check failed."}},
        summary="Node reachable, store writable, signer funded",
    )
    def readyz() -> Any:
        checks: dict[str, bool] = {}
        detail: dict[str, str] = {}
        try:
            ctx.adapter.node_chain_id()
            checks["node"] = True
        except ChainUnavailable as exc:
            checks["node"] = False
            detail["node"] = str(exc)
        try:
            ctx.store.heartbeat(ctx.instance_id, ctx.adapter.signer_address)
            checks["store"] = True
        except Exception as exc:
            checks["store"] = False
            detail["store"] = f"{type(exc).__name__}: {exc}"
        try:
            balance = ctx.adapter.balance()
            ctx.metrics.balance.labels(ctx.adapter.signer_address).set(balance)
            checks["signer_funded"] = balance >= ctx.settings.min_signer_balance_wei
            if not checks["signer_funded"]:
                detail["signer_funded"] = f"{ctx.adapter.signer_address} holds {balance} wei"
        except ChainUnavailable as exc:
            checks["signer_funded"] = False
            detail["signer_funded"] = str(exc)
        checks["signer_lease"] = ctx.signer_ok.is_set()
        if not checks["signer_lease"]:
            detail["signer_lease"] = "another instance holds this signer key, or workers are not running"
        ready = all(checks.values())
        body = Readiness(ready=ready, checks=checks, detail=detail)
        return JSONResponse(status_code=200 if ready else 503, content=body.model_dump())

    @app.get(
        "/metrics",
        response_class=Response,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Prometheus"}},
        summary="Prometheus metrics",
    )
    def metrics() -> Response:
        return Response(content=ctx.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    app.include_router(build_router(ctx, verifier))
    app.include_router(badge_router(ctx, _responses(401, 422)), dependencies=[Depends(require_key)])
    return app


class _UnauthorizedError(Exception):
    pass
