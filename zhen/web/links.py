"""Links to the search and document pages, built without url_for.

A results page links every facet value, chip, page and hit: a hundred
links, and Flask's url_for costs more than the rest of the page around
them. The addresses are fixed, so they are joined here (with the same
encoding as url_for: spaces as +, ``:`` and ``/`` kept), below the app's
root so a mounted app still works.
"""

from urllib.parse import quote, urlencode

from flask import request

_SAFE = "!$'()*,/:;@"


def search_href(q=None, sort=None, page=None):
    """The search page for query ``q`` (default sort and first page are
    left out of the address)."""
    params = {}
    if q:
        params["q"] = q
    if sort and sort != "relevance":
        params["sort"] = sort
    if page and page > 1:
        params["page"] = page
    base = request.script_root + "/"
    return base + ("?" + urlencode(params, safe=_SAFE) if params else "")


def doc_href(doc_id, q=None):
    """The document page of ``doc_id``, its matches of ``q`` marked."""
    href = f"{request.script_root}/doc/{quote(doc_id, safe='')}"
    return href + ("?" + urlencode({"q": q}, safe=_SAFE) if q else "")
