"""Reading numbers, dates and times out of text, as the grounding guard compares them.

Both sides use it: the numbers a draft states and the numbers in a tool's strings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Literal

__all__ = ["DIGIT", "EPS", "UNIT_FACTORS", "Token", "read_tokens", "with_ranges"]

_MONTH_NAMES = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|Sept|October|November"
    r"|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
)
_ORD = r"(?:st|nd|rd|th)?"
_NUMBER_BODY = r"(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?"
_TOKEN = re.compile(
    rf"(?P<iso>(?<![\w.])(?P<iso_y>\d{{4}})-(?P<iso_m>\d{{1,2}})-(?P<iso_d>\d{{1,2}})(?!\d))"
    rf"|(?P<ym>(?<![\w.])(?P<ym_y>\d{{4}})-(?P<ym_m>\d{{2}})(?![\d-]))"
    rf"|(?P<mdy>(?<![\w])(?P<mdy_m>{_MONTH})\.?\s+(?P<mdy_d>\d{{1,2}}){_ORD}(?![\d:.,]\d)(?!\w)"
    rf"(?:,?\s+(?P<mdy_y>\d{{4}})(?!\d))?)"
    rf"|(?P<dmy>(?<![\w.])(?P<dmy_d>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<dmy_m>{_MONTH})(?!\w)\.?"
    rf"(?:,?\s+(?P<dmy_y>\d{{4}})(?!\d))?)"
    rf"|(?P<ampm>(?<![\w.:])(?P<ap_h>\d{{1,2}})(?::(?P<ap_m>\d{{2}}))?\s*(?P<ap>[apAP])\.?[mM]"
    rf"(?![a-zA-Z])\.?)"
    rf"|(?P<hhmm>(?<![\w.:])(?P<hm_h>\d{{1,2}}):(?P<hm_m>\d{{2}})(?![\d:]))"
    rf"|(?P<dur>(?<![\w.])(?P<du_h>\d+)\s*(?:hours?|hrs?|h)\s*(?:and\s+)?(?P<du_m>\d{{1,2}})\s*"
    rf"(?:minutes?|mins?|m)(?![a-zA-Z]))"
    rf"|(?P<num>(?<![\w.])(?P<sign>[-+−]?)(?P<body>{_NUMBER_BODY}))"
)
_UNIT = re.compile(
    r"\s*(?:(?P<pct>%|percent\b|per\s+cent\b)"
    r"|(?P<h>hours?|hrs?|h)\b|(?P<min>minutes?|mins?)\b"
    r"|(?P<km>km|kilomet(?:er|re)s?)\b|(?P<m>m|met(?:er|re)s?)\b"
    r"|(?P<mg>mg|milligrams?)\b|(?P<g>g|grams?)\b)"
)
_RANGE_GAP = re.compile(r"\s*(?:-|–|—|to)\s*\Z")
DIGIT = re.compile(r"\d")
# A unit the draft writes -> the factor that turns it into the other unit of its pair.
UNIT_FACTORS = {"h": 60.0, "min": 1 / 60, "km": 1000.0, "m": 1 / 1000, "g": 1000.0, "mg": 1 / 1000}
EPS = 1e-9


@dataclass(frozen=True)
class Token:
    """One number, date or time read from text; `start`/`end` index the text."""

    kind: Literal["number", "time", "date", "month"]
    text: str
    start: int
    end: int
    value: float = 0.0  # number: its absolute value; time: minutes after midnight
    tolerance: float = 0.0
    percent: bool = False
    unit: str | None = None
    date: tuple[int | None, int, int] = (None, 0, 0)  # (year, month, day); month: (y, m, 0)
    also: tuple[tuple[float, float], ...] = ()  # other (value, tolerance) readings


def _decimals(body: str) -> int:
    mantissa, _, exponent = body.lower().partition("e")
    decimals = len(mantissa.partition(".")[2]) - (int(exponent) if exponent else 0)
    return max(-300, min(300, decimals))  # "1e999" must not build a 999-digit tolerance


def _month(name: str) -> int:
    return _MONTH_NAMES[name[:3].lower()]


def read_tokens(text: str) -> Iterator[Token]:
    """Every number, date and time in `text`, in order."""
    for match in _TOKEN.finditer(text):
        group, start, end = match.lastgroup, match.start(), match.end()
        raw = match.group()
        if group == "iso":
            year, month, day = (int(match.group(k)) for k in ("iso_y", "iso_m", "iso_d"))
            yield Token("date", raw, start, end, date=(year, month, day))
        elif group == "ym":
            yield Token("month", raw, start, end, date=(int(match["ym_y"]), int(match["ym_m"]), 0))
        elif group in ("mdy", "dmy"):
            year = match[f"{group}_y"]
            month, day = _month(match[f"{group}_m"]), int(match[f"{group}_d"])
            date = (int(year) if year else None, month, day)
            yield Token("date", raw.rstrip(". "), start, end, date=date)
        elif group == "ampm":
            hour, minute = int(match["ap_h"]), int(match["ap_m"] or 0)
            if not 1 <= hour <= 12 or minute > 59:
                continue
            hour = hour % 12 + (12 if match["ap"].lower() == "p" else 0)
            tolerance = 0.5 if match["ap_m"] else 30.0
            yield Token("time", raw, start, end, value=hour * 60 + minute, tolerance=tolerance)
        elif group == "hhmm":
            hour, minute = int(match["hm_h"]), int(match["hm_m"])
            if hour > 24 or minute > 59:
                continue
            yield Token("time", raw, start, end, value=hour * 60 + minute, tolerance=0.5)
        elif group == "dur":
            hours, minutes = int(match["du_h"]), int(match["du_m"])
            yield Token(
                "number",
                raw,
                start,
                end,
                value=hours + minutes / 60,
                tolerance=0.5 / 60 + EPS,
                unit="h",
                also=((hours * 60.0 + minutes, 0.5 + EPS),),
            )
        else:
            body = match["body"]
            value = abs(float(body.replace(",", "")))  # inf for 400 digits: matches nothing
            unit_match = _UNIT.match(text, end)
            unit = None
            percent = False
            if unit_match:
                name = unit_match.lastgroup
                percent = name == "pct"
                unit = None if percent else name
            tolerance = 0.5 * 10 ** -_decimals(body) + EPS
            yield Token("number", raw, start, end, value, tolerance, percent=percent, unit=unit)


def with_ranges(tokens: list[Token], text: str) -> list[Token]:
    """A range's first number takes the second's unit or percent ("7-8 hours", "45 to 74%")."""
    out = list(tokens)
    for i in range(len(out) - 1):
        first, second = out[i], out[i + 1]
        if first.kind != "number" or second.kind != "number" or first.unit or first.percent:
            continue
        if (second.unit or second.percent) and _RANGE_GAP.match(text[first.end : second.start]):
            out[i] = replace(first, percent=second.percent, unit=second.unit)
    return out
