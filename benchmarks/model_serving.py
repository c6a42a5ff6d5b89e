"""The served default model: vLLM start-up, memory, generation speed, tool-call latency, and
held-out tool-call accuracy through the OpenAI API.

    .venv/bin/python benchmarks/model_serving.py [--model NAME] [--concurrency 8] \
        [--report held-out.json] [--compiled]

Starts `eqm model serve`'s server on a registered model (default: production), then:
  - start-up seconds until GET /v1/models answers, and the server's resident memory;
  - tokens/s for one sequence and for N concurrent ones (256 tokens each, EOS ignored);
  - prefill and decode tokens/s of a first question with the person's tools (streamed: the
    prompt's tokens over the time to the first token, then the rest), cold and again warm,
    when vLLM's prefix cache holds the system prompt and tools block;
  - the held-out question set (evals/suites/tool-calls-heldout-v1.jsonl) with tool_choice
    "auto": tool-name accuracy, exact match, valid JSON, and question-in/tool-call-out
    latency p50/p95.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openai

from evals.tool_calls import HELDOUT_METRICS, format_table, load_heldout, run_endpoint
from tools import openai_tools
from training.registry import ModelRegistry
from training.serving import ModelServer, ServerConfig
from training.teacher import SYSTEM_PROMPT

PROMPT = [{"role": "user", "content": "Tell me about my week."}]


def tokens_per_second(client: openai.OpenAI, model: str, concurrency: int) -> float:
    def one(_: int) -> int:
        reply = client.chat.completions.create(
            model=model,
            messages=PROMPT,
            max_tokens=256,
            temperature=0.8,
            extra_body={"ignore_eos": True},
        )
        return reply.usage.completion_tokens

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        tokens = sum(pool.map(one, range(concurrency)))
    return tokens / (time.perf_counter() - started)


def prefill_decode(client: openai.OpenAI, model: str) -> tuple[int, float, float]:
    """(prompt tokens, prefill tokens/s, decode tokens/s) of one streamed first question."""
    messages = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "How did I sleep over the past 3 weeks?"},
    ]
    started = time.perf_counter()
    first = None
    usage = None
    stream = client.chat.completions.create(
        model=model,
        messages=messages,
        tools=openai_tools(HELDOUT_METRICS["alex"]),
        max_tokens=64,
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
        extra_body={"ignore_eos": True},
    )
    for chunk in stream:
        if first is None and chunk.choices:
            first = time.perf_counter()
        usage = chunk.usage or usage
    ended = time.perf_counter()
    assert first is not None and usage is not None
    prefill = usage.prompt_tokens / (first - started)
    decode = (usage.completion_tokens - 1) / max(ended - first, 1e-9)
    return usage.prompt_tokens, prefill, decode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="registered model (default: production)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--report", type=Path, help="write the held-out report (JSON) here")
    parser.add_argument(
        "--compiled", action="store_true", help="let vLLM compile the model (no --enforce-eager)"
    )
    args = parser.parse_args()

    registry = ModelRegistry()
    name = args.model or registry.pointer().production
    if name is None:
        raise SystemExit("no production model: run `eqm model build-default` first")
    started = time.perf_counter()
    config = ServerConfig(model=registry.path(name), name=name, enforce_eager=not args.compiled)
    with ModelServer(config) as server:
        startup = time.perf_counter() - started
        rss = server.resident_bytes() / 2**20
        client = openai.OpenAI(base_url=server.url, api_key="none")
        tokens_per_second(client, name, 1)  # warm-up
        single = tokens_per_second(client, name, 1)
        batch = tokens_per_second(client, name, args.concurrency)
        cold = prefill_decode(client, name)
        warm = prefill_decode(client, name)
        report = run_endpoint(
            client,
            name,
            load_heldout(),
            metrics_by_person=HELDOUT_METRICS,
            system_prompt=SYSTEM_PROMPT,
        )
    print(f"model {name}")
    print("| figure | value |\n| --- | ---: |")
    print(f"| vLLM start-up until /v1/models answers | {startup:.1f} s |")
    print(f"| resident memory (server process tree) | {rss:,.0f} MiB |")
    print(f"| tokens/s, one sequence | {single:,.0f} |")
    print(f"| tokens/s, {args.concurrency} concurrent | {batch:,.0f} |")
    for label, (prompt, prefill, decode) in (("first", cold), ("again", warm)):
        print(
            f"| a {prompt}-token first question ({label}): prefill / decode tokens/s | "
            f"{prefill:,.0f} / {decode:,.0f} |"
        )
    print(
        f"| tool-call latency p50 / p95 | {report.latency_p50_s:.3f} / "
        f"{report.latency_p95_s:.3f} s |"
    )
    print(f"| held-out tool-name accuracy | {report.tool_name_accuracy:.1%} |")
    print(f"| held-out exact match | {report.exact_match:.1%} |")
    print(f"| held-out valid JSON | {report.valid_json_rate:.1%} |")
    print()
    print(format_table(report))
    if args.report:
        args.report.write_text(report.model_dump_json(indent=1))


if __name__ == "__main__":
    main()
