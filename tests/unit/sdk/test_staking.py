"""Staking and bonds through the SDK (each test starts from the module fixture: ape reverts
the chain after every test): the token upgraded to V2 with the pool and the registry as
its lockers; staking keeps votes; rewards in two tokens computed client-side equal the contract's;
cooldown, pause, bonds, slashing; every named failure raised as its SDK exception, nothing sent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from quiltkit import (
    Escrow,
    FundingRound,
    FundingRoundFactory,
    GovernanceToken,
    GovernanceTokenV2,
    InvalidInput,
    SoulboundBadge,
    Staking,
    Token,
    VerifierBonds,
    intents,
)
from quiltkit.attestations import BadgeAttestation, new_attestation_id, sign_attestation
from quiltkit.badge_errors import QuorumSignerSuspended
from quiltkit.badges import registered_type
from quiltkit.escrow import MilestoneState, verifier_set_hash
from quiltkit.escrow_errors import EscrowVerifierSuspended
from quiltkit.governance_token_v2_errors import GovernanceTokenTransferExceedsUnlocked
from quiltkit.staking_errors import EnforcedPause, StakingCooldownActive, StakingInsufficientStake
from quiltkit.staking_events import RewardPaid, Staked
from quiltkit.verifier_bonds_errors import VerifierBondsBelowMinimum, VerifierBondsUnbondingDelay
from web3 import Web3

UNIT = 10**18
USDC = 10**6
DAY = 86_400
SET = keccak(text="escrow verifier set")


def advance(seconds: int) -> None:
    """Move the chain's clock (no wall clock involved) and mine a block."""
    from ape import chain

    chain.pending_timestamp = chain.pending_timestamp + seconds
    chain.mine()


@dataclass
class Pool:
    token: GovernanceTokenV2
    staking: Staking
    bonds: VerifierBonds
    usdc: Token


@pytest.fixture(scope="module")
def pool(
    w3: Web3, operator: LocalAccount, treasury: LocalAccount, maintainer: LocalAccount, funder: LocalAccount
) -> Pool:
    v1 = GovernanceToken.deploy(w3, operator, admin=operator.address, treasury=treasury.address)
    # The operator stands in for the Timelock (distributor, slasher, admin).
    staking = Staking.deploy(w3, operator, token=v1.address, admin=operator.address, distributor=operator.address)
    bonds = VerifierBonds.deploy(w3, operator, token=v1.address, governance=operator.address, treasury=treasury.address)
    token = GovernanceTokenV2.upgrade(w3, operator, token=v1.address, staking=staking.address, bonds=bonds.address)
    usdc = Token.deploy_test_token(w3, operator, "USD Coin", "USDC", 6)
    token.mint_batch(
        [maintainer.address, funder.address, operator.address], [600 * UNIT, 400 * UNIT, 10_000 * UNIT], sender=operator
    )
    token.delegate(maintainer.address, sender=maintainer)
    token.delegate(funder.address, sender=funder)
    usdc.mint(operator.address, 1_000_000 * USDC, sender=operator)
    usdc.approve(staking.address, 2**256 - 1, sender=operator)
    advance(1)
    return Pool(token, staking, bonds, usdc)


def test_upgrade_fixes_the_lockers(pool: Pool) -> None:
    assert pool.token.lockers() == (pool.staking.address, pool.bonds.address)
    assert pool.staking.staking_token() == pool.token.address


def test_stake_keeps_votes_and_locks(w3: Web3, pool: Pool, maintainer: LocalAccount, funder: LocalAccount) -> None:
    votes = pool.token.get_votes(maintainer.address)
    result = pool.staking.stake(500 * UNIT, sender=maintainer)
    staked = result.event("Staked")
    assert staked.args["amount"] == 500 * UNIT
    assert [e.amount for e in pool.staking.events(Staked, account=maintainer.address)] == [500 * UNIT]
    assert pool.token.get_votes(maintainer.address) == votes
    assert pool.token.balance_of(maintainer.address) == 600 * UNIT
    assert pool.token.locks_of(maintainer.address) == (500 * UNIT, 0)
    assert pool.token.unlocked_balance_of(maintainer.address) == 100 * UNIT
    nonce = w3.eth.get_transaction_count(maintainer.address)
    with pytest.raises(GovernanceTokenTransferExceedsUnlocked) as err:
        pool.token.transfer(funder.address, 101 * UNIT, sender=maintainer)
    assert err.value.args_by_name == {"holder": maintainer.address, "value": 101 * UNIT, "unlocked": 100 * UNIT}
    assert w3.eth.get_transaction_count(maintainer.address) == nonce, "nothing sent"


def test_rewards_in_two_tokens_client_side_equals_contract(
    pool: Pool, operator: LocalAccount, maintainer: LocalAccount, funder: LocalAccount
) -> None:
    pool.staking.stake(500 * UNIT, sender=maintainer)
    pool.staking.stake(400 * UNIT, sender=funder)
    # Tokens sent to the pool (routed fees, here a plain transfer) are streamed by the next notify.
    pool.token.transfer(pool.staking.address, 7_000 * UNIT, sender=operator)
    pool.staking.notify_reward_amount(pool.usdc.address, 7_000 * USDC, 7 * DAY, sender=operator)
    pool.staking.notify_reward_amount(pool.token.address, 7_000 * UNIT, 7 * DAY, sender=operator)
    assert pool.staking.reward_tokens() == [pool.usdc.address, pool.token.address]
    advance(DAY)
    for account in (maintainer.address, funder.address):
        pending = pool.staking.pending_rewards(account)
        for token, amount in pending.items():
            assert amount == pool.staking.earned(account, token)
            assert amount > 0
    before = pool.usdc.balance_of(maintainer.address)
    result = pool.staking.claim_all(sender=maintainer)
    paid = {e.args["token"]: e.args["amount"] for e in result.events_named("RewardPaid")}
    assert pool.usdc.balance_of(maintainer.address) - before == paid[pool.usdc.address]
    assert pool.staking.events(RewardPaid, account=maintainer.address)
    total = sum(paid.values())
    assert total > 0
    assert pool.staking.committed(pool.usdc.address) <= 7_000 * USDC


def test_bad_input_raises_before_sending(
    w3: Web3, pool: Pool, operator: LocalAccount, maintainer: LocalAccount
) -> None:
    nonce = w3.eth.get_transaction_count(maintainer.address)
    with pytest.raises(InvalidInput):
        pool.staking.stake(0, sender=maintainer)
    with pytest.raises(InvalidInput):
        pool.staking.unstake(-1, sender=maintainer)
    with pytest.raises(InvalidInput):
        pool.staking.notify_reward_amount(pool.usdc.address, 1, 0, sender=operator)
    with pytest.raises(InvalidInput):
        pool.staking.set_cooldown(61 * DAY, sender=operator)
    with pytest.raises(InvalidInput):
        pool.bonds.bond(0, sender=maintainer)
    with pytest.raises(InvalidInput):
        pool.bonds.set_minimum_bond(b"short", 1, sender=operator)
    with pytest.raises(InvalidInput):
        pool.bonds.slash_call(maintainer.address, 1, "  ")
    assert w3.eth.get_transaction_count(maintainer.address) == nonce


def test_unstake_errors_cooldown_and_pause(
    w3: Web3, pool: Pool, operator: LocalAccount, maintainer: LocalAccount
) -> None:
    pool.staking.stake(500 * UNIT, sender=maintainer)
    pool.staking.notify_reward_amount(pool.usdc.address, 700 * USDC, 7 * DAY, sender=operator)
    staked = pool.staking.stake_of(maintainer.address)
    nonce = w3.eth.get_transaction_count(maintainer.address)
    with pytest.raises(StakingInsufficientStake):
        pool.staking.unstake(staked + 1, sender=maintainer)
    assert w3.eth.get_transaction_count(maintainer.address) == nonce
    pool.staking.set_cooldown(DAY, sender=operator)
    pool.staking.unstake(100 * UNIT, sender=maintainer)
    pending = pool.staking.pending_unstake(maintainer.address)
    assert pending.amount == 100 * UNIT
    with pytest.raises(StakingCooldownActive):
        pool.staking.withdraw(sender=maintainer)
    pool.staking.pause(sender=operator)
    assert pool.staking.paused()
    with pytest.raises(EnforcedPause):
        pool.staking.stake(1, sender=maintainer)
    advance(DAY)
    pool.staking.withdraw(sender=maintainer)  # exits work while paused
    assert pool.staking.claim(pool.usdc.address, sender=maintainer).event("RewardPaid").args["amount"] > 0
    pool.staking.unpause(sender=operator)
    pool.staking.set_cooldown(0, sender=operator)
    assert pool.token.locks_of(maintainer.address)[0] == staked - 100 * UNIT


def test_bonds_slash_and_stop_counting(
    pool: Pool, operator: LocalAccount, funder: LocalAccount, treasury: LocalAccount
) -> None:
    votes = pool.token.get_votes(funder.address)
    pool.bonds.bond(300 * UNIT, sender=funder)
    assert pool.token.get_votes(funder.address) == votes
    pool.bonds.set_minimum_bond(SET, 300 * UNIT, sender=operator)
    assert pool.bonds.counts(SET, funder.address)
    pool.bonds.require_bonded(SET, [funder.address])
    slash = pool.bonds.slash_call(funder.address, 50 * UNIT, "false attestation")
    assert slash.target == pool.bonds.address
    assert slash.data == pool.bonds._encode(
        "slash", funder.address, 50 * UNIT, "false attestation", "0x0000000000000000000000000000000000000000"
    )
    before = pool.token.balance_of(treasury.address)
    result = pool.bonds.slash(funder.address, 50 * UNIT, "false attestation", sender=operator)
    assert result.event("Slashed").args["amount"] == 50 * UNIT
    assert pool.token.balance_of(treasury.address) - before == 50 * UNIT
    assert not pool.bonds.counts(SET, funder.address)
    with pytest.raises(VerifierBondsBelowMinimum) as err:
        pool.bonds.require_bonded(SET, [funder.address])
    assert err.value.args_by_name == {
        "setId": "0x" + SET.hex(), "verifier": funder.address, "bond": 250 * UNIT, "minimum": 300 * UNIT
    }  # fmt: skip
    pool.bonds.unbond(100 * UNIT, sender=funder)
    bond = pool.bonds.bond_of(funder.address)
    assert (bond.active, bond.unbonding) == (150 * UNIT, 100 * UNIT)
    assert pool.bonds.slashable_of(funder.address) == 250 * UNIT
    with pytest.raises(VerifierBondsUnbondingDelay):
        pool.bonds.withdraw_unbonded(sender=funder)
    advance(pool.bonds.unbond_delay())
    assert pool.bonds.slashable_of(funder.address) == 150 * UNIT
    pool.bonds.withdraw_unbonded(sender=funder)
    assert pool.token.locks_of(funder.address) == (0, 150 * UNIT)


def test_bonded_escrow_refuses_a_suspended_verifier_before_sending(
    w3: Web3,
    pool: Pool,
    escrow: Escrow,
    operator: LocalAccount,
    relayer: LocalAccount,
    verifiers: list[LocalAccount],
    create_escrow: Callable[..., int],
    make_intent: Callable[..., intents.PayoutIntent],
    sign: Callable[..., list[intents.VerifierSignature]],
) -> None:
    """The escrow's verifiers bond for its set; the DAO's slashing calls slash one below the
    minimum and push the suspension into the escrow; its signature is then refused with the
    escrow's named error before anything is sent, the other two still release, and after it bonds
    again a push reinstates it."""
    members = [v.address for v in verifiers]
    set_id = bytes.fromhex(verifier_set_hash(members)[2:])
    pool.token.mint_batch(members, [500 * UNIT] * 3, sender=operator)
    for v in verifiers:
        pool.bonds.bond(300 * UNIT, sender=v)
    pool.bonds.set_minimum_bond(set_id, 300 * UNIT, sender=operator)
    escrow.grant_role("VERIFIER_BONDS_ROLE", pool.bonds.address, sender=operator)
    assert escrow.has_role("VERIFIER_BONDS_ROLE", pool.bonds.address)
    escrow_id = create_escrow()

    liar, consumers = verifiers[0].address, [(escrow.address, members)]
    with pytest.raises(InvalidInput, match="not a member"):
        pool.bonds.slashing_calls(relayer.address, 50 * UNIT, "false attestation", consumers=consumers)
    calls = pool.bonds.slashing_calls(liar, 50 * UNIT, "false attestation", consumers=consumers)
    assert [c.target for c in calls] == [pool.bonds.address, pool.bonds.address]
    assert calls[1].data == pool.bonds._encode("pushSuspensions", escrow.address, members)
    for c in calls:  # as the Timelock executes them (the operator holds its roles here)
        pool.bonds._transact_data(c.data, sender=operator)
    assert pool.bonds.suspensions_of(members).members == [0]
    recorded = pool.bonds.recorded_suspensions(escrow.address, members)
    assert (recorded.set_id, recorded.suspended) == (set_id, 1)

    intent = make_intent(escrow_id, 0)
    nonce = w3.eth.get_transaction_count(relayer.address)
    with pytest.raises(EscrowVerifierSuspended) as err:
        escrow.release_with_intent(intent, members, sign(intent, (0, 1)), sender=relayer)
    assert err.value.args_by_name == {"verifierIndex": 0}
    assert w3.eth.get_transaction_count(relayer.address) == nonce, "nothing sent"
    escrow.release_with_intent(intent, members, sign(intent, (1, 2)), sender=relayer)

    pool.bonds.bond(50 * UNIT, sender=verifiers[0])
    assert pool.bonds.recorded_suspensions(escrow.address, members).suspended == 1, "stale until pushed"
    pool.bonds.push_suspensions(escrow.address, members, sender=relayer)
    assert pool.bonds.recorded_suspensions(escrow.address, members).members == []
    again = make_intent(escrow_id, 1)
    escrow.release_with_intent(again, members, sign(again, (0, 1)), sender=relayer)
    assert escrow.get_escrow(escrow_id).milestones[1].state == MilestoneState.RELEASED


def test_bonded_badges_and_rounds_refuse_a_suspended_validator(
    w3: Web3, pool: Pool, operator: LocalAccount, relayer: LocalAccount, verifiers: list[LocalAccount]
) -> None:
    """A SoulboundBadge deployed with the registry grants it the recorder role; after a slash and a
    push an attestation signed by the slashed validator is refused (QuorumSignerSuspended, nothing
    sent) and the other two still issue. A factory deployed with the registry names it in every
    round it clones."""
    members = [v.address for v in verifiers]
    pool.token.mint_batch(members, [500 * UNIT] * 3, sender=operator)
    for v in verifiers:
        pool.bonds.bond(300 * UNIT, sender=v)
    pool.bonds.set_minimum_bond(bytes.fromhex(verifier_set_hash(members)[2:]), 300 * UNIT, sender=operator)
    badges = SoulboundBadge.deploy(w3, operator, admin=operator.address, verifier_bonds=pool.bonds.address)
    assert badges.has_role("VERIFIER_BONDS_ROLE", pool.bonds.address)
    kind = registered_type(badges.register_type("Contribution", "ipfs://c", 10 * UNIT, sender=operator))
    badges.set_validators(kind, members, 2, sender=operator)
    pool.bonds.slash(members[2], 50 * UNIT, "false attestation", sender=operator)
    pool.bonds.push_suspensions(badges.address, members, sender=relayer)

    holder = pool.usdc.address  # any address: the badge is soulbound to it
    att = BadgeAttestation(
        holder=holder, badge_type=kind, evidence_hash="0x" + "11" * 32,
        attestation_id=new_attestation_id(), deadline=int(w3.eth.get_block("latest")["timestamp"]) + 3_600,
    )  # fmt: skip
    domain = badges.domain()
    nonce = w3.eth.get_transaction_count(relayer.address)
    with_slashed = [sign_attestation(att, domain, v) for v in verifiers[1:]]
    with pytest.raises(QuorumSignerSuspended) as err:
        badges.issue_with_attestation(att, members, with_slashed, sender=relayer)
    assert err.value.args_by_name == {"signer": members[2]}
    assert w3.eth.get_transaction_count(relayer.address) == nonce, "nothing sent"
    bonded_two = [sign_attestation(att, domain, v) for v in verifiers[:2]]
    badges.issue_with_attestation(att, members, bonded_two, sender=relayer)
    assert badges.balance_of(holder) == 1

    bonded = FundingRoundFactory.deploy(w3, operator, admin=operator.address, verifier_bonds=pool.bonds.address)
    assert FundingRound(w3, bonded.implementation()).verifier_bonds() == pool.bonds.address
    unbonded = FundingRoundFactory.deploy(w3, operator, admin=operator.address)
    assert FundingRound(w3, unbonded.implementation()).verifier_bonds() is None


def test_suspension_calls_refuse_bad_input_before_sending(
    w3: Web3, pool: Pool, relayer: LocalAccount, verifiers: list[LocalAccount]
) -> None:
    members = [v.address for v in verifiers]
    nonce = w3.eth.get_transaction_count(relayer.address)
    with pytest.raises(InvalidInput, match="1..256 members"):
        pool.bonds.push_suspensions(pool.staking.address, [], sender=relayer)
    with pytest.raises(InvalidInput):
        pool.bonds.push_suspensions("0x1234", members, sender=relayer)
    with pytest.raises(InvalidInput):
        pool.bonds.push_suspensions(pool.staking.address, [*members[:2], "not an address"], sender=relayer)
    with pytest.raises(InvalidInput, match="1..256 members"):
        pool.bonds.suspensions_of([])
    with pytest.raises(InvalidInput, match="a slash needs a reason"):
        pool.bonds.slashing_calls(members[0], 1, " ", consumers=[(pool.staking.address, members)])
    assert w3.eth.get_transaction_count(relayer.address) == nonce, "nothing sent"
