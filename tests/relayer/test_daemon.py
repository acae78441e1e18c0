"""The relayer process itself (`quiltkit relayer run` in a subprocess): structured JSON logs with
intent id, action and attempt on every line; SIGTERM shuts down gracefully, handing back every
lease, and a restart finishes whatever was in flight."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from quiltkit_relayer.daemon import Relayer, SignerTaken
from quiltkit_relayer.models import IntentState
from quiltkit_relayer.store import Store
from sqlalchemy import text

from tests.relayer.conftest import Chain, all_confirmed, wait_until
from tests.relayer.harness import RelayerProcess, free_port, post_until_stored, write_config


def _config(chain: Chain, tmp_path: Path, port: int, **extra: Any) -> Path:
    settings = {
        "instance_id": "daemon-test",
        "database_url": f"sqlite:///{tmp_path / 'relayer.db'}",
        "rpc_url": chain.rpc_url,
        "escrow_address": chain.escrow.address,
        "chain_id": chain.chain_id,
        "signer_key": "0x" + chain.relayer.key.hex(),
        "api_port": port,
        "poll_interval_s": 0.05,
        "batch_wait_s": 0.1,
        "lease_s": 5.0,
        **extra,
    }
    return write_config(tmp_path / "relayer.toml", settings)


@pytest.fixture
def daemon(chain: Chain, tmp_path: Path) -> Iterator[RelayerProcess]:
    port = free_port()
    process = RelayerProcess(_config(chain, tmp_path, port), tmp_path / "relayer.log", port)
    process.start()
    yield process
    process.stop()


def test_sigterm_is_graceful_and_every_log_line_is_structured(
    chain: Chain, daemon: RelayerProcess, tmp_path: Path
) -> None:
    escrow_id = chain.bounty(milestones=16)
    ids = []
    for m in range(16):
        intent = chain.intent(escrow_id, m)
        post_until_stored(daemon.url, chain.submission(intent))
        ids.append(intent.intent_id)
    store = Store(f"sqlite:///{tmp_path / 'relayer.db'}")
    wait_until(lambda: all_confirmed(store, ids), timeout=30, what="16 payouts")
    assert httpx.get(f"{daemon.url}/readyz").json()["ready"] is True

    assert daemon.stop() == 0

    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM intents WHERE lease_owner IS NOT NULL")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM signers WHERE owner IS NOT NULL")).scalar() == 0
    lines = [json.loads(line) for line in daemon.log.read_text().splitlines() if line.strip()]
    assert lines
    for line in lines:
        assert {"intent_id", "action", "attempt", "event", "level", "timestamp"} <= set(line), line
    per_intent = [line for line in lines if line["intent_id"] in ids]
    assert {line["action"] for line in per_intent} >= {"intake", "submit", "confirm"}
    assert any(line["event"] == "signal received: shutting down" for line in lines)
    assert lines[-1]["event"] == "stopped"
    store.dispose()


def test_sigterm_mid_flow_loses_nothing(chain: Chain, daemon: RelayerProcess, tmp_path: Path) -> None:
    ids = []
    for escrow_id in [chain.bounty(milestones=16) for _ in range(3)]:
        for m in range(16):
            intent = chain.intent(escrow_id, m)
            post_until_stored(daemon.url, chain.submission(intent))
            ids.append(intent.intent_id)
    daemon.kill(signal.SIGTERM)  # while the 48 are still flowing
    assert daemon.process is not None
    assert daemon.process.returncode == 0
    daemon.start()
    store = Store(f"sqlite:///{tmp_path / 'relayer.db'}")
    wait_until(lambda: all_confirmed(store, ids), timeout=60, what="48 payouts after a restart")
    assert sorted(chain.consumed_ids()) == sorted(ids)
    assert store.counts()[IntentState.CONFIRMED.value] == 48
    store.dispose()


def test_a_second_instance_on_a_leased_key_refuses_to_start_unless_it_stands_by(
    make_relayer: Callable[..., Relayer],
) -> None:
    active = make_relayer(instance_id="active")
    active.start()
    second = make_relayer(instance_id="second")
    with pytest.raises(SignerTaken, match="leased to instance active"):
        second.start()
    assert not second.workers and not second.ctx.signer_ok.is_set()

    standby = make_relayer(instance_id="standby", standby=True)
    standby.start()
    assert standby.workers and not standby.ctx.signer_ok.is_set()  # up, serving, not submitting
    assert active.ctx.signer_ok.is_set()
