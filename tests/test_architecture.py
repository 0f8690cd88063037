"""The shape of the house, checked from the source: module sizes, no import cycles, dependencies that point down.

Imports are read with `ast` from every module under mvimonitor/ (migrations left out), including imports inside
functions: a lazy import that closes a circle is still a circle for the reader of the code.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mvimonitor"
MAX_LINES = 600

# Which app may import which: the record at the bottom, what derives from it above, the interfaces on top.
# A project-level module (mvimonitor/<name>.py) is listed under its name.
ALLOWED: dict[str, set[str]] = {
    "organisations": set(),
    "themes": {"organisations"},
    "tenders": {"organisations", "themes"},
    "effects": {"organisations", "themes", "tenders"},
    "reports": set(),
    "award": {"organisations", "themes", "tenders", "effects", "reports"},
    "dashboards": {"organisations", "themes", "tenders", "effects"},
    "isv": {"organisations", "themes", "tenders", "effects"},
    "dataquality": {"organisations", "themes", "tenders", "effects", "imports"},
    "rules": {"organisations", "themes", "tenders", "dashboards", "isv"},
    "plans": {"organisations", "themes", "tenders", "effects", "dashboards", "rules", "reports"},
    "suppliers": {"organisations", "themes", "tenders", "effects"},
    "imports": {"organisations", "themes", "tenders"},
    "api": {
        "organisations",
        "themes",
        "tenders",
        "effects",
        "dashboards",
        "imports",
        "award",
        "rules",
        "plans",
        "suppliers",
        "isv",
    },
    "demo": {"organisations", "themes", "tenders", "effects", "dashboards"},
}
PROJECT_LEVEL_USERS = {"settings", "urls", "wsgi", "asgi", "navigation", "checks"}


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent)
        if "migrations" in relative.parts:
            continue
        parts = list(relative.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


MODULES = dict(_modules())


def _resolve(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join([*base, node.module] if node.module else base)


def _imports(module: str, path: Path) -> set[str]:
    """The mvimonitor modules `module` imports (a name imported from a package counts as its submodule if one
    exists: `from . import services`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, path, node)
            targets = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target.startswith("mvimonitor") and target != module:
                found.add(target)
    return found


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def _app(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_module_is_over_the_size_limit() -> None:
    too_long = {
        module: count
        for module, path in MODULES.items()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }

    assert too_long == {}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_two_modules_import_each_other_directly_or_in_a_circle() -> None:
    assert _cycles(GRAPH) == []


def test_no_app_imports_an_app_above_it() -> None:
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if _app(module) in ALLOWED
        for target in targets
        if _app(target) in ALLOWED and _app(target) != _app(module) and _app(target) not in ALLOWED[_app(module)]
    )

    assert upward == []


def test_project_level_modules_import_no_app_that_uses_them() -> None:
    """`mvimonitor/<name>.py` modules (disclosure, exports, bulk, reference, …) sit below every app."""
    shared = {module for module in MODULES if module.count(".") == 1 and _app(module) not in PROJECT_LEVEL_USERS}
    shared -= {f"mvimonitor.{app}" for app in ALLOWED}
    upward = sorted(
        f"{module} imports {target}"
        for module in shared
        for target in GRAPH[module]
        if _app(target) in ALLOWED
        and not (_app(target) == "organisations" and target.endswith((".models", ".access")))
    )

    assert upward == []


@pytest.mark.parametrize(
    ("importer", "imported"),
    [("tenders", "dashboards"), ("imports", "dashboards"), ("effects", "api"), ("tenders", "effects")],
)
def test_the_record_does_not_reach_up(importer: str, imported: str) -> None:
    offending = sorted(
        module
        for module, targets in GRAPH.items()
        if _app(module) == importer and any(_app(t) == imported for t in targets)
    )

    assert offending == []
