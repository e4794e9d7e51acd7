"""The package, its tests and its docs cite Flexiti's pages by name, never files a reader lacks.

Flexiti's documentation is cited as its pages are named (docs/flexiti-contract.md maps each
page to what it covers): "Online API", "POS API v2", "POS API v2.5", ... Notes kept outside the
repository (a design memo, a digest of Flexiti's API, the exported pages numbered as "seeds")
are not there for a reader, so nothing here may send one to them.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: What is read: the package and what ships or is published beside it.
TREES = ("flexiti_checkout", "templates", "static", "tests", "docs", "bench")
TOP_FILES = ("README.md", "CHANGES.md", "Makefile", "pyproject.toml", "wsgi.py")
TEXT_SUFFIXES = {".py", ".md", ".rst", ".txt", ".html", ".js", ".css", ".toml", ".mako", ".json"}
SKIPPED_DIRS = {"_build", "__pycache__", "node_modules"}

#: References to what is not in the repository. An RNG's seed (the sandbox's ``SEED``) is fine.
OUTSIDE_REFERENCES = {
    "a numbered export of Flexiti's pages": re.compile(r"\bseeds?\s*0\d\d", re.IGNORECASE),
    "the exports as a set": re.compile(r"\b(the|its) seeds?\b|\bseeds\b|\bseeds?'", re.I),
    "the design memo": re.compile(r"\bDESIGN\.md\b"),
    "the digest of Flexiti's API": re.compile(r"\bFLEXITI_API\.md\b"),
    "the shared folder": re.compile(r"\bshared/seeds\b"),
}


@cache
def text_files() -> tuple[Path, ...]:
    found = [ROOT / name for name in TOP_FILES if (ROOT / name).is_file()]
    for tree in TREES:
        for path in sorted((ROOT / tree).rglob("*")):
            if SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts):
                continue
            if path.is_file() and path.suffix in TEXT_SUFFIXES and path != Path(__file__):
                found.append(path)
    return tuple(found)


@cache
def text_lines() -> tuple[tuple[Path, list[str]], ...]:
    return tuple((path, path.read_text(errors="replace").splitlines()) for path in text_files())


def test_the_files_read_are_the_package_tests_and_docs() -> None:
    """The walk reaches each tree (a renamed folder would otherwise silence the check)."""
    read = {path.relative_to(ROOT).parts[0] for path in text_files()}
    assert read == {*TREES, *TOP_FILES}


@pytest.mark.parametrize("what", sorted(OUTSIDE_REFERENCES))
def test_nothing_refers_to_files_outside_the_repository(what: str) -> None:
    """No line names a file or export that is not in the repository."""
    pattern = OUTSIDE_REFERENCES[what]
    offending = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path, lines in text_lines()
        for number, line in enumerate(lines, 1)
        if pattern.search(line)
    ]
    assert not offending, f"{what}, name Flexiti's page instead:\n" + "\n".join(offending)


@pytest.mark.parametrize(
    "line",
    [
        "as seed 004 writes",
        "(seeds 000-003)",
        "the seeds' spelling",
        "see DESIGN.md",
        "FLEXITI_API.md",
    ],
)
def test_the_check_catches_each_kind_of_reference(line: str) -> None:
    assert any(pattern.search(line) for pattern in OUTSIDE_REFERENCES.values())


@pytest.mark.parametrize(
    "line",
    ['"SEED": 3', "seed for the random fault rates", "random.Random(seed)", "seed_accounts()"],
)
def test_a_random_generators_seed_is_not_a_reference(line: str) -> None:
    assert not any(pattern.search(line) for pattern in OUTSIDE_REFERENCES.values())
