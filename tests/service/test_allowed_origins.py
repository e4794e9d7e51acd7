"""FLEXITI_ALLOWED_ORIGINS: which shops' pages may use the service from the browser.

By default any site may (badges and availability are what Flexiti shows any visitor); a list
lets only those origins read the storefront's answers and static files, and frame the checkout.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from flexiti_checkout._sandbox_keys import SANDBOX_API_KEY
from flexiti_checkout.errors import ConfigurationError
from flexiti_checkout.service.app import create_app
from support.apps import close_app
from support.shop_server import checkout_request

SHOP = "https://shop.example"
LISTED = f"{SHOP}, http://127.0.0.1:8001/"
STRANGER = "https://evil.example"
STOREFRONT = [
    ("GET", "/flexiti/calculator?price=499.00&lang=en"),
    ("GET", "/flexiti/availability?amount=499.00"),
    ("POST", "/flexiti/calculator"),
    ("GET", "/flexiti/static/flexiti_checkout/flexiti.js"),
    ("GET", "/flexiti/static/flexiti_checkout/badges.css"),
]


def service(tmp_path: Path, store_url: str, **extra: str) -> Flask:
    return create_app(
        {
            "FLEXITI_ENVIRONMENT": "sandbox",
            "FLEXITI_STORE_URL": store_url,
            "FLEXITI_INSTANCE_PATH": str(tmp_path / "instance"),
            **extra,
        }
    )


@pytest.fixture
def listed(tmp_path: Path) -> Iterator[Flask]:
    app = service(tmp_path, f"sqlite:///{tmp_path / 's.db'}", FLEXITI_ALLOWED_ORIGINS=LISTED)
    yield app
    close_app(app)


@pytest.fixture
def anyone(tmp_path: Path) -> Iterator[Flask]:
    app = service(tmp_path, f"sqlite:///{tmp_path / 's.db'}")
    yield app
    close_app(app)


def ask(app: Flask, method: str, path: str, origin: str):
    body = {"json": {"prices": ["499.00"], "lang": "en"}} if method == "POST" else {}
    response = app.test_client().open(path, method=method, headers={"Origin": origin}, **body)
    response.close()  # a static file's answer holds the file open until closed
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(("method", "path"), STOREFRONT)
def test_by_default_every_site_may_read_the_storefront(anyone, method, path):
    """Without the setting, badges work on any site: the answer allows every origin."""
    response = ask(anyone, method, path, STRANGER)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize(("method", "path"), STOREFRONT)
def test_a_listed_shop_is_named_in_the_answer(listed, method, path):
    """A listed origin gets its own name back, and caches are told the answer varies by it."""
    response = ask(listed, method, path, SHOP)
    assert response.headers["Access-Control-Allow-Origin"] == SHOP
    assert "Origin" in response.vary
    if "static" not in path:
        assert response.headers["Access-Control-Expose-Headers"] == "ETag"


@pytest.mark.parametrize(("method", "path"), STOREFRONT)
def test_a_site_not_listed_gets_no_permission(listed, method, path):
    """Another site's page cannot read the answer (the browser blocks it); the answer is the
    same for a visitor of the service itself."""
    response = ask(listed, method, path, STRANGER)
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" in response.vary


@pytest.mark.parametrize(("origin", "allowed"), [(SHOP, SHOP), (STRANGER, None)])
def test_the_calculators_preflight_answers_only_a_listed_shop(listed, origin, allowed):
    """A page's POST of JSON is preceded by a preflight: it is allowed for listed shops only."""
    response = listed.test_client().options(
        "/flexiti/calculator",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 204
    assert response.headers.get("Access-Control-Allow-Origin") == allowed


@pytest.mark.parametrize(
    ("origin", "frames"),
    [(SHOP, True), ("http://127.0.0.1:8001", True), (STRANGER, False)],
)
def test_only_listed_shops_frame_the_checkout_and_hear_its_outcome(
    tmp_path, store_url, origin, frames
):
    """The checkout page may be framed by the listed shops only (frame-ancestors), and posts the
    customer's outcome only to a listed parent."""
    app = service(tmp_path, store_url, FLEXITI_ALLOWED_ORIGINS=LISTED)
    try:
        client = app.test_client()
        started = client.post(
            "/flexiti/api/checkouts",
            json=checkout_request("O-1"),
            headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
        )
        assert started.status_code == 201, started.json
        page = client.get(started.json["modal_url"], query_string={"embed": 1, "origin": origin})
        assert page.status_code == 200
        policy = page.headers["Content-Security-Policy"]
        assert policy == "frame-ancestors 'self' https://shop.example http://127.0.0.1:8001"
        assert (f'data-parent-origin="{origin}"' in page.text) is frames
    finally:
        close_app(app)


def test_by_default_any_site_frames_the_checkout(anyone):
    """Without the setting (``*``) any site may frame the checkout page, and it says so."""
    client = anyone.test_client()
    started = client.post(
        "/flexiti/api/checkouts",
        json=checkout_request("O-2"),
        headers={"Authorization": f"Bearer {SANDBOX_API_KEY}"},
    )
    page = client.get(started.json["modal_url"], query_string={"embed": 1, "origin": STRANGER})
    assert page.headers["Content-Security-Policy"] == "frame-ancestors *"
    assert f'data-parent-origin="{STRANGER}"' in page.text


@pytest.mark.parametrize(
    "value",
    [
        "https://shop.example/checkout",
        "shop.example",
        "*, https://shop.example",
        "ftp://shop.example",
        "https://user@shop.example",
        "https://shop.example:99999",
        " , ",
    ],
)
def test_a_value_that_is_not_a_list_of_origins_stops_the_start(tmp_path, value):
    """A typo must not silently open (or close) the service to the wrong sites."""
    with pytest.raises(ConfigurationError, match="FLEXITI_ALLOWED_ORIGINS"):
        service(tmp_path, f"sqlite:///{tmp_path / 's.db'}", FLEXITI_ALLOWED_ORIGINS=value)


@pytest.mark.parametrize("path", [p for m, p in STOREFRONT if m == "GET" and "static" not in p])
def test_an_answer_reused_for_another_page_names_that_page_only(listed, path):
    """A worker reuses a GET answer it encoded moments ago; the CORS permission is worked out
    again for each asking page, never replayed from the page that asked first."""
    client = listed.test_client()
    for _ in range(100):  # until the answer is definitive, and so kept for reuse
        first = client.get(path, headers={"Origin": SHOP})
        if first.headers["Cache-Control"] != "no-store":
            break
    assert first.headers["Access-Control-Allow-Origin"] == SHOP
    stranger = client.get(path, headers={"Origin": STRANGER})
    assert stranger.get_data() == first.get_data()
    assert stranger.headers["ETag"] == first.headers["ETag"]
    assert "Access-Control-Allow-Origin" not in stranger.headers
    again = client.get(path, headers={"Origin": "http://127.0.0.1:8001"})
    assert again.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8001"
