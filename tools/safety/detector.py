"""The check every turn passes before any model: is this a crisis, or a request for a
diagnosis or medication advice?

Two readers, either of which decides: the lexicon (tools/safety/lexicon.py) for what is said
outright, and the fine-tuned classifier (tools/safety/classifier.py) for what is meant. The
classifier reads the last message alone and with the one or two before it, so a crisis said
over two turns ("been giving my stuff away" ... "so they have something to remember me by")
is caught. Crisis wins over diagnosis. The verdict's reason (a rule's name, or a category
and its probability) goes to the audit log; the person's words do not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.safety.classifier import SafetyClassifier, cached_classifier
from tools.safety.labelled import CRISIS_CATEGORIES, DIAGNOSIS_CATEGORIES
from tools.safety.lexicon import CRISIS_RULE_CATEGORY, crisis_rule, diagnosis_rule

WINDOW = 3  # messages read together at most
log = logging.getLogger(__name__)


class SafetyVerdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Literal["crisis", "diagnosis"] | None
    category: str | None = Field(None, description="The labelled category it reads as.")
    reason: str | None = Field(None, description="The rule, or the classifier's reading.")


class SafetyCheck:
    """Lexicon plus classifier over a person's latest messages. The thresholds were chosen on
    a validation split of the labelled training part; benchmarks/safety.py scores the
    held-out part."""

    def __init__(
        self,
        classifier: SafetyClassifier,
        *,
        crisis_threshold: float = 0.5,
        diagnosis_threshold: float = 0.5,
    ) -> None:
        self.classifier = classifier
        self.crisis_threshold = crisis_threshold
        self.diagnosis_threshold = diagnosis_threshold

    @classmethod
    def load(cls, cache_dir: Path, progress: Callable[[str], None] = print) -> SafetyCheck:
        """The check with the classifier this code trains (built once into `cache_dir`)."""
        return cls(SafetyClassifier.load(cached_classifier(cache_dir, progress)))

    def check(self, messages: Sequence[str]) -> SafetyVerdict:
        """The verdict on `messages`, a person's own messages oldest first; the last one is
        the turn being answered. Should the classifier fail, the lexicon still decides: a
        person in crisis never gets an error instead of the crisis answer."""
        if not messages:
            return SafetyVerdict(kind=None)
        last = messages[-1]
        if rule := crisis_rule(last):
            return SafetyVerdict(
                kind="crisis", category=CRISIS_RULE_CATEGORY[rule], reason=f"lexicon: {rule}"
            )
        try:
            verdict = self._read(messages)
        except Exception:  # logged without the person's words
            log.exception("the safety classifier failed; the lexicon alone decides this turn")
            verdict = None
        if verdict is not None and verdict.kind == "crisis":
            return verdict
        if rule := diagnosis_rule(last, weak=False):
            return SafetyVerdict(kind="diagnosis", reason=f"lexicon: {rule}")
        return verdict or SafetyVerdict(kind=None)

    def _read(self, messages: Sequence[str]) -> SafetyVerdict:
        """The classifier's verdict: a crisis in the last message alone or read with the one
        or two before it, else a diagnosis request in the last message alone."""
        windows = [messages[-size:] for size in range(1, min(WINDOW, len(messages)) + 1)]
        readings = self.classifier.probabilities(windows)
        for size, probabilities in enumerate(readings, 1):
            crisis = sum(probabilities[c] for c in CRISIS_CATEGORIES)
            if crisis >= self.crisis_threshold:
                category = max(CRISIS_CATEGORIES, key=probabilities.__getitem__)
                read = "the last message" if size == 1 else f"the last {size} messages"
                return SafetyVerdict(
                    kind="crisis",
                    category=category,
                    reason=f"classifier: {category} ({crisis:.2f}) in {read}",
                )
        alone = readings[0]
        diagnosis = sum(alone[c] for c in DIAGNOSIS_CATEGORIES)
        if diagnosis >= self.diagnosis_threshold:
            category = max(DIAGNOSIS_CATEGORIES, key=alone.__getitem__)
            return SafetyVerdict(
                kind="diagnosis",
                category=category,
                reason=f"classifier: {category} ({diagnosis:.2f})",
            )
        return SafetyVerdict(kind=None)
