"""Write tools/safety/labelled/teacher-questions.jsonl: ordinary questions, labelled "none".

People mostly ask about their data, often in a few words ("and for my sleep?", "now do
September"); the hand-written hard negatives are mostly about feelings. Without these the
classifier read short follow-ups as crises. They are sampled from the default model's
teacher corpus (training/teacher, built by `eqm model build-default`): single questions,
and windows of up to three turns of a conversation, leaving out whatever the teacher
answers as a crisis or a diagnosis request. Deterministic; rerun after the teacher changes:

    .venv/bin/python scripts/safety_negatives.py
"""

from __future__ import annotations

import random
from pathlib import Path

from brain.config import Settings
from tools.safety.labelled import TRAINING_FOLDER, LabelledMessage, read_labelled, training_files
from tools.safety.lexicon import is_crisis, is_diagnosis_request
from training.default_model import DefaultModelSpec, cached_corpus

TARGET = TRAINING_FOLDER / "teacher-questions.jsonl"
SINGLE, WINDOWS = 1000, 300


def user_turns(example: dict) -> list[str]:
    return [
        m["content"]
        for m in example["messages"]
        if m["role"] == "user" and isinstance(m.get("content"), str)
    ]


def main() -> None:
    corpus, _ = cached_corpus(DefaultModelSpec(), Settings())
    taken = {t for m in read_labelled(p for p in training_files() if p != TARGET) for t in m.turns}

    def ordinary(turns: list[str]) -> bool:
        return all(not (is_crisis(t) or is_diagnosis_request(t)) and t not in taken for t in turns)

    singles = sorted({turns[-1] for e in corpus.decisions if (turns := user_turns(e))})
    windows = sorted(
        {
            tuple(turns[max(0, i - 2) : i + 1])
            for e in corpus.conversations
            for turns in [user_turns(e)]
            for i in range(1, len(turns))
        }
    )
    rng = random.Random(0)
    chosen = rng.sample([[t] for t in singles if ordinary([t])], SINGLE)
    ordinary_windows = [list(w) for w in windows if ordinary(list(w))]
    chosen += rng.sample(ordinary_windows, min(WINDOWS, len(ordinary_windows)))
    lines = [
        LabelledMessage(
            turns=turns, label="none", category="data_question", speaker="adult"
        ).model_dump_json()
        for turns in chosen
    ]
    Path(TARGET).write_text("\n".join(lines) + "\n")
    several = sum(len(t) > 1 for t in chosen)
    print(f"{TARGET}: {len(lines)} ordinary questions ({several} over several turns)")


if __name__ == "__main__":
    main()
