"""What the agent says when a draft cannot be shown: the instruction for a repair round, and
an answer assembled from the tool summaries alone that passes the guard by construction."""

from __future__ import annotations

from agent.grounding.evidence import Evidence
from agent.grounding.guard import Verdict

__all__ = ["FALLBACK_NOTE", "NO_EVIDENCE_ANSWER", "fallback_answer", "repair_prompt"]

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
