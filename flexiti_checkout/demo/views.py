"""The demo shop's pages: catalogue, product, cart, checkout, outcome and a live orders page.

It is an ordinary Flask shop using the extension the way the README tells a merchant to: the
gate decides whether Flexiti is offered, badges show the monthly price, ``checkout`` starts the
flow, and the outcome pages read the order the extension settled.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from flexiti_checkout import (
    PROVINCES,
    FlexitiCheckout,
    InvalidCheckoutError,
    Order,
    OrderStatus,
    format_money,
    validate_checkout,
)
from flexiti_checkout.demo import catalogue
from flexiti_checkout.demo.texts import REFUND_STATUS_NAMES, SOURCE_NAMES, STATUS_NAMES, TEXT

CART_KEY = "demo_cart"
ORDER_KEY = "demo_order"
SAMPLE_CUSTOMER = {
    "first_name": "Sam",
    "last_name": "Sandbox",
    "email": "sam@example.com",
    "phone": "416-555-0199",
    "date_of_birth": "1985-04-12",
    "address_1": "123 Queen Street West",
    "city": "Toronto",
    "province": "ON",
    "postal_code": "M5H 2M9",
}


def demo_blueprint(flexiti: FlexitiCheckout) -> Blueprint:
    """The demo shop, mounted at ``/`` by the service in sandbox mode."""
    bp = Blueprint("demo", __name__)

    @bp.before_app_request
    def choose_language() -> None:
        # The extension reads g.flexiti_lang, so its pages and badges follow the shop's switch.
        g.flexiti_lang = _lang()

    @bp.app_context_processor
    def demo_context() -> dict[str, Any]:
        lang = _lang()
        return {"d": TEXT[lang], "lang": lang, "money": lambda amount: _money(amount, lang),
                "cart_count": sum(_cart().values())}  # fmt: skip

    @bp.app_errorhandler(404)
    @bp.app_errorhandler(405)
    def not_found(error: HTTPException) -> ResponseReturnValue:
        page = render_template("flexiti_checkout/demo/error.html", kind="not_found")
        return page, error.code or 404

    @bp.app_errorhandler(500)
    def server_error(error: Exception) -> ResponseReturnValue:
        return render_template("flexiti_checkout/demo/error.html", kind="server_error"), 500

    @bp.get("/favicon.ico")
    def favicon() -> ResponseReturnValue:
        return redirect(url_for("flexiti.static", filename="flexiti_checkout/favicon.svg"), 301)

    @bp.get("/")
    def home() -> str:
        return render_template("flexiti_checkout/demo/catalogue.html",
                               products=catalogue.PRODUCTS)  # fmt: skip

    @bp.get("/products/<slug>")
    def product(slug: str) -> str:
        found = catalogue.product(slug)
        if found is None:
            abort(404)
        return render_template("flexiti_checkout/demo/product.html", product=found)

    @bp.post("/cart")
    def add_to_cart() -> ResponseReturnValue:
        sku = request.form.get("sku", "")
        if catalogue.variant(sku) is None:
            abort(400, "Unknown product.")
        cart = _cart()
        cart[sku] = min(cart.get(sku, 0) + 1, 9)
        session[CART_KEY] = cart
        return redirect(url_for("demo.cart"), code=303)

    @bp.post("/cart/remove")
    def remove_from_cart() -> ResponseReturnValue:
        cart = _cart()
        cart.pop(request.form.get("sku", ""), None)
        session[CART_KEY] = cart
        return redirect(url_for("demo.cart"), code=303)

    @bp.get("/cart")
    def cart() -> str:
        lines, total = _lines()
        return render_template("flexiti_checkout/demo/cart.html", lines=lines, total=total)

    @bp.route("/checkout", methods=["GET", "POST"])
    def checkout() -> ResponseReturnValue:
        lines, total = _lines()
        if not lines:
            return redirect(url_for("demo.cart"), code=303)
        available = flexiti.is_available(total)
        form = dict(SAMPLE_CUSTOMER)
        errors: dict[str, list[str]] = {}
        if request.method == "POST":
            form.update({key: request.form.get(key, "").strip() for key in SAMPLE_CUSTOMER})
            if available:
                data = _checkout_request(flexiti, form, total)
                try:
                    validate_checkout(data)
                except InvalidCheckoutError as exc:
                    errors = exc.errors
                else:
                    if request.form.get("mode") == "redirect":
                        return flexiti.checkout(data, mode="redirect")
                    return flexiti.checkout(data, mode="modal")
        page = render_template("flexiti_checkout/demo/checkout.html", lines=lines, total=total,
                               available=available, form=form, errors=errors,
                               provinces=PROVINCES)  # fmt: skip
        return page, 400 if errors else 200

    @bp.get("/success")
    def success() -> str:
        order = _session_order(flexiti)
        if order is not None and order.status is OrderStatus.APPROVED:
            session.pop(CART_KEY, None)
            session.pop(ORDER_KEY, None)
        terms = flexiti.agreed_terms(order) if order is not None else None
        return render_template("flexiti_checkout/demo/result.html", order=order, success=True,
                               status_name=_status_name(order), terms=terms)  # fmt: skip

    @bp.get("/failure")
    def failure() -> str:
        order = _session_order(flexiti)
        return render_template("flexiti_checkout/demo/result.html", order=order, success=False,
                               status_name=_status_name(order))  # fmt: skip

    @bp.get("/orders")
    def orders() -> str:
        return render_template("flexiti_checkout/demo/orders.html", orders=_orders_view(flexiti))

    @bp.get("/orders/table")
    def orders_table() -> Response:
        """The orders table alone, which the orders page fetches every two seconds."""
        html = render_template(
            "flexiti_checkout/demo/orders_table.html", orders=_orders_view(flexiti)
        )
        return Response(html, headers={"Cache-Control": "no-store"})

    @bp.get("/orders.json")
    def orders_json() -> Response:
        response = jsonify(orders=_orders_view(flexiti))
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.get("/lang/<code>")
    def switch_language(code: str) -> ResponseReturnValue:
        session["demo_lang"] = "fr" if code == "fr" else "en"
        back = request.referrer or ""
        same_site = back.startswith(request.host_url)
        return redirect(back if same_site else url_for("demo.home"), code=303)

    return bp


def _lang() -> str:
    chosen = session.get("demo_lang")
    if chosen in ("en", "fr"):
        return str(chosen)
    best = request.accept_languages.best_match(["en", "fr"]) if request else None
    return best or "en"


def _money(amount: Decimal, lang: str) -> str:
    return format_money(amount, lang)


def _cart() -> dict[str, int]:
    raw = session.get(CART_KEY) or {}
    return {sku: int(qty) for sku, qty in raw.items() if catalogue.variant(sku) and int(qty) > 0}


def _lines() -> tuple[list[dict[str, Any]], Decimal]:
    lines = []
    total = Decimal("0.00")
    for sku, qty in _cart().items():
        found = catalogue.variant(sku)
        assert found is not None
        product, variant = found
        subtotal = variant.price * qty
        total += subtotal
        lines.append({"sku": sku, "product": product, "variant": variant, "qty": qty,
                      "subtotal": subtotal})  # fmt: skip
    return lines, total


def _checkout_request(
    flexiti: FlexitiCheckout, form: dict[str, str], total: Decimal
) -> dict[str, Any]:
    address = {
        "first_name": form["first_name"],
        "last_name": form["last_name"],
        "address_1": form["address_1"],
        "city": form["city"],
        "province": form["province"],
        "postal_code": form["postal_code"],
    }
    return {
        "merchant_order_id": _merchant_order_id(flexiti, total),
        "amount": str(total),
        "flow": "apply/buy",
        "lang": _lang(),
        "first_name": form["first_name"],
        "last_name": form["last_name"],
        "email": form["email"],
        "phone": form["phone"],
        "date_of_birth": form["date_of_birth"],
        "billing": address,
        "shipping": dict(address),
    }


def _merchant_order_id(flexiti: FlexitiCheckout, total: Decimal) -> str:
    """The cart's order id: reused while its Flexiti order is pending for this total."""
    remembered = session.get(ORDER_KEY) or {}
    order_id = remembered.get("id")
    if order_id and remembered.get("total") == str(total):
        order = flexiti.get_order(order_id)
        if order is None or order.status is OrderStatus.PENDING:
            return str(order_id)
    order_id = f"DEMO-{secrets.token_hex(3).upper()}"
    session[ORDER_KEY] = {"id": order_id, "total": str(total)}
    return order_id


def _session_order(flexiti: FlexitiCheckout) -> Order | None:
    """The order this browser started (the query string is not trusted to name one)."""
    remembered = session.get(ORDER_KEY) or {}
    order_id = remembered.get("id")
    return flexiti.get_order(order_id) if order_id else None


def _status_name(order: Order | None) -> str:
    if order is None:
        return ""
    return STATUS_NAMES[_lang()].get(order.status.value, order.status.value)


def _orders_view(flexiti: FlexitiCheckout) -> list[dict[str, Any]]:
    lang = _lang()
    view = []
    for order in flexiti.orders(limit=100):
        refunds = flexiti.refunds(order.merchant_order_id)
        live = sum((r.amount for r in refunds if r.is_live), Decimal(0))
        view.append({
            "merchant_order_id": order.merchant_order_id,
            "status": order.status.value,
            "status_name": STATUS_NAMES[lang].get(order.status.value, order.status.value),
            "amount": _money(order.amount, lang),
            "history": [
                {"at": event.at.isoformat(timespec="seconds"), "status": event.to_status.value,
                 "status_name": STATUS_NAMES[lang].get(event.to_status.value, ""),
                 "source": SOURCE_NAMES[lang].get(event.source, event.source)}
                for event in flexiti.order_history(order)
            ],
            "refunds": [
                {"id": refund.id, "amount": _money(refund.amount, lang),
                 "status": refund.status.value,
                 "status_name": REFUND_STATUS_NAMES[lang][refund.status.value],
                 "reason": refund.reason}
                for refund in refunds
            ],
            "refundable": _money(max(order.amount - live, Decimal(0)), lang) if refunds else "",
        })  # fmt: skip
    return view
