"""No secret is ever echoed: a key passed where an address belongs is refused by name, and the key
appears in no message, repr, exception argument, chained exception, traceback or log line.

The sweep finds its entry points itself (every public method of every contract client that takes
a ``sender``, every CLI command that takes an address or a key), so a method or command added
later is covered without editing this file.
"""

from __future__ import annotations

import inspect
import json
import logging
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from eth_account import Account
from eth_account.signers.local import LocalAccount
from quiltkit import (
    Escrow,
    EscrowTerms,
    InvalidAddress,
    InvalidInput,
    PrivateKeyAsAddress,
    QuiltkitError,
    Token,
    intents,
)
from quiltkit._contract import ContractClient
from quiltkit.cli import main
from web3 import Web3

KEY = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"  # anvil's account 1; never holds value
STELLAR_SECRET = "SBZVMB74Z76QZ3ZOY7UTDFYKMEGKW5XFJEB6PFKBF4UYSSWHG4EDH7PY"
# Every form a key takes when it is passed by mistake: bare hex, 0x-hex, raw bytes, upper case.
KEY_FORMS: list[Any] = [KEY, "0x" + KEY, bytes.fromhex(KEY), "0X" + KEY.upper()]
# Near-keys (a typo, a missing digit) are not keys, but they must not be echoed either.
NEAR_KEYS = ["0x" + KEY[:-1], KEY + "0", "0x" + KEY[:40] + "zz" + KEY[42:]]
OTHER_KEY = "0x" + "5d" * 32  # a valid key that is not the one the sweep looks for
NEEDLES = [KEY, KEY.upper(), KEY[:40], KEY[-40:], STELLAR_SECRET, STELLAR_SECRET[:40]]


def _everything_said(exc: BaseException) -> str:
    """Every text the exception can leak through: str, repr, args, attributes, the formatted
    traceback with its causes and contexts."""
    parts = [str(exc), repr(exc), *map(repr, exc.args), repr(vars(exc))]
    parts += traceback.format_exception(exc)
    seen: BaseException | None = exc
    while seen is not None:
        parts += [str(seen), repr(seen.args)]
        seen = seen.__cause__ or seen.__context__
    return "\n".join(parts)


def assert_no_secret(text: str) -> None:
    lowered = text.lower()
    for needle in NEEDLES:
        assert needle.lower() not in lowered, f"a secret leaked: ...{needle[:6]}... appears in {text[:300]!r}"


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    yield caplog
    assert_no_secret("\n".join(r.getMessage() + repr(r.args) for r in caplog.records))


def _sender_methods() -> list[tuple[type[ContractClient], str]]:
    found = []
    for cls in ContractClient.__subclasses__():
        for name, member in inspect.getmembers(cls):
            if not name.startswith("_") and callable(member) and "sender" in inspect.signature(member).parameters:
                found.append((cls, name))
    return found


SENDER_METHODS = _sender_methods()


def test_the_sweep_sees_every_client_and_write() -> None:
    names = {f"{c.__name__}.{n}" for c, n in SENDER_METHODS}
    # a floor, not the list: the sweep must not silently find nothing
    assert {"Escrow.create", "Escrow.release_with_intent", "Escrow.deploy", "Token.approve", "Token.mint"} <= names
    assert len(names) >= 20


@pytest.mark.usefixtures("logs")
@pytest.mark.parametrize("form", range(len(KEY_FORMS)), ids=["hex", "0x-hex", "bytes", "upper"])
@pytest.mark.parametrize(("cls", "name"), SENDER_METHODS, ids=[f"{c.__name__}.{n}" for c, n in SENDER_METHODS])
def test_key_as_sender_is_refused_by_name_without_echo(
    w3: Web3, escrow: Escrow, token: Token, cls: type[ContractClient], name: str, form: int
) -> None:
    # The sender is checked before the contract is looked at, so a family without a fixture here
    # (the auction house and its test collections) is swept through a client at any address.
    client = {Escrow: escrow, Token: token}.get(cls) or cls(w3, token.address)
    method = getattr(client, name)
    signature = inspect.signature(method)
    # Every other argument is None: the sender is checked before anything else is looked at.
    positional = [
        None for p in signature.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "sender"
    ]
    if "w3" in signature.parameters:
        positional[0] = w3
    nonce = w3.eth.get_transaction_count(w3.eth.accounts[0]) if w3.eth.accounts else None
    if signature.parameters["sender"].kind is inspect.Parameter.KEYWORD_ONLY:
        args, kwargs = positional, {"sender": KEY_FORMS[form]}
    else:
        args, kwargs = [positional[0], KEY_FORMS[form], *positional[1:]], {}
    with pytest.raises(PrivateKeyAsAddress) as info:
        method(*args, **kwargs)
    assert isinstance(info.value, InvalidAddress) and isinstance(info.value, QuiltkitError)
    assert isinstance(info.value, ValueError)
    assert "private key" in str(info.value) and info.value.field == "sender"
    assert_no_secret(_everything_said(info.value))
    if nonce is not None:
        assert w3.eth.get_transaction_count(w3.eth.accounts[0]) == nonce


@pytest.mark.usefixtures("logs")
@pytest.mark.parametrize("value", KEY_FORMS + NEAR_KEYS + [STELLAR_SECRET], ids=lambda v: f"{type(v).__name__}{len(v)}")
def test_key_in_any_address_slot_is_never_echoed(w3: Web3, escrow: Escrow, token: Token, value: Any) -> None:
    attempts = [
        lambda: Escrow(w3, value),
        lambda: Token(w3, value),
        lambda: escrow.funder_account(1, value),
        lambda: escrow.claimable_refund(1, value),
        lambda: escrow.credit_of(value, token.address),
        lambda: token.balance_of(value),
        lambda: token.allowance(token.address, value),
        lambda: EscrowTerms(amounts=[1], deadline=10, payee=value),
        lambda: EscrowTerms.model_validate({"amounts": [1], "deadline": 10, "verifiers": [token.address, value]}),
        lambda: intents.EvmDomain(chain_id=1, verifying_contract=value),
        lambda: intents.PayoutIntent(
            escrow_id=1,
            milestone=0,
            payee=value,
            amount=1,
            token=token.address,
            intent_id=intents.new_intent_id(),
            deadline=10,
            evidence_hash=intents.new_intent_id(),
        ),
    ]
    for attempt in attempts:
        with pytest.raises(InvalidAddress) as info:
            attempt()
        assert_no_secret(_everything_said(info.value))
        if value in KEY_FORMS or value == STELLAR_SECRET:
            assert isinstance(info.value, PrivateKeyAsAddress), str(info.value)
        else:
            assert not isinstance(info.value, PrivateKeyAsAddress)


@pytest.mark.parametrize("bad_key", [KEY + "0", "0x" + KEY[:40] + "zz" + KEY[42:], "", "0x"], ids=len)
def test_a_bad_signing_key_is_refused_without_echo(escrow: Escrow, token: Token, bad_key: str) -> None:
    intent = intents.PayoutIntent(
        escrow_id=1,
        milestone=0,
        payee=token.address,
        amount=1,
        token=token.address,
        intent_id=intents.new_intent_id(),
        deadline=10,
        evidence_hash=intents.new_intent_id(),
    )
    with pytest.raises(InvalidInput) as info:
        intents.sign_intent(intent, escrow.domain(), bad_key)
    assert info.value.field == "signer"
    assert_no_secret(_everything_said(info.value))


def test_a_bad_stellar_secret_is_refused_without_echo() -> None:
    broken = STELLAR_SECRET[:-1] + ("A" if STELLAR_SECRET[-1] != "A" else "B")  # its checksum fails
    with pytest.raises(InvalidInput) as info:
        # the key is read before the intent is looked at
        intents.sign_soroban_intent(None, "Test SDF Network ; September 2015", "C" + "A" * 55, broken)  # type: ignore[arg-type]
    assert broken[:40] not in _everything_said(info.value)


# --- the CLI ------------------------------------------------------------------------------------


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


ADDRESS_OPTIONS = {"--address", "--contract", "--admin", "--treasury"}
KEY_OPTIONS = {"--source"}


def _cli_cases(tmp: Path, valid_intent: Path) -> list[tuple[list[str], dict[str, str]]]:
    """One invocation per (command, option that takes an address or a key), the secret in it."""
    cases: list[tuple[list[str], dict[str, str]]] = []
    for path, command in _commands(main):
        options = {o for p in command.params if isinstance(p, click.Option) for o in p.opts}
        arguments = [p.name for p in command.params if isinstance(p, click.Argument)]
        fill = {
            "intent_file": str(valid_intent),
            "escrow_id": "1",
            "signature": "0x" + "11" * 65,
            "contract_id": "C" + "A" * 55,
            "function": "get_escrow",
            "intent_id": "0x" + "22" * 32,
        }
        base = [*path, *(fill.get(a or "", "x") for a in arguments)]
        required = {
            "--chain-id": "31337",
            "--network": "testnet",
            "--wasm": str(tmp / "e.wasm"),
            "--address": "0x" + "11" * 20,
            "--contract": "0x" + "11" * 20,
            "--admin": "G" + "A" * 55,
            "--treasury": "G" + "A" * 55,
            "--source": "alice",
            "--rpc-url": "http://127.0.0.1:9",
            "--url": "http://127.0.0.1:9",
        }
        for option in sorted(options & (ADDRESS_OPTIONS | KEY_OPTIONS)):
            secret = STELLAR_SECRET if option in KEY_OPTIONS else KEY
            argv = list(base)
            for other in sorted(options & set(required)):
                argv += [other, secret if other == option else required[other]]
            cases.append((argv, {"QUILTKIT_VERIFIER_KEY": OTHER_KEY}))
    # keys that come from the environment or a config file
    config = tmp / "relayer.toml"
    config.write_text(
        f'[relayer]\nrpc_url = "http://127.0.0.1:9"\nescrow_address = "{KEY}"\nsigner_key = "{KEY[:-2]}"\n'
        f'[relayer.github]\nwebhook_secret = "{STELLAR_SECRET}"\npayees = {{ ada = "0x{KEY}" }}\n'
    )
    cases += [
        (
            ["intent", "sign", str(valid_intent), "--chain-id", "1", "--contract", "0x" + "11" * 20],
            {"QUILTKIT_VERIFIER_KEY": KEY[:-2] + "zz"},
        ),
        (["intent", "sign", str(valid_intent), "--chain-id", "1", "--contract", KEY], {"QUILTKIT_VERIFIER_KEY": KEY}),
        (["relayer", "migrate", "--config", str(config)], {}),
        (["relayer", "run", "--config", str(config)], {}),
    ]
    return cases


def test_no_cli_command_echoes_a_secret(tmp_path: Path, token: Token, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    valid_intent = tmp_path / "intent.json"
    valid_intent.write_text(
        json.dumps(
            {
                "escrow_id": 1,
                "milestone": 0,
                "payee": token.address,
                "amount": 1,
                "token": token.address,
                "intent_id": "0x" + "22" * 32,
                "deadline": 10,
                "evidence_hash": "0x" + "33" * 32,
            }
        )
    )
    cases = _cli_cases(tmp_path, valid_intent)
    covered = {tuple(argv[:2]) for argv, _ in cases}
    assert {("escrow", "show"), ("intent", "sign"), ("intent", "verify"), ("soroban", "deploy")} <= covered
    runner = CliRunner()
    for argv, env in cases:
        result = runner.invoke(main, argv, env=env)
        assert result.exit_code != 0, argv
        said = result.output + (result.stderr if result.stderr_bytes is not None else "")
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            said += _everything_said(result.exception)
        assert_no_secret(said)
    assert_no_secret("\n".join(r.getMessage() for r in caplog.records))


def test_a_key_passed_as_an_address_on_the_command_line_is_named(token: Token) -> None:
    result = CliRunner().invoke(
        main, ["escrow", "show", "1", "--address", "0x" + KEY, "--rpc-url", "http://127.0.0.1:9"]
    )
    assert result.exit_code == 1
    assert "looks like a private key" in result.output
    assert_no_secret(result.output)


def test_sender_accounts_still_work(w3: Web3, token: Token, operator: LocalAccount) -> None:
    """The guard refuses keys, not accounts: a LocalAccount (or a node address) still sends."""
    receiver = Account.create()
    assert token.mint(receiver.address, 5, sender=operator).gas_used > 0
    assert token.balance_of(receiver.address) == 5


@pytest.mark.parametrize("field", ["token", "payee", "arbiter", "verifiers"])
def test_the_soroban_client_never_echoes_a_stellar_secret(field: str) -> None:
    token = "CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA"  # a valid contract strkey
    terms: dict[str, Any] = {"token": token, "amounts": [1], "deadline": 10}
    terms |= {field: [STELLAR_SECRET], "threshold": 1} if field == "verifiers" else {field: STELLAR_SECRET}
    with pytest.raises(InvalidInput) as info:
        _soroban_terms(terms)  # what SorobanEscrow.create does with dict terms
    if field != "verifiers":
        assert isinstance(info.value, PrivateKeyAsAddress)
    assert_no_secret(_everything_said(info.value))


def _soroban_terms(terms: dict[str, Any]) -> Any:
    from quiltkit.soroban.escrow import _terms

    return _terms(terms)
