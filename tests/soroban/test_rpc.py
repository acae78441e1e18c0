"""The Rpc backend against FakeStellarRpc, which stands in for a live Stellar RPC server.

FakeStellarRpc (tests/soroban/fake_rpc.py) answers the documented JSON-RPC shapes and applies
the transactions on the local Soroban host, so the flow is the real one: build, simulate,
prepare, authorise the auth entries (ADDRESS_V2, valid until latest + N), sign, send, poll
getTransaction (NOT_FOUND is "not yet", never a failure) until SUCCESS or FAILED.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from quiltkit.escrow import IntentStatus
from quiltkit.exceptions import InvalidInput
from quiltkit.soroban import (
    ContractCall,
    Rpc,
    SorobanAuthError,
    SorobanEscrow,
    SorobanRpcError,
    SorobanTimeout,
    SorobanTransactionFailed,
)
from quiltkit.soroban import errors as soroban_errors
from stellar_sdk import Keypair, TransactionEnvelope, scval, xdr
from stellar_sdk.auth import authorize_entry
from stellar_sdk.operation import InvokeHostFunction

from tests.soroban.conftest import DAY, FEE_BPS, UNIT, RecordingHost, keypair
from tests.soroban.fake_rpc import FakeStellarRpc, FakeTx


class World:
    def __init__(self, host: RecordingHost, fake: FakeStellarRpc) -> None:
        self.host, self.fake = host, fake
        self.roles = {r: keypair(r) for r in ("admin", "treasury", "maintainer", "funder", "contributor", "arbiter")}
        self.roles.update(relayer=keypair("relayer"), v1=keypair("v1"), v2=keypair("v2"), v3=keypair("v3"))
        for kp in self.roles.values():
            fake.fund_account(kp)
        self.token = host.deploy_sac(self.roles["admin"])
        self.contract = host.deploy_escrow(self.roles["admin"], self.roles["treasury"], FEE_BPS)
        for holder in ("maintainer", "funder"):
            host.mint(self.token, self.roles[holder], 10_000 * UNIT)

    def rpc(self, **kwargs: Any) -> Rpc:
        kwargs.setdefault("source", self.roles["relayer"])
        kwargs.setdefault("poll_interval_s", 0.01)
        return Rpc(self.fake.url, **kwargs)

    def escrow(self, **kwargs: Any) -> SorobanEscrow:
        return SorobanEscrow(self.rpc(**kwargs), self.contract)

    def create(self, escrow: SorobanEscrow, **overrides: Any) -> int:
        terms: dict[str, Any] = {
            "token": self.token,
            "amounts": [300 * UNIT, 500 * UNIT],
            "deadline": self.host.ledger().timestamp + 14 * DAY,
            "arbiter": self.roles["arbiter"].public_key,
            "verifiers": [self.roles[v].public_key for v in ("v1", "v2", "v3")],
            "threshold": 2,
        }
        terms.update(overrides)
        return escrow.create(terms, signer=self.roles["maintainer"]).escrow_id


@pytest.fixture
def world(host: RecordingHost) -> Iterator[World]:
    fake = FakeStellarRpc(host)
    try:
        yield World(host, fake)
    finally:
        fake.close()


def _sent_envelope(world: World, tx_hash: str) -> TransactionEnvelope:
    return world.fake.transactions[tx_hash].envelope


def test_network_passphrase_comes_from_get_network(world: World) -> None:
    rpc = world.rpc()
    assert rpc.network_passphrase == world.host.network_passphrase
    assert world.fake.calls == ["getNetwork"]
    assert rpc.ledger().sequence == world.host.ledger().sequence


def test_write_polls_not_found_then_success(world: World) -> None:
    escrow = world.escrow()
    world.fake.not_found_polls = 2
    ledger_before = world.host.ledger().sequence
    created = escrow.create(
        {
            "token": world.token,
            "amounts": [300 * UNIT],
            "deadline": world.host.ledger().timestamp + DAY,
            "verifiers": [world.roles["v1"].public_key],
            "threshold": 1,
        },
        signer=world.roles["maintainer"],
    )
    tx_hash = created.tx.tx_hash
    assert tx_hash is not None and created.escrow_id == 0
    assert world.fake.polls(tx_hash) == ["NOT_FOUND", "NOT_FOUND", "SUCCESS"]
    assert created.tx.ledger == ledger_before + 1
    assert created.tx.event("escrow_created").args["payer"] == world.roles["maintainer"].public_key
    assert world.fake.calls[-4:] == ["sendTransaction", "getTransaction", "getTransaction", "getTransaction"]

    envelope = _sent_envelope(world, tx_hash)
    assert envelope.transaction.source.account_id == world.roles["relayer"].public_key
    bounds = envelope.transaction.preconditions.time_bounds
    assert bounds is not None and bounds.min_time == 0
    assert 0 < bounds.max_time - time.time() <= 30  # short time bounds: the Rpc default of 30 s
    (op,) = envelope.transaction.operations
    assert isinstance(op, InvokeHostFunction)
    (entry,) = op.auth
    assert entry.credentials.type == xdr.SorobanCredentialsType.SOROBAN_CREDENTIALS_ADDRESS_V2
    creds = entry.credentials.address_v2
    assert creds.signature_expiration_ledger.uint32 == ledger_before + 100
    assert creds.signature.type == xdr.SCValType.SCV_VEC
    assert envelope.transaction.soroban_data is not None and envelope.transaction.fee > 90_000
    assert escrow.get_escrow(0).payer == world.roles["maintainer"].public_key


def test_fund_and_attested_release_through_rpc(world: World) -> None:
    escrow = world.escrow()
    eid = world.create(escrow)
    funded = escrow.fund(eid, 800 * UNIT, signer=world.roles["funder"])
    assert funded.event("escrow_funded").args["funded"] == 800 * UNIT
    assert world.host.balance(world.token, world.contract) == 800 * UNIT
    op = _sent_envelope(world, funded.tx_hash or "").transaction.operations[0]
    assert isinstance(op, InvokeHostFunction)
    assert len(op.auth[0].root_invocation.sub_invocations) == 1  # the SAC transfer, signed too

    from quiltkit import intents

    intent = intents.PayoutIntent(
        escrow_id=eid,
        milestone=1,
        payee=world.roles["contributor"].public_key,
        amount=500 * UNIT,
        token=world.token,
        intent_id=intents.new_intent_id(),
        deadline=world.host.ledger().timestamp + DAY,
        evidence_hash=intents.evidence_hash({"pr": 7}),
    )
    assert escrow.intent_hash(intent) == escrow.digest(intent)
    paid = escrow.release_with_intent(intent, escrow.sign_intent(intent, [world.roles["v1"], world.roles["v3"]]))
    assert paid.event("intent_executed").args["intent_id"] == intent.intent_id
    assert world.host.balance(world.token, world.roles["contributor"]) == 495 * UNIT
    assert escrow.intent_status(intent).status is IntentStatus.PAID


def test_failed_transaction_raises_the_decoded_contract_error(world: World) -> None:
    """Simulation passes, then a competing relayer lands the same intent first: FAILED, with the
    milestone's error (the milestone is the replay guard)."""
    escrow = world.escrow()
    eid = world.create(escrow)
    escrow.fund(eid, 800 * UNIT, signer=world.roles["funder"])
    from quiltkit import intents

    intent = intents.PayoutIntent(
        escrow_id=eid,
        milestone=0,
        payee=world.roles["contributor"].public_key,
        amount=300 * UNIT,
        token=world.token,
        intent_id=intents.new_intent_id(),
        deadline=world.host.ledger().timestamp + DAY,
        evidence_hash=intents.evidence_hash({"pr": 8}),
    )
    signatures = escrow.sign_intent(intent, [world.roles["v1"], world.roles["v2"]])

    def competitor_lands_first(tx: FakeTx) -> None:
        SorobanEscrow(world.host, world.contract).release_with_intent(intent, signatures)

    world.fake.before_apply = competitor_lands_first
    world.fake.not_found_polls = 1
    with pytest.raises(soroban_errors.EscrowMilestoneAlreadyReleased) as caught:
        escrow.release_with_intent(intent, signatures)
    assert caught.value.code == 122
    (tx,) = [t for t in world.fake.transactions.values() if t.status == "FAILED"]
    assert tx.polls == ["NOT_FOUND", "FAILED"]
    assert world.host.balance(world.token, world.roles["contributor"]) == 297 * UNIT  # paid once


def test_failed_without_diagnostics_names_the_result_code(world: World) -> None:
    escrow = world.escrow()
    eid = world.create(escrow)
    world.fake.diagnostics = False
    world.fake.before_apply = lambda tx: SorobanEscrow(world.host, world.contract).cancel(
        eid, signer=world.roles["maintainer"]
    )
    with pytest.raises(SorobanTransactionFailed) as caught:
        escrow.fund(eid, 100 * UNIT, signer=world.roles["funder"])
    assert caught.value.result_code == "txFAILED/INVOKE_HOST_FUNCTION_TRAPPED"


def test_simulation_error_is_mapped_and_nothing_is_sent(world: World) -> None:
    escrow = world.escrow()
    with pytest.raises(soroban_errors.EscrowNotFound):
        escrow.transact("release", scval.to_uint64(42), scval.to_uint32(0), signers=[world.roles["maintainer"]])
    assert "sendTransaction" not in world.fake.calls


def test_forged_auth_entry_fails_on_chain_as_auth_error(world: World) -> None:
    escrow = world.escrow()
    eid = world.create(escrow, payee=world.roles["contributor"].public_key)
    escrow.fund(eid, 300 * UNIT, signer=world.roles["maintainer"])
    rpc = escrow.backend
    call = ContractCall(world.contract, "release", (scval.to_uint64(eid), scval.to_uint32(0)))
    sim = rpc.simulate(call, source=world.roles["relayer"].public_key)
    forged = authorize_entry(
        sim.auth_entries[0], world.roles["contributor"], sim.latest_ledger + 10, rpc.network_passphrase
    )
    with pytest.raises(SorobanAuthError) as caught:
        rpc.submit(call, [forged], simulation=sim)
    assert (caught.value.error_type, caught.value.error_code) == ("Auth", "InvalidAction")
    assert world.host.balance(world.token, world.roles["contributor"]) == 0


def test_try_again_later_is_resent(world: World) -> None:
    escrow = world.escrow()
    world.fake.send_statuses = ["TRY_AGAIN_LATER", "TRY_AGAIN_LATER"]
    eid = world.create(escrow)
    assert eid == 0
    assert world.fake.calls.count("sendTransaction") == 3


def test_send_error_is_a_transaction_failure(world: World) -> None:
    escrow = world.escrow()
    world.fake.send_statuses = ["ERROR"]
    with pytest.raises(SorobanTransactionFailed) as caught:
        world.create(escrow)
    assert caught.value.result_code == "txBAD_SEQ"
    assert "getTransaction" not in world.fake.calls


def test_transient_rpc_errors_while_polling_are_not_failures(world: World) -> None:
    escrow = world.escrow()
    world.fake.rpc_errors = [(-32603, "internal error"), (-32603, "database locked")]
    assert world.create(escrow) == 0
    assert world.fake.calls.count("getTransaction") == 3


def test_not_found_past_the_time_bounds_means_never_applied(world: World) -> None:
    escrow = world.escrow(tx_timeout_s=30)
    world.fake.never_apply = True
    world.fake.close_time_step = 20  # each poll, the latest ledger closes 20 s later
    with pytest.raises(SorobanTimeout, match="can no longer be applied, so it is safe to resubmit") as caught:
        world.create(escrow)
    tx = world.fake.transactions[caught.value.tx_hash]
    assert tx.polls == ["NOT_FOUND", "NOT_FOUND"] and tx.status == "PENDING"
    assert escrow.escrow_count() == 0


def test_client_deadline_while_not_found(world: World) -> None:
    now = [0.0]
    escrow = world.escrow(max_wait_s=5.0, poll_interval_s=1.0, sleep=lambda s: now.__setitem__(0, now[0] + s))
    escrow.backend._clock = lambda: now[0]  # type: ignore[attr-defined]
    world.fake.never_apply = True
    with pytest.raises(SorobanTimeout, match="may still be") as caught:
        world.create(escrow)
    polls = world.fake.transactions[caught.value.tx_hash].polls
    assert polls == ["NOT_FOUND"] * 6  # t = 0..5 s, every answer NOT_FOUND, none taken as failure
    assert isinstance(caught.value, TimeoutError)


def test_write_without_source_fails_before_sending(world: World) -> None:
    escrow = SorobanEscrow(Rpc(world.fake.url), world.contract)
    with pytest.raises(InvalidInput, match="needs a source Keypair"):
        escrow.refund(0)
    assert world.fake.calls == ["getNetwork"]


def test_unknown_source_account(world: World) -> None:
    stranger = Keypair.random()
    escrow = world.escrow(source=stranger)
    with pytest.raises(InvalidInput, match="does not exist on this network"):
        escrow.refund(0)


def test_unreachable_rpc_is_a_connection_error() -> None:
    with pytest.raises(SorobanRpcError, match="cannot reach the Stellar RPC") as caught:
        Rpc("http://127.0.0.1:9/", http_timeout_s=1.0)
    assert isinstance(caught.value, ConnectionError)
