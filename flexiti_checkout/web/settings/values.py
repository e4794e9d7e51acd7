"""How a setting is declared (``Setting``), and how each kind is read and checked.

``setting`` declares one field of the catalogue in ``settings``, which names one parser per key.
Every parser takes the key and the raw value (from ``app.config``, or from the environment where
everything is text) and returns the value the settings record holds, or raises
``ConfigurationError`` naming the key and saying what a good value looks like.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flexiti_checkout.errors import ConfigurationError
from flexiti_checkout.money import Lang, normalize_lang
from flexiti_checkout.webhooks.signing import parse_secret

Parser = Callable[[str, Any], Any]

#: The catalogue's topics, in the documentation's order.
ACCOUNT = "Flexiti account"
CALLS = "Calls to Flexiti"
CHECKOUT = "Checkout and the customer's return"
CALLBACKS = "Callbacks from Flexiti"
STOREFRONT = "Storefront: gate, calculator and badges"
STORE = "The store"
WEBHOOKS = "Webhooks to the shop"
SERVICE = "The standalone service and the staff console"
OPERATIONS = "Background work, retries and metrics"
TOPICS = (ACCOUNT, CALLS, CHECKOUT, CALLBACKS, STOREFRONT, STORE, WEBHOOKS, SERVICE, OPERATIONS)


@dataclass(frozen=True)
class Setting:
    """One setting: its key, default, parser, topic and documentation.

    ``example`` is a good value as the environment would hold it (the tests read every key
    from the environment with it); ``shown`` is the default as the documentation writes it when
    the value itself would not tell a reader much; ``also`` is a key read when this one is
    unset; ``environ_list`` splits the environment's text on commas; ``service_requires`` makes
    the standalone service refuse to start without it outside sandbox mode.
    """

    key: str
    default: Any
    parse: Parser
    topic: str
    example: str
    doc: str
    shown: str | None = None
    also: str | None = None
    environ_list: bool = False
    service_requires: bool = False

    def from_environ(self, text: str) -> Any:
        """The ``app.config`` value for the environment's (non-blank) ``text``."""
        return [part.strip() for part in text.split(",")] if self.environ_list else text


def setting(
    key: str,
    default: Any,
    parse: Parser,
    topic: str,
    example: str,
    doc: str,
    **extra: Any,
) -> Any:
    """A dataclass field declared as the setting ``key`` (see ``Setting``)."""
    entry = Setting(key, default, parse, topic, example, " ".join(doc.split()), **extra)
    return field(metadata={"setting": entry})


ENVIRONMENT_NAMES = ("sandbox", "training", "production")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d{1,5})?$")
#: Long enough that guessing is hopeless; printable and without separators so it fits a header.
_API_KEY = re.compile(r"[A-Za-z0-9._~+/=-]{16,256}")


def environment_name(key: str, value: Any) -> str:
    name = str(value).strip().lower()
    if name not in ENVIRONMENT_NAMES:
        raise ConfigurationError(
            f"{key} must be one of {', '.join(ENVIRONMENT_NAMES)}, not {value!r}"
        )
    return name


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


def format_duration(seconds: float) -> str:
    """``seconds`` as ``parse_duration`` reads it back, in the largest unit that is whole."""
    for unit in ("d", "h", "m", "s"):
        count = seconds / _UNITS[unit]
        if count >= 1 and count == int(count):
            return f"{int(count)}{unit}"
    return f"{seconds * 1000:g}ms"


#: The most waits a retry schedule may list.
MAX_RETRIES_LISTED = 50


def durations(key: str, value: Any) -> tuple[float, ...]:
    """A retry schedule: durations separated by commas (``"2s,10s,1m"``), or a list of them."""
    items = [item for item in _items(key, value, "durations separated by commas such as "
                                                 "'2s,10s,1m'") if str(item).strip()]  # fmt: skip
    if not 1 <= len(items) <= MAX_RETRIES_LISTED:
        raise ConfigurationError(
            f"{key} must list 1 to {MAX_RETRIES_LISTED} durations separated by commas, such as "
            f"'2s,10s,1m,5m', not {value!r}"
        )
    return tuple(parse_duration(key, item) for item in items)


def format_durations(seconds: tuple[float, ...]) -> str:
    """A retry schedule as the environment writes it (``"2s,10s,1m"``)."""
    return ",".join(format_duration(each) for each in seconds)


def duration_or_zero(key: str, value: Any) -> float:
    """A duration where ``0`` means "never" (or "not at all")."""
    return parse_duration(key, value, allow_zero=True)


def duration_at_most(most: float, why: str) -> Parser:
    """A duration of at most ``most`` seconds; ``why`` ends the refusal's sentence."""

    def parse(key: str, value: Any) -> float:
        seconds = parse_duration(key, value)
        if seconds > most:
            raise ConfigurationError(
                f"{key} must be at most {most:g} seconds, not {seconds:g}: {why}"
            )
        return seconds

    return parse


def whole(low: int, high: int) -> Parser:
    """A whole number from ``low`` to ``high``."""

    def parse(key: str, value: Any) -> int:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ConfigurationError(f"{key} must be a whole number, not {value!r}") from None
        if isinstance(value, bool) or not low <= number <= high:
            raise ConfigurationError(f"{key} must be between {low} and {high}, not {value!r}")
        return number

    return parse


_FLAGS = {"true": True, "1": True, "yes": True, "on": True,
          "false": False, "0": False, "no": False, "off": False}  # fmt: skip


def flag(key: str, value: Any) -> bool:
    """``True``/``False``, or in the environment ``true``/``1``/``yes``/``on`` and their
    opposites, in any case."""
    if isinstance(value, bool):
        return value
    found = _FLAGS.get(value.strip().lower()) if isinstance(value, str) else None
    if found is None:
        raise ConfigurationError(f"{key} must be true or false, not {value!r}")
    return found


def optional_text(key: str, value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise ConfigurationError(f"{key} must be a string, not {type(value).__name__}")
    return value.strip()


def url(key: str, value: Any) -> str | None:
    text = optional_text(key, value)
    if text is None:
        return None
    if not re.match(r"^https?://[^/\s]+", text):
        raise ConfigurationError(f"{key} must be an http(s) URL, not {text!r}")
    return text.rstrip("/")


def callback_secret(key: str, value: Any) -> str | None:
    secret = optional_text(key, value)
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{16,128}", secret):
        raise ConfigurationError(
            f"{key} must be 16 to 128 letters, digits, '-' or '_' "
            "(it becomes a path segment of the callback URL)"
        )
    return secret


def signing_keys(key: str, value: Any) -> tuple[str, ...]:
    """One key, or a list that rotates keys (newest first); at least one is required."""
    keys: list[str] = []
    if isinstance(value, (str, bytes)):
        keys = [key_text(value)]
    elif isinstance(value, (list, tuple)):
        keys = [key_text(k) for k in value]
    keys = [k for k in keys if k.strip()]
    if not keys:
        raise ConfigurationError(
            f"{key} (or Flask's SECRET_KEY) is required: it signs the tokens the "
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


def timeout(key: str, value: Any) -> tuple[float, float]:
    """A read timeout (connect capped at 3.05 s), or a ``(connect, read)`` pair."""
    if isinstance(value, (list, tuple)) and len(value) == 2:
        parts = [parse_duration(key, v) for v in value]
        return parts[0], parts[1]
    read = parse_duration(key, value)
    return min(3.05, read), read


def hosts(key: str, value: Any) -> tuple[str, ...]:
    found = []
    for item in _items(key, value, "a comma-separated string or a list of hosts"):
        host = str(item).strip().lower()
        if not host:
            continue
        if not _HOST.match(host):
            raise ConfigurationError(f"{key} entries are 'host' or 'host:port', not {item!r}")
        found.append(host)
    return tuple(found)


def lang(key: str, value: Any) -> Lang:
    found = normalize_lang(value)
    if found is None:
        raise ConfigurationError(f"{key} must be 'en' or 'fr', not {value!r}")
    return found


def callback_limit(key: str, value: Any) -> tuple[int, float]:
    """``"600/1m"``: at most 600 callbacks a minute."""
    count, slash, window = str(value).partition("/")
    if not slash or not count.strip().isdigit():
        raise ConfigurationError(f"{key} must be a count per duration such as '600/1m', "
                                 f"not {value!r}")  # fmt: skip
    limit = int(count)
    if not 1 <= limit <= 1_000_000:
        raise ConfigurationError(f"{key} must allow 1 to 1000000 callbacks, not {value!r}")
    return limit, parse_duration(key, window.strip())


def api_keys(key: str, value: Any) -> tuple[str, ...]:
    """Keys such as ``FLEXITI_API_KEYS``: a comma-separated string or a list; several keys
    allow rotation."""
    keys = []
    for position, item in enumerate(_items(key, value, "a comma-separated string or a list"), 1):
        entry = item.strip() if isinstance(item, str) else item
        if entry == "":
            continue
        if not (isinstance(entry, str) and _API_KEY.fullmatch(entry)):
            # The key itself is a secret: say which one is wrong, never what it is.
            raise ConfigurationError(
                f"{key} entry #{position} must be 16 to 256 letters, digits or "
                "'._~+/=-' (make one with: python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))')"
            )
        keys.append(entry)
    return tuple(keys)


def webhook_url(key: str, value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or not _is_http_url(value.strip()):
        raise ConfigurationError(
            f"{key} must be an http(s) URL such as https://shop.example/hooks/flexiti, "
            f"not {value!r}"
        )
    return value.strip()


def webhook_secret(key: str, value: Any) -> bytes | None:
    """The HMAC key of a ``whsec_…`` secret."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_secret(key, value)


def url_prefix(key: str, value: Any) -> str:
    """Where the blueprint is mounted: a path such as ``/flexiti``; ``/`` is the site's root."""
    prefix = str(value).strip()
    if not prefix.startswith("/") or re.search(r"[\s?#%]", prefix):
        raise ConfigurationError(f"{key} must be a path such as /flexiti or /, not {value!r}")
    return prefix.rstrip("/")


def one_of(*choices: str) -> Parser:
    """One of ``choices`` (case does not matter)."""

    def parse(key: str, value: Any) -> str:
        word = str(value).strip().lower()
        if word not in choices:
            raise ConfigurationError(f"{key} must be one of {', '.join(choices)}, not {value!r}")
        return word

    return parse


def instance_path(key: str, value: Any) -> Path:
    """A folder; the default is ``instance`` in the working directory."""
    text = optional_text(key, value)
    return Path(text or Path.cwd() / "instance").resolve()


def _items(key: str, value: Any, form: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return list(value.split(","))
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    raise ConfigurationError(f"{key} must be {form}, not {type(value).__name__}")


def _is_http_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not parts.username
        and not parts.fragment
        and not any(char.isspace() for char in text)
    )
