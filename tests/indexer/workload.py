"""A random escrow workload on a :class:`tests.relayer.conftest.Chain`: every action the escrow
has (create with or without funding, payee, arbiter or verifiers; fund; assign; release by the
payer and by signed intent; dispute, resolve, let a dispute expire; cancel; open and claim
refunds), chosen among those the chain's current state allows. It reads the state from the chain
before each action, so it keeps working across reorganisations that remove its earlier work."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from quiltkit import EscrowTerms, intents
from quiltkit.devchain import advance_time
from quiltkit.escrow import EscrowInfo, MilestoneState
from quiltkit.exceptions import ContractRevert
from quiltkit.intents import VerifierSignature

from tests.relayer.conftest import DAY, UNIT, Chain


class Workload:
    def __init__(self, chain: Chain, rng: random.Random) -> None:
        self.chain, self.rng = chain, rng
        self.arbiter = chain.accounts[4]
        self.second_funder = chain.accounts[2]
        self.done: dict[str, int] = {}

    def run(self, steps: int) -> None:
        for _ in range(steps):
            self.step()

    def step(self) -> str:
        count = self.chain.escrow.escrow_count()
        action: tuple[str, Callable[[], Any]] | None = None
        if count and self.rng.random() < 0.7:
            escrow_id = self.rng.randint(1, count)
            action = self._action_for(self.chain.escrow.get_escrow(escrow_id))
        if action is None:
            action = ("create", self._create)
        name, run = action
        try:
            run()
        except ContractRevert:
            name += " (reverted)"
        self.done[name] = self.done.get(name, 0) + 1
        return name

    def _create(self) -> None:
        c, rng = self.chain, self.rng
        milestones = rng.randint(1, 3)
        amounts = [UNIT * rng.randint(1, 5) for _ in range(milestones)]
        arbiter = rng.random() < 0.4
        verifiers = rng.random() < 0.6
        terms = EscrowTerms(
            amounts=amounts,
            deadline=c.now() + rng.choice([2, 5, 30]) * DAY,
            payee=c.contributor.address if rng.random() < 0.5 else None,
            arbiter=self.arbiter.address if arbiter else None,
            dispute_window=DAY if arbiter else None,
            default_payee_bps=rng.choice([0, 5_000]) if arbiter else 0,
            verifiers=[v.address for v in c.verifiers] if verifiers else [],
            threshold=2 if verifiers else 0,
        )
        funding = rng.choice([0, sum(amounts), amounts[0]])
        c.escrow.create(terms, sender=c.maintainer, initial_funding=funding)

    def _action_for(self, info: EscrowInfo) -> tuple[str, Callable[[], Any]] | None:
        c, rng, e = self.chain, self.rng, self.chain.escrow
        now = c.now()
        closed = info.cancelled or info.refunds_opened
        pending_funded = [m.index for m in info.milestones if m.state is MilestoneState.PENDING and m.funded]
        disputed = [m.index for m in info.milestones if m.state is MilestoneState.DISPUTED]
        options: list[tuple[str, Callable[[], Any]]] = []
        remaining = info.total - info.funded
        if not closed and remaining and now < info.deadline:
            part = rng.choice([remaining, max(1, remaining // 2)])
            funder = rng.choice([c.maintainer, self.second_funder])
            options.append(("fund", lambda: e.fund(info.escrow_id, part, sender=funder)))
        if not closed and info.payee is None:
            options.append(
                ("assign", lambda: e.assign_payee(info.escrow_id, c.contributor.address, sender=c.maintainer))
            )
            if all(m.state is MilestoneState.PENDING for m in info.milestones):
                options.append(("cancel", lambda: e.cancel(info.escrow_id, sender=c.maintainer)))
        if pending_funded and info.payee is not None:
            m = rng.choice(pending_funded)
            options.append(("release", lambda: e.release(info.escrow_id, m, sender=c.maintainer)))
            if info.arbiter is not None:
                options.append(("dispute", lambda: e.dispute(info.escrow_id, m, sender=c.maintainer)))
        if pending_funded and info.threshold:
            m = rng.choice(pending_funded)
            options.append(("intent", lambda: self._release_with_intent(info.escrow_id, m)))
        for m in disputed:
            bps = rng.choice([0, 2_500, 10_000])
            options.append(("resolve", lambda m=m, bps=bps: e.resolve(info.escrow_id, m, bps, sender=self.arbiter)))
            if e.dispute_closes_at(info.escrow_id, m) <= now:
                options.append(("expire", lambda m=m: e.close_expired_dispute(info.escrow_id, m, sender=c.operator)))
        if not closed and now > info.deadline:
            options.append(("open refunds", lambda: e.open_refunds(info.escrow_id, sender=c.operator)))
        for funder in (c.maintainer, self.second_funder):
            if e.claimable_refund(info.escrow_id, funder.address):
                options.append(("claim", lambda f=funder: e.claim_refund(info.escrow_id, f.address, sender=c.operator)))
        if rng.random() < 0.08:
            options.append(("time", lambda: advance_time(c.w3, rng.choice([DAY, 3 * DAY]))))
        return rng.choice(options) if options else None

    def _release_with_intent(self, escrow_id: int, milestone: int) -> None:
        c = self.chain
        intent = c.intent(escrow_id, milestone)
        domain = c.escrow.domain()
        signatures = [
            VerifierSignature(verifier_index=k, signature=intents.sign_intent(intent, domain, v))
            for k, v in enumerate(c.verifiers[:2])
        ]
        c.escrow.release_with_intent(intent, [v.address for v in c.verifiers], signatures, sender=c.relayer)
