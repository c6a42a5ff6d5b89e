"""Serving commands: the API server alone (`eqm serve`), a terminal client (`eqm chat`), and the
whole main job (`eqm demo`: data, accounts, model server, API server, training worker,
example questions)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer

EXAMPLE_QUESTIONS = (
    "How did I sleep over the last 30 days?",
    "Does caffeine go with my mood?",
    "What if I slept 8 hours?",
)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8080,
) -> None:
    """Run EQM's API server (OpenAI-compatible chat, feedback, imports) until Ctrl-C.

    It talks to the model server at EQM_MODEL_URL (start one with `eqm model serve`).

    Example: EQM_MODEL_URL=http://127.0.0.1:8000/v1 eqm serve --port 8080
    """
    import uvicorn

    from agent.server import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="info")


@contextmanager
def api_server(host: str, port: int, settings: Any = None, services: Any = None) -> Iterator[str]:
    """The API server in a background thread for the length of the block; yields its URL.
    `services`, when given, are used as they are (and left open)."""
    import uvicorn

    from agent.server import create_app

    app = create_app(settings, services)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="eqm-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise typer.BadParameter(f"the API server did not start on {host}:{port}")
        time.sleep(0.1)
    try:
        yield f"http://{host}:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def chat(
    url: Annotated[str, typer.Option(envvar="EQM_API_URL", help="EQM API URL.")] = (
        "http://127.0.0.1:8080/v1"
    ),
    key: Annotated[str, typer.Option(envvar="EQM_API_KEY", help="Your API key.")] = "",
    as_parent: Annotated[
        str | None, typer.Option("--as-parent", help="Ask about this linked child.")
    ] = None,
) -> None:
    """Chat with EQM in the terminal: answers stream in, sources are listed under each one;
    /up and /down rate the last answer (with an optional comment), /quit leaves.

    Example: EQM_API_KEY=eqm_... eqm chat
    """
    import httpx
    import openai

    if not key:
        raise typer.BadParameter("give your key with --key or EQM_API_KEY")
    headers = {"X-EQM-Child": as_parent} if as_parent else {}
    client = openai.OpenAI(base_url=url, api_key=key, default_headers=headers)
    history: list[dict[str, str]] = []
    conversation: str | None = None
    last: str | None = None
    typer.echo("EQM: ask about your data (/up, /down [comment], /quit)")
    while True:
        try:
            text = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not text:
            continue
        if text == "/quit":
            break
        if text.split()[0] in ("/up", "/down"):
            if last is None:
                typer.echo("nothing to rate yet")
                continue
            rating, _, comment = text[1:].partition(" ")
            body = {"completion_id": last, "rating": rating, "comment": comment or None}
            response = httpx.post(
                f"{url}/feedback",
                json=body,
                headers={"Authorization": f"Bearer {key}"},
                timeout=30,
            )
            typer.echo("thanks" if response.is_success else response.text)
            continue
        history.append({"role": "user", "content": text})
        extra = {"conversation_id": conversation} if conversation else {}
        stream = client.chat.completions.create(
            model="eqm", messages=history, stream=True, extra_body=extra
        )
        answer, eqm = [], {}
        typer.echo("eqm> ", nl=False)
        for chunk in stream:
            last = chunk.id
            if not chunk.choices:
                continue
            delta = chunk.choices[0].delta
            if delta.content:
                answer.append(delta.content)
                typer.echo(delta.content, nl=False)
            eqm = (delta.model_extra or {}).get("eqm") or eqm
        typer.echo("")
        conversation = eqm.get("conversation_id", conversation)
        for index, call in enumerate(eqm.get("tool_calls", []), start=1):
            arguments = json.dumps(call["arguments"], ensure_ascii=False)
            typer.echo(f"  [{index}] {call['name']}({arguments})")
        if eqm.get("fallback"):
            typer.echo("  (assembled from the tool results)")
        history.append({"role": "assistant", "content": "".join(answer)})


DEMO_PARENT = "jordan"


def provenance(eqm: dict[str, Any]) -> str:
    """Where an answer came from, for a reader: each tool call with its arguments, and who
    wrote the words (the model, with its draft checked by the guard, or the fallback)."""
    lines = [
        f"     [{index}] {call['name']}({json.dumps(call['arguments'], ensure_ascii=False)})"
        for index, call in enumerate(eqm.get("tool_calls", []), start=1)
    ]
    if eqm.get("safety"):
        author = "the fixed safety response, no model"
    elif eqm.get("fallback"):
        author = "assembled from the tool results: the model's draft did not pass the guard"
    else:
        author = "written by the model, every number checked against the tools"
    return "\n".join([*lines, f"     ({author})"])


@contextmanager
def worker_process() -> Iterator[subprocess.Popen[bytes]]:
    """`eqm worker` beside the API server, its output on this terminal; on the way out it
    gets SIGTERM (a job it runs waits for the next worker) and, after 30 s, SIGKILL."""
    worker = subprocess.Popen([sys.executable, "-m", "agent.cli", "worker"])
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def run_demo(person: str, *, port: int, model_port: int, wait: bool) -> None:
    """Serve the production model and the API, make the demo accounts, ask the examples."""
    import openai

    from agent.accounts import Accounts
    from agent.config import AgentSettings
    from agent.errors import Conflict
    from training.registry import ModelRegistry
    from training.serving import ModelServer, ServerConfig

    registry = ModelRegistry()
    name = registry.pointer().production
    assert name is not None, "the demo builds a production model first"
    settings = AgentSettings(model_url=f"http://127.0.0.1:{model_port}/v1", model_name=name)
    keys = {}
    with Accounts.open(settings.resolved_database_url()) as accounts:
        for user, parent in ((person, False), (DEMO_PARENT, True)):
            try:
                keys[user] = accounts.create_user(user, parent=parent)[1]
            except Conflict:
                keys[user] = accounts.new_key(user)
        accounts.link(DEMO_PARENT, person, share_memories=False)
    typer.echo(f"\nstarting the model server for {name} (vLLM) ...")
    model = ServerConfig(model=registry.path(name), name=name, port=model_port)
    with ModelServer(model) as server:
        typer.echo(f"model server ready at {server.url} in {server.startup_seconds:.0f} s")
        with api_server("127.0.0.1", port, settings) as url, worker_process():
            typer.echo(f"\nEQM is serving at {url} (OpenAI-compatible)")
            typer.echo(f"  web app: {url.removesuffix('/v1')}/ (sign in with one of these keys)")
            typer.echo(f"  {person} (person) key: {keys[person]}")
            typer.echo(f"  {DEMO_PARENT} (parent of {person}) key: {keys[DEMO_PARENT]}")
            typer.echo(f"  chat in a terminal: EQM_API_KEY={keys[person]} eqm chat --url {url}\n")
            client = openai.OpenAI(base_url=url, api_key=keys[person], timeout=120)
            for question in EXAMPLE_QUESTIONS:
                try:
                    reply = client.chat.completions.create(
                        model="eqm", messages=[{"role": "user", "content": question}]
                    )
                except openai.APIStatusError as e:  # e.g. 503: the model server is too slow
                    typer.echo(f"you> {question}\neqm> (no answer: {e.message})\n")
                    continue
                message = reply.choices[0].message
                typer.echo(f"you> {question}\neqm> {message.content}")
                typer.echo(provenance((message.model_extra or {}).get("eqm", {})) + "\n")
            if not wait:
                return
            typer.echo("Ctrl-C stops the servers")
            try:
                while server.running():
                    time.sleep(0.5)
            except KeyboardInterrupt:
                typer.echo("stopping")


def register(root: typer.Typer) -> None:
    root.command()(serve)
    root.command()(chat)
