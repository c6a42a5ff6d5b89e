"""A fault injector for the model server: a loopback HTTP server that speaks just enough of
the OpenAI protocol to fail in the ways a real one can (too slow, a 500, a body that is not
JSON, tool calls whose arguments are not JSON) and, in "answer" mode, to reply with a plain
sentence, so that EQM's handling of each fault and its recovery can be seen. It stands in for
nothing on the happy path: the real default model behind vLLM is tested in test_server.py.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from brain.demo.people import DemoPerson, import_demo_person
from brain.store import Store
from training.serving import free_port

MODEL = "eqm-fault"
PLAIN_ANSWER = "I can look at your sleep, steps or mood: which would you like?"


class FaultyModelServer(ThreadingHTTPServer):
    """`mode` picks how /v1/chat/completions fails; /v1/models always answers."""

    daemon_threads = True
    mode = "answer"
    slow_seconds = 12.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/v1"


class Handler(BaseHTTPRequestHandler):
    server: FaultyModelServer

    def log_message(self, *_: Any) -> None:
        pass

    def send(self, status: int, body: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.send(200, json.dumps({"object": "list", "data": [{"id": MODEL}]}).encode())

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        mode = self.server.mode
        if mode == "slow":
            time.sleep(self.server.slow_seconds)
        if mode == "error":
            return self.send(500, b'{"error": {"message": "CUDA out of memory"}}')
        if mode == "garbage":
            return self.send(200, b"<html>502 Bad Gateway</html>", "text/html")
        message: dict[str, Any] = {"role": "assistant", "content": PLAIN_ANSWER}
        if mode == "bad_tool_json":
            call = {"name": "stats_lookup", "arguments": '{"metric": "sleep_hours",'}
            message = {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "c1", "type": "function", "function": call}],
            }
        body = {
            "id": "chatcmpl-fault",
            "object": "chat.completion",
            "created": 0,
            "model": MODEL,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
        self.send(200, json.dumps(body).encode())


@contextmanager
def faulty_model_server() -> Iterator[FaultyModelServer]:
    """The fault injector on a free loopback port for the length of the block."""
    server = FaultyModelServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def import_demo_people(url: str, folder: Path, seeds: dict[str, int], days: int) -> None:
    """Each person's demo exports (their own seed) imported into the store at `url`: the
    data behind an API server that runs against the fault injector."""
    with Store.open(url) as store:
        for person, seed in seeds.items():
            import_demo_person(
                store, DemoPerson(name=person, seed=seed, days=days), folder / person
            )
