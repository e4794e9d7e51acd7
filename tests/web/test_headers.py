"""Security headers on every answer: who may frame which page, nosniff, the referrer policy,
and the console's Content-Security-Policy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from flexiti_checkout import FlexitiCheckout
from flexiti_checkout.service.app import create_app
from flexiti_checkout.web.state import flexiti_state
from support.apps import close_app
from support.shop_server import checkout_request

SHOP = "https://shop.example"
#: The checkout pages and the extension's other answers (JSON, static files, 404s).
CHECKOUT_PAGES = [
    "/flexiti/modal/{token}",
    "/flexiti/outcome",
    "/flexiti/return/success",
    "/flexiti/return/error",
    "/flexiti/learn-more?amount=499.00",
    "/flexiti/healthz",
    "/flexiti/static/flexiti_checkout/flexiti.js",
    "/flexiti/modal/not-a-token",
]


def shop_app(tmp_path: Path, **config: Any) -> Flask:
    app = Flask("shop", instance_path=str(tmp_path / "instance"))
    app.config.update(
        SECRET_KEY="test-secret-key-0123456789abcdef",
        FLEXITI_STORE_URL=f"sqlite:///{tmp_path / 'flexiti.sqlite3'}",
        **config,
    )
    FlexitiCheckout(app, admin_access=lambda: "Alex")
    return app


def modal_token(app: Flask) -> str:
    with app.test_request_context():
        started = flexiti_state(app).orders.start(checkout_request("HEAD-1"))
        return flexiti_state(app).modal_signer.dumps({"m": started.merchant_order_id})


@pytest.mark.parametrize(
    ("origins", "ancestors"),
    [(None, "frame-ancestors *"), (SHOP, f"frame-ancestors 'self' {SHOP}")],
    ids=["any-site", "listed"],
)
@pytest.mark.parametrize("path", CHECKOUT_PAGES)
def test_checkout_pages_may_be_framed_only_by_the_shops_origins(tmp_path, path, origins, ancestors):
    """Every answer of the blueprint: frame-ancestors from FLEXITI_ALLOWED_ORIGINS, nosniff and
    a same-origin referrer policy."""
    config = {} if origins is None else {"FLEXITI_ALLOWED_ORIGINS": origins}
    app = shop_app(tmp_path, **config)
    answer = app.test_client().get(path.format(token=modal_token(app)))
    assert answer.headers["Content-Security-Policy"] == ancestors
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"
    assert "X-Frame-Options" not in answer.headers
    answer.close()  # a static file is streamed from an open file
    FlexitiCheckout().close(app)


@pytest.mark.parametrize("path", ["/flexiti/admin/", "/flexiti/admin/orders/NOPE"])
def test_nobody_may_frame_the_console_and_it_runs_no_inline_script(tmp_path, path):
    """The console: frame-ancestors 'none', X-Frame-Options DENY and a full policy."""
    app = shop_app(tmp_path)
    answer = app.test_client().get(path)
    policy = dict(
        part.strip().split(" ", 1) for part in answer.headers["Content-Security-Policy"].split(";")
    )
    assert policy["frame-ancestors"] == "'none'" and policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'" and policy["form-action"] == "'self'"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"
    FlexitiCheckout().close(app)


@pytest.mark.parametrize(
    ("path", "authorized"),
    [("/flexiti/api/orders/NOPE", True), ("/flexiti/api/orders/NOPE", False),
     ("/flexiti/api/openapi.json", False), ("/nowhere", False)],
)  # fmt: skip
def test_every_answer_of_the_service_has_them(tmp_path, path, authorized):
    """The service's API (errors and 401s too) and its own 404s carry the headers."""
    key = "headers-key-0123456789abcdef"
    service = create_app({
        "FLEXITI_ENVIRONMENT": "sandbox", "FLEXITI_API_KEYS": key,
        "FLEXITI_STORE_URL": f"sqlite:///{tmp_path / 'flexiti.sqlite3'}",
        "FLEXITI_INSTANCE_PATH": str(tmp_path / "instance"), "FLEXITI_ALLOWED_ORIGINS": SHOP,
    })  # fmt: skip
    headers = {"Authorization": f"Bearer {key}"} if authorized else {}
    answer = service.test_client().get(path, headers=headers)
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "same-origin"
    assert answer.headers["Content-Security-Policy"] == f"frame-ancestors 'self' {SHOP}"
    close_app(service)
