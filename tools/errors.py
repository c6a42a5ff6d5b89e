"""Structured tool errors: what was wrong and what is valid, so a model can correct itself."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from brain.errors import EQMError

ErrorKind = Literal["unknown_tool", "invalid_arguments", "not_allowed", "no_data", "internal"]


class ToolErrorResult(BaseModel):
    """Returned (never raised) by `call_tool`; carries no stack trace."""

    tool: str
    error: ErrorKind
    message: str
    valid: list[str] | None = None  # the allowed values, where a closed set exists


class ToolsError(EQMError):
    """Base class for every error tools/ raises on purpose."""


class ToolCallError(ToolsError):
    """Raised inside a tool to end it with a structured error: `call_tool` catches it and
    returns it as a `ToolErrorResult` (the record, never raised) that the model can read."""

    def __init__(self, kind: ErrorKind, message: str, valid: list[str] | None = None):
        super().__init__(message)
        self.kind, self.message, self.valid = kind, message, valid
