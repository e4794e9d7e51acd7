"""Amounts a shopper's page sends us, money as each locale writes it, and the shopper's language.

Storefront amounts come from product pages, query strings and JavaScript, so they are parsed
strictly into ``Decimal`` cents here, once, with a message that says what was wrong. Money is
formatted with Babel (``$41.58`` in English, ``41,58 $`` in Canadian French); the language is the
caller's, else the host's request, else ``FLEXITI_DEFAULT_LANG``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from babel.numbers import format_currency
from flask import g, has_app_context, has_request_context, request

Lang = Literal["en", "fr"]
LANGS: tuple[Lang, ...] = ("en", "fr")
CENT = Decimal("0.01")
#: Far above any financing plan; larger amounts are typos or probes, not prices.
MAX_AMOUNT = Decimal("1000000.00")
_MAX_TEXT = 32  # "1000000.00" is 10 characters; longer text is not a price
_BABEL_LOCALES = {"en": "en_CA", "fr": "fr_CA"}
_FLEXITI_LOCALES = {"en": "en-CA", "fr": "fr-CA"}


class AmountError(ValueError):
    """An amount we refuse; ``str()`` is a sentence for the shop's developer."""


def parse_amount(value: Any, name: str = "amount") -> Decimal:
    """``value`` as a positive ``Decimal`` with cents (``"499"`` → ``Decimal("499.00")``).

    Refuses what is not a plain number, zero, negative, NaN or infinite, sub-cent, or above
    ``MAX_AMOUNT``. A float goes through ``str`` (``19.99`` → ``"19.99"``), so a template that
    holds prices as floats still works and binary noise (``0.30000000000000004``) is refused.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise AmountError(f"{name} is required")
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise AmountError(f"{name} must be a number such as 499.00")
    text = str(value).strip()
    if len(text) > _MAX_TEXT:
        raise AmountError(f"{name} is too long to be an amount")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise AmountError(f"{name} must be a number such as 499.00, not {text!r}") from None
    if not amount.is_finite():
        raise AmountError(f"{name} must be a finite number, not {text!r}")
    if amount < 0:
        raise AmountError(f"{name} cannot be negative")
    if amount == 0:
        raise AmountError(f"{name} must be greater than zero")
    if amount > MAX_AMOUNT:
        raise AmountError(f"{name} must be at most {MAX_AMOUNT}")
    if amount != amount.quantize(CENT):
        raise AmountError(f"{name} must have at most 2 decimal places")
    return amount.quantize(CENT)


def cents(amount: Decimal) -> int:
    """A parsed amount as whole cents: the key of every storefront cache."""
    return int(amount * 100)


def from_cents(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(CENT)


def format_money(amount: Decimal, lang: str) -> str:
    """``$41.58`` in English, ``41,58 $`` (no-break space) in Canadian French."""
    return format_currency(amount, "CAD", locale=_BABEL_LOCALES[normalize_lang(lang) or "en"])


def normalize_lang(value: Any) -> Lang | None:
    """``"en"`` or ``"fr"`` for ``en``/``fr``/``en-CA``/``fr_CA``/... in any case, else ``None``."""
    if not isinstance(value, str):
        return None
    prefix = value.strip().lower()[:2]
    return "fr" if prefix == "fr" else "en" if prefix == "en" else None


def resolve_lang(explicit: Any = None, default: str = "en") -> Lang:
    """The shopper's language: ``explicit``, else the host's choice, else the request's.

    The host chooses by setting ``g.flexiti_lang`` (for example from its own locale selector);
    otherwise the request's ``Accept-Language`` decides; otherwise ``default``.
    """
    lang = normalize_lang(explicit)
    if lang is None and has_app_context():
        lang = normalize_lang(g.get("flexiti_lang"))
    if lang is None and has_request_context() and request.accept_languages:
        lang = normalize_lang(request.accept_languages.best_match(LANGS))
    return lang or normalize_lang(default) or "en"


def flexiti_locale(lang: str) -> str:
    """The ``en-CA``/``fr-CA`` that widget init and learn-more expect."""
    return _FLEXITI_LOCALES[normalize_lang(lang) or "en"]
