"""Typed clients for quiltkit governance: GovernanceToken (behind its ERC-1967 proxy),
QuiltkitGovernor (typed proposals) and QuiltkitTimelock (the executor and admin of everything).

Proposals are built from calls on other quiltkit clients (:func:`call`), proposed with a type,
and carried through ``queue`` / ``execute`` / ``cancel`` as :class:`Proposal` (which knows the
exact description the contract hashed, type tag included).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any, Unpack

from eth_account.datastructures import SignedMessage
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from pydantic import BaseModel, ConfigDict, Field
from web3 import Web3

from quiltkit._contract import ContractClient, Sender, TxOptions, TxResult, require
from quiltkit._types import ZERO_ADDRESS, Address, checksum, role_id
from quiltkit.exceptions import QuiltkitError
from quiltkit.governance_token_errors import ERRORS as TOKEN_ERRORS
from quiltkit.governor_errors import ERRORS as GOVERNOR_ERRORS
from quiltkit.governor_events import EVENTS as GOVERNOR_EVENTS
from quiltkit.timelock_errors import ERRORS as TIMELOCK_ERRORS

__all__ = [
    "Call",
    "DEFAULT_CAP",
    "EmergencyCall",
    "GovernanceToken",
    "Governor",
    "GovernorConfig",
    "Proposal",
    "ProposalLogNotFound",
    "ProposalRules",
    "ProposalState",
    "ProposalTally",
    "ProposalType",
    "Support",
    "TestGovernanceBadge",
    "Timelock",
    "call",
]

DEFAULT_CAP = 1_000_000_000 * 10**18
"""The token's default supply cap: one billion tokens of 18 decimals."""
RATE_BASE = 10**18
MAX_CAP = 2**96 - 1
_TYPE_TAG = "\n#quiltkit-type="
_TAG_LENGTH = len(_TYPE_TAG) + 1


class ProposalLogNotFound(QuiltkitError, LookupError):
    """The governor knows the proposal, but the node returned no log of its creation."""


class ProposalType(IntEnum):
    STANDARD = 0
    TREASURY_SPEND = 1
    FOUNDER_IDEA = 2
    HELP_REQUEST = 3
    EMERGENCY = 4


class ProposalState(IntEnum):
    PENDING = 0
    ACTIVE = 1
    CANCELED = 2
    DEFEATED = 3
    SUCCEEDED = 4
    QUEUED = 5
    EXPIRED = 6
    EXECUTED = 7


class Support(IntEnum):
    AGAINST = 0
    FOR = 1
    ABSTAIN = 2


class Call(BaseModel):
    """One call a proposal makes: target, native value, calldata."""

    model_config = ConfigDict(frozen=True)

    target: Address
    value: int = Field(default=0, ge=0)
    data: bytes = b""


def call(client: ContractClient, fn: str, *args: Any, value: int = 0) -> Call:
    """A proposal call of ``fn(*args)`` on another quiltkit client (encoded with its ABI)."""
    return Call(target=client.address, value=value, data=client._encode(fn, *args))


class Proposal(BaseModel):
    """A proposal as the governor hashes it: its calls and its full description."""

    model_config = ConfigDict(frozen=True)

    proposal_id: int
    kind: ProposalType
    calls: list[Call]
    description: str

    @property
    def description_hash(self) -> bytes:
        return keccak(text=self.description)

    def arrays(self) -> tuple[list[str], list[int], list[bytes]]:
        return [c.target for c in self.calls], [c.value for c in self.calls], [c.data for c in self.calls]


class ProposalRules(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: ProposalType
    quorum_bps: int
    execution_delay: int
    badge: str | None


class ProposalTally(BaseModel):
    """Counted votes (square roots for FOUNDER_IDEA), quorum progress and timing of one proposal."""

    model_config = ConfigDict(frozen=True)

    proposal_id: int
    state: ProposalState
    against: int
    for_: int
    abstain: int
    quorum_counted: int
    quorum_required: int
    snapshot: int
    deadline: int
    eta: int


class EmergencyCall(BaseModel):
    model_config = ConfigDict(frozen=True)

    target: Address
    selector: bytes = Field(min_length=4, max_length=4)


class GovernorConfig(BaseModel):
    """Construction parameters of the governor (seconds and basis points)."""

    model_config = ConfigDict(frozen=True)

    voting_delay: int = Field(default=86_400, ge=0, lt=2**48)
    voting_period: int = Field(default=5 * 86_400, gt=0, lt=2**32)
    proposal_threshold: int = Field(default=1_000 * 10**18, ge=0)
    quorum_percent: int = Field(default=4, ge=0, le=100)
    late_quorum_extension: int = Field(default=86_400, ge=0, lt=2**48)
    treasury_quorum_bps: int = Field(default=1_000, gt=0, le=10_000)
    emergency_quorum_bps: int = Field(default=2_000, gt=0, le=10_000)
    emergency_voting_delay: int = Field(default=1, ge=0, lt=2**48)
    emergency_voting_period: int = Field(default=86_400, gt=0, lt=2**32)
    standard_execution_delay: int = Field(default=2 * 86_400, ge=0, lt=2**32)
    badge: Address | None = None

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.voting_delay,
            self.voting_period,
            self.proposal_threshold,
            self.quorum_percent,
            self.late_quorum_extension,
            self.treasury_quorum_bps,
            self.emergency_quorum_bps,
            self.emergency_voting_delay,
            self.emergency_voting_period,
            self.standard_execution_delay,
            self.badge or ZERO_ADDRESS,
        )


def _domain(name: str, version: str, chain_id: int, contract: str) -> dict[str, Any]:
    return {"name": name, "version": version, "chainId": chain_id, "verifyingContract": contract}


def _sign(
    signer: LocalAccount, domain: dict[str, Any], types: dict[str, Any], primary: str, message: dict[str, Any]
) -> SignedMessage:
    full = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            **types,
        },
        "primaryType": primary,
        "domain": domain,
        "message": message,
    }
    return signer.sign_message(encode_typed_data(full_message=full))


class GovernanceToken(ContractClient):
    """The voting token (ERC-20, permit, ERC-5805 votes on timestamps, cap, pause, donations)."""

    artifact_name = "GovernanceToken"
    errors = TOKEN_ERRORS  # type: ignore[assignment]

    @classmethod
    def deploy(
        cls,
        w3: Web3,
        sender: Sender,
        *,
        admin: str,
        treasury: str,
        cap: int = DEFAULT_CAP,
        donation_rate: int = RATE_BASE,
        name: str = "quiltkit",
        symbol: str = "QUILT",
        **options: Unpack[TxOptions],
    ) -> GovernanceToken:
        """Deploy the implementation and an ERC-1967 proxy initialised with these settings."""
        require(0 < cap <= MAX_CAP, f"cap must be 1..2**96-1, got {cap}")
        require(donation_rate >= 0, f"donation_rate must be >= 0, got {donation_rate}")
        admin_, treasury_ = checksum(admin, "admin"), checksum(treasury, "treasury")
        implementation, _ = cls._deploy(w3, sender, **options)
        impl = cls(w3, implementation)
        init = impl._encode("initialize", name, symbol, cap, admin_, treasury_, donation_rate)
        proxy, _ = _Proxy._deploy(w3, sender, implementation, init, **options)
        return cls(w3, proxy)

    # --- reads --------------------------------------------------------------------------------
    def balance_of(self, account: str) -> int:
        return int(self._call("balanceOf", checksum(account, "account")))

    def total_supply(self) -> int:
        return int(self._call("totalSupply"))

    def cap(self) -> int:
        return int(self._call("cap"))

    def get_votes(self, account: str) -> int:
        return int(self._call("getVotes", checksum(account, "account")))

    def get_past_votes(self, account: str, timepoint: int) -> int:
        return int(self._call("getPastVotes", checksum(account, "account"), timepoint))

    def delegates(self, account: str) -> str | None:
        d = str(self._call("delegates", checksum(account, "account")))
        return None if d == ZERO_ADDRESS else d

    def donated_by(self, donor: str) -> int:
        return int(self._call("donatedBy", checksum(donor, "donor")))

    def treasury(self) -> str:
        return str(self._call("treasury"))

    def donation_rate(self) -> int:
        return int(self._call("donationRate"))

    def paused(self) -> bool:
        return bool(self._call("paused"))

    def has_role(self, role: str, account: str) -> bool:
        return bool(self._call("hasRole", role_id(role), checksum(account, "account")))

    def nonces(self, account: str) -> int:
        return int(self._call("nonces", checksum(account, "account")))

    # --- writes -------------------------------------------------------------------------------
    def transfer(self, to: str, amount: int, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        require(amount >= 0, f"amount must be >= 0, got {amount}")
        return self._transact("transfer", checksum(to, "recipient"), amount, sender=sender, **options)

    def delegate(self, delegatee: str, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("delegate", checksum(delegatee, "delegatee"), sender=sender, **options)

    def delegate_by_sig(
        self, delegatee: str, signer: LocalAccount, *, expiry: int, sender: Sender, **options: Unpack[TxOptions]
    ) -> TxResult:
        """Delegate ``signer``'s votes with an EIP-712 signature, sent (and paid for) by ``sender``."""
        delegatee_ = checksum(delegatee, "delegatee")
        nonce = self.nonces(signer.address)
        domain = _domain(str(self._call("name")), "1", self.w3.eth.chain_id, self.address)
        types = {
            "Delegation": [
                {"name": "delegatee", "type": "address"},
                {"name": "nonce", "type": "uint256"},
                {"name": "expiry", "type": "uint256"},
            ]
        }
        sig = _sign(signer, domain, types, "Delegation", {"delegatee": delegatee_, "nonce": nonce, "expiry": expiry})
        r, s = sig.r.to_bytes(32, "big"), sig.s.to_bytes(32, "big")
        return self._transact("delegateBySig", delegatee_, nonce, expiry, sig.v, r, s, sender=sender, **options)

    def mint(self, to: str, amount: int, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        require(amount > 0, f"amount must be > 0, got {amount}")
        return self._transact("mint", checksum(to, "recipient"), amount, sender=sender, **options)

    def mint_batch(
        self, recipients: Sequence[str], amounts: Sequence[int], *, sender: Sender, **options: Unpack[TxOptions]
    ) -> TxResult:
        require(len(recipients) == len(amounts), f"{len(recipients)} recipients but {len(amounts)} amounts")
        require(all(a >= 0 for a in amounts), "amounts must be >= 0")
        to = [checksum(r, "recipient") for r in recipients]
        return self._transact("mintBatch", to, list(amounts), sender=sender, **options)

    def donate(self, value: int, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        """Donate ``value`` wei: mints at the rate, forwards the value to the treasury."""
        require(value > 0, f"value must be > 0, got {value}")
        return self._transact("donate", sender=sender, value=value, **options)

    def pause(self, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("pause", sender=sender, **options)

    def unpause(self, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("unpause", sender=sender, **options)

    def grant_role(self, role: str, account: str, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("grantRole", role_id(role), checksum(account, "account"), sender=sender, **options)

    def renounce_role(self, role: str, account: str, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        """``sender`` gives up ``role`` (``account`` must be the sender: AccessControl's confirmation)."""
        return self._transact("renounceRole", role_id(role), checksum(account, "account"), sender=sender, **options)

    def set_treasury(self, treasury: str, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        """Where donations go from now on (DEFAULT_ADMIN_ROLE; in a full deployment the Timelock)."""
        return self._transact("setTreasury", checksum(treasury, "treasury"), sender=sender, **options)

    def upgrade_to(
        self, implementation: str, data: bytes = b"", *, sender: Sender, **options: Unpack[TxOptions]
    ) -> TxResult:
        return self._transact(
            "upgradeToAndCall", checksum(implementation, "implementation"), data, sender=sender, **options
        )


class _Proxy(ContractClient):
    artifact_name = "ERC1967Proxy"


class TestGovernanceBadge(ContractClient):
    """TEST-ONLY stand-in for the FOUNDER_IDEA badge gate (contracts/testing/TestGovernanceBadge):
    anyone assigns any identity, so it gates nothing real. For local networks, tests and demos;
    the soulbound badge contract of the badges issue implements the same ``IGovernanceBadge``."""

    __test__ = False  # not a pytest class
    artifact_name = "TestGovernanceBadge"

    @classmethod
    def deploy(cls, w3: Web3, sender: Sender, **options: Unpack[TxOptions]) -> TestGovernanceBadge:
        address, _ = cls._deploy(w3, sender, **options)
        return cls(w3, address)

    def identity_of(self, account: str) -> int:
        return int(self._call("identityOf", checksum(account, "account")))

    def set_identity(self, account: str, identity: int, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        require(identity >= 0, f"identity must be >= 0, got {identity}", field="identity")
        return self._transact("setIdentity", checksum(account, "account"), identity, sender=sender, **options)


class Timelock(ContractClient):
    """The TimelockController that executes passed proposals and keeps the EMERGENCY allow-list."""

    artifact_name = "QuiltkitTimelock"
    errors = TIMELOCK_ERRORS  # type: ignore[assignment]

    @classmethod
    def deploy(
        cls,
        w3: Web3,
        sender: Sender,
        *,
        min_delay: int,
        admin: str | None,
        proposers: Sequence[str] = (),
        executors: Sequence[str] = (),
        emergency_calls: Sequence[EmergencyCall] = (),
        **options: Unpack[TxOptions],
    ) -> Timelock:
        require(min_delay >= 0, f"min_delay must be >= 0, got {min_delay}")
        address, _ = cls._deploy(
            w3,
            sender,
            min_delay,
            [checksum(p, "proposer") for p in proposers],
            [checksum(e, "executor") for e in executors],
            checksum(admin, "admin") if admin else ZERO_ADDRESS,
            [(c.target, c.selector) for c in emergency_calls],
            **options,
        )
        return cls(w3, address)

    def min_delay(self) -> int:
        return int(self._call("getMinDelay"))

    def is_emergency_call(self, target: str, selector: bytes) -> bool:
        require(len(selector) == 4, "selector must be 4 bytes")
        return bool(self._call("isEmergencyCall", checksum(target, "target"), selector))

    def has_role(self, role: str, account: str) -> bool:
        return bool(self._call("hasRole", role_id(role), checksum(account, "account")))

    def grant_role(self, role: str, account: str, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("grantRole", role_id(role), checksum(account, "account"), sender=sender, **options)

    def renounce_role(self, role: str, account: str, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("renounceRole", role_id(role), checksum(account, "account"), sender=sender, **options)


class Governor(ContractClient):
    """QuiltkitGovernor: OpenZeppelin Governor with typed proposals."""

    artifact_name = "QuiltkitGovernor"
    errors = GOVERNOR_ERRORS  # type: ignore[assignment]
    event_types = GOVERNOR_EVENTS  # type: ignore[assignment]

    @classmethod
    def deploy(
        cls,
        w3: Web3,
        sender: Sender,
        *,
        token: str,
        timelock: str,
        config: GovernorConfig | None = None,
        **options: Unpack[TxOptions],
    ) -> Governor:
        cfg = config or GovernorConfig()
        address, _ = cls._deploy(
            w3, sender, checksum(token, "token"), checksum(timelock, "timelock"), cfg.as_tuple(), **options
        )
        return cls(w3, address)

    # --- reads --------------------------------------------------------------------------------
    def type_tag(self, kind: ProposalType) -> str:
        return "" if kind == ProposalType.STANDARD else f"{_TYPE_TAG}{int(kind)}"

    def state(self, proposal_id: int) -> ProposalState:
        return ProposalState(int(self._call("state", proposal_id)))

    def has_voted(self, proposal_id: int, account: str) -> bool:
        return bool(self._call("hasVoted", proposal_id, checksum(account, "account")))

    def rules(self, proposal_id: int) -> ProposalRules:
        kind, quorum_bps, delay, badge = self._call("proposalRules", proposal_id)
        return ProposalRules(
            kind=ProposalType(kind),
            quorum_bps=quorum_bps,
            execution_delay=delay,
            badge=None if badge == ZERO_ADDRESS else badge,
        )

    def tally(self, proposal_id: int) -> ProposalTally:
        """State, counted votes, quorum progress and timing, read at one block."""
        state, votes, quorum, snapshot, deadline, eta = self._call_state(proposal_id)
        return ProposalTally(
            proposal_id=proposal_id,
            state=ProposalState(state),
            against=votes[0],
            for_=votes[1],
            abstain=votes[2],
            quorum_counted=quorum[0],
            quorum_required=quorum[1],
            snapshot=snapshot,
            deadline=deadline,
            eta=eta,
        )

    def _call_state(self, proposal_id: int) -> tuple[int, list[int], list[int], int, int, int]:
        return (
            int(self._call("state", proposal_id)),
            [int(v) for v in self._call("proposalVotes", proposal_id)],
            [int(v) for v in self._call("proposalQuorum", proposal_id)],
            int(self._call("proposalSnapshot", proposal_id)),
            int(self._call("proposalDeadline", proposal_id)),
            int(self._call("proposalEta", proposal_id)),
        )

    def proposal_id(self, calls: Sequence[Call], description: str) -> int:
        """Id of a proposal with these calls and this full description (type tag included)."""
        targets, values, datas = [c.target for c in calls], [c.value for c in calls], [c.data for c in calls]
        return int(self._call("hashProposal", targets, values, datas, keccak(text=description)))

    def nonces(self, account: str) -> int:
        return int(self._call("nonces", checksum(account, "account")))

    def find_proposal(self, proposal_id: int, *, from_block: int = 0) -> Proposal:
        """Proposal ``proposal_id`` rebuilt from its ``ProposalCreated`` log (calls and the full
        description, type tag included) and its rules, ready for queue / execute / cancel.

        Raises GovernorNonexistentProposal (a LookupError) for an unknown id, and
        ProposalLogNotFound when the node has no log from ``from_block`` on (pruned history).
        """
        self.state(proposal_id)  # an unknown id raises its named error here
        kind = self.rules(proposal_id).kind
        for log in self.contract.events.ProposalCreated().get_logs(from_block=from_block):
            args = log["args"]
            if int(args["proposalId"]) != proposal_id:
                continue
            calls = [
                Call(target=t, value=int(v), data=bytes(d))
                for t, v, d in zip(args["targets"], args["values"], args["calldatas"], strict=True)
            ]
            return Proposal(proposal_id=proposal_id, kind=kind, calls=calls, description=str(args["description"]))
        raise ProposalLogNotFound(
            f"no ProposalCreated log of proposal {proposal_id} from block {from_block} on "
            "(a node that prunes logs needs an earlier --from-block, or an archive node)"
        )

    # --- lifecycle ----------------------------------------------------------------------------
    def propose(
        self,
        calls: Sequence[Call],
        description: str,
        *,
        kind: ProposalType = ProposalType.STANDARD,
        sender: Sender,
        **options: Unpack[TxOptions],
    ) -> tuple[Proposal, TxResult]:
        """Propose ``calls`` as ``kind`` (plain ``propose`` for STANDARD)."""
        require(len(calls) > 0, "a proposal needs at least one call")
        require(
            description[-_TAG_LENGTH:-1] != _TYPE_TAG, "the description may not end in a type tag (#quiltkit-type=N)"
        )
        targets, values, datas = [c.target for c in calls], [c.value for c in calls], [c.data for c in calls]
        if kind == ProposalType.STANDARD:
            result = self._transact("propose", targets, values, datas, description, sender=sender, **options)
        else:
            result = self._transact(
                "proposeTyped", int(kind), targets, values, datas, description, sender=sender, **options
            )
        full = description + self.type_tag(kind)
        proposal_id = int(result.event("ProposalCreated").args["proposalId"])
        return Proposal(proposal_id=proposal_id, kind=kind, calls=list(calls), description=full), result

    def cast_vote(
        self,
        proposal_id: int,
        support: Support,
        *,
        reason: str | None = None,
        sender: Sender,
        **options: Unpack[TxOptions],
    ) -> TxResult:
        if reason is None:
            return self._transact("castVote", proposal_id, int(support), sender=sender, **options)
        return self._transact("castVoteWithReason", proposal_id, int(support), reason, sender=sender, **options)

    def cast_vote_by_sig(
        self, proposal_id: int, support: Support, signer: LocalAccount, *, sender: Sender, **options: Unpack[TxOptions]
    ) -> TxResult:
        """A vote signed by ``signer`` (EIP-712 Ballot), sent and paid for by ``sender``."""
        nonce = self.nonces(signer.address)
        domain = _domain(str(self._call("name")), str(self._call("version")), self.w3.eth.chain_id, self.address)
        types = {
            "Ballot": [
                {"name": "proposalId", "type": "uint256"},
                {"name": "support", "type": "uint8"},
                {"name": "voter", "type": "address"},
                {"name": "nonce", "type": "uint256"},
            ]
        }
        message = {"proposalId": proposal_id, "support": int(support), "voter": signer.address, "nonce": nonce}
        sig = _sign(signer, domain, types, "Ballot", message)
        signature = sig.r.to_bytes(32, "big") + sig.s.to_bytes(32, "big") + bytes([sig.v])
        return self._transact(
            "castVoteBySig", proposal_id, int(support), signer.address, signature, sender=sender, **options
        )

    def queue(self, proposal: Proposal, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("queue", *proposal.arrays(), proposal.description_hash, sender=sender, **options)

    def execute(self, proposal: Proposal, *, sender: Sender, value: int = 0, **options: Unpack[TxOptions]) -> TxResult:
        """Execute a queued proposal through the timelock. The calls' native values come out of
        the Timelock's balance (the DAO's treasury: donations, fees); ``value`` wei sent along by
        ``sender`` joins that balance first (e.g. an executor who funds the payment)."""
        require(value >= 0, f"value must be >= 0, got {value}", field="value")
        return self._transact(
            "execute", *proposal.arrays(), proposal.description_hash, sender=sender, value=value, **options
        )

    def cancel(self, proposal: Proposal, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("cancel", *proposal.arrays(), proposal.description_hash, sender=sender, **options)
