"""The storefront's routes: availability, the calculator (one price or a batch) and learn-more.

Availability and the calculator are read by ``flexiti.js`` on product pages, possibly on another
origin than the service (a shop not written in Python), so they answer CORS requests from the
origins of ``FLEXITI_ALLOWED_ORIGINS`` (any, by default), as do the static files: they expose
nothing secret (whether a price is financeable and what it costs a month, as Flexiti shows any
visitor) and take no credentials or cookies. Answers carry ``Cache-Control`` and an ``ETag``; a
GET with a matching ``If-None-Match`` is answered 304.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, g, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue
from marshmallow import RAISE, Schema, ValidationError, fields, validate
from werkzeug.exceptions import BadRequest

from flexiti_checkout._json import loads
from flexiti_checkout._urls import local_path, origin_text, web_origin
from flexiti_checkout.errors import FlexitiError
from flexiti_checkout.http_errors import as_http_error
from flexiti_checkout.money import AmountError, Lang, flexiti_locale, normalize_lang, parse_amount
from flexiti_checkout.storefront.context import current_storefront, resolve_lang
from flexiti_checkout.storefront.origins import add_cors
from flexiti_checkout.storefront.plans import Storefront
from flexiti_checkout.texts import texts

#: Most prices one batch may ask for (a category page; the script splits larger ones).
MAX_BATCH = 100
_MAX_BODY = 16 * 1024
#: How long a browser may reuse a definitive answer before asking again (with its ETag).
BROWSER_MAX_AGE = 60
#: How long the calculator waits for Flexiti before answering "pending": ``flexiti.js`` asks
#: again soon, so a slow Flexiti holds a request worker this long, not the request's budget.
ASK_WAIT = 0.25
#: Request headers (WSGI environ keys) whose answer may be a 304 or a part: never reused blindly.
CONDITIONAL = frozenset(("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_RANGE"))
#: Where a GET's environ names the kept answer it was given, ``(question, encoded)``: what the
#: service's ``ResendRecent`` sends again while that answer is kept.
ANSWER_KEY = "flexiti_checkout.recent_answer"


class BatchSchema(Schema):
    """``{"prices": [...], "lang": "en"}`` from a page; anything else is refused."""

    class Meta:
        unknown = RAISE

    prices = fields.List(fields.Raw(), required=True, validate=validate.Length(1, MAX_BATCH))
    lang = fields.Raw(load_default=None)


_BATCH = BatchSchema()


def register(bp: Blueprint) -> None:
    """Add the storefront's routes to the ``flexiti`` blueprint."""
    bp.add_url_rule("/availability", view_func=availability, methods=["GET", "OPTIONS"],
                    provide_automatic_options=False)  # fmt: skip
    bp.add_url_rule("/calculator", view_func=calculator, methods=["GET", "POST", "OPTIONS"],
                    provide_automatic_options=False)  # fmt: skip
    bp.add_url_rule("/learn-more", view_func=learn_more)
    bp.after_request(_static_cors)


def _static_cors(response: Response) -> Response:
    """``flexiti.js`` and ``badges.css`` readable by the allowed shops' pages (for
    ``<script crossorigin integrity=…>``, Subresource Integrity)."""
    return add_cors(response) if request.endpoint == "flexiti.static" else response


def availability() -> ResponseReturnValue:
    """``GET ?amount=123.45`` → ``{"amount": "123.45", "enabled": true}``; fails closed."""
    if request.method == "OPTIONS":
        return _preflight()
    storefront = current_storefront()
    reused = _reused(storefront)
    if reused is not None:
        return reused
    try:
        amount = parse_amount(request.args.get("amount"), "amount")
    except AmountError as exc:
        return _invalid("amount", str(exc))
    # A cart's yes or no is worth the budget's wait: a shop asks it once per checkout page.
    answer = storefront.gate_answer(amount)
    if answer is None or not answer.ok:  # not in time, or Flexiti failed: no, for now
        return _answer({"amount": str(amount), "enabled": False}, definitive=False)
    payload = {"amount": str(amount), "enabled": bool(answer.value)}
    return _answer(payload, definitive=True, fresh_until=answer.fresh_until)


def calculator() -> ResponseReturnValue:
    """``GET ?price=499.00&lang=fr`` → one plan; ``POST {"prices": [...]}`` → ``{"plans": [...]}``.

    A price with no plan answers ``{"price": ..., "eligible": false, "reason": ...}``, where
    ``reason`` is ``not_eligible``, ``pending`` (Flexiti has not answered yet: ask again in a
    second or two) or ``unavailable`` (Flexiti failed: try again later).
    """
    if request.method == "OPTIONS":
        return _preflight()
    if request.method == "POST":
        return _batch()
    storefront = current_storefront()
    reused = _reused(storefront)
    if reused is not None:
        return reused
    try:
        price = parse_amount(request.args.get("price"), "price")
    except AmountError as exc:
        return _invalid("price", str(exc))
    lang = _lang(request.args.get("lang"))
    if lang is None:
        return _invalid("lang", "lang must be en or fr")
    [result] = storefront.plans([price], lang, deadline=_ask_deadline(storefront))
    return _answer(
        result.as_json(),
        definitive=result.definitive,
        shared=bool(request.args.get("lang")),
        fresh_until=result.fresh_until,
    )


def _batch() -> ResponseReturnValue:
    request.max_content_length = _MAX_BODY
    try:
        body = _json_body()
    except ValueError as exc:
        return _invalid_fields({"body": [str(exc)]})
    try:
        data = _BATCH.load(body if isinstance(body, dict) else {})
    except ValidationError as exc:
        messages = exc.normalized_messages()
        if not isinstance(body, dict):
            messages = {"body": ['send {"prices": ["499.00", ...], "lang": "en"} as JSON']}
        return _invalid_fields(messages)
    prices, errors = [], {}
    for index, value in enumerate(data["prices"]):
        try:
            prices.append(parse_amount(value, "price"))
        except AmountError as exc:
            errors[f"prices.{index}"] = [str(exc)]
    lang = _lang(data["lang"])
    if lang is None:
        errors["lang"] = ["lang must be en or fr"]
    if errors:
        return _invalid_fields(errors)
    assert lang is not None
    storefront = current_storefront()
    results = storefront.plans(prices, lang, deadline=_ask_deadline(storefront))
    return _answer(
        {"lang": lang, "plans": [result.as_json() for result in results]},
        definitive=all(result.definitive for result in results),
        shared=bool(data["lang"]),
    )


def learn_more() -> ResponseReturnValue:
    """Open Flexiti's "learn more" flow for an amount, in a modal page or by redirect."""
    storefront = current_storefront()
    amount = None
    if request.args.get("amount"):
        try:
            amount = parse_amount(request.args["amount"], "amount")
        except AmountError as exc:
            raise BadRequest(str(exc)) from None
    lang = _lang(request.args.get("lang")) or storefront.default_lang
    mode = request.args.get("mode", "modal")
    if mode not in ("modal", "redirect"):
        raise BadRequest("mode must be modal or redirect")
    try:
        url = storefront.client.learn_more(flexiti_locale(lang), amount_requested=amount)
        if storefront.check_redirect is not None:
            storefront.check_redirect(url)
    except FlexitiError as exc:
        raise as_http_error(exc) from exc
    if mode == "redirect":
        return redirect(url, code=303)
    back = _back_url()
    # The checkout's modal page, where every way out leads back to the page the shopper was on.
    return render_template(
        "flexiti_checkout/modal.html",
        redirection_url=url,
        # postMessage events are trusted only from this origin; "" means the page's own origin
        flexiti_origin=origin_text(url),
        success_url=back,
        error_url=back,
        close_url=back,
        close_label=texts(lang)["back_to_store"],
        lang=lang,
        t=texts(lang),
    )


# -- helpers ------------------------------------------------------------------------------------


def _lang(value: Any) -> Lang | None:
    """An explicit ``lang`` (``None`` if it is not en/fr), else the request's language."""
    if value is None or value == "":
        return resolve_lang(None, current_storefront().default_lang)
    return normalize_lang(value)


def _back_url() -> str:
    """Where "return to the store" goes: a same-origin ``return_to`` path, else the referrer.

    The path is taken as the browser will read it: ``/%09/evil.example/`` is ``//evil.example/``
    to a browser, another site, so it is refused like ``//evil.example/``.
    """
    target = local_path(request.args.get("return_to", ""))
    if target is not None:
        return target
    referrer = request.referrer or ""
    if web_origin(referrer) is not None:
        return referrer
    return "/"


def _json_body() -> Any:
    """The request's JSON with exact numbers (a price sent as a JSON number is a ``Decimal``).

    ``None`` when it is not JSON; raises ``ValueError`` saying why for JSON that is refused.
    """
    if not request.is_json:
        return None
    return loads(request.get_data(cache=False))


def _ask_deadline(storefront: Storefront) -> float:
    """When a calculator answer stops waiting for Flexiti: ``ASK_WAIT`` at most, within the
    request's budget."""
    return min(storefront.deadline(), time.monotonic() + ASK_WAIT)


def _reused(storefront: Storefront) -> Response | None:
    """The GET answer this worker encoded for the same question moments ago, if any."""
    question = _question()
    encoded = storefront.recent_answers.get(question)
    if encoded is None:
        return None
    request.environ[ANSWER_KEY] = (question, encoded)
    response = add_cors(Response(encoded.body, headers=encoded.headers))
    if CONDITIONAL.intersection(request.environ):
        response.make_conditional(request)  # 304 for a matching If-None-Match
    return response


def _question() -> tuple[str | None, ...]:
    """What a GET's answer depends on: the endpoint, its query, and (without ``lang``) the
    shopper's language as the request or the host chose it."""
    environ = request.environ
    return (
        request.endpoint,
        environ.get("QUERY_STRING"),
        environ.get("HTTP_ACCEPT_LANGUAGE"),
        str(g.get("flexiti_lang")),  # whatever a host put there: a key must be hashable
    )


@dataclass(frozen=True)
class _Encoded:
    """A GET's answer as sent: its bytes and headers (ETag included)."""

    body: bytes
    headers: list[tuple[str, str]]


def _answer(
    payload: dict[str, Any], *, definitive: bool, shared: bool = True, fresh_until: float = 0.0
) -> Response:
    """JSON with caching headers. ``shared`` false: the language came from this shopper's request
    (``Accept-Language``, or the host's ``g.flexiti_lang``), so only their browser may keep it.

    A definitive GET answer is kept encoded for a few seconds (``recent``), at most until
    ``fresh_until``, the freshness of the answer it was made from.
    """
    response = jsonify(payload)
    # A degraded answer ("Flexiti is slow or down") must not outlive the outage in a cache.
    scope = "public" if shared else "private"
    response.headers["Cache-Control"] = (
        f"{scope}, max-age={BROWSER_MAX_AGE}" if definitive else "no-store"
    )
    response.vary.add("Accept-Language")
    response.add_etag()
    if request.method == "GET" and definitive:
        # Kept without its CORS headers: those depend on the asking page's origin.
        encoded = _Encoded(response.get_data(), list(response.headers.items()))
        question = _question()
        current_storefront().recent_answers.put(question, encoded, fresh_until)
        request.environ[ANSWER_KEY] = (question, encoded)
    add_cors(response)
    if request.method == "GET":
        response.make_conditional(request)  # 304 for a matching If-None-Match
    return response


def _invalid(field: str, message: str) -> Response:
    return _invalid_fields({field: [message]}, message)


def _invalid_fields(errors: dict[str, Any], message: str | None = None) -> Response:
    if message is None:
        message = "; ".join(f"{name}: {_sentence(problems)}" for name, problems in errors.items())
    response = jsonify(error="invalid_request", message=message, fields=errors)
    response.status_code = 400
    response.headers["Cache-Control"] = "no-store"
    return add_cors(response)


def _sentence(problems: Any) -> str:
    return " ".join(map(str, problems)) if isinstance(problems, list) else str(problems)


def _preflight() -> Response:
    """CORS preflight for a POST of JSON from another origin (no credentials are involved)."""
    response = add_cors(Response(status=204))
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type, If-None-Match"
    response.headers["Access-Control-Max-Age"] = "7200"
    return response
