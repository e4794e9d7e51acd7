"""The service's storefront GETs answered again before Flask runs, exactly as they were sent.

A product page's script asks the calculator and availability the same questions thousands of
times a second. The storefront keeps each definitive answer's bytes for a few seconds
(``storefront.recent``), but a request still went through Flask's request context, URL routing,
session and hooks to reach them: more work than the answer. ``ResendRecent`` stands in front of
the service's WSGI app. It lets a GET through once and notes the status and headers the service
sent with the kept answer (the storefront names it in the WSGI environ, ``ANSWER_KEY``); while the
storefront keeps that same answer, the same GET (same path, query, ``Accept-Language`` and
``Origin``) gets those bytes and headers again, with a fresh ``Date``. When the storefront drops
or replaces the answer, the next GET goes through Flask again.

Only the standalone service has it: its hooks are ours (security headers, CORS), so the answer
sent once is the answer every time. An app that hosts the extension has hooks of its own, and the
demo shop chooses the shopper's language from its session, so neither has it. Conditional GETs
(``If-None-Match``), answers that set a cookie (one visitor's, never to be sent to another) and
every other request always go through.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

from werkzeug.http import http_date

from flexiti_checkout.storefront.recent import Recent
from flexiti_checkout.storefront.views import ANSWER_KEY, CONDITIONAL

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class ResendRecent:
    """WSGI middleware: a storefront GET the service answered moments ago, answered again."""

    def __init__(self, app: WSGIApp, paths: Iterable[str], kept: Recent[Hashable, Any]) -> None:
        self.app = app
        self.paths = frozenset(paths)
        #: The storefront's kept answers: a note is good while its answer is still kept there.
        self.kept = kept
        #: What was sent per GET: (the storefront's key, its answer, status, headers but Date).
        self.sent: Recent[tuple[str | None, ...], tuple[Any, Any, str, list[tuple[str, str]]]]
        self.sent = Recent(seconds=kept.seconds)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("PATH_INFO") not in self.paths:
            return self.app(environ, start_response)
        if CONDITIONAL.intersection(environ):  # a 304 is the service's to decide
            return self.app(environ, start_response)
        asked = (
            environ.get("PATH_INFO"),
            environ.get("QUERY_STRING"),
            environ.get("HTTP_ACCEPT_LANGUAGE"),
            environ.get("HTTP_ORIGIN"),
        )
        note = self.sent.get(asked)
        if note is not None:
            question, answer, status, headers = note
            body: bytes = answer.body
            if self.kept.get(question) is answer:
                start_response(status, [*headers, ("Date", http_date())])
                return [body]
        return self._through(asked, environ, start_response)

    def _through(
        self, asked: tuple[str | None, ...], environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        """The service's own answer, noted when it is one the storefront keeps."""
        seen: list[Any] = []

        def noting(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.app(environ, noting)
        kept = environ.get(ANSWER_KEY)
        sets_cookie = seen and any(name.lower() == "set-cookie" for name, _ in seen[1])
        if kept is not None and seen and seen[0].startswith("200 ") and not sets_cookie:
            question, answer = kept
            headers = [(name, value) for name, value in seen[1] if name.lower() != "date"]
            self.sent.put(asked, (question, answer, seen[0], headers))
        return body


__all__ = ["ResendRecent"]
