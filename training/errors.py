"""One exception family for training/, mapped to CLI exits at the edge."""

from brain.errors import EQMError


class TrainingError(EQMError):
    """Base class for every error training/ raises on purpose."""


class RegistryError(TrainingError):
    """A registry operation that cannot be done (unknown model, bad name, missing folder)."""


class ServingError(TrainingError):
    """The model server cannot start or answer (no vLLM environment, no model, vLLM exited)."""
