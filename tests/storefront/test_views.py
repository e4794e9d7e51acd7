"""The storefront over HTTP and in templates: availability, calculator, learn-more, badges."""

from __future__ import annotations

import gzip
import time
from typing import Any

import pytest
import requests
from flask import Flask, g, render_template_string

from flexiti_checkout import ConfigurationError, FlexitiCheckout
from flexiti_checkout.web.state import flexiti_state


def get(shop, path: str, **kwargs: Any) -> requests.Response:
    return requests.get(shop.url + path, timeout=10, **kwargs)


def post(shop, path: str, body: Any, **kwargs: Any) -> requests.Response:
    return requests.post(shop.url + path, json=body, timeout=10, **kwargs)


def answered(ask) -> requests.Response:
    """``ask()`` again, as ``flexiti.js`` does, until no price in its answer is "pending"."""
    deadline = time.monotonic() + 10
    while True:
        answer = ask()
        plans = answer.json().get("plans", [answer.json()]) if answer.status_code == 200 else []
        if all(plan.get("reason") != "pending" for plan in plans) or time.monotonic() > deadline:
            return answer
        time.sleep(0.1)


def upstream(shop, fragment: str) -> list[dict]:
    """The sandbox's log of API calls whose path contains ``fragment``."""
    entries = shop.sandbox.control("GET", "requests")["requests"]
    return [entry for entry in entries if fragment in entry["path"]]


def render(shop, source: str, headers: dict | None = None, **context: Any) -> str:
    with shop.app.test_request_context(headers=headers or {}):
        return render_template_string(source, **context)


# -- availability --------------------------------------------------------------------------------


def test_availability_answers_the_gate(shop):
    """GET /availability says whether the amount is financeable, and is cacheable."""
    answer = get(shop, "/flexiti/availability?amount=123.45")
    assert answer.status_code == 200
    assert answer.json() == {"amount": "123.45", "enabled": True}
    assert answer.headers["Cache-Control"] == "public, max-age=60"
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert get(shop, "/flexiti/availability?amount=20").json() == {
        "amount": "20.00",
        "enabled": False,
    }
    assert get(shop, "/flexiti/availability?amount=20000.01").json()["enabled"] is False


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("", "amount is required"),
        ("abc", "amount must be a number such as 499.00, not 'abc'"),
        ("-1", "amount cannot be negative"),
        ("0", "amount must be greater than zero"),
        ("NaN", "amount must be a number such as 499.00, not 'NaN'"),
        ("1.234", "amount must have at most 2 decimal places"),
        ("99999999999", "amount must be at most 1000000.00"),
    ],
)
def test_availability_refuses_bad_amounts_with_a_400_that_says_why(shop, amount, message):
    """Bad amounts are a 400 naming the problem, and never reach Flexiti."""
    answer = get(shop, f"/flexiti/availability?amount={amount}")
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "invalid_request",
        "message": message,
        "fields": {"amount": [message]},
    }
    assert upstream(shop, "payment-availability") == []


def test_many_pages_asking_about_one_amount_cause_one_upstream_call(shop):
    """Fifty requests for one amount (in two spellings) reach Flexiti once."""
    for n in range(50):
        amount = "499" if n % 2 else "499.00"
        assert get(shop, f"/flexiti/availability?amount={amount}").json()["enabled"] is True
    assert len(upstream(shop, "payment-availability")) == 1


def test_the_storefront_shares_the_checkouts_token(shop):
    """Badges and checkouts use one customer-scope token between them."""
    get(shop, "/flexiti/availability?amount=499.00")
    shop.start("TOKEN-1")
    customer_tokens = [e for e in upstream(shop, "/oauth/token") if e.get("scope") == "customer"]
    assert len(customer_tokens) == 1


@pytest.mark.shop_config({"FLEXITI_STOREFRONT_BUDGET": "0.3s"})
def test_a_slow_flexiti_answers_no_within_the_budget_and_is_not_cached_by_browsers(shop):
    """With Flexiti slower than the budget the answer is "no" in time, marked no-store."""
    shop.sandbox.control("PATCH", "faults", {"latency": 1.0})
    started = time.monotonic()
    answer = get(shop, "/flexiti/availability?amount=499.00")
    assert time.monotonic() - started < 0.9
    assert answer.json()["enabled"] is False
    assert answer.headers["Cache-Control"] == "no-store"
    flexiti_state(shop.app).storefront.wait_idle()


@pytest.mark.shop_config({"FLEXITI_STOREFRONT_BREAKER_THRESHOLD": 2})
def test_flexiti_down_hides_the_option_and_the_breaker_stops_calls(shop):
    """Errors answer "no"; after two failures in a row nothing more is sent to Flexiti."""
    shop.sandbox.control("PATCH", "faults", {"error_rate": 1.0})
    for amount in ("100", "200", "300", "400", "500"):
        assert get(shop, f"/flexiti/availability?amount={amount}").json()["enabled"] is False
    assert len(upstream(shop, "/flexiti/")) == 2  # each failed already at its token request


# -- calculator ----------------------------------------------------------------------------------


def test_calculator_answers_one_price_in_french(shop):
    """GET /calculator gives the plan as numbers, the French sentence and sanitised HTML."""
    answer = answered(lambda: get(shop, "/flexiti/calculator?price=499.00&lang=fr"))
    assert answer.status_code == 200
    plan = answer.json()
    assert plan["price"] == "499.00"
    assert plan["eligible"] is True
    assert (plan["monthly_payment"], plan["months"]) == ("41.58", 12)
    assert plan["text"] == "ou 41,58\u00a0$/mois pendant 12 mois, TAP de 0\u00a0%"
    assert plan["apr"] == "0"
    assert plan["label"].startswith(plan["text"])
    assert "<strong>41,58&nbsp;$</strong>" in plan["html"]
    assert upstream(shop, "payment-calculator")[0]["query"] == "price=499.00&lang=fr"


def test_calculator_language_follows_accept_language(shop):
    """Without lang, the browser's Accept-Language decides (and the answer varies on it)."""
    answer = answered(
        lambda: get(shop, "/flexiti/calculator?price=499.00", headers={"Accept-Language": "fr-CA"})
    )
    assert answer.json()["lang"] == "fr"
    assert "Accept-Language" in answer.headers["Vary"]
    assert answer.headers["Cache-Control"] == "private, max-age=60"  # this shopper's language
    assert answered(lambda: get(shop, "/flexiti/calculator?price=499.00")).json()["lang"] == "en"


def test_calculator_etag_answers_if_none_match_with_304(shop):
    """A browser revalidating with the ETag gets a 304 and no body."""
    first = answered(lambda: get(shop, "/flexiti/calculator?price=499.00&lang=en"))
    etag = first.headers["ETag"]
    again = get(shop, "/flexiti/calculator?price=499.00&lang=en", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag


def test_batch_answers_every_price_in_order(shop):
    """POST /calculator answers each price, with an explicit marker for those with no plan."""
    prices = ["499.00", "20", "1299.99", "25000", "499"]
    answer = answered(lambda: post(shop, "/flexiti/calculator", {"prices": prices, "lang": "en"}))
    assert answer.status_code == 200
    assert "ETag" in answer.headers and answer.headers["Cache-Control"] == "public, max-age=60"
    plans = answer.json()["plans"]
    assert [plan["price"] for plan in plans] == ["499.00", "20.00", "1299.99", "25000.00", "499.00"]
    assert [plan["eligible"] for plan in plans] == [True, False, True, False, True]
    assert plans[1] == {"price": "20.00", "eligible": False, "reason": "not_eligible"}
    # The 0 % plan the $1,299.99 price reaches, not the 24 months at 9.99 % the calculator shows.
    assert (plans[2]["monthly_payment"], plans[2]["months"], plans[2]["apr"]) == ("108.33", 12, "0")
    assert len(upstream(shop, "payment-calculator")) == 4  # 499 and 499.00 are one price
    assert upstream(shop, "payment-availability") == []  # the calculator's answer settles a badge


def test_batch_fetches_only_what_is_missing(shop):
    """Prices already known come from the cache; only the new ones go to Flexiti."""
    answered(lambda: post(shop, "/flexiti/calculator", {"prices": ["499.00", "599.00"]}))
    shop.sandbox.control("DELETE", "requests")
    answered(lambda: post(shop, "/flexiti/calculator", {"prices": ["499.00", "599.00", "699.00"]}))
    assert [e["query"] for e in upstream(shop, "payment-calculator")] == ["price=699.00&lang=en"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"prices": ["499.00", "abc", "-2"]}, ["prices.1", "prices.2"]),
        ({"prices": []}, ["prices"]),
        ({"prices": ["1.00"] * 101}, ["prices"]),
        ({"prices": ["499.00"], "lang": "de"}, ["lang"]),
        ({"prices": ["499.00"], "currency": "CAD"}, ["currency"]),
        ({}, ["prices"]),
        (["499.00"], ["body"]),
    ],
)
def test_batch_refuses_bad_requests_naming_each_field(shop, body, fields):
    """A bad batch is a 400 that names every bad field, and nothing reaches Flexiti."""
    answer = post(shop, "/flexiti/calculator", body)
    assert answer.status_code == 400
    assert sorted(answer.json()["fields"]) == fields
    assert upstream(shop, "payment-") == []


def test_calculator_allows_cross_origin_requests(shop):
    """A product page on another origin may POST a batch: the preflight says so."""
    preflight = requests.options(
        shop.url + "/flexiti/calculator",
        headers={
            "Origin": "https://shop.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=10,
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    answer = post(shop, "/flexiti/calculator", {"prices": ["499.00"]},
                  headers={"Origin": "https://shop.example"})  # fmt: skip
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["Access-Control-Expose-Headers"] == "ETag"


def test_calculator_with_flexiti_down_marks_prices_unavailable(shop):
    """With Flexiti failing, each price says "unavailable", quickly, and no browser caches it."""
    shop.sandbox.control("PATCH", "faults", {"error_rate": 1.0})
    answer = answered(lambda: post(shop, "/flexiti/calculator", {"prices": ["499.00", "599.00"]}))
    assert answer.status_code == 200
    assert [plan["reason"] for plan in answer.json()["plans"]] == ["unavailable", "unavailable"]
    assert answer.headers["Cache-Control"] == "no-store"


@pytest.mark.shop_config({"FLEXITI_STOREFRONT_BUDGET": "0.3s"})
def test_a_price_flexiti_answers_after_the_budget_is_pending_then_filled_in(shop):
    """Slower than the budget, a cold price is "pending" (not a failure, not kept by browsers);
    the call goes on past the budget and the next ask gets the plan, with no second call."""
    shop.sandbox.control("PATCH", "faults", {"latency": 0.5})
    started = time.monotonic()
    first = post(shop, "/flexiti/calculator", {"prices": ["499.00"], "lang": "en"})
    assert time.monotonic() - started < 2.5
    flexiti_state(shop.app).storefront.wait_idle()

    second = post(shop, "/flexiti/calculator", {"prices": ["499.00"], "lang": "en"})

    assert first.json()["plans"] == [{"price": "499.00", "eligible": False, "reason": "pending"}]
    assert first.headers["Cache-Control"] == "no-store"
    assert second.json()["plans"][0]["eligible"] is True
    assert second.headers["Cache-Control"] == "public, max-age=60"
    assert len(upstream(shop, "payment-calculator")) == 1


# -- learn more ----------------------------------------------------------------------------------


def test_learn_more_opens_flexitis_page_in_a_modal(shop):
    """The badge's link frames Flexiti's learn-more flow; closing returns to the product."""
    page = get(shop, "/flexiti/learn-more?amount=499.00&lang=fr&return_to=/products/7")
    assert page.status_code == 200
    assert 'lang="fr-CA"' in page.text
    assert "Payez au fil du temps avec Flexiti" in page.text
    assert f'src="{shop.sandbox.url}/sandbox/learn-more?lang=fr&amp;amount=499.00"' in page.text
    assert f'data-flexiti-origin="{shop.sandbox.url}"' in page.text
    assert 'href="/products/7">Revenir au magasin' in page.text
    [call] = upstream(shop, "learn-more")
    assert call["method"] == "POST"


def test_learn_more_redirects_and_never_back_to_another_site(shop):
    """mode=redirect sends the browser to Flexiti; return_to cannot name another origin."""
    answer = get(shop, "/flexiti/learn-more?amount=499.00&mode=redirect", allow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith(shop.sandbox.url + "/sandbox/learn-more?")
    page = get(shop, "/flexiti/learn-more?return_to=//evil.example/x")
    assert 'href="//evil.example' not in page.text


def test_learn_more_refuses_a_redirect_to_a_host_that_is_not_flexiti(shop):
    """A learn-more URL on a foreign host is refused like a checkout's: an error page instead."""
    shop.sandbox.control("PATCH", "settings", {"public_url": "https://evil.example"})
    page = get(shop, "/flexiti/learn-more?amount=499.00")
    assert page.status_code == 502
    assert "evil.example" not in page.text


# -- badges and the gate in templates ------------------------------------------------------------


def test_badge_is_a_placeholder_when_cold_and_the_plan_when_warm(shop):
    """A cold badge reserves its place; once the plan is cached it renders server-side."""
    cold = render(shop, "{{ flexiti_badge('499.00') }}")
    assert 'data-flexiti-state="pending"' in cold and 'data-flexiti-price="499.00"' in cold
    flexiti_state(shop.app).storefront.wait_idle()

    warm = render(shop, "{{ flexiti_badge(499) }}")
    assert 'data-flexiti-state="ready"' in warm
    assert 'aria-label="or $41.58/mo for 12 months at 0\u00a0% APR. Learn more' in warm
    assert ">or $41.58/mo for 12 months at 0\u00a0% APR</span>" in warm
    assert 'href="/flexiti/learn-more?amount=499.00&amp;lang=en&amp;return_to=/"' in warm


def test_badge_speaks_french_from_the_host_or_the_browser(shop):
    """g.flexiti_lang or Accept-Language picks French; an ineligible price renders hidden."""
    with shop.app.app_context():
        shop.flexiti.payment_plan("499.00", "fr")
        shop.flexiti.is_available("20")
    flexiti_state(shop.app).storefront.wait_idle()  # a machine slower than the budget
    with shop.app.test_request_context():
        g.flexiti_lang = "fr"
        assert "ou 41,58\u00a0$/mois" in render_template_string("{{ flexiti_badge(499) }}")
    french = render(shop, "{{ flexiti_badge(499) }}", headers={"Accept-Language": "fr-CA"})
    assert "En savoir plus" in french
    hidden = render(shop, "{{ flexiti_badge(20) }}")
    assert 'data-flexiti-state="ineligible" aria-hidden="true"' in hidden


def test_a_finished_badge_is_reused_per_page_and_a_pending_one_never(shop):
    """A badge waiting for Flexiti is rendered afresh on every view (so it fills in once the
    answer lands); a finished one is kept, per page (its learn-more link returns there)."""
    storefront = flexiti_state(shop.app).storefront
    source = "{{ flexiti_badge(499) }}"
    with shop.app.test_request_context("/product/1"):
        first = render_template_string(source)
    assert 'data-flexiti-state="pending"' in first and len(storefront.recent_badges) == 0
    storefront.wait_idle()

    with shop.app.test_request_context("/product/1"):
        ready = render_template_string(source)
    with shop.app.test_request_context("/product/2"):
        other_page = render_template_string(source)

    assert 'data-flexiti-state="ready"' in ready and "return_to=/product/1" in ready
    assert "return_to=/product/2" in other_page
    assert len(storefront.recent_badges) == 2
    storefront.clear()
    assert len(storefront.recent_badges) == 0


def test_a_slow_flexiti_holds_a_calculator_request_only_a_moment(shop):
    """With Flexiti slower than the 1.5-s budget, the calculator answers "pending" within its
    short wait instead of holding a request worker for the budget; the answer lands later."""
    shop.sandbox.control("PATCH", "faults", {"latency": 1.0})
    started = time.monotonic()
    first = post(shop, "/flexiti/calculator", {"prices": ["499.00"], "lang": "en"})
    took = time.monotonic() - started

    assert first.json()["plans"][0]["reason"] == "pending"
    assert took < 0.9
    flexiti_state(shop.app).storefront.wait_idle()
    again = post(shop, "/flexiti/calculator", {"prices": ["499.00"], "lang": "en"})
    assert again.json()["plans"][0]["eligible"] is True


def test_badge_for_a_bad_price_is_empty(shop):
    assert render(shop, "[{{ flexiti_badge('abc') }}][{{ flexiti_badge(none) }}]") == "[][]"


def test_badge_output_is_escaped_markup(shop):
    """The price a template passes can never inject markup into the badge."""
    html = render(shop, "{{ flexiti_badge(price) }}", price='1"><script>x</script>')
    assert html == ""


def test_the_gate_in_templates_and_python(shop):
    """flexiti_available and flexiti.is_available agree with Flexiti's ranges."""
    source = "{% if flexiti_available(total) %}yes{% else %}no{% endif %}"
    assert render(shop, source, total="499.00") == "yes"
    assert render(shop, source, total="20.00") == "no"
    assert render(shop, source, total="nonsense") == "no"
    with shop.app.app_context():
        assert shop.flexiti.is_available("25000") is False
        plan = shop.flexiti.payment_plan("499.00")
    assert plan is not None and plan.months == 12 and plan.lang == "en"


def test_assets_point_the_script_at_this_app(shop):
    """flexiti_assets() links the stylesheet and the script (under 6 KB gzipped) to this app."""
    html = render(shop, "{{ flexiti_assets() }}")
    assert '<script src="/flexiti/static/flexiti_checkout/flexiti.js"' in html
    assert 'data-flexiti-endpoint="/flexiti"' in html
    assert 'href="/flexiti/static/flexiti_checkout/badges.css"' in html
    script = get(shop, "/flexiti/static/flexiti_checkout/flexiti.js")
    # Badges and the checkout dialog, unminified; what travels is the gzipped size.
    assert script.status_code == 200 and len(gzip.compress(script.content)) < 6 * 1024


# -- settings ------------------------------------------------------------------------------------


def app_with(tmp_path, **config: Any) -> Flask:
    app = Flask("settings", instance_path=str(tmp_path))
    app.config.update(SECRET_KEY="k" * 32, FLEXITI_STORE_URL=f"sqlite:///{tmp_path / 's.db'}")
    app.config.update(config)
    return app


def test_storefront_settings_have_defaults(tmp_path):
    app = app_with(tmp_path)
    FlexitiCheckout(app)
    settings = flexiti_state(app).storefront.settings
    assert (settings.cache_ttl, settings.budget, settings.failure_ttl) == (600, 1.5, 30)
    assert (settings.breaker_threshold, settings.breaker_cooldown, settings.workers) == (5, 30, 48)
    assert settings.max_stale == 86400


def test_max_stale_is_a_duration(tmp_path):
    app = app_with(tmp_path, FLEXITI_STOREFRONT_MAX_STALE="2h")
    FlexitiCheckout(app)
    assert flexiti_state(app).storefront.settings.max_stale == 7200


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("FLEXITI_CACHE_TTL", "soon"),
        ("FLEXITI_STOREFRONT_BUDGET", 0),
        ("FLEXITI_STOREFRONT_BUDGET", "2m"),
        ("FLEXITI_STOREFRONT_FAILURE_TTL", -1),
        ("FLEXITI_STOREFRONT_BREAKER_THRESHOLD", 0),
        ("FLEXITI_STOREFRONT_BREAKER_COOLDOWN", "never"),
        ("FLEXITI_STOREFRONT_WORKERS", "many"),
        ("FLEXITI_STOREFRONT_WORKERS", 1000),
        ("FLEXITI_STOREFRONT_MAX_STALE", "stale"),
        ("FLEXITI_STOREFRONT_MAX_STALE", -5),
    ],
)
def test_bad_storefront_settings_fail_at_init_naming_the_key(tmp_path, key, value):
    with pytest.raises(ConfigurationError, match=key):
        FlexitiCheckout(app_with(tmp_path, **{key: value}))
