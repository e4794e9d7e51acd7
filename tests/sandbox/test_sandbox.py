"""The sandbox's Online and POS endpoints and its hosted pages, through Flask's test client."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from html import escape as html_escape
from urllib.parse import parse_qsl, urlsplit

import pytest

from support.sandbox_server import ADDRESS, BUYER, POS_API, buy_body

V2_INIT = "/online/v2/client-id/{cid}/systems/init"
APPLY_INIT = "/online/client-id/{cid}/systems/init"
CALC = "/online/v2/client-id/{cid}/systems/payment-calculator"
AVAILABILITY = "/online/client-id/{cid}/merchants/payment-availability"
BY_ORDER = "/online/client-id/{cid}/notifications/order-id/{order_id}"
BY_MERCHANT = "/online/client-id/{cid}/notifications/merchant-order-id/{merchant_orderid}"
BY_PROMO = "/online/client-id/{cid}/notifications/promo-id/{promo_id}"


def field_params(response) -> dict[str, str]:
    assert response.status_code == 409, response.json
    body = response.json
    assert body["message"] == "Some inputs are wrong!"
    assert body["error"] == "wrong_inputs"
    assert body["url"] == response.request.path
    return {item["param"]: item["msg"] for item in body["field_errors"]}


def flow_path(redirection_url: str) -> str:
    match = re.fullmatch(r"http://localhost(/sandbox/flow/[\w-]+)", redirection_url)
    assert match, redirection_url
    return match.group(1)


def script_value(html: str, name: str):
    match = re.search(rf"var {name} = (.*);", html)
    assert match, html
    return json.loads(match.group(1))


def lookup(api, order_id):
    return api.get(BY_ORDER.replace("{order_id}", str(order_id)))


# --- widget init -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flow", "path"),
    [(BUYER, V2_INIT), ({"flow": "apply/buy"}, V2_INIT), ({"flow": "apply"}, APPLY_INIT)],
)
def test_init_happy_path(sandbox_api, flow, path):
    """Init answers an incrementing online_order_id and a redirection_url to the hosted flow."""
    first = sandbox_api.post(path, buy_body(**flow))
    second = sandbox_api.post(path, buy_body(**flow))
    assert first.status_code == 200, first.json
    assert first.json["online_order_id"] == 131209
    assert second.json["online_order_id"] == 131210
    assert flow_path(first.json["redirection_url"]) != flow_path(second.json["redirection_url"])


@pytest.mark.parametrize("scope", ["customer", "merchant"])
def test_init_accepts_either_scope(sandbox_api, scope):
    """Widget init works with a customer or a merchant token."""
    assert sandbox_api.post(V2_INIT, buy_body(), scope=scope).status_code == 200


@pytest.mark.sandbox_config({"PUBLIC_URL": "https://sandbox.example/"})
def test_redirection_url_uses_public_url(sandbox_api):
    """PUBLIC_URL replaces the request host in redirection_url."""
    url = sandbox_api.init().json["redirection_url"]
    assert url.startswith("https://sandbox.example/sandbox/flow/")


@pytest.mark.parametrize(
    ("amount", "lang"),
    [(499, "en-CA"), ("499.99", "fr-CA"), (499.5, "EN-ca"), ("50", "fr"), (20000, "en")],
)
def test_init_accepts_amount_forms_and_langs(sandbox_api, sandbox_app, amount, lang):
    """Amounts as numbers or numeric strings and langs in any case are accepted, kept as Decimal."""
    response = sandbox_api.init(amount_requested=amount, lang=lang)
    assert response.status_code == 200, response.json
    order = sandbox_app.extensions["flexiti_sandbox"].orders.get(131209)
    assert order.amount == Decimal(str(amount))
    assert isinstance(order.amount, Decimal)


@pytest.mark.sandbox_config({"ONLINE_FIELD_ERRORS": True})
@pytest.mark.parametrize(
    ("overrides", "path", "expected"),
    [
        ({"amount_requested": None}, V2_INIT, {"amount_requested": "amount_requested is required"}),
        ({"amount_requested": "abc"}, V2_INIT, {"amount_requested": "must be a number"}),
        ({"amount_requested": 0}, V2_INIT, {"amount_requested": "greater than 0"}),
        ({"amount_requested": -5}, V2_INIT, {"amount_requested": "greater than 0"}),
        ({"amount_requested": True}, V2_INIT, {"amount_requested": "must be a number"}),
        ({"amount_requested": "1.005"}, V2_INIT, {"amount_requested": "2 decimal places"}),
        ({"amount_requested": "NaN"}, V2_INIT, {"amount_requested": "must be a number"}),
        ({"lang": None}, V2_INIT, {"lang": "lang is required"}),
        ({"lang": "de-DE"}, V2_INIT, {"lang": "en-CA, fr-CA"}),
        ({"flow": "borrow"}, V2_INIT, {"flow": "apply, buy, apply/buy"}),
        ({"flow": "apply"}, V2_INIT, {"flow": "/online/client-id/{clientId}/systems/init"}),
        (BUYER, APPLY_INIT, {"flow": "/online/v2/client-id/{clientId}/systems/init"}),
        ({"billing_information": None}, V2_INIT, {"billing_information": "required"}),
        ({"shipping_information": "x"}, V2_INIT, {"shipping_information": "must be an object"}),
        ({"email": "nope"}, V2_INIT, {"email": "invalid"}),
        ({"merchant_orderid": ""}, V2_INIT, {"merchant_orderid": "must not be empty"}),
        ({"province": "ZZ"}, V2_INIT, {"province": "must be one of"}),
    ],
)
def test_init_field_errors(sandbox_api, overrides, path, expected):
    """Each bad init field is one entry of field_errors, named by its param."""
    errors = field_params(sandbox_api.post(path, buy_body(**overrides)))
    assert errors.keys() == expected.keys()
    for param, fragment in expected.items():
        assert fragment in errors[param]


@pytest.mark.sandbox_config({"ONLINE_FIELD_ERRORS": True})
@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("first_name", "", "is required"),
        ("address_1", None, "is required"),
        ("province", "XX", "must be one of"),
        ("postal_code", "12345", "postal code"),
        ("city", 7, "is required"),
    ],
)
@pytest.mark.parametrize("section", ["billing_information", "shipping_information"])
def test_init_address_field_errors(sandbox_api, section, field, value, fragment):
    """Every required address field of billing and shipping is checked and named with its path."""
    address = dict(ADDRESS, **{field: value})
    errors = field_params(sandbox_api.init(**{section: address}))
    assert list(errors) == [f"{section}.{field}"]
    assert fragment in errors[f"{section}.{field}"]


@pytest.mark.sandbox_config({"ONLINE_FIELD_ERRORS": True})
def test_init_reports_every_bad_field_at_once(sandbox_api):
    """Several problems give several field_errors in one 409 wrong_inputs, with the values."""
    response = sandbox_api.post(V2_INIT, {"lang": "xx", "flow": "buy", "amount_requested": "abc"})
    assert {item["param"]: item["value"] for item in response.json["field_errors"]} == {
        "lang": "xx",
        "amount_requested": "abc",
        "billing_information": None,
        "shipping_information": None,
        "customer_id": None,
    }


def test_apply_flow_needs_no_addresses(sandbox_api):
    """The apply flow has no billing/shipping requirement."""
    body = {"lang": "fr-CA", "flow": "apply", "amount_requested": "3000.00"}
    assert sandbox_api.post(APPLY_INIT, body).status_code == 200


@pytest.mark.parametrize("amount", ["49.99", "20000.01", 1_000_000])
def test_init_amount_out_of_range_is_409(sandbox_api, amount):
    """An amount outside the merchant's range is 409 amount_out_of_range."""
    response = sandbox_api.init(amount_requested=amount)
    assert response.status_code == 409
    assert response.json["code"] == 409
    assert response.json["error"] == "amount_out_of_range"


def test_init_rejects_non_json_body(sandbox_api):
    """A body that is not a JSON object is 400 invalid_request."""
    response = sandbox_api.post(V2_INIT, ["not", "an", "object"])
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


# --- calculator, availability, learn more ------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "monthly", "months"),
    [
        ("499", "41.58", "12"),
        ("50", "16.67", "3"),
        ("149.99", "50.00", "3"),
        ("150", "25.00", "6"),
        ("1000", "46.14", "24"),
        ("2500", "84.22", "36"),
        ("20000", "673.78", "36"),
    ],
)
def test_calculator_money(sandbox_api, price, monthly, months):
    """The longest plan the price reaches, its payment rounded half-up, numbers as strings."""
    response = sandbox_api.get(CALC + f"?price={price}")
    assert response.status_code == 200, response.json
    assert response.json["paymentPlan"] == {"monthlyPayment": monthly, "months": months}


def test_calculator_html_in_english_and_french(sandbox_api):
    """htmlRender is English by default and French, with French money format, for lang=fr."""
    english = sandbox_api.get(CALC + "?price=499").json["htmlRender"]
    french = sandbox_api.get(CALC + "?price=499&lang=fr").json["htmlRender"]
    assert english.startswith("<div") and english.endswith("</div>")
    assert "$41.58" in english and "12 months" in english
    assert "41,58\u00a0$" in french and "mois" in french and 'lang="fr-CA"' in french


@pytest.mark.sandbox_config({"ONLINE_FIELD_ERRORS": True})
@pytest.mark.parametrize("query", ["", "?price=", "?price=abc", "?price=-1"])
def test_calculator_bad_price_is_field_error(sandbox_api, query):
    """A missing or non-numeric price is a 409 wrong_inputs field error on price."""
    assert list(field_params(sandbox_api.get(CALC + query))) == ["price"]


@pytest.mark.parametrize("price", ["10", "25000"])
def test_calculator_price_out_of_range_is_409(sandbox_api, price):
    """A price outside the merchant range is 409 amount_out_of_range."""
    response = sandbox_api.get(CALC + f"?price={price}")
    assert response.status_code == 409 and response.json["error"] == "amount_out_of_range"


@pytest.mark.parametrize(
    ("amount", "enabled"),
    [(49.99, False), (50, True), ("400", True), (20000, True), ("20000.01", False)],
)
def test_payment_availability_bounds(sandbox_api, amount, enabled):
    """enable_payment_gateway is true exactly when min plan <= amount <= MAX_AMOUNT."""
    response = sandbox_api.post(AVAILABILITY, {"amount_requested": amount})
    assert response.status_code == 200
    assert response.json == {"enable_payment_gateway": enabled}


@pytest.mark.sandbox_config(
    {"MAX_AMOUNT": "900", "PLANS": [{"plan_id": "9", "months": 10, "apr": 0, "min_amount": 100}]}
)
def test_plans_and_max_amount_from_config(sandbox_api):
    """PLANS and MAX_AMOUNT replace the default merchant range and plan table."""
    assert sandbox_api.post(AVAILABILITY, {"amount_requested": 99}).json == {
        "enable_payment_gateway": False
    }
    assert sandbox_api.post(AVAILABILITY, {"amount_requested": 901}).json == {
        "enable_payment_gateway": False
    }
    plan = sandbox_api.get(CALC + "?price=500").json["paymentPlan"]
    assert plan == {"monthlyPayment": "50.00", "months": "10"}


@pytest.mark.sandbox_config({"ONLINE_FIELD_ERRORS": True})
def test_payment_availability_needs_amount(sandbox_api):
    """A missing amount_requested is a field error."""
    assert list(field_params(sandbox_api.post(AVAILABILITY, {}))) == ["amount_requested"]


def test_learn_more_url_and_page(sandbox_api, sandbox_client):
    """learn-more answers a sandbox URL whose page lists the plans in the requested language."""
    response = sandbox_api.post(
        "/online/client-id/{cid}/systems/learn-more",
        {"lang": "fr-CA", "amount_requested": 499},
        scope="customer",
    )
    url = response.json["redirection_url"]
    assert url == "http://localhost/sandbox/learn-more?lang=fr&amount=499.00"
    page = sandbox_client.get(url.removeprefix("http://localhost"))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert '<html lang="fr-CA">' in text
    assert "41,58\u00a0$" in text and "36 mois" in text


# --- hosted flow and lookups -------------------------------------------------------------------


def test_lookup_pending_then_approved_through_hosted_page(sandbox_api, sandbox_client):
    """A lookup says Pending until the customer approves on the hosted page, then Success
    (the Online API's table spelling, ``purchase.status``, by default)."""
    started = sandbox_api.init(merchant_orderid="A-77", **BUYER).json
    order_id = started["online_order_id"]
    pending = lookup(sandbox_api, order_id).json
    assert pending["transaction_id"] == sandbox_api.transaction_id(order_id) != order_id
    assert pending["flow"] == "buy"
    assert pending["purchase"]["status"] == "Pending"
    assert "purchase_status" not in pending["purchase"]
    assert pending["purchase"]["promo_id"] is None

    path = flow_path(started["redirection_url"])
    page = sandbox_client.get(path)
    assert page.status_code == 200
    assert "X-Frame-Options" not in page.headers
    assert 'id="sandbox-approve"' in page.get_data(as_text=True)
    result = sandbox_client.post(path, data={"outcome": "approve"})
    assert result.status_code == 200

    done = lookup(sandbox_api, order_id).json
    purchase = done["purchase"]
    assert purchase["status"] == "Success"
    assert purchase["promo_id"] == "382712"
    assert purchase["plan_id"] == "3" and purchase["term"] == 12
    assert purchase["purchase_amount"] == 499.0
    assert purchase["transaction_total_amount"] == 499.0
    assert purchase["administrative_fee"] == "0.00"
    assert purchase["customer_id"] == "1293835"
    assert purchase["customer_comparison_result"]["billing_information"]["first_name"] == 1
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", done["date"])
    by_merchant = sandbox_api.get(BY_MERCHANT.replace("{merchant_orderid}", "A-77"))
    assert by_merchant.json == done


@pytest.mark.parametrize(("outcome", "status"), [("decline", "Declined"), ("cancel", "Cancelled")])
def test_decline_and_cancel_through_hosted_page(sandbox_api, sandbox_client, outcome, status):
    """Declining or cancelling settles the order with that status and no promo id."""
    started = sandbox_api.init().json
    sandbox_client.post(flow_path(started["redirection_url"]), data={"outcome": outcome})
    purchase = lookup(sandbox_api, started["online_order_id"]).json["purchase"]
    assert purchase["status"] == status
    assert purchase["promo_id"] is None


def test_hosted_page_settles_once(sandbox_api, sandbox_client):
    """A second submit of the hosted form is a 409 page and changes nothing."""
    started = sandbox_api.init().json
    path = flow_path(started["redirection_url"])
    sandbox_client.post(path, data={"outcome": "decline"})
    again = sandbox_client.post(path, data={"outcome": "approve"})
    assert again.status_code == 409
    assert "already settled" in again.get_data(as_text=True)
    status = lookup(sandbox_api, started["online_order_id"]).json["purchase"]["status"]
    assert status == "Declined"


def test_hosted_page_plan_choice(sandbox_api, sandbox_client):
    """The plan chosen on the page is the one the lookup reports; a plan out of reach is 400."""
    started = sandbox_api.init(amount_requested=499).json
    path = flow_path(started["redirection_url"])
    refused = sandbox_client.post(path, data={"outcome": "approve", "plan_id": "5"})
    assert refused.status_code == 400
    assert sandbox_client.post(path, data={"outcome": "approve", "plan_id": "1"}).status_code == 200
    purchase = lookup(sandbox_api, started["online_order_id"]).json["purchase"]
    assert (purchase["plan_id"], purchase["term"]) == ("1", 3)


def test_hosted_page_offers_each_term_of_a_plan(sandbox_api, sandbox_client):
    """A plan of two terms is two choices on the page; the term chosen is the lookup's."""
    started = sandbox_api.init(amount_requested=1200).json
    path = flow_path(started["redirection_url"])
    page = sandbox_client.get(path).get_data(as_text=True)
    assert 'value="4:18"' in page and 'value="4:24" checked' in page
    assert "no payments" not in page  # the deferred plan is not an online offer
    assert sandbox_client.post(
        path, data={"outcome": "approve", "plan_id": "4:13"}
    ).status_code == (400)
    assert sandbox_client.post(
        path, data={"outcome": "approve", "plan_id": "4:18"}
    ).status_code == (200)
    purchase = lookup(sandbox_api, started["online_order_id"]).json["purchase"]
    assert (purchase["plan_id"], purchase["term"]) == ("4", 18)


def test_control_settle_takes_a_term(sandbox_api, sandbox_client):
    started = sandbox_api.init(amount_requested=1200).json
    settled = sandbox_client.post(
        f"/_sandbox/orders/{started['online_order_id']}/settle",
        json={"outcome": "approve", "plan_id": "4", "term": 18},
    )
    assert settled.status_code == 200, settled.json
    purchase = lookup(sandbox_api, started["online_order_id"]).json["purchase"]
    assert (purchase["plan_id"], purchase["term"]) == ("4", 18)


def test_hosted_page_bad_outcome_and_unknown_token(sandbox_api, sandbox_client):
    """An unknown button value is 400 and an unknown flow token is 404."""
    path = flow_path(sandbox_api.init().json["redirection_url"])
    assert sandbox_client.post(path, data={"outcome": "maybe"}).status_code == 400
    assert sandbox_client.get("/sandbox/flow/not-a-token").status_code == 404


@pytest.mark.parametrize(
    ("flow", "lang", "texts"),
    [
        ("buy", "en-CA", ["Approve<", "Decline", "Cancel", "$499.00", "Choose a plan"]),
        ("apply", "en-CA", ["Approve application", "Decline", "Cancel"]),
        ("buy", "fr-CA", ["Approuver<", "Refuser", "Annuler", "499,00\u00a0$"]),
        ("apply", "fr-CA", ["Approuver la demande", "Refuser", "Annuler"]),
    ],
)
def test_hosted_page_is_bilingual_and_accessible(sandbox_api, sandbox_client, flow, lang, texts):
    """The page speaks the order's language, labels every input and names every button."""
    given = BUYER if flow == "buy" else {"flow": flow}
    response = sandbox_api.init(lang=lang, merchant_orderid="M-9", **given)
    page = sandbox_client.get(flow_path(response.json["redirection_url"]))
    html = page.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    for text in texts:
        assert text in html
    assert "M-9" in html
    for input_id in re.findall(r'<input[^>]* id="([^"]+)"', html):
        assert f'<label for="{input_id}"' in html
    for button_id in ("sandbox-approve", "sandbox-decline", "sandbox-cancel"):
        assert re.search(rf'<button [^>]*id="{button_id}"[^>]*>\w', html)


@pytest.mark.sandbox_config(
    {
        "SUCCESS_URL": "https://shop.example/ok?step=2",
        "ERROR_URL": "https://shop.example/cart",
        "RETURN_STYLE": "ids",
    }
)
@pytest.mark.parametrize(
    ("outcome", "event_type", "target"),
    [
        ("approve", "flx-success", "https://shop.example/ok?step=2&online_order_id=131209"),
        ("decline", "flx-failure", "https://shop.example/cart?online_order_id=131209"),
        ("cancel", "flx-cancel", "https://shop.example/cart?online_order_id=131209"),
    ],
)
def test_result_page_posts_message_and_redirects(
    sandbox_api, sandbox_client, outcome, event_type, target
):
    """The result page tells a parent frame the outcome; RETURN_STYLE=ids sends the browser back
    with our ids."""
    path = flow_path(sandbox_api.init(merchant_orderid="M 1").json["redirection_url"])
    html = sandbox_client.post(path, data={"outcome": outcome}).get_data(as_text=True)
    expected = f"{target}&merchant_orderid=M+1"
    assert script_value(html, "event") == {
        "eventType": event_type,
        "eventData": {"online_order_id": 131209, "merchant_orderid": "M 1"},
    }
    assert script_value(html, "target") == expected
    assert 'window.parent.postMessage(event, "*")' in html
    assert "window.location.replace(target)" in html
    assert f'href="{html_escape(expected)}"' in html


@pytest.mark.sandbox_config({"SUCCESS_URL": "https://shop.example/ok", "RETURN_STYLE": "none"})
def test_result_page_without_ids(sandbox_api, sandbox_client):
    """RETURN_STYLE=none sends the customer to the bare SUCCESS_URL."""
    path = flow_path(sandbox_api.init().json["redirection_url"])
    html = sandbox_client.post(path, data={"outcome": "approve"}).get_data(as_text=True)
    assert script_value(html, "target") == "https://shop.example/ok"


@pytest.mark.sandbox_config({"SUCCESS_URL": "https://shop.example/ok?step=2"})
def test_result_page_returns_as_flexitis_proof_of_concept(sandbox_api, sandbox_client):
    """By default the return URL carries orderId and an auth_token, as Flexiti's POC reads."""
    started = sandbox_api.init(merchant_orderid="M 1").json
    html = sandbox_client.post(
        flow_path(started["redirection_url"]), data={"outcome": "approve"}
    ).get_data(as_text=True)
    target = urlsplit(script_value(html, "target"))
    query = dict(parse_qsl(target.query))
    assert query["step"] == "2"
    assert query["orderId"] == str(started["online_order_id"])
    assert len(query["auth_token"]) >= 24
    assert "merchant_orderid" not in query and "online_order_id" not in query


def test_result_page_without_urls_shows_outcome(sandbox_api, sandbox_client):
    """With no SUCCESS_URL/ERROR_URL the page only shows the outcome."""
    path = flow_path(sandbox_api.init().json["redirection_url"])
    html = sandbox_client.post(path, data={"outcome": "decline"}).get_data(as_text=True)
    assert "Your application was declined." in html
    assert script_value(html, "target") is None
    assert 'id="sandbox-return"' not in html


def test_apply_flow_lookup(sandbox_api):
    """An approved apply flow looks up as the Online API's table has it: ``apply.customer_id`` (an
    int) and a top-level ``apply_status``."""
    started = sandbox_api.post(
        APPLY_INIT, {"lang": "en-CA", "flow": "apply", "amount_requested": 3000}
    ).json
    sandbox_api.settle(started["online_order_id"], "approve")
    body = lookup(sandbox_api, started["online_order_id"]).json
    assert body["flow"] == "apply"
    assert "purchase" not in body
    assert body["apply"] == {"customer_id": 1293835}
    assert body["apply_status"] == "Success"


@pytest.mark.sandbox_config({"LOOKUP_STYLE": "example"})
def test_lookup_example_style(sandbox_api):
    """LOOKUP_STYLE=example answers as the Online API's JSON example: purchase_status, SUCCESS."""
    started = sandbox_api.init().json
    sandbox_api.settle(started["online_order_id"], "approve")
    purchase = lookup(sandbox_api, started["online_order_id"]).json["purchase"]
    assert purchase["purchase_status"] == "SUCCESS" and "status" not in purchase
    applied = sandbox_api.post(
        APPLY_INIT, {"lang": "en-CA", "flow": "apply", "amount_requested": 3000}
    ).json
    sandbox_api.settle(applied["online_order_id"], "approve")
    body = lookup(sandbox_api, applied["online_order_id"]).json
    assert body["apply"]["apply_status"] == "SUCCESS" and "apply_status" not in body


@pytest.mark.parametrize(
    "path",
    [
        BY_ORDER.replace("{order_id}", "999999"),
        BY_ORDER.replace("{order_id}", "abc"),
        BY_MERCHANT.replace("{merchant_orderid}", "nobody"),
        BY_PROMO.replace("{promo_id}", "1"),
    ],
)
def test_unknown_order_is_409_with_404_body(sandbox_api, path):
    """Unknown orders answer Flexiti's odd shape: HTTP 409 whose body says code 404."""
    response = sandbox_api.get(path)
    assert response.status_code == 409
    assert response.json == {
        "code": 404,
        "error": "not_found",
        "error_description": "Order not found",
    }


def test_merchant_order_lookup_returns_latest(sandbox_api):
    """Two orders with one merchant order id: the lookup answers the newer one."""
    sandbox_api.init(merchant_orderid="DUP")
    newer = sandbox_api.init(merchant_orderid="DUP").json["online_order_id"]
    body = sandbox_api.get(BY_MERCHANT.replace("{merchant_orderid}", "DUP")).json
    assert body["transaction_id"] == sandbox_api.transaction_id(newer)


def test_promo_lookup(sandbox_api):
    """An approved purchase can be found by its promo id, with the customer's name."""
    started = sandbox_api.init(fname="Tommy", lname="Samson").json
    sandbox_api.settle(started["online_order_id"], "approve")
    body = sandbox_api.get(BY_PROMO.replace("{promo_id}", "382712")).json
    assert body["fname"] == "Tommy" and body["lname"] == "Samson"
    assert body["promo_id"] == "382712"
    assert body["plan_id"] == "3" and body["term"] == 12
    assert body["purchase_amount"] == "499.00"
    assert body["transaction_total_amount"] == 499.0
    assert body["customer_comparison_result"]["shipping_information"]["city"] == 1


def test_comparison_scores_flag_a_different_shipping_address(sandbox_api):
    """Shipping to an address unlike the customer's file scores below 1 on the changed fields."""
    elsewhere = dict(ADDRESS, address_1="9 Distant Road", city="Vancouver", province="BC")
    started = sandbox_api.init(shipping_information=elsewhere).json
    sandbox_api.settle(started["online_order_id"], "approve")
    scores = lookup(sandbox_api, started["online_order_id"]).json["purchase"][
        "customer_comparison_result"
    ]
    assert scores["billing_information"]["address_1"] == 1
    assert scores["shipping_information"]["first_name"] == 1
    assert scores["shipping_information"]["address_1"] < 0.5
    assert scores["shipping_information"]["province"] < 1


@pytest.mark.sandbox_config({"APPROVED_AMOUNT_DELTA": "-0.01"})
def test_approved_amount_delta_in_lookup(sandbox_api):
    """APPROVED_AMOUNT_DELTA makes the approved amount differ from the requested one."""
    started = sandbox_api.init(amount_requested="499.00").json
    sandbox_api.settle(started["online_order_id"], "approve")
    purchase = lookup(sandbox_api, started["online_order_id"]).json["purchase"]
    assert purchase["purchase_amount"] == 498.99
    assert purchase["transaction_total_amount"] == 498.99


# --- POS ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "province"), [("en", "Quebec"), ("fr", "Québec")])
def test_pos_merchant_login(sandbox_api, lang, province):
    """Merchant login answers the merchant, its form values and, inside them, one offer type
    per plan with all its terms, deferred-payment plans too (POS API v2 nests offer_types in
    form_values; its example has plans of several terms and of both categories)."""
    response = sandbox_api.post(f"/client-id/{{cid}}/merchants/login?lang={lang}", {}, base=POS_API)
    assert response.status_code == 200
    body = response.json
    assert body["merchant_name"] == "Sandbox Store" and body["merchant_id"] == 1
    assert body["form_values"]["province"]["options"]["QC"] == province
    offers = body["form_values"]["offer_types"]
    assert [offer["plan_id"] for offer in offers] == ["1", "2", "3", "4", "5", "7"]
    assert [offer["term_options"] for offer in offers[2:]] == [[12], [18, 24], [30, 36], [6, 12]]
    assert [offer["offer_category"] for offer in offers] == ["equal_billing"] * 5 + [
        "deferred_payment"
    ]


def test_unknown_api_path_is_flexiti_shaped_404(sandbox_api):
    """An unknown API path answers JSON in Flexiti's error shape, not an HTML page."""
    response = sandbox_api.get("/online/client-id/{cid}/nothing-here")
    assert response.status_code == 404
    assert response.json["code"] == 404 and response.json["error"] == "not_found"


def test_home_page_shows_base_urls_and_credentials(sandbox_client):
    """The URL make demo prints opens a page that says what to point a client at."""
    page = sandbox_client.get("/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "http://localhost/flexiti/online-api" in text
    assert "http://localhost/flexiti/pos-api/v2.5" in text
    assert "flexitidemo" in text and "No orders yet." in text


def test_home_page_starts_a_flow_and_lists_it(sandbox_client):
    """ "Start a test flow" opens a pending order and goes to its hosted page."""
    started = sandbox_client.post("/sandbox/try", data={"amount": "499.00", "flow": "buy"})
    assert started.status_code == 303
    assert "/sandbox/flow/" in started.headers["Location"]
    flow_page = sandbox_client.get(started.headers["Location"])
    assert flow_page.status_code == 200 and 'id="sandbox-approve"' in flow_page.get_data(True)
    home = sandbox_client.get("/").get_data(as_text=True)
    assert "TRY-1" in home and "PENDING" in home


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"amount": "5", "flow": "buy"}, "Enter an amount from"),
        ({"amount": "abc", "flow": "buy"}, "Enter an amount from"),
        ({"amount": "499", "flow": "borrow"}, "Choose buy, apply or apply/buy"),
    ],
)
def test_home_page_refuses_bad_tries(sandbox_client, form, message):
    """A bad amount or flow re-renders the page with a message saying what to enter."""
    page = sandbox_client.post("/sandbox/try", data=form)
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)


# --- what the public integrations send ---------------------------------------------------------


def test_init_accepts_a_form_encoded_body(sandbox_api):
    """Widget init reads a form body (Flexiti's proof of concept and JS SDK post forms)."""
    form = {"lang": "en-CA", "flow": "apply/buy", "amount_requested": "499.00",
            "merchant_order_id": "FORM-1"}  # fmt: skip
    for section in ("billing_information", "shipping_information"):
        form.update({f"{section}[{key}]": value for key, value in ADDRESS.items()})
    response = sandbox_api.client.post(
        "/flexiti/online-api" + V2_INIT.format(cid="flexitidemo"),
        data=form,
        headers={"x-reference-id": "f" * 32, "Authorization": f"Bearer {sandbox_api.token()}"},
    )
    assert response.status_code == 200, response.json
    found = sandbox_api.get(BY_MERCHANT.replace("{merchant_orderid}", "FORM-1"))
    assert found.json["transaction_id"] == sandbox_api.transaction_id(
        response.json["online_order_id"]
    )


@pytest.mark.parametrize("spelling", ["merchant_orderid", "merchant_order_id"])
def test_init_reads_both_merchant_order_id_spellings(sandbox_api, spelling):
    """The Online API's merchant_orderid and the SDK's merchant_order_id both name the order."""
    body = {**buy_body(merchant_orderid=None), spelling: "BOTH-1"}
    started = sandbox_api.post(V2_INIT, body).json
    found = sandbox_api.get(BY_MERCHANT.replace("{merchant_orderid}", "BOTH-1"))
    assert found.json["transaction_id"] == sandbox_api.transaction_id(started["online_order_id"])


def test_reference_id_longer_than_32_characters_is_refused(sandbox_api):
    """Flexiti types x-reference-id as an ASCII string of 32: a hyphenated UUID is refused."""
    response = sandbox_api.post(
        V2_INIT, buy_body(), headers={"x-reference-id": "4df0cecb-0151-40d1-aede-bfc8e034d361"}
    )
    assert response.status_code == 400
    assert "32" in response.json["error_description"]
    assert sandbox_api.post(V2_INIT, buy_body(), headers={"x-reference-id": "a" * 32}).json[
        "online_order_id"
    ]


@pytest.mark.parametrize("scope", ["customer", "merchant"])
def test_merchant_login_accepts_either_scope(sandbox_api, scope):
    """POS API v2.5 lists merchants/login among the customer-scope calls; both scopes may use it."""
    response = sandbox_api.call(
        "POST", "/client-id/{cid}/merchants/login?lang=en", scope=scope, base=POS_API, json={}
    )
    assert response.status_code == 200
    assert response.json["merchant_name"]
