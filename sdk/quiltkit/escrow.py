"""Typed client for MilestoneEscrow: bounties and milestone payments with attested releases."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from enum import IntEnum
from typing import Any, Unpack

from eth_abi.abi import encode as abi_encode
from eth_utils.crypto import keccak
from pydantic import ConfigDict, Field, field_validator, model_validator
from web3 import Web3

from quiltkit import escrow_errors as errors
from quiltkit._contract import ContractClient, Sender, TxOptions, TxResult, require, sender_address
from quiltkit._model import Model
from quiltkit._types import ZERO_ADDRESS, Address, Bytes32, checksum, role_id
from quiltkit.escrow_errors import ERRORS
from quiltkit.escrow_events import EVENTS
from quiltkit.exceptions import InsufficientAllowance, InsufficientBalance, InvalidAddress, InvalidInput
from quiltkit.intents import DOMAIN_NAME, EvmDomain, PayoutIntent, VerifierSignature
from quiltkit.tokens import Token

__all__ = [
    "BPS",
    "CreatedEscrow",
    "DEFAULT_DISPUTE_WINDOW",
    "Escrow",
    "EscrowInfo",
    "EscrowTerms",
    "FunderAccount",
    "IntentState",
    "IntentStatus",
    "MAX_FEE_BPS",
    "MAX_DISPUTE_WINDOW",
    "MAX_MILESTONES",
    "MIN_DISPUTE_WINDOW",
    "Milestone",
    "MilestoneState",
    "RegisteredVerifierSet",
    "verifier_set_hash",
    "verifier_set_id",
]

BPS = 10_000
MAX_FEE_BPS = 1_000
MAX_MILESTONES = 16
MAX_VERIFIERS = 32
UINT96_MAX = 2**96 - 1
MIN_DISPUTE_WINDOW = 86_400
"""Shortest dispute window (seconds) the contract accepts for an escrow with an arbiter."""
MAX_DISPUTE_WINDOW = 365 * 86_400
"""Longest dispute window (seconds) the contract accepts."""
DEFAULT_DISPUTE_WINDOW = 14 * 86_400
"""The window :class:`EscrowTerms` uses when it names an arbiter but no window."""
ETH = ZERO_ADDRESS
"""The token address that means native ETH."""


class MilestoneState(IntEnum):
    """Where one milestone is in its life; the contract's ``MilestoneState`` enum, same numbers.

    ``PENDING``: not paid yet (funded or not); ``RELEASED``: paid to the payee (by the payer or an
    intent); ``DISPUTED``: frozen by payer or payee until the arbiter resolves it; ``RESOLVED``:
    split by the arbiter; ``REFUNDED``: returned to the funders once refunds opened.
    """

    PENDING = 0
    RELEASED = 1
    DISPUTED = 2
    RESOLVED = 3
    REFUNDED = 4


class IntentStatus(IntEnum):
    """What one intent can still do, read from its milestone; the contract's ``IntentStatus``.

    ``PAYABLE``: its milestone is Pending (it pays once funded); ``PAID``: this intent's id
    released it; ``CLOSED``: the milestone left Pending otherwise (released by the payer or by
    another intent, disputed, resolved, refunded, cancelled).
    """

    PAYABLE = 0
    PAID = 1
    CLOSED = 2


class IntentState(Model):
    """:meth:`Escrow.intent_status`'s answer: the intent's status and its milestone's state."""

    model_config = ConfigDict(frozen=True)

    status: IntentStatus
    milestone_state: MilestoneState

    @property
    def reason(self) -> str:
        """Why a CLOSED intent is closed, in words (empty otherwise)."""
        if self.status is not IntentStatus.CLOSED:
            return ""
        return {
            MilestoneState.RELEASED: "its milestone was released by the payer or by another intent",
            MilestoneState.DISPUTED: "its milestone is disputed",
            MilestoneState.RESOLVED: "its milestone was resolved by a dispute",
            MilestoneState.REFUNDED: "its milestone was refunded (refunds opened or the bounty cancelled)",
        }[self.milestone_state]


class Milestone(Model):
    """One milestone of an escrow: its position, amount (token units), state and whether the
    escrow's funding covers it (milestones are covered in order, so ``funded`` is a prefix)."""

    model_config = ConfigDict(frozen=True)

    index: int
    amount: int
    state: MilestoneState
    funded: bool


class EscrowInfo(Model):
    """State of one escrow, as ``getEscrow`` returns it."""

    model_config = ConfigDict(frozen=True)

    escrow_id: int
    payer: str
    token: str
    payee: str | None
    arbiter: str | None
    deadline: int
    fee_bps: int
    threshold: int
    dispute_window: int
    default_payee_bps: int
    cancelled: bool
    refunds_opened: bool
    funded: int
    held: int
    refund_pool: int
    funded_milestones: int
    verifier_set_id: int
    """The registered verifier set the escrow references (0: no verifiers)."""
    verifiers_hash: str
    milestones: list[Milestone]

    @property
    def total(self) -> int:
        return sum(m.amount for m in self.milestones)

    @property
    def is_eth(self) -> bool:
        return self.token == ETH


class FunderAccount(Model):
    """What one funder put into an escrow (``share``, token units credited) and how much of their
    refund they have claimed (``claimed``)."""

    model_config = ConfigDict(frozen=True)

    share: int
    claimed: int


class EscrowTerms(Model):
    """What a payer fixes when opening an escrow (validated before anything is sent).

    Bad terms raise :class:`~quiltkit.exceptions.InvalidInput` naming the field (``amounts[0]``,
    ``threshold``), :class:`~quiltkit.exceptions.InvalidAddress` for an address field.
    """

    model_config = ConfigDict(frozen=True)

    token: Address = ETH
    amounts: list[int] = Field(min_length=1, max_length=MAX_MILESTONES)
    deadline: int = Field(gt=0, lt=2**40)
    payee: Address | None = None
    arbiter: Address | None = None
    dispute_window: int | None = Field(default=None, ge=0, le=MAX_DISPUTE_WINDOW)
    """Seconds the arbiter has to rule; after it anyone may close the dispute with
    ``default_payee_bps``. Defaults to :data:`DEFAULT_DISPUTE_WINDOW` when there is an arbiter."""
    default_payee_bps: int = Field(default=0, ge=0, le=BPS)
    """Share of a disputed milestone the payee gets when the arbiter lets the window pass (0: all
    back to the funders)."""
    verifiers: list[Address] = Field(default_factory=list, max_length=MAX_VERIFIERS)
    """The verifier set inline (registered on the way if new; :meth:`Escrow.create` sends a set
    already registered by its id instead). Leave empty when giving ``verifier_set_id``."""
    threshold: int = Field(default=0, ge=0, le=255)
    verifier_set_id: int = Field(default=0, ge=0, le=UINT96_MAX)
    """A registered set (:meth:`Escrow.register_verifier_set`, :func:`verifier_set_id`) in place of
    ``verifiers`` and ``threshold``."""
    metadata_hash: Bytes32 = "0x" + "00" * 32

    @field_validator("amounts")
    @classmethod
    def _amounts(cls, amounts: list[int]) -> list[int]:
        for i, amount in enumerate(amounts):
            if amount <= 0:
                raise InvalidInput(
                    f"amounts[{i}]: milestone {i} amount must be > 0, got {amount}", field=f"amounts[{i}]"
                )
        if sum(amounts) > UINT96_MAX:
            raise InvalidInput(
                f"amounts: milestone total {sum(amounts)} exceeds the uint96 limit {UINT96_MAX}", field="amounts"
            )
        return amounts

    @field_validator("verifiers")
    @classmethod
    def _verifiers(cls, verifiers: list[str]) -> list[str]:
        if len(set(verifiers)) != len(verifiers):
            raise InvalidInput("verifiers must be distinct", field="verifiers")
        if ZERO_ADDRESS in verifiers:
            i = verifiers.index(ZERO_ADDRESS)
            raise InvalidAddress(f"verifiers[{i}]: a verifier cannot be the zero address", field=f"verifiers[{i}]")
        return verifiers

    @model_validator(mode="after")
    def _check(self) -> EscrowTerms:
        n = len(self.verifiers)
        if self.verifier_set_id and (self.verifiers or self.threshold):
            raise InvalidInput("give verifiers and threshold, or verifier_set_id, not both", field="verifier_set_id")
        if self.verifiers and not 1 <= self.threshold <= n:
            raise InvalidInput(f"threshold must be 1..{n} for {n} verifiers", field="threshold")
        if not self.verifiers and self.threshold != 0:
            raise InvalidInput("threshold must be 0 when there are no verifiers", field="threshold")
        if self.arbiter is None:
            if self.dispute_window:
                raise InvalidInput("dispute_window needs an arbiter", field="dispute_window")
        elif self.dispute_window is not None and not MIN_DISPUTE_WINDOW <= self.dispute_window <= MAX_DISPUTE_WINDOW:
            raise InvalidInput(
                f"dispute_window must be {MIN_DISPUTE_WINDOW}..{MAX_DISPUTE_WINDOW} s, got {self.dispute_window}",
                field="dispute_window",
            )
        return self

    @property
    def effective_dispute_window(self) -> int:
        """The window sent to the contract: 0 without an arbiter, else the given or default one."""
        if self.arbiter is None:
            return 0
        return DEFAULT_DISPUTE_WINDOW if self.dispute_window is None else self.dispute_window

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.token,
            self.payee or ZERO_ADDRESS,
            self.arbiter or ZERO_ADDRESS,
            self.effective_dispute_window,
            self.default_payee_bps if self.arbiter else 0,
            list(self.verifiers),
            self.threshold,
            self.verifier_set_id,
            self.deadline,
            list(self.amounts),
            bytes.fromhex(self.metadata_hash[2:]),
        )


class CreatedEscrow(Model):
    """What :meth:`Escrow.create` returns: the new escrow's id and the mined transaction (its
    ``EscrowCreated`` event, and ``EscrowFunded`` when it was funded in the same call)."""

    model_config = ConfigDict(frozen=True)

    escrow_id: int
    tx: TxResult


class RegisteredVerifierSet(Model):
    """What :meth:`Escrow.register_verifier_set` returns: the set's id and the transaction
    (``None`` when the set was registered already: nothing was sent)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    set_id: int
    tx: TxResult | None


def verifier_set_id(verifiers: Sequence[str], threshold: int) -> int:
    """The id the contract registers ``verifiers`` with ``threshold`` under (SignatureQuorum.setIdOf):
    the top 88 bits of keccak256(abi.encode(commitment, threshold)) above the threshold byte."""
    commitment = bytes.fromhex(verifier_set_hash(verifiers)[2:])
    digest = int.from_bytes(keccak(abi_encode(["bytes32", "uint256"], [commitment, threshold])), "big")
    return ((digest >> 168) << 8) | (threshold & 0xFF)


def verifier_set_hash(verifiers: Sequence[str]) -> str:
    """The commitment the contract stores for a verifier set: keccak256(abi.encode(address[]))."""
    return _verifier_set_hash(tuple(verifiers))


@functools.lru_cache(maxsize=1024)
def _verifier_set_hash(verifiers: tuple[str, ...]) -> str:
    # Cached: a relayer checks every intent against its escrow's set, and checksumming and
    # encoding the same few addresses again cost more than the rest of that check.
    return "0x" + keccak(abi_encode(["address[]"], [[checksum(v) for v in verifiers]])).hex()


def _terms(terms: EscrowTerms | dict[str, Any]) -> EscrowTerms:
    if isinstance(terms, EscrowTerms):
        return terms
    if not isinstance(terms, dict):
        raise InvalidInput(f"terms must be EscrowTerms or a dict, got {type(terms).__name__}", field="terms")
    return EscrowTerms.model_validate(terms)


def _release_args(
    intent: PayoutIntent, verifiers: Sequence[str], signatures: Sequence[VerifierSignature]
) -> tuple[tuple[Any, ...], list[str], list[tuple[int, bytes]]]:
    """``releaseWithIntent``'s arguments, as the ABI encoder takes them."""
    return intent.as_tuple(), [checksum(v) for v in verifiers], [s.as_tuple() for s in signatures]


class Escrow(ContractClient):
    """One deployed MilestoneEscrow. Reverts raise :mod:`quiltkit.escrow_errors` exceptions."""

    artifact_name = "MilestoneEscrow"
    errors = ERRORS  # type: ignore[assignment]
    event_types = EVENTS  # type: ignore[assignment]

    @classmethod
    def deploy(
        cls,
        w3: Web3,
        sender: Sender,
        *,
        admin: str,
        guardian: str,
        treasury: str,
        fee_bps: int = 0,
        **tx: Unpack[TxOptions],
    ) -> Escrow:
        """Deploy a new MilestoneEscrow from the shipped bytecode.

        ``admin`` holds ``DEFAULT_ADMIN_ROLE``: sets the fee of future escrows (``set_default_fee``,
        at most ``MAX_FEE_BPS``) and the treasury, and grants roles; in a full deployment it is the
        Timelock. ``guardian`` holds ``GUARDIAN_ROLE``: it may ``pause`` and ``unpause``, and pausing
        stops only ``create`` and ``fund`` (never releases, refunds or withdrawals). Neither role
        can move escrowed funds. ``treasury`` receives the fees.

        Raises:
            InvalidAddress: an address argument is not one (PrivateKeyAsAddress if it is a key).
            EscrowInvalidTreasury: ``treasury`` is the zero address.
            EscrowInvalidFee: ``fee_bps`` above ``MAX_FEE_BPS``.
        """
        require(_is_uint(fee_bps), f"fee_bps must be an integer >= 0, got {fee_bps!r}", field="fee_bps")
        args = (checksum(admin, "admin"), checksum(guardian, "guardian"), checksum(treasury, "treasury"))
        if args[2] == ZERO_ADDRESS:  # the constructor's own checks, in its order
            raise errors.EscrowInvalidTreasury()
        if fee_bps > MAX_FEE_BPS:
            raise errors.EscrowInvalidFee(fee_bps, MAX_FEE_BPS)
        address, _ = cls._deploy(w3, sender, *args, fee_bps, **tx)
        return cls._deployed(w3, address)

    def _identify(self) -> str | None:
        """A MilestoneEscrow says so in its EIP-712 domain (ERC-5267 ``eip712Domain``)."""
        _fields, name, version, *_ = self._call("eip712Domain")
        if name != DOMAIN_NAME:
            return f"its EIP-712 domain is {name!r} version {version!r}, not {DOMAIN_NAME!r}"
        return None

    def domain(self) -> EvmDomain:
        """The EIP-712 domain verifiers sign intents under."""
        return EvmDomain(chain_id=self.w3.eth.chain_id, verifying_contract=self.address)

    # --- reads --------------------------------------------------------------------------------

    def get_escrow(self, escrow_id: int) -> EscrowInfo:
        return _escrow_info(escrow_id, self._call("getEscrow", escrow_id))

    def intent_status(self, intent: PayoutIntent) -> IntentState:
        """What ``intent`` can still do, from its milestone (``intentStatus``): PAYABLE, PAID (this
        intent's id released the milestone) or CLOSED (left Pending otherwise; see ``reason``).

        Raises :class:`~quiltkit.escrow_errors.EscrowNotFound` or
        :class:`~quiltkit.escrow_errors.EscrowInvalidMilestone`.
        """
        return _intent_state(self._call("intentStatus", intent.as_tuple()))

    def intent_and_escrow(self, intent: PayoutIntent) -> tuple[IntentState, EscrowInfo]:
        """``intent``'s status and its escrow, read in one ``eth_call``.

        What a relayer checks before accepting an intent, at one block and in one round trip.
        Raises :class:`~quiltkit.escrow_errors.EscrowNotFound` if there is no such escrow,
        :class:`~quiltkit.escrow_errors.EscrowInvalidMilestone` if it has no such milestone.
        """
        status, escrow = self._call_many(("intentStatus", (intent.as_tuple(),)), ("getEscrow", (intent.escrow_id,)))
        return _intent_state(status), _escrow_info(intent.escrow_id, escrow)

    def intents_and_escrows(
        self, intents: Sequence[PayoutIntent], escrow_ids: Sequence[int]
    ) -> tuple[list[IntentState], dict[int, EscrowInfo]]:
        """Each of ``intents``' status, and each escrow of ``escrow_ids``: one ``eth_call``.

        What a relayer re-reads just before it signs a batch. Raises
        :class:`~quiltkit.escrow_errors.EscrowNotFound` if one of the escrows does not exist.
        """
        calls: list[tuple[str, tuple[Any, ...]]] = [("intentStatus", (i.as_tuple(),)) for i in intents]
        calls += [("getEscrow", (e,)) for e in escrow_ids]
        results = self._call_many(*calls)
        states = [_intent_state(r) for r in results[: len(intents)]]
        infos = {e: _escrow_info(e, v) for e, v in zip(escrow_ids, results[len(intents) :], strict=True)}
        return states, infos

    def verifier_set_commitment(self, set_id: int) -> str:
        """The commitment registered under ``set_id`` (all zeros: not registered)."""
        return "0x" + bytes(self._call("verifierSetCommitment", set_id)).hex()

    def escrows_at(self, escrow_ids: Sequence[int], block: int | str = "latest") -> dict[int, EscrowInfo]:
        """Escrows ``escrow_ids`` as ``getEscrow`` returns them at ``block`` (one ``eth_call``)."""
        results = self._call_many(*[("getEscrow", (e,)) for e in escrow_ids], block=block)
        return {e: _escrow_info(e, v) for e, v in zip(escrow_ids, results, strict=True)}

    def funder_accounts_at(
        self, pairs: Sequence[tuple[int, str]], block: int | str = "latest"
    ) -> dict[tuple[int, str], FunderAccount]:
        """``funderAccount(escrow, funder)`` for each pair at ``block`` (one ``eth_call``)."""
        calls = [("funderAccount", (e, checksum(f, "funder"))) for e, f in pairs]
        results = self._call_many(*calls, block=block)
        return {p: FunderAccount(share=r[0], claimed=r[1]) for p, r in zip(pairs, results, strict=True)}

    def funder_account(self, escrow_id: int, funder: str) -> FunderAccount:
        share, claimed = self._call("funderAccount", escrow_id, checksum(funder, "funder"))
        return FunderAccount(share=share, claimed=claimed)

    def claimable_refund(self, escrow_id: int, funder: str) -> int:
        return int(self._call("claimableRefund", escrow_id, checksum(funder, "funder")))

    def credit_of(self, token: str, account: str) -> int:
        return int(self._call("creditOf", checksum(token, "token"), checksum(account, "account")))

    def has_role(self, role: str, account: str) -> bool:
        return bool(self._call("hasRole", role_id(role), checksum(account, "account")))

    def escrow_count(self) -> int:
        return int(self._call("escrowCount"))

    def default_fee_bps(self) -> int:
        return int(self._call("defaultFeeBps"))

    def treasury(self) -> str:
        return str(self._call("treasury"))

    def paused(self) -> bool:
        return bool(self._call("paused"))

    def hash_intent(self, intent: PayoutIntent) -> bytes:
        """The contract's EIP-712 digest of ``intent`` (equals :func:`quiltkit.intents.intent_digest`)."""
        return bytes(self._call("hashIntent", intent.as_tuple()))

    # --- writes -------------------------------------------------------------------------------

    def register_verifier_set(
        self, verifiers: Sequence[str], threshold: int, *, sender: Sender, **tx: Unpack[TxOptions]
    ) -> RegisteredVerifierSet:
        """Register a verifier set once, for escrows to reference by id (anyone may register it).

        Idempotent: the id is a function of the set (:func:`verifier_set_id`); a set registered
        already is not sent again (``tx`` is ``None``).

        Raises:
            InvalidAddress: a verifier is not an address.
            EscrowInvalidVerifierSet: empty, more than MAX_VERIFIERS, a zero address, or a
            threshold outside 1..len(verifiers); EscrowDuplicateVerifier (all checked before sending).
        """
        members = [checksum(v, f"verifiers[{i}]") for i, v in enumerate(verifiers)]
        require(_is_uint(threshold), f"threshold must be an integer >= 0, got {threshold!r}", field="threshold")
        data = self._encode("registerVerifierSet", members, threshold)
        n = len(members)
        if n == 0 or n > MAX_VERIFIERS or not 1 <= threshold <= n or ZERO_ADDRESS in members:
            self._refuse(errors.EscrowInvalidVerifierSet(n, threshold), data, sender=sender)
        for i, v in enumerate(members):
            if v in members[i + 1 :]:
                self._refuse(errors.EscrowDuplicateVerifier(v), data, sender=sender)
        set_id = verifier_set_id(members, threshold)
        if self.verifier_set_commitment(set_id) == verifier_set_hash(members):
            return RegisteredVerifierSet(set_id=set_id, tx=None)
        return RegisteredVerifierSet(set_id=set_id, tx=self._transact_data(data, sender=sender, **tx))

    def create(
        self,
        terms: EscrowTerms | dict[str, Any],
        *,
        sender: Sender,
        initial_funding: int = 0,
        approve: bool = False,
        **tx: Unpack[TxOptions],
    ) -> CreatedEscrow:
        """Open an escrow with ``sender`` as payer, optionally funding it in the same transaction.

        With ``approve=True`` an ERC-20 allowance short of ``initial_funding`` is approved first
        (a transaction of its own).

        Raises:
            InvalidInput / InvalidAddress: bad ``terms`` (naming the field), a negative funding or
            one above the milestone total.
            EscrowDeadlineInPast: the deadline is not after the latest block's time.
            InsufficientBalance / InsufficientAllowance: the sender cannot fund it.
            EnforcedPause and any other ``EscrowRevert`` the contract raises (simulated first:
            nothing is sent).
        """
        t = _terms(terms)
        if t.verifier_set_id:
            if self.verifier_set_commitment(t.verifier_set_id) == "0x" + "00" * 32:
                data = self._encode("create", t.as_tuple(), initial_funding)
                self._refuse(errors.EscrowUnknownVerifierSet(t.verifier_set_id), data, sender=sender)
        elif t.verifiers:
            # A set registered already is referenced by id: the escrow then skips validating and
            # hashing it again (the same escrow, cheaper to create).
            known = verifier_set_id(t.verifiers, t.threshold)
            if self.verifier_set_commitment(known) == verifier_set_hash(t.verifiers):
                t = t.model_copy(update={"verifiers": [], "threshold": 0, "verifier_set_id": known})
        data = self._encode("create", t.as_tuple(), initial_funding)  # InvalidInput for a bad initialFunding
        require(  # the contract would take only the total; asking for more is a caller's mistake
            initial_funding <= sum(t.amounts),
            f"initial_funding {initial_funding} exceeds the milestone total {sum(t.amounts)}",
            field="initial_funding",
        )
        eth_value = initial_funding if t.token == ETH else 0
        now = self._now()
        if t.deadline <= now:
            self._refuse(errors.EscrowDeadlineInPast(t.deadline, now), data, sender=sender, value=eth_value)
        value = self._prepare_funding(t.token, initial_funding, sender, approve, tx)
        result = self._transact_data(data, sender=sender, value=value, **tx)
        return CreatedEscrow(escrow_id=result.event("EscrowCreated").args["escrowId"], tx=result)

    def fund(
        self, escrow_id: int, amount: int, *, sender: Sender, approve: bool = False, **tx: Unpack[TxOptions]
    ) -> TxResult:
        """Add up to ``amount`` to escrow ``escrow_id`` (anyone may fund, up to the total).

        The contract takes at most what remains when the transaction runs (a funder who was
        beaten to the last units keeps the rest: not pulled, or sent back for ETH); the
        ``EscrowFunded`` event in the result says how much it took.

        Raises:
            EscrowNotFound: no such escrow.
            EscrowZeroFunding: ``amount`` is 0 (InvalidInput if negative).
            EscrowFullyFunded: nothing remains to fund now.
            InsufficientBalance / InsufficientAllowance: the sender cannot fund it.
            EscrowFundingClosed, EnforcedPause and any other ``EscrowRevert`` (simulated first).
        """
        data = self._encode("fund", escrow_id, amount)  # InvalidInput for a negative or non-integer amount
        info = self.get_escrow(escrow_id)
        value = amount if info.is_eth else 0
        if amount == 0:
            self._refuse(errors.EscrowZeroFunding(), data, sender=sender, value=value)
        remaining = info.total - info.funded
        if remaining == 0:
            self._refuse(errors.EscrowFullyFunded(escrow_id), data, sender=sender, value=value)
        # Never ask for (or approve) more than can be taken now; the contract caps again at send.
        amount = min(amount, remaining)
        data = self._encode("fund", escrow_id, amount)
        value = self._prepare_funding(info.token, amount, sender, approve, tx)
        return self._transact_data(data, sender=sender, value=value, **tx)

    def assign_payee(self, escrow_id: int, payee: str, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        """Name the payee of an open bounty (payer only)."""
        return self._transact("assignPayee", escrow_id, checksum(payee, "payee"), sender=sender, **tx)

    def release(self, escrow_id: int, milestone: int, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        """Pay a funded milestone to the payee (payer only).

        Raises:
            EscrowNotFound, EscrowNotPayer (a PermissionError), EscrowPayeeNotSet,
            EscrowInvalidMilestone, EscrowMilestoneNotPending, EscrowMilestoneNotFunded.
        """
        data = self._encode("release", escrow_id, milestone)
        self._check_milestone(escrow_id, milestone, data, sender)
        return self._transact_data(data, sender=sender, **tx)

    def release_with_intent(
        self,
        intent: PayoutIntent,
        verifiers: Sequence[str],
        signatures: Sequence[VerifierSignature],
        *,
        sender: Sender,
        **tx: Unpack[TxOptions],
    ) -> TxResult:
        """Submit a verifier-signed intent; anyone may send it (typically the relayer).

        Raises:
            EscrowNotFound, EscrowAttestationDisabled (the escrow has no verifiers),
            EscrowIntentExpired,
            EscrowVerifierSetMismatch: ``verifiers`` is not the escrow's set (checked before sending),
            EscrowIntentTokenMismatch, EscrowInvalidMilestone (checked before sending),
            EscrowMilestoneNotPending: the milestone was paid (by this intent or another) or closed
            otherwise, the replay guard; EscrowMilestoneNotFunded, EscrowIntentAmountMismatch,
            EscrowIntentPayeeMismatch,
            EscrowInsufficientSignatures: fewer signatures than the threshold (checked before sending),
            EscrowSignersNotAscending, EscrowUnknownVerifier, EscrowInvalidSignature.
        """
        data = self._encode("releaseWithIntent", *_release_args(intent, verifiers, signatures))
        info = self._check_milestone(intent.escrow_id, intent.milestone, data, sender)
        if verifier_set_hash(verifiers) != info.verifiers_hash:
            self._refuse(errors.EscrowVerifierSetMismatch(intent.escrow_id), data, sender=sender)
        if len(signatures) < info.threshold:
            self._refuse(errors.EscrowInsufficientSignatures(len(signatures), info.threshold), data, sender=sender)
        return self._transact_data(data, sender=sender, **tx)

    def release_with_intents(
        self,
        batch: Sequence[tuple[PayoutIntent, Sequence[str], Sequence[VerifierSignature]]],
        *,
        sender: Sender,
        **tx: Unpack[TxOptions],
    ) -> TxResult:
        """Submit several signed intents in one transaction; all or none succeed.

        Each entry is ``(intent, verifiers, signatures)``. One entry goes out as
        ``releaseWithIntent``; entries that share a verifier set go in one ``releaseWithIntents``
        call (the set is sent and hashed once); several sets become a ``multicall`` of such calls.
        Simulate first (the whole batch reverts with the first failing intent's error), so callers
        can drop the failing intent and retry.

        Raises what :meth:`release_with_intent` raises, for the first failing intent;
        EscrowBatchMismatch for an empty batch.
        """
        return self._transact_data(self._batch_data(batch, check=False), sender=sender, **tx)

    def release_with_intents_data(
        self, batch: Sequence[tuple[PayoutIntent, Sequence[str], Sequence[VerifierSignature]]]
    ) -> bytes:
        """The calldata :meth:`release_with_intents` sends (for callers that sign transactions themselves).

        Raises EscrowBatchMismatch for an empty batch, InvalidInput for an intent without signatures.
        """
        return self._batch_data(batch, check=True)

    def _batch_data(
        self, batch: Sequence[tuple[PayoutIntent, Sequence[str], Sequence[VerifierSignature]]], *, check: bool
    ) -> bytes:
        if not batch:
            raise errors.EscrowBatchMismatch(0, 0)  # what releaseWithIntents says for no intents
        if len(batch) == 1:
            intent, verifiers, signatures = batch[0]
            require(not check or len(signatures) > 0, f"intent {intent.intent_id} carries no signatures")
            return self._encode("releaseWithIntent", *_release_args(intent, verifiers, signatures))
        groups: dict[tuple[str, ...], list[tuple[PayoutIntent, Sequence[VerifierSignature]]]] = {}
        for intent, verifiers, signatures in batch:
            require(not check or len(signatures) > 0, f"intent {intent.intent_id} carries no signatures")
            groups.setdefault(tuple(checksum(v) for v in verifiers), []).append((intent, signatures))
        calls = [
            self._encode(
                "releaseWithIntents",
                list(verifiers),
                [intent.as_tuple() for intent, _ in entries],
                [[s.as_tuple() for s in signatures] for _, signatures in entries],
            )
            for verifiers, entries in groups.items()
        ]
        if len(calls) == 1:
            return calls[0]
        return self._encode("multicall", calls)

    def dispute(self, escrow_id: int, milestone: int, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        """Freeze a funded milestone for the arbiter (payer or payee).

        Raises:
            EscrowNotFound, EscrowNotParty (a PermissionError), EscrowDisputesDisabled (no arbiter),
            EscrowPayeeNotSet, EscrowInvalidMilestone (checked before sending),
            EscrowMilestoneNotPending, EscrowMilestoneNotFunded.
        """
        data = self._encode("dispute", escrow_id, milestone)
        self._check_milestone(escrow_id, milestone, data, sender)
        return self._transact_data(data, sender=sender, **tx)

    def resolve(
        self, escrow_id: int, milestone: int, payee_bps: int, *, sender: Sender, **tx: Unpack[TxOptions]
    ) -> TxResult:
        """Split a disputed milestone: ``payee_bps`` of it to the payee, the rest to funders (arbiter).

        Raises:
            EscrowNotArbiter (a PermissionError), EscrowInvalidSplit: ``payee_bps`` above 10,000
            (checked before sending; InvalidInput if negative), EscrowInvalidMilestone (checked
            before sending), EscrowMilestoneNotDisputed.
        """
        data = self._encode("resolve", escrow_id, milestone, payee_bps)
        if payee_bps > BPS:
            self._refuse(errors.EscrowInvalidSplit(payee_bps), data, sender=sender)
        self._check_milestone(escrow_id, milestone, data, sender)
        return self._transact_data(data, sender=sender, **tx)

    def close_expired_dispute(
        self, escrow_id: int, milestone: int, *, sender: Sender, **tx: Unpack[TxOptions]
    ) -> TxResult:
        """Close a dispute the arbiter let expire, with the escrow's default outcome (anyone).

        Raises:
            EscrowDisputeWindowOpen: before the window closes; EscrowMilestoneNotDisputed,
            EscrowInvalidMilestone (checked before sending), EscrowNotFound.
        """
        data = self._encode("closeExpiredDispute", escrow_id, milestone)
        self._check_milestone(escrow_id, milestone, data, sender)
        return self._transact_data(data, sender=sender, **tx)

    def dispute_closes_at(self, escrow_id: int, milestone: int) -> int:
        """When anyone may close the dispute on ``milestone`` (0 if it is not disputed)."""
        return int(self._call("disputeClosesAt", escrow_id, milestone))

    def open_refunds(self, escrow_id: int, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        """After the deadline, make unreleased, undisputed funds refundable (anyone)."""
        return self._transact("openRefunds", escrow_id, sender=sender, **tx)

    def claim_refund(self, escrow_id: int, funder: str, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        """Pay ``funder`` their pro-rata refund (anyone may trigger it)."""
        return self._transact("claimRefund", escrow_id, checksum(funder, "funder"), sender=sender, **tx)

    def cancel(self, escrow_id: int, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        """Cancel an unassigned open bounty before any release (payer)."""
        return self._transact("cancel", escrow_id, sender=sender, **tx)

    def withdraw(self, token: str = ETH, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        """Collect credits from failed pushes (``token`` = ETH address(0) for ether)."""
        return self._transact("withdraw", checksum(token, "token"), sender=sender, **tx)

    def set_default_fee(self, fee_bps: int, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        """Set the fee of escrows created from now on (admin; existing escrows keep theirs).

        Raises AccessControlUnauthorizedAccount (not admin), EscrowInvalidFee (above
        ``MAX_FEE_BPS``, checked before sending; InvalidInput if negative).
        """
        data = self._encode("setDefaultFee", fee_bps)
        if fee_bps > MAX_FEE_BPS:
            self._refuse(errors.EscrowInvalidFee(fee_bps, MAX_FEE_BPS), data, sender=sender)
        return self._transact_data(data, sender=sender, **tx)

    def set_treasury(self, treasury: str, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        return self._transact("setTreasury", checksum(treasury, "treasury"), sender=sender, **tx)

    def grant_role(self, role: str, account: str, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        """Grant ``role`` (``GUARDIAN_ROLE``; ``VERIFIER_BONDS_ROLE`` to the bond registry, which may
        then suspend a bonded set's members: ``VerifierBonds.push_suspensions``). Requirements: the
        role's admin (``DEFAULT_ADMIN_ROLE``)."""
        return self._transact("grantRole", role_id(role), checksum(account, "account"), sender=sender, **tx)

    def pause(self, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        return self._transact("pause", sender=sender, **tx)

    def unpause(self, *, sender: Sender, **tx: Unpack[TxOptions]) -> TxResult:
        return self._transact("unpause", sender=sender, **tx)

    # --- helpers ------------------------------------------------------------------------------

    def _now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def _check_milestone(self, escrow_id: int, milestone: int, data: bytes, sender: Sender) -> EscrowInfo:
        """The escrow (EscrowNotFound if none); EscrowInvalidMilestone for an index it does not have."""
        require(_is_uint(milestone), f"milestone must be an integer >= 0, got {milestone!r}", field="milestone")
        info = self.get_escrow(escrow_id)
        if milestone >= len(info.milestones):
            self._refuse(errors.EscrowInvalidMilestone(escrow_id, milestone), data, sender=sender)
        return info

    def _prepare_funding(self, token: str, amount: int, sender: Sender, approve: bool, tx: TxOptions) -> int:
        """Check balance and allowance (approving if asked); return the ETH value to send.

        Under :meth:`build` / :meth:`estimate` nothing may be sent, and with an explicit ``nonce``
        the approval would take it: in both cases a missing allowance is refused, not approved.
        """
        if amount == 0:
            return 0
        owner = sender_address(sender)
        if token == ETH:
            balance = int(self.w3.eth.get_balance(owner))  # type: ignore[arg-type]
            if balance < amount:
                raise InsufficientBalance(token, owner, balance, amount)
            return amount
        erc20 = Token(self.w3, token)
        balance = erc20.balance_of(owner)
        if balance < amount:
            raise InsufficientBalance(token, owner, balance, amount)
        allowance = erc20.allowance(owner, self.address)
        if allowance < amount:
            if not approve or self._planning() or "nonce" in tx:
                raise InsufficientAllowance(token, owner, self.address, allowance, amount)
            erc20.approve(self.address, amount, sender=sender)
        return 0


def _escrow_info(escrow_id: int, v: Any) -> EscrowInfo:
    """``getEscrow``'s decoded answer as an :class:`EscrowInfo`."""
    (payer, token, payee, arbiter, deadline, fee_bps, threshold, dispute_window, default_payee_bps) = v[:9]
    (cancelled, refunds_opened, funded, held, refund_pool, funded_milestones, set_id, verifiers_hash) = v[9:17]
    (amounts, states) = v[17:]
    return EscrowInfo(
        escrow_id=escrow_id,
        payer=payer,
        token=token,
        payee=None if payee == ZERO_ADDRESS else payee,
        arbiter=None if arbiter == ZERO_ADDRESS else arbiter,
        deadline=deadline,
        fee_bps=fee_bps,
        threshold=threshold,
        dispute_window=dispute_window,
        default_payee_bps=default_payee_bps,
        cancelled=cancelled,
        refunds_opened=refunds_opened,
        funded=funded,
        held=held,
        refund_pool=refund_pool,
        funded_milestones=funded_milestones,
        verifier_set_id=set_id,
        verifiers_hash="0x" + bytes(verifiers_hash).hex(),
        milestones=[
            Milestone(index=i, amount=a, state=MilestoneState(s), funded=i < funded_milestones)
            for i, (a, s) in enumerate(zip(amounts, states, strict=True))
        ],
    )


def _intent_state(v: Any) -> IntentState:
    """``intentStatus``'s decoded answer."""
    status, state = v
    return IntentState(status=IntentStatus(status), milestone_state=MilestoneState(state))


def _is_uint(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
