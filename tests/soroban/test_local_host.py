"""LocalHost: locating the harness, the JSON-lines exchange, and failures of the process."""

from __future__ import annotations

from pathlib import Path

import pytest
from quiltkit.exceptions import InvalidAddress, QuiltkitError
from quiltkit.soroban import HarnessError, HarnessNotFound, LocalHost, find_harness
from stellar_sdk import Keypair

from tests.soroban.conftest import RecordingHost


def test_missing_harness_says_how_to_build_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUILTKIT_SOROBAN_HARNESS", str(tmp_path / "nope"))
    with pytest.raises(HarnessNotFound) as caught:
        LocalHost()
    message = str(caught.value)
    assert isinstance(caught.value, QuiltkitError) and "\n" not in message
    assert "cargo build -p quiltkit-soroban-harness" in message and "QUILTKIT_SOROBAN_HARNESS" in message


def test_explicit_binary_wins_and_env_is_used(harness_binary: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUILTKIT_SOROBAN_HARNESS", harness_binary)
    assert find_harness() == harness_binary
    with pytest.raises(HarnessNotFound, match="given"):
        find_harness("/nonexistent/quiltkit-soroban-harness")


def test_options_reach_the_harness(harness_binary: str) -> None:
    with LocalHost(
        harness_binary, network_passphrase="Test SDF Network ; September 2015", timestamp=1_800_000_000, sequence=7
    ) as host:
        assert host.network_passphrase == "Test SDF Network ; September 2015"
        assert host.network_id == "cee0302d59844d32bdca915c8203dd44b33fbb7edc19051ea37abedf28ecd472"
        ledger = host.ledger()
        assert (ledger.sequence, ledger.timestamp) == (7, 1_800_000_000)
        moved = host.advance_ledger(ledgers=3)
        assert (moved.sequence, moved.timestamp) == (10, 1_800_000_015)
        assert host.set_ledger(timestamp=1_900_000_000).timestamp == 1_900_000_000


def test_requests_carry_increasing_ids(host: RecordingHost) -> None:
    first = host._next_id
    host.request("ping")
    host.request("ping")
    assert host._next_id == first + 2


def test_invalid_request_is_a_harness_error(host: RecordingHost) -> None:
    with pytest.raises(HarnessError) as caught:
        host.request("no_such_method")
    assert caught.value.kind == "invalid_request"
    assert host.request("ping")["pong"] is True  # the process keeps running


def test_bad_strkeys_are_refused_before_sending(host: RecordingHost) -> None:
    sent = len(host.sent)
    with pytest.raises(InvalidAddress):
        host.create_account("GABC")
    with pytest.raises(InvalidAddress):
        host.mint("GDWUSKGGFDI4FRXK5EBTRECZSVQSSWJHHJOGH6JWG3AUMFFMQ435DIAG", Keypair.random(), 1)
    assert len(host.sent) == sent


def test_a_dead_harness_is_reported_not_hung(harness_binary: str) -> None:
    host = LocalHost(harness_binary)
    host._process.kill()
    host._process.wait()
    with pytest.raises(HarnessError) as caught:
        host.request("ping")
    assert caught.value.kind == "exit"
    host.close()
    host.close()  # idempotent


def test_close_ends_the_process(harness_binary: str) -> None:
    with LocalHost(harness_binary) as host:
        pid_process = host._process
    assert pid_process.poll() == 0
