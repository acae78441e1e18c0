"""quiltkit.intents: the SDK's EIP-712 digest is the contract's, and signatures round-trip."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from quiltkit import Escrow, InvalidAddress, InvalidInput, intents

addresses = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
words = st.binary(min_size=32, max_size=32).map(lambda b: "0x" + b.hex())
uints = st.integers(min_value=1, max_value=2**256 - 1)

intent_strategy = st.builds(
    intents.PayoutIntent,
    escrow_id=uints,
    milestone=st.integers(min_value=0, max_value=2**256 - 1),
    payee=addresses,
    amount=uints,
    token=addresses,
    intent_id=words,
    deadline=uints,
    evidence_hash=words,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(intent=intent_strategy)
def test_sdk_digest_equals_contract_hash_intent(escrow: Escrow, intent: intents.PayoutIntent) -> None:
    assert intents.intent_digest(intent, escrow.domain()) == escrow.hash_intent(intent)


@settings(max_examples=200, deadline=None)
@given(intent=intent_strategy, chain_id=uints, contract=addresses)
def test_sdk_digest_equals_eth_accounts_typed_data_encoding(
    intent: intents.PayoutIntent, chain_id: int, contract: str
) -> None:
    """The written-out digest equals the generic EIP-712 encoder's, for any intent and domain."""
    domain = intents.EvmDomain(chain_id=chain_id, verifying_contract=contract)
    signable = encode_typed_data(full_message=intents.typed_data(intent, domain))
    assert intents.intent_digest(intent, domain) == keccak(b"\x19" + signable.version + signable.header + signable.body)


@settings(max_examples=25, deadline=None)
@given(intent=intent_strategy, key=st.binary(min_size=32, max_size=32))
def test_sign_then_recover_round_trips(intent: intents.PayoutIntent, key: bytes) -> None:
    try:
        account = Account.from_key(key)
    except ValueError:  # not a valid secp256k1 scalar
        return
    domain = intents.EvmDomain(chain_id=1, verifying_contract="0x" + "11" * 20)
    signature = intents.sign_intent(intent, domain, account)
    assert intents.recover_signer(intent, domain, signature) == account.address
    other = intents.EvmDomain(chain_id=2, verifying_contract="0x" + "11" * 20)
    assert intents.recover_signer(intent, other, signature) != account.address


SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def test_recover_refuses_what_the_contracts_ecdsa_refuses(verifiers: list[LocalAccount]) -> None:
    """Malleated (high-s) copies, v other than 27/28 and wrong lengths: refused, as on chain."""
    intent, domain = _intent(), intents.EvmDomain(chain_id=1, verifying_contract="0x" + "11" * 20)
    signature = intents.sign_intent(intent, domain, verifiers[0])
    assert intents.recover_signer(intent, domain, signature) == verifiers[0].address
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    malleated = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])  # the same point, other s
    with pytest.raises(InvalidInput, match="upper half"):
        intents.recover_signer(intent, domain, malleated)
    with pytest.raises(InvalidInput, match=f"v is {v - 27}, not 27 or 28"):
        intents.recover_signer(intent, domain, signature[:64] + bytes([v - 27]))
    with pytest.raises(InvalidInput, match="64-byte|65-byte"):
        intents.recover_signer(intent, domain, signature[:64])
    with pytest.raises(InvalidInput, match="valid 65-byte"):
        intents.recover_signer(intent, domain, bytes(64) + bytes([27]))  # r = 0


def _intent() -> intents.PayoutIntent:
    return intents.PayoutIntent(
        escrow_id=1,
        milestone=0,
        payee="0x" + "aa" * 20,
        amount=5,
        token="0x" + "bb" * 20,
        intent_id="0x" + "01" * 32,
        deadline=2**40,
        evidence_hash=intents.evidence_hash({"pr": 1}),
    )


def test_signatures_for_orders_by_index_and_rejects_strangers(verifiers: list[LocalAccount]) -> None:
    intent, domain = _intent(), intents.EvmDomain(chain_id=1, verifying_contract="0x" + "11" * 20)
    members = [v.address for v in verifiers]
    sigs = [intents.sign_intent(intent, domain, verifiers[i]) for i in (2, 0)]
    ordered = intents.signatures_for(intent, domain, members, sigs)
    assert [s.verifier_index for s in ordered] == [0, 2]
    with pytest.raises(InvalidInput, match="not a verifier"):
        intents.signatures_for(intent, domain, members[:2], sigs)
    with pytest.raises(InvalidInput, match="two signatures"):
        intents.signatures_for(intent, domain, members, [sigs[0], sigs[0]])


def test_evidence_hash_is_canonical() -> None:
    a = intents.evidence_hash({"repo": "o/r", "pr": 7, "author": "ünï"})
    b = intents.evidence_hash({"author": "ünï", "pr": 7, "repo": "o/r"})
    assert a == b
    assert intents.canonical_json({"b": 1, "a": [1, 2]}) == b'{"a":[1,2],"b":1}'


@pytest.mark.parametrize(
    "field",
    [{"escrow_id": -1}, {"amount": 0}, {"payee": "0x12"}, {"payee": "GABC"}, {"intent_id": "0x12"}, {"amount": 2**256}],
)
def test_intent_model_rejects_bad_fields(field: dict[str, object]) -> None:
    data = _intent().model_dump() | field
    (name,) = field
    with pytest.raises(InvalidAddress if name == "payee" else InvalidInput) as info:
        intents.PayoutIntent(**data)
    assert info.value.field == name and not isinstance(info.value, ValidationError)


# --- Soroban form -------------------------------------------------------------------------------

# The vector soroban/README.md documents and escrow/src/test/intent.rs asserts on the Rust side.
VECTOR = {
    "passphrase": "Test SDF Network ; September 2015",
    "contract": "CAIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRDB3V",
    "intent": {
        "escrow_id": 7,
        "milestone": 1,
        "payee": "GARCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCFRVX",
        "amount": 1_000_000_000,
        "token": "CAZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGGJH",
        "intent_id": "0x" + "44" * 32,
        "deadline": 1_700_003_600,
        "evidence_hash": "0x" + "55" * 32,
    },
    "digest": "5d9b8a0a042843344f4a229837a9764337cb9c5b88476ea61319fc755c440683",
}


def test_soroban_digest_matches_the_rust_test_vector() -> None:
    intent = intents.PayoutIntent(**VECTOR["intent"])  # type: ignore[arg-type]
    digest = intents.soroban_digest(intent, str(VECTOR["passphrase"]), str(VECTOR["contract"]))
    assert digest.hex() == VECTOR["digest"]


def test_soroban_signature_round_trips_and_binds_the_contract() -> None:
    from stellar_sdk import Keypair

    keypair = Keypair.from_raw_ed25519_seed(bytes(range(32)))
    intent = intents.PayoutIntent(**VECTOR["intent"])  # type: ignore[arg-type]
    passphrase, contract = str(VECTOR["passphrase"]), str(VECTOR["contract"])
    signature = intents.sign_soroban_intent(intent, passphrase, contract, keypair)
    assert intents.verify_soroban_signature(intent, passphrase, contract, keypair.public_key, signature)
    other = "CAZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGGJH"
    assert not intents.verify_soroban_signature(intent, passphrase, other, keypair.public_key, signature)


def test_evm_and_soroban_forms_refuse_each_others_addresses() -> None:
    soroban_intent = intents.PayoutIntent(**VECTOR["intent"])  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="no EIP-712 form"):
        intents.intent_digest(soroban_intent, intents.EvmDomain(chain_id=1, verifying_contract="0x" + "11" * 20))
    with pytest.raises(InvalidInput, match="strkey addresses"):
        intents.soroban_digest(_intent(), "p", str(VECTOR["contract"]))
