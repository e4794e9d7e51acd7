"""The admin console's pages: sign-in, the orders list, one order, and its actions."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue

from flexiti_checkout.models import Order, OrderStatus
from flexiti_checkout.storefront.context import resolve_lang
from flexiti_checkout.web.admin.access import SESSION_KEY, AdminConsole, csrf_ok, csrf_token
from flexiti_checkout.web.admin.texts import admin_texts, status_names
from flexiti_checkout.web.state import FlexitiState, flexiti_state

PAGE_SIZE = 50
_LANG_KEY = "flexiti_admin_lang"
_OPEN = ("sign_in", "sign_out")


@dataclass(frozen=True)
class Action:
    """Something staff may do to an order, shown as a form when ``available`` says so."""

    label: str  # a key of the console's texts
    question: str  # the confirmation, a key of the texts taking {order}
    available: Callable[[Order], bool]
    run: Callable[[FlexitiState, Order, str], str]  # (state, order, actor) -> outcome


def _recheck(state: FlexitiState, order: Order, actor: str) -> str:
    result = state.orders.refresh_order(order, source="admin", force=True)
    if result.error is not None:
        return f"Flexiti could not be asked ({type(result.error).__name__}); still {order.status}"
    return f"now {result.order.status}" if result.changed else f"still {result.order.status}"


ACTIONS: dict[str, Action] = {
    "recheck": Action(
        "recheck", "recheck_confirm", lambda order: order.status is OrderStatus.PENDING, _recheck
    ),
}


def make_admin_blueprint() -> Blueprint:
    """The ``flexiti_admin`` blueprint (registered under ``{prefix}/admin``)."""
    bp = Blueprint("flexiti_admin", __name__)
    bp.before_request(_let_in)
    bp.after_request(_no_caching)
    bp.add_url_rule("/", view_func=orders, endpoint="orders")
    bp.add_url_rule("/orders/<path:merchant_order_id>", view_func=order, endpoint="order")
    bp.add_url_rule(
        "/orders/<path:merchant_order_id>/actions/<name>",
        view_func=act,
        endpoint="act",
        methods=["POST"],
    )
    bp.add_url_rule("/sign-in", view_func=sign_in, endpoint="sign_in", methods=["GET", "POST"])
    bp.add_url_rule("/sign-out", view_func=sign_out, endpoint="sign_out", methods=["POST"])
    return bp


def _console() -> AdminConsole:
    console = flexiti_state().admin
    if console is None:  # pragma: no cover - the blueprint is only registered with a console
        abort(404)
    return console


def _let_in() -> ResponseReturnValue | None:
    if request.args.get("lang"):
        session[_LANG_KEY] = resolve_lang(request.args["lang"])
    g.flexiti_admin_lang = resolve_lang(session.get(_LANG_KEY))
    if request.method == "POST" and not csrf_ok(request.form.get("csrf_token")):
        flash(admin_texts(g.flexiti_admin_lang)["bad_form"])
        return redirect(request.referrer or url_for("flexiti_admin.orders"), code=303)
    if request.endpoint and request.endpoint.removeprefix("flexiti_admin.") in _OPEN:
        return None
    console = _console()
    actor = console.actor()
    if actor is None:
        if console.keys:
            return redirect(url_for("flexiti_admin.sign_in", next=request.full_path))
        abort(403)
    g.flexiti_admin_actor = actor
    return None


def _no_caching(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _page(template: str, code: int = 200, **context: Any) -> Response:
    lang = g.flexiti_admin_lang
    other = "en" if lang == "fr" else "fr"
    if request.method == "GET" and request.endpoint:
        here = {**request.args.to_dict(), **(request.view_args or {}), "lang": other}
        language_url = url_for(request.endpoint, **here)
    else:
        language_url = url_for("flexiti_admin.orders", lang=other)
    html = render_template(
        f"flexiti_checkout/admin/{template}",
        t=admin_texts(lang),
        status_names=status_names(lang),
        lang=lang,
        other_lang=other,
        language_url=language_url,
        actor=g.get("flexiti_admin_actor"),
        signed_in_with_key=SESSION_KEY in session,
        csrf_token=csrf_token(),
        **context,
    )
    return Response(html, status=code)


# -- the pages ------------------------------------------------------------------------------


def orders() -> ResponseReturnValue:
    """Orders, newest first, by status and order number, 50 a page."""
    status = request.args.get("status") or None
    chosen = OrderStatus(status) if status in {s.value for s in OrderStatus} else None
    text = " ".join(request.args.get("q", "").split())[:64]
    page = max(1, _whole(request.args.get("page"), 1))
    found, total = flexiti_state().store.search_orders(
        status=chosen, text=text, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    pages = max(1, math.ceil(total / PAGE_SIZE))
    return _page(
        "orders.html",
        orders=found,
        total=total,
        page=page,
        pages=pages,
        status=chosen.value if chosen else "",
        q=text,
        statuses=[s.value for s in OrderStatus],
    )


def order(merchant_order_id: str) -> ResponseReturnValue:
    """One order: what Flexiti granted, its history, staff actions and what may be done now."""
    state = flexiti_state()
    found = state.store.get_order(merchant_order_id)
    if found is None:
        t = admin_texts(g.flexiti_admin_lang)
        return _page("missing.html", 404, message=t["not_found"].format(order=merchant_order_id))
    details = {key: value for key, value in found.details.items() if key != "address_match"}
    return _page(
        "order.html",
        order=found,
        details=details,
        address_match=found.details.get("address_match") or {},
        history=state.store.history(found),
        audit=_console().audit.for_order(merchant_order_id),
        actions=[name for name, action in ACTIONS.items() if action.available(found)],
    )


def act(merchant_order_id: str, name: str) -> ResponseReturnValue:
    """An action: first a confirmation page, then (``confirm=yes``) the action, recorded."""
    state = flexiti_state()
    action = ACTIONS.get(name)
    found = state.store.get_order(merchant_order_id)
    if action is None or found is None:
        abort(404)
    t = admin_texts(g.flexiti_admin_lang)
    if not action.available(found):
        flash(t["no_actions"])
        return redirect(url_for("flexiti_admin.order", merchant_order_id=merchant_order_id), 303)
    if request.form.get("confirm") != "yes":
        question = t[action.question].format(order=merchant_order_id)
        return _page("confirm.html", order=found, action=name, question=question)
    actor = g.flexiti_admin_actor
    outcome = action.run(state, found, actor)
    _console().audit.record(
        actor=actor, action=name, merchant_order_id=merchant_order_id, outcome=outcome
    )
    flash(t["done"].format(outcome=outcome))
    return redirect(url_for("flexiti_admin.order", merchant_order_id=merchant_order_id), 303)


def sign_in() -> ResponseReturnValue:
    """Staff sign in with one of ``FLEXITI_ADMIN_KEYS``; failures are limited per address."""
    console = _console()
    t = admin_texts(g.flexiti_admin_lang)
    if not console.keys:
        abort(404)
    address = request.remote_addr or "unknown"
    if request.method == "GET":
        if console.actor() is not None:
            return redirect(url_for("flexiti_admin.orders"))
        return _page("sign_in.html", error=None)
    wait = console.limiter.retry_after(address)
    if wait:
        response = _page("sign_in.html", 429, error=t["too_many"].format(seconds=wait))
        response.headers["Retry-After"] = str(wait)
        return response
    if not console.sign_in(request.form.get("key", ""), request.form.get("name", "")):
        console.limiter.failed(address)
        return _page("sign_in.html", 401, error=t["bad_key"])
    target = request.args.get("next", "")
    prefix = url_for("flexiti_admin.orders")
    return redirect(target if target.startswith(prefix) else prefix, code=303)


def sign_out() -> ResponseReturnValue:
    session.pop(SESSION_KEY, None)
    return redirect(url_for("flexiti_admin.sign_in"), code=303)


def _whole(value: str | None, default: int) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default
