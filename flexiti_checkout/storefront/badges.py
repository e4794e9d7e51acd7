"""The storefront in templates and Python: the gate, the badges and the script that fills them.

A badge never waits for Flexiti: it renders from the cache when the answer is known and as a
placeholder of the same size otherwise (``flexiti.js`` fills it in, and the answer it asks for is
already being fetched). The gate, by contrast, waits up to the request's budget: a cart needs a
yes or no.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Flask, current_app, g, has_request_context, request, url_for
from markupsafe import Markup

from flexiti_checkout.money import AmountError, parse_amount
from flexiti_checkout.storefront.context import current_storefront, resolve_lang
from flexiti_checkout.storefront.plans import Plan, Storefront
from flexiti_checkout.texts import texts

BADGE_TEMPLATE = "flexiti_checkout/badge.html"


def is_available(amount: Any) -> bool:
    """Whether to offer Flexiti for ``amount``: cached, ``False`` when Flexiti is slow or down."""
    return current_storefront().is_available(amount)


def payment_plan(price: Any, lang: str | None = None) -> Plan | None:
    """The monthly plan for ``price`` in the shopper's language, or ``None``."""
    storefront = current_storefront()
    return storefront.payment_plan(price, resolve_lang(lang, storefront.default_lang))


def flexiti_badge(price: Any, lang: str | None = None, *, cost: bool = False) -> Markup:
    """A "pay monthly" badge for ``price``; empty for a price that is not a valid amount.

    ``cost=True`` (a checkout's badge) adds an interest-bearing plan's total cost of borrowing.
    A finished badge is reused for a few seconds (``recent``), per page, price and language.
    """
    storefront, page = _this_page()
    key = None
    if page is not None and type(price) in _KEYABLE and (lang is None or type(lang) is str):
        key = (page, type(price), price, lang, bool(cost))  # the type too: 1 and True are equal
        badge = storefront.recent_badges.get(key)
        if badge is not None:
            return badge
    try:
        amount = parse_amount(price, "price")
    except AmountError:
        return Markup("")
    chosen = resolve_lang(lang, storefront.default_lang)
    result = storefront.cached_plan(amount, chosen)
    if result is None or result.reason in ("unavailable", "pending"):
        state = "pending"  # flexiti.js asks again; the answer is on its way
    else:
        state = "ready" if result.plan is not None else "ineligible"
    template = current_app.jinja_env.get_or_select_template(BADGE_TEMPLATE)
    badge = Markup(  # noqa: S704 - rendered by an autoescaping template
        template.render(
            price=amount,
            lang=chosen,
            state=state,
            plan=result.plan if result is not None else None,
            cost=bool(cost),
            learn_more_url=url_for(
                "flexiti.learn_more", amount=str(amount), lang=chosen, return_to=_here()
            ),
            t=texts(chosen),
        )
    )
    if key is not None and result is not None and state != "pending":
        storefront.recent_badges.put(key, badge, result.fresh_until)
    return badge


def _this_page() -> tuple[Storefront, tuple[str, str, str] | None]:
    """The storefront, and what every badge of the page being rendered depends on besides its
    price (``None``: badges are rendered afresh), worked out once per request.

    That is the page (its learn-more link comes back to it) and the language the request chose.
    Outside a request, and with templates that reload (debug), nothing is reused.
    """
    known: tuple[Storefront, tuple[str, str, str] | None] | None = g.get(_PAGE_KEY)
    if known is None:
        storefront = current_storefront()
        page = None
        if has_request_context() and not current_app.jinja_env.auto_reload:
            default = resolve_lang(None, storefront.default_lang)
            page = (request.script_root, request.full_path, default)
        known = (storefront, page)
        setattr(g, _PAGE_KEY, known)
    return known


_KEYABLE = (str, int, Decimal)
_PAGE_KEY = "_flexiti_badge_page"


def _here() -> str | None:
    """The page being rendered, for learn-more's "return to the store" link."""
    if not has_request_context():
        return None
    return request.full_path.rstrip("?")


def flexiti_available(amount: Any) -> bool:
    """``{% if flexiti_available(cart.total) %}``: the gate, for templates."""
    return is_available(amount)


def flexiti_assets() -> Markup:
    """The badge stylesheet and ``flexiti.js``, pointed at this app's endpoints (for ``<head>``)."""
    css = url_for("flexiti.static", filename="flexiti_checkout/badges.css")
    script = url_for("flexiti.static", filename="flexiti_checkout/flexiti.js")
    endpoint = url_for("flexiti.calculator").rpartition("/")[0]
    return Markup(
        '<link rel="stylesheet" href="{}">\n'
        '<script src="{}" data-flexiti-endpoint="{}" defer></script>'
    ).format(css, script, endpoint)


def register_badges(app: Flask) -> None:
    """Make the storefront's Jinja globals available in every template of ``app``."""
    app.add_template_global(flexiti_available, "flexiti_available")
    app.add_template_global(flexiti_badge, "flexiti_badge")
    app.add_template_global(flexiti_assets, "flexiti_assets")
