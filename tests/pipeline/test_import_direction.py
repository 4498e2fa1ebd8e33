"""Imports point one way: dags -> outcomes -> expectations -> connectors; the harness (devenv/, bench/) and
the tests may use everything, and only they may import the simulator (sandbox/).

The sandbox itself imports nothing of the product except the vendors' webhook signature schemes
(`connectors.webhooks.vendors`), so that its simulated deliveries are signed exactly as a receiver checks them.
Every .py file is read with `ast`, including imports inside functions and `importlib.import_module("...")`.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests_support import ROOT

PRODUCT = {"connectors", "expectations", "outcomes"}
HARNESS = {"devenv", "bench"}
# Which of our top-level packages each top-level folder may import.
MAY_IMPORT: dict[str, set[str]] = {
    "connectors": {"connectors"},
    "expectations": {"connectors", "expectations"},
    "outcomes": {"connectors", "expectations", "outcomes"},
    "dags": {"connectors", "expectations", "outcomes"},
    "sandbox": {"sandbox"},
    "bi": set(),  # runs in Superset's own environment (bi/.venv): imports nothing of ours
    "devenv": PRODUCT | {"sandbox", "devenv"},
    "bench": PRODUCT | {"sandbox", "devenv", "bench"},
    "tests": PRODUCT | HARNESS | {"sandbox", "dags", "tests"},
}
# Single modules a folder may import beyond MAY_IMPORT (and why: see the module docstring).
ALSO_MAY_IMPORT: dict[str, set[str]] = {"sandbox": {"connectors.webhooks.vendors"}}
NOT_OURS = {".venv", "venv", "data", "build", "dist", "logs", "target", "dbt_packages", "__pycache__"}


def python_files(root: Path) -> list[Path]:
    files = []
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).parts
        if any(p.startswith(".") or p in NOT_OURS or p.endswith(".egg-info") for p in parts[:-1]):
            continue
        files.append(path)
    return files


def imported_modules(source: str, module_path: tuple[str, ...]) -> list[tuple[int, str, str | None]]:
    """(line, module, name) for every import anywhere in the file; `name` is the `from` import's name."""
    found: list[tuple[int, str, str | None]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: resolve against the file's package
                package = module_path[:-1][: len(module_path) - node.level]
                module = ".".join([*package, *([module] if module else [])])
            found += [(node.lineno, module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                found.append((node.lineno, node.args[0].value, None))
    return found


def violations(root: Path) -> list[str]:
    files = python_files(root)
    ours = {f.relative_to(root).parts[0] for f in files if len(f.relative_to(root).parts) > 1}
    problems = [f"{top}/ has Python files but no import rule in MAY_IMPORT" for top in sorted(ours - set(MAY_IMPORT))]
    for path in files:
        rel = path.relative_to(root)
        folder = rel.parts[0] if len(rel.parts) > 1 else None
        if folder is None:
            problems.append(f"{rel}: Python file outside a package folder")
            continue
        module_path = rel.with_suffix("").parts
        for line, module, name in imported_modules(path.read_text(), module_path):
            top = module.split(".")[0]
            if top not in ours or top in MAY_IMPORT.get(folder, set()):
                continue
            candidates = {module, f"{module}.{name}"} if name else {module}
            if candidates & ALSO_MAY_IMPORT.get(folder, set()):
                continue
            allowed = sorted(MAY_IMPORT.get(folder, set()) | ALSO_MAY_IMPORT.get(folder, set()))
            problems.append(f"{rel}:{line} imports {module}{'.' + name if name else ''}; "
                            f"{folder}/ may import only {allowed}")
    return problems


def test_every_import_points_the_allowed_way():
    problems = violations(ROOT)
    assert problems == [], "\n".join(problems)


def test_the_scan_sees_function_level_relative_and_dynamic_imports(tmp_path):
    for folder in ("connectors", "outcomes", "sandbox", "devenv"):
        (tmp_path / folder).mkdir()
    (tmp_path / "connectors" / "sub").mkdir()
    (tmp_path / "connectors" / "sub" / "mod.py").write_text(
        "def f():\n    from outcomes.settings import Settings\n    return Settings\n"
        "from ..http import x\nfrom .. import outcomes_like\n")
    (tmp_path / "outcomes" / "a.py").write_text("import importlib\nimportlib.import_module('sandbox.server')\n")
    (tmp_path / "sandbox" / "b.py").write_text("from connectors.webhooks.vendors import sign_github\n"
                                                "from connectors import http\nimport devenv\n")
    (tmp_path / "devenv" / "c.py").write_text("import sandbox.server\nimport outcomes.run\n")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "d.py").write_text("import os\n")
    found = violations(tmp_path)
    assert "scripts/ has Python files but no import rule in MAY_IMPORT" in found
    assert any(p.startswith("connectors/sub/mod.py:2 imports outcomes.settings.Settings") for p in found)
    assert any(p.startswith("outcomes/a.py:2 imports sandbox.server") for p in found)
    assert any(p.startswith("sandbox/b.py:2 imports connectors.http") for p in found)
    assert any(p.startswith("sandbox/b.py:3 imports devenv") for p in found)
    assert not any(p.startswith(("sandbox/b.py:1", "devenv/", "connectors/sub/mod.py:4", "connectors/sub/mod.py:5"))
                   for p in found), found
    assert len(found) == 5, found
