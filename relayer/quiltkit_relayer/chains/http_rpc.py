"""A web3.py HTTP provider on one kept-alive ``http.client`` connection.

web3's :class:`~web3.HTTPProvider` posts through ``requests``, whose per-request machinery (session
merging, adapters, the urllib3 pool, hooks) cost the relayer about a millisecond of CPU per JSON-RPC
call: more than the node spends answering an ``eth_call``. The relayer keeps one provider per
thread, so a provider here owns one connection and needs no pool and no lock.

Failure semantics match ``requests`` without retries: a connection the node closed while idle is
noticed before reuse and replaced (as urllib3 does); a failure during a request is raised, never
retried here (the pipeline decides what a lost answer means: a broadcast is persisted first and
resent idempotently).
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

    def _usable(self) -> http.client.HTTPConnection:
        conn = self._conn
        # An idle keep-alive socket with something to read has been closed by the node (or holds
        # garbage): either way it cannot carry the next request.
        if conn is not None and (conn.sock is None or select.select([conn.sock], [], [], 0)[0]):
            self.close()
            conn = None
        if conn is None:
            conn = self._conn = self._connect()
        return conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _make_request(self, method: RPCEndpoint, request_data: bytes) -> bytes:
        try:
            conn = self._usable()
            conn.request("POST", self._path, body=request_data, headers=self._headers)
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            if isinstance(exc, OSError):
                raise  # connection refused, reset, timed out: what requests raises as ConnectionError
            raise ProviderConnectionError(f"{method}: {type(exc).__name__}: {exc}") from exc
        if response.will_close:
            self.close()
        if response.status != 200:
            raise ProviderConnectionError(
                f"{method}: HTTP {response.status} {response.reason} from {self.endpoint_uri}"
            )
        return body
