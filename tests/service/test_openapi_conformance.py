"""The OpenAPI document against the running service: Schemathesis generates requests from it.

Every request the document calls valid must be accepted (or refused for a documented reason:
401, 409, ...), every answer must match its documented schema, status and headers (405 with
``Allow``), and nothing may be a server error. Examples are bounded to keep ``make test`` short.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from flexiti_checkout.service.app import create_app
from flexiti_checkout.web.state import flexiti_state

KEY = "schemathesis-key-0123456789abcdef"


@pytest.fixture
def api_schema(store_url: str, tmp_path: Path) -> Iterator[schemathesis.BaseSchema]:
    """The service (its sandbox embedded in-process) and the OpenAPI document it serves."""
    app = create_app(
        {
            "FLEXITI_ENVIRONMENT": "sandbox",
            "FLEXITI_STORE_URL": store_url,
            "FLEXITI_INSTANCE_PATH": str(tmp_path / "instance"),
            "FLEXITI_SIGNING_KEY": "test-api-signing-key-0123456789",
            "FLEXITI_API_KEYS": KEY,
            "FLEXITI_MAX_RETRIES": "0",
        }
    )
    schema = schemathesis.openapi.from_wsgi("/flexiti/api/openapi.json", app)
    # Requests the document calls valid; what it calls invalid is pinned by test_api.py.
    schema.config.generation.update(modes=[GenerationMode.POSITIVE])
    # A valid request may still be refused for a documented business reason: 409 (the merchant
    # order cannot start as asked) and 422 (an amount outside the merchant's plans).
    acceptance = schema.config.checks.positive_data_acceptance
    acceptance.expected_statuses = [*acceptance.expected_statuses, "422"]
    yield schema
    flexiti_state(app).store.engine.dispose()


def test_the_service_does_what_its_openapi_document_says(api_schema) -> None:
    """Generated requests for every operation pass every Schemathesis check against the document."""
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {operation.label for operation in operations} >= {
        "POST /flexiti/api/checkouts",
        "GET /flexiti/api/orders/{merchant_order_id}",
    }
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
        def conforms(case) -> None:
            case.call_and_validate(headers={"Authorization": f"Bearer {KEY}"})

        conforms()
