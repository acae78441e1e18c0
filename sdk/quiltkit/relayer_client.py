"""A client of a running relayer's HTTP API (stdlib only: the SDK never imports the relayer).

Used by ``quiltkit intent submit|status`` and by the relayer's own ``quiltkit relayer status``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

__all__ = ["DEFAULT_URL", "request"]

DEFAULT_URL = "http://127.0.0.1:8645"


def request(method: str, url: str, api_key: str | None, body: Any = None) -> tuple[int, Any]:
    """One JSON request to the relayer's API; returns (status, decoded body). An unreachable
    relayer raises ConnectionError naming the URL."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    if api_key:
        headers["X-API-Key"] = api_key
    prepared = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 - operator's URL
    try:
        with urllib.request.urlopen(prepared, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, {"reason": "http_error", "detail": raw.decode(errors="replace")[:500]}
    except urllib.error.URLError as exc:
        raise ConnectionError(f"no relayer answers at {url}: {exc.reason}") from None
