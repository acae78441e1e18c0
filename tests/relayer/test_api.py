"""The HTTP API through FastAPI's TestClient (a real relayer on a real anvil): idempotent intake,
status and listing, health, readiness, metrics, the API key, the OpenAPI document; and the CLI's
relayer and intent commands against the API served by uvicorn."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from click.testing import CliRunner
from fastapi.testclient import TestClient
from quiltkit.cli import main as cli
from quiltkit_relayer.daemon import Relayer
from quiltkit_relayer.models import IntentState

from tests.relayer.conftest import Chain, all_confirmed, wait_until


def test_post_twice_returns_the_same_record(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    relayer = make_relayer()
    client = TestClient(relayer.app)
    intent = chain.intent(chain.bounty())
    body = chain.submission(intent)

    first = client.post("/intents", json=body)
    second = client.post("/intents", json=body)

    assert first.status_code == 201
    assert second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["state"] == "verified"
    assert len(relayer.store.list_intents()) == 1


def test_a_second_post_with_another_signature_merges_it(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    relayer = make_relayer()
    client = TestClient(relayer.app)
    intent = chain.intent(chain.bounty())
    assert client.post("/intents", json=chain.submission(intent, chain.verifiers[:2])).status_code == 201

    again = client.post("/intents", json=chain.submission(intent, chain.verifiers[1:]))

    assert again.status_code == 200
    assert sorted(again.json()["signers"]) == sorted(v.address for v in chain.verifiers)


def test_intent_is_paid_and_status_follows_it(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    relayer = make_relayer()
    client = TestClient(relayer.app)
    escrow_id = chain.bounty(milestones=2)
    ids = []
    bodies = []
    for m in range(2):
        intent = chain.intent(escrow_id, m)
        bodies.append(chain.submission(intent))
        assert client.post("/intents", json=bodies[-1]).status_code == 201
        ids.append(intent.intent_id)
    assert client.get("/intents", params={"state": "verified"}).json()["counts"]["verified"] == 2

    relayer.start()
    wait_until(lambda: all_confirmed(relayer.store, ids), timeout=20, what="payouts")

    record = client.get(f"/intents/{ids[0]}").json()
    assert record["state"] == "confirmed"
    assert record["tx_hash"].startswith("0x")
    assert record["nonce"] == 0
    receipt = chain.w3.eth.get_transaction_receipt(record["tx_hash"])
    assert receipt["status"] == 1
    listing = client.get("/intents", params={"state": "confirmed"}).json()
    assert sorted(r["intent_id"] for r in listing["intents"]) == sorted(ids)
    assert listing["counts"]["confirmed"] == 2
    assert sorted(chain.consumed_ids()) == sorted(ids)

    # Submitted again once paid: the stored record, not a refusal as an already consumed intent.
    again = client.post("/intents", json=bodies[0])
    assert again.status_code == 200
    assert again.json() == client.get(f"/intents/{ids[0]}").json()


def test_unknown_and_malformed_ids(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    client = TestClient(make_relayer().app)
    missing = client.get("/intents/0x" + "11" * 32)
    assert missing.status_code == 404
    assert missing.json()["reason"] == "not_found"
    assert client.get("/intents/0x1234").status_code == 422
    assert client.get("/intents", params={"state": "nonsense"}).status_code == 422


def test_health_readiness_and_metrics(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    relayer = make_relayer()
    client = TestClient(relayer.app)
    assert client.get("/healthz").json()["status"] == "ok"
    not_started = client.get("/readyz")
    assert not_started.status_code == 503
    assert not_started.json()["checks"]["signer_lease"] is False

    relayer.start()
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"node": True, "store": True, "signer_funded": True, "signer_lease": True}

    intent = chain.intent(chain.bounty())
    client.post("/intents", json=chain.submission(intent))
    wait_until(lambda: all_confirmed(relayer.store, [intent.intent_id]), timeout=20)
    text = client.get("/metrics").text
    assert 'quiltkit_relayer_intents{state="confirmed"} 1.0' in text
    assert "quiltkit_relayer_submission_latency_seconds_count 1.0" in text
    assert "quiltkit_relayer_gas_used_total" in text
    assert f'quiltkit_relayer_signer_balance_wei{{signer="{chain.relayer.address}"}}' in text
    assert "quiltkit_relayer_retries_total" in text or "quiltkit_relayer_retries" in text
    gas_line = next(line for line in text.splitlines() if line.startswith("quiltkit_relayer_gas_used_total"))
    assert float(gas_line.split()[-1]) > 21_000


def test_readiness_fails_when_the_signer_is_not_funded(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    relayer = make_relayer(min_signer_balance_wei=10**30)
    relayer.start()
    response = TestClient(relayer.app).get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["signer_funded"] is False
    assert chain.relayer.address in response.json()["detail"]["signer_funded"]


def test_api_key_is_required_when_configured(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    client = TestClient(make_relayer(api_key="s3cret").app)
    intent = chain.intent(chain.bounty())
    body = chain.submission(intent)

    denied = client.post("/intents", json=body)
    wrong = client.post("/intents", json=body, headers={"X-API-Key": "nope"})
    allowed = client.post("/intents", json=body, headers={"X-API-Key": "s3cret"})

    assert denied.status_code == 401
    assert denied.json()["reason"] == "unauthorized"
    assert wrong.status_code == 401
    assert allowed.status_code == 201
    assert client.get("/healthz").status_code == 200
    assert client.get(f"/intents/{intent.intent_id}").status_code == 401


def test_openapi_document_describes_the_api(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    doc = TestClient(make_relayer().app).get("/openapi.json").json()
    assert {"/intents", "/intents/{intent_id}", "/healthz", "/readyz", "/metrics", "/webhooks/github"} <= set(
        doc["paths"]
    )
    post = doc["paths"]["/intents"]["post"]
    assert {"200", "201", "202", "400", "401", "409", "422", "503"} <= set(post["responses"])
    assert "APIKeyHeader" in doc["components"]["securitySchemes"]


# --- the CLI against a served API -----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(chain: Chain, make_relayer: Callable[..., Relayer]) -> Iterator[tuple[Relayer, str]]:
    relayer = make_relayer(api_key="k3y")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(relayer.app, host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, timeout=10, what="uvicorn")
    relayer.start()
    try:
        yield relayer, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_cli_submits_and_follows_an_intent(chain: Chain, served: tuple[Relayer, str], tmp_path: Path) -> None:
    relayer, url = served
    intent = chain.intent(chain.bounty())
    path = tmp_path / "intent.json"
    path.write_text(intent.model_dump_json())
    sig_args: list[str] = []
    for sig in chain.sign(intent):
        sig_args += ["--signature", sig]
    runner = CliRunner()
    common = ["--url", url, "--api-key", "k3y"]

    submitted = runner.invoke(
        cli,
        [
            "intent",
            "submit",
            str(path),
            "--chain-id",
            str(chain.chain_id),
            "--contract",
            chain.escrow.address,
            *sig_args,
            *common,
        ],
    )
    assert submitted.exit_code == 0, submitted.output
    assert json.loads(submitted.output)["intent_id"] == intent.intent_id

    wait_until(lambda: all_confirmed(relayer.store, [intent.intent_id]), timeout=20)
    status = runner.invoke(cli, ["intent", "status", intent.intent_id, *common])
    assert status.exit_code == 0, status.output
    assert json.loads(status.output)["state"] == IntentState.CONFIRMED.value

    relayer_status = runner.invoke(cli, ["relayer", "status", *common])
    assert relayer_status.exit_code == 0, relayer_status.output
    shown = json.loads(relayer_status.output)
    assert shown["readiness"]["ready"] is True
    assert shown["intents"]["confirmed"] == 1
    assert shown["badges"] == dict.fromkeys(["waiting", "due", "submitted", "issued", "dropped", "failed"], 0)

    refused = runner.invoke(cli, ["intent", "status", "0x" + "22" * 32, *common])
    assert refused.exit_code == 1
    assert json.loads(refused.output)["reason"] == "not_found"


def test_cli_migrate_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(cli, ["relayer", "migrate", "--database-url", url])
        assert result.exit_code == 0, result.output
        assert "revision 0002" in result.output


def test_cli_names_the_bad_setting(tmp_path: Path) -> None:
    config = tmp_path / "relayer.toml"
    config.write_text('[relayer]\nrpc_url = "http://127.0.0.1:1"\nconfirmations = 0\n')
    result = CliRunner().invoke(cli, ["relayer", "run", "--config", str(config)], env={})
    assert result.exit_code == 1
    assert "confirmations" in result.output
    assert "escrow_address" in result.output
    assert "QUILTKIT_RELAYER_ESCROW_ADDRESS" in result.output
