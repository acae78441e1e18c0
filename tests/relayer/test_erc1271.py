"""Contract verifiers (ERC-1271, e.g. a Safe): their signature names no key that ECDSA could
recover, so a submission carries it as ``<verifier address>:0x<signature>``; the relayer asks the
verifier contract (``isValidSignature``) before anything is sent, as the escrow will, and pays
when it says yes. ``ERC1271Wallet`` (contracts/testing) stands in for a Safe: its owner key signs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from quiltkit import intents
from quiltkit.escrow import EscrowTerms, MilestoneState
from quiltkit_relayer.daemon import Relayer
from quiltkit_relayer.models import contract_signature

from tests.relayer.conftest import ROOT, UNIT, Chain, all_confirmed, relayer_settings, wait_until

WALLET_ARTIFACT = ROOT / ".build" / "forge" / "out" / "ERC1271Wallet.sol" / "ERC1271Wallet.json"


def _deploy_wallet(chain: Chain, owner: str) -> str:
    artifact = json.loads(WALLET_ARTIFACT.read_text())  # `make build` (forge) writes it
    factory = chain.w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"]["object"])
    deployer = chain.operator
    tx = factory.constructor(owner).build_transaction(
        {"from": deployer.address, "nonce": chain.w3.eth.get_transaction_count(deployer.address)}
    )
    signed = deployer.sign_transaction(tx)
    receipt = chain.w3.eth.wait_for_transaction_receipt(chain.w3.eth.send_raw_transaction(signed.raw_transaction))
    return str(receipt["contractAddress"])


class Safe:
    def __init__(self, chain: Chain, address: str, owner: LocalAccount, escrow_id: int) -> None:
        self.chain, self.address, self.owner, self.escrow_id = chain, address, owner, escrow_id

    def body(self, intent: intents.PayoutIntent, *, wallet_key: LocalAccount | None = None) -> dict[str, Any]:
        """Verifier 0 (an EOA) signs with ECDSA, the wallet (verifier 1) through its owner key."""
        domain = self.chain.escrow.domain()
        ecdsa = "0x" + intents.sign_intent(intent, domain, self.chain.verifiers[0]).hex()
        by_wallet = intents.sign_intent(intent, domain, wallet_key or self.owner)
        return self.chain.submission(intent) | {"signatures": [ecdsa, contract_signature(self.address, by_wallet)]}


@pytest.fixture
def safe(chain: Chain) -> Safe:
    owner = chain.accounts[12]
    wallet = _deploy_wallet(chain, owner.address)
    verifiers = [chain.verifiers[0].address, wallet, chain.verifiers[2].address]
    now = int(chain.w3.eth.get_block("latest")["timestamp"])
    terms = EscrowTerms(amounts=[UNIT, UNIT], deadline=now + 30 * 86_400, verifiers=verifiers, threshold=2)
    created = chain.escrow.create(terms, sender=chain.maintainer, initial_funding=2 * UNIT)
    return Safe(chain, wallet, owner, created.escrow_id)


@pytest.fixture
def relayer(chain: Chain, sqlite_url: str) -> Iterator[Relayer]:
    r = Relayer(relayer_settings(chain, sqlite_url))
    r.start()
    try:
        yield r
    finally:
        r.stop()
        r.store.dispose()


def test_a_contract_verifiers_signature_is_checked_with_the_contract_then_paid(
    chain: Chain, safe: Safe, relayer: Relayer
) -> None:
    client = TestClient(relayer.app)
    intent = chain.intent(safe.escrow_id, 1)
    answer = client.post("/intents", json=safe.body(intent))
    assert answer.status_code == 201, answer.text
    assert answer.json()["signers"] == [chain.verifiers[0].address, safe.address]
    wait_until(lambda: all_confirmed(relayer.store, [intent.intent_id]), timeout=30, what="the payout")
    assert chain.paid(intent.intent_id)
    assert chain.escrow.get_escrow(safe.escrow_id).milestones[1].state is MilestoneState.RELEASED


def test_a_signature_the_contract_verifier_rejects_is_refused_and_nothing_sent(
    chain: Chain, safe: Safe, relayer: Relayer
) -> None:
    client = TestClient(relayer.app)
    nonce = chain.nonce(chain.relayer)
    intent = chain.intent(safe.escrow_id, 0)
    stranger = chain.accounts[13]  # not the wallet's owner: the wallet says no
    answer = client.post("/intents", json=safe.body(intent, wallet_key=stranger))
    assert answer.status_code == 422
    assert answer.json()["reason"] == "invalid_signature"
    assert safe.address in answer.json()["detail"]
    assert relayer.store.get(intent.intent_id) is None
    assert chain.nonce(chain.relayer) == nonce

    not_a_verifier = chain.accounts[14].address  # an EOA has no isValidSignature, and is no verifier
    body = safe.body(intent)
    body["signatures"][1] = contract_signature(not_a_verifier, b"\x01" * 65)
    answer = client.post("/intents", json=body)
    assert answer.status_code == 422 and answer.json()["reason"] == "unknown_signer"

    body["signatures"][1] = "0x1234:0x" + "ab" * 65  # not an address before the colon
    assert client.post("/intents", json=body).status_code == 422
    assert chain.nonce(chain.relayer) == nonce
