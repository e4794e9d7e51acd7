"""The regular-purchase bypass as the POS API documents it: a code from account verify for a
customer who made at most 3 regular purchases in the past 24 hours, good for a regular purchase
of at most $200 (calculate-interest's ``regular_purchase.verify``), and ``UNLIMITED_BYPASS``."""

from __future__ import annotations

import pytest

V2 = "/flexiti/pos-api/v2"
V25 = "/flexiti/pos-api/v2.5"
VERIFY = "/client-id/{cid}/account/20035156/verify"


def bypass_code(api) -> int:
    answer = api.call("POST", VERIFY, json={"format": "regular_purchase_bypass"}, base=V25)
    assert answer.status_code == 200, answer.json
    return answer.json["verification_code"]


def buy(api, code, kind: str, amount: str):
    body = {"transaction_type": kind, "amount": amount, "customer_id": "43353",
            "verification_code": code, "customer_confirmed": True}  # fmt: skip
    if kind == "promotional_purchase":
        body.update(plan_id="1", term=3)
    return api.call("POST", "/client-id/{cid}/transactions", json=body, base=V2)


@pytest.mark.parametrize(
    ("kind", "amount", "status"),
    [
        ("regular_purchase", "200.00", 200),
        ("regular_purchase", "200.01", 409),
        ("promotional_purchase", "100.00", 409),
    ],
)
def test_a_bypass_code_buys_only_a_small_regular_purchase(sandbox_api, kind, amount, status):
    answer = buy(sandbox_api, bypass_code(sandbox_api), kind, amount)
    assert answer.status_code == status, answer.json
    if status == 409:
        assert answer.json["error"] == "wrong_verification_code"


@pytest.mark.sandbox_config({"MERCHANT_OVERRIDE": True})
def test_a_code_of_another_format_buys_any_purchase(sandbox_api):
    """The limits are the bypass's: a merchant override's code buys $500 of regular purchase."""
    code = sandbox_api.call("POST", VERIFY, json={"format": "merchant_override"}, base=V25)
    assert (
        buy(sandbox_api, code.json["verification_code"], "regular_purchase", "500").status_code
        == 200
    )


@pytest.mark.sandbox_config({"TOKEN_LIFETIME": 3 * 24 * 3600})  # the clock moves a day
def test_the_bypass_stops_after_more_than_three_regular_purchases_in_a_day(
    sandbox_api, sandbox_clock
):
    """An account that made 3 regular purchases in 24 hours still qualifies; one that made 4
    does not, for verify or with a code issued before, until the first leaves the window."""
    for _ in range(3):
        assert (
            buy(sandbox_api, bypass_code(sandbox_api), "regular_purchase", "10").status_code == 200
        )
        sandbox_clock.advance(3600)
    code = bypass_code(sandbox_api)
    assert buy(sandbox_api, code, "regular_purchase", "10").status_code == 200  # the fourth
    refused = sandbox_api.call("POST", VERIFY, json={"format": "regular_purchase_bypass"}, base=V25)
    assert refused.status_code == 409
    assert refused.json["error"] == "regular_purchase_bypass_is_not_allowed"
    assert "url" in refused.json
    assert (
        buy(sandbox_api, code, "regular_purchase", "10").json["error"] == "wrong_verification_code"
    )
    sandbox_clock.advance(21 * 3600 + 1)  # the first purchase is now more than 24 hours old
    assert buy(sandbox_api, bypass_code(sandbox_api), "regular_purchase", "10").status_code == 200


@pytest.mark.parametrize(("amount", "verify"), [("200", True), ("200.01", False)])
def test_calculate_interest_says_whether_the_bypass_serves_the_amount(sandbox_api, amount, verify):
    path = "/client-id/{cid}/accounts/20035156/calculate-interest"
    answer = sandbox_api.call("POST", path, json={"amount": amount}, base=V25)
    assert answer.json["regular_purchase"]["verify"] is verify


@pytest.mark.sandbox_config({"UNLIMITED_BYPASS": True})
def test_unlimited_bypass_buys_anything(sandbox_api):
    for kind, amount in [("regular_purchase", "500"), ("promotional_purchase", "600")]:
        answer = buy(sandbox_api, bypass_code(sandbox_api), kind, amount)
        assert answer.status_code == 200, answer.json
