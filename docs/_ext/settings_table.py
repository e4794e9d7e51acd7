"""``settings-table``: the configuration page's table, generated from the settings catalogue.

Every key of ``flexiti_checkout.web.settings.catalogue.CATALOGUE``, grouped by topic, with its
default (and, in sandbox mode, the public key it falls back to) and its documentation, so the
page and the code cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from flexiti_checkout._sandbox_keys import APP_FALLBACKS, SERVICE_FALLBACKS
from flexiti_checkout.web.settings.catalogue import CATALOGUE
from flexiti_checkout.web.settings.values import TOPICS, Setting


def shown_default(entry: Setting) -> str:
    """The default as a reader wants it: the catalogue's words, or the value as code."""
    if entry.shown is not None:
        text = entry.shown
    elif entry.default in (None, ()):
        text = "none"
    else:
        text = f"``{entry.default}``"
    if entry.key in APP_FALLBACKS:
        text += f"; in sandbox mode ``{APP_FALLBACKS[entry.key]}``"
    if entry.key in SERVICE_FALLBACKS:
        text += f"; the service in sandbox mode: ``{SERVICE_FALLBACKS[entry.key]}``"
    return text


def table_lines(topic: str) -> list[str]:
    """One reST list-table of the topic's settings."""
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 28 22 50", "",
             "   * - setting", "     - default", "     - meaning"]  # fmt: skip
    for entry in CATALOGUE:
        if entry.topic == topic:
            lines += [
                f"   * - ``{entry.key}``",
                f"     - {shown_default(entry)}",
                f"     - {entry.doc}",
            ]
    return lines


class SettingsTable(SphinxDirective):
    """Every topic as a section with its table."""

    def run(self) -> list[nodes.Node]:
        container = nodes.container()
        for topic in TOPICS:
            section = nodes.section(ids=[nodes.make_id(topic)])
            section += nodes.title(text=topic)
            self.state.nested_parse(StringList(table_lines(topic)), self.content_offset, section)
            container += section
        return container.children


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("settings-table", SettingsTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
