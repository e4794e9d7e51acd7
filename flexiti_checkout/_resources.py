"""Where the shipped templates and static files are.

In a wheel they live inside the package (``flexiti_checkout/templates``); in a source checkout or
an editable install they sit at the top of the tree, beside the package. Look in that order.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(
        f"flexiti_checkout cannot find its {name}/ folder next to {_PACKAGE_DIR}; "
        "reinstall the package (pip install --force-reinstall flexiti-checkout)."
    )


TEMPLATE_DIR = _find("templates")
STATIC_DIR = _find("static")
