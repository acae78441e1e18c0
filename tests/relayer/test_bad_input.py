"""Bad input, table style: each submission is refused with a named reason, nothing is broadcast
(the relayer's nonce does not move) and nothing already in the store is lost or changed."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from quiltkit import intents
from quiltkit.devchain import anvil
from quiltkit.intents import EvmDomain, PayoutIntent
from quiltkit_relayer.daemon import Relayer
from quiltkit_relayer.models import IntentState

from tests.relayer.conftest import ACCOUNTS, Chain, all_confirmed, deploy, relayer_settings, wait_until


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Chain, Relayer, TestClient, str]]:
    """One anvil, one running relayer, and one intent already paid through it."""
    db = Path(tmp_path_factory.mktemp("bad")) / "relayer.db"
    with anvil(args=("--accounts", str(ACCOUNTS))) as w3:
        chain = deploy(w3, str(w3.provider.endpoint_uri))  # type: ignore[attr-defined]
        relayer = Relayer(relayer_settings(chain, f"sqlite:///{db}"))
        relayer.start()
        client = TestClient(relayer.app)
        escrow_id = chain.bounty(milestones=3)
        good = chain.intent(escrow_id, 0)
        assert client.post("/intents", json=chain.submission(good)).status_code == 201
        wait_until(lambda: all_confirmed(relayer.store, [good.intent_id]), timeout=20, what="the baseline payout")
        try:
            yield chain, relayer, client, good.intent_id
        finally:
            relayer.stop()
            relayer.store.dispose()


def _wrong_chain(chain: Chain, intent: PayoutIntent) -> dict[str, Any]:
    domain = EvmDomain(chain_id=1, verifying_contract=chain.escrow.address)
    sigs = ["0x" + intents.sign_intent(intent, domain, v).hex() for v in chain.verifiers[:2]]
    return chain.submission(intent) | {"chain_id": 1, "signatures": sigs}


def _wrong_contract(chain: Chain, intent: PayoutIntent) -> dict[str, Any]:
    other = chain.accounts[11].address
    domain = EvmDomain(chain_id=chain.chain_id, verifying_contract=other)
    sigs = ["0x" + intents.sign_intent(intent, domain, v).hex() for v in chain.verifiers[:2]]
    return chain.submission(intent) | {"contract": other, "signatures": sigs}


def _expired(chain: Chain, intent: PayoutIntent) -> dict[str, Any]:
    past = intent.model_copy(update={"deadline": chain.now() - 60})
    return chain.submission(past)


def _under_signed(chain: Chain, intent: PayoutIntent) -> dict[str, Any]:
    return chain.submission(intent, chain.verifiers[:1])


def _duplicate_signer(chain: Chain, intent: PayoutIntent) -> dict[str, Any]:
    sig = chain.sign(intent, chain.verifiers[:1])[0]
    return chain.submission(intent) | {"signatures": [sig, sig]}


def _tampered_amount(chain: Chain, intent: PayoutIntent) -> dict[str, Any]:
    body = chain.submission(intent)  # signed for the real amount...
    body["intent"]["amount"] = intent.amount * 10  # ...then the amount is raised
    return body


def _tampered_payee(chain: Chain, intent: PayoutIntent) -> dict[str, Any]:
    body = chain.submission(intent)
    body["intent"]["payee"] = chain.accounts[12].address
    return body


def _replayed(chain: Chain, intent: PayoutIntent) -> dict[str, Any]:
    """The intent was already paid (sent straight to the contract, not through this relayer)."""
    body = chain.submission(intent)
    verifiers = [v.address for v in chain.verifiers]
    sigs = intents.signatures_for(
        intent, chain.escrow.domain(), verifiers, [bytes.fromhex(s[2:]) for s in body["signatures"]]
    )
    chain.escrow.release_with_intent(intent, verifiers, sigs, sender=chain.accounts[2])
    return body


def _unknown_signer(chain: Chain, intent: PayoutIntent) -> dict[str, Any]:
    return chain.submission(intent, [chain.verifiers[0], chain.accounts[13]])


def _short_signature(chain: Chain, intent: PayoutIntent) -> dict[str, Any]:
    return chain.submission(intent) | {"signatures": ["0x" + "ab" * 10]}


def _no_escrow(chain: Chain, intent: PayoutIntent) -> dict[str, Any]:
    return chain.submission(intent.model_copy(update={"escrow_id": 999}))


def _wrong_milestone(chain: Chain, intent: PayoutIntent) -> dict[str, Any]:
    bad = intent.model_copy(update={"milestone": 7})
    return chain.submission(bad)


def _missing_field(chain: Chain, intent: PayoutIntent) -> dict[str, Any]:
    body = chain.submission(intent)
    del body["intent"]["payee"]
    return body


def _conflicting_id(chain: Chain, intent: PayoutIntent) -> None:
    """Built in the test: the baseline payout's stored id reused for other content."""


Case = tuple[str, Callable[[Chain, PayoutIntent], Any], int, str]

CASES: list[Case] = [
    ("malformed JSON", lambda c, i: b'{"chain_id": 31337, "intent": {', 400, "malformed_json"),
    ("missing field", _missing_field, 422, "invalid_intent"),
    ("wrong chain id", _wrong_chain, 422, "wrong_chain_id"),
    ("wrong contract", _wrong_contract, 422, "wrong_contract"),
    ("expired", _expired, 422, "expired"),
    ("under-signed", _under_signed, 422, "insufficient_signatures"),
    ("duplicate signer", _duplicate_signer, 422, "duplicate_signer"),
    ("tampered amount", _tampered_amount, 422, "amount_mismatch"),
    ("tampered payee", _tampered_payee, 422, "unknown_signer"),
    ("replayed intent", _replayed, 422, "intent_already_consumed"),
    ("signer not a verifier", _unknown_signer, 422, "unknown_signer"),
    ("malformed signature", _short_signature, 422, "invalid_signature"),
    ("no such escrow", _no_escrow, 422, "escrow_not_found"),
    ("no such milestone", _wrong_milestone, 422, "invalid_milestone"),
    ("intent id reused", _conflicting_id, 409, "intent_id_conflict"),
]


@pytest.mark.parametrize(("name", "build", "status", "reason"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_rejected_with_a_named_reason(
    world: tuple[Chain, Relayer, TestClient, str],
    name: str,
    build: Callable[[Chain, PayoutIntent], Any],
    status: int,
    reason: str,
) -> None:
    chain, relayer, client, paid_id = world
    escrow_id = chain.bounty(milestones=1)
    intent = chain.intent(escrow_id, 0)
    if name == "intent id reused":
        body: Any = chain.submission(intent.model_copy(update={"intent_id": paid_id}))
    else:
        body = build(chain, intent)
    before_store = [r.model_dump() for r in relayer.store.list_intents(limit=1000)]
    nonce_before = chain.nonce(chain.relayer)
    balance_before = chain.w3.eth.get_balance(intent.payee)

    if isinstance(body, bytes):
        response = client.post("/intents", content=body, headers={"Content-Type": "application/json"})
    else:
        response = client.post("/intents", json=body)

    assert response.status_code == status, response.text
    problem = response.json()
    assert problem["reason"] == reason
    assert problem["detail"]
    time.sleep(0.3)  # the workers keep running: give them the chance to (wrongly) act
    assert chain.nonce(chain.relayer) == nonce_before, "something was broadcast"
    after_store = [r.model_dump() for r in relayer.store.list_intents(limit=1000)]
    assert after_store == before_store, "the store changed"
    assert relayer.store.get(intent.intent_id) is None
    if name != "replayed intent":
        assert chain.w3.eth.get_balance(intent.payee) == balance_before
    paid = relayer.store.get(paid_id)
    assert paid is not None
    assert paid.state is IntentState.CONFIRMED
