"""Running a search for the page and the API, and what each failure means
for the user: an HTTP status, a stable error code, and a headline, message
and hint in the interface language (:mod:`zhen.web.messages`)."""

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..errors import (
    DocumentNotFoundError,
    IndexMissingError,
    QueryError,
    SettingsMismatchError,
    ZhenError,
)
from . import get_searcher, messages

MAX_PAGE = 1_000_000_000  # deeper pages are refused, not searched


@dataclass
class Failure:
    """A request that cannot be answered: shown on the page or as JSON."""

    status: int
    code: str
    headline: str
    message: str
    hint: str | None = None
    reason: str | None = None  # the finer code of the message (messages.DETAILS)

    def to_dict(self):
        return {
            "error": {
                "code": self.code,
                "reason": self.reason or self.code,
                "message": self.message,
                "hint": self.hint,
                "title": str(self.headline),
            }
        }


_KINDS = [  # (library error, status, code, headline)
    (QueryError, 400, "bad_query", _l("The query could not be read.")),
    (DocumentNotFoundError, 404, "not_found", _l("No such document.")),
    (IndexMissingError, 503, "no_index", _l("There is no index to search yet.")),
    (
        SettingsMismatchError,
        503,
        "index_needs_rebuild",
        _l("The index was built with other settings and needs a rebuild."),
    ),
    (ZhenError, 503, "index_unavailable", _l("The index cannot be read right now.")),
]


def failure(error, **context):
    """The :class:`Failure` for a library error, told in the interface
    language; ``context`` fills what the error does not carry (``id``)."""
    reason = messages.code_of(error)
    message, hint = messages.render(reason, {**context, **error.params})
    for kind, status, code, headline in _KINDS:
        if isinstance(error, kind):
            return Failure(status, code, headline, message, hint, reason)
    raise TypeError(error)


def bad_parameter(reason, **params):
    """A 400 for a parameter of the request (``reason``: a ``parameter.*``
    code of :mod:`zhen.web.messages`)."""
    message, hint = messages.render(reason, params)
    return Failure(400, "bad_parameter", _l("A parameter is not valid."), message, hint, reason)


def search(query, page, limit, sort):
    """(SearchResult, None) or (None, Failure); a result of the same
    request on the same index version comes from the app's cache."""
    if page > MAX_PAGE:
        return None, bad_parameter("parameter.page_too_deep", page=page, most=MAX_PAGE)
    cache = current_app.extensions["zhen_cache"]
    searcher = get_searcher(current_app)
    try:
        # the searcher's version follows index updates: a new one is a new key
        key = (searcher.version(), query, page, limit, sort) if cache.size else None
        result = cache.get(key) if key else None
        if result is None:
            result = searcher.search(query, page=page, limit=limit, sort=sort)
            if key:
                cache.put(key, result)
    except ZhenError as error:
        return None, failure(error)
    return result, None


def document(doc_id):
    """(record, None) or (None, Failure)."""
    try:
        return get_searcher(current_app).document(doc_id), None
    except ZhenError as error:
        return None, failure(error, id=doc_id)


def total_relation(result):
    """ "eq" for an exact total, "gte" when it is a lower bound."""
    return getattr(result, "total_relation", "eq") or "eq"
