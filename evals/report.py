"""The eval report: which rates it holds, its model, how it aggregates and how it reads.

It exists so that the runner, `eqm eval run` and the release gate share one report:
`METRICS` (every rate, with its direction; the gate compares candidate and baseline on each),
`metric_flags`, `build_report` (per-scenario results into an `EvalReport`, every rate with
its bootstrap interval) and `EvalReport.to_markdown`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from pydantic import BaseModel, Field

from evals.bootstrap import Rate, rate
from evals.scoring import ScenarioResult
from evals.suite import CATEGORIES
from evals.tool_calls import Call

__all__ = [
    "METRICS",
    "CategoryRow",
    "EvalReport",
    "Metric",
    "build_report",
    "metric_flags",
]

TOOL_CATEGORIES = ("single_tool", "multi_tool", "follow_up")


@dataclass(frozen=True)
class Metric:
    """A rate over the scenarios `flag` scores (None: the scenario does not count)."""

    flag: Callable[[ScenarioResult], bool | None]
    higher_is_better: bool = True
    about: str = ""


def _in(categories: Sequence[str], pick: Callable[[ScenarioResult], bool]):
    return lambda r: pick(r) if r.category in categories else None


METRICS: dict[str, Metric] = {
    "tool_name_accuracy": Metric(
        _in(TOOL_CATEGORIES, lambda r: r.name_match), about="the expected tools, by name"
    ),
    "tool_exact_match": Metric(
        _in(TOOL_CATEGORIES, lambda r: r.exact_match), about="names and every argument"
    ),
    "irrelevance_accuracy": Metric(
        _in(("irrelevance",), lambda r: r.error is None and not r.predicted),
        about="no tool called when none is needed",
    ),
    "grounding_rate": Metric(
        lambda r: r.draft_numbers_grounded,
        about="the model's first draft states only numbers found in the turn's tool outputs",
    ),
    "first_draft_grounded": Metric(
        lambda r: r.first_draft_grounded, about="the first draft passed the guard as it was"
    ),
    "fallback": Metric(
        lambda r: r.fallback if r.error is None else None,
        higher_is_better=False,
        about="the deterministic answer replaced the model's",
    ),
    "hallucinated_number_turns": Metric(
        lambda r: bool(r.hallucinated_numbers),
        higher_is_better=False,
        about="a delivered answer states a number no tool output holds",
    ),
    "factual_accuracy": Metric(
        lambda r: r.factual,
        about="the answer's numbers are the expected calls' (ground truth from the data)",
    ),
    "must_state": Metric(lambda r: r.must_state, about="the facts the scenario asks for"),
    "safety_pass": Metric(lambda r: r.safety_pass, about="the fixed crisis/diagnosis texts"),
    "privacy_leak": Metric(
        lambda r: None if r.leaks is None else bool(r.leaks),
        higher_is_better=False,
        about="a private text or another person's data reached the asker",
    ),
    "injection_pass": Metric(lambda r: r.injection_pass, about="planted instructions ignored"),
    "passed": Metric(lambda r: r.passed, about="every check of the scenario"),
}
"""Every rate of a report; the gate compares candidate and baseline on each of them."""


def metric_flags(results: Sequence[ScenarioResult], name: str) -> dict[str, bool]:
    """The scenarios `name` scores, by id, with their pass/fail."""
    flag = METRICS[name].flag
    return {r.id: bool(v) for r in results if (v := flag(r)) is not None}


class CategoryRow(BaseModel):
    n: int
    tool_name_accuracy: Rate
    exact_match: Rate
    first_draft_grounded: Rate
    fallback: Rate
    passed: Rate


class EvalReport(BaseModel):
    """The suite's scores: overall rates (each with its bootstrap interval), one row per
    category, latency, and every failed scenario with its trace."""

    model: str
    suite: str
    suite_sha256: str = ""
    created: datetime = Field(default_factory=lambda: datetime.now(UTC))
    wall_seconds: float | None = None
    n: int
    errors: int = 0
    rates: dict[str, Rate]
    hallucinated_numbers: int
    per_category: dict[str, CategoryRow]
    latency_p50_s: float | None
    latency_p95_s: float | None
    failures: list[ScenarioResult]
    results: list[ScenarioResult]

    def to_markdown(self) -> str:
        wall = "" if self.wall_seconds is None else f", {self.wall_seconds:.0f} s"
        lines = [
            f"# EQM eval: {self.suite}, model {self.model}, {self.n} scenarios{wall}",
            "",
            f"Suite sha256 {self.suite_sha256[:12] or '-'}; run {self.created:%Y-%m-%d %H:%M} "
            f"UTC; turns that errored: {self.errors}.",
            "",
            "| rate | n | value [95% CI] | what it counts |",
            "| --- | ---: | ---: | --- |",
        ]
        lines += [
            f"| {name} | {r.n} | {r.text()} | {METRICS[name].about if name in METRICS else ''} |"
            for name, r in self.rates.items()
        ]
        latency = (
            "-"
            if self.latency_p50_s is None
            else f"p50 {self.latency_p50_s:.2f} s, p95 {self.latency_p95_s:.2f} s"
        )
        lines += [
            "",
            f"Hallucinated numbers delivered: {self.hallucinated_numbers}; latency: {latency}.",
            "",
            "| category | n | tool names | exact match | first draft grounded | fallback "
            "| passed |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for category, row in self.per_category.items():
            lines.append(
                f"| {category} | {row.n} | {row.tool_name_accuracy.text()} "
                f"| {row.exact_match.text()} | {row.first_draft_grounded.text()} "
                f"| {row.fallback.text()} | {row.passed.text()} |"
            )
        lines += ["", f"## Failures ({len(self.failures)})", ""]
        for failure in self.failures:
            lines += _failure_lines(failure)
        return "\n".join(lines)


def _failure_lines(failure: ScenarioResult) -> list[str]:
    def call_text(call: Call) -> str:
        return f"{call.name}({json.dumps(call.arguments, sort_keys=True)})"

    lines = [f"### {failure.id} ({failure.category}, {failure.asker} -> {failure.person})", ""]
    lines.append(f"- question: {failure.question}")
    lines += [f"- {reason}" for reason in failure.reasons]
    lines.append(f"- expected: {', '.join(map(call_text, failure.expected)) or 'no call'}")
    lines.append("- trace:" if failure.trace else "- trace: no call")
    for index, call in enumerate(failure.trace, start=1):
        status = "ok" if call.ok else "error"
        arguments = json.dumps(call.arguments, sort_keys=True)
        summary = " ".join(call.summary.split())[:200]
        lines.append(f"  {index}. {call.name}({arguments}) -> {status}: {summary}")
    lines.append(f"- answer: {' '.join(failure.answer.split())[:400]}")
    lines.append("")
    return lines


def build_report(
    results: Sequence[ScenarioResult],
    *,
    model: str,
    suite: str,
    suite_sha256: str = "",
    wall_seconds: float | None = None,
) -> EvalReport:
    """Aggregate per-scenario results into the report."""
    results = list(results)
    rates = {name: rate(list(metric_flags(results, name).values())) for name in METRICS}
    per_category = {}
    for category in CATEGORIES:
        chosen = [r for r in results if r.category == category]
        if chosen:
            per_category[category] = CategoryRow(
                n=len(chosen),
                tool_name_accuracy=rate([r.name_match for r in chosen]),
                exact_match=rate([r.exact_match for r in chosen]),
                first_draft_grounded=rate(
                    list(metric_flags(chosen, "first_draft_grounded").values())
                ),
                fallback=rate([r.fallback for r in chosen]),
                passed=rate([r.passed for r in chosen]),
            )
    seconds = [r.seconds for r in results if r.seconds is not None]
    p50, p95 = np.percentile(seconds, [50, 95]).tolist() if seconds else (None, None)
    return EvalReport(
        model=model,
        suite=suite,
        suite_sha256=suite_sha256,
        wall_seconds=wall_seconds,
        n=len(results),
        errors=sum(r.error is not None for r in results),
        rates=rates,
        hallucinated_numbers=sum(len(r.hallucinated_numbers) for r in results),
        per_category=per_category,
        latency_p50_s=p50,
        latency_p95_s=p95,
        failures=[r for r in results if not r.passed],
        results=results,
    )
