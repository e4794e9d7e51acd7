"""The POS API through FlexitiClient against a live sandbox: one round trip per endpoint, and
purchases approved in the hosted flow returned, cancelled and posted through the POS API."""

from __future__ import annotations

from decimal import Decimal

import pytest

from flexiti_checkout import (
    ConflictError,
    ExceedsAmountError,
    FlexitiClient,
    InvalidRequestError,
    Lookup,
    NotEnoughCreditError,
    NotFoundError,
)
from support.sandbox_server import ADDRESS

#: The sandbox's merchant is one of the "select Merchants" that may override verification.
pytestmark = pytest.mark.sandbox_config({"MERCHANT_OVERRIDE": True})


@pytest.fixture
def client(sandbox) -> FlexitiClient:
    return FlexitiClient(
        sandbox.client_id,
        sandbox.client_secret,
        online_api_url=sandbox.online_api_url,
        pos_api_url=sandbox.pos_api_url,
        sleep=lambda seconds: None,
    )


def approved_online_purchase(client: FlexitiClient, sandbox, amount: str = "499.00") -> Lookup:
    """Buy through the hosted flow (apply/buy: a customer new to Flexiti) and approve it; the
    lookup, whose transaction id the POS API takes."""
    session = client.widget_init(
        "apply/buy",
        Decimal(amount),
        "en-CA",
        merchant_order_id="A-1",
        billing_information=ADDRESS,
        shipping_information=ADDRESS,
    )
    sandbox.control("POST", f"orders/{session.online_order_id}/settle", {"outcome": "approve"})
    lookup = client.order_by_online_order_id(session.online_order_id)
    assert lookup.status == "SUCCESS"
    assert lookup.transaction_id is not None and lookup.purchase is not None
    return lookup


def balance(client: FlexitiClient, transaction_id: str, customer_id: str) -> Decimal | None:
    rows = client.customer_transactions(customer_id)
    return next((row.balance for row in rows if row.transaction_id == transaction_id), None)


def test_online_purchase_is_returned_in_parts_then_in_full(client, sandbox):
    """Partial returns reduce the balance, an over-return is refused, a full return ends it."""
    lookup = approved_online_purchase(client, sandbox)
    transaction_id, customer_id = lookup.transaction_id, lookup.purchase.customer_id
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
    lookup = approved_online_purchase(client, sandbox)
    transaction_id = lookup.transaction_id
    with pytest.raises(InvalidRequestError) as caught:
        client.cancel_transaction(transaction_id)
    assert caught.value.code == "wrong_inputs"
    assert "return it instead" in str(caught.value)


@pytest.mark.sandbox_config({"ONLINE_PURCHASES": "held"})
def test_held_online_purchase_is_cancelled_and_releases_the_credit(client, sandbox):
    """With ONLINE_PURCHASES=held the approved purchase is held until cancelled."""
    lookup = approved_online_purchase(client, sandbox)
    transaction_id = lookup.transaction_id
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
    lookup = approved_online_purchase(client, sandbox)
    transaction_id = lookup.transaction_id
    client.post_transaction(transaction_id)
    assert client.authorized_transactions() == []
    client.return_transaction(transaction_id, Decimal("0.01"))
    customer_id = lookup.purchase.customer_id
    assert balance(client, transaction_id, customer_id) == Decimal("498.99")


def test_unknown_transaction_is_not_found(client):
    """post, cancel and return of a transaction Flexiti never made raise NotFoundError."""
    for call in (client.post_transaction, client.cancel_transaction, client.return_transaction):
        with pytest.raises(NotFoundError) as caught:
            call("999999")
        assert (caught.value.status, caught.value.code) == (409, "not_found")


TOMMY = "43353"
LICENCE = "@\n\u001e\rANSI\nDCSSAMSON\nDACTOMMY\nDBB19900101\nDAJON\nDAKM5V 2T6\nDAQS1234\n"
QUEBEC_APPLICANT = {
    "amount_requested": Decimal("2500.00"), "phone_number": "5551231231", "email": "j@example.com",
    "salutation": "mr", "first_name": "Jean", "last_name": "Roy", "dob": "1980-02-02",
    "address_1": "1 Rue Principale", "address_2": "App. 2", "city": "Québec", "province": "QC",
    "postal_code": "G1A0A1",
    "personal_income": 60000, "household_income": 90000, "monthly_housing_expenses": 1500,
    "housing_type": "Rent", "occupation_id": "FE", "occupation_title": "Teacher",
    "security_qid": "5", "security_answer": "Japan", "piw": "Sun", "tos_agreement": True,
}  # fmt: skip


def test_reference_data_round_trip(client):
    """Login, terms, i18n, information and the POS widget each answer through the client."""
    info = client.merchant_login("fr")
    assert [offer.plan_id for offer in info.offer_types] == ["1", "2", "3", "4", "5", "7"]
    assert info.offer_types[3].term_options == (18, 24)
    assert info.offer_types[5].offer_category == "deferred_payment"
    assert info.form_values["province"]["options"]["QC"] == "Québec"
    assert "data-region='qc'" in client.terms_and_conditions("en", province="QC")
    assert client.i18n("en", key="salutations") == {
        "salutations": {"mr": "Mr.", "ms": "Ms.", "mrs": "Mrs.", "mss": "Miss."}
    }
    assert client.information(note="hello") == {}
    assert client.pos_widget_authorization(widget_session_id="abc123") == {}
    widget = client.pos_widget_init(amount=Decimal("100.00"))
    assert widget.widget_session_id and widget.widget_session_id in widget.redirect_url


def test_customer_round_trip(client):
    """Search, lookup, both verifications and the licence decoder through the client."""
    [summary] = client.search_customers("Tommy", "Samson", "1990/01/01")
    assert (summary.customer_id, summary.can_purchase) == (TOMMY, True)
    assert summary.available_credit == Decimal("5000.00")
    account = client.lookup_customer(vcc_number="6374980100408234")
    assert (account.customer_id, account.account_number) == (TOMMY, "20035156")
    assert client.verify_customer(TOMMY, "email").sent_to == "email"
    assert client.verify_account("20035156", "merchant_override").code.isdigit()
    licence = client.decode_drivers_licence(LICENCE)
    assert (licence.last_name, licence.dob, licence.postal_code) == (
        "Samson",
        "1990-01-01",
        "M5V 2T6",
    )


def test_quebec_application_round_trip(client):
    """An application opens an account the lookup finds; both closes work on Quebec accounts."""
    application = client.apply(QUEBEC_APPLICANT)
    assert application.credit_limit == Decimal("2500") and application.debt_ratio == Decimal("0.2")
    assert (
        client.lookup_customer(account_number=application.account_number).available_credit == 2500
    )
    client.close_account(application.account_number)
    with pytest.raises(NotFoundError):
        client.close_customer_account(application.account_number)


def test_transaction_round_trip(client):
    """Create unconfirmed, confirm with PUT, post, then return: balance and credit follow."""
    code = client.verify_customer(TOMMY, "merchant_override").code
    created = client.create_transaction(
        Decimal("300.00"), verification_code=code, plan_id="3", term=12, customer_id=TOMMY
    )
    assert created.customer_confirmed is False and created.payment_value == Decimal("25.00")
    updated = client.update_transaction(
        created.transaction_id, validation=code, amount=Decimal("600.00"), customer_confirmed=True
    )
    assert (updated.status, updated.total_amount, updated.customer_confirmed) == (
        "pending", Decimal("600.0"), True,
    )  # fmt: skip
    client.post_transaction(created.transaction_id)
    client.return_transaction(created.transaction_id, Decimal("0.99"))
    assert balance(client, created.transaction_id, TOMMY) == Decimal("599.01")
    assert client.lookup_customer(customer_id=TOMMY).available_credit == Decimal("4400.99")


def test_deprecated_endpoints_round_trip(client):
    """calculate-interest quotes the plans; an authorization without capture is held."""
    quote = client.calculate_interest("20035156", Decimal("1200.00"))
    assert {q.plan_id for q in quote.promotional} == {"1", "2", "3", "4", "7"}
    auth = client.authorization(
        "20035156", Decimal("150.00"), auto_capture=False, plan_id="2", term=6, reference="A-7"
    )
    assert (auth.status, auth.capture_id, auth.reference) == ("opened", None, "A-7")
    held = client.authorized_transactions()
    assert [(h.transaction_id, h.amount) for h in held] == [
        (auth.authorization_id, Decimal("150.00"))
    ]
    client.cancel_transaction(auth.authorization_id)
    assert client.authorized_transactions() == []


def test_purchase_beyond_the_available_credit_is_refused(client):
    """A purchase over the account's available credit raises NotEnoughCreditError."""
    code = client.verify_customer(TOMMY, "merchant_override").code
    with pytest.raises(NotEnoughCreditError) as caught:
        client.create_transaction(
            Decimal("5000.01"), verification_code=code, plan_id="5", term=36,
            customer_id=TOMMY, customer_confirmed=True,
        )  # fmt: skip
    assert caught.value.code == "not_enough_credit"


@pytest.mark.sandbox_config({"MERCHANT_OVERRIDE": False})
def test_refused_verifications_are_conflicts_naming_flexitis_code(client):
    """Flexiti's documented refusals of verify reach the caller with their code."""
    with pytest.raises(ConflictError) as override:
        client.verify_customer(TOMMY, "merchant_override")
    assert override.value.code == "merchant_override_is_not_allowed"
    with pytest.raises(ConflictError) as word:
        client.verify_customer(TOMMY, "sms", piw="Rain")
    assert word.value.code == "piw_mismatch"
    assert client.verify_customer(TOMMY, "sms", piw="Cloud").sent_to == "sms"
