"""The sandbox's money math, rates, field parsing, configuration and command line."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest
import requests

from flexiti_checkout.sandbox import create_app
from flexiti_checkout.sandbox.__main__ import build_parser, config_from_args
from flexiti_checkout.sandbox.plans import (
    DEFAULT_PLANS,
    Plan,
    format_percent,
    longest,
    parse_plans,
)
from flexiti_checkout.sandbox.validation import parse_amount, parse_lang
from support.sandbox_server import SandboxApi

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("months", "apr", "amount", "payment"),
    [
        (12, "0", "499", "41.58"),
        (6, "0", "0.03", "0.01"),  # 0.005 rounds half-up, not to even
        (3, "0", "100", "33.33"),
        (3, "0", "200", "66.67"),
        (24, "9.99", "1000", "46.14"),
        (36, "12.99", "2500", "84.22"),
        (12, "12", "1200", "106.62"),
    ],
)
def test_monthly_payment(months, apr, amount, payment):
    """0 % plans split and round half-up; APR plans amortise at apr/12 a month."""
    plan = Plan("x", months, Decimal(apr), Decimal("0"))
    result = plan.monthly_payment(Decimal(amount))
    assert isinstance(result, Decimal)
    assert str(result) == payment


@pytest.mark.parametrize(
    ("rate", "lang", "text"),
    [("0", "en", "0%"), ("9.99", "en", "9.99%"), ("12.99", "fr", f"12,99{NBSP}%")],
)
def test_format_percent(rate, lang, text):
    """Rates read the English or the French-Canadian way."""
    assert format_percent(Decimal(rate), lang) == text


@pytest.mark.parametrize(
    ("amount", "plan_id"), [("49.99", None), ("50", "1"), ("299.99", "2"), ("2500", "5")]
)
def test_longest_plan(amount, plan_id):
    """The calculator's plan is the longest one the amount reaches."""
    plan = longest(DEFAULT_PLANS, Decimal(amount))
    assert (plan.plan_id if plan else None) == plan_id


@pytest.mark.parametrize(
    "raw",
    [
        [],
        [{"months": 3}],
        [{"plan_id": "1", "months": 0}],
        [{"plan_id": "1", "months": 3, "apr": "abc"}],
        [{"plan_id": "1", "months": 3, "min_amount": -1}],
        [{"plan_id": "1", "months": 3, "category": "layaway"}],
        [{"plan_id": "1", "months": 3}, {"plan_id": "1", "months": 3, "apr": 5}],
        [{"plan_id": "7", "months": 6, "category": "deferred_payment"}],
    ],
)
def test_bad_plans_are_refused(raw):
    """A PLANS table that cannot be used fails at create time."""
    with pytest.raises(ValueError):
        parse_plans(raw)


@pytest.mark.parametrize(
    ("value", "amount", "problem"),
    [
        (499, Decimal("499"), None),
        (499.99, Decimal("499.99"), None),
        ("  12.5 ", Decimal("12.5"), None),
        ("1e3", Decimal("1000"), None),
        (None, None, "is required"),
        ("", None, "is required"),
        ("12,50", None, "must be a number"),
        ("Infinity", None, "must be a number"),
        (False, None, "must be a number"),
        ([1], None, "must be a number"),
        ("0", None, "must be greater than 0"),
        ("0.001", None, "must have at most 2 decimal places"),
    ],
)
def test_parse_amount(value, amount, problem):
    """Amounts come from JSON numbers or numeric strings, as Decimal, positive, to the cent."""
    assert parse_amount(value) == (amount, problem)


@pytest.mark.parametrize(
    ("value", "lang"),
    [("en-CA", "en"), ("FR-ca", "fr"), ("fr_CA", "fr"), ("en", "en"), ("de", None), (1, None)],
)
def test_parse_lang(value, lang):
    """Languages are en-CA/fr-CA or en/fr in any case."""
    assert parse_lang(value) == lang


@pytest.mark.parametrize(
    "config",
    [
        {"MAX_AMOUNT": "10"},
        {"MAX_AMOUNT": "lots"},
        {"CLOCK": 5},
        {"CALLBACK_MODE": "never"},
        {"ID_OFFSET": -1000000},
        {"ID_OFFSET": 500},  # not a whole block: ranges would overlap
        {"ID_OFFSET": "many"},
    ],
)
def test_bad_config_fails_at_create(config):
    """create_app refuses a config it cannot run with, naming the key."""
    with pytest.raises(ValueError):
        create_app(config)


def test_other_config_goes_to_flask():
    """Keys the sandbox does not know are ordinary Flask config."""
    app = create_app({"TESTING": True, "CLIENT_ID": "myshop"})
    assert app.config["TESTING"] is True
    assert "CLIENT_ID" not in app.config
    assert app.extensions["flexiti_sandbox"].settings.client_id == "myshop"


def test_cli_flags_map_to_config():
    """Command-line flags become the upper-case create_app config keys."""
    args = build_parser().parse_args(
        [
            "--latency", "0.1", "--error-rate", "0.2", "--token-lifetime", "60",
            "--callback-url", "http://shop/cb", "--callback-mode", "duplicate", "--html-errors",
            "--callback-with-ids", "--lookup-style", "example", "--return-style", "ids",
            "--approved-amount-delta", "1.5", "--id-offset", "9000000",
        ]
    )  # fmt: skip
    assert config_from_args(args) == {
        "LATENCY": 0.1,
        "ERROR_RATE": 0.2,
        "TOKEN_LIFETIME": 60.0,
        "CALLBACK_URL": "http://shop/cb",
        "CALLBACK_MODE": "duplicate",
        "HTML_ERRORS": True,
        "CALLBACK_WITH_IDS": True,
        "LOOKUP_STYLE": "example",
        "RETURN_STYLE": "ids",
        "APPROVED_AMOUNT_DELTA": Decimal("1.5"),
        "ID_OFFSET": 9000000,
    }


def first_ids(config: dict) -> dict[str, int]:
    """The ids a sandbox made with ``config`` hands out for its first approved purchase."""
    app = create_app(config)
    try:
        client = app.test_client()
        started = SandboxApi(client).init(amount_requested=1299).json
        order_id = started["online_order_id"]
        settled = client.post(f"/_sandbox/orders/{order_id}/settle", json={"outcome": "approve"})
        names = ("online_order_id", "transaction_id", "promo_id", "customer_id")
        return {name: int(settled.json[name]) for name in names}
    finally:
        app.extensions["flexiti_sandbox"].callbacks.stop()


def test_an_id_offset_moves_every_id_the_sandbox_hands_out():
    """ID_OFFSET: the order, transaction, promo and customer ids start that much higher, so
    two sandboxes with different offsets never hand out the same id."""
    plain, moved = first_ids({}), first_ids({"ID_OFFSET": 9000000})
    assert plain["online_order_id"] == 131209  # the Online API examples' number by default
    assert {name: moved[name] - plain[name] for name in plain} == dict.fromkeys(plain, 9000000)


@pytest.mark.slow
def test_cli_runs_a_server():
    """``python -m flexiti_checkout.sandbox`` prints its URLs and credentials and serves."""
    process = subprocess.Popen(
        [sys.executable, "-m", "flexiti_checkout.sandbox", "--port", "0", "--error-rate", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(6)]
        url = lines[0].split()[-1]
        assert url.startswith("http://127.0.0.1:")
        assert lines[1].split()[-1] == url + "/flexiti/online-api"
        assert lines[2].split()[-1] == url + "/flexiti/pos-api/v2.5"
        assert "flexitidemo" in lines[3]
        assert requests.get(url + "/_sandbox/faults", timeout=5).json()["error_rate"] == 0.0
    finally:
        process.terminate()
        process.wait(5)
        if process.stdout is not None:
            process.stdout.close()


def test_a_deferred_plan_is_not_offered_online_and_asks_no_payments():
    """Deferred-payment plans are POS offers: the hosted flow and calculator skip them."""
    deferred = [plan for plan in DEFAULT_PLANS if plan.category == "deferred_payment"]
    assert deferred and all(p.monthly_payment(Decimal("900")) == Decimal("0.00") for p in deferred)
    assert longest(DEFAULT_PLANS, Decimal("600")).plan_id == "3"
    assert deferred[0].label("en") == "6 months, no payments"
