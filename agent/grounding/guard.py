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

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

from agent.grounding.evidence import CallIndex, Evidence
from agent.grounding.numbers import Token, read_tokens, with_ranges
from tools.safety import CRISIS_RESPONSES, FIXED_TEXTS

__all__ = ["KindHint", "Verdict", "Violation", "ViolationKind", "check", "unfound_numbers"]

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


_CITATION = re.compile(r"\[\s*(\d+(?:\s*,\s*\d+)*)\s*\]")
_LIST_MARKER = re.compile(r"^[ \t]*(?:[-*][ \t]+)?\d{1,3}[.)](?=[ \t])", re.MULTILINE)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_REFUSAL = re.compile(
    r"\bI\s+(?:can['’]?t|cannot|can\s+only|could\s*n['’]?t|could\s+not|won['’]?t)\b"
    r"|\b(?:not\s+able|unable)\s+to\b"
    r"|\b(?:does\s*n['’]?t|does\s+not|do\s*n['’]?t|do\s+not)\s+(?:include|have|hold|track)\b"
    r"|\bno\s+(?:data|tool)\b",
    re.IGNORECASE,
)


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


def _context(paragraph: _Paragraph, token: Token, width: int = 30) -> str:
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
    calls = CallIndex({item.index: item for item in evidence})
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
        tokens = with_ranges(list(read_tokens(paragraph.text)), paragraph.text)
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
    paragraph: _Paragraph, tokens: list[Token], known: list[int], calls: CallIndex
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


def _missing_citation(paragraph: _Paragraph, tokens: list[Token], calls: CallIndex) -> Violation:
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


def _unknown_citation(index: int, paragraph: _Paragraph, calls: CallIndex) -> Violation:
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
