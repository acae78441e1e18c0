"""Faults. Each test asserts ON CHAIN that every intent was paid exactly once and none was lost:
(a) the relayer process SIGKILLed at random points while 200 intents flow, then restarted;
(b) anvil stopped for 10 s mid-run and restarted with its state;
(c) a stuck transaction (mining paused) replaced by a fee bump, within the fee cap;
(d) two and three relayer instances sharing one PostgreSQL queue, no double submission;
(f) an instance killed with transactions in flight, taken over by a standby with the same key.
"""

from __future__ import annotations

import itertools
import random
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from quiltkit.devchain import dev_accounts
from quiltkit_relayer.daemon import Relayer
from quiltkit_relayer.models import TxState
from quiltkit_relayer.store import Store
from web3 import Web3

from tests.relayer.conftest import UNIT, Chain, all_confirmed, deploy, record_of, relayer_settings, wait_until
from tests.relayer.harness import (
    AnvilProcess,
    RelayerProcess,
    assert_each_intent_carried_once,
    free_port,
    kill_while_feeding,
    post_until_stored,
    run_instances,
    write_config,
)

SEED = 20261122


def _intents_for(chain: Chain, count: int) -> list[dict[str, Any]]:
    """``count`` signed submissions over as many 16-milestone escrows as needed."""
    bodies = []
    escrows = [chain.bounty(milestones=16) for _ in range((count + 15) // 16)]
    for n in range(count):
        intent = chain.intent(escrows[n // 16], n % 16)
        bodies.append(chain.submission(intent))
    return bodies


def _assert_state_paid_once(chain: Chain, ids: list[str], payee_before: int) -> None:
    """What the chain's state says, read without its history: every intent consumed, and the payee
    richer by exactly one amount per intent (so none was paid twice)."""
    unpaid = [i for i in ids if not chain.paid(i)]
    assert not unpaid, f"{len(unpaid)} intents were never paid"
    assert chain.w3.eth.get_balance(chain.contributor.address) - payee_before == UNIT * len(ids)


def _assert_paid_exactly_once(chain: Chain, ids: list[str], payee_before: int, signers: list[str]) -> None:
    """On chain, state and history: every intent consumed, none twice, the payee got each amount
    once, and no relayer transaction reverted (a double submission would revert with
    IntentAlreadyConsumed)."""
    _assert_state_paid_once(chain, ids, payee_before)
    consumed = chain.consumed_ids()
    duplicates = [i for i, n in Counter(consumed).items() if n > 1]
    assert not duplicates, f"paid twice: {duplicates}"
    assert sorted(consumed) == sorted(ids), f"{len(set(ids) - set(consumed))} intents were never paid"
    released = chain.escrow.contract.events.MilestoneReleased().get_logs(from_block=0, to_block="latest")
    assert len(released) == len(ids)
    total = sum(e["args"]["amount"] + e["args"]["fee"] for e in released)
    assert chain.w3.eth.get_balance(chain.contributor.address) - payee_before == total == UNIT * len(ids)
    wanted = {s.lower() for s in signers}
    for number in range(chain.w3.eth.block_number + 1):
        block = chain.w3.eth.get_block(number, full_transactions=True)
        for tx in block["transactions"]:
            if str(tx["from"]).lower() in wanted:  # type: ignore[index]
                receipt = chain.w3.eth.get_transaction_receipt(tx["hash"])  # type: ignore[index]
                assert receipt["status"] == 1, f"relayer transaction {tx['hash'].hex()} reverted"  # type: ignore[index]


def _config(chain: Chain, path: Path, *, db: str, port: int, signer_index: int, **extra: Any) -> Path:
    return write_config(
        path,
        {
            "instance_id": f"instance-{signer_index}",
            "database_url": db,
            "rpc_url": chain.rpc_url,
            "escrow_address": chain.escrow.address,
            "chain_id": chain.chain_id,
            "signer_key": "0x" + dev_accounts(signer_index + 1)[signer_index].key.hex(),
            "api_port": port,
            "poll_interval_s": 0.05,
            "batch_wait_s": 0.1,
            "lease_s": 3.0,
            "log_level": "info",
            **extra,
        },
    )


# --- (a) SIGKILL -------------------------------------------------------------------------------


def test_a_sigkill_at_random_points_while_200_intents_flow(chain: Chain, tmp_path: Path) -> None:
    rng = random.Random(SEED)  # noqa: S311 - reproducible kill points, not cryptography
    bodies = _intents_for(chain, 200)
    rng.shuffle(bodies)
    ids = [b["intent"]["intent_id"] for b in bodies]
    before = chain.w3.eth.get_balance(chain.contributor.address)
    port = free_port()
    db = f"sqlite:///{tmp_path / 'relayer.db'}"
    relayer = RelayerProcess(
        _config(chain, tmp_path / "relayer.toml", db=db, port=port, signer_index=5), tmp_path / "relayer.log", port
    )
    relayer.start()
    store = Store(db)
    in_flight_at_kill = kill_while_feeding(relayer, bodies, store, kills=6, jitter=(0.0, 0.5), rng=rng)

    assert sum(1 for n in in_flight_at_kill if n > 0) >= 4, f"the kills missed the flow: {in_flight_at_kill}"
    _assert_paid_exactly_once(chain, ids, before, [chain.relayer.address])
    assert store.counts() == {
        "received": 0,
        "verified": 0,
        "submitted": 0,
        "confirmed": 200,
        "failed": 0,
        "expired": 0,
        "superseded": 0,
    }
    store.dispose()


# --- (b) the node goes away ------------------------------------------------------------------


def test_b_anvil_down_for_10_seconds_then_back_with_its_state(tmp_path: Path) -> None:
    node = AnvilProcess(tmp_path / "anvil-state.json", block_time=1)
    w3 = node.start()
    chain = deploy(w3, node.url)
    before_bodies = _intents_for(chain, 48)
    during_bodies = _intents_for(chain, 32)
    before = chain.w3.eth.get_balance(chain.contributor.address)
    relayer = Relayer(relayer_settings(chain, f"sqlite:///{tmp_path / 'relayer.db'}", batch_wait_s=0.1, lease_s=3))
    client = TestClient(relayer.app)
    relayer.start()
    try:
        for body in before_bodies:
            assert client.post("/intents", json=body).status_code == 201
        # Mid-run: some confirmed, some submitted and waiting in the pool for the next block.
        wait_until(
            lambda: relayer.store.counts()["confirmed"] >= 1 and relayer.store.counts()["submitted"] >= 1,
            timeout=30,
            interval=0.05,
            what="a run in progress",
        )
        node.stop()
        down_at = time.monotonic()
        for body in during_bodies:  # intake goes on while the node is away: stored, verified later
            answer = client.post("/intents", json=body)
            assert answer.status_code == 202, answer.text
            assert answer.json()["state"] == "received"
        time.sleep(max(0.0, 10 - (time.monotonic() - down_at)))
        assert TestClient(relayer.app).get("/readyz").json()["checks"]["node"] is False
        w3 = node.start()
        chain.w3 = w3
        chain.escrow = type(chain.escrow)(w3, chain.escrow.address)
        ids = [b["intent"]["intent_id"] for b in before_bodies + during_bodies]
        wait_until(lambda: all_confirmed(relayer.store, ids), timeout=90, interval=0.5, what="80 payouts")
        relayer.stop()
        # The state, not the event history: anvil (1.7.1) can write its state file on SIGTERM with
        # a block's effects (intents consumed, nonces used) but without the block, its receipts or
        # its logs. The relayer copes (it reads consumption from storage: "nonce used by another
        # transaction", its intents settled as consumed), but those payouts' events are gone, so an
        # event count would fail on the node's lost history, not on anything the relayer did.
        _assert_state_paid_once(chain, ids, before)
        reverted = [t.tx_hash for t in relayer.store.tx_history("evm") if t.state is TxState.REVERTED]
        assert not reverted, f"relayer transactions reverted: {reverted}"
    finally:
        relayer.stop()
        relayer.store.dispose()
        node.stop()


# --- (c) a stuck transaction -----------------------------------------------------------------


def _rpc(w3: Web3, method: str, *params: Any) -> Any:
    answer = w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
    assert "error" not in answer, answer
    return answer.get("result")


def test_c_a_stuck_transaction_is_replaced_by_a_fee_bump(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    before = chain.w3.eth.get_balance(chain.contributor.address)
    relayer = make_relayer(stuck_after_s=1.0, fee_bump_percent=20)
    intent = chain.intent(chain.bounty())
    _rpc(chain.w3, "evm_setAutomine", False)  # mining paused: our transaction sits in the pool
    relayer.start()
    assert TestClient(relayer.app).post("/intents", json=chain.submission(intent)).status_code == 201

    versions = wait_until(
        lambda: (v := relayer.store.tx_history("evm")) and len(v) >= 3 and v,
        timeout=20,
        what="two fee bumps",
    )
    assert {v.nonce for v in versions} == {0}
    fees = [v.max_fee_per_gas for v in versions]
    assert fees == sorted(fees)
    assert all(b >= a * 1.2 for a, b in itertools.pairwise(fees))
    _rpc(chain.w3, "evm_mine")
    _rpc(chain.w3, "evm_setAutomine", True)
    wait_until(lambda: all_confirmed(relayer.store, [intent.intent_id]), timeout=20, what="the bumped payout")

    history = relayer.store.tx_history("evm")
    winner = [t for t in history if t.state is TxState.CONFIRMED]
    assert len(winner) == 1
    assert record_of(relayer.store, intent.intent_id).tx_hash == winner[0].tx_hash
    assert all(t.state is TxState.REPLACED for t in history if t is not winner[0])
    mined = chain.w3.eth.get_transaction(winner[0].tx_hash)
    assert mined["maxFeePerGas"] > history[0].max_fee_per_gas  # the bump is what got mined
    assert chain.w3.eth.get_transaction_count(chain.relayer.address) == 1
    _assert_paid_exactly_once(chain, [intent.intent_id], before, [chain.relayer.address])


def test_c_fee_bumps_stop_at_the_cap(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    base = int(chain.w3.eth.get_block("latest")["baseFeePerGas"])
    cap = 2 * base + 2 * 10**9  # room for about one bump over the first bid
    relayer = make_relayer(stuck_after_s=0.5, fee_bump_percent=50, max_fee_per_gas_cap_wei=cap)
    intent = chain.intent(chain.bounty())
    _rpc(chain.w3, "evm_setAutomine", False)
    relayer.start()
    assert TestClient(relayer.app).post("/intents", json=chain.submission(intent)).status_code == 201
    wait_until(lambda: len(relayer.store.tx_history("evm")) >= 2, timeout=20, what="a bump")
    time.sleep(2.5)  # several more stuck periods: no bid above the cap
    history = relayer.store.tx_history("evm")
    assert max(t.max_fee_per_gas for t in history) == cap
    assert len(history) == 2
    _rpc(chain.w3, "evm_mine")
    _rpc(chain.w3, "evm_setAutomine", True)
    wait_until(lambda: all_confirmed(relayer.store, [intent.intent_id]), timeout=20)
    assert chain.consumed_ids() == [intent.intent_id]


# --- (d) several instances, one PostgreSQL ------------------------------------------------------


@pytest.mark.parametrize("instances", [2, 3])
def test_d_instances_sharing_postgresql_never_double_submit(
    chain: Chain, pg_url: str, tmp_path: Path, instances: int
) -> None:
    bodies = _intents_for(chain, 96)
    ids = [b["intent"]["intent_id"] for b in bodies]
    before = chain.w3.eth.get_balance(chain.contributor.address)
    signer_indexes = [5, 11, 12][:instances]
    Store(pg_url).migrate()  # once, before the instances race to start
    procs = []
    for k, index in enumerate(signer_indexes):
        port = free_port()
        config = _config(chain, tmp_path / f"relayer{k}.toml", db=pg_url, port=port, signer_index=index)
        procs.append(RelayerProcess(config, tmp_path / f"relayer{k}.log", port))
    store = Store(pg_url)
    run_instances(procs, bodies, store)

    signers = [dev_accounts(i + 1)[i].address for i in signer_indexes]
    _assert_paid_exactly_once(chain, ids, before, signers)
    assert_each_intent_carried_once(store, "evm", ids)
    store.dispose()


# --- (f) a standby takes over a dead instance's in-flight transactions ---------------------------


def test_f_a_standby_with_the_same_key_takes_over_in_flight_transactions(
    chain: Chain, pg_url: str, tmp_path: Path
) -> None:
    bodies = _intents_for(chain, 48)
    ids = [b["intent"]["intent_id"] for b in bodies]
    before = chain.w3.eth.get_balance(chain.contributor.address)
    Store(pg_url).migrate()
    active_port, standby_port = free_port(), free_port()
    # Few, full batches (at most max_in_flight transactions can wait in the pool) and no fee
    # bumps before the kill: the standby inherits exactly the transactions the active one sent.
    slow_batches: dict[str, Any] = {"batch_wait_s": 1.5, "stuck_after_s": 300.0}
    active = RelayerProcess(
        _config(chain, tmp_path / "active.toml", db=pg_url, port=active_port, signer_index=5, **slow_batches),
        tmp_path / "active.log",
        active_port,
    )
    standby = RelayerProcess(
        _config(
            chain,
            tmp_path / "standby.toml",
            db=pg_url,
            port=standby_port,
            signer_index=5,
            instance_id="instance-5-standby",
            standby=True,
            **slow_batches,
        ),
        tmp_path / "standby.log",
        standby_port,
    )
    store = Store(pg_url)
    _rpc(chain.w3, "evm_setAutomine", False)  # payouts stay in the pool: in flight when the kill comes
    try:
        active.start()
        standby.start()
        assert httpx.get(f"{standby.url}/readyz").json()["checks"]["signer_lease"] is False
        for body in bodies:
            post_until_stored(active.url, body)
        wait_until(lambda: store.counts()["submitted"] == len(ids), timeout=60, what="every intent in flight")
        in_flight = [t for t in store.tx_history("evm") if t.state in (TxState.SIGNED, TxState.BROADCAST)]
        assert in_flight and all(t.signer == chain.relayer.address for t in in_flight)

        active.kill()
        _rpc(chain.w3, "evm_setAutomine", True)
        _rpc(chain.w3, "evm_mine")
        wait_until(lambda: all_confirmed(store, ids), timeout=60, interval=0.5, what="the standby's confirmations")
        assert store.acquire_signer("evm", chain.relayer.address, "probe", 60) == "instance-5-standby"
        assert httpx.get(f"{standby.url}/readyz").json()["checks"]["signer_lease"] is True
    finally:
        _rpc(chain.w3, "evm_setAutomine", True)
        standby.stop()
        if active.process is not None and active.process.poll() is None:
            active.stop()

    _assert_paid_exactly_once(chain, ids, before, [chain.relayer.address])
    carriers = {i for t in store.tx_history("evm") for i in t.intent_ids}
    assert carriers == set(ids)
    assert "took over the signer lease" in standby.log.read_text()
    store.dispose()
