"""Feedback from a question's first page on the cluster: zhen.feedback's
own term selection, with the cluster supplying what it reads.

:mod:`zhen.feedback` picks the terms most typical of the first page's
documents and rare in the collection from what an engine knows: the first
page's stored records (here their ``_source``), the analyzers the index
was built with (the same on both engines: zhen analyses, the cluster
stores the terms), the collection's size and each candidate term's
document frequency in the fields of its group (here from the text fields,
which hold exactly the Whoosh fields' terms). The picked terms, weighted,
are one more view of the question: a ``bool`` of boosted ``term`` clauses
on the ranking fields of the groups they come from (BM25 with the group's
k1 and b, each term's score times its weight, as :func:`zhen.rank.bm25`
scores them), fused like the others (:mod:`.fusion`).

Document frequencies come from the term vectors API given an artificial
document (the candidates, space-separated, in one field), asking for term
statistics: the shard's term dictionary answers, no document is visited
(on STARD 2.8 ms for 200 term-field pairs, against 31 ms for a ``term``
count per pair in one ``_msearch`` and 106 ms for a ``filters``
aggregation: ``bench/profile_cluster_counts.py``). Term vectors are a one-shard operation and their
statistics the shard's, so the artificial document is sent once per
shard, routed there by the id of a document the shard holds (found once
per index with a ``_shards:N`` search preference), and the shards' counts
are added: the index-wide frequency, whatever the shards.
"""

from ... import feedback
from .answers import raise_item_error
from .ranking import field_name
from .writer import field_analyzers

FEEDBACK_VIEW = "feedback"  # the feedback terms' view, among the question's


def feedback_view(reader, groups, head):
    """The DSL query of the feedback terms of the first page ``head`` [(id,
    fused score)] for the question's ``groups``
    (:func:`zhen.feedback.feedback_groups`), None when no term is picked.
    ``reader``: a :class:`FeedbackReader` of the index."""
    records, count, index = reader.first_page([doc for doc, _ in head])
    scores = [score for _, score in head]
    candidates = []
    for group in groups:
        weights = feedback.first_page_weights(records, scores, group.fields, reader.analyzers)
        candidates.append((group, feedback.candidate_terms(weights, set(group.terms))))
    asked = {(name, term) for group, terms in candidates for term, _ in terms
             for name in group.fields}  # fmt: skip
    found = reader.doc_frequencies(index, sorted(asked))
    clauses = []
    for group, terms in candidates:
        frequencies = {term: sum(found[name, term] for name in group.fields) for term, _ in terms}
        picked = feedback.pick_terms(terms, frequencies, count)
        field = field_name(group)
        clauses += [{"term": {field: {"value": t, "boost": float(w)}}} for t, w in picked.items()]
    return {"bool": {"should": clauses}} if clauses else None


class FeedbackReader:
    """What :mod:`zhen.feedback` reads of an index, asked of the cluster
    through a :class:`~.searcher.ClusterSearcher`'s retried requests."""

    def __init__(self, searcher):
        self.searcher = searcher
        self._analyzers = None
        self._routings = {}  # concrete index -> a routing value per non-empty shard

    @property
    def analyzers(self):
        """Text field name -> its index analyzer (made on first use)."""
        if self._analyzers is None:
            self._analyzers = field_analyzers(self.searcher.userdict)
        return self._analyzers

    def first_page(self, ids):
        """(the stored records of the documents ``ids``, in that order, {}
        for one that is gone; the documents in the index; the concrete
        index answering), in one request."""
        fetch = {
            "query": {"ids": {"values": ids}},
            "size": len(ids),
            "_source": ["record"],
            "track_total_hits": False,
        }
        count = {"size": 0, "track_total_hits": True, "query": {"match_all": {}}}
        fetched, counted = self.searcher._msearch([fetch, count], False)
        hits = fetched["hits"]["hits"]
        found = {hit["_id"]: hit["_source"].get("record") or {} for hit in hits}
        index = hits[0]["_index"] if hits else self.searcher.target.name
        return [found.get(doc, {}) for doc in ids], counted["hits"]["total"]["value"], index

    def doc_frequencies(self, index, asked):
        """{(field, term): documents of ``index`` with the term in the
        field} of the pairs ``asked``, from the term statistics of every
        shard (see the module's docstring)."""
        by_field = {}
        for name, term in asked:
            by_field.setdefault(name, []).append(term)
        docs = [
            {
                "doc": {name: " ".join(terms)},
                "fields": [name],
                "routing": routing,
                "term_statistics": True,
                "field_statistics": False,
                "positions": False,
                "offsets": False,
            }
            for routing in self._shard_routings(index)
            for name, terms in by_field.items()
        ]
        found = dict.fromkeys(asked, 0)
        if not docs:
            return found
        client = self.searcher.client

        def call():
            answer = client.mtermvectors(body={"docs": docs}, index=index)
            for doc in answer["docs"]:
                raise_item_error(doc)
            return answer

        for doc in self.searcher._request(call)["docs"]:
            for name, vector in doc.get("term_vectors", {}).items():
                for term, statistics in vector["terms"].items():
                    if (name, term) in found:
                        found[name, term] += statistics.get("doc_freq", 0)
        return found

    def _shard_routings(self, index):
        """A routing value per shard of ``index`` that holds documents (the
        id of one of them: documents are routed by id), found once."""
        routings = self._routings.get(index)
        if routings is None:
            client, routings = self.searcher.client, []
            settings = self.searcher._request(lambda: client.indices.get_settings(index=index))
            shards = int(settings[index]["settings"]["index"]["number_of_shards"])
            body = {"size": 1, "_source": False, "query": {"match_all": {}}}
            for shard in range(shards):
                hits = self.searcher._request(
                    lambda s=shard: client.search(index=index, body=body, preference=f"_shards:{s}")
                )["hits"]["hits"]
                routings += [hit["_id"] for hit in hits]
            self._routings[index] = routings
        return routings
