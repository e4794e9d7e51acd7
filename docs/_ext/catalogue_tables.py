"""``notifications-table`` and ``errors-table``: tables generated from the package's catalogues.

The notifications table is ``flexiti_checkout.signals.NOTIFICATIONS`` (each row's signal with
its documentation comment, its extra arguments and its webhook type); the errors table is
``flexiti_checkout.http_errors.ERROR_ANSWERS`` (each error with its status and codes). The pages
and the code cannot drift apart.
"""

from __future__ import annotations

from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.docutils import SphinxDirective

from flexiti_checkout.http_errors import ERROR_ANSWERS
from flexiti_checkout.models import FLOWS, OrderStatus
from flexiti_checkout.signals import NOTIFICATIONS, Notification


def _signal_docs() -> dict[str, str]:
    """Each signal's ``#:`` comment in ``flexiti_checkout.signals``, as one line."""
    found = ModuleAnalyzer.for_module("flexiti_checkout.signals").find_attr_docs()
    return {name: " ".join(" ".join(lines).split()) for (_, name), lines in found.items()}


def _when(row: Notification) -> str:
    if isinstance(row.trigger, OrderStatus):
        own = {other.flow for other in NOTIFICATIONS if other.trigger is row.trigger} - {None}
        flows = [row.flow] if row.flow is not None else [f for f in FLOWS if f not in own]
        named = " and ".join(f"``{flow}``" for flow in flows)
        where = f" in the {named} flow{'s' if len(flows) > 1 else ''}" if own else ""
        return f"the order becomes ``{row.trigger.value}``{where}"
    return f"a refund is ``{row.trigger.value}`` (the order does not move)"


def notifications_lines() -> list[str]:
    """One reST list-table: what happens, the signal, its extra arguments, the webhook type."""
    docs = _signal_docs()
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 22 18 12 18 30", "",
             "   * - when", "     - signal", "     - extra arguments", "     - webhook ``type``",
             "     - meaning"]  # fmt: skip
    for row in NOTIFICATIONS:
        extras = ", ".join(f"``{name}=``" for name in row.extras)
        lines += [
            f"   * - {_when(row)}",
            f"     - ``{row.signal_name}``",
            f"     - {extras}",
            f"     - ``{row.webhook}``",
            f"     - {docs.get(row.signal_name, '')}",
        ]
    return lines


def _parsed(directive: SphinxDirective, lines: list[str]) -> list[nodes.Node]:
    container = nodes.container()
    directive.state.nested_parse(StringList(lines), directive.content_offset, container)
    return container.children


class NotificationsTable(SphinxDirective):
    """The notifications catalogue as a table."""

    def run(self) -> list[nodes.Node]:
        return _parsed(self, notifications_lines())


def errors_lines(checkout: bool = False) -> list[str]:
    """One reST list-table: each error class, its status, and its API code or (``checkout``:
    only the errors a checkout meets) the extension's page."""
    answer = "page (its ``error`` in JSON)" if checkout else "``error``"
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 25 8 27 40", "",
             "   * - error", "     - status", f"     - {answer}", "     - when"]  # fmt: skip
    for row in ERROR_ANSWERS:
        if checkout and row.page is None:
            continue
        if row.page is not None and checkout:
            named = f"``{row.page.__name__}`` (``{row.page.error_name}``)"
        else:
            named = f"``{row.code}``"
        when = (row.error.__doc__ or "").strip().split("\n\n")[0]
        lines += [
            f"   * - ``{row.error.__name__}``",
            f"     - {row.status}",
            f"     - {named}",
            f"     - {' '.join(when.split())}",
        ]
    return lines


class ErrorsTable(SphinxDirective):
    """The errors-to-HTTP table; ``:checkout:`` for the errors of a checkout and their pages."""

    option_spec: ClassVar[dict[str, Any]] = {"checkout": directives.flag}

    def run(self) -> list[nodes.Node]:
        return _parsed(self, errors_lines(checkout="checkout" in self.options))


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("notifications-table", NotificationsTable)
    app.add_directive("errors-table", ErrorsTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
