"""Signed webhooks to the shop: the outbox, the signature, retries, and the CLI.

Signatures are checked twice: by hand, the way a shop without a library would (HMAC-SHA256 over
``id.timestamp.body`` with the base64-decoded secret), and with the ``standardwebhooks`` package.
Retries run on a fake clock by calling the dispatcher directly; the live tests let its thread do
the work.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from standardwebhooks import Webhook

from flexiti_checkout.errors import ConfigurationError
from flexiti_checkout.models import Order, OrderStatus
from flexiti_checkout.sandbox.server import serve
from flexiti_checkout.signals import notification
from flexiti_checkout.store.outbox import DELIVERED, FAILED, PENDING, Outbox, OutboxEvent
from flexiti_checkout.store.repository import Store
from flexiti_checkout.store.tables import webhook_outbox
from flexiti_checkout.web.settings.catalogue import load_settings
from flexiti_checkout.web.state import flexiti_state
from flexiti_checkout.webhooks.dispatcher import Webhooks
from flexiti_checkout.webhooks.signing import sign, signature_headers
from support.apps import close_app
from support.clocks import FakeClock
from support.sandbox_server import SandboxServer
from support.shop_server import Shop, checkout_request, make_shop_app, run_shop

KEY = bytes(range(32))
SECRET = "whsec_" + base64.b64encode(KEY).decode()
SHORT_SECRET = "whsec_" + base64.b64encode(bytes(16)).decode()
API_KEY = "gunicorn-test-key-0123456789"


# -- a shop's webhook endpoint -------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    def verified(self, key: bytes = KEY) -> dict[str, Any]:
        """The event, once its signature checks out, recomputed by hand."""
        signed = f"{self.headers['webhook-id']}.{self.headers['webhook-timestamp']}.".encode()
        expected = base64.b64encode(hmac.new(key, signed + self.body, hashlib.sha256).digest())
        offered = [
            entry.split(",", 1)[1].encode()
            for entry in self.headers["webhook-signature"].split()
            if entry.startswith("v1,")
        ]
        assert any(hmac.compare_digest(expected, signature) for signature in offered)
        return json.loads(self.body)


class WebhookReceiver:
    """Records every request, answering each with the next of ``statuses`` (then 200)."""

    def __init__(self) -> None:
        self.url = ""
        self.statuses: list[int] = []
        self.delay = 0.0
        self.received: list[Received] = []
        self._cond = threading.Condition()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        time.sleep(self.delay)
        with self._cond:
            self.received.append(Received(headers, body))
            status = self.statuses.pop(0) if self.statuses else 200
            self._cond.notify_all()
        start_response(f"{status} Status", [("Content-Type", "text/plain")])
        return [b"ok"]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        with self._cond:
            self._cond.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver()
    with serve(receiver) as server:
        receiver.url = f"http://127.0.0.1:{server.server_port}/hooks/flexiti"
        yield receiver


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(start=float(int(time.time())))


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    store = Store(store_url)
    yield store
    store.close()


@pytest.fixture
def webhooks(store: Store, receiver: WebhookReceiver, clock: FakeClock) -> Iterator[Webhooks]:
    """Webhooks on ``store`` with a fake clock and no thread: tests call ``run_due``."""
    webhooks = Webhooks(store, receiver.url, KEY, clock=clock, autostart=False)
    yield webhooks
    webhooks.stop()


def pending_order(store: Store, merchant_order_id: str = "W-1", flow: str = "buy") -> Order:
    order = store.insert_order(
        merchant_order_id=merchant_order_id,
        amount=Decimal("499.00"),
        flow=flow,
        lang="en",
        reference_id="ref-1",
        source="checkout",
    )
    assert order is not None
    pending = store.transition(
        order,
        OrderStatus.PENDING,
        source="checkout",
        online_order_id="131209",
        redirection_url="https://flexiti.example/flow",
    )
    assert pending is not None
    return pending


def outbox_rows(store: Store) -> int:
    with store.begin() as conn:
        return int(conn.execute(select(func.count()).select_from(webhook_outbox)).scalar_one())


def drained(outbox: Outbox, timeout: float = 10.0) -> list[OutboxEvent]:
    """The outbox's events once none is left to send, so every attempt has finished: only then
    does what the receiver got say whether an event went out twice (no sleeping and counting)."""
    deadline = time.monotonic() + timeout
    while pending := outbox.events((PENDING,)):
        assert time.monotonic() < deadline, f"{len(pending)} event(s) still to send"
        time.sleep(0.02)
    return outbox.events((DELIVERED, FAILED))


# -- settings and signatures ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "secret", "key"),
    [
        ("https://shop.example/hooks", None, "FLEXITI_SHOP_WEBHOOK_SECRET is required"),
        ("https://shop.example/hooks", "abc" + SECRET[6:], "FLEXITI_SHOP_WEBHOOK_SECRET"),
        ("https://shop.example/hooks", "whsec_not*base64", "FLEXITI_SHOP_WEBHOOK_SECRET"),
        ("https://shop.example/hooks", SHORT_SECRET, "FLEXITI_SHOP_WEBHOOK_SECRET"),
        ("ftp://shop.example/hooks", SECRET, "FLEXITI_SHOP_WEBHOOK_URL"),
        ("shop.example/hooks", SECRET, "FLEXITI_SHOP_WEBHOOK_URL"),
        ("https://user:pw@shop.example/hooks", SECRET, "FLEXITI_SHOP_WEBHOOK_URL"),
        ("https://shop.example:port/hooks", SECRET, "FLEXITI_SHOP_WEBHOOK_URL"),
        (None, "whsec_short", "FLEXITI_SHOP_WEBHOOK_SECRET"),
    ],
)
def test_bad_webhook_settings_fail_naming_the_key(url, secret, key):
    """A malformed URL or secret, or a URL without a secret, fails at init naming the key."""
    config = {
        "SECRET_KEY": "k" * 32,
        "FLEXITI_SHOP_WEBHOOK_URL": url,
        "FLEXITI_SHOP_WEBHOOK_SECRET": secret,
    }
    with pytest.raises(ConfigurationError, match=key) as raised:
        load_settings(config)
    assert SECRET[6:] not in str(raised.value)


@pytest.mark.parametrize("secret", [SECRET, SECRET.rstrip("="), f"  {SECRET} "])
def test_good_webhook_settings_decode_the_key(secret):
    """``whsec_`` + base64 (padded or not) gives the HMAC key; the repr never shows it."""
    settings = load_settings(
        {
            "SECRET_KEY": "k" * 32,
            "FLEXITI_SHOP_WEBHOOK_SECRET": secret,
            "FLEXITI_SHOP_WEBHOOK_URL": "http://127.0.0.1:9/hooks",
        }
    )
    assert settings.shop_webhook_secret == KEY
    assert SECRET[6:] not in repr(settings)


def test_without_a_url_there_are_no_webhooks(shop):
    """With FLEXITI_SHOP_WEBHOOK_URL unset, nothing is written nor sent."""
    assert shop.state.webhooks is None
    assert shop.state.store.transition_hooks == []


@pytest.mark.parametrize(
    ("event_id", "timestamp", "body"),
    [
        ("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'),
        ("msg_0", 1, '{"name": "Chloé"}'.encode()),
    ],
)
def test_signature_is_the_standard_webhooks_one(event_id, timestamp, body):
    """Our signature equals the standardwebhooks library's for the same secret and message."""
    moment = datetime.fromtimestamp(timestamp, tz=timezone.utc)
    assert sign(KEY, event_id, timestamp, body) == Webhook(SECRET).sign(
        event_id, moment, body.decode()
    )


def docs_receiver(monkeypatch: pytest.MonkeyPatch) -> FlaskClient:
    """The plain-Python receiver of the docs (the service's page), run as written, keyed with
    ``SECRET``."""
    page = (Path(__file__).resolve().parents[2] / "docs" / "service.md").read_text()
    code = re.search(r"```python\n(import base64, hashlib, hmac.*?)```", page, re.S)
    assert code is not None, "the docs' webhook receiver is gone"
    monkeypatch.setenv("FLEXITI_SHOP_WEBHOOK_SECRET", SECRET)
    namespace: dict[str, Any] = {"__name__": "docs_receiver"}
    exec(code.group(1), namespace)
    return namespace["app"].test_client()


@pytest.mark.parametrize(
    ("key", "age", "status"),
    [(KEY, 0, 204), (KEY, 200, 204), (bytes(32), 0, 401), (KEY, 400, 401), (None, 0, 401)],
)
def test_the_docs_receiver_verifies_our_webhooks(monkeypatch, key, age, status):
    """The docs' receiver accepts our signature and refuses forged or stale ones."""
    body = b'{"type":"order.approved","data":{}}'
    sent_at = int(time.time()) - age
    headers = signature_headers(key, "msg_1", sent_at, body) if key is not None else {}
    answer = docs_receiver(monkeypatch).post(
        "/hooks/flexiti", data=body, headers=headers, content_type="application/json"
    )
    assert answer.status_code == status


# -- the outbox ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flow", "status", "expected"),
    [
        ("buy", OrderStatus.APPROVED, "order.approved"),
        ("apply/buy", OrderStatus.APPROVED, "order.approved"),
        ("apply", OrderStatus.APPROVED, "application.approved"),
        ("buy", OrderStatus.DECLINED, "order.declined"),
        ("apply", OrderStatus.CANCELLED, "order.cancelled"),
        ("buy", OrderStatus.EXPIRED, "order.expired"),
        ("buy", OrderStatus.NEEDS_REVIEW, "order.needs_review"),
        ("buy", OrderStatus.PARTIALLY_REFUNDED, "order.partially_refunded"),
        ("buy", OrderStatus.REFUNDED, "order.refunded"),
        ("buy", OrderStatus.PENDING, None),
        ("buy", OrderStatus.CREATED, None),
        ("buy", OrderStatus.ERROR, None),
    ],
)
def test_which_transitions_send_an_event(flow, status, expected):
    """Each settling status has its event, the apply flow's approval its own; others none."""
    order = Order(
        merchant_order_id="X",
        status=status,
        amount=Decimal(1),
        flow=flow,
        lang="en",
        reference_id="r",
    )
    row = notification(order)
    assert (None if row is None else row.webhook) == expected


def test_the_event_commits_with_its_transition(store, webhooks):
    """Approving writes one event; a starting order and a stale compare-and-set write none."""
    order = pending_order(store)
    assert outbox_rows(store) == 0
    approved = store.transition(
        order, OrderStatus.APPROVED, source="callback", details={"promo_id": "P1"}
    )
    assert approved is not None
    assert store.transition(order, OrderStatus.DECLINED, source="return") is None  # lost the race
    [event] = webhooks.outbox.events((PENDING,))
    assert (event.event_type, event.merchant_order_id, event.attempts) == (
        "order.approved",
        "W-1",
        0,
    )
    body = json.loads(event.body)
    assert body["type"] == "order.approved"
    assert body["data"]["status"] == "approved"
    assert body["data"]["previous_status"] == "pending"
    assert body["data"]["amount"] == "499.00"
    assert body["data"]["details"] == {"promo_id": "P1"}
    assert body["timestamp"] == body["data"]["status_since"]


def test_a_failing_transition_writes_no_event(store, webhooks):
    """When anything in the transition's transaction fails, neither it nor its event stays."""
    order = pending_order(store)

    def fails(conn: Any, before: Order, after: Order) -> None:
        raise RuntimeError("the disk is full")

    store.transition_hooks.append(fails)
    with pytest.raises(RuntimeError):
        store.transition(order, OrderStatus.APPROVED, source="callback")
    assert outbox_rows(store) == 0
    assert store.get_order("W-1").status is OrderStatus.PENDING


def test_one_lease_at_a_time(store, webhooks, clock):
    """Two workers claiming at once: one gets the event; the other only once the lease ran out."""
    store.transition(pending_order(store), OrderStatus.APPROVED, source="callback")
    first = Outbox(store).claim_due("worker-a", now=clock(), lease=60)
    assert len(first) == 1
    assert Outbox(store).claim_due("worker-b", now=clock() + 59, lease=60) == []
    assert len(Outbox(store).claim_due("worker-b", now=clock() + 61, lease=60)) == 1


# -- delivery and retries ------------------------------------------------------------------


def test_a_receiver_failing_twice_gets_the_event_on_the_third_try(store, webhooks, receiver, clock):
    """Non-2xx answers are retried after 10 s then 1 min, with the same id and body."""
    receiver.statuses = [500, 404]
    store.transition(pending_order(store), OrderStatus.APPROVED, source="callback")
    schedule = [(0, 1), (9.9, 0), (0.1, 1), (59, 0), (1, 1), (3600, 0)]
    for advance, attempted in schedule:
        clock.advance(advance)
        assert webhooks.run_due() == attempted, (advance, attempted)
    requests_seen = receiver.wait_for(3)
    assert len(requests_seen) == 3
    assert len({r.headers["webhook-id"] for r in requests_seen}) == 1
    assert len({r.body for r in requests_seen}) == 1
    start = int(requests_seen[0].headers["webhook-timestamp"])
    assert [int(r.headers["webhook-timestamp"]) - start for r in requests_seen] == [0, 10, 70]
    assert all(r.verified()["type"] == "order.approved" for r in requests_seen)
    assert requests_seen[0].headers["content-type"] == "application/json"
    [event] = webhooks.outbox.events((DELIVERED,))
    assert (event.attempts, event.last_result) == (3, "HTTP 200")


@pytest.mark.live  # a port opened and closed, so that nobody listens on it
def test_a_network_error_is_a_failed_attempt(store, clock):
    """Nobody listening counts as a failed attempt, recorded by the error's name only."""
    with serve(lambda environ, start_response: []) as server:
        url = f"http://127.0.0.1:{server.server_port}/hooks"
    webhooks = Webhooks(store, url, KEY, clock=clock, autostart=False)
    store.transition(pending_order(store), OrderStatus.DECLINED, source="callback")
    assert webhooks.run_due() == 1
    [event] = webhooks.outbox.events((PENDING,))
    assert (event.attempts, event.last_result) == (1, "ConnectionError")
    assert event.next_attempt_at == clock() + 10
    webhooks.stop()


#: Attempt times in seconds after the event: 10 s, 1 min, 5 min, 30 min, 2 h, then every 6 h,
#: and a last one at 24 h.
DAY_OF_ATTEMPTS = [0, 10, 70, 370, 2170, 9370, 30970, 52570, 74170, 86400]


@pytest.fixture
def webhook_app(
    sandbox: SandboxServer,
    tmp_path: Path,
    store_url: str,
    receiver: WebhookReceiver,
    clock: FakeClock,
) -> Iterator[Flask]:
    """A shop app with webhooks to ``receiver`` on the fake clock, its thread kept off."""
    app, _ = make_shop_app(
        sandbox,
        tmp_path,
        FLEXITI_STORE_URL=store_url,
        FLEXITI_SHOP_WEBHOOK_URL=receiver.url,
        FLEXITI_SHOP_WEBHOOK_SECRET=SECRET,
    )
    webhooks = flexiti_state(app).webhooks
    assert webhooks is not None
    webhooks.autostart = False
    webhooks.clock = clock
    yield app
    webhooks.stop()
    close_app(app)


def flexiti(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["flexiti", *args])


def fail_for_a_day(app: Flask, receiver: WebhookReceiver, clock: FakeClock) -> list[float]:
    """Let every attempt of the due events fail until they are marked failed; attempt times."""
    webhooks = flexiti_state(app).webhooks
    assert webhooks is not None
    receiver.statuses = [503] * 100
    times = []
    for _ in range(20):
        pending = webhooks.outbox.events((PENDING,))
        if not pending:
            break
        due = min(event.next_attempt_at or 0 for event in pending)
        clock.now = max(clock.now, due)
        times.append(clock.now)
        webhooks.run_due()
    return times


@pytest.fixture
def app_events(webhook_app: Flask, receiver: WebhookReceiver, clock: FakeClock):
    """Make ``count`` approved orders in ``webhook_app``: (app, receiver, clock, created at)."""

    def make(count: int) -> tuple[Flask, WebhookReceiver, FakeClock, float]:
        store = flexiti_state(webhook_app).store
        created = clock()
        for n in range(count):
            store.transition(
                pending_order(store, f"CLI-{n}"), OrderStatus.APPROVED, source="callback"
            )
        return webhook_app, receiver, clock, created

    return make


def test_after_a_day_of_failures_the_event_is_failed_listed_and_replayable(app_events):
    """Retried for 24 h, then marked failed; the CLI lists it and --replay delivers it."""
    app, receiver, clock, created = app_events(1)
    times = fail_for_a_day(app, receiver, clock)
    assert [round(t - created) for t in times] == DAY_OF_ATTEMPTS
    listing = flexiti(app, "webhooks")
    assert listing.exit_code == 0, listing.output
    [event] = flexiti_state(app).webhooks.outbox.events((FAILED,))
    assert event.event_id in listing.output
    assert "failed" in listing.output and "HTTP 503" in listing.output
    assert f"{len(DAY_OF_ATTEMPTS):>5}" in listing.output

    receiver.statuses = []
    replayed = flexiti(app, "webhooks", "--replay", event.event_id)
    assert replayed.exit_code == 0, replayed.output
    assert f"delivered  {event.event_id}" in replayed.output
    assert flexiti_state(app).webhooks.outbox.get(event.id).status == DELIVERED
    assert receiver.received[-1].verified()["data"]["merchant_order_id"] == "CLI-0"
    assert "No webhook events." in flexiti(app, "webhooks").output


@pytest.mark.parametrize(
    ("statuses", "exit_code", "left"), [([], 0, DELIVERED), ([500, 500], 2, FAILED)]
)
def test_replay_failed_sends_every_failed_event(app_events, statuses, exit_code, left):
    """--replay-failed sends each failed event once; a failure keeps it failed, exit code 2."""
    app, receiver, clock, _ = app_events(2)
    fail_for_a_day(app, receiver, clock)
    receiver.statuses = list(statuses)
    before = len(receiver.received)
    result = flexiti(app, "webhooks", "--replay-failed")
    assert result.exit_code == exit_code, result.output
    assert len(receiver.received) == before + 2
    outbox = flexiti_state(app).webhooks.outbox
    assert {event.status for event in outbox.events((DELIVERED, FAILED))} == {left}


def test_replay_of_an_unknown_event_is_an_error(webhook_app):
    """--replay with an id that does not exist says so and sends nothing."""
    result = flexiti(webhook_app, "webhooks", "--replay", "msg_nothing")
    assert result.exit_code == 1
    assert "No webhook event 'msg_nothing'" in result.output


EXITING_PROCESS = """
import sys
from decimal import Decimal
from flask import Flask
from flexiti_checkout import FlexitiCheckout
from flexiti_checkout.models import OrderStatus
from flexiti_checkout.web.state import flexiti_state

app = Flask("cron")
app.config.update(SECRET_KEY="exiting-process-signing-key", FLEXITI_STORE_URL=sys.argv[1],
                  FLEXITI_SHOP_WEBHOOK_URL=sys.argv[2], FLEXITI_SHOP_WEBHOOK_SECRET=sys.argv[3])
FlexitiCheckout(app)
store = flexiti_state(app).store
order = store.insert_order(merchant_order_id="EXIT-1", amount=Decimal("499.00"), flow="buy",
                           lang="en", reference_id="r", source="checkout")
order = store.transition(order, OrderStatus.PENDING, source="checkout", online_order_id="1",
                         redirection_url="https://flexiti.example/flow")
store.transition(order, OrderStatus.CANCELLED, source="reconcile")
"""


def test_a_process_that_exits_sends_its_events_first(store, receiver):
    """A short-lived process (a cron reconcile) delivers the events it wrote before it exits."""
    receiver.delay = 0.3  # its thread is still waiting for the answer when the script ends
    subprocess.run(
        [sys.executable, "-c", EXITING_PROCESS, store.url, receiver.url, SECRET],
        check=True, timeout=30,
    )  # fmt: skip
    assert len(receiver.received) == 1
    assert receiver.received[0].verified()["type"] == "order.cancelled"
    [event] = Outbox(store).events((DELIVERED,))
    assert event.attempts == 1


# -- live: a shop, the sandbox, and the dispatcher thread ----------------------------------


@pytest.fixture
def webhook_shop(
    sandbox: SandboxServer, tmp_path: Path, store_url: str, receiver: WebhookReceiver
) -> Iterator[Shop]:
    """The ``shop`` fixture, with signed webhooks to ``receiver``."""
    with run_shop(
        sandbox,
        tmp_path,
        FLEXITI_STORE_URL=store_url,
        FLEXITI_SHOP_WEBHOOK_URL=receiver.url,
        FLEXITI_SHOP_WEBHOOK_SECRET=SECRET,
    ) as shop:
        try:
            yield shop
        finally:
            webhooks = shop.state.webhooks
            assert webhooks is not None
            webhooks.stop()


def test_an_approved_order_is_announced_once_and_signed(webhook_shop, receiver):
    """The callback's transition is announced at once, verifiable by any Standard Webhooks lib."""
    session = webhook_shop.start("WH-1")
    webhook_shop.settle(session.online_order_id, "approve")
    [request] = receiver.wait_for(1, timeout=3)  # well before the 5 s poll: the commit kicks it
    event = request.verified()
    assert Webhook(SECRET).verify(request.body, request.headers) == event
    assert event["type"] == "order.approved"
    data = event["data"]
    assert (data["merchant_order_id"], data["status"], data["amount"]) == (
        "WH-1",
        "approved",
        "499.00",
    )
    assert data["online_order_id"] == session.online_order_id
    assert "Tommy" not in request.body.decode()
    [stored] = drained(webhook_shop.state.webhooks.outbox)
    assert len(receiver.received) == 1
    assert (stored.status, stored.attempts) == (DELIVERED, 1)
    assert stored.event_id == request.headers["webhook-id"]


def test_fifty_duplicate_callbacks_send_one_webhook(webhook_shop, receiver):
    """Fifty copies of one callback at once still make one transition and one webhook."""
    session = webhook_shop.start("WH-DUP")
    webhook_shop.sandbox.control("PATCH", "settings", {"callback_url": None})
    webhook_shop.settle(session.online_order_id, "decline")
    body = {"event": "purchase", "notificationType": "Error", "merchant_orderid": "WH-DUP"}
    barrier = threading.Barrier(50)

    def post() -> int:
        with requests.Session() as http:
            barrier.wait()
            answer = http.post(f"{webhook_shop.url}/flexiti/callback", json=body, timeout=30)
            return answer.status_code

    with ThreadPoolExecutor(50) as pool:
        assert list(pool.map(lambda _: post(), range(50))) == [200] * 50
    [request] = receiver.wait_for(1)
    assert request.verified()["type"] == "order.declined"
    [stored] = drained(webhook_shop.state.webhooks.outbox)
    assert len(receiver.received) == 1
    assert (stored.status, stored.attempts) == (DELIVERED, 1)
    assert outbox_rows(webhook_shop.state.store) == 1


@pytest.mark.slow
def test_two_gunicorn_workers_deliver_each_event_once(sandbox, tmp_path, store_url, receiver):
    """Under gunicorn, each worker's dispatcher shares the outbox: every event arrives once,
    including one that a process which has since stopped left behind."""
    from support.gunicorn import run_gunicorn, service_env, wait_for_workers

    env = service_env(sandbox, tmp_path, store_url)
    env.update(
        FLEXITI_SHOP_WEBHOOK_URL=receiver.url,
        FLEXITI_SHOP_WEBHOOK_SECRET=SECRET,
        FLEXITI_API_KEYS=API_KEY,
    )
    left_behind = Store(env["FLEXITI_STORE_URL"])
    Webhooks(left_behind, receiver.url, KEY, autostart=False)  # writes, never sends
    left_behind.transition(pending_order(left_behind, "LEFT"), OrderStatus.EXPIRED, source="cron")
    left_behind.close()
    ids = [f"GW-{n}" for n in range(8)]
    with run_gunicorn("worker_app:app", env, tmp_path) as url:
        wait_for_workers(url, 2)
        sandbox.control("PATCH", "settings", {"callback_url": f"{url}/flexiti/callback"})
        headers = {"Authorization": f"Bearer {API_KEY}"}
        with ThreadPoolExecutor(4) as pool:
            started = list(
                pool.map(
                    lambda m: requests.post(
                        f"{url}/flexiti/api/checkouts",
                        json=checkout_request(m),
                        headers=headers,
                        timeout=15,
                    ),
                    ids,
                )
            )
        assert [answer.status_code for answer in started] == [201] * len(ids)
        for answer in started:
            sandbox.control(
                "POST", f"orders/{answer.json()['online_order_id']}/settle", {"outcome": "approve"}
            )
        events = [r.verified() for r in receiver.wait_for(len(ids) + 1, timeout=10)]
        outbox_store = Store(env["FLEXITI_STORE_URL"])
        try:
            sent = drained(Outbox(outbox_store))
        finally:
            outbox_store.close()
        orders = {
            m: requests.get(f"{url}/flexiti/api/orders/{m}", headers=headers, timeout=10).json()
            for m in ids
        }
    assert len(receiver.received) == len(ids) + 1
    assert [(e.status, e.attempts) for e in sent] == [(DELIVERED, 1)] * (len(ids) + 1)
    assert len({r.headers["webhook-id"] for r in receiver.received}) == len(ids) + 1
    assert sorted(event["data"]["merchant_order_id"] for event in events) == sorted([*ids, "LEFT"])
    assert {m: order["status"] for m, order in orders.items()} == dict.fromkeys(ids, "approved")
