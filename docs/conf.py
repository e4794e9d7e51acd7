"""Sphinx configuration of the flexiti-checkout documentation (``make docs``)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

project = "flexiti-checkout"
author = "flexiti-checkout contributors"
copyright = "the flexiti-checkout contributors"
release = version = "0.1.0.dev0"

extensions = [
    "sphinx.ext.autodoc",
    "myst_parser",
    "pallets_sphinx_themes",
    "settings_table",
    "catalogue_tables",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

# The API reference: signatures as written, members in source order, nothing private.
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}

# Every reference must resolve (-n); names of other projects (Flask, requests, the standard
# library) are left as text, since the build reads no other project's inventory.
nitpicky = True
nitpick_ignore_regex = [
    (
        r"py:.*",
        r"(flask|werkzeug|requests|blinker|sqlalchemy|marshmallow|markupsafe|decimal"
        r"|datetime|collections|contextlib|typing|enum|pathlib|concurrent)(\..*)?",
    ),
    (
        r"py:.*",
        r"(Decimal|Flask|Any|Callable|Mapping|Iterable|Iterator|Sequence|Session|Response"
        r"|SansIOResponse|ResponseReturnValue|Enum|StrEnum|Path|datetime|date|Literal)",
    ),
    # The staff console's access callable: ``Callable[[], Any]`` by another name.
    ("py:class", "AdminAccess"),
]

# The examples of JSON answers elide values with "…": show them without colours, not fail.
suppress_warnings = ["misc.highlighting_failure"]

html_theme = "flask"
html_title = "flexiti-checkout"
html_context = {"project_links": []}
html_sidebars = {"**": ["localtoc.html", "relations.html", "searchbox.html"]}
html_static_path: list[str] = []
html_show_sourcelink = False
