"""The index over HTTP: a read-only FastAPI app with one GET endpoint per :class:`Queries` method.

Each endpoint is registered from its row of :data:`ENDPOINTS` and the method's own signature: a
``{name}`` in the path is the method's argument of that name, every other argument a query
parameter of the type the method takes (an enum's values listed in the OpenAPI, a sequence as a
repeated parameter), ``offset`` and ``limit`` bounded as the method bounds them; the response is
the method's return model, and a method answering None (an id not in the index) is a 404. So the
HTTP API and the Python API cannot drift apart, and a new query needs one row here.

Conventions are the relayer's (:mod:`quiltkit.problems`): errors are Problem documents with a
named ``reason`` (``invalid_request`` 422 for a bad filter or an unknown query parameter,
``not_found`` 404, ``method_not_allowed`` 405, ``index_unavailable`` 503 when the database does
not answer). Needs the ``indexer`` extra.

    uvicorn.run(create_app("sqlite:///index.db"), port=8650)   # or: quiltkit index serve
"""

from __future__ import annotations

import inspect
import types
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import Enum, StrEnum
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

from fastapi import Depends, FastAPI, Path, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, TypeAdapter
from sqlalchemy.exc import DBAPIError

from quiltkit import __version__
from quiltkit.exceptions import InvalidInput
from quiltkit.indexer.queries import MAX_OFFSET, MAX_PAGE, Queries
from quiltkit.indexer.store import IndexStore
from quiltkit.problems import Problem, handle_http_errors, known_query_only, problem, validation_detail

__all__ = ["ENDPOINTS", "Endpoint", "create_app"]


@dataclass(frozen=True)
class Endpoint:
    path: str
    query: str
    """The :class:`Queries` method it answers with."""
    summary: str
    tag: str
    within: str | None = None
    """A Queries method taking the path's arguments that must find its object first (else 404):
    an escrow's history is not an empty page when the escrow is not in the index."""


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("/escrows", "escrows", "Escrows by payee, payer, token and status(es)", "escrows"),
    Endpoint("/escrows/{escrow_id}", "escrow", "One escrow: terms, milestones, funders, status", "escrows"),
    Endpoint(
        "/escrows/{escrow_id}/history", "history", "One escrow's events in chain order", "escrows", within="escrow"
    ),
    Endpoint("/refund-candidates", "refund_candidates", "Escrows past their deadline, refunds not opened", "escrows"),
    Endpoint("/proposals", "proposals", "Governor proposals by type, status and proposer", "governance"),
    Endpoint("/proposals/{proposal_id}", "proposal", "One proposal: rules, calls, tally, status", "governance"),
    Endpoint("/votes", "votes", "Votes of a proposal and/or a voter, in chain order", "governance"),
    Endpoint("/badge-types", "badge_types", "Badge types with their validators", "badges"),
    Endpoint("/badges", "badges", "Badges by holder, type and status, in issue order", "badges"),
    Endpoint("/badge-holders", "badge_holders", "Holders and their reputation inputs, most badges first", "badges"),
    Endpoint("/badge-holders/{holder}", "badge_holder", "One holder and its reputation inputs", "badges"),
    Endpoint("/tiers", "tiers", "TieredBadges tiers, in creation order", "badges"),
    Endpoint("/tier-balances", "tier_balances", "Non-zero tier balances of an account and/or a tier", "badges"),
    Endpoint("/rounds", "rounds", "Funding rounds by curator and phase", "funding"),
    Endpoint("/projects", "projects", "Projects of a round and/or a recipient", "funding"),
    Endpoint("/donations", "donations", "Donations of a round, a donor and/or a project", "funding"),
    Endpoint("/auctions", "auctions", "Auctions by status, seller, collection and bidder", "auctions"),
    Endpoint("/auctions/{auction_id}", "auction", "One auction: lot, terms, highest bid, the sale", "auctions"),
    Endpoint("/bids", "bids", "Bids of an auction and/or a bidder, in chain order", "auctions"),
    Endpoint("/stakes", "stakes", "Stakes by account, with or without a queued unstake", "staking"),
    Endpoint("/rewards", "rewards", "The pool's reward tokens and what stakers were paid", "staking"),
    Endpoint("/bonds", "bonds", "Verifiers' bonds; set: those meeting its minimum", "staking"),
    Endpoint("/bond-minimums", "bond_minimums", "Every verifier set's minimum bond", "staking"),
    Endpoint(
        "/suspensions", "suspensions", "Each consumer's last recorded suspended members per verifier set", "staking"
    ),
    Endpoint(
        "/soroban/escrows", "soroban_escrows", "Soroban escrows by contract, network, payee, payer, status", "soroban"
    ),
    Endpoint(
        "/soroban/escrows/{contract}/{escrow_id}", "soroban_escrow", "One Soroban escrow: terms, funders", "soroban"
    ),
    Endpoint("/soroban/status", "soroban_status", "Every indexed Soroban escrow contract: cursor, counts", "soroban"),
    Endpoint("/status", "status", "The index: chain, contracts, cursor and counts", "index"),
)


class Health(BaseModel):
    status: str
    version: str


_PROBLEMS: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem, "description": "A bad path or query parameter (reason invalid_request)."},
    503: {"model": Problem, "description": "The index database does not answer (reason index_unavailable)."},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "Not in the index (reason not_found)."},
}


def create_app(index: IndexStore | str) -> FastAPI:
    """The API over ``index``: a database URL, opened read-only (and closed when the app stops),
    or a store the caller owns (open it with ``read_only=True`` to have the database refuse
    writes too; the app only reads through :class:`Queries` either way)."""
    store = IndexStore(index, read_only=True) if isinstance(index, str) else index

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if store is not index:
            store.dispose()

    app = FastAPI(
        lifespan=lifespan,
        title="quiltkit index",
        version=__version__,
        description="quiltkit contracts' state rebuilt from their events: typed, paginated, read-only.",
        dependencies=[Depends(known_query_only)],
    )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(422, "invalid_request", validation_detail(exc.errors()))

    @app.exception_handler(InvalidInput)
    async def _rejected(_request: Request, exc: InvalidInput) -> JSONResponse:
        return problem(422, "invalid_request", f"{exc.field}: {exc}" if exc.field else str(exc))

    @app.exception_handler(DBAPIError)
    async def _unavailable(_request: Request, exc: DBAPIError) -> JSONResponse:
        first = str(exc.orig).splitlines()[0] if str(exc.orig) else type(exc.orig).__name__
        return problem(503, "index_unavailable", first)

    handle_http_errors(app)

    queries = Queries(store)
    for endpoint in ENDPOINTS:
        handler, model, can_miss = _handler(queries, endpoint)
        app.get(
            endpoint.path,
            response_model=model,
            responses={**_PROBLEMS, **_NOT_FOUND} if can_miss else _PROBLEMS,
            summary=endpoint.summary,
            description=inspect.getdoc(getattr(Queries, endpoint.query)) or "",
            tags=[endpoint.tag],
            operation_id=endpoint.query,
        )(handler)

    @app.get("/healthz", response_model=Health, summary="The process is alive", tags=["index"])
    def healthz() -> Health:
        return Health(status="ok", version=__version__)

    return app


def _handler(queries: Queries, endpoint: Endpoint) -> tuple[Callable[..., Response], Any, bool]:
    """The route function of ``endpoint`` (its signature is what FastAPI reads), its response
    model, and whether it can answer 404."""
    method = getattr(queries, endpoint.query)
    hints = get_type_hints(getattr(Queries, endpoint.query))
    returned = hints.pop("return")
    optional = _is_union(returned) and type(None) in get_args(returned)
    model = _without_none(returned) if optional else returned
    adapter: TypeAdapter[Any] = TypeAdapter(model)
    taken = inspect.signature(method).parameters.values()
    in_path = [p.name for p in taken if f"{{{p.name}}}" in endpoint.path]
    within = getattr(queries, endpoint.within) if endpoint.within else None
    parameters = [_parameter(p, hints[p.name], p.name in in_path) for p in taken]

    def handler(**arguments: Any) -> Response:
        ids = [arguments[n] for n in in_path]
        found = None if within is not None and within(*ids) is None else method(**arguments)
        if found is None:
            what = ", ".join(f"{n.removesuffix('_id')} {arguments[n]}" for n in in_path)
            return problem(404, "not_found", f"{what} is not in the index")
        # Serialised here, once: FastAPI would validate the model again to produce the same bytes.
        return Response(content=adapter.dump_json(found), media_type="application/json")

    handler.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    handler.__name__ = endpoint.query
    return handler, model, optional or within is not None


def _parameter(p: inspect.Parameter, hint: Any, in_path: bool) -> inspect.Parameter:
    keyword = inspect.Parameter.KEYWORD_ONLY
    if in_path:
        return inspect.Parameter(p.name, keyword, annotation=Annotated[hint, Path()])
    if p.name == "offset":
        annotation: Any = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
    elif p.name == "limit":
        annotation = Annotated[int, Query(ge=1, le=MAX_PAGE)]
    else:
        annotation = Annotated[_query_type(hint), Query()]
    return inspect.Parameter(p.name, keyword, default=p.default, annotation=annotation)  # no default: required


def _query_type(hint: Any) -> Any:
    """What a query parameter parses as, for a Queries argument typed ``hint``: a ``Sequence``
    in it makes the parameter repeatable, an enum lists its values (an int enum its lower-case
    names, which the queries take), None keeps it optional; otherwise an int or a bool stays one,
    and anything else (addresses, set ids) is text the query checks."""
    options = list(get_args(hint)) if _is_union(hint) else [hint]
    many = [get_args(o)[0] for o in options if get_origin(o) is Sequence]
    scalars = [o for o in options if get_origin(o) is not Sequence and o is not type(None)]
    for inner in many:
        scalars += [o for o in (get_args(inner) if _is_union(inner) else (inner,)) if o not in scalars]
    enums = [o for o in scalars if isinstance(o, type) and issubclass(o, Enum)]
    if enums:
        base: Any = enums[0] if issubclass(enums[0], StrEnum) else _names(enums[0])
    elif scalars in ([int], [bool]):
        base = scalars[0]
    else:
        base = str
    kind = list[base] if many else base
    return kind | None if type(None) in options else kind


@cache
def _names(enum: type[Enum]) -> type[StrEnum]:
    """A str enum of ``enum``'s names in lower case (``ProposalType`` -> ``ProposalTypeName``:
    founder_idea, ...), which the queries take for an int enum."""
    return StrEnum(f"{enum.__name__}Name", [(m.name.lower(), m.name.lower()) for m in enum])  # type: ignore[return-value]


def _is_union(hint: Any) -> bool:
    return get_origin(hint) in (Union, types.UnionType)


def _without_none(hint: Any) -> Any:
    rest = [a for a in get_args(hint) if a is not type(None)]
    return rest[0] if len(rest) == 1 else Union[tuple(rest)]  # noqa: UP007 - built at run time
