"""The extension's settings: every ``FLEXITI_*`` key, its default, and its validation.

``load_settings`` reads them once at ``init_app`` and fails there, naming the key, when a required
one is missing or a value is malformed, so a misconfigured shop never starts half-working. The
standalone service reads the same names from the environment.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import Any

from flexiti_checkout.errors import ConfigurationError
from flexiti_checkout.money import Lang
from flexiti_checkout.storefront.origins import allowed_origins
from flexiti_checkout.storefront.plans import StorefrontSettings
from flexiti_checkout.web.setting_values import (
    api_keys,
    api_urls,
    callback_limit,
    callback_secret,
    credentials,
    hosts,
    lang,
    optional_text,
    parse_duration,
    request_budget,
    shop_webhook,
    signing_keys,
    storefront_settings,
    timeout,
    whole,
)

__all__ = ["DEFAULTS", "ENVIRONMENT_NAMES", "Settings", "load_settings", "parse_duration"]

ENVIRONMENT_NAMES = ("sandbox", "training", "production")

#: Every optional key and its default; ``init_app`` fills them into ``app.config``.
DEFAULTS: dict[str, Any] = {
    "FLEXITI_ENVIRONMENT": "sandbox",
    "FLEXITI_CLIENT_ID": None,
    "FLEXITI_CLIENT_SECRET": None,
    "FLEXITI_ONLINE_API_URL": None,
    "FLEXITI_POS_API_URL": None,
    "FLEXITI_STORE_URL": None,
    "FLEXITI_CALLBACK_SECRET": None,
    "FLEXITI_SIGNING_KEY": None,
    "FLEXITI_SUCCESS_ENDPOINT": None,
    "FLEXITI_FAILURE_ENDPOINT": None,
    "FLEXITI_PENDING_EXPIRY": "2h",
    "FLEXITI_RETENTION": "90d",
    "FLEXITI_TIMEOUT": 10,
    "FLEXITI_MAX_RETRIES": 2,
    "FLEXITI_ALLOWED_REDIRECT_HOSTS": (),
    "FLEXITI_DEFAULT_LANG": "en",
    "FLEXITI_MAX_CALLBACK_BYTES": 64 * 1024,
    "FLEXITI_ANONYMOUS_CALLBACK_LIMIT": "600/1m",
    "FLEXITI_LOOKUP_INTERVAL": 2,
    "FLEXITI_REQUEST_BUDGET": 5,
    "FLEXITI_CACHE_TTL": StorefrontSettings.cache_ttl,
    "FLEXITI_STOREFRONT_BUDGET": StorefrontSettings.budget,
    "FLEXITI_STOREFRONT_FAILURE_TTL": StorefrontSettings.failure_ttl,
    "FLEXITI_STOREFRONT_BREAKER_THRESHOLD": StorefrontSettings.breaker_threshold,
    "FLEXITI_STOREFRONT_BREAKER_COOLDOWN": StorefrontSettings.breaker_cooldown,
    "FLEXITI_STOREFRONT_WORKERS": StorefrontSettings.workers,
    "FLEXITI_STOREFRONT_MAX_STALE": StorefrontSettings.max_stale,
    "FLEXITI_API_KEYS": (),
    "FLEXITI_ADMIN_KEYS": (),
    "FLEXITI_SHOP_WEBHOOK_URL": None,
    "FLEXITI_SHOP_WEBHOOK_SECRET": None,
    "FLEXITI_ALLOWED_ORIGINS": "*",
}


@dataclass(frozen=True)
class Settings:
    """Validated settings of one app."""

    environment: str
    client_id: str
    client_secret: str
    online_api_url: str | None  # None in sandbox mode: the embedded sandbox serves the API
    pos_api_url: str | None
    store_url: str | None
    callback_secret: str | None
    signing_keys: tuple[str, ...]
    success_endpoint: str | None
    failure_endpoint: str | None
    pending_expiry: float
    timeout: tuple[float, float]
    max_retries: int
    allowed_redirect_hosts: tuple[str, ...]
    default_lang: Lang
    max_callback_bytes: int
    lookup_interval: float
    #: The longest a customer's request (return, status poll, callback) waits on Flexiti.
    request_budget: float = 5.0
    #: How old processed deliveries, delivered webhooks and dead tokens get before ``prune``.
    retention: float = 90 * 86400.0
    api_keys: tuple[str, ...] = ()
    #: Keys staff sign in to the service's admin console with (``service`` only).
    admin_keys: tuple[str, ...] = ()
    shop_webhook_url: str | None = None
    shop_webhook_secret: bytes | None = None  # the HMAC key, decoded from whsec_…
    storefront: StorefrontSettings = field(default_factory=StorefrontSettings)
    #: Without ``callback_secret``: at most this many callbacks stored per window (seconds).
    anonymous_callback_limit: tuple[int, float] = (600, 60.0)
    #: Shop origins whose pages may use the storefront and frame the checkout; None: any.
    allowed_origins: tuple[str, ...] | None = None

    @property
    def embedded_sandbox(self) -> bool:
        """Sandbox mode with no API URL given: the app serves a sandbox of its own."""
        return self.environment == "sandbox" and self.online_api_url is None

    def __repr__(self) -> str:  # never show the secrets
        return f"Settings(environment={self.environment!r}, client_id={self.client_id!r})"


def load_settings(config: MutableMapping[str, Any]) -> Settings:
    """Fill in defaults and validate every ``FLEXITI_*`` key of ``config``."""
    for key, default in DEFAULTS.items():
        config.setdefault(key, default)
    environment = str(config["FLEXITI_ENVIRONMENT"]).strip().lower()
    if environment not in ENVIRONMENT_NAMES:
        raise ConfigurationError(
            f"FLEXITI_ENVIRONMENT must be one of {', '.join(ENVIRONMENT_NAMES)}, "
            f"not {config['FLEXITI_ENVIRONMENT']!r}"
        )
    client_id, client_secret = credentials(config, environment)
    online_url, pos_url = api_urls(config, environment)
    return Settings(
        environment=environment,
        client_id=client_id,
        client_secret=client_secret,
        online_api_url=online_url,
        pos_api_url=pos_url,
        store_url=optional_text(config, "FLEXITI_STORE_URL"),
        callback_secret=callback_secret(config),
        signing_keys=signing_keys(config),
        success_endpoint=optional_text(config, "FLEXITI_SUCCESS_ENDPOINT"),
        failure_endpoint=optional_text(config, "FLEXITI_FAILURE_ENDPOINT"),
        pending_expiry=parse_duration("FLEXITI_PENDING_EXPIRY", config["FLEXITI_PENDING_EXPIRY"]),
        timeout=timeout(config["FLEXITI_TIMEOUT"]),
        max_retries=whole(config, "FLEXITI_MAX_RETRIES", low=0, high=10),
        allowed_redirect_hosts=hosts(config["FLEXITI_ALLOWED_REDIRECT_HOSTS"]),
        default_lang=lang(config["FLEXITI_DEFAULT_LANG"]),
        max_callback_bytes=whole(config, "FLEXITI_MAX_CALLBACK_BYTES", low=1024, high=10 << 20),
        lookup_interval=parse_duration(
            "FLEXITI_LOOKUP_INTERVAL", config["FLEXITI_LOOKUP_INTERVAL"]
        ),
        request_budget=request_budget(config["FLEXITI_REQUEST_BUDGET"]),
        retention=parse_duration("FLEXITI_RETENTION", config["FLEXITI_RETENTION"]),
        api_keys=api_keys(config["FLEXITI_API_KEYS"]),
        admin_keys=api_keys(config["FLEXITI_ADMIN_KEYS"], "FLEXITI_ADMIN_KEYS"),
        storefront=storefront_settings(config),
        anonymous_callback_limit=callback_limit(config["FLEXITI_ANONYMOUS_CALLBACK_LIMIT"]),
        allowed_origins=allowed_origins(config["FLEXITI_ALLOWED_ORIGINS"]),
        **shop_webhook(config),
    )
