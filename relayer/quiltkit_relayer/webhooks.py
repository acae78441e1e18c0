"""GitHub intake: a merged pull request becomes a signed PayoutIntent.

``POST /webhooks/github``:

1. ``X-Hub-Signature-256`` must be the HMAC-SHA256 of the raw body under the configured secret
   (compared in constant time) - else ``bad_signature``, and nothing is recorded;
2. ``X-GitHub-Delivery`` is remembered: the same delivery again is ``duplicate_delivery``;
3. only ``pull_request`` events that are ``closed`` with ``merged: true`` pay;
4. the bounty is found by repository + PR number, or + an issue the PR body closes
   ("Closes #12", "fixes #12", "resolves owner/repo#12");
5. the intent's id and deadline derive from the merge (repository, PR, merge commit, escrow,
   milestone, merged_at), so a redelivery of the same merge builds the same intent; its evidence
   hash is :func:`quiltkit.intents.evidence_hash` of ``{repo, pr, merge_commit, author, merged_at}``;
6. if this instance holds a verifier key it signs; the intent then goes through intake.

A delivery refused at any step signs nothing and stores no intent; the response names the reason.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from datetime import datetime
from typing import Any

from eth_utils.crypto import keccak
from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError
from quiltkit import intents
from quiltkit.escrow_errors import EscrowNotFound
from quiltkit.intents import PayoutIntent

from quiltkit_relayer import badges
from quiltkit_relayer.chains.base import ChainUnavailable
from quiltkit_relayer.config import BountyMapping, GithubSettings, payout_address
from quiltkit_relayer.keys import Verifier, verifier_id
from quiltkit_relayer.models import IntentRecord, IntentState, IntentSubmission, Reason, Rejection
from quiltkit_relayer.pipeline.context import Context
from quiltkit_relayer.pipeline.intake import accept
from quiltkit_relayer.results import Abort, Done, Retry

__all__ = ["PullRequestEvent", "WebhookResult", "build_router", "closed_issues", "signature_valid"]

_CLOSES = re.compile(
    r"\b(?:close|closes|closed|fix|fixes|fixed|resolve|resolves|resolved)\s*:?\s+"
    r"(?:(?P<repo>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+))?#(?P<number>\d+)",
    re.IGNORECASE,
)
_PAYEE_TAG = re.compile(r"quiltkit-payee:\s*(0x[0-9a-fA-F]{40}|G[A-Z2-7]{55})")


class _User(BaseModel):
    model_config = ConfigDict(extra="allow")
    login: str
    id: int


class _Repository(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int
    full_name: str


class _Base(BaseModel):
    model_config = ConfigDict(extra="allow")
    ref: str
    repo: _Repository


class _PullRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    number: int
    state: str
    merged: bool | None = None
    merged_at: str | None = None
    merge_commit_sha: str | None = None
    body: str | None = None
    user: _User
    base: _Base


class PullRequestEvent(BaseModel):
    """The fields of GitHub's ``pull_request`` webhook payload that a payout needs."""

    model_config = ConfigDict(extra="allow")
    action: str
    number: int
    pull_request: _PullRequest
    repository: _Repository
    sender: _User


class WebhookResult(BaseModel):
    accepted: bool
    reason: str | None = None
    detail: str | None = None
    delivery: str | None = None
    intent_id: str | None = None
    state: str | None = None
    signed: bool = False
    badge: str | None = None
    """The attestation id of the badge this payout earns, when the bounty names a badge type."""


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is ``sha256=<hex HMAC-SHA256 of body>`` (constant-time comparison)."""
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def closed_issues(body: str | None, repo: str) -> list[int]:
    """Issue numbers of ``repo`` that a PR body closes with GitHub's keywords."""
    found = []
    for m in _CLOSES.finditer(body or ""):
        other = m.group("repo")
        if other is None or other.lower() == repo.lower():
            found.append(int(m.group("number")))
    return found


def _bounty(settings: GithubSettings, event: PullRequestEvent) -> BountyMapping | None:
    repo = event.repository.full_name.lower()
    mine = [b for b in settings.bounties if b.repo.lower() == repo]
    for b in mine:
        if b.pr == event.pull_request.number:
            return b
    for number in closed_issues(event.pull_request.body, event.repository.full_name):
        for b in mine:
            if b.issue == number:
                return b
    return None


def _epoch(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


class _Refused(Exception):
    def __init__(self, status: int, reason: Reason, detail: str) -> None:
        self.status, self.reason, self.detail = status, reason, detail


def build_router(ctx: Context, verifier: Verifier | None) -> APIRouter:
    router = APIRouter(tags=["webhooks"])
    responses: dict[int | str, dict[str, Any]] = {
        code: {"model": WebhookResult, "description": text}
        for code, text in [
            (200, "Delivery understood; nothing to pay (reason says why)."),
            (202, "Merged pull request: the payout intent was built (and signed, if a verifier)."),
            (400, "Missing headers or a body that is not a GitHub payload."),
            (401, "X-Hub-Signature-256 does not match the body."),
            (409, "This X-GitHub-Delivery was seen before."),
            (503, "Webhooks are not configured on this instance."),
        ]
    }

    @router.post(
        "/webhooks/github",
        response_model=WebhookResult,
        responses=responses,
        summary="GitHub webhook: a merged pull request pays its bounty",
    )
    async def github_webhook(
        request: Request,
        x_github_event: str | None = Header(default=None),
        x_github_delivery: str | None = Header(default=None),
        x_hub_signature_256: str | None = Header(default=None),
    ) -> JSONResponse:
        body = await request.body()
        return await _run_in_thread(
            handle_delivery, ctx, verifier, body, x_github_event, x_github_delivery, x_hub_signature_256
        )

    return router


async def _run_in_thread(fn: Any, *args: Any) -> JSONResponse:
    from starlette.concurrency import run_in_threadpool

    result: JSONResponse = await run_in_threadpool(fn, *args)
    return result


def handle_delivery(
    ctx: Context,
    verifier: Verifier | None,
    body: bytes,
    event_name: str | None,
    delivery: str | None,
    signature: str | None,
) -> JSONResponse:
    """The whole webhook flow for one delivery (synchronous; the route runs it in a thread)."""
    settings = ctx.settings.github
    log = ctx.log(action="webhook", delivery=delivery, github_event=event_name)

    def reply(status: int, result: WebhookResult) -> JSONResponse:
        # The operator sees why a delivery paid nothing in three places: this reply, this log line
        # (reason and detail) and quiltkit_relayer_webhook_deliveries{accepted, reason}.
        log.info(
            "webhook delivery",
            status=status,
            accepted=result.accepted,
            reason=result.reason,
            detail=result.detail,
            intent_id=result.intent_id,
        )
        ctx.metrics.webhooks.labels("true" if result.accepted else "false", result.reason or "").inc()
        return JSONResponse(status_code=status, content=result.model_dump())

    if settings.webhook_secret is None:
        return reply(
            503,
            WebhookResult(
                accepted=False,
                reason=Reason.WEBHOOKS_DISABLED.value,
                detail="set github.webhook_secret to receive GitHub webhooks",
            ),
        )
    if not signature_valid(settings.webhook_secret.get_secret_value(), body, signature):
        return reply(
            401,
            WebhookResult(
                accepted=False,
                reason=Reason.BAD_SIGNATURE.value,
                delivery=delivery,
                detail="X-Hub-Signature-256 is missing or is not the HMAC-SHA256 of the body",
            ),
        )
    if not delivery or not event_name:
        return reply(
            400,
            WebhookResult(
                accepted=False,
                reason=Reason.MALFORMED_JSON.value,
                detail="X-GitHub-Delivery and X-GitHub-Event headers are required",
            ),
        )
    if not ctx.store.record_delivery(delivery, event_name):
        original = ctx.store.delivery(delivery) or {}
        return reply(
            409,
            WebhookResult(
                accepted=False,
                reason=Reason.DUPLICATE_DELIVERY.value,
                delivery=delivery,
                intent_id=original.get("intent_id"),
                detail="this delivery was processed before; nothing was done again",
            ),
        )
    try:
        result, status = _process(ctx, verifier, body, event_name, delivery)
    except _Refused as refused:
        result = WebhookResult(accepted=False, reason=refused.reason.value, detail=refused.detail, delivery=delivery)
        status = refused.status
    ctx.store.finish_delivery(delivery, accepted=result.accepted, reason=result.reason, intent_id=result.intent_id)
    return reply(status, result)


def _process(
    ctx: Context, verifier: Verifier | None, body: bytes, event_name: str, delivery: str
) -> tuple[WebhookResult, int]:
    settings = ctx.settings.github
    if event_name == "ping":
        return WebhookResult(accepted=True, reason="pong", delivery=delivery), 200
    if event_name != "pull_request":
        raise _Refused(200, Reason.UNSUPPORTED_EVENT, f"{event_name} events pay nothing; send pull_request events")
    try:
        event = PullRequestEvent.model_validate(json.loads(body))
    except (ValueError, ValidationError) as exc:
        raise _Refused(400, Reason.MALFORMED_JSON, f"not a GitHub pull_request payload: {exc}"[:500]) from None
    pr = event.pull_request
    if event.action != "closed" or pr.merged is not True or not pr.merge_commit_sha or not pr.merged_at:
        raise _Refused(200, Reason.NOT_MERGED, f"action {event.action!r}, merged={pr.merged}: only merged PRs pay")
    repo = event.repository.full_name
    if not any(b.repo.lower() == repo.lower() for b in settings.bounties):
        raise _Refused(200, Reason.UNKNOWN_REPOSITORY, f"no bounty is configured for {repo}")
    bounty = _bounty(settings, event)
    if bounty is None:
        raise _Refused(200, Reason.NO_BOUNTY, f"PR #{pr.number} is not a bounty and closes no bounty issue of {repo}")
    intent = _intent(ctx, event, bounty)
    stored = ctx.store.get(intent.intent_id)
    if stored is None or (verifier is not None and verifier_id(verifier) not in stored.signers):
        _precheck(ctx, intent, merged_at=pr.merged_at)  # everything but the signatures, before anything is signed
    signatures = [ctx.adapter.attest(intent, verifier)] if verifier is not None else []
    submission = IntentSubmission(
        chain_id=ctx.adapter.chain_id, contract=ctx.adapter.contract, intent=intent, signatures=signatures
    )
    # The badge the payout earns is stored before the intent, so a stored intent always has it.
    badge = badges.attach(ctx, verifier, intent, bounty.badge_type) if bounty.badge_type is not None else None
    try:
        record, _created = accept(ctx, submission, source="webhook", allow_partial=True)
    except Rejection as exc:
        if badge is not None:
            badges.BadgeBook(ctx.store).drop(badge.attestation_id, f"the payout was rejected: {exc.reason.value}")
        raise _Refused(200, exc.reason, exc.detail) from None
    return (
        WebhookResult(
            accepted=True,
            delivery=delivery,
            intent_id=record.intent_id,
            state=record.state.value,
            signed=verifier is not None,
            badge=badge.attestation_id if badge is not None else None,
            reason=None if verifier is not None else Reason.NOT_A_VERIFIER.value,
            detail=None if verifier is not None else "stored unsigned: the escrow's verifiers must sign it",
        ),
        202,
    )


def _precheck(ctx: Context, intent: PayoutIntent, *, merged_at: str | None) -> None:
    """Refuse the delivery unless the intent would pass every check but its signatures."""
    now = time.time()
    probe = IntentRecord(
        intent_id=intent.intent_id,
        state=IntentState.RECEIVED,
        chain=ctx.adapter.name,
        chain_id=ctx.adapter.chain_id,
        contract=ctx.adapter.contract,
        digest="0x",
        intent=intent,
        signatures=[],
        signers=[],
        source="webhook",
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    match ctx.adapter.check(probe):
        case Done():
            raise _Refused(200, Reason.ALREADY_CONSUMED, "the contract already paid this merge's intent")
        case Retry() as retry:
            raise _Refused(503, Reason.NODE_UNAVAILABLE, f"cannot check the escrow now: {retry.reason}")
        case Abort(reason=Reason.INSUFFICIENT_SIGNATURES):
            return
        case Abort(reason=Reason.EXPIRED) as abort:
            # The deadline derives from the merge, so an old merge (a redelivery weeks later) expires.
            raise _Refused(
                200,
                Reason.EXPIRED,
                f"the merge at {merged_at} is older than github.intent_ttl_s "
                f"({ctx.settings.github.intent_ttl_s} s): {abort.detail}",
            )
        case Abort() as abort:
            raise _Refused(200, abort.reason, abort.detail)
        case _:
            return


def _intent(ctx: Context, event: PullRequestEvent, bounty: BountyMapping) -> PayoutIntent:
    pr = event.pull_request
    assert pr.merge_commit_sha is not None
    assert pr.merged_at is not None
    try:
        info = ctx.adapter.escrow_info(bounty.escrow_id)
    except EscrowNotFound:
        raise _Refused(200, Reason.ESCROW_NOT_FOUND, f"bounty escrow {bounty.escrow_id} does not exist") from None
    except ChainUnavailable as exc:
        raise _Refused(503, Reason.NODE_UNAVAILABLE, f"cannot read escrow {bounty.escrow_id}: {exc}") from None
    if bounty.milestone >= len(info.milestones):
        raise _Refused(200, Reason.INVALID_MILESTONE, f"escrow {bounty.escrow_id} has no milestone {bounty.milestone}")
    stellar = ctx.adapter.name == "soroban"
    payee = info.payee or _payee(ctx.settings.github, pr.user.login, pr.body, stellar=stellar)
    if payee is None:
        kind = "G..." if stellar else "0x..."
        raise _Refused(
            200,
            Reason.UNKNOWN_PAYEE,
            f"no {kind} address for {pr.user.login}: map it in github.payees or add "
            f"'quiltkit-payee: {kind}' to the PR body",
        )
    proof = {
        "repo": event.repository.full_name,
        "pr": pr.number,
        "merge_commit": pr.merge_commit_sha,
        "author": pr.user.login,
        "merged_at": pr.merged_at,
    }
    seed = json.dumps([proof["repo"], pr.number, pr.merge_commit_sha, bounty.escrow_id, bounty.milestone])
    return PayoutIntent(
        escrow_id=bounty.escrow_id,
        milestone=bounty.milestone,
        payee=payee,
        amount=info.milestones[bounty.milestone].amount,
        token=info.token,
        intent_id="0x" + keccak(text="quiltkit/github:" + seed).hex(),
        deadline=_epoch(pr.merged_at) + ctx.settings.github.intent_ttl_s,
        evidence_hash=intents.evidence_hash(proof),
    )


def _payee(settings: GithubSettings, login: str, body: str | None, *, stellar: bool) -> str | None:
    """The contributor's address on this relayer's chain: a Stellar account or an EVM address."""
    candidates = [settings.payees[login]] if login in settings.payees else []
    candidates += _PAYEE_TAG.findall(body or "")
    for candidate in candidates:
        try:
            address = payout_address(candidate)
        except ValueError:
            continue
        if address.startswith("G") == stellar:
            return address
    return None
