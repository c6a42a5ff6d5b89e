"""Faults of the model server: down, slow beyond the turn's bound, answering 500 or garbage,
or writing tool calls that are not JSON. Each gets a 503 with a retry hint (or an honest
answer) within the bound, never a 500, and the API server recovers without a restart.
The model server is the fault injector of tests/fault_model.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.accounts import Accounts
from agent.cli.serve import api_server
from agent.config import AgentSettings
from tests.fault_model import (
    MODEL,
    PLAIN_ANSWER,
    FaultyModelServer,
    faulty_model_server,
    import_demo_people,
)
from training.serving import free_port

pytestmark = pytest.mark.slow

TURN_SECONDS = 3.0


@pytest.fixture(scope="module")
def model_server() -> Iterator[FaultyModelServer]:
    with faulty_model_server() as server:
        yield server


@pytest.fixture(scope="module")
def eqm(model_server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("faults")
    settings = AgentSettings(
        data_dir=folder / "data",
        model_url=model_server.url,
        model_name=MODEL,
        turn_seconds=TURN_SECONDS,
    )
    url = settings.resolved_database_url()
    import_demo_people(url, folder, {"alex": 3}, days=60)
    with Accounts.open(url) as accounts:
        key = accounts.create_user("alex")[1]
    with api_server("127.0.0.1", free_port(), settings) as api:
        yield {"url": api, "key": key}


def chat(eqm: dict[str, Any], text: str, conversation_id: str | None = None) -> httpx.Response:
    body: dict[str, Any] = {"model": "eqm", "messages": [{"role": "user", "content": text}]}
    if conversation_id:
        body["conversation_id"] = conversation_id
    headers = {"Authorization": f"Bearer {eqm['key']}"}
    return httpx.post(f"{eqm['url']}/chat/completions", json=body, headers=headers, timeout=60)


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) > 0
    error = response.json()["error"]
    assert error["type"] == "server_error" and error["code"] == "model_unavailable"
    assert "model server" in error["message"]


@pytest.mark.parametrize("mode", ["slow", "error", "garbage"])
def test_a_failing_model_server_gets_a_503_within_the_turns_bound(eqm, model_server, mode):
    model_server.mode = mode
    started = time.monotonic()
    response = chat(eqm, "How did I sleep last week?")
    assert time.monotonic() - started < TURN_SECONDS + 3
    assert_unavailable(response)


def test_a_model_server_that_is_down_gets_a_503(model_server, tmp_path):
    settings = AgentSettings(data_dir=tmp_path, model_url=f"http://127.0.0.1:{free_port()}/v1")
    with Accounts.open(settings.resolved_database_url()) as accounts:
        key = accounts.create_user("alex")[1]
    with api_server("127.0.0.1", free_port(), settings) as api:
        response = chat({"url": api, "key": key}, "How did I sleep last week?")
    assert_unavailable(response)


def test_tool_calls_that_are_not_json_get_an_honest_answer(eqm, model_server):
    model_server.mode = "bad_tool_json"
    response = chat(eqm, "How did I sleep last week?")
    assert response.status_code == 200, response.text
    message = response.json()["choices"][0]["message"]
    assert message["eqm"]["fallback"] is True
    assert "could not answer: arguments are not valid JSON" in message["content"]


def test_after_a_failed_turn_the_same_conversation_goes_on_without_a_restart(eqm, model_server):
    model_server.mode = "answer"
    first = chat(eqm, "Hello")
    conversation = first.json()["choices"][0]["message"]["eqm"]["conversation_id"]
    model_server.mode = "error"
    assert_unavailable(chat(eqm, "How did I sleep last week?", conversation))
    model_server.mode = "answer"
    again = chat(eqm, "How did I sleep last week?", conversation)
    assert again.status_code == 200 and again.json()["choices"][0]["message"]["content"]
    kept = httpx.get(
        f"{eqm['url']}/conversations/{conversation}",
        headers={"Authorization": f"Bearer {eqm['key']}"},
    ).json()
    said = [(m["role"], m["content"]) for m in kept["messages"]]
    assert said == [
        ("user", "Hello"),
        ("assistant", PLAIN_ANSWER),
        ("user", "How did I sleep last week?"),  # once: the failed turn left nothing
        ("assistant", PLAIN_ANSWER),
    ]


def test_sigterm_to_eqm_serve_finishes_the_turn_in_flight_then_exits(model_server, tmp_path):
    """A service manager's stop drains: the chat already being answered gets its answer,
    then the server exits and nothing is left listening."""
    settings = AgentSettings(data_dir=tmp_path)
    with Accounts.open(settings.resolved_database_url()) as accounts:
        key = accounts.create_user("alex")[1]
    port = free_port()
    env = {
        **os.environ,
        "EQM_DATA_DIR": str(tmp_path),
        "EQM_MODEL_URL": model_server.url,
        "EQM_MODEL_NAME": MODEL,
    }
    eqm_command = Path(sys.executable).with_name("eqm")
    server = subprocess.Popen(
        [str(eqm_command), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    api = {"url": f"http://127.0.0.1:{port}/v1", "key": key}
    try:
        deadline = time.monotonic() + 120
        while not _listening(port):
            assert server.poll() is None and time.monotonic() < deadline
            time.sleep(0.5)
        model_server.mode, model_server.slow_seconds = "slow", 3.0
        with ThreadPoolExecutor(1) as pool:
            turn = pool.submit(chat, api, "Hello")
            time.sleep(1.0)  # the turn is waiting on the model
            server.send_signal(signal.SIGTERM)
            response = turn.result(timeout=60)
        assert response.status_code == 200, response.text
        assert response.json()["choices"][0]["message"]["content"] == PLAIN_ANSWER
        assert server.wait(timeout=30) is not None
        assert not _listening(port)
    finally:
        model_server.mode, model_server.slow_seconds = "answer", 12.0
        if server.poll() is None:
            server.kill()


def _listening(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
    except httpx.HTTPError:
        return False
    return True
