"""The Rust contract and Python agree on the canonical payout-intent hash for random intents.

For each hypothesis-generated intent, the escrow's `intent_hash` (run by the real Soroban host
in the harness) equals `quiltkit.intents.soroban_digest`, on two networks. That verifiers'
Python signatures over this digest pass the contract's ed25519 check is shown by every attested
release in the flow and error suites.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from quiltkit import intents
from quiltkit.soroban import LocalHost, SorobanEscrow
from stellar_sdk import StrKey

from tests.soroban.conftest import keypair

EXAMPLES = 200
MIN_EXAMPLES = 50

u64 = st.integers(min_value=0, max_value=2**64 - 1)
raw32 = st.binary(min_size=32, max_size=32)
account = raw32.map(StrKey.encode_ed25519_public_key)
contract = raw32.map(StrKey.encode_contract)
hex32 = raw32.map(lambda b: "0x" + b.hex())

payout_intents = st.builds(
    intents.PayoutIntent,
    escrow_id=u64,
    milestone=st.integers(min_value=0, max_value=2**32 - 1),
    payee=st.one_of(account, contract),
    amount=st.one_of(
        st.integers(min_value=1, max_value=2**127 - 1),
        st.sampled_from([1, 2**63 - 1, 2**64, 2**64 + 1, 2**127 - 1]),
    ),
    token=contract,
    intent_id=hex32,
    deadline=st.integers(min_value=1, max_value=2**64 - 1),
    evidence_hash=hex32,
)


@pytest.fixture(scope="module", params=["Standalone Network ; February 2017", "Test SDF Network ; September 2015"])
def escrow(request: pytest.FixtureRequest, harness_binary: str) -> Iterator[SorobanEscrow]:
    with LocalHost(harness_binary, network_passphrase=request.param) as host:
        admin = keypair("admin")
        host.create_account(admin)
        yield SorobanEscrow(host, host.deploy_escrow(admin, admin, 0))


def test_rust_and_python_hash_agree_on_random_intents(escrow: SorobanEscrow) -> None:
    seen: list[bytes] = []

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(intent=payout_intents)
    def check(intent: intents.PayoutIntent) -> None:
        python = intents.soroban_digest(intent, escrow.network_passphrase, escrow.contract_id)
        assert escrow.intent_hash(intent) == python
        seen.append(python)

    check()
    print(f"\n{len(seen)} random intents: Rust intent_hash == Python soroban_digest ({escrow.network_passphrase!r})")
    assert len(seen) >= MIN_EXAMPLES
    assert len(set(seen)) == len(seen)  # distinct intents, distinct digests


def test_digest_binds_network_and_contract(escrow: SorobanEscrow) -> None:
    intent = intents.PayoutIntent(
        escrow_id=7,
        milestone=1,
        payee=StrKey.encode_ed25519_public_key(b"\x22" * 32),
        amount=10**9,
        token=StrKey.encode_contract(b"\x33" * 32),
        intent_id="0x" + "44" * 32,
        deadline=1_700_003_600,
        evidence_hash="0x" + "55" * 32,
    )
    on_chain = escrow.intent_hash(intent)
    assert on_chain == escrow.digest(intent)
    other_network = "Public Global Stellar Network ; September 2015"
    assert intents.soroban_digest(intent, other_network, escrow.contract_id) != on_chain
    assert intents.soroban_digest(intent, escrow.network_passphrase, StrKey.encode_contract(b"\x11" * 32)) != on_chain


def test_readme_vector_digest() -> None:
    """The test vector of soroban/README.md, asserted in Rust by test_canonical_hash_vector."""
    intent = intents.PayoutIntent(
        escrow_id=7,
        milestone=1,
        payee="GARCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCFRVX",
        amount=1_000_000_000,
        token="CAZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGMZTGGJH",
        intent_id="0x" + "44" * 32,
        deadline=1_700_003_600,
        evidence_hash="0x" + "55" * 32,
    )
    digest = intents.soroban_digest(
        intent, "Test SDF Network ; September 2015", "CAIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRCEIRDB3V"
    )
    assert digest.hex() == "5d9b8a0a042843344f4a229837a9764337cb9c5b88476ea61319fc755c440683"
