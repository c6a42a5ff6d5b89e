"""One exception family for brain/, mapped to CLI exits and HTTP statuses at the edges, and
EQM's root error (here because brain/ is the layer every package may import)."""


class EQMError(Exception):
    """The root of every error EQM raises on purpose. Each package has one family under it
    (BrainError, ToolsError, AgentError, TrainingError, EvalError), so an edge that must
    turn them all into a clear message catches this one class."""


class BrainError(EQMError):
    """Base class for every error brain/ raises on purpose."""


class ImportFailed(BrainError):
    """A file could not be imported at all; the store was left exactly as it was."""


class UnknownFormat(ImportFailed):
    """No importer recognises the file (or the format asked for does not exist)."""


class UnknownPerson(BrainError):
    """The person named does not exist in the store."""


class InvalidQuery(BrainError):
    """A query's arguments are invalid (bad date range, unknown metric, ...)."""
