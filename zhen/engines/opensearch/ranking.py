"""Question ranking on the cluster: zhen.rank's fused views, scored by the
cluster and fused in Python.

The embedded engine ranks a question (:func:`zhen.compiler.question_of`)
with :mod:`zhen.rank`: three views (Han bigrams, words, rare characters),
each a BM25F score over a group of fields with its own k1 and b, each
divided by its best score over the whole index, weighted and added. The
cluster has no BM25F query on the minimal distributions (no
``combined_fields``, no scripts), so the groups are made at index time:

* **One ranking field per group** (:func:`rank_fields`): the group's fields'
  terms in one ``whitespace`` field, each field's text repeated as many
  times as its title boost (BM25F multiplies a field's term counts and
  length by its boost: repeating the text does exactly that), scored by a
  BM25 similarity with the group's k1 and b. The character view's field
  holds, at every position of the recall fields, the first character of
  the term there (the character whose occurrence it is, as
  :func:`zhen.postings.char_postings` counts them).
* **One query per view** (a ``bool`` of ``term`` clauses on the view's
  ranking fields; both engines' BM25 similarity is still Lucene's legacy
  one, with zhen.rank's (k1 + 1) factor: checked on OpenSearch 2.19 and
  Elasticsearch 8.19, and by the ranking tests), sent together with ``_msearch``
  and ``dfs_query_then_fetch`` (index-wide term statistics whatever the
  number of shards): the view's best score over the whole index, and its
  top N among the documents the question matches.
* **Fused in Python**, exactly: every candidate (in any view's top N) gets
  its score in every view (one more request for those outside a view's
  top N), and N doubles until no document outside the candidates could
  beat the k-th best (its fused score is at most the weighted N-th score
  of each view).

Which documents match, the total and the facets come from the compiled
question itself (:meth:`zhen.compiler.Compiler.question`), as before, so
they stay exact. What still differs from the embedded engine: Lucene keeps
a field's length in one byte (lengths above ~40 terms are rounded, as
Whoosh rounds them, but not to the same values), the document count of its
idf is the documents having the field (Whoosh: every document), and ties
go by id (Whoosh: by document number).
"""

from functools import cache

from ... import rank
from ...rank import PARAMS, views

# What the fields are made for: a sample question with every kind of term
# (Han words and bigrams, characters, an English word), so that
# :func:`zhen.rank.views` shows each scope's groups.
_SAMPLE = "合同法律 contract"
FIRST_N = 100  # top N per view to begin with (doubled while not enough)


@cache
def rank_groups():
    """Every group :func:`zhen.rank.views` can make, by ranking field name
    (worked out once: zhen.rank's parameters are constants)."""
    groups = {}
    for scope in rank.SCOPES:
        for found in views(_SAMPLE, scope=scope, stop=None).values():
            for group in found:
                groups[field_name(group)] = group
    return groups


def field_name(group):
    """The ranking field of a group: its kind, its language and its fields."""
    kind = "chars" if group.chars else group.lang
    return "rank_" + kind + "__" + "__".join(group.fields)


def similarity_name(lang):
    return f"zhen_{lang}"


def similarities():
    """The index's BM25 similarities, one per language of zhen.rank."""
    langs = {group.lang for group in rank_groups().values()}
    return {
        similarity_name(lang): {"type": "BM25", "k1": PARAMS[lang][0], "b": PARAMS[lang][1]}
        for lang in sorted(langs)
    }


def rank_fields():
    """Ranking field name -> its mapping (term counts, no positions)."""
    return {
        name: {
            "type": "text",
            "analyzer": "whitespace",
            "index_options": "freqs",
            "similarity": similarity_name(group.lang),
        }
        for name, group in sorted(rank_groups().items())
    }


def ranking_fingerprint():
    """What the ranking fields depend on (part of the mapping's fingerprint:
    a change of zhen.rank's parameters asks for a rebuild)."""
    return {
        name: [list(group.fields), list(_repeats(group)), *PARAMS[group.lang][:2], group.chars]
        for name, group in sorted(rank_groups().items())
    }


def _repeats(group):
    """How many times each field's text goes into the ranking field."""
    repeats = []
    for field, boost in zip(group.fields, group.boosts):
        if boost != int(boost) or boost < 1:
            raise ValueError(
                f"zhen.rank's boost {boost} of {field} is not a whole number: "
                "the cluster's ranking fields repeat a field's text that many times"
            )
        repeats.append(int(boost))
    return repeats


def rank_values(wire):
    """The ranking fields of one document, from its wire terms (text field
    name -> its terms joined by spaces)."""
    out = {}
    for name, group in rank_groups().items():
        values = []
        for field, times in zip(group.fields, _repeats(group)):
            text = wire.get(field)
            if text:
                values.extend([first_chars(text) if group.chars else text] * times)
        if values:
            out[name] = values
    return out


def first_chars(terms):
    """A recall field's terms with each Han bigram or unigram cut to its
    first character (other terms kept, so the length stays the same)."""
    return " ".join(t[0] if len(t) <= 2 else t for t in terms.split(" "))
