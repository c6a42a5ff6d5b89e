"""Latency of every tool through `call_tool` on two years of demo data.

    .venv/bin/python benchmarks/tool_latency.py [--repeat 20]

"computed" is a call whose result is not cached yet (the person's data are loaded);
"cached" is the same call again. Prints p50/p95 per tool next to the issue's aim.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from brain.analytics.service import Analytics
from brain.demo.people import DemoPerson, import_demo_person
from brain.store import Store
from tools import Subject, ToolContext, ToolResult, call_tool

CALLS = {
    "list_metrics": {},
    "stats_lookup": {"metric": "steps", "last_weeks": 4},
    "correlate": {"x": "sleep_hours", "y": "valence", "max_lag": 2},
    "weekday_profile": {},
    "granger": {"cause": "alcohol_drinks", "effect": "valence"},
    "causal_effect": {"treatment": "steps", "outcome": "valence"},
    "simulate": {"changes": {"sleep_hours": 8, "steps": 10000}},
    "chronotype": {},
    "anomalies": {"metric": "valence"},
    "forecast": {"metric": "steps"},
}
SLOW = {"causal_effect"}


def percentiles(samples: list[float]) -> tuple[float, float]:
    return float(np.percentile(samples, 50)), float(np.percentile(samples, 95))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    subject = Subject.self_("alex")
    with tempfile.TemporaryDirectory() as work, Store.open(f"sqlite:///{work}/e.db") as store:
        import_demo_person(store, DemoPerson(name="alex", days=730), Path(work) / "demo")
        analytics = Analytics(store)
        context = ToolContext(analytics)
        analytics.data("alex")
        print("\n| tool | computed p50 ms | computed p95 ms | cached p95 ms | aim |")
        print("| --- | ---: | ---: | ---: | --- |")
        for name, arguments in CALLS.items():
            computed, cached = [], []
            for i in range(3 if name in SLOW else args.repeat):
                if name == "simulate":  # keep the fitted model, ask a new question each time
                    arguments = {"changes": {"sleep_hours": 7 + i / 100, "steps": 10000}}
                else:
                    analytics.clear_results()
                for samples in (computed, cached):
                    started = time.perf_counter()
                    outcome = call_tool(context, subject, name, arguments)
                    samples.append((time.perf_counter() - started) * 1000)
                    assert isinstance(outcome, ToolResult), outcome
            aim = "-" if name in SLOW else "p95 < 50 ms"
            if name == "simulate":
                name, aim = "simulate (model fitted)", "p95 < 50 ms"
            p50, p95 = percentiles(computed)
            print(f"| {name} | {p50:.1f} | {p95:.1f} | {percentiles(cached)[1]:.2f} | {aim} |")
        analytics.clear_results()
        started = time.perf_counter()
        call_tool(context, subject, "simulate", CALLS["simulate"])
        print(
            f"| simulate, cold (fits the model) | {(time.perf_counter() - started) * 1000:.1f}"
            " | | | - |"
        )


if __name__ == "__main__":
    main()
