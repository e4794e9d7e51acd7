"""The ``flexiti`` blueprint: where the shipped templates and static files are served from.

Templates are named ``flexiti_checkout/…`` so a host app can override any of them with a file of
the same name in its own templates folder (the app's folder is searched before a blueprint's).
Static files are served under ``{prefix}/static/flexiti_checkout/…``.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from flexiti_checkout._resources import STATIC_DIR, TEMPLATE_DIR


def bare_blueprint() -> Blueprint:
    """A fresh ``flexiti`` blueprint with the package's templates and static files, no routes."""
    bp = Blueprint(
        "flexiti",
        __name__,
        template_folder=str(TEMPLATE_DIR),
        static_folder=str(STATIC_DIR),
        static_url_path="/static",
    )
    bp.app_context_processor(store_home)
    return bp


def store_home() -> dict[str, str | None]:
    """``flexiti_home_url``: the shop's home page for "Return to the store" links, or ``None``
    when this app has none (the standalone service: its shop is elsewhere)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        adapter.match("/", method="GET")
    except (NotFound, MethodNotAllowed):
        return {"flexiti_home_url": None}
    except RequestRedirect:  # "/" answers with a redirect: still a home page
        pass
    return {"flexiti_home_url": request.script_root or "/"}
