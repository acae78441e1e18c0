"""Each pipeline stage on a real anvil, driven tick by tick: verify, submit (batching, simulation,
nonces), confirm (depth, reverts, vanished and reorged transactions, nonce drift)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from quiltkit import MilestoneState, intents
from quiltkit.devchain import advance_time
from quiltkit_relayer.daemon import Relayer
from quiltkit_relayer.models import IntentRecord, IntentState, IntentSubmission, Reason, TxState
from quiltkit_relayer.pipeline.confirm import RECEIPT_GRACE_S
from web3.logs import DISCARD

from tests.relayer.conftest import Chain, all_confirmed, record_of, wait_until


def _post(relayer: Relayer, chain: Chain, intent: intents.PayoutIntent, **kw: Any) -> IntentRecord:
    response = TestClient(relayer.app).post("/intents", json=chain.submission(intent, **kw))
    assert response.status_code in (201, 202), response.text
    return IntentRecord.model_validate(response.json())


def _rpc(chain: Chain, method: str, *params: Any) -> Any:
    answer = chain.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
    assert "error" not in answer, answer
    return answer.get("result")


def _drive(relayer: Relayer, rounds: int = 5) -> None:
    """Run each stage's tick in order, ``rounds`` times (no threads: deterministic)."""
    for _ in range(rounds):
        relayer.verify.tick()
        relayer.submit.tick()
        relayer.confirm.tick()


def _store_received(relayer: Relayer, chain: Chain, intent: intents.PayoutIntent) -> None:
    """Store an intent the way intake does when the node is unreachable: ``received``, unchecked."""
    prepared = relayer.adapter.prepare(IntentSubmission.model_validate(chain.submission(intent)))
    now = time.time()
    relayer.store.add_intent(
        IntentRecord(
            intent_id=intent.intent_id,
            state=IntentState.RECEIVED,
            chain="evm",
            chain_id=chain.chain_id,
            contract=chain.escrow.address,
            digest=prepared.digest,
            intent=intent,
            signatures=list(prepared.signatures),
            signers=list(prepared.signers),
            source="api",
            attempts=0,
            created_at=now,
            updated_at=now,
        )
    )


def test_several_ready_intents_go_out_in_one_multicall(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    relayer = make_relayer()
    relayer.hold_signer()
    escrow_id = chain.bounty(milestones=5)
    ids = [_post(relayer, chain, chain.intent(escrow_id, m)).intent_id for m in range(5)]

    assert relayer.submit.tick()
    relayer.confirm.tick()

    assert all_confirmed(relayer.store, ids)
    txs = relayer.store.tx_history("evm")
    assert len(txs) == 1
    assert sorted(txs[0].intent_ids) == sorted(ids)
    assert sorted(chain.consumed_ids()) == sorted(ids)
    assert {record_of(relayer.store, i).tx_hash for i in ids} == {txs[0].tx_hash}


def test_a_batch_spanning_two_verifier_sets_is_still_one_transaction(
    chain: Chain, make_relayer: Callable[..., Relayer]
) -> None:
    relayer = make_relayer()
    relayer.hold_signer()
    full_set = chain.bounty(milestones=2)
    pair = chain.verifiers[1:]
    pair_set = chain.bounty(milestones=2, verifiers=pair)
    ids = [_post(relayer, chain, chain.intent(full_set, m)).intent_id for m in range(2)]
    ids += [_post(relayer, chain, chain.intent(pair_set, m), signers=pair).intent_id for m in range(2)]

    assert relayer.submit.tick()
    relayer.confirm.tick()

    assert all_confirmed(relayer.store, ids)
    txs = relayer.store.tx_history("evm")
    assert len(txs) == 1 and sorted(txs[0].intent_ids) == sorted(ids)
    assert sorted(chain.consumed_ids()) == sorted(ids)


def test_batch_size_is_capped(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    relayer = make_relayer(batch_max=2)
    relayer.hold_signer()
    escrow_id = chain.bounty(milestones=5)
    ids = [_post(relayer, chain, chain.intent(escrow_id, m)).intent_id for m in range(5)]
    _drive(relayer, rounds=4)
    assert all_confirmed(relayer.store, ids)
    assert [len(t.intent_ids) for t in relayer.store.tx_history("evm")] == [2, 2, 1]
    assert [t.nonce for t in relayer.store.tx_history("evm")] == [0, 1, 2]


def test_verify_stage_checks_intents_intake_could_not(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    relayer = make_relayer()
    relayer.hold_signer()
    escrow_id = chain.bounty(milestones=3)
    fine, released, consumed = (chain.intent(escrow_id, m) for m in range(3))
    for intent in (fine, released, consumed):
        _store_received(relayer, chain, intent)
    # Meanwhile other intents pay milestone 1 (a different intent) and milestone 2 (this very one).
    verifiers = [v.address for v in chain.verifiers]
    sigs = intents.signatures_for(
        consumed, chain.escrow.domain(), verifiers, [bytes.fromhex(s[2:]) for s in chain.sign(consumed)]
    )
    chain.escrow.release_with_intent(consumed, verifiers, sigs, sender=chain.accounts[2])
    other = chain.intent(escrow_id, 1)  # a different intent for milestone 1 pays it first
    other_sigs = intents.signatures_for(
        other, chain.escrow.domain(), verifiers, [bytes.fromhex(s[2:]) for s in chain.sign(other)]
    )
    chain.escrow.release_with_intent(other, verifiers, other_sigs, sender=chain.accounts[2])

    assert relayer.verify.tick()

    assert record_of(relayer.store, fine.intent_id).state is IntentState.VERIFIED
    assert record_of(relayer.store, consumed.intent_id).state is IntentState.CONFIRMED  # done, not an error
    lost = record_of(relayer.store, released.intent_id)
    assert lost.state is IntentState.SUPERSEDED  # closed by another intent: not ours, not an error
    assert lost.reason is not None
    assert lost.reason.startswith("milestone_not_pending")


def test_an_intent_paid_by_someone_else_before_submission_counts_as_done(
    chain: Chain, make_relayer: Callable[..., Relayer]
) -> None:
    relayer = make_relayer()
    relayer.hold_signer()
    escrow_id = chain.bounty(milestones=3)
    batch = [chain.intent(escrow_id, m) for m in range(3)]
    for intent in batch:
        _post(relayer, chain, intent)
    verifiers = [v.address for v in chain.verifiers]
    front = batch[1]
    sigs = intents.signatures_for(
        front, chain.escrow.domain(), verifiers, [bytes.fromhex(s[2:]) for s in chain.sign(front)]
    )
    chain.escrow.release_with_intent(front, verifiers, sigs, sender=chain.accounts[2])

    _drive(relayer, rounds=3)

    assert all_confirmed(relayer.store, [i.intent_id for i in batch])
    txs = relayer.store.tx_history("evm")
    assert len(txs) == 1
    assert sorted(txs[0].intent_ids) == sorted([batch[0].intent_id, batch[2].intent_id])
    assert sorted(chain.consumed_ids()) == sorted(i.intent_id for i in batch)


def test_confirmation_depth_is_respected(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    relayer = make_relayer(confirmations=3)
    relayer.hold_signer()
    intent = chain.intent(chain.bounty())
    _post(relayer, chain, intent)
    relayer.submit.tick()
    relayer.confirm.tick()
    assert record_of(relayer.store, intent.intent_id).state is IntentState.SUBMITTED
    assert relayer.store.tx_history("evm")[0].state is TxState.MINED

    _rpc(chain, "evm_mine")
    relayer.confirm.tick()
    assert record_of(relayer.store, intent.intent_id).state is IntentState.SUBMITTED

    _rpc(chain, "evm_mine")
    relayer.confirm.tick()
    assert record_of(relayer.store, intent.intent_id).state is IntentState.CONFIRMED


def _send_ahead(chain: Chain, sender: LocalAccount, data: str | bytes) -> None:
    """Send ``data`` to the escrow from ``sender`` with a tip above the relayer's: first in the block."""
    signed = sender.sign_transaction(
        {
            "to": chain.escrow.address,
            "data": data,
            "gas": 400_000,
            "nonce": chain.nonce(sender),
            "chainId": chain.chain_id,
            "maxFeePerGas": 100 * 10**9,
            "maxPriorityFeePerGas": 50 * 10**9,
        }
    )
    chain.w3.eth.send_raw_transaction(signed.raw_transaction)


def test_a_front_run_copy_of_one_intent_does_not_sink_the_batch(
    chain: Chain, make_relayer: Callable[..., Relayer]
) -> None:
    relayer = make_relayer()
    relayer.hold_signer()
    escrow_id = chain.bounty(milestones=2)
    first, second = chain.intent(escrow_id, 0), chain.intent(escrow_id, 1)
    _post(relayer, chain, first)
    _post(relayer, chain, second)
    _rpc(chain, "evm_setAutomine", False)
    relayer.submit.tick()  # our batch waits in the pool...
    ours = relayer.store.tx_history("evm")[0]
    # ...and a front-runner copies `first` out of it and pays it in the same block, ahead of us.
    verifiers = [v.address for v in chain.verifiers]
    sigs = intents.signatures_for(
        first, chain.escrow.domain(), verifiers, [bytes.fromhex(s[2:]) for s in chain.sign(first)]
    )
    data = chain.escrow.contract.encode_abi(
        "releaseWithIntent", args=[first.as_tuple(), verifiers, [s.as_tuple() for s in sigs]]
    )
    _send_ahead(chain, chain.accounts[2], data)
    _rpc(chain, "evm_mine")
    _rpc(chain, "evm_setAutomine", True)
    receipt = chain.w3.eth.get_transaction_receipt(ours.tx_hash)
    assert receipt["status"] == 1, "the batch skips the copied intent instead of reverting"
    skipped = chain.escrow.contract.events.IntentSkipped().process_receipt(receipt, errors=DISCARD)
    assert ["0x" + bytes(e["args"]["intentId"]).hex() for e in skipped] == [first.intent_id]

    _drive(relayer, rounds=4)

    # The copy paid `first` with this very intent: it is paid, and says so.
    assert record_of(relayer.store, first.intent_id).state is IntentState.CONFIRMED
    assert record_of(relayer.store, second.intent_id).state is IntentState.CONFIRMED
    assert [t.state for t in relayer.store.tx_history("evm")] == [TxState.CONFIRMED]
    assert sorted(chain.consumed_ids()) == sorted([first.intent_id, second.intent_id])
    assert [m.state for m in chain.escrow.get_escrow(escrow_id).milestones] == [MilestoneState.RELEASED] * 2


def test_an_intent_whose_milestone_the_payer_released_first_is_not_reported_paid(
    chain: Chain, make_relayer: Callable[..., Relayer]
) -> None:
    relayer = make_relayer()
    relayer.hold_signer()
    escrow_id = chain.bounty(milestones=2, payee=chain.contributor.address)
    first, second = chain.intent(escrow_id, 0), chain.intent(escrow_id, 1)
    _post(relayer, chain, first)
    _post(relayer, chain, second)
    _rpc(chain, "evm_setAutomine", False)
    relayer.submit.tick()
    # The payer releases milestone 0 itself, in the same block and ahead of our batch.
    _send_ahead(chain, chain.maintainer, chain.escrow.contract.encode_abi("release", args=[escrow_id, 0]))
    _rpc(chain, "evm_mine")
    _rpc(chain, "evm_setAutomine", True)

    _drive(relayer, rounds=4)

    paid_by_us = record_of(relayer.store, second.intent_id)
    closed_otherwise = record_of(relayer.store, first.intent_id)
    assert paid_by_us.state is IntentState.CONFIRMED
    assert closed_otherwise.state is IntentState.SUPERSEDED, "our transaction did not pay it"
    assert closed_otherwise.reason == f"{Reason.MILESTONE_NOT_PENDING.value}: milestone 0 is RELEASED"
    assert chain.consumed_ids() == [second.intent_id]
    assert [t.state for t in relayer.store.tx_history("evm")] == [TxState.CONFIRMED]


def test_a_transaction_the_node_forgot_is_sent_again_unchanged(
    chain: Chain, make_relayer: Callable[..., Relayer]
) -> None:
    relayer = make_relayer()
    relayer.hold_signer()
    intent = chain.intent(chain.bounty())
    _post(relayer, chain, intent)
    _rpc(chain, "evm_setAutomine", False)
    relayer.submit.tick()
    tx = relayer.store.tx_history("evm")[0]
    _rpc(chain, "anvil_dropTransaction", tx.tx_hash)  # dropped from the pool

    relayer.confirm.tick()  # not known any more: broadcast again, byte for byte
    assert chain.w3.eth.get_transaction(tx.tx_hash)["hash"].hex().removeprefix("0x") == tx.tx_hash[2:]
    _rpc(chain, "evm_mine")
    _rpc(chain, "evm_setAutomine", True)
    relayer.confirm.tick()

    assert record_of(relayer.store, intent.intent_id).state is IntentState.CONFIRMED
    assert [t.tx_hash for t in relayer.store.tx_history("evm")] == [tx.tx_hash]
    assert chain.consumed_ids() == [intent.intent_id]


def test_a_reorged_out_transaction_is_sent_again(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    relayer = make_relayer(confirmations=2)
    relayer.hold_signer()
    intent = chain.intent(chain.bounty())
    _post(relayer, chain, intent)
    relayer.submit.tick()
    relayer.confirm.tick()
    tx = relayer.store.tx_history("evm")[0]
    assert tx.state is TxState.MINED

    _rpc(chain, "anvil_rollback", 1)  # the block holding our transaction is gone
    assert not chain.consumed_ids()
    relayer.confirm.tick()  # lost its receipt: sent again (automine mines it at once)
    _rpc(chain, "evm_mine")
    relayer.confirm.tick()

    assert record_of(relayer.store, intent.intent_id).state is IntentState.CONFIRMED
    assert chain.consumed_ids() == [intent.intent_id]
    assert [t.tx_hash for t in relayer.store.tx_history("evm")] == [tx.tx_hash]


def test_nonce_drift_is_resynced_from_chain(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    relayer = make_relayer()
    relayer.hold_signer()
    escrow_id = chain.bounty(milestones=2)
    first, second = chain.intent(escrow_id, 0), chain.intent(escrow_id, 1)
    _post(relayer, chain, first)
    _drive(relayer, rounds=2)
    # Someone else uses the relayer's key twice (an operator's manual transfer, say).
    for _ in range(2):
        chain.w3.eth.send_raw_transaction(
            chain.relayer.sign_transaction(
                {
                    "to": chain.accounts[2].address,
                    "value": 1,
                    "gas": 21_000,
                    "nonce": chain.nonce(chain.relayer),
                    "chainId": chain.chain_id,
                    "maxFeePerGas": 10**10,
                    "maxPriorityFeePerGas": 10**9,
                }
            ).raw_transaction
        )
    _post(relayer, chain, second)
    _drive(relayer, rounds=2)
    assert all_confirmed(relayer.store, [first.intent_id, second.intent_id])
    assert [t.nonce for t in relayer.store.tx_history("evm")] == [0, 3]


def test_a_nonce_taken_by_another_transaction_requeues_the_intents(
    chain: Chain, make_relayer: Callable[..., Relayer]
) -> None:
    relayer = make_relayer()
    relayer.hold_signer()
    intent = chain.intent(chain.bounty())
    _post(relayer, chain, intent)
    _rpc(chain, "evm_setAutomine", False)
    relayer.submit.tick()
    ours = relayer.store.tx_history("evm")[0]
    # The same key sends something else with the same nonce and a higher fee: it replaces ours.
    chain.w3.eth.send_raw_transaction(
        chain.relayer.sign_transaction(
            {
                "to": chain.accounts[2].address,
                "value": 1,
                "gas": 21_000,
                "nonce": ours.nonce,
                "chainId": chain.chain_id,
                "maxFeePerGas": ours.max_fee_per_gas * 3,
                "maxPriorityFeePerGas": ours.priority_fee_per_gas * 3,
            }
        ).raw_transaction
    )
    _rpc(chain, "evm_mine")
    _rpc(chain, "evm_setAutomine", True)

    # Within the grace the node gets to serve a late receipt, the nonce is not yet given up.
    relayer.confirm.tick()
    assert [(t.nonce, t.state) for t in relayer.store.tx_history("evm")] == [(0, ours.state)]
    time.sleep(RECEIPT_GRACE_S)
    _drive(relayer, rounds=4)

    assert record_of(relayer.store, intent.intent_id).state is IntentState.CONFIRMED
    history = relayer.store.tx_history("evm")
    assert [(t.nonce, t.state) for t in history] == [(0, TxState.DROPPED), (1, TxState.CONFIRMED)]
    assert chain.consumed_ids() == [intent.intent_id]


def test_an_intent_that_expires_before_submission_ends_expired(
    chain: Chain, make_relayer: Callable[..., Relayer]
) -> None:
    relayer = make_relayer()
    relayer.hold_signer()
    intent = chain.intent(chain.bounty(), deadline=chain.now() + 600)
    _post(relayer, chain, intent)
    advance_time(chain.w3, 3_600)
    time.sleep(0.6)  # the adapter caches chain time for half a second

    _drive(relayer, rounds=1)

    record = record_of(relayer.store, intent.intent_id)
    assert record.state is IntentState.EXPIRED
    assert record.reason is not None
    assert record.reason.startswith("expired")
    assert relayer.store.tx_history("evm") == []
    assert chain.consumed_ids() == []


def test_workers_pay_what_arrives_while_running(chain: Chain, make_relayer: Callable[..., Relayer]) -> None:
    relayer = make_relayer(batch_wait_s=0.3)
    relayer.start()
    escrow_id = chain.bounty(milestones=16)
    ids = [_post(relayer, chain, chain.intent(escrow_id, m)).intent_id for m in range(16)]
    wait_until(lambda: all_confirmed(relayer.store, ids), timeout=30, what="16 payouts")
    assert sorted(chain.consumed_ids()) == sorted(ids)
    assert len(relayer.store.tx_history("evm")) < 16  # batched


def test_idle_stages_start_at_once_on_work_this_instance_hands_them(
    chain: Chain, make_relayer: Callable[..., Relayer]
) -> None:
    relayer = make_relayer(idle_poll_interval_s=60)  # unnudged, an idle stage would look again in a minute
    relayer.start()
    escrow_id = chain.bounty(milestones=3)
    wait_until(lambda: relayer.submit.idle and relayer.confirm.idle, timeout=10, what="idle stages")
    ids = [_post(relayer, chain, chain.intent(escrow_id, m)).intent_id for m in range(3)]
    wait_until(lambda: all_confirmed(relayer.store, ids), timeout=20, what="3 payouts woken by intake")
    assert sorted(chain.consumed_ids()) == sorted(ids)
