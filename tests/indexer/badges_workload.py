"""A random badges workload on the chain's anvil: a SoulboundBadge with issuer and activity roles,
badge types of every burn authorisation (one attestable 2-of-3 by the chain's verifiers), then
issues (single, batch, attested), revocations, holders' burns, recorded activity, activity-weight
and URI changes, validator-set changes and clock moves of days to years (so reputations decay),
chosen among what the chain's current state allows (read before each action, so it survives
reorgs)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from quiltkit.attestations import BadgeAttestation, new_attestation_id, sign_attestation
from quiltkit.badges import BurnAuth, SoulboundBadge, Tier, TieredBadges, issued_token_ids, registered_type
from quiltkit.devchain import advance_time
from quiltkit.exceptions import ContractRevert

from tests.relayer.conftest import Chain

UNIT = 10**18
DAY = 86_400


class BadgesWorkload:
    def __init__(self, chain: Chain, rng: random.Random) -> None:
        self.chain, self.rng = chain, rng
        self.admin, self.issuer, self.recorder = chain.operator, chain.maintainer, chain.relayer
        self.holders = chain.accounts[10:16]
        self.badges = SoulboundBadge.deploy(chain.w3, self.admin, admin=self.admin.address, activity_weight=3 * UNIT)
        self.badges.grant_role("ISSUER_ROLE", self.issuer.address, sender=self.admin)
        self.badges.grant_role("ACTIVITY_ROLE", self.recorder.address, sender=self.admin)
        self.types: list[int] = []
        for auth in BurnAuth:
            self._register(auth)
        self.attestable = self.types[0]
        self.badges.set_validators(self.attestable, [v.address for v in chain.verifiers], 2, sender=self.admin)
        self.tokens: list[int] = []
        self.done: dict[str, int] = {}

    def _register(self, auth: BurnAuth | None = None) -> None:
        auth = auth if auth is not None else self.rng.choice(list(BurnAuth))
        n = len(self.types)
        result = self.badges.register_type(
            f"type {n}",
            f"ipfs://type-{n}",
            self.rng.choice([1, 10, 100]) * UNIT,
            burn_auth=auth,
            expiry_period=self.rng.choice([0, 365 * DAY]),
            on_chain_uri=self.rng.random() < 0.5,
            sender=self.admin,
        )
        self.types.append(registered_type(result))

    def run(self, steps: int) -> None:
        for _ in range(steps):
            self.step()

    def live_types(self) -> list[int]:
        return [k for k in self.types if k <= self.badges.type_count()]

    def held(self) -> list[tuple[int, str, BurnAuth]]:
        """(token, holder, burn auth) of every badge held now."""
        out = []
        for token in self.tokens:
            try:
                badge = self.badges.badge(token)
            except ContractRevert:  # revoked, burned, or removed by a reorg
                continue
            out.append((token, badge.holder, self.badges.burn_auth(token)))
        return out

    def step(self) -> str:
        r = self.rng
        types = self.live_types()
        holder = r.choice(self.holders)
        options: list[tuple[str, Callable[[], Any]]] = [
            ("issue", lambda: self._issue([holder.address], r.choice(types))),
            ("batch", lambda: self._issue([h.address for h in r.sample(self.holders, 3)], r.choice(types))),
            ("attest", lambda: self._attest(holder.address)),
            ("activity", lambda: self.badges.record_activity(holder.address, sender=self.recorder)),
        ]
        held = self.held()
        revocable = [b for b in held if b[2] in (BurnAuth.ISSUER_ONLY, BurnAuth.BOTH)]
        burnable = [b for b in held if b[2] in (BurnAuth.OWNER_ONLY, BurnAuth.BOTH)]
        if revocable:
            token = r.choice(revocable)[0]
            options.append(("revoke", lambda: self.badges.revoke(token, r.randint(0, 9), sender=self.issuer)))
        if burnable:
            token, owner, _ = r.choice(burnable)
            signer = next(h for h in self.holders if h.address == owner)
            options.append(("burn", lambda: self.badges.burn(token, sender=signer)))
        if r.random() < 0.15:
            options.append(("register", self._register))
            options.append(
                (
                    "uri",
                    lambda: self.badges.set_type_uri(
                        r.choice(types),
                        f"ipfs://new-{r.getrandbits(16)}",
                        on_chain_uri=r.random() < 0.5,
                        sender=self.admin,
                    ),
                )
            )
            options.append(
                (
                    "validators",
                    lambda: self.badges.set_validators(
                        self.attestable, [v.address for v in self.chain.verifiers], r.choice([2, 3]), sender=self.admin
                    ),
                )
            )
            options.append(
                ("weight", lambda: self.badges.set_activity_weight(r.choice([1, 2, 5]) * UNIT, sender=self.admin))
            )
        if r.random() < 0.4:
            options.append(("time", lambda: advance_time(self.chain.w3, r.choice([DAY, 30 * DAY, 400 * DAY]))))
        name, run = r.choice(options)
        try:
            run()
        except ContractRevert:
            name += " (reverted)"
        self.done[name] = self.done.get(name, 0) + 1
        return name

    def _issue(self, holders: list[str], badge_type: int) -> None:
        evidence = ["0x" + self.rng.randbytes(32).hex() for _ in holders]
        if len(holders) == 1:
            result = self.badges.issue(holders[0], badge_type, evidence[0], sender=self.issuer)
        else:
            result = self.badges.issue_batch(holders, badge_type, evidence, sender=self.issuer)
        self.tokens += issued_token_ids(result)

    def _attest(self, holder: str) -> None:
        att = BadgeAttestation(
            holder=holder,
            badge_type=self.attestable,
            evidence_hash="0x" + self.rng.randbytes(32).hex(),
            attestation_id=new_attestation_id(),
            deadline=self.chain.now() + 3_600,
        )
        domain = self.badges.domain()
        validators = [v.address for v in self.chain.verifiers]
        signatures = [sign_attestation(att, domain, v) for v in self.chain.verifiers]  # 3 of 3: any threshold
        self.tokens += issued_token_ids(
            self.badges.issue_with_attestation(att, validators, signatures, sender=self.recorder)
        )


class TiersWorkload:
    """TieredBadges: tiers soulbound or tradeable, some the upgrade of another; mints, upgrades,
    holders' burns and transfers of tradeable tiers, chosen among what the chain allows now."""

    def __init__(self, chain: Chain, rng: random.Random) -> None:
        self.chain, self.rng = chain, rng
        self.admin = chain.operator
        self.holders = chain.accounts[10:14]
        self.tiers = TieredBadges.deploy(chain.w3, self.admin, uri="ipfs://tiers/{id}", admin=self.admin.address)
        self.next_id = 1
        self.done: dict[str, int] = {}

    def live(self) -> list[Tier]:
        """The tiers on chain now (a reorg may have removed some of those created)."""
        out = []
        for tier_id in range(1, self.next_id):
            try:
                out.append(self.tiers.tier(tier_id))
            except ContractRevert:  # TierNotFound
                continue
        return out

    def run(self, steps: int) -> None:
        for _ in range(steps):
            self.step()

    def step(self) -> str:
        r = self.rng
        live = self.live()
        options: list[tuple[str, Callable[[], Any]]] = [("create", lambda: self._create(live))]
        holder = r.choice(self.holders)
        if live:
            tier = r.choice(live)
            options.append(
                ("mint", lambda: self.tiers.mint(holder.address, tier.tier_id, r.randint(1, 3), sender=self.admin))
            )
            held = [t for t in live if self.tiers.balance_of(holder.address, t.tier_id) > 0]
            if held:
                mine = r.choice(held)
                options.append(("burn", lambda: self.tiers.burn(mine.tier_id, 1, sender=holder)))
                ups = [t for t in live if t.lower == mine.tier_id]
                if ups:
                    up = r.choice(ups)
                    options.append(
                        (
                            "upgrade",
                            lambda: self.tiers.upgrade(holder.address, mine.tier_id, up.tier_id, sender=self.admin),
                        )
                    )
                if not mine.soulbound:
                    other = r.choice([h for h in self.holders if h != holder])
                    options.append(
                        (
                            "transfer",
                            lambda: self.tiers.safe_transfer_from(
                                holder.address, other.address, mine.tier_id, 1, sender=holder
                            ),
                        )
                    )
        name, run = r.choice(options)
        try:
            run()
        except ContractRevert:
            name += " (reverted)"
        self.done[name] = self.done.get(name, 0) + 1
        return name

    def _create(self, live: list[Tier]) -> None:
        lower = self.rng.choice([None, *[t.tier_id for t in live]])
        tier_id = self.next_id
        self.tiers.create_tier(tier_id, soulbound=self.rng.random() < 0.5, lower=lower, sender=self.admin)
        self.next_id += 1
