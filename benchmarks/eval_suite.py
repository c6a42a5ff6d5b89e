"""A full eval-suite run on CPU: wall time from nothing (vLLM start-up included) to the report.

    .venv/bin/python benchmarks/eval_suite.py [--model NAME] [--suite eqm-v1]

Runs `evals.run.run_eval` exactly as `eqm eval run` does (default: the production model) and
prints a table of the run's times and headline rates; the full Markdown report goes to
stdout after it with --report.
"""

from __future__ import annotations

import argparse
import time

from evals.run import run_eval
from training.registry import ModelRegistry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a registered model (default: production)")
    parser.add_argument("--suite", default=None, help="a suite file or name (default eqm-v1)")
    parser.add_argument("--report", action="store_true", help="print the Markdown report")
    args = parser.parse_args()
    registry = ModelRegistry()
    name = args.model or registry.pointer().production
    if name is None:
        raise SystemExit("no production model: run `eqm model build-default`")
    marks: dict[str, float] = {}
    started = time.perf_counter()

    def log(message: str) -> None:
        marks[message.split(" ")[0]] = time.perf_counter() - started

    report = run_eval(
        name, suite=args.suite, model_folder=registry.path(registry.card(name).name), log=log
    )
    total = time.perf_counter() - started
    rows = [
        ("vLLM start-up", marks["importing"]),
        ("synthetic people imported, accounts, API up", marks["asking"] - marks["importing"]),
        ("scenarios asked and scored", report.wall_seconds or 0.0),
        ("**total** (aim < 600)", total),
    ]
    print(f"{report.n} scenarios of {report.suite}, model {name}\n")
    print("| step | seconds |\n| --- | ---: |")
    for step, seconds in rows:
        print(f"| {step} | {seconds:.0f} |")
    print(f"\nturn latency p50 {report.latency_p50_s:.2f} s, p95 {report.latency_p95_s:.2f} s")
    for rate in ("tool_exact_match", "grounding_rate", "safety_pass", "privacy_leak", "passed"):
        print(f"{rate}: {report.rates[rate].text()}")
    if args.report:
        print("\n" + report.to_markdown())


if __name__ == "__main__":
    main()
