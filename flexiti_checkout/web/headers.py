"""The security headers of every answer the extension's blueprints and the service give.

One function sets them all, by the page's kind:

- the console (``flexiti_admin``): nobody may frame it (``frame-ancestors 'none'`` and
  ``X-Frame-Options: DENY``), and a full Content-Security-Policy: its own styles, scripts and
  images only, no inline script, forms posted only to itself;
- the checkout pages (``flexiti``: the modal, the outcome and return pages, learn-more) may be
  framed by the service's own pages and by the shop origins of ``FLEXITI_ALLOWED_ORIGINS``
  (``*``, the default, lets any site: list your shop's origins in production);
- every answer: ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin`` (no
  address of ours, with its tokens, goes to another site).

The service sets them on every answer of its own too, so an answer of the extension's blueprints
meets the function twice: the second time finds them set and leaves the answer as it is.
"""

from __future__ import annotations

from flask import Response, request

from flexiti_checkout.storefront.origins import frame_policy

#: Marks an answer whose headers are set (an attribute of the answer, not a header it sends).
_SET = "_flexiti_security_headers"

CONSOLE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def security_headers(response: Response) -> Response:
    """Set the headers of ``response`` for the kind of page the current request asked for."""
    if getattr(response, _SET, False):
        return response
    setattr(response, _SET, True)
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    if request.blueprint == "flexiti_admin":
        headers["Content-Security-Policy"] = CONSOLE_POLICY
        headers["X-Frame-Options"] = "DENY"
    elif "Content-Security-Policy" not in headers:
        headers["Content-Security-Policy"] = frame_policy()
    return response
