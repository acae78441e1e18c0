"""The relayer's Soroban path on the local harness: intents signed with ed25519 over the Soroban
digest, verified against the escrow's verifier keys, submitted through ``release_with_intent`` and
confirmed from the contract; bad input refused with a named reason and nothing sent; and fault (e):
crashes between persisting and sending and after sending, then a restart, with every intent paid
exactly once (``intent_status`` and the SAC balances) and none lost.

Crashes are simulated in-process: the harness is one child process holding the whole ledger in
memory, driven over stdin/stdout by one :class:`LocalHost`, so a relayer subprocess could not
share it with the test (nor survive a SIGKILL of the harness's owner). A "crash" here raises out of
the submit stage at the chosen point, abandons that relayer (its store connection, its adapter's
memory of what it sent) and starts a new one on the same database file and the same harness, which
is what a restarted process would see.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from quiltkit import intents
from quiltkit.escrow import IntentStatus, MilestoneState
from quiltkit_relayer.chains.base import Broadcast
from quiltkit_relayer.chains.soroban import SorobanAdapter, soroban_signature
from quiltkit_relayer.config import ConfigError, load_settings
from quiltkit_relayer.daemon import Relayer
from quiltkit_relayer.models import TERMINAL_STATES, IntentState, IntentSubmission, Reason, Rejection, TxState
from quiltkit_relayer.pipeline import accept
from stellar_sdk import Keypair

from tests.relayer.conftest import all_confirmed, boot, dispose, states
from tests.soroban.conftest import FEE_BPS, Deployment, RecordingHost, deploy, keypair

INSTANCE = "soroban-test"


@pytest.fixture
def dep(harness_binary: str) -> Iterator[Deployment]:
    with RecordingHost(harness_binary) as host:
        yield deploy(host)


@pytest.fixture
def make_relayer(dep: Deployment, tmp_path: Path) -> Iterator[Callable[..., Relayer]]:
    """Relayers with chain = "soroban" on the test harness, one SQLite file for all of them."""
    made: list[Relayer] = []

    def build(**overrides: Any) -> Relayer:
        values: dict[str, Any] = {
            "chain": "soroban",
            "database_url": f"sqlite:///{tmp_path / 'relayer.db'}",
            "soroban": {"contract_id": dep.escrow.contract_id, "submitter_secret": dep.relayer.secret},
            "instance_id": INSTANCE,
            "poll_interval_s": 0.05,
            "lease_s": 10,
            "batch_wait_s": 0,
            "log_level": "warning",
        }
        values.update(overrides)
        relayer = Relayer(load_settings(None, **values), soroban_backend=dep.host)
        made.append(relayer)
        return relayer

    yield build
    dispose(made)


def drain(relayer: Relayer, ids: list[str], *, timeout: float = 60) -> None:
    """Tick verify, submit and confirm (in this thread) until every intent is confirmed."""
    deadline = time.monotonic() + timeout
    while not all_confirmed(relayer.store, ids):
        assert time.monotonic() < deadline, f"not all confirmed: {states(relayer.store, ids)}"
        relayer.verify.tick()
        relayer.submit.tick()
        relayer.confirm.tick()


def submission(
    dep: Deployment, adapter: SorobanAdapter, intent: intents.PayoutIntent, signers: list[Keypair] | None = None
) -> IntentSubmission:
    sigs = [
        soroban_signature(
            kp.public_key, intents.sign_soroban_intent(intent, adapter.network_passphrase, adapter.contract, kp)
        )
        for kp in (signers if signers is not None else dep.verifiers[:2])
    ]
    return IntentSubmission(chain_id=adapter.chain_id, contract=adapter.contract, intent=intent, signatures=sigs)


def soroban_adapter(relayer: Relayer) -> SorobanAdapter:
    assert isinstance(relayer.adapter, SorobanAdapter)
    return relayer.adapter


def releases_sent(dep: Deployment) -> list[dict[str, Any]]:
    """The params of every ``invoke`` of ``release_with_intent`` the harness was sent."""
    from stellar_sdk import xdr

    out = []
    for method, params in dep.host.sent:
        if method != "invoke":
            continue
        args = xdr.InvokeContractArgs.from_xdr(params["invoke_args"])
        if args.function_name.sc_symbol == b"release_with_intent":
            out.append(params)
    return out


def paid_once(dep: Deployment, intent_list: list[intents.PayoutIntent], before: dict[str, int]) -> None:
    """Each intent paid its milestone (released by it); the SAC moved exactly the intents' amounts."""
    total = sum(i.amount for i in intent_list)
    for intent in intent_list:
        assert dep.escrow.intent_status(intent).status is IntentStatus.PAID
        milestone = dep.escrow.get_milestone(intent.escrow_id, intent.milestone)
        assert milestone.state is MilestoneState.RELEASED
    contributor = dep.balance(dep.contributor) - before["contributor"]
    treasury = dep.balance(dep.treasury) - before["treasury"]
    assert contributor + treasury == total
    assert treasury == sum(i.amount * FEE_BPS // 10_000 for i in intent_list)


def balances(dep: Deployment) -> dict[str, int]:
    return {"contributor": dep.balance(dep.contributor), "treasury": dep.balance(dep.treasury)}


# --- end to end ---------------------------------------------------------------------------------


def test_pipeline_pays_each_intent_once_on_the_harness(dep: Deployment, make_relayer: Callable[..., Relayer]) -> None:
    relayer = boot(make_relayer())
    adapter = soroban_adapter(relayer)
    escrows = [dep.create(), dep.create()]
    intent_list = [dep.intent(e, m) for e in escrows for m in range(3)]
    before = balances(dep)

    ids = []
    for intent in intent_list:
        record, created = accept(relayer.ctx, submission(dep, adapter, intent))
        assert created
        assert record.state is IntentState.VERIFIED
        assert record.chain == "soroban"
        ids.append(record.intent_id)
    # the same intent again (with all three signatures) is the stored record, not a second one
    again, created = accept(relayer.ctx, submission(dep, adapter, intent_list[0], dep.verifiers))
    assert not created
    assert again.intent_id == ids[0]
    assert releases_sent(dep) == []  # nothing is sent before the submit stage runs

    drain(relayer, ids)
    paid_once(dep, intent_list, before)
    txs = relayer.store.tx_history("soroban")
    assert len(txs) == len(intent_list)  # one intent per transaction: release_with_intent has no batch form
    assert all(t.state is TxState.CONFIRMED for t in txs)
    assert [json.loads(t.raw_tx)["params"] for t in txs] == releases_sent(dep)  # sent exactly as persisted
    assert {t.signer for t in txs} == {dep.relayer.public_key}
    for t in txs:
        record = relayer.store.get(t.intent_ids[0])
        assert record is not None
        assert record.tx_hash == t.tx_hash


def test_the_daemon_workers_drive_the_soroban_pipeline(dep: Deployment, make_relayer: Callable[..., Relayer]) -> None:
    relayer = make_relayer()
    adapter = soroban_adapter(relayer)
    escrow = dep.create()
    intent_list = [dep.intent(escrow, m) for m in range(3)]
    before = balances(dep)
    relayer.start()
    client = TestClient(relayer.app)
    ids = []
    for intent in intent_list:  # through the HTTP API, as a client would send them
        body = submission(dep, adapter, intent).model_dump(mode="json")
        response = client.post("/intents", json=body)
        assert response.status_code == 201, response.text
        assert response.json()["chain"] == "soroban"
        ids.append(response.json()["intent_id"])
    assert client.post("/intents", json=body).status_code == 200  # idempotent
    fresh = submission(dep, adapter, dep.intent(dep.create())).model_dump(mode="json")
    bad = fresh | {"signatures": fresh["signatures"][:1]}
    refused = client.post("/intents", json=bad)
    assert refused.status_code == 422
    assert Reason.INSUFFICIENT_SIGNATURES.value in refused.text
    deadline = time.monotonic() + 60
    while not all_confirmed(relayer.store, ids):
        assert time.monotonic() < deadline, states(relayer.store, ids)
        time.sleep(0.05)
    relayer.stop(timeout=10)
    paid_once(dep, intent_list, before)


def test_an_intent_consumed_elsewhere_counts_as_done(dep: Deployment, make_relayer: Callable[..., Relayer]) -> None:
    relayer = boot(make_relayer())
    adapter = soroban_adapter(relayer)
    escrow = dep.create()
    intent = dep.intent(escrow)
    record, _ = accept(relayer.ctx, submission(dep, adapter, intent))
    assert record.state is IntentState.VERIFIED
    # someone else submits the same signed intent straight to the contract first
    dep.escrow.release_with_intent(intent, dep.sign(intent), source=dep.stranger)
    drain(relayer, [record.intent_id])
    stored = relayer.store.get(record.intent_id)
    assert stored is not None
    assert stored.state is IntentState.CONFIRMED
    assert "consumed" in (stored.reason or "")
    assert releases_sent(dep)[1:] == []  # only the stranger's release reached the contract


# --- bad input ----------------------------------------------------------------------------------


def _under_signed(dep: Deployment, a: SorobanAdapter, intent: intents.PayoutIntent) -> IntentSubmission:
    return submission(dep, a, intent, dep.verifiers[:1])


def _unknown_signer(dep: Deployment, a: SorobanAdapter, intent: intents.PayoutIntent) -> IntentSubmission:
    return submission(dep, a, intent, [dep.verifiers[0], dep.stranger])


def _duplicate_signer(dep: Deployment, a: SorobanAdapter, intent: intents.PayoutIntent) -> IntentSubmission:
    return submission(dep, a, intent, [dep.verifiers[0], dep.verifiers[0]])


def _tampered_amount(dep: Deployment, a: SorobanAdapter, intent: intents.PayoutIntent) -> IntentSubmission:
    signed = submission(dep, a, intent)
    return signed.model_copy(update={"intent": intent.model_copy(update={"amount": intent.amount * 2})})


def _expired(dep: Deployment, a: SorobanAdapter, intent: intents.PayoutIntent) -> IntentSubmission:
    return submission(dep, a, intent.model_copy(update={"deadline": dep.now() - 1}))


def _replayed(dep: Deployment, a: SorobanAdapter, intent: intents.PayoutIntent) -> IntentSubmission:
    dep.escrow.release_with_intent(intent, dep.sign(intent), source=dep.stranger)  # paid once already
    return submission(dep, a, intent)


def _wrong_chain(dep: Deployment, a: SorobanAdapter, intent: intents.PayoutIntent) -> IntentSubmission:
    return submission(dep, a, intent).model_copy(update={"chain_id": a.chain_id + 1})


def _wrong_contract(dep: Deployment, a: SorobanAdapter, intent: intents.PayoutIntent) -> IntentSubmission:
    other = dep.host.deploy_escrow(dep.admin, dep.treasury, FEE_BPS)
    sigs = [
        soroban_signature(kp.public_key, intents.sign_soroban_intent(intent, a.network_passphrase, other, kp))
        for kp in dep.verifiers[:2]
    ]
    return IntentSubmission(chain_id=a.chain_id, contract=other, intent=intent, signatures=sigs)


def _short_signature(dep: Deployment, a: SorobanAdapter, intent: intents.PayoutIntent) -> IntentSubmission:
    signed = submission(dep, a, intent)
    return signed.model_copy(update={"signatures": [s[:-2] for s in signed.signatures]})


BAD: list[tuple[str, Callable[[Deployment, SorobanAdapter, intents.PayoutIntent], IntentSubmission], Reason]] = [
    ("under-signed", _under_signed, Reason.INSUFFICIENT_SIGNATURES),
    ("unknown signer", _unknown_signer, Reason.UNKNOWN_SIGNER),
    ("duplicate signer", _duplicate_signer, Reason.DUPLICATE_SIGNER),
    ("tampered amount", _tampered_amount, Reason.INVALID_SIGNATURE),
    ("expired", _expired, Reason.EXPIRED),
    ("replayed", _replayed, Reason.ALREADY_CONSUMED),
    ("wrong chain id", _wrong_chain, Reason.WRONG_CHAIN_ID),
    ("wrong contract", _wrong_contract, Reason.WRONG_CONTRACT),
    ("short signature", _short_signature, Reason.INVALID_SIGNATURE),
]


@pytest.mark.parametrize(("build", "reason"), [(b, r) for _, b, r in BAD], ids=[n for n, _, _ in BAD])
def test_bad_input_is_refused_with_a_named_reason_and_nothing_sent(
    dep: Deployment,
    make_relayer: Callable[..., Relayer],
    build: Callable[[Deployment, SorobanAdapter, intents.PayoutIntent], IntentSubmission],
    reason: Reason,
) -> None:
    relayer = boot(make_relayer())
    adapter = soroban_adapter(relayer)
    escrow = dep.create()
    intent = dep.intent(escrow)
    bad = build(dep, adapter, intent)
    sent_before = len(releases_sent(dep))
    with pytest.raises(Rejection) as refused:
        accept(relayer.ctx, bad)
    assert refused.value.reason is reason
    assert relayer.store.get(bad.intent.intent_id) is None
    for _ in range(3):  # the stages find nothing to do
        assert not relayer.verify.tick()
        assert not relayer.submit.tick()
    assert len(releases_sent(dep)) == sent_before
    assert relayer.store.tx_history("soroban") == []


# --- fault (e): crashes around the send, then a restart ---------------------------------------------


class Crash(BaseException):
    """The process dies here (not an Exception: no stage may catch it)."""


def crash_before_send(relayer: Relayer) -> None:
    def broadcast(raw: str) -> tuple[Broadcast, str]:
        raise Crash("killed after the request was persisted, before it was sent")

    relayer.adapter.broadcast = broadcast  # type: ignore[method-assign]


def crash_after_send(relayer: Relayer) -> None:
    real = relayer.adapter.broadcast

    def broadcast(raw: str) -> tuple[Broadcast, str]:
        real(raw)
        raise Crash("killed after the request was sent, before the send was recorded")

    relayer.adapter.broadcast = broadcast  # type: ignore[method-assign]


@pytest.mark.parametrize("crash", [crash_before_send, crash_after_send], ids=["before-send", "after-send"])
def test_a_crash_around_the_send_then_a_restart_pays_each_intent_once(
    dep: Deployment, make_relayer: Callable[..., Relayer], crash: Callable[[Relayer], None]
) -> None:
    escrow = dep.create()
    intent_list = [dep.intent(escrow, m) for m in range(3)]
    before = balances(dep)
    first = boot(make_relayer())
    ids = [accept(first.ctx, submission(dep, soroban_adapter(first), i))[0].intent_id for i in intent_list]
    crash(first)
    with pytest.raises(Crash):
        first.submit.tick()
    first.store.dispose()  # the process is gone; only the database file remains

    second = boot(make_relayer())
    stored = second.store.tx_history("soroban")
    assert len(stored) == 1
    assert stored[0].state is TxState.SIGNED  # persisted before the send; the send was never recorded
    assert states(second.store, ids)[stored[0].intent_ids[0]] is IntentState.SUBMITTED
    drain(second, ids)
    paid_once(dep, intent_list, before)

    txs = second.store.tx_history("soroban")
    assert len(txs) == len(intent_list)
    crashed = next(t for t in txs if t.id == stored[0].id)
    assert crashed.raw_tx == stored[0].raw_tx  # resent identically, never rebuilt
    assert crashed.state is TxState.CONFIRMED
    sends = [p for p in releases_sent(dep) if p == json.loads(crashed.raw_tx)["params"]]
    assert len(sends) == (1 if crash is crash_before_send else 2)  # after-send: resent as is, consumed once


def test_repeated_crashes_lose_nothing_and_pay_once(dep: Deployment, make_relayer: Callable[..., Relayer]) -> None:
    escrows = [dep.create(), dep.create()]
    intent_list = [dep.intent(e, m) for e in escrows for m in range(3)]
    before = balances(dep)
    relayer = boot(make_relayer())
    ids = [accept(relayer.ctx, submission(dep, soroban_adapter(relayer), i))[0].intent_id for i in intent_list]
    crashes = [crash_before_send, crash_after_send, crash_after_send, crash_before_send]
    crashes.pop(0)(relayer)  # each process but the last dies at its first send
    restarts = 0
    deadline = time.monotonic() + 120
    while not all_confirmed(relayer.store, ids):
        assert time.monotonic() < deadline, states(relayer.store, ids)
        try:
            relayer.verify.tick()
            relayer.submit.tick()
            relayer.confirm.tick()
        except Crash:
            relayer.store.dispose()
            relayer = boot(make_relayer())
            restarts += 1
            if crashes:
                crashes.pop(0)(relayer)
    assert restarts == 4
    assert set(states(relayer.store, ids).values()) == {IntentState.CONFIRMED}
    paid_once(dep, intent_list, before)


# --- configuration ------------------------------------------------------------------------------


def test_soroban_settings_name_what_to_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    with pytest.raises(ConfigError) as missing:
        load_settings(None, chain="soroban", database_url=db)
    assert "soroban (env QUILTKIT_RELAYER_SOROBAN)" in str(missing.value)
    assert "rpc_url" not in str(missing.value)  # the EVM settings are not asked for
    contract = "C" + "A" * 55
    with pytest.raises(ConfigError) as bad_secret:
        load_settings(
            None, chain="soroban", database_url=db, soroban={"contract_id": contract, "submitter_secret": "S123"}
        )
    assert "soroban.submitter_secret (env QUILTKIT_RELAYER_SOROBAN__SUBMITTER_SECRET)" in str(bad_secret.value)
    secret = keypair("relayer").secret
    with pytest.raises(ConfigError) as verifier:
        load_settings(
            None,
            chain="soroban",
            database_url=db,
            soroban={"contract_id": contract, "submitter_secret": secret},
            verifier_key="0x" + "11" * 32,
        )
    assert "with chain = soroban set soroban.verifier_secret" in str(verifier.value)
    monkeypatch.setenv("QUILTKIT_RELAYER_CHAIN", "soroban")
    monkeypatch.setenv("QUILTKIT_RELAYER_SOROBAN__CONTRACT_ID", contract)
    monkeypatch.setenv("QUILTKIT_RELAYER_SOROBAN__SUBMITTER_SECRET", secret)
    settings = load_settings(None, database_url=db)
    assert settings.chain == "soroban"
    assert settings.soroban is not None
    assert settings.soroban.contract_id == contract
    assert settings.soroban.submitter_secret.get_secret_value() == secret
    assert settings.rpc_url is None


def test_a_stored_request_that_fails_when_resent_sends_its_intent_back_to_verification(
    dep: Deployment, make_relayer: Callable[..., Relayer]
) -> None:
    escrow = dep.create()
    intent = dep.intent(escrow)
    before = balances(dep)
    first = boot(make_relayer())
    intent_id = accept(first.ctx, submission(dep, soroban_adapter(first), intent))[0].intent_id
    crash_before_send(first)
    with pytest.raises(Crash):
        first.submit.tick()
    first.store.dispose()
    dep.escrow.cancel(escrow, signer=dep.maintainer)  # meanwhile the payer cancels the bounty

    second = boot(make_relayer())
    deadline = time.monotonic() + 60
    while states(second.store, [intent_id])[intent_id] not in TERMINAL_STATES:
        assert time.monotonic() < deadline, states(second.store, [intent_id])
        second.verify.tick()
        second.submit.tick()
        second.confirm.tick()
    record = second.store.get(intent_id)
    assert record is not None
    assert record.state is IntentState.SUPERSEDED
    assert (record.reason or "").startswith(Reason.MILESTONE_NOT_PENDING.value)
    (tx,) = second.store.tx_history("soroban")
    assert tx.state is TxState.REVERTED  # the stored request ran (as persisted) and failed on chain
    assert len(releases_sent(dep)) == 1
    assert dep.escrow.intent_status(intent).status is not IntentStatus.PAID
    assert balances(dep) == before


def test_the_keeper_opens_refunds_on_the_harness(dep: Deployment, make_relayer: Callable[..., Relayer]) -> None:
    now = dep.now()
    due = dep.create(deadline=now + 3_600)
    relayer = boot(make_relayer(keeper={"open_refunds": True}))
    dep.host.set_ledger(timestamp=now + 3_601)
    relayer.keeper.tick()
    deadline = time.monotonic() + 30
    while relayer.store.tx_history("soroban")[0].state is not TxState.CONFIRMED:
        assert time.monotonic() < deadline, relayer.store.tx_history("soroban")
        relayer.confirm.tick()
    assert dep.escrow.get_escrow(due).status.name == "REFUNDING"
    relayer.keeper.tick()
    assert len(relayer.store.tx_history("soroban")) == 1
