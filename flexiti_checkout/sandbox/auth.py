"""The HTTP side of authentication: ``/oauth/token`` and the bearer check on every other call.

Token bookkeeping is in :mod:`tokens`; this module applies Flexiti's rules on top (form body
only, default grant and scope, merchant-only endpoints, the client id in the path).
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from flask import g, jsonify, request
from flask.typing import ResponseReturnValue

from flexiti_checkout.sandbox.shapes import ApiError
from flexiti_checkout.sandbox.state import get_state
from flexiti_checkout.sandbox.tokens import SCOPES, AccessToken, TokenError

View = TypeVar("View", bound=Callable[..., ResponseReturnValue])
FORM_MIMETYPE = "application/x-www-form-urlencoded"


def token_view() -> ResponseReturnValue:
    """``POST {base}/oauth/token``: client credentials or refresh, form-encoded only."""
    state = get_state()
    form = request.form
    grant_type = form.get("grant_type") or "client_credentials"
    scope = form.get("scope") or "merchant"
    g.sandbox_log = {"grant_type": grant_type, "scope": scope}
    if request.mimetype != FORM_MIMETYPE:
        raise ApiError(
            400,
            "invalid_request",
            "The token endpoint only accepts an application/x-www-form-urlencoded body.",
        )
    settings = state.settings
    if not (
        _same(form.get("client_id", ""), settings.client_id)
        and _same(form.get("client_secret", ""), settings.client_secret)
    ):
        raise ApiError(400, "invalid_client", "Client credentials are invalid")
    if scope not in SCOPES:
        raise ApiError(400, "invalid_scope", "scope must be 'customer' or 'merchant'.")
    lifetime = state.knobs.token_lifetime
    if grant_type == "client_credentials":
        token = state.tokens.issue(settings.client_id, scope, lifetime)
    elif grant_type == "refresh_token":
        refresh_token = form.get("refresh_token")
        if not refresh_token:
            raise ApiError(400, "invalid_request", "refresh_token is required for this grant.")
        try:
            token = state.tokens.refresh(refresh_token, settings.client_id, lifetime)
        except TokenError as exc:
            raise ApiError(400, "invalid_grant", exc.description) from exc
        g.sandbox_log["scope"] = token.scope
    elif grant_type == "password":
        raise ApiError(
            400, "unsupported_grant_type", "The sandbox does not support the password grant."
        )
    else:
        raise ApiError(
            400,
            "invalid_request",
            "grant_type must be 'client_credentials' or 'refresh_token'.",
        )
    return jsonify(
        {
            "token_type": "bearer",
            "access_token": token.value,
            "expires_in": int(token.lifetime),
            "refresh_token": token.refresh_token,
            "scope": token.scope,
        }
    )


def require_token(*, merchant_only: bool = False) -> Callable[[View], View]:
    """Refuse the call without a live bearer token of the right scope for the path's client."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            token = _bearer_token()
            g.sandbox_log = {"scope": token.scope}
            if merchant_only and token.scope != "merchant":
                # POS API, scope parameter usage: "other endpoints will consider this token
                # invalid": the same 401 as an unknown token, so a client renews it once.
                _refuse("This endpoint does not accept a token with the 'customer' scope.")
            client_id = kwargs.get("cid")
            if client_id is not None and client_id != token.client_id:
                raise ApiError(
                    403,
                    "access_denied",
                    f"The access token was not issued to client '{client_id}'.",
                )
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def _bearer_token() -> AccessToken:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        _refuse("An access token is required: send 'Authorization: Bearer <access_token>'.")
    token, reason = get_state().tokens.validate(value.strip())
    if token is None:
        _refuse(reason)
    return token


def _refuse(description: str) -> NoReturn:
    raise ApiError(
        401,
        "invalid_token",
        description,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
