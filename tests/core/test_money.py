"""Storefront amounts, money per locale, and the shopper's language."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import Flask, g

from flexiti_checkout.money import (
    AmountError,
    bounded_decimal,
    cents,
    flexiti_locale,
    format_money,
    normalize_lang,
    parse_amount,
)
from flexiti_checkout.storefront.context import resolve_lang


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("499.00", Decimal("499.00")),
        ("499", Decimal("499.00")),
        (" 12.5 ", Decimal("12.50")),
        (499, Decimal("499.00")),
        (Decimal("19.99"), Decimal("19.99")),
        ("1000000", Decimal("1000000.00")),
        ("499.000", Decimal("499.00")),  # trailing zeros are not sub-cent precision
    ],
)
def test_amounts_that_parse(value, expected):
    """Plain positive numbers with at most two decimals become Decimal cents."""
    assert parse_amount(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "amount is required"),
        ("  ", "amount is required"),
        ("abc", "amount must be a number such as 499.00"),
        ("$499", "amount must be a number such as 499.00"),
        (True, "amount must be a number such as 499.00"),
        ([499], "amount must be a number such as 499.00"),
        ("NaN", "amount must be a number such as 499.00, not 'NaN'"),
        ("-Infinity", "amount must be a number such as 499.00, not '-Infinity'"),
        (Decimal("NaN"), "amount must be a finite number"),
        (19.99, "amount must not be a float"),  # the same rule as a checkout's amount
        ("-5", "amount cannot be negative"),
        ("0", "amount must be greater than zero"),
        ("-0.00", "amount must be greater than zero"),
        ("1.234", "amount must have at most 2 decimal places"),
        ("0499.00", "amount must not start with a zero"),  # a typo, or an octal mix-up
        ("+499.00", "amount must be a number such as 499.00, without a sign"),
        (0.1 + 0.2, "amount must not be a float"),
        ("1e3", "amount must be a number such as 499.00"),
        ("1000000.01", "amount must be at most 1000000.00"),
        ("1e400", "amount must be a number such as 499.00, not '1e400'"),
        (Decimal("1e999999999"), "amount must be at most 1000000.00"),
        ("9" * 40, "amount is too long to be an amount"),
    ],
)
def test_amounts_that_are_refused_say_why(value, message):
    """Each refusal names the problem, so a 400 can tell the shop's developer what to fix."""
    with pytest.raises(AmountError, match=message.replace("$", r"\$").replace(".", r"\.")):
        parse_amount(value)


def test_cents_are_the_cache_key():
    assert cents(parse_amount("499")) == cents(parse_amount("499.00")) == 49900


@pytest.mark.parametrize(
    ("amount", "lang", "text"),
    [
        ("41.58", "en", "$41.58"),
        ("41.58", "fr", "41,58\u00a0$"),
        ("1234.5", "en", "$1,234.50"),
        ("1234.5", "fr-CA", "1\u00a0234,50\u00a0$"),
        ("0.005", "en", "$0.01"),  # half-up, not to even
        ("0.015", "fr", "0,02\u00a0$"),
    ],
)
def test_money_is_formatted_per_locale(amount, lang, text):
    """English puts the dollar sign first; Canadian French after, with no-break spaces; a
    fraction of a cent rounds half-up."""
    assert format_money(Decimal(amount), lang) == text


@pytest.mark.parametrize(
    ("value", "lang"),
    [
        ("en", "en"),
        ("FR", "fr"),
        ("fr-CA", "fr"),
        ("en_CA", "en"),
        ("de", None),
        (None, None),
        ("en-US", None),
        ("english", None),
        ("fr-FR", None),
        ("", None),
    ],
)
def test_languages_are_normalised(value, lang):
    assert normalize_lang(value) == lang


def test_flexiti_gets_its_locale_names():
    """Learn-more and widget init take en-CA / fr-CA."""
    assert (flexiti_locale("fr"), flexiti_locale("en")) == ("fr-CA", "en-CA")


def test_language_comes_from_the_argument_then_the_host_then_the_request():
    """Explicit beats g.flexiti_lang, which beats Accept-Language, which beats the default."""
    app = Flask(__name__)
    with app.test_request_context(headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}):
        assert resolve_lang("en") == "en"
        assert resolve_lang(None) == "fr"
        g.flexiti_lang = "en-CA"
        assert resolve_lang(None) == "en"
    with app.test_request_context(headers={"Accept-Language": "de-DE"}):
        assert resolve_lang(None, default="fr") == "fr"
    assert resolve_lang(None) == "en"  # no request at all


@pytest.mark.parametrize(
    ("text", "expected"),
    [("131209", Decimal(131209)), (" 0.33 ", Decimal("0.33")), ("1e24", Decimal("1e24"))],
)
def test_bounded_decimal_reads_numbers_of_sensible_size(text: str, expected: Decimal) -> None:
    """Ids, amounts and scores, even with an exponent, are read exactly."""
    assert bounded_decimal(text) == expected


@pytest.mark.parametrize(
    "text", ["1e999999999", "1e-999999999", "0e-999999999", "1e25", "NaN", "-Infinity", "1" * 65]
)
def test_bounded_decimal_refuses_what_arithmetic_cannot_afford(text: str) -> None:
    """Exponents beyond ±MAX_MAGNITUDE, non-finite and very long numbers are a ValueError."""
    with pytest.raises(ValueError):
        bounded_decimal(text)
