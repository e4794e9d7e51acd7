"""Werkzeug's URL builders, compiled once per rule shape for the whole test run.

Werkzeug turns every URL rule of every new app into two Python functions, through ``ast`` and
``compile()``. The suite creates thousands of apps (a sandbox, a shop or a service per test) with
the same hundred rules, and those compilations were about a third of a typical test's time. A
builder depends only on the rule's parts, its defaults and whether it appends unknown arguments
(the rule itself is passed in as ``.self``), so equal rules can share one function.

If Werkzeug changes what a builder depends on, :func:`install` leaves it alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing.rules import Rule

_original = Rule._compile_builder
_builders: dict[tuple[Any, ...], Callable[..., tuple[str, str]]] = {}


def _key(rule: Rule, append_unknown: bool) -> tuple[Any, ...] | None:
    """What the builder's code depends on: the rule's parts (host or subdomain, then path), its
    defaults and whether it appends unknown arguments. A default for a part of the URL goes
    through that part's converter; such rules (rare) are compiled as Werkzeug does."""
    defaults = rule.defaults or {}
    if any(name in rule._converters for name in defaults):
        return None
    return (tuple(rule._trace), append_unknown, tuple(sorted(defaults)))


def _compile_builder(self: Rule, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
    key = _key(self, append_unknown)
    if key is None:
        return _original(self, append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _original(self, append_unknown)
    return builder


def install() -> None:
    """Share compiled builders between equal rules (the test run's apps only)."""
    if getattr(_original, "__code__", None) is None or not hasattr(Rule, "_get_func_code"):
        return
    Rule._compile_builder = _compile_builder  # type: ignore[method-assign]


__all__ = ["install"]
