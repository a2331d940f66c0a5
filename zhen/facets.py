"""Facet counts (year, site, batch) for every document a query matches.

Counting needs the value of each matching document, for thousands of
documents per query. Whoosh re-reads a column per segment per query; here
each facet column is read once per open searcher into a list indexed by
document number, and a query's counts are a single pass over its matches.
"""

from collections import Counter

from .schema import column_text

# facet (a sortable column) -> the query filter that selects one of its values
FACETS = {"year": "date", "site": "site", "batch": "batch"}


class FacetCounter:
    """Column values cached for one Whoosh searcher; rebuilt for a new one."""

    def __init__(self):
        self._searcher = None
        self._values = {}

    def count(self, searcher, docnums):
        """{facet: [{"value", "count", "filter"}]} over ``docnums``."""
        values = self._columns(searcher)
        out = {}
        for name, key in FACETS.items():
            column = values[name]
            counts = Counter(column[d] for d in docnums)
            counts.pop(None, None)
            items = (
                sorted(counts.items(), reverse=True)
                if name == "year"
                else sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            )
            out[name] = [{"value": v, "count": c, "filter": f"{key}:{v}"} for v, c in items]
        return out

    def _columns(self, searcher):
        if searcher is not self._searcher:
            leaves = searcher.reader().leaf_readers()
            self._values = {
                name: [v for leaf, _ in leaves for v in _column(leaf, name)] for name in FACETS
            }
            self._searcher = searcher
        return self._values


def _column(leaf, name):
    """One segment's values of a column, one per document number."""
    size = leaf.doc_count_all()
    if not leaf.has_column(name):
        return [None] * size
    column = leaf.column_reader(name)
    return [column_text(column[n]) for n in range(size)]
