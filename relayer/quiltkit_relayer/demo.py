"""The demo's relayer chapter: a merged pull request pays its bounty through the relayer.

``quiltkit demo`` ends with it (``--no-relayer`` skips it). A maintainer opens and funds an open
bounty (2-of-3 verifiers, the PR's author mapped to the contributor's address); two relayer
instances run in this process on one temporary SQLite store, each holding one verifier key
(verifiers 1 and 3; the first also submits, the second only signs), each behind its own HTTP
server, as two GitHub webhooks would reach them. GitHub's published ``pull_request`` example,
merged (:func:`quiltkit_relayer.github_examples.as_merged`), is POSTed to ``/webhooks/github`` of
both with a valid ``X-Hub-Signature-256`` and a fresh ``X-GitHub-Delivery`` each; the two
signatures meet the escrow's threshold and the pipeline submits and confirms the payout.

The relayer talks to its node over JSON-RPC from its own threads, so the chapter needs an HTTP
node (anvil or ``--rpc-url``); the CLI starts an anvil for it when the story ran on the embedded
chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from eth_account.signers.local import LocalAccount
from fastapi import FastAPI
from quiltkit import intents
from quiltkit.badges import SoulboundBadge, registered_type
from quiltkit.demo import Cast
from quiltkit.devchain import fund_dev_accounts
from quiltkit.escrow import Escrow, EscrowTerms, MilestoneState
from quiltkit.exceptions import QuiltkitError
from quiltkit.tokens import Token
from web3 import Web3

from quiltkit_relayer.config import load_settings
from quiltkit_relayer.daemon import Relayer
from quiltkit_relayer.github_examples import as_merged, examples_file, published_example
from quiltkit_relayer.logs import configure_logging

__all__ = ["RelayerChapterResult", "run_relayer_chapter"]

UNIT = 10**18
DAY = 86_400
BOUNTY = 250 * UNIT
BADGE_WEIGHT = 100 * UNIT


@dataclass(frozen=True)
class RelayerChapterResult:
    escrow: str
    token: str
    escrow_id: int
    milestone: int
    intent_id: str
    payee: str
    payee_before: int
    payee_after: int
    tx_hash: str | None
    badge: dict[str, Any] | None = None
    """The badge the payout earned, as ``GET /badges`` lists it (issued once the payout confirmed)."""


class _Server:
    """One relayer's FastAPI app served by uvicorn on a loopback port, in a thread."""

    def __init__(self, app: FastAPI) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="demo-relayer-http", daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise QuiltkitError("the demo relayer's HTTP server did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def _deliver(url: str, secret: str, body: bytes, delivery: str) -> httpx.Response:
    """POST a delivery as GitHub does: event, delivery id and HMAC-SHA256 signature headers."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/quiltkit-demo",
        "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
    }
    return httpx.post(f"{url}/webhooks/github", content=body, headers=headers, timeout=30)


@contextmanager
def _relayers(
    rpc_url: str,
    escrow: Escrow,
    cast: Cast,
    github: dict[str, Any],
    secrets_: tuple[str, str],
    workdir: Path,
    badges: str,
) -> Iterator[tuple[Relayer, str, str]]:
    """The submitting verifier-1 relayer (workers started) and the signing-only verifier-3 relayer."""
    common: dict[str, Any] = {
        "database_url": f"sqlite:///{workdir / 'relayer.db'}",
        "rpc_url": rpc_url,
        "escrow_address": escrow.address,
        "chain_id": int(escrow.w3.eth.chain_id),
        "confirmations": 1,
        "poll_interval_s": 0.1,
        "batch_wait_s": 0,
        "log_level": "warning",
        # An intent that waits for its second signature is looked at again within a second.
        "retry": {"verify": {"base_s": 0.2, "max_s": 1.0}},
        "badges": {"contract": badges, "interval_s": 0.2},
    }

    def build(instance: str, signer: LocalAccount, verifier: LocalAccount, secret: str) -> Relayer:
        settings = load_settings(
            None,
            **common,
            instance_id=instance,
            signer_key="0x" + signer.key.hex(),
            verifier_key="0x" + verifier.key.hex(),
            github=github | {"webhook_secret": secret},
        )
        return Relayer(settings)

    with ExitStack() as stack:
        first = build("demo-verifier-1", cast.relayer, cast.verifiers[0], secrets_[0])
        stack.callback(first.store.dispose)
        second = build("demo-verifier-3", cast.operator, cast.verifiers[2], secrets_[1])
        stack.callback(second.store.dispose)
        first.start()
        stack.callback(first.stop, 15)
        url_1 = stack.enter_context(_Server(first.app))
        url_3 = stack.enter_context(_Server(second.app))
        yield first, url_1, url_3


def run_relayer_chapter(
    rpc_url: str,
    say: Callable[[str], None] = print,
    *,
    escrow_address: str | None = None,
    token_address: str | None = None,
    workdir: Path | None = None,
    timeout_s: float = 90.0,
    log_level: str = "warning",
) -> RelayerChapterResult:
    """Open a bounty on the node at ``rpc_url`` and have the relayer pay it from a GitHub webhook.

    Reuses the story's escrow and token when their addresses are given, else deploys both. The
    relayer's own log lines below ``log_level`` are not shown (they would interleave with ``say``).
    """
    # The process's own stderr: a caller that swaps sys.stderr for a while (click's test runner)
    # must not leave the relayer's logger writing to a closed stream.
    configure_logging(log_level, json=False, stream=sys.__stderr__ or sys.stderr)
    w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": 10}))
    cast = Cast.from_dev_accounts()
    fund_dev_accounts(w3, [cast.operator, cast.maintainer, cast.contributor, cast.relayer])
    if escrow_address is None or token_address is None:
        escrow, token = cast.deploy(w3, say)
    else:
        escrow, token = Escrow(w3, escrow_address), Token(w3, token_address)

    closed = published_example("pull_request", "closed")
    repo = closed["repository"]["full_name"]
    number = int(closed["number"])
    author = closed["pull_request"]["user"]["login"]

    token.mint(cast.maintainer.address, BOUNTY, sender=cast.operator)
    now = int(w3.eth.get_block("latest")["timestamp"])
    verifiers = [v.address for v in cast.verifiers]
    terms = EscrowTerms(
        token=token.address,
        amounts=[BOUNTY],
        deadline=now + 14 * DAY,
        verifiers=verifiers,
        threshold=2,
        metadata_hash=intents.evidence_hash({"repo": repo, "pr": number, "title": "paid on merge"}),
    )
    eid = escrow.create(terms, sender=cast.maintainer, initial_funding=BOUNTY, approve=True).escrow_id
    say(
        f"7. maintainer opens open bounty #{eid} for {repo} PR #{number}: {BOUNTY / UNIT:g} QUSD, funded, "
        "2-of-3 verifiers, no payee yet"
    )

    # GitHub publishes no merged pull_request example: the published closed one, merged at the
    # chain's current time (see as_merged for exactly which fields that changes).
    payload = as_merged(closed, merged_at=datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    body = json.dumps(payload).encode()
    github: dict[str, Any] = {
        "bounties": [{"repo": repo, "pr": number, "escrow_id": eid, "milestone": 0}],
        "payees": {author: cast.contributor.address},
    }
    # The contributor's badge for the bounty: a SoulboundBadge type whose validators are the escrow's.
    badges = SoulboundBadge.deploy(w3, cast.operator, admin=cast.operator.address)
    badge_type = registered_type(badges.register_type("Merged bounty", "", BADGE_WEIGHT, sender=cast.operator))
    badges.set_validators(badge_type, verifiers, 2, sender=cast.operator)
    github["bounties"][0]["badge_type"] = badge_type
    hook_secrets = (secrets.token_hex(16), secrets.token_hex(16))
    before = token.balance_of(cast.contributor.address)

    with ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="quiltkit-demo-relayer-")))
        first, url_1, url_3 = stack.enter_context(
            _relayers(rpc_url, escrow, cast, github, hook_secrets, workdir, badges.address)
        )
        say(
            f"8. two relayer instances on one SQLite store ({workdir / 'relayer.db'}): verifier 1's at {url_1} "
            f"(submits), verifier 3's at {url_3} (signs only); {author} is mapped to the contributor"
        )
        intent_id, deliveries = "", []
        for n, (url, secret) in enumerate(((url_1, hook_secrets[0]), (url_3, hook_secrets[1])), start=1):
            delivery = str(uuid.uuid4())  # each webhook's delivery has its own id
            deliveries.append(delivery)
            response = _deliver(url, secret, body, delivery)
            result = response.json()
            if response.status_code != 202 or not result.get("signed"):
                raise QuiltkitError(f"the relayer refused the webhook: {response.status_code} {result}")
            intent_id = result["intent_id"]
            say(
                f"   GitHub webhook {n}: pull_request closed+merged (X-GitHub-Delivery {delivery[:8]}..., "
                f"X-Hub-Signature-256 valid) -> {response.status_code}, intent {intent_id[:10]}... "
                f"signed by verifier {1 if n == 1 else 3}, state {result['state']}"
            )
        replay = _deliver(url_1, hook_secrets[0], body, deliveries[0])
        say(f"   GitHub redelivers webhook 1 -> {replay.status_code} {replay.json()['reason']}: nothing signed again")

        record = _wait_confirmed(url_1, intent_id, timeout_s)
        say(f"9. the relayer submitted it (tx {str(record.get('tx_hash'))[:12]}...) and it is {record['state']}")
        badge = _wait_badge(url_1, intent_id, timeout_s)
        say(
            f"   then the 2-of-3 attestation that travelled with it: badge type {badge_type} {badge['state']} to "
            f"the contributor (tx {str(badge['tx_hash'])[:12]}..., evidence = the payout intent), "
            f"reputation {badges.reputation_of(cast.contributor.address) / UNIT:g}"
        )

    info = escrow.get_escrow(eid)
    after = token.balance_of(cast.contributor.address)
    if info.milestones[0].state is not MilestoneState.RELEASED:
        raise QuiltkitError(f"milestone 1 of bounty #{eid} is {info.milestones[0].state.name}, not RELEASED")
    say(
        f"   on chain: bounty #{eid} milestone 1 {info.milestones[0].state.name}, payee {info.payee}; "
        f"contributor {before / UNIT:,.2f} -> {after / UNIT:,.2f} QUSD "
        f"({(after - before) / UNIT:+,.2f}, the bounty less the escrow's fee)"
    )
    return RelayerChapterResult(
        escrow=escrow.address,
        token=token.address,
        escrow_id=eid,
        milestone=0,
        intent_id=intent_id,
        payee=cast.contributor.address,
        payee_before=before,
        payee_after=after,
        tx_hash=record.get("tx_hash"),
        badge=badge,
    )


def _wait_badge(url: str, intent_id: str, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        listed = httpx.get(f"{url}/badges", params={"intent_id": intent_id}, timeout=10).json()["badges"]
        if listed and listed[0]["state"] == "issued":
            found: dict[str, Any] = listed[0]
            return found
        if listed and listed[0]["state"] in ("dropped", "failed"):
            raise QuiltkitError(f"the payout's badge ended {listed[0]['state']}: {listed[0]['reason']}")
        if time.monotonic() > deadline:
            raise QuiltkitError(f"the payout's badge is still {listed[0]['state'] if listed else 'unknown'}")
        time.sleep(0.2)


def _wait_confirmed(url: str, intent_id: str, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        record: dict[str, Any] = httpx.get(f"{url}/intents/{intent_id}", timeout=10).json()
        if record.get("state") == "confirmed":
            return record
        if record.get("state") in ("failed", "expired"):
            raise QuiltkitError(f"the payout intent {intent_id} ended {record['state']}: {record.get('reason')}")
        if time.monotonic() > deadline:
            raise QuiltkitError(f"the payout intent {intent_id} is still {record.get('state')} after {timeout_s:g}s")
        time.sleep(0.2)


def demo_chapter(
    w3: Any, escrow: str, token: str, say: Callable[[str], None], *, contracts: Mapping[str, str] | None = None
) -> None:
    """The closing chapter of ``quiltkit demo`` (its ``quiltkit.demo_chapters`` entry point): the
    relayer pays a bounty of the story's escrow from GitHub's webhook. It needs an HTTP node: on the
    embedded chain it starts an anvil of its own. ``contracts`` (the demo's other contracts) is
    not needed: the relayer pays from the story's escrow alone."""
    from quiltkit import devchain

    try:
        examples_file()
    except FileNotFoundError as exc:
        say(f"== relayer chapter skipped: {exc} ==")
        return
    endpoint = getattr(w3.provider, "endpoint_uri", None)
    if not endpoint and not (os.environ.get("ANVIL_BIN") or shutil.which("anvil")):
        say("== relayer chapter skipped: it needs an HTTP node and anvil is not on PATH (run `make setup`) ==")
        return
    if endpoint:
        say(f"== quiltkit demo, last chapter: the relayer pays a bounty from a GitHub webhook ({endpoint}) ==")
        run_relayer_chapter(str(endpoint), say=say, escrow_address=escrow, token_address=token)
        return
    with devchain.anvil() as node:
        url = str(getattr(node.provider, "endpoint_uri", ""))
        say("== quiltkit demo, last chapter: the relayer pays a bounty from a GitHub webhook ==")
        say(
            f"(the relayer reaches its node over JSON-RPC from its own threads, which the embedded chain cannot "
            f"serve: this chapter runs on an anvil started for it at {url})"
        )
        run_relayer_chapter(url, say=say)
