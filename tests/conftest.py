"""Shared fixtures. The sandbox ones take their config from ``@pytest.mark.sandbox_config``.

Tests that start a server, a browser, a process or PostgreSQL are marked ``live`` here, from the
fixtures they use (``make check`` leaves them out, ``make test`` runs everything).
"""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flexiti_checkout.sandbox import create_app
from support.browser import Screenshots, launch_chromium
from support.clocks import FakeClock
from support.postgres import fresh_schema, postgres_server
from support.routing_cache import install as share_url_builders
from support.sandbox_server import (
    CallbackReceiver,
    SandboxApi,
    SandboxServer,
    run_receiver,
    run_sandbox,
)
from support.shop_server import Shop, run_shop


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--background-work", choices=("web", "worker"), default="web",
        help="FLEXITI_BACKGROUND_WORK of the apps the hostile-input tests attack (worker: the "
        "web processes leave callbacks, webhooks and token renewal to a worker process)",
    )  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    share_url_builders()
    config.addinivalue_line(
        "markers",
        "sandbox_config(dict): create_app config for the sandbox fixtures of this test",
    )
    config.addinivalue_line("markers", "shop_config(dict): FLEXITI_* settings of the shop fixture")
    config.addinivalue_line(
        "markers", "sqlite_only: a test about SQLite itself (its file, its locking)"
    )
    config.addinivalue_line(
        "markers", "postgresql_only: several hosts, which share a store only through a server"
    )
    config.addinivalue_line(
        "markers",
        "one_database: what the test checks does not depend on the store (runs on SQLite only)",
    )
    config.addinivalue_line(
        "markers",
        "live: starts a server on a port, a browser, a process or PostgreSQL; set from the "
        "fixtures a test uses (LIVE_FIXTURES), or by hand; `make check` leaves these out",
    )


#: Fixtures that start something outside the test's own thread of work: a server on a real port
#: (the sandbox, the shop, a receiver, the demo under gunicorn), Chromium, or PostgreSQL.
LIVE_FIXTURES = frozenset(
    {"postgres_url", "sandbox", "shop", "callback_receiver", "receiver", "chromium", "page", "demo"}
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``live`` each test that uses a live fixture, runs on PostgreSQL, or is ``slow`` or
    ``browser``; and run the ``slow`` ones first, so that two processes finish together."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        on_postgresql = callspec is not None and callspec.params.get("store_url") == "postgresql"
        if (
            fixtures & LIVE_FIXTURES
            or on_postgresql
            or item.get_closest_marker("slow")
            or item.get_closest_marker("browser")
        ):
            item.add_marker(pytest.mark.live)
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def _offline(config: pytest.Config) -> bool:
    """``make check``: the run leaves out the live tests (``-m "not live"``)."""
    return "not live" in (config.getoption("markexpr", "") or "")


@pytest.fixture(autouse=True)
def _nothing_live_offline(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under ``make check`` a test that opens a port or starts a process fails, naming the fix:
    a test is left out of the quick run by what it does, not by what it was thought to do."""
    if not _offline(request.config):
        return
    fix = "; give it a live fixture or @pytest.mark.live (tests/conftest.py)"

    def no_listening(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"{request.node.nodeid} opens a port under make check{fix}")

    def no_process(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"{request.node.nodeid} starts a process under make check{fix}")

    monkeypatch.setattr(socket.socket, "listen", no_listening)
    monkeypatch.setattr(subprocess.Popen, "__init__", no_process)


#: The databases every test that uses a store runs on.
DATABASES = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each test that uses ``store_url`` (even through ``shop``) once per database.

    Browser tests stay on SQLite: what they check is the page, and the store under them is
    covered by the same flows without a browser. So do ``one_database`` tests, whose subject
    (e.g. the service against its OpenAPI document) is the same on either store.
    """
    if "store_url" not in metafunc.fixturenames:
        return
    marked = metafunc.definition.get_closest_marker
    databases = DATABASES
    if marked("sqlite_only") or marked("one_database") or marked("browser"):
        databases = DATABASES[:1]
    elif marked("postgresql_only"):
        databases = DATABASES[1:]
    metafunc.parametrize("store_url", databases, indirect=True)


@pytest.fixture
def background_work(request: pytest.FixtureRequest) -> str:
    """``--background-work``: where the apps under attack run their background work."""
    return str(request.config.getoption("--background-work"))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The PostgreSQL server of the session: a throwaway cluster, or FLEXITI_TEST_STORE_URL."""
    with postgres_server() as url:
        yield url


@pytest.fixture
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty store for this test: a SQLite file, or a fresh schema on the PostgreSQL server."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield f"sqlite:///{tmp_path / 'flexiti.sqlite3'}"
        return
    with fresh_schema(request.getfixturevalue("postgres_url")) as url:
        yield url


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
def shop(
    sandbox: SandboxServer, tmp_path, store_url: str, request: pytest.FixtureRequest
) -> Iterator[Shop]:
    """A shop app with the extension on a real port, wired to the live ``sandbox``.

    Its store is ``store_url`` (each test runs on SQLite and PostgreSQL). Extra ``FLEXITI_*``
    settings come from ``@pytest.mark.shop_config({...})``.
    """
    config: dict[str, Any] = {"FLEXITI_STORE_URL": store_url}
    for marker in reversed(list(request.node.iter_markers("shop_config"))):
        config.update(*marker.args, **marker.kwargs)
    with run_shop(sandbox, tmp_path, **config) as running:
        yield running


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright, shared by the session's browser tests."""
    with launch_chromium() as browser:
        yield browser


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
