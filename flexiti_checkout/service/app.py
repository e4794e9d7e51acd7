"""The standalone checkout service: the extension in an app of its own, configured by environment.

``gunicorn wsgi:app`` runs it for shops written in other languages. Every setting of the
catalogue (``web.settings.catalogue``) is read from the environment under its own name.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from flexiti_checkout.errors import ConfigurationError
from flexiti_checkout.service.api import register_api
from flexiti_checkout.service.resend import ResendRecent
from flexiti_checkout.web.extension import FlexitiCheckout
from flexiti_checkout.web.headers import security_headers
from flexiti_checkout.web.settings.environment import read_environment
from flexiti_checkout.web.state import flexiti_state
from flexiti_checkout.web.wiring import share_sandbox_state

#: Where the demo shop sends a customer once Flexiti has decided (unless the environment says).
DEMO_OUTCOME_PAGES = {
    "FLEXITI_SUCCESS_ENDPOINT": "demo.success",
    "FLEXITI_FAILURE_ENDPOINT": "demo.failure",
}


def create_app(environ: Mapping[str, str] | None = None, *, demo: bool = False) -> Flask:
    """The service app, with settings from ``environ`` (default: the process environment).

    Customers come back to the service's own outcome pages (approved, declined, left,
    confirming), unless ``FLEXITI_SUCCESS_ENDPOINT``/``FLEXITI_FAILURE_ENDPOINT`` name the
    shop's. ``demo`` (sandbox mode only) adds the demo shop, as ``create_demo_app`` does.
    """
    service = read_environment(environ)
    if demo and service.environment != "sandbox":
        raise ConfigurationError("the demo shop runs only in sandbox mode (FLEXITI_ENVIRONMENT)")
    app = Flask("flexiti_checkout.service.app", instance_path=str(service.instance_path))
    app.config.update({**DEMO_OUTCOME_PAGES, **service.config} if demo else service.config)
    app.session_interface = CookieOnlySessionInterface()
    flexiti = FlexitiCheckout(app, url_prefix=service.url_prefix)
    state = flexiti_state(app)
    if state.sandbox_app is not None:
        # Every gunicorn worker serves the hosted pages: they must all see the same sandbox.
        share_sandbox_state(state.sandbox_app, app.instance_path, state.store.url)
    register_api(app)  # the JSON API and its OpenAPI document, under {prefix}/api
    app.after_request(security_headers)  # every answer, the service's own 404s too
    if demo:
        from flexiti_checkout.demo import demo_blueprint

        app.register_blueprint(demo_blueprint(flexiti))
    else:  # the demo chooses the shopper's language from its session: every answer goes through
        prefix = flexiti.url_prefix
        app.wsgi_app = ResendRecent(  # type: ignore[method-assign]
            app.wsgi_app,
            (f"{prefix}/calculator", f"{prefix}/availability"),
            state.storefront.recent_answers,
        )
    return app


class CookieOnlySessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, opened without signing machinery when there is no cookie.

    Most of the service's requests carry none (badges, callbacks, the JSON API), and Flask builds
    a serializer for every request before it looks; an empty session is all it would give them.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and (
            "HTTP_COOKIE" not in request.environ  # no cookie at all: not even parsed
            or not request.cookies.get(self.get_cookie_name(app))
        ):
            return self.session_class()
        return super().open_session(app, request)


def create_demo_app(environ: Mapping[str, str] | None = None) -> Flask:
    """The service with the demo shop, as ``python -m flexiti_checkout.demo`` serves it."""
    return create_app(environ, demo=True)
