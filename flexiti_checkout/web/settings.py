"""The extension's settings: every ``FLEXITI_*`` key, its default, and its validation.

``load_settings`` reads them once at ``init_app`` and fails there, naming the key, when a required
one is missing or a value is malformed, so a misconfigured shop never starts half-working. The
standalone service reads the same names from the environment.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from flexiti_checkout.client.flexiti import ENVIRONMENTS
from flexiti_checkout.errors import ConfigurationError
from flexiti_checkout.sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from flexiti_checkout.web.setting_values import api_keys as _api_keys
from flexiti_checkout.web.setting_values import shop_webhook as _shop_webhook

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
    "FLEXITI_TIMEOUT": 10,
    "FLEXITI_MAX_RETRIES": 2,
    "FLEXITI_ALLOWED_REDIRECT_HOSTS": (),
    "FLEXITI_DEFAULT_LANG": "en",
    "FLEXITI_MAX_CALLBACK_BYTES": 64 * 1024,
    "FLEXITI_LOOKUP_INTERVAL": 2,
    "FLEXITI_CACHE_TTL": "10m",
    "FLEXITI_STOREFRONT_BUDGET": 1.5,
    "FLEXITI_STOREFRONT_FAILURE_TTL": "30s",
    "FLEXITI_STOREFRONT_BREAKER_THRESHOLD": 5,
    "FLEXITI_STOREFRONT_BREAKER_COOLDOWN": "30s",
    "FLEXITI_STOREFRONT_WORKERS": 16,
    "FLEXITI_API_KEYS": (),
    "FLEXITI_SHOP_WEBHOOK_URL": None,
    "FLEXITI_SHOP_WEBHOOK_SECRET": None,
}

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$")


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
    default_lang: str
    max_callback_bytes: int
    lookup_interval: float
    api_keys: tuple[str, ...] = ()
    shop_webhook_url: str | None = None
    shop_webhook_secret: bytes | None = None  # the HMAC key, decoded from whsec_…

    @property
    def embedded_sandbox(self) -> bool:
        """Sandbox mode with no API URL given: the app serves a sandbox of its own."""
        return self.environment == "sandbox" and self.online_api_url is None

    def __repr__(self) -> str:  # never show the secrets
        return f"Settings(environment={self.environment!r}, client_id={self.client_id!r})"


def parse_duration(key: str, value: Any, *, allow_zero: bool = False) -> float:
    """Seconds from a number or a string such as ``"90s"``, ``"10m"``, ``"2h"``, ``"1d"``."""
    if isinstance(value, bool):
        raise ConfigurationError(f"{key} must be a duration such as 600, '10m' or '2h'")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        match = _DURATION.match(str(value))
        if not match:
            raise ConfigurationError(
                f"{key} must be a duration such as 600, '10m' or '2h', not {value!r}"
            )
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if not math.isfinite(seconds):  # NaN passes every comparison below; inf is no timeout
        raise ConfigurationError(f"{key} must be a finite duration, not {value!r}")
    if seconds < 0 or (seconds == 0 and not allow_zero):
        raise ConfigurationError(f"{key} must be longer than zero, not {value!r}")
    return seconds


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
    client_id, client_secret = _credentials(config, environment)
    online_url, pos_url = _api_urls(config, environment)
    return Settings(
        environment=environment,
        client_id=client_id,
        client_secret=client_secret,
        online_api_url=online_url,
        pos_api_url=pos_url,
        store_url=_optional_text(config, "FLEXITI_STORE_URL"),
        callback_secret=_callback_secret(config),
        signing_keys=_signing_keys(config),
        success_endpoint=_optional_text(config, "FLEXITI_SUCCESS_ENDPOINT"),
        failure_endpoint=_optional_text(config, "FLEXITI_FAILURE_ENDPOINT"),
        pending_expiry=parse_duration("FLEXITI_PENDING_EXPIRY", config["FLEXITI_PENDING_EXPIRY"]),
        timeout=_timeout(config["FLEXITI_TIMEOUT"]),
        max_retries=_whole(config, "FLEXITI_MAX_RETRIES", low=0, high=10),
        allowed_redirect_hosts=_hosts(config["FLEXITI_ALLOWED_REDIRECT_HOSTS"]),
        default_lang=_lang(config["FLEXITI_DEFAULT_LANG"]),
        max_callback_bytes=_whole(config, "FLEXITI_MAX_CALLBACK_BYTES", low=1024, high=10 << 20),
        lookup_interval=parse_duration(
            "FLEXITI_LOOKUP_INTERVAL", config["FLEXITI_LOOKUP_INTERVAL"]
        ),
        api_keys=_api_keys(config["FLEXITI_API_KEYS"]),
        **_shop_webhook(config),
    )


def _optional_text(config: Mapping[str, Any], key: str) -> str | None:
    value = config.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ConfigurationError(f"{key} must be a string, not {type(value).__name__}")
    return value.strip()


def _credentials(config: Mapping[str, Any], environment: str) -> tuple[str, str]:
    client_id = _optional_text(config, "FLEXITI_CLIENT_ID")
    client_secret = _optional_text(config, "FLEXITI_CLIENT_SECRET")
    if environment == "sandbox":
        return client_id or DEFAULT_CLIENT_ID, client_secret or DEFAULT_CLIENT_SECRET
    for key, value in (("FLEXITI_CLIENT_ID", client_id), ("FLEXITI_CLIENT_SECRET", client_secret)):
        if value is None:
            raise ConfigurationError(
                f"{key} is required when FLEXITI_ENVIRONMENT is {environment!r}; "
                "find it in Flexiti's developer portal"
            )
    assert client_id is not None and client_secret is not None
    return client_id, client_secret


def _api_urls(config: Mapping[str, Any], environment: str) -> tuple[str | None, str | None]:
    online = _url(config, "FLEXITI_ONLINE_API_URL")
    pos = _url(config, "FLEXITI_POS_API_URL")
    if environment == "sandbox":
        if pos is None and online is not None:
            pos = online.replace("/flexiti/online-api", "/flexiti/pos-api/v2.5")
        return online, pos
    default_online, default_pos = ENVIRONMENTS[environment]
    return online or default_online, pos or default_pos


def _url(config: Mapping[str, Any], key: str) -> str | None:
    value = _optional_text(config, key)
    if value is None:
        return None
    if not re.match(r"^https?://[^/\s]+", value):
        raise ConfigurationError(f"{key} must be an http(s) URL, not {value!r}")
    return value.rstrip("/")


def _callback_secret(config: Mapping[str, Any]) -> str | None:
    secret = _optional_text(config, "FLEXITI_CALLBACK_SECRET")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{16,128}", secret):
        raise ConfigurationError(
            "FLEXITI_CALLBACK_SECRET must be 16 to 128 letters, digits, '-' or '_' "
            "(it becomes a path segment of the callback URL)"
        )
    return secret


def _signing_keys(config: Mapping[str, Any]) -> tuple[str, ...]:
    raw = config.get("FLEXITI_SIGNING_KEY") or config.get("SECRET_KEY")
    keys: list[str] = []
    if isinstance(raw, (str, bytes)):
        keys = [_key_text(raw)]
    elif isinstance(raw, (list, tuple)):
        keys = [_key_text(k) for k in raw]
    keys = [k for k in keys if k.strip()]
    if not keys:
        raise ConfigurationError(
            "FLEXITI_SIGNING_KEY (or Flask's SECRET_KEY) is required: it signs the tokens the "
            "customer's browser carries. Set a long random string; a list rotates keys, "
            "newest first"
        )
    return tuple(keys)


def _key_text(key: Any) -> str:
    if not isinstance(key, bytes):
        return str(key)
    try:
        return key.decode()
    except UnicodeDecodeError:
        # Random bytes, as Flask's quickstart shows (b'_5#y2L"F4Q8z\n\xec]/'), are rarely UTF-8;
        # latin-1 maps each byte to one character, so the key keeps all of its entropy.
        return key.decode("latin-1")


def _timeout(value: Any) -> tuple[float, float]:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        parts = [parse_duration("FLEXITI_TIMEOUT", v) for v in value]
        return parts[0], parts[1]
    read = parse_duration("FLEXITI_TIMEOUT", value)
    return min(3.05, read), read


def _whole(config: Mapping[str, Any], key: str, *, low: int, high: int) -> int:
    value = config.get(key)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigurationError(f"{key} must be a whole number, not {value!r}") from None
    if not low <= number <= high:
        raise ConfigurationError(f"{key} must be between {low} and {high}, not {number}")
    return number


def _hosts(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        items: list[Any] = value.split(",")
    elif value is None or isinstance(value, (list, tuple, set, frozenset)):
        items = list(value or ())
    else:
        raise ConfigurationError(
            "FLEXITI_ALLOWED_REDIRECT_HOSTS must be a comma-separated string or a list of hosts, "
            f"not {type(value).__name__}"
        )
    hosts = []
    for item in items:
        host = str(item).strip().lower()
        if not host:
            continue
        if not _HOST.match(host):
            raise ConfigurationError(
                f"FLEXITI_ALLOWED_REDIRECT_HOSTS entries are 'host' or 'host:port', not {item!r}"
            )
        hosts.append(host)
    return tuple(hosts)


def _lang(value: Any) -> str:
    lang = str(value or "").strip().lower()
    if lang not in ("en", "fr", "en-ca", "fr-ca"):
        raise ConfigurationError(f"FLEXITI_DEFAULT_LANG must be 'en' or 'fr', not {value!r}")
    return lang[:2]
