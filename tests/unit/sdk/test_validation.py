"""Bad input is refused by the SDK with a typed error before anything is sent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from pydantic import ValidationError
from quiltkit import (
    Escrow,
    EscrowTerms,
    InsufficientAllowance,
    InsufficientBalance,
    InvalidAddress,
    InvalidInput,
    QuiltkitError,
    Token,
    intents,
)
from quiltkit import escrow_errors as errors
from web3 import Web3

from tests.conftest import UNIT, now


@pytest.fixture
def nothing_sent(w3: Web3, roles: dict[str, LocalAccount]) -> Iterator[None]:
    """Asserts that no account of the cast sent a transaction during the test."""
    before = {a.address: w3.eth.get_transaction_count(a.address) for a in roles.values()}
    yield
    after = {a.address: w3.eth.get_transaction_count(a.address) for a in roles.values()}
    assert after == before


@pytest.mark.usefixtures("nothing_sent")
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amounts": []}, "amounts"),
        ({"amounts": [0, 1]}, "milestone 0 amount must be > 0"),
        ({"amounts": [2**96, 1]}, "uint96"),
        ({"amounts": [1] * 17}, "amounts"),
        ({"verifiers": ["0x1234"]}, "20-byte hex address"),
        ({"threshold": 4}, "threshold must be 1..3"),
        ({"threshold": 0}, "threshold must be 1..3"),
        ({"arbiter": "not an address"}, "20-byte hex address"),
        ({"dispute_window": 86_400}, "dispute_window needs an arbiter"),
        ({"arbiter": "0x" + "11" * 20, "dispute_window": 3_600}, "dispute_window must be 86400..31536000"),
        ({"arbiter": "0x" + "11" * 20, "default_payee_bps": 10_001}, "default_payee_bps"),
    ],
)
def test_create_rejects_bad_terms(
    escrow: Escrow,
    token: Token,
    maintainer: LocalAccount,
    verifiers: list[LocalAccount],
    w3: Web3,
    overrides: dict[str, Any],
    message: str,
) -> None:
    terms: dict[str, Any] = {
        "token": token.address,
        "amounts": [UNIT],
        "deadline": now(w3) + 1_000,
        "verifiers": [v.address for v in verifiers],
        "threshold": 2,
    }
    terms.update(overrides)
    with pytest.raises(InvalidInput, match=message):
        escrow.create(terms, sender=maintainer)


def test_milestone_index_checked_before_sending(
    escrow: Escrow, maintainer: LocalAccount, create_escrow: Callable[..., int], w3: Web3, roles: dict[str, Any]
) -> None:
    # create_escrow sends; count nonces after it, so only the bad calls are watched
    eid = create_escrow(payee=roles["contributor"].address)
    nonce = w3.eth.get_transaction_count(maintainer.address)
    with pytest.raises(errors.EscrowInvalidMilestone) as bad_index:
        escrow.release(eid, 3, sender=maintainer)
    assert bad_index.value.args_by_name == {"escrowId": eid, "milestone": 3}
    with pytest.raises(errors.EscrowInvalidSplit) as bad_split:
        escrow.resolve(eid, 0, 10_001, sender=roles["arbiter"])
    assert bad_split.value.args_by_name == {"payeeBps": 10_001}
    with pytest.raises(InvalidInput, match="payeeBps must be a valid uint256, got -1") as negative:
        escrow.resolve(eid, 0, -1, sender=roles["arbiter"])
    assert negative.value.field == "payeeBps"
    assert w3.eth.get_transaction_count(maintainer.address) == nonce


def test_funding_checks_amount_allowance_and_balance(
    escrow: Escrow, token: Token, create_escrow: Callable[..., int], funder: LocalAccount, w3: Web3
) -> None:
    eid = create_escrow(funding=100 * UNIT)
    nonce = w3.eth.get_transaction_count(funder.address)
    with pytest.raises(errors.EscrowZeroFunding):
        escrow.fund(eid, 0, sender=funder)
    with pytest.raises(InvalidInput, match="amount must be a valid uint256, got -1"):
        escrow.fund(eid, -1, sender=funder)
    token_allowance = token.allowance(funder.address, escrow.address)
    with pytest.raises(InsufficientAllowance) as info:
        escrow.fund(eid, token_allowance + 1, sender=funder)
    assert info.value.needed == token_allowance + 1
    assert w3.eth.get_transaction_count(funder.address) == nonce


def test_insufficient_balance_is_reported(
    escrow: Escrow, token: Token, create_escrow: Callable[..., int], relayer: LocalAccount
) -> None:
    eid = create_escrow(funding=100 * UNIT)
    with pytest.raises(InsufficientBalance):
        escrow.fund(eid, UNIT, sender=relayer)


def test_bad_addresses_are_invalid_address(escrow: Escrow, maintainer: LocalAccount) -> None:
    with pytest.raises(InvalidAddress):
        escrow.assign_payee(1, "0xnope", sender=maintainer)
    with pytest.raises(InvalidAddress):
        Escrow(escrow.w3, "0x12")


def test_attested_release_prechecks(
    escrow: Escrow,
    create_escrow: Callable[..., int],
    make_intent: Callable[..., intents.PayoutIntent],
    sign: Callable[..., list[intents.VerifierSignature]],
    verifiers: list[LocalAccount],
    relayer: LocalAccount,
    w3: Web3,
) -> None:
    eid = create_escrow()
    intent = make_intent(eid, 0)
    nonce = w3.eth.get_transaction_count(relayer.address)
    with pytest.raises(errors.EscrowVerifierSetMismatch) as mismatch:
        escrow.release_with_intent(intent, [v.address for v in verifiers[:2]], sign(intent), sender=relayer)
    assert mismatch.value.args_by_name == {"escrowId": eid}
    with pytest.raises(errors.EscrowInsufficientSignatures) as under_signed:
        escrow.release_with_intent(intent, [v.address for v in verifiers], sign(intent, (1,)), sender=relayer)
    assert under_signed.value.args_by_name == {"provided": 1, "threshold": 2}
    assert w3.eth.get_transaction_count(relayer.address) == nonce


# --- one error contract: every validation failure is a QuiltkitError naming the field ------------

GOOD_ADDRESS = "0x" + "11" * 20


def _intent_fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "escrow_id": 1,
        "milestone": 0,
        "payee": GOOD_ADDRESS,
        "amount": 1,
        "token": GOOD_ADDRESS,
        "intent_id": "0x" + "22" * 32,
        "deadline": 10,
        "evidence_hash": "0x" + "33" * 32,
    }
    return fields | overrides


@pytest.mark.parametrize(
    ("build", "kind", "field"),
    [
        (lambda: EscrowTerms(amounts=[0], deadline=10), InvalidInput, "amounts[0]"),
        (lambda: EscrowTerms(amounts=[1, 2, -3], deadline=10), InvalidInput, "amounts[2]"),
        (lambda: EscrowTerms(amounts=[], deadline=10), InvalidInput, "amounts"),
        (lambda: EscrowTerms(amounts=[1], deadline=0), InvalidInput, "deadline"),
        (lambda: EscrowTerms(amounts=[1], deadline="soon"), InvalidInput, "deadline"),
        (lambda: EscrowTerms(token="0x1234", amounts=[1], deadline=10), InvalidAddress, "token"),
        (
            lambda: EscrowTerms(amounts=[1], deadline=10, verifiers=[GOOD_ADDRESS, "0x12"], threshold=1),
            InvalidAddress,
            "verifiers[1]",
        ),
        (
            lambda: EscrowTerms(amounts=[1], deadline=10, verifiers=["0x" + "00" * 20], threshold=1),
            InvalidAddress,
            "verifiers[0]",
        ),
        (
            lambda: EscrowTerms(amounts=[1], deadline=10, verifiers=[GOOD_ADDRESS], threshold=2),
            InvalidInput,
            "threshold",
        ),
        (lambda: EscrowTerms(amounts=[1], deadline=10, metadata_hash="0x12"), InvalidInput, "metadata_hash"),
        # a bad address wins over other failures of the same model: the class says what to fix first
        (lambda: EscrowTerms(amounts=[0], deadline=10, arbiter="nope"), InvalidAddress, "arbiter"),
        (
            lambda: EscrowTerms.model_validate({"amounts": [1], "deadline": 10, "payee": "0x12"}),
            InvalidAddress,
            "payee",
        ),
        (lambda: EscrowTerms.model_validate_json('{"amounts": [1], "deadline": -1}'), InvalidInput, "deadline"),
        (lambda: intents.PayoutIntent(**_intent_fields(payee="0x12")), InvalidAddress, "payee"),
        (lambda: intents.PayoutIntent(**_intent_fields(token="G" + "A" * 55)), InvalidAddress, "token"),
        (lambda: intents.PayoutIntent(**_intent_fields(amount=0)), InvalidInput, "amount"),
        (lambda: intents.PayoutIntent(**_intent_fields(intent_id="0x1234")), InvalidInput, "intent_id"),
        (lambda: intents.EvmDomain(chain_id=0, verifying_contract=GOOD_ADDRESS), InvalidInput, "chain_id"),
        (lambda: intents.EvmDomain(chain_id=1, verifying_contract="0x12"), InvalidAddress, "verifying_contract"),
        (lambda: intents.VerifierSignature(verifier_index=256, signature=b""), InvalidInput, "verifier_index"),
    ],
)
def test_every_validation_failure_is_a_quiltkit_error_naming_the_field(
    build: Callable[[], Any], kind: type[InvalidInput], field: str
) -> None:
    with pytest.raises(QuiltkitError) as info:
        build()
    error = info.value
    assert type(error) is kind
    assert isinstance(error, ValueError) and not isinstance(error, ValidationError)
    assert error.field == field
    assert field in str(error)
    assert error.__cause__ is None and error.__context__ is None  # pydantic's error (with the input) is gone


@pytest.mark.usefixtures("nothing_sent")
def test_bad_address_inside_dict_terms_is_invalid_address(escrow: Escrow, maintainer: LocalAccount, w3: Web3) -> None:
    terms = {"amounts": [UNIT], "deadline": now(w3) + 1_000, "payee": "0x12"}
    with pytest.raises(InvalidAddress) as info:
        escrow.create(terms, sender=maintainer)
    assert info.value.field == "payee"
    with pytest.raises(InvalidInput) as other:
        escrow.create({"amounts": [0], "deadline": now(w3) + 1_000}, sender=maintainer)
    assert other.value.field == "amounts[0]" and not isinstance(other.value, InvalidAddress)


@pytest.mark.usefixtures("nothing_sent")
def test_create_with_a_past_deadline_is_the_contracts_error(
    escrow: Escrow, token: Token, maintainer: LocalAccount, w3: Web3
) -> None:
    with pytest.raises(errors.EscrowDeadlineInPast) as info:
        escrow.create({"token": token.address, "amounts": [UNIT], "deadline": 1}, sender=maintainer)
    assert info.value.args_by_name["deadline"] == 1
    assert info.value.args_by_name["nowTime"] >= now(w3)


@pytest.mark.usefixtures("nothing_sent")
@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda e, t, s: e.get_escrow("one"), "escrowId"),
        (lambda e, t, s: e.get_escrow(-1), "escrowId"),
        (lambda e, t, s: e.fund(1, "100", sender=s), "amount"),
        (lambda e, t, s: e.fund(1, -1, sender=s), "amount"),
        (lambda e, t, s: e.release(1, -1, sender=s), "milestone"),
        (lambda e, t, s: e.release(1, "0", sender=s), "milestone"),
        (lambda e, t, s: e.resolve(1, 0, -5, sender=s), "payeeBps"),
        (lambda e, t, s: e.set_default_fee("1%", sender=s), "feeBps"),
        (lambda e, t, s: e.cancel(2**256, sender=s), "escrowId"),
        (
            lambda e, t, s: e.create({"amounts": [1], "deadline": 2**40 - 1}, sender=s, initial_funding="1"),
            "initialFunding",
        ),
        (lambda e, t, s: t.approve(e.address, -5, sender=s), "amount"),
        (lambda e, t, s: t.mint(e.address, "1", sender=s), "amount"),
        (lambda e, t, s: t.balance_of(None), "account"),
    ],
)
def test_bad_argument_types_are_invalid_input_naming_the_argument(
    escrow: Escrow, token: Token, maintainer: LocalAccount, call: Callable[..., Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        call(escrow, token, maintainer)
    assert info.value.field == field, str(info.value)
    assert type(info.value) in (InvalidInput, InvalidAddress)
