"""The admin console: access, the orders list, one order, actions with CSRF and confirmation."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flexiti_checkout import FlexitiCheckout, OrderStatus
from flexiti_checkout.web.state import flexiti_state
from support.shop_server import checkout_request

ADMIN_KEY = "admin-key-for-tests-0123456789"


def make_app(tmp_path, admin_access: Callable[[], Any] | None = None, **config: Any) -> Flask:
    """A shop in sandbox mode (its own embedded sandbox) with the console set up as asked."""
    app = Flask("shop", instance_path=str(tmp_path / "instance"))
    app.config.update(
        SECRET_KEY="test-secret-key-0123456789abcdef",
        FLEXITI_STORE_URL=f"sqlite:///{tmp_path / 'flexiti.sqlite3'}",
        FLEXITI_LOOKUP_INTERVAL="10ms",
        **config,
    )
    FlexitiCheckout(app, admin_access=admin_access)
    app.config["SANDBOX"] = flexiti_state(app).sandbox_app
    return app


def start(app: Flask, merchant_order_id: str, amount: str = "499.00") -> int:
    with app.test_request_context():
        started = flexiti_state(app).orders.start(checkout_request(merchant_order_id, amount))
    return int(started.online_order_id)


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match[1]


@pytest.fixture
def staff(tmp_path) -> Iterator[tuple[Flask, FlaskClient]]:
    """A shop whose host lets everyone in as "Alex" (its own login would decide)."""
    app = make_app(tmp_path, admin_access=lambda: "Alex")
    with app.test_client() as client:
        yield app, client


def test_the_console_is_off_without_access_or_keys(tmp_path):
    """No admin_access and no FLEXITI_ADMIN_KEYS: nothing answers under /flexiti/admin/."""
    app = make_app(tmp_path)
    assert app.test_client().get("/flexiti/admin/").status_code == 404


def test_the_hosts_callable_decides_who_gets_in(tmp_path):
    """A callable that refuses gives 403; one that names the actor lets them in."""
    allowed: list[Any] = [None]
    app = make_app(tmp_path, admin_access=lambda: allowed[0])
    client = app.test_client()
    assert client.get("/flexiti/admin/").status_code == 403
    allowed[0] = "Sam"
    page = client.get("/flexiti/admin/")
    assert page.status_code == 200 and "Sam" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["X-Frame-Options"] == "DENY"


def link(page: str, rel: str) -> str:
    """The address of the page's ``rel`` link (next, prev), as a browser would follow it."""
    match = re.search(rf'<a rel="{rel}" href="([^"]+)"', page)
    assert match, f"the page has no {rel} link"
    return html.unescape(match[1])


def test_orders_are_listed_newest_first_with_filters_search_and_paging(staff):
    """Status filter, a search on the beginning of the order number, and 50 orders a page."""
    app, client = staff
    for number in range(55):
        start(app, f"LIST-{number:03d}")
    flexiti_state(app).store.transition(
        flexiti_state(app).store.get_order("LIST-007"), OrderStatus.EXPIRED, source="reconcile"
    )
    first = client.get("/flexiti/admin/orders").get_data(as_text=True)
    assert "LIST-054" in first and "LIST-004" not in first  # newest first, 50 a page
    assert "Page 1 of 2 (55 orders)" in first and 'rel="prev"' not in first
    second = client.get(link(first, "next")).get_data(as_text=True)
    assert "LIST-004" in second and "LIST-000" in second and "LIST-005" not in second
    assert "Page 2 of 2 (55 orders)" in second and 'rel="next"' not in second
    back = client.get(link(second, "prev")).get_data(as_text=True)
    assert "LIST-054" in back and "LIST-005" in back and "LIST-004" not in back
    assert "Page 1 of 2 (55 orders)" in back
    expired = client.get("/flexiti/admin/orders?status=expired").get_data(as_text=True)
    assert "LIST-007" in expired and "LIST-008" not in expired
    search = client.get("/flexiti/admin/orders?q=LIST-01").get_data(as_text=True)
    assert "LIST-010" in search and "LIST-019" in search and "LIST-020" not in search
    wildcard = client.get("/flexiti/admin/orders?q=%25").get_data(as_text=True)
    assert "No orders match." in wildcard  # % is searched for, not a wildcard


def test_an_order_shows_its_history_and_what_flexiti_granted(staff):
    """History, details and the address-match scores of an approved order."""
    app, client = staff
    online_id = start(app, "SHOW-1")
    client.patch("/flexiti-sandbox/_sandbox/faults", json={"callback_mode": "drop"})
    client.post(f"/flexiti-sandbox/_sandbox/orders/{online_id}/settle", json={"outcome": "approve"})
    flexiti_state(app).orders.refresh("SHOW-1", source="return", force=True)
    assert flexiti_state(app).store.get_order("SHOW-1").status is OrderStatus.APPROVED
    html = client.get("/flexiti/admin/orders/SHOW-1").get_data(as_text=True)
    assert "Approved" in html and "Pending" in html  # the history
    assert "Flexiti promotion number" in html and "Address match" in html
    assert "Billing address" in html and "billing_information" not in html
    assert "promo_id" not in html
    assert "Nothing can be done on an order in this status." not in html
    assert ">Refund</button>" in html and ">Cancel the purchase</button>" not in html  # posted
    assert 'Refundable: <span class="flx-money">$499.00' in html
    assert client.get("/flexiti/admin/orders/NOPE").status_code == 404


def test_recheck_needs_the_csrf_token_and_a_confirmation_and_records_the_actor(staff):
    """Without the token nothing happens; the first post asks; the second acts and is audited."""
    app, client = staff
    client.patch("/flexiti-sandbox/_sandbox/faults", json={"callback_mode": "drop"})
    online_id = start(app, "ACT-1")
    settled = client.post(
        f"/flexiti-sandbox/_sandbox/orders/{online_id}/settle", json={"outcome": "approve"}
    )
    assert settled.status_code == 200
    store = flexiti_state(app).store
    assert store.get_order("ACT-1").status is OrderStatus.PENDING  # the callback was dropped
    action = "/flexiti/admin/orders/ACT-1/actions/recheck"

    forged = client.post(action, data={"confirm": "yes"})
    assert forged.status_code == 303
    assert store.get_order("ACT-1").status is OrderStatus.PENDING

    token = csrf(client.get("/flexiti/admin/orders/ACT-1").get_data(as_text=True))
    asked = client.post(action, data={"csrf_token": token})
    assert asked.status_code == 200 and "Please confirm" in asked.get_data(as_text=True)
    assert store.get_order("ACT-1").status is OrderStatus.PENDING

    done = client.post(action, data={"csrf_token": token, "confirm": "yes"})
    assert done.status_code == 303
    assert store.get_order("ACT-1").status is OrderStatus.APPROVED
    page = client.get("/flexiti/admin/orders/ACT-1").get_data(as_text=True)
    assert "Done: now approved" in page
    assert "Alex" in page and "(staff console)" in page  # the actor, and the history's source


def test_sign_in_with_a_key_then_out(tmp_path):
    """Keys sign staff in (the actor is their name and the key's number, never the key)."""
    app = make_app(tmp_path, FLEXITI_ADMIN_KEYS=f"other-key-0123456789abcdef,{ADMIN_KEY}")
    client = app.test_client()
    first = client.get("/flexiti/admin/orders/X-1")
    assert first.status_code == 302 and "/flexiti/admin/sign-in" in first.headers["Location"]
    form = client.get("/flexiti/admin/sign-in").get_data(as_text=True)
    wrong = client.post("/flexiti/admin/sign-in", data={"csrf_token": csrf(form), "key": "x" * 30})
    assert wrong.status_code == 401 and "not one of this service" in wrong.get_data(as_text=True)
    right = client.post(
        "/flexiti/admin/sign-in",
        data={"csrf_token": csrf(form), "key": ADMIN_KEY, "name": "Robin"},
    )
    assert right.status_code == 303
    page = client.get("/flexiti/admin/").get_data(as_text=True)
    assert "Robin (key #2)" in page and ADMIN_KEY not in page
    client.post("/flexiti/admin/sign-out", data={"csrf_token": csrf(page)})
    assert client.get("/flexiti/admin/").status_code == 302


def test_a_removed_key_ends_its_sessions(tmp_path):
    """The session keeps the key's fingerprint: once the key is gone, so is the access."""
    app = make_app(tmp_path, FLEXITI_ADMIN_KEYS=ADMIN_KEY)
    client = app.test_client()
    form = client.get("/flexiti/admin/sign-in").get_data(as_text=True)
    client.post("/flexiti/admin/sign-in", data={"csrf_token": csrf(form), "key": ADMIN_KEY})
    assert client.get("/flexiti/admin/").status_code == 200
    flexiti_state(app).admin.keys = ("a-new-key-0123456789abcdef",)
    assert client.get("/flexiti/admin/").status_code == 302


def test_the_console_speaks_french(staff):
    """?lang=fr sticks for the session: statuses, headings and actions in French."""
    app, client = staff
    start(app, "FR-1")
    html = client.get("/flexiti/admin/orders?lang=fr").get_data(as_text=True)
    assert 'lang="fr-CA"' in html and "Commandes Flexiti" in html and "En attente" in html
    order = client.get("/flexiti/admin/orders/FR-1").get_data(as_text=True)
    assert "Interroger Flexiti maintenant" in order and "Historique" in order


def test_bad_keys_in_settings_fail_at_init(tmp_path):
    """A short admin key is refused at init_app, naming the setting."""
    from flexiti_checkout import ConfigurationError

    with pytest.raises(ConfigurationError, match="FLEXITI_ADMIN_KEYS entry #1"):
        make_app(tmp_path, FLEXITI_ADMIN_KEYS="short")
