"""Authorization is checked by the host: wrong, expired, replayed or missing signatures fail as
host errors (SorobanAuthError, also a PermissionError); a missing signer fails before sending."""

from __future__ import annotations

import pytest
from quiltkit.exceptions import InvalidInput
from quiltkit.soroban import (
    ContractCall,
    SorobanAuthError,
    SorobanHostError,
    UnexpectedAuthorization,
    authorize_entries,
)
from stellar_sdk import scval, xdr
from stellar_sdk.auth import authorize_entry

from tests.soroban.conftest import UNIT, Deployment


def _release_call(c: Deployment, eid: int, milestone: int = 0) -> ContractCall:
    return ContractCall(c.escrow.contract_id, "release", (scval.to_uint64(eid), scval.to_uint32(milestone)))


def test_entry_signed_by_the_wrong_key_is_rejected_by_the_host(chain: Deployment) -> None:
    eid = chain.create(payee=chain.contributor.public_key)
    call = _release_call(chain, eid)
    sim = chain.host.simulate(call)
    (entry,) = sim.auth_entries
    forged = authorize_entry(entry, chain.contributor, sim.latest_ledger + 50, chain.host.network_passphrase)
    with pytest.raises(SorobanAuthError) as caught:
        chain.host.submit(call, [forged])
    err = caught.value
    assert isinstance(err, SorobanHostError) and isinstance(err, PermissionError)
    assert (err.error_type, err.error_code) == ("Auth", "InvalidAction")
    assert chain.balance(chain.contributor) == 0  # nothing happened


def test_missing_entries_are_rejected_by_the_host(chain: Deployment) -> None:
    eid = chain.create(payee=chain.contributor.public_key)
    with pytest.raises(SorobanAuthError) as caught:
        chain.host.submit(_release_call(chain, eid), [])
    assert caught.value.error_code == "InvalidAction"


def test_expired_entry_is_rejected(chain: Deployment) -> None:
    eid = chain.create(payee=chain.contributor.public_key)
    call = _release_call(chain, eid)
    sim = chain.host.simulate(call)
    signed = authorize_entries(
        sim.auth_entries, [chain.maintainer], sim.latest_ledger + 5, chain.host.network_passphrase
    )
    chain.host.advance_ledger(ledgers=6)
    with pytest.raises(SorobanAuthError) as caught:
        chain.host.submit(call, signed)
    assert caught.value.error_code == "InvalidInput"


def test_replayed_entry_is_rejected(chain: Deployment) -> None:
    eid = chain.create(payee=chain.contributor.public_key)
    call0 = _release_call(chain, eid, 0)
    sim = chain.host.simulate(call0)
    signed = authorize_entries(
        sim.auth_entries, [chain.maintainer], sim.latest_ledger + 50, chain.host.network_passphrase
    )
    chain.host.submit(call0, signed)
    with pytest.raises(SorobanHostError) as caught:
        chain.host.submit(call0, signed)
    assert (caught.value.error_type, caught.value.error_code) == ("Auth", "ExistingValue")


def test_escrow_write_without_the_required_key_fails_before_sending(chain: Deployment) -> None:
    eid = chain.create(payee=chain.contributor.public_key)
    sent = len(chain.host.sent)
    with pytest.raises(InvalidInput, match=f"needs authorization from {chain.maintainer.public_key}"):
        chain.escrow.release(eid, 0, signer=chain.contributor)
    assert "invoke" not in chain.host.methods()[sent:]


def test_bad_verifier_signature_is_a_crypto_host_error(chain: Deployment) -> None:
    eid = chain.create()
    intent = chain.intent(eid)
    from quiltkit.intents import soroban_intent_scval

    sigs = scval.to_vec(
        [scval.to_vec([scval.to_bytes(v.raw_public_key()), scval.to_bytes(b"\x01" * 64)]) for v in chain.verifiers[:2]]
    )
    with pytest.raises(SorobanHostError) as caught:
        chain.escrow.transact("release_with_intent", soroban_intent_scval(intent), sigs)
    assert (caught.value.error_type, caught.value.error_code) == ("Crypto", "InvalidInput")
    assert not isinstance(caught.value, PermissionError)


def test_source_account_credentials_are_covered_by_the_source(chain: Deployment) -> None:
    eid = chain.create(payee=chain.contributor.public_key)
    call = _release_call(chain, eid)
    sim = chain.host.simulate(call, source=chain.maintainer.public_key)
    (entry,) = sim.auth_entries
    assert entry.credentials.type == xdr.SorobanCredentialsType.SOROBAN_CREDENTIALS_SOURCE_ACCOUNT
    chain.host.invoke(call, signers=[], source=chain.maintainer)
    assert chain.balance(chain.contributor) == 297 * 10**7


# --- the client signs only the call it makes (issue 30, item 7) ---------------------------------


def test_fund_refuses_to_sign_a_hostile_tokens_extra_transfer(chain: Deployment) -> None:
    """A token whose ``transfer`` also moves the funder's real tokens to a thief makes the
    simulated auth tree ask the funder for a second, nested transfer: the client refuses to sign
    it, names the error, and sends nothing."""
    hostile = chain.host.deploy_test_token("hostile", stolen=chain.token, thief=chain.stranger)
    chain.host.mint(hostile, chain.funder, 100 * UNIT)
    eid = chain.create(token=hostile, funding=0)
    real_before = chain.balance(chain.funder)
    sent_before = len(chain.host.sent)
    with pytest.raises(UnexpectedAuthorization) as caught:
        chain.escrow.fund(eid, 100 * UNIT, signer=chain.funder)
    err = caught.value
    assert isinstance(err, PermissionError)
    assert err.address == chain.funder.public_key
    assert err.invocation.startswith("transfer(") and chain.token in err.invocation
    assert chain.stranger.public_key in err.invocation
    # Simulated only: no invoke reached the host, no token moved.
    assert "invoke" not in [m for m, _ in chain.host.sent[sent_before:]]
    assert chain.balance(chain.funder) == real_before
    assert chain.balance(chain.stranger) == 0
    assert chain.escrow.get_escrow(eid).funded == 0


def test_fund_signs_exactly_the_call_and_its_one_token_transfer(chain: Deployment) -> None:
    eid = chain.create(funding=0)
    tx = chain.escrow.fund(eid, 10 * UNIT, signer=chain.funder)
    assert tx.event("escrow_funded").args["amount"] == 10 * UNIT


def test_authorize_entries_refuses_a_root_other_than_the_call(chain: Deployment) -> None:
    eid = chain.create(payee=chain.contributor.public_key)
    sim = chain.host.simulate(_release_call(chain, eid))
    other = ContractCall(chain.escrow.contract_id, "release", (scval.to_uint64(eid), scval.to_uint32(1)))
    with pytest.raises(UnexpectedAuthorization):
        authorize_entries(
            sim.auth_entries, [chain.maintainer], sim.latest_ledger + 10, chain.host.network_passphrase, call=other
        )


def test_fee_on_transfer_token_is_credited_what_arrived(chain: Deployment) -> None:
    token = chain.host.deploy_test_token("fee_on_transfer", fee_bps=100)
    chain.host.mint(token, chain.funder, 1_000 * UNIT)
    eid = chain.create(token=token, funding=0, amounts=[1_000 * UNIT])
    tx = chain.escrow.fund(eid, 500 * UNIT, signer=chain.funder)
    assert tx.event("escrow_funded").args["amount"] == 495 * UNIT
    assert chain.escrow.get_escrow(eid).funded == 495 * UNIT
    assert chain.escrow.share_of(eid, chain.funder) == 495 * UNIT
    assert chain.escrow.token_balance(token, chain.escrow.contract_id) == 495 * UNIT
