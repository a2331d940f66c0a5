"""Facet counts (year, site, batch) for every document a query matches.

Counting needs the value of each matching document, for up to every
document of the index per query. Whoosh re-reads a column per segment per
query; here each facet column is read once per open searcher into an array
of value codes indexed by document number, and a query's counts are one
``numpy.bincount`` over its matches.
"""

import numpy as np

from .postings import per_segments
from .schema import column_text
from .whoosh_internals import column_values

# facet (a sortable column) -> the query filter that selects one of its values
FACETS = {"year": "date", "site": "site", "batch": "batch"}


def count_facets(searcher, docnums):
    """{facet: [{"value", "count", "filter"}]} over ``docnums``, from column
    values read once per set of segments (:func:`zhen.postings.per_segments`:
    shared by every searcher of them)."""
    columns = per_segments(searcher, "facets", lambda: _facet_columns(searcher))
    if isinstance(docnums, np.ndarray):  # the array path's matches: no copy
        docs = docnums
    else:
        docs = np.fromiter(docnums, dtype=np.int64, count=len(docnums))
    out = {}
    for name, key in FACETS.items():
        codes, values = columns[name]
        tally = np.bincount(codes[docs], minlength=len(values))
        counts = {values[code]: int(n) for code, n in enumerate(tally) if n and code}
        items = (
            sorted(counts.items(), reverse=True)
            if name == "year"
            else sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        )
        out[name] = [{"value": v, "count": c, "filter": f"{key}:{v}"} for v, c in items]
    return out


def _facet_columns(searcher):
    """facet -> (each document's value code, the values by code; code 0
    is "no value")."""
    leaves = searcher.reader().leaf_readers()
    found = {}
    for name in FACETS:
        texts = [v for leaf, _ in leaves for v in _column(leaf, name)]
        values = [None, *sorted({t for t in texts if t is not None})]
        code_of = {value: code for code, value in enumerate(values)}
        codes = np.fromiter((code_of[t] for t in texts), dtype=np.int32, count=len(texts))
        found[name] = (codes, values)
    return found


def _column(leaf, name):
    """One segment's values of a column, one per document number."""
    size = leaf.doc_count_all()
    if not leaf.has_column(name):
        return [None] * size
    # read whole (a value at a time took 13 s for three facets of 900,000
    # documents, on the first search of every new searcher)
    return list(map(column_text, column_values(leaf.column_reader(name, translate=False))))
