"""A random funding workload on the chain's anvil: a FundingRoundFactory, ETH rounds (QUADRATIC)
created along the way, projects, donations, sponsors, pauses, finalisation in small batches,
milestone releases (paid at once or streamed), stream claims and stops, refunds and returns after
the release deadline, chosen among what the chain's current state allows (read before each
action, so it survives reorgs: a round whose creation a reorg removed is dropped)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from quiltkit.devchain import mine
from quiltkit.exceptions import ContractRevert, TransactionFailed
from quiltkit.funding import FundingRound, FundingRoundFactory, Phase, RoundParams

from tests.relayer.conftest import Chain

FINNEY = 10**15


class FundingWorkload:
    def __init__(self, chain: Chain, rng: random.Random) -> None:
        self.chain, self.rng = chain, rng
        # Each block 1 s after the last (plus advance_time's jumps), whatever the wall clock and the
        # machine's load: the windows, and so the actions chosen, follow from the seed alone.
        answer = chain.w3.provider.make_request("anvil_setBlockTimestampInterval", [1])  # type: ignore[arg-type]
        assert "error" not in answer, answer
        self.curator = chain.operator
        self.donors = chain.accounts[10:16]
        self.recipients = chain.accounts[16:19]
        self.factory = FundingRoundFactory.deploy(
            chain.w3, chain.operator, admin=chain.operator.address, creator=chain.operator.address
        )
        self.rounds: list[FundingRound] = []
        self.done: dict[str, int] = {}

    def live_rounds(self) -> list[FundingRound]:
        """The rounds still on the chain (a reorg may have removed a creation)."""
        return [r for r in self.rounds if self.factory.is_round(r.address)]

    def run(self, steps: int) -> None:
        for _ in range(steps):
            self.step()

    def advance(self, seconds: int) -> None:
        """Mine a block ``seconds`` after the latest (anvil's evm_increaseTime is ignored while a
        timestamp interval is set)."""
        w3 = self.chain.w3
        answer = w3.provider.make_request("evm_setNextBlockTimestamp", [self.chain.now() + seconds])  # type: ignore[arg-type]
        assert "error" not in answer, answer
        mine(w3)

    def create_round(self) -> FundingRound:
        now = self.chain.now()
        params = RoundParams(
            curator=self.curator.address,
            application_end=now + 200,
            donation_start=now,
            donation_end=now + 400,
            release_deadline=now + 800,
            matching_cap_bps=self.rng.choice([2_500, 10_000]),
        )
        salt = self.rng.getrandbits(256).to_bytes(32, "big")
        r = self.factory.create_round(params, salt, f"ipfs://round-{len(self.rounds)}", sender=self.curator)
        self.rounds.append(r)
        return r

    def step(self) -> str:
        options: list[tuple[str, Callable[[], Any]]] = []
        if len(self.live_rounds()) < 3 or self.rng.random() < 0.05:
            options.append(("create round", self.create_round))
        now = self.chain.now()
        for r in self.live_rounds():
            options += self._round_options(r, now)
        # as likely as any round's actions: rounds move through their windows within a run
        jump = ("time", lambda: self.advance(self.rng.choice([30, 60, 120])))
        options += [jump] * max(1, len(options) // 5)
        name, run = self.rng.choice(options)
        try:
            run()
        except (ContractRevert, TransactionFailed):  # refused, or mined a second past a window's end
            name += " (reverted)"
        self.done[name] = self.done.get(name, 0) + 1
        return name

    def _round_options(self, r: FundingRound, now: int) -> list[tuple[str, Callable[[], Any]]]:
        rng, out = self.rng, []
        p = r.params()
        state = r.state()
        paused = r.paused()
        count = r.project_count()
        if now < p.application_end and not paused and count < 4:
            amounts = [rng.randint(1, 5) * FINNEY for _ in range(rng.randint(1, 3))]
            goal = rng.choice([1, 2, 40]) * FINNEY
            vesting = rng.choice([0, 400])
            recipient = rng.choice(self.recipients).address
            out.append(
                (
                    "register",
                    lambda: r.register_project(recipient, goal, amounts, vesting, sender=self.curator),
                )
            )
        if p.donation_start <= now < p.donation_end and not paused and count:
            pid, donor, amount = rng.randrange(count), rng.choice(self.donors), rng.randint(1, 9) * FINNEY
            out += [("donate", lambda: r.donate(pid, amount, sender=donor))] * 3
        if state.phase is Phase.OPEN:
            sponsor = rng.choice(self.donors)
            out.append(("fund pool", lambda: r.fund_pool(rng.randint(1, 20) * FINNEY, sender=sponsor)))
        if now < p.donation_end:
            if paused:
                out.append(("unpause", lambda: r.unpause(sender=self.curator)))
            elif rng.random() < 0.2:
                out.append(("pause", lambda: r.pause(sender=self.curator)))
        if now >= p.donation_end and state.phase is not Phase.FINALIZED:
            out.append(("finalize", lambda: r.finalize(rng.randint(1, 3), sender=self.curator)))
        if state.phase is Phase.FINALIZED:
            for pid in range(count):
                info = r.get_project(pid)
                for k in range(info.milestone_count):
                    if info.refunding:
                        break
                    if not info.is_settled(k) and now < p.release_deadline:
                        out += [("release", lambda pid=pid, k=k: r.release(pid, k, sender=self.curator))]
                        break
                    streamed = r.stream_of(pid, k)
                    if streamed[4]:
                        claim = ("claim stream", lambda pid=pid, k=k: r.claim_stream(pid, k, sender=self.curator))
                        out += [claim] * 2
                    if streamed[0] and not streamed[3]:
                        out.append(("stop stream", lambda pid=pid, k=k: r.stop_stream(pid, k, sender=self.curator)))
                full = (1 << info.milestone_count) - 1
                if now >= p.release_deadline and not info.refunding and info.settled_mask != full:
                    out.append(("return unreleased", lambda pid=pid: r.return_unreleased(pid, sender=self.curator)))
                for donor in self.donors:
                    if r.refundable_of(pid, donor.address):
                        out.append(("refund", lambda pid=pid, d=donor: r.claim_refund(pid, sender=d)))
                        break
        return out
