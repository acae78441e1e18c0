"""A random governance workload on the chain's anvil: a DAO deployed as ``quiltkit demo`` wires it
(GovernanceToken, Timelock, QuiltkitGovernor), holders who donate and delegate, then proposals of
every non-emergency type (FOUNDER_IDEA counts quadratically), votes for, against and abstaining
with and without a reason, late-quorum extensions, queue, execute and cancel, chosen among what
the chain's current state allows (read before each action, so it survives reorgs)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from quiltkit._types import ZERO_ADDRESS
from quiltkit.devchain import advance_time
from quiltkit.exceptions import ContractRevert
from quiltkit.governance import Governor, Proposal, ProposalState, ProposalType, Support, call
from quiltkit.governance_demo import CONFIG, _deploy

from tests.relayer.conftest import Chain

TOKEN = 10**18  # one voting token (the relayer suites' UNIT is smaller)


class GovernanceWorkload:
    def __init__(self, chain: Chain, rng: random.Random) -> None:
        self.chain, self.rng = chain, rng
        self.holders = chain.accounts[6:12]
        self.token, self.timelock, self.governor, _ = _deploy(chain.w3, chain.operator)
        for k, holder in enumerate(self.holders):
            self.token.donate((150 if k == 0 else 20 + 30 * k) * TOKEN, sender=holder)
            self.token.delegate(holder.address, sender=holder)
        advance_time(chain.w3, 1)
        self.proposals: list[Proposal] = []
        self.done: dict[str, int] = {}

    @property
    def gov(self) -> Governor:
        return self.governor

    def run(self, steps: int) -> None:
        for _ in range(steps):
            self.step()

    def step(self) -> str:
        options: list[tuple[str, Callable[[], Any]]] = [("propose", self._propose)]
        now = self.chain.now()
        for proposal in self.proposals:
            pid = proposal.proposal_id
            try:
                state = self.gov.state(pid)
            except ContractRevert:  # removed by a reorg
                continue
            if state is ProposalState.PENDING and self.rng.random() < 0.15:
                options.append(("cancel", lambda p=proposal: self.gov.cancel(p, sender=self.holders[0])))
            elif state is ProposalState.ACTIVE:
                voters = [h for h in self.holders if not self.gov.has_voted(pid, h.address)]
                if voters:
                    voter = self.rng.choice(voters)
                    support = self.rng.choice(list(Support))
                    reason = self.rng.choice([None, "because"])
                    options.append(
                        (
                            "vote",
                            lambda pid=pid, s=support, why=reason, v=voter: self.gov.cast_vote(
                                pid, s, reason=why, sender=v
                            ),
                        )
                    )
            elif state is ProposalState.SUCCEEDED:
                options.append(("queue", lambda p=proposal: self.gov.queue(p, sender=self.holders[0])))
            elif state is ProposalState.QUEUED and self.gov.tally(pid).eta <= now:
                options.append(("execute", lambda p=proposal: self.gov.execute(p, sender=self.holders[0])))
        if self.rng.random() < 0.4:
            options.append(("time", lambda: advance_time(self.chain.w3, self.rng.choice([61, CONFIG.voting_period]))))
        name, run = self.rng.choice(options)
        try:
            run()
        except ContractRevert:
            name += " (reverted)"
        self.done[name] = self.done.get(name, 0) + 1
        return name

    def _propose(self) -> None:
        kind = self.rng.choice(
            [ProposalType.STANDARD, ProposalType.TREASURY_SPEND, ProposalType.FOUNDER_IDEA, ProposalType.HELP_REQUEST]
        )
        calls = [call(self.gov, "setBadge", ZERO_ADDRESS)]
        text = f"proposal {len(self.proposals)} {self.rng.getrandbits(32)}"
        proposal, _ = self.gov.propose(calls, text, kind=kind, sender=self.holders[0])
        self.proposals.append(proposal)
