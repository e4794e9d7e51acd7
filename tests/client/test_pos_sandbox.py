"""The POS API through FlexitiClient against a live sandbox: one round trip per endpoint, and
purchases approved in the hosted flow returned, cancelled and posted through the POS API."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flexiti_checkout import (
    ExceedsAmountError,
    FlexitiClient,
    InvalidRequestError,
    NotFoundError,
)
from support.sandbox_server import ADDRESS


@pytest.fixture
def client(sandbox) -> FlexitiClient:
    return FlexitiClient(
        sandbox.client_id,
        sandbox.client_secret,
        online_api_url=sandbox.online_api_url,
        pos_api_url=sandbox.pos_api_url,
        sleep=lambda seconds: None,
    )


def approved_online_purchase(client: FlexitiClient, sandbox, amount: str = "499.00") -> str:
    """Buy through the hosted flow and approve it; the purchase's transaction id."""
    session = client.widget_init(
        "buy",
        Decimal(amount),
        "en-CA",
        merchant_order_id="A-1",
        billing_information=ADDRESS,
        shipping_information=ADDRESS,
    )
    sandbox.control("POST", f"orders/{session.online_order_id}/settle", {"outcome": "approve"})
    lookup = client.order_by_online_order_id(session.online_order_id)
    assert lookup.status == "SUCCESS"
    assert lookup.transaction_id is not None
    return lookup.transaction_id


def balance(client: FlexitiClient, transaction_id: str, customer_id: str) -> Decimal | None:
    rows = client.customer_transactions(customer_id)
    return next((row.balance for row in rows if row.transaction_id == transaction_id), None)


def test_online_purchase_is_returned_in_parts_then_in_full(client, sandbox):
    """Partial returns reduce the balance, an over-return is refused, a full return ends it."""
    transaction_id = approved_online_purchase(client, sandbox)
    customer_id = client.order_by_online_order_id(transaction_id).purchase.customer_id
    assert balance(client, transaction_id, customer_id) == Decimal("499.00")

    client.return_transaction(transaction_id, Decimal("100.00"))
    assert balance(client, transaction_id, customer_id) == Decimal("399.00")
    with pytest.raises(ExceedsAmountError) as caught:
        client.return_transaction(transaction_id, Decimal("399.01"))
    assert caught.value.status == 409
    assert balance(client, transaction_id, customer_id) == Decimal("399.00")

    result = client.return_transaction(transaction_id)
    assert (result.action, result.amount) == ("return", None)
    with pytest.raises(NotFoundError) as nothing_left:
        client.customer_transactions(customer_id)
    assert nothing_left.value.code == "no_returns_found"


def test_posted_online_purchase_cannot_be_cancelled(client, sandbox):
    """Cancelling a posted purchase is refused with the field that says to return it instead."""
    transaction_id = approved_online_purchase(client, sandbox)
    with pytest.raises(InvalidRequestError) as caught:
        client.cancel_transaction(transaction_id)
    assert caught.value.code == "wrong_inputs"
    assert "return it instead" in str(caught.value)


@pytest.mark.sandbox_config({"ONLINE_PURCHASES": "held"})
def test_held_online_purchase_is_cancelled_and_releases_the_credit(client, sandbox):
    """With ONLINE_PURCHASES=held the approved purchase is held until cancelled."""
    transaction_id = approved_online_purchase(client, sandbox)
    held = {h.transaction_id: h.amount for h in client.authorized_transactions()}
    assert held == {transaction_id: Decimal("499.00")}
    with pytest.raises(InvalidRequestError):
        client.return_transaction(transaction_id, Decimal("1.00"))

    client.cancel_transaction(transaction_id)
    assert client.authorized_transactions() == []
    with pytest.raises(InvalidRequestError):
        client.cancel_transaction(transaction_id)


@pytest.mark.sandbox_config({"ONLINE_PURCHASES": "held"})
def test_held_online_purchase_is_posted_then_returnable(client, sandbox):
    """Posting a held purchase makes it a purchase the customer can be refunded on."""
    transaction_id = approved_online_purchase(client, sandbox)
    client.post_transaction(transaction_id)
    assert client.authorized_transactions() == []
    client.return_transaction(transaction_id, Decimal("0.01"))
    customer_id = client.order_by_online_order_id(transaction_id).purchase.customer_id
    assert balance(client, transaction_id, customer_id) == Decimal("498.99")


def test_unknown_transaction_is_not_found(client):
    """post, cancel and return of a transaction Flexiti never made raise NotFoundError."""
    for call in (client.post_transaction, client.cancel_transaction, client.return_transaction):
        with pytest.raises(NotFoundError) as caught:
            call("999999")
        assert (caught.value.status, caught.value.code) == (409, "not_found")
