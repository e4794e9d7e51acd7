"""``GET /flexiti/healthz`` on every shop: the store must answer, Flexiti only degrades."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine

from flexiti_checkout.errors import UnavailableError
from flexiti_checkout.web.probe import FlexitiProbe
from support.clocks import FakeClock


def health(shop) -> tuple[int, dict]:
    """The status and the answer, without the background work (``test_background``)."""
    with shop.app.test_client() as client:
        answer = client.get("/flexiti/healthz")
    assert answer.headers["Cache-Control"] == "no-store"
    body = dict(answer.json)
    assert [part["name"] for part in body.pop("background")]
    return answer.status_code, body


def test_ok_when_the_store_and_flexiti_answer(shop):
    """Store and Flexiti both answer: 200 ok."""
    assert health(shop) == (200, {"status": "ok", "store": "ok", "flexiti": "ok"})


def test_degraded_when_flexiti_fails(shop):
    """Flexiti failing is degraded, not down: still 200, so workers stay in rotation."""
    shop.sandbox.control("PATCH", "faults", {"fail_next": {"count": 3, "status": 503}})
    assert health(shop) == (200, {"status": "degraded", "store": "ok", "flexiti": "unreachable"})


def test_down_when_the_store_does_not_answer(shop, tmp_path, monkeypatch):
    """A store that does not answer is 503, and Flexiti is not even asked."""
    broken = create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'flexiti.sqlite3'}")
    monkeypatch.setattr(shop.state.store, "engine", broken)
    shop.sandbox.control("DELETE", "requests")
    assert health(shop) == (503, {"status": "down", "store": "unreachable", "flexiti": "unknown"})
    assert shop.sandbox.control("GET", "requests")["requests"] == []


def test_flexiti_is_asked_once_per_30_seconds(shop):
    """However many health checks come, Flexiti is probed at most once per 30 s per process."""
    shop.sandbox.control("DELETE", "requests")
    for _ in range(5):
        assert health(shop)[0] == 200
    calls = [entry["path"] for entry in shop.sandbox.control("GET", "requests")["requests"]]
    assert len([path for path in calls if "payment-availability" in path]) == 1


@pytest.mark.parametrize(
    ("outcomes", "advance", "expected", "checks"),
    [
        ([None], [0, 29.9], [True, True], 1),
        ([None, UnavailableError("down")], [0, 30], [True, False], 2),
        ([UnavailableError("down"), None], [0, 10, 30], [False, False, True], 2),
        ([ValueError("anything")], [0], [False], 1),
    ],
)
def test_probe_caches_each_answer_for_its_ttl(outcomes, advance, expected, checks):
    """The probe's answer is reused for ``ttl`` seconds; any failure counts as unreachable."""
    clock = FakeClock(1000.0)
    calls = []

    def check() -> None:
        calls.append(clock.now)
        outcome = outcomes[len(calls) - 1]
        if outcome is not None:
            raise outcome

    probe = FlexitiProbe(check, ttl=30, clock=clock)
    answers = []
    for step in advance:
        clock.now += step
        answers.append(probe.reachable())
    assert answers == expected
    assert len(calls) == checks


def test_a_slow_probe_answers_unreachable_by_its_deadline():
    """A Flexiti slower than the deadline is unreachable now; its late answer is cached."""
    release = threading.Event()
    probe = FlexitiProbe(lambda: release.wait(5), ttl=30, deadline=0.05)
    assert probe.reachable() is False
    assert probe.reachable() is False  # the same probe is still in flight: no second one
    release.set()
    for _ in range(100):
        if probe.reachable():
            break
        threading.Event().wait(0.01)
    assert probe.reachable() is True
