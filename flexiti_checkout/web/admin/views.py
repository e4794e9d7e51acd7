"""The admin console's pages: sign-in, what needs attention, the export, the orders list, one
order, and its actions."""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from flexiti_checkout.errors import ConfigurationError, FlexitiError
from flexiti_checkout.models import OrderStatus, utc
from flexiti_checkout.store.claims import CLAIM_KEY, claim_of
from flexiti_checkout.store.order_list import Cursor, search_orders
from flexiti_checkout.store.refunds import refundable
from flexiti_checkout.storefront.context import resolve_lang
from flexiti_checkout.web.admin.access import (
    SESSION_KEY,
    AdminConsole,
    back_within,
    csrf_ok,
    csrf_token,
)
from flexiti_checkout.web.admin.actions import (
    ACTIONS,
    Outcome,
    failed,
    offered,
    unknown_refunds,
    whole,
)
from flexiti_checkout.web.admin.attention import attention, review_reason
from flexiti_checkout.web.admin.export import KINDS, MAX_DAYS, PeriodError, export_csv, period
from flexiti_checkout.web.admin.present import Presenter
from flexiti_checkout.web.admin.texts import admin_texts, status_names
from flexiti_checkout.web.doctor import Options, diagnose, parse_flows
from flexiti_checkout.web.headers import security_headers
from flexiti_checkout.web.settings.values import format_duration
from flexiti_checkout.web.state import flexiti_state

PAGE_SIZE = 50
_LANG_KEY = "flexiti_admin_lang"
_OPEN = ("sign_in", "sign_out")


def make_admin_blueprint() -> Blueprint:
    """The ``flexiti_admin`` blueprint (registered under ``{prefix}/admin``)."""
    bp = Blueprint("flexiti_admin", __name__)
    bp.before_request(_let_in)
    bp.after_request(_no_caching)
    bp.add_url_rule("/", view_func=home, endpoint="home")
    bp.add_url_rule("/orders", view_func=orders, endpoint="orders")
    bp.add_url_rule("/export/<kind>.csv", view_func=export, endpoint="export")
    bp.add_url_rule("/orders/<path:merchant_order_id>", view_func=order, endpoint="order")
    bp.add_url_rule(
        "/orders/<path:merchant_order_id>/actions/<name>",
        view_func=act,
        endpoint="act",
        methods=["POST"],
    )
    bp.add_url_rule("/doctor", view_func=doctor, endpoint="doctor")
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
        home = url_for("flexiti_admin.home")
        back = back_within(home, request.referrer, request.host_url)
        return redirect(back or home, code=303)
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
    return security_headers(response)


def _page(template: str, code: int = 200, **context: Any) -> Response:
    lang = g.flexiti_admin_lang
    other = "en" if lang == "fr" else "fr"
    if request.method == "GET" and request.endpoint:
        here = {**request.args.to_dict(), **(request.view_args or {}), "lang": other}
        language_url = url_for(request.endpoint, **here)
    else:
        language_url = url_for("flexiti_admin.home", lang=other)
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
        show=_presenter(),
        **context,
    )
    return Response(html, status=code)


def _presenter() -> Presenter:
    return Presenter(g.flexiti_admin_lang, flexiti_state().settings.time_zone)


# -- the pages ------------------------------------------------------------------------------


def home() -> ResponseReturnValue:
    """What needs a person now, with counts, and the export for accounting."""
    state = flexiti_state()
    today = datetime.now(ZoneInfo(state.settings.time_zone)).date()
    return _page(
        "home.html",
        attention=attention(state),
        pending_wait=format_duration(state.settings.pending_attention),
        export_from=today.replace(day=1).isoformat(),
        export_to=today.isoformat(),
    )


def export(kind: str) -> ResponseReturnValue:
    """Orders or refunds made from ``?from=`` to ``?to=`` (the store's days), as CSV."""
    if kind not in KINDS:
        abort(404)
    zone = flexiti_state().settings.time_zone
    first, last = request.args.get("from"), request.args.get("to")
    try:
        start, end = period(first, last, zone)
    except PeriodError:
        flash(admin_texts(g.flexiti_admin_lang)["bad_dates"].format(days=MAX_DAYS), "error")
        return redirect(url_for("flexiti_admin.home"), code=303)
    rows = export_csv(flexiti_state().store, kind, start, end, zone)
    name = f"flexiti-{kind}-{first}-to-{last}.csv"
    return Response(
        stream_with_context(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def orders() -> ResponseReturnValue:
    """Orders, newest first, by status and order number, 50 a page (pages by keyset)."""
    status = request.args.get("status") or None
    chosen = OrderStatus(status) if status in {s.value for s in OrderStatus} else None
    text = " ".join(request.args.get("q", "").split())[:64]
    older, newer = Cursor.parse(request.args.get("older")), Cursor.parse(request.args.get("newer"))
    # The page's number is only shown: the cursors say where it is.
    page = max(1, whole(request.args.get("page"), 1)) if older or newer else 1
    found = search_orders(
        flexiti_state().store,
        status=chosen,
        text=text,
        older_than=older,
        newer_than=newer,
        limit=PAGE_SIZE,
    )
    pages = max(1, math.ceil(found.total / PAGE_SIZE))
    more = "+" if found.capped else ""
    return _page(
        "orders.html",
        orders=found.orders,
        total=_number(found.total, g.flexiti_admin_lang) + more,
        page=page,
        pages=f"{max(page, pages)}{more}",
        older=found.older,
        newer=found.newer,
        status=chosen.value if chosen else "",
        q=text,
        statuses=[s.value for s in OrderStatus],
    )


def _number(value: int, lang: str) -> str:
    """A count as people read it: 10,000 in English, 10 000 in French."""
    return f"{value:,}".replace(",", "\u202f" if lang == "fr" else ",")


def order(merchant_order_id: str) -> ResponseReturnValue:
    """One order: what Flexiti granted, its history, staff actions and what may be done now."""
    state = flexiti_state()
    found = state.store.get_order(merchant_order_id)
    if found is None:
        t = admin_texts(g.flexiti_admin_lang)
        return _page("missing.html", 404, message=t["not_found"].format(order=merchant_order_id))
    hidden = ("address_match", "name_key", CLAIM_KEY)
    details = {k: v for k, v in found.details.items() if k not in hidden}
    refunds = state.refunds.refunds.for_order(merchant_order_id)
    history = state.store.history(found)
    actions, cancellable = offered(state, found)
    under_way = claim_of(found, state.store.clock())
    return _page(
        "order.html",
        order=found,
        details=details,
        address_match=found.details.get("address_match") or {},
        history=history,
        review_reason=review_reason(history) if found.status is OrderStatus.NEEDS_REVIEW else "",
        audit=_console().audit.for_order(merchant_order_id),
        actions=actions,
        cancellable=cancellable.value,
        refunds=refunds,
        refundable=refundable(found, refunds),
        under_way=under_way,
        under_way_since=utc(under_way.since) if under_way is not None else None,
    )


def act(merchant_order_id: str, name: str) -> ResponseReturnValue:
    """An action: first a confirmation page, then (``confirm=yes``) the action, recorded."""
    state = flexiti_state()
    action = ACTIONS.get(name)
    found = state.store.get_order(merchant_order_id)
    if action is None or found is None:
        abort(404)
    t = admin_texts(g.flexiti_admin_lang)
    if not action.available(state, found):
        flash(t["no_actions"])
        return redirect(url_for("flexiti_admin.order", merchant_order_id=merchant_order_id), 303)
    if request.form.get("confirm") != "yes":
        question = t[action.question].format(order=merchant_order_id)
        refunds = state.refunds.refunds.for_order(merchant_order_id)
        return _page(
            action.form, order=found, action=name, question=question,
            key=f"admin-{uuid.uuid4()}",  # one refund however often this page is submitted
            refundable=refundable(found, refunds), unknown=unknown_refunds(state, found),
        )  # fmt: skip
    actor = g.flexiti_admin_actor
    try:
        outcome = action.run(state, found, actor, request.form)
    except FlexitiError as exc:  # refused (by the order's state or by Flexiti) or failed
        outcome = failed(name, exc)
    _flash_outcome(outcome)
    _console().audit.record(
        actor=actor, action=name, merchant_order_id=merchant_order_id, outcome=outcome.text
    )
    return redirect(url_for("flexiti_admin.order", merchant_order_id=merchant_order_id), 303)


def _flash_outcome(outcome: Outcome) -> None:
    """Done in green; not done in red, with what to do next and the reference id to quote."""
    t, show = admin_texts(g.flexiti_admin_lang), _presenter()
    if outcome.in_progress:
        flash(Markup(t["in_progress"]).format(outcome=show.say(outcome.text)))  # noqa: S704
        return
    if outcome.ok:
        flash(Markup(t["done"]).format(outcome=show.say(outcome.text)))  # noqa: S704 - our text
        return
    message = Markup(t["not_done"]).format(outcome=show.say(outcome.text))  # noqa: S704
    if outcome.todo:
        message += Markup(" <strong>{}</strong> {}").format(t["what_to_do"], t[outcome.todo])
    if outcome.reference_id:
        message += Markup(" ({}: <code>{}</code>)").format(t["reference"], outcome.reference_id)
    flash(message, "error")


def doctor() -> ResponseReturnValue:
    """The go-live checklist as JSON, for staff only (``flask flexiti doctor`` prints the same).
    ``?url=`` is the shop's public origin (default: the origin this page was asked on), and each
    ``?flow=`` a flow the shop starts."""
    try:
        flows = parse_flows(request.args.getlist("flow"))
    except ConfigurationError as exc:
        return jsonify({"error": exc.message}), 400
    public_url = request.args.get("url") or request.host_url
    checks = diagnose(current_app._get_current_object(), Options(public_url, flows))  # type: ignore[attr-defined]
    ok = all(check.ok for check in checks)
    return jsonify({"ok": ok, "checks": [check.as_dict() for check in checks]}), 200 if ok else 503


def sign_in() -> ResponseReturnValue:
    """Staff sign in with one of ``FLEXITI_ADMIN_KEYS``; wrong keys are limited per address and
    per key tried, across workers and hosts (the right key always signs in)."""
    console = _console()
    t = admin_texts(g.flexiti_admin_lang)
    if not console.keys:
        abort(404)
    address = request.remote_addr or "unknown"
    if request.method == "GET":
        if console.actor() is not None:
            return redirect(url_for("flexiti_admin.home"))
        return _page("sign_in.html", error=None)
    if not console.sign_in(request.form.get("key", ""), request.form.get("name", "")):
        wait = console.wrong_attempt(address, request.form.get("key", ""))
        if wait:
            response = _page("sign_in.html", 429, error=t["too_many"].format(seconds=wait))
            response.headers["Retry-After"] = str(wait)
            return response
        return _page("sign_in.html", 401, error=t["bad_key"])
    target = request.args.get("next", "")
    prefix = url_for("flexiti_admin.home")
    return redirect(target if target.startswith(prefix) else prefix, code=303)


def sign_out() -> ResponseReturnValue:
    _console().sign_out()
    return redirect(url_for("flexiti_admin.sign_in"), code=303)
