"""The EVM adapter's gas limits on a real anvil: taken from one ``eth_createAccessList`` execution,
never below what ``eth_estimateGas`` bisects to, with the contract's own error when the transaction
would revert, and ``eth_estimateGas`` for a node that lacks the method (a loopback proxy in front of
anvil that refuses it: no such node runs here)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest
from hexbytes import HexBytes
from quiltkit import escrow_errors, intents
from quiltkit.intents import VerifierSignature
from quiltkit_relayer.chains.base import TxRequest
from quiltkit_relayer.chains.evm import EvmAdapter

from tests.relayer.conftest import Chain, loopback_server


def _adapter(chain: Chain, rpc_url: str | None = None) -> EvmAdapter:
    return EvmAdapter(
        rpc_url or chain.rpc_url,
        chain.escrow.address,
        chain.relayer,
        expected_chain_id=chain.chain_id,
        gas_headroom=1.0,
    )


def _attested(
    chain: Chain, intent: intents.PayoutIntent
) -> tuple[intents.PayoutIntent, list[str], list[VerifierSignature]]:
    signatures = [
        VerifierSignature(verifier_index=i, signature=bytes(HexBytes(s))) for i, s in enumerate(chain.sign(intent))
    ]
    return intent, [v.address for v in chain.verifiers], signatures


def _payout(chain: Chain, adapter: EvmAdapter, payouts: list[intents.PayoutIntent]) -> TxRequest:
    data = adapter.escrow.release_with_intents_data([_attested(chain, i) for i in payouts])
    return TxRequest(to=chain.escrow.address, data=data, intent_ids=())


def _node_estimate(chain: Chain, request: TxRequest) -> int:
    call = {"from": chain.relayer.address, "to": request.to, "data": HexBytes(request.data)}
    return int(chain.w3.eth.estimate_gas(call))  # type: ignore[arg-type]


@pytest.mark.parametrize("count", [1, 12])
def test_the_gas_limit_covers_what_eth_estimate_gas_asks_for(chain: Chain, count: int) -> None:
    escrow_id = chain.bounty(milestones=count)
    adapter = _adapter(chain)
    request = _payout(chain, adapter, [chain.intent(escrow_id, m) for m in range(count)])

    limit = adapter.estimate(request)

    needed = _node_estimate(chain, request)
    assert needed <= limit <= needed * 5 // 4 + 10_000 + needed // 50  # covers it, within the refund bound
    assert adapter._access_list_gas


def test_a_batch_that_would_revert_raises_the_contracts_error(chain: Chain) -> None:
    escrow_id = chain.bounty(milestones=2)
    adapter = _adapter(chain)
    # (An intent whose milestone was paid meanwhile no longer reverts a batch: it is skipped.)
    first = chain.intent(escrow_id, 0)
    wrong_amount = chain.intent(escrow_id, 1, amount=chain.escrow.get_escrow(escrow_id).milestones[1].amount + 1)

    with pytest.raises(escrow_errors.EscrowIntentAmountMismatch) as by_access_list:
        adapter.estimate(_payout(chain, adapter, [first, wrong_amount]))
    adapter._access_list_gas = False
    with pytest.raises(escrow_errors.EscrowIntentAmountMismatch) as by_estimate:
        adapter.estimate(_payout(chain, adapter, [first, wrong_amount]))
    assert str(by_access_list.value) == str(by_estimate.value)


@pytest.fixture
def node_without_access_lists(chain: Chain) -> Iterator[tuple[str, list[str]]]:
    """A JSON-RPC proxy to anvil that answers ``eth_createAccessList`` with "method not found"
    (as nodes and providers without it do); yields its URL and the methods it saw."""
    seen: list[str] = []

    def respond(raw: bytes) -> tuple[int, bytes, bool]:
        request = json.loads(raw)
        seen.append(request["method"])
        if request["method"] == "eth_createAccessList":
            missing = {"code": -32601, "message": "the method eth_createAccessList does not exist"}
            return 200, json.dumps({"jsonrpc": "2.0", "id": request["id"], "error": missing}).encode(), False
        forward = urllib.request.Request(chain.rpc_url, raw, {"Content-Type": "application/json"})  # noqa: S310 - the test anvil
        with urllib.request.urlopen(forward, timeout=10) as response:  # noqa: S310 - the test anvil
            return 200, response.read(), False

    with loopback_server(respond) as server:
        yield server.url, seen


def test_a_node_without_eth_create_access_list_gets_eth_estimate_gas(
    chain: Chain, node_without_access_lists: tuple[str, list[str]]
) -> None:
    url, seen = node_without_access_lists
    escrow_id = chain.bounty(milestones=2)
    adapter = _adapter(chain, url)
    requests = [_payout(chain, adapter, [chain.intent(escrow_id, m)]) for m in range(2)]

    limits = [adapter.estimate(r) for r in requests]

    assert all(limit >= _node_estimate(chain, r) for limit, r in zip(limits, requests, strict=True))
    assert seen.count("eth_createAccessList") == 1  # asked once, then remembered
    assert seen.count("eth_estimateGas") == 2
