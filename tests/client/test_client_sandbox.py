"""FlexitiClient against the sandbox on a real local port: tokens, faults and a whole flow."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from flexiti_checkout import AuthenticationError, FlexitiClient, UnavailableError
from flexiti_checkout.client.tokens import MemoryTokenStore
from support.sandbox_server import ADDRESS


def make_client(sandbox, **kwargs) -> FlexitiClient:
    kwargs.setdefault("sleep", lambda seconds: None)
    return FlexitiClient(
        sandbox.client_id,
        sandbox.client_secret,
        online_api_url=sandbox.online_api_url,
        pos_api_url=sandbox.pos_api_url,
        **kwargs,
    )


def token_requests(sandbox, scope: str | None = None) -> list[dict]:
    log = sandbox.control("GET", "requests")["requests"]
    return [
        entry
        for entry in log
        if entry["path"].endswith("/oauth/token") and (scope is None or entry["scope"] == scope)
    ]


def test_token_is_reused_across_calls(sandbox):
    """Many calls of both scopes cost one token request per scope."""
    client = make_client(sandbox)
    for _ in range(5):
        assert client.payment_availability(Decimal("499.00")) is True
        assert client.payment_calculator(Decimal("499.00"), "en").months == 12
    session = client.widget_init("apply", Decimal("499.00"), "en-CA", merchant_order_id="R-1")
    assert client.order_by_online_order_id(session.online_order_id).status == "PENDING"
    assert len(token_requests(sandbox, "customer")) == 1
    assert len(token_requests(sandbox, "merchant")) == 1


def test_token_is_refreshed_before_expiry(sandbox, sandbox_clock):
    """Near the end of its life the token is refreshed, which the sandbox only allows in time."""
    client = make_client(sandbox, clock=sandbox_clock)
    client.payment_availability(Decimal(100))
    sandbox_clock.advance(1200 - 59)
    client.payment_availability(Decimal(100))
    grants = [entry["grant_type"] for entry in token_requests(sandbox)]
    assert grants == ["client_credentials", "refresh_token"]
    assert all(entry["status"] == 200 for entry in token_requests(sandbox))


def test_expired_token_gets_a_new_grant(sandbox, sandbox_clock):
    """Once a token has expired the client asks for a new one instead of a refused refresh."""
    client = make_client(sandbox, clock=sandbox_clock)
    client.payment_availability(Decimal(100))
    sandbox_clock.advance(1201)
    client.payment_availability(Decimal(100))
    entries = token_requests(sandbox)
    assert [e["grant_type"] for e in entries] == ["client_credentials", "client_credentials"]
    assert all(e["status"] == 200 for e in entries)


def test_revoked_token_is_renewed_and_call_succeeds(sandbox):
    """After the sandbox revokes every token, the next call renews its token and succeeds."""
    client = make_client(sandbox)
    client.payment_availability(Decimal(100))
    sandbox.control("POST", "tokens/revoke")
    assert client.payment_availability(Decimal(100)) is True
    log = sandbox.control("GET", "requests")["requests"]
    assert [e["status"] for e in log if "payment-availability" in e["path"]] == [200, 401, 200]
    assert [e["grant_type"] for e in token_requests(sandbox)] == [
        "client_credentials",
        "client_credentials",
    ]


@pytest.mark.sandbox_config({"LATENCY": 0.05})
def test_concurrent_threads_share_one_token_request(sandbox):
    """Twenty threads that need a token at the same moment cause exactly one token request."""
    client = make_client(sandbox)
    barrier = threading.Barrier(20)
    results: list[bool] = []
    errors: list[BaseException] = []

    def call() -> None:
        barrier.wait()
        try:
            results.append(client.payment_availability(Decimal("250.00")))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert results == [True] * 20
    assert len(token_requests(sandbox)) == 1


@pytest.mark.sandbox_config({"LATENCY": 0.5})
def test_read_timeout_becomes_unavailable(sandbox):
    """A Flexiti slower than the read timeout is reported as unavailable, with the reference id."""
    client = make_client(sandbox, timeout=0.1, max_retries=0)
    with pytest.raises(UnavailableError, match="timed out") as caught:
        client.payment_availability(Decimal(100), reference_id="ref-slow")
    assert caught.value.reference_id == "ref-slow"


def test_html_error_page_becomes_unavailable(sandbox):
    """A gateway's HTML 502 page is an UnavailableError, not a JSON exception."""
    sandbox.control(
        "PATCH",
        "faults",
        {"fail_next": {"count": 5, "status": 502, "body": "html", "paths": "payment-calculator"}},
    )
    client = make_client(sandbox, max_retries=1)
    with pytest.raises(UnavailableError, match="502"):
        client.payment_calculator(Decimal("499.00"), "en")


def test_transient_errors_are_retried_away(sandbox):
    """Two failed attempts of a safe call are retried until Flexiti answers."""
    sandbox.control(
        "PATCH",
        "faults",
        {"fail_next": {"count": 2, "status": 503, "body": "json", "paths": "notifications"}},
    )
    client = make_client(sandbox, max_retries=2)
    session = client.widget_init("apply", Decimal("400.00"), "en-CA", merchant_order_id="R-2")
    assert client.order_by_merchant_order_id("R-2").transaction_id == sandbox.transaction_id(
        session.online_order_id
    )


def test_malformed_json_becomes_unavailable(sandbox):
    """A truncated JSON body is reported as unavailable."""
    sandbox.control(
        "PATCH", "faults", {"fail_next": {"count": 1, "status": 200, "body": "malformed"}}
    )
    client = make_client(sandbox, max_retries=0)
    with pytest.raises(UnavailableError):
        client.payment_availability(Decimal(100))


def test_wrong_secret_is_an_authentication_error(sandbox):
    """Credentials the sandbox does not know give AuthenticationError naming invalid_client."""
    client = FlexitiClient(
        sandbox.client_id,
        "wrong",
        online_api_url=sandbox.online_api_url,
        pos_api_url=sandbox.pos_api_url,
    )
    with pytest.raises(AuthenticationError) as caught:
        client.payment_availability(Decimal(100))
    assert caught.value.code == "invalid_client"


def test_buy_flow_end_to_end(sandbox):
    """Init, settle in the sandbox, and the lookups report the purchase Flexiti approved."""
    client = make_client(sandbox)
    session = client.widget_init(
        "buy",
        Decimal("499.00"),
        "fr-CA",
        merchant_order_id="R-3",
        billing_information=ADDRESS,
        shipping_information=ADDRESS,
        customer_id="1293835",
    )
    assert session.redirection_url.startswith(sandbox.url)
    assert client.order_by_merchant_order_id("R-3").status == "PENDING"
    sandbox.control("POST", f"orders/{session.online_order_id}/settle", {"outcome": "approve"})
    lookup = client.order_by_merchant_order_id("R-3")
    assert lookup.status == "SUCCESS"
    assert lookup.transaction_id == sandbox.transaction_id(session.online_order_id)
    assert lookup.purchase is not None and lookup.purchase.customer_id == "1293835"
    assert lookup.purchase is not None
    assert lookup.purchase.purchase_amount == Decimal("499.00")
    assert lookup.purchase.term == 12
    promo = client.order_by_promo_id(lookup.purchase.promo_id or "")
    assert promo.purchase_amount == Decimal("499.00")
    assert client.merchant_login().merchant_name


def test_every_request_carries_the_flow_reference_id(sandbox):
    """All calls of one flow, the token calls included, carry the caller's reference id."""
    client = make_client(sandbox)
    client.widget_init(
        "apply", Decimal("300"), "en-CA", merchant_order_id="R-4", reference_id="flow-4"
    )
    client.order_by_merchant_order_id("R-4", reference_id="flow-4")
    log = sandbox.control("GET", "requests")["requests"]
    assert len(log) == 4
    assert {entry["reference_id"] for entry in log} == {"flow-4"}


def test_a_customer_token_on_a_merchant_endpoint_is_renewed_with_the_merchant_scope_once(sandbox):
    """POS API v2.5: a customer token on a merchant endpoint "is considered invalid". A store
    that hands one out for the merchant scope costs one refused call and one merchant-scope
    token request; the call then succeeds."""
    store = MemoryTokenStore()
    client = make_client(sandbox, token_store=store)
    client.payment_availability(Decimal(100))  # a customer-scope token
    customer = store.load("online:customer")
    assert customer is not None and customer.scope == "customer"
    store.save("online:merchant", customer)  # a wrong token where the merchant one belongs
    session = client.widget_init("apply", Decimal("499.00"), "en-CA", merchant_order_id="S-1")
    assert client.order_by_online_order_id(session.online_order_id).status == "PENDING"
    log = sandbox.control("GET", "requests")["requests"]
    lookups = [e for e in log if "/notifications/order-id/" in e["path"]]
    assert [(e["status"], e["scope"]) for e in lookups] == [(401, "customer"), (200, "merchant")]
    assert len(token_requests(sandbox, "merchant")) == 1
    assert store.load("online:merchant").scope == "merchant"
