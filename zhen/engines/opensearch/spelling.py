""" "Did you mean" on a cluster: :func:`zhen.suggest.suggest` itself, reading
the cluster's vocabulary through a small adapter.

zhen.suggest needs four things of a Whoosh searcher: a term's document
frequency, a corrector (the indexed terms within an edit distance, most
frequent first), a term's first documents and their stored records. The
cluster answers each: a ``term`` count, the ``term`` suggester (built into
both engines' core, on the same English fields), a small ``term`` search
and the ``_source`` record. So a query gets the same suggestion on both
engines, whatever the shards (the suggester sums the shards' counts).
"""

from ...suggest import suggest


def cluster_suggestion(searcher, text, tree):
    """The suggestion for a query on a :class:`~.searcher.ClusterSearcher`."""
    return suggest(ClusterVocabulary(searcher), text, tree)


class ClusterVocabulary:
    """The parts of a Whoosh searcher :mod:`zhen.suggest` reads, asked of
    the cluster (through the searcher's retried requests)."""

    def __init__(self, searcher):
        self.searcher = searcher
        self._records = {}

    def _search(self, body):
        return self.searcher._search(body)

    def doc_frequency(self, field, term):
        body = {"size": 0, "track_total_hits": True, "query": {"term": {field: term}}}
        return self._search(body)["hits"]["total"]["value"]

    def corrector(self, field):
        return _Corrector(self, field)

    def postings(self, field, term):
        return _Postings(self, field, term)

    def stored_fields(self, doc_id):
        return {"record": self._records[doc_id]}


class _Corrector:
    def __init__(self, vocabulary, field):
        self.vocabulary, self.field = vocabulary, field

    def suggest(self, term, limit=1, maxdist=1, prefix=1):
        """Indexed terms within ``maxdist`` edits sharing the first
        ``prefix`` letters, most frequent first (as Whoosh's corrector)."""
        options = {
            "field": self.field,
            "max_edits": maxdist,
            "prefix_length": prefix,
            "size": limit,
            "max_inspections": 100,  # candidates looked at per suggestion
            "min_word_length": 1,
            "suggest_mode": "always",
            "sort": "frequency",
        }
        body = {"size": 0, "suggest": {"word": {"text": term, "term": options}}}
        found = self.vocabulary._search(body).get("suggest", {}).get("word", [])
        return [option["text"] for entry in found for option in entry["options"]][:limit]


class _Postings:
    def __init__(self, vocabulary, field, term):
        self.vocabulary, self.field, self.term = vocabulary, field, term

    def all_ids(self, first=3):
        """The first documents holding the term (their records kept for
        :meth:`ClusterVocabulary.stored_fields`)."""
        body = {
            "size": first,
            "track_total_hits": False,
            "query": {"term": {self.field: self.term}},
            "sort": [{"id": "asc"}],
            "_source": ["record"],
        }
        for hit in self.vocabulary._search(body)["hits"]["hits"]:
            self.vocabulary._records[hit["_id"]] = hit["_source"]["record"]
            yield hit["_id"]
