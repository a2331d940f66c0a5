"""The exception hierarchy of zhen.

Every error a user can cause derives from :class:`ZhenError` and carries a
message written for that user plus, where useful, a ``hint`` saying what to do
next. The CLI and the web app turn these into messages; nothing else should
reach the user as a traceback.

Each error also has a stable machine ``code`` and the ``params`` its message
was made from, so a front end can say the same thing in another language
(the web app renders ``code`` from its gettext catalogue): the class gives a
default code ("query", "document_not_found", ...), a raise that knows more
gives a finer one ("query.unclosed_quote" with ``{"column": 3}``). The
English ``message`` and ``hint`` are what the CLI prints, unchanged.
"""


class ZhenError(Exception):
    """Base class of every error zhen raises on purpose."""

    code = "error"  # the default machine code of this kind of error

    def __init__(self, message, hint=None, *, code=None, params=None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code or type(self).code
        self.params = dict(params or {})

    def __str__(self):
        return self.message


class CorpusError(ZhenError):
    """An input path cannot be read as a corpus at all."""

    code = "corpus"


class QueryError(ZhenError):
    """A search query is malformed; the message says what and how to fix it."""

    code = "query"

    def __init__(self, message, hint=None, position=None, *, code=None, params=None):
        super().__init__(message, hint, code=code, params=params)
        self.position = position


class IndexMissingError(ZhenError):
    """No index exists at the location, or it cannot be opened."""

    code = "index_missing"


class IndexLockedError(ZhenError):
    """Another process is writing to the index."""

    code = "index_locked"


class SettingsMismatchError(ZhenError):
    """The index was built with settings other than the current ones."""

    code = "index_settings"


class DocumentNotFoundError(ZhenError):
    """No document with the requested id is in the index."""

    code = "document_not_found"


class IndexInterruptedError(ZhenError):
    """An indexing run was interrupted (Ctrl-C); committed work stays."""

    code = "index_interrupted"


class EvaluationInputError(ZhenError):
    """A queries or judgements file given to ``zhen eval`` cannot be used;
    the message names the file and line."""

    code = "evaluation_input"


class IndexMergeError(ZhenError):
    """A merge run beside the indexing failed; what was committed stays."""

    code = "merge_failed"
