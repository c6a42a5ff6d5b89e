"""Tool commands: the same tools the model calls, for people, tests and release checks."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from agent.cli.data import User

app = typer.Typer(help="The tools the model answers through.", no_args_is_help=True)


@app.command("list")
def list_tools(
    as_json: Annotated[bool, typer.Option("--json", help="Print the OpenAI tool schemas.")] = False,
    user: Annotated[
        str | None,
        typer.Option("--user", "-u", help="Fill metric enums with this person's metrics."),
    ] = None,
) -> None:
    """List every tool with its description, or its OpenAI function schema with --json.

    Example: eqm tools list --json --user alex
    """
    from tools import openai_tools

    metrics = None
    if user:
        from brain.analytics.service import Analytics
        from brain.store import Store

        with Store.open() as store:
            metrics = Analytics(store).metrics(user)
    schemas = openai_tools(metrics)
    if as_json:
        typer.echo(json.dumps(schemas, indent=2))
        return
    for schema in schemas:
        function = schema["function"]
        arguments = ", ".join(function["parameters"].get("properties", {})) or "no arguments"
        typer.echo(f"{function['name']}({arguments})\n    {function['description']}")


@app.command("call")
def call(
    name: Annotated[str, typer.Argument(help="The tool's name (see eqm tools list).")],
    user: User,
    args: Annotated[str, typer.Option("--args", help="The arguments as a JSON object.")] = "{}",
) -> None:
    """Call one tool for a person and print its result (or structured error) as JSON.

    Exits 1 when the tool returns an error.

    Example: eqm tools call stats_lookup --user alex --args '{"metric": "steps", "last_days": 7}'
    """
    from tools import Subject, ToolContext, ToolErrorResult, call_tool
    from tools.config import ToolSettings

    with ToolContext.open(ToolSettings()) as context:
        outcome = call_tool(context, Subject.self_(user), name, args)
    typer.echo(outcome.model_dump_json(indent=2))
    if isinstance(outcome, ToolErrorResult):
        sys.exit(1)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="tools")
