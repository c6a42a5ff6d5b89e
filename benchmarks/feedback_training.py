"""Feedback training on the default model: seconds per step and in total, KTO and DPO.

    .venv/bin/python benchmarks/feedback_training.py                      # 500 ratings, 1 epoch
    .venv/bin/python benchmarks/feedback_training.py --items 200 --max-steps 10

Simulates `--items` ratings in a scratch completion log, recorded as the agent would have
recorded teacher answers (`training.preference.simulate`): about 70% thumbs-up on the
teacher's answer, 30% thumbs-down on one that leaves out the days it rests on, and a fifth
of the thumbs-down on a prompt that also got a thumbs-up (feedback pairs; the rest pair with
the teacher). Then trains a KTO and a DPO candidate on the default model (built or reused
from the cache) in a scratch registry and prints, per method, the data, steps, seconds per
step (the training loop) and total seconds (loading, data, training, evaluation, saving).
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from pathlib import Path

from agent.completions import CompletionLog, CompletionRecord
from brain.config import Settings
from training.default_model import DefaultModelSpec, build_default, cached_corpus
from training.preference import FeedbackTrainingConfig, train_feedback
from training.preference.simulate import SimulatedTurn, corpus_metrics, teacher_turns
from training.registry import ModelRegistry


def simulated_turns(items: int) -> tuple[list[SimulatedTurn], dict[str, list[str]]]:
    """Answers after tool calls from the teacher corpus, and each person's metrics."""
    corpus, _ = cached_corpus(DefaultModelSpec(), Settings(), lambda _: None)
    conversations = corpus.conversations
    metrics = corpus_metrics(conversations)
    turns = [
        t
        for c in conversations
        for t in teacher_turns(c)
        if t.tool_trace and " (" in t.answer and "days" in t.answer
    ]
    return turns[:items], metrics


def rate_all(log: CompletionLog, turns: list[SimulatedTurn], model: str, seed: int) -> None:
    rng = random.Random(seed)
    for turn in turns:
        choice = rng.random()
        ratings = ["up"] if choice < 0.7 else ["down"] if choice < 0.94 else ["up", "down"]
        for rating in ratings:
            answer = turn.answer if rating == "up" else turn.answer.split(" (")[0] + ". [1]"
            record = CompletionRecord(
                asker=turn.person,
                person=turn.person,
                model=model,
                request=turn.request,
                tool_trace=turn.tool_trace,
                answer=answer,
                grounded=True,
                latency_ms=1.0,
            )
            log.record(record)
            log.add_feedback(record.id, record.asker, rating)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=500, help="Simulated ratings.")
    parser.add_argument("--methods", nargs="+", default=["kto", "dpo"], choices=["kto", "dpo"])
    parser.add_argument("--max-steps", type=int, default=-1, help="-1: one epoch.")
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="eqm-feedback-bench-") as scratch:
        folder = Path(scratch)
        settings = Settings(data_dir=folder / "data")
        report = build_default(settings=settings, progress=lambda _: None, progress_bars=False)
        registry = ModelRegistry(settings.data_dir / "models")
        turns, metrics = simulated_turns(args.items)
        # ratings beyond the corpus's distinct answers repeat prompts (duplicates get dropped)
        turns = (turns * (args.items // max(len(turns), 1) + 1))[: args.items]
        with CompletionLog.open(f"sqlite:///{folder / 'eqm.sqlite3'}") as log:
            rate_all(log, turns, report.name, seed=0)
            print(f"{log.feedback_count()} ratings of {report.name}")
            for method in args.methods:
                config = FeedbackTrainingConfig(
                    method=method, max_steps=args.max_steps, batch_size=args.batch_size
                )
                started = time.perf_counter()
                card = train_feedback(
                    log,
                    config=config,
                    metrics=metrics.__getitem__,
                    registry=registry,
                    progress=lambda _: None,
                    progress_bars=False,
                )
                total = time.perf_counter() - started
                steps = card.config["run"]["steps"]
                loop = card.config["run"]["train_seconds"]
                data = card.lineage["report"]
                size = (
                    f"{data['n_desirable']} up / {data['n_undesirable']} down rows"
                    if method == "kto"
                    else f"{data['pairs'] - data['validation_pairs']} pairs"
                )
                print(
                    f"{method}: {size}, {steps} steps, {loop / max(steps, 1):.2f} s/step, "
                    f"{total:.0f} s total; final loss {card.lineage['curves'][-1]['loss']:.3f}; "
                    f"{card.metrics}"
                )
                shutil.rmtree(registry.path(card.name))


if __name__ == "__main__":
    main()
