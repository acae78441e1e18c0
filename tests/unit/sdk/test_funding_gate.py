"""The BadgeReputationGate client (``quiltkit.BadgeReputationGate``) on a real SoulboundBadge: its
reads, a round that names it admitting a badge holder and refusing a donor without a badge
(``RoundIneligibleDonor``, nothing sent), decay closing the gate without a transaction, the
constructor's named errors raised before anything is signed, a wrong contract at the address
refused, and the async twin giving the same answers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from eth_account.signers.local import LocalAccount
from quiltkit import (
    BadgeReputationGate,
    FundingRoundFactory,
    InvalidAddress,
    InvalidInput,
    SoulboundBadge,
    Token,
    WrongContract,
)
from quiltkit import funding_errors as round_errors
from quiltkit import funding_gate_errors as gate_errors
from quiltkit.aio import AsyncBadgeReputationGate
from quiltkit.badges import decay, registered_type
from quiltkit.funding import RoundParams
from web3 import AsyncWeb3, Web3

from tests.conftest import DAY, UNIT, now

WEIGHT = 10 * UNIT
MINIMUM = 9_600_000_000_000_000_000  # 9.6: a 10-weight badge decaying 5% a year falls below it within a year
YEAR = 365 * DAY
EVIDENCE = "0x" + "ab" * 32


def advance(seconds: int) -> None:
    """Move the chain's clock (no wall clock involved) and mine a block."""
    from ape import chain

    chain.pending_timestamp = chain.pending_timestamp + seconds
    chain.mine()


@pytest.fixture(scope="module")
def badges(w3: Web3, operator: LocalAccount) -> tuple[SoulboundBadge, int]:
    badges = SoulboundBadge.deploy(w3, operator, admin=operator.address)
    kind = registered_type(badges.register_type("Contribution", "", WEIGHT, sender=operator))
    badges.grant_role("ISSUER_ROLE", operator.address, sender=operator)
    return badges, kind


@pytest.fixture(scope="module")
def gate(w3: Web3, operator: LocalAccount, badges: tuple[SoulboundBadge, int]) -> BadgeReputationGate:
    return BadgeReputationGate.deploy(w3, operator, badges=badges[0].address, min_reputation=MINIMUM)


def test_reads_and_a_gated_round(
    w3: Web3,
    operator: LocalAccount,
    maintainer: LocalAccount,
    contributor: LocalAccount,
    funder: LocalAccount,
    badges: tuple[SoulboundBadge, int],
    gate: BadgeReputationGate,
) -> None:
    badge, kind = badges
    assert gate.badges() == badge.address
    assert gate.min_reputation() == MINIMUM
    assert not gate.is_eligible(contributor.address)
    badge.issue(contributor.address, kind, EVIDENCE, sender=operator)
    assert gate.is_eligible(contributor.address)
    assert not gate.is_eligible(funder.address)

    factory = FundingRoundFactory.deploy(w3, operator, admin=operator.address, creator=operator.address)
    t = now(w3)
    round_ = factory.create_round(
        RoundParams(
            curator=maintainer.address,
            application_end=t + DAY,
            donation_start=t,
            donation_end=t + 2 * YEAR,  # open past the holder's decay
            release_deadline=t + 3 * YEAR,
            eligibility=gate.address,
        ),
        b"\x01" * 32,
        sender=operator,
    )
    assert round_.params().eligibility == gate.address
    project = round_.register_project(maintainer.address, 1, [1], sender=maintainer)
    round_.donate(project, UNIT // 100, sender=contributor)
    assert round_.donation_of(project, contributor.address) == (UNIT // 100, 0)

    nonce = w3.eth.get_transaction_count(funder.address)
    with pytest.raises(round_errors.RoundIneligibleDonor) as refused:
        round_.donate(project, UNIT // 100, sender=funder)
    assert refused.value.args_by_name["donor"] == funder.address
    assert w3.eth.get_transaction_count(funder.address) == nonce, "nothing was sent"

    # Reputation decays on chain: the holder drops below the minimum without any transaction.
    advance(YEAR)
    assert badge.reputation_of(contributor.address) <= decay(WEIGHT, YEAR) < MINIMUM
    assert not gate.is_eligible(contributor.address)
    with pytest.raises(round_errors.RoundIneligibleDonor):
        round_.donate(project, UNIT // 100, sender=contributor)


def test_constructor_errors_are_named_and_nothing_is_sent(
    w3: Web3, operator: LocalAccount, funder: LocalAccount, badges: tuple[SoulboundBadge, int]
) -> None:
    nonce = w3.eth.get_transaction_count(operator.address)
    with pytest.raises(gate_errors.GateZeroMinimum):
        BadgeReputationGate.deploy(w3, operator, badges=badges[0].address, min_reputation=0)
    with pytest.raises(gate_errors.GateInvalidBadges) as no_code:
        BadgeReputationGate.deploy(w3, operator, badges=funder.address, min_reputation=1)
    assert no_code.value.args_by_name["badges"] == funder.address
    with pytest.raises(InvalidInput) as negative:
        BadgeReputationGate.deploy(w3, operator, badges=badges[0].address, min_reputation=-1)
    assert negative.value.field == "min_reputation"
    with pytest.raises(InvalidAddress):
        BadgeReputationGate.deploy(w3, operator, badges="0x1234", min_reputation=1)
    assert w3.eth.get_transaction_count(operator.address) == nonce


def test_a_wrong_contract_is_refused(w3: Web3, operator: LocalAccount, funder: LocalAccount) -> None:
    token = Token.deploy_test_token(w3, operator, "Not a gate", "NAG")
    with pytest.raises(WrongContract):
        BadgeReputationGate(w3, token.address).is_eligible(funder.address)
    with pytest.raises(InvalidInput):
        BadgeReputationGate(w3, token.address).is_eligible("not an address")


def test_the_async_twin_answers_the_same(
    w3: Web3,
    operator: LocalAccount,
    funder: LocalAccount,
    badges: tuple[SoulboundBadge, int],
    gate: BadgeReputationGate,
    async_w3: Callable[[], AsyncWeb3],  # type: ignore[type-arg]
) -> None:
    async def scenario() -> None:
        twin = AsyncBadgeReputationGate(async_w3(), gate.address)
        assert await twin.badges() == gate.badges()
        assert await twin.min_reputation() == MINIMUM
        assert await twin.is_eligible(funder.address) is False
        deployed = await AsyncBadgeReputationGate.deploy(
            async_w3(), operator, badges=badges[0].address, min_reputation=1
        )
        assert await deployed.min_reputation() == 1
        with pytest.raises(gate_errors.GateZeroMinimum):
            await AsyncBadgeReputationGate.deploy(async_w3(), operator, badges=badges[0].address, min_reputation=0)

    asyncio.run(scenario())
