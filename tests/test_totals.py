"""Totals and facet counts are properties of the query, never of the page.

Checked against independent answers on real indexes: the bundled sample
(268 documents) and, when ../shared is present, all of twlaw (3,089 long
laws, large enough for Whoosh to re-plan its matchers mid-query). For many
generated queries of every kind, ``total`` and the facet counts are the
same for every page size and page, equal the number of documents in the
union of all pages, and equal Whoosh's own unscored match count of the
compiled query. Plain Chinese words are also checked against brute force:
the documents whose normalised text contains the word.
"""

import random
import re

import pytest

from zhen.compiler import Compiler
from zhen.normalize import normalize
from zhen.query import parse
from zhen.search import Searcher

from .helpers import SAMPLE, SHARED

TWLAW = SHARED / "corpus" / "twlaw"
PAGE_SIZES = (3, 10, 1000)
MAX_PAGES = 12  # pages read per query and page size


def _vocabulary(searcher, rng, count):
    """Words to query: jieba words of the word field with a spread of
    document frequencies, deterministic for a seed."""
    terms = [
        t.decode() if isinstance(t, bytes) else t
        for t in searcher.whoosh_searcher().lexicon("title")
    ]
    terms = [t for t in terms if re.fullmatch(r"[\u4e00-\u9fff]{2,4}", t)]
    rng.shuffle(terms)
    return terms[:count]


def generated_queries(searcher, seed=7, count=6):
    """Queries of every kind the language has, built from real words."""
    rng = random.Random(seed)
    words = _vocabulary(searcher, rng, count * 3)
    a, b, c = words[:count], words[count : 2 * count], words[2 * count :]
    queries = []
    for x, y, z in zip(a, b, c):
        queries += [
            x,
            f"{x} {y}",
            f'"{x}{y}"',
            f"{x} OR {y}",
            f"{x} -{y}",
            f"{x} date:1990..2030",
            f"title:{x} OR {z}",
            x[0],
            f"{x}{y}{z}的规定是什么以及{y}如何处理",
        ]
    return queries + ["中華民國", "條例", "法", "Article", "the", "law OR 法"]


def _every_page(searcher, query, limit):
    """(totals, facets, ids) over every page of one page size."""
    first = searcher.search(query, limit=limit)
    totals, facets, ids = {first.total}, [first.facets], [h.id for h in first.hits]
    for page in range(2, min(first.pages, MAX_PAGES) + 1):
        result = searcher.search(query, page=page, limit=limit)
        totals.add(result.total)
        facets.append(result.facets)
        ids += [h.id for h in result.hits]
    return first, totals, facets, ids


def _whoosh_count(searcher, query):
    """Whoosh's own unscored count of the compiled query (the matching
    documents, without any scored collector)."""
    tree = parse(query)
    whoosh = searcher.whoosh_searcher()
    compiled = Compiler().compile(tree)
    count = len(set(whoosh.docs_for_query(compiled)))
    if count == 0:  # the engine relaxes a plain multi-word query
        count = len(set(whoosh.docs_for_query(Compiler().compile(tree, loose=True))))
    return count


def check_query(searcher, query):
    seen_total = None
    for limit in PAGE_SIZES:
        first, totals, facets, ids = _every_page(searcher, query, limit)
        assert len(totals) == 1, (query, limit, totals)
        assert all(f == facets[0] for f in facets), (query, limit)
        total = totals.pop()
        seen_total = total if seen_total is None else seen_total
        assert total == seen_total, (query, limit)
        if first.pages <= MAX_PAGES:
            assert len(ids) == len(set(ids)) == total, (query, limit)
        for name, values in first.facets.items():
            if name in ("site", "batch"):  # every document has one
                assert sum(v["count"] for v in values) == total, (query, name)
    if first.total_relation == "eq":
        assert seen_total == _whoosh_count(searcher, query), query
    else:
        assert seen_total <= _whoosh_count(searcher, query), query


def brute_force(texts, word):
    """Ids of documents whose normalised Chinese fields contain ``word``."""
    needle = normalize(word).text
    return {doc_id for doc_id, text in texts.items() if needle in text}


def _chinese_texts(searcher):
    whoosh = searcher.whoosh_searcher()
    return {
        f["id"]: normalize(
            (f["record"].get("title") or "") + "\n" + (f["record"].get("resulting_text") or "")
        ).text
        for f in whoosh.all_stored_fields()
    }


@pytest.fixture(scope="module")
def sample_searcher(tmp_path_factory):
    from zhen.indexer import update_index

    index = tmp_path_factory.mktemp("totals_sample")
    update_index([SAMPLE], index=index, jobs=2)
    searcher = Searcher(index)
    yield searcher
    searcher.close()


def test_totals_never_depend_on_the_page_sample(sample_searcher):
    for query in generated_queries(sample_searcher):
        check_query(sample_searcher, query)


def test_reported_total_of_a_common_word_is_the_true_count(sample_searcher):
    texts = _chinese_texts(sample_searcher)
    for word in ("條例", "中華民國", "法", "规定"):
        expected = brute_force(texts, word)
        for limit in PAGE_SIZES:
            assert sample_searcher.search(word, limit=limit).total == len(expected)


@pytest.mark.slow
@pytest.mark.skipif(not TWLAW.is_dir(), reason="../shared is absent")
def test_totals_never_depend_on_the_page_twlaw(twlaw_searcher):
    for query in generated_queries(twlaw_searcher, seed=11, count=4):
        check_query(twlaw_searcher, query)
    texts = _chinese_texts(twlaw_searcher)
    for word in ("中華民國", "條例", "主管機關"):
        truth = brute_force(texts, word)
        for limit in PAGE_SIZES:
            result = twlaw_searcher.search(word, limit=limit)
            assert result.total == len(truth), (word, limit)
            assert twlaw_searcher.search(word, page=2, limit=limit).total == len(truth)


@pytest.fixture(scope="module")
def twlaw_searcher(tmp_path_factory):
    from zhen.indexer import update_index

    index = tmp_path_factory.mktemp("totals_twlaw")
    update_index([TWLAW], index=index, jobs=2)
    searcher = Searcher(index)
    yield searcher
    searcher.close()
