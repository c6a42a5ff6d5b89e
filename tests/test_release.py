"""The release gate (floors, paired regressions, suites), eval reports and gate verdicts kept
in the registry, promotion (gated, refused, forced) and the CLI over them. Reports are built
from hand-made scenario results, so every verdict here is known in advance."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from agent.cli import main
from evals.gate import GateResult, gate, paired_difference
from evals.release import ReleaseError, load_report, promote, run_gate, save_report
from evals.report import EvalReport, build_report
from evals.scoring import ScenarioResult
from evals.tool_calls import Call
from training.registry import CARD, ModelCard, ModelRegistry

SUITE_SHA = "a" * 64


def result(id_: str, category: str = "single_tool", **fields: Any) -> ScenarioResult:
    """A scenario that passed everything; `fields` spoil it."""
    call = Call(name="stats_lookup", arguments={"metric": "steps"})
    base: dict[str, Any] = {
        "id": id_,
        "category": category,
        "person": "alex",
        "asker": "alex",
        "question": "steps?",
        "expected": [call],
        "predicted": [call],
        "name_match": True,
        "exact_match": True,
        "first_draft_grounded": True,
        "draft_numbers_grounded": True,
        "fallback": False,
        "hallucinated_numbers": [],
        "factual": True,
        "must_state": True,
        "safety_pass": None,
        "leaks": None,
        "injection_pass": None,
        "reasons": [],
        "answer": "8,000 steps a day [1].",
        "trace": [],
        "seconds": 1.0,
    }
    if category == "safety_crisis":
        base |= {"expected": [], "predicted": [], "safety_pass": True, "factual": None}
        base |= {"first_draft_grounded": None, "draft_numbers_grounded": None}
    if category == "privacy_other_person":
        base |= {"expected": [], "predicted": [], "leaks": [], "factual": None}
    return ScenarioResult.model_validate({**base, **fields})


def report(model: str, results: list[ScenarioResult], suite_sha: str = SUITE_SHA) -> EvalReport:
    return build_report(results, model=model, suite="eqm-v1", suite_sha256=suite_sha)


def good_results(n: int = 100) -> list[ScenarioResult]:
    tools = [result(f"s-{i}") for i in range(n - 20)]
    crisis = [result(f"c-{i}", "safety_crisis") for i in range(10)]
    privacy = [result(f"p-{i}", "privacy_other_person") for i in range(10)]
    return tools + crisis + privacy


def spoil(results: list[ScenarioResult], count: int, **fields: Any) -> list[ScenarioResult]:
    """The first `count` single-tool results changed by `fields` (marked failed)."""
    spoiled, left = [], count
    for r in results:
        if left and r.category == "single_tool":
            r = r.model_copy(update={**fields, "reasons": ["spoiled"]})
            left -= 1
        spoiled.append(r)
    return spoiled


# the gate -------------------------------------------------------------------------------------


def test_paired_difference_uses_the_shared_scenarios_only():
    diff, low, high = paired_difference(
        {"a": True, "b": True, "c": False}, {"a": True, "b": False, "c": False, "d": True}
    )
    assert diff == pytest.approx(1 / 3) and 0 <= low <= diff <= high <= 1
    assert paired_difference({"a": True}, {"b": True}) is None
    assert paired_difference({"a": True, "b": False}, {"a": True, "b": False}) == (0.0, 0.0, 0.0)


def test_a_model_that_meets_the_floors_passes_against_itself():
    good = report("m", good_results())
    verdict = gate(good, good)
    assert verdict.passed and verdict.failures() == []
    kinds = {c.kind for c in verdict.checks}
    assert kinds == {"suite", "floor", "regression"}
    assert {c.name for c in verdict.checks if c.kind == "floor"} == {
        "grounding_rate",
        "privacy_leaks",
        "safety_pass",
        "hallucinated_numbers",
        "errors",
    }
    assert "gate PASSED: m (candidate) vs m (baseline)" in verdict.to_text()


@pytest.mark.parametrize(
    ("change", "failed"),
    [
        (lambda rs: spoil(rs, 5, draft_numbers_grounded=False), "grounding_rate"),
        (lambda rs: spoil(rs, 1, hallucinated_numbers=["7.9"]), "hallucinated_numbers"),
        (lambda rs: spoil(rs, 1, error="APIConnectionError: down"), "errors"),
        (
            lambda rs: [
                r.model_copy(update={"safety_pass": False}) if r.id == "c-0" else r for r in rs
            ],
            "safety_pass",
        ),
        (
            lambda rs: [
                r.model_copy(update={"leaks": ["x" * 30]}) if r.id == "p-0" else r for r in rs
            ],
            "privacy_leaks",
        ),
    ],
)
def test_each_floor_fails_on_its_own(change, failed):
    baseline = report("base", good_results())
    candidate = report("cand", change(good_results()))
    verdict = gate(candidate, baseline)
    assert not verdict.passed
    assert failed in {c.name for c in verdict.failures() if c.kind == "floor"}
    assert f"FAIL floor      {failed}" in verdict.to_text()


def test_grounding_just_above_the_floor_passes_and_just_below_fails():
    above = spoil(good_results(), 4, draft_numbers_grounded=False)  # 86 of 90 drafts
    assert report("m", above).rates["grounding_rate"].value == pytest.approx(86 / 90)
    assert gate(report("m", above), report("m", above)).passed
    below = spoil(good_results(), 5, draft_numbers_grounded=False)  # 85 of 90 < 0.95
    assert not gate(report("m", below), report("m", below)).passed


def test_a_real_drop_beyond_the_tolerance_regresses_and_a_small_one_does_not():
    baseline = report("base", good_results())
    dropped = report("cand", spoil(good_results(), 16, exact_match=False))  # 80 -> 64 of 80
    verdict = gate(dropped, baseline)
    assert [c.name for c in verdict.failures()] == ["tool_exact_match", "passed"]
    detail = verdict.failures()[0].detail
    assert "change -0.200" in detail and "worse beyond the tolerance" in detail
    small = report("cand", spoil(good_results(), 1, exact_match=False))
    assert gate(small, baseline).passed  # -0.0125 is inside the 0.02 tolerance
    # with no tolerance at all, one lost scenario of 80 is still noise: its interval holds 0
    assert gate(small, baseline, tolerance=0.0).passed
    better = gate(baseline, dropped)  # improving is never a regression
    assert better.passed


def test_a_rate_where_lower_is_better_regresses_when_it_rises():
    baseline = report("base", good_results())
    candidate = report("cand", spoil(good_results(), 30, fallback=True))
    names = [c.name for c in gate(candidate, baseline).failures()]
    assert "fallback" in names and "passed" in names


def test_reports_on_different_suites_are_not_compared():
    verdict = gate(report("a", good_results()), report("b", good_results(), suite_sha="b" * 64))
    assert not verdict.passed
    assert [c.name for c in verdict.failures()] == ["same_suite"]
    assert not any(c.kind == "regression" for c in verdict.checks)


# reports, verdicts and promotion in the registry --------------------------------------------


@pytest.fixture
def registry(tmp_path) -> ModelRegistry:
    registry = ModelRegistry(tmp_path / "eqm" / "models")
    for name in ("base", "cand"):
        registry.path(name).mkdir()
        registry.register(
            ModelCard(
                name=name,
                base="scratch",
                kind="full",
                data_hash="0" * 64,
                created=datetime.now(UTC),
            )
        )
    registry.install_first_production("base")
    return registry


def test_reports_are_kept_per_model_and_suite(registry):
    kept = report("cand", good_results())
    path = save_report(registry, kept)
    assert path == registry.path("cand") / "evals" / "eqm-v1.json"
    assert load_report(registry, "cand", "eqm-v1") == kept
    with pytest.raises(ReleaseError, match="eqm eval run --model base"):
        load_report(registry, "base", "eqm-v1")
    assert (registry.path("cand") / CARD).exists()  # the card is untouched


def test_promotion_needs_a_passing_gate_against_production(registry):
    save_report(registry, report("base", good_results()))
    with pytest.raises(ReleaseError, match="eqm eval gate --candidate cand --baseline base"):
        promote(registry, "cand", suite="eqm-v1")
    save_report(registry, report("cand", spoil(good_results(), 16, exact_match=False)))
    failed = run_gate(registry, "cand", "base", suite="eqm-v1")
    assert not failed.passed
    assert (
        GateResult.model_validate_json((registry.path("cand") / "gates" / "base.json").read_text())
        == failed
    )
    with pytest.raises(ReleaseError, match="failed the gate against base: tool_exact_match"):
        promote(registry, "cand", suite="eqm-v1")
    assert registry.pointer().production == "base"

    save_report(registry, report("cand", good_results()))
    assert run_gate(registry, "cand", "base", suite="eqm-v1").passed
    save_report(registry, report("cand", spoil(good_results(), 1, exact_match=False)))
    with pytest.raises(ReleaseError, match="changed after the gate ran"):
        promote(registry, "cand", suite="eqm-v1")
    assert run_gate(registry, "cand", "base", suite="eqm-v1").passed
    promotion = promote(registry, "cand", suite="eqm-v1")
    pointer = registry.pointer()
    assert pointer.production == "cand" and pointer.history[-1] == promotion
    assert promotion.reason == "passed the gate against base" and not promotion.forced
    assert (
        promotion.gate["baseline"] == "base"
        and len(promotion.gate["candidate_report_sha256"]) == 64
    )
    with pytest.raises(ReleaseError, match="already production"):
        promote(registry, "cand", suite="eqm-v1")


def test_a_forced_promotion_keeps_and_logs_its_reason(registry, caplog):
    with pytest.raises(ReleaseError, match="needs a reason"):
        promote(registry, "cand", suite="eqm-v1", force_reason="  ")
    with caplog.at_level(logging.WARNING, logger="evals.release"):
        promotion = promote(registry, "cand", suite="eqm-v1", force_reason="hotfix for #12")
    assert promotion.forced and promotion.reason == "forced: hotfix for #12"
    assert "forced promotion of cand over base: hotfix for #12" in caplog.text
    assert registry.pointer().production == "cand"


# the CLI ----------------------------------------------------------------------------------------


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out, err = capsys.readouterr()
    return exit_info.value.code or 0, out, err


def test_cli_gate_and_promote(capsys, monkeypatch, registry):
    monkeypatch.setenv("EQM_DATA_DIR", str(registry.root.parent))
    code, out, err = _cli(capsys, "eval", "gate", "--candidate", "cand")
    assert code == 1 and "cand has no eval report on eqm-v1" in err
    save_report(registry, report("base", good_results()))
    save_report(registry, report("cand", spoil(good_results(), 5, draft_numbers_grounded=False)))
    code, out, _ = _cli(capsys, "eval", "gate", "--candidate", "cand")  # baseline: production
    assert code == 1 and out.startswith("gate FAILED: cand (candidate) vs base (baseline)")
    assert "FAIL floor      grounding_rate" in out
    code, _, err = _cli(capsys, "models", "promote", "cand")
    assert code == 1 and "failed the gate against base: grounding_rate" in err
    save_report(registry, report("cand", good_results()))
    code, out, _ = _cli(capsys, "eval", "gate", "--candidate", "cand", "--baseline", "base")
    assert code == 0 and out.startswith("gate PASSED")
    code, out, _ = _cli(capsys, "models", "promote", "cand")
    assert code == 0 and out == "cand is production (passed the gate against base)\n"


def test_cli_names_an_unknown_suite_and_model(capsys, monkeypatch, registry):
    monkeypatch.setenv("EQM_DATA_DIR", str(registry.root.parent))
    code, _, err = _cli(capsys, "eval", "gate", "--candidate", "cand", "--suite", "eqm-v9")
    assert code == 1 and err.startswith("error: no suite 'eqm-v9': give a file or one of")
    assert "eqm-v1" in err
    code, _, err = _cli(capsys, "eval", "run", "--model", "nope")
    assert code == 1 and err.startswith("error: no registered model 'nope'; registered: ")


def test_cli_forced_promotion_asks_for_a_reason(capsys, monkeypatch, registry):
    monkeypatch.setenv("EQM_DATA_DIR", str(registry.root.parent))
    code, _, err = _cli(capsys, "models", "promote", "cand", "--reason", "x")
    assert code == 2 and "--reason goes with --force" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("the gate's suite is broken\n"))
    code, out, _ = _cli(capsys, "models", "promote", "cand", "--force")
    assert code == 0 and "forced: the gate's suite is broken" in out
    assert registry.pointer().history[-1].forced
