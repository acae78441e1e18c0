"""Badges through the SDK: SoulboundBadge (types, issuer and attested issuance, revocation, holder
burn, activity, reputation and its client-side decay, metadata) and TieredBadges (tiers, upgrades,
soulbound and tradeable transfers); every named failure raised as its SDK exception with nothing
sent. Times come from the chain (ape's pending timestamp), never the wall clock."""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from eth_abi.abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from quiltkit import (
    BadgeAttestation,
    BurnAuth,
    InvalidAddress,
    InvalidInput,
    SoulboundBadge,
    TieredBadges,
)
from quiltkit.attestations import (
    attestation_digest,
    new_attestation_id,
    sequential_attestation_id,
    sign_attestation,
)
from quiltkit.badge_errors import (
    AccessControlUnauthorizedAccount,
    BadgeAttestationAlreadyUsed,
    BadgeAttestationExpired,
    BadgeInvalidDecayRate,
    BadgeNotBurnable,
    BadgeNotFound,
    BadgeNotHolder,
    BadgeNotRevocable,
    BadgeTypeNotFound,
    QuorumInsufficientSignatures,
    QuorumInvalidSignature,
    QuorumSignerSetMismatch,
    SoulboundApprovalDisabled,
    SoulboundTransferDisabled,
)
from quiltkit.badge_events import ActivityRecorded, BadgeIssued, BadgeRevoked
from quiltkit.badges import YEAR, decay, decay_up, exp_wad, issued_token_ids, ln_keep, ln_wad, registered_type
from quiltkit.intents import VerifierSignature
from quiltkit.tiered_badges_errors import ERC1155InsufficientBalance, TierNotUpgradeOf, TierSoulbound
from web3 import Web3

UNIT = 10**18
WEIGHT = 100 * UNIT
ACTIVITY = 10 * UNIT
EVIDENCE = "0x" + "ab" * 32


def advance(seconds: int) -> None:
    """Move the chain's clock (no wall clock involved) and mine a block."""
    from ape import chain

    chain.pending_timestamp = chain.pending_timestamp + seconds
    chain.mine()


def chain_now(w3: Web3) -> int:
    return int(w3.eth.get_block("latest")["timestamp"])


@dataclass
class Setup:
    badges: SoulboundBadge
    contribution: int  # IssuerOnly, 2-of-3 attestable, on-chain JSON
    review: int  # Both, expires after a year, off-chain URI
    permanent: int  # Neither
    self_burn: int  # OwnerOnly
    validators: list[str]


@pytest.fixture(scope="module")
def setup(
    w3: Web3, operator: LocalAccount, maintainer: LocalAccount, relayer: LocalAccount, verifiers: list[LocalAccount]
) -> Setup:
    badges = SoulboundBadge.deploy(w3, operator, admin=operator.address, activity_weight=ACTIVITY)
    badges.grant_role("ISSUER_ROLE", maintainer.address, sender=operator)
    badges.grant_role("ACTIVITY_ROLE", relayer.address, sender=operator)
    ids = []
    for name, weight, auth, expiry, on_chain in (
        ("Contribution", WEIGHT, BurnAuth.ISSUER_ONLY, 0, True),
        ("Review", 40 * UNIT, BurnAuth.BOTH, YEAR, False),
        ("Founder", UNIT, BurnAuth.NEITHER, 0, True),
        ("Opt-in", 5 * UNIT, BurnAuth.OWNER_ONLY, 0, True),
    ):
        result = badges.register_type(
            name,
            f"ipfs://{name.lower()}",
            weight,
            burn_auth=auth,
            expiry_period=expiry,
            on_chain_uri=on_chain,
            sender=operator,
        )
        ids.append(registered_type(result))
    validators = [v.address for v in verifiers]
    badges.set_validators(ids[0], validators, 2, sender=operator)
    return Setup(badges, *ids, validators=validators)


@pytest.fixture
def fresh_holder() -> Callable[[], LocalAccount]:
    from eth_account import Account

    def make() -> LocalAccount:
        return Account.create()

    return make


def _attestation(setup: Setup, holder: str, w3: Web3, **overrides: object) -> BadgeAttestation:
    fields: dict[str, object] = {
        "holder": holder,
        "badge_type": setup.contribution,
        "evidence_hash": EVIDENCE,
        "attestation_id": new_attestation_id(),
        "deadline": chain_now(w3) + 3_600,
    }
    fields.update(overrides)
    return BadgeAttestation(**fields)


# --- decay: the SDK's arithmetic is the contract's ---------------------------------------------


def test_ln_and_exp_match_known_values() -> None:
    assert exp_wad(0) == UNIT
    assert ln_wad(UNIT) == 0
    assert abs(exp_wad(UNIT) - 2_718281828459045235) <= 1
    assert abs(ln_keep(500) - -51293294387550533) <= 1  # ln(0.95)
    assert decay(WEIGHT, 0) == WEIGHT


def test_client_decay_equals_the_contract_on_random_inputs(setup: Setup) -> None:
    rng = random.Random(22)  # noqa: S311 (test inputs with a fixed seed, not secrets)
    for _ in range(60):
        score = rng.randrange(1, 2**128)
        elapsed = rng.randrange(0, 50 * YEAR + 1)
        assert decay(score, elapsed) == setup.badges.decayed(score, elapsed), (score, elapsed)


@pytest.mark.parametrize("rate", [0, 1, 1_000, 9_999])
def test_client_decay_equals_the_contract_at_other_rates(w3: Web3, operator: LocalAccount, rate: int) -> None:
    other = SoulboundBadge.deploy(w3, operator, admin=operator.address, annual_rate_bps=rate)
    assert other.annual_rate_bps() == rate
    rng = random.Random(rate)  # noqa: S311 (test inputs)
    for _ in range(10):
        score, elapsed = rng.randrange(1, 2**100), rng.randrange(0, 50 * YEAR)
        assert decay(score, elapsed, rate) == other.decayed(score, elapsed)


def test_decay_accuracy_and_direction() -> None:
    from decimal import Context, Decimal, localcontext

    # A context of our own: the global one may be Vyper's, which refuses a precision change (ape's
    # Vyper plugin installs it once it has compiled the auction house in the same session).
    with localcontext(Context(prec=60)):
        keep = Decimal("0.95")
        for years in (Decimal("0.5"), Decimal(1), Decimal(10), Decimal(50)):
            exact = Decimal(WEIGHT) * (keep.ln() * years).exp()
            got = decay(WEIGHT, int(years * YEAR))
            assert got <= exact + 1  # never in the holder's favour
            assert abs(Decimal(got) - exact) / exact < Decimal("1e-6")


# --- issuance, reads, models -------------------------------------------------------------------


def test_issue_reads_back_as_models(w3: Web3, setup: Setup, maintainer: LocalAccount, fresh_holder) -> None:  # type: ignore[no-untyped-def]
    holder = fresh_holder().address
    result = setup.badges.issue(holder, setup.contribution, EVIDENCE, sender=maintainer)
    (token_id,) = issued_token_ids(result)
    badge = setup.badges.badge(token_id)
    assert badge.holder == holder
    assert badge.badge_type == setup.contribution
    assert badge.evidence_hash == EVIDENCE
    assert badge.index == 1
    assert badge.expires_at is None
    assert setup.badges.locked(token_id)
    assert setup.badges.burn_auth(token_id) is BurnAuth.ISSUER_ONLY
    assert setup.badges.owner_of(token_id) == holder
    assert setup.badges.identity_of(holder) == int(holder, 16)
    rep = setup.badges.reputation(holder)
    assert rep.score == WEIGHT and rep.current == WEIGHT and rep.minted == 1
    terms = setup.badges.badge_type(setup.contribution)
    assert terms.name == "Contribution" and terms.weight == WEIGHT and terms.threshold == 2
    assert setup.badges.supports_interface(bytes.fromhex("b45a3c0e"))
    assert setup.badges.supports_interface(bytes.fromhex("0489b56f"))
    events = setup.badges.events(BadgeIssued, from_block=result.block_number, holder=holder)
    assert [e.token_id for e in events] == [token_id]


def test_reputation_decays_then_grows_and_the_model_projects_it(
    w3: Web3, setup: Setup, maintainer: LocalAccount, relayer: LocalAccount, fresh_holder
) -> None:  # type: ignore[no-untyped-def]
    holder = fresh_holder().address
    setup.badges.issue(holder, setup.contribution, EVIDENCE, sender=maintainer)
    rep = setup.badges.reputation(holder)
    advance(YEAR)
    now = chain_now(w3)
    assert setup.badges.reputation_of(holder) == rep.at_time(now) == decay(WEIGHT, now - rep.last_activity)
    assert setup.badges.reputation_of(holder) < WEIGHT
    before = setup.badges.reputation_of(holder)
    result = setup.badges.record_activity(holder, sender=relayer)
    assert result.event("ActivityRecorded").args["weight"] == ACTIVITY
    after = setup.badges.reputation(holder)
    assert after.score == decay(WEIGHT, after.last_activity - rep.last_activity) + ACTIVITY
    assert after.current > before
    assert [e.weight for e in setup.badges.events(ActivityRecorded, holder=holder)] == [ACTIVITY]


def test_batch_issue(setup: Setup, maintainer: LocalAccount, fresh_holder) -> None:  # type: ignore[no-untyped-def]
    holders = [fresh_holder().address for _ in range(3)]
    result = setup.badges.issue_batch(holders, setup.review, [EVIDENCE] * 3, sender=maintainer)
    ids = issued_token_ids(result)
    assert [setup.badges.owner_of(i) for i in ids] == holders
    assert setup.badges.token_uri(ids[0]) == "ipfs://review"
    assert setup.badges.badge(ids[0]).expires_at == setup.badges.badge(ids[0]).issued_at + YEAR


def test_token_uri_on_chain_json(setup: Setup, maintainer: LocalAccount, fresh_holder) -> None:  # type: ignore[no-untyped-def]
    holder = fresh_holder().address
    (token_id,) = issued_token_ids(setup.badges.issue(holder, setup.contribution, EVIDENCE, sender=maintainer))
    uri = setup.badges.token_uri(token_id)
    prefix = "data:application/json;base64,"
    assert uri.startswith(prefix)
    doc = json.loads(base64.b64decode(uri[len(prefix) :]))
    traits = {a["trait_type"]: a["value"] for a in doc["attributes"]}
    assert doc["name"] == "Contribution #1"
    assert traits["evidence_hash"] == EVIDENCE
    assert traits["weight"] == WEIGHT
    assert traits["holder_reputation"] == setup.badges.reputation_of(holder)


# --- attestations ------------------------------------------------------------------------------


def test_attestation_digest_equals_the_contract(w3: Web3, setup: Setup, fresh_holder) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(7)  # noqa: S311 (test inputs)
    for _ in range(5):
        att = _attestation(
            setup, fresh_holder().address, w3, badge_type=rng.randrange(1, 2**64), deadline=rng.randrange(1, 2**200)
        )
        assert attestation_digest(att, setup.badges.domain()) == setup.badges.hash_attestation(att)


def test_issue_with_attestation_two_of_three(
    w3: Web3, setup: Setup, relayer: LocalAccount, verifiers: list[LocalAccount], fresh_holder
) -> None:  # type: ignore[no-untyped-def]
    holder = fresh_holder().address
    att = _attestation(setup, holder, w3)
    domain = setup.badges.domain()
    signatures = [sign_attestation(att, domain, verifiers[2]), sign_attestation(att, domain, verifiers[0])]
    result = setup.badges.issue_with_attestation(att, setup.validators, signatures, sender=relayer)
    (token_id,) = issued_token_ids(result)
    assert result.event("BadgeIssued").args["attestationId"] == att.attestation_id
    assert setup.badges.owner_of(token_id) == holder
    assert setup.badges.attestation_used(att.attestation_id)
    nonce = w3.eth.get_transaction_count(relayer.address)
    with pytest.raises(BadgeAttestationAlreadyUsed) as used:
        setup.badges.issue_with_attestation(att, setup.validators, signatures, sender=relayer)
    assert used.value.args_by_name["attestationId"] == att.attestation_id
    assert w3.eth.get_transaction_count(relayer.address) == nonce


def test_sequential_attestation_ids_share_bitmap_words_and_issue_once(
    w3: Web3, setup: Setup, relayer: LocalAccount, verifiers: list[LocalAccount], fresh_holder
) -> None:  # type: ignore[no-untyped-def]
    ids = [sequential_attestation_id("quiltkit relayer", n) for n in range(3)]
    assert len({int(i, 16) >> 8 for i in ids}) == 1  # one bitmap word
    domain = setup.badges.domain()
    for attestation_id in ids[:2]:
        att = _attestation(setup, fresh_holder().address, w3, attestation_id=attestation_id)
        sigs = [sign_attestation(att, domain, v) for v in verifiers[:2]]
        setup.badges.issue_with_attestation(att, setup.validators, sigs, sender=relayer)
    assert [setup.badges.attestation_used(i) for i in ids] == [True, True, False]
    with pytest.raises(InvalidInput, match="n must be"):
        sequential_attestation_id("x", -1)


def test_attestation_failures_are_named_and_nothing_is_sent(
    w3: Web3, setup: Setup, relayer: LocalAccount, verifiers: list[LocalAccount], funder: LocalAccount, fresh_holder
) -> None:  # type: ignore[no-untyped-def]
    holder = fresh_holder().address
    domain = setup.badges.domain()
    nonce = w3.eth.get_transaction_count(relayer.address)
    att = _attestation(setup, holder, w3)
    one = [VerifierSignature(verifier_index=0, signature=sign_attestation(att, domain, verifiers[0]))]
    with pytest.raises(QuorumInsufficientSignatures):
        setup.badges.issue_with_attestation(att, setup.validators, one, sender=relayer)
    forged = [
        VerifierSignature(verifier_index=0, signature=sign_attestation(att, domain, verifiers[0])),
        VerifierSignature(verifier_index=1, signature=sign_attestation(att, domain, funder)),
    ]
    with pytest.raises(QuorumInvalidSignature):
        setup.badges.issue_with_attestation(att, setup.validators, forged, sender=relayer)
    with pytest.raises(QuorumSignerSetMismatch):
        setup.badges.issue_with_attestation(att, setup.validators[:2] + [funder.address], forged, sender=relayer)
    with pytest.raises(InvalidInput, match="not a validator"):
        setup.badges.issue_with_attestation(
            att, setup.validators, [sign_attestation(att, domain, funder)], sender=relayer
        )
    stale = _attestation(setup, holder, w3, deadline=chain_now(w3) - 1)
    sigs = [sign_attestation(stale, domain, v) for v in verifiers[:2]]
    with pytest.raises(BadgeAttestationExpired):
        setup.badges.issue_with_attestation(stale, setup.validators, sigs, sender=relayer)
    with pytest.raises(InvalidInput):
        BadgeAttestation(holder=holder, badge_type=0, evidence_hash=EVIDENCE, attestation_id=EVIDENCE, deadline=1)
    with pytest.raises(InvalidAddress):
        BadgeAttestation(holder="0x12", badge_type=1, evidence_hash=EVIDENCE, attestation_id=EVIDENCE, deadline=1)
    assert w3.eth.get_transaction_count(relayer.address) == nonce


# --- removal, roles, soulbound -----------------------------------------------------------------


def test_revoke_and_burn(w3: Web3, setup: Setup, maintainer: LocalAccount, fresh_holder) -> None:  # type: ignore[no-untyped-def]
    holder = fresh_holder()
    w3.eth.send_transaction({"from": maintainer.address, "to": holder.address, "value": UNIT})  # gas money
    ids = {}
    for name, badge_type in (("c", setup.contribution), ("p", setup.permanent), ("s", setup.self_burn)):
        (ids[name],) = issued_token_ids(setup.badges.issue(holder.address, badge_type, EVIDENCE, sender=maintainer))
    c_issued = setup.badges.badge(ids["c"]).issued_at
    advance(YEAR // 2)
    result = setup.badges.revoke(ids["c"], 9, sender=maintainer)
    revoked = setup.badges.events(BadgeRevoked, from_block=result.block_number)[0]
    assert revoked.reason == 9
    # what the contract subtracted is the badge's weight decayed since issue, rounded up
    assert revoked.subtracted == decay_up(WEIGHT, block_time(w3, result.block_number) - c_issued)
    with pytest.raises(BadgeNotFound):
        setup.badges.badge(ids["c"])
    nonce = w3.eth.get_transaction_count(maintainer.address)
    with pytest.raises(BadgeNotRevocable):
        setup.badges.revoke(ids["p"], sender=maintainer)
    with pytest.raises(BadgeNotRevocable):
        setup.badges.revoke(ids["s"], sender=maintainer)
    with pytest.raises(BadgeNotHolder):
        setup.badges.burn(ids["s"], sender=maintainer)
    assert w3.eth.get_transaction_count(maintainer.address) == nonce
    with pytest.raises(BadgeNotBurnable):
        setup.badges.burn(ids["p"], sender=holder)
    setup.badges.burn(ids["s"], sender=holder)
    assert setup.badges.balance_of(holder.address) == 1


def block_time(w3: Web3, block: int) -> int:
    return int(w3.eth.get_block(block)["timestamp"])


def test_roles_and_types_are_enforced(w3: Web3, setup: Setup, funder: LocalAccount, operator: LocalAccount) -> None:
    nonce = w3.eth.get_transaction_count(funder.address)
    with pytest.raises(AccessControlUnauthorizedAccount):
        setup.badges.issue(funder.address, setup.contribution, EVIDENCE, sender=funder)
    with pytest.raises(AccessControlUnauthorizedAccount):
        setup.badges.record_activity(funder.address, sender=funder)
    with pytest.raises(AccessControlUnauthorizedAccount):
        setup.badges.register_type("x", "", 1, sender=funder)
    with pytest.raises(BadgeTypeNotFound):
        setup.badges.badge_type(999)
    assert w3.eth.get_transaction_count(funder.address) == nonce
    with pytest.raises(BadgeInvalidDecayRate):
        SoulboundBadge.deploy(w3, operator, admin=operator.address, annual_rate_bps=10_000)
    assert setup.badges.has_role("DEFAULT_ADMIN_ROLE", operator.address)


def test_soulbound_transfer_and_approval_are_refused(
    w3: Web3, setup: Setup, maintainer: LocalAccount, funder: LocalAccount
) -> None:
    (token_id,) = issued_token_ids(setup.badges.issue(funder.address, setup.review, EVIDENCE, sender=maintainer))
    nonce = w3.eth.get_transaction_count(funder.address)
    with pytest.raises(SoulboundTransferDisabled):
        setup.badges._transact("transferFrom", funder.address, maintainer.address, token_id, sender=funder)
    # both safeTransferFrom overloads, encoded by hand (the client's encoder takes unique names)
    for signature, types, extra in (
        ("safeTransferFrom(address,address,uint256)", ["address", "address", "uint256"], ()),
        ("safeTransferFrom(address,address,uint256,bytes)", ["address", "address", "uint256", "bytes"], (b"hi",)),
    ):
        data = keccak(text=signature)[:4] + abi_encode(types, [funder.address, maintainer.address, token_id, *extra])
        with pytest.raises(SoulboundTransferDisabled):
            setup.badges._transact_data(data, sender=funder)
    with pytest.raises(SoulboundApprovalDisabled):
        setup.badges._transact("approve", maintainer.address, token_id, sender=funder)
    with pytest.raises(SoulboundApprovalDisabled):
        setup.badges._transact("setApprovalForAll", maintainer.address, True, sender=funder)
    assert w3.eth.get_transaction_count(funder.address) == nonce


def test_bad_input_is_refused_before_sending(
    w3: Web3, setup: Setup, maintainer: LocalAccount, operator: LocalAccount
) -> None:
    nonce = w3.eth.get_transaction_count(maintainer.address)
    with pytest.raises(InvalidAddress):
        setup.badges.issue("0xnot", setup.contribution, EVIDENCE, sender=maintainer)
    with pytest.raises(InvalidInput, match="zero address"):
        setup.badges.issue("0x" + "00" * 20, setup.contribution, EVIDENCE, sender=maintainer)
    with pytest.raises(InvalidInput, match="evidence_hash"):
        setup.badges.issue(maintainer.address, setup.contribution, "0x1234", sender=maintainer)
    with pytest.raises(InvalidInput, match="badge_type"):
        setup.badges.issue(maintainer.address, -1, EVIDENCE, sender=maintainer)
    with pytest.raises(InvalidInput, match="holders"):
        setup.badges.issue_batch([maintainer.address], setup.review, [], sender=maintainer)
    with pytest.raises(InvalidInput, match="reason"):
        setup.badges.revoke(1, 70_000, sender=maintainer)
    with pytest.raises(InvalidInput, match="threshold"):
        setup.badges.set_validators(setup.review, setup.validators, 4, sender=maintainer)
    with pytest.raises(InvalidInput, match="distinct"):
        setup.badges.set_validators(setup.review, setup.validators[:1] * 2, 1, sender=maintainer)
    with pytest.raises(InvalidInput, match="weight"):
        setup.badges.register_type("x", "", 2**128, sender=maintainer)
    assert w3.eth.get_transaction_count(maintainer.address) == nonce


# --- TieredBadges ------------------------------------------------------------------------------


def test_tiers_upgrade_and_transfer_rules(
    w3: Web3, operator: LocalAccount, funder: LocalAccount, contributor: LocalAccount
) -> None:
    tiers = TieredBadges.deploy(w3, operator, uri="ipfs://tiers/{id}.json", admin=operator.address)
    tiers.create_tier(1, soulbound=True, sender=operator)
    tiers.create_tier(2, soulbound=True, lower=1, sender=operator)
    tiers.create_tier(50, soulbound=False, sender=operator)
    assert tiers.tier(2).lower == 1 and tiers.is_soulbound(1) and not tiers.is_soulbound(50)
    tiers.mint(funder.address, 1, sender=operator)
    tiers.mint(funder.address, 50, 3, sender=operator)
    tiers.upgrade(funder.address, 1, 2, sender=operator)
    assert tiers.balance_of(funder.address, 1) == 0 and tiers.balance_of(funder.address, 2) == 1
    tiers.safe_transfer_from(funder.address, contributor.address, 50, 2, sender=funder)
    assert tiers.balance_of(contributor.address, 50) == 2
    nonce = w3.eth.get_transaction_count(funder.address)
    with pytest.raises(TierSoulbound):
        tiers.safe_transfer_from(funder.address, contributor.address, 2, 1, sender=funder)
    with pytest.raises(ERC1155InsufficientBalance):
        tiers.burn(1, sender=funder)
    assert w3.eth.get_transaction_count(funder.address) == nonce
    with pytest.raises(TierNotUpgradeOf):
        tiers.upgrade(funder.address, 50, 2, sender=operator)
    with pytest.raises(InvalidInput, match="tier_id"):
        tiers.create_tier(0, soulbound=True, sender=operator)
    assert tiers.uri(1) == "ipfs://tiers/{id}.json"
