"""Fault (e): faults (a) and (d) on the Soroban path, with real processes. Each test asserts on the
ledger that every intent was paid exactly once and none was lost:
(e-a) the relayer process SIGKILLed at random points while intents flow, then restarted;
(e-d) two and three relayer instances, each with its own Stellar submitter account, sharing one
PostgreSQL queue: no double submission.

The relayers run as `quiltkit relayer run` processes against a Stellar RPC server, which here is
FakeStellarRpc (the named stand-in: no live Stellar network is reachable) in its own process in
front of the real Soroban host, so the ledger outlives every relayer killed. The test sets the
ledger up through that host (deploy, mint, escrows) and reads the outcome from it.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from quiltkit import intents
from quiltkit.escrow import IntentStatus, MilestoneState
from quiltkit_relayer.chains.soroban import soroban_chain_id, soroban_signature
from quiltkit_relayer.models import IntentSubmission
from quiltkit_relayer.store import Store

from tests.relayer.harness import (
    RelayerProcess,
    RemoteHost,
    StellarRpcProcess,
    assert_each_intent_carried_once,
    free_port,
    kill_while_feeding,
    run_instances,
    write_config,
)
from tests.soroban.conftest import UNIT, Deployment, deploy, keypair

SEED = 20261122
SUBMITTERS = ("submitter-0", "submitter-1", "submitter-2")


class Stellar:
    def __init__(self, rpc: StellarRpcProcess, dep: Deployment) -> None:
        self.rpc, self.dep = rpc, dep

    def bodies(self, escrows: int) -> list[dict[str, Any]]:
        """Signed submissions (2 of 3 verifiers) for every milestone of ``escrows`` new bounties."""
        dep = self.dep
        contract = dep.escrow.contract_id
        passphrase = self.rpc.network_passphrase
        out = []
        for escrow_id in [dep.create() for _ in range(escrows)]:
            for milestone in range(3):
                intent = dep.intent(escrow_id, milestone)
                signatures = [
                    soroban_signature(kp.public_key, intents.sign_soroban_intent(intent, passphrase, contract, kp))
                    for kp in dep.verifiers[:2]
                ]
                submission = IntentSubmission(
                    chain_id=soroban_chain_id(passphrase), contract=contract, intent=intent, signatures=signatures
                )
                out.append(submission.model_dump(mode="json"))
        return out

    def transactions(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.rpc.call("quiltkit_transactions")["transactions"]
        return rows

    def config(self, path: Path, *, db: str, port: int, submitter: str) -> Path:
        return write_config(
            path,
            {
                "chain": "soroban",
                "instance_id": f"instance-{submitter}",
                "database_url": db,
                "api_port": port,
                "poll_interval_s": 0.05,
                "batch_wait_s": 0,
                "lease_s": 3.0,
                "log_level": "info",
                "soroban": {
                    "rpc_url": self.rpc.url,
                    "contract_id": self.dep.escrow.contract_id,
                    "submitter_secret": keypair(submitter).secret,
                    "poll_interval_s": 0.02,
                },
            },
        )

    def assert_paid_exactly_once(self, bodies: list[dict[str, Any]], before: int, submitters: list[str]) -> None:
        """On the ledger: every intent paid its milestone (released by this intent), the payee and
        treasury got each amount once, and no transaction of the relayers failed (a second
        submission of a paid intent would fail with MilestoneAlreadyReleased)."""
        dep = self.dep
        for body in bodies:
            intent = intents.PayoutIntent.model_validate(body["intent"])
            assert dep.escrow.intent_status(intent).status is IntentStatus.PAID, f"{intent.intent_id} was never paid"
            assert dep.escrow.get_milestone(intent.escrow_id, intent.milestone).state is MilestoneState.RELEASED
        total = sum(int(b["intent"]["amount"]) for b in bodies)
        paid = dep.balance(dep.contributor) + dep.balance(dep.treasury) - before
        assert paid == total
        wanted = {keypair(s).public_key for s in submitters}
        ours = [t for t in self.transactions() if t["source"] in wanted]
        assert [t for t in ours if t["status"] == "FAILED"] == [], "a relayer transaction failed on chain"
        assert sum(1 for t in ours if t["status"] == "SUCCESS") == len(bodies)


@pytest.fixture
def stellar(harness_binary: str, tmp_path: Path) -> Iterator[Stellar]:
    rpc = StellarRpcProcess(harness_binary, tmp_path / "stellar-rpc.log").start()
    try:
        dep = deploy(
            RemoteHost(rpc),
            open_account=lambda kp: rpc.call("quiltkit_fundAccount", publicKey=kp.public_key),
            extra_roles=SUBMITTERS,
            mint=100_000 * UNIT,
        )
        yield Stellar(rpc, dep)
    finally:
        rpc.stop()


def _before(dep: Deployment) -> int:
    return dep.balance(dep.contributor) + dep.balance(dep.treasury)


def test_e_a_sigkill_at_random_points_while_soroban_intents_flow(stellar: Stellar, tmp_path: Path) -> None:
    rng = random.Random(SEED)  # noqa: S311 - reproducible kill points, not cryptography
    bodies = stellar.bodies(12)  # 36 intents
    rng.shuffle(bodies)
    ids = [b["intent"]["intent_id"] for b in bodies]
    before = _before(stellar.dep)
    port = free_port()
    db = f"sqlite:///{tmp_path / 'relayer.db'}"
    relayer = RelayerProcess(
        stellar.config(tmp_path / "relayer.toml", db=db, port=port, submitter=SUBMITTERS[0]),
        tmp_path / "relayer.log",
        port,
    )
    relayer.start()
    store = Store(db)
    in_flight_at_kill = kill_while_feeding(relayer, bodies, store, kills=5, jitter=(0.0, 0.3), rng=rng)

    assert sum(1 for n in in_flight_at_kill if n > 0) >= 3, f"the kills missed the flow: {in_flight_at_kill}"
    stellar.assert_paid_exactly_once(bodies, before, [SUBMITTERS[0]])
    assert store.counts() == {
        "received": 0,
        "verified": 0,
        "submitted": 0,
        "confirmed": len(ids),
        "failed": 0,
        "expired": 0,
        "superseded": 0,
    }
    store.dispose()


@pytest.mark.parametrize("instances", [2, 3])
def test_e_d_soroban_instances_sharing_postgresql_never_double_submit(
    stellar: Stellar, pg_url: str, tmp_path: Path, instances: int
) -> None:
    bodies = stellar.bodies(10)  # 30 intents
    ids = [b["intent"]["intent_id"] for b in bodies]
    before = _before(stellar.dep)
    submitters = list(SUBMITTERS[:instances])
    Store(pg_url).migrate()  # once, before the instances race to start
    procs = []
    for k, submitter in enumerate(submitters):
        port = free_port()
        config = stellar.config(tmp_path / f"relayer{k}.toml", db=pg_url, port=port, submitter=submitter)
        procs.append(RelayerProcess(config, tmp_path / f"relayer{k}.log", port))
    store = Store(pg_url)
    run_instances(procs, bodies, store)

    stellar.assert_paid_exactly_once(bodies, before, submitters)
    assert_each_intent_carried_once(store, "soroban", ids)
    store.dispose()
