"""Keyword queries evaluated on arrays (zhen.keywords): Whoosh's matches and
Whoosh's scores, for generated queries of every kind, on real indexes."""

import importlib
from contextlib import closing

import numpy as np
import pytest

from zhen.indexer import update_index
from zhen.keywords import evaluate
from zhen.query import parse
from zhen.search import Searcher

from .helpers import index_sample_with_deletions
from .test_totals import TWLAW, generated_queries

# the module (``zhen.search`` the name is the package's search function)
search_module = importlib.import_module("zhen.search")
EXTRA = [
    "tax",
    "law OR 法",
    "court -法院",
    '"Ministry of Commerce"',
    "title:條例",
    "zh:行政 en:law",
]


def whoosh_scores(whoosh, compiled):
    """Every match of ``compiled`` and its score, by Whoosh's own search."""
    return {hit.docnum: hit.score for hit in whoosh.search(compiled, limit=None)}


def check_queries(searcher, queries):
    """Compare each query, strict and loose, with Whoosh; returns how many
    compiled queries the arrays evaluated."""
    whoosh, evaluated = searcher.whoosh_searcher(), 0
    for query in queries:
        for loose in (False, True):
            compiled = searcher.compiler.compile(parse(query), loose=loose)
            found = evaluate(whoosh, compiled)
            if found is None:
                continue
            evaluated += 1
            docs, scores = found
            expected = whoosh_scores(whoosh, compiled)
            assert docs.tolist() == sorted(expected), (query, loose)
            wanted = np.array([expected[d] for d in docs.tolist()])
            assert np.allclose(scores, wanted, rtol=1e-9, atol=0), (query, loose)
    return evaluated


def same_results(searcher, queries, monkeypatch):
    """Each query's first page, total and facets, through the arrays and
    through Whoosh alone."""
    with monkeypatch.context() as patch:
        patch.setattr(search_module, "evaluate", lambda searcher, query: None)
        by_whoosh = [searcher.search(q, limit=10) for q in queries]
    for query, expected in zip(queries, by_whoosh):
        result = searcher.search(query, limit=10)
        assert (result.total, result.facets) == (expected.total, expected.facets), query
        got = [(h.id, round(h.score, 9)) for h in result.hits]
        assert got == [(h.id, round(h.score, 9)) for h in expected.hits], query


@pytest.fixture(scope="module")
def sample_with_deletions(tmp_path_factory):
    """The bundled sample in two segments, ten documents replaced (their
    old versions deleted in the first)."""
    index = index_sample_with_deletions(tmp_path_factory.mktemp("keywords"))
    with closing(Searcher(index)) as searcher:
        assert searcher.whoosh_searcher().reader().has_deletions()
        yield searcher


def test_arrays_match_and_score_like_whoosh_on_the_sample(sample_with_deletions):
    queries = generated_queries(sample_with_deletions, seed=3, count=8) + EXTRA
    queries += ["date:2000..2010", "法 date:..1990", "date:2023 OR 條例"]
    # every compiled query is evaluated on arrays
    assert check_queries(sample_with_deletions, queries) == 2 * len(queries)


def test_search_answers_as_whoosh_does(sample_with_deletions, monkeypatch):
    queries = generated_queries(sample_with_deletions, seed=5, count=4) + EXTRA
    same_results(sample_with_deletions, queries, monkeypatch)


@pytest.mark.slow
@pytest.mark.skipif(not TWLAW.is_dir(), reason="../shared is absent")
def test_arrays_match_and_score_like_whoosh_on_twlaw(tmp_path_factory, monkeypatch):
    index = tmp_path_factory.mktemp("keywords_twlaw")
    update_index([TWLAW], index=index, jobs=2)
    with closing(Searcher(index)) as searcher:
        queries = generated_queries(searcher, seed=13, count=6) + EXTRA
        assert check_queries(searcher, queries) >= len(queries)
        same_results(searcher, queries, monkeypatch)
