"""One root for every error EQM raises on purpose (`brain.errors.EQMError`), one family per
package under it, and the command line turning any of them into one clear line."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

import pytest

from agent.errors import AgentError
from brain.errors import BrainError, EQMError
from evals.errors import EvalError, ReleaseError, SuiteError
from tools.errors import ToolCallError, ToolsError
from training.errors import TrainingError

ROOT = Path(__file__).resolve().parent.parent
BUILTIN_ERRORS = {
    name for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
}  # fmt: skip


@pytest.mark.parametrize("family", [BrainError, ToolsError, AgentError, TrainingError, EvalError])
def test_each_package_family_is_under_the_one_root(family: type[Exception]):
    assert issubclass(family, EQMError)


def test_the_named_errors_belong_to_their_family():
    assert issubclass(ToolCallError, ToolsError)
    assert issubclass(ReleaseError, EvalError) and issubclass(SuiteError, EvalError)
    assert issubclass(SuiteError, ValueError)  # a bad suite file is also a bad value


def test_only_the_root_derives_from_a_builtin_exception_alone():
    """Any other class that names a builtin exception as its only kind of base starts a
    second family."""
    strays = []
    for package in ("brain", "tools", "agent", "training", "evals"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.ClassDef) or node.name == "EQMError":
                    continue
                bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
                if bases and bases <= BUILTIN_ERRORS:
                    strays.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert strays == []


def test_the_command_line_prints_any_eqm_error_as_one_line(capsys, monkeypatch):
    from agent.cli import app, main

    @app.command("fail-for-test")
    def fail() -> None:
        raise ToolCallError("internal", "the memory store refused the batch")

    try:
        with pytest.raises(SystemExit) as exit_info:
            main(["fail-for-test"])
    finally:
        app.registered_commands.pop()
    assert exit_info.value.code == 1
    assert capsys.readouterr().err == "error: the memory store refused the batch\n"
