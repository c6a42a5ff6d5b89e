"""Latency of every analysis on two years of daily data with ~30 metrics.

    .venv/bin/python benchmarks/analytics.py [--repeat 20]

Imports the two-year demo person into a temporary SQLite store, adds eight more daily
metrics (a wide CSV) to reach ~30, then times each analysis on its own (no cache) and
through the cache (`Analytics.run`, warm), and prints p50/p95 next to the issue's aims.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from brain.analytics.chronotype import chronotype
from brain.analytics.correlation import correlate, correlation_scan
from brain.analytics.data import PersonData
from brain.analytics.periods import Period
from brain.analytics.service import Analytics
from brain.analytics.stats import stats_lookup
from brain.analytics.weekday import weekday_profile
from brain.demo.people import DemoPerson, import_demo_person
from brain.store import Store

Case = tuple[str, Callable[[PersonData], object], str]


def cases() -> list[Case]:
    """(name, call on the person's data, the aim) for each analysis."""
    from brain.analytics.anomalies import anomalies
    from brain.analytics.causal import causal_effect
    from brain.analytics.change_points import change_points
    from brain.analytics.forecast import forecast
    from brain.analytics.granger import granger
    from brain.analytics.simulator import fit_simulator
    from brain.analytics.trend import trend

    simulator: dict[str, object] = {}

    def simulate(data: PersonData) -> object:
        if "model" not in simulator:
            simulator["model"] = fit_simulator(data.daily)
        return simulator["model"].simulate({"sleep_hours": 8.0, "steps": 10_000.0})

    return [
        (
            "stats lookup (last 4 weeks)",
            lambda d: stats_lookup(d.daily, "steps", Period(last_weeks=4)),
            "p95 < 50 ms",
        ),
        (
            "correlate, lags 0..2",
            lambda d: correlate(d.daily, "sleep_hours", "valence", max_lag=2),
            "p95 < 50 ms",
        ),
        ("weekday profile", lambda d: weekday_profile(d.checkins), "p95 < 50 ms"),
        ("chronotype", lambda d: chronotype(d.sleep), "p95 < 50 ms"),
        ("correlation scan, lags 0..2", lambda d: correlation_scan(d.daily, max_lag=2), "< 1 s"),
        ("granger", lambda d: granger(d.daily, "alcohol_drinks", "valence"), "-"),
        ("anomalies", lambda d: anomalies(d.daily, "valence"), "-"),
        ("trend", lambda d: trend(d.daily, "steps"), "-"),
        ("change points", lambda d: change_points(d.daily, "steps"), "-"),
        ("forecast 7 days", lambda d: forecast(d.daily, "steps", horizon=7), "-"),
        (
            "causal effect + 2 refuters",
            lambda d: causal_effect(d.daily, "steps", "valence"),
            "< 3 s",
        ),
        ("simulator fit", lambda d: fit_simulator(d.daily), "< 2 s"),
        ("simulate (fitted)", simulate, "< 20 ms"),
    ]


def timings(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(samples, 50)), float(np.percentile(samples, 95))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        store = Store.open(f"sqlite:///{work}/eqm.sqlite3")
        import_demo_person(store, DemoPerson(name="alex", days=730), Path(work) / "demo")
        extra = Path(work) / "extra.csv"
        rng = np.random.default_rng(0)
        days = store.timeline("alex").index
        lines = ["date," + ",".join(f"extra_{i}" for i in range(8))]
        lines += [f"{day}," + ",".join(f"{v:.3f}" for v in rng.normal(size=8)) for day in days]
        extra.write_text("\n".join(lines) + "\n")
        store.import_file("alex", extra)
        analytics = Analytics(store)
        data = analytics.data("alex")
        print(
            f"\n{len(data.daily)} days x {len(data.daily.columns)} metrics, "
            f"{len(data.sleep)} nights, {len(data.checkins)} check-ins\n"
        )
        print("| analysis | p50 ms | p95 ms | warm cache p95 ms | aim |")
        print("| --- | ---: | ---: | ---: | --- |")
        for name, call, aim in cases():
            slow = name.startswith(("causal", "simulator fit", "correlation scan", "forecast"))
            p50, p95 = timings(lambda call=call: call(data), 3 if slow else args.repeat)
            analytics.cached("alex", name, call)
            _, warm = timings(
                lambda name=name, call=call: analytics.cached("alex", name, call), args.repeat
            )
            print(f"| {name} | {p50:.1f} | {p95:.1f} | {warm:.2f} | {aim} |")
        store.close()


if __name__ == "__main__":
    main()
