"""A random staking and bonds workload on the chain's anvil: the governance token upgraded to V2
with a QuiltkitStaking pool and a VerifierBonds registry as its lockers (the operator stands in
for the Timelock: admin, distributor, slasher), two reward tokens; holders stake, unstake (with
and without a cooldown), withdraw and claim; the distributor notifies streams and recovers
unallocated tokens; verifiers bond, unbond, withdraw and are slashed; minimums and delays change;
anyone pushes the registry's suspensions of two member sets into two MilestoneEscrows granted
VERIFIER_BONDS_ROLE.
Each action is chosen among what the chain's current state allows (read before each action, so
the workload survives reorgs). Amounts are random in wei, not round numbers."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from eth_utils.crypto import keccak
from quiltkit.devchain import advance_time
from quiltkit.escrow import Escrow, verifier_set_hash
from quiltkit.exceptions import ContractRevert
from quiltkit.governance import GovernanceToken
from quiltkit.staking import GovernanceTokenV2, Staking, VerifierBonds
from quiltkit.tokens import Token

from tests.relayer.conftest import Chain

UNIT = 10**18
GAS = 1_500_000
"""Gas of every workload transaction: an estimate made at the latest block's time can fall short
when the mined block's later time makes the pool accrue (a write the estimate did not pay for)."""
SETS = (keccak(text="indexer staking set a"), keccak(text="indexer staking set b"))
"""Set ids no signer list hashes to: minimums only."""


class StakingWorkload:
    def __init__(self, chain: Chain, rng: random.Random) -> None:
        self.chain, self.rng = chain, rng
        w3, operator = chain.w3, chain.operator
        self.operator = operator
        self.stakers = chain.accounts[10:14]
        self.verifiers = chain.accounts[14:18]
        treasury = chain.accounts[18].address
        v1 = GovernanceToken.deploy(w3, operator, admin=operator.address, treasury=treasury)
        self.pool = Staking.deploy(
            w3, operator, token=v1.address, admin=operator.address, distributor=operator.address, cooldown=600
        )
        self.bonds = VerifierBonds.deploy(
            w3, operator, token=v1.address, governance=operator.address, treasury=treasury
        )
        self.token = GovernanceTokenV2.upgrade(
            w3, operator, token=v1.address, staking=self.pool.address, bonds=self.bonds.address
        )
        holders = [a.address for a in (*self.stakers, *self.verifiers)]
        self.token.mint_batch(holders, [1_000 * UNIT + self.rng.randint(0, UNIT) for _ in holders], sender=operator)
        self.rewards = [
            Token.deploy_test_token(w3, operator, "USD Coin", "USDC", 6),
            Token.deploy_test_token(w3, operator, "Reward", "RWD", 18),
        ]
        for reward in self.rewards:
            reward.mint(operator.address, 10**30, sender=operator)
            reward.approve(self.pool.address, 2**256 - 1, sender=operator)
        self.bonds.set_unbond_delay(600, sender=operator)
        self.consumers = [
            Escrow.deploy(w3, operator, admin=operator.address, guardian=operator.address, treasury=treasury)
            for _ in range(2)
        ]
        for escrow in self.consumers:
            escrow.grant_role("VERIFIER_BONDS_ROLE", self.bonds.address, sender=operator)
        members = [v.address for v in self.verifiers]
        self.member_sets = (members[:3], members[1:])
        """Verifier sets of the workload's verifiers: their minimums suspend members, pushed."""
        self.sets = (*SETS, *(bytes.fromhex(verifier_set_hash(m)[2:]) for m in self.member_sets))
        advance_time(w3, 1)
        self.done: dict[str, int] = {}
        self.paid: dict[tuple[str, str], int] = {}
        """(account, token) -> what RewardPaid said (valid for a run without reorgs)."""
        self.slashed: dict[str, int] = {}

    def run(self, steps: int) -> None:
        for _ in range(steps):
            self.step()

    def step(self) -> str:
        rng, now = self.rng, self.chain.now()
        options: list[tuple[str, Callable[[], Any]]] = []
        for s in self.stakers:
            free = self.token.unlocked_balance_of(s.address)
            staked = self.pool.stake_of(s.address)
            pending = self.pool.pending_unstake(s.address)
            if free > 0:
                amount = rng.randint(1, free)
                options.append(("stake", lambda s=s, a=amount: self.pool.stake(a, sender=s, gas=GAS)))
            if staked > 0:
                amount = staked if rng.random() < 0.2 else rng.randint(1, staked)
                options.append(("unstake", lambda s=s, a=amount: self.pool.unstake(a, sender=s, gas=GAS)))
            if pending.amount > 0 and pending.ready_at <= now:
                options.append(("withdraw", lambda s=s: self.pool.withdraw(sender=s, gas=GAS)))
            if self.pool.reward_tokens():
                options.append(("claim", lambda s=s: self._claim(s)))
        reward = rng.choice(self.rewards)
        notified, duration = rng.randint(10**6, 10**24), rng.randint(600, 86_400)
        operator = self.operator
        options.append(
            (
                "notify",
                lambda: self.pool.notify_reward_amount(reward.address, notified, duration, sender=operator, gas=GAS),
            )
        )
        if rng.random() < 0.2:
            options.append(
                (
                    "recover",
                    lambda: self.pool.recover_unallocated(reward.address, operator.address, sender=operator, gas=GAS),
                )
            )
        if rng.random() < 0.2:
            cooldown = rng.choice([0, 0, 600, 3_600])
            options.append(("cooldown", lambda: self.pool.set_cooldown(cooldown, sender=self.operator, gas=GAS)))
        for v in self.verifiers:
            free = self.token.unlocked_balance_of(v.address)
            bond = self.bonds.bond_of(v.address)
            if free > 0:
                amount = rng.randint(1, free)
                options.append(("bond", lambda v=v, a=amount: self.bonds.bond(a, sender=v, gas=GAS)))
            if bond.active > 0:
                amount = rng.randint(1, bond.active)
                options.append(("unbond", lambda v=v, a=amount: self.bonds.unbond(a, sender=v, gas=GAS)))
            if bond.unbonding > 0 and bond.ready_at <= now:
                options.append(("withdraw_unbonded", lambda v=v: self.bonds.withdraw_unbonded(sender=v, gas=GAS)))
            slashable = self.bonds.slashable_of(v.address)
            if slashable > 0 and rng.random() < 0.3:
                amount = rng.randint(1, slashable)
                options.append(("slash", lambda v=v, a=amount: self._slash(v.address, a)))
        if rng.random() < 0.6:
            set_id, minimum = rng.choice(self.sets), rng.choice([0, rng.randint(1, 600 * UNIT)])
            options.append(("minimum", lambda: self.bonds.set_minimum_bond(set_id, minimum, sender=operator, gas=GAS)))
        if rng.random() < 0.15:
            delay = rng.choice([0, 600, 3_600])
            options.append(("unbond_delay", lambda: self.bonds.set_unbond_delay(delay, sender=self.operator, gas=GAS)))
        consumer, members = rng.choice(self.consumers), rng.choice(self.member_sets)
        options.append(("push", lambda: self._push(consumer.address, members)))
        options.append(("time", lambda: advance_time(self.chain.w3, rng.choice([61, 700, 4_000]))))
        # each kind of action equally likely, however many accounts offer it
        name = rng.choice(sorted({n for n, _ in options}))
        run = rng.choice([r for n, r in options if n == name])
        try:
            run()
        except ContractRevert:
            name += " (reverted)"
        self.done[name] = self.done.get(name, 0) + 1
        return name

    def _push(self, consumer: str, members: list[str]) -> int:
        """Anyone may push (the registry computes the bitmap): a staker pays for it."""
        return self.bonds.push_suspensions(consumer, members, sender=self.stakers[0], gas=GAS).block_number

    def suspend_first_member(self) -> int:
        """The first member set gets a minimum its members meet; its member 0 is slashed below it
        and the suspension pushed into the first consumer. Returns the push's block. On a fresh
        workload (each verifier holds 1,000+ free tokens)."""
        members, op = self.member_sets[0], self.operator
        for v in self.verifiers[:3]:
            self.bonds.bond(300 * UNIT, sender=v, gas=GAS)
        self.bonds.set_minimum_bond(self.sets[2], 300 * UNIT, sender=op, gas=GAS)
        self._slash(members[0], 50 * UNIT)
        return self._push(self.consumers[0].address, members)

    def reinstate_first_member(self) -> int:
        """Member 0 bonds back to the minimum and a push reinstates it. Returns the push's block."""
        self.bonds.bond(50 * UNIT, sender=self.verifiers[0], gas=GAS)
        return self._push(self.consumers[0].address, self.member_sets[0])

    def _claim(self, staker: Any) -> None:
        result = self.pool.claim_all(sender=staker, gas=GAS)
        for e in result.events_named("RewardPaid"):
            key = (str(e.args["account"]), str(e.args["token"]))
            self.paid[key] = self.paid.get(key, 0) + int(e.args["amount"])

    def _slash(self, verifier: str, amount: int) -> None:
        self.bonds.slash(verifier, amount, "indexer workload", sender=self.operator, gas=GAS)
        self.slashed[verifier] = self.slashed.get(verifier, 0) + amount
