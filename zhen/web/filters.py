"""The filters written in a query (site:, batch:, date:), as the page shows
them: chips with a link that removes one, facet links that add a filter
only once, and the date range form's query.

Filters take plain values (the query language refuses a phrase or group
after ``site:``, ``batch:`` or ``date:``), so a filter is one
whitespace-separated token outside quotes; the query text is edited as text
so everything else the user typed stays as typed.
"""

import re
from dataclasses import dataclass

_FILTER = re.compile(r'(?<![^\s(])(-?)(site|batch|date):([^\s()"]+)', re.IGNORECASE)


@dataclass(frozen=True)
class Chip:
    """One applied filter: ``text`` as written, ``field`` and ``value``
    lower-cased, ``negated`` for ``-site:…``, and the query without it."""

    field: str
    value: str
    text: str
    negated: bool
    without: str


def applied_filters(query):
    """The :class:`Chip` of every filter token in ``query``, in order."""
    chips = []
    for match in _filter_tokens(query):
        without = _squash(query[: match.start()] + " " + query[match.end() :])
        chips.append(
            Chip(
                field=match.group(2).lower(),
                value=match.group(3).lower(),
                text=match.group(0),
                negated=bool(match.group(1)),
                without=without,
            )
        )
    return chips


def _filter_tokens(query):
    """Filter matches outside double quotes."""
    quoted = [m.span() for m in re.finditer(r'"[^"]*"?', query)]
    return [m for m in _FILTER.finditer(query) if not any(s <= m.start() < e for s, e in quoted)]


def _squash(text):
    return " ".join(text.split())


def facet_link(query, chips, filter_text):
    """(selected?, the query for a facet value's link): a value already
    applied links to the query without it (clicking undoes it), any other
    adds it once."""
    key = filter_text.lower()
    for chip in chips:
        if not chip.negated and f"{chip.field}:{chip.value}" == key:
            return True, chip.without
    return False, _squash(f"{query} {filter_text}")


def with_date_range(query, start, end):
    """``query`` with its date filters replaced by ``date:START..END`` (an
    open end when one is empty, a single date when both are equal); the query
    unchanged but for removed date filters when both are empty."""
    start, end = (start or "").strip(), (end or "").strip()
    kept = query
    for chip in reversed(applied_filters(query)):
        if chip.field == "date" and not chip.negated:
            kept = _remove_token(kept, chip.text)
    if not start and not end:
        return _squash(kept)
    value = start if start == end else f"{start}..{end}"
    return _squash(f"{kept} date:{value}")


def _remove_token(query, token):
    for match in _filter_tokens(query):
        if match.group(0) == token:
            return query[: match.start()] + " " + query[match.end() :]
    return query


def date_bounds(chips):
    """(from, to) of the query's date filter, to fill the form in."""
    for chip in chips:
        if chip.field == "date" and not chip.negated:
            start, _, end = chip.value.partition("..")
            return start, (end if ".." in chip.value else start)
    return "", ""
