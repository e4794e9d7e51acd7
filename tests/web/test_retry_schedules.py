"""The callback and webhook retry schedules: settings of one kind, read by one parser, obeyed.

Both run on the store's fake clock: the test calls the workers' ``run_due`` itself (the app's
background work is in a worker process that does not run here), and no test sleeps.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask

from flexiti_checkout.errors import ConfigurationError
from flexiti_checkout.lifecycle.callbacks.processor import RETRY_DELAYS as CALLBACK_RETRIES
from flexiti_checkout.models import OrderStatus
from flexiti_checkout.service.app import create_app
from flexiti_checkout.store.outbox import FAILED, PENDING
from flexiti_checkout.web.settings.catalogue import load_settings
from flexiti_checkout.web.settings.values import format_durations
from flexiti_checkout.web.state import flexiti_state
from flexiti_checkout.webhooks.dispatcher import GIVE_UP_AFTER
from flexiti_checkout.webhooks.dispatcher import RETRY_DELAYS as WEBHOOK_RETRIES
from support.apps import close_app
from support.clocks import FakeClock
from support.shop_server import checkout_request

SCHEDULES = ("FLEXITI_CALLBACK_RETRY_SCHEDULE", "FLEXITI_WEBHOOK_RETRY_SCHEDULE")
KEY = "retry-api-key-0123456789abcdef"


def settings(**config: object):
    return load_settings({"SECRET_KEY": "retry-signing-key-0123456789", **config})


def test_the_defaults_are_todays_schedules() -> None:
    """Unset, both schedules and the webhook's give-up age are what they always were."""
    found = settings()
    assert found.callback_retry_schedule == CALLBACK_RETRIES == (2, 10, 60, 300, 1800)
    assert found.webhook_retry_schedule == WEBHOOK_RETRIES == (10, 60, 300, 1800, 7200, 21600)
    assert found.webhook_give_up_after == GIVE_UP_AFTER == 86400
    assert format_durations(CALLBACK_RETRIES) == "2s,10s,1m,5m,30m"
    assert format_durations(WEBHOOK_RETRIES) == "10s,1m,5m,30m,2h,6h"


@pytest.mark.parametrize("key", SCHEDULES)
@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("2s,10s,1m,5m,30m", (2, 10, 60, 300, 1800)),
        (" 500ms , 1.5s,2h ", (0.5, 1.5, 7200)),
        ("1d", (86400,)),
        ([1, "1m"], (1, 60)),
        ((3,), (3,)),
    ],
)
def test_a_schedule_is_a_list_of_durations(key: str, raw: object, seconds: tuple) -> None:
    """Commas in the environment's text, or a list in app.config; every duration unit."""
    field = "callback_retry_schedule" if "CALLBACK" in key else "webhook_retry_schedule"
    assert getattr(settings(**{key: raw}), field) == seconds


@pytest.mark.parametrize("key", SCHEDULES)
@pytest.mark.parametrize(
    "raw", ["", ",", "soon", "1s,,x", "0s", "-1s", "1s,nan", "1e9999s", 5, True, ["1s", None],
            ",".join(["1s"] * 51)],
)  # fmt: skip
def test_a_bad_schedule_fails_at_init_naming_the_key(key: str, raw: object) -> None:
    """Empty, unreadable, zero, negative, infinite or too long: refused at init, named."""
    with pytest.raises(ConfigurationError, match=key):
        settings(**{key: raw})


@pytest.mark.parametrize("raw", ["0", "never", "-1d"])
def test_a_bad_give_up_age_fails_naming_the_key(raw: str) -> None:
    with pytest.raises(ConfigurationError, match="FLEXITI_WEBHOOK_GIVE_UP_AFTER"):
        settings(FLEXITI_WEBHOOK_GIVE_UP_AFTER=raw)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(tmp_path: Path, store_url: str, clock: FakeClock) -> Iterator[Flask]:
    """The service, its sandbox embedded, schedules of its own, the store on ``clock``."""
    made = create_app(
        {
            "FLEXITI_ENVIRONMENT": "sandbox",
            "FLEXITI_STORE_URL": store_url,
            "FLEXITI_INSTANCE_PATH": str(tmp_path / "instance"),
            "FLEXITI_SIGNING_KEY": "retry-signing-key-0123456789",
            "FLEXITI_API_KEYS": KEY,
            "FLEXITI_MAX_RETRIES": "0",
            "FLEXITI_LOOKUP_INTERVAL": "1ms",
            "FLEXITI_BACKGROUND_WORK": "worker",
            "FLEXITI_CALLBACK_RETRY_SCHEDULE": "3s,7s",
            "FLEXITI_SHOP_WEBHOOK_URL": "http://127.0.0.1:9/hooks",  # nobody listens
            "FLEXITI_SHOP_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "FLEXITI_WEBHOOK_RETRY_SCHEDULE": "1m,1h",
            "FLEXITI_WEBHOOK_GIVE_UP_AFTER": "3h",
        }
    )
    state = flexiti_state(made)
    state.store.clock = state.callback_workers.clock = clock
    assert state.webhooks is not None
    state.webhooks.clock = clock
    yield made
    close_app(made)


def test_a_failing_callback_is_retried_on_its_schedule_then_left(
    app: Flask, clock: FakeClock
) -> None:
    """A lookup that fails is tried again 3 s, then 7 s later; then only a replay tries it."""
    client = app.test_client()
    started = client.post("/flexiti/api/checkouts", json=checkout_request("RS-1"),
                          headers={"Authorization": f"Bearer {KEY}"})  # fmt: skip
    assert started.status_code == 201, started.json
    faults = {"fail_next": {"count": 100, "status": 502}}
    assert client.patch("/flexiti-sandbox/_sandbox/faults", json=faults).status_code == 200
    delivery_id = client.post("/flexiti/callback", json={"merchant_orderid": "RS-1"}).json[
        "delivery_id"
    ]
    workers = flexiti_state(app).callback_workers
    due_in = []
    for _ in range(3):
        assert workers.run_due() == 1
        delivery = workers.inbox.get(delivery_id)
        assert delivery.processed_at is None and "lookup failed" in (delivery.last_error or "")
        due_in.append(None if delivery.next_attempt_at is None else delivery.next_attempt_at
                      - clock())  # fmt: skip
        clock.advance(due_in[-1] or 0)
    assert due_in == [3, 7, None]
    assert workers.run_due() == 0  # left for flask flexiti replay and the reconciler


def test_a_failing_webhook_is_retried_on_its_schedule_until_it_gives_up(
    app: Flask, clock: FakeClock
) -> None:
    """Attempts at 0, 1 min, then every hour (the last wait repeats) until 3 h: then failed."""
    state = flexiti_state(app)
    webhooks = state.webhooks
    assert webhooks is not None
    order = state.store.insert_order(merchant_order_id="RS-2", amount=Decimal("499.00"), flow="buy",
                                     lang="en", reference_id="r", source="checkout")  # fmt: skip
    flow = "https://flexiti.example/flow"
    order = state.store.transition(order, OrderStatus.PENDING, source="checkout",
                                   online_order_id="1", redirection_url=flow)  # fmt: skip
    state.store.transition(order, OrderStatus.CANCELLED, source="reconcile")
    created, attempts = clock(), []
    while pending := webhooks.outbox.events((PENDING,)):
        clock.now = max(clock.now, pending[0].next_attempt_at or clock.now)
        attempts.append(round(clock() - created))
        assert webhooks.run_due() == 1
    assert attempts == [0, 60, 3660, 7260, 10800]
    [event] = webhooks.outbox.events((FAILED,))
    assert event.attempts == len(attempts)
