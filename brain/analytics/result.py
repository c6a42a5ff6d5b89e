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

import numpy as np
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
    """A number as summaries print it: rounded, no trailing zeros, no "-0", and whole
    thousands with separators ("10,214")."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    if abs(value) >= 1000:
        return f"{round(value):,}"
    rounded = round(float(value), digits)
    if rounded == 0:
        rounded = 0.0
    text = f"{rounded:.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


P_FLOOR = 0.001  # smaller p-values are printed as "< 0.001"


def metric_digits(values: np.ndarray) -> int:
    """Decimals worth printing for a metric: none for thousands of steps, two for valence."""
    finite = np.abs(values[np.isfinite(values)])
    scale = float(np.median(finite)) if finite.size else 0.0
    return 0 if scale >= 100 else 1 if scale >= 10 else 2


def p_text(p_value: float) -> str:
    """A p-value as summaries print it; tiny ones as "< 0.001" (methods name that floor)."""
    return f"p < {P_FLOOR}" if p_value < P_FLOOR else f"p = {fmt(p_value, 3)}"


# a minus sign right after a digit is a separator ("2026-10-25"), not a sign
_NUMBER = re.compile(r"(?:(?<!\d)-)?\d+(?:\.\d+)?")


def numbers_in(text: str) -> list[float]:
    """Every number written in `text`, thousands separators read as such ("10,214")."""
    return [float(m) for m in _NUMBER.findall(re.sub(r"(?<=\d),(?=\d{3}\b)", "", text))]


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


def ungrounded_numbers(result: AnalysisResult) -> list[float]:
    """Numbers in the summary that no field holds, allowing for rounding and percent forms.

    Empty for a well-formed result; tests call this for every analysis.
    """
    held = numbers_of(result.model_dump(mode="json", exclude={"summary"}))
    forms = [x for h in held for x in (h, h * 100, abs(h), abs(h) * 100)]

    def grounded(number: float) -> bool:
        # what the printed digits allow, or half a percent for numbers rounded to a few digits
        decimals = len(repr(number).split(".")[1]) if "." in repr(number) else 0
        tolerance = 0.5 * 10**-decimals + 1e-9
        return any(abs(number - form) <= max(tolerance, abs(form) * 0.005) for form in forms)

    return [number for number in numbers_in(result.summary) if not grounded(number)]
