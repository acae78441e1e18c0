"""GitHub intake fed GitHub's published example payloads (npm @octokit/webhooks-examples, pinned in
package.json): HMAC verification, delivery dedup, merged-only, bounty lookup, evidence hash,
signing, payout; every refused delivery names its reason and signs nothing."""

from __future__ import annotations

import copy
import hashlib
import hmac
import io
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from quiltkit import intents
from quiltkit_relayer.daemon import Relayer
from quiltkit_relayer.github_examples import as_merged, published_example
from quiltkit_relayer.logs import configure_logging
from quiltkit_relayer.models import IntentState
from quiltkit_relayer.webhooks import closed_issues, signature_valid

from tests.relayer.conftest import Chain, all_confirmed, record_of, wait_until

SECRET = "It's a Secret to Everybody"

CLOSED = published_example("pull_request", "closed")
"""GitHub's published ``pull_request.closed`` example, unmodified: a closed, *unmerged* PR."""


def iso8601(epoch: int) -> str:
    """GitHub's timestamp format (``2011-01-26T19:01:12Z``)."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def merged_payload(merged_at: str) -> dict[str, Any]:
    """The published payload, merged at ``merged_at``. GitHub publishes no merged example, so
    exactly these fields differ from it (test_the_payloads_are_githubs_published_examples checks
    that nothing else does): ``pull_request.merged`` = true and ``pull_request.merged_at`` (what a
    merge sets and the relayer requires), ``pull_request.merged_by`` = the published ``sender`` (who
    closed it), and ``pull_request.body`` + "Closes #12" (the bounty below is mapped to issue 12 of
    the repository). ``merge_commit_sha`` keeps its published value (GitHub fills it for unmerged
    closed PRs too), and the repository, PR number and author are GitHub's
    (``Codertocat/Hello-World`` #2 by Codertocat).

    The merge time is the test's to choose, never a date written in the test: the relayer gives a
    webhook-built intent the deadline ``merged_at + intent_ttl_s`` and judges it by the chain's
    clock, so a fixed date would expire once the calendar passes it."""
    return as_merged(CLOSED, merged_at=merged_at, closes_issue=12)


@pytest.fixture
def merged_at(chain: Chain) -> str:
    """A minute before the chain's latest block: a merge that has just happened, by the chain's clock."""
    return iso8601(chain.now() - 60)


@pytest.fixture
def payload(merged_at: str) -> dict[str, Any]:
    return merged_payload(merged_at)


REPO = CLOSED["repository"]["full_name"]
AUTHOR = CLOSED["pull_request"]["user"]["login"]


def _sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _deliver(
    client: TestClient,
    payload: dict[str, Any],
    *,
    event: str = "pull_request",
    delivery: str | None = None,
    secret: str = SECRET,
    signature: str | None = None,
) -> Any:
    body = json.dumps(payload).encode()
    headers = {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": signature if signature is not None else _sign(body, secret),
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/044aadd",
    }
    return client.post("/webhooks/github", content=body, headers=headers)


class Signings:
    def __init__(self) -> None:
        self.count = 0


@pytest.fixture
def signings(monkeypatch: pytest.MonkeyPatch) -> Signings:
    """Counts every verifier signature the relayer produces (the real signing function runs)."""
    counter = Signings()
    real = intents.sign_intent

    def counting(*args: Any, **kwargs: Any) -> bytes:
        counter.count += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(intents, "sign_intent", counting)
    return counter


@pytest.fixture
def hook(chain: Chain, make_relayer: Callable[..., Relayer]) -> tuple[Relayer, TestClient, int]:
    """A relayer that is the escrow's single verifier, with a bounty on issue #12 of the repo."""
    verifier = chain.verifiers[0]
    escrow_id = chain.bounty(milestones=2, threshold=1)
    relayer = make_relayer(
        verifier_key="0x" + verifier.key.hex(),
        github={
            "webhook_secret": SECRET,
            "bounties": [
                {"repo": REPO, "issue": 12, "escrow_id": escrow_id, "milestone": 0},
                {"repo": REPO, "pr": 555, "escrow_id": escrow_id, "milestone": 1},
            ],
            "payees": {AUTHOR: chain.contributor.address},
        },
    )
    return relayer, TestClient(relayer.app), escrow_id


def _differences(a: Any, b: Any, path: str = "") -> set[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: set[str] = set()
        for key in set(a) | set(b):
            out |= _differences(a.get(key), b.get(key), f"{path}.{key}" if path else key)
        return out
    return set() if a == b else {path}


def test_the_payloads_are_githubs_published_examples() -> None:
    merged_at = iso8601(1_234_567_890)  # any instant: this test compares payloads and reads no clock
    payload = merged_payload(merged_at)
    assert CLOSED["action"] == "closed"
    assert CLOSED["pull_request"]["merged"] is False
    assert CLOSED["pull_request"]["merged_at"] is None
    assert set(CLOSED) >= {"action", "number", "pull_request", "repository", "sender"}
    assert _differences(CLOSED, payload) == {
        "pull_request.merged",
        "pull_request.merged_at",
        "pull_request.merged_by",
        "pull_request.body",
    }
    pr = payload["pull_request"]
    assert pr["merged"] is True
    assert pr["merged_at"] == merged_at
    assert pr["merged_by"] == CLOSED["sender"]
    assert pr["merge_commit_sha"] == CLOSED["pull_request"]["merge_commit_sha"]
    assert pr["body"].startswith(CLOSED["pull_request"]["body"])
    assert pr["base"]["repo"]["full_name"] == payload["repository"]["full_name"] == REPO
    assert closed_issues(pr["body"], REPO) == [12]
    assert closed_issues(CLOSED["pull_request"]["body"], REPO) == []


def test_a_merged_pull_request_pays_its_bounty(
    chain: Chain, hook: tuple[Relayer, TestClient, int], signings: Signings, payload: dict[str, Any]
) -> None:
    relayer, client, escrow_id = hook
    before = chain.w3.eth.get_balance(chain.contributor.address)

    response = _deliver(client, payload, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958")

    assert response.status_code == 202, response.text
    result = response.json()
    assert result["accepted"] is True
    assert result["signed"] is True
    assert signings.count == 1
    record = record_of(relayer.store, result["intent_id"])
    assert record.source == "webhook"
    assert record.state is IntentState.VERIFIED
    assert record.signers == [chain.verifiers[0].address]
    pr = payload["pull_request"]
    proof = {
        "repo": REPO,
        "pr": payload["number"],
        "merge_commit": pr["merge_commit_sha"],
        "author": AUTHOR,
        "merged_at": pr["merged_at"],
    }
    assert record.intent.evidence_hash == intents.evidence_hash(proof)
    assert record.intent.escrow_id == escrow_id
    assert record.intent.milestone == 0
    assert record.intent.payee == chain.contributor.address

    relayer.start()
    wait_until(lambda: all_confirmed(relayer.store, [record.intent_id]), timeout=20, what="the bounty payout")
    assert chain.consumed_ids() == [record.intent_id]
    assert chain.w3.eth.get_balance(chain.contributor.address) == before + record.intent.amount


def test_a_redelivery_of_the_same_merge_builds_the_same_intent(
    chain: Chain, hook: tuple[Relayer, TestClient, int], payload: dict[str, Any]
) -> None:
    relayer, client, _ = hook
    first = _deliver(client, payload).json()
    second = _deliver(client, payload).json()  # a new delivery id (GitHub's "redeliver")
    assert first["intent_id"] == second["intent_id"]
    assert len(relayer.store.list_intents()) == 1


def _rejected(relayer: Relayer, signings: Signings, response: Any, status: int, reason: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["accepted"] is False
    assert response.json()["reason"] == reason
    assert response.json()["detail"]
    assert signings.count == 0
    assert relayer.store.list_intents() == []


def test_a_bad_signature_is_rejected(
    hook: tuple[Relayer, TestClient, int], signings: Signings, payload: dict[str, Any]
) -> None:
    relayer, client, _ = hook
    delivery = str(uuid.uuid4())
    _rejected(
        relayer, signings, _deliver(client, payload, secret="not the secret", delivery=delivery), 401, "bad_signature"
    )
    _rejected(relayer, signings, _deliver(client, payload, signature="sha1=abc"), 401, "bad_signature")
    _rejected(relayer, signings, _deliver(client, payload, signature=""), 401, "bad_signature")
    assert relayer.store.delivery(delivery) is None  # a forged delivery does not poison the dedup table


def test_a_replayed_delivery_is_rejected(
    hook: tuple[Relayer, TestClient, int], signings: Signings, payload: dict[str, Any]
) -> None:
    relayer, client, _ = hook
    delivery = str(uuid.uuid4())
    first = _deliver(client, payload, delivery=delivery)
    assert first.status_code == 202
    assert signings.count == 1

    replay = _deliver(client, payload, delivery=delivery)

    assert replay.status_code == 409
    assert replay.json()["reason"] == "duplicate_delivery"
    assert replay.json()["intent_id"] == first.json()["intent_id"]
    assert signings.count == 1  # nothing signed again
    assert len(relayer.store.list_intents()) == 1


def test_an_unmerged_pull_request_is_rejected(hook: tuple[Relayer, TestClient, int], signings: Signings) -> None:
    relayer, client, _ = hook
    # GitHub's published examples, unmodified: closed without a merge, and opened.
    _rejected(relayer, signings, _deliver(client, CLOSED), 200, "pull_request_not_merged")
    opened = published_example("pull_request", "opened")
    _rejected(relayer, signings, _deliver(client, opened), 200, "pull_request_not_merged")


def test_an_unknown_repository_is_rejected(
    hook: tuple[Relayer, TestClient, int], signings: Signings, payload: dict[str, Any]
) -> None:
    relayer, client, _ = hook
    other = copy.deepcopy(payload)
    other["repository"]["full_name"] = "someone/else"
    _rejected(relayer, signings, _deliver(client, other), 200, "unknown_repository")


def test_a_pull_request_that_closes_no_bounty_is_rejected(
    hook: tuple[Relayer, TestClient, int], signings: Signings, payload: dict[str, Any]
) -> None:
    relayer, client, _ = hook
    unrelated = copy.deepcopy(payload)
    unrelated["pull_request"]["body"] = "Refactors the README. Related to #12 but does not close it."
    _rejected(relayer, signings, _deliver(client, unrelated), 200, "no_bounty_for_pull_request")


def test_a_bounty_mapped_to_the_pr_number(
    hook: tuple[Relayer, TestClient, int], signings: Signings, payload: dict[str, Any]
) -> None:
    relayer, client, _ = hook
    direct = copy.deepcopy(payload)
    direct["number"] = direct["pull_request"]["number"] = 555
    direct["pull_request"]["body"] = None
    response = _deliver(client, direct)
    assert response.status_code == 202, response.text
    assert record_of(relayer.store, response.json()["intent_id"]).intent.milestone == 1


def test_other_events_and_pings(
    hook: tuple[Relayer, TestClient, int], signings: Signings, payload: dict[str, Any]
) -> None:
    relayer, client, _ = hook
    assert (
        _deliver(client, {"zen": "Keep it logically awesome.", "hook_id": 1}, event="ping").json()["reason"] == "pong"
    )
    _rejected(relayer, signings, _deliver(client, payload, event="issues"), 200, "unsupported_event")


def test_a_contributor_without_an_address_is_rejected(
    chain: Chain, make_relayer: Callable[..., Relayer], signings: Signings, payload: dict[str, Any]
) -> None:
    escrow_id = chain.bounty(threshold=1)
    relayer = make_relayer(
        verifier_key="0x" + chain.verifiers[0].key.hex(),
        github={"webhook_secret": SECRET, "bounties": [{"repo": REPO, "issue": 12, "escrow_id": escrow_id}]},
    )
    client = TestClient(relayer.app)
    _rejected(relayer, signings, _deliver(client, payload), 200, "unknown_payee")
    tagged = copy.deepcopy(payload)
    tagged["pull_request"]["body"] += f"\nquiltkit-payee: {chain.contributor.address}\n"
    assert _deliver(client, tagged).status_code == 202


def test_a_milestone_already_paid_is_rejected_before_signing(
    chain: Chain, hook: tuple[Relayer, TestClient, int], signings: Signings, payload: dict[str, Any]
) -> None:
    relayer, client, escrow_id = hook
    chain.escrow.assign_payee(escrow_id, chain.contributor.address, sender=chain.maintainer)
    chain.escrow.release(escrow_id, 0, sender=chain.maintainer)
    _rejected(relayer, signings, _deliver(client, payload), 200, "milestone_not_pending")


def test_an_old_merge_is_refused_as_expired_and_the_operator_is_told_why(
    chain: Chain, hook: tuple[Relayer, TestClient, int], signings: Signings
) -> None:
    """A merge older than ``intent_ttl_s`` (by the chain's clock) builds an intent whose deadline
    has passed: the delivery is refused with ``expired`` before anything is signed or stored, and
    the reason reaches the operator in the reply, the log line and the metric."""
    relayer, client, _ = hook
    ttl = relayer.settings.github.intent_ttl_s
    old = merged_payload(iso8601(chain.now() - ttl - 3_600))

    stream = io.StringIO()
    configure_logging("info", stream=stream)  # the relayer's own JSON lines, as an operator reads them
    try:
        response = _deliver(client, old)
    finally:
        configure_logging("warning")  # the suite's level (tests/relayer/conftest.py)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]

    _rejected(relayer, signings, response, 200, "expired")
    detail = response.json()["detail"]
    assert old["pull_request"]["merged_at"] in detail
    assert f"intent_ttl_s ({ttl} s)" in detail
    logged = [line for line in lines if line["event"] == "webhook delivery"]
    assert [(line["reason"], line["detail"], line["accepted"]) for line in logged] == [("expired", detail, False)]
    metrics = client.get("/metrics").text
    assert 'quiltkit_relayer_webhook_deliveries_total{accepted="false",reason="expired"} 1.0' in metrics


def test_webhooks_are_off_without_a_secret(
    chain: Chain, make_relayer: Callable[..., Relayer], payload: dict[str, Any]
) -> None:
    client = TestClient(make_relayer().app)
    response = _deliver(client, payload)
    assert response.status_code == 503
    assert response.json()["reason"] == "webhooks_disabled"


def test_without_a_verifier_key_the_intent_waits_for_signatures(
    chain: Chain, make_relayer: Callable[..., Relayer], payload: dict[str, Any]
) -> None:
    escrow_id = chain.bounty(threshold=2)
    relayer = make_relayer(
        github={
            "webhook_secret": SECRET,
            "bounties": [{"repo": REPO, "issue": 12, "escrow_id": escrow_id}],
            "payees": {AUTHOR: chain.contributor.address},
        }
    )
    client = TestClient(relayer.app)
    result = _deliver(client, payload).json()
    assert result["accepted"] is True
    assert result["reason"] == "not_a_verifier"
    record = record_of(relayer.store, result["intent_id"])
    assert record.state is IntentState.RECEIVED
    assert record.reason is not None
    assert record.reason.startswith("awaiting verifier signatures")

    # The escrow's verifiers sign the stored intent and send their signatures.
    body = chain.submission(record.intent)
    assert client.post("/intents", json=body).status_code == 200
    relayer.start()
    wait_until(lambda: all_confirmed(relayer.store, [record.intent_id]), timeout=20, what="the payout")
    assert chain.consumed_ids() == [record.intent_id]


def test_signature_check_is_hmac_sha256() -> None:
    # The example from GitHub's documentation on validating webhook deliveries.
    body = b"Hello, World!"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert signature_valid("It's a Secret to Everybody", body, expected)
    assert not signature_valid("It's a Secret to Everybody", body + b" ", expected)
