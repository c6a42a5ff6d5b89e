"""The grounding guard: every number in a drafted answer must come from a tool call it cites.

The agent calls `check` on every draft before anyone reads it. The draft is split into
paragraphs (blank lines); each paragraph cites the calls it rests on with markers `[1]`,
`[2]`, `[1, 2]` or `[1][2]` (1-based, in the order the calls were made this turn), and every
number it writes must be found in one of the calls it cites: in the call's arguments, its
summary or its full result (not only the short view the model read), walked recursively
through dicts and lists, numbers and strings alike.

What counts as a number in a draft:
- integers and decimals, with signs ("-0.3", "+12%"), thousands separators ("8,412"), a
  bare leading point (".80") and exponents ("1.1e-06");
- percents ("42%", "42 percent"), and numbers with a unit of time, distance or mass;
- ranges ("5.1 to 8.9", "7-8"): each end is a number of its own, the first taking the
  second's unit ("7-8 hours");
- durations ("7 h 32 min", "7 hours and 32 minutes"), as one number;
- times of day ("23:30", "11:30 pm", "11 pm");
- dates: ISO ("2026-05-03"), year and month ("2026-05"), and with a month name
  ("May 3", "May 3rd, 2026", "3 May 2026").

Not checked: numbers written in words ("seven hours"), the citation markers themselves,
list markers at the start of a line ("1. ", "2) "), digits glued to a word ("lag1") and the
fixed safety texts (`tools.safety.FIXED_TEXTS`), which carry
phone numbers of their own.

How a number matches a tool's value `v` (signs are ignored: "0.3 less" matches -0.3):
- rounding: a number written with d decimals matches when |v - x| <= 0.5 * 10^-d (+1e-9),
  so "7" matches 7.4 but not 7.6, and "7.2" matches 7.23 but "7.3" does not; the model's
  view of a result (floats to 4 significant digits) is accepted as well;
- percents: "42%" matches 42, 42.1, 0.42 or 0.4213 (a fraction);
- units: hours and minutes (x60), km and m (x1000), g and mg (x1000), by the unit the
  draft writes ("90 minutes" matches 1.5 hours);
- times of day match a time written in the evidence ("04:29") or a number of hours from
  midnight (23.5 or -0.5 for 23:30, as `sleep_start` holds it); without minutes ("11 pm")
  within half an hour;
- dates match a date written in any string of the evidence ("May 3" matches "2026-05-03";
  a year, when given, must agree); a year alone ("in 2026") matches any date's year.

Text a person wrote (journal quotes from `search_memories`) is a string of the result like
any other, so a quoted "ran 5 km" is grounded by the memory it quotes.

Without any tool call, a draft may only ask a clarifying question, decline or say what the
data cannot answer, or be the fixed safety text, and it may not state a number.
"""

from __future__ import annotations

import bisect
import contextlib
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict

from tools.calls import ToolCall
from tools.errors import ToolError
from tools.registry import ToolResult
from tools.safety import CRISIS_RESPONSES, FIXED_TEXTS

__all__ = [
    "FALLBACK_NOTE",
    "Evidence",
    "KindHint",
    "Verdict",
    "Violation",
    "ViolationKind",
    "check",
    "fallback_answer",
    "repair_prompt",
    "unfound_numbers",
]

ViolationKind = Literal[
    "ungrounded_number",  # a number no cited call holds
    "missing_citation",  # a paragraph with numbers and no marker
    "unknown_citation",  # a marker naming no call of this turn
    "no_tools",  # an answer that needed a tool and had none
    "wrong_kind",  # not the kind of answer `kind_hint` asked for
    "empty_answer",  # nothing to check
]
KindHint = Literal["tools", "clarify", "cannot_answer", "refuse", "safety"]
_KIND_HINTS = get_args(KindHint)

FALLBACK_NOTE = (
    "(Assembled directly from the tool results because the drafted answer could not be verified.)"
)
NO_EVIDENCE_ANSWER = (
    "I can only answer from your own data, through my tools, and I could not do that for "
    "this question. Could you ask it another way, for example about your sleep, steps or "
    "mood over a period?"
)
_MUST_SAY = ("caus", "not proof", "not a proven", "not an experiment", "Not enough data")
_MAX_REPAIR_ITEMS = 8


class Evidence(BaseModel):
    """One tool call of this turn, as the guard checks against it.

    `output` is the call's full result dict (`ToolResult.result`, JSON-normalised) or, for a
    failed call, the `ToolError`'s dump; `summary` is the result's sentence, or
    "error: message" for a failure."""

    model_config = ConfigDict(frozen=True)

    index: int
    name: str
    arguments: dict[str, Any]
    summary: str
    output: dict[str, Any] | str
    error: bool = False

    @classmethod
    def from_outcome(
        cls,
        index: int,
        outcome: ToolResult | ToolError,
        *,
        arguments: dict[str, Any] | None = None,
    ) -> Evidence:
        """The evidence of the `index`-th call (1-based). A `ToolError` carries no arguments:
        pass the model's own in `arguments` to let the draft repeat them."""
        if isinstance(outcome, ToolResult):
            return cls(
                index=index,
                name=outcome.tool,
                arguments=outcome.arguments,
                summary=outcome.summary,
                output=outcome.model_dump(mode="json")["result"],
                error=False,
            )
        return cls(
            index=index,
            name=outcome.tool,
            arguments=arguments or {},
            summary=f"{outcome.error}: {outcome.message}",
            output=outcome.model_dump(mode="json"),
            error=True,
        )

    @property
    def marker(self) -> str:
        return f"[{self.index}]"

    def label(self) -> str:
        return f"[{self.index}] ({self.name})"


def evidence_of(calls: Sequence[ToolCall]) -> list[Evidence]:
    """What the guard checks a draft against: each call of the turn, numbered [1], [2], ...
    as the model saw them. A failed call keeps the model's own arguments, so that a draft
    may repeat what it asked for. The live guard and the evals both use this."""
    return [
        Evidence.from_outcome(
            index,
            call.outcome,
            arguments=call.arguments if isinstance(call.arguments, dict) else None,
        )
        for index, call in enumerate(calls, start=1)
    ]


class Violation(BaseModel):
    """One reason a draft cannot be shown: `text` is the offending number or an excerpt of
    the paragraph, `message` a sentence the model can act on in a repair round."""

    model_config = ConfigDict(frozen=True)

    kind: ViolationKind
    text: str
    message: str


class Verdict(BaseModel):
    """The guard's answer: `cited` holds the (existing) calls the draft cites, sorted;
    `numbers_checked` counts the numbers, dates and times it looked up."""

    model_config = ConfigDict(frozen=True)

    grounded: bool
    violations: list[Violation]
    cited: list[int]
    numbers_checked: int


# --- reading numbers ----------------------------------------------------------------------

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
_CITATION = re.compile(r"\[\s*(\d+(?:\s*,\s*\d+)*)\s*\]")
_LIST_MARKER = re.compile(r"^[ \t]*(?:[-*][ \t]+)?\d{1,3}[.)](?=[ \t])", re.MULTILINE)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_DIGIT = re.compile(r"\d")
_REFUSAL = re.compile(
    r"\bI\s+(?:can['’]?t|cannot|can\s+only|could\s*n['’]?t|could\s+not|won['’]?t)\b"
    r"|\b(?:not\s+able|unable)\s+to\b"
    r"|\b(?:does\s*n['’]?t|does\s+not|do\s*n['’]?t|do\s+not)\s+(?:include|have|hold|track)\b"
    r"|\bno\s+(?:data|tool)\b",
    re.IGNORECASE,
)
# A unit the draft writes -> the factor that turns it into the other unit of its pair.
_UNIT_FACTORS = {"h": 60.0, "min": 1 / 60, "km": 1000.0, "m": 1 / 1000, "g": 1000.0, "mg": 1 / 1000}
_EPS = 1e-9


@dataclass(frozen=True)
class _Token:
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


def _tokens(text: str) -> Iterator[_Token]:
    """Every number, date and time in `text`, in order."""
    for match in _TOKEN.finditer(text):
        group, start, end = match.lastgroup, match.start(), match.end()
        raw = match.group()
        if group == "iso":
            year, month, day = (int(match.group(k)) for k in ("iso_y", "iso_m", "iso_d"))
            yield _Token("date", raw, start, end, date=(year, month, day))
        elif group == "ym":
            yield _Token("month", raw, start, end, date=(int(match["ym_y"]), int(match["ym_m"]), 0))
        elif group in ("mdy", "dmy"):
            year = match[f"{group}_y"]
            month, day = _month(match[f"{group}_m"]), int(match[f"{group}_d"])
            date = (int(year) if year else None, month, day)
            yield _Token("date", raw.rstrip(". "), start, end, date=date)
        elif group == "ampm":
            hour, minute = int(match["ap_h"]), int(match["ap_m"] or 0)
            if not 1 <= hour <= 12 or minute > 59:
                continue
            hour = hour % 12 + (12 if match["ap"].lower() == "p" else 0)
            tolerance = 0.5 if match["ap_m"] else 30.0
            yield _Token("time", raw, start, end, value=hour * 60 + minute, tolerance=tolerance)
        elif group == "hhmm":
            hour, minute = int(match["hm_h"]), int(match["hm_m"])
            if hour > 24 or minute > 59:
                continue
            yield _Token("time", raw, start, end, value=hour * 60 + minute, tolerance=0.5)
        elif group == "dur":
            hours, minutes = int(match["du_h"]), int(match["du_m"])
            yield _Token(
                "number",
                raw,
                start,
                end,
                value=hours + minutes / 60,
                tolerance=0.5 / 60 + _EPS,
                unit="h",
                also=((hours * 60.0 + minutes, 0.5 + _EPS),),
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
            tolerance = 0.5 * 10 ** -_decimals(body) + _EPS
            yield _Token("number", raw, start, end, value, tolerance, percent=percent, unit=unit)


def _with_ranges(tokens: list[_Token], text: str) -> list[_Token]:
    """A range's first number takes the second's unit or percent ("7-8 hours", "45 to 74%")."""
    out = list(tokens)
    for i in range(len(out) - 1):
        first, second = out[i], out[i + 1]
        if first.kind != "number" or second.kind != "number" or first.unit or first.percent:
            continue
        if (second.unit or second.percent) and _RANGE_GAP.match(text[first.end : second.start]):
            out[i] = replace(first, percent=second.percent, unit=second.unit)
    return out


# --- the evidence side --------------------------------------------------------------------


@dataclass
class _EvidenceIndex:
    """Every number (absolute, sorted), clock time (minutes, sorted) and date of a call."""

    numbers: list[float] = field(default_factory=list)
    clock: list[float] = field(default_factory=list)
    dates: set[tuple[int, int, int]] = field(default_factory=set)
    days: set[tuple[int, int]] = field(default_factory=set)  # (month, day) of any date
    months: set[tuple[int, int]] = field(default_factory=set)  # (year, month)

    @classmethod
    def build(cls, parts: Any) -> _EvidenceIndex:
        numbers: set[float] = set()
        clock: set[float] = set()
        index = cls()
        strings, values = _leaves(parts)
        for text in strings:
            index._read_string(text, numbers, clock)
        for value in values:
            numbers.add(abs(value))
            numbers.add(abs(float(f"{value:.4g}")))  # the model's view of it
            if -24 <= value <= 48:  # hours from midnight (sleep_start, mid-sleep)
                clock.add((value * 60) % 1440)
        index.numbers = sorted(numbers)
        index.clock = sorted(clock)
        return index

    def _read_string(self, text: str, numbers: set[float], clock: set[float]) -> None:
        if not _DIGIT.search(text):
            return
        for token in _tokens(text):
            if token.kind == "number":
                numbers.add(token.value)
                numbers.update(value for value, _ in token.also)
                if token.percent:  # "60%" in a tool's text is the fraction 0.6 as well
                    numbers.add(token.value / 100)
            elif token.kind == "time":
                clock.add(token.value % 1440)
            else:  # a date, or a year and month (day 0)
                year, month, day = token.date
                if day:
                    self.days.add((month, day))
                if year is not None:
                    if day:
                        self.dates.add((year, month, day))
                    self.months.add((year, month))
                    numbers.add(float(year))

    def has_number(self, value: float, tolerance: float) -> bool:
        i = bisect.bisect_left(self.numbers, value - tolerance)
        return i < len(self.numbers) and self.numbers[i] <= value + tolerance

    def has_time(self, minutes: float, tolerance: float) -> bool:
        for shift in (0.0, -1440.0, 1440.0):
            low = minutes + shift - tolerance
            i = bisect.bisect_left(self.clock, low)
            if i < len(self.clock) and self.clock[i] <= minutes + shift + tolerance:
                return True
        return False

    def holds(self, token: _Token) -> bool:
        if token.kind == "time":
            return self.has_time(token.value, token.tolerance)
        if token.kind == "date":
            year, month, day = token.date
            if year is None:
                return (month, day) in self.days
            return (year, month, day) in self.dates
        if token.kind == "month":
            return token.date[:2] in self.months
        value, tolerance = token.value, token.tolerance
        if self.has_number(value, tolerance):
            return True
        if token.percent and self.has_number(value / 100, tolerance / 100):
            return True
        if token.unit in _UNIT_FACTORS:
            factor = _UNIT_FACTORS[token.unit]
            if self.has_number(value * factor, tolerance * factor):
                return True
        return any(self.has_number(v, t) for v, t in token.also)


class _Calls(dict[int, Evidence]):
    """This turn's calls by index; each call's numbers are collected once per `check`, on
    first use."""

    def __init__(self, calls: dict[int, Evidence]) -> None:
        super().__init__(calls)
        self._indexes: dict[int, _EvidenceIndex] = {}

    def holds(self, call: Evidence, token: _Token) -> bool:
        index = self._indexes.get(call.index)
        if index is None:
            index = _EvidenceIndex.build((call.arguments, call.summary, call.output))
            self._indexes[call.index] = index
        return index.holds(token)


def _leaves(value: Any) -> tuple[list[str], list[float]]:
    """Every string (dict keys with a digit included) and every finite number in `value`."""
    strings: list[str] = []
    numbers: list[float] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            strings.append(item)
        elif isinstance(item, dict):
            strings.extend(k for k in item if isinstance(k, str) and _DIGIT.search(k))
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, (int, float)):
            with contextlib.suppress(OverflowError):  # an int too large for a float
                if math.isfinite(number := float(item)):
                    numbers.append(number)
        elif hasattr(item, "isoformat"):  # a date or time not yet normalised to JSON
            strings.append(item.isoformat())
    return strings, numbers


# --- the check ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Paragraph:
    text: str  # with the fixed texts, markers and list markers blanked out
    original: str
    markers: tuple[int, ...]


def _blank(match: re.Match[str]) -> str:
    return " " * (match.end() - match.start())


def _paragraphs(draft: str) -> list[_Paragraph]:
    """The draft's paragraphs, each with its markers, in text where the numbers that are not
    checked (fixed texts, markers, list markers) are blanked out (offsets kept)."""
    paragraphs = []
    for original in _PARAGRAPH_BREAK.split(draft.strip()):
        if not original.strip():
            continue
        text = original
        for fixed in FIXED_TEXTS:
            text = text.replace(fixed, " " * len(fixed))
        markers = [int(n) for match in _CITATION.finditer(text) for n in match.group(1).split(",")]
        text = _LIST_MARKER.sub(_blank, _CITATION.sub(_blank, text))
        paragraphs.append(_Paragraph(text, original, tuple(dict.fromkeys(markers))))
    return paragraphs


def _excerpt(text: str, limit: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _context(paragraph: _Paragraph, token: _Token, width: int = 30) -> str:
    start = max(0, token.start - width)
    end = min(len(paragraph.original), token.end + width)
    before = "…" if start > 0 else ""
    after = "…" if end < len(paragraph.original) else ""
    return before + " ".join(paragraph.original[start:end].split()) + after


def _labels(calls: Iterable[Evidence]) -> str:
    return ", ".join(call.label() for call in calls)


def _markers(indices: Iterable[int]) -> str:
    return "[" + ", ".join(str(i) for i in indices) + "]"


def check(draft: str, evidence: list[Evidence], *, kind_hint: KindHint | None = None) -> Verdict:
    """Check `draft` against this turn's calls; see the module docstring for the rules.

    `kind_hint`, when the caller knows what kind of answer is due, adds one check: "safety"
    needs `CRISIS_RESPONSE` word for word, "clarify" a question, "refuse" and
    "cannot_answer" a refusal, "tools" at least one tool call."""
    if kind_hint is not None and kind_hint not in _KIND_HINTS:
        raise ValueError(f"kind_hint must be one of {_KIND_HINTS}, not {kind_hint!r}")
    calls = _Calls({item.index: item for item in evidence})
    violations: list[Violation] = []
    if not draft.strip():
        violations.append(
            Violation(
                kind="empty_answer",
                text="",
                message="The answer is empty: write it from the tool results.",
            )
        )
        return Verdict(grounded=False, violations=violations, cited=[], numbers_checked=0)
    violations.extend(_kind_violations(draft, kind_hint, bool(calls)))
    cited: set[int] = set()
    checked = 0
    for paragraph in _paragraphs(draft):
        tokens = _with_ranges(list(_tokens(paragraph.text)), paragraph.text)
        checked += len(tokens)
        known = [i for i in paragraph.markers if i in calls]
        cited.update(known)
        for unknown in (i for i in paragraph.markers if i not in calls):
            violations.append(_unknown_citation(unknown, paragraph, calls))
        if not calls:
            violations.extend(
                Violation(
                    kind="ungrounded_number",
                    text=token.text,
                    message=(
                        f'"{token.text}" ({_context(paragraph, token)}) comes from no tool: '
                        "no tool was called this turn, so the answer may state no number."
                    ),
                )
                for token in tokens
            )
            continue
        if not tokens:
            continue
        if not paragraph.markers:
            violations.append(_missing_citation(paragraph, tokens, calls))
        # with only unknown markers (reported above), numbers are looked up in every call
        violations.extend(_ungrounded(paragraph, tokens, known, calls))
    if not calls and not any(v.kind in ("no_tools", "wrong_kind") for v in violations):
        violations.extend(_no_tool_violations(draft, has_numbers=checked > 0))
    if calls and not cited and not any("citation" in v.kind for v in violations):
        # tools were called, so the answer reports them: it must say which it rests on
        violations.append(
            Violation(
                kind="missing_citation",
                text=draft[:80],
                message="Tools were called but the answer cites none: end each paragraph "
                f"with the call it reports, e.g. [{min(calls)}].",
            )
        )
    return Verdict(
        grounded=not violations,
        violations=violations,
        cited=sorted(cited),
        numbers_checked=checked,
    )


def unfound_numbers(text: str, evidence: list[Evidence]) -> tuple[int, list[str]]:
    """How many numbers `text` states, and those found in no call of `evidence` (citations
    ignored: this asks whether a number is anywhere in the turn's tool outputs, not whether
    the right call is cited). The fixed safety texts state none."""
    verdict = check(_CITATION.sub(" ", text), evidence) if text.strip() else None
    if verdict is None:
        return 0, []
    unfound = [v.text for v in verdict.violations if v.kind == "ungrounded_number"]
    return verdict.numbers_checked, unfound


def _ungrounded(
    paragraph: _Paragraph, tokens: list[_Token], known: list[int], calls: _Calls
) -> Iterator[Violation]:
    """Numbers the paragraph's cited calls (or, with none cited, any call) do not hold."""
    scope = [calls[i] for i in known] or list(calls.values())
    for token in tokens:
        if any(calls.holds(call, token) for call in scope):
            continue
        if not known:
            where = "any tool result of this turn"
            hint = "use a number as a tool returned it, or leave it out."
            yield Violation(
                kind="ungrounded_number",
                text=token.text,
                message=f'"{token.text}" ({_context(paragraph, token)}) is not in {where}: {hint}',
            )
            continue
        elsewhere = [
            call for call in calls.values() if call.index not in known and calls.holds(call, token)
        ]
        if elsewhere:
            message = (
                f'"{token.text}" ({_context(paragraph, token)}) is not in {_labels(scope)} but '
                f"comes from {_labels(elsewhere)}: cite {_markers(c.index for c in elsewhere)} "
                "in that paragraph."
            )
        else:
            message = (
                f'"{token.text}" ({_context(paragraph, token)}) is not in {_labels(scope)} nor '
                "in any other tool result of this turn: use a number as a tool returned it, "
                "or leave it out."
            )
        yield Violation(kind="ungrounded_number", text=token.text, message=message)


def _missing_citation(paragraph: _Paragraph, tokens: list[_Token], calls: _Calls) -> Violation:
    excerpt = _excerpt(paragraph.original)
    if len(calls) == 1:
        only = next(iter(calls.values()))
        fix = f"add {only.marker} at its end."
    else:
        sources = [c for c in calls.values() if any(calls.holds(c, t) for t in tokens)]
        which = _markers(c.index for c in sources) if sources else _labels(calls.values())
        fix = f"end it with the marker of the call its numbers come from: {which}."
    return Violation(
        kind="missing_citation",
        text=excerpt,
        message=f'The paragraph "{excerpt}" states numbers but cites no tool call: {fix}',
    )


def _unknown_citation(index: int, paragraph: _Paragraph, calls: _Calls) -> Violation:
    if calls:
        have = f"this turn's calls are {_labels(sorted(calls.values(), key=lambda c: c.index))}"
    else:
        have = "no tool was called this turn"
    return Violation(
        kind="unknown_citation",
        text=f"[{index}]",
        message=(
            f'[{index}] in "{_excerpt(paragraph.original)}" names no tool call: {have}; '
            "cite only those."
        ),
    )


def _no_tool_violations(draft: str, *, has_numbers: bool) -> list[Violation]:
    """Without evidence: only the fixed texts, a question or a refusal, and no numbers."""
    text = draft.strip()
    if text in FIXED_TEXTS:
        return []
    if not has_numbers and ("?" in text or _REFUSAL.search(text)):
        return []
    return [
        Violation(
            kind="no_tools",
            text=_excerpt(text),
            message=(
                "Answer through a tool: call one, or ask a clarifying question (no tool was "
                "called, so this answer cannot be checked)."
            ),
        )
    ]


def _kind_violations(draft: str, kind_hint: KindHint | None, has_calls: bool) -> list[Violation]:
    text = draft.strip()
    excerpt = _excerpt(text)
    if kind_hint == "safety" and text not in CRISIS_RESPONSES:
        message = "This message needs the fixed safety response, word for word, and nothing else."
    elif kind_hint == "clarify" and "?" not in text:
        message = "Ask a clarifying question instead: say what you need to know to answer."
    elif kind_hint in ("refuse", "cannot_answer") and not (
        text in FIXED_TEXTS or _REFUSAL.search(text)
    ):
        message = "Say plainly that this cannot be answered from the data, and what can be."
    elif kind_hint == "tools" and not has_calls:
        return [
            Violation(
                kind="no_tools",
                text=excerpt,
                message="This question needs the data: call a tool and answer from its result.",
            )
        ]
    else:
        return []
    return [Violation(kind="wrong_kind", text=excerpt, message=message)]


# --- repair and fallback ------------------------------------------------------------------


def repair_prompt(verdict: Verdict) -> str:
    """The verdict's violations as one short instruction for a repair round ("" when the
    draft was grounded)."""
    if not verdict.violations:
        return ""
    lines = [
        "Your answer could not be verified against this turn's tool results. Write it again, "
        "using only numbers the tools returned, and end each paragraph that states a number "
        "with the marker of the call it comes from, like [1]. Fix:"
    ]
    seen: set[str] = set()
    for violation in verdict.violations:
        if violation.message not in seen:
            seen.add(violation.message)
            lines.append(f"- {violation.message}")
    if len(lines) > _MAX_REPAIR_ITEMS + 1:
        more = len(lines) - 1 - _MAX_REPAIR_ITEMS
        lines = [*lines[: _MAX_REPAIR_ITEMS + 1], f"- ... and {more} more like these."]
    return "\n".join(lines)


def fallback_answer(evidence: list[Evidence]) -> str:
    """An answer assembled from the tool summaries alone, one paragraph per call ending with
    its marker, and a last line saying so; it passes `check` by construction."""
    if not evidence:
        return NO_EVIDENCE_ANSWER
    parts = [f"{_fallback_part(item)} {item.marker}" for item in evidence]
    parts.append(FALLBACK_NOTE)
    return "\n\n".join(parts)


def _fallback_part(item: Evidence) -> str:
    if item.error:
        message = item.output.get("message") if isinstance(item.output, dict) else None
        reason = _flat(str(message or item.summary)).rstrip(".")
        return f"The {item.name} tool could not answer: {reason}."
    text = _flat(item.summary)
    output = item.output if isinstance(item.output, dict) else {}
    n = output.get("n")
    if (
        isinstance(n, int)
        and not isinstance(n, bool)
        and n > 0
        and str(n) not in text.replace(",", "")
    ):
        unit = "check-ins" if item.name == "weekday_profile" else "days"
        text += f" (based on {n} {unit})"
    caveats = output.get("caveats") or []
    must = [_flat(c) for c in caveats if isinstance(c, str) and any(k in c for k in _MUST_SAY)]
    if must:
        text += " " + " ".join(must)
    memories = output.get("memories") or []
    quotes = [
        f'On {m.get("day")} you wrote: "{_flat(str(m.get("text", "")))}"'
        for m in memories[:3]
        if isinstance(m, dict)
    ]
    if quotes:
        text += "\n" + "\n".join(quotes)
    return text


def _flat(text: str) -> str:
    """One line, and no bracket that could read as a citation marker."""
    return " ".join(text.split()).replace("[", "(").replace("]", ")")
