"""The package table in README.md, enforced: each package imports only the layers below it
(imports inside functions included), so brain/ never learns of agents and the API server
never loads TRL."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("brain", "tools", "agent", "training", "evals")

ALLOWED = {
    "brain": set(),
    "tools": {"brain"},
    "agent": {"brain", "tools"},
    "agent/cli": {"brain", "tools", "training", "evals"},  # the command line wires them all
    "training": {"brain", "tools"},
    "evals": {"brain", "tools", "agent", "training"},
}


def eqm_imports(path: Path) -> set[str]:
    """The EQM packages a module imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {name.split(".")[0] for name in names} & set(PACKAGES)
    return found


def layer(path: Path) -> str:
    relative = path.relative_to(ROOT).as_posix()
    return "agent/cli" if relative.startswith("agent/cli/") else relative.split("/")[0]


MODULES = sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_a_module_imports_only_the_layers_below_it(path: Path):
    own = layer(path)
    foreign = eqm_imports(path) - ALLOWED[own] - {own.split("/")[0]}
    assert not foreign, f"{path.relative_to(ROOT)} imports {sorted(foreign)}"


def test_the_checker_sees_imports_inside_functions(tmp_path: Path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from training.registry import ModelRegistry\n")
    assert eqm_imports(module) == {"training"}
