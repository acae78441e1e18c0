"""Governance flows through the SDK (EthTester and anvil): the help desk, where donations reach
the Timelock and HELP_REQUEST proposals open and pay a MilestoneEscrow whose payer is the
Timelock; and the FOUNDER_IDEA badge gate (one identity, one square root), with the test-only
TestGovernanceBadge standing in for the badges issue's soulbound contract."""

from __future__ import annotations

import math

import pytest
from eth_account.signers.local import LocalAccount
from quiltkit import Escrow, EscrowTerms, GovernanceToken, Governor, GovernorConfig, ProposalType, Support, Timelock
from quiltkit.escrow import ETH, MilestoneState
from quiltkit.escrow_errors import EscrowNotPayer
from quiltkit.governance import Call, Proposal, TestGovernanceBadge, call
from quiltkit.governor_errors import GovernorIdentityAlreadyVoted, GovernorVoterNotEligible
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


def now(w3: Web3) -> int:
    return int(w3.eth.get_block("latest")["timestamp"])


def _dao(w3: Web3, operator: LocalAccount, badge: str | None = None) -> tuple[GovernanceToken, Timelock, Governor]:
    """Token, timelock and governor wired as the deploy script wires them; the token's treasury is
    the Timelock; the operator keeps the minter role to seed votes."""
    timelock = Timelock.deploy(w3, operator, min_delay=MIN_DELAY, admin=operator.address)
    token = GovernanceToken.deploy(w3, operator, admin=operator.address, treasury=timelock.address)
    config = CONFIG.model_copy(update={"badge": badge})
    governor = Governor.deploy(w3, operator, token=token.address, timelock=timelock.address, config=config)
    for role in ("PROPOSER_ROLE", "CANCELLER_ROLE", "EXECUTOR_ROLE"):
        timelock.grant_role(role, governor.address, sender=operator)
    timelock.renounce_role("DEFAULT_ADMIN_ROLE", operator.address, sender=operator)
    return token, timelock, governor


def _pass(governor: Governor, calls: list[Call], text: str, kind: ProposalType, voter: LocalAccount) -> Proposal:
    proposal, _ = governor.propose(calls, text, kind=kind, sender=voter)
    advance(CONFIG.voting_delay + 1)
    governor.cast_vote(proposal.proposal_id, Support.FOR, sender=voter)
    advance(CONFIG.voting_period + CONFIG.late_quorum_extension + 1)
    governor.queue(proposal, sender=voter)
    advance(CONFIG.standard_execution_delay)
    governor.execute(proposal, sender=voter)
    return proposal


def test_help_request_pays_from_an_escrow_through_the_timelock(
    w3: Web3,
    operator: LocalAccount,
    maintainer: LocalAccount,
    funder: LocalAccount,
    contributor: LocalAccount,
    arbiter: LocalAccount,
) -> None:
    token, timelock, governor = _dao(w3, operator)
    escrow = Escrow.deploy(
        w3, operator, admin=timelock.address, guardian=timelock.address, treasury=timelock.address, fee_bps=0
    )
    # donors mint by donating; the value reaches the Timelock in the same call
    for donor, value in ((maintainer, 200 * UNIT), (funder, 100 * UNIT)):
        assert token.donate(value, sender=donor).event("Donated").args["treasury"] == timelock.address
        token.delegate(donor.address, sender=donor)
    assert w3.eth.get_balance(timelock.address) == 300 * UNIT
    assert token.get_votes(maintainer.address) == 200 * UNIT  # one token per unit donated
    advance(1)  # proposing reads votes one second back (the token's timestamp clock)
    helper = contributor.address

    terms = EscrowTerms(
        token=ETH, amounts=[UNIT, 2 * UNIT], deadline=now(w3) + 90 * 86_400, payee=helper, arbiter=arbiter.address
    )
    open_it = call(escrow, "create", terms.as_tuple(), 3 * UNIT, value=3 * UNIT)
    proposal = _pass(governor, [open_it], "help request #1: open the escrow", ProposalType.HELP_REQUEST, maintainer)
    assert governor.rules(proposal.proposal_id).kind == ProposalType.HELP_REQUEST
    escrow_id = escrow.escrow_count()
    info = escrow.get_escrow(escrow_id)
    assert info.payer == timelock.address and info.funded == 3 * UNIT
    assert w3.eth.get_balance(timelock.address) == 297 * UNIT

    # only the DAO releases: the payer is the Timelock, so a proposer cannot release on its own
    with pytest.raises(EscrowNotPayer):
        escrow.release(escrow_id, 0, sender=maintainer)
    before = w3.eth.get_balance(helper)
    pay = call(escrow, "release", escrow_id, 0)
    _pass(governor, [pay], "help request #1: pay milestone 0", ProposalType.HELP_REQUEST, maintainer)
    assert w3.eth.get_balance(helper) == before + UNIT
    milestones = escrow.get_escrow(escrow_id).milestones
    assert [m.state for m in milestones] == [MilestoneState.RELEASED, MilestoneState.PENDING]


def test_founder_idea_badge_gate_one_identity_one_square_root(
    w3: Web3,
    operator: LocalAccount,
    maintainer: LocalAccount,
    funder: LocalAccount,
    contributor: LocalAccount,
    arbiter: LocalAccount,
) -> None:
    badge = TestGovernanceBadge.deploy(w3, operator)
    token, _, governor = _dao(w3, operator, badge=badge.address)
    holders = {maintainer: 400 * UNIT, funder: 100 * UNIT, contributor: 900 * UNIT, arbiter: 49 * UNIT}
    token.mint_batch([a.address for a in holders], list(holders.values()), sender=operator)
    for account in holders:
        token.delegate(account.address, sender=account)
    badge.set_identity(maintainer.address, 1, sender=operator)
    badge.set_identity(arbiter.address, 1, sender=operator)  # a second address of identity 1
    badge.set_identity(funder.address, 2, sender=operator)
    assert badge.identity_of(contributor.address) == 0
    advance(1)

    idea, _ = governor.propose(
        [call(token, "mint", funder.address, 1)], "a founder idea", kind=ProposalType.FOUNDER_IDEA, sender=maintainer
    )
    assert governor.rules(idea.proposal_id).badge == badge.address
    advance(CONFIG.voting_delay + 1)

    nonce = w3.eth.get_transaction_count(contributor.address)
    with pytest.raises(GovernorVoterNotEligible) as refused:
        governor.cast_vote(idea.proposal_id, Support.AGAINST, sender=contributor)
    assert refused.value.args_by_name == {"proposalId": idea.proposal_id, "account": contributor.address}
    assert w3.eth.get_transaction_count(contributor.address) == nonce, "nothing sent"

    governor.cast_vote(idea.proposal_id, Support.FOR, sender=maintainer)
    with pytest.raises(GovernorIdentityAlreadyVoted) as twice:
        governor.cast_vote(idea.proposal_id, Support.FOR, sender=arbiter)
    assert twice.value.args_by_name == {"proposalId": idea.proposal_id, "identity": 1}
    governor.cast_vote(idea.proposal_id, Support.AGAINST, sender=funder)

    tally = governor.tally(idea.proposal_id)
    assert tally.for_ == math.isqrt(400 * UNIT)
    assert tally.against == math.isqrt(100 * UNIT), "the whale without a badge did not count"
    assert tally.quorum_counted == 400 * UNIT

    # the gate is FOUNDER_IDEA's alone: the same badge-less holder votes on a standard proposal
    plain, _ = governor.propose([call(token, "mint", funder.address, 1)], "a standard one", sender=maintainer)
    advance(CONFIG.voting_delay + 1)
    governor.cast_vote(plain.proposal_id, Support.AGAINST, sender=contributor)
    assert governor.tally(plain.proposal_id).against == 900 * UNIT
