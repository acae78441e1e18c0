"""Typed clients for quiltkit funding rounds: FundingRoundFactory (ERC-1167 clones at CREATE2
addresses) and FundingRound (donations, a matching pool, an exact on-chain quadratic match or a
signed SCORE leaderboard, milestone releases, streams, refunds).

:func:`qf_match` and :func:`score_allocation` compute the contract's allocations off chain, to
the same integers (a differential test holds them equal on random rounds).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from math import isqrt
from typing import Any, Unpack

from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from pydantic import ConfigDict, Field
from web3 import Web3

from quiltkit._contract import ContractClient, Sender, TxOptions, TxResult, require
from quiltkit._model import Model
from quiltkit._types import ZERO_ADDRESS, Address, checksum, role_id
from quiltkit.funding_errors import ERRORS as ROUND_ERRORS
from quiltkit.funding_events import EVENTS as ROUND_EVENTS
from quiltkit.funding_factory_errors import ERRORS as FACTORY_ERRORS
from quiltkit.funding_factory_events import EVENTS as FACTORY_EVENTS
from quiltkit.funding_gate_errors import ERRORS as GATE_ERRORS
from quiltkit.funding_gate_errors import GateInvalidBadges, GateZeroMinimum
from quiltkit.intents import PAYOUT_INTENT_TYPES, PayoutIntent, VerifierSignature

__all__ = [
    "BPS",
    "DOMAIN_NAME",
    "DOMAIN_VERSION",
    "MAX_MILESTONES",
    "BadgeReputationGate",
    "FundingRound",
    "FundingRoundFactory",
    "LeaderboardEntry",
    "Phase",
    "PoolState",
    "ProjectInfo",
    "RoundParams",
    "Strategy",
    "leaderboard_typed_data",
    "qf_match",
    "score_allocation",
    "sign_leaderboard",
]

BPS = 10_000
MAX_MILESTONES = 32
UINT96_MAX = 2**96 - 1
UINT32_MAX = 2**32 - 1
DOMAIN_NAME = "quiltkit FundingRound"
DOMAIN_VERSION = "1"


class Strategy(IntEnum):
    QUADRATIC = 0
    SCORE = 1


class Phase(IntEnum):
    OPEN = 0
    TALLYING = 1
    DISTRIBUTING = 2
    FINALIZED = 3


# --- the contract's arithmetic, off chain ------------------------------------------------------


def qf_match(
    donations: Sequence[Sequence[int]], goals: Sequence[int], pool: int, matching_cap_bps: int = BPS
) -> list[int]:
    """The QUADRATIC match of every project, equal to the contract's integers.

    ``donations[i]`` holds each donor's *total* gift to project ``i`` (repeat gifts summed),
    ``goals[i]`` its goal. A project below its goal gets 0; the others get
    ``q_i = max(0, (sum_j isqrt(c_ij))^2 - sum_j c_ij)``, unscaled when the q's fit in the
    pool, else ``floor(q_i * pool / sum q)``, then at most ``floor(pool * cap / 10,000)``.
    """
    require(len(donations) == len(goals), f"{len(donations)} projects but {len(goals)} goals")
    require(pool >= 0, f"pool must be >= 0, got {pool}")
    require(0 < matching_cap_bps <= BPS, f"matching_cap_bps must be 1..10000, got {matching_cap_bps}")
    surplus = []
    for gifts, goal in zip(donations, goals, strict=True):
        require(all(g >= 0 for g in gifts), "donations must be >= 0")
        total = sum(gifts)
        root = sum(isqrt(g) for g in gifts)
        surplus.append(max(0, root * root - total) if total >= goal else 0)
    tally = sum(surplus)
    cap = pool * matching_cap_bps // BPS
    return [min(q if tally <= pool else q * pool // tally, cap) for q in surplus]


def score_allocation(scores: Sequence[int], pool: int) -> list[int]:
    """A SCORE round's allocation, equal to the contract's: ``floor(pool * score / sum)``."""
    require(bool(scores), "the leaderboard is empty")
    require(all(s >= 0 for s in scores), "scores must be >= 0")
    total = sum(scores)
    require(total > 0, "the scores sum to zero")
    return [pool * s // total for s in scores]


# --- models --------------------------------------------------------------------------------------


class RoundParams(Model):
    """What the factory fixes when it creates a round (times in unix seconds)."""

    model_config = ConfigDict(frozen=True)

    currency: Address = ZERO_ADDRESS
    curator: Address
    strategy: Strategy = Strategy.QUADRATIC
    matching_cap_bps: int = Field(default=BPS, gt=0, le=BPS)
    application_end: int = Field(ge=0, le=UINT32_MAX)
    donation_start: int = Field(ge=0, le=UINT32_MAX)
    donation_end: int = Field(ge=0, le=UINT32_MAX)
    release_deadline: int = Field(ge=0, le=UINT32_MAX)
    eligibility: Address = ZERO_ADDRESS
    treasury: Address = ZERO_ADDRESS
    verifiers: list[Address] = Field(default_factory=list, max_length=32)
    threshold: int = Field(default=0, ge=0, le=32)

    def check(self) -> None:
        """The contract's checks, raised as InvalidInput before anything is sent."""
        require(self.curator != ZERO_ADDRESS, "a round needs a curator", field="curator")
        require(
            self.application_end <= self.donation_end
            and self.donation_start < self.donation_end < self.release_deadline,
            "windows must satisfy application_end <= donation_end, donation_start < donation_end < release_deadline",
        )
        require(
            (not self.verifiers and self.threshold == 0) or 0 < self.threshold <= len(self.verifiers),
            f"threshold {self.threshold} does not fit {len(self.verifiers)} verifiers",
            field="threshold",
        )
        require(len(set(self.verifiers)) == len(self.verifiers), "duplicate verifier", field="verifiers")
        require(
            self.strategy != Strategy.SCORE or bool(self.verifiers),
            "a SCORE round needs verifiers to sign its leaderboard",
            field="verifiers",
        )

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.currency,
            self.curator,
            int(self.strategy),
            self.matching_cap_bps,
            self.application_end,
            self.donation_start,
            self.donation_end,
            self.release_deadline,
            self.eligibility,
            self.treasury,
            list(self.verifiers),
            self.threshold,
        )


class ProjectInfo(Model):
    """One project as the round holds it."""

    model_config = ConfigDict(frozen=True)

    project_id: int
    recipient: Address
    vesting_duration: int
    settled_mask: int
    milestone_count: int
    refunding: bool
    goal: int
    donated: int
    sum_sqrt: int
    matched: int
    returned_to_donors: int
    planned_total: int

    @property
    def total(self) -> int:
        """What the project is paid in all: its donations and its match."""
        return self.donated + self.matched

    def is_settled(self, milestone: int) -> bool:
        return bool(self.settled_mask >> milestone & 1)


class PoolState(Model):
    model_config = ConfigDict(frozen=True)

    phase: Phase
    cursor: int
    total: int
    matched: int
    returned: int


class LeaderboardEntry(Model):
    """One line of a SCORE round's leaderboard."""

    model_config = ConfigDict(frozen=True)

    recipient: Address
    score: int = Field(ge=0, lt=2**256)

    def as_tuple(self) -> tuple[str, int]:
        return (self.recipient, self.score)


_EIP712_DOMAIN = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
_LEADERBOARD_TYPES = {
    "Leaderboard": [{"name": "entries", "type": "Entry[]"}],
    "Entry": [{"name": "recipient", "type": "address"}, {"name": "score", "type": "uint256"}],
}


def _domain(chain_id: int, round_address: str) -> dict[str, Any]:
    return {"name": DOMAIN_NAME, "version": DOMAIN_VERSION, "chainId": chain_id, "verifyingContract": round_address}


def leaderboard_typed_data(entries: Sequence[LeaderboardEntry], chain_id: int, round_address: str) -> dict[str, Any]:
    """The EIP-712 typed data of a leaderboard (what the contract's ``hashLeaderboard`` hashes)."""
    return {
        "types": {"EIP712Domain": _EIP712_DOMAIN, **_LEADERBOARD_TYPES},
        "primaryType": "Leaderboard",
        "domain": _domain(chain_id, checksum(round_address, "round")),
        "message": {"entries": [{"recipient": e.recipient, "score": e.score} for e in entries]},
    }


def sign_leaderboard(
    entries: Sequence[LeaderboardEntry], chain_id: int, round_address: str, signer: LocalAccount
) -> bytes:
    """A verifier's 65-byte signature over a leaderboard."""
    typed = leaderboard_typed_data(entries, chain_id, round_address)
    return bytes(signer.sign_message(encode_typed_data(full_message=typed)).signature)


def _intent_typed_data(intent: PayoutIntent, chain_id: int, round_address: str) -> dict[str, Any]:
    return {
        "types": {"EIP712Domain": _EIP712_DOMAIN, **PAYOUT_INTENT_TYPES},
        "primaryType": "PayoutIntent",
        "domain": _domain(chain_id, round_address),
        "message": intent.message(),
    }


# --- clients -------------------------------------------------------------------------------------


class FundingRoundFactory(ContractClient):
    """Creates funding rounds (ERC-1167 clones, CREATE2); only ROUND_CREATOR_ROLE may create."""

    artifact_name = "FundingRoundFactory"
    errors = FACTORY_ERRORS  # type: ignore[assignment]
    event_types = FACTORY_EVENTS  # type: ignore[assignment]

    @classmethod
    def deploy(
        cls,
        w3: Web3,
        sender: Sender,
        *,
        admin: str,
        creator: str | None = None,
        verifier_bonds: str | None = None,
        **options: Unpack[TxOptions],
    ) -> FundingRoundFactory:
        """Deploy a FundingRound implementation and a factory of its clones. ``verifier_bonds``
        (a VerifierBonds registry) may then suspend any round's verifiers whose bond fell below
        their set's minimum (``VerifierBonds.push_suspensions``); without it rounds are unbonded."""
        admin_ = checksum(admin, "admin")
        creator_ = checksum(creator, "creator") if creator else ZERO_ADDRESS
        bonds_ = checksum(verifier_bonds, "verifier_bonds") if verifier_bonds else ZERO_ADDRESS
        implementation, _ = _RoundImplementation._deploy(w3, sender, bonds_, **options)
        address, _ = cls._deploy(w3, sender, implementation, admin_, creator_, **options)
        return cls(w3, address)

    def implementation(self) -> str:
        return str(self._call("implementation"))

    def predict_round(self, params: RoundParams, salt: bytes) -> str:
        """The address ``create_round(params, salt)`` deploys to."""
        require(len(salt) == 32, "salt must be 32 bytes", field="salt")
        return str(self._call("predictRound", params.as_tuple(), salt))

    def is_round(self, address: str) -> bool:
        return bool(self._call("isRound", checksum(address, "round")))

    def round_count(self) -> int:
        return int(self._call("roundCount"))

    def has_role(self, role: str, account: str) -> bool:
        return bool(self._call("hasRole", role_id(role), checksum(account, "account")))

    def create_round(
        self,
        params: RoundParams,
        salt: bytes,
        metadata_uri: str = "",
        *,
        sender: Sender,
        **options: Unpack[TxOptions],
    ) -> FundingRound:
        """Create and initialise a round; returns its client."""
        params.check()
        require(len(salt) == 32, "salt must be 32 bytes", field="salt")
        result = self._transact("createRound", params.as_tuple(), salt, metadata_uri, sender=sender, **options)
        return FundingRound(self.w3, str(result.event("RoundCreated").args["round"]))

    def grant_role(self, role: str, account: str, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("grantRole", role_id(role), checksum(account, "account"), sender=sender, **options)


class BadgeReputationGate(ContractClient):
    """A donor gate (``IDonorEligibility``) backed by a SoulboundBadge: a donor is eligible while
    their decaying reputation is at least ``min_reputation``. Name its address as a round's
    ``RoundParams.eligibility``; the round then refuses other donors with ``RoundIneligibleDonor``.
    """

    artifact_name = "BadgeReputationGate"
    errors = GATE_ERRORS  # type: ignore[assignment]

    @classmethod
    def deploy(
        cls, w3: Web3, sender: Sender, *, badges: str, min_reputation: int, **options: Unpack[TxOptions]
    ) -> BadgeReputationGate:
        """Deploy a gate reading ``badges`` (a SoulboundBadge), admitting reputation >= ``min_reputation``.

        Raises:
            InvalidInput: a malformed argument (nothing is sent).
            GateZeroMinimum: ``min_reputation`` is 0 (every address would pass, badge or not).
            GateInvalidBadges: no contract at ``badges``.
        """
        badges_ = checksum(badges, "badges")
        require(
            isinstance(min_reputation, int) and 0 <= min_reputation < 2**256,
            f"min_reputation must be a uint256, got {min_reputation!r}",
            field="min_reputation",
        )
        # The constructor's checks, raised before anything is signed (the chain would raise the same).
        if min_reputation == 0:
            raise GateZeroMinimum()
        if not w3.eth.get_code(Web3.to_checksum_address(badges_)):
            raise GateInvalidBadges(badges_)
        address, _ = cls._deploy(w3, sender, badges_, min_reputation, **options)
        return cls._deployed(w3, address)

    def _identify(self) -> str | None:
        """A gate answers ``minReputation()`` with a non-zero minimum (its constructor refuses 0)."""
        if int(self._call("minReputation")) == 0:
            return "its minReputation() is 0, which no BadgeReputationGate has"
        return None

    def badges(self) -> str:
        """The SoulboundBadge whose reputation the gate reads."""
        return str(self._call("badges"))

    def min_reputation(self) -> int:
        """The least (decayed) reputation that admits a donor, in the badge's base units."""
        return int(self._call("minReputation"))

    def is_eligible(self, donor: str) -> bool:
        """Whether ``donor`` may donate now to a round using this gate (reputation decays: a donor
        admitted today can be refused later without any transaction)."""
        return bool(self._call("isEligible", checksum(donor, "donor")))


class _RoundImplementation(ContractClient):
    artifact_name = "FundingRound"


class FundingRound(ContractClient):
    """One funding round (a clone created by :class:`FundingRoundFactory`)."""

    artifact_name = "FundingRound"
    errors = ROUND_ERRORS  # type: ignore[assignment]
    event_types = ROUND_EVENTS  # type: ignore[assignment]

    # --- reads --------------------------------------------------------------------------------
    def params(self) -> RoundParams:
        """The round's parameters (verifiers are stored as a commitment: the list comes back empty)."""
        raw = self._call("roundParams")
        return RoundParams.model_construct(
            currency=raw[0],
            curator=raw[1],
            strategy=Strategy(int(raw[2])),
            matching_cap_bps=int(raw[3]),
            application_end=int(raw[4]),
            donation_start=int(raw[5]),
            donation_end=int(raw[6]),
            release_deadline=int(raw[7]),
            eligibility=raw[8],
            treasury=raw[9],
            verifiers=[],
            threshold=int(raw[11]),
        )

    def verifier_bonds(self) -> str | None:
        """The bond registry that may suspend this round's verifiers (None: unbonded)."""
        bonds = str(self._call("verifierBonds"))
        return None if bonds == ZERO_ADDRESS else bonds

    def verifiers_hash(self) -> bytes:
        return bytes(self._call("roundParams")[10])

    def state(self) -> PoolState:
        phase, cursor, _ = self._call("progress")
        total, matched, returned = self._call("poolState")
        return PoolState(
            phase=Phase(int(phase)), cursor=int(cursor), total=int(total), matched=int(matched), returned=int(returned)
        )

    def project_count(self) -> int:
        return int(self._call("projectCount"))

    def get_project(self, project_id: int) -> ProjectInfo:
        v = self._call("getProject", project_id)
        return ProjectInfo(
            project_id=project_id,
            recipient=v[0],
            vesting_duration=int(v[1]),
            settled_mask=int(v[2]),
            milestone_count=int(v[3]),
            refunding=bool(v[4]),
            goal=int(v[5]),
            donated=int(v[6]),
            sum_sqrt=int(v[7]),
            matched=int(v[8]),
            returned_to_donors=int(v[9]),
            planned_total=int(v[10]),
        )

    def donation_of(self, project_id: int, donor: str) -> tuple[int, int]:
        """A donor's total gift to a project and what has been refunded of it."""
        amount, refunded = self._call("donationOf", project_id, checksum(donor, "donor"))
        return int(amount), int(refunded)

    def sponsor_of(self, sponsor: str) -> tuple[int, int]:
        contributed, claimed = self._call("sponsorOf", checksum(sponsor, "sponsor"))
        return int(contributed), int(claimed)

    def milestone_payout(self, project_id: int, milestone: int) -> int:
        return int(self._call("milestonePayout", project_id, milestone))

    def stream_of(self, project_id: int, milestone: int) -> tuple[int, int, int, bool, int]:
        """(amount, claimed, start, stopped, claimable now) of a streamed milestone."""
        a, c, s, stopped, claimable = self._call("streamOf", project_id, milestone)
        return int(a), int(c), int(s), bool(stopped), int(claimable)

    def refundable_of(self, project_id: int, donor: str) -> int:
        return int(self._call("refundableOf", project_id, checksum(donor, "donor")))

    def pool_return_of(self, account: str) -> int:
        return int(self._call("poolReturnOf", checksum(account, "account")))

    def owed_of(self, account: str) -> int:
        return int(self._call("owedOf", checksum(account, "account")))

    def paused(self) -> bool:
        return bool(self._call("paused"))

    def hash_intent(self, intent: PayoutIntent) -> bytes:
        return bytes(self._call("hashIntent", intent.as_tuple()))

    def hash_leaderboard(self, entries: Sequence[LeaderboardEntry]) -> bytes:
        return bytes(self._call("hashLeaderboard", [e.as_tuple() for e in entries]))

    def intent_for(
        self, project_id: int, milestone: int, *, intent_id: str, deadline: int, evidence_hash: str
    ) -> PayoutIntent:
        """The PayoutIntent verifiers sign to release ``milestone`` of ``project_id`` (after finalisation)."""
        project = self.get_project(project_id)
        require(milestone < project.milestone_count, f"project {project_id} has no milestone {milestone}")
        return PayoutIntent(
            escrow_id=project_id,
            milestone=milestone,
            payee=project.recipient,
            amount=self.milestone_payout(project_id, milestone),
            token=self.params().currency,
            intent_id=intent_id,
            deadline=deadline,
            evidence_hash=evidence_hash,
        )

    def sign_intent(self, intent: PayoutIntent, signer: LocalAccount) -> bytes:
        """A verifier's 65-byte signature over a milestone intent in this round's domain."""
        typed = _intent_typed_data(intent, self.w3.eth.chain_id, self.address)
        return bytes(signer.sign_message(encode_typed_data(full_message=typed)).signature)

    def sign_leaderboard(self, entries: Sequence[LeaderboardEntry], signer: LocalAccount) -> bytes:
        return sign_leaderboard(entries, self.w3.eth.chain_id, self.address, signer)

    # --- writes -------------------------------------------------------------------------------
    def register_project(
        self,
        recipient: str,
        goal: int,
        milestone_amounts: Sequence[int],
        vesting_duration: int = 0,
        *,
        sender: Sender,
        **options: Unpack[TxOptions],
    ) -> int:
        """Register a project (curator); returns its id."""
        require(0 < goal <= UINT96_MAX, f"goal must be 1..2**96-1, got {goal}", field="goal")
        n = len(milestone_amounts)
        require(0 < n <= MAX_MILESTONES, f"1..{MAX_MILESTONES} milestones, got {n}", field="milestone_amounts")
        require(all(a > 0 for a in milestone_amounts), "milestone amounts must be > 0", field="milestone_amounts")
        require(sum(milestone_amounts) <= UINT96_MAX, "milestone amounts exceed 2**96-1", field="milestone_amounts")
        require(0 <= vesting_duration < 2**40, "vesting_duration must be 0..2**40-1", field="vesting_duration")
        result = self._transact(
            "registerProject",
            checksum(recipient, "recipient"),
            goal,
            list(milestone_amounts),
            vesting_duration,
            sender=sender,
            **options,
        )
        return int(result.event("ProjectRegistered").args["projectId"])

    def donate(self, project_id: int, amount: int, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        """Donate ``amount`` to a project (ETH rounds send it as value; token rounds need an allowance)."""
        require(amount > 0, f"amount must be > 0, got {amount}", field="amount")
        value = amount if self.params().currency == ZERO_ADDRESS else 0
        return self._transact("donate", project_id, amount, sender=sender, value=value, **options)

    def fund_pool(self, amount: int, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        require(amount > 0, f"amount must be > 0, got {amount}", field="amount")
        value = amount if self.params().currency == ZERO_ADDRESS else 0
        return self._transact("fundPool", amount, sender=sender, value=value, **options)

    def finalize(self, max_steps: int = 1_000, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        """Advance QUADRATIC finalisation by at most ``max_steps`` project visits."""
        require(max_steps > 0, f"max_steps must be > 0, got {max_steps}", field="max_steps")
        return self._transact("finalize", max_steps, sender=sender, **options)

    def submit_leaderboard(
        self,
        entries: Sequence[LeaderboardEntry],
        verifiers: Sequence[str],
        signatures: Sequence[VerifierSignature],
        *,
        sender: Sender,
        **options: Unpack[TxOptions],
    ) -> TxResult:
        """Finalise a SCORE round with a leaderboard signed by the verifier quorum."""
        require(bool(entries), "the leaderboard is empty", field="entries")
        require(sum(e.score for e in entries) > 0, "the scores sum to zero", field="entries")
        return self._transact(
            "submitLeaderboard",
            [e.as_tuple() for e in entries],
            [checksum(v, "verifier") for v in verifiers],
            [s.as_tuple() for s in signatures],
            sender=sender,
            **options,
        )

    def release(self, project_id: int, milestone: int, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        """The curator releases a milestone."""
        return self._transact("release", project_id, milestone, sender=sender, **options)

    def release_with_intent(
        self,
        intent: PayoutIntent,
        verifiers: Sequence[str],
        signatures: Sequence[VerifierSignature],
        *,
        sender: Sender,
        **options: Unpack[TxOptions],
    ) -> TxResult:
        """Release a milestone on a verifier-signed PayoutIntent (anyone may submit)."""
        return self._transact(
            "releaseWithIntent",
            intent.as_tuple(),
            [checksum(v, "verifier") for v in verifiers],
            [s.as_tuple() for s in signatures],
            sender=sender,
            **options,
        )

    def claim_stream(
        self, project_id: int, milestone: int, *, sender: Sender, **options: Unpack[TxOptions]
    ) -> TxResult:
        return self._transact("claimStream", project_id, milestone, sender=sender, **options)

    def stop_stream(self, project_id: int, milestone: int, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("stopStream", project_id, milestone, sender=sender, **options)

    def return_unreleased(self, project_id: int, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("returnUnreleased", project_id, sender=sender, **options)

    def claim_refund(self, project_id: int, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("claimRefund", project_id, sender=sender, **options)

    def claim_pool_return(self, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("claimPoolReturn", sender=sender, **options)

    def withdraw(self, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("withdraw", sender=sender, **options)

    def pause(self, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("pause", sender=sender, **options)

    def unpause(self, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("unpause", sender=sender, **options)
