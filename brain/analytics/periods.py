"""Periods people ask about: the last N days or weeks, a date range, a named month, with
weekdays or weekends only. Relative periods end on the person's last day of data, so the
same question on the same data always means the same days."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field, model_validator

from brain.errors import InvalidQuery

DaySelection = Literal["all", "weekdays", "weekends"]
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}


class Period(BaseModel):
    """Which days: exactly one of last_days, last_weeks, start/end, month (default: 30 days)."""

    last_days: int | None = Field(default=None, ge=1, le=3660)
    last_weeks: int | None = Field(default=None, ge=1, le=520)
    start: date | None = None
    end: date | None = None
    month: str | None = Field(default=None, description='"2026-05", "May 2026" or "May"')
    days: DaySelection = "all"

    @model_validator(mode="after")
    def _one_kind(self) -> Period:
        kinds = [self.last_days, self.last_weeks, self.start or self.end, self.month]
        if sum(k is not None for k in kinds) > 1:
            raise ValueError("give only one of last_days, last_weeks, start/end, month")
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"start {self.start} is after end {self.end}")
        return self


class Span(BaseModel):
    """A resolved period: first and last calendar day, and which weekdays count."""

    first: date
    last: date
    days: DaySelection
    label: str

    @property
    def length(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Span:
        """The span of the same length just before this one."""
        last = self.first - timedelta(days=1)
        return Span(
            first=last - timedelta(days=self.length - 1),
            last=last,
            days=self.days,
            label=f"the {self.length} days before",
        )

    def select(self, series: pd.Series) -> pd.Series:
        """The values of `series` (daily DatetimeIndex) inside this span."""
        inside = series.loc[pd.Timestamp(self.first) : pd.Timestamp(self.last)]
        if self.days == "weekdays":
            return inside[inside.index.day_of_week < 5]
        if self.days == "weekends":
            return inside[inside.index.day_of_week >= 5]
        return inside


def resolve(period: Period, anchor: date) -> Span:
    """The calendar days of `period`, relative periods ending on `anchor`."""
    suffix = {"all": "", "weekdays": " (weekdays)", "weekends": " (weekends)"}[period.days]
    if period.month:
        year, month = _parse_month(period.month, anchor)
        last_day = calendar.monthrange(year, month)[1]
        return Span(
            first=date(year, month, 1),
            last=date(year, month, last_day),
            days=period.days,
            label=f"{calendar.month_name[month]} {year}{suffix}",
        )
    if period.start or period.end:
        first = period.start or date.min
        last = period.end or anchor
        return Span(
            first=first,
            last=last,
            days=period.days,
            label=f"{first.isoformat()} to {last.isoformat()}{suffix}",
        )
    days = period.last_days or (7 * period.last_weeks if period.last_weeks else 30)
    label = f"the last {period.last_weeks} weeks" if period.last_weeks else f"the last {days} days"
    return Span(
        first=anchor - timedelta(days=days - 1), last=anchor, days=period.days, label=label + suffix
    )


def _parse_month(text: str, anchor: date) -> tuple[int, int]:
    """(year, month) of "2026-05", "May 2026", "may" (the latest such month up to anchor)."""
    cleaned = text.strip().lower().replace(",", " ")
    try:
        if "-" in cleaned:
            year_text, month_text = cleaned.split("-", 1)
            return int(year_text), _checked_month(int(month_text))
        parts = cleaned.split()
        month = _MONTHS[parts[0]]
        if len(parts) == 2:
            return int(parts[1]), month
        if len(parts) == 1:
            return (anchor.year if month <= anchor.month else anchor.year - 1), month
    except (KeyError, ValueError):
        pass
    raise InvalidQuery(f'cannot read the month {text!r}: write "2026-05", "May 2026" or "May"')


def _checked_month(month: int) -> int:
    if not 1 <= month <= 12:
        raise ValueError(month)
    return month
