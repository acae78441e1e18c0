"""The loop "verified merge -> payout -> reputation" (issue 22), on a real anvil with SQLite and
PostgreSQL: a merged PR's webhook builds the payout intent and the contributor's badge
attestation; once the payout is confirmed the relayer submits the attestation to SoulboundBadge,
exactly once, through SIGKILLs, redeliveries and two instances sharing one PostgreSQL. A payout
that does not happen issues no badge. Every check of "one badge" is read from the chain's
BadgeIssued events."""

from __future__ import annotations

import hashlib
import hmac
import json
import signal
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from quiltkit.badges import SoulboundBadge, registered_type
from quiltkit.devchain import dev_accounts
from quiltkit_relayer.badges import TX_KIND, BadgeBook, BadgeState, attestation_id_for
from quiltkit_relayer.daemon import Relayer
from quiltkit_relayer.github_examples import as_merged, published_example
from quiltkit_relayer.models import IntentState
from quiltkit_relayer.store import Store

from tests.relayer.conftest import Chain, deploy, record_of, wait_until
from tests.relayer.harness import AnvilProcess, RelayerProcess, free_port, write_config

SECRET = "It's a Secret to Everybody"
CLOSED = published_example("pull_request", "closed")
REPO = CLOSED["repository"]["full_name"]
AUTHOR = CLOSED["pull_request"]["user"]["login"]
WEIGHT = 100


def _iso(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _payload(chain: Chain, issue: int = 12) -> dict[str, Any]:
    """GitHub's published closed-PR example, merged a minute ago by the chain's clock, closing ``issue``."""
    return as_merged(CLOSED, merged_at=_iso(chain.now() - 60), closes_issue=issue)


def _headers(body: bytes, delivery: str | None = None) -> dict[str, str]:
    return {
        "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest(),
        "Content-Type": "application/json",
    }


def _deliver(client: TestClient, payload: dict[str, Any], delivery: str | None = None) -> Any:
    body = json.dumps(payload).encode()
    return client.post("/webhooks/github", content=body, headers=_headers(body, delivery))


def _deliver_http(url: str, payload: dict[str, Any], timeout: float = 60) -> dict[str, Any]:
    """POST a delivery to a relayer process, retrying while it starts."""
    body = json.dumps(payload).encode()
    headers = _headers(body)  # one delivery id: a retry after a refused connection is the same delivery
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = httpx.post(f"{url}/webhooks/github", content=body, headers=headers, timeout=10)
            if response.status_code < 500:
                result: dict[str, Any] = response.json()
                return result
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"could not deliver the webhook to {url}")
        time.sleep(0.2)


class Badges:
    """A SoulboundBadge on the test chain with one type whose single validator is the escrow's verifier."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self.verifier = chain.verifiers[0]
        operator = chain.operator
        self.client = SoulboundBadge.deploy(chain.w3, operator, admin=operator.address)
        self.type = registered_type(self.client.register_type("Contribution", "", WEIGHT, sender=operator))
        self.client.set_validators(self.type, [self.verifier.address], 1, sender=operator)

    def issued(self) -> list[dict[str, Any]]:
        """Every BadgeIssued event (what exists on chain)."""
        logs = self.client.contract.events.BadgeIssued().get_logs(from_block=0, to_block="latest")
        return [dict(log["args"]) | {"block": log["blockNumber"]} for log in logs]

    def bounties(self, escrow_id: int, issues: list[int]) -> list[dict[str, Any]]:
        return [
            {"repo": REPO, "issue": issue, "escrow_id": escrow_id, "milestone": m, "badge_type": self.type}
            for m, issue in enumerate(issues)
        ]

    def settings(self, escrow_id: int, issues: list[int] | None = None) -> dict[str, Any]:
        return {
            "verifier_key": "0x" + self.verifier.key.hex(),
            "github": {
                "webhook_secret": SECRET,
                "bounties": self.bounties(escrow_id, issues or [12]),
                "payees": {AUTHOR: self.chain.contributor.address},
            },
            "badges": {"contract": self.client.address, "interval_s": 0.05},
        }


@pytest.fixture
def badges(chain: Chain) -> Badges:
    return Badges(chain)


def _escrow(chain: Chain, badges: Badges, milestones: int = 1, payee: str | None = None) -> int:
    return chain.bounty(milestones=milestones, threshold=1, verifiers=[badges.verifier], payee=payee)


def _badge_txs(store: Store) -> Counter[str]:
    """How many transaction versions (by nonce) carried each attestation id."""
    carried: dict[str, set[tuple[str, int]]] = {}
    for tx in store.tx_history("evm"):
        if tx.kind == TX_KIND and tx.keeper_key:
            carried.setdefault(tx.keeper_key, set()).add((tx.signer, tx.nonce))
    return Counter({k: len(v) for k, v in carried.items()})


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_merged_pr_is_paid_then_the_contributor_gets_the_badge(
    chain: Chain, badges: Badges, request: pytest.FixtureRequest, engine: str
) -> None:
    escrow_id = _escrow(chain, badges)
    # The database first, so that it outlives the relayer (fixtures tear down in reverse order).
    extra = {"database_url": request.getfixturevalue("pg_url")} if engine == "postgresql" else {}
    make_relayer: Callable[..., Relayer] = request.getfixturevalue("make_relayer")
    relayer = make_relayer(**badges.settings(escrow_id), **extra)
    client = TestClient(relayer.app)

    reply = _deliver(client, _payload(chain))
    assert reply.status_code == 202, reply.text
    result = reply.json()
    intent_id = result["intent_id"]
    assert result["badge"] == attestation_id_for(intent_id)
    book = BadgeBook(relayer.store)
    stored = book.get(result["badge"])
    assert stored is not None
    assert stored.state is BadgeState.WAITING  # nothing is submitted before the payout confirms
    assert stored.signers == [badges.verifier.address]

    relayer.start()
    wait_until(
        lambda: (b := book.get(result["badge"])) is not None and b.state is BadgeState.ISSUED,
        timeout=30,
        what="the badge",
    )
    record = record_of(relayer.store, intent_id)
    assert record.state is IntentState.CONFIRMED
    issued = badges.issued()
    assert len(issued) == 1
    badge = issued[0]
    assert badge["holder"] == chain.contributor.address
    assert badge["badgeType"] == badges.type
    assert "0x" + bytes(badge["evidenceHash"]).hex() == record.digest  # the evidence is the payout intent
    assert "0x" + bytes(badge["attestationId"]).hex() == result["badge"]
    assert badge["block"] > int(record.block_number or 0)  # submitted after the payout's block
    assert badges.client.balance_of(chain.contributor.address) == 1
    assert badges.client.reputation_of(chain.contributor.address) == WEIGHT

    listed = client.get("/badges").json()
    assert listed["counts"]["issued"] == 1
    assert listed["badges"][0]["intent_id"] == intent_id
    metrics = client.get("/metrics").text
    assert 'quiltkit_relayer_badges{state="issued"} 1.0' in metrics
    assert 'quiltkit_relayer_transactions_total{kind="badge"} 1.0' in metrics


def test_a_payout_that_does_not_happen_issues_no_badge(
    chain: Chain, badges: Badges, make_relayer: Callable[..., Relayer]
) -> None:
    escrow_id = _escrow(chain, badges, payee=chain.contributor.address)  # a payer may release it by hand
    relayer = make_relayer(**badges.settings(escrow_id))
    client = TestClient(relayer.app)
    result = _deliver(client, _payload(chain)).json()
    # The maintainer pays the milestone by hand before the relayer runs: the intent can never pay
    # (superseded), so the contributor earned no badge through it.
    chain.escrow.release(escrow_id, 0, sender=chain.maintainer)

    relayer.start()
    book = BadgeBook(relayer.store)
    wait_until(
        lambda: (b := book.get(result["badge"])) is not None and b.state is BadgeState.DROPPED,
        timeout=30,
        what="the badge dropped",
    )
    assert record_of(relayer.store, result["intent_id"]).state is IntentState.SUPERSEDED
    time.sleep(0.5)  # further rounds of the badge worker change nothing
    assert badges.issued() == []
    assert book.counts()["dropped"] == 1
    assert _badge_txs(relayer.store) == Counter()


def test_a_redelivery_still_issues_one_badge(
    chain: Chain, badges: Badges, make_relayer: Callable[..., Relayer]
) -> None:
    escrow_id = _escrow(chain, badges)
    relayer = make_relayer(**badges.settings(escrow_id))
    client = TestClient(relayer.app)
    payload = _payload(chain)
    delivery = str(uuid.uuid4())
    first = _deliver(client, payload, delivery).json()
    again = _deliver(client, payload).json()  # GitHub's "redeliver": a new delivery id, the same merge
    assert again["badge"] == first["badge"]
    assert _deliver(client, payload, delivery).status_code == 409  # the same delivery id: nothing done

    relayer.start()
    book = BadgeBook(relayer.store)
    wait_until(
        lambda: (b := book.get(first["badge"])) is not None and b.state is BadgeState.ISSUED,
        timeout=30,
        what="the badge",
    )
    late = _deliver(client, payload)  # after the payout: the stored intent and badge, nothing new
    assert late.status_code == 202
    assert (late.json()["intent_id"], late.json()["badge"]) == (first["intent_id"], first["badge"])
    time.sleep(0.5)
    assert len(badges.issued()) == 1
    assert len(book.listing()) == 1
    assert _badge_txs(relayer.store) == Counter({first["badge"]: 1})


def test_an_attestation_already_used_on_chain_ends_issued_not_failed(
    chain: Chain, badges: Badges, make_relayer: Callable[..., Relayer]
) -> None:
    escrow_id = _escrow(chain, badges)
    relayer = make_relayer(**badges.settings(escrow_id))
    client = TestClient(relayer.app)
    result = _deliver(client, _payload(chain)).json()
    book = BadgeBook(relayer.store)
    stored = book.get(result["badge"])
    assert stored is not None
    # Someone else submits the very attestation the relayer holds (anyone may) before it does.
    signatures = [bytes.fromhex(sig.removeprefix("0x")) for sig in stored.signatures]
    badges.client.issue_with_attestation(
        stored.attestation, [badges.verifier.address], signatures, sender=chain.maintainer
    )
    assert badges.client.attestation_used(result["badge"])

    relayer.start()
    wait_until(
        lambda: (b := book.get(result["badge"])) is not None and b.state is BadgeState.ISSUED,
        timeout=30,
        what="the badge done",
    )
    done = book.get(result["badge"])
    assert done is not None
    assert done.reason == "the attestation id was used on chain"
    assert record_of(relayer.store, result["intent_id"]).state is IntentState.CONFIRMED
    assert len(badges.issued()) == 1
    assert _badge_txs(relayer.store) == Counter()  # nothing was sent for it


def _process_config(chain: Chain, badges: Badges, path: Path, *, db: str, escrow_id: int, **extra: Any) -> Path:
    settings = badges.settings(escrow_id, extra.pop("issues", None))
    settings["badges"] |= extra.pop("badge_settings", {})
    return write_config(
        path,
        {
            "instance_id": extra.pop("instance_id", "badge-instance"),
            "database_url": db,
            "rpc_url": chain.rpc_url,
            "escrow_address": chain.escrow.address,
            "chain_id": chain.chain_id,
            "signer_key": "0x" + dev_accounts(extra.pop("signer_index", 5) + 1)[-1].key.hex(),
            "api_port": extra.pop("port"),
            "poll_interval_s": 0.05,
            "batch_wait_s": 0,
            "lease_s": 3.0,
            "log_level": "info",
            **settings,
            **extra,
        },
    )


def test_sigkill_between_payout_confirmation_and_badge_submission_issues_one_badge(
    chain: Chain, badges: Badges, tmp_path: Path
) -> None:
    escrow_id = _escrow(chain, badges)
    db = f"sqlite:///{tmp_path / 'relayer.db'}"
    port = free_port()
    config = tmp_path / "relayer.toml"
    # First run: the badge worker's first round comes before the payout is confirmed and its next
    # one is a minute away, so the process dies with the payout confirmed and the badge unsent.
    _process_config(chain, badges, config, db=db, escrow_id=escrow_id, port=port, badge_settings={"interval_s": 60})
    relayer = RelayerProcess(config, tmp_path / "relayer.log", port)
    relayer.start()
    store = Store(db)
    try:
        result = _deliver_http(relayer.url, _payload(chain))
        wait_until(
            lambda: record_of(store, result["intent_id"]).state is IntentState.CONFIRMED,
            timeout=30,
            what="the payout",
        )
        book = BadgeBook(store)
        assert book.get(result["badge"]).state is BadgeState.WAITING  # type: ignore[union-attr]
        relayer.kill(signal.SIGKILL)
        assert badges.issued() == []

        _process_config(chain, badges, config, db=db, escrow_id=escrow_id, port=port)
        relayer.start()
        wait_until(
            lambda: book.get(result["badge"]).state is BadgeState.ISSUED,  # type: ignore[union-attr]
            timeout=30,
            what="the badge after the restart",
        )
        # Killed and restarted once more after the badge is issued: nothing is sent again.
        relayer.kill(signal.SIGKILL)
        relayer.start()
        time.sleep(1.0)
        relayer.stop()
        assert len(badges.issued()) == 1
        assert _badge_txs(store) == Counter({result["badge"]: 1})
        assert badges.client.balance_of(chain.contributor.address) == 1
    finally:
        relayer.stop()
        store.dispose()


def test_sigkill_while_the_badge_is_in_flight_issues_one_badge(chain: Chain, badges: Badges, tmp_path: Path) -> None:
    issues = [12, 13, 14, 15]
    escrow_id = _escrow(chain, badges, milestones=len(issues))
    db = f"sqlite:///{tmp_path / 'relayer.db'}"
    port = free_port()
    config = _process_config(
        chain, badges, tmp_path / "relayer.toml", db=db, escrow_id=escrow_id, port=port, issues=issues
    )
    relayer = RelayerProcess(config, tmp_path / "relayer.log", port)
    relayer.start()
    store = Store(db)
    book = BadgeBook(store)
    try:
        ids = [_deliver_http(relayer.url, _payload(chain, issue))["badge"] for issue in issues]
        # Kill each time a badge leaves "waiting" (due, being signed, in flight or just issued).
        for n in range(len(issues)):
            wait_until(
                lambda n=n: sum(v for k, v in book.counts().items() if k != BadgeState.WAITING.value) > n,
                timeout=30,
                interval=0.01,
                what=f"badge {n + 1} under way",
            )
            relayer.kill(signal.SIGKILL)
            relayer.start()
        wait_until(lambda: book.counts()["issued"] == len(issues), timeout=60, what="every badge")
        relayer.stop()
        issued = badges.issued()
        assert sorted("0x" + bytes(b["attestationId"]).hex() for b in issued) == sorted(ids)
        assert badges.client.balance_of(chain.contributor.address) == len(issues)
    finally:
        relayer.stop()
        store.dispose()


def test_two_instances_on_one_postgresql_issue_each_badge_once(
    chain: Chain, badges: Badges, tmp_path: Path, pg_url: str
) -> None:
    issues = [12, 13, 14, 15, 16, 17]
    escrow_id = _escrow(chain, badges, milestones=len(issues))
    Store(pg_url).migrate()  # once, before the instances race to start
    procs = []
    for k, signer_index in enumerate([5, 11]):
        port = free_port()
        config = _process_config(
            chain,
            badges,
            tmp_path / f"relayer{k}.toml",
            db=pg_url,
            escrow_id=escrow_id,
            port=port,
            issues=issues,
            instance_id=f"badge-instance-{k}",
            signer_index=signer_index,
        )
        procs.append(RelayerProcess(config, tmp_path / f"relayer{k}.log", port))
    for p in procs:
        p.start(wait=False)
    for p in procs:
        p.wait_healthy()
    store = Store(pg_url)
    book = BadgeBook(store)
    try:
        # Both instances receive every merge (as behind a load balancer that retries elsewhere).
        ids = set()
        for issue in issues:
            payload = _payload(chain, issue)
            for p in procs:
                ids.add(_deliver_http(p.url, payload)["badge"])
        assert len(ids) == len(issues)
        wait_until(lambda: book.counts()["issued"] == len(issues), timeout=60, what="every badge")
    finally:
        for p in procs:
            p.stop()
    issued = badges.issued()
    assert sorted("0x" + bytes(b["attestationId"]).hex() for b in issued) == sorted(ids)
    carried = _badge_txs(store)
    assert set(carried) == ids
    assert all(n == 1 for n in carried.values()), f"an attestation was sent twice: {carried}"
    store.dispose()


def test_the_node_down_between_payout_confirmation_and_badge_submission_issues_one_badge(tmp_path: Path) -> None:
    node = AnvilProcess(tmp_path / "anvil-state.json")
    chain = deploy(node.start(), node.url)
    badges = Badges(chain)
    escrow_id = _escrow(chain, badges)
    db = f"sqlite:///{tmp_path / 'relayer.db'}"
    port = free_port()
    config = tmp_path / "relayer.toml"
    # As in the SIGKILL test: the payout confirms, the badge worker's next round is a minute away.
    _process_config(chain, badges, config, db=db, escrow_id=escrow_id, port=port, badge_settings={"interval_s": 60})
    relayer = RelayerProcess(config, tmp_path / "relayer.log", port)
    relayer.start()
    store = Store(db)
    book = BadgeBook(store)
    try:
        result = _deliver_http(relayer.url, _payload(chain))
        wait_until(
            lambda: record_of(store, result["intent_id"]).state is IntentState.CONFIRMED,
            timeout=30,
            what="the payout",
        )
        relayer.stop()
        _process_config(chain, badges, config, db=db, escrow_id=escrow_id, port=port)  # reads the chain id
        node.stop()
        # The relayer comes back while the node is away: the badge becomes due and waits for the node.
        relayer.start()
        wait_until(
            lambda: book.get(result["badge"]).state is BadgeState.DUE,  # type: ignore[union-attr]
            timeout=30,
            what="the badge due",
        )
        time.sleep(2.0)
        assert book.get(result["badge"]).state is BadgeState.DUE  # type: ignore[union-attr]
        chain.w3 = node.start()
        badges.client = SoulboundBadge(chain.w3, badges.client.address)
        wait_until(
            lambda: book.get(result["badge"]).state is BadgeState.ISSUED,  # type: ignore[union-attr]
            timeout=60,
            what="the badge once the node is back",
        )
        relayer.stop()
        assert len(badges.issued()) == 1
        assert _badge_txs(store) == Counter({result["badge"]: 1})
        assert badges.client.balance_of(chain.contributor.address) == 1
    finally:
        relayer.stop()
        store.dispose()
        node.stop()
