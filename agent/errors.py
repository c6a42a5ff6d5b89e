"""One exception family for agent/, mapped to HTTP statuses and CLI exits in one place each.

Every error carries the HTTP status the server answers with and a short machine code for
clients. Messages say precisely what is wrong and never contain a key or other secret.
"""

from __future__ import annotations

from typing import ClassVar

from brain.errors import EQMError
from tools.errors import ToolErrorResult


class AgentError(EQMError):
    """Base class for every error agent/ raises on purpose."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "agent_error"

    retry_after: int | None = None
    """Seconds after which the same request may succeed (HTTP `Retry-After`), if it may."""

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if retry_after is not None:
            self.retry_after = retry_after


class Unauthorized(AgentError):
    """No API key, or one that is unknown or revoked."""

    status = 401
    code = "unauthorized"


class Forbidden(AgentError):
    """Signed in, but not allowed: a parent not linked to that child, a person acting as parent."""

    status = 403
    code = "forbidden"


class NotFound(AgentError):
    """The thing named does not exist (or is not the asker's to see)."""

    status = 404
    code = "not_found"


class Conflict(AgentError):
    """The change clashes with what exists, e.g. a name already taken."""

    status = 409
    code = "conflict"


class InvalidRequest(AgentError):
    """The request itself is malformed: a bad name, rating, or a missing choice of child."""

    status = 400
    code = "invalid_request"


class UploadTooLarge(AgentError):
    """An upload over the size limit; nothing of it was imported."""

    status = 413
    code = "upload_too_large"


class RateLimited(AgentError):
    """A key sent more requests than its budget allows; `retry_after` says when to retry."""

    status = 429
    code = "rate_limit_exceeded"


class ModelUnavailable(AgentError):
    """The model server did not answer, or does not serve the production model."""

    status = 503
    code = "model_unavailable"
    retry_after = 10


class ToolFailed(AgentError):
    """A tool called through `POST /v1/tools/{name}` answered with a `ToolErrorResult`: its
    kind picks the status (an unknown tool 404, bad arguments 422, a child's private journal
    403, no data yet 404, a tool that failed unexpectedly 503: logged with its trace, and
    the data it read untouched) and is the body's code; the valid values, where the tool
    names them, end the message."""

    STATUS: ClassVar[dict[str, int]] = {
        "unknown_tool": 404,
        "invalid_arguments": 422,
        "not_allowed": 403,
        "no_data": 404,
        "internal": 503,
    }

    def __init__(self, error: ToolErrorResult) -> None:
        valid = f" (valid: {', '.join(error.valid)})" if error.valid else ""
        super().__init__(f"{error.tool}: {error.message}{valid}")
        self.status = self.STATUS[error.error]
        self.code = error.error


__all__ = [
    "AgentError",
    "Conflict",
    "Forbidden",
    "InvalidRequest",
    "ModelUnavailable",
    "NotFound",
    "RateLimited",
    "ToolFailed",
    "Unauthorized",
    "UploadTooLarge",
]
