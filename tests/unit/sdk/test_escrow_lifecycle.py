"""MilestoneEscrow through the SDK: every money path, with balances checked on chain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from quiltkit import Escrow, IntentState, IntentStatus, MilestoneState, Token, escrow_errors, intents
from quiltkit.devchain import advance_time
from quiltkit.escrow import ETH
from quiltkit.escrow_errors import EscrowDisputeWindowOpen, EscrowFullyFunded, EscrowNotFound
from quiltkit.exceptions import InvalidInput
from web3 import Web3

from tests.conftest import DAY, UNIT, now


def test_create_and_fund_records_terms_and_shares(
    escrow: Escrow, token: Token, create_escrow: Callable[..., int], maintainer: LocalAccount, funder: LocalAccount
) -> None:
    eid = create_escrow(funding=600 * UNIT)
    escrow.fund(eid, 400 * UNIT, sender=funder, approve=True)

    info = escrow.get_escrow(eid)
    assert info.payer == maintainer.address
    assert info.token == token.address
    assert info.payee is None
    assert info.funded == info.held == 1_000 * UNIT
    assert info.funded_milestones == 3
    assert [m.amount for m in info.milestones] == [300 * UNIT, 500 * UNIT, 200 * UNIT]
    assert all(m.state is MilestoneState.PENDING and m.funded for m in info.milestones)
    assert escrow.funder_account(eid, maintainer.address).share == 600 * UNIT
    assert escrow.funder_account(eid, funder.address).share == 400 * UNIT


def test_partial_funding_covers_milestones_in_order(
    escrow: Escrow, create_escrow: Callable[..., int], funder: LocalAccount
) -> None:
    eid = create_escrow(funding=299 * UNIT)
    assert escrow.get_escrow(eid).funded_milestones == 0
    escrow.fund(eid, 1 * UNIT, sender=funder, approve=True)
    assert escrow.get_escrow(eid).funded_milestones == 1
    result = escrow.fund(eid, 500 * UNIT, sender=funder, approve=True)
    assert result.event("EscrowFunded").args["fundedMilestones"] == 2


def test_payer_release_pays_payee_less_fee(
    escrow: Escrow,
    token: Token,
    create_escrow: Callable[..., int],
    maintainer: LocalAccount,
    contributor: LocalAccount,
    treasury: LocalAccount,
) -> None:
    eid = create_escrow(payee=contributor.address)
    payee_before, treasury_before = token.balance_of(contributor.address), token.balance_of(treasury.address)

    result = escrow.release(eid, 1, sender=maintainer)

    event = result.event("MilestoneReleased").args
    assert (event["escrowId"], event["milestone"], event["payee"]) == (eid, 1, contributor.address)
    assert event["amount"] == 495 * UNIT and event["fee"] == 5 * UNIT
    assert token.balance_of(contributor.address) - payee_before == 495 * UNIT
    assert token.balance_of(treasury.address) - treasury_before == 5 * UNIT
    info = escrow.get_escrow(eid)
    assert info.milestones[1].state is MilestoneState.RELEASED
    assert info.held == 500 * UNIT


def test_attested_release_assigns_open_bounty_and_consumes_intent(
    escrow: Escrow,
    token: Token,
    create_escrow: Callable[..., int],
    make_intent: Callable[..., intents.PayoutIntent],
    sign: Callable[..., list[intents.VerifierSignature]],
    verifiers: list[LocalAccount],
    relayer: LocalAccount,
    contributor: LocalAccount,
) -> None:
    eid = create_escrow()
    intent = make_intent(eid, 0)
    before = token.balance_of(contributor.address)
    payable = IntentState(status=IntentStatus.PAYABLE, milestone_state=MilestoneState.PENDING)
    assert escrow.intent_and_escrow(intent) == (payable, escrow.get_escrow(eid))

    result = escrow.release_with_intent(intent, [v.address for v in verifiers], sign(intent), sender=relayer)

    assert [e.name for e in result.events] == ["PayeeAssigned", "IntentConsumed", "MilestoneReleased"]
    consumed = result.event("IntentConsumed").args
    assert consumed["intentId"] == intent.intent_id  # bytes32 values are 0x-hex strings everywhere
    assert consumed["evidenceHash"] == intent.evidence_hash
    paid = escrow.intent_status(intent)
    assert paid == IntentState(status=IntentStatus.PAID, milestone_state=MilestoneState.RELEASED)
    assert paid.reason == ""
    # another id for the milestone this intent paid: closed, not paid
    other = escrow.intent_status(intent.model_copy(update={"intent_id": "0x" + "ab" * 32}))
    assert other.status is IntentStatus.CLOSED and other.milestone_state is MilestoneState.RELEASED
    assert "released" in other.reason
    assert escrow.get_escrow(eid).payee == contributor.address
    # the one-call read (multicall) agrees with the two reads it replaces, and reverts like getEscrow
    assert escrow.intent_and_escrow(intent) == (paid, escrow.get_escrow(eid))
    with pytest.raises(EscrowNotFound):
        escrow.intent_and_escrow(intent.model_copy(update={"escrow_id": eid + 1000}))
    assert token.balance_of(contributor.address) - before == 297 * UNIT


def test_erc1271_contract_verifier_signs(
    w3: Web3,
    escrow: Escrow,
    create_escrow: Callable[..., int],
    make_intent: Callable[..., intents.PayoutIntent],
    verifiers: list[LocalAccount],
    relayer: LocalAccount,
) -> None:
    from ape import accounts, project

    wallet = project.ERC1271Wallet.deploy(verifiers[1].address, sender=accounts.test_accounts[0])
    members = [verifiers[0].address, wallet.address]
    eid = create_escrow(verifiers=members, threshold=2)
    intent = make_intent(eid, 2)
    domain = escrow.domain()
    signatures = [
        intents.VerifierSignature(verifier_index=0, signature=intents.sign_intent(intent, domain, verifiers[0])),
        # the wallet's owner key signs; the escrow asks the wallet (ERC-1271) whether that counts
        intents.VerifierSignature(verifier_index=1, signature=intents.sign_intent(intent, domain, verifiers[1])),
    ]
    escrow.release_with_intent(intent, members, signatures, sender=relayer)
    assert escrow.get_escrow(eid).milestones[2].state is MilestoneState.RELEASED


def test_dispute_split_then_refunds_pro_rata(
    w3: Web3,
    escrow: Escrow,
    token: Token,
    create_escrow: Callable[..., int],
    maintainer: LocalAccount,
    funder: LocalAccount,
    contributor: LocalAccount,
    arbiter: LocalAccount,
    relayer: LocalAccount,
) -> None:
    eid = create_escrow(payee=contributor.address, funding=600 * UNIT)
    escrow.fund(eid, 400 * UNIT, sender=funder, approve=True)
    escrow.dispute(eid, 1, sender=contributor)
    resolved = escrow.resolve(eid, 1, 6_000, sender=arbiter).event("DisputeResolved").args
    assert (resolved["toPayee"], resolved["fee"], resolved["toFunders"]) == (297 * UNIT, 3 * UNIT, 200 * UNIT)

    advance_time(w3, 15 * DAY)
    assert escrow.open_refunds(eid, sender=relayer).event("RefundsOpened").args["amount"] == 500 * UNIT
    before = {a.address: token.balance_of(a.address) for a in (maintainer, funder)}
    escrow.claim_refund(eid, maintainer.address, sender=relayer)
    escrow.claim_refund(eid, funder.address, sender=relayer)

    assert token.balance_of(maintainer.address) - before[maintainer.address] == 420 * UNIT
    assert token.balance_of(funder.address) - before[funder.address] == 280 * UNIT
    info = escrow.get_escrow(eid)
    assert info.held == 0
    assert [m.state for m in info.milestones] == [
        MilestoneState.REFUNDED,
        MilestoneState.RESOLVED,
        MilestoneState.REFUNDED,
    ]


def test_a_dispute_the_arbiter_lets_expire_is_closed_by_anyone_with_the_default(
    w3: Web3,
    escrow: Escrow,
    token: Token,
    create_escrow: Callable[..., int],
    maintainer: LocalAccount,
    contributor: LocalAccount,
    relayer: LocalAccount,
) -> None:
    eid = create_escrow(payee=contributor.address, dispute_window=3 * DAY, default_payee_bps=2_500)
    info = escrow.get_escrow(eid)
    assert (info.dispute_window, info.default_payee_bps) == (3 * DAY, 2_500)
    disputed = escrow.dispute(eid, 0, sender=maintainer).event("MilestoneDisputed").args
    closes_at = escrow.dispute_closes_at(eid, 0)
    assert disputed["closesAt"] == closes_at == now(w3) + 3 * DAY

    with pytest.raises(EscrowDisputeWindowOpen) as early:
        escrow.close_expired_dispute(eid, 0, sender=relayer)
    assert early.value.closesAt == closes_at
    advance_time(w3, 3 * DAY)
    result = escrow.close_expired_dispute(eid, 0, sender=relayer)
    assert result.event("DisputeExpired").args["by"] == relayer.address
    resolved = result.event("DisputeResolved").args
    assert (resolved["payeeBps"], resolved["toFunders"]) == (2_500, 225 * UNIT)
    assert escrow.get_escrow(eid).milestones[0].state == MilestoneState.RESOLVED
    assert escrow.dispute_closes_at(eid, 0) == 0


def test_funding_more_than_remains_takes_what_remains(
    w3: Web3, escrow: Escrow, token: Token, create_escrow: Callable[..., int], funder: LocalAccount
) -> None:
    eid = create_escrow(funding=900 * UNIT)
    before = token.balance_of(funder.address)
    funded = escrow.fund(eid, 250 * UNIT, sender=funder, approve=True).event("EscrowFunded").args
    assert funded["amount"] == 100 * UNIT
    assert before - token.balance_of(funder.address) == 100 * UNIT
    nonce = w3.eth.get_transaction_count(funder.address)
    with pytest.raises(EscrowFullyFunded):
        escrow.fund(eid, UNIT, sender=funder, approve=True)
    assert w3.eth.get_transaction_count(funder.address) == nonce, "refused before sending"


def test_cancel_open_bounty_refunds_everything(
    escrow: Escrow,
    token: Token,
    create_escrow: Callable[..., int],
    maintainer: LocalAccount,
    funder: LocalAccount,
    relayer: LocalAccount,
) -> None:
    eid = create_escrow(funding=100 * UNIT)
    escrow.fund(eid, 50 * UNIT, sender=funder, approve=True)
    assert escrow.cancel(eid, sender=maintainer).event("EscrowCancelled").args["amount"] == 150 * UNIT
    before = token.balance_of(funder.address)
    escrow.claim_refund(eid, funder.address, sender=relayer)
    assert token.balance_of(funder.address) - before == 50 * UNIT
    assert escrow.claimable_refund(eid, maintainer.address) == 100 * UNIT


def test_eth_escrow_failed_push_becomes_withdrawable_credit(w3: Web3, escrow: Escrow, maintainer: LocalAccount) -> None:
    from ape import accounts, project

    sender = accounts.test_accounts[0]
    receiver = project.RejectingReceiver.deploy(sender=sender)
    t = now(w3)
    eid = escrow.create(
        {"token": ETH, "amounts": [10**18], "deadline": t + DAY, "payee": receiver.address},
        sender=maintainer,
        initial_funding=10**18,
    ).escrow_id
    result = escrow.release(eid, 0, sender=maintainer)  # the push fails: credited, not reverted
    assert result.event("CreditAccrued").args["amount"] == 10**18 - 10**16
    assert escrow.credit_of(ETH, receiver.address) == 10**18 - 10**16

    receiver.setAccepting(True, sender=sender)
    data = escrow.contract.encode_abi("withdraw", args=[ETH])
    before = w3.eth.get_balance(receiver.address)
    receiver.execute(escrow.address, 0, data, sender=sender)
    assert w3.eth.get_balance(receiver.address) - before == 10**18 - 10**16
    assert escrow.credit_of(ETH, receiver.address) == 0


def test_pause_blocks_new_business_but_not_exits(
    escrow: Escrow,
    create_escrow: Callable[..., int],
    operator: LocalAccount,
    maintainer: LocalAccount,
    contributor: LocalAccount,
) -> None:
    from quiltkit.escrow_errors import EnforcedPause

    eid = create_escrow(payee=contributor.address)
    escrow.pause(sender=operator)
    try:
        with pytest.raises(EnforcedPause):
            create_escrow()
        escrow.release(eid, 0, sender=maintainer)  # exits keep working while paused
        assert escrow.get_escrow(eid).milestones[0].state is MilestoneState.RELEASED
    finally:
        escrow.unpause(sender=operator)
    assert not escrow.paused()


def test_default_fee_change_applies_to_new_escrows_only(
    escrow: Escrow, create_escrow: Callable[..., int], operator: LocalAccount
) -> None:
    old = create_escrow()
    escrow.set_default_fee(250, sender=operator)
    try:
        new = create_escrow()
        assert escrow.get_escrow(old).fee_bps == 100
        assert escrow.get_escrow(new).fee_bps == 250
    finally:
        escrow.set_default_fee(100, sender=operator)


def test_batch_of_intents_pays_each_once_in_one_transaction(
    escrow: Escrow,
    token: Token,
    create_escrow: Callable[..., int],
    make_intent: Callable[..., intents.PayoutIntent],
    sign: Callable[..., list[intents.VerifierSignature]],
    verifiers: list[LocalAccount],
    relayer: LocalAccount,
    contributor: LocalAccount,
) -> None:
    from quiltkit.escrow_errors import EscrowMilestoneNotPending

    members = [v.address for v in verifiers]
    batch = []
    for _ in range(3):
        eid = create_escrow()
        intent = make_intent(eid, 0)
        batch.append((intent, members, sign(intent)))
    before = token.balance_of(contributor.address)

    result = escrow.release_with_intents(batch, sender=relayer)

    assert len(result.events_named("IntentConsumed")) == 3
    assert token.balance_of(contributor.address) - before == 3 * 297 * UNIT
    with pytest.raises(EscrowMilestoneNotPending):  # the milestone is the replay guard
        escrow.release_with_intents(batch[:1], sender=relayer)


def test_batch_under_two_verifier_sets_goes_out_as_one_multicall(
    escrow: Escrow,
    token: Token,
    create_escrow: Callable[..., int],
    make_intent: Callable[..., intents.PayoutIntent],
    verifiers: list[LocalAccount],
    relayer: LocalAccount,
    contributor: LocalAccount,
) -> None:
    domain = escrow.domain()
    full = [v.address for v in verifiers]
    pair = full[1:]
    one_set = create_escrow()
    other_set = create_escrow(verifiers=pair, threshold=2)
    a, b, c = make_intent(one_set, 0), make_intent(one_set, 1), make_intent(other_set, 2)

    def signed(intent: intents.PayoutIntent, members: list[str], keys: list[LocalAccount]) -> Any:
        raw = [intents.sign_intent(intent, domain, k) for k in keys]
        return (intent, members, intents.signatures_for(intent, domain, members, raw))

    batch = [signed(a, full, verifiers[:2]), signed(c, pair, verifiers[1:]), signed(b, full, verifiers[1:])]
    batched = Web3.keccak(
        text="releaseWithIntents(address[],(uint256,uint256,address,uint256,address,bytes32,uint256,bytes32)[],"
        "(uint8,bytes)[][])"
    )[:4]
    single = Web3.keccak(
        text="releaseWithIntent((uint256,uint256,address,uint256,address,bytes32,uint256,bytes32),address[],"
        "(uint8,bytes)[])"
    )[:4]
    assert escrow.release_with_intents_data(batch[:1])[:4] == single
    assert escrow.release_with_intents_data([batch[0], batch[2]])[:4] == batched  # one set: sent once
    assert escrow.release_with_intents_data(batch)[:4] == Web3.keccak(text="multicall(bytes[])")[:4]
    before = token.balance_of(contributor.address)

    result = escrow.release_with_intents(batch, sender=relayer)

    consumed = result.events_named("IntentConsumed")
    assert sorted(e.args["intentId"] for e in consumed) == sorted(i.intent_id for i in (a, b, c))
    assert token.balance_of(contributor.address) - before == (300 + 500 + 200) * UNIT * 99 // 100


def test_batch_refuses_bad_input_before_sending(
    escrow: Escrow,
    create_escrow: Callable[..., int],
    make_intent: Callable[..., intents.PayoutIntent],
    verifiers: list[LocalAccount],
    relayer: LocalAccount,
    w3: Web3,
) -> None:
    nonce = w3.eth.get_transaction_count(relayer.address)
    # the contract's own errors, as the chain would raise them (tests/unit/sdk/test_error_contract.py)
    with pytest.raises(escrow_errors.EscrowBatchMismatch):
        escrow.release_with_intents([], sender=relayer)
    intent = make_intent(create_escrow(), 0)
    with pytest.raises(escrow_errors.EscrowInsufficientSignatures) as info:
        escrow.release_with_intents([(intent, [v.address for v in verifiers], [])], sender=relayer)
    assert info.value.args_by_name == {"provided": 0, "threshold": 2}
    # the calldata builder (for callers that sign themselves) still refuses an unsigned intent
    with pytest.raises(InvalidInput, match="carries no signatures"):
        escrow.release_with_intents_data([(intent, [v.address for v in verifiers], [])])
    assert w3.eth.get_transaction_count(relayer.address) == nonce


def test_verifier_sets_register_once_and_escrows_reference_them_by_id(
    w3: Web3,
    escrow: Escrow,
    token: Token,
    maintainer: LocalAccount,
    relayer: LocalAccount,
    contributor: LocalAccount,
    make_intent: Callable[..., intents.PayoutIntent],
    sign: Callable[..., list[intents.VerifierSignature]],
    verifiers: list[LocalAccount],
) -> None:
    from quiltkit import verifier_set_id
    from quiltkit.escrow_errors import EscrowDuplicateVerifier, EscrowInvalidVerifierSet, EscrowUnknownVerifierSet

    members = [v.address for v in verifiers]
    # a 3-of-3 set nobody registered yet: its id is known before it exists
    expected = verifier_set_id(members, 3)
    terms: dict[str, Any] = {
        "token": token.address,
        "amounts": [10 * UNIT],
        "deadline": now(w3) + 14 * DAY,
        "payee": contributor.address,
        "verifier_set_id": expected,
    }
    with pytest.raises(EscrowUnknownVerifierSet):  # refused before sending
        escrow.create(terms, sender=maintainer)
    with pytest.raises(EscrowInvalidVerifierSet):
        escrow.register_verifier_set(members, 4, sender=maintainer)
    with pytest.raises(EscrowDuplicateVerifier):
        escrow.register_verifier_set([members[0], members[0]], 1, sender=maintainer)
    with pytest.raises(InvalidInput):
        escrow.create({**terms, "verifiers": members, "threshold": 3}, sender=maintainer)

    registered = escrow.register_verifier_set(members, 3, sender=maintainer)
    assert registered.set_id == expected and registered.tx is not None
    (event,) = registered.tx.events_named("VerifierSetRegistered")
    assert event.args["setId"] == expected and list(event.args["verifiers"]) == members
    again = escrow.register_verifier_set(members, 3, sender=maintainer)
    assert again.set_id == expected and again.tx is None, "registered already: nothing sent"

    eid = escrow.create(terms, sender=maintainer, initial_funding=10 * UNIT, approve=True).escrow_id
    info = escrow.get_escrow(eid)
    assert (info.verifier_set_id, info.threshold) == (expected, 3)
    # inline verifiers of a registered set go out by id (looked up for you): the same escrow
    inline = escrow.create({**terms, "verifier_set_id": 0, "verifiers": members, "threshold": 3}, sender=maintainer)
    assert escrow.get_escrow(inline.escrow_id).verifier_set_id == expected
    assert inline.tx.event("EscrowCreated").args["params"]["verifierSetId"] == expected

    intent = make_intent(eid, 0)
    escrow.release_with_intent(intent, members, sign(intent, (0, 1, 2)), sender=relayer)
    assert escrow.intent_status(intent).status is IntentStatus.PAID
