"""The checkout service, over HTTP: its JSON API (with the shop's key) and its public storefront.

Every amount goes out and comes back as a string of exact digits, never a float.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings

log = logging.getLogger("flexiti_oscar")

#: Connect and read timeouts: a shop page never waits long for the service.
TIMEOUT = (3.05, 10.0)


class ServiceError(Exception):
    """The service refused (``status`` 4xx, its ``code``) or did not answer (``status`` 0/5xx)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


class FlexitiService:
    """The service at ``url`` (its prefix, ``https://checkout.example/flexiti``)."""

    def __init__(self, url: str, api_key: str, session: requests.Session | None = None) -> None:
        self.url = url.rstrip("/")
        self.http = session or requests.Session()
        self.http.headers["Authorization"] = f"Bearer {api_key}"

    @classmethod
    def from_settings(cls) -> FlexitiService:
        return cls(settings.FLEXITI_SERVICE_URL, settings.FLEXITI_API_KEY)

    def available(self, amount: Decimal) -> bool:
        """Whether Flexiti finances ``amount``; ``False`` when unsure (the option stays hidden)."""
        try:
            answer = self._call("GET", "/availability", params={"amount": f"{amount:.2f}"})
        except ServiceError:
            return False
        return answer.get("enabled") is True

    def start(self, checkout: dict[str, Any]) -> dict[str, Any]:
        """Start (or resume, for a merchant order still pending) a checkout."""
        return self._call("POST", "/api/checkouts", json=checkout)

    def order(self, number: str) -> dict[str, Any]:
        return self._call("GET", f"/api/orders/{quote(number, safe='')}")

    def refund(self, number: str, amount: Decimal | None, reason: str, key: str, actor: str):
        body = {"reason": reason, "actor": actor}
        if amount is not None:  # no amount refunds what remains; ``null`` is refused
            body = {"amount": f"{amount:.2f}", **body}
        headers = {"Idempotency-Key": key}
        path = f"/api/orders/{quote(number, safe='')}/refunds"
        return self._call("POST", path, json=body, headers=headers)

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.http.request(method, self.url + path, timeout=TIMEOUT, **kwargs)
            answer = response.json()
        except (requests.RequestException, ValueError) as exc:
            log.warning("The Flexiti checkout service did not answer %s %s: %r", method, path, exc)
            raise ServiceError(0, "unavailable", "The Flexiti service did not answer.") from exc
        if not response.ok or not isinstance(answer, dict):
            answer = answer if isinstance(answer, dict) else {}
            raise ServiceError(
                response.status_code, answer.get("error", "error"), answer.get("message", "")
            )
        return answer
