"""Typed clients for quiltkit reputation badges: SoulboundBadge and TieredBadges.

:class:`SoulboundBadge` wraps the soulbound ERC-721 (ERC-5192 locked, ERC-5484 burn authorisation):
badge types, issuance by the issuer role or by an m-of-n validator attestation
(:mod:`quiltkit.attestations`), revocation, holder burn, activity, and a per-holder reputation that
decays at an annual rate. The decay is computed here too, bit for bit as the contract computes it
(:func:`decay`, a port of Solady's ``lnWad``/``expWad`` and the contract's rounding), so a
:class:`Reputation` read once can be projected to any later time without another call.

:class:`TieredBadges` wraps the ERC-1155 achievement tiers (soulbound or tradeable per id, one-call
upgrades).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any, Unpack

from pydantic import BaseModel, ConfigDict
from web3 import Web3

from quiltkit import badge_errors, tiered_badges_errors
from quiltkit._contract import ContractClient, Sender, TxOptions, TxResult, require
from quiltkit._types import ZERO_ADDRESS, checksum, role_id, to_bytes32
from quiltkit.attestations import (
    ATTESTATION_DOMAIN_NAME,
    BadgeAttestation,
    BadgeDomain,
    attestation_signatures_for,
)
from quiltkit.badge_events import EVENTS as BADGE_EVENTS
from quiltkit.intents import VerifierSignature
from quiltkit.tiered_badges_events import EVENTS as TIER_EVENTS

__all__ = [
    "DEFAULT_ANNUAL_RATE_BPS",
    "Badge",
    "BadgeTypeTerms",
    "BurnAuth",
    "Reputation",
    "SoulboundBadge",
    "Tier",
    "TieredBadges",
    "decay",
    "decay_up",
    "exp_wad",
    "issued_token_ids",
    "ln_keep",
    "ln_wad",
    "registered_type",
]

WAD = 10**18
YEAR = 365 * 86_400
BPS = 10_000
DEFAULT_ANNUAL_RATE_BPS = 500
"""5% a year: what a badge's weight loses per year without activity, compounded continuously."""
MAX_BATCH = 256
MAX_VALIDATORS = 32
_UINT128_MAX = 2**128 - 1
_UINT40_MAX = 2**40 - 1
_UINT256_MAX = 2**256 - 1


# --- the contract's fixed-point maths, ported ---------------------------------------------------


def _sdiv(a: int, b: int) -> int:
    """Signed division truncating toward zero (EVM ``sdiv``, Solidity ``/`` on ints)."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def ln_wad(x: int) -> int:
    """Solady ``FixedPointMathLib.lnWad``: ln(x / 1e18) * 1e18, with its exact rounding."""
    if x <= 0:
        raise ValueError("ln_wad is undefined for x <= 0")
    r = 256 - x.bit_length()  # 255 ^ log2(x)
    x = ((x << r) % 2**256) >> 159
    p = (((((3273285459638523848632254066296 + x) * x) >> 96) + 24828157081833163892658089445524) * x) >> 96
    p = (((p + 43456485725739037958740375743393) * x) >> 96) - 11111509109440967052023855526967
    p = ((p * x) >> 96) - 45023709667254063763336534515857
    p = ((p * x) >> 96) - 14706773417378608786704636184526
    p = p * x - (795164235651350426258249787498 << 96)
    q = 5573035233440673466300451813936 + x
    q = 71694874799317883764090561454958 + ((x * q) >> 96)
    q = 283447036172924575727196451306956 + ((x * q) >> 96)
    q = 401686690394027663651624208769553 + ((x * q) >> 96)
    q = 204048457590392012362485061816622 + ((x * q) >> 96)
    q = 31853899698501571402653359427138 + ((x * q) >> 96)
    q = 909429971244387300277376558375 + ((x * q) >> 96)
    p = _sdiv(p, q)
    p = 1677202110996718588342820967067443963516166 * p
    p = 16597577552685614221487285958193947469193820559219878177908093499208371 * (159 - r) + p
    p = 600920179829731861736702779321621459595472258049074101567377883020018308 + p
    return p >> 174


def exp_wad(x: int) -> int:
    """Solady ``FixedPointMathLib.expWad``: exp(x / 1e18) * 1e18, with its exact rounding."""
    if x <= -41446531673892822313:
        return 0
    if x >= 135305999368893231589:
        raise OverflowError("exp_wad overflows for x >= 135.3e18")
    x = _sdiv(x << 78, 5**18)
    k = (_sdiv(x << 96, 54916777467707473351141471128) + 2**95) >> 96
    x = x - k * 54916777467707473351141471128
    y = x + 1346386616545796478920950773328
    y = ((y * x) >> 96) + 57155421227552351082224309758442
    p = y + x - 94201549194550492254356042504812
    p = ((p * y) >> 96) + 28719021644029726153956944680412240
    p = p * x + (4385272521454847904659076985693276 << 96)
    q = x - 2855989394907223263936484059900
    q = ((q * x) >> 96) + 50020603652535783019961831881945
    q = ((q * x) >> 96) - 533845033583426703283633433725380
    q = ((q * x) >> 96) + 3604857256930695427073651918091429
    q = ((q * x) >> 96) - 14423608567350463180887372962807573
    q = ((q * x) >> 96) + 26449188498355588339934803723976023
    r = _sdiv(p, q)
    return (r * 3822833074963236453042738258902158003155416615667) >> (195 - k)


def ln_keep(annual_rate_bps: int) -> int:
    """ln(1 - rate) in WAD, as the contract fixes it at deployment (``ReputationMath.lnKeep``)."""
    if not 0 <= annual_rate_bps < BPS:
        raise ValueError(f"annual_rate_bps must be 0..9999, got {annual_rate_bps}")
    return ln_wad((BPS - annual_rate_bps) * 10**14)


def _factor_down(lnk: int, elapsed: int) -> int:
    if elapsed == 0 or lnk == 0:
        return WAD
    product = lnk * elapsed
    x = _sdiv(product, YEAR)
    if x * YEAR != product:
        x -= 1
    f = exp_wad(x)
    return f - 1 if f > 0 else 0


def _factor_up(lnk: int, elapsed: int) -> int:
    if elapsed == 0 or lnk == 0:
        return WAD
    return min(exp_wad(_sdiv(lnk * elapsed, YEAR)) + 1, WAD)


def decay(score: int, elapsed: int, annual_rate_bps: int = DEFAULT_ANNUAL_RATE_BPS) -> int:
    """``score`` decayed over ``elapsed`` seconds: what the contract's ``decayed`` returns."""
    if score < 0 or elapsed < 0:
        raise ValueError("score and elapsed must be >= 0")
    return score * _factor_down(ln_keep(annual_rate_bps), elapsed) // WAD


def decay_up(weight: int, elapsed: int, annual_rate_bps: int = DEFAULT_ANNUAL_RATE_BPS) -> int:
    """``weight`` decayed over ``elapsed``, rounded up: what a revocation subtracts."""
    z = weight * _factor_up(ln_keep(annual_rate_bps), elapsed)
    return z // WAD + (1 if z % WAD else 0)


# --- models -------------------------------------------------------------------------------------


class BurnAuth(IntEnum):
    """ERC-5484: who may remove a badge of a type (revoke: the issuer; burn: the holder)."""

    ISSUER_ONLY = 0
    OWNER_ONLY = 1
    BOTH = 2
    NEITHER = 3


class BadgeTypeTerms(BaseModel):
    """A badge type's terms (fixed at registration except URI mode and validators)."""

    model_config = ConfigDict(frozen=True)

    badge_type: int
    name: str
    uri: str
    weight: int
    expiry_period: int
    burn_auth: BurnAuth
    threshold: int
    on_chain_uri: bool
    validator_set: str
    """keccak256(abi.encode(validators)) of the attestation validators, 0x00..00 for none."""


class Badge(BaseModel):
    """One issued badge."""

    model_config = ConfigDict(frozen=True)

    token_id: int
    holder: str
    badge_type: int
    issued_at: int
    index: int
    evidence_hash: str
    expires_at: int | None


class Reputation(BaseModel):
    """A holder's stored reputation, read at ``at`` (a block timestamp), and its value then.

    ``score`` was recorded at ``last_activity`` and decays from there; ``current`` is its value
    at ``at``; :meth:`at_time` projects it to any later time with the contract's own arithmetic.
    """

    model_config = ConfigDict(frozen=True)

    holder: str
    score: int
    last_activity: int
    minted: int
    annual_rate_bps: int
    at: int
    current: int

    def at_time(self, timestamp: int) -> int:
        """The reputation at ``timestamp`` (>= last activity) if nothing happens before then."""
        require(timestamp >= self.last_activity, "timestamp is before the last activity", field="timestamp")
        if self.score == 0:
            return 0
        return decay(self.score, timestamp - self.last_activity, self.annual_rate_bps)


class Tier(BaseModel):
    model_config = ConfigDict(frozen=True)

    tier_id: int
    soulbound: bool
    lower: int | None


def _uint(value: Any, name: str, maximum: int = _UINT256_MAX) -> int:
    require(
        isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= maximum,
        f"{name} must be an integer in 0..{maximum}, got {value!r}",
        field=name,
    )
    return int(value)


def issued_token_ids(result: TxResult) -> list[int]:
    """The ids of the badges a write issued (from its BadgeIssued events), in order."""
    return [int(e.args["tokenId"]) for e in result.events_named("BadgeIssued")]


def registered_type(result: TxResult) -> int:
    """The id of the type a :meth:`SoulboundBadge.register_type` created."""
    return int(result.event("BadgeTypeRegistered").args["badgeType"])


# --- SoulboundBadge -----------------------------------------------------------------------------


class SoulboundBadge(ContractClient):
    """One deployed SoulboundBadge. Reverts raise :mod:`quiltkit.badge_errors` exceptions.

    Roles (names as strings): ``DEFAULT_ADMIN_ROLE`` registers types and validator sets,
    ``ISSUER_ROLE`` issues and revokes, ``ACTIVITY_ROLE`` records activity, ``VERIFIER_BONDS_ROLE``
    (the bond registry) records which validators are suspended (``VerifierBonds.push_suspensions``).
    """

    artifact_name = "SoulboundBadge"
    errors = badge_errors.ERRORS  # type: ignore[assignment]
    event_types = BADGE_EVENTS  # type: ignore[assignment]

    @classmethod
    def deploy(
        cls,
        w3: Web3,
        sender: Sender,
        *,
        admin: str,
        annual_rate_bps: int = DEFAULT_ANNUAL_RATE_BPS,
        activity_weight: int = 0,
        name: str = "quiltkit badges",
        symbol: str = "QKB",
        verifier_bonds: str | None = None,
        **options: Unpack[TxOptions],
    ) -> SoulboundBadge:
        """Deploy a SoulboundBadge; ``admin`` (the Timelock in a full deployment) holds every
        admin power; grant ``ISSUER_ROLE``/``ACTIVITY_ROLE`` with :meth:`grant_role`.
        ``verifier_bonds`` (a VerifierBonds registry) is granted ``VERIFIER_BONDS_ROLE``: it may
        then suspend validators whose bond fell below their set's minimum.

        Raises:
            InvalidInput: a malformed argument (nothing is sent).
            BadgeInvalidDecayRate: ``annual_rate_bps`` >= 10,000.
        """
        admin_ = checksum(admin, "admin")
        _uint(annual_rate_bps, "annual_rate_bps")
        _uint(activity_weight, "activity_weight", _UINT128_MAX)
        require(isinstance(name, str) and isinstance(symbol, str), "name and symbol must be strings", field="name")
        if annual_rate_bps >= BPS:
            raise badge_errors.BadgeInvalidDecayRate(annual_rate_bps)
        bonds = checksum(verifier_bonds, "verifier_bonds") if verifier_bonds else ZERO_ADDRESS
        address, _ = cls._deploy(w3, sender, name, symbol, admin_, annual_rate_bps, activity_weight, bonds, **options)
        return cls._deployed(w3, address)

    def _identify(self) -> str | None:
        """A SoulboundBadge says so in its EIP-712 domain (ERC-5267 ``eip712Domain``)."""
        _fields, name, version, *_ = self._call("eip712Domain")
        if name != ATTESTATION_DOMAIN_NAME:
            return f"its EIP-712 domain is {name!r} version {version!r}, not {ATTESTATION_DOMAIN_NAME!r}"
        return None

    def domain(self) -> BadgeDomain:
        """The EIP-712 domain validators sign attestations under."""
        return BadgeDomain(chain_id=self.w3.eth.chain_id, verifying_contract=self.address)

    # --- reads --------------------------------------------------------------------------------

    def annual_rate_bps(self) -> int:
        return int(self._call("annualDecayRateBps"))

    def activity_weight(self) -> int:
        return int(self._call("activityWeight"))

    def type_count(self) -> int:
        return int(self._call("typeCount"))

    def badge_type(self, badge_type: int) -> BadgeTypeTerms:
        """A badge type's terms. Raises BadgeTypeNotFound."""
        _uint(badge_type, "badge_type")
        terms, (name, uri), commitment = self._call_reads(
            ("typeInfo", (badge_type,)), ("typeMetadata", (badge_type,)), ("validatorSetOf", (badge_type,))
        )
        weight, expiry, burn_auth, threshold, on_chain, _exists = terms
        return BadgeTypeTerms(
            badge_type=badge_type,
            name=name,
            uri=uri,
            weight=weight,
            expiry_period=expiry,
            burn_auth=BurnAuth(burn_auth),
            threshold=threshold,
            on_chain_uri=on_chain,
            validator_set="0x" + bytes(commitment).hex(),
        )

    def badge(self, token_id: int) -> Badge:
        """A badge's record. Raises BadgeNotFound."""
        holder, badge_type, issued_at, index, evidence, expires_at = self._call("badgeOf", _uint(token_id, "token_id"))
        return Badge(
            token_id=token_id,
            holder=holder,
            badge_type=badge_type,
            issued_at=issued_at,
            index=index,
            evidence_hash="0x" + bytes(evidence).hex(),
            expires_at=expires_at or None,
        )

    def reputation_of(self, holder: str) -> int:
        """The holder's reputation now (the contract's ``reputationOf``)."""
        return int(self._call("reputationOf", checksum(holder, "holder")))

    def reputation(self, holder: str) -> Reputation:
        """The holder's stored reputation and its value at the latest block's time."""
        holder_ = checksum(holder, "holder")
        score, last, minted = self._call("reputationState", holder_)
        at = int(self.w3.eth.get_block("latest")["timestamp"])
        rate = self.annual_rate_bps()
        current = decay(score, max(at - last, 0), rate) if score else 0
        return Reputation(
            holder=holder_, score=score, last_activity=last, minted=minted, annual_rate_bps=rate, at=at, current=current
        )

    def decayed(self, score: int, elapsed: int) -> int:
        """The contract's own decay of ``score`` over ``elapsed`` seconds (for cross-checks)."""
        return int(self._call("decayed", _uint(score, "score"), _uint(elapsed, "elapsed")))

    def balance_of(self, holder: str) -> int:
        return int(self._call("balanceOf", checksum(holder, "holder")))

    def owner_of(self, token_id: int) -> str:
        return str(self._call("ownerOf", _uint(token_id, "token_id")))

    def locked(self, token_id: int) -> bool:
        return bool(self._call("locked", _uint(token_id, "token_id")))

    def burn_auth(self, token_id: int) -> BurnAuth:
        return BurnAuth(self._call("burnAuth", _uint(token_id, "token_id")))

    def is_valid(self, token_id: int) -> bool:
        """Whether the badge is within its type's expiry period."""
        return bool(self._call("isValid", _uint(token_id, "token_id")))

    def identity_of(self, account: str) -> int:
        """The governance identity of ``account`` (its address as an integer if it holds a badge, else 0)."""
        return int(self._call("identityOf", checksum(account, "account")))

    def token_uri(self, token_id: int) -> str:
        return str(self._call("tokenURI", _uint(token_id, "token_id")))

    def attestation_used(self, attestation_id: str | bytes) -> bool:
        return bool(self._call("attestationUsed", bytes.fromhex(to_bytes32(attestation_id, "attestation_id")[2:])))

    def hash_attestation(self, attestation: BadgeAttestation) -> bytes:
        """The contract's EIP-712 digest of ``attestation``."""
        return bytes(self._call("hashAttestation", attestation.as_tuple()))

    def has_role(self, role: str, account: str) -> bool:
        return bool(self._call("hasRole", role_id(role), checksum(account, "account")))

    def supports_interface(self, interface_id: bytes) -> bool:
        require(len(interface_id) == 4, "interface_id must be 4 bytes", field="interface_id")
        return bool(self._call("supportsInterface", interface_id))

    # --- writes -------------------------------------------------------------------------------

    def register_type(
        self,
        name: str,
        uri: str,
        weight: int,
        *,
        burn_auth: BurnAuth = BurnAuth.ISSUER_ONLY,
        expiry_period: int = 0,
        on_chain_uri: bool = True,
        sender: Sender,
        **options: Unpack[TxOptions],
    ) -> TxResult:
        """Register a badge type (admin); :func:`registered_type` reads its id from the result."""
        require(isinstance(name, str) and isinstance(uri, str), "name and uri must be strings", field="name")
        _uint(weight, "weight", _UINT128_MAX)
        _uint(expiry_period, "expiry_period", _UINT40_MAX)
        require(
            isinstance(burn_auth, int) and burn_auth in tuple(BurnAuth),
            "burn_auth must be a BurnAuth",
            field="burn_auth",
        )
        params = (name, uri, weight, expiry_period, int(burn_auth), bool(on_chain_uri))
        return self._transact("registerType", params, sender=sender, **options)

    def set_validators(
        self,
        badge_type: int,
        validators: Sequence[str],
        threshold: int,
        *,
        sender: Sender,
        **options: Unpack[TxOptions],
    ) -> TxResult:
        """Set the m-of-n validators of a type's attestations (empty set and 0 disable them)."""
        _uint(badge_type, "badge_type")
        _uint(threshold, "threshold", 255)
        set_ = [checksum(v, "validator") for v in validators]
        require(
            len(set_) <= MAX_VALIDATORS, f"at most {MAX_VALIDATORS} validators, got {len(set_)}", field="validators"
        )
        require(len(set(set_)) == len(set_), "validators must be distinct", field="validators")
        require(
            (not set_ and threshold == 0) or 1 <= threshold <= len(set_),
            f"threshold must be 1..{len(set_)} (0 only with no validators), got {threshold}",
            field="threshold",
        )
        return self._transact("setValidators", badge_type, set_, threshold, sender=sender, **options)

    def set_type_uri(
        self, badge_type: int, uri: str, *, on_chain_uri: bool, sender: Sender, **options: Unpack[TxOptions]
    ) -> TxResult:
        _uint(badge_type, "badge_type")
        require(isinstance(uri, str), "uri must be a string", field="uri")
        return self._transact("setTypeURI", badge_type, uri, bool(on_chain_uri), sender=sender, **options)

    def set_activity_weight(self, weight: int, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("setActivityWeight", _uint(weight, "weight", _UINT128_MAX), sender=sender, **options)

    def grant_role(self, role: str, account: str, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        return self._transact("grantRole", role_id(role), checksum(account, "account"), sender=sender, **options)

    def issue(
        self,
        holder: str,
        badge_type: int,
        evidence_hash: str | bytes,
        *,
        sender: Sender,
        **options: Unpack[TxOptions],
    ) -> TxResult:
        """Issue one badge (issuer role); :func:`issued_token_ids` reads its id from the result."""
        holder_ = checksum(holder, "holder")
        require(holder_ != ZERO_ADDRESS, "holder must not be the zero address", field="holder")
        evidence = bytes.fromhex(to_bytes32(evidence_hash, "evidence_hash")[2:])
        return self._transact("issue", holder_, _uint(badge_type, "badge_type"), evidence, sender=sender, **options)

    def issue_batch(
        self,
        holders: Sequence[str],
        badge_type: int,
        evidence_hashes: Sequence[str | bytes],
        *,
        sender: Sender,
        **options: Unpack[TxOptions],
    ) -> TxResult:
        """Issue one badge of ``badge_type`` per holder, each with its evidence hash."""
        require(
            0 < len(holders) <= MAX_BATCH and len(holders) == len(evidence_hashes),
            f"1..{MAX_BATCH} holders with as many evidence hashes, got {len(holders)} and {len(evidence_hashes)}",
            field="holders",
        )
        holders_ = [checksum(h, "holder") for h in holders]
        require(ZERO_ADDRESS not in holders_, "a holder is the zero address", field="holders")
        evidence = [bytes.fromhex(to_bytes32(e, "evidence_hash")[2:]) for e in evidence_hashes]
        return self._transact(
            "issueBatch", holders_, _uint(badge_type, "badge_type"), evidence, sender=sender, **options
        )

    def issue_with_attestation(
        self,
        attestation: BadgeAttestation,
        validators: Sequence[str],
        signatures: Sequence[bytes] | Sequence[VerifierSignature],
        *,
        sender: Sender,
        **options: Unpack[TxOptions],
    ) -> TxResult:
        """Submit an m-of-n validator attestation (anyone may). ``signatures`` are raw ECDSA
        signatures (matched to validator indexes here) or :class:`VerifierSignature`s."""
        require(
            isinstance(attestation, BadgeAttestation), "attestation must be a BadgeAttestation", field="attestation"
        )
        set_ = [checksum(v, "validator") for v in validators]
        raw = [bytes(s) for s in signatures if isinstance(s, bytes | bytearray)]
        matched = [s for s in signatures if isinstance(s, VerifierSignature)]
        require(
            not (raw and matched) and len(raw) + len(matched) == len(signatures),
            "signatures must all be bytes or all VerifierSignature",
            field="signatures",
        )
        sigs = attestation_signatures_for(attestation, self.domain(), set_, raw) if raw else matched
        require(len(sigs) > 0, "at least one signature is needed", field="signatures")
        return self._transact(
            "issueWithAttestation",
            attestation.as_tuple(),
            set_,
            [s.as_tuple() for s in sigs],
            sender=sender,
            **options,
        )

    def revoke(self, token_id: int, reason: int = 0, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        """Revoke a badge (issuer role; types whose burn authorisation lets the issuer)."""
        return self._transact(
            "revoke", _uint(token_id, "token_id"), _uint(reason, "reason", 2**16 - 1), sender=sender, **options
        )

    def burn(self, token_id: int, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        """Burn the sender's own badge (types whose burn authorisation lets the holder)."""
        return self._transact("burn", _uint(token_id, "token_id"), sender=sender, **options)

    def record_activity(self, holder: str, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        """Record activity of ``holder`` (activity role): folds decay in, adds the activity weight."""
        holder_ = checksum(holder, "holder")
        require(holder_ != ZERO_ADDRESS, "holder must not be the zero address", field="holder")
        return self._transact("recordActivity", holder_, sender=sender, **options)

    def _call_reads(self, *calls: tuple[str, tuple[Any, ...]]) -> list[Any]:
        return [self._call(fn, *args) for fn, args in calls]


# --- TieredBadges -------------------------------------------------------------------------------


class TieredBadges(ContractClient):
    """One deployed TieredBadges (ERC-1155 tiers). Reverts raise :mod:`quiltkit.tiered_badges_errors`."""

    artifact_name = "TieredBadges"
    errors = tiered_badges_errors.ERRORS  # type: ignore[assignment]
    event_types = TIER_EVENTS  # type: ignore[assignment]

    @classmethod
    def deploy(cls, w3: Web3, sender: Sender, *, uri: str, admin: str, **options: Unpack[TxOptions]) -> TieredBadges:
        """Deploy TieredBadges; ``admin`` holds DEFAULT_ADMIN_ROLE and ISSUER_ROLE."""
        require(isinstance(uri, str), "uri must be a string", field="uri")
        address, _ = cls._deploy(w3, sender, uri, checksum(admin, "admin"), **options)
        return cls._deployed(w3, address)

    def tier(self, tier_id: int) -> Tier:
        """A tier's terms. Raises TierNotFound."""
        _exists, soulbound, lower = self._call("tier", _uint(tier_id, "tier_id"))
        return Tier(tier_id=tier_id, soulbound=soulbound, lower=lower or None)

    def is_soulbound(self, tier_id: int) -> bool:
        return bool(self._call("isSoulbound", _uint(tier_id, "tier_id")))

    def balance_of(self, account: str, tier_id: int) -> int:
        return int(self._call("balanceOf", checksum(account, "account"), _uint(tier_id, "tier_id")))

    def uri(self, tier_id: int) -> str:
        return str(self._call("uri", _uint(tier_id, "tier_id")))

    def has_role(self, role: str, account: str) -> bool:
        return bool(self._call("hasRole", role_id(role), checksum(account, "account")))

    def create_tier(
        self, tier_id: int, *, soulbound: bool, lower: int | None = None, sender: Sender, **options: Unpack[TxOptions]
    ) -> TxResult:
        """Create tier ``tier_id`` (> 0), soulbound or tradeable, optionally the upgrade of ``lower``."""
        require(_uint(tier_id, "tier_id") > 0, "tier_id must be > 0", field="tier_id")
        lower_ = 0 if lower is None else _uint(lower, "lower")
        require(lower_ != tier_id, "a tier cannot be its own lower tier", field="lower")
        return self._transact("createTier", tier_id, bool(soulbound), lower_, sender=sender, **options)

    def mint(self, to: str, tier_id: int, amount: int = 1, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        require(_uint(amount, "amount") > 0, "amount must be > 0", field="amount")
        return self._transact("mint", checksum(to, "to"), _uint(tier_id, "tier_id"), amount, sender=sender, **options)

    def upgrade(
        self, holder: str, from_tier: int, to_tier: int, *, sender: Sender, **options: Unpack[TxOptions]
    ) -> TxResult:
        """Burn one of ``from_tier`` and mint one of ``to_tier`` (its upgrade) in one call."""
        return self._transact(
            "upgrade",
            checksum(holder, "holder"),
            _uint(from_tier, "from_tier"),
            _uint(to_tier, "to_tier"),
            sender=sender,
            **options,
        )

    def burn(self, tier_id: int, amount: int = 1, *, sender: Sender, **options: Unpack[TxOptions]) -> TxResult:
        require(_uint(amount, "amount") > 0, "amount must be > 0", field="amount")
        return self._transact("burn", _uint(tier_id, "tier_id"), amount, sender=sender, **options)

    def safe_transfer_from(
        self,
        from_: str,
        to: str,
        tier_id: int,
        amount: int,
        data: bytes = b"",
        *,
        sender: Sender,
        **options: Unpack[TxOptions],
    ) -> TxResult:
        """Transfer a tradeable tier (a soulbound one raises TierSoulbound; nothing is sent)."""
        return self._transact(
            "safeTransferFrom",
            checksum(from_, "from"),
            checksum(to, "to"),
            _uint(tier_id, "tier_id"),
            _uint(amount, "amount"),
            bytes(data),
            sender=sender,
            **options,
        )

    def set_approval_for_all(
        self, operator: str, approved: bool, *, sender: Sender, **options: Unpack[TxOptions]
    ) -> TxResult:
        return self._transact(
            "setApprovalForAll", checksum(operator, "operator"), bool(approved), sender=sender, **options
        )
