"""Account commands: create people and parents, link them, hand out and revoke keys.

Keys are printed once, when made; the database keeps only their hashes.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

app = typer.Typer(help="Accounts, API keys and parent-child links.", no_args_is_help=True)

Name = Annotated[str, typer.Argument(help="The account's name (letters, digits, _ . -).")]
NOT_SHOWN_AGAIN = "This key will not be shown again: keep it somewhere safe."


def _print_key(key: str) -> None:
    typer.echo(f"api key: {key}")
    typer.echo(NOT_SHOWN_AGAIN)


@app.command()
def create(
    name: Name,
    parent: Annotated[
        bool, typer.Option("--parent", help="A parent account, which asks about linked children.")
    ] = False,
) -> None:
    """Create an account and print its first API key (once).

    Example: eqm users create alex
    """
    from agent.accounts import Accounts

    with Accounts.open() as accounts:
        account, key = accounts.create_user(name, parent=parent)
    typer.echo(f"created {account.role} account {account.name!r}")
    _print_key(key)


@app.command()
def link(
    parent: Annotated[str, typer.Argument(help="The parent account.")],
    child: Annotated[str, typer.Argument(help="The child's person account.")],
    share_memories: Annotated[
        bool,
        typer.Option("--share-memories", help="Let the parent read what the child wrote."),
    ] = False,
    crisis_alerts: Annotated[
        bool,
        typer.Option(
            "--crisis-alerts",
            help="Let the parent see when the child was given a crisis answer (only when, "
            "never the words, and never for a disclosure of abuse or violence).",
        ),
    ] = False,
) -> None:
    """Let a parent ask about a child (linking again changes only the two settings).

    Example: eqm users link sam alex --share-memories
    """
    from agent.accounts import Accounts

    with Accounts.open() as accounts:
        made = accounts.link(
            parent, child, share_memories=share_memories, crisis_alerts=crisis_alerts
        )
    shared = "shared" if made.share_memories else "not shared"
    alerts = "on" if made.crisis_alerts else "off"
    typer.echo(
        f"linked {made.parent!r} to {made.child!r} (memories {shared}, crisis alerts {alerts})"
    )


@app.command()
def unlink(
    parent: Annotated[str, typer.Argument(help="The parent account.")],
    child: Annotated[str, typer.Argument(help="The child's person account.")],
) -> None:
    """Stop a parent from asking about a child.

    Example: eqm users unlink sam alex
    """
    from agent.accounts import Accounts

    with Accounts.open() as accounts:
        accounts.unlink(parent, child)
    typer.echo(f"unlinked {parent!r} from {child!r}")


@app.command("list")
def list_users(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List accounts with their roles and links (never keys).

    Example: eqm users list
    """
    from agent.accounts import Accounts

    with Accounts.open() as accounts:
        users, links = accounts.users(), accounts.links()
    children: dict[str, list[str]] = {}
    for made in links:
        settings = [
            *(["memories shared"] if made.share_memories else []),
            *(["crisis alerts"] if made.crisis_alerts else []),
        ]
        shown = f" ({', '.join(settings)})" if settings else ""
        children.setdefault(made.parent, []).append(made.child + shown)
    if as_json:
        rows = [
            {
                **user.model_dump(mode="json", exclude={"id"}),
                "children": [m.model_dump(mode="json") for m in links if m.parent == user.name],
            }
            for user in users
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    if not users:
        typer.echo("no accounts yet: eqm users create NAME")
    width = max((len(user.name) for user in users), default=0)
    for user in users:
        line = f"{user.name:<{width}}  {user.role}"
        if user.name in children:
            line += "  children: " + ", ".join(children[user.name])
        typer.echo(line.rstrip())


@app.command()
def key(
    name: Name,
    rotate: Annotated[
        bool, typer.Option("--rotate", help="Revoke the account's older keys as this one starts.")
    ] = False,
) -> None:
    """Make another API key for an account and print it (once); older keys keep working
    unless --rotate.

    Example: eqm users key alex --rotate
    """
    from agent.accounts import Accounts

    with Accounts.open() as accounts:
        made = accounts.new_key(name, rotate=rotate)
    _print_key(made)


@app.command()
def revoke(name: Name) -> None:
    """Revoke every API key of an account (make a new one with `eqm users key`).

    Example: eqm users revoke alex
    """
    from agent.accounts import Accounts

    with Accounts.open() as accounts:
        count = accounts.revoke_keys(name)
    typer.echo(f"revoked {count} key{'s' if count != 1 else ''} of {name!r}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="users")
