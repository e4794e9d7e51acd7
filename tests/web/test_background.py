"""``BackgroundWork``: one owner of every thread and pool an app runs in a process.

The service here embeds its sandbox in-process, so every thread a test sees is the package's.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flexiti_checkout.service.app import create_app
from flexiti_checkout.web.state import flexiti_state
from support.apps import close_app
from support.shop_server import checkout_request

KEY = "background-api-key-0123456789"
#: Every part, in the order they stop in.
PARTS = [
    "foreground gate", "callback workers", "callback search", "background lookups",
    "storefront calls", "reconcile sweeps", "webhook dispatcher", "token renewal",
    "health probe",
]  # fmt: skip
#: The parts a worker process does instead when FLEXITI_BACKGROUND_WORK is "worker".
SPLIT = {"callback workers", "webhook dispatcher", "token renewal"}


def service_app(tmp_path: Path, store_url: str, **extra: str) -> Flask:
    """The service with its sandbox embedded and webhooks to a port nobody listens on."""
    return create_app(
        {
            "FLEXITI_ENVIRONMENT": "sandbox",
            "FLEXITI_STORE_URL": store_url,
            "FLEXITI_INSTANCE_PATH": str(tmp_path / "instance"),
            "FLEXITI_SIGNING_KEY": "background-signing-key-0123456789",
            "FLEXITI_API_KEYS": KEY,
            "FLEXITI_MAX_RETRIES": "0",
            "FLEXITI_SHOP_WEBHOOK_URL": "http://127.0.0.1:9/hooks",
            "FLEXITI_SHOP_WEBHOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            **extra,
        }
    )


@pytest.fixture
def app(tmp_path: Path, store_url: str) -> Iterator[Flask]:
    made = service_app(tmp_path, store_url)
    yield made
    close_app(made)


#: Threads alive when the test began: another test's app left running in this process is not
#: this test's to stop.
_EARLIER: set[threading.Thread] = set()


@pytest.fixture(autouse=True)
def earlier_threads() -> None:
    _EARLIER.clear()
    _EARLIER.update(threading.enumerate())


def package_threads() -> list[str]:
    """The names of the package's threads this test started that are alive now (the sandbox's
    own aside)."""
    return sorted(
        thread.name
        for thread in threading.enumerate()
        if thread.name.startswith("flexiti-")
        and not thread.name.startswith("flexiti-sandbox")
        and thread not in _EARLIER
    )


def background(client: FlaskClient) -> dict[str, dict]:
    answer = client.get("/flexiti/healthz")
    assert answer.status_code == 200, answer.json
    return {part["name"]: part for part in answer.json["background"]}


def test_the_health_answer_lists_every_part_in_order(app: Flask) -> None:
    """``/healthz`` names each part with its state, live threads and queued work; the webhook
    dispatcher runs from the first request, the worker's sweeps are off in a web process."""
    answer = app.test_client().get("/flexiti/healthz").json
    assert [part["name"] for part in answer["background"]] == PARTS
    parts = {part["name"]: part for part in answer["background"]}
    assert parts["webhook dispatcher"] == {
        "name": "webhook dispatcher", "state": "running", "threads": 1, "queued": 0,
    }  # fmt: skip
    assert parts["reconcile sweeps"]["state"] == "off"
    assert parts["callback workers"]["state"] == "idle"  # until the first callback


def test_with_a_worker_process_the_web_process_does_not_do_its_work(
    tmp_path: Path, store_url: str
) -> None:
    """``FLEXITI_BACKGROUND_WORK=worker``: callbacks, webhooks and token renewal are off in web
    processes, and a stored callback starts no thread."""
    app = service_app(tmp_path, store_url, FLEXITI_BACKGROUND_WORK="worker")
    try:
        client = app.test_client()
        client.post("/flexiti/callback", json={"promoId": "P-1", "notificationType": "Success"})
        parts = background(client)
        assert {name for name, part in parts.items() if part["state"] == "off"} == {
            *SPLIT,
            "reconcile sweeps",
        }
        assert package_threads() == []
    finally:
        close_app(app)


def test_close_stops_every_thread_of_the_package(app: Flask) -> None:
    """Callback workers, the search pool, background lookups, storefront calls and the webhook
    dispatcher all ran; after ``close`` no thread of the package is alive."""
    client = app.test_client()
    bearer = {"Authorization": f"Bearer {KEY}"}
    started = client.post("/flexiti/api/checkouts", json=checkout_request("BG-1"), headers=bearer)
    assert started.status_code == 201, started.json
    assert client.get("/flexiti/availability?amount=499.00").status_code == 200
    callback = client.post("/flexiti/callback", json={"promoId": "P-1", "event": "purchase"})
    assert callback.json["outcome"] == "queued"
    state = flexiti_state(app)
    assert state.callback_workers.wait_idle(10)
    with app.app_context():
        assert state.orders.refresh("BG-1", source="shop", budget=5) is not None
    running = {re.sub(r"[-_]\d+$", "", name) for name in package_threads()}
    assert {"flexiti-callbacks", "flexiti-search", "flexiti-lookups", "flexiti-storefront",
            "flexiti-webhooks"} <= running  # fmt: skip
    assert {part["state"] for part in background(client).values()} >= {"running"}

    close_app(app)

    assert package_threads() == []
    assert {part.state for part in state.background.report()} == {"stopped"}


def test_one_log_line_at_start_names_every_part(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """The first request of a process logs which parts run there and how; later ones do not."""
    caplog.set_level(logging.INFO, logger="flexiti_checkout.web.background")
    client = app.test_client()
    client.get("/flexiti/healthz")
    client.get("/flexiti/healthz")
    lines = [r.getMessage() for r in caplog.records if r.name == "flexiti_checkout.web.background"]
    assert len(lines) == 1
    assert all(name in lines[0] for name in PARTS)
    assert "reconcile sweeps (off: the worker process does it)" in lines[0]
    assert "webhook dispatcher (1 thread, started)" in lines[0]


def test_the_worker_process_starts_what_web_processes_leave_it(
    tmp_path: Path, store_url: str
) -> None:
    """``run_worker`` starts the callback workers, the dispatcher, the token renewal thread and
    the sweeps at once, without any request."""
    app = service_app(tmp_path, store_url, FLEXITI_BACKGROUND_WORK="worker")
    work = flexiti_state(app).background
    try:
        work.run_worker()
        states = {part.name: part.state for part in work.report()}
        assert {name for name, state in states.items() if state == "running"} == {
            *SPLIT,
            "reconcile sweeps",
        }
    finally:
        close_app(app)
    assert package_threads() == []
