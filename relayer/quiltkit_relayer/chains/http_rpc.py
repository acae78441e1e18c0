"""A web3.py HTTP provider on one kept-alive ``http.client`` connection.

web3's :class:`~web3.HTTPProvider` posts through ``requests``, whose per-request machinery (session
merging, adapters, the urllib3 pool, hooks) cost the relayer about a millisecond of CPU per JSON-RPC
call: more than the node spends answering an ``eth_call``. The relayer keeps one provider per
thread, so a provider here owns one connection and needs no pool and no lock.

Failure semantics: a connection the node closed while idle is noticed before reuse and replaced
(as urllib3 does). Because the node may close it just as a request goes out, a request that fails
on a reused connection before any answer arrived is sent once more on a fresh one: safe for every
call the relayer makes (reads, and ``eth_sendRawTransaction`` of a signed transaction, which a node
that did get it answers "already known"). Any other failure is raised, never retried here.
"""

from __future__ import annotations

import http.client
import select
import socket
from typing import Any
from urllib.parse import urlsplit

from web3 import HTTPProvider
from web3.exceptions import ProviderConnectionError
from web3.types import RPCEndpoint

__all__ = ["KeepAliveHTTPProvider"]


class KeepAliveHTTPProvider(HTTPProvider):
    """:class:`web3.HTTPProvider` with its transport replaced; not for sharing between threads."""

    def __init__(self, endpoint_uri: str, *, timeout: float, **kwargs: Any) -> None:
        super().__init__(endpoint_uri, request_kwargs={"timeout": timeout}, **kwargs)
        url = urlsplit(endpoint_uri)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"not an http(s) URL: {endpoint_uri!r}")
        self._https = url.scheme == "https"
        self._host = url.hostname
        self._port = url.port
        self._path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        self._timeout = timeout
        self._headers = {**self.get_request_headers(), "Connection": "keep-alive"}
        self._conn: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        conn = cls(self._host, self._port, timeout=self._timeout)
        conn.connect()
        if conn.sock is not None:
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def _idle_connection(self) -> http.client.HTTPConnection | None:
        conn = self._conn
        # An idle keep-alive socket with something to read has been closed by the node (or holds
        # garbage): either way it cannot carry the next request.
        if conn is not None and (conn.sock is None or select.select([conn.sock], [], [], 0)[0]):
            self.close()
            conn = None
        return conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _make_request(self, method: RPCEndpoint, request_data: bytes) -> bytes:
        reused = self._idle_connection()
        try:
            response, body = self._exchange(reused or self._connect(), request_data)
        except _CLOSED_UNDER_US:
            if reused is None:
                raise
            response, body = self._exchange(self._connect(), request_data)
        if response.status != 200:
            raise ProviderConnectionError(
                f"{method}: HTTP {response.status} {response.reason} from {self.endpoint_uri}"
            )
        return body

    def _exchange(
        self, conn: http.client.HTTPConnection, request_data: bytes
    ) -> tuple[http.client.HTTPResponse, bytes]:
        """One request and its whole answer on ``conn``, kept for the next request unless it closes."""
        self._conn = conn
        try:
            conn.request("POST", self._path, body=request_data, headers=self._headers)
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            if isinstance(exc, OSError):
                raise  # refused, reset, timed out: what requests raises as ConnectionError (an OSError)
            raise ProviderConnectionError(f"{type(exc).__name__}: {exc}") from exc
        if response.will_close:
            self.close()
        return response, body


_CLOSED_UNDER_US = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)
"""How a request fails when the node closed the connection as it went out (nothing was answered)."""
