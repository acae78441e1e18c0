"""Fixtures of the SDK suites beyond the shared ones (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from web3 import AsyncWeb3, Web3


@pytest.fixture
def async_w3(w3: Web3) -> Callable[[], AsyncWeb3]:  # type: ignore[type-arg]
    """A factory of AsyncWeb3 objects on the chain ``w3`` is connected to (one per event loop)."""
    provider = w3.provider
    tester = getattr(provider, "ethereum_tester", None)
    if tester is not None:
        from web3.providers.eth_tester import AsyncEthereumTesterProvider

        def embedded() -> AsyncWeb3:  # type: ignore[type-arg]
            async_provider = AsyncEthereumTesterProvider()
            async_provider.ethereum_tester = tester
            return AsyncWeb3(async_provider)

        return embedded
    uri = getattr(provider, "endpoint_uri", None) or getattr(provider, "uri", None)
    assert uri, f"no endpoint to reach {provider!r} asynchronously"
    from web3 import AsyncHTTPProvider

    return lambda: AsyncWeb3(AsyncHTTPProvider(str(uri)))
