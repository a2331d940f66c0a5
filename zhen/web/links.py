"""Links to the search and document pages, built without url_for.

A results page links every facet value, chip, page and hit: a hundred
links, and Flask's url_for costs more than the rest of the page around
them. The addresses are fixed, so they are joined here (with the same
encoding as url_for: spaces as +, ``:`` and ``/`` kept), below the app's
root so a mounted app still works.
"""

from urllib.parse import quote, quote_plus

from flask import request

_SAFE = "!$'()*,/:;@"


def search_href(q=None, sort=None, page=None):
    """The search page for query ``q`` (default sort and first page are
    left out of the address)."""
    params = []  # as urlencode writes them (it costs twice as much)
    if q:
        params.append("q=" + quote_plus(q, safe=_SAFE))
    if sort and sort != "relevance":
        params.append("sort=" + quote_plus(sort, safe=_SAFE))
    if page and page > 1:
        params.append(f"page={page}")
    base = request.script_root + "/"
    return base + ("?" + "&".join(params) if params else "")


def doc_href(doc_id, q=None):
    """The document page of ``doc_id``, its matches of ``q`` marked."""
    href = f"{request.script_root}/doc/{quote(doc_id, safe='')}"
    return href + ("?q=" + quote_plus(q, safe=_SAFE) if q else "")
