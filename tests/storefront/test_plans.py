"""The gate and the calculator against ``responses``: caching, budget, failures and the breaker."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
import responses
from flask import Flask

from flexiti_checkout import FlexitiClient
from flexiti_checkout.storefront.cache import AnswerCache, Breaker, Pool
from flexiti_checkout.storefront.plans import Storefront, StorefrontSettings
from support.clocks import FakeClock
from support.storefront_mocks import (
    CALC_URL,
    CID,
    GATE_URL,
    ONLINE,
    calc_answer,
    calls,
    flexiti_mock,
    gate_answer,
)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(1000.0)


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with flexiti_mock() as rsps:
        yield rsps


def make_storefront(clock: FakeClock, **overrides) -> Storefront:
    client = FlexitiClient(
        CID, "secret", online_api_url=ONLINE, pos_api_url=ONLINE, max_retries=0, timeout=2
    )
    settings = StorefrontSettings(**{"budget": 2.0, **overrides})
    return Storefront(client, settings, clock=clock)


@pytest.fixture
def storefront(clock: FakeClock) -> Iterator[Storefront]:
    storefront = make_storefront(clock)
    yield storefront
    storefront.wait_idle()
    storefront.close()


# -- caching -----------------------------------------------------------------------------------


def test_concurrent_requests_for_one_amount_make_one_upstream_call(storefront, mocked):
    """Twenty shoppers asking about $499 at once cause one availability call; all hear yes."""
    mocked.add_callback(responses.POST, GATE_URL, callback=gate_answer(True, delay=0.1))
    answers: list[bool] = []
    threads = [
        threading.Thread(target=lambda: answers.append(storefront.is_available("499.00")))
        for _ in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [True] * 20
    assert storefront.is_available(Decimal("499")) is True  # "499" and "499.00" are one key
    assert len(calls(mocked, GATE_URL)) == 1
    assert json.loads(calls(mocked, GATE_URL)[0].request.body) == {"amount_requested": 499.00}


def test_a_stale_answer_is_served_while_it_is_refreshed(storefront, mocked, clock):
    """After the TTL the known answer still comes at once; one background call replaces it."""
    release = threading.Event()
    answers = iter([gate_answer(True), lambda r: (release.wait(5), gate_answer(False)(r))[1]])
    mocked.add_callback(responses.POST, GATE_URL, callback=lambda request: next(answers)(request))
    assert storefront.is_available("499.00") is True
    clock.advance(600 + 1)

    started = time.monotonic()
    assert storefront.is_available("499.00") is True  # stale, served without waiting
    assert storefront.is_available("499.00") is True  # the refresh is already running
    assert time.monotonic() - started < 0.5
    release.set()
    storefront.wait_idle()

    assert storefront.is_available("499.00") is False
    assert len(calls(mocked, GATE_URL)) == 2


def test_a_plan_is_cached_per_price_and_language(storefront, mocked):
    """The calculator is asked once per price and language; English and French are two keys."""
    mocked.add_callback(responses.POST, GATE_URL, callback=gate_answer(True))
    mocked.add_callback(responses.GET, CALC_URL, callback=calc_answer())
    for _ in range(3):
        english = storefront.payment_plan("499.00", "en")
        french = storefront.payment_plan("499", "fr")

    assert english is not None and french is not None
    assert (english.monthly_payment, english.months) == (Decimal("41.58"), 12)
    assert english.text == "or $41.58/mo for 12 months at 0\u00a0% APR"
    assert french.text == "ou 41,58\u00a0$/mois pendant 12 mois, TAP de 0\u00a0%"
    assert english.apr == french.apr == Decimal(0)
    assert [c.request.params["lang"] for c in calls(mocked, CALC_URL)] == ["en", "fr"]
    assert calls(mocked, GATE_URL) == []  # the calculator's answer settles a badge alone


# -- who gets a plan -------------------------------------------------------------------------------


def test_a_price_the_gate_refuses_gets_no_plan_and_no_calculator_call(storefront, mocked):
    """Below the merchant's minimum (the gate says no) there is no plan and no calculator call."""
    mocked.add_callback(responses.POST, GATE_URL, callback=gate_answer(False))
    mocked.add_callback(responses.GET, CALC_URL, callback=calc_answer())
    assert storefront.is_available("20.00") is False

    [result] = storefront.plans([Decimal("20.00")], "en")

    assert (result.plan, result.reason) == (None, "not_eligible")
    assert calls(mocked, CALC_URL) == []


def test_a_calculator_refusal_is_an_answer_not_an_outage(storefront, mocked):
    """A 409 "amount out of range" from the calculator means no plan, cached like an answer."""
    mocked.add_callback(responses.POST, GATE_URL, callback=gate_answer(True))
    mocked.get(CALC_URL, status=409, json={"error": "amount_out_of_range", "code": 409})

    for _ in range(2):
        [result] = storefront.plans([Decimal("25000.00")], "en")
        assert (result.plan, result.reason) == (None, "not_eligible")

    assert len(calls(mocked, CALC_URL)) == 1
    assert not storefront.breaker.is_open


@pytest.mark.parametrize("bad", ["abc", "-5", "0", "NaN", "Infinity", "1.234", "1e12", "", None])
def test_invalid_amounts_are_no_without_a_call(storefront, mocked, bad):
    """What is not a positive amount in cents answers False / None and never reaches Flexiti."""
    assert storefront.is_available(bad) is False
    assert storefront.payment_plan(bad, "en") is None
    assert len(mocked.calls) == 0


def test_flexitis_html_is_sanitised(storefront, mocked):
    """Scripts, event handlers and javascript: links in htmlRender never reach a page."""
    html = (
        '<html><head><title>t</title><script>alert("x")</script></head><body>'
        '<div class="plan" onclick="steal()"><p>or <strong>$41.58</strong>/mo</p>'
        '<img src="x" onerror="alert(1)"><a href="javascript:alert(1)">terms</a>'
        '<a href="https://flexiti.com/terms">terms</a><iframe src="https://evil.test"></iframe>'
        "<style>body{display:none}</style></div></body></html>"
    )
    mocked.add_callback(responses.POST, GATE_URL, callback=gate_answer(True))
    mocked.add_callback(responses.GET, CALC_URL, callback=calc_answer(html=html))

    plan = storefront.payment_plan("499.00", "en")

    assert plan is not None
    for forbidden in ("<script", "alert", "onclick", "onerror", "javascript:", "<img", "iframe",
                      "<style", "<title"):  # fmt: skip
        assert forbidden not in plan.html
    assert "<p>or <strong>$41.58</strong>/mo</p>" in plan.html
    assert 'href="https://flexiti.com/terms"' in plan.html


# -- failing closed ----------------------------------------------------------------------------


def test_a_slow_flexiti_costs_the_page_no_more_than_the_budget(clock, mocked):
    """The gate answers False within the budget; the late answer still fills the cache."""
    storefront = make_storefront(clock, budget=0.2)
    flexiti_answers = threading.Event()
    mocked.add_callback(responses.POST, GATE_URL,
                        callback=gate_answer(True, until=flexiti_answers))  # fmt: skip

    started = time.monotonic()
    assert storefront.is_available("499.00") is False  # Flexiti has not answered yet
    assert time.monotonic() - started < 10  # the budget, not the client's 2 s timeout or more
    flexiti_answers.set()
    storefront.wait_idle()

    assert storefront.is_available("499.00") is True
    assert len(calls(mocked, GATE_URL)) == 1
    storefront.close()


def test_the_budget_is_for_a_whole_request(clock, mocked):
    """Several slow questions in one shop request share one budget between them."""
    storefront = make_storefront(clock, budget=0.3)
    flexiti_answers = threading.Event()
    mocked.add_callback(responses.POST, GATE_URL,
                        callback=gate_answer(True, until=flexiti_answers))  # fmt: skip
    mocked.add_callback(responses.GET, CALC_URL, callback=calc_answer())

    amounts = [str(100 * n) for n in range(1, 11)]

    started = time.monotonic()
    with Flask(__name__).app_context():
        answers = [storefront.is_available(amount) for amount in amounts]
        took = time.monotonic() - started
        assert storefront.payment_plan("4000", "en") is None
    assert answers == [False] * len(amounts)
    # A budget per question would take 3 s; one for the request takes 0.3 s, with room to spare
    # for a loaded machine.
    assert took < 1.5
    flexiti_answers.set()
    storefront.wait_idle()
    storefront.close()


def test_failures_are_remembered_briefly(storefront, mocked, clock):
    """A failed call answers False, and is not repeated until the failure TTL has passed."""
    mocked.post(GATE_URL, status=503, json={"error": "unavailable"})
    assert storefront.is_available("499.00") is False
    assert storefront.is_available("499.00") is False
    assert len(calls(mocked, GATE_URL)) == 1

    clock.advance(31)
    assert storefront.is_available("499.00") is False
    assert len(calls(mocked, GATE_URL)) == 2


def test_a_failed_refresh_keeps_showing_the_known_yes(storefront, mocked, clock):
    """Past its TTL a yes is served while it is refreshed, and still after the refresh fails;
    Flexiti is asked again only once the failure TTL has passed."""
    mocked.add_callback(responses.POST, GATE_URL, callback=gate_answer(True))
    assert storefront.is_available("499.00") is True
    mocked.remove(responses.POST, GATE_URL)
    mocked.post(GATE_URL, status=500, json={"error": "boom"})
    clock.advance(601)

    assert storefront.is_available("499.00") is True  # stale, while the refresh runs
    storefront.wait_idle()
    assert storefront.is_available("499.00") is True  # the refresh failed: still the stale yes
    storefront.wait_idle()
    assert len(calls(mocked, GATE_URL)) == 2

    clock.advance(31)
    assert storefront.is_available("499.00") is True
    storefront.wait_idle()
    assert len(calls(mocked, GATE_URL)) == 3


def test_a_stale_plan_is_shown_while_the_breaker_is_open(clock, mocked):
    """With the breaker open, nothing is asked and a known plan stays on the page."""
    storefront = make_storefront(clock, breaker_threshold=1, breaker_cooldown=3000)
    mocked.add_callback(responses.GET, CALC_URL, callback=calc_answer())
    assert storefront.payment_plan("499.00", "en") is not None
    mocked.post(GATE_URL, status=503, json={"error": "unavailable"})
    assert storefront.is_available("100.00") is False  # opens the breaker
    assert storefront.breaker.is_open
    clock.advance(601)

    plan = storefront.payment_plan("499.00", "en")
    storefront.wait_idle()

    assert plan is not None and plan.monthly_payment == Decimal("41.58")
    assert storefront.payment_plan("499.00", "en") is not None
    assert len(calls(mocked, CALC_URL)) == 1  # the first plan, nothing since
    assert len(calls(mocked, GATE_URL)) == 1  # the failure
    storefront.close()


def test_a_stale_answer_is_not_shown_past_max_stale(clock, mocked):
    """A yes older than its TTL plus ``max_stale`` is no longer shown when Flexiti fails."""
    storefront = make_storefront(clock, max_stale=3600)
    mocked.add_callback(responses.POST, GATE_URL, callback=gate_answer(True))
    assert storefront.is_available("499.00") is True
    mocked.remove(responses.POST, GATE_URL)
    mocked.post(GATE_URL, status=500, json={"error": "boom"})
    clock.advance(600 + 3601)

    assert storefront.is_available("499.00") is False
    storefront.close()


def test_an_answer_later_than_the_budget_is_pending_not_a_failure(clock, mocked):
    """A cold price Flexiti answers after the budget is "pending", and its late answer lands."""
    storefront = make_storefront(clock, budget=0.2)
    late = calc_answer()
    mocked.add_callback(responses.GET, CALC_URL, callback=lambda r: (time.sleep(0.4), late(r))[1])

    [first] = storefront.plans([Decimal("499.00")], "en")
    storefront.wait_idle()
    [second] = storefront.plans([Decimal("499.00")], "en")

    assert (first.plan, first.reason, first.definitive) == (None, "pending", False)
    assert second.plan is not None and second.reason is None and second.definitive
    assert len(calls(mocked, CALC_URL)) == 1
    storefront.close()


def test_the_breaker_stops_calling_flexiti_for_a_cool_down(clock, mocked):
    """After 3 failures in a row nothing is sent for the cool-down; then one probe closes it."""
    storefront = make_storefront(clock, breaker_threshold=3, breaker_cooldown=30)
    mocked.post(GATE_URL, status=503, json={"error": "unavailable"})
    for amount in ("101", "102", "103"):
        assert storefront.is_available(amount) is False
    assert storefront.breaker.is_open

    for amount in ("104", "105", "106"):
        assert storefront.is_available(amount) is False
    assert len(calls(mocked, GATE_URL)) == 3  # nothing sent while open

    clock.advance(31)
    mocked.remove(responses.POST, GATE_URL)
    mocked.add_callback(responses.POST, GATE_URL, callback=gate_answer(True))
    assert storefront.is_available("107") is True  # the probe
    assert not storefront.breaker.is_open
    assert storefront.is_available("108") is True
    assert len(calls(mocked, GATE_URL)) == 5
    storefront.close()


def test_a_failed_probe_reopens_the_breaker(clock, mocked):
    """The half-open probe failing starts a new cool-down at once."""
    storefront = make_storefront(clock, breaker_threshold=2, breaker_cooldown=30)
    mocked.post(GATE_URL, status=500, json={"error": "boom"})
    storefront.is_available("101")
    storefront.is_available("102")
    clock.advance(31)

    assert storefront.is_available("103") is False  # the probe, failing
    assert storefront.is_available("104") is False  # refused without a call
    assert len(calls(mocked, GATE_URL)) == 3
    assert storefront.breaker.is_open
    storefront.close()


def test_missing_prices_are_fetched_concurrently_on_a_bounded_pool(clock, mocked):
    """A batch of 48 cold prices runs one calculator call each, side by side, never more than
    the pool's workers at once, and no availability call."""
    storefront = make_storefront(clock, workers=8)
    lock = threading.Lock()
    running, peak = [0], [0]

    def slow(answer):
        def callback(request):
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
            time.sleep(0.02)
            with lock:
                running[0] -= 1
            return answer(request)

        return callback

    mocked.add_callback(responses.POST, GATE_URL, callback=slow(gate_answer(True)))
    mocked.add_callback(responses.GET, CALC_URL, callback=slow(calc_answer()))
    prices = [Decimal(100 + n) for n in range(48)]

    results = storefront.plans(prices, "en")

    assert all(result.plan is not None for result in results)
    assert [result.price for result in results] == prices
    assert 1 < peak[0] <= 8
    assert len(calls(mocked, CALC_URL)) == 48
    assert calls(mocked, GATE_URL) == []
    storefront.close()


def test_a_full_queue_keeps_the_stale_answer_and_waits_before_asking_again(clock):
    """With the pool's queue full, a stale answer is shown and not re-queued on every request."""
    tries: list[int] = []

    class CountingPool(Pool):
        def submit(self, task):
            tries.append(1)
            return super().submit(task)

    pool = CountingPool(1, 10)
    limits = {"ttl": 600, "failure_ttl": 30, "max_entries": 10, "max_stale": 3600}
    cache = AnswerCache(
        "test", lambda key: True, pool=pool, breaker=Breaker(5, 30, clock), clock=clock, **limits
    )
    assert cache.get(1, 5).value is True
    clock.advance(601)
    pool.max_queued = 0

    answers = [cache.start(1)[0] for _ in range(5)]

    assert [answer.value for answer in answers if answer is not None] == [True] * 5
    assert len(tries) == 2  # the first call, and one refused refresh
    clock.advance(2)
    cache.start(1)
    assert len(tries) == 3
    pool.shutdown()
