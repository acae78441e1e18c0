"""One error contract: a pre-send check that mirrors a contract rule raises that rule's named
exception with the arguments the contract gives, so the caller's ``except`` is the same whether
the SDK or the chain noticed first. Each case runs twice: through the SDK's public method (its
check fires, nothing is sent) and as raw calldata past every SDK check (the chain's simulation
answers); both must raise the same class with the same arguments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from quiltkit import Escrow, EscrowTerms, Token, intents
from quiltkit import escrow_errors as errors
from quiltkit.exceptions import ContractRevert
from web3 import Web3

from tests.conftest import UNIT, now

Case = Callable[[dict[str, Any]], tuple[Callable[[], Any], Callable[[], Any]]]


def _raw(c: dict[str, Any], fn: str, *args: Any, sender: str, value: int = 0) -> Callable[[], Any]:
    return lambda: c["escrow"]._transact(fn, *args, sender=c[sender], value=value)


def fund_zero(c: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], Any]]:
    eid = c["create"](funding=UNIT)
    return (lambda: c["escrow"].fund(eid, 0, sender=c["funder"])), _raw(c, "fund", eid, 0, sender="funder")


def fund_fully_funded(c: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], Any]]:
    eid = c["create"]()  # fully funded by the builder
    return (lambda: c["escrow"].fund(eid, UNIT, sender=c["funder"])), _raw(c, "fund", eid, UNIT, sender="funder")


def create_past_deadline(c: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], Any]]:
    terms = EscrowTerms(token=c["token"].address, amounts=[UNIT], deadline=now(c["w3"]) - 10)
    return (lambda: c["escrow"].create(terms, sender=c["maintainer"])), _raw(
        c, "create", terms.as_tuple(), 0, sender="maintainer"
    )


def release_bad_index(c: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], Any]]:
    eid = c["create"](payee=c["contributor"].address)
    return (lambda: c["escrow"].release(eid, 3, sender=c["maintainer"])), _raw(
        c, "release", eid, 3, sender="maintainer"
    )


def dispute_bad_index(c: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], Any]]:
    eid = c["create"](payee=c["contributor"].address)
    return (lambda: c["escrow"].dispute(eid, 9, sender=c["maintainer"])), _raw(
        c, "dispute", eid, 9, sender="maintainer"
    )


def resolve_bad_split(c: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], Any]]:
    eid = c["create"](payee=c["contributor"].address)
    c["escrow"].dispute(eid, 0, sender=c["maintainer"])
    return (lambda: c["escrow"].resolve(eid, 0, 10_001, sender=c["arbiter"])), _raw(
        c, "resolve", eid, 0, 10_001, sender="arbiter"
    )


def resolve_bad_split_by_outsider(c: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """Two rules broken at once: the contract checks the arbiter first, and so does the SDK's answer."""
    eid = c["create"](payee=c["contributor"].address)
    c["escrow"].dispute(eid, 0, sender=c["maintainer"])
    return (lambda: c["escrow"].resolve(eid, 0, 10_001, sender=c["funder"])), _raw(
        c, "resolve", eid, 0, 10_001, sender="funder"
    )


def intent_wrong_verifier_set(c: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], Any]]:
    eid = c["create"]()
    intent = c["intent"](eid, 0)
    members = [c["v1"].address, c["v2"].address]
    sigs = c["sign"](intent)
    return (lambda: c["escrow"].release_with_intent(intent, members, sigs, sender=c["relayer"])), _raw(
        c, "releaseWithIntent", intent.as_tuple(), members, [s.as_tuple() for s in sigs], sender="relayer"
    )


def intent_under_signed(c: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], Any]]:
    eid = c["create"]()
    intent = c["intent"](eid, 0)
    members = [c["v1"].address, c["v2"].address, c["v3"].address]
    sigs = c["sign"](intent, (1,))
    return (lambda: c["escrow"].release_with_intent(intent, members, sigs, sender=c["relayer"])), _raw(
        c, "releaseWithIntent", intent.as_tuple(), members, [s.as_tuple() for s in sigs], sender="relayer"
    )


def intent_expired_and_under_signed(c: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], Any]]:
    """The SDK sees too few signatures; the contract checks the deadline first: its answer wins."""
    eid = c["create"]()
    intent = c["intent"](eid, 0, deadline=now(c["w3"]) - 1)
    members = [c["v1"].address, c["v2"].address, c["v3"].address]
    sigs = c["sign"](intent, (1,))
    return (lambda: c["escrow"].release_with_intent(intent, members, sigs, sender=c["relayer"])), _raw(
        c, "releaseWithIntent", intent.as_tuple(), members, [s.as_tuple() for s in sigs], sender="relayer"
    )


def batch_unsigned(c: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], Any]]:
    eid = c["create"]()
    a, b = c["intent"](eid, 0), c["intent"](eid, 1)
    members = [c["v1"].address, c["v2"].address, c["v3"].address]
    batch = [(a, members, c["sign"](a)), (b, members, [])]
    raw = [[s.as_tuple() for s in c["sign"](a)], []]
    return (lambda: c["escrow"].release_with_intents(batch, sender=c["relayer"])), _raw(
        c, "releaseWithIntents", members, [a.as_tuple(), b.as_tuple()], raw, sender="relayer"
    )


def fee_above_cap(c: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], Any]]:
    return (lambda: c["escrow"].set_default_fee(1_001, sender=c["operator"])), _raw(
        c, "setDefaultFee", 1_001, sender="operator"
    )


def fee_above_cap_by_outsider(c: dict[str, Any]) -> tuple[Callable[[], Any], Callable[[], Any]]:
    return (lambda: c["escrow"].set_default_fee(1_001, sender=c["funder"])), _raw(
        c, "setDefaultFee", 1_001, sender="funder"
    )


CASES: list[tuple[Case, type[ContractRevert]]] = [
    (fund_zero, errors.EscrowZeroFunding),
    (fund_fully_funded, errors.EscrowFullyFunded),
    (create_past_deadline, errors.EscrowDeadlineInPast),
    (release_bad_index, errors.EscrowInvalidMilestone),
    (dispute_bad_index, errors.EscrowInvalidMilestone),
    (resolve_bad_split, errors.EscrowInvalidSplit),
    (resolve_bad_split_by_outsider, errors.EscrowNotArbiter),
    (intent_wrong_verifier_set, errors.EscrowVerifierSetMismatch),
    (intent_under_signed, errors.EscrowInsufficientSignatures),
    (intent_expired_and_under_signed, errors.EscrowIntentExpired),
    (batch_unsigned, errors.EscrowInsufficientSignatures),
    (fee_above_cap, errors.EscrowInvalidFee),
    (fee_above_cap_by_outsider, errors.AccessControlUnauthorizedAccount),
]


@pytest.fixture
def c(
    w3: Web3,
    escrow: Escrow,
    token: Token,
    create_escrow: Callable[..., int],
    make_intent: Callable[..., intents.PayoutIntent],
    sign: Callable[..., list[intents.VerifierSignature]],
    roles: dict[str, LocalAccount],
) -> dict[str, Any]:
    fixtures = {"w3": w3, "escrow": escrow, "token": token, "create": create_escrow, "intent": make_intent}
    return fixtures | {"sign": sign} | roles


@pytest.mark.parametrize(("case", "error"), CASES, ids=[case.__name__ for case, _ in CASES])
def test_sdk_check_and_chain_raise_the_same_named_error(
    c: dict[str, Any], w3: Web3, roles: dict[str, LocalAccount], case: Case, error: type[ContractRevert]
) -> None:
    through_sdk, past_the_sdk = case(c)
    nonces = {a.address: w3.eth.get_transaction_count(a.address) for a in roles.values()}
    with pytest.raises(error) as sdk:
        through_sdk()
    assert {a.address: w3.eth.get_transaction_count(a.address) for a in roles.values()} == nonces  # nothing sent
    with pytest.raises(error) as chain:
        past_the_sdk()
    assert type(sdk.value) is type(chain.value) is error
    if error is errors.EscrowDeadlineInPast:
        # nowTime is the simulated block's time: the deadline must agree, the clock need only be past it
        assert sdk.value.args_by_name["deadline"] == chain.value.args_by_name["deadline"]
        assert sdk.value.args_by_name["nowTime"] >= sdk.value.args_by_name["deadline"]
    else:
        assert sdk.value.args_by_name == chain.value.args_by_name
    assert set(sdk.value.args_by_name) == set(error.param_names)


def test_empty_batch_is_the_contracts_batch_mismatch(escrow: Escrow, relayer: LocalAccount) -> None:
    with pytest.raises(errors.EscrowBatchMismatch) as info:
        escrow.release_with_intents([], sender=relayer)
    assert info.value.args_by_name == {"intents": 0, "signatureSets": 0}
    with pytest.raises(errors.EscrowBatchMismatch):
        escrow._transact("releaseWithIntents", [], [], [], sender=relayer)


def test_deploy_checks_are_the_constructors(w3: Web3, operator: LocalAccount) -> None:
    with pytest.raises(errors.EscrowInvalidFee) as info:
        Escrow.deploy(
            w3, operator, admin=operator.address, guardian=operator.address, treasury=operator.address, fee_bps=1_001
        )
    assert info.value.args_by_name == {"feeBps": 1_001, "maxFeeBps": 1_000}
    with pytest.raises(errors.EscrowInvalidTreasury):
        Escrow.deploy(w3, operator, admin=operator.address, guardian=operator.address, treasury="0x" + "00" * 20)


def test_a_check_the_chain_does_not_confirm_raises_the_sdks_own_error(escrow: Escrow, relayer: LocalAccount) -> None:
    """When the simulated call does not revert, the pre-send check's error stands (nothing sent)."""
    own = errors.EscrowZeroFunding()
    with pytest.raises(errors.EscrowZeroFunding) as info:
        escrow._refuse(own, escrow._encode("escrowCount"), sender=relayer)
    assert info.value is own
