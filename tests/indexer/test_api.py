"""The index's read-only HTTP API over an index of every family, built once from a real anvil
workload (escrows, governance, badges and tiers, funding rounds, auctions, staking and bonds) into
SQLite and PostgreSQL: each endpoint answers what its Python query returns, filters and pages
alike, unknown ids are 404, bad filters 422, writes 405, and the database refuses writes too."""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import signal
import socket
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from click.testing import CliRunner
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from pydantic import BaseModel
from quiltkit.cli import main
from quiltkit.devchain import anvil
from quiltkit.exceptions import InvalidInput
from quiltkit.indexer import BadgeStatus, ContractRef, Deployment, Indexer, IndexStore, Queries, verify
from quiltkit.indexer import schema as t
from quiltkit.indexer.api import ENDPOINTS, create_app
from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError

from tests.indexer.auction_workload import AuctionWorkload
from tests.indexer.badges_workload import BadgesWorkload, TiersWorkload
from tests.indexer.conftest import rng
from tests.indexer.funding_workload import FundingWorkload
from tests.indexer.governance_workload import GovernanceWorkload
from tests.indexer.staking_workload import StakingWorkload
from tests.indexer.workload import Workload
from tests.relayer.conftest import ACCOUNTS, ROOT, Chain, deploy, pg_database, wait_until

NOBODY = "0x000000000000000000000000000000000000dEaD"
QUILTKIT = ROOT / ".venv" / "bin" / "quiltkit"


@dataclass
class Indexed:
    chain: Chain
    deployment: Deployment
    sqlite_url: str


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Indexed]:
    """One chain with every family's random workload, indexed into SQLite and verified."""
    with anvil(args=("--accounts", str(ACCOUNTS))) as w3:
        chain = deploy(w3, str(w3.provider.endpoint_uri))  # type: ignore[attr-defined]
        Workload(chain, rng(201)).run(20)
        gov = GovernanceWorkload(chain, rng(202))
        gov.run(20)
        badges = BadgesWorkload(chain, rng(203))
        badges.run(20)
        tiers = TiersWorkload(chain, rng(204))
        tiers.run(15)
        funding = FundingWorkload(chain, rng(205))
        funding.run(30)
        auctions = AuctionWorkload(chain, rng(206))
        auctions.run(20)
        staking = StakingWorkload(chain, rng(207))
        staking.suspend_first_member()  # a suspension for the filters to find, whatever the run does
        staking.run(25)
        contracts = {
            "MilestoneEscrow": chain.escrow.address,
            "QuiltkitGovernor": gov.governor.address,
            "SoulboundBadge": badges.badges.address,
            "TieredBadges": tiers.tiers.address,
            "FundingRoundFactory": funding.factory.address,
            "AuctionHouse": auctions.house.address,
            "QuiltkitStaking": staking.pool.address,
            "VerifierBonds": staking.bonds.address,
        }
        deployment = Deployment(
            chain_id=chain.chain_id,
            contracts={name: ContractRef(address=a, start_block=0) for name, a in contracts.items()},
        )
        url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'index.db'}"
        _index(chain, deployment, url)
        yield Indexed(chain, deployment, url)


def _index(chain: Chain, deployment: Deployment, url: str) -> None:
    store = IndexStore(url)
    try:
        indexer = Indexer(chain.w3, deployment, store)
        indexer.prepare()
        indexer.sync()
        assert verify(chain.w3, store, deployment)[1] == []
    finally:
        store.dispose()


@dataclass
class Served:
    client: TestClient
    q: Queries
    """The same index read in-process, through a writable store: what each endpoint must equal."""
    url: str


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, indexed: Indexed) -> Iterator[Served]:
    """The API over a database URL (opened read-only), on SQLite, then on the same chain indexed
    into a fresh PostgreSQL database."""
    with contextlib.ExitStack() as stack:
        url = indexed.sqlite_url
        if request.param == "postgresql":
            url = stack.enter_context(pg_database(request.getfixturevalue("pg_server")))
            _index(indexed.chain, indexed.deployment, url)
        yield stack.enter_context(_serving(url))


@pytest.fixture
def sqlite_served(indexed: Indexed) -> Iterator[Served]:
    with _serving(indexed.sqlite_url) as served:
        yield served


@contextlib.contextmanager
def _serving(url: str) -> Iterator[Served]:
    store = IndexStore(url)
    try:
        with TestClient(create_app(url)) as client:
            yield Served(client, Queries(store), url)
    finally:
        store.dispose()


def _json(result: Any) -> Any:
    return json.loads(result.model_dump_json()) if isinstance(result, BaseModel) else result


def _get(client: TestClient, path: str, **params: Any) -> Any:
    answer = client.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _every_item(q: Callable[..., Any], **filters: Any) -> list[Any]:
    return list(q(**filters, limit=1000).items)


def test_every_endpoint_answers_what_its_query_returns(served: Served) -> None:
    client, q = served.client, served.q
    lists = [e for e in ENDPOINTS if "{" not in e.path and e.query != "refund_candidates"]
    for endpoint in lists:
        assert _get(client, endpoint.path) == _json(getattr(q, endpoint.query)()), endpoint.path
    # every family has objects to serve
    status = q.status()
    assert status.escrows and status.proposals and status.rounds and status.stakes and status.bonds
    assert all(status.objects[k] for k in ("badge_types", "badges", "tiers", "auctions", "donations", "suspensions"))
    # each object by its id, and each escrow's history
    escrows = _every_item(q.escrows)
    for e in escrows:
        assert _get(client, f"/escrows/{e.escrow_id}") == _json(e)
        assert _get(client, f"/escrows/{e.escrow_id}/history") == _json(q.history(e.escrow_id))
    for p in _every_item(q.proposals):
        assert _get(client, f"/proposals/{p.proposal_id}") == _json(p)
    for a in _every_item(q.auctions):
        assert _get(client, f"/auctions/{a.auction_id}") == _json(a)
    for h in _every_item(q.badge_holders):
        assert _get(client, f"/badge-holders/{h.holder.lower()}") == _json(h)
    now = max(e.deadline for e in escrows) + 1  # every open escrow is a refund candidate then
    assert q.refund_candidates(now)
    assert _get(client, "/refund-candidates", now=now) == q.refund_candidates(now)


def test_filters_and_pages_equal_the_queries(served: Served) -> None:
    client, q = served.client, served.q
    escrow = next(e for e in _every_item(q.escrows) if e.payee is not None)
    proposal = _every_item(q.proposals)[0]
    badge = next(b for b in _every_item(q.badges) if b.status is BadgeStatus.HELD)
    balance = _every_item(q.tier_balances)[0]
    round_ = _every_item(q.rounds)[0]
    donation = _every_item(q.donations)[0]
    auction = next(a for a in _every_item(q.auctions) if a.bids)
    bid = _every_item(q.bids, auction_id=auction.auction_id)[0]
    stake = _every_item(q.stakes)[0]
    reward = _every_item(q.rewards)[0]
    bond = _every_item(q.bonds)[0]
    bond_set = _every_item(q.bond_minimums)[0]
    suspension = _every_item(q.suspensions, suspended_only=True)[0]
    statuses = sorted({e.status.value for e in _every_item(q.escrows)})[:2]
    cases: list[tuple[str, dict[str, Any], Any]] = [
        ("/escrows", {"payee": escrow.payee}, q.escrows(payee=escrow.payee)),
        (
            "/escrows",
            {"payer": escrow.payer.lower(), "token": escrow.token},
            q.escrows(payer=escrow.payer, token=escrow.token),
        ),
        ("/escrows", {"status": statuses}, q.escrows(status=statuses)),
        ("/proposals", {"kind": proposal.kind.name.lower()}, q.proposals(kind=proposal.kind)),
        ("/proposals", {"status": proposal.status.value}, q.proposals(status=proposal.status)),
        ("/proposals", {"proposer": proposal.proposer}, q.proposals(proposer=proposal.proposer)),
        ("/votes", {"proposal_id": proposal.proposal_id}, q.votes(proposal_id=proposal.proposal_id)),
        (
            "/badges",
            {"holder": badge.holder, "status": badge.status.value},
            q.badges(holder=badge.holder, status=badge.status),
        ),
        ("/badges", {"badge_type": badge.badge_type}, q.badges(badge_type=badge.badge_type)),
        ("/badge-holders", {"badge_type": badge.badge_type}, q.badge_holders(badge_type=badge.badge_type)),
        ("/tier-balances", {"account": balance.account}, q.tier_balances(account=balance.account)),
        ("/tier-balances", {"tier_id": balance.tier_id}, q.tier_balances(tier_id=balance.tier_id)),
        ("/rounds", {"phase": round_.phase.name.lower()}, q.rounds(phase=round_.phase)),
        ("/rounds", {"curator": round_.curator}, q.rounds(curator=round_.curator)),
        ("/projects", {"round": round_.round}, q.projects(round=round_.round)),
        ("/donations", {"donor": donation.donor}, q.donations(donor=donation.donor)),
        ("/donations", {"project_id": donation.project_id}, q.donations(project_id=donation.project_id)),
        ("/auctions", {"bidder": bid.bidder}, q.auctions(bidder=bid.bidder)),
        ("/auctions", {"status": auction.status.value}, q.auctions(status=auction.status)),
        ("/bids", {"auction_id": auction.auction_id}, q.bids(auction_id=auction.auction_id)),
        ("/stakes", {"account": stake.account}, q.stakes(account=stake.account)),
        ("/stakes", {"queued": "false"}, q.stakes(queued=False)),
        ("/rewards", {"token": reward.token}, q.rewards(token=reward.token)),
        ("/bonds", {"verifier": bond.verifier}, q.bonds(verifier=bond.verifier)),
        ("/bonds", {"set": bond_set.set_id}, q.bonds(set=bond_set.set_id)),
        ("/suspensions", {"consumer": suspension.consumer}, q.suspensions(consumer=suspension.consumer)),
        (
            "/suspensions",
            {"set": suspension.set_id, "suspended_only": "true"},
            q.suspensions(set=suspension.set_id, suspended_only=True),
        ),
    ]
    for path, params, expected in cases:
        assert expected.items, (path, params)  # each filter picks something
        assert _get(client, path, **params) == _json(expected), (path, params)
    assert _get(client, "/escrows", payee=NOBODY)["items"] == []
    # pages: walked by next_offset, the same pages as the queries', every escrow once
    seen: list[int] = []
    offset: int | None = 0
    while offset is not None:
        page = _get(client, "/escrows", offset=offset, limit=3)
        assert page == _json(q.escrows(offset=offset, limit=3))
        seen += [e["escrow_id"] for e in page["items"]]
        offset = page["next_offset"]
    assert seen == [e.escrow_id for e in _every_item(q.escrows)]
    longest = max(_every_item(q.escrows), key=lambda e: len(q.history(e.escrow_id).items))
    page = _get(client, f"/escrows/{longest.escrow_id}/history", offset=1, limit=2)
    assert page == _json(q.history(longest.escrow_id, offset=1, limit=2)) and page["next_offset"] == 3
    assert _get(client, "/votes", limit=1)["next_offset"] == 1


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        ("/escrows", {"payee": "0xnope"}, "payee"),
        ("/escrows", {"status": "lost"}, "status"),
        ("/escrows", {"limit": 0}, "limit"),
        ("/escrows", {"limit": 1001}, "limit"),
        ("/escrows", {"offset": -1}, "offset"),
        ("/escrows", {"offset": 2**63}, "offset"),
        ("/escrows", {"pyee": NOBODY}, "pyee"),  # a misspelt filter is refused, not ignored
        ("/escrows/one", {}, "escrow_id"),
        ("/proposals", {"kind": "coup"}, "kind"),
        ("/rounds", {"phase": "-1"}, "phase"),
        ("/badges", {"badge_type": 0}, "badge_type"),
        ("/stakes", {"queued": "perhaps"}, "queued"),
        ("/bonds", {"set": "0x12"}, "set"),
        ("/suspensions", {"consumer": "0x12"}, "consumer"),
        ("/refund-candidates", {}, "now"),
        ("/refund-candidates", {"now": 2**63}, "now"),
        ("/badge-holders/0x12", {}, "holder"),
    ],
)
def test_a_bad_filter_is_422_naming_it(sqlite_served: Served, path: str, params: dict[str, Any], named: str) -> None:
    answer = sqlite_served.client.get(path, params=params)
    assert answer.status_code == 422, answer.text
    assert answer.json()["reason"] == "invalid_request"
    assert named in answer.json()["detail"]


def test_an_id_not_in_the_index_is_404(sqlite_served: Served) -> None:
    client = sqlite_served.client
    for path in (
        "/escrows/99999",
        f"/escrows/{2**64}",  # past the index's 64-bit ids: not in it either
        "/escrows/99999/history",
        "/proposals/1",
        "/auctions/99999",
        f"/badge-holders/{NOBODY}",
    ):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert answer.json()["reason"] == "not_found"
        assert "is not in the index" in answer.json()["detail"]
    assert client.get("/nowhere").json() == {"reason": "not_found", "detail": "Not Found"}


def test_writes_are_refused_by_the_api_and_by_the_database(sqlite_served: Served, served: Served) -> None:
    client = sqlite_served.client
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        answer = client.request(method, "/escrows", json={})
        assert answer.status_code == 405, method
        assert answer.json()["reason"] == "method_not_allowed"
        assert answer.headers["allow"] == "GET"
    # the store create_app opens for a URL is read-only: the database itself refuses a write
    store = IndexStore(served.url, read_only=True)
    try:
        with pytest.raises(DBAPIError, match="(?i)read.?only"), store._tx() as conn:  # a transaction
            conn.execute(insert(t.meta).values(key="written", value="by the API"))
        with pytest.raises(DBAPIError, match="(?i)read.?only"), store._statement() as conn:  # and alone
            conn.execute(insert(t.meta).values(key="written", value="by the API"))
        assert store.get_meta("written") is None and store.get_meta("cursor") is not None
    finally:
        store.dispose()


def test_a_missing_sqlite_file_is_refused_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    with pytest.raises(InvalidInput, match="no database at") as raised:
        create_app(f"sqlite:///{missing}")
    assert raised.value.field == "database_url" and not missing.exists()
    result = CliRunner().invoke(main, ["index", "serve", "--database-url", f"sqlite:///{missing}"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"error: bad --database-url: no database at {missing}"]
    assert not missing.exists()


def test_a_database_without_the_index_tables_is_503(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    IndexStore(f"sqlite:///{empty}").engine.dispose()
    with IndexStore(f"sqlite:///{empty}")._statement() as conn:
        conn.exec_driver_sql("CREATE TABLE unrelated (x INTEGER)")
    with TestClient(create_app(f"sqlite:///{empty}")) as client:
        answer = client.get("/escrows")
        assert answer.status_code == 503
        assert answer.json()["reason"] == "index_unavailable" and "qx_escrows" in answer.json()["detail"]
        assert client.get("/status").json()["schema_revision"] is None


def test_openapi_documents_every_query_and_only_gets(sqlite_served: Served) -> None:
    spec = sqlite_served.client.get("/openapi.json").json()
    assert set(spec["paths"]) == {e.path for e in ENDPOINTS} | {"/healthz"}
    assert all(set(ops) == {"get"} for ops in spec["paths"].values())
    # every public Queries method has its endpoint: a new query cannot be left out of the API
    methods = {n for n, f in inspect.getmembers(Queries, inspect.isfunction) if not n.startswith("_")}
    assert methods == {e.query for e in ENDPOINTS}
    escrows = spec["paths"]["/escrows"]["get"]
    assert escrows["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("Page_IndexedEscrow_")
    assert {p["name"] for p in escrows["parameters"]} == {"payee", "payer", "status", "token", "offset", "limit"}
    kinds = spec["components"]["schemas"]["ProposalTypeName"]["enum"]
    assert "founder_idea" in kinds
    one = spec["paths"]["/escrows/{escrow_id}"]["get"]["responses"]
    assert one["200"]["content"]["application/json"]["schema"]["$ref"].endswith("IndexedEscrow")
    assert one["404"]["content"]["application/json"]["schema"]["$ref"].endswith("Problem")
    assert {"IndexedProposal", "IndexedBadgeHolder", "IndexedRound", "IndexedBond", "IndexStatus"} <= set(
        spec["components"]["schemas"]
    )


def test_quiltkit_index_serve_answers_over_http_and_stops_on_sigterm(indexed: Indexed) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUILTKIT_INDEX_")}
    command = [str(QUILTKIT), "index", "serve", "--database-url", indexed.sqlite_url, "--port", str(port)]
    process = subprocess.Popen([*command, "--log-level", "warning"], env=env, stdout=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                return httpx.get(f"{base}/healthz").status_code == 200
            except httpx.TransportError:
                return False

        wait_until(up, timeout=30, what="quiltkit index serve")
        store = IndexStore(indexed.sqlite_url)
        try:
            assert httpx.get(f"{base}/status").json() == _json(Queries(store).status())
        finally:
            store.dispose()
        assert httpx.post(f"{base}/escrows").status_code == 405
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert out.splitlines() == [
        f"serving {indexed.sqlite_url} on http://127.0.0.1:{port} (OpenAPI at /docs)",
        "stopped",
    ]


@pytest.fixture(scope="module")
def api_schema(indexed: Indexed) -> Iterator[schemathesis.BaseSchema]:
    app = create_app(indexed.sqlite_url)
    with TestClient(app):  # its lifespan: the store is closed afterwards
        yield schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case: schemathesis.Case) -> None:
    # positive_data_acceptance is left out on purpose: text the schema allows (an address filter)
    # is still refused (422, invalid_request) unless it is an address.
    case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])
