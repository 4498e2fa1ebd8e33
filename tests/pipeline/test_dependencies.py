"""Every library our code imports is declared in requirements.in, not merely present as someone's dependency
(a transitive pin can disappear when the package that brought it changes)."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions

from test_import_direction import python_files
from tests_support import ROOT

# Distributions that come with a declared one, pinned exactly by it (declaring that one declares them).
DECLARED_AS = {"apache-airflow-core": "apache-airflow", "apache-airflow-task-sdk": "apache-airflow",
               "pydantic-core": "pydantic"}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(requirements: str = "requirements.in") -> set[str]:
    names = set()
    for line in (ROOT / requirements).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            names.add(_normalise(re.split(r"[\s\[<>=~!;]", line, maxsplit=1)[0]))
    return names


def third_party_imports(superset_env: bool = False) -> dict[str, str]:
    """Top-level module -> first file that imports it, for modules that are neither stdlib nor ours: in the
    project's environment, or (`superset_env`) in bi/, which runs in Superset's own."""
    ours = {p.name for p in ROOT.iterdir()} | {p.stem for p in ROOT.rglob("tests/**/*.py")}
    found: dict[str, str] = {}
    for path in python_files(ROOT):
        if (path.relative_to(ROOT).parts[0] == "bi") != superset_env:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ours and top != "__future__":
                    found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def test_every_imported_library_is_declared():
    providers = packages_distributions()
    wanted = declared()
    undeclared = []
    for module, where in sorted(third_party_imports().items()):
        dists = {_normalise(d) for d in providers.get(module, [])}
        dists = {DECLARED_AS.get(d, d) for d in dists}
        if not dists & wanted:
            undeclared.append(f"{module} (imported in {where}; distribution {sorted(dists) or 'not installed'})")
    assert undeclared == [], "declare in requirements.in, then `make lock`: " + "; ".join(undeclared)


def test_the_dashboards_import_only_superset_which_their_own_environment_declares():
    assert set(third_party_imports(superset_env=True)) == {"superset"}
    assert "apache-superset" in declared("bi/requirements.in")
