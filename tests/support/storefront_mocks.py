"""Flexiti's storefront calls mocked with ``responses``: the URLs and answers the storefront tests
share (``storefront/test_plans.py``, ``storefront/test_shared_cache.py``)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import responses

ONLINE = "https://online.test/flexiti/online-api"
CID = "flexitidemo"
TOKEN_URL = f"{ONLINE}/oauth/token"
GATE_URL = f"{ONLINE}/online/client-id/{CID}/merchants/payment-availability"
CALC_URL = f"{ONLINE}/online/v2/client-id/{CID}/systems/payment-calculator"
TOKEN = {"token_type": "bearer", "access_token": "a-1", "expires_in": 1200, "scope": "customer"}


def gate_answer(
    enabled: bool, delay: float = 0.0, status: int = 200, until: threading.Event | None = None
):
    """The gate's answer, after ``delay`` seconds or once the test sets ``until``: a Flexiti that
    has not answered yet, however slow the machine is."""

    def answer(request):
        if until is not None:
            assert until.wait(30), "the test never let Flexiti answer"
        time.sleep(delay)
        return status, {}, json.dumps({"enable_payment_gateway": enabled})

    return answer


def calc_answer(payment: str = "41.58", months: str = "12", html: str = "<p>plan</p>"):
    body = {"htmlRender": html, "paymentPlan": {"monthlyPayment": payment, "months": months}}
    return lambda request: (200, {}, json.dumps(body))


def calls(mocked: responses.RequestsMock, url: str) -> list:
    return [call for call in mocked.calls if call.request.url.split("?")[0] == url]


@contextmanager
def flexiti_mock() -> Iterator[responses.RequestsMock]:
    """``responses`` with the token endpoint answering; the test adds the storefront calls."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.post(TOKEN_URL, json=TOKEN)
        yield rsps
