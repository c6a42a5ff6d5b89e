"""One exception family for training/, mapped to CLI exits at the edge."""


class TrainingError(Exception):
    """Base class for every error training/ raises on purpose."""


class RegistryError(TrainingError):
    """A registry operation that cannot be done (unknown model, bad name, missing folder)."""


class ServingError(TrainingError):
    """The model server cannot start or answer (no vLLM environment, no model, vLLM exited)."""
