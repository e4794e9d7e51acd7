"""The settings catalogue: every ``FLEXITI_*`` key, declared once, and how it is read.

Each field of ``Settings`` (and of ``ServiceSettings``, the standalone service's own) is one
setting: its key, default, parser, topic and documentation. ``DEFAULTS``, ``load_settings``, the
service's reading of the environment (``settings_environment``) and the documentation's settings
table are all derived from these declarations, so a new setting is one entry here. Nothing else
in the package reads configuration. ``load_settings`` runs once at ``init_app`` and fails there,
naming the key, when a value is missing or malformed, so a misconfigured shop never starts
half-working.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from flexiti_checkout.client.flexiti import ENVIRONMENTS
from flexiti_checkout.errors import ConfigurationError
from flexiti_checkout.money import Lang
from flexiti_checkout.storefront.origins import allowed_origins
from flexiti_checkout.storefront.plans import StorefrontSettings
from flexiti_checkout.web.settings import values as value
from flexiti_checkout.web.settings.console import ConsoleSettings
from flexiti_checkout.web.settings.financing import FinancingSettings, sandbox_plans
from flexiti_checkout.web.settings.operations import OperationsSettings
from flexiti_checkout.web.settings.values import (
    ACCOUNT,
    CALLBACKS,
    CALLS,
    CHECKOUT,
    ENVIRONMENT_NAMES,
    SERVICE,
    STORE,
    STOREFRONT,
    WEBHOOKS,
    Setting,
    parse_duration,
    setting,
)

__all__ = [
    "CATALOGUE",
    "DEFAULTS",
    "ENVIRONMENT_NAMES",
    "ServiceSettings",
    "Setting",
    "Settings",
    "load_settings",
    "parse_duration",
    "setting_fields",
]

_STOREFRONT = StorefrontSettings()


@dataclass(frozen=True)
class Settings(FinancingSettings, ConsoleSettings, OperationsSettings):
    """Validated settings of one app: the catalogue of the extension's settings (the operations
    settings, ``settings.operations``, and the console's, ``settings.console``, included)."""

    environment: str = setting(
        "FLEXITI_ENVIRONMENT", "sandbox", value.environment_name, ACCOUNT, "training",
        """Which Flexiti to talk to: ``sandbox`` (the built-in simulator: no credentials, nothing
        leaves the machine), ``training`` (Flexiti's test hosts) or ``production``.""",
    )  # fmt: skip
    client_id: str = setting(
        "FLEXITI_CLIENT_ID", None, value.optional_text, ACCOUNT, "shop-client-id",
        """Your client id from Flexiti's developer portal; required for ``training`` and
        ``production``.""",
        shown="none",
    )  # fmt: skip
    client_secret: str = setting(
        "FLEXITI_CLIENT_SECRET", None, value.optional_text, ACCOUNT, "shop-client-secret",
        """Your client secret from the same portal; required with the client id. It never leaves
        the server and is never logged.""",
        shown="none",
    )  # fmt: skip
    online_api_url: str | None = setting(
        "FLEXITI_ONLINE_API_URL", None, value.url, ACCOUNT,
        "http://127.0.0.1:8001/flexiti/online-api",
        """Base URL of Flexiti's Online API. Leave it unset for Flexiti's own host of the
        environment; in sandbox mode, set it to point at a sandbox on its own port (without it
        the app serves a sandbox of its own at ``/flexiti-sandbox/``).""",
        shown="Flexiti's host for the environment",
    )  # fmt: skip
    pos_api_url: str | None = setting(
        "FLEXITI_POS_API_URL", None, value.url, ACCOUNT,
        "http://127.0.0.1:8001/flexiti/pos-api/v2.5",
        """Base URL of Flexiti's POS API v2.5 (refunds, cancellations). Unset, it is Flexiti's
        host of the environment, or in sandbox mode the POS API beside
        ``FLEXITI_ONLINE_API_URL``.""",
        shown="Flexiti's host for the environment",
    )  # fmt: skip
    timeout: tuple[float, float] = setting(
        "FLEXITI_TIMEOUT", 10, value.timeout, CALLS, "20",
        """Read timeout of every call to Flexiti, in seconds (the connect timeout is 3.05 s);
        a pair ``[connect, read]`` sets both. A checkout start still ``created`` after twice
        connect + read (26.1 s by default) is treated as abandoned.""",
    )  # fmt: skip
    max_retries: int = setting(
        "FLEXITI_MAX_RETRIES", 2, value.whole(0, 10), CALLS, "3",
        """How many times a call that is safe to repeat is tried again after a connection
        error, a timeout, a 429 or a 5xx (0 to 10).""",
    )  # fmt: skip
    signing_keys: tuple[str, ...] = setting(
        "FLEXITI_SIGNING_KEY", None, value.signing_keys, CHECKOUT, "a-long-random-string",
        """Signs the tokens the customer's browser carries (the return, the modal page). A list
        rotates keys, newest first (comma-separated in the environment). Without it Flask's
        ``SECRET_KEY`` is used; one of the two is required.""",
        shown="Flask's ``SECRET_KEY``", also="SECRET_KEY", environ_list=True,
        service_requires=True,
    )  # fmt: skip
    success_endpoint: str | None = setting(
        "FLEXITI_SUCCESS_ENDPOINT", None, value.optional_text, CHECKOUT, "shop.thanks",
        """Where the customer goes once Flexiti approved: an endpoint name of your app or a
        URL. It receives ``merchant_order_id``. Unset, the package's own outcome page.""",
        shown="the built-in outcome page",
    )  # fmt: skip
    failure_endpoint: str | None = setting(
        "FLEXITI_FAILURE_ENDPOINT", None, value.optional_text, CHECKOUT, "shop.cart",
        """Where the customer goes after a decline, a cancellation or leaving: as
        ``FLEXITI_SUCCESS_ENDPOINT``.""",
        shown="the built-in outcome page",
    )  # fmt: skip
    allowed_redirect_hosts: tuple[str, ...] = setting(
        "FLEXITI_ALLOWED_REDIRECT_HOSTS", (), value.hosts, CHECKOUT, "pay.example.com:8443",
        """Hosts (``host`` or ``host:port``, comma-separated or a list) the customer's browser
        may be sent to besides Flexiti's own; a ``redirection_url`` on any other host is
        refused.""",
        shown="none",
    )  # fmt: skip
    default_lang: Lang = setting(
        "FLEXITI_DEFAULT_LANG", "en", value.lang, CHECKOUT, "fr",
        """The language of pages and badges when neither the call nor the shopper's browser
        says (``en`` or ``fr``).""",
    )  # fmt: skip
    numeric_order_ids: bool = setting(
        "FLEXITI_NUMERIC_ORDER_IDS", False, value.flag, CHECKOUT, "true",
        """Give Flexiti a numeric merchant order id of its own for each new order (nine digits,
        stored with the order, unique, used for every lookup) instead of yours, for merchant
        accounts whose merchant order ids are integers (Online API, merchant-order-id lookup).
        Your id stays the order's key everywhere else: signals, webhooks, the service API and
        the console. ``flask flexiti doctor`` tells when Flexiti refuses yours.""",
    )  # fmt: skip
    pending_expiry: float = setting(
        "FLEXITI_PENDING_EXPIRY", "2h", value.parse_duration, CHECKOUT, "30m",
        """How long an order may stay pending before the reconciler expires it. Durations are
        seconds or a number with ``ms``, ``s``, ``m``, ``h`` or ``d`` (``90s``, ``10m``,
        ``1d``).""",
    )  # fmt: skip
    request_budget: float = setting(
        "FLEXITI_REQUEST_BUDGET", 5,
        value.duration_at_most(25, "a request that waits longer is killed by gunicorn's worker "
                               "timeout"),
        CHECKOUT, "2s",
        """The longest a request waits on Flexiti (at most 25 s): the customer's return and the
        status poll, a checkout's start, the API's refunds, cancellations and review decisions,
        the console's actions. Slower work goes on in the background, never twice: the customer
        sees "confirming" or "still starting", the API answers 202 and the console "in
        progress". Callbacks never wait: they are answered once stored.""",
    )  # fmt: skip
    callback_secret: str | None = setting(
        "FLEXITI_CALLBACK_SECRET", None, value.callback_secret, CALLBACKS,
        "k3Y_-k3Y_-k3Y_-k3Y_",
        """16 to 128 letters, digits, ``-`` or ``_``. The callback URL becomes
        ``/flexiti/callback/<secret>`` and the plain one answers 404, so only Flexiti can post
        callbacks, and none is throttled. Set it.""",
        shown="none",
    )  # fmt: skip
    max_callback_bytes: int = setting(
        "FLEXITI_MAX_CALLBACK_BYTES", 64 * 1024, value.whole(1024, 10 << 20), CALLBACKS,
        "131072",
        """Larger callback bodies are refused with 413 (1 KiB to 10 MiB).""",
    )  # fmt: skip
    lookup_interval: float = setting(
        "FLEXITI_LOOKUP_INTERVAL", 2, value.parse_duration, CALLBACKS, "500ms",
        """At most one lookup per order per interval, across all workers. A callback on the
        ``FLEXITI_CALLBACK_SECRET`` path is news and still gets its lookup; the search for the
        order of a callback without the secret may look an order up again after a quarter of
        the interval.""",
        shown="``2s``",
    )  # fmt: skip
    anonymous_callback_limit: tuple[int, float] = setting(
        "FLEXITI_ANONYMOUS_CALLBACK_LIMIT", "600/1m", value.callback_limit, CALLBACKS, "50/10s",
        """Without ``FLEXITI_CALLBACK_SECRET``: at most this many callbacks stored per window
        (``COUNT/DURATION``), across all workers; more get 429 with ``Retry-After`` and a
        warning counts them. Far above what Flexiti sends a shop: raise it if the warning ever
        names Flexiti's own volume.""",
    )  # fmt: skip
    cache_ttl: float = setting(
        "FLEXITI_CACHE_TTL", _STOREFRONT.cache_ttl, value.parse_duration, STOREFRONT, "5m",
        """How long an availability or calculator answer is fresh. A stale one is still served
        while one background call refreshes it.""",
        shown="``10m``",
    )  # fmt: skip
    storefront_budget: float = setting(
        "FLEXITI_STOREFRONT_BUDGET", _STOREFRONT.budget,
        value.duration_at_most(30, "it is how long a shop page may wait for Flexiti"),
        STOREFRONT, "2s",
        """How long, in all, one shop request may wait for Flexiti for gates and plans (at most
        30 s). After that the price is ``pending``: the call goes on (up to
        ``FLEXITI_TIMEOUT``), its answer fills the cache, and ``flexiti.js`` asks again and
        fills the badge in.""",
        shown="``1.5`` seconds",
    )  # fmt: skip
    storefront_failure_ttl: float = setting(
        "FLEXITI_STOREFRONT_FAILURE_TTL", _STOREFRONT.failure_ttl, value.duration_or_zero,
        STOREFRONT, "1m",
        """How long a failed availability or calculator call is remembered: the option stays
        hidden meanwhile, unless a stale good answer is known, which is shown.""",
        shown="``30s``",
    )  # fmt: skip
    storefront_max_stale: float = setting(
        "FLEXITI_STOREFRONT_MAX_STALE", _STOREFRONT.max_stale, value.duration_or_zero,
        STOREFRONT, "2h",
        """How long past ``FLEXITI_CACHE_TTL`` a good answer is still shown while its refresh is
        slow or failing (``0``: never).""",
        shown="``1d``",
    )  # fmt: skip
    storefront_breaker_threshold: int = setting(
        "FLEXITI_STOREFRONT_BREAKER_THRESHOLD", _STOREFRONT.breaker_threshold,
        value.whole(1, 1000), STOREFRONT, "10",
        """Failures in a row after which the storefront stops calling Flexiti for a
        cool-down.""",
    )  # fmt: skip
    storefront_breaker_cooldown: float = setting(
        "FLEXITI_STOREFRONT_BREAKER_COOLDOWN", _STOREFRONT.breaker_cooldown,
        value.parse_duration, STOREFRONT, "1m",
        """How long the storefront leaves Flexiti alone after the breaker opened; then one call
        probes it.""",
        shown="``30s``",
    )  # fmt: skip
    storefront_workers: int = setting(
        "FLEXITI_STOREFRONT_WORKERS", _STOREFRONT.workers, value.whole(1, 128), STOREFRONT, "8",
        """Threads (and connections) per process for the storefront's calls to Flexiti
        (1 to 128).""",
    )  # fmt: skip
    allowed_origins: tuple[str, ...] | None = setting(
        "FLEXITI_ALLOWED_ORIGINS", "*", allowed_origins, STOREFRONT,
        "https://shop.example,https://www.shop.example",
        """The shop origins whose pages may use the service from the browser: CORS answers on
        availability, the calculator and the static files, and which pages may frame the
        checkout pages (``frame-ancestors``) and receive the outcome. ``*`` lets any site:
        list your shop's origins in production.""",
        shown="``*`` (any site)",
    )  # fmt: skip
    store_url: str | None = setting(
        "FLEXITI_STORE_URL", None, value.optional_text, STORE,
        "postgresql+psycopg://flexiti:secret@db.internal:5432/shop",
        """SQLAlchemy URL of the store: orders, callback deliveries, webhook events, shared
        tokens and the storefront's cache. Use PostgreSQL when several hosts run the shop.""",
        shown="SQLite file ``flexiti.sqlite3`` in the instance folder",
    )  # fmt: skip
    retention: float = setting(
        "FLEXITI_RETENTION", "90d", value.parse_duration, STORE, "30d",
        """How long ``flask flexiti prune`` keeps processed callback deliveries, delivered
        webhook events, expired tokens and cached storefront answers. Orders and their history
        are never pruned.""",
    )  # fmt: skip
    shop_webhook_url: str | None = setting(
        "FLEXITI_SHOP_WEBHOOK_URL", None, value.webhook_url, WEBHOOKS,
        "https://shop.example/hooks/flexiti",
        """Where a signed event is POSTed each time an order settles or a refund ends (http or
        https). Unset, no webhooks are sent.""",
        shown="none (no webhooks)",
    )  # fmt: skip
    shop_webhook_secret: bytes | None = setting(
        "FLEXITI_SHOP_WEBHOOK_SECRET", None, value.webhook_secret, WEBHOOKS,
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        """``whsec_`` followed by the base64 of at least 24 random bytes; required with the
        URL. It signs the webhooks, the Standard Webhooks way.""",
        shown="none",
    )  # fmt: skip
    api_keys: tuple[str, ...] = setting(
        "FLEXITI_API_KEYS", (), value.api_keys, SERVICE, "shop-api-key-0123456789abcdef",
        """Bearer keys of the standalone service's JSON API, comma-separated or a list, 16 to
        256 characters each; several allow rotation. The service requires one outside sandbox
        mode.""",
        shown="none", service_requires=True,
    )  # fmt: skip
    admin_keys: tuple[str, ...] = setting(
        "FLEXITI_ADMIN_KEYS", (), value.api_keys, SERVICE, "staff-key-0123456789abcdef",
        """Keys staff sign in to the staff console with, comma-separated or a list, 16 to 256
        characters each. Setting one turns the console on.""",
        shown="none",
    )  # fmt: skip
    admin_idle_timeout: float = setting(
        "FLEXITI_ADMIN_IDLE_TIMEOUT", 1800, value.parse_duration, SERVICE, "15m",
        """How long a staff session signed in with a key lasts unused; then staff sign in
        again. Sign-out and removing the key end it at once, on every host.""",
        shown="``30m``",
    )  # fmt: skip

    @property
    def embedded_sandbox(self) -> bool:
        """Sandbox mode with no API URL given: the app serves a sandbox of its own."""
        return self.environment == "sandbox" and self.online_api_url is None

    @property
    def storefront(self) -> StorefrontSettings:
        """The gate's, the calculator's and the badges' settings."""
        return StorefrontSettings(
            cache_ttl=self.cache_ttl,
            budget=self.storefront_budget,
            failure_ttl=self.storefront_failure_ttl,
            breaker_threshold=self.storefront_breaker_threshold,
            breaker_cooldown=self.storefront_breaker_cooldown,
            workers=self.storefront_workers,
            max_stale=self.storefront_max_stale,
            plans=self.plans,
            badge_plan=self.badge_plan,
        )

    def __repr__(self) -> str:  # never show the secrets
        return f"Settings(environment={self.environment!r}, client_id={self.client_id!r})"


@dataclass(frozen=True)
class ServiceSettings:
    """What the standalone service reads from the environment besides ``Settings``."""

    url_prefix: str = setting(
        "FLEXITI_URL_PREFIX", "/flexiti", value.url_prefix, SERVICE, "/pay/flexiti",
        """The standalone service only: where it serves its pages, API and callbacks (``/`` is
        the site's root). A Flask shop passes ``url_prefix=`` to ``FlexitiCheckout``.""",
    )  # fmt: skip
    instance_path: Path = setting(
        "FLEXITI_INSTANCE_PATH", None, value.instance_path, SERVICE, "/var/lib/flexiti",
        """The standalone service only: its instance folder, where the default SQLite store and
        the embedded sandbox's state are kept. Every worker of one host must share it.""",
        shown="``instance`` in the working directory",
    )  # fmt: skip
    #: The ``app.config`` values the environment sets (the sandbox fallbacks included).
    config: Mapping[str, Any] = field(default_factory=dict)
    environment: str = "sandbox"


def setting_fields(record: type) -> list[tuple[str, Setting]]:
    """The fields of ``record`` that are settings, with their declarations."""
    return [(item.name, item.metadata["setting"]) for item in fields(record) if item.metadata]


#: Every setting, the extension's then the service's own, in the documentation's order.
CATALOGUE = tuple(entry for _, entry in setting_fields(Settings) + setting_fields(ServiceSettings))
#: Every key of ``Settings`` and its default; ``init_app`` fills them into ``app.config``.
DEFAULTS: dict[str, Any] = {entry.key: entry.default for _, entry in setting_fields(Settings)}


def load_settings(config: MutableMapping[str, Any]) -> Settings:
    """Fill in defaults and validate every ``FLEXITI_*`` key of ``config``."""
    for key, default in DEFAULTS.items():
        config.setdefault(key, default)
    values = {}
    for name, entry in setting_fields(Settings):
        raw = config.get(entry.key)
        if entry.also and not raw:
            raw = config.get(entry.also)
        values[name] = entry.parse(entry.key, raw)
    _credentials(values)
    _api_urls(values)
    if values["environment"] == "sandbox" and not values["plans"]:
        values["plans"] = sandbox_plans()
    if values["shop_webhook_url"] is not None and values["shop_webhook_secret"] is None:
        raise ConfigurationError(
            "FLEXITI_SHOP_WEBHOOK_SECRET is required when FLEXITI_SHOP_WEBHOOK_URL is set: "
            "webhooks to the shop are always signed"
        )
    return Settings(**values)


def _credentials(values: dict[str, Any]) -> None:
    """Sandbox mode falls back to the sandbox's own credentials; Flexiti needs the shop's."""
    for name, key in (
        ("client_id", "FLEXITI_CLIENT_ID"),
        ("client_secret", "FLEXITI_CLIENT_SECRET"),
    ):
        if values[name] is not None:
            continue
        if values["environment"] == "sandbox":
            from flexiti_checkout._sandbox_keys import APP_FALLBACKS  # sandbox mode only

            values[name] = APP_FALLBACKS[key]
        else:
            raise ConfigurationError(
                f"{key} is required when FLEXITI_ENVIRONMENT is {values['environment']!r}; "
                "find it in Flexiti's developer portal"
            )


def _api_urls(values: dict[str, Any]) -> None:
    """Flexiti's hosts by default; a sandbox given its Online API URL has its POS API beside."""
    online, pos = values["online_api_url"], values["pos_api_url"]
    if values["environment"] == "sandbox":
        if pos is None and online is not None:
            values["pos_api_url"] = online.replace("/flexiti/online-api", "/flexiti/pos-api/v2.5")
        return
    default_online, default_pos = ENVIRONMENTS[values["environment"]]
    values["online_api_url"], values["pos_api_url"] = online or default_online, pos or default_pos
