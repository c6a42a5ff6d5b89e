"""Moments a data assistant must not improvise: a crisis, or a request for a diagnosis or
medication advice. `SafetyCheck` reads a person's latest messages before any model does;
the answers are fixed texts (tools/safety/responses.py)."""

from tools.safety.detector import SafetyCheck, SafetyVerdict
from tools.safety.lexicon import is_crisis, is_diagnosis_request
from tools.safety.responses import (
    CHILD_CRISIS_RESPONSE,
    CRISIS_RESPONSE,
    CRISIS_RESPONSES,
    DIAGNOSIS_REFUSAL,
    FIXED_TEXTS,
    crisis_response,
)

__all__ = [
    "CHILD_CRISIS_RESPONSE",
    "CRISIS_RESPONSE",
    "CRISIS_RESPONSES",
    "DIAGNOSIS_REFUSAL",
    "FIXED_TEXTS",
    "SafetyCheck",
    "SafetyVerdict",
    "crisis_response",
    "is_crisis",
    "is_diagnosis_request",
]
