"""The catalogue's staff-console settings: how the console shows times and what it calls late.

They are fields of ``Settings`` like every other (``Settings`` extends ``ConsoleSettings``); they
live here because they say how the console reads to staff, not how the checkout works.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flexiti_checkout.errors import ConfigurationError
from flexiti_checkout.web.settings import values as value
from flexiti_checkout.web.settings.values import SERVICE, setting


def time_zone(key: str, raw: Any) -> str:
    """An IANA time zone name (``America/Toronto``), checked against the zone database."""
    name = str(raw or "").strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"{key} must be a time zone name such as America/Toronto or America/Vancouver, "
            f"not {raw!r}"
        ) from None
    return name


@dataclass(frozen=True)
class ConsoleSettings:
    """How the staff console shows times, and when a pending order is worth a look."""

    time_zone: str = setting(
        "FLEXITI_TIME_ZONE", "America/Toronto", time_zone, SERVICE, "America/Vancouver",
        """The store's time zone: the staff console shows every time in it (the UTC time on
        hover) and its CSV export writes local times beside UTC ones.""",
    )  # fmt: skip
    pending_attention: float = setting(
        "FLEXITI_PENDING_ATTENTION", "1h", value.parse_duration, SERVICE, "30m",
        """How long an order may stay pending before the console's home page lists it as
        needing attention (a customer still in Flexiti's pages is pending meanwhile).""",
        shown="``1h``",
    )  # fmt: skip
