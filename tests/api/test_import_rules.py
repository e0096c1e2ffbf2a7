"""House rules of api/ that import-linter does not see: no private names taken from other modules,
and no imports inside functions or classes (a late import hides a cycle; types of other modules are
named with strawberry.lazy instead). The layers and the absence of cycles are import-linter's
(pyproject.toml)."""

from __future__ import annotations

import ast
from pathlib import Path

API = Path(__file__).resolve().parents[2] / "api"
PROJECT = ("api", "domain", "tenants", "workers", "tessera")


def _modules() -> list[tuple[str, ast.Module]]:
    return [
        (str(path.relative_to(API.parent)), ast.parse(path.read_text(), str(path)))
        for path in sorted(API.rglob("*.py"))
    ]


def _ours(module: str | None) -> bool:
    return module is not None and module.split(".")[0] in PROJECT


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_names_taken(tree: ast.Module) -> list[str]:
    """`from ours import _name`, and `_name` read off a module of ours imported by name."""
    found: list[str] = []
    imported_modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and _ours(node.module):
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
                else:
                    imported_modules.add(
                        alias.asname or alias.name
                    )  # may be a module (from api.records import loaders)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _ours(alias.name):
                    if any(_private(part) for part in alias.name.split(".")):
                        found.append(f"line {node.lineno}: import {alias.name}")
                    imported_modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in imported_modules
        ):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return found


def late_imports(tree: ast.Module) -> list[str]:
    """Imports inside a function or a class body."""
    found: list[str] = []
    for scope in ast.walk(tree):
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for node in ast.walk(scope):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    found.append(f"line {node.lineno}: inside {scope.name}")
    return found


def test_no_private_names_are_taken_from_other_modules():
    broken = {path: found for path, tree in _modules() if (found := private_names_taken(tree))}
    assert broken == {}


def test_no_imports_inside_functions_or_classes():
    broken = {path: found for path, tree in _modules() if (found := late_imports(tree))}
    assert broken == {}


def test_the_rules_see_what_they_forbid():
    # Given a module that breaks both rules, when checked, then each rule names each breach.
    tree = ast.parse(
        "from api.records import loaders\n"
        "from api.crm.types import _record\n"
        "import strawberry\n"
        "def resolve(info):\n"
        "    from api.custom.related import related_connection\n"
        "    return loaders._loader(info), strawberry._private\n"
    )
    assert private_names_taken(tree) == [
        "line 2: from api.crm.types import _record",
        "line 6: loaders._loader",
    ]
    assert late_imports(tree) == ["line 5: inside resolve"]
