"""Money and language: the one place amounts are parsed and languages are named.

Amounts come from shop code, product pages, query strings, JSON and Flexiti, so they are parsed
strictly into ``Decimal`` cents here, once, with a message that says what was wrong. Money is
formatted with Babel (``$41.58`` in English, ``41,58 $`` in Canadian French). Nothing here knows
Flask: the shopper's language for a request is chosen in ``storefront.context``.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Literal

from babel.numbers import format_currency

Lang = Literal["en", "fr"]
LANGS: tuple[Lang, ...] = ("en", "fr")
CENT = Decimal("0.01")
#: Far above any financing plan; larger amounts are typos or probes, not prices.
MAX_AMOUNT = Decimal("1000000.00")
MAX_AMOUNT_TEXT = 32  # "1000000.00" is 10 characters; longer text is not a price
#: Numbers from outside (JSON, Flexiti's answers) lie within 10**-MAX_MAGNITUDE..10**MAX_MAGNITUDE.
#: Within it every Decimal operation stays exact at the default 28 digits; beyond it a 47-byte
#: ``1e999999999`` costs seconds of CPU and gigabytes of memory once formatted or computed with.
MAX_MAGNITUDE = 24
_MAX_NUMBER_TEXT = 64
# Plain decimal notation only: Decimal() would also take "1e3", "1_000", "NaN" and "Infinity".
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
#: ``en``/``fr``, optionally with Canada as the region (``fr-CA``, ``fr_ca``), in any case.
_LANG = re.compile(r"(en|fr)(?:[-_]ca)?")
_BABEL_LOCALES = {"en": "en_CA", "fr": "fr_CA"}
_FLEXITI_LOCALES = {"en": "en-CA", "fr": "fr-CA"}
FLOAT_ADVICE = (
    'must not be a float: send a string such as "499.99" or a Decimal '
    "(parse JSON with parse_float=Decimal)"
)


class AmountError(ValueError):
    """An amount we refuse; ``str()`` is a sentence for the shop's developer.

    ``reason`` is the sentence without the field's name, for forms that name the field apart.
    """

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name} {reason}")
        self.reason = reason


def parse_amount(value: Any, name: str = "amount") -> Decimal:
    """``value`` as a positive ``Decimal`` with cents (``"499"`` → ``Decimal("499.00")``).

    Takes a ``Decimal``, an ``int`` or a string in plain decimal notation. Refuses floats (binary
    fractions are not money: ``0.1 + 0.2`` is not ``0.30``), exponents, zero, negative, NaN or
    infinite, sub-cent, and anything above ``MAX_AMOUNT``.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise AmountError(name, "is required")
    if isinstance(value, float):
        raise AmountError(name, FLOAT_ADVICE)
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise AmountError(name, "must be a number such as 499.00")
    # Only comparisons until the amount is known to be small: 1E+999999999 must not be computed.
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    else:
        text = str(value).strip()
        if len(text) > MAX_AMOUNT_TEXT:
            raise AmountError(name, "is too long to be an amount")
        if not _PLAIN_NUMBER.fullmatch(text):
            raise AmountError(name, f"must be a number such as 499.00, not {text!r}")
        if text.startswith("+"):
            raise AmountError(name, f"must be a number such as 499.00, without a sign: {text!r}")
        if re.match(r"-?0[0-9]", text):  # 0499.00 is a typo or an octal mix-up, not a price
            raise AmountError(name, f"must not start with a zero, such as 499.00: {text!r}")
        try:
            amount = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
            raise AmountError(name, f"must be a number such as 499.00, not {text!r}") from None
    if not amount.is_finite():
        raise AmountError(name, f"must be a finite number, not {value!r}")
    if amount < 0:
        raise AmountError(name, "cannot be negative")
    if amount == 0:
        raise AmountError(name, "must be greater than zero")
    if amount > MAX_AMOUNT:
        raise AmountError(name, f"must be at most {MAX_AMOUNT}")
    if amount != amount.quantize(CENT):
        raise AmountError(name, "must have at most 2 decimal places")
    return amount.quantize(CENT)


def bounded_decimal(text: str) -> Decimal:
    """``text`` (a number from outside) as a ``Decimal``, checked before any arithmetic.

    Raises ``ValueError`` for text that is not a number, longer than 64 characters, not finite,
    or with an exponent beyond ``±MAX_MAGNITUDE`` (``1e-30``, ``0e-999``): ids, amounts and
    scores are nowhere near, and only comparing exponents is safe with ``1e999999999``.
    """
    text = text.strip()
    if len(text) > _MAX_NUMBER_TEXT:
        raise ValueError(f"{text[:20]}... is too long to be a number")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{text!r} is not finite")
    if not -MAX_MAGNITUDE <= number.adjusted() <= MAX_MAGNITUDE:
        raise ValueError(f"{text} is out of range (beyond 1e{MAX_MAGNITUDE})")
    return number


def cents(amount: Decimal) -> int:
    """A parsed amount as whole cents: the key of every storefront cache."""
    return int(amount * 100)


def from_cents(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(CENT)


def format_money(amount: Decimal, lang: str) -> str:
    """``$41.58`` in English, ``41,58 $`` (no-break space) in Canadian French.

    The one money formatter of the package, the sandbox's pages included; a fraction of a cent
    rounds half-up, as every computed amount does.
    """
    if not amount.is_finite():
        return format_currency(amount, "CAD", locale=_BABEL_LOCALES[normalize_lang(lang) or "en"])
    return _formatted(amount.quantize(CENT, ROUND_HALF_UP), normalize_lang(lang) or "en")


@lru_cache(maxsize=4096)
def _formatted(amount: Decimal, lang: Lang) -> str:
    """Kept: Babel reads its locale data and pattern on every call, and a page of orders or of
    badges shows the same few amounts again and again (to the cent, so ``499.0`` and ``499.00``
    are one entry)."""
    return format_currency(amount, "CAD", locale=_BABEL_LOCALES[lang])


def format_percent(rate: Decimal, lang: str) -> str:
    """``9.99 %`` in English, ``9,99 %`` in French (a no-break space before the sign), ``0 %``."""
    text = f"{rate.normalize():f}"
    if normalize_lang(lang) == "fr":
        text = text.replace(".", ",")
    return text + "\u00a0%"


def normalize_lang(value: Any) -> Lang | None:
    """``"en"`` or ``"fr"`` for ``en``/``fr``/``en-CA``/``fr_CA`` in any case, else ``None``.

    Flexiti speaks Canadian English and French only, so another region (``en-US``) is refused
    rather than guessed.
    """
    if not isinstance(value, str):
        return None
    match = _LANG.fullmatch(value.strip().lower())
    return "fr" if match and match[1] == "fr" else "en" if match else None


def flexiti_locale(lang: str) -> str:
    """The ``en-CA``/``fr-CA`` that widget init and learn-more expect."""
    return _FLEXITI_LOCALES[normalize_lang(lang) or "en"]
