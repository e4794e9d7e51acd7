"""The console writes times as Babel does (``yyyy-MM-dd HH:mm z`` in the store's zone), though it
asks Babel for each zone's name only once per offset; and equal amounts are written alike."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime

from flexiti_checkout.money import format_money
from flexiti_checkout.web.admin.present import Presenter

MOMENTS = [
    datetime(2026, 1, 15, 14, 5, tzinfo=timezone.utc),  # winter
    datetime(2026, 7, 1, 3, 59, tzinfo=timezone.utc),  # summer, the day before locally
    datetime(2026, 3, 8, 6, 59, tzinfo=timezone.utc),  # a minute before Toronto springs forward
    datetime(2026, 3, 8, 7, 0, tzinfo=timezone.utc),  # the minute it does
    datetime(2026, 11, 1, 5, 30, tzinfo=timezone.utc),  # Toronto's second 01:30 (EST)
]
ZONES = ["America/Toronto", "America/Vancouver", "America/Regina", "America/St_Johns", "UTC"]


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("zone", ZONES)
def test_times_are_written_as_babel_writes_them(zone, lang):
    show = Presenter(lang, zone)
    locale = {"en": "en_CA", "fr": "fr_CA"}[lang]
    for moment in MOMENTS * 2:  # the second time, the zone's names are the ones kept
        expected = format_datetime(moment, "yyyy-MM-dd HH:mm z", tzinfo=ZoneInfo(zone),
                                   locale=locale)  # fmt: skip
        assert show.local(moment) == expected


def test_a_time_in_a_page_says_its_utc_moment_on_hover():
    moment = datetime(2026, 1, 15, 14, 5, 9, tzinfo=timezone.utc)
    shown = str(Presenter("en", "America/Toronto").when(moment))
    assert shown == (
        '<time datetime="2026-01-15T14:05:09+00:00" title="2026-01-15 14:05:09 UTC">'
        "2026-01-15 09:05 EST</time>"
    )


@pytest.mark.parametrize(("first", "second"), [("499.0", "499.00"), ("1E+2", "100.00")])
def test_equal_amounts_are_written_alike_whichever_came_first(first, second):
    for lang, text in (("en", format_money(Decimal(second), "en")),
                       ("fr", format_money(Decimal(second), "fr"))):  # fmt: skip
        assert format_money(Decimal(first), lang) == text
