"""POST /batch/intents on a real relayer and anvil, SQLite and PostgreSQL: each submission gets the
outcome POST /intents would give it alone (status, named reason), whatever else is in the request,
and every accepted intent is paid exactly once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from quiltkit_relayer.daemon import Relayer

from tests.relayer.conftest import Chain, all_confirmed, wait_until


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    if request.param == "sqlite":
        return sqlite_url
    return str(request.getfixturevalue("pg_url"))


def test_each_submission_is_judged_alone_and_paid_once(
    chain: Chain, database_url: str, make_relayer: Callable[..., Relayer]
) -> None:
    # database_url first: its PostgreSQL database must outlive the relayers built on it.
    relayer = make_relayer(database_url=database_url)
    client = TestClient(relayer.app)
    escrow_id = chain.bounty(milestones=4)
    good = [chain.intent(escrow_id, m) for m in range(3)]
    stored_before = chain.intent(escrow_id, 3)
    assert client.post("/intents", json=chain.submission(stored_before)).status_code == 201
    other = chain.intent(chain.bounty())
    assert client.post("/intents", json=chain.submission(other)).status_code == 201
    # Validly signed, but under an id already stored with other content: refused by the store.
    conflicting = other.model_copy(update={"evidence_hash": "0x" + "22" * 32})
    missing_escrow = chain.intent(escrow_id, 0).model_copy(update={"escrow_id": escrow_id + 1000})
    bodies: list[dict[str, Any]] = [
        chain.submission(good[0]),
        chain.submission(good[1]),
        {"chain_id": chain.chain_id, "intent": {"escrow_id": "nonsense"}},
        chain.submission(good[2], chain.verifiers[:1]),
        chain.submission(stored_before),
        chain.submission(good[0]),  # the same intent twice in one request
        chain.submission(good[2], chain_id=chain.chain_id + 1),
        {
            "chain_id": chain.chain_id,
            "contract": chain.escrow.address,
            "intent": missing_escrow.model_dump(mode="json"),
            "signatures": chain.sign(missing_escrow),
        },
        chain.submission(conflicting),
    ]

    answer = client.post("/batch/intents", json={"intents": bodies})

    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["index"] for r in results] == list(range(len(bodies)))
    assert [(r["status"], r["reason"]) for r in results] == [
        (201, None),
        (201, None),
        (422, "invalid_intent"),
        (422, "insufficient_signatures"),
        (200, None),
        (200, None),
        (422, "wrong_chain_id"),
        (422, "escrow_not_found"),
        (409, "intent_id_conflict"),
    ]
    assert results[0]["state"] == "verified"
    assert results[0]["intent_id"] == good[0].intent_id
    assert answer.json()["accepted"] == 4
    assert answer.json()["rejected"] == 5

    relayer.start()
    paid = [good[0].intent_id, good[1].intent_id, stored_before.intent_id, other.intent_id]
    wait_until(lambda: all_confirmed(relayer.store, paid), timeout=30, what="payouts")
    assert sorted(chain.consumed_ids()) == sorted(paid)
    assert relayer.store.get(good[2].intent_id) is None


def test_a_batch_stores_what_single_posts_store(
    chain: Chain, make_relayer: Callable[..., Relayer], tmp_path: Path
) -> None:
    one_by_one = TestClient(make_relayer().app)
    escrow_id = chain.bounty(milestones=3)
    made = [chain.intent(escrow_id, m) for m in range(3)]
    bodies = [chain.submission(i) for i in made]
    singles = [one_by_one.post("/intents", json=b).json() for b in bodies]

    batch_relayer = make_relayer(instance_id="batch", database_url=f"sqlite:///{tmp_path}/batch.db")
    batched = TestClient(batch_relayer.app).post("/batch/intents", json={"intents": bodies}).json()["results"]

    assert [r["status"] for r in batched] == [201, 201, 201]
    for single, result in zip(singles, batched, strict=True):
        record = batch_relayer.store.get(result["intent_id"])
        assert record is not None
        comparable = ("state", "digest", "signers", "signatures", "verifiers", "intent", "reason")
        assert {k: record.model_dump(mode="json")[k] for k in comparable} == {k: single[k] for k in comparable}


def test_batch_requests_out_of_bounds_are_refused_whole(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    client = TestClient(make_relayer().app)
    assert client.post("/batch/intents", json={"intents": []}).status_code == 422
    assert client.post("/batch/intents", json={"intents": [{}] * 501}).status_code == 422
    assert (
        client.post("/batch/intents", content=b"{not json", headers={"Content-Type": "application/json"}).json()[
            "reason"
        ]
        == "malformed_json"
    )
    one = client.post("/batch/intents", json={"intents": [{}]}).json()
    assert one["results"][0]["reason"] == "invalid_intent"
