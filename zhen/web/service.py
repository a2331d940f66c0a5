"""Running a search for the page and the API, and what each failure means
for the user: an HTTP status, a stable error code and a headline in the
interface language (the library's own message and hint follow it)."""

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
from . import get_searcher

MAX_PAGE = 1_000_000_000  # deeper pages are refused, not searched


@dataclass
class Failure:
    """A request that cannot be answered: shown on the page or as JSON."""

    status: int
    code: str
    headline: str
    message: str
    hint: str | None = None

    def to_dict(self):
        return {
            "error": {
                "code": self.code,
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


def failure(error):
    """The :class:`Failure` for a library error."""
    for kind, status, code, headline in _KINDS:
        if isinstance(error, kind):
            return Failure(status, code, headline, error.message, error.hint)
    raise TypeError(error)


def bad_parameter(message, hint=None):
    return Failure(400, "bad_parameter", _l("A parameter is not valid."), message, hint)


def search(query, page, limit, sort):
    """(SearchResult, None) or (None, Failure); a result of the same
    request on the same index version comes from the app's cache."""
    if page > MAX_PAGE:
        return None, bad_parameter(
            f"page {page} is too deep; the last page searched is {MAX_PAGE:,}",
            "use a narrower query",
        )
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
        return None, failure(error)


def total_relation(result):
    """ "eq" for an exact total, "gte" when it is a lower bound."""
    return getattr(result, "total_relation", "eq") or "eq"
