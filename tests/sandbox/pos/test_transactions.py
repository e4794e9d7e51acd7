"""The sandbox's POS transactions (POS API v2): states, credit, and the exact refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest

POS_V2 = "/flexiti/pos-api/v2"
TX = "/client-id/{cid}/transactions"
TOMMY = {"customer_id": "43353", "account_number": "20035156", "vcc_number": "6374980100408234"}


@pytest.fixture
def ledger(sandbox_app):
    return sandbox_app.extensions["flexiti_sandbox"].ledger


@pytest.fixture
def code(ledger) -> str:
    """A verification code for Tommy, as customers/{id}/verify would issue it."""
    return ledger.issue_code(ledger.find(customer_id="43353"))


def pos(sandbox_api, method, path, json=None, **kwargs):
    return sandbox_api.call(method, path, json=json, base=POS_V2, **kwargs)


def purchase(sandbox_api, code, **overrides):
    body = {
        "transaction_type": "promotional_purchase",
        "plan_id": "3",
        "term": 12,
        "amount": 600,
        "customer_id": "43353",
        "verification_code": code,
        "customer_confirmed": True,
    }
    body.update(overrides)
    return pos(
        sandbox_api, "POST", TX + "?lang=en", {k: v for k, v in body.items() if v is not None}
    )


def available(ledger) -> Decimal:
    return ledger.available_credit(ledger.find(customer_id="43353"))


@pytest.mark.parametrize("identifier", sorted(TOMMY))
def test_purchase_by_any_identifier_is_posted_and_spends_credit(
    sandbox_api, ledger, code, identifier
):
    """A confirmed purchase on a card, account or customer id is posted at once."""
    response = purchase(sandbox_api, code, **{"customer_id": None, identifier: TOMMY[identifier]})
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["available_credit"], body["balance_after_purchase"]) == (5000.0, 4400.0)
    assert (body["plan_id"], body["term"], body["payment_value"]) == ("3", 12, "50.00")
    assert ledger.get(str(body["transaction_id"])).status == "posted"
    assert available(ledger) == Decimal("4400.00")


def test_held_purchase_holds_credit_until_cancelled(sandbox_api, ledger, code):
    """hold_authorization holds the credit, lists the transaction as authorized, cancel frees it."""
    body = purchase(sandbox_api, code, hold_authorization=True).json
    assert available(ledger) == Decimal("4400.00")
    held = pos(sandbox_api, "GET", TX + "/authorized").json["transactions"]
    assert [(h["transaction_id"], h["amount"]) for h in held] == [
        (str(body["transaction_id"]), "600.00")
    ]
    assert pos(sandbox_api, "POST", f"{TX}/{body['transaction_id']}/cancel").json == {}
    assert available(ledger) == Decimal("5000.00")
    assert pos(sandbox_api, "GET", TX + "/authorized").json == {"transactions": []}


def test_unconfirmed_purchase_needs_put_before_post(sandbox_api, ledger, code):
    """Without the customer's confirmation post is refused until PUT confirms it."""
    tid = purchase(sandbox_api, code, customer_confirmed=False).json["transaction_id"]
    refused = pos(sandbox_api, "POST", f"{TX}/{tid}/post")
    assert refused.status_code == 409
    assert refused.json["error"] == "wrong_inputs"
    assert refused.json["field_errors"][0]["param"] == "customer_confirmed"

    put = pos(
        sandbox_api, "PUT", f"{TX}/{tid}",
        {"customer_confirmed": True, "plan_id": "2", "term": 6, "amount": 300, "validation": code},
    )  # fmt: skip
    assert put.status_code == 200, put.json
    assert (put.json["status"], put.json["customer_confirmed"], put.json["term"]) == (
        "pending",
        True,
        6,
    )
    assert put.json["offer_plans"][0]["payment_value"] == 50.0
    assert pos(sandbox_api, "POST", f"{TX}/{tid}/post").json == {}
    assert ledger.get(str(tid)).status == "posted"
    assert available(ledger) == Decimal("4700.00")


def test_partial_returns_then_exceeds_amount(sandbox_api, ledger, code):
    """Returns reduce what can still be returned; more than that is refused, nothing changes."""
    tid = purchase(sandbox_api, code).json["transaction_id"]
    ret = f"{TX}/{tid}/return"
    assert (
        pos(sandbox_api, "POST", ret, {"return_type": "partial", "return_amount": "250.00"}).json
        == {}
    )
    refused = pos(sandbox_api, "POST", ret, {"return_type": "partial", "return_amount": "350.01"})
    assert refused.status_code == 409
    assert refused.json == {
        "code": 409,
        "error": "capture_amount_exceeded",
        "error_description": "Return amount is greater than the remaining captured amount.",
    }
    assert ledger.get(str(tid)).balance == Decimal("350.00")
    assert pos(sandbox_api, "POST", ret, {"return_type": "full"}).json == {}
    assert (
        pos(sandbox_api, "POST", ret, {"return_type": "full"}).json["error"]
        == "capture_amount_exceeded"
    )
    assert available(ledger) == Decimal("5000.00")


def test_customer_transactions_list_what_can_be_returned(sandbox_api, code):
    """customers/{id}/transactions lists posted purchases with their balance, then says none."""
    tid = purchase(sandbox_api, code).json["transaction_id"]
    pos(
        sandbox_api, "POST", f"{TX}/{tid}/return", {"return_type": "partial", "return_amount": 0.05}
    )
    rows = pos(sandbox_api, "GET", "/client-id/{cid}/customers/43353/transactions").json
    assert rows["transactions"][0]["transaction_balance"] == "599.95"
    assert rows["transactions"][0]["customer_name"] == "Samson, Tommy"
    pos(sandbox_api, "POST", f"{TX}/{tid}/return", {"return_type": "full"})
    none = pos(sandbox_api, "GET", "/client-id/{cid}/customers/43353/transactions")
    assert none.status_code == 409
    assert none.json["error"] == "no_returns_found"
    assert (
        none.json["url"] == "/flexiti/pos-api/v2/client-id/flexitidemo/customers/43353/transactions"
    )


@pytest.mark.parametrize("action", ["post", "cancel", "return"])
def test_unknown_transaction_is_409_with_body_code_404(sandbox_api, action):
    """POS API v2's not-found: HTTP 409 whose body says code 404."""
    response = pos(sandbox_api, "POST", f"{TX}/999/{action}", {"return_type": "full"})
    assert response.status_code == 409
    assert response.json == {"code": 404, "error": "not_found", "error_description": "not_found"}


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"verification_code": None}, "verification_code_required"),
        ({"verification_code": "0000"}, "wrong_verification_code"),
        ({"transaction_type": "layaway"}, "invalid_transaction_type"),
        ({"amount": 5000.01}, "not_enough_credit"),
        ({"customer_id": "43355"}, "user_not_active"),
        ({"customer_id": "43356"}, "user_not_able_to_purchase"),  # F: frozen
        ({"customer_id": "43357"}, "user_not_able_to_purchase"),  # A: auth prohibited
        ({"customer_id": "43358"}, "user_not_able_to_purchase"),  # Z: charged off
        ({"term": 7}, "wrong_inputs"),
    ],
)
def test_purchase_refusals_are_shaped_as_documented(sandbox_api, ledger, code, overrides, error):
    """Each refusal is HTTP 409 with code, error and error_description as POS API v2 shows."""
    for customer in ("43355", "43356", "43357", "43358"):
        ledger.find(customer_id=customer).verification_code = code
    if overrides.get("amount"):
        overrides = {**overrides, "plan_id": "5", "term": 36}
    response = purchase(sandbox_api, code, **overrides)
    assert response.status_code == 409
    assert response.json["code"] == 409
    assert response.json["error"] == error
    assert response.json["error_description"]


def test_wrong_inputs_name_the_field(sandbox_api, code):
    """A bad plan term is wrong_inputs with a field error naming term."""
    response = purchase(sandbox_api, code, term=7)
    assert response.json["error_description"] == "Some inputs are wrong!"
    assert [e["param"] for e in response.json["field_errors"]] == ["term"]


def test_posted_purchase_cannot_be_cancelled_or_put(sandbox_api, code):
    """Only pending or held transactions are cancelled or changed."""
    tid = purchase(sandbox_api, code).json["transaction_id"]
    cancel = pos(sandbox_api, "POST", f"{TX}/{tid}/cancel")
    put = pos(sandbox_api, "PUT", f"{TX}/{tid}", {"validation": code, "amount": 10})
    assert [cancel.json["error"], put.json["error"]] == ["wrong_inputs", "wrong_inputs"]
    assert "return it instead" in cancel.json["field_errors"][0]["msg"]


def test_transactions_need_a_merchant_token(sandbox_api, code):
    """The back office takes a customer-scope token as invalid: 401 invalid_token."""
    response = pos(sandbox_api, "POST", f"{TX}/1/cancel", scope="customer")
    assert (response.status_code, response.json["error"]) == (401, "invalid_token")


def test_transactions_live_on_v2_only(sandbox_api):
    """POS API v2 writes the transactions URLs with pos-api/v2; v2.5 has none."""
    response = sandbox_api.call("POST", TX + "/1/cancel", base="/flexiti/pos-api/v2.5")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("plan_id", "term", "payment"), [("4", 18, "72.06"), ("4", 24, "55.37"), ("7", 12, "0.00")]
)
def test_each_term_of_a_plan_and_a_deferred_plan_can_be_bought(
    sandbox_api, code, plan_id, term, payment
):
    """Any term a plan lists is a purchase's term; a deferred plan asks no payment meanwhile."""
    response = purchase(sandbox_api, code, plan_id=plan_id, term=term, amount=1200)
    assert response.status_code == 200, response.json
    assert (response.json["term"], response.json["payment_value"]) == (term, payment)


def test_a_term_the_plan_does_not_list_is_named_in_the_refusal(sandbox_api, code):
    response = purchase(sandbox_api, code, plan_id="4", term=12)
    assert response.status_code == 409
    [error] = response.json["field_errors"]
    assert error["param"] == "term" and "18 or 24 months" in error["msg"]
