"""The ``flexiti`` blueprint's routes: thin, each handing off to the order service.

The customer's return and Flexiti's callback only trigger a refresh of the order; what the
customer sees next depends on the order's status after that refresh, never on the request.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import (
    Blueprint,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError

from flexiti_checkout._json import loads
from flexiti_checkout._urls import origin_text
from flexiti_checkout.http_errors import FlexitiHTTPError, error_details, error_headers
from flexiti_checkout.lifecycle.redact import SECRET_KEYS, extract_identifiers, normalise_key
from flexiti_checkout.lifecycle.starts import checkout_session
from flexiti_checkout.models import CheckoutSession, Order, OrderStatus
from flexiti_checkout.storefront import views as storefront_views
from flexiti_checkout.storefront.context import resolve_lang
from flexiti_checkout.storefront.origins import embedding_origin
from flexiti_checkout.storefront.terms import agreed_terms
from flexiti_checkout.texts import texts
from flexiti_checkout.web.blueprint import bare_blueprint
from flexiti_checkout.web.headers import security_headers
from flexiti_checkout.web.health import healthz
from flexiti_checkout.web.metrics import metrics
from flexiti_checkout.web.signing import BadTokenError
from flexiti_checkout.web.state import RETURN_SESSION_KEY, FlexitiState, flexiti_state

log = logging.getLogger(__name__)

FAILED = (OrderStatus.DECLINED, OrderStatus.CANCELLED, OrderStatus.EXPIRED, OrderStatus.ERROR)


def flexiti_blueprint() -> Blueprint:
    """The ``flexiti`` blueprint with every route of the extension."""
    bp = bare_blueprint()
    bp.add_url_rule("/return/success", view_func=return_success)
    bp.add_url_rule("/return/error", view_func=return_error)
    bp.add_url_rule("/status", view_func=status)
    bp.add_url_rule("/outcome", view_func=outcome)
    bp.add_url_rule("/modal/<token>", view_func=modal)
    bp.add_url_rule("/callback", view_func=callback, methods=["GET", "POST"])
    bp.add_url_rule("/callback/<secret>", view_func=callback, methods=["GET", "POST"])
    bp.add_url_rule("/healthz", view_func=healthz)
    bp.add_url_rule("/metrics", view_func=metrics)
    storefront_views.register(bp)  # availability, calculator, learn-more
    bp.after_request(security_headers)
    bp.app_errorhandler(FlexitiHTTPError)(render_http_error)
    bp.register_error_handler(404, render_not_found)
    bp.register_error_handler(410, render_not_found)
    return bp


# -- the customer's way back -----------------------------------------------------------------


def return_success() -> ResponseReturnValue:
    """Flexiti's "success redirection URL": refresh the order, then show what it became."""
    return _customer_return(failed=False)


def return_error() -> ResponseReturnValue:
    """Flexiti's "error redirection URL" (declined or cancelled): refresh, then move on."""
    return _customer_return(failed=True)


def _customer_return(*, failed: bool) -> ResponseReturnValue:
    if request.headers.get("Sec-Fetch-Dest") == "iframe":
        # Reached inside the modal's frame: reload this URL in the top window instead.
        top = _without_secrets(request.url)
        return render_template("flexiti_checkout/breakout.html", target=top, t=texts(None))
    state = flexiti_state()
    merchant_order_id = _session_order_id()
    hinted = extract_identifiers(request.args.to_dict())
    if merchant_order_id is None:
        # No session (another browser, cookies blocked): the query string is only a hint.
        _refresh_hinted(state, hinted)
        return _unknown_outcome()
    named = hinted.get("merchant_order_id")
    if named is not None and named != merchant_order_id:
        log.warning("A return named order %s, but the session's order is %s; using the session's",
                    named, merchant_order_id)  # fmt: skip
    result = state.orders.refresh(
        merchant_order_id, source="return", budget=state.settings.request_budget
    )
    if result is None:
        return _unknown_outcome()
    order = result.order
    target = next_url(order)
    if target is None and failed:
        # The customer left through the error URL; the order settles when Flexiti says so.
        target = _endpoint_url(state.settings.failure_endpoint, order)
    if target is not None:
        return redirect(target, code=303)
    return render_template(
        "flexiti_checkout/confirming.html",
        t=texts(order.lang),
        lang=order.lang,
        status_url=url_for("flexiti.status"),
    )


def _without_secrets(url: str) -> str:
    """``url`` without the query parameters that are secrets (Flexiti's ``auth_token``)."""
    parts = urlsplit(url)
    kept = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if normalise_key(key) not in SECRET_KEYS
    ]
    return urlunsplit(parts._replace(query=urlencode(kept)))


def status() -> ResponseReturnValue:
    """The session's order status for the confirming page's poll; refreshes a pending order."""
    state = flexiti_state()
    merchant_order_id = _session_order_id()
    if merchant_order_id is None:
        return jsonify(error="no_order", message="No Flexiti checkout in this session."), 404
    result = state.orders.refresh(
        merchant_order_id, source="return", budget=state.settings.request_budget
    )
    if result is None:
        return jsonify(error="no_order", message="No Flexiti checkout in this session."), 404
    response = jsonify(status=result.order.status.value, next_url=next_url(result.order))
    response.headers["Cache-Control"] = "no-store"
    return response


def outcome() -> ResponseReturnValue:
    """The built-in page for a settled order, used when the shop set no endpoint of its own."""
    merchant_order_id = _session_order_id()
    order = flexiti_state().store.get_order(merchant_order_id) if merchant_order_id else None
    if order is None:
        return _unknown_outcome()
    pending = order.status is OrderStatus.PENDING  # the customer left before Flexiti decided
    return render_template(
        "flexiti_checkout/outcome.html",
        status=order.status.value,
        t=texts(order.lang),
        lang=order.lang,
        order=order,
        terms=agreed_terms(order.details, flexiti_state().settings.plans),
        retry_url=modal_urls(order.merchant_order_id)["modal_url"] if pending else None,
    )


def modal(token: str) -> ResponseReturnValue:
    """The modal page of a checkout, by signed token (``modal_url``).

    ``?mode=redirect`` sends the browser on to Flexiti's page instead; ``?mode=return&outcome=``
    is where the dialog over a shop's page sends it once Flexiti has answered (``success`` or
    ``error``); ``?embed=1&origin=`` is the frame that dialog shows. Each time the customer's
    session learns its order first, so their return finds it, unless the session already has a
    checkout of its own in progress: a link is all it takes to open this page, and a stranger's
    link must not swap the visitor's order for the stranger's.
    """
    state = flexiti_state()
    try:
        data = state.modal_signer.loads(token, max_age=state.settings.pending_expiry)
    except BadTokenError as exc:
        abort(410 if exc.expired else 404)
    order = state.store.get_order(str(data.get("m", "")))
    if order is None:
        abort(404)
    if not _busy_with_another_order(state, order):
        session[RETURN_SESSION_KEY] = state.return_signer.dumps({"m": order.merchant_order_id})
    mode = request.args.get("mode")
    if mode == "return":
        failed = request.args.get("outcome") != "success"
        return redirect(url_for("flexiti.return_error" if failed else "flexiti.return_success"))
    if order.status is not OrderStatus.PENDING:
        return redirect(next_url(order) or url_for("flexiti.outcome"), code=303)
    if mode == "redirect":
        return redirect(checkout_session(order).redirection_url, code=303)
    context = modal_context(checkout_session(order))
    parent_origin = embedding_origin(request.args.get("origin", ""))
    if request.args.get("embed") == "1" and parent_origin:
        context["parent_origin"] = parent_origin
        context["full_page_url"] = url_for("flexiti.modal", token=token, mode="redirect")
    return render_template("flexiti_checkout/modal.html", **context)


def _busy_with_another_order(state: FlexitiState, order: Order) -> bool:
    """Whether this browser's session holds another order that is still starting or pending."""
    current = _session_order_id()
    if current is None or current == order.merchant_order_id:
        return False
    held = state.store.get_order(current)
    return held is not None and held.status in (OrderStatus.CREATED, OrderStatus.PENDING)


def _unknown_outcome() -> str:
    """The neutral page for a return we cannot tie to an order: it reveals nothing."""
    return render_template("flexiti_checkout/outcome.html", status="unknown", t=texts(None))


def next_url(order: Order) -> str | None:
    """Where a customer goes once ``order`` has an outcome; ``None`` while it is pending."""
    settings = flexiti_state().settings
    if order.status is OrderStatus.APPROVED:
        return _endpoint_url(settings.success_endpoint, order)
    if order.status in FAILED:
        return _endpoint_url(settings.failure_endpoint, order)
    if order.status is OrderStatus.NEEDS_REVIEW:  # approved; the shop's page says it will confirm
        return _endpoint_url(settings.success_endpoint, order)
    return None


def _endpoint_url(endpoint: str | None, order: Order) -> str:
    """The shop's page for an outcome: an endpoint name or a URL, told the merchant order id."""
    if endpoint is None:
        return url_for("flexiti.outcome")
    if endpoint.startswith(("/", "http://", "https://")):
        separator = "&" if "?" in endpoint else "?"
        return f"{endpoint}{separator}{urlencode({'merchant_order_id': order.merchant_order_id})}"
    try:
        return url_for(endpoint, merchant_order_id=order.merchant_order_id)
    except BuildError:
        log.error("FLEXITI_SUCCESS_ENDPOINT/FAILURE_ENDPOINT %r is not an endpoint of this app; "
                  "showing the built-in page", endpoint)  # fmt: skip
        return url_for("flexiti.outcome")


def _session_order_id() -> str | None:
    token = session.get(RETURN_SESSION_KEY)
    if not isinstance(token, str):
        return None
    state = flexiti_state()
    try:
        data = state.return_signer.loads(token, max_age=state.settings.pending_expiry + 3600)
    except BadTokenError:
        return None
    value = data.get("m")
    return value if isinstance(value, str) else None


def _refresh_hinted(state: FlexitiState, hinted: dict[str, str]) -> None:
    order = state.store.find_named_order(hinted)
    if order is not None:
        state.orders.refresh(order.merchant_order_id, source="return",
                             budget=state.settings.request_budget)  # fmt: skip


# -- Flexiti's callback ----------------------------------------------------------------------


def callback(secret: str | None = None) -> ResponseReturnValue:
    """Store the delivery and answer at once; a worker refreshes the order it names after.

    Never a 500 for Flexiti: what is stored is processed even if this process dies next.
    """
    state = flexiti_state()
    state.callbacks.foreground.busy()
    expected = state.settings.callback_secret
    if (expected is None) != (secret is None) or (
        expected is not None and not hmac.compare_digest(secret or "", expected)
    ):
        abort(404)
    wait = state.callback_limit.refuse() if state.callback_limit is not None else None
    if wait is not None:
        message = "Too many callbacks arrived without FLEXITI_CALLBACK_SECRET; try again later"
        answer = jsonify(received=False, error="too_many_callbacks", message=message)
        return answer, 429, {"Retry-After": str(wait)}
    request.max_content_length = state.settings.max_callback_bytes
    method, remote_addr, content_type = request.method, request.remote_addr, request.content_type
    try:
        payload = _callback_payload()
    except ValueError as exc:
        # Stored all the same (without its content): nothing is lost, nothing personal is kept.
        unreadable = state.callbacks.receive_unreadable(
            str(exc),
            request.get_data(cache=True),
            method=method,
            remote_addr=remote_addr,
            content_type=content_type,
        )
        return jsonify(received=True, delivery_id=unreadable.id, outcome=unreadable.outcome), 200
    delivery = state.callbacks.receive(
        payload, method=method, remote_addr=remote_addr, content_type=content_type
    )
    if delivery.processed_at is not None:  # a repeat about a settled order: nothing to do
        return jsonify(received=True, delivery_id=delivery.id, outcome=delivery.outcome), 200
    state.callback_workers.kick()
    return jsonify(received=True, delivery_id=delivery.id, outcome="queued"), 200


def _callback_payload() -> Any:
    """The delivery as data: JSON, form fields or the query string (or all of them)."""
    body = request.get_data(cache=True)
    query = request.args.to_dict()
    payload: Any
    if request.mimetype == "application/x-www-form-urlencoded" or request.mimetype.startswith(
        "multipart/"
    ):
        payload = request.form.to_dict()
    elif body.strip():
        try:
            payload = loads(body)
        except ValueError as exc:
            raise ValueError(
                f"The callback body {exc}: send JSON (application/json) or form fields"
            ) from exc
    else:
        payload = {}
    if query:
        payload = {**query, **payload} if isinstance(payload, dict) else {"body": payload, **query}
    return payload


def modal_urls(merchant_order_id: str) -> dict[str, str]:
    """The signed URLs that open an order's checkout: in a modal, or as a full-page redirect."""
    token = flexiti_state().modal_signer.dumps({"m": merchant_order_id})
    return {
        "merchant_order_id": merchant_order_id,
        "modal_url": url_for("flexiti.modal", token=token, _external=True),
        "redirect_url": url_for("flexiti.modal", token=token, mode="redirect", _external=True),
    }


def modal_context(started: CheckoutSession) -> dict[str, Any]:
    """What ``flexiti_checkout/modal.html`` needs to frame Flexiti's flow."""
    url = started.redirection_url
    return {
        "redirection_url": url,
        # postMessage events are trusted only from this origin; "" means the page's own origin
        "flexiti_origin": origin_text(url),
        "success_url": url_for("flexiti.return_success"),
        "error_url": url_for("flexiti.return_error"),
        "merchant_order_id": started.merchant_order_id,
        "lang": started.lang,
        "t": texts(started.lang),
    }


# -- errors shown to customers ---------------------------------------------------------------


def render_not_found(error: HTTPException) -> ResponseReturnValue:
    """A missing or expired page of the extension, in the shopper's language (JSON for APIs)."""
    code = error.code or 404
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error="not_found", message=error.description), code
    lang = resolve_lang(default=flexiti_state().settings.default_lang)
    t = texts(lang)
    return render_template(
        "flexiti_checkout/error.html", t=t, lang=lang, message=t["not_found"]
    ), code


def render_http_error(error: FlexitiHTTPError) -> ResponseReturnValue:
    """A checkout failure as a page (or JSON for API clients), with the reference id to quote."""
    details = error_details(error.original) if error.original is not None else {}
    headers = error_headers(error.original) if error.original is not None else {}
    if request.accept_mimetypes.best == "application/json":
        body = {"error": error.error_name, "message": error.customer_message, **details}
        return jsonify(body), error.code or 500, headers
    page = render_template(
        "flexiti_checkout/error.html",
        t=texts(None),
        message=error.customer_message,
        reference_id=details.get("reference_id"),
        fields=details.get("fields", {}),
    )
    return page, error.code or 500, headers
