"""The JSON API: search, whole documents, search-box suggestions.

Every error is ``{"error": {"code", "reason", "message", "hint", "title"}}``
with its status: 400 for a bad query or parameter, 404 for an unknown
document or address, 503 when there is no usable index. ``lang`` (zh or en)
picks the language of the title, message and hint, and of a result's
``message``.
"""

from flask import Blueprint, current_app, jsonify, request

from ..errors import ZhenError
from ..search import SORTS
from . import get_searcher, messages, service
from .suggest import suggestions

bp = Blueprint("api", __name__, url_prefix="/api")
SUGGEST_MAX = 8


def _error(fail):
    return jsonify(fail.to_dict()), fail.status


class _NotANumber(ValueError):
    """A parameter that should be a whole number is not."""

    def __init__(self, name, raw):
        super().__init__(name)
        self.failure = service.bad_parameter("parameter.not_a_number", name=name, value=raw[:40])


def _int_arg(name, default, low, high=None):
    """An integer parameter, clamped to [low, high]; raises _NotANumber
    when it is not a number."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _NotANumber(name, raw) from None
    value = max(low, value)
    return value if high is None else min(high, value)


@bp.route("/search")
def search():
    """``q``, ``page`` (1…), ``limit`` (1…API_MAX_LIMIT, clamped), ``sort``
    (relevance or date), ``lang``."""
    query = request.args.get("q", "").strip()
    if not query:
        return _error(service.bad_parameter("parameter.empty_query"))
    sort = request.args.get("sort", "relevance")
    if sort not in SORTS:
        return _error(service.bad_parameter("parameter.unknown_sort", sort=sort[:40]))
    try:
        page = _int_arg("page", 1, 1)
        limit = _int_arg(
            "limit", current_app.config["LIMIT"], 1, current_app.config["API_MAX_LIMIT"]
        )
    except _NotANumber as error:
        return _error(error.failure)
    result, fail = service.search(query, page, limit, sort)
    if fail:
        return _error(fail)
    data = result.to_dict()
    data["message"] = messages.result_notice(result)
    data["total_relation"] = service.total_relation(result)
    data["past_end"] = result.page > result.pages
    return jsonify(data)


@bp.route("/documents/<path:doc_id>")
def document(doc_id):
    """The whole stored record, as ``zhen show --json`` prints it."""
    record, fail = service.document(doc_id)
    if fail:
        return _error(fail)
    return jsonify(record)


@bp.route("/suggest")
def suggest():
    """OpenSearch suggestions: ``[query, [completion, ...]]``."""
    query = request.args.get("q", "")[:200]
    try:
        found = suggestions(get_searcher(current_app), query, SUGGEST_MAX)
    except ZhenError as error:
        return _error(service.failure(error))
    response = jsonify([query, found])
    response.mimetype = "application/x-suggestions+json"
    return response
