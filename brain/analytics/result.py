"""What every analysis returns: its numbers, how many days it used, the method, caveats,
and one plain-English sentence built only from those numbers.

The agent will only ever speak through these results, so the contract is strict:
- `n` is the number of days (or nights, or check-ins) the numbers rest on;
- `caveats` say, in words, why a number should be read carefully (too little data,
  non-stationary series, extrapolation, ...); too little data gives caveats, never an
  exception or a NaN;
- `summary` contains no number that is not also a field of the result (tests check this
  for every analysis with `numbers_in`).
"""

from __future__ import annotations

import math
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AnalysisResult(BaseModel):
    """Base of every analysis result (frozen, JSON-serialisable)."""

    model_config = ConfigDict(frozen=True)

    method: str = Field(description="How the numbers were computed, named for a reader.")
    n: int = Field(description="Days, nights or check-ins the result rests on.")
    caveats: list[str] = Field(default_factory=list)
    summary: str = Field(description="One plain-English sentence from the fields' numbers.")

    @property
    def sufficient(self) -> bool:
        """False when the analysis declined to give its main numbers (see caveats)."""
        return not any(c.startswith(INSUFFICIENT) for c in self.caveats)


INSUFFICIENT = "Not enough data"


def fmt(value: float | None, digits: int = 2) -> str:
    """A number as summaries print it: rounded, no trailing zeros, no "-0"."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    rounded = round(float(value), digits)
    if rounded == 0:
        rounded = 0.0
    text = f"{rounded:.{digits}f}".rstrip("0").rstrip(".")
    return text or "0"


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def numbers_in(text: str) -> list[float]:
    """Every number written in `text` (for checking summaries against their results)."""
    return [float(m) for m in _NUMBER.findall(text.replace(",", ""))]


def numbers_of(value: Any) -> list[float]:
    """Every number held anywhere in a result (nested models, lists, dicts, dates' parts)."""
    if isinstance(value, BaseModel):
        return numbers_of(value.model_dump(mode="json"))
    if isinstance(value, dict):
        return [x for v in value.values() for x in numbers_of(v)]
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in numbers_of(v)]
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [float(value)] if math.isfinite(value) else []
    if isinstance(value, str):
        return numbers_in(value)
    return []
