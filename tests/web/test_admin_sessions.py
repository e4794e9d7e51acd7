"""Staff sessions kept in the store, on both databases: sign-out, key removal and the idle
timeout end them on every worker and host; the CSRF token changes at sign-in; wrong keys are
limited across workers and hosts, and the right key always signs in."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flexiti_checkout import FlexitiCheckout
from flexiti_checkout.web.state import flexiti_state
from support.apps import close_app

KEY = "session-admin-key-0123456789"
CONSOLE = "/flexiti/admin/"
SIGN_IN = "/flexiti/admin/sign-in"


@pytest.fixture
def hosts(tmp_path, store_url: str) -> Iterator[Callable[..., Flask]]:
    """Apps sharing one store and one secret key, as workers or hosts of one shop do."""
    made: list[Flask] = []

    def host(**config: Any) -> Flask:
        app = Flask("shop", instance_path=str(tmp_path / f"instance-{len(made)}"))
        app.config.update(
            SECRET_KEY="test-secret-key-0123456789abcdef",
            FLEXITI_STORE_URL=store_url,
            FLEXITI_ADMIN_KEYS=KEY,
            **config,
        )
        FlexitiCheckout(app)
        made.append(app)
        return app

    yield host
    for app in made:
        close_app(app)


def token(client: FlaskClient, path: str = SIGN_IN) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match, "the page has no CSRF token"
    return match[1]


def sign_in(client: FlaskClient, key: str = KEY, address: str = "198.51.100.7") -> int:
    answer = client.post(
        SIGN_IN, data={"csrf_token": token(client), "key": key, "name": "Robin"},
        environ_base={"REMOTE_ADDR": address},
    )  # fmt: skip
    return answer.status_code


def same_cookie(source: FlaskClient, target: FlaskClient) -> None:
    """``target`` carries ``source``'s session cookie (another worker, or a copied cookie)."""
    cookie = source.get_cookie("session")
    assert cookie is not None
    target.set_cookie("session", cookie.value)


def test_sign_out_ends_the_session_on_every_host(hosts):
    """A cookie copied before sign-out no longer opens the console, on this host or another."""
    first, second = hosts(), hosts()
    browser, copy, elsewhere = first.test_client(), first.test_client(), second.test_client()
    assert sign_in(browser) == 303
    same_cookie(browser, copy)
    same_cookie(browser, elsewhere)
    assert elsewhere.get(CONSOLE).status_code == 200

    browser.post("/flexiti/admin/sign-out", data={"csrf_token": token(browser, CONSOLE)})

    assert copy.get(CONSOLE).status_code == 302
    assert elsewhere.get(CONSOLE).status_code == 302


def test_an_idle_session_ends(hosts):
    """Unused past FLEXITI_ADMIN_IDLE_TIMEOUT, a session ends; used, it lives on."""
    app = hosts(FLEXITI_ADMIN_IDLE_TIMEOUT="10m")
    store = flexiti_state(app).store
    now = [1_000_000.0]
    store.clock = lambda: now[0]
    browser = app.test_client()
    assert sign_in(browser) == 303
    now[0] += 9 * 60
    assert browser.get(CONSOLE).status_code == 200  # used: ten more minutes
    now[0] += 9 * 60
    assert browser.get(CONSOLE).status_code == 200
    now[0] += 11 * 60
    assert browser.get(CONSOLE).status_code == 302
    now[0] -= 11 * 60  # an ended session stays ended
    assert browser.get(CONSOLE).status_code == 302


def test_a_removed_key_ends_its_sessions_on_every_host(hosts):
    """The key taken out of the settings of a host: its sessions end there."""
    app = hosts()
    browser = app.test_client()
    assert sign_in(browser) == 303
    flexiti_state(app).admin.keys = ("a-new-key-0123456789abcdef",)
    assert browser.get(CONSOLE).status_code == 302


def test_the_csrf_token_changes_at_sign_in(hosts):
    """A token from before sign-in (one a stranger could have planted) is refused after it."""
    browser = hosts().test_client()
    before = token(browser)
    assert sign_in(browser) == 303
    after = token(browser, CONSOLE)
    assert after != before
    stale = browser.post("/flexiti/admin/sign-out", data={"csrf_token": before})
    assert stale.status_code == 303 and browser.get(CONSOLE).status_code == 200
    browser.post("/flexiti/admin/sign-out", data={"csrf_token": after})
    assert browser.get(CONSOLE).status_code == 302


def test_wrong_keys_are_limited_across_hosts_and_the_right_key_still_signs_in(hosts):
    """Five wrong keys from one address, spread over two hosts: the sixth is 429 on either; the
    right key from that address signs in all the same."""
    first, second = hosts(), hosts()
    codes = [sign_in((first if n % 2 else second).test_client(), f"wrong-{n}") for n in range(5)]
    assert codes == [401] * 5
    assert sign_in(first.test_client(), "wrong-5") == 429
    assert sign_in(second.test_client(), "wrong-6") == 429
    assert sign_in(second.test_client(), KEY) == 303


def test_one_wrong_key_is_limited_across_addresses(hosts):
    """The same wrong key from five addresses: the sixth try is 429 from a new address too."""
    app = hosts()
    codes = [sign_in(app.test_client(), "guess", f"203.0.113.{n}") for n in range(5)]
    assert codes == [401] * 5
    assert sign_in(app.test_client(), "guess", "203.0.113.99") == 429
    assert sign_in(app.test_client(), KEY, "203.0.113.99") == 303
