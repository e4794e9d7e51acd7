"""The sandbox app factory and the request hooks every API call goes through.

Order of an API call: latency, then ``FAIL_NEXT``, then ``ERROR_RATE`` (faults strike before
anything else, like a failing gateway), then the ``x-reference-id`` check, then the view with
its token check; on the way out, ``MALFORMED_JSON_RATE`` and the request log.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException
from werkzeug.http import http_date

from flexiti_checkout._json import UnreadableJSONError
from flexiti_checkout._resources import STATIC_DIR, TEMPLATE_DIR
from flexiti_checkout.client.wsgi_transport import DEADLINE_KEY, TIMED_OUT_HEADER
from flexiti_checkout.sandbox import control, home, hosted, online
from flexiti_checkout.sandbox.faults import failure_response, truncate
from flexiti_checkout.sandbox.pos import applications, customers, deprecated, login, transactions
from flexiti_checkout.sandbox.pos import control as pos_control
from flexiti_checkout.sandbox.pos.rules import POS_V2_PREFIX
from flexiti_checkout.sandbox.shapes import ApiError, UrlError, WrongInputsError, unreadable_body
from flexiti_checkout.sandbox.shared import paused
from flexiti_checkout.sandbox.state import EXTENSION_KEY, SandboxState, get_state, state_from_config

#: POS API v2.5's customer and previous-version pages: "ASCII string (32), GUID".
REFERENCE_ID_LENGTH = 32
API_PREFIXES = (online.ONLINE_API_PREFIX + "/", login.POS_API_PREFIX + "/", POS_V2_PREFIX + "/")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """A sandbox Flexiti: both APIs, the hosted pages and the control API, in one Flask app.

    ``config`` takes the sandbox keys (``CLIENT_ID``, ``PLANS``, ``CALLBACK_URL``, ``CLOCK``,
    the fault knobs…); any other key goes to ``app.config`` unchanged.
    """
    state, flask_config = state_from_config(config or {})
    app = Flask(
        __name__,
        template_folder=str(TEMPLATE_DIR),
        static_folder=str(STATIC_DIR),
        static_url_path="/sandbox/static",
    )
    app.config.update(flask_config)
    app.extensions[EXTENSION_KEY] = state
    for blueprint in (
        online.bp,
        login.bp,
        customers.bp_v2,
        customers.bp_v25,
        applications.bp,
        applications.pages,
        transactions.bp,
        deprecated.bp,
        hosted.bp,
        home.bp,
        control.bp,
        pos_control.bp,
    ):
        app.register_blueprint(blueprint)
    app.before_request(_before_api_request)
    app.after_request(_after_api_request)
    app.register_error_handler(ApiError, lambda exc: exc.response())
    app.register_error_handler(WrongInputsError, lambda exc: exc.response())
    app.register_error_handler(UrlError, lambda exc: exc.response())
    app.register_error_handler(UnreadableJSONError, _unreadable_body)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    return app


def is_api_path(path: str) -> bool:
    """Whether ``path`` is an Online or POS API path (where knobs and auth apply)."""
    return path.startswith(API_PREFIXES)


def _before_api_request() -> Response | None:
    if not is_api_path(request.path):
        return None
    g.sandbox_api = True
    g.sandbox_log = {}
    state = get_state()
    knobs = state.knobs
    if knobs.latency > 0:
        # An embedded sandbox gives up at its caller's read timeout, as the network would.
        deadline = request.environ.get(DEADLINE_KEY)
        left = knobs.latency if deadline is None else deadline - time.monotonic()
        with paused(current_app):  # other workers' requests go on meanwhile
            time.sleep(max(0.0, min(knobs.latency, left)))
        if left < knobs.latency:
            return Response(status=504, headers={TIMED_OUT_HEADER: "1"})
    failure = state.take_fail_next(request.path)
    if failure is not None:
        g.sandbox_fault = "fail_next"
        return failure_response(failure.status, failure.body, failure.retry_after)
    if state.chance(knobs.error_rate):
        g.sandbox_fault = "error_rate"
        if knobs.html_errors:
            return failure_response(502, "html")
        return failure_response(500, "json")
    reference_id = request.headers.get("x-reference-id", "").strip()
    if not reference_id and _reference_id_required(request.path, knobs.reference_id_everywhere):
        raise ApiError(400, "invalid_request", "The x-reference-id header is required.")
    if reference_id and (len(reference_id) > REFERENCE_ID_LENGTH or not reference_id.isascii()):
        raise ApiError(
            400,
            "invalid_request",
            f"x-reference-id must be an ASCII string of at most {REFERENCE_ID_LENGTH} "
            "characters (a GUID's 32 hex digits).",
        )
    return None


def _reference_id_required(path: str, everywhere: bool) -> bool:
    """The Online API and the POS API v2.5 documents require ``x-reference-id`` on every call;
    the POS API v2 pages (transactions, customers) never name it (``REFERENCE_ID_EVERYWHERE``
    requires it there too)."""
    return everywhere or not path.startswith(POS_V2_PREFIX + "/")


def _after_api_request(response: Response) -> Response:
    state = get_state()
    # Like any web server, with the sandbox's CLOCK: a skewed one shows in a client's clock check.
    response.headers.setdefault("Date", http_date(state.clock()))
    if not g.get("sandbox_api"):
        return response
    if (
        g.get("sandbox_fault") is None
        and response.mimetype == "application/json"
        and state.chance(state.knobs.malformed_json_rate)
    ):
        g.sandbox_fault = "malformed_json"
        response.set_data(truncate(response.get_data()))
    _log_request(state, response)
    return response


def _log_request(state: SandboxState, response: Response) -> None:
    entry: dict[str, Any] = {
        "time": state.clock(),
        "method": request.method,
        "path": request.path,
        "query": request.query_string.decode("latin-1"),
        "status": response.status_code,
        "reference_id": request.headers.get("x-reference-id"),
        "fault": g.get("sandbox_fault"),
        "scope": None,
        "grant_type": None,
    }
    entry.update(g.get("sandbox_log") or {})
    state.requests.append(entry)


def _unreadable_body(exc: UnreadableJSONError) -> ResponseReturnValue:
    """400 for a body no view can read: Flexiti's shape on the APIs, the control API's own."""
    if is_api_path(request.path):
        return unreadable_body(exc).response()
    return jsonify({"error": f"The request body {exc}; send a JSON object"}), 400


def _http_error(exc: HTTPException) -> Response | HTTPException:
    if not is_api_path(request.path):
        return exc
    error = (exc.name or "error").lower().replace(" ", "_")
    return ApiError(exc.code or 500, error, exc.description or exc.name).response()


def _unexpected_error(exc: Exception) -> Response:
    # API clients get a Flexiti-shaped 500; anything else takes Flask's usual path.
    if not is_api_path(request.path):
        raise exc
    current_app.logger.exception("sandbox error on %s %s", request.method, request.path)
    return ApiError(500, "server_error", "The sandbox failed; see its log.").response()
