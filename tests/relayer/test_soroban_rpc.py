"""The relayer's Soroban path through a Stellar RPC server: payouts go out as signed envelopes
with time bounds and the submitter's real sequence numbers; each envelope is persisted before it
is sent and resent byte for byte; it is rebuilt (same sequence number) only once the RPC shows it
in no ledger and the latest ledger closed after its time bounds; a transaction that fails on
chain sends its intent back to verification.

No live Stellar network is reachable here, so the RPC server is FakeStellarRpc
(``tests/soroban/fake_rpc.py``): the documented JSON-RPC API in front of the real Soroban host
(the harness), checking envelope signatures, sequence numbers and time bounds as a validator
does. What it fakes is consensus: a transaction is "in a ledger" once it is polled for.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from quiltkit import intents
from quiltkit.soroban import Rpc
from quiltkit.soroban.backend import time_bounds_end
from quiltkit.soroban.models import EscrowStatus
from quiltkit_relayer.chains.soroban import SorobanAdapter
from quiltkit_relayer.chains.soroban_tx import RpcTransactions
from quiltkit_relayer.config import ConfigError, load_settings
from quiltkit_relayer.daemon import Relayer
from quiltkit_relayer.keys import verifier_id, write_stellar_keystore
from quiltkit_relayer.models import IntentState, TxState
from quiltkit_relayer.pipeline import accept
from stellar_sdk import TransactionEnvelope

from tests.relayer.conftest import all_confirmed, boot, dispose, states
from tests.relayer.test_soroban_path import balances, paid_once, submission
from tests.relayer.test_webhooks import AUTHOR, REPO, SECRET, _deliver, iso8601, merged_payload
from tests.soroban.conftest import Deployment, RecordingHost, deploy
from tests.soroban.fake_rpc import FakeStellarRpc, FakeTx

INSTANCE = "soroban-rpc-test"


class Net:
    def __init__(self, dep: Deployment, fake: FakeStellarRpc) -> None:
        self.dep, self.fake = dep, fake

    def envelope(self, tx_hash: str) -> TransactionEnvelope:
        return self.fake.transactions[tx_hash.removeprefix("0x")].envelope

    def account_sequence(self, who: str) -> int:
        return self.fake.sequences[who]


@pytest.fixture
def net(harness_binary: str) -> Iterator[Net]:
    with RecordingHost(harness_binary) as host:
        fake = FakeStellarRpc(host)
        try:
            yield Net(deploy(host, open_account=fake.fund_account), fake)
        finally:
            fake.close()


@pytest.fixture
def make_relayer(net: Net, tmp_path: Path) -> Iterator[Callable[..., Relayer]]:
    """Relayers with chain = "soroban" and soroban.rpc_url = the stand-in, one SQLite file for all."""
    made: list[Relayer] = []

    def build(soroban: dict[str, Any] | None = None, **top: Any) -> Relayer:
        values: dict[str, Any] = {
            "chain": "soroban",
            "database_url": f"sqlite:///{tmp_path / 'relayer.db'}",
            "soroban": {
                "rpc_url": net.fake.url,
                "contract_id": net.dep.escrow.contract_id,
                "submitter_secret": net.dep.relayer.secret,
                "poll_interval_s": 0.01,
                **(soroban or {}),
            },
            "instance_id": INSTANCE,
            "poll_interval_s": 0.02,
            "lease_s": 10,
            "batch_wait_s": 0,
            "stuck_after_s": 0.5,
            "log_level": "warning",
            **top,
        }
        relayer = Relayer(load_settings(None, **values))
        made.append(relayer)
        return relayer

    yield build
    dispose(made)


def tick_until(relayer: Relayer, done: Callable[[], bool], *, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, what or "condition not reached"
        relayer.verify.tick()
        relayer.submit.tick()
        relayer.confirm.tick()


def adapter_of(relayer: Relayer) -> SorobanAdapter:
    assert isinstance(relayer.adapter, SorobanAdapter)
    assert isinstance(relayer.adapter.transactions, RpcTransactions)
    return relayer.adapter


def accept_all(relayer: Relayer, net: Net, intent_list: list[intents.PayoutIntent]) -> list[str]:
    ids = []
    for intent in intent_list:
        record, created = accept(relayer.ctx, submission(net.dep, adapter_of(relayer), intent))
        assert created and record.state is IntentState.VERIFIED
        ids.append(record.intent_id)
    return ids


def test_payouts_go_out_as_signed_envelopes_with_time_bounds_and_real_sequence_numbers(
    net: Net, make_relayer: Callable[..., Relayer]
) -> None:
    relayer = boot(make_relayer())
    dep = net.dep
    escrows = [dep.create(), dep.create()]
    intent_list = [dep.intent(e, m) for e in escrows for m in range(3)]
    before = balances(dep)
    start_sequence = net.account_sequence(dep.relayer.public_key)
    ids = accept_all(relayer, net, intent_list)

    in_flight: list[int] = []

    def done() -> bool:
        in_flight.append(relayer.store.live_nonce_count("soroban", dep.relayer.public_key))
        return all_confirmed(relayer.store, ids)

    tick_until(relayer, done, what=f"not all confirmed: {states(relayer.store, ids)}")
    paid_once(dep, intent_list, before)
    assert max(in_flight) == 1  # stellar-core queues one transaction per source account

    txs = relayer.store.tx_history("soroban")
    assert len(txs) == len(intent_list)
    assert all(t.state is TxState.CONFIRMED for t in txs)
    # the submitter's own sequence numbers, one after another, as the network consumed them
    assert sorted(t.nonce for t in txs) == list(range(start_sequence + 1, start_sequence + 1 + len(txs)))
    assert net.account_sequence(dep.relayer.public_key) == start_sequence + len(txs)
    for t in txs:
        sent = net.envelope(t.tx_hash)
        assert sent.to_xdr() == t.raw_tx  # what was sent is byte for byte what was persisted
        assert "0x" + sent.hash_hex() == t.tx_hash
        assert sent.transaction.sequence == t.nonce
        assert sent.transaction.source.account_id == dep.relayer.public_key
        assert time_bounds_end(sent) is not None
        assert t.gas_used > 0  # the fee charged, in stroops
        record = relayer.store.get(t.intent_ids[0])
        assert record is not None and record.tx_hash == t.tx_hash


def test_an_envelope_persisted_but_not_sent_is_sent_byte_for_byte_after_a_crash(
    net: Net, make_relayer: Callable[..., Relayer]
) -> None:
    dep = net.dep
    intent = dep.intent(dep.create())
    before = balances(dep)
    crashed = boot(make_relayer())
    (intent_id,) = accept_all(crashed, net, [intent])
    crashed.verify.tick()

    class Crash(BaseException):
        pass

    def die(raw: str) -> Any:
        raise Crash

    adapter_of(crashed).transactions.broadcast = die  # type: ignore[method-assign]
    with pytest.raises(Crash):
        crashed.submit.tick()
    (stored,) = crashed.store.tx_history("soroban")
    assert stored.state is TxState.SIGNED
    assert net.fake.transactions == {}  # nothing reached the network
    crashed.store.dispose()

    restarted = boot(make_relayer())
    tick_until(restarted, lambda: all_confirmed(restarted.store, [intent_id]))
    paid_once(dep, [intent], before)
    (tx,) = restarted.store.tx_history("soroban")
    assert tx.tx_hash == stored.tx_hash and tx.state is TxState.CONFIRMED
    assert list(net.fake.transactions) == [stored.tx_hash.removeprefix("0x")]
    assert net.envelope(stored.tx_hash).to_xdr() == stored.raw_tx


def test_an_envelope_is_rebuilt_only_after_its_time_bounds_have_passed_in_no_ledger(
    net: Net, make_relayer: Callable[..., Relayer]
) -> None:
    dep = net.dep
    intent = dep.intent(dep.create())
    before = balances(dep)
    relayer = boot(make_relayer({"tx_timeout_s": 5}))
    (intent_id,) = accept_all(relayer, net, [intent])
    net.fake.never_apply = True  # the network takes it but no ledger includes it
    relayer.verify.tick()
    relayer.submit.tick()
    (first,) = relayer.store.tx_history("soroban")
    max_time = time_bounds_end(net.envelope(first.tx_hash))
    assert max_time is not None

    # Within its time bounds it is only ever resent, never rebuilt, however long it pends
    # (stuck_after_s is 0.5 s: a fee market chain would have bumped it by now).
    end = time.monotonic() + 2.0
    while time.monotonic() < end:
        relayer.confirm.tick()
    assert [t.tx_hash for t in relayer.store.tx_history("soroban")] == [first.tx_hash]

    net.fake._close_time_offset = max_time - int(time.time()) + 1  # the latest ledger closed after max_time
    net.fake.never_apply = False
    tick_until(relayer, lambda: all_confirmed(relayer.store, [intent_id]))
    paid_once(dep, [intent], before)

    txs = relayer.store.tx_history("soroban")
    assert len(txs) == 2
    old, new = sorted(txs, key=lambda t: t.id)
    assert old.nonce == new.nonce  # same sequence number: at most one of them can ever be applied
    assert old.tx_hash != new.tx_hash
    assert new.state is TxState.CONFIRMED and old.state is not TxState.CONFIRMED
    rebuilt = net.envelope(new.tx_hash)
    new_max = time_bounds_end(rebuilt)
    assert new_max is not None and new_max > max_time
    original = TransactionEnvelope.from_xdr(old.raw_tx, net.dep.host.network_passphrase)
    assert rebuilt.transaction.operations == original.transaction.operations  # the same call
    assert old.tx_hash.removeprefix("0x") in net.fake.dropped  # the first never reached a ledger


def test_a_transaction_that_fails_on_chain_sends_its_intent_back_to_verification(
    net: Net, make_relayer: Callable[..., Relayer]
) -> None:
    dep = net.dep
    intent = dep.intent(dep.create())
    before = balances(dep)
    relayer = boot(make_relayer())
    (intent_id,) = accept_all(relayer, net, [intent])

    def competitor_lands_first(tx: FakeTx) -> None:
        net.fake.before_apply = None
        dep.escrow.release_with_intent(intent, dep.sign(intent), source=dep.stranger)

    net.fake.before_apply = competitor_lands_first
    tick_until(relayer, lambda: all_confirmed(relayer.store, [intent_id]))
    paid_once(dep, [intent], before)
    (tx,) = relayer.store.tx_history("soroban")
    assert tx.state is TxState.REVERTED
    assert net.fake.transactions[tx.tx_hash.removeprefix("0x")].status == "FAILED"
    record = relayer.store.get(intent_id)
    assert record is not None and record.state is IntentState.CONFIRMED
    assert "consumed" in (record.reason or "")


def test_soroban_rpc_settings_name_what_to_fix(net: Net, tmp_path: Path) -> None:
    base = {
        "chain": "soroban",
        "database_url": f"sqlite:///{tmp_path / 'r.db'}",
        "instance_id": INSTANCE,
    }
    soroban = {"contract_id": net.dep.escrow.contract_id, "submitter_secret": net.dep.relayer.secret}
    with pytest.raises(ConfigError, match="rpc_url and harness"):
        load_settings(None, **base, soroban=soroban | {"rpc_url": net.fake.url, "harness": "/bin/true"})
    dead = load_settings(None, **base, soroban=soroban | {"rpc_url": "http://127.0.0.1:9/"})
    with pytest.raises(ConfigError, match="soroban.rpc_url"):
        Relayer(dead)
    wrong = load_settings(None, **base, soroban=soroban | {"rpc_url": net.fake.url, "network_passphrase": "nope"})
    with pytest.raises(ConfigError, match="soroban.network_passphrase: the RPC serves"):
        Relayer(wrong)


def test_rpc_transactions_read_the_submitter_account(net: Net) -> None:
    dep = net.dep
    rpc = Rpc(net.fake.url, source=dep.relayer, poll_interval_s=0.01)
    adapter = SorobanAdapter(rpc, dep.escrow.contract_id, dep.relayer)
    assert adapter.account_nonce(pending=True) == net.account_sequence(dep.relayer.public_key) + 1
    assert adapter.balance() > 0
    assert adapter.max_in_flight == 1
    assert adapter.node_chain_id() == adapter.chain_id


def test_a_merged_pull_request_webhook_pays_a_stellar_bounty(net: Net, make_relayer: Callable[..., Relayer]) -> None:
    """GitHub's published payload (merged), HMAC-signed; this instance is the escrow's verifier
    (a Stellar key) and its submitter: the intent is built, signed with ed25519 and paid."""
    dep = net.dep
    verifier = dep.verifiers[0]
    escrow_id = dep.create(verifiers=[verifier.public_key], threshold=1)  # an open bounty (no payee yet)
    merged_at = iso8601(dep.now() - 60)  # a merge a minute ago by the ledger's clock
    payload = merged_payload(merged_at)
    before = balances(dep)
    relayer = make_relayer(
        {"verifier_secret": verifier.secret},
        github={
            "webhook_secret": SECRET,
            "bounties": [{"repo": REPO, "issue": 12, "escrow_id": escrow_id, "milestone": 1}],
            "payees": {AUTHOR: dep.contributor.public_key},
        },
    )
    relayer.start()
    client = TestClient(relayer.app)
    answer = _deliver(client, payload)
    assert answer.status_code == 202, answer.text
    result = answer.json()
    assert result["signed"] is True and result["accepted"] is True
    intent_id = result["intent_id"]
    deadline = time.monotonic() + 60
    while not all_confirmed(relayer.store, [intent_id]):
        assert time.monotonic() < deadline, states(relayer.store, [intent_id])
        time.sleep(0.05)
    relayer.stop(timeout=10)

    record = relayer.store.get(intent_id)
    assert record is not None
    assert record.signers == [verifier.public_key]
    intent = record.intent
    assert (intent.escrow_id, intent.milestone, intent.payee) == (escrow_id, 1, dep.contributor.public_key)
    assert intent.evidence_hash == intents.evidence_hash(
        {
            "repo": REPO,
            "pr": payload["pull_request"]["number"],
            "merge_commit": payload["pull_request"]["merge_commit_sha"],
            "author": AUTHOR,
            "merged_at": merged_at,
        }
    )
    paid_once(dep, [intent], before)
    # the same delivery again: deduplicated, nothing signed or sent twice
    again = _deliver(client, payload)
    assert again.json()["intent_id"] == intent_id
    assert len(relayer.store.tx_history("soroban")) == 1


def test_a_stellar_relayer_refuses_a_payee_it_cannot_pay(net: Net, make_relayer: Callable[..., Relayer]) -> None:
    dep = net.dep
    escrow_id = dep.create(verifiers=[dep.verifiers[0].public_key], threshold=1)
    relayer = make_relayer(
        {"verifier_secret": dep.verifiers[0].secret},
        github={
            "webhook_secret": SECRET,
            "bounties": [{"repo": REPO, "issue": 12, "escrow_id": escrow_id}],
            "payees": {AUTHOR: "0x" + "ab" * 20},  # an EVM address: no use on Stellar
        },
    )
    answer = _deliver(TestClient(relayer.app), merged_payload(iso8601(dep.now() - 60)))
    assert answer.status_code == 200
    assert answer.json()["reason"] == "unknown_payee"
    assert "G..." in answer.json()["detail"]
    assert relayer.store.counts()["received"] + relayer.store.counts()["verified"] == 0


def test_the_keeper_opens_refunds_of_a_soroban_escrow_past_its_deadline(
    net: Net, make_relayer: Callable[..., Relayer]
) -> None:
    dep = net.dep
    now = dep.now()
    due = dep.create(deadline=now + 3_600)
    later = dep.create()  # 14 days to go
    relayer = boot(make_relayer(keeper={"open_refunds": True}))
    relayer.keeper.tick()
    assert relayer.store.tx_history("soroban") == []  # nothing is due before the deadline

    dep.host.set_ledger(timestamp=now + 3_601)
    relayer.keeper.tick()
    relayer.keeper.tick()  # in flight: not sent twice
    (tx,) = relayer.store.tx_history("soroban")
    assert tx.kind == "keeper" and tx.keeper_job == "open_refunds" and tx.keeper_key == str(due)
    tick_until(relayer, lambda: relayer.store.tx_history("soroban")[0].state is TxState.CONFIRMED)
    assert dep.escrow.get_escrow(due).status is EscrowStatus.REFUNDING
    assert dep.escrow.get_escrow(later).status is EscrowStatus.ACTIVE
    assert net.envelope(tx.tx_hash).transaction.sequence == tx.nonce  # a signed envelope like any payout

    relayer.keeper.tick()
    assert len(relayer.store.tx_history("soroban")) == 1  # done: no longer due


def test_stellar_keys_load_from_encrypted_keystores(net: Net, tmp_path: Path) -> None:
    dep = net.dep
    password = tmp_path / "password"
    password.write_text("correct horse\n")
    submitter = write_stellar_keystore(dep.relayer, "correct horse", tmp_path / "submitter.json", iterations=2)
    verifier = write_stellar_keystore(dep.verifiers[0], "correct horse", tmp_path / "verifier.json", iterations=2)
    assert dep.relayer.secret not in submitter.read_text()
    base = {"chain": "soroban", "database_url": f"sqlite:///{tmp_path / 'r.db'}", "instance_id": INSTANCE}
    soroban = {
        "rpc_url": net.fake.url,
        "contract_id": dep.escrow.contract_id,
        "submitter_keystore": str(submitter),
        "submitter_password_file": str(password),
        "verifier_keystore": str(verifier),
        "verifier_password": "correct horse",
    }
    relayer = Relayer(load_settings(None, **base, soroban=soroban))
    try:
        assert relayer.adapter.signer_address == dep.relayer.public_key
        assert relayer.verifier is not None and verifier_id(relayer.verifier) == dep.verifiers[0].public_key
    finally:
        relayer.store.dispose()

    with pytest.raises(ConfigError, match="soroban.submitter_keystore: cannot decrypt"):
        Relayer(
            load_settings(None, **base, soroban=soroban | {"submitter_password_file": None, "submitter_password": "no"})
        )
    with pytest.raises(ConfigError, match="set one of submitter_keystore"):
        load_settings(None, **base, soroban=soroban | {"submitter_secret": dep.relayer.secret})
