"""A funding round is a governance decision: the Timelock holds the factory's ROUND_CREATOR_ROLE,
so a round comes into existence only when a FOUNDER_IDEA proposal is proposed, voted, queued and
executed; nobody else may create one (named error, nothing sent). The round the proposal made is
at the predicted CREATE2 address, registered by the factory, with exactly the proposed terms."""

from __future__ import annotations

import pytest
from eth_abi.abi import encode
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from quiltkit import FundingRound, FundingRoundFactory, ProposalState, ProposalType, Token
from quiltkit.funding import Phase, RoundParams, Strategy
from quiltkit.funding_factory_errors import AccessControlUnauthorizedAccount
from quiltkit.governance import call
from web3 import Web3

from tests.unit.sdk.test_governance_flows import UNIT, _dao, _pass, advance, now

DAY = 86_400


def test_a_dao_proposal_executed_by_the_timelock_creates_the_round(
    w3: Web3,
    operator: LocalAccount,
    maintainer: LocalAccount,
    funder: LocalAccount,
    treasury: LocalAccount,
    verifiers: list[LocalAccount],
) -> None:
    token, timelock, governor = _dao(w3, operator)
    factory = FundingRoundFactory.deploy(w3, operator, admin=timelock.address, creator=timelock.address)
    usdc = Token.deploy_test_token(w3, operator, "USD Coin (test)", "USDC", 6)
    assert factory.has_role("ROUND_CREATOR_ROLE", timelock.address)
    assert factory.has_role("DEFAULT_ADMIN_ROLE", timelock.address)
    assert not factory.has_role("ROUND_CREATOR_ROLE", operator.address)
    token.donate(200 * UNIT, sender=maintainer)
    token.delegate(maintainer.address, sender=maintainer)
    advance(1)  # proposing reads votes one second back (the token's timestamp clock)

    t = now(w3)
    params = RoundParams(
        currency=usdc.address,
        curator=maintainer.address,
        strategy=Strategy.QUADRATIC,
        matching_cap_bps=2_500,
        application_end=t + 10 * DAY,
        donation_start=t + DAY,
        donation_end=t + 20 * DAY,
        release_deadline=t + 90 * DAY,
        treasury=treasury.address,
        verifiers=[v.address for v in verifiers],
        threshold=2,
    )
    salt = keccak(text="grants round 1")
    uri = "ipfs://bafygrantsround1"

    # Nobody but the Timelock may create: the named error, and nothing is sent.
    nonce = w3.eth.get_transaction_count(maintainer.address)
    with pytest.raises(AccessControlUnauthorizedAccount) as refused:
        factory.create_round(params, salt, uri, sender=maintainer)
    assert refused.value.args_by_name["account"] == maintainer.address
    assert w3.eth.get_transaction_count(maintainer.address) == nonce

    predicted = factory.predict_round(params, salt)
    assert not w3.eth.get_code(Web3.to_checksum_address(predicted))
    count = factory.round_count()
    start = w3.eth.block_number
    proposal = _pass(
        governor,
        [call(factory, "createRound", params.as_tuple(), salt, uri)],
        "founder idea: a quadratic grants round for the docs",
        ProposalType.FOUNDER_IDEA,
        maintainer,
    )
    assert governor.state(proposal.proposal_id) == ProposalState.EXECUTED
    assert governor.rules(proposal.proposal_id).kind == ProposalType.FOUNDER_IDEA

    # The round exists where it was predicted, registered, with the proposal's terms.
    assert factory.is_round(predicted)
    assert factory.round_count() == count + 1
    round_ = FundingRound(w3, predicted)
    round_.check_deployment()
    assert round_.params() == params.model_copy(update={"verifiers": []})  # the set is kept as a commitment
    assert round_.verifiers_hash() == keccak(encode(["address[]"], [params.verifiers]))
    assert round_.state().phase == Phase.OPEN and round_.project_count() == 0
    (created,) = factory.contract.events.RoundCreated().get_logs(from_block=start)
    assert created.args["round"] == predicted
    assert created.args["creator"] == timelock.address  # the Timelock made it, on the DAO's decision
    assert created.args["salt"] == salt and created.args["metadataURI"] == uri
    assert created.args["currency"] == usdc.address and created.args["strategy"] == int(Strategy.QUADRATIC)

    # The round works under those terms: the curator the DAO named registers, a donor gives.
    project = round_.register_project(funder.address, 10**6, [1, 1], sender=maintainer)
    advance(DAY)
    usdc.mint(funder.address, 5 * 10**6, sender=operator)
    usdc.approve(round_.address, 5 * 10**6, sender=funder)
    round_.donate(project, 5 * 10**6, sender=funder)
    assert round_.donation_of(project, funder.address) == (5 * 10**6, 0)
