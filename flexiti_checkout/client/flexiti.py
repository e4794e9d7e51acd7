"""``FlexitiClient``: the Flexiti Online and POS APIs in Python, usable without Flask.

It owns everything about talking to Flexiti: tokens per scope (cached, renewed before expiry,
single flight), the ``x-reference-id`` of each customer flow, timeouts, retries for calls that are
safe to repeat, the mapping of every failure to one error hierarchy, and one log line per call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import requests
from marshmallow import Schema, ValidationError

from flexiti_checkout.client.pos import PosApi
from flexiti_checkout.client.pos_calls import pos_base
from flexiti_checkout.client.results import (
    Lookup,
    PaymentPlan,
    PromoDetails,
    WidgetSession,
)
from flexiti_checkout.client.schemas import (
    AvailabilitySchema,
    LookupSchema,
    PaymentPlanSchema,
    PromoSchema,
    TokenSchema,
    WidgetSessionSchema,
)
from flexiti_checkout.client.tokens import (
    DEFAULT_REFRESH_MARGIN,
    MemoryTokenStore,
    Token,
    TokenCache,
    TokenStore,
)
from flexiti_checkout.client.transport import (
    Api,
    Call,
    Scope,
    Transport,
    new_reference_id,
    normalize_reference_id,
)
from flexiti_checkout.errors import (
    AuthenticationError,
    UnavailableError,
    UnreadableAnswerError,
)
from flexiti_checkout.models import FLOWS

log = logging.getLogger("flexiti_checkout.client")


#: Base URLs of Flexiti's hosts, per environment: (Online API, POS API v2.5). The POS calls that
#: the seeds write with ``pos-api/v2`` use the same base with ``v2`` (see ``client.pos``).
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

_TOKEN_SCHEMA = TokenSchema()
_WIDGET_SCHEMA = WidgetSessionSchema()
_PLAN_SCHEMA = PaymentPlanSchema()
_AVAILABILITY_SCHEMA = AvailabilitySchema()
_LOOKUP_SCHEMA = LookupSchema()
_PROMO_SCHEMA = PromoSchema()


class FlexitiClient(PosApi):
    """A client for Flexiti's Online API (e-commerce) and POS API (merchant back office).

    The POS methods (customers, applications, transactions, post/cancel/return) come from
    ``client.pos.PosApi``.

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
        self._transport = Transport(
            session or requests.Session(),
            timeout=timeout if isinstance(timeout, tuple) else (timeout, timeout),
            max_retries=max_retries,
            backoff=backoff,
            backoff_cap=backoff_cap,
            max_retry_after=max_retry_after,
            sleep=sleep,
        )
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

    @property
    def timeout(self) -> tuple[float, float]:
        """(connect, read) seconds of every request."""
        return self._transport.timeout

    @property
    def widget_init_timeout(self) -> float:
        """Seconds a widget init may take: a token call and the init, each connect + read."""
        connect, read = self.timeout
        return 2 * (connect + read)

    @property
    def max_retries(self) -> int:
        """Extra attempts for calls that are safe to repeat."""
        return self._transport.max_retries

    @max_retries.setter
    def max_retries(self, value: int) -> None:
        if value < 0:
            raise ValueError("max_retries cannot be negative")
        self._transport.max_retries = value

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
            # The seeds spell it merchant_orderid; Flexiti's JS SDK and the public connectors
            # send merchant_order_id. Both, with one value, so either server spelling finds it.
            body["merchant_orderid"] = body["merchant_order_id"] = str(merchant_order_id)
        if billing_information is not None:
            body["billing_information"] = dict(billing_information)
        if shipping_information is not None:
            body["shipping_information"] = dict(shipping_information)
        body.update(fields)
        version = "" if flow == "apply" else "/v2"
        path = f"/online{version}/client-id/{self._cid}/systems/init"
        data = self._call(
            Call("online", "POST", path, "customer", retry_safe=False, json=body), reference_id
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
            Call("online", "POST", path, "customer", retry_safe=False, json=body), reference_id
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
            Call("online", "GET", path, "customer", retry_safe=True, params=params), reference_id
        )
        return self._load(_PLAN_SCHEMA, data, "payment calculator", reference_id)

    def payment_availability(self, amount: Decimal, *, reference_id: str | None = None) -> bool:
        """Whether ``amount`` falls within the merchant's financing plans."""
        path = f"/online/client-id/{self._cid}/merchants/payment-availability"
        body = {"amount_requested": _amount(amount)}
        data = self._call(
            Call("online", "POST", path, "customer", retry_safe=True, json=body), reference_id
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
        data = self._call(Call("online", "GET", path, "merchant", retry_safe=True), reference_id)
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
        # As seed 004 writes them: "Event": Purchase/Apply, "Notification_type": Success/...
        body = {"Event": event.capitalize(), "Notification_type": notification_type.capitalize()}
        data = self._call(
            Call("online", "POST", path, "merchant", retry_safe=False, json=body), reference_id
        )
        return data if isinstance(data, dict) else {}

    # -- internals --------------------------------------------------------------------------

    @property
    def _cid(self) -> str:
        return _segment(self.client_id)

    def _lookup(self, kind: str, identifier: str, reference_id: str | None) -> Lookup:
        if not str(identifier).strip():
            raise ValueError("an order lookup needs a non-empty identifier")
        path = f"/online/client-id/{self._cid}/notifications/{kind}/{_segment(identifier)}"
        data = self._call(Call("online", "GET", path, "merchant", retry_safe=True), reference_id)
        return self._load(_LOOKUP_SCHEMA, data, "order lookup", reference_id)

    def _send(self, call: Call, reference_id: str, token: Token | None) -> Any:
        if call.api == "online":
            base = self.online_api_url
        else:
            base = pos_base(self.pos_api_url, call.version)
        bearer = token.access_token if token is not None else None
        return self._transport.send(call, base + call.path, reference_id, bearer)

    def _call(self, call: Call, reference_id: str | None) -> Any:
        """Make an API call with a bearer token; on ``invalid_token``, renew it and retry once."""
        reference_id = normalize_reference_id(reference_id) if reference_id else new_reference_id()
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

    def _token(self, key: str, call: Call, reference_id: str) -> Token:
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
        call = Call(api, "POST", "/oauth/token", None, retry_safe=True, form=form)
        data = self._send(call, reference_id, None)
        return self._load(_TOKEN_SCHEMA, data, "token", reference_id)

    def _load(self, schema: Schema, data: Any, what: str, reference_id: str | None) -> Any:
        try:
            return schema.load(data if isinstance(data, (Mapping, list)) else {})
        except ValidationError as exc:
            fields = ", ".join(sorted(str(k) for k in exc.normalized_messages()))
            raise UnreadableAnswerError(
                f"Flexiti's {what} answer did not have the expected shape (fields: {fields})",
                reference_id=reference_id,
            ) from exc


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
