"""Feedback -> a candidate model: preference data from rated answers (each cleaning rule,
KTO weights, DPO pairs, the validation slice), clear errors with nothing registered, real
short KTO and DPO runs on the default model, Ctrl-C, `eqm worker` running a training job
and stopped by SIGTERM, stats and CLI.

Rated answers are teacher conversations recorded as the agent would have recorded them
(`training.preference.simulate`), rated in a CompletionLog on SQLite: an "up" answer is the
teacher's (it says how many days it rests on), a "down" one drops that part.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil
import pytest
from sqlalchemy import insert

from agent.cli import main
from agent.completions import CompletionLog, CompletionRecord
from agent.jobs import TrainingJobs
from agent.tables import feedback as feedback_table
from brain.config import Settings
from training.default_model import DefaultModelSpec, cached_corpus
from training.preference import (
    FeedbackError,
    FeedbackTrainingConfig,
    PreferenceOptions,
    build_preferences,
    feedback_stats,
    kto_weights,
    teacher_answer,
    train_feedback,
)
from training.preference.simulate import SimulatedTurn, corpus_metrics, teacher_turns
from training.registry import CARD, ModelRegistry
from training.student import turn_pairs
from training.tokenizer import load_tokenizer

CONVERSATIONS = 120


# fixtures and helpers ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    corpus, _ = cached_corpus(DefaultModelSpec(), Settings(), lambda _: None)
    return corpus.conversations[:CONVERSATIONS]


@pytest.fixture(scope="module")
def metrics(corpus) -> dict[str, list[str]]:
    """Each demo person's metrics, as the corpus's tools offered them."""
    return corpus_metrics(corpus)


@pytest.fixture(scope="module")
def tokenizer(default_model: Path):
    return load_tokenizer(default_model)


@pytest.fixture(scope="module")
def turns(corpus, metrics) -> list[SimulatedTurn]:
    """Answers after tool calls that state their days, and that the teacher reproduces from
    the recorded question and results (no typos that change the plan)."""
    chosen = []
    for conversation in corpus:
        for turn in teacher_turns(conversation):
            record = _record(turn, "m")
            if (
                turn.tool_trace
                and " (" in turn.answer
                and "days" in turn.answer
                and teacher_answer(record, metrics[turn.person]) == turn.answer
            ):
                chosen.append(turn)
    assert len(chosen) >= 40
    return chosen


@pytest.fixture
def log(tmp_path: Path):
    with CompletionLog.open(f"sqlite:///{tmp_path / 'eqm.sqlite3'}") as opened:
        yield opened


@pytest.fixture
def registry(tmp_path: Path, default_model: Path) -> ModelRegistry:
    """A scratch registry holding the default model as production."""
    registry = ModelRegistry(tmp_path / "models")
    shutil.copytree(default_model, registry.path(default_model.name))
    assert registry.install_first_production(default_model.name)
    return registry


def down_answer(turn: SimulatedTurn) -> str:
    """The answer's first statement without the days it rests on, still citing the call."""
    return turn.answer.split(" (")[0].rstrip(".") + ". [1]"


def _record(
    turn: SimulatedTurn, model: str, answer: str | None = None, **flags
) -> CompletionRecord:
    return CompletionRecord(
        asker=turn.person,
        person=turn.person,
        model=model,
        request=turn.request,
        tool_trace=turn.tool_trace,
        answer=turn.answer if answer is None else answer,
        grounded=True,
        latency_ms=1.0,
        **flags,
    )


def rate(
    log: CompletionLog,
    turn: SimulatedTurn,
    rating: str,
    *,
    model: str,
    answer: str | None = None,
    **flags,
) -> int:
    """Record the answer (default: the teacher's, or the "down" one for a thumbs-down) and
    rate it; returns the feedback id."""
    if answer is None:
        answer = turn.answer if rating == "up" else down_answer(turn)
    record = _record(turn, model, answer, **flags)
    log.record(record)
    return log.add_feedback(record.id, record.asker, rating).id


def contents(registry: ModelRegistry) -> set[str]:
    """Every entry in the registry folder, staged ones (dot-folders) included."""
    return {p.name for p in registry.root.iterdir() if p.name != ".feedback-training.lock"}


# data set ------------------------------------------------------------------------------------


def test_rows_are_the_prompts_the_model_was_trained_on(log, tokenizer, metrics, corpus):
    conversation = next(c for c in corpus if len(teacher_turns(c)) >= 2)
    recorded = teacher_turns(conversation)
    ids = [rate(log, t, "up", model="m", answer=t.answer) for t in recorded]
    data = build_preferences(log, tokenizer, metrics.__getitem__, model="m")

    expected = [
        p for p in turn_pairs(conversation, tokenizer) if "<tool_call>" not in p["completion"]
    ]
    rows = sorted(data.kto_train, key=lambda r: len(r["prompt"]))
    assert [(r["prompt"], r["completion"]) for r in rows] == [
        (p["prompt"], p["completion"]) for p in expected
    ]
    assert all(r["label"] is True for r in rows)
    assert rows[-1]["prompt"].endswith("<|im_start|>assistant\n")
    assert rows[-1]["completion"] == recorded[-1].answer + "<|im_end|>"
    assert "metrics: " + ", ".join(metrics[conversation["person"]]) in rows[0]["prompt"]
    assert data.kto_feedback_ids == ids and data.last_feedback_id == ids[-1]


def test_each_cleaning_rule_drops_with_its_reason(log, tokenizer, metrics, turns):
    base, other = "eqm-base", "eqm-older"
    for turn in turns[:6]:
        rate(log, turn, "up", model=base)
    rate(log, turns[6], "down", model=base)
    rate(log, turns[7], "up", model=other)  # another model version
    rate(log, turns[8], "up", model=base, safety=True)
    rate(log, turns[9], "down", model=base, fallback=True)
    rate(log, turns[0], "up", model=base)  # the same answer to the same prompt again
    rate(log, turns[10], "up", model=base)  # rated up here ...
    rate(log, turns[10], "down", model=base, answer=turns[10].answer)  # ... and down here
    broken = turns[11].model_copy(  # ends on the model's own turn: nothing to answer
        update={"request": [*turns[11].request, {"role": "assistant", "content": "Hi"}]}
    )
    rate(log, broken, "up", model=base)
    long = turns[12].model_copy(
        update={"request": [*turns[12].request[:1], {"role": "user", "content": "why " * 5000}]}
    )
    rate(log, long, "down", model=base)
    with log.engine.connect() as connection:  # a rating whose answer is gone
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
        connection.execute(
            insert(feedback_table).values(
                completion_id="chatcmpl-gone",
                asker="alex",
                rating="up",
                created_at=datetime.now(UTC),
            )
        )
        connection.commit()

    data = build_preferences(log, tokenizer, metrics.__getitem__, model=base)
    report = data.report
    assert report.rated == 16
    assert report.dropped_by_reason == {
        "unknown_completion": 1,
        "other_model": 1,
        "safety": 1,
        "fallback": 1,
        "unrenderable": 1,
        "too_long": 1,
        "conflicting": 2,
        "duplicate": 1,
    }
    assert report.kept == 7 == report.n_desirable + report.n_undesirable + report.validation_rows
    assert (report.n_desirable, report.n_undesirable) == (6, 1)

    everything = build_preferences(
        log, tokenizer, metrics.__getitem__, model=base, options=PreferenceOptions(any_version=True)
    )
    assert everything.report.dropped_by_reason["other_model"] == 0
    assert everything.report.kept == 8


def test_kto_weights_balance_up_and_down_as_the_paper_recommends():
    for n_up in range(1, 60, 7):
        for n_down in range(1, 60, 5):
            up, down = kto_weights(n_up, n_down)
            assert 1.0 <= (up * n_up) / (down * n_down) <= 4 / 3, (n_up, n_down)
            assert 1.0 in (up, down)  # the larger side keeps its weight
    assert kto_weights(5, 5) == (1.0, 1.0)


def test_the_report_carries_balanced_weights_and_a_seeded_validation_slice(
    log, tokenizer, metrics, turns
):
    for i, turn in enumerate(turns[:20]):
        rate(log, turn, "up" if i % 4 else "down", model="m")
    data = build_preferences(log, tokenizer, metrics.__getitem__, model="m")
    report = data.report
    assert (report.validation_rows, len(data.kto_validation), len(data.kto_train)) == (2, 2, 18)
    up, down = report.n_desirable, report.n_undesirable
    assert up + down == 18 and up > down > 0
    assert report.undesirable_weight == 1.0 or report.desirable_weight == 1.0
    ratio = report.desirable_weight * up / (report.undesirable_weight * down)
    assert 1.0 <= ratio <= 4 / 3

    again = build_preferences(log, tokenizer, metrics.__getitem__, model="m")
    reseeded = build_preferences(
        log, tokenizer, metrics.__getitem__, model="m", options=PreferenceOptions(seed=1)
    )
    assert again.report.data_hash == report.data_hash
    assert reseeded.report.data_hash != report.data_hash
    assert sorted(map(json.dumps, reseeded.kto_train + reseeded.kto_validation)) == sorted(
        map(json.dumps, data.kto_train + data.kto_validation)
    )


def test_fewer_than_ten_items_hold_nothing_out_and_training_keeps_both_labels(
    log, tokenizer, metrics, turns
):
    for i, turn in enumerate(turns[:9]):
        rate(log, turn, "down" if i == 0 else "up", model="m")
    data = build_preferences(log, tokenizer, metrics.__getitem__, model="m")
    assert data.report.validation_rows == 0 and len(data.kto_train) == 9
    rate(log, turns[9], "up", model="m")
    for seed in range(8):  # the one thumbs-down never leaves training
        data = build_preferences(
            log, tokenizer, metrics.__getitem__, model="m", options=PreferenceOptions(seed=seed)
        )
        assert data.report.validation_rows == 1 and data.report.n_undesirable == 1


def test_dpo_pairs_from_feedback_and_from_the_teacher(log, tokenizer, metrics, turns):
    paired, teacher_only, off_plan = turns[0], turns[1], turns[2]
    rate(log, paired, "up", model="m")
    rate(log, paired, "down", model="m")
    rate(log, teacher_only, "down", model="m")
    # the model called another tool than the teacher would: no teacher pair
    trace = [off_plan.tool_trace[0].model_copy(update={"arguments": {"metric": "nothing_like_it"}})]
    rate(log, off_plan.model_copy(update={"tool_trace": trace}), "down", model="m")

    data = build_preferences(log, tokenizer, metrics.__getitem__, model="m")
    report = data.report
    assert (report.pairs, report.pairs_from_feedback, report.pairs_from_teacher) == (2, 1, 1)
    assert report.downs_without_pair == 1
    pairs = {p["rejected"]: p for p in data.dpo_train}
    for turn in (paired, teacher_only):  # chosen: the answer with its days, rejected: without
        pair = pairs[down_answer(turn) + "<|im_end|>"]
        assert pair["chosen"] == turn.answer + "<|im_end|>"
        assert pair["prompt"].endswith("</tool_response><|im_end|>\n<|im_start|>assistant\n")
    assert len(data.dpo_feedback_ids) == 3  # the pair's up and down, the teacher pair's down

    no_teacher = build_preferences(
        log,
        tokenizer,
        metrics.__getitem__,
        model="m",
        options=PreferenceOptions(teacher_pairs=False),
    )
    assert no_teacher.report.pairs == 1 and no_teacher.report.downs_without_pair == 2


# errors: clear, and nothing registered ---------------------------------------------------------


def _train(log, registry, metrics, **config):
    return train_feedback(
        log,
        config=FeedbackTrainingConfig(**{"max_steps": 2, "batch_size": 2, **config}),
        metrics=metrics.__getitem__,
        registry=registry,
        progress=lambda _: None,
        progress_bars=False,
    )


def test_no_feedback_yet(log, registry, metrics):
    before = contents(registry)
    with pytest.raises(FeedbackError, match="no feedback yet"):
        _train(log, registry, metrics)
    assert contents(registry) == before


def test_only_thumbs_down_is_not_enough_for_kto(log, registry, metrics, turns):
    base = registry.pointer().production
    for turn in turns[:3]:
        rate(log, turn, "down", model=base)
    before = contents(registry)
    with pytest.raises(FeedbackError, match="at least one thumbs-up and one thumbs-down") as e:
        _train(log, registry, metrics, method="kto")
    assert "usable: 0 up, 3 down" in str(e.value)
    assert contents(registry) == before


def test_dpo_needs_a_pair(log, registry, metrics, turns):
    base = registry.pointer().production
    for turn in turns[:3]:
        rate(log, turn, "up", model=base)
    with pytest.raises(FeedbackError, match="DPO needs at least one preference pair"):
        _train(log, registry, metrics, method="dpo")
    assert registry.models() == [registry.production()]


def test_ratings_of_unknown_answers_are_ignored_and_counted(log, registry, metrics, turns):
    base = registry.pointer().production
    rate(log, turns[0], "up", model=base)
    with log.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
        connection.execute(
            insert(feedback_table).values(
                completion_id="chatcmpl-gone",
                asker="x",
                rating="down",
                created_at=datetime.now(UTC),
            )
        )
        connection.commit()
    with pytest.raises(FeedbackError, match="unknown_completion 1"):
        _train(log, registry, metrics, method="kto")
    assert registry.models() == [registry.production()]


def test_feedback_on_other_versions_is_not_used_unless_asked(log, registry, metrics, turns):
    rate(log, turns[0], "up", model="eqm-older")
    rate(log, turns[1], "down", model="eqm-older")
    with pytest.raises(FeedbackError, match="other_model 2"):
        _train(log, registry, metrics, method="kto")


def test_a_base_that_does_not_exist(log, registry, metrics, turns, tmp_path):
    rate(log, turns[0], "up", model="m")
    before = contents(registry)
    for missing in ("eqm-nothing", str(tmp_path / "no-such-folder")):
        with pytest.raises(FeedbackError, match="no base model"):
            train_feedback(log, base=missing, registry=registry, metrics=metrics.__getitem__)
    assert contents(registry) == before
    empty = ModelRegistry(tmp_path / "empty")
    with pytest.raises(FeedbackError, match="no production model"):
        train_feedback(log, registry=empty, metrics=metrics.__getitem__)


# real training runs ---------------------------------------------------------------------------


def _rate_mix(log, turns, base, n=10) -> list[int]:
    return [
        rate(log, t, "down" if i % 3 == 0 else "up", model=base) for i, t in enumerate(turns[:n])
    ]


def _weights_differ(a: Path, b: Path) -> bool:
    from safetensors.torch import load_file

    left, right = load_file(a / "model.safetensors"), load_file(b / "model.safetensors")
    return left.keys() == right.keys() and any(not left[k].equal(right[k]) for k in left)


@pytest.mark.slow
def test_kto_trains_and_registers_a_candidate(log, registry, metrics, turns):
    base = registry.pointer().production
    ids = _rate_mix(log, turns, base)
    card = _train(log, registry, metrics, method="kto")

    assert card.name.startswith(f"{base}-kto-") and card.kind == "full"
    assert registry.card(card.name) == card
    assert registry.pointer().production == base  # never moved
    lineage = card.lineage
    assert lineage["base"] == base and lineage["method"] == "kto"
    assert set(lineage["feedback_ids"]) == set(ids) and lineage["last_feedback_id"] == ids[-1]
    assert lineage["data_hash"] == card.data_hash == lineage["report"]["data_hash"]
    assert lineage["report"]["validation_rows"] == 1
    assert [c["step"] for c in lineage["curves"]] == [1, 2]
    assert all(c["loss"] > 0 for c in lineage["curves"])
    assert card.config["feedback_training"]["max_steps"] == 2
    assert {"eval_loss", "before_eval_loss", "train_loss"} <= set(card.metrics)
    folder = registry.path(card.name)
    assert (folder / "tokenizer.json").is_file()
    assert _weights_differ(registry.path(base), folder)


@pytest.mark.slow
def test_dpo_trains_on_pairs_and_registers_a_candidate(log, registry, metrics, turns):
    base = registry.pointer().production
    for turn in turns[:4]:
        rate(log, turn, "up", model=base)
        rate(log, turn, "down", model=base)
    for turn in turns[4:8]:
        rate(log, turn, "down", model=base)
    card = _train(log, registry, metrics, method="auto", min_dpo_pairs=8)

    assert card.name.startswith(f"{base}-dpo-")
    report = card.lineage["report"]
    assert (report["pairs_from_feedback"], report["pairs_from_teacher"]) == (4, 4)
    assert card.config["feedback_training"]["method"] == "auto"
    assert card.config["method"] == "dpo"
    assert len(card.lineage["feedback_ids"]) == 12
    assert registry.pointer().production == base
    assert [c["step"] for c in card.lineage["curves"]] == [1, 2]
    assert _weights_differ(registry.path(base), registry.path(card.name))


@pytest.mark.slow
def test_ctrl_c_after_the_first_step_leaves_nothing(log, registry, metrics, turns):
    from transformers import TrainerCallback

    steps = []

    class Interrupt(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            steps.append(state.global_step)
            raise KeyboardInterrupt

    base = registry.pointer().production
    _rate_mix(log, turns, base, n=6)
    before = contents(registry)
    with pytest.raises(KeyboardInterrupt):
        train_feedback(
            log,
            config=FeedbackTrainingConfig(method="kto", max_steps=3, batch_size=2),
            metrics=metrics.__getitem__,
            registry=registry,
            callbacks=[Interrupt()],
            progress=lambda _: None,
            progress_bars=False,
        )
    assert steps == [1]  # it trained a step, then stopped
    assert contents(registry) == before
    assert registry.models() == [registry.production()]


@pytest.mark.slow
def test_a_large_base_gets_a_lora_adapter(log, registry, metrics, turns, monkeypatch):
    monkeypatch.setattr("training.preference.train.LORA_ABOVE", 0)  # as if 0.8M were large
    base = registry.pointer().production
    for turn in turns[:3]:
        rate(log, turn, "up", model=base)
        rate(log, turn, "down", model=base)
    card = _train(log, registry, metrics, method="dpo", max_steps=1)
    assert card.kind == "lora" and card.name.startswith(f"{base}-dpo-")
    adapter = json.loads((registry.path(card.name) / "adapter_config.json").read_text())
    assert Path(adapter["base_model_name_or_path"]) == registry.path(base).resolve()
    assert not (registry.path(card.name) / "model.safetensors").exists()


# stats and the command line ------------------------------------------------------------------


def test_stats_per_model_tool_and_day(log, turns):
    stats_lookup = next(t for t in turns if [e.name for e in t.tool_trace] == ["stats_lookup"])
    rate(log, stats_lookup, "up", model="v1")
    rate(log, stats_lookup, "down", model="v2")
    rate(log, stats_lookup, "up", model="v2")
    no_tools = stats_lookup.model_copy(update={"tool_trace": []})
    rate(log, no_tools, "down", model="v2")
    counted = feedback_stats(log)
    assert (counted.total.up, counted.total.down, counted.total.up_rate) == (2, 2, 0.5)
    assert {k: (v.up, v.down) for k, v in counted.by_model.items()} == {
        "v1": (1, 0),
        "v2": (1, 2),
    }
    assert {k: (v.up, v.down) for k, v in counted.by_tool.items()} == {
        "(no tool)": (0, 1),
        "stats_lookup": (2, 1),
    }
    today = datetime.now(UTC).date().isoformat()
    assert list(counted.by_day) == [today] and counted.by_day[today].total == 4
    low, high = counted.by_model["v2"].up_rate_interval  # Wilson, 1 of 3
    assert (low, high) == (pytest.approx(0.0615, abs=1e-4), pytest.approx(0.7923, abs=1e-4))
    (comparison,) = counted.comparisons  # v2 has the most ratings: the baseline
    assert (comparison.model, comparison.baseline) == ("v1", "v2")
    assert comparison.difference == pytest.approx(2 / 3, abs=1e-4)
    assert comparison.interval[0] < comparison.difference < comparison.interval[1]
    assert 0 < comparison.p_value <= 1
    assert feedback_stats(log, baseline="v1").comparisons[0].model == "v2"


def test_an_ab_split_compares_up_rates_with_intervals(log, turns):
    """600 ratings, production up 50%, the candidate 65%: the difference is clear."""
    for i in range(600):
        model, share = ("prod", 0.50) if i % 2 else ("cand", 0.65)
        rating = "up" if (i // 2) % 100 < share * 100 else "down"
        rate(log, turns[i % len(turns)], rating, model=model)
    counted = feedback_stats(log, baseline="prod")
    assert counted.by_model["cand"].up_rate == 0.65 and counted.by_model["prod"].up_rate == 0.5
    (comparison,) = counted.comparisons
    assert comparison.difference == pytest.approx(0.15)
    assert 0.05 < comparison.interval[0] < 0.15 < comparison.interval[1] < 0.25
    assert comparison.p_value < 0.001


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out, err = capsys.readouterr()
    return exit_info.value.code or 0, out, err


def test_cli_stats_and_errors(capsys, tmp_path, monkeypatch, turns):
    monkeypatch.setenv("EQM_DATA_DIR", str(tmp_path / "eqm"))
    monkeypatch.delenv("EQM_DATABASE_URL", raising=False)
    with CompletionLog.open() as opened:
        rate(opened, turns[0], "up", model="v1")
        rate(opened, turns[1], "down", model="v1")
    code, out, _ = _cli(capsys, "feedback", "stats", "--json")
    assert code == 0 and json.loads(out)["by_model"]["v1"] == {
        "up": 1,
        "down": 1,
        "total": 2,
        "up_rate": 0.5,
        "up_rate_interval": [0.0945, 0.9055],
    }
    code, out, _ = _cli(capsys, "feedback", "stats")
    assert code == 0 and "feedback per model version" in out and "50%" in out
    assert "95% interval" in out
    with CompletionLog.open() as opened:
        rate(opened, turns[2], "up", model="v2")
    code, out, _ = _cli(capsys, "feedback", "stats", "--baseline", "v1")
    assert code == 0 and "v2 vs v1: up-rate +50.0% (95% interval" in out
    code, out, err = _cli(capsys, "train", "feedback")
    assert (code, out) == (1, "")
    assert err == "error: there is no production model to train from: pass a base\n"


@pytest.fixture
def worker_home(tmp_path, default_model, turns) -> tuple[dict[str, str], ModelRegistry]:
    """EQM's data folder with the default model as production and 4 ratings of its answers;
    the environment of an `eqm` process that uses it."""
    env = {**os.environ, "EQM_DATA_DIR": str(tmp_path / "eqm")}
    env.pop("EQM_DATABASE_URL", None)
    registry = ModelRegistry(tmp_path / "eqm" / "models")
    shutil.copytree(default_model, registry.path(default_model.name))
    registry.install_first_production(default_model.name)
    with CompletionLog.open(f"sqlite:///{tmp_path / 'eqm' / 'eqm.sqlite3'}") as opened:
        _rate_mix(opened, turns, default_model.name, n=4)
        assert TrainingJobs(opened.engine).request_if_due(4) is not None
    return env, registry


def _worker(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    eqm = Path(sys.executable).parent / "eqm"
    return subprocess.Popen(
        [str(eqm), "worker", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def _jobs(env: dict[str, str]) -> list:
    with CompletionLog.open(f"sqlite:///{env['EQM_DATA_DIR']}/eqm.sqlite3") as opened:
        return TrainingJobs(opened.engine).jobs()


@pytest.mark.slow
def test_eqm_worker_runs_the_due_job_and_registers_a_candidate(worker_home):
    env, registry = worker_home
    worker = _worker(env, "--once", "--max-steps", "1")
    out, err = worker.communicate(timeout=600)
    assert worker.returncode == 0, err
    (job,) = _jobs(env)
    assert job.status == "done" and f"job {job.id}: registered candidate {job.candidate}" in out
    assert registry.card(job.candidate).base == registry.pointer().production
    assert registry.pointer().production != job.candidate  # the eval gate promotes, not this


@pytest.mark.slow
def test_sigterm_stops_eqm_worker_mid_training_with_nothing_registered_and_the_job_kept(
    worker_home,
):
    """What systemd, Docker or `eqm demo` send to a worker: the job waits for the next."""
    env, registry = worker_home
    before = contents(registry)
    worker = _worker(env, "--max-steps", "500")
    assert worker.stdout is not None
    for line in worker.stdout:  # the KTO line comes just before the first step
        if line.startswith("KTO on"):
            break
    time.sleep(2)  # well into the training loop
    family = [worker.pid] + [c.pid for c in psutil.Process(worker.pid).children(True)]
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(60) == 130
    assert "worker stopped" in worker.stderr.read()
    assert contents(registry) == before
    assert registry.models() == [registry.production()]
    assert not any(psutil.pid_exists(pid) for pid in family)
    assert [job.status for job in _jobs(env)] == ["pending"]


@pytest.mark.slow
def test_cli_trains_on_feedback(capsys, tmp_path, monkeypatch, default_model, turns):
    monkeypatch.setenv("EQM_DATA_DIR", str(tmp_path / "eqm"))
    monkeypatch.delenv("EQM_DATABASE_URL", raising=False)
    registry = ModelRegistry(tmp_path / "eqm" / "models")
    shutil.copytree(default_model, registry.path(default_model.name))
    registry.install_first_production(default_model.name)
    with CompletionLog.open() as opened:
        _rate_mix(opened, turns, default_model.name, n=4)
    code, out, _ = _cli(capsys, "train", "feedback", "--method", "kto", "--max-steps", "1")
    assert code == 0, out
    name = next(line.split()[2] for line in out.splitlines() if line.startswith("registered"))
    assert (registry.path(name) / CARD).is_file()
    assert '"n_desirable": 2' in out and '"n_undesirable": 2' in out
    assert registry.pointer().production == default_model.name
