"""The HTML pages: search, document, about, the language switch, the
OpenSearch description, and error pages in the interface language."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..errors import ZhenError
from ..search import SORTS
from ..stats import index_stats
from . import i18n, service
from .filters import applied_filters, date_bounds, facet_link, with_date_range
from .reading import reading

bp = Blueprint("search", __name__)
FACET_SHOWN = 12  # values of a facet shown before "more"


@bp.app_context_processor
def _page_globals():
    locale = str(get_locale() or i18n.DEFAULT_LOCALE)
    return {
        "locale": locale,
        "html_lang": i18n.HTML_LANG.get(locale, "en"),
        "FACET_SHOWN": FACET_SHOWN,
    }


def _page_args():
    """(query, page, sort) of a page request; bad values fall back to the
    defaults (a page is forgiving; the API says what is wrong)."""
    query = request.args.get("q", "").strip()
    sort = request.args.get("sort", "relevance")
    sort = sort if sort in SORTS else "relevance"
    try:
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        page = 1
    return query, page, sort


@bp.route("/")
def index():
    query, page, sort = _page_args()
    if "from" in request.args or "to" in request.args:
        new = with_date_range(query, request.args.get("from"), request.args.get("to"))
        return redirect(url_for(".index", q=new or None, sort=_non_default(sort)), 303)
    chips = applied_filters(query)
    result, fail = (
        service.search(query, page, current_app.config["LIMIT"], sort) if query else (None, None)
    )
    facets = _facets(result, query, chips) if result else {}
    context = dict(
        query=query,
        sort=sort,
        result=result,
        error=fail,
        chips=chips,
        facets=facets,
        date_from=date_bounds(chips)[0],
        date_to=date_bounds(chips)[1],
        relation=service.total_relation(result) if result else "eq",
    )
    return render_template("search/index.html", **context), fail.status if fail else 200


def _non_default(sort):
    return None if sort == "relevance" else sort


def _facets(result, query, chips):
    """{name: [{value, count, query, selected}]}: each value's link adds
    its filter once, or removes it when it is applied."""
    out = {}
    for name, values in result.facets.items():
        items = []
        for item in values:
            selected, link_query = facet_link(query, chips, item["filter"])
            items.append(dict(item, query=link_query, selected=selected))
        if items:
            out[name] = items
    return out


@bp.route("/doc/<path:doc_id>")
def document(doc_id):
    query = request.args.get("q", "").strip()
    record, fail = service.document(doc_id)
    if fail:
        return render_template("error.html", error=fail, query=query), fail.status
    view = reading(record, query, current_app.config["USERDICT"])
    return render_template("search/doc.html", doc=record, view=view, query=query)


@bp.route("/about")
def about():
    try:
        stats, fail = index_stats(current_app.config["INDEX"]), None
    except ZhenError as error:
        stats, fail = None, service.failure(error)
    newest = _newest_by_batch(stats["batches"]) if stats else {}
    return (
        render_template("about.html", stats=stats, newest=newest, error=fail, query=""),
        fail.status if fail else 200,
    )


def _newest_by_batch(batches, most=50):
    """{batch: date of its newest document}, one date-sorted search per
    batch (skipped for an index of more than ``most`` batches)."""
    if len(batches) > most:
        return {}
    newest = {}
    for name in batches:
        result, fail = service.search(f"batch:{name}", 1, 1, "date")
        if result and result.hits:
            newest[name] = result.hits[0].date
    return newest


@bp.route("/lang/<code>")
def switch_language(code):
    """Remember the interface language in a cookie and go back."""
    target = request.args.get("next", "")
    if not _local_path(target):
        target = url_for(".index")
    response = redirect(target, 303)
    if code in i18n.LOCALES:
        response.set_cookie(
            i18n.COOKIE, code, max_age=i18n.COOKIE_AGE, samesite="Lax", httponly=True
        )
    return response


def _local_path(target):
    """Only a path on this site (never //host or a scheme: no open redirect)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


@bp.route("/opensearch.xml")
def opensearch():
    response = make_response(render_template("opensearch.xml"))
    response.mimetype = "application/opensearchdescription+xml"
    return response


_STATUS_PAGES = {
    404: (_l("Page not found."), "not_found"),
    405: (_l("This address does not take that method."), "method_not_allowed"),
    500: (_l("Something went wrong on our side."), "internal"),
}


def register_error_pages(app):
    """HTML error pages for the site, JSON ones under /api/."""
    for status, (headline, code) in _STATUS_PAGES.items():
        app.register_error_handler(status, _error_page(status, headline, code))


def _error_page(status, headline, code):
    def handler(error):
        if status == 500:  # a bug: log it whole, show no traceback
            current_app.logger.error(
                "error on %s", request.path, exc_info=getattr(error, "original_exception", None)
            )
        fail = service.Failure(status, code, headline, str(headline))
        if request.path.startswith("/api/"):
            return fail.to_dict(), status
        return render_template("error.html", error=fail, query=""), status

    return handler
