"""The sandbox speaks as Flexiti's documents say by default, and each knob flips one behaviour."""

from __future__ import annotations

import pytest

from support.sandbox_server import buy_body

V2_INIT = "/online/v2/client-id/{cid}/systems/init"
BY_MERCHANT = "/online/client-id/{cid}/notifications/merchant-order-id/{id}"
BY_ORDER = "/online/client-id/{cid}/notifications/order-id/{id}"


def test_buy_without_customer_id_or_vcc_is_refused_in_the_online_apis_shape(sandbox_api):
    """Widget init's table: buy needs customer_id or vcc. The refusal is the Online API's
    documented failure, {code, error, error_description}, and no order is opened."""
    response = sandbox_api.post(V2_INIT, buy_body(flow="buy"))
    assert response.status_code == 400
    assert response.json == {
        "code": 400,
        "error": "invalid_request",
        "error_description": "customer_id or vcc is required for the buy flow.",
    }


@pytest.mark.parametrize(
    "given", [{"flow": "buy", "customer_id": "1293835"}, {"flow": "buy", "vcc": "2374980012897093"},
              {"flow": "apply/buy"}],
)  # fmt: skip
def test_buy_with_a_customer_and_apply_buy_without_one_are_opened(sandbox_api, given):
    """buy with customer_id or vcc, and apply/buy with neither (its example), are accepted."""
    assert sandbox_api.post(V2_INIT, buy_body(**given)).status_code == 200


@pytest.mark.sandbox_config({"ONLINE_FIELD_ERRORS": True})
def test_online_field_errors_knob_names_each_field(sandbox_api):
    """ONLINE_FIELD_ERRORS answers in the POS API's wrong_inputs shape, each field named."""
    response = sandbox_api.post(V2_INIT, buy_body(flow="buy"))
    assert response.status_code == 409 and response.json["error"] == "wrong_inputs"
    assert [item["param"] for item in response.json["field_errors"]] == ["customer_id"]


@pytest.mark.parametrize(("knob", "same"), [({}, False), ({"SAME_TRANSACTION_ID": True}, True)])
def test_transaction_ids_are_numbers_of_their_own(sandbox_app, sandbox_api, knob, same):
    """The lookup's transaction_id is not widget init's online_order_id (131221 and 131209 in
    the Online API's examples), unless SAME_TRANSACTION_ID says so."""
    if knob:
        sandbox_api.knobs(same_transaction_id=True)
    opened = sandbox_api.post(V2_INIT, buy_body()).json
    found = sandbox_api.get(BY_ORDER.replace("{id}", str(opened["online_order_id"]))).json
    assert (found["transaction_id"] == opened["online_order_id"]) is same
    if not same:
        assert (opened["online_order_id"], found["transaction_id"]) == (131209, 131221)


@pytest.mark.sandbox_config({"NUMERIC_MERCHANT_ORDER_IDS": True})
def test_numeric_merchant_order_ids_knob_refuses_other_ids(sandbox_api):
    """NUMERIC_MERCHANT_ORDER_IDS refuses a merchant order id that is not an integer, in widget
    init and in the lookup, as an account whose ids are typed Integer would."""
    refused = sandbox_api.post(V2_INIT, buy_body(merchant_orderid="A-1"))
    assert (refused.status_code, refused.json["error"]) == (400, "invalid_request")
    assert "merchant_orderid must be an integer" in refused.json["error_description"]
    assert sandbox_api.post(V2_INIT, buy_body(merchant_orderid="123456789")).status_code == 200
    lookup = sandbox_api.get(BY_MERCHANT.replace("{id}", "A-1"))
    assert (lookup.status_code, lookup.json["error"]) == (400, "invalid_request")
    assert sandbox_api.get(BY_MERCHANT.replace("{id}", "123456789")).status_code == 200


@pytest.mark.parametrize(("knob", "status"), [(False, 200), (True, 400)])
def test_reference_id_is_required_only_where_documented(sandbox_api, knob, status):
    """POS API v2 pages never name x-reference-id: a call without one is served, unless
    REFERENCE_ID_EVERYWHERE; the Online API always requires it."""
    if knob:
        sandbox_api.knobs(reference_id_everywhere=True)
    token = sandbox_api.token("merchant")
    headers = {"Authorization": f"Bearer {token}"}
    path = "/flexiti/pos-api/v2/client-id/flexitidemo/customers/search?first_name=A&last_name=B"
    pos = sandbox_api.client.get(path, headers=headers)
    assert (pos.status_code == 400) is knob, pos.json
    online = sandbox_api.client.post(
        "/flexiti/online-api/online/client-id/flexitidemo/merchants/payment-availability",
        json={"amount_requested": 100},
        headers={"Authorization": f"Bearer {sandbox_api.token('customer')}"},
    )
    assert online.status_code == 400 and "x-reference-id" in online.json["error_description"]
