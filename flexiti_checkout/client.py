"""``FlexitiClient``: the Flexiti Online and POS APIs in Python, usable without Flask.

It owns everything about talking to Flexiti: tokens per scope (cached, renewed before expiry,
single flight), the ``x-reference-id`` of each customer flow, timeouts, retries for calls that are
safe to repeat, the mapping of every failure to one error hierarchy, and one log line per call.
"""

from __future__ import annotations

import importlib.metadata
import logging
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import quote

import requests
from marshmallow import Schema, ValidationError

from . import _json
from .errors import AuthenticationError, FlexitiError, UnavailableError, error_from_response
from .results import Lookup, MerchantInfo, PaymentPlan, PromoDetails, WidgetSession
from .schemas import (
    AvailabilitySchema,
    LookupSchema,
    MerchantInfoSchema,
    PaymentPlanSchema,
    PromoSchema,
    TokenSchema,
    WidgetSessionSchema,
)
from .tokens import DEFAULT_REFRESH_MARGIN, MemoryTokenStore, Token, TokenCache, TokenStore

log = logging.getLogger("flexiti_checkout.client")


def _version() -> str:
    try:
        return importlib.metadata.version("flexiti-checkout")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - running from a bare tree
        return "0"


#: Base URLs of Flexiti's hosts, per environment: (Online API, POS API v2.5).
ENVIRONMENTS: dict[str, tuple[str, str]] = {
    "production": (
        "https://onlineapi.flexiti.fi/flexiti/online-api",
        "https://posapi.flexiti.fi/flexiti/pos-api/v2.5",
    ),
    "training": (
        "https://onlineapi-training.flexiti.fi/flexiti/online-api",
        "https://posapi-training.flexiti.fi/flexiti/pos-api/v2.5",
    ),
}

FLOWS = ("buy", "apply", "apply/buy")
USER_AGENT = f"flexiti-checkout/{_version()}"
Api = Literal["online", "pos"]
Scope = Literal["customer", "merchant"]

_TOKEN_SCHEMA = TokenSchema()
_WIDGET_SCHEMA = WidgetSessionSchema()
_PLAN_SCHEMA = PaymentPlanSchema()
_AVAILABILITY_SCHEMA = AvailabilitySchema()
_LOOKUP_SCHEMA = LookupSchema()
_PROMO_SCHEMA = PromoSchema()
_MERCHANT_SCHEMA = MerchantInfoSchema()


@dataclass(frozen=True)
class _Call:
    """One API call as the transport needs to know it."""

    api: Api
    method: str
    path: str
    scope: Scope | None  # None: the token call itself, which carries no bearer token
    retry_safe: bool
    json: Any = None
    form: Mapping[str, str] | None = None
    params: Mapping[str, str] | None = None


class FlexitiClient:
    """A client for Flexiti's Online API (e-commerce) and POS API v2.5 (merchant back office).

    ``timeout`` is ``(connect, read)`` seconds or one number for both. ``max_retries`` applies only
    to calls that are safe to repeat (tokens, lookups, calculator, availability), and only after
    connection errors, timeouts, 429 and 5xx answers. ``session`` lets tests or the host reuse a
    ``requests.Session``; ``token_store`` shares tokens between workers.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        online_api_url: str,
        pos_api_url: str,
        timeout: float | tuple[float, float] = (3.05, 10.0),
        max_retries: int = 2,
        session: requests.Session | None = None,
        token_store: TokenStore | None = None,
        backoff: float = 0.25,
        backoff_cap: float = 4.0,
        max_retry_after: float = 10.0,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not client_id or not client_secret:
            raise ValueError("FlexitiClient needs a client id and a client secret")
        if max_retries < 0:
            raise ValueError("max_retries cannot be negative")
        self.client_id = client_id
        self._client_secret = client_secret
        self.online_api_url = online_api_url.rstrip("/")
        self.pos_api_url = pos_api_url.rstrip("/")
        self.timeout = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        self.max_retries = max_retries
        self._session = session or requests.Session()
        self._backoff = backoff
        self._backoff_cap = backoff_cap
        self._max_retry_after = max_retry_after
        self._clock = clock
        self._sleep = sleep
        self._tokens = TokenCache(
            token_store or MemoryTokenStore(), clock=clock, refresh_margin=refresh_margin
        )

    @classmethod
    def for_environment(
        cls, name: str, client_id: str, client_secret: str, **kwargs: Any
    ) -> FlexitiClient:
        """A client for Flexiti's ``"training"`` or ``"production"`` hosts."""
        try:
            online, pos = ENVIRONMENTS[name]
        except KeyError:
            known = ", ".join(sorted(ENVIRONMENTS))
            raise ValueError(f"unknown Flexiti environment {name!r}; use one of: {known}") from None
        kwargs.setdefault("online_api_url", online)
        kwargs.setdefault("pos_api_url", pos)
        return cls(client_id, client_secret, **kwargs)

    def __repr__(self) -> str:
        return (
            f"FlexitiClient(client_id={self.client_id!r}, online_api_url={self.online_api_url!r})"
        )

    # -- Online API: customer-facing calls (customer scope) ---------------------------------

    def widget_init(
        self,
        flow: str,
        amount_requested: Decimal,
        lang: str,
        *,
        merchant_order_id: str | None = None,
        billing_information: Mapping[str, Any] | None = None,
        shipping_information: Mapping[str, Any] | None = None,
        reference_id: str | None = None,
        **fields: Any,
    ) -> WidgetSession:
        """Open Flexiti's hosted flow for one order; returns its order id and redirect URL.

        Never retried once the request may have reached Flexiti: a second init would open a
        second order.
        """
        if flow not in FLOWS:
            raise ValueError(f"flow must be one of {', '.join(FLOWS)}, not {flow!r}")
        body: dict[str, Any] = {
            "lang": lang,
            "flow": flow,
            "amount_requested": _amount(amount_requested),
        }
        if merchant_order_id is not None:
            body["merchant_orderid"] = str(merchant_order_id)
        if billing_information is not None:
            body["billing_information"] = dict(billing_information)
        if shipping_information is not None:
            body["shipping_information"] = dict(shipping_information)
        body.update(fields)
        version = "" if flow == "apply" else "/v2"
        path = f"/online{version}/client-id/{self._cid}/systems/init"
        data = self._call(
            _Call("online", "POST", path, "customer", retry_safe=False, json=body), reference_id
        )
        return self._load(_WIDGET_SCHEMA, data, "widget init", reference_id)

    def learn_more(
        self,
        lang: str,
        *,
        amount_requested: Decimal | None = None,
        reference_id: str | None = None,
        **fields: Any,
    ) -> str:
        """The URL of Flexiti's informational "learn more" flow."""
        body: dict[str, Any] = {"lang": lang, **fields}
        if amount_requested is not None:
            body["amount_requested"] = _amount(amount_requested)
        path = f"/online/client-id/{self._cid}/systems/learn-more"
        data = self._call(
            _Call("online", "POST", path, "customer", retry_safe=False, json=body), reference_id
        )
        url = _find_url(data)
        if url is None:
            raise UnavailableError(
                "Flexiti's learn-more answer carried no URL", reference_id=reference_id
            )
        return url

    def payment_calculator(
        self, price: Decimal, lang: str, *, reference_id: str | None = None
    ) -> PaymentPlan:
        """What ``price`` costs per month under the merchant's plan, with Flexiti's HTML."""
        path = f"/online/v2/client-id/{self._cid}/systems/payment-calculator"
        params = {"price": format(_amount(price), "f"), "lang": lang}
        data = self._call(
            _Call("online", "GET", path, "customer", retry_safe=True, params=params), reference_id
        )
        return self._load(_PLAN_SCHEMA, data, "payment calculator", reference_id)

    def payment_availability(self, amount: Decimal, *, reference_id: str | None = None) -> bool:
        """Whether ``amount`` falls within the merchant's financing plans."""
        path = f"/online/client-id/{self._cid}/merchants/payment-availability"
        body = {"amount_requested": _amount(amount)}
        data = self._call(
            _Call("online", "POST", path, "customer", retry_safe=True, json=body), reference_id
        )
        result = self._load(_AVAILABILITY_SCHEMA, data, "payment availability", reference_id)
        return bool(result["enable_payment_gateway"])

    # -- Online API: lookups and notifications (merchant scope) -----------------------------

    def order_by_merchant_order_id(
        self, merchant_order_id: str, *, reference_id: str | None = None
    ) -> Lookup:
        """Flexiti's authoritative state of the order the shop calls ``merchant_order_id``."""
        return self._lookup("merchant-order-id", merchant_order_id, reference_id)

    def order_by_online_order_id(
        self, online_order_id: str, *, reference_id: str | None = None
    ) -> Lookup:
        """Flexiti's authoritative state of the order widget init called ``online_order_id``."""
        return self._lookup("order-id", online_order_id, reference_id)

    def order_by_promo_id(self, promo_id: str, *, reference_id: str | None = None) -> PromoDetails:
        """The financing terms of the purchase with ``promo_id``."""
        path = f"/online/client-id/{self._cid}/notifications/promo-id/{_segment(promo_id)}"
        data = self._call(_Call("online", "GET", path, "merchant", retry_safe=True), reference_id)
        return self._load(_PROMO_SCHEMA, data, "promo lookup", reference_id)

    def send_test_notification(
        self, event: str, notification_type: str, *, reference_id: str | None = None
    ) -> dict[str, Any]:
        """Ask Flexiti to send a simulated notification to the merchant's callback URL."""
        if event.lower() not in ("purchase", "apply"):
            raise ValueError(f"event must be 'purchase' or 'apply', not {event!r}")
        if notification_type.lower() not in ("success", "error", "cancelled"):
            raise ValueError(
                f"notification_type must be success, error or cancelled, not {notification_type!r}"
            )
        path = f"/online/client-id/{self._cid}/notifications/test"
        body = {"event": event.lower(), "notification_type": notification_type.lower()}
        data = self._call(
            _Call("online", "POST", path, "merchant", retry_safe=False, json=body), reference_id
        )
        return data if isinstance(data, dict) else {}

    # -- POS API ----------------------------------------------------------------------------

    def merchant_login(self, lang: str = "en", *, reference_id: str | None = None) -> MerchantInfo:
        """Log in to the POS API: the cheapest call that proves merchant credentials work."""
        path = f"/client-id/{self._cid}/merchants/login"
        data = self._call(
            _Call("pos", "POST", path, "merchant", retry_safe=True, json={}, params={"lang": lang}),
            reference_id,
        )
        return self._load(_MERCHANT_SCHEMA, data, "merchant login", reference_id)

    # -- internals --------------------------------------------------------------------------

    @property
    def _cid(self) -> str:
        return _segment(self.client_id)

    def _lookup(self, kind: str, identifier: str, reference_id: str | None) -> Lookup:
        if not str(identifier).strip():
            raise ValueError("an order lookup needs a non-empty identifier")
        path = f"/online/client-id/{self._cid}/notifications/{kind}/{_segment(identifier)}"
        data = self._call(_Call("online", "GET", path, "merchant", retry_safe=True), reference_id)
        return self._load(_LOOKUP_SCHEMA, data, "order lookup", reference_id)

    def _base(self, api: Api) -> str:
        return self.online_api_url if api == "online" else self.pos_api_url

    def _call(self, call: _Call, reference_id: str | None) -> Any:
        """Make an API call with a bearer token; on ``invalid_token``, renew it and retry once."""
        reference_id = reference_id or str(uuid.uuid4())
        assert call.scope is not None
        key = f"{call.api}:{call.scope}"
        for attempt in (1, 2):
            token = self._token(key, call, reference_id)
            try:
                return self._send(call, reference_id, token)
            except AuthenticationError as exc:
                if exc.code != "invalid_token" or attempt == 2:
                    raise
                log.info(
                    "Flexiti refused a %s token; renewing it (reference id %s)",
                    call.scope,
                    reference_id,
                )
                self._tokens.drop(key, token)
        raise AssertionError("unreachable")  # pragma: no cover

    def _token(self, key: str, call: _Call, reference_id: str) -> Token:
        api, scope = call.api, call.scope
        assert scope is not None
        # The token call belongs to the flow that needed it: it carries the same reference id.
        return self._tokens.get(
            key, lambda refresh: self._request_token(api, scope, refresh, reference_id)
        )

    def _request_token(
        self, api: Api, scope: Scope, refresh_token: str | None, reference_id: str
    ) -> dict[str, Any]:
        """POST /oauth/token, form-encoded as Flexiti requires."""
        form = {"client_id": self.client_id, "client_secret": self._client_secret, "scope": scope}
        if refresh_token:
            form.update(grant_type="refresh_token", refresh_token=refresh_token)
        else:
            form["grant_type"] = "client_credentials"
        call = _Call(api, "POST", "/oauth/token", None, retry_safe=True, form=form)
        data = self._send(call, reference_id, None)
        return self._load(_TOKEN_SCHEMA, data, "token", reference_id)

    def _send(self, call: _Call, reference_id: str, token: Token | None) -> Any:
        """Send ``call``, retrying what is safe to retry; returns the parsed JSON body."""
        attempts = 1 + self.max_retries
        for attempt in range(1, attempts + 1):
            try:
                return self._send_once(call, reference_id, token)
            except FlexitiError as exc:
                retry = attempt < attempts and self._should_retry(call, exc)
                if not retry:
                    raise
                self._sleep(self._delay(attempt, exc.retry_after))
        raise AssertionError("unreachable")  # pragma: no cover

    def _should_retry(self, call: _Call, exc: FlexitiError) -> bool:
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

    def _send_once(self, call: _Call, reference_id: str, token: Token | None) -> Any:
        headers = {
            "x-reference-id": reference_id,
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if token is not None:
            headers["Authorization"] = f"Bearer {token.access_token}"
        data: bytes | Mapping[str, str] | None = None
        if call.form is not None:
            data = call.form  # requests form-encodes a mapping
        elif call.json is not None:
            data = _json.dumps(call.json).encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        url = self._base(call.api) + call.path
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
            elapsed_ms = (time.perf_counter() - started) * 1000
            log.info(
                "%s %s%s -> %s in %.0f ms (reference id %s)",
                call.method,
                _api_prefix(call.api),
                call.path,
                status,
                elapsed_ms,
                reference_id,
            )
        return _parse(response, reference_id)

    def _load(self, schema: Schema, data: Any, what: str, reference_id: str | None) -> Any:
        try:
            return schema.load(data if isinstance(data, Mapping) else {})
        except ValidationError as exc:
            fields = ", ".join(sorted(str(k) for k in exc.normalized_messages()))
            raise UnavailableError(
                f"Flexiti's {what} answer did not have the expected shape (fields: {fields})",
                reference_id=reference_id,
            ) from exc


def _parse(response: requests.Response, reference_id: str) -> Any:
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
            kind = "an empty body" if not response.content else "a body that is not JSON"
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


def _segment(value: Any) -> str:
    return quote(str(value).strip(), safe="")


def _amount(value: Any) -> Decimal:
    if isinstance(value, (float, bool)):
        raise TypeError("amounts must be Decimal, int or str, never float")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not an amount")
    return amount


def _find_url(data: Any) -> str | None:
    if isinstance(data, str):
        return data
    if isinstance(data, Mapping):
        for key in ("redirection_url", "redirect_url", "url"):
            if isinstance(data.get(key), str):
                return data[key]
    return None
