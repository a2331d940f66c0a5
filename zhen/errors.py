"""The exception hierarchy of zhen.

Every error a user can cause derives from :class:`ZhenError` and carries a
message written for that user plus, where useful, a ``hint`` saying what to do
next. The CLI and the web app turn these into messages; nothing else should
reach the user as a traceback.
"""


class ZhenError(Exception):
    """Base class of every error zhen raises on purpose."""

    def __init__(self, message, hint=None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self):
        return self.message


class CorpusError(ZhenError):
    """An input path cannot be read as a corpus at all."""


class QueryError(ZhenError):
    """A search query is malformed; the message says what and how to fix it."""

    def __init__(self, message, hint=None, position=None):
        super().__init__(message, hint)
        self.position = position


class IndexMissingError(ZhenError):
    """No index exists at the location, or it cannot be opened."""


class IndexLockedError(ZhenError):
    """Another process is writing to the index."""


class SettingsMismatchError(ZhenError):
    """The index was built with settings other than the current ones."""


class DocumentNotFoundError(ZhenError):
    """No document with the requested id is in the index."""


class IndexInterruptedError(ZhenError):
    """An indexing run was interrupted (Ctrl-C); committed work stays."""


class EvaluationInputError(ZhenError):
    """A queries or judgements file given to ``zhen eval`` cannot be used;
    the message names the file and line."""
