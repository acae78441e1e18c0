"""Typed event history: one generated pydantic model per contract event, ``events()`` paging
eth_getLogs with indexed filters, ``follow()`` yielding events once they are deep enough, and one
form for bytes32 values (0x-hex strings) in events, errors and intents alike."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from quiltkit import Escrow, InvalidAddress, InvalidInput, PrivateKeyAsAddress, Token, intents, token_events
from quiltkit import escrow_errors as errors
from quiltkit import escrow_events as ev
from quiltkit._contract import ContractEvent
from quiltkit.devchain import mine
from web3 import Web3

from tests.conftest import UNIT


def test_every_abi_event_has_a_generated_model(escrow: Escrow, token: Token) -> None:
    for client, module in ((escrow, ev), (token, token_events)):
        names = {e["name"] for e in client.abi() if e["type"] == "event"}
        assert set(module.EVENTS) == names == set(client.event_types)
        for name, model in module.EVENTS.items():
            assert issubclass(model, ContractEvent) and model.event_name == name


def test_history_is_typed_filtered_and_matches_the_transactions(
    w3: Web3,
    escrow: Escrow,
    token: Token,
    create_escrow: Callable[..., int],
    funder: LocalAccount,
    maintainer: LocalAccount,
) -> None:
    start = w3.eth.block_number + 1
    eid = create_escrow(funding=100 * UNIT)
    other = create_escrow(funding=0)
    first = escrow.fund(eid, 50 * UNIT, sender=funder, approve=True)
    escrow.fund(other, 10 * UNIT, sender=funder, approve=True)
    funded = escrow.events(ev.EscrowFunded, start, escrow_id=eid)
    assert [type(e) for e in funded] == [ev.EscrowFunded, ev.EscrowFunded]
    assert [(e.escrow_id, e.funder, e.amount) for e in funded] == [
        (eid, maintainer.address, 100 * UNIT),
        (eid, funder.address, 50 * UNIT),
    ]
    mine_event = funded[1]
    assert mine_event.tx_hash == first.tx_hash and mine_event.block_number == first.block_number
    assert mine_event.contract == escrow.address and mine_event.block_hash.startswith("0x")
    assert mine_event.log_index == first.event("EscrowFunded").log_index
    # filters take snake_case or the ABI's names, and lists of values
    assert escrow.events("EscrowFunded", start, escrowId=[eid, other], funder=funder.address) == [
        e for e in escrow.events(ev.EscrowFunded, start) if e.funder == funder.address
    ]
    created = escrow.events(ev.EscrowCreated, start, payer=maintainer.address)
    assert [c.escrow_id for c in created] == [eid, other]
    assert created[0].params.amounts == [300 * UNIT, 500 * UNIT, 200 * UNIT]
    assert created[0].params.metadata_hash == "0x" + "00" * 32
    # all kinds, in chain order; small pages give the same answer
    everything = escrow.events(None, start)
    order = [(e.block_number, e.log_index) for e in everything]
    assert order == sorted(order) and {type(e) for e in everything} >= {ev.EscrowCreated, ev.EscrowFunded}
    assert escrow.events(None, start, page_size=1) == everything
    transfers = token.events(token_events.Transfer, start, from_=funder.address)
    assert {t.to for t in transfers} == {escrow.address} and sum(t.value for t in transfers) == 60 * UNIT


def test_bytes32_is_one_form_everywhere(
    escrow: Escrow,
    create_escrow: Callable[..., int],
    make_intent: Callable[..., intents.PayoutIntent],
    sign: Callable[..., list[intents.VerifierSignature]],
    verifiers: list[LocalAccount],
    relayer: LocalAccount,
    w3: Web3,
) -> None:
    start = w3.eth.block_number + 1
    eid = create_escrow()
    intent = make_intent(eid, 0)
    members = [v.address for v in verifiers]
    result = escrow.release_with_intent(intent, members, sign(intent), sender=relayer)
    (consumed,) = escrow.events(ev.IntentConsumed, start, intent_id=intent.intent_id)
    assert consumed.intent_id == intent.intent_id and consumed.evidence_hash == intent.evidence_hash
    assert result.event("IntentConsumed").args["intentId"] == intent.intent_id
    with pytest.raises(errors.EscrowIntentExpired) as info:
        escrow._transact(
            "releaseWithIntent", intent.model_copy(update={"deadline": 1}).as_tuple(), members, [], sender=relayer
        )
    assert info.value.intentId == intent.intent_id  # a str, like PayoutIntent.intent_id


def test_follow_yields_each_event_once_it_is_deep_enough(
    w3: Web3, escrow: Escrow, create_escrow: Callable[..., int], funder: LocalAccount
) -> None:
    eid = create_escrow(funding=0)
    start = w3.eth.block_number + 1
    for amount in (1, 2, 3):
        escrow.fund(eid, amount * UNIT, sender=funder, approve=True)
    heads: list[int] = []

    def one_more_block(_seconds: float) -> None:  # the chain moves only when the follower waits
        heads.append(mine(w3))

    follower = escrow.follow(ev.EscrowFunded, start, confirmations=3, sleep=one_more_block, escrow_id=eid)
    seen = []
    for event in itertools.islice(follower, 3):
        assert w3.eth.block_number - event.block_number + 1 >= 3  # never before it is 3 blocks deep
        seen.append(event.amount)
    assert seen == [UNIT, 2 * UNIT, 3 * UNIT]
    assert heads, "the last funding was too shallow at first: the follower had to wait for blocks"


def test_bad_event_queries_are_refused(escrow: Escrow, token: Token) -> None:
    with pytest.raises(InvalidInput, match="no event"):
        escrow.events("Nope")
    with pytest.raises(InvalidInput, match="no event"):
        escrow.events(token_events.Transfer)  # another family's model
    with pytest.raises(InvalidInput, match="cannot be filtered on 'amount'") as info:
        escrow.events(ev.EscrowFunded, amount=1)
    assert info.value.field == "amount"
    with pytest.raises(InvalidInput, match="filters need an event"):
        escrow.events(None, escrow_id=1)
    with pytest.raises(InvalidAddress):
        escrow.events(ev.EscrowFunded, funder="0x12")
    with pytest.raises(PrivateKeyAsAddress):
        escrow.events(ev.EscrowFunded, funder=Account.create().key.hex())
    with pytest.raises(InvalidInput):
        next(escrow.follow(ev.EscrowFunded, 0, confirmations=0))
