"""The sandbox's home page: what to point a client at, and a way to try the hosted flow at once.

``make demo`` prints the sandbox's URL; whoever opens it should see the base URLs and
credentials, the plans, the orders so far, and a button that starts a flow without writing code.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from flexiti_checkout.money import format_money
from flexiti_checkout.sandbox.hosted import TEMPLATES, page_context
from flexiti_checkout.sandbox.online import ONLINE_API_PREFIX
from flexiti_checkout.sandbox.pos.login import POS_API_PREFIX
from flexiti_checkout.sandbox.state import get_state
from flexiti_checkout.sandbox.validation import parse_amount

bp = Blueprint("sandbox_home", __name__)

TRY_FLOWS = ("buy", "apply", "apply/buy")
SAMPLE_ADDRESS = {
    "first_name": "Sam",
    "last_name": "Sandbox",
    "address_1": "123 Any Street",
    "address_2": "",
    "city": "Toronto",
    "province": "ON",
    "postal_code": "M5V2T6",
}


@bp.get("/")
def home() -> ResponseReturnValue:
    """Base URLs, credentials, plans, recent orders and the "try it" form."""
    return _home_page()


@bp.post("/sandbox/try")
def try_flow() -> ResponseReturnValue:
    """Open an order as a shop's widget init would, and go straight to its hosted page."""
    state = get_state()
    settings = state.settings
    amount, _ = parse_amount(request.form.get("amount"))
    flow = request.form.get("flow", "buy")
    if flow not in TRY_FLOWS:
        return _home_page("Choose buy, apply or apply/buy."), 400
    if amount is None or not settings.in_range(amount):
        low = format_money(settings.min_amount, "en")
        high = format_money(settings.max_amount, "en")
        return _home_page(f"Enter an amount from {low} to {high}."), 400
    lang = "fr" if request.form.get("lang") == "fr" else "en"
    details: dict[str, Any] = {"flow": flow, "lang": f"{lang}-CA", "amount_requested": str(amount)}
    if flow != "apply":
        details["billing_information"] = dict(SAMPLE_ADDRESS)
        details["shipping_information"] = dict(SAMPLE_ADDRESS)
    order = state.orders.create(
        flow=flow,
        lang=lang,
        amount=amount,
        merchant_orderid=f"TRY-{len(state.orders.all()) + 1}",
        client_id=settings.client_id,
        details=details,
        now=state.clock(),
    )
    return redirect(url_for("sandbox_hosted.flow", token=order.flow_token), code=303)


def _home_page(error: str | None = None) -> str:
    state = get_state()
    settings = state.settings
    root = request.url_root.rstrip("/")
    orders = sorted(state.orders.all(), key=lambda o: o.online_order_id, reverse=True)[:20]
    return render_template(
        f"{TEMPLATES}/home.html",
        **page_context("en"),
        error=error,
        online_api_url=root + ONLINE_API_PREFIX,
        pos_api_url=root + POS_API_PREFIX,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        plans=[
            (f"{plan.plan_id}: {plan.label('en')}", format_money(plan.min_amount, "en"))
            for plan in settings.plans
        ],
        max_amount=format_money(settings.max_amount, "en"),
        orders=[
            {
                "id": order.online_order_id,
                "merchant_orderid": order.merchant_orderid or "",
                "flow": order.flow,
                "amount": format_money(order.amount, "en"),
                "status": order.status,
                "url": url_for("sandbox_hosted.flow", token=order.flow_token),
            }
            for order in orders
        ],
    )
