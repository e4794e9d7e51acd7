"""Every other POS call against ``responses``: method, URL with its version, query and body
exactly as Flexiti writes them, and the typed result read from Flexiti's own example."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses

from flexiti_checkout import FlexitiClient
from flexiti_checkout.client.pos.results import OfferType
from flexiti_checkout.money import AmountError

V25 = "https://posapi-training.flexiti.fi/flexiti/pos-api/v2.5"
V2 = "https://posapi-training.flexiti.fi/flexiti/pos-api/v2"
CID = "flexitidemo"
REF = "0f4b1a8e5c7d4e9f8a1b2c3d4e5f6a7b"  # x-reference-id: 32 hex digits
OFFER = {
    "plan_name": "90 Days Grace, Equal Payments Regular Interest",
    "plan_id": "1",
    "offer_category": "equal_billing",
    "term_options": ["12", "18", "24", "36"],
}
TRANSACTION = {
    "annual_fee": 0, "payment_protection": False, "transaction_id": 167635,
    "available_credit": 5000, "plan_name": "Equal Payments, No Interest", "admin_fee": 49.99,
    "balance_after_purchase": 4949.01, "payment_value": "1,200.05", "promotional_amount": 50.99,
    "customer_confirmed": True, "plan_id": "5",
    "account_avs": {"billing_information": {"first_name": 0}},
}  # fmt: skip


@pytest.fixture
def client() -> FlexitiClient:
    return FlexitiClient(
        CID, "s3cret", online_api_url="https://online.test/x", pos_api_url=V25,
        sleep=lambda s: None,
    )  # fmt: skip


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.post(f"{V25}/oauth/token", json={"access_token": "tok", "expires_in": 1200})
        yield rsps


def last(mocked):
    request = mocked.calls[-1].request
    parts = urlsplit(request.url)
    assert request.headers["Authorization"] == "Bearer tok"
    assert request.headers["x-reference-id"] == REF
    body = json.loads(request.body) if request.body else None
    return (
        request.method,
        f"{parts.scheme}://{parts.netloc}{parts.path}",
        dict(parse_qsl(parts.query)),
        body,
    )


def test_merchant_login_reads_offer_types_inside_form_values(client, mocked):
    """merchants/login (v2.5) posts the optional user and reads offer_types from form_values."""
    mocked.post(
        f"{V25}/client-id/{CID}/merchants/login",
        json={
            "merchant_name": "European Restorations", "merchant_id": "382",
            "form_values": {"salutation": {"options": {"mr": "Mr."}}, "offer_types": [OFFER]},
        },
    )  # fmt: skip
    info = client.merchant_login(
        "fr", merchant_username="merchantonline", merchant_password="pw", reference_id=REF
    )
    assert last(mocked) == (
        "POST", f"{V25}/client-id/{CID}/merchants/login", {"lang": "fr"},
        {"merchant_username": "merchantonline", "merchant_password": "pw"},
    )  # fmt: skip
    assert info.offer_types == (
        OfferType("1", OFFER["plan_name"], "equal_billing", (12, 18, 24, 36)),
    )
    assert "offer_types" not in info.form_values and info.form_values["salutation"]


CASES = [
    (
        "terms", lambda c: c.terms_and_conditions("en", province="QC", reference_id=REF),
        "GET", f"{V25}/client-id/{CID}/terms-and-conditions", {"lang": "en", "province": "QC"},
        None, {"body": "<div id='tcs'>...</div>", "content_type": "text/html"},
        lambda r: r == "<div id='tcs'>...</div>",
    ),
    (
        "i18n", lambda c: c.i18n("fr", key="provinces", reference_id=REF),
        "GET", f"{V25}/client-id/{CID}/i18n/provinces", {"lang": "fr"}, None,
        {"json": {"provinces": {"QC": "Québec"}}}, lambda r: r["provinces"]["QC"] == "Québec",
    ),
    (
        "information", lambda c: c.information(first_name="John", reference_id=REF),
        "POST", f"{V25}/client-id/{CID}/information", {}, {"first_name": "John"},
        {"json": {}}, lambda r: r == {},
    ),
    (
        "widget authorization",
        lambda c: c.pos_widget_authorization(
            widget_session_id="abc123", amount=Decimal("50.00"), reference_id=REF
        ),
        "POST", f"{V25}/client-id/{CID}/widget/authorization", {},
        {"widget_session_id": "abc123", "amount": 50.00},
        {"json": {"status": "ok"}}, lambda r: r == {"status": "ok"},
    ),
    (
        "widget", lambda c: c.pos_widget_init(amount=Decimal("50.00"), reference_id=REF),
        "POST", f"{V25}/client-id/{CID}/widget/init", {}, {"amount": 50.00},
        {"json": {"redirect_url": "https://w.test/flow?widget_session_id=abc123"}},
        lambda r: r.widget_session_id == "abc123",
    ),
    (
        "apply",
        lambda c: c.apply({"amount_requested": Decimal("5000"), "province": "QC"},
                          reference_id=REF),
        "POST", f"{V25}/client-id/{CID}/apply", {}, {"amount_requested": 5000, "province": "QC"},
        {"json": {"vcc_number": 6374980100408234, "account_number": 20035156, "customer_id": 43353,
                  "available_credit": 5000, "credit_limit": 5000, "risk_rating": "L",
                  "offer_types": [OFFER], "debt_ratio": 0}},
        lambda r: (r.account_number, r.credit_limit, r.debt_ratio) == ("20035156", Decimal(5000), 0)
        and "6374980100408234" not in repr(r),
    ),
    (
        "close account", lambda c: c.close_account("12345", reference_id=REF),
        "POST", f"{V25}/client-id/{CID}/accounts/12345/close", {}, {}, {"json": {}},
        lambda r: r is None,
    ),
    (
        "verify account",
        lambda c: c.verify_account("123", "security_question", security_qid="6",
                                   security_answer="Rainbow", request_id="1234", reference_id=REF),
        "POST", f"{V25}/client-id/{CID}/account/123/verify", {},
        {"format": "security_question", "security_qid": "6", "security_answer": "Rainbow",
         "request_id": "1234"},
        {"json": {"verification_code": 4365}}, lambda r: r.code == "4365",
    ),
    (
        "calculate interest",
        lambda c: c.calculate_interest("12345", Decimal("234.45"), reference_id=REF),
        "POST", f"{V25}/client-id/{CID}/accounts/12345/calculate-interest", {"lang": "en"},
        {"amount": 234.45},
        {"json": {"account_number": 11223344, "amount": 250, "customer": {"available_credit": 8000},
                  "regular_purchase": {"term_amount": 250, "air": 0.289, "fees": []},
                  "promotional_purchase": [{"plan_id": 4, "terms": [
                      {"term": 3, "term_amount": 20.33, "apr": 0.0999,
                       "fees": [{"description": "Administrative fees:", "amount": 49.99,
                                 "type": "admin_total", "message": "m"}]}]}]}},
        lambda r: (r.promotional[0].plan_id, r.promotional[0].term_amount,
                   r.promotional[0].fees[0].amount) == ("4", Decimal("20.33"), Decimal("49.99")),
    ),
    (
        "authorization",
        lambda c: c.authorization("1234567", Decimal("5000.12"), auto_capture=True, plan_id="5",
                                  term=6, reference="orderid-12345", reference_id=REF),
        "POST", f"{V25}/client-id/{CID}/authorization", {"lang": "en"},
        {"account_number": "1234567", "amount": 5000.12, "auto_capture": True,
         "financing_option": {"transaction_type": "promotional_purchase", "plan_id": "5",
                              "term": 6},
         "reference": "orderid-12345"},
        {"json": {"authorization_id": 12345768, "reference": "orderid-12345", "status": "closed",
                  "auto_capture": True, "amount": 123.12, "apr": 0.1999,
                  "financing_option": {"transaction_type": "promotional_purchase", "plan_id": 5,
                                       "term": 6},
                  "customer": {"available_credit": 2000.12},
                  "capture": {"capture_id": 1234112, "status": "pending"}}},
        lambda r: (r.authorization_id, r.capture_id, r.plan_id, r.available_credit)
        == ("12345768", "1234112", "5", Decimal("2000.12")),
    ),
    (
        "lookup", lambda c: c.lookup_customer(vcc_number="1234123412341234", reference_id=REF),
        "GET", f"{V2}/client-id/{CID}/customers/lookup", {"vcc_number": "1234123412341234"}, None,
        {"json": {"available_credit": 5000, "account_number": 20035156, "customer_id": 43353,
                  "security_qid": [{"id": "4", "text": "Friend?"}], "address_1": "123 Anystreet",
                  "payment_protection": 0, "risk_rating": "L", "offer_types": [OFFER],
                  "preferred_language": "EN_CA"}},
        lambda r: (r.customer_id, r.available_credit, r.security_questions[0].id,
                   r.payment_protection) == ("43353", Decimal(5000), "4", False)
        and "Anystreet" not in repr(r),
    ),
    (
        "lookup by name",
        lambda c: c.lookup_customer(first_name="Brian", last_name="Bold", dob=date(1900, 1, 1),
                                    reference_id=REF),
        "GET", f"{V2}/client-id/{CID}/customers/lookup",
        {"first_name": "Brian", "last_name": "Bold", "dob": "1900/01/01"}, None,
        {"json": {"customer_id": 1, "account_number": 2, "available_credit": 3}},
        lambda r: r.account_number == "2",
    ),
    (
        "search",
        lambda c: c.search_customers("John", "Smith", "1900/01/01", reference_id=REF),
        "GET", f"{V2}/client-id/{CID}/customers/search",
        {"first_name": "John", "last_name": "Smith", "dob": "1900/01/01"}, None,
        {"json": [{"customer_id": "829825", "account_status": "N", "tos": True,
                   "credit_limit": "1000.00", "available_credit": "659.51"},
                  {"customer_id": "829875", "account_status": "F", "tos_agreement": True}]},
        lambda r: [(a.customer_id, a.can_purchase, a.tos) for a in r]
        == [("829825", True, True), ("829875", False, True)]
        and r[0].available_credit == Decimal("659.51"),
    ),
    (
        "verify sms", lambda c: c.verify_customer("12345", reference_id=REF),
        "POST", f"{V2}/client-id/{CID}/customers/12345/verify", {}, {"format": "sms"},
        {"json": {"verification_code": "verification_sent_to_sms"}},
        lambda r: (r.code, r.sent_to) == (None, "sms"),
    ),
    (
        "verify override",
        lambda c: c.verify_customer("12345", "merchant_override", reference_id=REF),
        "POST", f"{V2}/client-id/{CID}/customers/12345/verify", {}, {"format": "merchant_override"},
        {"json": {"verification_code": 2485}}, lambda r: (r.code, r.sent_to) == ("2485", None),
    ),
    (
        "customer transactions", lambda c: c.customer_transactions("12345", reference_id=REF),
        "GET", f"{V2}/client-id/{CID}/customers/12345/transactions", {}, None,
        {"json": {"transactions": [{"term": "3", "transaction_id": "167637",
                                    "transaction_status": "Posted", "customer_name": "Doe, John",
                                    "transaction_balance": "1200.05",
                                    "transaction_date": "2019/04/14", "plan_name": "EMP"}]}},
        lambda r: (r[0].transaction_id, r[0].balance, r[0].term)
        == ("167637", Decimal("1200.05"), 3)
        and "Doe" not in repr(r),
    ),
    (
        "driver's licence", lambda c: c.decode_drivers_licence("@\nANSI", reference_id=REF),
        "POST", f"{V2}/client-id/{CID}/customers/driverslicense", {}, {"code": "@\nANSI"},
        {"json": {"first_name": "John", "last_name": "Doe", "govid_type": "CADL",
                  "govid_number": "D61014070660905", "postal_code": "M5J 2H7"}},
        lambda r: (r.govid_type, r.govid_number) == ("CADL", "D61014070660905")
        and "D61014070660905" not in repr(r),
    ),
    (
        "close customer account", lambda c: c.close_customer_account("20035156", reference_id=REF),
        "POST", f"{V2}/client-id/{CID}/customers/close-account", {}, {"account_number": "20035156"},
        {"json": {}}, lambda r: r is None,
    ),
    (
        "create transaction",
        lambda c: c.create_transaction(Decimal("50.99"), verification_code=2485, plan_id="5",
                                       term=6, vcc_number="6374980100408234", lang="en",
                                       customer_confirmed=True, reference_id=REF),
        "POST", f"{V2}/client-id/{CID}/transactions", {"lang": "en"},
        {"transaction_type": "promotional_purchase", "plan_id": "5", "term": 6, "amount": 50.99,
         "vcc_number": "6374980100408234", "customer_confirmed": True,
         "hold_authorization": False, "verification_code": 2485},
        {"json": TRANSACTION},
        lambda r: (r.transaction_id, r.payment_value, r.admin_fee, r.customer_confirmed)
        == ("167635", Decimal("1200.05"), Decimal("49.99"), True),
    ),
    (
        "update transaction",
        lambda c: c.update_transaction("152404", validation=1234, amount=Decimal("500"),
                                       plan_id="4", term=18, customer_confirmed=True,
                                       reference_id=REF),
        "PUT", f"{V2}/client-id/{CID}/transactions/152404", {},
        {"transaction_type": "promotional_purchase", "plan_id": "4", "term": 18, "amount": 500,
         "customer_confirmed": True, "validation": 1234},
        {"json": {"transaction_id": 152404, "total_amount": 500, "status": "pending",
                  "customer_confirmed": True, "air": 0.3549, "apr": 0.1999, "plan_id": "4",
                  "term": 18}},
        lambda r: (r.status, r.total_amount, r.apr) == ("pending", Decimal(500), Decimal("0.1999")),
    ),
    (
        "authorized", lambda c: c.authorized_transactions(reference_id=REF),
        "GET", f"{V2}/client-id/{CID}/transactions/authorized", {}, None,
        {"json": {"transactions": [{"transaction_id": "9", "amount": "12.50"}]}},
        lambda r: [(h.transaction_id, h.amount) for h in r] == [("9", Decimal("12.50"))],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "method", "url", "query", "body", "answer", "check"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_pos_call_is_pinned(client, mocked, call, method, url, query, body, answer, check):
    """The request goes out exactly as Flexiti writes it and the answer becomes its result."""
    mocked.add(method, url, **answer)
    result = call(client)
    assert last(mocked) == (method, url, query, body)
    assert check(result)


def test_every_pos_call_uses_one_merchant_token(client, mocked):
    """The POS token is asked for once, form-encoded, with the merchant scope."""
    mocked.get(f"{V2}/client-id/{CID}/transactions/authorized", json={"transactions": []})
    mocked.get(f"{V25}/client-id/{CID}/i18n", json={})
    client.authorized_transactions()
    client.i18n()
    tokens = [c for c in mocked.calls if c.request.url.endswith("/oauth/token")]
    assert len(tokens) == 1
    assert "scope=merchant" in tokens[0].request.body


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.lookup_customer(),
        lambda c: c.create_transaction(Decimal(5), verification_code=1, plan_id="1", term=3),
        lambda c: c.create_transaction(Decimal(5), verification_code=1, customer_id="1"),
        lambda c: c.verify_customer("1", "carrier_pigeon"),
        lambda c: c.create_transaction(Decimal(5), verification_code=1, customer_id="1",
                                       transaction_type="layaway"),
    ],
)  # fmt: skip
def test_incomplete_calls_are_refused_before_sending(client, mocked, call):
    """A call missing what Flexiti requires raises ValueError and sends nothing."""
    with pytest.raises(ValueError):
        call(client)
    assert len(mocked.calls) == 0


#: Amounts no POS call sends: the rules of ``money.parse_amount`` (exponents, zero, negatives,
#: floats, sub-cents, past ``MAX_AMOUNT``), whatever the type they come in.
BAD_AMOUNTS = ["1e2", "1E+2", "0", "0.00", "-5", Decimal(0), Decimal("-1"), 0, -3, 0.5,
               Decimal("1.001"), "1000000.01"]  # fmt: skip


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
@pytest.mark.parametrize(
    "call",
    [
        lambda c, a: c.create_transaction(a, verification_code=1, customer_id="1",
                                          transaction_type="regular_purchase"),
        lambda c, a: c.update_transaction("152404", validation=1, amount=a),
        lambda c, a: c.return_transaction("42", a),
        lambda c, a: c.calculate_interest("12345", a),
        lambda c, a: c.authorization("1234567", a, auto_capture=True),
        lambda c, a: c.pos_widget_init(amount=a),
        lambda c, a: c.apply({"amount_requested": a, "province": "ON"}),
    ],
    ids=["create", "update", "return", "calculate-interest", "authorization", "widget", "apply"],
)  # fmt: skip
def test_pos_amounts_are_parsed_strictly_before_sending(client, mocked, call, amount):
    """Every POS amount goes through ``parse_amount``: an exponent, zero, a negative, a float, a
    sub-cent or an amount past the maximum is refused with its field's name, and nothing is sent
    (not even the token call)."""
    with pytest.raises(AmountError, match="amount"):
        call(client, amount)
    assert len(mocked.calls) == 0
