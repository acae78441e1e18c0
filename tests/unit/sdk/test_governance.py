"""Governance through the SDK: token behind its proxy, timelock, governor; the whole lifecycle
(delegate, propose, vote for/against/abstain with reason and by signature, queue, execute,
cancel), typed rules, and every named failure raised as its SDK exception with nothing sent."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
from eth_account.signers.local import LocalAccount
from quiltkit import (
    GovernanceToken,
    Governor,
    GovernorConfig,
    InvalidInput,
    ProposalState,
    ProposalType,
    Support,
    Timelock,
)
from quiltkit.governance import EmergencyCall, call
from quiltkit.governance_token_errors import AccessControlUnauthorizedAccount, ERC20ExceededCap
from quiltkit.governor_errors import (
    GovernorAlreadyCastVote,
    GovernorEmergencyCallNotAllowed,
    GovernorExecutionTooEarly,
    GovernorInsufficientProposerVotes,
)
from web3 import Web3

UNIT = 10**18
CONFIG = GovernorConfig(
    voting_delay=1,
    voting_period=600,
    proposal_threshold=100 * UNIT,
    late_quorum_extension=60,
    emergency_voting_delay=1,
    emergency_voting_period=300,
    standard_execution_delay=7_200,
)
MIN_DELAY = 3_600


def advance(seconds: int) -> None:
    """Move the chain's clock (no wall clock involved) and mine a block."""
    from ape import chain

    chain.pending_timestamp = chain.pending_timestamp + seconds
    chain.mine()


@dataclass
class Dao:
    token: GovernanceToken
    timelock: Timelock
    governor: Governor


@pytest.fixture(scope="module")
def dao(
    w3: Web3, operator: LocalAccount, treasury: LocalAccount, maintainer: LocalAccount, funder: LocalAccount
) -> Dao:
    token = GovernanceToken.deploy(w3, operator, admin=operator.address, treasury=treasury.address)
    pause = token._encode("pause")[:4]
    timelock = Timelock.deploy(
        w3,
        operator,
        min_delay=MIN_DELAY,
        admin=operator.address,
        emergency_calls=[EmergencyCall(target=token.address, selector=pause)],
    )
    governor = Governor.deploy(w3, operator, token=token.address, timelock=timelock.address, config=CONFIG)
    for role in ("PROPOSER_ROLE", "CANCELLER_ROLE", "EXECUTOR_ROLE"):
        timelock.grant_role(role, governor.address, sender=operator)
    timelock.renounce_role("DEFAULT_ADMIN_ROLE", operator.address, sender=operator)
    for role in ("MINTER_ROLE", "PAUSER_ROLE"):
        token.grant_role(role, timelock.address, sender=operator)
    token.mint_batch([maintainer.address, funder.address], [600 * UNIT, 400 * UNIT], sender=operator)
    token.delegate(maintainer.address, sender=maintainer)
    token.delegate(funder.address, sender=funder)
    advance(1)
    return Dao(token, timelock, governor)


def test_deploy_wires_roles_and_reads(dao: Dao, operator: LocalAccount) -> None:
    assert dao.token.cap() == 1_000_000_000 * UNIT
    assert dao.token.total_supply() == 1_000 * UNIT
    assert dao.timelock.min_delay() == MIN_DELAY
    assert dao.timelock.has_role("EXECUTOR_ROLE", dao.governor.address)
    assert not dao.timelock.has_role("DEFAULT_ADMIN_ROLE", operator.address)
    assert dao.timelock.is_emergency_call(dao.token.address, dao.token._encode("pause")[:4])


def test_lifecycle_mint_through_the_timelock(
    w3: Web3, dao: Dao, maintainer: LocalAccount, funder: LocalAccount, contributor: LocalAccount
) -> None:
    mint = call(dao.token, "mint", contributor.address, 5 * UNIT)
    proposal, created = dao.governor.propose([mint], "mint 5 to the contributor", sender=maintainer)
    assert created.event("ProposalTyped").args["kind"] == ProposalType.STANDARD
    assert dao.governor.state(proposal.proposal_id) == ProposalState.PENDING
    advance(CONFIG.voting_delay + 1)
    dao.governor.cast_vote(proposal.proposal_id, Support.FOR, reason="ship it", sender=maintainer)
    dao.governor.cast_vote_by_sig(proposal.proposal_id, Support.ABSTAIN, funder, sender=contributor)
    tally = dao.governor.tally(proposal.proposal_id)
    assert (tally.for_, tally.abstain, tally.against) == (600 * UNIT, 400 * UNIT, 0)
    assert tally.quorum_counted >= tally.quorum_required
    advance(CONFIG.voting_period + CONFIG.late_quorum_extension + 1)
    assert dao.governor.state(proposal.proposal_id) == ProposalState.SUCCEEDED
    dao.governor.queue(proposal, sender=contributor)
    eta = dao.governor.tally(proposal.proposal_id).eta
    with pytest.raises(GovernorExecutionTooEarly) as err:
        dao.governor.execute(proposal, sender=contributor)
    assert err.value.args_by_name == {"proposalId": proposal.proposal_id, "eta": eta}
    advance(CONFIG.standard_execution_delay)
    dao.governor.execute(proposal, sender=contributor)
    assert dao.token.balance_of(contributor.address) == 5 * UNIT
    assert dao.governor.state(proposal.proposal_id) == ProposalState.EXECUTED


def test_vote_twice_raises_and_sends_nothing(w3: Web3, dao: Dao, maintainer: LocalAccount) -> None:
    proposal, _ = dao.governor.propose(
        [call(dao.token, "mint", maintainer.address, 1)], "vote twice", sender=maintainer
    )
    advance(CONFIG.voting_delay + 1)
    dao.governor.cast_vote(proposal.proposal_id, Support.AGAINST, sender=maintainer)
    nonce = w3.eth.get_transaction_count(maintainer.address)
    with pytest.raises(GovernorAlreadyCastVote):
        dao.governor.cast_vote(proposal.proposal_id, Support.FOR, sender=maintainer)
    assert w3.eth.get_transaction_count(maintainer.address) == nonce


def test_cancel_while_pending(dao: Dao, maintainer: LocalAccount) -> None:
    proposal, _ = dao.governor.propose([call(dao.token, "mint", maintainer.address, 1)], "cancel", sender=maintainer)
    dao.governor.cancel(proposal, sender=maintainer)
    assert dao.governor.state(proposal.proposal_id) == ProposalState.CANCELED


def test_propose_below_threshold(dao: Dao, contributor: LocalAccount) -> None:
    with pytest.raises(GovernorInsufficientProposerVotes):
        dao.governor.propose([call(dao.token, "mint", contributor.address, 1)], "small", sender=contributor)


def test_emergency_with_non_allow_listed_call_is_refused(dao: Dao, maintainer: LocalAccount) -> None:
    mint = call(dao.token, "mint", maintainer.address, 1)
    with pytest.raises(GovernorEmergencyCallNotAllowed) as err:
        dao.governor.propose([mint], "not an emergency", kind=ProposalType.EMERGENCY, sender=maintainer)
    assert err.value.args_by_name["target"] == dao.token.address


def test_emergency_pause_fast_track(
    dao: Dao, operator: LocalAccount, maintainer: LocalAccount, funder: LocalAccount
) -> None:
    proposal, _ = dao.governor.propose(
        [call(dao.token, "pause")], "pause now", kind=ProposalType.EMERGENCY, sender=maintainer
    )
    rules = dao.governor.rules(proposal.proposal_id)
    assert rules.kind == ProposalType.EMERGENCY and rules.execution_delay == 0
    advance(2)
    dao.governor.cast_vote(proposal.proposal_id, Support.FOR, sender=maintainer)
    advance(CONFIG.emergency_voting_period + CONFIG.late_quorum_extension + 1)
    dao.governor.queue(proposal, sender=funder)
    advance(MIN_DELAY)
    dao.governor.execute(proposal, sender=funder)
    assert dao.token.paused()
    dao.token.unpause(sender=operator)
    assert not dao.token.paused()


def test_founder_idea_counts_square_roots(dao: Dao, maintainer: LocalAccount, funder: LocalAccount) -> None:
    proposal, _ = dao.governor.propose(
        [call(dao.token, "mint", funder.address, 1)], "an idea", kind=ProposalType.FOUNDER_IDEA, sender=maintainer
    )
    advance(CONFIG.voting_delay + 1)
    dao.governor.cast_vote(proposal.proposal_id, Support.AGAINST, sender=maintainer)
    dao.governor.cast_vote(proposal.proposal_id, Support.FOR, sender=funder)
    tally = dao.governor.tally(proposal.proposal_id)
    assert tally.against == math.isqrt(dao.token.get_past_votes(maintainer.address, tally.snapshot))
    assert tally.for_ == math.isqrt(400 * UNIT)
    assert tally.quorum_counted == 400 * UNIT  # raw weight of for + abstain


def test_donation_over_the_cap(w3: Web3, operator: LocalAccount, treasury: LocalAccount, funder: LocalAccount) -> None:
    small = GovernanceToken.deploy(w3, operator, admin=operator.address, treasury=treasury.address, cap=10 * UNIT)
    with pytest.raises(ERC20ExceededCap) as err:
        small.donate(11 * UNIT, sender=funder)
    assert err.value.args_by_name == {"increasedSupply": 11 * UNIT, "cap": 10 * UNIT}
    before = w3.eth.get_balance(treasury.address)
    result = small.donate(3 * UNIT, sender=funder)
    assert result.event("Donated").args["minted"] == 3 * UNIT
    assert w3.eth.get_balance(treasury.address) == before + 3 * UNIT
    assert small.donated_by(funder.address) == 3 * UNIT


def test_upgrade_by_a_non_upgrader(dao: Dao, funder: LocalAccount) -> None:
    with pytest.raises(AccessControlUnauthorizedAccount) as err:
        dao.token.upgrade_to(dao.token.address, sender=funder)
    assert isinstance(err.value, PermissionError)


def test_delegate_by_signature(dao: Dao, funder: LocalAccount, contributor: LocalAccount) -> None:
    dao.token.delegate_by_sig(contributor.address, funder, expiry=2**40, sender=contributor)
    assert dao.token.delegates(funder.address) == contributor.address
    dao.token.delegate(funder.address, sender=funder)


def test_bad_input_is_refused_before_sending(dao: Dao, operator: LocalAccount, maintainer: LocalAccount) -> None:
    with pytest.raises(InvalidInput):
        dao.token.mint_batch([maintainer.address], [1, 2], sender=operator)
    with pytest.raises(InvalidInput):
        dao.token.donate(0, sender=maintainer)
    with pytest.raises(InvalidInput):
        dao.governor.propose([], "nothing", sender=maintainer)
    with pytest.raises(InvalidInput):
        dao.governor.propose(
            [call(dao.token, "pause")], "sneaky" + dao.governor.type_tag(ProposalType.EMERGENCY), sender=maintainer
        )
