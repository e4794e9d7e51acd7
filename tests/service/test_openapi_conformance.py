"""The OpenAPI document against the running service: Schemathesis generates requests from it.

Every request the document calls valid must be accepted (or refused for a documented reason:
401, 409, ...), every answer must match its documented schema, status and headers (405 with
``Allow``), and nothing may be a server error.

Examples are bounded to keep ``make test`` short: 30 valid and 60 invalid requests per operation
(an operation has at most a dozen fields, and Schemathesis makes one part invalid at a time, so
60 reach each field several times over; Hypothesis draws new ones on every run). The service
runs on SQLite only: what is checked is the HTTP face, which is the same on either store
(tests/service/test_api.py runs the API's behaviour on both).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from flexiti_checkout.service.app import create_app
from flexiti_checkout.web.state import flexiti_state

# Schemathesis and Hypothesis are imported where used: every test process collects this module,
# and importing them costs seconds that only the process running these two tests needs to pay.
if TYPE_CHECKING:
    import schemathesis

KEY = "schemathesis-key-0123456789abcdef"
#: Generated requests per operation: valid ones, and ones the document calls invalid.
VALID_EXAMPLES = 30
INVALID_EXAMPLES = 60

#: Hundreds of generated requests: part of make test, not of make check.
pytestmark = [pytest.mark.one_database, pytest.mark.slow]


@pytest.fixture
def api_schema(store_url: str, tmp_path: Path) -> Iterator[schemathesis.BaseSchema]:
    """The service and its document, generating the requests the document calls valid."""
    yield from served_schema(store_url, tmp_path, negative=False)


@pytest.fixture
def invalid_requests_schema(store_url: str, tmp_path: Path) -> Iterator[schemathesis.BaseSchema]:
    """The service and its document, generating requests the document calls invalid."""
    yield from served_schema(store_url, tmp_path, negative=True)


def served_schema(
    store_url: str, tmp_path: Path, *, negative: bool
) -> Iterator[schemathesis.BaseSchema]:
    """The service (its sandbox embedded in-process) and the OpenAPI document it serves."""
    import schemathesis

    mode = (
        schemathesis.GenerationMode.NEGATIVE if negative else schemathesis.GenerationMode.POSITIVE
    )
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
    schema.config.generation.update(modes=[mode])
    # A valid request may still be refused for a documented business reason: 409 (the merchant
    # order cannot start as asked) and 422 (an amount outside the merchant's plans).
    acceptance = schema.config.checks.positive_data_acceptance
    acceptance.expected_statuses = [*acceptance.expected_statuses, "422"]
    yield schema
    flexiti_state(app).store.engine.dispose()


def with_an_adult_birth_date(case: Any) -> Any:
    """``case`` with a birth date the server takes: the document gives the date's shape only,
    since "18 to 120 years ago" moves with today (the age rule is pinned in test_checkout.py)."""
    if isinstance(case.body, dict) and case.body.get("date_of_birth") is not None:
        case.body["date_of_birth"] = "1981-06-01"
    return case


def test_the_service_does_what_its_openapi_document_says(api_schema) -> None:
    """Generated requests for every operation pass every Schemathesis check against the document."""
    from hypothesis import HealthCheck, given, settings

    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {operation.label for operation in operations} >= {
        "POST /flexiti/api/checkouts",
        "GET /flexiti/api/orders/{merchant_order_id}",
    }
    for operation in operations:

        @given(case=operation.as_strategy().map(with_an_adult_birth_date))
        @settings(max_examples=VALID_EXAMPLES, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
        def conforms(case) -> None:
            case.call_and_validate(headers={"Authorization": f"Bearer {KEY}"})

        conforms()


def test_the_service_refuses_what_its_openapi_document_calls_invalid(
    invalid_requests_schema,
) -> None:
    """Requests the document calls invalid (a field breaking its pattern, of another type,
    missing, or unknown) are refused by validation (400), never started (201), found in conflict
    (409) or sent to Flexiti (422): the server is no more lenient than its document."""
    from hypothesis import HealthCheck, given, settings
    from schemathesis import GenerationMode
    from schemathesis.core.control import SkipTest

    invalid_requests_schema.config.checks.negative_data_rejection.expected_statuses = [
        "400", "401", "404", "405", "413", "415",
    ]  # fmt: skip
    probed: set[str] = set()
    for result in invalid_requests_schema.get_all_operations():
        operation = result.ok()
        # The key is fixed: only what the shop sends about the order is made invalid.
        strategy = operation.as_strategy(
            generation_mode=GenerationMode.NEGATIVE, headers={"Authorization": f"Bearer {KEY}"}
        )

        @given(case=strategy)
        @settings(max_examples=INVALID_EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def refused(case) -> None:
            case.call_and_validate()

        try:
            refused()
        except SkipTest:  # nothing in it can be invalid (no body, no parameter)
            continue
        probed.add(operation.label)
    assert probed >= {
        "POST /flexiti/api/checkouts",
        "POST /flexiti/api/orders/{merchant_order_id}/refunds",
    }
