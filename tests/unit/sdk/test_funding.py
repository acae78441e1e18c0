"""Funding rounds through the SDK: a factory of clones, a QUADRATIC round on a 6-decimal token
(donations, pool, resumable finalisation, attested and curator releases, refunds), a SCORE round
paid by a signed leaderboard, named errors raised with nothing sent, and a differential test:
``quiltkit.funding.qf_match`` / ``score_allocation`` equal the contract's integers on random rounds."""

from __future__ import annotations

import random

import pytest
from eth_account.signers.local import LocalAccount
from quiltkit import FundingRound, FundingRoundFactory, InvalidInput, Token, intents
from quiltkit import funding_errors as errors
from quiltkit.funding import LeaderboardEntry, Phase, RoundParams, Strategy, qf_match, score_allocation
from web3 import Web3

from tests.conftest import DAY, now

USDC = 10**6


def advance(seconds: int) -> None:
    """Move the chain's clock (no wall clock involved) and mine a block."""
    from ape import chain

    chain.pending_timestamp = chain.pending_timestamp + seconds
    chain.mine()


@pytest.fixture(scope="module")
def usdc(w3: Web3, operator: LocalAccount) -> Token:
    return Token.deploy_test_token(w3, operator, "USD Coin (test)", "USDC", 6)


@pytest.fixture(scope="module")
def factory(w3: Web3, operator: LocalAccount) -> FundingRoundFactory:
    return FundingRoundFactory.deploy(w3, operator, admin=operator.address, creator=operator.address)


_salts = iter(range(10**6))


def _round(
    w3: Web3,
    factory: FundingRoundFactory,
    operator: LocalAccount,
    curator: LocalAccount,
    currency: str,
    verifiers: list[LocalAccount],
    strategy: Strategy = Strategy.QUADRATIC,
    cap_bps: int = 10_000,
) -> FundingRound:
    t = now(w3)
    params = RoundParams(
        currency=currency,
        curator=curator.address,
        strategy=strategy,
        matching_cap_bps=cap_bps,
        application_end=t + DAY,
        donation_start=t,
        donation_end=t + 2 * DAY,
        release_deadline=t + 30 * DAY,
        verifiers=[v.address for v in verifiers],
        threshold=2,
    )
    salt = next(_salts).to_bytes(32, "big")
    predicted = factory.predict_round(params, salt)
    r = factory.create_round(params, salt, "ipfs://bafyround", sender=operator)
    assert r.address == predicted
    assert factory.is_round(r.address)
    return r


def _give(r: FundingRound, usdc: Token, donor: LocalAccount, operator: LocalAccount, project: int, amount: int) -> None:
    usdc.mint(donor.address, amount, sender=operator)
    usdc.approve(r.address, amount, sender=donor)
    r.donate(project, amount, sender=donor)


def _finalize(r: FundingRound, sender: LocalAccount, steps: int = 1_000) -> None:
    while r.state().phase != Phase.FINALIZED:
        r.finalize(steps, sender=sender)


def test_quadratic_round_end_to_end(
    w3: Web3,
    factory: FundingRoundFactory,
    usdc: Token,
    operator: LocalAccount,
    maintainer: LocalAccount,
    funder: LocalAccount,
    contributor: LocalAccount,
    arbiter: LocalAccount,
    relayer: LocalAccount,
    treasury: LocalAccount,
    verifiers: list[LocalAccount],
) -> None:
    r = _round(w3, factory, operator, maintainer, usdc.address, verifiers)
    small = r.register_project(contributor.address, 50 * USDC, [100, 300], sender=maintainer)
    whale_project = r.register_project(arbiter.address, 50 * USDC, [1], sender=maintainer)
    under = r.register_project(relayer.address, 10_000 * USDC, [1], sender=maintainer)
    # Many small donors beat one whale.
    for donor in (funder, treasury, relayer, operator):
        _give(r, usdc, donor, operator, small, 25 * USDC)
    _give(r, usdc, arbiter, operator, whale_project, 100 * USDC)
    _give(r, usdc, funder, operator, under, 7 * USDC)
    usdc.mint(operator.address, 1_000 * USDC, sender=operator)
    usdc.approve(r.address, 1_000 * USDC, sender=operator)
    r.fund_pool(1_000 * USDC, sender=operator)
    with pytest.raises(errors.RoundDonationsNotEnded):
        r.finalize(1, sender=relayer)
    advance(2 * DAY)
    r.finalize(2, sender=relayer)  # resumable: several calls
    assert r.state().phase == Phase.TALLYING or r.state().phase == Phase.DISTRIBUTING
    _finalize(r, relayer, 2)
    expected = qf_match(
        [[25 * USDC] * 4, [100 * USDC], [7 * USDC]], [50 * USDC, 50 * USDC, 10_000 * USDC], 1_000 * USDC
    )
    assert [r.get_project(i).matched for i in range(3)] == expected
    assert expected[0] == 300 * USDC and expected[1] == 0
    # Attested release of milestone 0, curator release of milestone 1.
    intent = r.intent_for(
        small,
        0,
        intent_id=intents.new_intent_id(),
        deadline=now(w3) + DAY,
        evidence_hash=intents.evidence_hash({"pr": 1}),
    )
    sigs = [intents.VerifierSignature(verifier_index=i, signature=r.sign_intent(intent, verifiers[i])) for i in (0, 1)]
    # The SDK's typed-data signature recovers against the contract's own digest.
    assert intents.recover_digest_signer(r.hash_intent(intent), sigs[0].signature) == verifiers[0].address
    before = usdc.balance_of(contributor.address)
    r.release_with_intent(intent, [v.address for v in verifiers], sigs, sender=relayer)
    with pytest.raises(errors.RoundIntentConsumed):
        r.release_with_intent(intent, [v.address for v in verifiers], sigs, sender=relayer)
    r.release(small, 1, sender=maintainer)
    assert usdc.balance_of(contributor.address) - before == r.get_project(small).total
    with pytest.raises(errors.RoundMilestoneSettled):
        r.release(small, 1, sender=maintainer)
    # The underfunded project's donor is refunded in full (pull).
    assert r.get_project(under).refunding
    assert r.refundable_of(under, funder.address) == 7 * USDC
    r.claim_refund(under, sender=funder)
    assert r.donation_of(under, funder.address) == (7 * USDC, 7 * USDC)
    # What the pool did not distribute returns to its sponsor.
    assert r.pool_return_of(operator.address) == 700 * USDC
    r.claim_pool_return(sender=operator)
    assert r.sponsor_of(operator.address) == (1_000 * USDC, 700 * USDC)


def test_named_errors_before_sending(
    w3: Web3,
    factory: FundingRoundFactory,
    usdc: Token,
    operator: LocalAccount,
    maintainer: LocalAccount,
    funder: LocalAccount,
    contributor: LocalAccount,
    verifiers: list[LocalAccount],
) -> None:
    r = _round(w3, factory, operator, maintainer, usdc.address, verifiers)
    with pytest.raises(InvalidInput):
        r.register_project(contributor.address, 0, [1], sender=maintainer)
    with pytest.raises(InvalidInput):
        r.register_project(contributor.address, 1, [], sender=maintainer)
    with pytest.raises(InvalidInput):
        r.donate(0, 0, sender=funder)
    with pytest.raises(errors.RoundNotCurator):
        r.register_project(contributor.address, 1, [1], sender=funder)
    with pytest.raises(errors.RoundProjectNotFound):
        r.donate(5, 1, sender=funder)
    nonce = w3.eth.get_transaction_count(funder.address)
    with pytest.raises(errors.RoundProjectNotFound):
        r.donate(5, 1, sender=funder)
    assert w3.eth.get_transaction_count(funder.address) == nonce
    with pytest.raises(InvalidInput):
        RoundParams(
            curator=maintainer.address, application_end=0, donation_start=0, donation_end=1, release_deadline=2**33
        )
    p = RoundParams(curator=maintainer.address, application_end=1, donation_start=5, donation_end=2, release_deadline=9)
    with pytest.raises(InvalidInput):
        factory.create_round(p, b"\x00" * 32, sender=operator)


def test_score_round_pays_signed_leaderboard(
    w3: Web3,
    factory: FundingRoundFactory,
    usdc: Token,
    operator: LocalAccount,
    maintainer: LocalAccount,
    contributor: LocalAccount,
    arbiter: LocalAccount,
    relayer: LocalAccount,
    verifiers: list[LocalAccount],
) -> None:
    r = _round(w3, factory, operator, maintainer, usdc.address, verifiers, Strategy.SCORE)
    pool = 1_000 * USDC + 7
    usdc.mint(operator.address, pool, sender=operator)
    usdc.approve(r.address, pool, sender=operator)
    r.fund_pool(pool, sender=operator)
    entries = [
        LeaderboardEntry(recipient=contributor.address, score=50),
        LeaderboardEntry(recipient=arbiter.address, score=30),
        LeaderboardEntry(recipient=relayer.address, score=17),
    ]
    sigs = [
        intents.VerifierSignature(verifier_index=i, signature=r.sign_leaderboard(entries, verifiers[i])) for i in (1, 2)
    ]
    with pytest.raises(errors.RoundDonationsNotEnded):
        r.submit_leaderboard(entries, [v.address for v in verifiers], sigs, sender=relayer)
    advance(2 * DAY)
    r.submit_leaderboard(entries, [v.address for v in verifiers], sigs, sender=relayer)
    expected = score_allocation([e.score for e in entries], pool)
    assert [r.owed_of(e.recipient) for e in entries] == expected
    before = usdc.balance_of(contributor.address)
    r.withdraw(sender=contributor)
    assert usdc.balance_of(contributor.address) - before == expected[0]
    with pytest.raises(errors.RoundWrongPhase):
        r.submit_leaderboard(entries, [v.address for v in verifiers], sigs, sender=relayer)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_qf_match_equals_the_contract_on_random_rounds(
    seed: int,
    w3: Web3,
    factory: FundingRoundFactory,
    usdc: Token,
    operator: LocalAccount,
    maintainer: LocalAccount,
    roles: dict[str, LocalAccount],
    verifiers: list[LocalAccount],
) -> None:
    rng = random.Random(seed)  # noqa: S311 (reproducible test data, not cryptography)
    cap = rng.choice([10_000, 2_500, rng.randint(1, 10_000)])
    r = _round(w3, factory, operator, maintainer, usdc.address, verifiers, cap_bps=cap)
    donors = list(roles.values())[:6]
    n = rng.randint(2, 5)
    goals = [rng.choice([1, rng.randint(1, 400) * USDC]) for _ in range(n)]
    for goal in goals:
        r.register_project(maintainer.address, goal, [1, 2], sender=maintainer)
    totals = [[0] * len(donors) for _ in range(n)]
    for _ in range(rng.randint(4, 12)):
        p, d = rng.randrange(n), rng.randrange(len(donors))
        amount = rng.randint(1, 300 * USDC)
        _give(r, usdc, donors[d], operator, p, amount)
        totals[p][d] += amount
    pool = rng.randint(0, 2_000 * USDC)
    if pool:
        usdc.mint(operator.address, pool, sender=operator)
        usdc.approve(r.address, pool, sender=operator)
        r.fund_pool(pool, sender=operator)
    advance(2 * DAY)
    _finalize(r, operator, rng.randint(1, 4))
    assert [r.get_project(i).matched for i in range(n)] == qf_match(totals, goals, pool, cap)
    state = r.state()
    assert state.matched <= pool and state.matched + state.returned == pool


def test_score_allocation_reference() -> None:
    assert score_allocation([1, 1, 1], 10) == [3, 3, 3]
    with pytest.raises(InvalidInput):
        score_allocation([0, 0], 10)
    with pytest.raises(InvalidInput):
        qf_match([[1]], [1, 2], 10)
