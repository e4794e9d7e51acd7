"""``notifications-table`` and ``errors-table``: tables generated from the package's catalogues.

The notifications table is ``flexiti_checkout.signals.NOTIFICATIONS`` (each row's signal with
its documentation comment, its extra arguments and its webhook type); the errors table is
``flexiti_checkout.http_errors.ERROR_ANSWERS`` (each error with its status and codes). The pages
and the code cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.docutils import SphinxDirective

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


class _Table(SphinxDirective):
    lines: Any = None

    def run(self) -> list[nodes.Node]:
        container = nodes.container()
        self.state.nested_parse(StringList(type(self).lines()), self.content_offset, container)
        return container.children


class NotificationsTable(_Table):
    """The notifications catalogue as a table."""

    lines = staticmethod(notifications_lines)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("notifications-table", NotificationsTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
