"""Seeded bootstrap intervals for the eval's rates.

It exists so that the report and the release gate compute every interval the same way, with
the same seed and number of resamples: `bootstrap_ci` (percentile interval of a mean) and
`rate` (a fraction of turns as a `Rate`, with its 95% interval).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

__all__ = ["RESAMPLES", "SEED", "Rate", "bootstrap_ci", "rate"]

RESAMPLES = 1_000
SEED = 20_261_121


def bootstrap_ci(
    values: Sequence[float] | Sequence[bool],
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = 0.95,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of the mean of `values` (seeded; None when empty)."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return None
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(resamples, data.size))].mean(axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


class Rate(BaseModel):
    """A fraction of `n` turns with its bootstrap interval (None when n is 0)."""

    model_config = ConfigDict(frozen=True)

    n: int
    value: float | None
    low: float | None
    high: float | None

    def text(self) -> str:
        if self.value is None:
            return "-"
        return f"{100 * self.value:.1f}% [{100 * self.low:.1f}, {100 * self.high:.1f}]"


def rate(flags: Sequence[bool]) -> Rate:
    interval = bootstrap_ci(flags)
    if interval is None:
        return Rate(n=0, value=None, low=None, high=None)
    return Rate(n=len(flags), value=sum(flags) / len(flags), low=interval[0], high=interval[1])
