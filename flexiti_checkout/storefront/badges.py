"""The storefront in templates and Python: the gate, the badges and the script that fills them.

A badge never waits for Flexiti: it renders from the cache when the answer is known and as a
placeholder of the same size otherwise (``flexiti.js`` fills it in, and the answer it asks for is
already being fetched). The gate, by contrast, waits up to the request's budget: a cart needs a
yes or no.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_request_context, request, url_for
from markupsafe import Markup

from flexiti_checkout.money import AmountError, parse_amount
from flexiti_checkout.storefront.context import current_storefront, resolve_lang
from flexiti_checkout.storefront.plans import Plan
from flexiti_checkout.texts import texts

BADGE_TEMPLATE = "flexiti_checkout/badge.html"


def is_available(amount: Any) -> bool:
    """Whether to offer Flexiti for ``amount``: cached, ``False`` when Flexiti is slow or down."""
    return current_storefront().is_available(amount)


def payment_plan(price: Any, lang: str | None = None) -> Plan | None:
    """The monthly plan for ``price`` in the shopper's language, or ``None``."""
    storefront = current_storefront()
    return storefront.payment_plan(price, resolve_lang(lang, storefront.default_lang))


def flexiti_badge(price: Any, lang: str | None = None) -> Markup:
    """A "pay monthly" badge for ``price``; empty for a price that is not a valid amount."""
    try:
        amount = parse_amount(price, "price")
    except AmountError:
        return Markup("")
    storefront = current_storefront()
    lang = resolve_lang(lang, storefront.default_lang)
    result = storefront.cached_plan(amount, lang)
    if result is None or result.reason == "unavailable":
        state = "pending"  # flexiti.js asks again; the answer is on its way
    else:
        state = "ready" if result.plan is not None else "ineligible"
    template = current_app.jinja_env.get_or_select_template(BADGE_TEMPLATE)
    return Markup(  # noqa: S704 - rendered by an autoescaping template
        template.render(
            price=amount,
            lang=lang,
            state=state,
            plan=result.plan if result is not None else None,
            learn_more_url=url_for(
                "flexiti.learn_more", amount=str(amount), lang=lang, return_to=_here()
            ),
            t=texts(lang),
        )
    )


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
