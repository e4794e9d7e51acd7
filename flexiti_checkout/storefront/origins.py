"""Which shops' pages may use the service from the browser: ``FLEXITI_ALLOWED_ORIGINS``.

A shop on another origin than the service (any shop not written in Flask) loads ``flexiti.js``
and ``badges.css`` from it, asks its availability and calculator for badges, and frames its
checkout page in a dialog. ``*`` (the default) lets any site do so, as those answers are what
Flexiti shows any visitor. A list of origins (``https://shop.example,https://www.shop.example``)
lets only those: the CORS answers name the asking origin only when it is listed (``Vary:
Origin``), and the checkout page may be framed by, and posts its outcome to, listed origins only
(``Content-Security-Policy: frame-ancestors``). No answer allows credentials: none needs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from flask import Response, request

from flexiti_checkout._app import extension_part
from flexiti_checkout._urls import web_origin
from flexiti_checkout.errors import ConfigurationError

ANY = "*"
#: Headers a page may read from a cross-origin answer (for ``If-None-Match`` revalidation).
_EXPOSED = "ETag"


def allowed_origins(key: str, value: Any) -> tuple[str, ...] | None:
    """``FLEXITI_ALLOWED_ORIGINS`` read: ``None`` for any origin (``*``), else the origins."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple, set, frozenset)):
        raise ConfigurationError(
            f"{key} must be '*' or comma-separated origins such as "
            f"'https://shop.example', not {type(value).__name__}"
        )
    origins = [str(item).strip().rstrip("/") for item in items if str(item).strip()]
    if origins == [ANY]:
        return None
    for origin in origins:
        found = web_origin(origin)
        if origin == ANY or found is None or origin.lower() != found.serialised:
            raise ConfigurationError(
                f"{key} entries are origins, a scheme and a host with an "
                f"optional port and nothing after (https://shop.example:8443), not {origin!r}; "
                "'*' alone allows every site"
            )
    if not origins:
        raise ConfigurationError(f"{key} is empty: list your shop's origins, or '*' for any site")
    return tuple(origin.lower() for origin in origins)


@dataclass(frozen=True)
class AllowedOrigins:
    """The app's ``FLEXITI_ALLOWED_ORIGINS``, as the storefront's views read it."""

    #: ``None``: any site.
    listed: tuple[str, ...] | None

    @cached_property
    def frame_policy(self) -> str:
        """The checkout pages' ``Content-Security-Policy``: who may frame them, the service
        itself and the listed origins (any site when ``*``). Written once, sent on every page."""
        ancestors = ANY if self.listed is None else " ".join(("'self'", *self.listed))
        return f"frame-ancestors {ancestors}"


def _origins() -> AllowedOrigins:
    return extension_part("allowed_origins", AllowedOrigins)


def _listed() -> tuple[str, ...] | None:
    return _origins().listed


def _allow_origin(listed: tuple[str, ...] | None) -> str | None:
    """The ``Access-Control-Allow-Origin`` for this request: ``*``, its listed origin, or none."""
    if listed is None:
        return ANY
    origin = request.headers.get("Origin", "").lower()
    return origin if origin in listed else None


def add_cors(response: Response) -> Response:
    """Let the allowed pages read ``response`` (no credentials, ``ETag`` readable)."""
    listed = _listed()
    if listed is not None:
        response.vary.add("Origin")  # the answer depends on who asks: caches must know
    allowed = _allow_origin(listed)
    if allowed is not None:
        response.headers["Access-Control-Allow-Origin"] = allowed
        response.headers["Access-Control-Expose-Headers"] = _EXPOSED
    return response


def embedding_origin(value: str) -> str | None:
    """``value`` if it is an origin (``https://shop.example``) that may frame the checkout page:
    where that page may post the customer's outcome."""
    found = web_origin(value)
    if found is None or value.lower() != found.serialised:  # a path or a query is no origin
        return None
    listed = _listed()
    return found.serialised if listed is None or found.serialised in listed else None


def frame_policy() -> str:
    """The checkout pages' ``Content-Security-Policy`` (``AllowedOrigins.frame_policy``)."""
    return _origins().frame_policy
