"""The service answers a storefront GET it answered moments ago before Flask runs
(``service.resend``): the same status, bytes and headers as the service's own answer, only
while the storefront keeps that answer, never a 304 it did not decide, never another origin's."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from flexiti_checkout.service.app import create_app, create_demo_app
from flexiti_checkout.service.resend import ResendRecent
from flexiti_checkout.web.state import flexiti_state
from support.apps import close_app

CALCULATOR = "/flexiti/calculator?price=499.00&lang=en"
AVAILABILITY = "/flexiti/availability?amount=499.00"
SHOP = "https://shop.example"


def settings(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "FLEXITI_ENVIRONMENT": "sandbox",
        "FLEXITI_STORE_URL": f"sqlite:///{tmp_path / 's.db'}",
        "FLEXITI_INSTANCE_PATH": str(tmp_path / "instance"),
        **extra,
    }


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(settings(tmp_path))
    yield app
    close_app(app)


def views_run(app: Flask) -> Counter[str]:
    """Counts, per storefront view, the requests that reached it through Flask."""
    counts: Counter[str] = Counter()
    for endpoint in ("flexiti.calculator", "flexiti.availability"):
        view = app.view_functions[endpoint]

        def counted(*args: Any, _view: Any = view, _name: str = endpoint, **kwargs: Any) -> Any:
            counts[_name] += 1
            return _view(*args, **kwargs)

        app.view_functions[endpoint] = counted
    return counts


def definitive(app: Flask, path: str, timeout: float = 10.0, **headers: str):
    """The service's answer to ``path`` once its cache has the price (no longer ``no-store``)."""
    deadline = time.monotonic() + timeout
    while True:
        answer = app.test_client().get(path, headers=headers)
        if answer.headers["Cache-Control"] != "no-store":
            return answer
        assert time.monotonic() < deadline, f"{path}: still pending after {timeout} s"
        flexiti_state(app).storefront.wait_idle(1.0)


def without_date(answer) -> Counter[tuple[str, str]]:
    return Counter((name, value) for name, value in answer.headers.items() if name != "Date")


@pytest.mark.parametrize(
    ("path", "endpoint"),
    [(CALCULATOR, "flexiti.calculator"), (AVAILABILITY, "flexiti.availability")],
)
def test_a_repeated_get_is_the_services_answer_without_flask(service, path, endpoint):
    counts = views_run(service)
    first = definitive(service, path)
    through = counts[endpoint]
    again = [service.test_client().get(path) for _ in range(3)]
    assert counts[endpoint] == through  # none of them reached the view
    for answer in again:
        assert answer.status_code == first.status_code == 200
        assert answer.data == first.data
        assert without_date(answer) == without_date(first)
        assert answer.headers["Date"]
        assert answer.headers["X-Content-Type-Options"] == "nosniff"  # the hooks' headers too


def test_once_the_storefront_drops_the_answer_flask_answers_again(service):
    counts = views_run(service)
    definitive(service, CALCULATOR)
    service.test_client().get(CALCULATOR)
    through = counts["flexiti.calculator"]
    flexiti_state(service).storefront.recent_answers.clear()
    service.test_client().get(CALCULATOR)
    assert counts["flexiti.calculator"] == through + 1


def test_other_questions_are_not_taken_for_the_one_answered(service):
    """Another query or language is another question: each goes through until answered once."""
    counts = views_run(service)
    definitive(service, CALCULATOR)
    french = definitive(service, "/flexiti/calculator?price=499.00&lang=fr")
    english = service.test_client().get(CALCULATOR)
    assert french.data != english.data
    through = counts["flexiti.calculator"]
    service.test_client().get(CALCULATOR, headers={"Accept-Language": "fr"})
    assert counts["flexiti.calculator"] == through + 1


def test_a_conditional_get_is_the_services_to_answer(service):
    first = definitive(service, CALCULATOR)
    counts = views_run(service)
    answer = service.test_client().get(CALCULATOR, headers={"If-None-Match": first.headers["ETag"]})
    assert answer.status_code == 304
    assert counts["flexiti.calculator"] == 1


def test_each_origin_gets_its_own_cors_answer(tmp_path):
    app = create_app(settings(tmp_path, FLEXITI_ALLOWED_ORIGINS=SHOP))
    try:
        definitive(app, CALCULATOR, Origin=SHOP)
        definitive(app, CALCULATOR, Origin="https://evil.example")
        for _ in range(2):  # the second time, both are answered again before Flask
            shop = app.test_client().get(CALCULATOR, headers={"Origin": SHOP})
            stranger = app.test_client().get(CALCULATOR, headers={"Origin": "https://evil.example"})
            assert shop.headers["Access-Control-Allow-Origin"] == SHOP
            assert "Access-Control-Allow-Origin" not in stranger.headers
    finally:
        close_app(app)


def test_the_demo_lets_every_answer_through(tmp_path):
    """The demo chooses the shopper's language from its session: no answer is resent."""
    app = create_demo_app(settings(tmp_path))
    try:
        assert not isinstance(app.wsgi_app, ResendRecent)
    finally:
        close_app(app)


def test_an_answer_that_sets_a_cookie_is_never_sent_again(service):
    """A cookie is one visitor's: an answer carrying one goes through Flask every time."""

    @service.after_request
    def visitor_cookie(response):
        response.set_cookie("visitor", "one-visitor-only")
        return response

    counts = views_run(service)
    definitive(service, CALCULATOR)
    through = counts["flexiti.calculator"]
    again = service.test_client().get(CALCULATOR)
    assert counts["flexiti.calculator"] == through + 1
    assert "visitor=one-visitor-only" in again.headers["Set-Cookie"]
