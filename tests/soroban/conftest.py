"""Fixtures of the Soroban suites: the harness built (or located) once per session, a fresh local
Soroban host per test that records every request it is sent, accounts named by role, and one
deployment (a Stellar Asset Contract, the escrow, funded accounts) with builders for escrows and
payout intents. Every write goes through ``quiltkit.soroban.SorobanEscrow``, signed by the role's
own Keypair and checked by the host (enforcing auth), exactly as a backend service would."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from quiltkit import intents
from quiltkit.soroban import LocalHost, SorobanEscrow, SorobanEscrowTerms
from stellar_sdk import Keypair

ROOT = Path(__file__).resolve().parents[2]
UNIT = 10**7  # Stellar assets have 7 decimals
DAY = 86_400
FEE_BPS = 100
ROLES = ("admin", "treasury", "maintainer", "funder", "contributor", "arbiter", "relayer", "stranger", "v1", "v2", "v3")


class RecordingHost(LocalHost):
    """A LocalHost that keeps every (method, params) it sends, to prove what was (not) sent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        super().__init__(*args, **kwargs)

    def request(self, method: str, **params: Any) -> dict[str, Any]:
        self.sent.append((method, params))
        return super().request(method, **params)

    def methods(self) -> list[str]:
        return [m for m, _ in self.sent]


@pytest.fixture
def host(harness_binary: str) -> Iterator[RecordingHost]:
    with RecordingHost(harness_binary) as h:
        yield h


def keypair(role: str) -> Keypair:
    return Keypair.from_raw_ed25519_seed(hashlib.sha256(f"quiltkit tests {role}".encode()).digest())


@dataclass
class Deployment:
    """One escrow contract and a SAC on a fresh host, the cast, and builders."""

    host: RecordingHost
    escrow: SorobanEscrow
    token: str
    roles: dict[str, Keypair] = field(default_factory=dict)

    def __getattr__(self, role: str) -> Keypair:
        roles = self.__dict__.get("roles", {})
        if role in roles:
            return roles[role]
        raise AttributeError(role)

    @property
    def verifiers(self) -> list[Keypair]:
        return [self.roles["v1"], self.roles["v2"], self.roles["v3"]]

    def now(self) -> int:
        return self.host.ledger().timestamp

    def terms(self, **overrides: Any) -> SorobanEscrowTerms:
        fields: dict[str, Any] = {
            "token": self.token,
            "amounts": [300 * UNIT, 500 * UNIT, 200 * UNIT],
            "deadline": self.now() + 14 * DAY,
            "arbiter": self.roles["arbiter"].public_key,
            "verifiers": [v.public_key for v in self.verifiers],
            "threshold": 2,
        }
        fields.update(overrides)
        return SorobanEscrowTerms(**fields)

    def create(self, *, funding: int | None = None, payer: Keypair | None = None, **overrides: Any) -> int:
        """A bounty (300/500/200, 2-of-3 verifiers, arbiter), fully funded by the payer by default."""
        terms = self.terms(**overrides)
        signer = payer or self.roles["maintainer"]
        escrow_id = self.escrow.create(terms, signer=signer).escrow_id
        amount = terms.total if funding is None else funding
        if amount:
            self.escrow.fund(escrow_id, amount, signer=signer)
        return escrow_id

    def intent(self, escrow_id: int, milestone: int = 0, **overrides: Any) -> intents.PayoutIntent:
        info = self.escrow.get_escrow(escrow_id)
        fields: dict[str, Any] = {
            "escrow_id": escrow_id,
            "milestone": milestone,
            "payee": info.payee or self.roles["contributor"].public_key,
            "amount": info.milestones[milestone].amount,
            "token": info.token,
            "intent_id": intents.new_intent_id(),
            "deadline": self.now() + DAY,
            "evidence_hash": intents.evidence_hash({"repo": "o/r", "pr": 1 + milestone}),
        }
        fields.update(overrides)
        return intents.PayoutIntent(**fields)

    def sign(self, intent: intents.PayoutIntent, *signers: Keypair) -> list[tuple[str, bytes]]:
        return self.escrow.sign_intent(intent, list(signers) or self.verifiers[:2])

    def balance(self, who: Keypair | str) -> int:
        return self.host.balance(self.token, who)


def deploy(
    host: LocalHost,
    *,
    open_account: Callable[[Keypair], object] | None = None,
    extra_roles: tuple[str, ...] = (),
    mint: int = 10_000 * UNIT,
) -> Deployment:
    """Accounts by role (opened by ``open_account``, default the host's create_account), a SAC, the
    escrow (fee FEE_BPS), and ``mint`` of the token to the maintainer and the funder."""
    roles = {role: keypair(role) for role in (*ROLES, *extra_roles)}
    for kp in roles.values():
        (open_account or host.create_account)(kp)
    token = host.deploy_sac(roles["admin"])
    address = host.deploy_escrow(roles["admin"], roles["treasury"], FEE_BPS)
    for holder in ("maintainer", "funder"):
        host.mint(token, roles[holder], mint)
    return Deployment(host=host, escrow=SorobanEscrow(host, address), token=token, roles=roles)


@pytest.fixture
def chain(host: RecordingHost) -> Deployment:
    return deploy(host)
