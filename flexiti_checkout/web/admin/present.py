"""How the console writes values for staff: money, times, address verdicts, in their language.

One ``Presenter`` per page, for the page's language and the store's time zone; templates call
its methods and never format a value themselves. Money goes through ``money.format_money`` (the
one formatting function of the package), times show in the store's zone with UTC on hover.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from markupsafe import Markup, escape

from flexiti_checkout.money import bounded_decimal, format_money, normalize_lang
from flexiti_checkout.web.admin.labels import label, say
from flexiti_checkout.web.admin.texts import status_names

_LOCALES = {"en": "en_CA", "fr": "fr_CA"}
#: Flexiti's address scores run from 0 (nothing alike) to 1 (the same).
_MATCH = Decimal(1)


#: A time in a page (``Presenter.when``).
_TIME = Markup('<time datetime="%s" title="%s UTC">%s</time>')
#: Each zone's short name per language, offset and daylight saving (``_zone_name``).
_ZONE_NAMES: dict[tuple[str, str, timedelta | None, timedelta | None], str] = {}


def _zone_name(here: datetime, time_zone: str, locale: str) -> str:
    """The zone's short name at ``here`` (``EST``, ``HAE``) as Babel writes it, found once per
    zone, language, offset and daylight saving: Babel takes longer over it than over the rest of
    a row of the order list, and a zone has only a few."""
    key = (time_zone, locale, here.utcoffset(), here.dst())
    name = _ZONE_NAMES.get(key)
    if name is None:
        name = format_datetime(here, "z", tzinfo=ZoneInfo(time_zone), locale=locale)
        _ZONE_NAMES[key] = name
    return name


def verdict(score: Any) -> str:
    """``match``, ``partial``, ``no_match`` or ``not_compared`` for one of Flexiti's 0..1 scores."""
    if score is None or score == "":
        return "not_compared"
    try:
        number = bounded_decimal(str(score))
    except ValueError:
        return "not_compared"
    if number >= _MATCH:
        return "match"
    return "partial" if number > 0 else "no_match"


@dataclass(frozen=True)
class Presenter:
    """The console's way of writing values, for one language and one time zone."""

    lang: str
    time_zone: str

    def money(self, amount: Any) -> str:
        """``$2,899.00`` or ``2 899,00 $``; text that is not an amount as it is."""
        if amount is None or amount == "":
            return "—"
        try:
            number = amount if isinstance(amount, Decimal) else bounded_decimal(str(amount))
        except ValueError:
            return str(amount)
        return format_money(number, self.lang)

    def local(self, moment: datetime) -> str:
        """``2026-12-07 09:04 EST`` (``HNE`` in French): the store's clock, with its zone."""
        here = moment.astimezone(ZoneInfo(self.time_zone))
        locale = _LOCALES[normalize_lang(self.lang) or "en"]
        return f"{here:%Y-%m-%d %H:%M} {_zone_name(here, self.time_zone, locale)}"

    def when(self, moment: datetime | None) -> Markup:
        """A ``<time>`` in the store's time zone, its UTC time in the title (shown on hover)."""
        if moment is None:
            return Markup("—")
        utc = moment.astimezone(timezone.utc)
        # ``%`` escapes as ``Markup.format`` does, in a fraction of its time (one per row).
        return _TIME % (utc.isoformat(), f"{utc:%Y-%m-%d %H:%M:%S}", self.local(moment))

    def label(self, kind: str, key: str) -> str:
        return label(kind, key, self.lang)

    def status(self, value: Any) -> str:
        text = str(getattr(value, "value", value))
        return status_names(self.lang).get(text, text)

    def say(self, text: str | None) -> str:
        """A note or outcome the store keeps, in this language."""
        return say(text or "", self.lang, self.money, self.status)

    def score(self, score: Any) -> Markup:
        """An address verdict, its 0..1 score on hover."""
        found = verdict(score)
        shown = "—" if found == "not_compared" else escape(str(score))
        return Markup('<span class="flx-verdict flx-verdict-{}" title="{}">{}</span>').format(
            found, shown, self.label("verdict", found)
        )
