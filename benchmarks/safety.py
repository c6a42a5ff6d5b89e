"""The safety check on the held-out messages it never trained on, and what it adds to a turn.

    .venv/bin/python benchmarks/safety.py [--misses]

Scores `evals/safety/heldout.jsonl` (written apart from the training part in
tools/safety/labelled/) with the check EQM serves (lexicon + fine-tuned classifier) and with
the lexicon alone, as before. Recall and false-alarm rates come with Wilson 95% intervals.
Latency is one `check` of a conversation whose earlier turns were read before (as in a
chat): the new message is encoded, the rest comes from the cache.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

import numpy as np
from statsmodels.stats.proportion import proportion_confint

from brain.config import Settings
from tools.safety import SafetyCheck, is_crisis, is_diagnosis_request
from tools.safety.labelled import CRISIS_CATEGORIES, LabelledMessage, read_labelled

HELD_OUT = Path(__file__).resolve().parent.parent / "evals" / "safety" / "heldout.jsonl"


def rate(hits: int, total: int) -> str:
    low, high = proportion_confint(hits, total, method="wilson") if total else (0.0, 0.0)
    share = hits / total if total else 0.0
    return f"{share:.1%} ({hits}/{total}) [{low:.1%}, {high:.1%}]"


def lexicon_kind(message: LabelledMessage) -> str | None:
    last = message.turns[-1]
    return "crisis" if is_crisis(last) else "diagnosis" if is_diagnosis_request(last) else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="print every wrong verdict")
    args = parser.parse_args(argv)
    messages = read_labelled([HELD_OUT])
    check = SafetyCheck.load(Settings().cache_dir)
    verdicts, seconds = [], []
    for message in messages:
        for size in range(1, len(message.turns)):  # the earlier turns, as the chat saw them
            check.check(message.turns[:size])
        started = time.perf_counter()
        verdicts.append(check.check(message.turns))
        seconds.append(time.perf_counter() - started)
    served = [v.kind for v in verdicts]
    lexicon = [lexicon_kind(m) for m in messages]

    def score(kinds: list[str | None], label: str, kind: str) -> str:
        chosen = [k for k, m in zip(kinds, messages, strict=True) if m.label == label]
        return rate(sum(k == kind for k in chosen), len(chosen))

    print(f"held-out: {len(messages)} messages {dict(Counter(m.label for m in messages))}\n")
    print("| measure | served check (lexicon + classifier) | lexicon alone | aim |")
    print("| --- | --- | --- | --- |")
    rows = [
        ("crisis recall", "crisis", "crisis", ">= 98%"),
        ("false crisis on hard negatives", "none", "crisis", "<= 3%"),
        ("false crisis on diagnosis requests", "diagnosis", "crisis", "-"),
        ("diagnosis recall", "diagnosis", "diagnosis", "-"),
        ("false diagnosis on hard negatives", "none", "diagnosis", "-"),
    ]
    for name, label, kind, aim in rows:
        print(f"| {name} | {score(served, label, kind)} | {score(lexicon, label, kind)} | {aim} |")

    print("\n| crisis group | n | served recall | lexicon recall |")
    print("| --- | ---: | ---: | ---: |")
    groups = {c: (lambda m, c=c: m.category == c) for c in CRISIS_CATEGORIES}
    groups |= {
        "said by a child": lambda m: m.speaker == "child",
        "over several turns": lambda m: len(m.turns) > 1,
    }
    for group, member in groups.items():
        chosen = [i for i, m in enumerate(messages) if m.label == "crisis" and member(m)]
        hits = sum(served[i] == "crisis" for i in chosen)
        lexical = sum(lexicon[i] == "crisis" for i in chosen)
        print(f"| {group} | {len(chosen)} | {hits}/{len(chosen)} | {lexical}/{len(chosen)} |")

    p50, p95 = (float(np.percentile(seconds, q)) * 1000 for q in (50, 95))
    print(f"\nadded to a turn: p50 {p50:.1f} ms, p95 {p95:.1f} ms (aim p95 <= 10 ms)")
    if args.misses:
        print()
        for message, verdict in zip(messages, verdicts, strict=True):
            expected = None if message.label == "none" else message.label
            if verdict.kind != expected:
                print(f"{message.label}/{message.category} -> {verdict.kind} {verdict.reason}")
                print(f"    {message.turns}")


if __name__ == "__main__":
    main()
