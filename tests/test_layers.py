"""The package's layers: imports point down only, and only the store and the analysis chain
know Whoosh. Read from the source (AST), so a stray import fails here before it spreads."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "search"

# What each part of the package may import of the others (itself always). Lowest first.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "settings": set(),
    "documents": {"errors", "settings"},
    "analysis": {"errors", "settings"},
    "store": {"analysis", "documents", "errors", "settings"},
    "query": {"analysis", "store", "errors", "settings"},
    "results": {"query", "store", "analysis", "documents", "errors", "settings"},
    "library": {"results", "query", "store", "analysis", "documents", "errors", "settings"},
    "web": {"library", "results", "query", "store", "analysis", "documents", "errors", "settings"},
    "precision": {"query", "store", "analysis", "errors", "settings"},
    "evaluate": {"precision", "query", "store", "analysis", "documents", "errors", "settings"},
    "cli": {"library", "evaluate", "store", "analysis", "documents", "errors", "settings"},
    "__init__": {"library", "documents", "errors", "settings"},
    "__main__": {"cli"},
}
WHOOSH_ALLOWED = {"analysis/filters.py", "store"}  # the only homes of `import whoosh`


def part_of(path: Path) -> str:
    """The layer a module belongs to: its subpackage, or its own name at the top."""
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def imported_modules(source: str, module: str) -> list[str]:
    """Every module an import statement of ``source`` names, relative ones resolved against
    ``module`` (its dotted name, e.g. ``search.query.engine``)."""
    found = []
    package = module.split(".")[:-1] if not module.endswith("__init__") else module.split(".")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
                if node.module is None:  # from . import x: x is a module of the package
                    found += [f"{name}.{alias.name}" for alias in node.names]
                    continue
            else:
                name = node.module or ""
            found.append(name)
    return found


def violations(path: Path, source: str) -> list[str]:
    """What is wrong with one module's imports (empty when nothing is)."""
    relative = path.relative_to(PACKAGE)
    module = ".".join(("search", *relative.with_suffix("").parts))
    own = part_of(path)
    problems = []
    for name in imported_modules(source, module):
        parts = name.split(".")
        if parts[0] == "whoosh":
            home = relative.as_posix()
            if not any(
                home == allowed or home.startswith(allowed + "/") for allowed in WHOOSH_ALLOWED
            ):
                problems.append(f"{home} imports {name}: only the store and analysis/filters may")
        elif parts[0] == "search" and len(parts) > 1:
            target = parts[1]
            if target != own and target not in ALLOWED.get(own, set()):
                problems.append(f"{relative.as_posix()} ({own}) imports {name} ({target})")
    return problems


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_imports_point_down(path):
    assert part_of(path) in ALLOWED, f"{path}: a new part of the package needs its place here"
    assert violations(path, path.read_text("utf-8")) == []


def test_every_layer_has_modules():
    assert {part_of(path) for path in MODULES} == set(ALLOWED)


@pytest.mark.parametrize(
    ("where", "line", "expected"),
    [
        ("query/engine.py", "from ..web import create_app", "imports search.web"),
        ("query/engine.py", "from search.results import highlight", "imports search.results"),
        ("store/reader.py", "from ..query import rank", "imports search.query"),
        ("analysis/tokens.py", "from ..store import Reader", "imports search.store"),
        ("results/body.py", "from whoosh import query", "only the store"),
        ("web/api.py", "import whoosh.index", "only the store"),
        ("documents.py", "from .analysis import normalize", "imports search.analysis"),
    ],
)
def test_an_upward_or_forbidden_import_is_caught(where, line, expected):
    found = violations(PACKAGE / where, line)
    assert found and expected in found[0]


def test_downward_imports_pass():
    assert violations(PACKAGE / "query/engine.py", "from ..store import Reader\nimport numpy") == []
    assert violations(PACKAGE / "store/codec.py", "from whoosh.codec import whoosh3") == []
