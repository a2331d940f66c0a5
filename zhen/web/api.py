"""The JSON API: search, whole documents, search-box suggestions.

Every error is ``{"error": {"code", "message", "hint", "title"}}`` with its
status: 400 for a bad query or parameter, 404 for an unknown document or
address, 503 when there is no usable index. ``lang`` (zh or en) picks the
language of the ``title`` of an error; the library's message and hint are
English.
"""

from flask import Blueprint, current_app, jsonify, request

from ..errors import ZhenError
from ..search import SORTS
from . import get_searcher, service
from .suggest import suggestions

bp = Blueprint("api", __name__, url_prefix="/api")
SUGGEST_MAX = 8


def _error(fail):
    return jsonify(fail.to_dict()), fail.status


def _int_arg(name, default, low, high=None):
    """An integer parameter, clamped to [low, high]; raises ValueError with
    a message when it is not a number."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not '{raw[:40]}'") from None
    value = max(low, value)
    return value if high is None else min(high, value)


@bp.route("/search")
def search():
    """``q``, ``page`` (1…), ``limit`` (1…API_MAX_LIMIT, clamped), ``sort``
    (relevance or date), ``lang``."""
    query = request.args.get("q", "").strip()
    if not query:
        return _error(service.bad_parameter("the query is empty", "pass ?q=..., e.g. ?q=tariff"))
    sort = request.args.get("sort", "relevance")
    if sort not in SORTS:
        return _error(
            service.bad_parameter(f"unknown sort '{sort[:40]}'", "use sort=relevance or sort=date")
        )
    try:
        page = _int_arg("page", 1, 1)
        limit = _int_arg(
            "limit", current_app.config["LIMIT"], 1, current_app.config["API_MAX_LIMIT"]
        )
    except ValueError as error:
        return _error(service.bad_parameter(str(error), "e.g. page=2&limit=20"))
    result, fail = service.search(query, page, limit, sort)
    if fail:
        return _error(fail)
    data = result.to_dict()
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
