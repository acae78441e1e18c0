"""Shared fixtures: the chain ape provides (EthTester or anvil), accounts named by role, and
builders for escrows. Every write goes through the quiltkit SDK, signed by LocalAccounts of the
test mnemonic, exactly as a dApp backend would."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from quiltkit import Escrow, EscrowTerms, Token, intents
from quiltkit.devchain import dev_accounts
from web3 import Web3

ROOT = Path(__file__).resolve().parent.parent
UNIT = 10**18
DAY = 86_400


@pytest.fixture(scope="session")
def w3() -> Web3:
    from ape import chain

    return chain.provider.web3


@pytest.fixture(scope="session")
def roles() -> dict[str, LocalAccount]:
    names = ["operator", "maintainer", "funder", "contributor", "arbiter", "relayer", "treasury", "v1", "v2", "v3"]
    return dict(zip(names, dev_accounts(10), strict=True))


@pytest.fixture(scope="session")
def operator(roles: dict[str, LocalAccount]) -> LocalAccount:
    return roles["operator"]


@pytest.fixture(scope="session")
def maintainer(roles: dict[str, LocalAccount]) -> LocalAccount:
    return roles["maintainer"]


@pytest.fixture(scope="session")
def funder(roles: dict[str, LocalAccount]) -> LocalAccount:
    return roles["funder"]


@pytest.fixture(scope="session")
def contributor(roles: dict[str, LocalAccount]) -> LocalAccount:
    return roles["contributor"]


@pytest.fixture(scope="session")
def arbiter(roles: dict[str, LocalAccount]) -> LocalAccount:
    return roles["arbiter"]


@pytest.fixture(scope="session")
def relayer(roles: dict[str, LocalAccount]) -> LocalAccount:
    return roles["relayer"]


@pytest.fixture(scope="session")
def treasury(roles: dict[str, LocalAccount]) -> LocalAccount:
    return roles["treasury"]


@pytest.fixture(scope="session")
def verifiers(roles: dict[str, LocalAccount]) -> list[LocalAccount]:
    return [roles["v1"], roles["v2"], roles["v3"]]


@pytest.fixture(scope="module")
def escrow(w3: Web3, operator: LocalAccount, treasury: LocalAccount) -> Escrow:
    return Escrow.deploy(
        w3, operator, admin=operator.address, guardian=operator.address, treasury=treasury.address, fee_bps=100
    )


@pytest.fixture(scope="module")
def token(w3: Web3, operator: LocalAccount, maintainer: LocalAccount, funder: LocalAccount) -> Token:
    token = Token.deploy_test_token(w3, operator, "Quilt Dollar", "QUSD")
    for holder in (maintainer, funder):
        token.mint(holder.address, 10_000 * UNIT, sender=operator)
    return token


def now(w3: Web3) -> int:
    return int(w3.eth.get_block("latest")["timestamp"])


@pytest.fixture
def create_escrow(
    w3: Web3,
    escrow: Escrow,
    token: Token,
    maintainer: LocalAccount,
    arbiter: LocalAccount,
    verifiers: list[LocalAccount],
) -> Callable[..., int]:
    """Builder: an ERC-20 bounty (300/500/200, 2-of-3 verifiers, arbiter), fully funded by default."""

    def build(*, sender: LocalAccount | None = None, funding: int | None = None, **overrides: Any) -> int:
        terms: dict[str, Any] = {
            "token": token.address,
            "amounts": [300 * UNIT, 500 * UNIT, 200 * UNIT],
            "deadline": now(w3) + 14 * DAY,
            "arbiter": arbiter.address,
            "verifiers": [v.address for v in verifiers],
            "threshold": 2,
        }
        terms.update(overrides)
        t = EscrowTerms(**terms)
        amount = sum(t.amounts) if funding is None else funding
        return escrow.create(t, sender=sender or maintainer, initial_funding=amount, approve=True).escrow_id

    return build


@pytest.fixture
def make_intent(
    w3: Web3, escrow: Escrow, token: Token, contributor: LocalAccount
) -> Callable[..., intents.PayoutIntent]:
    def build(escrow_id: int, milestone: int = 0, **overrides: Any) -> intents.PayoutIntent:
        info = escrow.get_escrow(escrow_id)
        fields: dict[str, Any] = {
            "escrow_id": escrow_id,
            "milestone": milestone,
            "payee": contributor.address,
            "amount": info.milestones[milestone].amount,
            "token": info.token,
            "intent_id": intents.new_intent_id(),
            "deadline": now(w3) + DAY,
            "evidence_hash": intents.evidence_hash({"repo": "o/r", "pr": 1 + milestone}),
        }
        fields.update(overrides)
        return intents.PayoutIntent(**fields)

    return build


@pytest.fixture
def sign(escrow: Escrow, verifiers: list[LocalAccount]) -> Callable[..., list[intents.VerifierSignature]]:
    """Signatures of the given verifier indexes, in the order the contract expects."""

    def build(intent: intents.PayoutIntent, indexes: tuple[int, ...] = (0, 2)) -> list[intents.VerifierSignature]:
        domain = escrow.domain()
        raw = [intents.sign_intent(intent, domain, verifiers[i]) for i in indexes]
        return intents.signatures_for(intent, domain, [v.address for v in verifiers], raw)

    return build


@pytest.fixture(scope="session")
def harness_binary() -> str:
    """The Soroban harness binary (shared by tests/soroban and tests/relayer): $QUILTKIT_SOROBAN_HARNESS,
    else `cargo build` (a no-op when fresh)."""
    from quiltkit.soroban.backend import HARNESS_ENV, find_harness

    if os.environ.get(HARNESS_ENV):
        return find_harness()
    cargo = shutil.which("cargo")
    if cargo is not None:
        subprocess.run(
            [cargo, "build", "-j", "2", "--locked", "-p", "quiltkit-soroban-harness"],
            cwd=ROOT / "soroban",
            check=True,
        )
    return find_harness(ROOT / "soroban" / "target" / "debug" / "quiltkit-soroban-harness")
