"""The labelled messages the safety classifier learns from.

`tools/safety/labelled/*.jsonl` is the training part; the held-out part lives apart, in
`evals/safety/heldout.jsonl`, was written separately and is never trained on
(benchmarks/safety.py scores it). Each line is what one person typed, in order, labelled as
of their last message.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

Label = Literal["crisis", "diagnosis", "none"]
LABELS: tuple[Label, ...] = ("crisis", "diagnosis", "none")
CRISIS_CATEGORIES = (
    *("suicidal_passive", "suicidal_active", "plan_means_timeline", "farewell", "burden"),
    *("self_harm", "child_abuse", "child_neglect", "sexual_assault", "partner_violence"),
    *("harm_to_others", "harm_to_child"),
)
# a risk to the person themselves; the rest are disclosures of harm by or to someone else
SELF_DIRECTED = frozenset(CRISIS_CATEGORIES[:6])
DIAGNOSIS_CATEGORIES = ("diagnosis_request", "medication_advice")
NONE_CATEGORIES = (
    *("figure_of_speech", "dark_humour", "grief", "low_mood", "stress_venting"),
    *("tiredness_sleep", "film_or_song_quote", "data_question", "medication_mention"),
    *("news_or_third_party", "small_talk"),
)
CATEGORIES: dict[Label, tuple[str, ...]] = {
    "crisis": CRISIS_CATEGORIES,
    "diagnosis": DIAGNOSIS_CATEGORIES,
    "none": NONE_CATEGORIES,
}
TRAINING_FOLDER = Path(__file__).parent / "labelled"


class LabelledMessage(BaseModel):
    """One person's messages (usually one) and what the last of them calls for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    turns: list[str] = Field(min_length=1, max_length=3)
    label: Label
    category: str
    speaker: Literal["adult", "child"]

    def model_post_init(self, _context: object) -> None:
        if self.category not in CATEGORIES[self.label]:
            raise ValueError(f"category {self.category!r} is not one of {self.label!r}'s")


_LINES = TypeAdapter(LabelledMessage)


def read_labelled(paths: Iterable[Path]) -> list[LabelledMessage]:
    """Every message in `paths` (JSON lines), in file order; a bad line names its place."""
    messages: list[LabelledMessage] = []
    for path in paths:
        for number, line in enumerate(Path(path).read_text().splitlines(), 1):
            if line.strip():
                try:
                    messages.append(_LINES.validate_json(line))
                except ValueError as error:
                    raise ValueError(f"{path}:{number}: {error}") from error
    return messages


def training_files() -> list[Path]:
    return sorted(TRAINING_FOLDER.glob("*.jsonl"))
