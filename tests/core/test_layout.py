"""The package's shape: rooms that import only downwards, small modules, no cycles, one settings
reader, and optional parts (sandbox, demo) off the import path."""

from __future__ import annotations

import ast
import functools
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "flexiti_checkout"
#: Modules of the package root: the public face and the shared vocabulary.
CORE = {
    "__init__", "_app", "_json", "_resources", "_sandbox_keys", "_urls", "borrowing", "errors",
    "http_errors",
    "metrics", "models", "money", "order_json", "signals", "texts",
}  # fmt: skip
#: What each room may import besides itself and the core (docs/architecture.md).
ALLOWED = {
    "core": set(),
    "client": set(),
    "store": {"client"},
    "lifecycle": {"client", "store"},
    "storefront": {"client"},
    "webhooks": {"store"},
    "web": {"client", "store", "lifecycle", "storefront", "webhooks", "sandbox"},
    "service": {"client", "store", "lifecycle", "storefront", "webhooks", "web", "demo"},
    "sandbox": {"client"},
    "demo": set(),
}
MAX_LINES = 400


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (``flexiti_checkout.web.views``)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules ``name`` imports anywhere in its text (also under TYPE_CHECKING and
    inside functions): ``from a import b`` counts as ``a.b`` when that is a module."""
    found = set()
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {module for module in found if module in known and module != name}


def room(name: str) -> str:
    parts = name.split(".")
    return "core" if len(parts) == 1 or parts[1] in CORE else parts[1]


@functools.cache
def import_graph() -> dict[str, set[str]]:
    """Each module's package imports; parsed when a test asks, not by every collecting process."""
    return {name: imports_of(name, path, set(modules())) for name, path in modules().items()}


@pytest.mark.live  # a fresh interpreter: the only way to see what one import loads
def test_importing_the_package_loads_neither_the_sandbox_nor_the_demo():
    """The sandbox and the demo load only when used (sandbox mode, the demo's own command)."""
    code = (
        "import flexiti_checkout, sys; "
        "print([m for m in sys.modules if m.split('.')[:2] in "
        "(['flexiti_checkout', 'sandbox'], ['flexiti_checkout', 'demo'])])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", sorted(modules()))
def test_each_module_stays_small(name):
    """A module over 400 lines is probably two concerns."""
    lines = len(modules()[name].read_text().splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines"


def test_rooms_import_only_downwards():
    """web → lifecycle/storefront/webhooks → store/client → core; the core imports no room."""
    wrong = []
    for name, imported in import_graph().items():
        if name == "flexiti_checkout":  # the public face re-exports from every room
            continue
        mine = room(name)
        for target in imported:
            theirs = room(target)
            if theirs not in ("core", mine) and theirs not in ALLOWED[mine]:
                wrong.append(f"{name} imports {target}")
            # The demo's command starts sandbox mode, so it may name the sandbox's public keys.
            public = ("flexiti_checkout", "flexiti_checkout._sandbox_keys")
            if mine == "demo" and theirs not in ("demo",) and target not in public:
                wrong.append(f"{name} imports {target}: the demo uses the public API only")
    assert wrong == []


def test_there_is_no_import_cycle():
    """No module imports itself through others, not even under TYPE_CHECKING."""
    cycles = []

    def visit(node: str, stack: list[str], done: set[str]) -> None:
        for target in sorted(import_graph()[node]):
            if target in stack:
                cycles.append(" → ".join([*stack[stack.index(target) :], target]))
            elif target not in done:
                visit(target, [*stack, target], done)
        done.add(node)

    done: set[str] = set()
    for name in sorted(import_graph()):
        if name not in done:
            visit(name, [name], done)
    assert cycles == []


#: The settings catalogue and its readers: the only modules that read configuration.
SETTINGS = {
    "flexiti_checkout.web.settings.catalogue",
    "flexiti_checkout.web.settings.values",
    "flexiti_checkout.web.settings.environment",
    "flexiti_checkout.web.settings.cookies",
}
#: Modules outside the settings that read configuration of their own, what they read, and why.
OWN_CONFIGURATION = {
    # The simulator stands for Flexiti: its create_app config holds its own keys (CLIENT_ID,
    # PLANS, the fault knobs), never a FLEXITI_* setting of the package, never the environment.
    "flexiti_checkout.sandbox": {"config"},
    # The demo's launcher can import only the public API. It hands its environment to the two
    # processes it starts (the service and a sandbox) and must tell that sandbox where the
    # service's callback is, from the same FLEXITI_URL_PREFIX and FLEXITI_CALLBACK_SECRET.
    "flexiti_checkout.demo.__main__": {"environ"},
}
#: The methods that read a config mapping, or load one from outside (Flask's ``from_…``).
CONFIG_READS = {
    "get", "setdefault", "pop", "items", "keys", "values", "copy", "get_namespace",
    "from_envvar", "from_prefixed_env", "from_file", "from_pyfile", "from_object",
}  # fmt: skip


def configuration_reads(path: Path) -> set[str]:
    """What ``path`` reads configuration from: ``"environ: …"`` (``os.environ``, ``os.getenv``)
    or ``"config: …"`` (``config[…]`` not assigned to, ``config.get(…)`` or another reading
    method, on a name or an attribute called ``config``), with what it reads."""

    def is_config(node: ast.AST) -> bool:
        return (isinstance(node, ast.Name) and node.id == "config") or (
            isinstance(node, ast.Attribute) and node.attr == "config"
        )

    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
            if isinstance(node.value, ast.Name) and node.value.id == "os":
                found.add(f"environ: os.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found.update(f"environ: from os import {alias.name}" for alias in node.names)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            if is_config(node.value):
                found.add(f"config: config[{ast.unparse(node.slice)}]")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and is_config(node.func.value)
            and node.func.attr in CONFIG_READS
        ):
            key = ast.unparse(node.args[0]) if node.args else ""
            found.add(f"config: config.{node.func.attr}({key})")
    return found


def test_the_detector_finds_every_kind_of_read(tmp_path):
    """Each way of reading configuration is seen; writes are not reads."""
    reader = tmp_path / "reader.py"
    reader.write_text(
        "import os\nfrom os import getenv\n"
        "a = os.environ['X']\nb = os.getenv('X')\nc = app.config['ANY']\n"
        "d = current_app.config.get('SECRET_KEY')\ne = config.setdefault('K', 1)\n"
    )
    writer = tmp_path / "writer.py"
    writer.write_text(
        "app.config['W'] = 1\napp.config.update(W=2)\nconfig.set_main_option('a', 'b')\n"
    )
    assert configuration_reads(reader) == {
        "environ: os.environ", "environ: os.getenv", "environ: from os import getenv",
        "config: config['ANY']", "config: config.get('SECRET_KEY')",
        "config: config.setdefault('K')",
    }  # fmt: skip
    assert configuration_reads(writer) == set()


def test_only_the_settings_read_configuration():
    """One settings catalogue: no other module reads the environment or a config key, except
    those of ``OWN_CONFIGURATION`` for the reasons it gives, and never a FLEXITI_ key."""
    wrong = []
    for name, path in modules().items():
        if name in SETTINGS:
            continue
        allowed = set().union(*(kinds for owner, kinds in OWN_CONFIGURATION.items()
                                if name == owner or name.startswith(owner + ".")))  # fmt: skip
        wrong += [
            f"{name} reads {read}"
            for read in sorted(configuration_reads(path))
            if read.split(":")[0] not in allowed or "FLEXITI_" in read
        ]
    assert wrong == []
    reader = modules()["flexiti_checkout.web.settings.environment"]
    assert "environ: os.environ" in configuration_reads(reader)  # the detector does find reads


@pytest.mark.parametrize("name", sorted(n for n, p in modules().items() if p.name == "__init__.py"))
def test_each_room_says_what_it_owns(name):
    """Every subpackage opens with a docstring saying what it owns and may import."""
    docstring = ast.get_docstring(ast.parse(modules()[name].read_text()))
    assert docstring, f"{name} has no docstring"


def test_every_logger_is_named_after_its_module():
    """``logging.getLogger(__name__)`` everywhere: a log line names the module that wrote it, and
    a host configures the package's loggers by their module paths."""
    named = re.compile(r"getLogger\(([^)]*)\)")
    wrong = [
        f"{name}: getLogger({argument})"
        for name, path in modules().items()
        for argument in named.findall(path.read_text())
        if argument != "__name__"
    ]
    assert wrong == []


def test_no_file_name_prefix_is_a_folder_asking_to_exist():
    """Modules of one folder share no name prefix (``pos_calls`` and ``pos_customers``), and none
    is a sibling's name with a suffix (``callbacks`` and ``callbacks_limit``): a concept that
    needs several modules gets a folder of its own."""
    folders: dict[str, set[str]] = {}
    for name in modules():
        parent, _, module = name.rpartition(".")
        if parent and not module.startswith("_"):
            folders.setdefault(parent, set()).add(module)
    families = []
    for parent, names in sorted(folders.items()):
        prefixes = [module.split("_")[0] for module in names if "_" in module]
        for module in sorted(names):
            prefix = module.split("_")[0]
            if "_" in module and (prefix in names or prefixes.count(prefix) > 1):
                families.append(f"{parent}.{module}")
    assert families == []


#: What only ``money`` does with amounts: read text as a ``Decimal`` (so it must catch
#: ``InvalidOperation``) and spell the cent. The sandbox stands for Flexiti and has its own.
AMOUNT_PARSING = re.compile(r"InvalidOperation|Decimal\(str\(|Decimal\(\s*[\"']0\.01[\"']\s*\)")
#: Modules that may match all the same, and why.
NOT_AMOUNTS = {
    # Rounds an APR to a hundredth of a percent: a rate, not money.
    "flexiti_checkout.storefront.apr": 'HUNDREDTH = Decimal("0.01")',
}


def test_only_money_parses_amounts_and_spells_the_cent():
    """``money.parse_amount`` (and ``bounded_decimal`` for Flexiti's numbers) is the one amount
    parser, ``money.CENT`` the one cent outside the sandbox."""
    texts = {
        name: path.read_text().replace(NOT_AMOUNTS.get(name, "?"), "")
        for name, path in modules().items()
        if name != "flexiti_checkout.money" and room(name) != "sandbox"
    }
    wrong = [f"{name}: {found}" for name, text in texts.items()
             for found in AMOUNT_PARSING.findall(text)]  # fmt: skip
    assert wrong == []
    assert AMOUNT_PARSING.search(modules()["flexiti_checkout.money"].read_text())
