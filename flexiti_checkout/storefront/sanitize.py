"""Flexiti's ``htmlRender`` made safe for a shop page: an allow-list, nothing else gets through.

The calculator answers with HTML that a shop shows on product pages. A compromised or buggy
upstream must not be able to run script there, so only text formatting survives: no scripts,
styles, frames, forms, images or event handlers, and links only to https URLs.
"""

from __future__ import annotations

import nh3
from markupsafe import Markup

_TAGS = {
    "a", "abbr", "b", "br", "div", "em", "i", "li", "ol", "p", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
#: Removed with everything inside them (``tags`` alone would keep a script's text).
_DROP_WITH_CONTENT = {
    "script", "style", "title", "noscript", "template", "iframe", "object", "embed", "svg",
    "math", "textarea", "select", "button",
}  # fmt: skip

_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    clean_content_tags=_DROP_WITH_CONTENT,
    attributes={"*": {"class", "lang", "title"}, "a": {"href"}, "td": {"colspan"}},
    url_schemes={"https"},
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def sanitize_html(html: str) -> Markup:
    """``html`` with only the allowed tags and attributes, safe to put in a page as is."""
    return Markup(_CLEANER.clean(html or "").strip())  # noqa: S704 - this is the sanitiser
