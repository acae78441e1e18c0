"""Property-based API testing: schemathesis generates requests from the relayer's own OpenAPI
document (valid and invalid) and checks every response against it: no server errors, only
documented status codes and content types, bodies matching their schemas."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from quiltkit.devchain import anvil
from quiltkit_relayer.daemon import Relayer

from tests.relayer.conftest import ACCOUNTS, deploy, relayer_settings

API_KEY = "fuzz-key"


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[schemathesis.BaseSchema]:
    db = Path(tmp_path_factory.mktemp("fuzz")) / "relayer.db"
    with anvil(args=("--accounts", str(ACCOUNTS))) as w3:
        chain = deploy(w3, str(w3.provider.endpoint_uri))  # type: ignore[attr-defined]
        chain.bounty(milestones=2)
        relayer = Relayer(
            relayer_settings(chain, f"sqlite:///{db}", api_key=API_KEY, github={"webhook_secret": "fuzz-secret"})
        )
        relayer.start()
        try:
            yield schemathesis.openapi.from_asgi("/openapi.json", relayer.app)
        finally:
            relayer.stop()
            relayer.store.dispose()


schema = schemathesis.pytest.from_fixture("api_schema")


# The key goes in through schemathesis' auth hook, not as a header override on every call: an
# override would put the key back into the cases that drop it on purpose (negative tests of the
# security scheme), and schemathesis would then see a 200 to a request it thinks has no key.
@schema.auth()
class _ApiKey:
    def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> str:
        return API_KEY

    def set(self, case: schemathesis.Case, data: str, context: schemathesis.AuthContext) -> None:
        case.headers = {**(case.headers or {}), "X-API-Key": data}


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case: schemathesis.Case) -> None:
    # positive_data_acceptance is left out on purpose: a schema-valid intent is still refused
    # (422, named reason) unless real verifiers signed it for this chain, contract and escrow.
    case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])
