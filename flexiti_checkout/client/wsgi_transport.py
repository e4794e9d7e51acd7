"""A ``requests`` transport that calls a WSGI app in the same process instead of the network.

An app in sandbox mode embeds its own sandbox: the client reaches it, and the sandbox delivers
callbacks back to the app, without a second process, a port, or a worker waiting on itself.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from werkzeug.test import Client


class WSGITransport(BaseAdapter):
    """Sends each request to ``app`` mounted at ``script_root`` (e.g. ``"/flexiti-sandbox"``)."""

    def __init__(self, app: Any, script_root: str = "") -> None:
        super().__init__()
        self._client = Client(app)
        self._script_root = script_root.rstrip("/")

    def send(  # type: ignore[override]  # timeouts, proxies and TLS mean nothing in-process
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        parts = urlsplit(request.url or "")
        path = parts.path
        if self._script_root and path.startswith(self._script_root):
            path = path[len(self._script_root) :] or "/"
        answer = self._client.open(
            path,
            base_url=f"{parts.scheme}://{parts.netloc}{self._script_root}",
            query_string=parts.query,
            method=request.method or "GET",
            headers=list(request.headers.items()),
            data=request.body,
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response.headers = CaseInsensitiveDict(answer.headers)
        response._content = answer.get_data()
        response.reason = answer.status.partition(" ")[2]
        response.url = request.url or ""
        response.request = request
        response.encoding = answer.mimetype_params.get("charset")
        answer.close()
        return response

    def close(self) -> None:
        pass


def session_for(app: Any, base_url: str, script_root: str = "") -> requests.Session:
    """A ``requests.Session`` whose requests under ``base_url`` go to ``app`` in-process."""
    session = requests.Session()
    session.mount(base_url, WSGITransport(app, script_root))
    return session
