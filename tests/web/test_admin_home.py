"""The console's home page (what needs attention, with counts) and its CSV export for accounting."""

from __future__ import annotations

import csv
import io
import re
import time
from decimal import Decimal

import pytest

from flexiti_checkout import OrderStatus
from flexiti_checkout.errors import UnavailableError
from flexiti_checkout.store.outbox import Outbox
from flexiti_checkout.web.admin import attention as attention_module
from flexiti_checkout.web.admin.export import safe
from flexiti_checkout.web.state import flexiti_state
from support.back_office import settled
from support.console import in_review, page

HOUR = 3600.0


def failing_webhook(app, merchant_order_id: str, attempts: int, *, given_up: bool) -> None:
    """A webhook event of the order that failed ``attempts`` times (and was given up or not)."""
    store = flexiti_state(app).store
    order = store.get_order(merchant_order_id)
    outbox = Outbox(store)
    now = time.time()
    with store.begin() as conn:
        outbox.add(conn, event_id=f"evt-{merchant_order_id}", event_type="order.approved",
                   order_id=order.id, merchant_order_id=merchant_order_id, body="{}",
                   now=now)  # fmt: skip
    for attempt in range(attempts):
        (event,) = [e for e in outbox.events() if e.event_id == f"evt-{merchant_order_id}"]
        assert outbox.claim(event, "test", now=now, lease=60)
        last = attempt == attempts - 1 and given_up
        outbox.finish(event, "test", now=now, result="HTTP 500", delivered=False,
                      retry_at=None if last else now)  # fmt: skip


def test_the_home_page_counts_what_needs_a_person(console):
    """Orders in review with their reason, unknown refunds, failing webhooks, late pending
    orders: each counted and listed; what is fine is not."""
    app, client, fake = console
    state = flexiti_state(app)
    store = state.store
    empty = page(client, "/flexiti/admin/")
    assert "Nothing needs attention." in empty
    in_review(app, "HR-1")
    settled(store, fake, "HU-1")
    fake.fail_next("return", UnavailableError("timed out"), after_doing_it=True)
    assert state.refunds.refund("HU-1", "5.00").refund.status.value == "unknown"
    settled(store, fake, "HW-1")
    settled(store, fake, "HW-2")
    failing_webhook(app, "HW-1", 3, given_up=False)  # keeps failing
    failing_webhook(app, "HW-2", 1, given_up=False)  # one failure: not yet worth a look
    real_clock = store.clock
    store.clock = lambda: real_clock() - 2 * HOUR  # an order that went pending two hours ago
    late = store.insert_order(merchant_order_id="HP-1", amount=Decimal("10.00"), flow="buy",
                              lang="en", reference_id="r", source="checkout")  # fmt: skip
    store.transition(late, OrderStatus.PENDING, source="checkout", online_order_id="77")
    store.clock = real_clock
    fresh = store.insert_order(merchant_order_id="HP-2", amount=Decimal("10.00"), flow="buy",
                               lang="en", reference_id="r", source="checkout")  # fmt: skip
    store.transition(fresh, OrderStatus.PENDING, source="checkout", online_order_id="78")

    home = page(client, "/flexiti/admin/")
    counts = dict(
        (label.strip(), int(number))
        for number, label in re.findall(r"<strong>(\d+)</strong>([^<]+)</a>", home)
    )
    assert counts == {
        "Orders in review": 1,
        "Refunds with an unknown outcome": 1,
        "Webhooks that keep failing": 1,
        "Orders pending longer than 1h": 1,
    }
    assert "Flexiti approved $2,900.00, the order is for $2,899.00" in home
    for shown in ("HR-1", "HU-1", "HW-1", "HP-1"):
        assert f">{shown}</a>" in home
    for fine in ("HW-2", "HP-2"):
        assert f">{fine}</a>" not in home


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("late delivery", "late delivery"),
        (Decimal("2899.00"), "2899.00"),
        (None, ""),
    ],
)
def test_cells_a_spreadsheet_would_run_are_quoted(cell, written):
    """Cells starting with = + - @ (or a tab) get a leading quote; others are as they are."""
    assert safe(cell) == written


def rows(answer) -> list[dict[str, str]]:
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))


def test_orders_and_refunds_export_as_csv_for_a_period(console):
    """Exact amounts, the store's day and UTC, formulas quoted, orders outside the period left
    out; the refund export lists refunds."""
    app, client, fake = console
    store = flexiti_state(app).store
    settled(store, fake, "=CMD-1", "2899.99")
    settled(store, fake, "EX-2", "0.10")
    real_clock = store.clock
    store.clock = lambda: real_clock() - 40 * 24 * HOUR
    store.insert_order(merchant_order_id="OLD-1", amount=Decimal("5.00"), flow="buy", lang="en",
                       reference_id="r", source="checkout")  # fmt: skip
    store.clock = real_clock
    flexiti_state(app).refunds.refund("EX-2", "0.10", reason="-rebate", actor="Alex")
    window = {"from": time.strftime("%Y-%m-%d", time.gmtime(time.time() - 2 * 86400)),
              "to": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))}  # fmt: skip
    orders = rows(client.get("/flexiti/admin/export/orders.csv", query_string=window))
    assert [o["merchant_order_id"] for o in orders] == ["'=CMD-1", "EX-2"]
    assert [o["amount"] for o in orders] == ["2899.99", "0.10"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", orders[0]["created_utc"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d E[SD]T", orders[0]["created_local"])
    refunds = rows(client.get("/flexiti/admin/export/refunds.csv", query_string=window))
    assert [(r["merchant_order_id"], r["amount"], r["reason"]) for r in refunds] == [
        ("EX-2", "0.10", "'-rebate")
    ]


@pytest.mark.parametrize(
    "window",
    [
        {"from": "2026-13-01", "to": "2026-12-31"},
        {"from": "2026-12-31", "to": "2026-01-01"},
        {"from": "2024-01-01", "to": "2026-01-01"},
        {"from": "", "to": ""},
    ],
)
def test_a_bad_period_is_refused_with_what_to_do(console, window):
    """Malformed, reversed or too long: back to the home page with a message, no CSV."""
    _, client, _ = console
    answer = client.get("/flexiti/admin/export/orders.csv", query_string=window)
    assert answer.status_code == 303
    home = page(client, "/flexiti/admin/")
    assert "Choose a start and an end date (YYYY-MM-DD)" in home


def test_the_export_is_for_staff_only(tmp_path):
    """Without a signed-in staff member the export answers nothing but the sign-in page."""
    from web.test_admin import ADMIN_KEY, make_app

    app = make_app(tmp_path, FLEXITI_ADMIN_KEYS=ADMIN_KEY)
    answer = app.test_client().get(
        "/flexiti/admin/export/orders.csv", query_string={"from": "2026-01-01", "to": "2026-01-31"}
    )
    assert answer.status_code == 302 and "/sign-in" in answer.headers["Location"]


def test_the_home_page_counts_more_than_it_shows(console, monkeypatch):
    """Past ``SHOWN`` orders in review the list stops, the count goes on (up to ``COUNTED``)."""
    app, client, _fake = console
    monkeypatch.setattr(attention_module, "SHOWN", 2)
    for number in range(3):
        in_review(app, f"HM-{number}")
    home = page(client, "/flexiti/admin/")
    assert re.search(r"<strong>3</strong>\s*Orders in review", home)
    assert sum(f">HM-{number}</a>" in home for number in range(3)) == 2
