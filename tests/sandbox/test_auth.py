"""The sandbox's OAuth rules: form-only token calls, scopes, refresh before expiry, bearers."""

from __future__ import annotations

import pytest

from support.sandbox_server import ONLINE_API, POS_API

CALC = "/online/v2/client-id/{cid}/systems/payment-calculator?price=499"
LOOKUP = "/online/client-id/{cid}/notifications/order-id/131209"


@pytest.mark.parametrize("base", [ONLINE_API, POS_API])
def test_token_issued_on_both_bases(sandbox_api, base):
    """A client_credentials grant answers Flexiti's token body on the Online and POS bases."""
    response = sandbox_api.request_token(base=base)
    assert response.status_code == 200
    body = response.json
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 1200
    assert body["scope"] == "merchant"
    assert body["access_token"] and body["refresh_token"]
    assert body["access_token"] != body["refresh_token"]


@pytest.mark.sandbox_config({"TOKEN_LIFETIME": 30})
def test_token_lifetime_from_config(sandbox_api):
    """TOKEN_LIFETIME sets expires_in."""
    assert sandbox_api.request_token().json["expires_in"] == 30


def test_token_rejects_json_body(sandbox_client):
    """The token endpoint only accepts a form body: JSON is 400 invalid_request."""
    response = sandbox_client.post(
        ONLINE_API + "/oauth/token",
        json={
            "client_id": "flexitidemo",
            "client_secret": "77fde15a-9d33-4e15-930a-76e4b3ae33e9",
            "grant_type": "client_credentials",
        },
        headers={"x-reference-id": "r-1"},
    )
    assert response.status_code == 400
    assert response.json["code"] == 400
    assert response.json["error"] == "invalid_request"
    assert "x-www-form-urlencoded" in response.json["error_description"]


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_secret": "wrong"}, 400, "invalid_client"),
        ({"client_id": "someoneelse"}, 400, "invalid_client"),
        ({"client_secret": None}, 400, "invalid_client"),
        ({"scope": "admin"}, 400, "invalid_scope"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": "authorization_code"}, 400, "invalid_request"),
        ({"grant_type": "refresh_token"}, 400, "invalid_request"),
        ({"grant_type": "refresh_token", "refresh_token": "nope"}, 400, "invalid_grant"),
    ],
)
def test_token_errors(sandbox_api, form, status, error):
    """Each bad token request gets Flexiti's error code in the {code, error, description} shape."""
    response = sandbox_api.request_token(**form)
    assert response.status_code == status
    assert response.json["code"] == status
    assert response.json["error"] == error
    assert response.json["error_description"]


def test_bad_credentials_message(sandbox_api):
    """Bad credentials say exactly what Flexiti says."""
    response = sandbox_api.request_token(client_secret="wrong")
    assert response.json["error_description"] == "Client credentials are invalid"


def test_token_requires_reference_id(sandbox_client):
    """A token call without x-reference-id is 400 invalid_request."""
    response = sandbox_client.post(
        ONLINE_API + "/oauth/token",
        data={"client_id": "flexitidemo", "client_secret": "77fde15a-9d33-4e15-930a-76e4b3ae33e9"},
    )
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert "x-reference-id" in response.json["error_description"]


@pytest.mark.parametrize("scope", ["customer", "merchant"])
def test_scope_is_echoed(sandbox_api, scope):
    """The requested scope is granted and echoed."""
    assert sandbox_api.request_token(scope=scope).json["scope"] == scope


def test_refresh_before_expiry_issues_new_pair(sandbox_api, sandbox_clock):
    """A refresh while the access token lives gives a new pair, spends the old refresh token and
    leaves the old access token valid until it expires."""
    first = sandbox_api.request_token(scope="customer").json
    sandbox_clock.advance(1199)
    response = sandbox_api.request_token(
        grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    assert response.status_code == 200
    second = response.json
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["scope"] == "customer"
    again = sandbox_api.request_token(
        grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    assert again.status_code == 400 and again.json["error"] == "invalid_grant"
    assert sandbox_api.get(CALC, token=first["access_token"]).status_code == 200
    sandbox_clock.advance(1)
    assert sandbox_api.get(CALC, token=first["access_token"]).status_code == 401
    assert sandbox_api.get(CALC, token=second["access_token"]).status_code == 200


def test_refresh_after_expiry_is_invalid_grant(sandbox_api, sandbox_clock):
    """Once the access token has expired its refresh token is refused with invalid_grant."""
    first = sandbox_api.request_token().json
    sandbox_clock.advance(1200)
    response = sandbox_api.request_token(
        grant_type="refresh_token", refresh_token=first["refresh_token"]
    )
    assert response.status_code == 400
    assert response.json["error"] == "invalid_grant"
    assert "expired" in response.json["error_description"]


def test_expired_token_is_401(sandbox_api, sandbox_clock):
    """An access token is refused with 401 invalid_token from the moment it expires."""
    token = sandbox_api.token()
    sandbox_clock.advance(1199.5)
    assert sandbox_api.get(CALC, token=token).status_code == 200
    sandbox_clock.advance(0.5)
    response = sandbox_api.get(CALC, token=token)
    assert response.status_code == 401
    assert response.json == {
        "code": 401,
        "error": "invalid_token",
        "error_description": "The access token provided has expired.",
    }
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Bearer unknown-token", "Basic Zm9vOmJhcg=="]
)
def test_missing_or_unknown_token_is_401(sandbox_client, authorization):
    """Calls without a known bearer token are 401 invalid_token."""
    headers = {"x-reference-id": "r-1"}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = sandbox_client.get(ONLINE_API + CALC.format(cid="flexitidemo"), headers=headers)
    assert response.status_code == 401
    assert response.json["code"] == 401
    assert response.json["error"] == "invalid_token"


def test_api_call_requires_reference_id(sandbox_api):
    """Every API call without x-reference-id is 400 invalid_request, even with a good token."""
    response = sandbox_api.get(CALC, headers={"x-reference-id": ""})
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


@pytest.mark.parametrize(
    ("method", "path", "base"),
    [
        ("GET", LOOKUP, ONLINE_API),
        ("GET", "/online/client-id/{cid}/notifications/merchant-order-id/ORDER-1", ONLINE_API),
        ("GET", "/online/client-id/{cid}/notifications/promo-id/382712", ONLINE_API),
        ("POST", "/online/client-id/{cid}/notifications/test", ONLINE_API),
        ("POST", "/client-id/{cid}/transactions/1/return", "/flexiti/pos-api/v2"),
    ],
)
def test_customer_scope_refused_on_merchant_endpoints(sandbox_api, method, path, base):
    """A customer-scope token on lookups, the test notification or the POS back office "is
    considered invalid" (POS API v2.5, scope parameter usage): 401 invalid_token, as any invalid
    token, so a client renews it (merchants/login takes either scope: see test_sandbox)."""
    response = sandbox_api.call(method, path, scope="customer", base=base, json={})
    assert response.status_code == 401
    assert response.json["code"] == 401
    assert response.json["error"] == "invalid_token"
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", CALC),
        ("POST", "/online/client-id/{cid}/merchants/payment-availability"),
        ("POST", "/online/client-id/{cid}/systems/learn-more"),
    ],
)
def test_customer_scope_allowed_on_customer_endpoints(sandbox_api, method, path):
    """Customer-facing endpoints accept a customer-scope token."""
    response = sandbox_api.call(method, path, scope="customer", json={"amount_requested": 400})
    assert response.status_code == 200


def test_client_id_in_path_must_match_token(sandbox_api):
    """A path naming another client id is 403."""
    response = sandbox_api.get(
        "/online/v2/client-id/otherclient/systems/payment-calculator?price=499"
    )
    assert response.status_code == 403
    assert response.json["error"] == "access_denied"


def test_revoke_invalidates_every_token(sandbox_api):
    """After /_sandbox/tokens/revoke the next call is 401 and the refresh token is dead too."""
    issued = sandbox_api.request_token().json
    assert sandbox_api.client.post("/_sandbox/tokens/revoke").json == {"revoked": 1}
    response = sandbox_api.get(CALC, token=issued["access_token"])
    assert response.status_code == 401 and response.json["error"] == "invalid_token"
    refresh = sandbox_api.request_token(
        grant_type="refresh_token", refresh_token=issued["refresh_token"]
    )
    assert refresh.json["error"] == "invalid_grant"
    assert sandbox_api.request_token().status_code == 200
