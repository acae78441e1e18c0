"""The relayer's kept-alive JSON-RPC transport, against real HTTP servers on loopback: one connection
carries every request, a connection the server dropped is replaced before use, and transport
failures surface the way the adapter classifies them (never retried behind its back)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from quiltkit_relayer.chains.base import ChainUnavailable
from quiltkit_relayer.chains.evm import EvmAdapter
from quiltkit_relayer.chains.http_rpc import KeepAliveHTTPProvider
from web3 import Web3
from web3.exceptions import ProviderConnectionError

from tests.relayer.conftest import Chain, loopback_server


@dataclass
class RpcServer:
    """What the test server answers (``eth_blockNumber``: a count of the requests it has seen)."""

    url: str = ""
    connections: list[tuple[str, int]] = field(default_factory=list)
    requests: int = 0
    status: int = 200
    close_after_reply: bool = False


@pytest.fixture
def rpc_server() -> Iterator[RpcServer]:
    state = RpcServer()

    def respond(raw: bytes) -> tuple[int, bytes, bool]:
        state.requests += 1
        answer = {"jsonrpc": "2.0", "id": json.loads(raw)["id"], "result": hex(state.requests)}
        return state.status, json.dumps(answer).encode(), state.close_after_reply

    with loopback_server(respond) as server:
        state.url, state.connections = server.url, server.connections
        yield state


def _w3(url: str) -> Web3:
    return Web3(KeepAliveHTTPProvider(url, timeout=5.0))


def test_one_connection_carries_every_request(rpc_server: RpcServer) -> None:
    w3 = _w3(rpc_server.url)
    assert [w3.eth.block_number for _ in range(20)] == list(range(1, 21))
    assert len(rpc_server.connections) == 1


def test_a_connection_the_server_closed_is_replaced_before_the_next_request(rpc_server: RpcServer) -> None:
    rpc_server.close_after_reply = True
    w3 = _w3(rpc_server.url)
    assert [w3.eth.block_number for _ in range(5)] == [1, 2, 3, 4, 5]
    assert len(rpc_server.connections) == 5  # each request on a fresh connection; none failed


def test_a_non_200_answer_is_a_provider_connection_error(rpc_server: RpcServer) -> None:
    rpc_server.status = 503
    with pytest.raises(ProviderConnectionError, match="HTTP 503"):
        _ = _w3(rpc_server.url).eth.block_number
    rpc_server.status = 200
    assert _w3(rpc_server.url).eth.block_number == 2  # the server saw both requests


def test_a_refused_connection_is_a_chain_unavailable_in_the_adapter(chain: Chain) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    adapter = EvmAdapter(
        f"http://127.0.0.1:{port}", chain.escrow.address, chain.relayer, expected_chain_id=chain.chain_id
    )
    with pytest.raises(ChainUnavailable, match="ConnectionRefusedError"):
        adapter.head()


def test_the_transport_refuses_urls_it_cannot_speak_to() -> None:
    with pytest.raises(ValueError, match="not an http"):
        KeepAliveHTTPProvider("ws://127.0.0.1:8545", timeout=1.0)
