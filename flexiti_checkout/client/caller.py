"""Authenticated calls to Flexiti's two APIs: where each goes, the token it carries, what came back.

``FlexitiClient`` and its POS parts say *what* to ask (paths, bodies); a ``Caller`` sends it: to
the Online API's base or the POS API's base of the call's version, with a token of the call's API
and scope (renewed and retried once when Flexiti calls it invalid), through the ``Transport``, and
reads the answer into a schema or raises ``UnreadableAnswerError``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any, cast, get_args
from urllib.parse import quote

from marshmallow import Schema, ValidationError

from flexiti_checkout.client.schemas import TokenSchema
from flexiti_checkout.client.tokens import Token, TokenCache
from flexiti_checkout.client.transport import (
    Api,
    Call,
    Scope,
    Transport,
    new_reference_id,
    normalize_reference_id,
)
from flexiti_checkout.errors import AuthenticationError, FlexitiError, UnreadableAnswerError

log = logging.getLogger(__name__)

_TOKEN_SCHEMA = TokenSchema()
_VERSION_SUFFIX = re.compile(r"/v2(?:\.5)?$")


def pos_base(pos_api_url: str, version: str) -> str:
    """The POS base URL for ``version`` (``v2`` or ``v2.5``) from the configured v2.5 base."""
    root = _VERSION_SUFFIX.sub("", pos_api_url.rstrip("/"))
    return f"{root}/{version}"


def segment(value: Any) -> str:
    """``value`` as one segment of a URL path (stripped, every reserved character escaped)."""
    return quote(str(value).strip(), safe="")


class Caller:
    """Sends ``Call``s to Flexiti with the merchant's credentials and a token per API and scope."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        online_api_url: str,
        pos_api_url: str,
        transport: Transport,
        tokens: TokenCache,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.online_api_url = online_api_url.rstrip("/")
        self.pos_api_url = pos_api_url.rstrip("/")
        self._transport = transport
        self._tokens = tokens

    @property
    def client_segment(self) -> str:
        """The client id as it goes in a URL path (``…/client-id/{client_segment}/…``)."""
        return segment(self.client_id)

    def call(self, call: Call, reference_id: str | None) -> Any:
        """Make an API call with a bearer token; on ``invalid_token``, renew it and retry once."""
        reference_id = normalize_reference_id(reference_id) if reference_id else new_reference_id()
        assert call.scope is not None
        key = f"{call.api}:{call.scope}"
        for attempt in (1, 2):
            token = self._token(key, call, reference_id)
            try:
                return self._send(call, reference_id, token)
            except AuthenticationError as exc:
                if exc.code != "invalid_token" or attempt == 2:
                    raise
                log.info(
                    "Flexiti refused a %s token; renewing it (reference id %s)",
                    call.scope,
                    reference_id,
                )
                self._tokens.drop(key, token)
        raise AssertionError("unreachable")  # pragma: no cover

    def load(self, schema: Schema, data: Any, what: str, reference_id: str | None) -> Any:
        """Flexiti's answer read by ``schema``; ``UnreadableAnswerError`` when it does not fit."""
        try:
            return schema.load(data if isinstance(data, (Mapping, list)) else {})
        except ValidationError as exc:
            fields = ", ".join(sorted(str(k) for k in exc.normalized_messages()))
            raise UnreadableAnswerError(
                f"Flexiti's {what} answer did not have the expected shape (fields: {fields})",
                reference_id=reference_id,
            ) from exc

    def _send(self, call: Call, reference_id: str, token: Token | None) -> Any:
        if call.api == "online":
            base = self.online_api_url
        else:
            base = pos_base(self.pos_api_url, call.version)
        bearer = token.access_token if token is not None else None
        return self._transport.send(call, base + call.path, reference_id, bearer)

    def _token(self, key: str, call: Call, reference_id: str) -> Token:
        api, scope = call.api, call.scope
        assert scope is not None
        # The token call belongs to the flow that needed it: it carries the same reference id.
        return self._tokens.get(
            key, lambda refresh: self._request_token(api, scope, refresh, reference_id)
        )

    def renew_due(self, keys: Iterable[str]) -> list[str]:
        """Renew now, in this thread, each token of ``keys`` (``"online:customer"``…) that is
        due for renewal; the keys renewed."""
        renewed = []
        for key in keys:
            api, _, scope = key.partition(":")
            if api not in get_args(Api) or scope not in get_args(Scope):
                continue
            reference_id = new_reference_id()
            issue = partial(self._issue_token, cast(Api, api), cast(Scope, scope), reference_id)
            try:
                if self._tokens.renew_due(key, issue):
                    renewed.append(key)
            except FlexitiError as exc:  # the token in hand stays good until it expires
                log.warning("Renewing the %s token ahead of expiry failed: %r", key, exc)
        return renewed

    def _issue_token(
        self, api: Api, scope: Scope, reference_id: str, refresh_token: str | None
    ) -> dict[str, Any]:
        """``_request_token`` as ``TokenCache`` calls it: with the refresh token last."""
        return self._request_token(api, scope, refresh_token, reference_id)

    def _request_token(
        self, api: Api, scope: Scope, refresh_token: str | None, reference_id: str
    ) -> dict[str, Any]:
        """POST /oauth/token, form-encoded as Flexiti requires."""
        form = {"client_id": self.client_id, "client_secret": self._client_secret, "scope": scope}
        if refresh_token:
            form.update(grant_type="refresh_token", refresh_token=refresh_token)
        else:
            form["grant_type"] = "client_credentials"
        call = Call(api, "POST", "/oauth/token", None, retry_safe=True, form=form)
        data = self._send(call, reference_id, None)
        return self.load(_TOKEN_SCHEMA, data, "token", reference_id)
