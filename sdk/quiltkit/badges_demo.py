"""The reputation chapter of ``quiltkit demo``: the contributor paid in the bounty story earns a
soulbound badge by the verifiers' attestation, watches the reputation decay over a simulated year,
and sees it grow again on new activity. Every step goes through the typed SDK
(``quiltkit.SoulboundBadge``); the year passes on the chain's clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from web3 import Web3

from quiltkit import intents
from quiltkit.attestations import BadgeAttestation, new_attestation_id, sign_attestation
from quiltkit.badges import SoulboundBadge, issued_token_ids, registered_type
from quiltkit.demo import MERGED_PR, Cast
from quiltkit.devchain import advance_time, fund_dev_accounts

__all__ = ["BadgesChapter", "run_badges_chapter"]

UNIT = 10**18
YEAR = 365 * 86_400
WEIGHT = 100 * UNIT
ACTIVITY_WEIGHT = 10 * UNIT


@dataclass
class BadgesChapter:
    badges: str
    token_id: int
    issued: int  # reputation right after the badge
    after_a_year: int  # a year later, no activity
    projected: int  # what the SDK computed for that moment, client-side, from the first read
    after_activity: int  # after the next payout's recordActivity


def run_badges_chapter(
    w3: Web3, say: Callable[[str], None] = print, *, evidence_hash: str | None = None
) -> BadgesChapter:
    """Deploy a SoulboundBadge on ``w3`` and play the chapter, narrating through ``say``.

    ``evidence_hash`` is what earned the badge (the story's payout intent id; default: the hash of
    the merged pull request's evidence).
    """
    cast = Cast.from_dev_accounts()
    fund_dev_accounts(w3, [cast.operator, cast.relayer])
    badges = SoulboundBadge.deploy(w3, cast.operator, admin=cast.operator.address, activity_weight=ACTIVITY_WEIGHT)
    kind = registered_type(badges.register_type("Contribution", "", WEIGHT, sender=cast.operator))
    validators = [v.address for v in cast.verifiers]
    badges.set_validators(kind, validators, 2, sender=cast.operator)
    badges.grant_role("ACTIVITY_ROLE", cast.relayer.address, sender=cast.operator)
    say(
        f"deployed SoulboundBadge at {badges.address}: reputation decays {badges.annual_rate_bps() / 100:g}% a "
        f"year; type #{kind} 'Contribution' weighs {WEIGHT / UNIT:g}, issued by 2 of the 3 verifiers"
    )

    now = int(w3.eth.get_block("latest")["timestamp"])
    attestation = BadgeAttestation(
        holder=cast.contributor.address,
        badge_type=kind,
        evidence_hash=evidence_hash or intents.evidence_hash(MERGED_PR),
        attestation_id=new_attestation_id(),
        deadline=now + 86_400,
    )
    domain = badges.domain()
    signatures = [sign_attestation(attestation, domain, v) for v in (cast.verifiers[0], cast.verifiers[2])]
    result = badges.issue_with_attestation(attestation, validators, signatures, sender=cast.relayer)
    (token_id,) = issued_token_ids(result)
    issued = badges.reputation(cast.contributor.address)
    say(
        f"1. verifiers 1 and 3 attest the contributor's work (evidence {attestation.evidence_hash[:10]}...); the "
        f"relayer submits it: soulbound badge {hex(token_id)[:12]}... (gas {result.gas_used}); reputation "
        f"{issued.current / UNIT:.2f}"
    )

    later = advance_time(w3, YEAR)
    projected = issued.at_time(later)  # client-side, from the one read above
    after_a_year = badges.reputation_of(cast.contributor.address)
    say(
        f"2. a year without activity passes: reputation {after_a_year / UNIT:.4f} "
        f"(the SDK's own decay projected {projected / UNIT:.4f})"
    )

    badges.record_activity(cast.contributor.address, sender=cast.relayer)
    after_activity = badges.reputation_of(cast.contributor.address)
    say(
        f"3. the contributor is paid again; the relayer records the activity: reputation "
        f"{after_activity / UNIT:.4f} (+{ACTIVITY_WEIGHT / UNIT:g}, and the clock restarts)"
    )
    return BadgesChapter(
        badges=badges.address,
        token_id=token_id,
        issued=issued.current,
        after_a_year=after_a_year,
        projected=projected,
        after_activity=after_activity,
    )
