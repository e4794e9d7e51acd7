"""The console against hostile requests, on both stores: absurd page numbers and cursors, text
no database stores, and refused forms that must not send the browser anywhere but the console."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from flexiti_checkout import FlexitiCheckout
from flexiti_checkout.web.state import flexiti_state
from support.apps import close_app
from support.shop_server import checkout_request


@pytest.fixture
def console(tmp_path, store_url: str, background_work: str) -> Iterator[tuple[Flask, FlaskClient]]:
    """A shop in sandbox mode on ``store_url`` whose host lets everyone in as "Alex"."""
    app = Flask("shop", instance_path=str(tmp_path / "instance"))
    app.config.update(SECRET_KEY="test-secret-key-0123456789abcdef", FLEXITI_STORE_URL=store_url,
                      FLEXITI_BACKGROUND_WORK=background_work)  # fmt: skip
    FlexitiCheckout(app, admin_access=lambda: "Alex")
    with app.test_request_context():
        for number in range(3):
            flexiti_state(app).orders.start(checkout_request(f"HOSTILE-{number}"))
    yield app, app.test_client()
    close_app(app)


@pytest.mark.parametrize(
    "query",
    [
        "page=184467440737095518",
        "page=184467440737095518&older=1.5_184467440737095518",
        "page=-184467440737095518&newer=999999999999.999999999_999999999999999999",
        "page=" + "9" * 5000 + "&older=1.5_1",
        "q=%00",
        "q=HOSTILE%00",
        "q=%ED%A0%80",
        "q=" + "%FF" * 40,
        "status=%00&q=%0A",
    ],
)
def test_absurd_pages_and_searches_answer_a_page(console, query):
    """Huge page numbers, far cursors, NUL and bad UTF-8 in the search: a page, never a 500."""
    _, client = console
    answer = client.get(f"/flexiti/admin/orders?{query}")
    assert answer.status_code == 200
    assert 'name="q"' in answer.get_data(as_text=True)  # the orders page, with its search


@pytest.mark.parametrize(
    ("referrer", "back"),
    [
        ("http://localhost/flexiti/admin/orders/HOSTILE-1", "/flexiti/admin/orders/HOSTILE-1"),
        ("http://localhost/flexiti/admin/?q=HOSTILE", "/flexiti/admin/?q=HOSTILE"),
        (None, "/flexiti/admin/"),
        ("https://evil.example/flexiti/admin/", "/flexiti/admin/"),
        ("http://localhost.evil.example/flexiti/admin/", "/flexiti/admin/"),
        ("http://localhost@evil.example/flexiti/admin/", "/flexiti/admin/"),
        ("http://evil.example\\@localhost/flexiti/admin/", "/flexiti/admin/"),
        ("http://localhost/flexiti/admin/\\\\evil.example", "/flexiti/admin/"),
        ("//evil.example/flexiti/admin/", "/flexiti/admin/"),
        ("/\\evil.example/flexiti/admin/", "/flexiti/admin/"),
        ("http://localhost//evil.example/x", "/flexiti/admin/"),
        ("http://localhost/elsewhere", "/flexiti/admin/"),
        ("http://localhost/flexiti/admin/\t//evil.example", "/flexiti/admin/"),
        ("javascript:alert(1)//localhost/flexiti/admin/", "/flexiti/admin/"),
    ],
)
def test_a_form_without_its_token_goes_back_only_within_the_console(console, referrer, back):
    """A missing CSRF token sends the browser back to the console page it came from, and
    nowhere else whatever the Referer says."""
    _, client = console
    headers = {"Referer": referrer} if referrer is not None else {}
    answer = client.post("/flexiti/admin/orders/HOSTILE-1/actions/recheck", headers=headers)
    assert answer.status_code == 303
    assert answer.headers["Location"] == back
