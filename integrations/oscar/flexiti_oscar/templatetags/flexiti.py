"""``{% load flexiti %}``: the service's badges on any page, and the dashboard's Flexiti panel."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from flexiti_oscar.service import FlexitiService, ServiceError
from flexiti_oscar.views import RefundForm

register = template.Library()

#: The service's order statuses, as staff read them.
STATUS_LABELS = {
    "pending": _("Waiting for the customer"),
    "approved": _("Approved"),
    "needs_review": _("Needs review at Flexiti"),
    "partially_refunded": _("Partially refunded"),
    "refunded": _("Refunded"),
    "cancelled": _("Cancelled"),
    "declined": _("Declined"),
    "expired": _("Expired"),
}


def _public_url() -> str:
    """The service as browsers reach it (``FLEXITI_PUBLIC_URL``, else ``FLEXITI_SERVICE_URL``)."""
    return str(getattr(settings, "FLEXITI_PUBLIC_URL", settings.FLEXITI_SERVICE_URL)).rstrip("/")


@register.simple_tag
def flexiti_assets() -> str:
    """The service's badge stylesheet and ``flexiti.js`` (badges and the checkout dialog)."""
    url = _public_url()
    return format_html(
        '<link rel="stylesheet" href="{0}/static/flexiti_checkout/badges.css">'
        '<script src="{0}/static/flexiti_checkout/flexiti.js" data-flexiti-endpoint="{0}" '
        "defer></script>",
        url,
    )


@register.simple_tag
def flexiti_badge(price: Any, cost: bool = False) -> str:
    """A "pay monthly" badge for ``price`` (a ``Decimal``), filled in by ``flexiti.js``;
    ``cost=True`` (at checkout) adds an interest-bearing plan's total cost of borrowing."""
    if not isinstance(price, Decimal):
        return ""
    if cost:
        badge = '<span class="flexiti-badge" data-flexiti-price="{}" data-flexiti-cost></span>'
    else:
        badge = '<span class="flexiti-badge" data-flexiti-price="{}"></span>'
    return format_html(badge, f"{price:.2f}")


@register.simple_tag
def flexiti_order(order: Any) -> dict[str, Any] | None:
    """For the dashboard: the service's view of a Flexiti order and a fresh refund form."""
    checkout = getattr(order, "flexiti", None)
    if checkout is None:
        return None
    try:
        found: dict[str, Any] | None = FlexitiService.from_settings().order(order.number)
    except ServiceError:
        found = None  # the panel says the service did not answer
    status = (found or {}).get("status", "")
    return {"checkout": checkout, "service": found, "form": RefundForm.fresh(),
            "status": STATUS_LABELS.get(status, status)}  # fmt: skip
