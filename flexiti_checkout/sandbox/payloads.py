"""How an order looks on the wire: lookups, promo lookups and notifications.

Flexiti mixes strings and numbers for amounts and ids from one payload to the next; the sandbox
copies each documented example so a client meets the same variety.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flexiti_checkout.sandbox.orders import DECLINED, SUCCESS, Order, compare_addresses
from flexiti_checkout.sandbox.plans import Plan
from flexiti_checkout.sandbox.shapes import iso_timestamp, money_number, money_text

NOTIFICATION_TYPES = {SUCCESS: "Success", DECLINED: "Error", "CANCELLED": "Cancelled"}
#: Statuses as Flexiti writes them in its tables and notifications ("Success"); the example
#: lookups of the Online API write "SUCCESS".
STATUS_WORDS = {SUCCESS: "Success", DECLINED: "Declined", "CANCELLED": "Cancelled"}
SANDBOX_USERNAME = 1
TEST_TYPES = {"success": SUCCESS, "error": DECLINED, "cancelled": "CANCELLED"}
DEFAULT_CUSTOMER = {
    "fname": "Sandy",
    "lname": "Boxer",
    "dob": "01/06/1981",
    "postal_code": "M5V2T6",
}
ADMINISTRATIVE_FEE = Decimal("0.00")


def status_word(status: str, style: str = "table") -> str:
    """``status`` as Flexiti writes it: "Success" (table, notifications) or "SUCCESS" (example)."""
    if style == "example":
        return status
    return STATUS_WORDS.get(status, status.capitalize())


def lookup(order: Order, callback_url: str | None, style: str = "table") -> dict[str, Any]:
    """The ``notifications/order-id`` and ``merchant-order-id`` answer, spelt as ``style`` says.

    "table": the Online API's response-parameter table, ``purchase.status`` and a top-level
    ``apply_status``; "example": its JSON example, ``purchase.purchase_status`` and
    ``apply.apply_status``.
    """
    status = status_word(order.status, style)
    body: dict[str, Any] = {
        "transaction_id": order.transaction_id,
        "flow": order.flow,
        "callback_url": callback_url or "",
        "date": iso_timestamp(order.settled_at or order.created_at),
    }
    if order.is_purchase:
        purchase = _purchase_lookup(order)
        purchase["status" if style == "table" else "purchase_status"] = status
        body["purchase"] = purchase
    if order.flow != "buy":
        body["apply"] = {"customer_id": _int_id(order.customer_id)}
        if style == "table":
            body["apply_status"] = status
        else:
            body["apply"]["apply_status"] = status
    return body


def _purchase_lookup(order: Order) -> dict[str, Any]:
    amount = order.approved_amount if order.approved_amount is not None else order.amount
    return {
        "administrative_fee": money_text(ADMINISTRATIVE_FEE),
        "promo_id": order.promo_id,
        "term": order.plan.months if order.plan else None,
        "plan_id": order.plan.plan_id if order.plan else None,
        "purchase_amount": money_number(amount),
        "transaction_total_amount": money_number(amount + ADMINISTRATIVE_FEE),
        "customer_id": order.customer_id,
        "customer_comparison_result": order.comparison,
    }


def promo(order: Order) -> dict[str, Any]:
    """The ``notifications/promo-id`` answer."""
    amount = order.approved_amount if order.approved_amount is not None else order.amount
    customer = customer_details(order)
    return {
        "fname": customer["fname"],
        "lname": customer["lname"],
        "transaction_total_amount": money_number(amount + ADMINISTRATIVE_FEE),
        "purchase_amount": money_text(amount),
        "plan_id": order.plan.plan_id if order.plan else None,
        "term": order.plan.months if order.plan else None,
        "promo_id": order.promo_id,
        "administrative_fee": money_number(ADMINISTRATIVE_FEE),
        "customer_comparison_result": order.comparison,
    }


def notification(
    order: Order, *, client_id: str, callback_url: str, status: str | None = None
) -> dict[str, Any]:
    """The callback Flexiti posts when an order settles; ``status`` overrides the outcome.

    As the Online API's ``notifications/test`` reply: no merchant or online order id, only the
    promo id and customer id of an approved purchase (``with_ids`` adds ours).
    """
    status = status or order.status
    customer = customer_details(order)
    body: dict[str, Any] = {
        "event": "purchase" if order.is_purchase else "apply",
        "notificationType": NOTIFICATION_TYPES.get(status, "Error"),
        "callback_url": callback_url,
        "username": SANDBOX_USERNAME,
        "client_id": client_id,
    }
    approved = status == SUCCESS
    if order.is_purchase:
        amount = order.approved_amount if order.approved_amount is not None else order.amount
        body["purchase"] = {
            "customer_fname": customer["fname"],
            "customer_lname": customer["lname"],
            "customer_dob": customer["dob"],
            "customer_postal_code": customer["postal_code"],
            "customer_id": order.customer_id if approved else None,
            "purchase_status": status_word(status),
            "purchase_amount": money_text(amount),
            "administrative_fee": money_text(ADMINISTRATIVE_FEE),
            "transaction_total_amount": money_number(amount + ADMINISTRATIVE_FEE),
            "vcc": order.details.get("vcc"),
            "plan_id": order.plan.plan_id if order.plan and approved else None,
            "term": order.plan.months if order.plan and approved else None,
            "promo_id": order.promo_id if approved else None,
            "customer_comparison_result": order.comparison if approved else None,
        }
    if order.flow != "buy":
        body["apply"] = {
            "customer_fname": customer["fname"],
            "customer_lname": customer["lname"],
            "customer_dob": customer["dob"],
            "customer_postal_code": customer["postal_code"],
            "apply_status": status_word(status),
            "customer_id": _int_id(order.customer_id) if approved else None,
            "vcc": order.details.get("vcc"),
        }
    return body


def stale_notification(order: Order, *, client_id: str, callback_url: str) -> dict[str, Any]:
    """A contradicting notification, as if an older event arrived late (never trust callbacks)."""
    contrary = DECLINED if order.status == SUCCESS else SUCCESS
    return notification(order, client_id=client_id, callback_url=callback_url, status=contrary)


def with_ids(body: dict[str, Any], order: Order) -> dict[str, Any]:
    """A copy of a notification that also names the order, as Flexiti does not document."""
    return {**body, "merchant_orderid": order.merchant_orderid,
            "online_order_id": order.online_order_id}  # fmt: skip


def sample_notification(
    event: str, notification_type: str, *, client_id: str, callback_url: str, plan: Plan | None
) -> dict[str, Any]:
    """What ``notifications/test`` sends: sample data tied to no real order, so no order ids."""
    status = TEST_TYPES[notification_type]
    approved = status == SUCCESS
    sample = Order(
        online_order_id=0,
        transaction_id=0,
        flow="buy" if event == "purchase" else "apply",
        lang="en",
        amount=SAMPLE_AMOUNT,
        merchant_orderid=None,
        client_id=client_id,
        flow_token="",
        details=SAMPLE_DETAILS,
        created_at=0.0,
        status=status,
        plan=plan if approved else None,
        promo_id=SAMPLE_PROMO_ID if approved else None,
        customer_id=SAMPLE_CUSTOMER_ID,
        approved_amount=SAMPLE_AMOUNT,
        comparison=compare_addresses(SAMPLE_DETAILS) if approved else None,
    )
    return notification(sample, client_id=client_id, callback_url=callback_url)


SAMPLE_AMOUNT = Decimal("499.00")
SAMPLE_PROMO_ID = "300001"
SAMPLE_CUSTOMER_ID = "1000001"
_SAMPLE_ADDRESS = {
    "first_name": "Sandy",
    "last_name": "Boxer",
    "address_1": "1 Sample Street",
    "city": "Toronto",
    "province": "ON",
    "postal_code": "M5V2T6",
}
SAMPLE_DETAILS: dict[str, Any] = {
    "billing_information": _SAMPLE_ADDRESS,
    "shipping_information": _SAMPLE_ADDRESS,
}


def customer_details(order: Order) -> dict[str, Any]:
    """Customer fields for a notification: from the init body, else sandbox defaults."""
    details = order.details
    billing = details.get("billing_information") or {}
    return {
        "fname": details.get("fname") or billing.get("first_name") or DEFAULT_CUSTOMER["fname"],
        "lname": details.get("lname") or billing.get("last_name") or DEFAULT_CUSTOMER["lname"],
        "dob": details.get("dob") or DEFAULT_CUSTOMER["dob"],
        "postal_code": (
            details.get("postal_code")
            or billing.get("postal_code")
            or DEFAULT_CUSTOMER["postal_code"]
        ),
    }


def _int_id(value: str | None) -> int | str | None:
    # The apply section carries customer_id as a number in Flexiti's examples.
    if value is not None and value.isdigit():
        return int(value)
    return value
