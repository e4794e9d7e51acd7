"""The built wheel is what users install: it must carry templates, static files, migrations."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import textwrap
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

# Runs inside a fresh virtual environment that has only the wheel and its dependencies.
CHECK_INSTALLED = textwrap.dedent(
    """
    import pathlib, sys
    import flask
    import flexiti_checkout
    from flexiti_checkout.web.blueprint import bare_blueprint
    from flexiti_checkout.sandbox import create_app

    package = pathlib.Path(flexiti_checkout.__file__).resolve().parent
    assert "site-packages" in package.parts, package
    assert (package / "py.typed").is_file()

    host = flask.Flask("host")
    host.register_blueprint(bare_blueprint(), url_prefix="/flexiti")
    css = host.test_client().get("/flexiti/static/flexiti_checkout/sandbox.css")
    assert css.status_code == 200 and css.data.strip(), css.status
    name = "flexiti_checkout/sandbox/learn_more.html"
    with host.app_context():
        _, filename, _ = host.jinja_env.loader.get_source(host.jinja_env, name)
        assert filename.startswith(str(package)), filename

    sandbox = create_app()
    page = sandbox.test_client().get("/sandbox/learn-more?lang=fr&amount=499")
    assert page.status_code == 200, page.status
    assert b"<html" in page.data.lower()

    # The demo shop runs on the runtime dependencies alone (make demo installs nothing else).
    import importlib.util
    for tool in ("pytest", "playwright", "psycopg", "schemathesis"):
        assert importlib.util.find_spec(tool) is None, f"{tool} is visible to the wheel"
    import os, tempfile
    os.environ["FLEXITI_INSTANCE_PATH"] = tempfile.mkdtemp()
    from flexiti_checkout.service.app import create_demo_app
    import flexiti_checkout.demo.__main__
    shop = create_demo_app().test_client().get("/")
    assert shop.status_code == 200 and b"data-flexiti-price" in shop.data, shop.status
    # The migrations ship too: every revision runs from the installed package.
    import tempfile
    from alembic import command
    from sqlalchemy import create_engine
    from flexiti_checkout.store import revisions

    engine = create_engine(f"sqlite:///{tempfile.mkdtemp()}/store.sqlite3")
    with engine.begin() as conn:
        command.upgrade(revisions._config(conn), "head")
    assert revisions.current(engine).up_to_date
    print("wheel ok")
    """
)


def test_wheel_ships_templates_and_static(tmp_path: Path) -> None:
    """A wheel installed in a fresh venv renders a shipped template and serves a static file,
    and its demo and migrations run with the runtime dependencies alone."""
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(dist),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = dist.glob("flexiti_checkout-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "flexiti_checkout/py.typed" in names
    assert "flexiti_checkout/static/flexiti_checkout/sandbox.css" in names
    assert any(n.startswith("flexiti_checkout/templates/flexiti_checkout/") for n in names)
    assert "flexiti_checkout/store/migrations/versions/0001_first_release.py" in names
    assert "flexiti_checkout/store/migrations/script.py.mako" in names

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    # This environment's pip installs the wheel alone into the fresh one; the fresh one sees the
    # runtime dependencies (and nothing else of this environment) through a .pth file.
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-index", str(wheel)],
        check=True,
    )  # fmt: skip
    site_packages = next((env_dir / "lib").glob("python3*/site-packages"))
    runtime = runtime_dependencies(wheel, tmp_path / "runtime-deps")
    (site_packages / "runtime-deps.pth").write_text(f"{runtime}\n")
    result = subprocess.run(
        [str(python), "-c", CHECK_INSTALLED], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "wheel ok" in result.stdout


def _distributions_required(requirements: list[str]) -> set[str]:
    """The distributions ``requirements`` need, with what they need in turn (no extras)."""
    needed: set[str] = set()
    todo = [Requirement(line) for line in requirements]
    while todo:
        requirement = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        name = requirement.name.lower().replace("_", "-")
        if name in needed:
            continue
        needed.add(name)
        todo.extend(Requirement(line) for line in importlib.metadata.requires(name) or [])
    return needed


def runtime_dependencies(wheel: Path, folder: Path) -> Path:
    """A folder holding the wheel's runtime dependencies, as installed in this environment.

    They are linked, not installed: each distribution's top-level modules and its metadata.
    What only the tests and tools need (pytest, Playwright, psycopg…) is not there, so the
    installed package shows it runs on its runtime dependencies alone.
    """
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        requires = Parser().parsestr(archive.read(metadata).decode()).get_all("Requires-Dist")
    folder.mkdir()
    for name in _distributions_required(requires or []):
        distribution = importlib.metadata.distribution(name)
        root = Path(str(distribution.locate_file("")))
        tops = {Path(str(file)).parts[0] for file in distribution.files or []}
        for top in tops - {"..", "__pycache__"}:
            if (root / top).exists() and not (folder / top).exists():
                (folder / top).symlink_to(root / top)
    return folder


def _make_dry_run(target: str, tmp_path: Path) -> str:
    venv_dir = tmp_path / "fresh-venv"
    result = subprocess.run(
        ["make", "-n", "-C", str(ROOT), target, f"VENV={venv_dir}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return result.stdout


def test_make_demo_installs_only_the_runtime_dependencies(tmp_path: Path) -> None:
    """On a fresh clone ``make demo`` installs the package alone, never the [dev] tools."""
    commands = _make_dry_run("demo", tmp_path)
    installs = [line for line in commands.splitlines() if "pip install" in line]
    assert installs and all("[dev]" not in line for line in installs), commands
    assert "flexiti_checkout.demo" in commands


def test_make_test_installs_the_dev_tools(tmp_path: Path) -> None:
    """``make test`` adds the [dev] extra (pytest, Playwright, linters) to what the demo has."""
    commands = _make_dry_run("test", tmp_path)
    assert "-e '.[dev]'" in commands
    assert "pytest" in commands
