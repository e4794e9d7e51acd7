"""Sending one call to Flexiti: headers, timeouts, the retries that are safe, and what came back.

``FlexitiClient`` decides *what* to ask (paths, bodies, tokens); this module decides *how*: every
request carries the flow's ``x-reference-id`` and both timeouts, calls that are safe to repeat are
retried with jittered backoff (``Retry-After`` honoured), each call logs one line without secrets,
and every failure, including HTML pages and broken JSON, becomes an error of the one hierarchy.
"""

from __future__ import annotations

import importlib.metadata
import logging
import random
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Literal

import requests

from flexiti_checkout import _json
from flexiti_checkout.errors import FlexitiError, UnavailableError, error_from_response
from flexiti_checkout.metrics import FLEXITI_ERRORS, FLEXITI_SECONDS

log = logging.getLogger(__name__)

Api = Literal["online", "pos"]
Scope = Literal["customer", "merchant"]


def _version() -> str:
    try:
        return importlib.metadata.version("flexiti-checkout")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a bare tree
        return "0"


USER_AGENT = f"flexiti-checkout/{_version()}"


@dataclass(frozen=True)
class Call:
    """One API call as the transport needs to know it."""

    api: Api
    method: str
    path: str
    scope: Scope | None  # None: the token call itself, which carries no bearer token
    retry_safe: bool
    json: Any = None
    form: Mapping[str, str] | None = None
    params: Mapping[str, str] | None = None
    #: POS API only: the version segment of the URL, as Flexiti's pages write it per endpoint.
    version: str = "v2.5"
    #: The answer is a document (HTML), not JSON: returned as text.
    text: bool = False
    #: The path as a metric names it, identifiers replaced (``/transactions/{id}``); unset, the
    #: path itself, for a path that carries none.
    endpoint: str | None = None

    @property
    def endpoint_label(self) -> str:
        """The method and path of the endpoint, without the client id or any identifier."""
        path = _CLIENT_ID.sub("", self.endpoint or self.path)
        return f"{self.method} {path if self.api == 'online' else f'/pos/{self.version}{path}'}"


_CLIENT_ID = re.compile(r"/client-id/[^/]+")


class Transport:
    """Sends ``Call``s over a ``requests.Session`` with timeouts and safe retries."""

    def __init__(
        self,
        session: requests.Session,
        *,
        timeout: tuple[float, float],
        max_retries: int,
        backoff: float,
        backoff_cap: float,
        max_retry_after: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._session = session
        self.timeout = timeout
        self.max_retries = max_retries
        self._backoff = backoff
        self._backoff_cap = backoff_cap
        self._max_retry_after = max_retry_after
        self._sleep = sleep

    def server_time(self, url: str) -> float | None:
        """The ``Date`` of the host's answer to a plain GET of ``url`` (epoch seconds), or
        ``None`` when it cannot be reached or sends none: how far our clock is from Flexiti's."""
        try:
            response = self._session.get(url, timeout=self.timeout, allow_redirects=False)
            return parsedate_to_datetime(response.headers["Date"]).timestamp()
        except (requests.RequestException, KeyError, TypeError, ValueError):
            return None

    def send(self, call: Call, url: str, reference_id: str, bearer: str | None) -> Any:
        """Send ``call``, retrying what is safe to retry; returns the parsed JSON body."""
        attempts = 1 + self.max_retries
        for attempt in range(1, attempts + 1):
            try:
                return self._send_once(call, url, reference_id, bearer)
            except FlexitiError as exc:
                kind = "unavailable" if isinstance(exc, UnavailableError) else "refused"
                FLEXITI_ERRORS.labels(call.endpoint_label, kind).inc()
                retry = attempt < attempts and self._should_retry(call, exc)
                if not retry:
                    raise
                self._sleep(self._delay(attempt, exc.retry_after))
        raise AssertionError("unreachable")  # pragma: no cover

    def _should_retry(self, call: Call, exc: FlexitiError) -> bool:
        if not isinstance(exc, UnavailableError):
            return False
        if call.retry_safe:
            return True
        # A call that opens something at Flexiti may be retried only if it never left us.
        return exc.never_sent

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        delay = min(self._backoff_cap, self._backoff * 2 ** (attempt - 1))
        delay = random.uniform(delay / 2, delay)  # noqa: S311 - jitter, not cryptography
        if retry_after is not None:
            delay = max(delay, min(retry_after, self._max_retry_after))
        return delay

    def _send_once(self, call: Call, url: str, reference_id: str, bearer: str | None) -> Any:
        headers = {
            "x-reference-id": reference_id,
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        data: bytes | Mapping[str, str] | None = None
        if call.form is not None:
            data = call.form  # requests form-encodes a mapping
        elif call.json is not None:
            data = _json.dumps(call.json).encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        started = time.perf_counter()
        status: int | str = "-"
        try:
            response = self._session.request(
                call.method,
                url,
                params=call.params,
                data=data,
                headers=headers,
                timeout=self.timeout,
            )
            status = response.status_code
        except requests.RequestException as exc:
            status = type(exc).__name__
            raise UnavailableError(
                f"Could not reach Flexiti ({_describe(exc)})",
                reference_id=reference_id,
                never_sent=_never_sent(exc),
            ) from exc
        finally:
            elapsed = time.perf_counter() - started
            FLEXITI_SECONDS.labels(call.endpoint_label).observe(elapsed)
            elapsed_ms = elapsed * 1000
            log.info(
                "%s %s%s -> %s in %.0f ms (reference id %s)",
                call.method,
                _api_prefix(call.api),
                call.path,
                status,
                elapsed_ms,
                reference_id,
            )
        if call.text and 200 <= response.status_code < 300:
            return parse_text(response)
        return parse_response(response, reference_id)


def parse_text(response: requests.Response) -> str:
    """A document answer: its text, or the string a JSON-encoded answer carries."""
    if response.headers.get("Content-Type", "").startswith("application/json"):
        try:
            body = _json.loads(response.content)
        except ValueError:
            body = None
        if isinstance(body, str):
            return body
    return response.text


#: POS API v2.5 types ``x-reference-id`` as "ASCII string (32), GUID": a GUID's 32 hex digits.
REFERENCE_ID_LENGTH = 32
_UUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_PRINTABLE_ASCII = re.compile(r"^[\x21-\x7e]+$")


def new_reference_id() -> str:
    """A fresh ``x-reference-id``: a GUID as 32 hex digits, the form Flexiti documents."""
    return uuid.uuid4().hex


def normalize_reference_id(value: str) -> str:
    """``value`` as an ``x-reference-id`` Flexiti accepts: a hyphenated GUID loses its hyphens.

    Raises ``ValueError`` for an id that would still be longer than 32 characters, or that is
    not printable ASCII: a strict server refuses those, so they are refused here, before sending.
    """
    text = str(value).strip()
    if _UUID.match(text):
        return text.replace("-", "").lower()
    if not _PRINTABLE_ASCII.match(text) or len(text) > REFERENCE_ID_LENGTH:
        raise ValueError(
            f"reference_id must be at most {REFERENCE_ID_LENGTH} printable ASCII characters "
            f"(Flexiti's x-reference-id is a GUID's 32 hex digits), not {len(text)} characters; "
            "pass a GUID such as uuid.uuid4().hex"
        )
    return text


def parse_response(response: requests.Response, reference_id: str) -> Any:
    """The JSON body of a response, or the error that says what was wrong with it."""
    body: Any = None
    parse_error: Exception | None = None
    if response.content:
        try:
            body = _json.loads(response.content)
        except ValueError as exc:
            parse_error = exc
    if 200 <= response.status_code < 300:
        if parse_error is not None or body is None:
            kind = "an empty body" if not response.content else f"a body that {parse_error}"
            raise UnavailableError(
                f"Flexiti answered {response.status_code} with {kind}",
                reference_id=reference_id,
                status=response.status_code,
            ) from parse_error
        return body
    error = error_from_response(
        response.status_code,
        body,
        reference_id=reference_id,
        retry_after=_retry_after(response.headers.get("Retry-After")),
    )
    if parse_error is not None and response.status_code < 500 and response.status_code != 429:
        # A non-JSON 4xx comes from a proxy or gateway, not from Flexiti's application.
        error = UnavailableError(
            f"Flexiti answered {response.status_code} with a body that is not JSON",
            status=response.status_code,
            reference_id=reference_id,
        )
    raise error


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


def _never_sent(exc: requests.RequestException) -> bool:
    """Whether the request certainly did not reach Flexiti (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError):
        text = repr(exc.args)
        return "NewConnectionError" in text or "NameResolutionError" in text
    return False


def _describe(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed"
    return type(exc).__name__


def _api_prefix(api: Api) -> str:
    return "[online]" if api == "online" else "[pos]"
