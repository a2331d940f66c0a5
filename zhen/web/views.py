"""Search page, document page and the JSON API."""

from flask import (Blueprint, abort, current_app, jsonify, render_template,
                   request)

from ..errors import DocumentNotFound, QueryError, ZhenError
from ..search import SORTS
from . import get_searcher

bp = Blueprint("search", __name__)


def _args():
    query = request.args.get("q", "").strip()
    sort = request.args.get("sort", "relevance")
    if sort not in SORTS:
        sort = "relevance"
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    return query, page, sort


def _run(query, page, sort):
    """(result, error, status): errors are shown to the user, never a 500."""
    if not query:
        return None, None, 200
    try:
        result = get_searcher(current_app).search(
            query, page=page, limit=current_app.config["LIMIT"], sort=sort)
        return result, None, 200
    except QueryError as error:
        return None, error, 400
    except ZhenError as error:  # no index, or one that needs a rebuild
        return None, error, 503


@bp.route("/")
def index():
    query, page, sort = _args()
    result, error, status = _run(query, page, sort)
    return render_template("search/index.html", query=query, sort=sort,
                           result=result, error=error), status


@bp.route("/api/search")
def api_search():
    query, page, sort = _args()
    if not query:
        return jsonify(error="the query is empty", hint="pass ?q=..."), 400
    result, error, status = _run(query, page, sort)
    if error is not None:
        return jsonify(error=error.message, hint=error.hint), status
    return jsonify(result.to_dict())


@bp.route("/doc/<doc_id>")
def document(doc_id):
    query = request.args.get("q", "")
    try:
        record = get_searcher(current_app).document(doc_id)
    except DocumentNotFound:
        abort(404)
    except ZhenError as error:
        return render_template("search/index.html", query="", sort="relevance",
                               result=None, error=error), 503
    return render_template("search/doc.html", doc=record, query=query)
