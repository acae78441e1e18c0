"""Typed clients for quiltkit staking: the governance token's V2 locks, the reward pool
(QuiltkitStaking) and the verifier-bond registry (VerifierBonds).

Staking keeps votes: the pool locks tokens inside the token instead of taking them, so
``GovernanceToken.get_votes`` is the same before and after ``Staking.stake``. Pending rewards are
computed client-side by :meth:`Staking.pending_rewards` with the contract's own arithmetic (and
equal :meth:`Staking.earned`, the contract's answer). Slashing is a governance decision:
:meth:`VerifierBonds.slashing_calls` builds the calls a ``Governor`` proposal carries: the slash,
then the suspension it causes pushed into each consumer of the verifier's sets (an escrow, the
badges, a funding round), so that its next signature is refused in the same execution.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Unpack

from pydantic import BaseModel, ConfigDict
from web3 import Web3

from quiltkit._contract import ContractClient, Sender, TxOptions, TxResult, require
from quiltkit._types import ZERO_ADDRESS, checksum, role_id
from quiltkit.escrow import verifier_set_hash
from quiltkit.governance import Call, GovernanceToken, call
from quiltkit.governance_token_v2_errors import ERRORS as TOKEN_V2_ERRORS
from quiltkit.staking_errors import ERRORS as STAKING_ERRORS
from quiltkit.staking_events import EVENTS as STAKING_EVENTS
from quiltkit.verifier_bonds_errors import ERRORS as BONDS_ERRORS
from quiltkit.verifier_bonds_events import EVENTS as BONDS_EVENTS
from quiltkit.verifier_bonds_events import SuspensionsPushed

__all__ = [
    "Bond",
    "GovernanceTokenV2",
    "PendingUnstake",
    "RewardData",
    "SetSuspensions",
    "Staking",
    "VerifierBonds",
    "earned_at",
]

MAX_REWARD_TOKENS = 8
MAX_DURATION = 365 * 86_400
MAX_COOLDOWN = 60 * 86_400
MAX_UNBOND_DELAY = 90 * 86_400
PRECISION = 10**18
ACC_PRECISION = 10**30


class RewardData(BaseModel):
    """One reward token's stream, as of its last accrual."""

    model_config = ConfigDict(frozen=True)

    token: str
    rate: int  # units per second, 1e18 fixed point
    period_finish: int
    last_update: int
    reward_per_token_stored: int  # 1e30 fixed point


class PendingUnstake(BaseModel):
    model_config = ConfigDict(frozen=True)

    amount: int
    ready_at: int


class Bond(BaseModel):
    model_config = ConfigDict(frozen=True)

    active: int
    unbonding: int
    ready_at: int


def earned_at(data: RewardData, *, total_staked: int, stake: int, paid: int, stored: int, timestamp: int) -> int:
    """What a staker can claim of ``data.token`` at ``timestamp``: the contract's ``earned``,
    with its rounding (mulDiv rounds down), computed here."""
    until = min(timestamp, data.period_finish)
    rpt = data.reward_per_token_stored
    if until > data.last_update and total_staked != 0:
        rpt += (until - data.last_update) * data.rate * (ACC_PRECISION // PRECISION) // total_staked
    return stored + stake * (rpt - paid) // ACC_PRECISION


class SetSuspensions(BaseModel):
    """A verifier set's suspended members as the bond registry computes them (``suspensionsOf``)
    or as a consumer last recorded them (``SuspensionsPushed``): bit i of ``suspended`` is member i."""

    model_config = ConfigDict(frozen=True)

    set_id: bytes
    suspended: int

    @property
    def members(self) -> list[int]:
        """The suspended members' indexes, ascending."""
        return [i for i in range(self.suspended.bit_length()) if self.suspended >> i & 1]


class GovernanceTokenV2(GovernanceToken):
    """GovernanceToken after its V2 upgrade: the staking pool's and the bond registry's locks."""

    artifact_name = "GovernanceTokenV2"
    errors = TOKEN_V2_ERRORS  # type: ignore[assignment]

    @classmethod
    def upgrade(
        cls, w3: Web3, sender: Sender, *, token: str, staking: str, bonds: str, **options: Unpack[TxOptions]
    ) -> GovernanceTokenV2:
        """Deploy the V2 implementation and upgrade the proxy at ``token`` to it, fixing the two
        lockers (``sender`` holds the upgrader role; in a full deployment this is a Timelock call)."""
        token_, staking_, bonds_ = checksum(token, "token"), checksum(staking, "staking"), checksum(bonds, "bonds")
        require(staking_ != bonds_, "the staking pool and the bond registry must differ", field="bonds")
        implementation, _ = cls._deploy(w3, sender, staking_, bonds_, **options)
        data = cls(w3, implementation)._encode("initializeV2")
        GovernanceToken(w3, token_).upgrade_to(implementation, data, sender=sender, **options)
        return cls._deployed(w3, token_)

    def locks_of(self, holder: str) -> tuple[int, int]:
        """(staked, bonded) locked in ``holder``'s balance."""
        staked, bonded = self._call("locksOf", checksum(holder, "holder"))
        return int(staked), int(bonded)

    def unlocked_balance_of(self, holder: str) -> int:
        """What ``holder`` may transfer: its balance minus its locks."""
        return int(self._call("unlockedBalanceOf", checksum(holder, "holder")))

    def lockers(self) -> tuple[str, str]:
        staking, bonds = self._call("lockers")
        return str(staking), str(bonds)


class Staking(ContractClient):
    """The reward pool. Reverts raise :mod:`quiltkit.staking_errors` exceptions."""

    artifact_name = "QuiltkitStaking"
    errors = STAKING_ERRORS  # type: ignore[assignment]
    event_types = STAKING_EVENTS  # type: ignore[assignment]

    @classmethod
    def deploy(
        cls,
        w3: Web3,
        sender: Sender,
        *,
        token: str,
        admin: str,
        distributor: str,
        cooldown: int = 0,
        **options: Unpack[TxOptions],
    ) -> Staking:
        """Deploy a pool over ``token`` (the governance token's proxy; it becomes the pool's once
        the token is upgraded with :meth:`GovernanceTokenV2.upgrade`)."""
        require(0 <= cooldown <= MAX_COOLDOWN, f"cooldown must be 0..{MAX_COOLDOWN}, got {cooldown}", field="cooldown")
        address, _ = cls._deploy(
            w3,
            sender,
            checksum(token, "token"),
            checksum(admin, "admin"),
            checksum(distributor, "distributor"),
            cooldown,
            **options,
        )
        return cls._deployed(w3, address)

    # --- reads --------------------------------------------------------------------------------
    def staking_token(self) -> str:
        return str(self._call("stakingToken"))

    def total_staked(self) -> int:
        return int(self._call("totalStaked"))

    def stake_of(self, account: str) -> int:
        return int(self._call("stakeOf", checksum(account, "account")))

    def pending_unstake(self, account: str) -> PendingUnstake:
        amount, ready_at = self._call("pendingUnstake", checksum(account, "account"))
        return PendingUnstake(amount=int(amount), ready_at=int(ready_at))

    def cooldown(self) -> int:
        return int(self._call("cooldown"))

    def paused(self) -> bool:
        return bool(self._call("paused"))

    def reward_tokens(self) -> list[str]:
        return [str(t) for t in self._call("rewardTokens")]

    def reward_data(self, token: str) -> RewardData:
        token_ = checksum(token, "token")
        rate, finish, last, rpt = self._call("rewardData", token_)
        return RewardData(
            token=token_, rate=int(rate), period_finish=int(finish), last_update=int(last),
            reward_per_token_stored=int(rpt),
        )  # fmt: skip

    def reward_per_token(self, token: str) -> int:
        return int(self._call("rewardPerToken", checksum(token, "token")))

    def earned(self, account: str, token: str) -> int:
        """The contract's answer: what ``account`` can claim of ``token`` now."""
        return int(self._call("earned", checksum(account, "account"), checksum(token, "token")))

    def committed(self, token: str) -> int:
        return int(self._call("committed", checksum(token, "token")))

    def user_reward(self, account: str, token: str) -> tuple[int, int]:
        """(accumulator at the last settlement, earned by then) of ``account`` in ``token``."""
        paid, stored = self._call("userReward", checksum(account, "account"), checksum(token, "token"))
        return int(paid), int(stored)

    def pending_rewards(self, account: str, *, timestamp: int | None = None) -> dict[str, int]:
        """Every reward token's claimable amount for ``account``, computed client-side from the
        pool's state (at ``timestamp``, default the latest block's) with the contract's rounding."""
        account_ = checksum(account, "account")
        when = int(self.w3.eth.get_block("latest")["timestamp"]) if timestamp is None else timestamp
        total, stake = self.total_staked(), self.stake_of(account_)
        pending: dict[str, int] = {}
        for token in self.reward_tokens():
            paid, stored = self.user_reward(account_, token)
            pending[token] = earned_at(
                self.reward_data(token), total_staked=total, stake=stake, paid=paid, stored=stored, timestamp=when
            )
        return pending

    def has_role(self, role: str, account: str) -> bool:
        return bool(self._call("hasRole", role_id(role), checksum(account, "account")))

    # --- writes -------------------------------------------------------------------------------
    def stake(self, amount: int, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        """Lock ``amount`` of the sender's governance tokens in the pool (votes kept)."""
        require(amount > 0, f"amount must be > 0, got {amount}", field="amount")
        return self._transact("stake", amount, sender=sender, **options)

    def unstake(self, amount: int, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        """Stop ``amount`` earning; unlocked now, or by :meth:`withdraw` after the cooldown."""
        require(amount > 0, f"amount must be > 0, got {amount}", field="amount")
        return self._transact("unstake", amount, sender=sender, **options)

    def withdraw(self, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("withdraw", sender=sender, **options)

    def claim(self, token: str, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("claim", checksum(token, "token"), sender=sender, **options)

    def claim_all(self, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("claimAll", sender=sender, **options)

    def notify_reward_amount(
        self, token: str, amount: int, duration: int, *, sender: Sender, **options: Unpack[TxOptions]
    ) -> TxResult:
        """Stream ``amount`` of ``token`` over ``duration`` seconds (distributor role; approve the
        pool for the shortfall above its unallocated balance first)."""
        require(amount > 0, f"amount must be > 0, got {amount}", field="amount")
        require(0 < duration <= MAX_DURATION, f"duration must be 1..{MAX_DURATION}, got {duration}", field="duration")
        return self._transact(
            "notifyRewardAmount", checksum(token, "token"), amount, duration, sender=sender, **options
        )

    def recover_unallocated(self, token: str, to: str, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        to_ = checksum(to, "to")
        require(to_ != ZERO_ADDRESS, "to must not be the zero address", field="to")
        return self._transact("recoverUnallocated", checksum(token, "token"), to_, sender=sender, **options)

    def set_cooldown(self, cooldown: int, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        require(0 <= cooldown <= MAX_COOLDOWN, f"cooldown must be 0..{MAX_COOLDOWN}, got {cooldown}", field="cooldown")
        return self._transact("setCooldown", cooldown, sender=sender, **options)

    def pause(self, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("pause", sender=sender, **options)

    def unpause(self, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("unpause", sender=sender, **options)

    def grant_role(self, role: str, account: str, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("grantRole", role_id(role), checksum(account, "account"), sender=sender, **options)


class VerifierBonds(ContractClient):
    """The verifier-bond registry. Reverts raise :mod:`quiltkit.verifier_bonds_errors` exceptions."""

    artifact_name = "VerifierBonds"
    errors = BONDS_ERRORS  # type: ignore[assignment]
    event_types = BONDS_EVENTS  # type: ignore[assignment]

    @classmethod
    def deploy(
        cls, w3: Web3, sender: Sender, *, token: str, governance: str, treasury: str, **options: Unpack[TxOptions]
    ) -> VerifierBonds:
        """Deploy a registry over ``token``; ``governance`` (the Timelock) slashes and configures."""
        address, _ = cls._deploy(
            w3, sender, checksum(token, "token"), checksum(governance, "governance"), checksum(treasury, "treasury"),
            **options,
        )  # fmt: skip
        return cls._deployed(w3, address)

    # --- reads --------------------------------------------------------------------------------
    def bond_of(self, verifier: str) -> Bond:
        active, unbonding, ready_at = self._call("bondOf", checksum(verifier, "verifier"))
        return Bond(active=int(active), unbonding=int(unbonding), ready_at=int(ready_at))

    def slashable_of(self, verifier: str) -> int:
        return int(self._call("slashableOf", checksum(verifier, "verifier")))

    def minimum_bond(self, set_id: bytes) -> int:
        return int(self._call("minimumBond", _set_id(set_id)))

    def unbond_delay(self) -> int:
        return int(self._call("unbondDelay"))

    def counts(self, set_id: bytes, verifier: str) -> bool:
        """Whether ``verifier``'s signature counts toward ``set_id``'s thresholds now."""
        return bool(self._call("counts", _set_id(set_id), checksum(verifier, "verifier")))

    def require_bonded(self, set_id: bytes, signers: list[str]) -> None:
        """Raise ``VerifierBondsBelowMinimum`` for the first signer below ``set_id``'s minimum."""
        self._call("requireBonded", _set_id(set_id), [checksum(s, "signer") for s in signers])

    def suspensions_of(self, signers: Sequence[str]) -> SetSuspensions:
        """Which members of the set ``signers`` do not count now (what a push would record)."""
        set_id, suspended = self._call("suspensionsOf", _signers(signers))
        return SetSuspensions(set_id=bytes(set_id), suspended=int(suspended))

    def recorded_suspensions(self, consumer: str, signers: Sequence[str], from_block: int = 0) -> SetSuspensions:
        """What ``consumer`` last recorded for the set ``signers`` (its latest ``SuspensionsPushed``;
        none pushed: nobody suspended). Differs from :meth:`suspensions_of` until someone pushes."""
        set_id = bytes.fromhex(verifier_set_hash(_signers(signers))[2:])
        pushed = self.events(SuspensionsPushed, from_block, consumer=checksum(consumer, "consumer"), set_id=set_id)
        return SetSuspensions(set_id=set_id, suspended=pushed[-1].suspended if pushed else 0)

    # --- writes -------------------------------------------------------------------------------
    def bond(self, amount: int, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        require(amount > 0, f"amount must be > 0, got {amount}", field="amount")
        return self._transact("bond", amount, sender=sender, **options)

    def push_suspensions(
        self, consumer: str, signers: Sequence[str], *, sender: Sender, **options: Unpack[TxOptions]
    ) -> TxResult:
        """Record in ``consumer`` (an escrow, the badges or a funding round that lets this registry
        record) which members of ``signers`` do not count now: suspended after a slash, an unbond
        or a new minimum, reinstated after re-bonding. Anyone may send it."""
        return self._transact(
            "pushSuspensions", checksum(consumer, "consumer"), _signers(signers), sender=sender, **options
        )

    def push_suspensions_call(self, consumer: str, signers: Sequence[str]) -> Call:
        """The call a ``Governor`` proposal makes to push ``signers``' suspensions into ``consumer``."""
        return call(self, "pushSuspensions", checksum(consumer, "consumer"), _signers(signers))

    def slashing_calls(
        self,
        verifier: str,
        amount: int,
        reason: str,
        harmed_party: str | None = None,
        *,
        consumers: Sequence[tuple[str, Sequence[str]]] = (),
    ) -> list[Call]:
        """A slashing proposal's calls: the slash, then one push per ``(consumer, signers)`` (each
        contract that uses a set the verifier is in), so the suspension holds from the execution on.

        Raises:
            InvalidInput: a malformed argument, or a ``signers`` set that does not contain ``verifier``.
        """
        slash = self.slash_call(verifier, amount, reason, harmed_party)
        target = checksum(verifier, "verifier")
        pushes = []
        for consumer, signers in consumers:
            members = _signers(signers)
            require(target in members, f"{target} is not a member of the set pushed to {consumer}", field="consumers")
            pushes.append(self.push_suspensions_call(consumer, members))
        return [slash, *pushes]

    def unbond(self, amount: int, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        require(amount > 0, f"amount must be > 0, got {amount}", field="amount")
        return self._transact("unbond", amount, sender=sender, **options)

    def withdraw_unbonded(self, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("withdrawUnbonded", sender=sender, **options)

    def slash(
        self,
        verifier: str,
        amount: int,
        reason: str,
        harmed_party: str | None = None,
        *,
        sender: Sender,
        **options: Unpack[TxOptions],
    ) -> TxResult:
        """Slash directly (the sender holds SLASHER_ROLE: only the Timelock in a full deployment;
        use :meth:`slash_call` to build the proposal)."""
        args = self._slash_args(verifier, amount, reason, harmed_party)
        return self._transact("slash", *args, sender=sender, **options)

    def slash_call(self, verifier: str, amount: int, reason: str, harmed_party: str | None = None) -> Call:
        """The call a ``Governor`` proposal makes to slash ``amount`` of ``verifier``'s bond to
        ``harmed_party`` (or the treasury)."""
        return call(self, "slash", *self._slash_args(verifier, amount, reason, harmed_party))

    def set_minimum_bond(
        self, set_id: bytes, minimum: int, *, sender: Sender, **options: Unpack[TxOptions]
    ) -> TxResult:
        require(minimum >= 0, f"minimum must be >= 0, got {minimum}", field="minimum")
        return self._transact("setMinimumBond", _set_id(set_id), minimum, sender=sender, **options)

    def set_unbond_delay(self, delay: int, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        require(0 <= delay <= MAX_UNBOND_DELAY, f"delay must be 0..{MAX_UNBOND_DELAY}, got {delay}", field="delay")
        return self._transact("setUnbondDelay", delay, sender=sender, **options)

    @staticmethod
    def _slash_args(verifier: str, amount: int, reason: str, harmed_party: str | None) -> tuple[str, int, str, str]:
        require(amount > 0, f"amount must be > 0, got {amount}", field="amount")
        require(bool(reason.strip()), "a slash needs a reason", field="reason")
        to = ZERO_ADDRESS if harmed_party is None else checksum(harmed_party, "harmed_party")
        return checksum(verifier, "verifier"), amount, reason, to


def _signers(signers: Sequence[str]) -> list[str]:
    require(0 < len(signers) <= 256, f"a verifier set has 1..256 members, got {len(signers)}", field="signers")
    return [checksum(s, "signer") for s in signers]


def _set_id(set_id: bytes) -> bytes:
    require(isinstance(set_id, bytes) and len(set_id) == 32, "a set id is 32 bytes", field="set_id")
    return set_id
