"""Errors to HTTP: every error of the hierarchy answered alike by every surface that meets it.

The walk raises each error class where a real request meets it (the order service's start, the
staff's cancellation) and reads the answer of each surface: the checkout page of the extension
(as a page and as JSON for ``flexiti.js``), the service's JSON API (a checkout and a
cancellation) and the admin console's action.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flexiti_checkout import FlexitiCheckout, OrderStatus, errors
from flexiti_checkout.http_errors import ERROR_ANSWERS, ErrorAnswer, error_answer
from flexiti_checkout.lifecycle.actions import Cancellable
from flexiti_checkout.service.api import register_api
from flexiti_checkout.web.state import flexiti_state
from support.shop_server import checkout_request

KEY = "errors-api-key-0123456789abcdef"
REFERENCE = "ref-errors-1"

#: Every exception class of the hierarchy.
HIERARCHY = [
    cls
    for cls in vars(errors).values()
    if inspect.isclass(cls) and issubclass(cls, Exception) and cls.__module__ == errors.__name__
]


def instance(cls: type[Exception]) -> Exception:
    """An error of ``cls`` as the package raises it, with a reference id when it takes one."""
    if cls is errors.InvalidCheckoutError:
        return cls({"amount": ["must be more than 0"]})
    extra: dict[str, Any] = {"reference_id": REFERENCE}
    if cls is errors.RefundTooLargeError:
        extra["remaining"] = Decimal("12.34")
    if cls is errors.CheckoutInProgressError:
        extra["retry_after"] = 2.5
    return cls(f"{cls.__name__} happened", **extra)


def test_every_error_class_has_its_row_or_a_parent_with_one() -> None:
    """No class of the hierarchy falls through to the unexpected-error answer, and every row is
    a class of the hierarchy."""
    assert {row.error for row in ERROR_ANSWERS} <= set(HIERARCHY)
    for cls in HIERARCHY:
        assert error_answer(instance(cls)).error in cls.__mro__


def test_a_refusal_by_flexiti_is_not_a_bad_gateway_and_an_outage_is() -> None:
    """Flexiti refusing what was sent is a 4xx; Flexiti failing to answer is a 502."""
    for cls in (errors.InvalidRequestError, errors.ConflictError, errors.NotEnoughCreditError,
                errors.ExceedsAmountError, errors.NotFoundError):  # fmt: skip
        assert error_answer(instance(cls)).status == 409, cls
    for cls in (errors.UnavailableError, errors.UnreadableAnswerError, errors.RateLimitedError):
        assert error_answer(instance(cls)).status == 502, cls


@pytest.fixture
def app(tmp_path) -> Iterator[Flask]:
    """A shop with the extension, the service's API and the admin console, one approved order."""
    app = Flask("shop", instance_path=str(tmp_path / "instance"))
    app.config.update(
        SECRET_KEY="test-secret-key-0123456789abcdef",
        FLEXITI_STORE_URL=f"sqlite:///{tmp_path / 'flexiti.sqlite3'}",
        FLEXITI_API_KEYS=KEY,
    )
    flexiti = FlexitiCheckout(app, admin_access=lambda: "Alex")
    register_api(app)

    @app.post("/pay/<merchant_order_id>")
    def pay(merchant_order_id: str) -> Any:
        return flexiti.checkout(checkout_request(merchant_order_id))

    store = flexiti_state(app).store
    order = store.insert_order(merchant_order_id="E-1", amount=Decimal("200.00"), flow="buy",
                               lang="en", reference_id=REFERENCE, source="checkout")  # fmt: skip
    order = store.transition(order, OrderStatus.PENDING, source="checkout", online_order_id="77")
    store.transition(order, OrderStatus.APPROVED, source="callback")
    yield app
    flexiti.close(app)


def raising(exc: Exception):
    def raise_it(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return raise_it


def check_page(client: FlaskClient, row: ErrorAnswer, exc: Exception) -> None:
    """The checkout page: the row's status and page, as HTML and as JSON for flexiti.js."""
    assert row.page is not None
    page = client.post("/pay/P-1")
    assert page.status_code == row.status
    assert "Traceback" not in page.get_data(as_text=True)
    answer = client.post("/pay/P-2", headers={"Accept": "application/json"})
    assert answer.status_code == row.status
    assert answer.json["error"] == row.page.error_name
    assert answer.json["message"] == (row.customer_message or row.page.customer_message)
    if isinstance(exc, errors.FlexitiError):
        assert answer.json["reference_id"] == REFERENCE


def check_api(client: FlaskClient, path: str, row: ErrorAnswer, body: dict[str, Any]) -> None:
    """The JSON API: the row's status and code, the error's own sentence as message."""
    answer = client.post(path, json=body, headers={"Authorization": f"Bearer {KEY}"})
    assert (answer.status_code, answer.json["error"]) == (row.status, row.code)
    assert "happened" in answer.json["message"] or "must be more than 0" in answer.json["message"]


def check_console(client: FlaskClient, row: ErrorAnswer) -> None:
    """The console: a refusal (4xx) or a failure (5xx), shown as an error and recorded."""
    page = client.get("/flexiti/admin/orders/E-1").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    done = client.post("/flexiti/admin/orders/E-1/actions/cancel_order",
                       data={"csrf_token": token, "confirm": "yes"})  # fmt: skip
    assert done.status_code == 303
    html = client.get("/flexiti/admin/orders/E-1").get_data(as_text=True)
    if row.error is errors.ActionInProgressError:  # not refused: it goes on
        assert re.search(r'class="flx-admin-flash" role="status">In progress: ', html)
        return
    verdict = "refused" if row.status < 500 else "failed"
    assert re.search(rf'class="flx-admin-error" role="alert">[^<]*{verdict}: ', html)


@pytest.mark.parametrize("cls", HIERARCHY, ids=lambda cls: cls.__name__)
def test_the_surfaces_answer_each_error_as_the_table_says(app, monkeypatch, cls) -> None:
    """The checkout page, the API (checkout and cancellation) and the console agree with the
    row of ``ERROR_ANSWERS`` wherever they meet the error."""
    exc = instance(cls)
    row = error_answer(exc)
    state = flexiti_state(app)
    client = app.test_client()
    starts = not issubclass(cls, errors.OrderActionError)  # what starting a checkout raises
    acts = issubclass(cls, errors.FlexitiError)  # what an action on an order raises
    monkeypatch.setattr(state.orders, "start", raising(exc))
    monkeypatch.setattr(state.actions, "cancel", raising(exc))
    # Flexiti holds the purchase, so the console offers the cancellation the error then meets.
    monkeypatch.setattr(state.actions, "cancellable", lambda order, budget=None: Cancellable.YES)
    monkeypatch.setattr(state.actions, "may_cancel", lambda order: True)
    if starts:
        check_page(client, row, exc)
        check_api(client, "/flexiti/api/checkouts", row, checkout_request("A-1"))
    else:
        assert row.page is None  # no page of the shop's customers meets it
    if acts:
        check_api(client, "/flexiti/api/orders/E-1/cancel", row, {})
        check_console(client, row)
    assert starts or acts
