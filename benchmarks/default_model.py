"""The default model: time to build it from scratch, and held-out tool-call accuracy as the
model and the corpus grow (where the knee is).

    .venv/bin/python benchmarks/default_model.py build          # from scratch, empty cache
    .venv/bin/python benchmarks/default_model.py grid --conversations 600 1200 2400 \\
        --sizes 128x2 256x4                                    # one training per cell

`build` runs `build_default` with a fresh cache and registry in a temporary folder and
prints each step's seconds. `grid` trains students on prefixes of one teacher corpus (the
corpus of n conversations is the first n of the largest) and scores each on the held-out
set (evals/suites/tool-calls-heldout-v1.jsonl) with greedy decoding through transformers.
Each cell is a full training run: on 2 cores, budget ~10 minutes per 1,000 conversations.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from brain.config import Settings
from evals.tool_calls import HELDOUT_METRICS, load_heldout, local_completer, run_with
from training.default_model import DefaultModelSpec, build_default, cached_corpus, train_default
from training.teacher import SYSTEM_PROMPT


def build() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(data_dir=Path(scratch) / "data", cache_dir=Path(scratch) / "cache")
        started = time.perf_counter()
        report = build_default(settings=settings, progress=print, progress_bars=False)
        total = time.perf_counter() - started
    print("| step | seconds |\n| --- | ---: |")
    for step, seconds in report.seconds.items():
        print(f"| {step} | {seconds:.0f} |")
    print(f"| **total** (aim <= 900) | **{total:.0f}** |")


def grid(conversations: list[int], sizes: list[str]) -> None:
    spec = DefaultModelSpec(conversations=max(conversations))
    corpus, _ = cached_corpus(spec, Settings(), print)
    items = load_heldout()
    rows = []
    for size in sizes:
        hidden, layers = (int(part) for part in size.split("x"))
        for n in sorted(conversations):
            student = spec.student.model_copy(
                update={"hidden_size": hidden, "layers": layers, "intermediate_size": 3 * hidden}
            )
            cell = spec.model_copy(update={"conversations": n, "student": student})
            with tempfile.TemporaryDirectory() as folder:
                started = time.perf_counter()
                train_default(corpus[:n], cell, Path(folder), print, progress_bars=False)
                seconds = time.perf_counter() - started
                report = run_with(
                    local_completer(folder),
                    items,
                    metrics_by_person=HELDOUT_METRICS,
                    system_prompt=SYSTEM_PROMPT,
                )
            rows.append((size, n, seconds, report))
            print(f"{size} x {n}: exact {report.exact_match:.1%} in {seconds:.0f} s")
    print("| model (hidden x layers) | conversations | train s | tool names | exact | JSON |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for size, n, seconds, r in rows:
        print(
            f"| {size} | {n} | {seconds:.0f} | {r.tool_name_accuracy:.1%} | "
            f"{r.exact_match:.1%} | {r.valid_json_rate:.1%} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="time a build from scratch")
    cells = commands.add_parser("grid", help="accuracy by model size and corpus size")
    cells.add_argument("--conversations", type=int, nargs="+", default=[600, 1200, 2400])
    cells.add_argument("--sizes", nargs="+", default=["128x2", "256x4"])
    args = parser.parse_args()
    if args.command == "build":
        build()
    else:
        grid(args.conversations, args.sizes)


if __name__ == "__main__":
    main()
