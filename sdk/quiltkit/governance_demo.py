"""The governance chapter of ``quiltkit demo``: the DAO that owns quiltkit.

Donors mint voting tokens by donating (the value goes to the Timelock, the DAO's treasury) and
delegate to themselves; a HELP_REQUEST proposal opens an escrow funded from those donations with
the Timelock as payer, and a second pays the helper's first milestone from it; a FOUNDER_IDEA
vote shows quadratic counting turning the outcome against simple counting (five small holders
beat one whale); an EMERGENCY proposal with a call off the Timelock's allow-list is refused
before anything is sent. The chain's clock is moved forward, never waited for. Every step goes
through the typed SDK (``quiltkit.GovernanceToken``, ``Governor``, ``Timelock``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from eth_account.signers.local import LocalAccount
from web3 import Web3

from quiltkit.demo import Cast
from quiltkit.devchain import advance_time, fund_dev_accounts
from quiltkit.escrow import ETH, Escrow, EscrowTerms
from quiltkit.governance import (
    Call,
    EmergencyCall,
    GovernanceToken,
    Governor,
    GovernorConfig,
    Proposal,
    ProposalState,
    ProposalType,
    Support,
    Timelock,
    call,
)
from quiltkit.governor_errors import GovernorEmergencyCallNotAllowed

__all__ = ["CONFIG", "GovernanceChapter", "counting_table", "run_governance_chapter"]

UNIT = 10**18
DAY = 86_400
MIN_DELAY = DAY
CONFIG = GovernorConfig(
    voting_delay=60,
    voting_period=3 * DAY,
    proposal_threshold=100 * UNIT,
    quorum_percent=4,
    late_quorum_extension=DAY,
    emergency_voting_delay=1,
    emergency_voting_period=DAY,
    standard_execution_delay=2 * DAY,
)
"""The demo DAO's rules: a 3-day vote, 4% quorum, 2 days between queue and execution."""
WHALE_DONATION = 400 * UNIT
SMALL_DONATION = 36 * UNIT
PROPOSER_DONATION = 150 * UNIT


@dataclass
class GovernanceChapter:
    token: str
    timelock: str
    governor: str
    escrow: str
    help_escrow_id: int
    helper_paid: int
    founder_idea: int
    founder_state: ProposalState
    simple: tuple[int, int] = (0, 0)
    quadratic: tuple[int, int] = (0, 0)
    emergency_refused: bool = False
    lines: list[str] = field(default_factory=list)


def run_governance_chapter(w3: Web3, say: Callable[[str], None] = print) -> GovernanceChapter:
    """Deploy a DAO on ``w3`` and play the chapter, narrating through ``say``."""
    cast = Cast.from_dev_accounts()
    operator, proposer, whale, helper = cast.operator, cast.maintainer, cast.funder, cast.contributor
    small = [cast.arbiter, cast.relayer, *cast.verifiers]  # five small holders
    fund_dev_accounts(w3, [operator, proposer, whale, helper, *small])

    token, timelock, governor, escrow = _deploy(w3, operator)
    say(
        f"deployed the DAO: GovernanceToken {token.address} (behind its ERC-1967 proxy), Timelock "
        f"{timelock.address} (admin and treasury of everything), Governor {governor.address}, and a "
        f"MilestoneEscrow administered by the Timelock"
    )

    donors = [("proposer", proposer, PROPOSER_DONATION), ("whale", whale, WHALE_DONATION)]
    donors += [(f"small {i + 1}", a, SMALL_DONATION) for i, a in enumerate(small)]
    for _, donor, value in donors:
        token.donate(value, sender=donor)
        token.delegate(donor.address, sender=donor)
    treasury = w3.eth.get_balance(Web3.to_checksum_address(timelock.address))
    say(
        f"1. donors mint by donating (one token per ETH, the value goes to the Timelock) and delegate to "
        f"themselves: the proposer {PROPOSER_DONATION // UNIT}, a whale {WHALE_DONATION // UNIT}, five small "
        f"holders {SMALL_DONATION // UNIT} each; the DAO holds {treasury / UNIT:g} ETH"
    )
    advance_time(w3, 1)

    # HELP_REQUEST: donations held in escrow, released only by DAO approval
    now = int(w3.eth.get_block("latest")["timestamp"])
    terms = EscrowTerms(token=ETH, amounts=[3 * UNIT, 2 * UNIT], deadline=now + 90 * DAY, payee=helper.address)
    escrow_id = escrow.escrow_count() + 1
    opened = _pass(
        w3,
        governor,
        [call(escrow, "create", terms.as_tuple(), 5 * UNIT, value=5 * UNIT)],
        "help request #1: open a 3 + 2 ETH escrow for the helper, funded by donations",
        ProposalType.HELP_REQUEST,
        [proposer, whale],
    )
    info = escrow.get_escrow(escrow_id)
    say(
        f"2. HELP_REQUEST {_short(opened)} passes (for: proposer and whale), is queued and, two days later, "
        f"executed by the Timelock: escrow #{escrow_id} holds {info.funded / UNIT:g} ETH, payer "
        f"{'the Timelock' if info.payer == timelock.address else info.payer}"
    )
    before = w3.eth.get_balance(helper.address)
    paid = _pass(
        w3,
        governor,
        [call(escrow, "release", escrow_id, 0)],
        "help request #1: the helper delivered milestone 1, pay it",
        ProposalType.HELP_REQUEST,
        [proposer, whale],
    )
    helper_paid = w3.eth.get_balance(helper.address) - before
    say(
        f"3. a second HELP_REQUEST {_short(paid)} releases milestone 1 through the Timelock: the helper receives "
        f"{helper_paid / UNIT:g} ETH (nobody but the DAO can release it)"
    )

    # FOUNDER_IDEA: quadratic counting
    idea, _ = governor.propose(
        [call(escrow, "create", terms.as_tuple(), 0)],
        "founder idea: a grants round for documentation",
        kind=ProposalType.FOUNDER_IDEA,
        sender=proposer,
    )
    advance_time(w3, CONFIG.voting_delay + 1)
    governor.cast_vote(idea.proposal_id, Support.AGAINST, reason="not now", sender=whale)
    for holder in small:
        governor.cast_vote(idea.proposal_id, Support.FOR, reason="yes", sender=holder)
    tally = governor.tally(idea.proposal_id)
    simple = (
        sum(token.get_past_votes(h.address, tally.snapshot) for h in small),
        token.get_past_votes(whale.address, tally.snapshot),
    )
    quadratic = (tally.for_, tally.against)
    advance_time(w3, tally.deadline - int(w3.eth.get_block("latest")["timestamp"]) + 1)
    state = governor.state(idea.proposal_id)
    say(
        f"4. FOUNDER_IDEA {_short(idea)}: the whale votes against, five small holders for; each vote counts as "
        f"the square root of its weight"
    )
    say(counting_table(simple, quadratic))
    say(f"   the idea {state.name.lower()}: under simple counting the whale alone would have defeated it")

    # EMERGENCY: only allow-listed (target, selector) pairs
    refused = False
    nonce = w3.eth.get_transaction_count(proposer.address)
    try:
        governor.propose(
            [call(escrow, "setTreasury", proposer.address)],
            "emergency: move the fees to me",
            kind=ProposalType.EMERGENCY,
            sender=proposer,
        )
    except GovernorEmergencyCallNotAllowed as exc:
        refused = w3.eth.get_transaction_count(proposer.address) == nonce
        say(
            f"5. an EMERGENCY proposal calling setTreasury is refused before anything is sent: {exc.error_name}"
            f" (target {exc.args_by_name['target']}, selector {exc.args_by_name['selector']}); "
            "only allow-listed calls (here: pause) take the fast track"
        )
    return GovernanceChapter(
        token=token.address,
        timelock=timelock.address,
        governor=governor.address,
        escrow=escrow.address,
        help_escrow_id=escrow_id,
        helper_paid=helper_paid,
        founder_idea=idea.proposal_id,
        founder_state=state,
        simple=simple,
        quadratic=quadratic,
        emergency_refused=refused,
    )


def _deploy(w3: Web3, operator: LocalAccount) -> tuple[GovernanceToken, Timelock, Governor, Escrow]:
    """The DAO wired as `ape run deploy` wires it: the Timelock administers everything."""
    token = GovernanceToken.deploy(w3, operator, admin=operator.address, treasury=operator.address)
    pause = token._encode("pause")[:4]
    timelock = Timelock.deploy(
        w3,
        operator,
        min_delay=MIN_DELAY,
        admin=operator.address,
        emergency_calls=[EmergencyCall(target=token.address, selector=pause)],
    )
    governor = Governor.deploy(w3, operator, token=token.address, timelock=timelock.address, config=CONFIG)
    escrow = Escrow.deploy(
        w3, operator, admin=timelock.address, guardian=timelock.address, treasury=timelock.address, fee_bps=0
    )
    token.set_treasury(timelock.address, sender=operator)
    for role in ("PROPOSER_ROLE", "CANCELLER_ROLE", "EXECUTOR_ROLE"):
        timelock.grant_role(role, governor.address, sender=operator)
    for role in ("DEFAULT_ADMIN_ROLE", "MINTER_ROLE", "PAUSER_ROLE", "UPGRADER_ROLE"):
        token.grant_role(role, timelock.address, sender=operator)
    for role in ("UPGRADER_ROLE", "PAUSER_ROLE", "MINTER_ROLE", "DEFAULT_ADMIN_ROLE"):
        token.renounce_role(role, operator.address, sender=operator)
    timelock.renounce_role("DEFAULT_ADMIN_ROLE", operator.address, sender=operator)
    return token, timelock, governor, escrow


def _pass(
    w3: Web3, governor: Governor, calls: list[Call], text: str, kind: ProposalType, voters: list[LocalAccount]
) -> Proposal:
    """Propose, vote for, queue and execute, moving the chain's clock past each wait."""
    proposal, _ = governor.propose(calls, text, kind=kind, sender=voters[0])
    advance_time(w3, CONFIG.voting_delay + 1)
    for voter in voters:
        governor.cast_vote(proposal.proposal_id, Support.FOR, sender=voter)
    tally = governor.tally(proposal.proposal_id)
    advance_time(w3, tally.deadline - int(w3.eth.get_block("latest")["timestamp"]) + 1)
    governor.queue(proposal, sender=voters[0])
    advance_time(w3, governor.tally(proposal.proposal_id).eta - int(w3.eth.get_block("latest")["timestamp"]))
    governor.execute(proposal, sender=voters[0])
    return proposal


def _short(proposal: Proposal) -> str:
    return f"#{str(proposal.proposal_id)[:8]}..."


def counting_table(simple: tuple[int, int], quadratic: tuple[int, int]) -> str:
    """For/against/outcome under simple counting (tokens) and quadratic counting (square roots)."""
    root = math.isqrt(UNIT)  # the square root of one token, in base units

    def outcome(for_: int, against: int) -> str:
        return "passes" if for_ > against else "defeated"

    rows = [f"   {'counting':<22}{'for':>10}{'against':>10}   outcome"]
    rows.append(f"   {'simple (tokens)':<22}{simple[0] / UNIT:>10,.2f}{simple[1] / UNIT:>10,.2f}   {outcome(*simple)}")
    rows.append(
        f"   {'quadratic (sqrt)':<22}{quadratic[0] / root:>10,.2f}{quadratic[1] / root:>10,.2f}   "
        f"{outcome(*quadratic)}"
    )
    return "\n".join(rows)
