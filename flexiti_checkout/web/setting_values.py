"""How each kind of setting is read and checked: durations, numbers, URLs, hosts, keys.

``settings.load_settings`` calls these, so a bad value fails at ``init_app`` naming its key.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flexiti_checkout.client.flexiti import ENVIRONMENTS, SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from flexiti_checkout.errors import ConfigurationError
from flexiti_checkout.money import Lang, normalize_lang
from flexiti_checkout.storefront.plans import StorefrontSettings
from flexiti_checkout.webhooks.signing import parse_secret

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$")
#: Long enough that guessing is hopeless; printable and without separators so it fits a header.
_API_KEY = re.compile(r"[A-Za-z0-9._~+/=-]{16,256}")


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


def optional_text(config: Mapping[str, Any], key: str) -> str | None:
    value = config.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ConfigurationError(f"{key} must be a string, not {type(value).__name__}")
    return value.strip()


def credentials(config: Mapping[str, Any], environment: str) -> tuple[str, str]:
    client_id = optional_text(config, "FLEXITI_CLIENT_ID")
    client_secret = optional_text(config, "FLEXITI_CLIENT_SECRET")
    if environment == "sandbox":
        return client_id or SANDBOX_CLIENT_ID, client_secret or SANDBOX_CLIENT_SECRET
    for key, value in (("FLEXITI_CLIENT_ID", client_id), ("FLEXITI_CLIENT_SECRET", client_secret)):
        if value is None:
            raise ConfigurationError(
                f"{key} is required when FLEXITI_ENVIRONMENT is {environment!r}; "
                "find it in Flexiti's developer portal"
            )
    assert client_id is not None and client_secret is not None
    return client_id, client_secret


def api_urls(config: Mapping[str, Any], environment: str) -> tuple[str | None, str | None]:
    online = url(config, "FLEXITI_ONLINE_API_URL")
    pos = url(config, "FLEXITI_POS_API_URL")
    if environment == "sandbox":
        if pos is None and online is not None:
            pos = online.replace("/flexiti/online-api", "/flexiti/pos-api/v2.5")
        return online, pos
    default_online, default_pos = ENVIRONMENTS[environment]
    return online or default_online, pos or default_pos


def url(config: Mapping[str, Any], key: str) -> str | None:
    value = optional_text(config, key)
    if value is None:
        return None
    if not re.match(r"^https?://[^/\s]+", value):
        raise ConfigurationError(f"{key} must be an http(s) URL, not {value!r}")
    return value.rstrip("/")


def callback_secret(config: Mapping[str, Any]) -> str | None:
    secret = optional_text(config, "FLEXITI_CALLBACK_SECRET")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{16,128}", secret):
        raise ConfigurationError(
            "FLEXITI_CALLBACK_SECRET must be 16 to 128 letters, digits, '-' or '_' "
            "(it becomes a path segment of the callback URL)"
        )
    return secret


def signing_keys(config: Mapping[str, Any]) -> tuple[str, ...]:
    raw = config.get("FLEXITI_SIGNING_KEY") or config.get("SECRET_KEY")
    keys: list[str] = []
    if isinstance(raw, (str, bytes)):
        keys = [key_text(raw)]
    elif isinstance(raw, (list, tuple)):
        keys = [key_text(k) for k in raw]
    keys = [k for k in keys if k.strip()]
    if not keys:
        raise ConfigurationError(
            "FLEXITI_SIGNING_KEY (or Flask's SECRET_KEY) is required: it signs the tokens the "
            "customer's browser carries. Set a long random string; a list rotates keys, "
            "newest first"
        )
    return tuple(keys)


def key_text(key: Any) -> str:
    if not isinstance(key, bytes):
        return str(key)
    try:
        return key.decode()
    except UnicodeDecodeError:
        # Random bytes, as Flask's quickstart shows (b'_5#y2L"F4Q8z\n\xec]/'), are rarely UTF-8;
        # latin-1 maps each byte to one character, so the key keeps all of its entropy.
        return key.decode("latin-1")


def timeout(value: Any) -> tuple[float, float]:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        parts = [parse_duration("FLEXITI_TIMEOUT", v) for v in value]
        return parts[0], parts[1]
    read = parse_duration("FLEXITI_TIMEOUT", value)
    return min(3.05, read), read


def whole(config: Mapping[str, Any], key: str, *, low: int, high: int) -> int:
    value = config.get(key)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigurationError(f"{key} must be a whole number, not {value!r}") from None
    if isinstance(value, bool) or not low <= number <= high:
        raise ConfigurationError(f"{key} must be between {low} and {high}, not {value!r}")
    return number


def hosts(value: Any) -> tuple[str, ...]:
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


def lang(value: Any) -> Lang:
    found = normalize_lang(value)
    if found is None:
        raise ConfigurationError(f"FLEXITI_DEFAULT_LANG must be 'en' or 'fr', not {value!r}")
    return found


def request_budget(value: Any) -> float:
    """``FLEXITI_REQUEST_BUDGET``: under gunicorn's 30-s worker timeout, with room to answer."""
    budget = parse_duration("FLEXITI_REQUEST_BUDGET", value)
    if budget > 25:
        raise ConfigurationError(
            f"FLEXITI_REQUEST_BUDGET must be at most 25 seconds, not {budget:g}: a request "
            "that waits longer is killed by gunicorn's worker timeout"
        )
    return budget


def callback_limit(value: Any) -> tuple[int, float]:
    """``FLEXITI_ANONYMOUS_CALLBACK_LIMIT``: ``"600/1m"``, at most 600 callbacks a minute."""
    key = "FLEXITI_ANONYMOUS_CALLBACK_LIMIT"
    count, slash, window = str(value).partition("/")
    if not slash or not count.strip().isdigit():
        raise ConfigurationError(f"{key} must be a count per duration such as '600/1m', "
                                 f"not {value!r}")  # fmt: skip
    limit = int(count)
    if not 1 <= limit <= 1_000_000:
        raise ConfigurationError(f"{key} must allow 1 to 1000000 callbacks, not {value!r}")
    return limit, parse_duration(key, window.strip())


def storefront_settings(config: Mapping[str, Any]) -> StorefrontSettings:
    """The gate's, the calculator's and the badges' keys."""
    budget = parse_duration("FLEXITI_STOREFRONT_BUDGET", config["FLEXITI_STOREFRONT_BUDGET"])
    if budget > 30:
        raise ConfigurationError(
            f"FLEXITI_STOREFRONT_BUDGET must be at most 30 seconds, not {budget:g}: it is how "
            "long a shop page may wait for Flexiti"
        )
    return StorefrontSettings(
        cache_ttl=parse_duration("FLEXITI_CACHE_TTL", config["FLEXITI_CACHE_TTL"]),
        budget=budget,
        failure_ttl=parse_duration(
            "FLEXITI_STOREFRONT_FAILURE_TTL",
            config["FLEXITI_STOREFRONT_FAILURE_TTL"],
            allow_zero=True,
        ),
        breaker_threshold=whole(config, "FLEXITI_STOREFRONT_BREAKER_THRESHOLD", low=1, high=1000),
        breaker_cooldown=parse_duration(
            "FLEXITI_STOREFRONT_BREAKER_COOLDOWN", config["FLEXITI_STOREFRONT_BREAKER_COOLDOWN"]
        ),
        workers=whole(config, "FLEXITI_STOREFRONT_WORKERS", low=1, high=128),
        max_stale=parse_duration(
            "FLEXITI_STOREFRONT_MAX_STALE", config["FLEXITI_STOREFRONT_MAX_STALE"], allow_zero=True
        ),
    )


def api_keys(value: Any, name: str = "FLEXITI_API_KEYS") -> tuple[str, ...]:
    """Keys such as ``FLEXITI_API_KEYS``: a comma-separated string or a list; several keys
    allow rotation."""
    if value is None:
        return ()
    if isinstance(value, str):
        items: list[Any] = value.split(",")
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
    else:
        raise ConfigurationError(
            f"{name} must be a comma-separated string or a list, not {type(value).__name__}"
        )
    keys = []
    for position, item in enumerate(items, start=1):
        key = item.strip() if isinstance(item, str) else item
        if key == "":
            continue
        if not (isinstance(key, str) and _API_KEY.fullmatch(key)):
            # The key itself is a secret: say which one is wrong, never what it is.
            raise ConfigurationError(
                f"{name} entry #{position} must be 16 to 256 letters, digits or "
                "'._~+/=-' (make one with: python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))')"
            )
        keys.append(key)
    return tuple(keys)


def shop_webhook(config: Mapping[str, Any]) -> dict[str, Any]:
    """``FLEXITI_SHOP_WEBHOOK_URL`` and ``FLEXITI_SHOP_WEBHOOK_SECRET``, as ``Settings`` fields.

    Webhooks are off without a URL; with one, the secret is required.
    """
    url = config.get("FLEXITI_SHOP_WEBHOOK_URL")
    raw_secret = config.get("FLEXITI_SHOP_WEBHOOK_SECRET")
    if isinstance(raw_secret, str) and not raw_secret.strip():
        raw_secret = None
    secret = None
    if raw_secret is not None:
        secret = parse_secret("FLEXITI_SHOP_WEBHOOK_SECRET", raw_secret)
    if url is None or (isinstance(url, str) and not url.strip()):
        return {"shop_webhook_url": None, "shop_webhook_secret": secret}
    if not isinstance(url, str) or not _is_http_url(url.strip()):
        raise ConfigurationError(
            "FLEXITI_SHOP_WEBHOOK_URL must be an http(s) URL such as "
            f"https://shop.example/hooks/flexiti, not {url!r}"
        )
    if secret is None:
        raise ConfigurationError(
            "FLEXITI_SHOP_WEBHOOK_SECRET is required when FLEXITI_SHOP_WEBHOOK_URL is set: "
            "webhooks to the shop are always signed"
        )
    return {"shop_webhook_url": url.strip(), "shop_webhook_secret": secret}


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not parts.username
        and not parts.fragment
        and not any(char.isspace() for char in url)
    )
