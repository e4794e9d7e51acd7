"""The sandbox's POS customers, applications, reference data and deprecated endpoints, each
answering with the shapes and refusals Flexiti documents."""

from __future__ import annotations

import pytest

V2 = "/flexiti/pos-api/v2"
V25 = "/flexiti/pos-api/v2.5"
LICENCE = (
    "@\n\u001e\rANSI\n604428040101 DL00310219DLDCAunavI\nDCBNONE\nDCDNONE\nDBA20200515\n"
    "DCSNUMBER1\nDACENSTREAM \nDAD\nDBD20140516\nDBB19740515\nDBCZ\nDAYBLU\nDAU163 cm\n"
    "DAG55 UNIVERSITY AVE\nDAITORONTO\nDAJON\nDAKM5J 2H7\nDAQD61014070660905\nDCFPEJK368N4\n"
    "DCGCAN\nDDEU\nDDFU\nDDGU\r"
)
APPLICATION = {
    "amount_requested": 5000, "phone_number": "5551231231", "language": "en-CA",
    "salutation": "mr", "first_name": "John", "middle_name": "Grey", "last_name": "Doe",
    "dob": "1990-01-01", "address_1": "123 Any Street", "address_2": "Apt C",
    "govid_expiry": "2030-12-12", "city": "Montreal", "province": "QC", "postal_code": "H1A0H1",
    "govid_type": "CAP", "monthly_housing_expenses": 1000, "govid_issuedby": "CANADA",
    "govid_number": "ab121212", "input_type": "manual", "personal_income": 123123,
    "household_income": 240000, "housing_type": "Rent", "email": "email@address.com",
    "occupation_id": "FE", "occupation_title": "Baker", "employer_name": "Tasty Bakery",
    "employer_phone": "1231231231", "sin": "123123123", "security_qid": "8",
    "security_answer": "Horse", "piw": "Cloud", "tos_agreement": True,
}  # fmt: skip


def v2(api, method, path, json=None, **kwargs):
    return api.call(method, path, json=json, base=V2, **kwargs)


def v25(api, method, path, json=None, **kwargs):
    return api.call(method, path, json=json, base=V25, **kwargs)


@pytest.mark.parametrize(
    "query",
    [
        "vcc_number=6374980100408234",
        "account_number=20035156",
        "first_name=Tommy&last_name=Samson&dob=1990%2F01%2F01",
        "first_name=tommy&last_name=SAMSON&dob=1990-01-01&postal_code=M5V%202T6",
    ],
)
def test_lookup_finds_the_account(sandbox_api, query):
    """A card, an account number, or a name and birth date find Tommy's account."""
    response = v2(sandbox_api, "GET", f"/client-id/{{cid}}/customers/lookup?{query}")
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["customer_id"], body["account_number"], body["available_credit"]) == (
        43353, 20035156, 5000.0,
    )  # fmt: skip
    assert body["security_qid"][0]["id"] == "4"
    assert body["offer_types"][0]["term_options"] == ["3"]


@pytest.mark.parametrize(
    ("vcc", "error"),
    [
        ("6374980100408259", "user_not_active"),
        ("6374980100408267", "user_not_able_to_purchase"),  # F: frozen
        ("6374980100408275", "user_not_able_to_purchase"),  # A: auth prohibited
        ("6374980100408283", "user_not_able_to_purchase"),  # Z: charged off
        ("1111111111111111", "not_found"),
    ],
)
def test_lookup_refusals_use_the_url_shape(sandbox_api, vcc, error):
    """Lookup refusals are 409 {url, message, error}, as POS API v2 shows them."""
    path = f"/client-id/{{cid}}/customers/lookup?vcc_number={vcc}"
    response = v2(sandbox_api, "GET", path)
    assert response.status_code == 409
    assert set(response.json) == {"url", "message", "error"}
    assert response.json["error"] == error
    assert response.json["url"].startswith("/flexiti/pos-api/v2/client-id/flexitidemo/customers")
    # The card number is masked as POS API v2 shows it: the first and last five digits only.
    assert response.json["url"].endswith(f"vcc_number={vcc[:5]}XXXXXX{vcc[-5:]}")


@pytest.mark.parametrize(
    ("first", "last", "dob", "status"),
    [("Amy", "Arrears", "1988/08/08", "A"), ("Zack", "Writtenoff", "1975/05/05", "Z")],
)
def test_search_lists_the_documented_statuses_a_and_z(sandbox_api, first, last, dob, status):
    """POS API v2, account statuses: Auth Prohibited "A" and Charged Off "Z" are listed."""
    path = f"/client-id/{{cid}}/customers/search?first_name={first}&last_name={last}&dob={dob}"
    assert [a["account_status"] for a in v2(sandbox_api, "GET", path).json] == [status]


def test_search_lists_accounts_and_says_404_in_a_409(sandbox_api):
    """Search lists every matching account; none is 409 with code 404."""
    found = v2(sandbox_api, "GET", "/client-id/{cid}/customers/search?first_name=Frank"
               "&last_name=Frozen&dob=1970/12/31")  # fmt: skip
    assert [(a["customer_id"], a["account_status"]) for a in found.json] == [("43356", "F")]
    missing = v2(sandbox_api, "GET", "/client-id/{cid}/customers/search?first_name=No"
                 "&last_name=One&dob=1970/12/31")  # fmt: skip
    assert (missing.status_code, missing.json["code"], missing.json["error"]) == (
        409, 404, "not_found",
    )  # fmt: skip
    incomplete = v2(sandbox_api, "GET", "/client-id/{cid}/customers/search?first_name=No")
    assert incomplete.json["error"] == "wrong_inputs"
    assert {e["param"] for e in incomplete.json["field_errors"]} == {"last_name", "dob"}


@pytest.mark.parametrize(
    ("body", "status", "expected"),
    [
        ({"format": "sms"}, 200, {"verification_code": "verification_sent_to_sms"}),
        ({"format": "email"}, 200, {"verification_code": "verification_sent_to_email"}),
        ({"format": "security_question", "security_qid": "4", "security_answer": "x"}, 409,
         "secret_answer_mismatch"),
        ({"format": "security_question"}, 409, "wrong_input"),
    ],
)  # fmt: skip
def test_verify_formats(sandbox_api, body, status, expected):
    """SMS and e-mail send the code; a wrong or missing answer is refused in the url shape."""
    response = v2(sandbox_api, "POST", "/client-id/{cid}/customers/43353/verify", body)
    assert response.status_code == status
    if status == 200:
        assert response.json == expected
    else:
        assert response.json["error"] == expected and "url" in response.json


@pytest.mark.sandbox_config({"MERCHANT_OVERRIDE": True})
def test_verified_code_is_what_a_purchase_needs(sandbox_api, sandbox_client):
    """The security question's answer gives the code; the control API shows an SMS code."""
    answered = v2(
        sandbox_api, "POST", "/client-id/{cid}/customers/43353/verify",
        {"format": "security_question", "security_qid": "4", "security_answer": "rex"},
    )  # fmt: skip
    code = answered.json["verification_code"]
    assert isinstance(code, int) and 1000 <= code <= 9999
    v2(sandbox_api, "POST", "/client-id/{cid}/customers/43353/verify", {"format": "sms"})
    accounts = sandbox_client.get("/_sandbox/pos").json["accounts"]
    sent = next(a["verification_code"] for a in accounts if a["customer_id"] == "43353")
    assert sent is not None and len(sent) == 4 and sent.isdigit()
    account = v25(sandbox_api, "POST", "/client-id/{cid}/account/20035156/verify",
                  {"format": "merchant_override"})  # fmt: skip
    assert isinstance(account.json["verification_code"], int)


@pytest.mark.parametrize("base", [V2, V25])
def test_drivers_licence_is_decoded_on_both_versions(sandbox_api, base):
    """Flexiti's PDF417 example decodes on POS API v2 and v2.5."""
    response = sandbox_api.call(
        "POST", "/client-id/{cid}/customers/driverslicense", json={"code": LICENCE}, base=base
    )
    assert response.json == {
        "first_name": "Enstream", "middle_name": "", "last_name": "Number1", "dob": "1974-05-15",
        "address_1": "55 UNIVERSITY AVE", "city": "TORONTO", "province": "ON",
        "postal_code": "M5J 2H7", "govid_type": "CADL", "govid_issuedby": "ON",
        "govid_number": "D61014070660905", "govid_expiry": "2020-05-15",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("code", "error"), [("", ""), ("not a licence", "Driver License's not supported")]
)
def test_drivers_licence_refusals(sandbox_api, code, error):
    """A missing or unreadable code is refused as POS API v2 shows."""
    response = v2(sandbox_api, "POST", "/client-id/{cid}/customers/driverslicense", {"code": code})
    assert response.status_code == 409
    assert (response.json["error"], response.json["message"]) == (
        error,
        "It has been following errors:",
    )


def test_quebec_application_then_close_account(sandbox_api):
    """A Quebec applicant gets a debt ratio and offers, and may close the account at once."""
    applied = v25(sandbox_api, "POST", "/client-id/{cid}/apply", APPLICATION, scope="customer")
    assert applied.status_code == 200, applied.json
    body = applied.json
    assert (body["credit_limit"], body["available_credit"], body["debt_ratio"]) == (
        5000.0,
        5000.0,
        0.05,
    )
    assert body["offer_types"] and len(str(body["vcc_number"])) == 16
    lookup = v2(
        sandbox_api,
        "GET",
        f"/client-id/{{cid}}/customers/lookup?account_number={body['account_number']}",
    )
    assert lookup.json["customer_id"] == body["customer_id"]
    closed = v25(
        sandbox_api, "POST", f"/client-id/{{cid}}/accounts/{body['account_number']}/close", {}
    )
    assert closed.json == {}
    again = v2(sandbox_api, "POST", "/client-id/{cid}/customers/close-account",
               {"account_number": str(body["account_number"])})  # fmt: skip
    assert (again.status_code, again.json["code"]) == (409, 404)


def test_only_quebec_accounts_close(sandbox_api):
    """Closing an Ontario account is wrong_inputs naming account_number."""
    response = v2(
        sandbox_api,
        "POST",
        "/client-id/{cid}/customers/close-account",
        {"account_number": "20035156"},
    )
    assert response.json["error"] == "wrong_inputs"
    assert response.json["field_errors"][0]["param"] == "account_number"


def test_application_names_every_missing_field(sandbox_api):
    """An application without its required fields is refused naming each one."""
    body = {k: v for k, v in APPLICATION.items() if k not in ("piw", "monthly_housing_expenses")}
    response = v25(sandbox_api, "POST", "/client-id/{cid}/apply", {**body, "tos_agreement": False})
    assert response.status_code == 409 and response.json["error"] == "wrong_inputs"
    assert {e["param"] for e in response.json["field_errors"]} == {
        "piw", "monthly_housing_expenses", "tos_agreement",
    }  # fmt: skip


def apply_without(sandbox_api, line):
    body = {k: v for k, v in APPLICATION.items() if k != line}
    return v25(sandbox_api, "POST", "/client-id/{cid}/apply", body, scope="customer")


SWAPPED = pytest.mark.sandbox_config({"APPLY_ADDRESS_1_REQUIRED": True})


@pytest.mark.parametrize(
    ("line", "status"),
    [
        ("address_2", 409),
        ("address_1", 200),
        pytest.param("address_1", 409, marks=SWAPPED),
        pytest.param("address_2", 200, marks=SWAPPED),
    ],
)
def test_apply_requires_address_2_as_the_table_marks_it(sandbox_api, line, status):
    """POS API, apply: address_2 is marked required and address_1 is not (the knob swaps)."""
    response = apply_without(sandbox_api, line)
    assert response.status_code == status, response.json
    if status == 409:
        assert [e["param"] for e in response.json["field_errors"]] == [line]


@pytest.mark.parametrize(("province", "region"), [("QC", "qc"), ("ON", "roc"), (None, "roc")])
def test_terms_are_html_per_region(sandbox_api, province, region):
    """Quebec applicants get Quebec's terms; everyone else the rest of Canada's."""
    query = "?lang=fr" + (f"&province={province}" if province else "")
    response = v25(
        sandbox_api, "GET", "/client-id/{cid}/terms-and-conditions" + query, scope="customer"
    )
    assert response.mimetype == "text/html"
    assert f"data-region='{region}'" in response.get_data(as_text=True)


def test_i18n_whole_and_by_key(sandbox_api):
    """i18n answers every key of POS API v2.5, or one; an unknown key is 409 with code 404."""
    everything = v25(sandbox_api, "GET", "/client-id/{cid}/i18n?lang=fr").json
    assert {"salutations", "provinces", "govid_types", "occupation_ids", "plan_ids"} <= set(
        everything
    )
    one = v25(sandbox_api, "GET", "/client-id/{cid}/i18n/provinces?lang=fr").json
    assert one == {"provinces": everything["provinces"]} and one["provinces"]["QC"] == "Québec"
    assert v25(sandbox_api, "GET", "/client-id/{cid}/i18n/nope").json["code"] == 404


def test_merchant_login_nests_offer_types_in_form_values(sandbox_api):
    """merchants/login answers offer_types inside form_values, and accepts a customer token."""
    response = v25(
        sandbox_api, "POST", "/client-id/{cid}/merchants/login?lang=en", {}, scope="customer"
    )
    form_values = response.json["form_values"]
    assert "offer_types" not in response.json
    assert [o["plan_id"] for o in form_values["offer_types"]] == ["1", "2", "3", "4", "5", "7"]
    assert form_values["govid_issued_by"]["option_depends"]["CAPID"] == {"ON": "Ontario"}


def test_information_and_widget_init(sandbox_api, sandbox_client):
    """information accepts any object; widget/init puts the session id in its redirect URL."""
    assert v25(sandbox_api, "POST", "/client-id/{cid}/information", {"a": 1}).json == {}
    for scope in ("customer", "merchant"):
        authorized = v25(
            sandbox_api, "POST", "/client-id/{cid}/widget/authorization", {"a": 1}, scope=scope
        )
        assert (authorized.status_code, authorized.json) == (200, {})
    refused = v25(sandbox_api, "POST", "/client-id/{cid}/widget/authorization", [1])
    assert refused.status_code == 400
    url = v25(sandbox_api, "POST", "/client-id/{cid}/widget/init", {"amount": 100}).json[
        "redirect_url"
    ]
    session = url.split("widget_session_id=")[1]
    assert len(session) == 24
    page = sandbox_client.get(url.replace("http://localhost", ""))
    assert page.status_code == 200 and session in page.get_data(as_text=True)


def test_calculate_interest_quotes_each_plan(sandbox_api):
    """The deprecated calculator quotes every plan the amount reaches, with its APR."""
    body = v25(sandbox_api, "POST", "/client-id/{cid}/accounts/20035156/calculate-interest",
               {"amount": 1200}).json  # fmt: skip
    quotes = {p["plan_id"]: p["terms"] for p in body["promotional_purchase"]}
    assert set(quotes) == {1, 2, 3, 4, 7}  # 5 starts at $2,500
    assert (quotes[3][0]["term"], quotes[3][0]["term_amount"]) == (12, 100.0)
    assert [(t["term"], t["apr"]) for t in quotes[4]] == [(18, 0.0999), (24, 0.0999)]
    assert [(t["term"], t["term_amount"]) for t in quotes[7]] == [(6, 0.0), (12, 0.0)]


def test_authorization_with_auto_capture_is_a_returnable_purchase(sandbox_api, sandbox_app):
    """A captured authorization is returned through transactions/{authorization_id}/return."""
    body = {
        "account_number": 20035156, "amount": 300, "auto_capture": True, "reference": "A-9",
        "financing_option": {"transaction_type": "promotional_purchase", "plan_id": 3, "term": 12},
    }  # fmt: skip
    created = v25(sandbox_api, "POST", "/client-id/{cid}/authorization", body)
    assert created.status_code == 200, created.json
    auth = created.json
    assert (auth["status"], auth["capture"]["amount"], auth["customer"]["available_credit"]) == (
        "closed", 300.0, 4700.0,
    )  # fmt: skip
    path = f"/client-id/{{cid}}/transactions/{auth['authorization_id']}/return"
    returned = v2(sandbox_api, "POST", path, {"return_type": "full"})
    assert returned.json == {}
    ledger = sandbox_app.extensions["flexiti_sandbox"].ledger
    assert ledger.available_credit(ledger.find(customer_id="43353")) == 5000


def test_customer_endpoints_need_a_merchant_token(sandbox_api):
    """Lookups and verifications take a customer-scope token as invalid (POS API v2.5, scope
    parameter usage: not in the customer list): 401 invalid_token, as any invalid token."""
    response = v2(
        sandbox_api, "GET", "/client-id/{cid}/customers/lookup?vcc_number=1", scope="customer"
    )
    assert (response.status_code, response.json["error"]) == (401, "invalid_token")


@pytest.mark.parametrize(
    ("base", "path"),
    [
        (V2, "/client-id/{cid}/customers/43353/verify"),
        (V25, "/client-id/{cid}/account/20035156/verify"),
    ],
)
def test_merchant_override_is_refused_unless_the_merchant_may(sandbox_api, base, path):
    """POS API v2: only "select Merchants" may override; the documented refusal by default."""
    refused = sandbox_api.call("POST", path, json={"format": "merchant_override"}, base=base)
    assert refused.status_code == 409
    assert refused.json["error"] == refused.json["message"] == "merchant_override_is_not_allowed"
    assert set(refused.json) == {"url", "message", "error"}


@pytest.mark.sandbox_config({"MERCHANT_OVERRIDE": True})
def test_merchant_override_knob_answers_a_code(sandbox_api):
    answer = v2(sandbox_api, "POST", "/client-id/{cid}/customers/43353/verify",
                {"format": "merchant_override"})  # fmt: skip
    assert answer.status_code == 200 and isinstance(answer.json["verification_code"], int)


@pytest.mark.parametrize(("piw", "status"), [("Cloud", 200), (" cloud ", 200), ("Rain", 409)])
def test_a_personal_identification_word_must_match_the_account(sandbox_api, piw, status):
    """A verify that carries the customer's word is refused with piw_mismatch when it differs."""
    answer = v2(sandbox_api, "POST", "/client-id/{cid}/customers/43353/verify",
                {"format": "sms", "piw": piw})  # fmt: skip
    assert answer.status_code == status, answer.json
    if status == 409:
        assert answer.json["error"] == "piw_mismatch"
        assert "1-877-259-3754" in answer.json["message"]
