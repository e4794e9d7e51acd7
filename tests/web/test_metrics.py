"""``GET /flexiti/metrics``: what an operator alerts on, moved by real flows, read by the scraper
or staff only; counters added up across processes with ``PROMETHEUS_MULTIPROC_DIR``."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from flexiti_checkout import OrderStatus, RefundStatus
from support.sandbox_server import CallbackReceiver

SCRAPER_KEY = "scraper-key-0123456789abcdef"
ADMIN_KEY = "admin-key-for-tests-0123456789"
WEBHOOK_SECRET = "whsec_" + "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
LOOKUP = "GET /online/notifications/merchant-order-id/{id}"

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    """Every sample of a scrape by name and labels (``("flexiti_orders", (("status", …),))``)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(shop) -> Samples:
    with shop.app.test_client() as client:
        answer = client.get("/flexiti/metrics", headers={"Authorization": f"Bearer {SCRAPER_KEY}"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.headers["Content-Type"].startswith("text/plain; version=")
    assert answer.headers["Cache-Control"] == "no-store"
    return parse(answer.get_data(as_text=True))


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def scrape_until(shop, done: Callable[[Samples], bool], timeout: float = 15.0) -> Samples:
    """Scrape until ``done`` holds (work finishes on the shop's threads), within a deadline."""
    deadline = time.monotonic() + timeout
    while not done(samples := scrape(shop)):
        assert time.monotonic() < deadline, "the metrics never showed the work done"
        time.sleep(0.05)
    return samples


@pytest.mark.shop_config(
    {
        "FLEXITI_METRICS_KEYS": SCRAPER_KEY,
        "FLEXITI_SHOP_WEBHOOK_URL": "http://127.0.0.1:9/set-by-the-test",
        "FLEXITI_SHOP_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
)
def test_metrics_follow_a_checkout_a_refund_an_outage_and_a_failing_webhook_endpoint(
    shop, callback_receiver: CallbackReceiver, monkeypatch
):
    """Counters move by what happened (deltas: a process counts every test's work); the store's
    gauges say what is true now."""
    monkeypatch.setattr(shop.state.webhooks, "url", callback_receiver.url)
    before = scrape(shop)
    assert value(before, "flexiti_orders", status="approved") == 0
    assert value(before, "flexiti_refunds", state="unknown") == 0  # present, so alerts see it

    session = shop.start("MET-1")
    shop.settle(session.online_order_id, "approve")
    shop.wait_for_callbacks()
    assert shop.order("MET-1").status is OrderStatus.APPROVED
    with shop.app.app_context():
        assert shop.flexiti.refund("MET-1", "100.00").status is RefundStatus.SUCCEEDED
    shop.sandbox.control("PATCH", "faults", {"fail_next": {"count": 1, "status": 503}})
    with shop.app.app_context():
        assert shop.flexiti.refund("MET-1", "50.00").status is RefundStatus.UNKNOWN
    delivered_before = value(before, "flexiti_webhooks_delivered_total")
    after = scrape_until(  # each event delivered, and counted (just after the store knows it)
        shop,
        lambda s: (
            value(s, "flexiti_webhooks_pending") == 0
            and value(s, "flexiti_webhooks_delivered_total") - delivered_before
            == len(callback_receiver.received)
        ),
    )

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("flexiti_callbacks_stored_total") >= 1
    assert moved("flexiti_callbacks_processed_total") >= 1
    assert moved("flexiti_lookups_total", outcome="changed") == 1
    assert moved("flexiti_api_request_seconds_count", endpoint=LOOKUP) >= 1
    assert moved("flexiti_api_request_seconds_count", endpoint="POST /online/v2/systems/init") == 1
    assert moved("flexiti_api_errors_total", endpoint=LOOKUP, kind="unavailable") == 0
    assert (
        sum(
            moved(name, **dict(labels))
            for (name, labels) in after
            if name == "flexiti_api_errors_total" and dict(labels)["kind"] == "unavailable"
        )
        == 1
    )  # the refund's 503
    assert value(after, "flexiti_orders", status="partially_refunded") == 1
    assert value(after, "flexiti_refunds", state="succeeded") == 1
    assert value(after, "flexiti_refunds", state="unknown") == 1
    assert value(after, "flexiti_webhooks_failed") == 0
    assert [r["json"]["type"] for r in callback_receiver.received] == [
        "order.approved",
        "order.partially_refunded",
    ]
    assert value(after, "flexiti_callback_backlog") == 0
    assert value(after, "flexiti_callback_backlog_oldest_age_seconds") == 0
    assert not any("MET-1" in str(labels) for _, labels in after)  # no order in a label

    callback_receiver.status = 500  # the shop's endpoint breaks
    session = shop.start("MET-2")
    shop.settle(session.online_order_id, "decline")
    shop.wait_for_callbacks()
    failed_before = value(after, "flexiti_webhook_attempts_failed_total")
    failing = scrape_until(
        shop, lambda s: value(s, "flexiti_webhook_attempts_failed_total") > failed_before
    )
    assert value(failing, "flexiti_webhooks_pending") == 1
    assert value(failing, "flexiti_webhooks_oldest_pending_age_seconds") > 0
    assert value(failing, "flexiti_orders", status="declined") == 1


@pytest.mark.shop_config({"FLEXITI_METRICS_KEYS": SCRAPER_KEY})
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-key-0123456789abcdef", f"Basic {SCRAPER_KEY}", "Bearer ", SCRAPER_KEY],
)
def test_a_scrape_without_a_metrics_key_is_refused(shop, authorization):
    """No key, a wrong key, or the right key not as a bearer token: 401, and nothing read."""
    headers = {} if authorization is None else {"Authorization": authorization}
    with shop.app.test_client() as client:
        answer = client.get("/flexiti/metrics", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert "FLEXITI_METRICS_KEYS" in answer.json["message"]
    assert "flexiti_" not in answer.json["message"].replace("FLEXITI_", "")


def test_metrics_are_off_without_keys_or_a_console(shop):
    """Nobody could read them: 404, as for any unknown address."""
    with shop.app.test_client() as client:
        assert client.get("/flexiti/metrics").status_code == 404


@pytest.mark.shop_config({"FLEXITI_ADMIN_KEYS": ADMIN_KEY})
def test_staff_signed_in_to_the_console_read_the_metrics(shop):
    """The console's session is enough; without it, refused."""
    with shop.app.test_client() as client:
        assert client.get("/flexiti/metrics").status_code == 401
        form = client.get("/flexiti/admin/sign-in").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token
        signed = client.post(
            "/flexiti/admin/sign-in", data={"csrf_token": token[1], "key": ADMIN_KEY}
        )
        assert signed.status_code == 303
        answer = client.get("/flexiti/metrics")
        assert answer.status_code == 200
        assert "flexiti_callback_backlog " in answer.get_data(as_text=True)


COUNT_IN_A_PROCESS = """
from flexiti_checkout.metrics import CALLBACKS_STORED
CALLBACKS_STORED.inc({n})
"""

SCRAPE_IN_A_PROCESS = """
from flexiti_checkout.service.app import create_app
from support.apps import close_app
app = create_app({{"FLEXITI_STORE_URL": "sqlite:///{db}", "FLEXITI_METRICS_KEYS": "{key}",
                   "FLEXITI_API_KEYS": "{key}"}})
answer = app.test_client().get("/flexiti/metrics", headers={{"Authorization": "Bearer {key}"}})
print(answer.status_code)
print(answer.get_data(as_text=True))
close_app(app)
"""


@pytest.mark.live  # separate processes, as under gunicorn
def test_counters_of_every_process_add_up_with_a_multiprocess_directory(tmp_path: Path):
    """Under gunicorn each worker counts its own; with ``PROMETHEUS_MULTIPROC_DIR`` a scrape of
    any one of them answers the sum."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {"PROMETHEUS_MULTIPROC_DIR": str(folder), "PYTHONPATH": str(Path(__file__).parents[1])}

    def run(code: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
        )
        return done.stdout

    run(COUNT_IN_A_PROCESS.format(n=2))
    run(COUNT_IN_A_PROCESS.format(n=3))
    out = run(SCRAPE_IN_A_PROCESS.format(db=tmp_path / "flexiti.sqlite3", key=SCRAPER_KEY))
    status, _, text = out.partition("\n")
    assert status == "200"
    assert value(parse(text), "flexiti_callbacks_stored_total") == 5
