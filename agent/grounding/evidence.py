"""The evidence a draft is checked against: each tool call of the turn, and an index of every
number, clock time and date it holds."""

from __future__ import annotations

import bisect
import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from agent.grounding.numbers import DIGIT, UNIT_FACTORS, Token, read_tokens
from tools.calls import ToolCall
from tools.errors import ToolErrorResult
from tools.registry import ToolResult

__all__ = ["CallIndex", "Evidence", "evidence_of"]


class Evidence(BaseModel):
    """One tool call of this turn, as the guard checks against it.

    `output` is the call's full result dict (`ToolResult.result`, JSON-normalised) or, for a
    failed call, the `ToolErrorResult`'s dump; `summary` is the result's sentence, or
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
        outcome: ToolResult | ToolErrorResult,
        *,
        arguments: dict[str, Any] | None = None,
    ) -> Evidence:
        """The evidence of the `index`-th call (1-based). A `ToolErrorResult` carries no arguments:
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


@dataclass
class EvidenceIndex:
    """Every number (absolute, sorted), clock time (minutes, sorted) and date of a call."""

    numbers: list[float] = field(default_factory=list)
    clock: list[float] = field(default_factory=list)
    dates: set[tuple[int, int, int]] = field(default_factory=set)
    days: set[tuple[int, int]] = field(default_factory=set)  # (month, day) of any date
    months: set[tuple[int, int]] = field(default_factory=set)  # (year, month)

    @classmethod
    def build(cls, parts: Any) -> EvidenceIndex:
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
        if not DIGIT.search(text):
            return
        for token in read_tokens(text):
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

    def holds(self, token: Token) -> bool:
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
        if token.unit in UNIT_FACTORS:
            factor = UNIT_FACTORS[token.unit]
            if self.has_number(value * factor, tolerance * factor):
                return True
        return any(self.has_number(v, t) for v, t in token.also)


class CallIndex(dict[int, Evidence]):
    """This turn's calls by index; each call's numbers are collected once per `check`, on
    first use."""

    def __init__(self, calls: dict[int, Evidence]) -> None:
        super().__init__(calls)
        self._indexes: dict[int, EvidenceIndex] = {}

    def holds(self, call: Evidence, token: Token) -> bool:
        index = self._indexes.get(call.index)
        if index is None:
            index = EvidenceIndex.build((call.arguments, call.summary, call.output))
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
            strings.extend(k for k in item if isinstance(k, str) and DIGIT.search(k))
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
