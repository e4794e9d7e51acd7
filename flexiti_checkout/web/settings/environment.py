"""The standalone service's settings, read from the environment through the catalogue.

``read_environment`` reads every key of ``settings.CATALOGUE`` under its own name, applies the
public sandbox keys the service falls back to in sandbox mode (``_sandbox_keys``), and returns
the ``app.config`` values and the service's own settings (URL prefix, instance folder). It is the
only reader of the process environment in the package.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from flexiti_checkout._sandbox_keys import SERVICE_FALLBACKS
from flexiti_checkout.errors import ConfigurationError
from flexiti_checkout.web.settings import values as value
from flexiti_checkout.web.settings.catalogue import ServiceSettings, Settings, setting_fields
from flexiti_checkout.web.settings.values import Setting

log = logging.getLogger(__name__)


def read_environment(environ: Mapping[str, str] | None = None) -> ServiceSettings:
    """The standalone service's settings from ``environ`` (default: the process environment).

    Every key of the catalogue is read under its own name; a blank value counts as unset. In
    sandbox mode the keys the service needs fall back to the public sandbox keys, and the log
    says so; outside it the service refuses to start without them. ``config`` also holds the
    Flask settings the service sets for itself: its session cookie is signed with the newest
    signing key, ``SameSite=Lax``, and ``Secure`` outside sandbox mode.
    """
    env = os.environ if environ is None else environ

    def text(entry: Setting) -> str:
        found = env.get(entry.key, "").strip()
        return found or (env.get(entry.also, "").strip() if entry.also else "")

    config: dict[str, Any] = {}
    for _, entry in setting_fields(Settings):
        if text(entry):
            config[entry.key] = entry.from_environ(text(entry))
    environment = value.environment_name(
        "FLEXITI_ENVIRONMENT", config.get("FLEXITI_ENVIRONMENT", "sandbox")
    )
    for _, entry in setting_fields(Settings):
        fallback = SERVICE_FALLBACKS.get(entry.key)
        if entry.key in config or fallback is None:
            continue
        if environment != "sandbox":
            if entry.service_requires:
                raise ConfigurationError(
                    f"{entry.key} is required for the service outside sandbox mode: set it to "
                    "a long random string (a comma-separated list rotates keys), the same on "
                    "every worker and host"
                )
            continue
        log.warning("%s is not set: in sandbox mode the service uses the public key %r",
                    entry.key, fallback)  # fmt: skip
        config[entry.key] = entry.from_environ(fallback)
    newest, *_ = value.signing_keys("FLEXITI_SIGNING_KEY", config["FLEXITI_SIGNING_KEY"])
    config["SECRET_KEY"] = newest
    # The session cookie carries the customer's order from the modal to their return: never
    # over plain http outside the sandbox, and only on top-level navigations from other sites.
    config["SESSION_COOKIE_SECURE"] = environment != "sandbox"
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    own = {name: entry.parse(entry.key, text(entry) or entry.default)
           for name, entry in setting_fields(ServiceSettings)}  # fmt: skip
    return ServiceSettings(**own, config=config, environment=environment)
