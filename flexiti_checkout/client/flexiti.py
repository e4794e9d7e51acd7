"""``FlexitiClient``: the Flexiti Online and POS APIs in Python, usable without Flask.

It owns everything about talking to Flexiti: tokens per scope (cached, renewed before expiry,
single flight), the ``x-reference-id`` of each customer flow, timeouts, retries for calls that are
safe to repeat, the mapping of every failure to one error hierarchy, and one log line per call.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Concatenate, ParamSpec, TypeVar

import requests

from flexiti_checkout.client.caller import Caller, segment
from flexiti_checkout.client.pos.customers import PosCustomers
from flexiti_checkout.client.pos.transactions import PosTransactions
from flexiti_checkout.client.results import Lookup, PaymentPlan, PromoDetails, WidgetSession
from flexiti_checkout.client.schemas import (
    AvailabilitySchema,
    LookupSchema,
    PaymentPlanSchema,
    PromoSchema,
    WidgetSessionSchema,
)
from flexiti_checkout.client.tokens import (
    DEFAULT_REFRESH_MARGIN,
    MemoryTokenStore,
    TokenCache,
    TokenStore,
)
from flexiti_checkout.client.transport import Call, Transport
from flexiti_checkout.errors import UnavailableError
from flexiti_checkout.models import FLOWS
from flexiti_checkout.money import parse_amount

#: Base URLs of Flexiti's hosts, per environment: (Online API, POS API v2.5). The POS calls that
#: Flexiti writes with ``pos-api/v2`` use the same base with ``v2`` (see ``client.pos``).
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

_WIDGET_SCHEMA = WidgetSessionSchema()
_PLAN_SCHEMA = PaymentPlanSchema()
_AVAILABILITY_SCHEMA = AvailabilitySchema()
_LOOKUP_SCHEMA = LookupSchema()
_PROMO_SCHEMA = PromoSchema()


P = ParamSpec("P")
R = TypeVar("R")
Part = TypeVar("Part")


def _part_method(
    part: Callable[[FlexitiClient], Part], method: Callable[Concatenate[Part, P], R]
) -> Callable[Concatenate[FlexitiClient, P], R]:
    """A method of ``FlexitiClient`` that calls ``method`` on the part that owns it (as the
    client holds it now): same name, signature and docstring, typed as the part's own."""
    name = method.__name__

    @functools.wraps(method)
    def on_part(client: FlexitiClient, /, *args: P.args, **kwargs: P.kwargs) -> R:
        bound: Callable[P, R] = getattr(part(client), name)
        return bound(*args, **kwargs)

    return on_part


def _transactions(client: FlexitiClient) -> PosTransactions:
    return client.pos_transactions


def _customers(client: FlexitiClient) -> PosCustomers:
    return client.pos_customers


class FlexitiClient:
    """A client for Flexiti's Online API (e-commerce) and POS API (merchant back office).

    It holds a ``Transport`` (timeouts, retries) and a ``TokenCache`` (a token per API and scope),
    both used through one ``Caller``. The Online API calls are its own methods; the POS API is
    two parts, ``pos_transactions`` (create, change, post, cancel, return) and ``pos_customers``
    (merchant session, reference data, applications, accounts, customers), whose methods are
    also methods of the client: ``client.return_transaction(…)`` is
    ``client.pos_transactions.return_transaction(…)``.

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
        self._caller = Caller(
            client_id,
            client_secret,
            online_api_url=online_api_url,
            pos_api_url=pos_api_url,
            transport=self._transport,
            tokens=self._tokens,
        )
        self.pos_transactions = PosTransactions(self._caller)
        self.pos_customers = PosCustomers(self._caller)

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
    def tokens(self) -> TokenCache:
        """The client's tokens; renewed ahead on a thread of their own unless ``renews_ahead``
        is off (the worker process renews them: ``renew_due_tokens``)."""
        return self._tokens

    def renew_due_tokens(self, keys: Iterable[str]) -> list[str]:
        """Renew now the tokens of ``keys`` (``"online:customer"``…) due for renewal; which."""
        return self._caller.renew_due(keys)

    @property
    def client_id(self) -> str:
        """The merchant's client id (the secret stays inside the client)."""
        return self._caller.client_id

    @property
    def online_api_url(self) -> str:
        """The Online API's base URL."""
        return self._caller.online_api_url

    @property
    def pos_api_url(self) -> str:
        """The POS API's v2.5 base URL (the v2 calls use the same base with ``v2``)."""
        return self._caller.pos_api_url

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

    def server_time(self) -> float | None:
        """Flexiti's clock as its Online API host tells it (the ``Date`` header), in epoch
        seconds; ``None`` when it says nothing."""
        return self._transport.server_time(self.online_api_url)

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
            "amount_requested": parse_amount(amount_requested, "amount_requested"),
        }
        if merchant_order_id is not None:
            # The Online API spells it merchant_orderid; Flexiti's JS SDK and the public connectors
            # send merchant_order_id. Both, with one value, so either server spelling finds it.
            body["merchant_orderid"] = body["merchant_order_id"] = str(merchant_order_id)
        if billing_information is not None:
            body["billing_information"] = dict(billing_information)
        if shipping_information is not None:
            body["shipping_information"] = dict(shipping_information)
        body.update(fields)
        version = "" if flow == "apply" else "/v2"
        path = f"/online{version}/client-id/{self._cid}/systems/init"
        data = self._caller.call(
            Call("online", "POST", path, "customer", retry_safe=False, json=body), reference_id
        )
        return self._caller.load(_WIDGET_SCHEMA, data, "widget init", reference_id)

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
            body["amount_requested"] = parse_amount(amount_requested, "amount_requested")
        path = f"/online/client-id/{self._cid}/systems/learn-more"
        data = self._caller.call(
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
        params = {"price": format(parse_amount(price, "price"), "f"), "lang": lang}
        data = self._caller.call(
            Call("online", "GET", path, "customer", retry_safe=True, params=params), reference_id
        )
        return self._caller.load(_PLAN_SCHEMA, data, "payment calculator", reference_id)

    def payment_availability(self, amount: Decimal, *, reference_id: str | None = None) -> bool:
        """Whether ``amount`` falls within the merchant's financing plans."""
        path = f"/online/client-id/{self._cid}/merchants/payment-availability"
        body = {"amount_requested": parse_amount(amount, "amount")}
        data = self._caller.call(
            Call("online", "POST", path, "customer", retry_safe=True, json=body), reference_id
        )
        result = self._caller.load(_AVAILABILITY_SCHEMA, data, "payment availability", reference_id)
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
        path = f"/online/client-id/{self._cid}/notifications/promo-id/{segment(promo_id)}"
        endpoint = "/online/notifications/promo-id/{id}"
        data = self._caller.call(
            Call("online", "GET", path, "merchant", retry_safe=True, endpoint=endpoint),
            reference_id,
        )
        return self._caller.load(_PROMO_SCHEMA, data, "promo lookup", reference_id)

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
        # As the Online API writes them: "Event": Purchase/Apply, "Notification_type": Success/...
        body = {"Event": event.capitalize(), "Notification_type": notification_type.capitalize()}
        data = self._caller.call(
            Call("online", "POST", path, "merchant", retry_safe=False, json=body), reference_id
        )
        return data if isinstance(data, dict) else {}

    # -- internals --------------------------------------------------------------------------

    @property
    def _cid(self) -> str:
        return self._caller.client_segment

    def _lookup(self, kind: str, identifier: str, reference_id: str | None) -> Lookup:
        if not str(identifier).strip():
            raise ValueError("an order lookup needs a non-empty identifier")
        path = f"/online/client-id/{self._cid}/notifications/{kind}/{segment(identifier)}"
        endpoint = f"/online/notifications/{kind}/{{id}}"
        data = self._caller.call(
            Call("online", "GET", path, "merchant", retry_safe=True, endpoint=endpoint),
            reference_id,
        )
        return self._caller.load(_LOOKUP_SCHEMA, data, "order lookup", reference_id)

    # -- the POS API: each method is the one of the part that owns it ------------------------

    create_transaction = _part_method(_transactions, PosTransactions.create_transaction)
    update_transaction = _part_method(_transactions, PosTransactions.update_transaction)
    authorized_transactions = _part_method(_transactions, PosTransactions.authorized_transactions)
    post_transaction = _part_method(_transactions, PosTransactions.post_transaction)
    cancel_transaction = _part_method(_transactions, PosTransactions.cancel_transaction)
    return_transaction = _part_method(_transactions, PosTransactions.return_transaction)

    merchant_login = _part_method(_customers, PosCustomers.merchant_login)
    terms_and_conditions = _part_method(_customers, PosCustomers.terms_and_conditions)
    i18n = _part_method(_customers, PosCustomers.i18n)
    information = _part_method(_customers, PosCustomers.information)
    pos_widget_init = _part_method(_customers, PosCustomers.pos_widget_init)
    pos_widget_authorization = _part_method(_customers, PosCustomers.pos_widget_authorization)
    apply = _part_method(_customers, PosCustomers.apply)
    close_account = _part_method(_customers, PosCustomers.close_account)
    verify_account = _part_method(_customers, PosCustomers.verify_account)
    calculate_interest = _part_method(_customers, PosCustomers.calculate_interest)
    authorization = _part_method(_customers, PosCustomers.authorization)
    lookup_customer = _part_method(_customers, PosCustomers.lookup_customer)
    search_customers = _part_method(_customers, PosCustomers.search_customers)
    verify_customer = _part_method(_customers, PosCustomers.verify_customer)
    customer_transactions = _part_method(_customers, PosCustomers.customer_transactions)
    decode_drivers_licence = _part_method(_customers, PosCustomers.decode_drivers_licence)
    close_customer_account = _part_method(_customers, PosCustomers.close_customer_account)


def _find_url(data: Any) -> str | None:
    if isinstance(data, str):
        return data
    if isinstance(data, Mapping):
        for key in ("redirection_url", "redirect_url", "url"):
            if isinstance(data.get(key), str):
                return data[key]
    return None
