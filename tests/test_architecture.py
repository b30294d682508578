"""The layers stay as the README's code map draws them.

    config/     the composition root: settings, URLs, the pages that combine apps
       |
    alliances  <-  exercises  <-  threats     (the domain apps, one way only)
       |
    core/       the kernel: model bases, workflow, publication, API base...

Every module of the project except the tests and the benchmark harness (which
drive the site from outside) is parsed, and each of its imports, at any depth
of the code and relative ones resolved, is checked against these rules.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = {"tests", "bench", ".venv", ".data", "node_modules", "staticfiles"}
DOMAIN_APPS = ("alliances", "exercises", "threats")
MAX_LINES = 800
# What may import config: config itself and gunicorn's settings file, which
# starts the site as wsgi.py does (manage.py names the settings as a string).
LAUNCHERS = {"config", "gunicorn"}

# package -> the packages its modules may not import, and why
FORBIDDEN = {
    "core": (
        (*DOMAIN_APPS, "config"),
        "the kernel knows no domain app: apps declare, the kernel discovers",
    ),
    "alliances": (
        ("exercises", "threats", "config"),
        "reference data knows nothing of the records that use it",
    ),
    "exercises": (("threats", "config"), "exercises come before threats"),
    "threats": (("config",), "only the composition root imports config"),
}


def project_modules():
    """(dotted name, path) of every Python module of the project."""
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in OUTSIDE or relative.parts[0].startswith("."):
            continue
        parts = list(relative.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def imported_modules(name, path):
    """(line, dotted name) of everything the module imports."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module
            yield node.lineno, module


def _top(dotted):
    return dotted.split(".")[0]


def wrong_direction_imports():
    found = []
    for name, path in project_modules():
        package = _top(name)
        forbidden, why = FORBIDDEN.get(package, ((), ""))
        for line, module in imported_modules(name, path):
            target = _top(module)
            if target in forbidden:
                found.append(
                    f"{path.relative_to(ROOT)}:{line} imports {module} ({why})"
                )
            elif target == "config" and package not in LAUNCHERS:
                found.append(
                    f"{path.relative_to(ROOT)}:{line} imports {module} (only the "
                    "composition root, manage.py, wsgi and asgi use config)"
                )
    return sorted(set(found))


def test_dependencies_point_one_way():
    assert wrong_direction_imports() == []


def test_the_rules_see_every_layer():
    """The guard parses the modules it guards (a moved folder is not skipped)."""
    packages = {_top(name) for name, _path in project_modules()}
    assert {"core", "config", *DOMAIN_APPS} <= packages
    names = {name for name, _path in project_modules()}
    assert "core.api.viewsets" in names
    assert "config.pages.countries" in names


@pytest.mark.parametrize(
    ("package", "module", "text"),
    [
        ("alliances", "alliances.models", "import threats.models\n"),
        ("core", "core.workflow", "from alliances.models import Country\n"),
        ("exercises", "exercises.views", "from threats import models\n"),
        ("threats", "threats.api.views", "from config.pages import home\n"),
        ("alliances", "alliances.views", "def f():\n    from ..exercises import x\n"),
    ],
)
def test_a_wrong_direction_import_is_caught(tmp_path, package, module, text):
    """The same checks, on a module written to break them."""
    path = tmp_path / "module.py"
    path.write_text(text)
    forbidden, _why = FORBIDDEN[package]
    targets = {_top(found) for _line, found in imported_modules(module, path)}
    assert targets & {*forbidden, "config"}


def test_no_module_is_too_long_to_read():
    """A module past this many lines (migrations aside) wants splitting."""
    long = [
        f"{path.relative_to(ROOT)}: {lines} lines"
        for _name, path in project_modules()
        if "migrations" not in path.parts
        and (lines := len(path.read_text().splitlines())) > MAX_LINES
    ]
    assert long == []
