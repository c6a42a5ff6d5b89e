"""One exception family for brain/, mapped to CLI exits and HTTP statuses at the edges."""


class BrainError(Exception):
    """Base class for every error brain/ raises on purpose."""


class ImportFailed(BrainError):
    """A file could not be imported at all; the store was left exactly as it was."""


class UnknownFormat(ImportFailed):
    """No importer recognises the file (or the format asked for does not exist)."""


class UnknownPerson(BrainError):
    """The person named does not exist in the store."""


class InvalidQuery(BrainError):
    """A query's arguments are invalid (bad date range, unknown metric, ...)."""
