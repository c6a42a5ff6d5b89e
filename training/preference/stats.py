"""How answers are rated: thumbs up and down per model version, per tool used, per day."""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel, Field, computed_field

from training.preference.source import FeedbackSource

NO_TOOL = "(no tool)"


class Tally(BaseModel):
    up: int = 0
    down: int = 0

    @computed_field
    @property
    def total(self) -> int:
        return self.up + self.down

    @computed_field
    @property
    def up_rate(self) -> float | None:
        """Share of thumbs-up, None without ratings."""
        return round(self.up / self.total, 4) if self.total else None

    def add(self, rating: str) -> None:
        if rating == "up":
            self.up += 1
        else:
            self.down += 1


class FeedbackStats(BaseModel):
    """Every rating counted once overall, per model and per day; per tool once for each
    distinct tool the rated answer called ("(no tool)" when it called none)."""

    total: Tally
    by_model: dict[str, Tally]
    by_tool: dict[str, Tally]
    by_day: dict[str, Tally] = Field(description="UTC day of the rating, oldest first.")
    orphaned: int = Field(description="Ratings whose answer is no longer kept.")


def feedback_stats(source: FeedbackSource) -> FeedbackStats:
    """Count the ratings in `source`."""
    total = Tally()
    by_model: dict[str, Tally] = defaultdict(Tally)
    by_tool: dict[str, Tally] = defaultdict(Tally)
    by_day: dict[str, Tally] = defaultdict(Tally)
    for record, rating in source.rated():
        total.add(rating.rating)
        by_model[record.model].add(rating.rating)
        by_day[rating.created_at.date().isoformat()].add(rating.rating)
        for tool in sorted({t.name for t in record.tool_trace}) or [NO_TOOL]:
            by_tool[tool].add(rating.rating)
    return FeedbackStats(
        total=total,
        by_model=dict(sorted(by_model.items())),
        by_tool=dict(sorted(by_tool.items())),
        by_day=dict(sorted(by_day.items())),
        orphaned=len(source.orphaned_feedback()),
    )


__all__ = ["NO_TOOL", "FeedbackStats", "Tally", "feedback_stats"]
