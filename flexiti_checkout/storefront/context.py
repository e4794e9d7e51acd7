"""The current request's storefront and shopper language, for the badges and the views."""

from __future__ import annotations

from typing import Any

from flask import g, has_app_context, has_request_context, request

from flexiti_checkout._app import extension_part
from flexiti_checkout.money import LANGS, Lang, normalize_lang
from flexiti_checkout.storefront.plans import Storefront


def current_storefront() -> Storefront:
    """The current app's storefront (the gate, the calculator and their caches)."""
    return extension_part("storefront", Storefront)


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
