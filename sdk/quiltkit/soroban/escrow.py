"""Typed client for the Soroban milestone escrow (``quiltkit-soroban-escrow``).

The same semantics as the EVM ``MilestoneEscrow`` (soroban/README.md, "The escrow contract").
Writes take the Stellar ``Keypair`` the contract requires authorization from (``signer``: the
payer, a funder, the arbiter, the admin...) and an optional transaction ``source``; each write
is simulated, its auth entries are signed by the signer, and it is submitted with exactly those
entries, which the host checks. Arguments are validated before anything is sent
(:class:`~quiltkit.exceptions.InvalidInput` / :class:`~quiltkit.exceptions.InvalidAddress`);
contract errors raise the classes of :mod:`quiltkit.soroban.errors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from stellar_sdk import Keypair, StrKey, scval, xdr

from quiltkit import intents
from quiltkit._model import invalid_input
from quiltkit.escrow import IntentState, IntentStatus
from quiltkit.exceptions import InsufficientBalance, InvalidInput
from quiltkit.soroban import _values
from quiltkit.soroban.backend import ContractCall, SorobanBackend
from quiltkit.soroban.errors import EscrowFullyFunded, SorobanContractError, SorobanEscrowRevert, escrow_error
from quiltkit.soroban.models import (
    BPS,
    MAX_DEADLINE_DELAY,
    MAX_FEE_BPS,
    EscrowStatus,
    MilestoneState,
    SorobanConfig,
    SorobanCreatedEscrow,
    SorobanEscrowInfo,
    SorobanEscrowTerms,
    SorobanMilestone,
    SorobanPendingUpgrade,
    SorobanTxResult,
)

__all__ = ["IntentSignature", "SorobanEscrow"]

IntentSignature = tuple[str | bytes | Keypair, bytes]
"""One verifier signature: (public key as ``G...``/32 bytes/Keypair, 64-byte ed25519 signature)."""


class SorobanEscrow:
    """One deployed Soroban escrow contract, reached through a :class:`SorobanBackend`."""

    def __init__(self, backend: SorobanBackend, contract_id: str) -> None:
        self.backend = backend
        self.contract_id = _values.contract(contract_id, "escrow contract id")

    def __repr__(self) -> str:
        return f"SorobanEscrow({self.contract_id})"

    @property
    def network_passphrase(self) -> str:
        return self.backend.network_passphrase

    # --- reads --------------------------------------------------------------------------------

    def get_escrow(self, escrow_id: int) -> SorobanEscrowInfo:
        _u64(escrow_id, "escrow_id")
        raw = self._read("get_escrow", scval.to_uint64(escrow_id))
        return _escrow_info(escrow_id, raw)

    def get_milestone(self, escrow_id: int, milestone: int) -> SorobanMilestone:
        info = self.get_escrow(escrow_id)
        _check_index(info, milestone)
        return info.milestones[milestone]

    def share_of(self, escrow_id: int, funder: str | Keypair) -> int:
        return int(self._read("share_of", scval.to_uint64(_u64(escrow_id, "escrow_id")), _addr(funder, "funder")))

    def claimed_of(self, escrow_id: int, funder: str | Keypair) -> int:
        return int(self._read("claimed_of", scval.to_uint64(_u64(escrow_id, "escrow_id")), _addr(funder, "funder")))

    def claimable(self, escrow_id: int, funder: str | Keypair) -> int:
        """What ``claim_refund(escrow_id, funder)`` would pay now (0 while the escrow is active)."""
        return int(self._read("claimable", scval.to_uint64(_u64(escrow_id, "escrow_id")), _addr(funder, "funder")))

    def intent_status(self, intent: intents.PayoutIntent) -> IntentState:
        """What ``intent`` can still do, read from its milestone (the replay guard: no entry per
        intent id exists), and the milestone's state, as :meth:`quiltkit.Escrow.intent_status`
        answers on EVM: ``PAYABLE`` while it is pending, ``PAID`` when this intent released it,
        ``CLOSED`` otherwise. Raises EscrowNotFound / EscrowInvalidMilestone."""
        status, state = self._read("intent_status", _intent_scval(intent))
        return IntentState(status=IntentStatus(int(status)), milestone_state=MilestoneState(int(state)))

    def config(self) -> SorobanConfig:
        raw = self._read("config")
        return SorobanConfig(
            admin=raw["admin"],
            guardian=raw.get("guardian"),
            fee_bps=raw["fee_bps"],
            treasury=raw["treasury"],
            paused=raw["paused"],
        )

    def pending_upgrade(self) -> SorobanPendingUpgrade | None:
        """The upgrade announced by :meth:`propose_upgrade`, if any."""
        raw = self._read("pending_upgrade")
        if raw is None:
            return None
        return SorobanPendingUpgrade(wasm_hash=bytes(raw["wasm_hash"]).hex(), ready_at=raw["ready_at"])

    def fees_owed(self, treasury: str | Keypair, token: str) -> int:
        """Fees owed to ``treasury`` in ``token`` because pushing them to it failed."""
        return int(
            self._read("fees_owed", _addr(treasury, "treasury"), scval.to_address(_values.contract(token, "token")))
        )

    def pending_admin(self) -> str | None:
        value = self._read("pending_admin")
        return None if value is None else str(value)

    def escrow_count(self) -> int:
        return int(self._read("escrow_count"))

    def intent_hash(self, intent: intents.PayoutIntent) -> bytes:
        """The contract's canonical digest of ``intent`` (equals :meth:`digest`)."""
        return bytes(self._read("intent_hash", _intent_scval(intent)))

    def digest(self, intent: intents.PayoutIntent) -> bytes:
        """The digest verifiers sign, computed locally (:func:`quiltkit.intents.soroban_digest`)."""
        return intents.soroban_digest(intent, self.network_passphrase, self.contract_id)

    def sign_intent(self, intent: intents.PayoutIntent, verifiers: Sequence[Keypair]) -> list[tuple[str, bytes]]:
        """``(public key, signature)`` of each verifier over this contract's digest of ``intent``."""
        return [
            (kp.public_key, intents.sign_soroban_intent(intent, self.network_passphrase, self.contract_id, kp))
            for kp in verifiers
        ]

    def token_balance(self, token: str, address: str | Keypair) -> int:
        """Balance of ``address`` in a SEP-41 token (a Stellar Asset Contract), read via ``balance``."""
        call = ContractCall(_values.contract(token, "token"), "balance", (_addr(address, "address"),))
        return int(_values.native(self.backend.read(call)))

    # --- writes -------------------------------------------------------------------------------

    def create(
        self,
        terms: SorobanEscrowTerms | dict[str, Any],
        *,
        signer: Keypair,
        source: Keypair | None = None,
    ) -> SorobanCreatedEscrow:
        """Open an escrow with ``signer`` as payer; returns its id."""
        t = _terms(terms)
        _signer(signer, "payer")
        if t.arbiter == signer.public_key:
            raise InvalidInput("the arbiter cannot be the payer: it could block the payee by dispute + resolve(0)")
        now = self.backend.ledger().timestamp
        if t.deadline <= now:
            raise InvalidInput(f"deadline {t.deadline} is not after the latest ledger time {now}")
        if t.deadline - now > MAX_DEADLINE_DELAY:
            raise InvalidInput(f"deadline {t.deadline} is more than {MAX_DEADLINE_DELAY} s (10 years) after {now}")
        tx = self._write(
            "create",
            scval.to_address(signer.public_key),
            _values.option_address(t.payee),
            scval.to_address(t.token),
            scval.to_vec([scval.to_int128(a) for a in t.amounts]),
            _values.option_address(t.arbiter),
            scval.to_vec([scval.to_bytes(_values.raw_public_key(v)) for v in t.verifiers]),
            scval.to_uint32(t.threshold),
            scval.to_uint64(t.deadline),
            scval.to_uint64(t.resolution_window),
            scval.to_bytes(_values.bytes_n(t.metadata, 32, "metadata")),
            signers=[signer],
            source=source,
        )
        return SorobanCreatedEscrow(escrow_id=int(tx.result), tx=tx)

    def fund(self, escrow_id: int, amount: int, *, signer: Keypair, source: Keypair | None = None) -> SorobanTxResult:
        """Add ``amount`` from ``signer`` (any funder) to escrow ``escrow_id``, up to its total.

        The escrow keeps at most what remains to fund and sends the rest back in the same call,
        so a funding that lands first (even of one unit) makes this one keep less, never fail;
        the ``escrow_funded`` event (and the call's return value) says how much was credited:
        what its balance grew by, less than ``amount`` for a fee-on-transfer token. Raises
        ``EscrowFullyFunded`` when nothing remains. The signer authorizes this call and exactly one
        ``token.transfer(funder, escrow, amount)`` under it; an auth tree asking for anything else
        (a hostile token's extra transfer) raises :class:`UnexpectedAuthorization` unsigned.
        """
        _values.in_range(amount, 1, _values.I128_MAX, "amount")
        _signer(signer, "funder")
        info = self.get_escrow(escrow_id)
        if info.status != EscrowStatus.ACTIVE:
            raise InvalidInput(f"escrow {escrow_id} is {info.status.name.lower()}: it takes no more funding")
        if info.remaining == 0:
            raise EscrowFullyFunded()
        balance = self.token_balance(info.token, signer.public_key)
        if balance < amount:
            raise InsufficientBalance(info.token, signer.public_key, balance, amount)
        funder = scval.to_address(signer.public_key)
        transfer = ContractCall(
            info.token, "transfer", (funder, scval.to_address(self.contract_id), scval.to_int128(amount))
        )
        return self._write(
            "fund",
            funder,
            scval.to_uint64(escrow_id),
            scval.to_int128(amount),
            signers=[signer],
            source=source,
            subcalls=(transfer,),
        )

    def assign_payee(
        self, escrow_id: int, payee: str | Keypair, *, signer: Keypair, source: Keypair | None = None
    ) -> SorobanTxResult:
        """Name the payee of an open bounty (payer)."""
        payee_address = _addr(payee, "payee")
        _signer(signer, "payer")
        return self._write(
            "assign_payee",
            scval.to_uint64(_u64(escrow_id, "escrow_id")),
            payee_address,
            signers=[signer],
            source=source,
        )

    def release(
        self, escrow_id: int, milestone: int, *, signer: Keypair, source: Keypair | None = None
    ) -> SorobanTxResult:
        """Pay a funded milestone to the payee (payer)."""
        _signer(signer, "payer")
        _check_index(self.get_escrow(escrow_id), milestone)
        return self._write(
            "release", scval.to_uint64(escrow_id), scval.to_uint32(milestone), signers=[signer], source=source
        )

    def release_with_intent(
        self,
        intent: intents.PayoutIntent,
        signatures: Sequence[IntentSignature],
        *,
        source: Keypair | None = None,
    ) -> SorobanTxResult:
        """Submit a verifier-signed payout intent; anyone may send it (typically the relayer).

        Checked before sending: the milestone index, each key is a verifier of the escrow and
        appears once, each signature verifies over this contract's digest, and there are at
        least ``threshold`` of them.
        """
        intent_value = _intent_scval(intent)
        pairs = [
            (_values.raw_public_key(key, "signature key"), _values.bytes_n(sig, 64, "signature"))
            for key, sig in signatures
        ]
        info = self.get_escrow(intent.escrow_id)
        _check_index(info, intent.milestone)
        verifiers = {_values.raw_public_key(v) for v in info.verifiers}
        digest = self.digest(intent)
        seen: set[bytes] = set()
        for key, sig in pairs:
            shown = StrKey.encode_ed25519_public_key(key)
            if key not in verifiers:
                raise InvalidInput(f"{shown} is not a verifier of escrow {intent.escrow_id}")
            if key in seen:
                raise InvalidInput(f"two signatures by verifier {shown}")
            seen.add(key)
            if not intents.verify_soroban_signature(intent, self.network_passphrase, self.contract_id, shown, sig):
                raise InvalidInput(f"the signature by {shown} does not verify over digest {digest.hex()}")
        if len(pairs) < info.threshold:
            raise InvalidInput(f"{len(pairs)} signatures given, escrow {intent.escrow_id} needs {info.threshold}")
        return self._write("release_with_intent", intent_value, _signatures_scval(pairs), signers=[], source=source)

    def dispute(
        self, escrow_id: int, milestone: int, *, signer: Keypair, source: Keypair | None = None
    ) -> SorobanTxResult:
        """Freeze a funded, pending milestone for the arbiter (payer or payee)."""
        _signer(signer, "payer or payee")
        _check_index(self.get_escrow(escrow_id), milestone)
        return self._write(
            "dispute",
            scval.to_uint64(escrow_id),
            scval.to_uint32(milestone),
            scval.to_address(signer.public_key),
            signers=[signer],
            source=source,
        )

    def resolve(
        self, escrow_id: int, milestone: int, payee_bps: int, *, signer: Keypair, source: Keypair | None = None
    ) -> SorobanTxResult:
        """Split a disputed milestone: ``payee_bps`` to the payee (less fee), the rest to funders (arbiter)."""
        _values.in_range(payee_bps, 0, BPS, "payee_bps")
        _signer(signer, "arbiter")
        _check_index(self.get_escrow(escrow_id), milestone)
        return self._write(
            "resolve",
            scval.to_uint64(escrow_id),
            scval.to_uint32(milestone),
            scval.to_uint32(payee_bps),
            signers=[signer],
            source=source,
        )

    def expire_dispute(self, escrow_id: int, milestone: int, *, source: Keypair | None = None) -> SorobanTxResult:
        """Return a disputed milestone to the funders once its resolution window has passed (anyone)."""
        _check_index(self.get_escrow(escrow_id), milestone)
        return self._write(
            "expire_dispute", scval.to_uint64(escrow_id), scval.to_uint32(milestone), signers=[], source=source
        )

    def withdraw_fees(
        self, token: str, to: str | Keypair | None = None, *, signer: Keypair, source: Keypair | None = None
    ) -> SorobanTxResult:
        """Pay the fees owed to the treasury ``signer`` in ``token`` to ``to`` (default: the treasury)."""
        _signer(signer, "treasury")
        return self._write(
            "withdraw_fees",
            scval.to_address(signer.public_key),
            scval.to_address(_values.contract(token, "token")),
            _addr(to if to is not None else signer.public_key, "to"),
            signers=[signer],
            source=source,
        )

    def refund(self, escrow_id: int, *, source: Keypair | None = None) -> SorobanTxResult:
        """After the deadline (or once nothing is open), move unreleased funds to the refund pool (anyone)."""
        return self._write("refund", scval.to_uint64(_u64(escrow_id, "escrow_id")), signers=[], source=source)

    def cancel(self, escrow_id: int, *, signer: Keypair, source: Keypair | None = None) -> SorobanTxResult:
        """Cancel an escrow that never had a payee: everything becomes refundable (payer)."""
        _signer(signer, "payer")
        return self._write("cancel", scval.to_uint64(_u64(escrow_id, "escrow_id")), signers=[signer], source=source)

    def claim_refund(self, escrow_id: int, funder: str | Keypair, *, source: Keypair | None = None) -> SorobanTxResult:
        """Pay ``funder`` its pro-rata refund (anyone may trigger it); ``result`` is the amount paid."""
        funder_address = _addr(funder, "funder")
        return self._write(
            "claim_refund", scval.to_uint64(_u64(escrow_id, "escrow_id")), funder_address, signers=[], source=source
        )

    def pause(self, *, signer: Keypair, source: Keypair | None = None) -> SorobanTxResult:
        """Block ``create`` and ``fund`` (admin or guardian); exits keep working."""
        _signer(signer, "admin or guardian")
        return self._write("pause", scval.to_address(signer.public_key), signers=[signer], source=source)

    def unpause(self, *, signer: Keypair, source: Keypair | None = None) -> SorobanTxResult:
        _signer(signer, "admin or guardian")
        return self._write("unpause", scval.to_address(signer.public_key), signers=[signer], source=source)

    def set_fee(self, fee_bps: int, *, signer: Keypair, source: Keypair | None = None) -> SorobanTxResult:
        """Fee for escrows created from now on, at most 1000 bps (admin)."""
        _values.in_range(fee_bps, 0, MAX_FEE_BPS, "fee_bps")
        _signer(signer, "admin")
        return self._write("set_fee", scval.to_uint32(fee_bps), signers=[signer], source=source)

    def set_treasury(
        self, treasury: str | Keypair, *, signer: Keypair, source: Keypair | None = None
    ) -> SorobanTxResult:
        """Fee recipient for escrows created from now on (admin)."""
        value = _addr(treasury, "treasury")
        _signer(signer, "admin")
        return self._write("set_treasury", value, signers=[signer], source=source)

    def set_guardian(
        self, guardian: str | Keypair | None, *, signer: Keypair, source: Keypair | None = None
    ) -> SorobanTxResult:
        """Set (or with ``None`` remove) the guardian, who may pause and unpause (admin)."""
        value = scval.to_void() if guardian is None else _addr(guardian, "guardian")
        _signer(signer, "admin")
        return self._write("set_guardian", value, signers=[signer], source=source)

    def propose_admin(
        self, new_admin: str | Keypair, *, signer: Keypair, source: Keypair | None = None
    ) -> SorobanTxResult:
        """Start a two-step admin transfer (admin); ``new_admin`` completes it with :meth:`accept_admin`."""
        value = _addr(new_admin, "new_admin")
        _signer(signer, "admin")
        return self._write("propose_admin", value, signers=[signer], source=source)

    def accept_admin(self, *, signer: Keypair, source: Keypair | None = None) -> SorobanTxResult:
        """Complete a two-step admin transfer (the pending admin)."""
        _signer(signer, "pending admin")
        return self._write("accept_admin", signers=[signer], source=source)

    def propose_upgrade(
        self, wasm_hash: str | bytes, *, signer: Keypair, source: Keypair | None = None
    ) -> SorobanTxResult:
        """Announce an upgrade to uploaded wasm ``wasm_hash``; :meth:`upgrade` applies it 7 days later (admin)."""
        value = scval.to_bytes(_values.bytes_n(wasm_hash, 32, "wasm_hash"))
        _signer(signer, "admin")
        return self._write("propose_upgrade", value, signers=[signer], source=source)

    def cancel_upgrade(self, *, signer: Keypair, source: Keypair | None = None) -> SorobanTxResult:
        """Withdraw the announced upgrade (admin)."""
        _signer(signer, "admin")
        return self._write("cancel_upgrade", signers=[signer], source=source)

    def upgrade(self, wasm_hash: str | bytes, *, signer: Keypair, source: Keypair | None = None) -> SorobanTxResult:
        """Apply the announced upgrade to ``wasm_hash`` once its delay has passed (admin)."""
        value = scval.to_bytes(_values.bytes_n(wasm_hash, 32, "wasm_hash"))
        _signer(signer, "admin")
        return self._write("upgrade", value, signers=[signer], source=source)

    # --- low level ----------------------------------------------------------------------------

    def transact(
        self,
        function: str,
        *args: xdr.SCVal,
        signers: Sequence[Keypair] = (),
        source: Keypair | None = None,
    ) -> SorobanTxResult:
        """Invoke any contract function with raw SCVal arguments and no pre-send checks.

        The auth entries are still signed by ``signers`` and checked by the host; contract
        errors still raise their named exceptions.
        """
        return self._write(function, *args, signers=signers, source=source)

    def _write(
        self,
        function: str,
        *args: xdr.SCVal,
        signers: Sequence[Keypair],
        source: Keypair | None,
        subcalls: tuple[ContractCall, ...] = (),
    ) -> SorobanTxResult:
        call = ContractCall(self.contract_id, function, tuple(args), subcalls)
        try:
            invocation = self.backend.invoke(call, signers=signers, source=source)
        except SorobanContractError as exc:
            raise self._contract_error(exc, function) from exc
        return SorobanTxResult(
            tx_hash=invocation.tx_hash,
            ledger=invocation.ledger,
            result=_values.native(invocation.result),
            events=invocation.events,
        )

    def _read(self, function: str, *args: xdr.SCVal) -> Any:
        call = ContractCall(self.contract_id, function, tuple(args))
        try:
            return _values.native(self.backend.read(call))
        except SorobanContractError as exc:
            raise self._contract_error(exc, function) from exc

    def _contract_error(self, exc: SorobanContractError, function: str) -> SorobanContractError:
        """Name the error after the escrow's code unless it provably came from another contract."""
        if isinstance(exc, SorobanEscrowRevert):
            return exc
        ours = exc.name is not None or exc.contract == self.contract_id
        unknown_origin = exc.contract is None and not self.backend.names_contract_errors
        if ours or unknown_origin:
            return escrow_error(exc.code, function)
        return exc


# --- helpers --------------------------------------------------------------------------------


def _hex_or_none(value: Any) -> str | None:
    if value is None:
        return None
    return "0x" + bytes(value).hex() if isinstance(value, bytes | bytearray) else str(value)


def _u64(value: int, what: str) -> int:
    return _values.in_range(value, 0, _values.U64_MAX, what)


def _addr(value: str | Keypair, what: str) -> xdr.SCVal:
    return scval.to_address(_values.address(value, what))


def _signer(signer: Keypair, role: str) -> None:
    if not isinstance(signer, Keypair):
        raise InvalidInput(f"signer ({role}) must be a stellar_sdk Keypair, got {type(signer).__name__}")
    if not signer.can_sign():
        raise InvalidInput(f"signer ({role}) {signer.public_key} has no secret key")


def _terms(terms: SorobanEscrowTerms | dict[str, Any]) -> SorobanEscrowTerms:
    if isinstance(terms, SorobanEscrowTerms):
        return terms
    try:
        return SorobanEscrowTerms(**terms)
    except ValidationError as exc:
        error = invalid_input("SorobanEscrowTerms", exc)  # pydantic's own message repeats the input
    raise error


def _check_index(info: SorobanEscrowInfo, milestone: int) -> None:
    count = len(info.milestones)
    if isinstance(milestone, bool) or not isinstance(milestone, int) or not 0 <= milestone < count:
        raise InvalidInput(f"escrow {info.escrow_id} has milestones 0..{count - 1}, not {milestone!r}")


def _intent_scval(intent: intents.PayoutIntent) -> xdr.SCVal:
    if not isinstance(intent, intents.PayoutIntent):
        raise InvalidInput(f"intent must be a quiltkit.intents.PayoutIntent, got {type(intent).__name__}")
    value: xdr.SCVal = intents.soroban_intent_scval(intent)
    return value


def _signatures_scval(pairs: Sequence[tuple[bytes, bytes]]) -> xdr.SCVal:
    return scval.to_vec([scval.to_vec([scval.to_bytes(key), scval.to_bytes(sig)]) for key, sig in pairs])


def _escrow_info(escrow_id: int, raw: dict[str, Any]) -> SorobanEscrowInfo:
    funded = int(raw["funded"])
    milestones: list[SorobanMilestone] = []
    prefix = 0
    for i, m in enumerate(raw["milestones"]):
        prefix += int(m["amount"])
        milestones.append(
            SorobanMilestone(
                index=i,
                amount=int(m["amount"]),
                state=MilestoneState(m["status"]),
                funded=funded >= prefix,
                disputed_at=int(m.get("disputed_at", 0)),
                paid_by=_hex_or_none(m.get("paid_by")),
            )
        )
    return SorobanEscrowInfo(
        escrow_id=escrow_id,
        payer=raw["payer"],
        payee=raw.get("payee"),
        token=raw["token"],
        arbiter=raw.get("arbiter"),
        verifiers=[StrKey.encode_ed25519_public_key(v) for v in raw["verifiers"]],
        threshold=raw["threshold"],
        deadline=raw["deadline"],
        resolution_window=raw["resolution_window"],
        metadata="0x" + bytes(raw["metadata"]).hex(),
        fee_bps=raw["fee_bps"],
        treasury=raw["treasury"],
        status=EscrowStatus(raw["status"]),
        milestones=milestones,
        total=int(raw["total"]),
        funded=funded,
        released=int(raw["released"]),
        refundable=int(raw["refundable"]),
        refunded=int(raw["refunded"]),
        closed_pool=int(raw["closed_pool"]),
    )
