"""A ``requests`` transport that calls a WSGI app in the same process instead of the network.

An app in sandbox mode embeds its own sandbox: the client reaches it, and the sandbox delivers
callbacks back to the app, without a second process, a port, or a worker waiting on itself.

The client's read timeout holds in-process too: the request carries its deadline
(``DEADLINE_KEY``), a sandbox slower than that (its ``latency`` knob) gives up at the deadline
and says so (``TIMED_OUT_HEADER``), and the call then fails with ``requests``' ``ReadTimeout``
as it would over the network, instead of holding the worker until gunicorn kills it.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from werkzeug.test import Client

#: The WSGI environ key of a request's deadline (``time.monotonic()`` seconds).
DEADLINE_KEY = "flexiti_checkout.deadline"
#: The header of an answer given up at the deadline: the call timed out.
TIMED_OUT_HEADER = "X-Flexiti-Sandbox-Timed-Out"


class WSGITransport(BaseAdapter):
    """Sends each request to ``app`` mounted at ``script_root`` (e.g. ``"/flexiti-sandbox"``)."""

    def __init__(self, app: Any, script_root: str = "") -> None:
        super().__init__()
        self._client = Client(app)
        self._script_root = script_root.rstrip("/")

    def send(  # type: ignore[override]  # proxies and TLS mean nothing in-process
        self, request: requests.PreparedRequest, timeout: Any = None, **kwargs: Any
    ) -> requests.Response:
        read = timeout[1] if isinstance(timeout, tuple) else timeout
        environ = {} if read is None else {DEADLINE_KEY: time.monotonic() + float(read)}
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
            environ_overrides=environ,
        )
        if TIMED_OUT_HEADER in answer.headers:
            answer.close()
            raise requests.exceptions.ReadTimeout(
                f"the sandbox did not answer within the read timeout ({read} s)", request=request
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
