"""How answers are rated: thumbs up and down per model version, per tool used, per day.

Up-rates carry Wilson 95% intervals; with more than one model version rated (an A/B split),
each version is compared with a baseline (by default the most-rated one): the difference of
up-rates with Newcombe's 95% interval and a two-sided test of equal rates.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from pydantic import BaseModel, Field, computed_field
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    test_proportions_2indep,
)

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

    @computed_field
    @property
    def up_rate_interval(self) -> tuple[float, float] | None:
        """Wilson 95% interval of the up-rate."""
        if not self.total:
            return None
        low, high = proportion_confint(self.up, self.total, alpha=0.05, method="wilson")
        return round(float(low), 4), round(float(high), 4)

    def add(self, rating: str) -> None:
        if rating == "up":
            self.up += 1
        else:
            self.down += 1


class Comparison(BaseModel):
    """One model version's up-rate against the baseline's."""

    model: str
    baseline: str
    difference: float = Field(description="Up-rate of `model` minus the baseline's.")
    interval: tuple[float, float] = Field(description="Newcombe 95% interval.")
    p_value: float = Field(description="Two-sided test that both up-rates are equal.")


def compare(model: str, tally: Tally, baseline: str, reference: Tally) -> Comparison:
    low, high = confint_proportions_2indep(
        tally.up, tally.total, reference.up, reference.total, method="newcomb"
    )
    with np.errstate(divide="ignore", invalid="ignore"):  # an up-rate of 0 or 1 is fine
        test = test_proportions_2indep(tally.up, tally.total, reference.up, reference.total)
    return Comparison(
        model=model,
        baseline=baseline,
        difference=round(tally.up / tally.total - reference.up / reference.total, 4),
        interval=(round(float(low), 4), round(float(high), 4)),
        p_value=round(float(test.pvalue), 4),
    )


class FeedbackStats(BaseModel):
    """Every rating counted once overall, per model and per day; per tool once for each
    distinct tool the rated answer called ("(no tool)" when it called none)."""

    total: Tally
    by_model: dict[str, Tally]
    by_tool: dict[str, Tally]
    by_day: dict[str, Tally] = Field(description="UTC day of the rating, oldest first.")
    orphaned: int = Field(description="Ratings whose answer is no longer kept.")
    comparisons: list[Comparison] = Field(
        default_factory=list, description="Each other model version against the baseline."
    )


def feedback_stats(source: FeedbackSource, *, baseline: str | None = None) -> FeedbackStats:
    """Count the ratings in `source`; compare model versions with `baseline` (default: the
    most-rated version)."""
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
    comparisons = []
    if by_model:
        baseline = baseline or max(by_model, key=lambda m: (by_model[m].total, m))
        if baseline in by_model:
            comparisons = [
                compare(model, tally, baseline, by_model[baseline])
                for model, tally in sorted(by_model.items())
                if model != baseline
            ]
    return FeedbackStats(
        comparisons=comparisons,
        total=total,
        by_model=dict(sorted(by_model.items())),
        by_tool=dict(sorted(by_tool.items())),
        by_day=dict(sorted(by_day.items())),
        orphaned=len(source.orphaned_feedback()),
    )


__all__ = ["NO_TOOL", "Comparison", "FeedbackStats", "Tally", "compare", "feedback_stats"]
