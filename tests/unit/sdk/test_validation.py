"""Bad input is refused by the SDK with a typed error before anything is sent."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from quiltkit import Escrow, InsufficientAllowance, InsufficientBalance, InvalidAddress, InvalidInput, Token, intents
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
        ({"deadline": 1}, "is not after the latest block time"),
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
    with pytest.raises(InvalidInput, match="has milestones 0..2, not 3"):
        escrow.release(eid, 3, sender=maintainer)
    with pytest.raises(InvalidInput, match="payee_bps must be 0..10000"):
        escrow.resolve(eid, 0, 10_001, sender=roles["arbiter"])
    assert w3.eth.get_transaction_count(maintainer.address) == nonce


def test_funding_checks_amount_allowance_and_balance(
    escrow: Escrow, token: Token, create_escrow: Callable[..., int], funder: LocalAccount, w3: Web3
) -> None:
    eid = create_escrow(funding=100 * UNIT)
    nonce = w3.eth.get_transaction_count(funder.address)
    with pytest.raises(InvalidInput, match="amount must be > 0"):
        escrow.fund(eid, 0, sender=funder)
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
    with pytest.raises(InvalidInput, match="do not match"):
        escrow.release_with_intent(intent, [v.address for v in verifiers[:2]], sign(intent), sender=relayer)
    with pytest.raises(InvalidInput, match="1 signatures given"):
        escrow.release_with_intent(intent, [v.address for v in verifiers], sign(intent, (1,)), sender=relayer)
    assert w3.eth.get_transaction_count(relayer.address) == nonce
