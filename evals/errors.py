"""One exception family for evals/, mapped to CLI exits at the edge."""

from brain.errors import EQMError


class EvalError(EQMError):
    """Base class for every error evals/ raises on purpose."""


class SuiteError(EvalError, ValueError):
    """A suite file that does not load: names the file and the line."""


class ReleaseError(EvalError):
    """A gate or a promotion that cannot go on; the message says what to run first."""


__all__ = ["EvalError", "ReleaseError", "SuiteError"]
