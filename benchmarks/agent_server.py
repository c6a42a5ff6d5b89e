"""The agent and the API server with the default model on CPU: agent overhead, one-tool turn
latency end to end, and 50 concurrent chats for five minutes.

    .venv/bin/python benchmarks/agent_server.py [--turns 40] [--concurrency 50] [--seconds 300]

Starts vLLM with the production model (`eqm model build-default` first) and the API server
on loopback over a scratch data folder holding 365 demo days, then prints one table:

- agent overhead: a turn's time minus the time spent waiting for the model, measured inside
  the server process (`ChatService.turn`), p50/p95 (aim p95 < 50 ms);
- one-tool turn: question in, verified answer out, through HTTP and the openai SDK, p50/p95
  (aim p50 < 1.5 s);
- load: `--concurrency` clients asking in a loop for `--seconds`: turns/s, p95, errors, and
  this process's resident memory (the API server runs in it) at the start, the end and its
  peak, sampled every 5 s: it should stay flat. Rate limits are off for the run.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import openai
import psutil

from agent.cli.serve import api_server
from agent.config import AgentSettings
from agent.conversations import ChatService
from agent.openai_schema import ChatMessage
from agent.services import Services
from brain.demo.people import DemoPerson, import_demo_person
from tools import Subject
from training.registry import ModelRegistry
from training.serving import ModelServer, ServerConfig, free_port

QUESTION = "How many steps did I walk over the last 30 days?"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=300)
    args = parser.parse_args()

    registry = ModelRegistry()
    name = registry.pointer().production
    if name is None:
        raise SystemExit("no production model: run `eqm model build-default` first")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        model_config = ServerConfig(model=registry.path(name), name=name, data_dir=folder / "vllm")
        with ModelServer(model_config) as server:
            settings = AgentSettings(
                data_dir=folder / "data", model_url=server.url, model_name=name, rate_limit=""
            )
            services = Services.open(settings)
            try:
                import_demo_person(
                    services.store, DemoPerson(name="alex", seed=7, days=365), folder / "exports"
                )
                key = services.accounts.create_user("alex")[1]
                overhead = agent_overhead(services.chat, name, args.turns)
                with api_server("127.0.0.1", free_port(), settings, services) as api:
                    client = openai.OpenAI(base_url=api, api_key=key, timeout=120)
                    latencies = [timed(client) for _ in range(args.turns)]
                    load = load_test(api, key, args.concurrency, args.seconds)
            finally:
                services.close()
    print(f"model {name}, {args.turns} turns of {QUESTION!r}\n")
    print("| measure | p50 | p95 | aim |\n| --- | ---: | ---: | --- |")
    print(
        f"| agent overhead (turn minus model) | {percentile(overhead, 0.5) * 1000:.1f} ms "
        f"| {percentile(overhead, 0.95) * 1000:.1f} ms | p95 < 50 ms |"
    )
    print(
        f"| one-tool turn, HTTP + openai SDK | {percentile(latencies, 0.5):.3f} s "
        f"| {percentile(latencies, 0.95):.3f} s | p50 < 1.5 s |"
    )
    done, errors, seconds, rss = load
    print(
        f"\n{args.concurrency} concurrent chats for {args.seconds:.0f} s: {len(done)} turns, "
        f"{len(done) / seconds:.2f} turns/s, p50 {percentile(done, 0.5):.2f} s, "
        f"p95 {percentile(done, 0.95):.2f} s, errors {sum(errors.values())} {dict(errors)}"
    )
    per_minute = " -> ".join(f"{r / 2**20:.0f}" for r in rss[::12])
    print(f"resident memory every minute (MB): {per_minute} -> {rss[-1] / 2**20:.0f} at the end")


def agent_overhead(chat: ChatService, model: str, turns: int) -> list[float]:
    """Turn time minus model time, in-process, after one warm-up turn."""
    message = [ChatMessage(role="user", content=QUESTION)]
    chat.turn(Subject.self_("alex"), message, model=model)
    outcomes = [chat.turn(Subject.self_("alex"), message, model=model) for _ in range(turns)]
    return [o.seconds - o.model_seconds for o in outcomes]


def timed(client: openai.OpenAI) -> float:
    started = time.perf_counter()
    client.chat.completions.create(model="eqm", messages=[{"role": "user", "content": QUESTION}])
    return time.perf_counter() - started


def load_test(api: str, key: str, concurrency: int, seconds: float):
    """`concurrency` clients asking in a loop; returns the turns' latencies, the errors by
    kind (HTTP status or exception), the seconds it took and the RSS sampled every 5 s."""
    done: list[float] = []
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker() -> None:
        client = openai.OpenAI(base_url=api, api_key=key, timeout=120, max_retries=0)
        while time.monotonic() < stop:
            try:
                latency = timed(client)
                with lock:
                    done.append(latency)
            except openai.APIStatusError as e:
                with lock:
                    errors[f"HTTP {e.status_code}"] += 1
            except openai.OpenAIError as e:
                with lock:
                    errors[type(e).__name__] += 1

    process = psutil.Process()
    rss = [process.memory_info().rss]
    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        time.sleep(5)
        rss.append(process.memory_info().rss)
    for thread in threads:
        thread.join()
    return done, errors, time.perf_counter() - started, rss


if __name__ == "__main__":
    main()
