"""Shared fixtures. The sandbox ones take their config from ``@pytest.mark.sandbox_config``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flexiti_checkout.sandbox import create_app
from support.browser import CHROMIUM, CHROMIUM_ARGS, Screenshots
from support.clocks import FakeClock
from support.sandbox_server import (
    CallbackReceiver,
    SandboxApi,
    SandboxServer,
    run_receiver,
    run_sandbox,
)
from support.shop_server import Shop, run_shop


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sandbox_config(dict): create_app config for the sandbox fixtures of this test",
    )
    config.addinivalue_line("markers", "shop_config(dict): FLEXITI_* settings of the shop fixture")


@pytest.fixture
def sandbox_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    """The sandbox config of this test.

    Built from every ``@pytest.mark.sandbox_config({...})`` on the test, its class and module
    (the closest wins per key), then an indirect parameter (``indirect=["sandbox_config"]``).
    If the test also uses ``sandbox_clock`` the config's ``CLOCK`` is that fake clock; if it uses
    ``callback_receiver`` and sets no ``CALLBACK_URL``, callbacks go to the receiver.
    """
    config: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("sandbox_config"))):
        config.update(*marker.args, **marker.kwargs)
    config.update(getattr(request, "param", None) or {})
    if "sandbox_clock" in request.fixturenames:
        config.setdefault("CLOCK", request.getfixturevalue("sandbox_clock"))
    if "callback_receiver" in request.fixturenames:
        config.setdefault("CALLBACK_URL", request.getfixturevalue("callback_receiver").url)
    return config


@pytest.fixture
def store_url(tmp_path) -> str:
    """The FLEXITI_STORE_URL of a test's app: a SQLite file of its own (the one place to add
    other databases for the tests that use it)."""
    return f"sqlite:///{tmp_path / 'flexiti.sqlite3'}"


@pytest.fixture
def sandbox_clock() -> FakeClock:
    """A fake CLOCK for the sandbox; ``sandbox_clock.advance(seconds)`` moves time."""
    return FakeClock()


@pytest.fixture
def callback_receiver() -> Iterator[CallbackReceiver]:
    """A live HTTP endpoint that records the callbacks posted to it (``.wait_for(n)``)."""
    with run_receiver() as receiver:
        yield receiver


@pytest.fixture
def sandbox_app(sandbox_config: dict[str, Any]) -> Iterator[Flask]:
    """A fresh sandbox Flask app (no server) for the test client."""
    app = create_app(sandbox_config)
    yield app
    app.extensions["flexiti_sandbox"].callbacks.stop()


@pytest.fixture
def sandbox_client(sandbox_app: Flask) -> FlaskClient:
    return sandbox_app.test_client()


@pytest.fixture
def sandbox_api(sandbox_client: FlaskClient) -> SandboxApi:
    """Flexiti calls against ``sandbox_app`` through the test client, tokens handled."""
    return SandboxApi(sandbox_client)


@pytest.fixture
def sandbox(sandbox_config: dict[str, Any]) -> Iterator[SandboxServer]:
    """A live sandbox on a free localhost port, fresh for each test.

    Yields a ``SandboxServer``: ``.url``, ``.online_api_url``, ``.pos_api_url``, ``.app``,
    ``.state`` and ``.control(method, path, json=None)``. Configure it with
    ``@pytest.mark.sandbox_config({"CALLBACK_MODE": "duplicate", ...})`` or
    ``@pytest.mark.parametrize("sandbox_config", [{...}], indirect=True)``.
    """
    with run_sandbox(sandbox_config) as server:
        yield server


@pytest.fixture
def shop(sandbox: SandboxServer, tmp_path, request: pytest.FixtureRequest) -> Iterator[Shop]:
    """A shop app with the extension on a real port, wired to the live ``sandbox``.

    Extra ``FLEXITI_*`` settings come from ``@pytest.mark.shop_config({...})``.
    """
    config: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("shop_config"))):
        config.update(*marker.args, **marker.kwargs)
    with run_shop(sandbox, tmp_path, **config) as running:
        yield running


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright, shared by the session's browser tests."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh browser context and page (own cookies), closed after the test."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Screenshots:
    """Saves numbered screenshots of this test under test-artifacts/screenshots/."""
    return Screenshots(request.node.name)
