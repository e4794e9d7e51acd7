"""The standalone checkout service: the extension in an app of its own, configured by environment.

``gunicorn wsgi:app`` runs it for shops written in other languages. Every ``FLEXITI_*`` setting
of the README is read from the environment under the same name.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from flexiti_checkout.errors import ConfigurationError
from flexiti_checkout.service.api import register_api
from flexiti_checkout.web.admin.access import SANDBOX_ADMIN_KEY
from flexiti_checkout.web.extension import FlexitiCheckout
from flexiti_checkout.web.settings import DEFAULTS
from flexiti_checkout.web.state import flexiti_state
from flexiti_checkout.web.wiring import share_sandbox_state

log = logging.getLogger("flexiti_checkout.service")

#: Only for sandbox mode, so the demo runs with nothing configured; never for real credentials.
SANDBOX_SIGNING_KEY = "flexiti-checkout-sandbox-only-signing-key"


def create_app(environ: Mapping[str, str] | None = None, *, demo: bool = False) -> Flask:
    """The service app, with settings from ``environ`` (default: the process environment).

    Customers come back to the service's own outcome pages (approved, declined, left,
    confirming), unless ``FLEXITI_SUCCESS_ENDPOINT``/``FLEXITI_FAILURE_ENDPOINT`` name the
    shop's. ``demo`` (sandbox mode only) adds the demo shop, as ``create_demo_app`` does.
    """
    env = dict(os.environ if environ is None else environ)
    instance = Path(env.get("FLEXITI_INSTANCE_PATH") or Path.cwd() / "instance").resolve()
    app = Flask("flexiti_checkout.service.app", instance_path=str(instance))
    for key in DEFAULTS:
        if env.get(key, "").strip():
            app.config[key] = env[key].strip()
    signing_key = env.get("FLEXITI_SIGNING_KEY") or env.get("SECRET_KEY")
    environment = env.get("FLEXITI_ENVIRONMENT", "sandbox").strip().lower() or "sandbox"
    if not signing_key:
        if environment != "sandbox":
            raise ConfigurationError(
                "FLEXITI_SIGNING_KEY is required for the service outside sandbox mode: set it to "
                "a long random string, the same on every worker and host"
            )
        log.warning("FLEXITI_SIGNING_KEY is not set; using the sandbox-only key")
        signing_key = SANDBOX_SIGNING_KEY
    keys = [key.strip() for key in signing_key.split(",") if key.strip()]
    app.config["SECRET_KEY"] = keys[0]
    # The session cookie carries the customer's order from the modal to their return: never over
    # plain http outside the sandbox, and only on top-level navigations from other sites.
    app.config["SESSION_COOKIE_SECURE"] = environment != "sandbox"
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.session_interface = CookieOnlySessionInterface()
    app.config["FLEXITI_SIGNING_KEY"] = keys
    if demo and environment != "sandbox":
        raise ConfigurationError("the demo shop runs only in sandbox mode (FLEXITI_ENVIRONMENT)")
    if demo:
        # The demo shop is where a customer comes back to once Flexiti has decided.
        app.config.setdefault("FLEXITI_SUCCESS_ENDPOINT", "demo.success")
        app.config.setdefault("FLEXITI_FAILURE_ENDPOINT", "demo.failure")
    if environment == "sandbox" and not env.get("FLEXITI_ADMIN_KEYS", "").strip():
        log.warning(
            "FLEXITI_ADMIN_KEYS is not set: in sandbox mode the admin console accepts the public "
            "key %r",
            SANDBOX_ADMIN_KEY,
        )
        app.config["FLEXITI_ADMIN_KEYS"] = SANDBOX_ADMIN_KEY
    flexiti = FlexitiCheckout(app, url_prefix=env.get("FLEXITI_URL_PREFIX", "/flexiti"))
    state = flexiti_state(app)
    if state.sandbox_app is not None:
        # Every gunicorn worker serves the hosted pages: they must all see the same sandbox.
        share_sandbox_state(state.sandbox_app, app.instance_path, state.store.url)
    register_api(app)  # the JSON API and its OpenAPI document, under {prefix}/api
    if demo:
        from flexiti_checkout.demo import make_blueprint as demo_blueprint

        app.register_blueprint(demo_blueprint(flexiti))
    return app


class CookieOnlySessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, opened without signing machinery when there is no cookie.

    Most of the service's requests carry none (badges, callbacks, the JSON API), and Flask builds
    a serializer for every request before it looks; an empty session is all it would give them.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)


def create_demo_app(environ: Mapping[str, str] | None = None) -> Flask:
    """The service with the demo shop, as ``python -m flexiti_checkout.demo`` serves it."""
    return create_app(environ, demo=True)
