"""Signing webhooks to the shop the Standard Webhooks way, so any of its libraries verifies them.

Each request carries ``webhook-id`` (the event's id, the same on every retry, so the shop can
ignore a repeat), ``webhook-timestamp`` (unix seconds of this attempt) and ``webhook-signature``:
``v1,`` then the base64 HMAC-SHA256 of ``"{id}.{timestamp}.{body}"``. The key is the secret's
base64 part, after ``whsec_``. Nothing here knows Flask or the store.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from flexiti_checkout.errors import ConfigurationError

__all__ = ["MIN_SECRET_BYTES", "SECRET_PREFIX", "parse_secret", "sign", "signature_headers"]

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
#: The Standard Webhooks spec asks for keys of 24 to 64 bytes.
MIN_SECRET_BYTES = 24


def parse_secret(key: str, value: object) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` secret; ``ConfigurationError`` naming ``key`` if not.

    Padding may be left out, as some generators do; anything else that is not base64 is refused
    rather than guessed at, since a wrong key makes every signature fail on the shop's side.
    """
    advice = (
        f"{key} must be '{SECRET_PREFIX}' followed by the base64 of at least "
        f"{MIN_SECRET_BYTES} random bytes (the README shows a one-line way to make one)"
    )
    if not isinstance(value, str) or not value.strip().startswith(SECRET_PREFIX):
        raise ConfigurationError(advice)
    encoded = value.strip()[len(SECRET_PREFIX) :]
    try:
        secret = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError(advice) from None
    if len(secret) < MIN_SECRET_BYTES:
        raise ConfigurationError(f"{advice} (it decodes to {len(secret)} bytes)")
    return secret


def sign(secret: bytes, event_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value for one attempt: ``v1,<base64 HMAC-SHA256>``."""
    signed = f"{event_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signature_headers(secret: bytes, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt."""
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, event_id, timestamp, body),
    }
