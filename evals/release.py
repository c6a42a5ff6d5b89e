"""Eval reports and gate verdicts kept in the model registry, and promotion.

`eqm eval run` keeps a model's latest report per suite in its registry folder; `eqm eval
gate` keeps the verdict for (candidate, baseline); `promote` moves the production pointer
only when the candidate's verdict against the current production passed and both reports
are still the ones the gate read. `force` skips that, with a reason the history keeps.
"""

from __future__ import annotations

import logging
from pathlib import Path

from evals.errors import ReleaseError
from evals.gate import DEFAULT_TOLERANCE, GateResult, gate, report_sha256
from evals.report import EvalReport
from training.registry import ModelRegistry, Promotion

__all__ = ["ReleaseError", "load_report", "promote", "run_gate", "save_report"]

log = logging.getLogger(__name__)


def _report_path(suite: str) -> str:
    return f"evals/{Path(suite).stem}.json"


def _gate_path(baseline: str) -> str:
    return f"gates/{baseline}.json"


def save_report(registry: ModelRegistry, report: EvalReport) -> Path:
    """Keep `report` as its model's latest on its suite."""
    return registry.write_record(report.model, _report_path(report.suite), report.model_dump_json())


def load_report(registry: ModelRegistry, model: str, suite: str) -> EvalReport:
    registry.card(model)  # a clear error for an unknown model
    text = registry.read_record(model, _report_path(suite))
    if text is None:
        raise ReleaseError(
            f"{model} has no eval report on {Path(suite).stem}: run `eqm eval run --model {model}`"
        )
    return EvalReport.model_validate_json(text)


def run_gate(
    registry: ModelRegistry,
    candidate: str,
    baseline: str,
    *,
    suite: str,
    tolerance: float = DEFAULT_TOLERANCE,
) -> GateResult:
    """Judge the kept reports of `candidate` and `baseline` and keep the verdict."""
    result = gate(
        load_report(registry, candidate, suite),
        load_report(registry, baseline, suite),
        tolerance=tolerance,
    )
    registry.write_record(candidate, _gate_path(baseline), result.model_dump_json(indent=2))
    return result


def promote(
    registry: ModelRegistry, name: str, *, suite: str, force_reason: str | None = None
) -> Promotion:
    """Make `name` production: with a passing gate against the current production (whose
    reports are unchanged since), or, with `force_reason`, without one (logged)."""
    registry.card(name)
    production = registry.pointer().production
    if force_reason is not None:
        if not force_reason.strip():
            raise ReleaseError("a forced promotion needs a reason")
        log.warning("forced promotion of %s over %s: %s", name, production, force_reason)
        return registry.move_production(name, f"forced: {force_reason.strip()}", forced=True)
    if production is None:
        return registry.move_production(name, "first production model")
    if production == name:
        raise ReleaseError(f"{name} is already production")
    text = registry.read_record(name, _gate_path(production))
    command = f"eqm eval gate --candidate {name} --baseline {production}"
    if text is None:
        raise ReleaseError(f"no gate report for {name} against production {production}: {command}")
    verdict = GateResult.model_validate_json(text)
    if not verdict.passed:
        reasons = "; ".join(f"{c.name}: {c.detail}" for c in verdict.failures())
        raise ReleaseError(f"{name} failed the gate against {production}: {reasons}")
    current = (
        report_sha256(load_report(registry, name, verdict.suite)),
        report_sha256(load_report(registry, production, verdict.suite)),
    )
    if current != (verdict.candidate_report_sha256, verdict.baseline_report_sha256):
        raise ReleaseError(f"an eval report changed after the gate ran: run `{command}` again")
    summary = {
        "baseline": verdict.baseline,
        "suite": verdict.suite,
        "tolerance": verdict.tolerance,
        "at": verdict.at.isoformat(),
        "candidate_report_sha256": verdict.candidate_report_sha256,
        "baseline_report_sha256": verdict.baseline_report_sha256,
    }
    return registry.move_production(name, f"passed the gate against {production}", gate=summary)
