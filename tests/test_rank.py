"""Question ranking (zhen.rank) through the search users get, on a real index."""

import pytest
from whoosh.query import Prefix

from zhen import postings
from zhen.compiler import Compiler, question_of
from zhen.query import parse
from zhen.rank import views
from zhen.search import Searcher

QUESTION = "中华民国的宪法是基于什么主义制定的呢"


@pytest.fixture(scope="module")
def searcher(small_index):
    return Searcher(small_index)


@pytest.mark.parametrize(
    "text, is_question",
    [
        (QUESTION, True),  # a Han sentence
        ("which rules apply to tariffs on imported goods", True),  # more than 4 words
        ("什么是宪法？", True),  # ends in a question mark
        ('"中华民国" 的宪法是基于什么主义制定的呢', True),  # a phrase in a question
        ("商务部 tariff", False),
        ("国", False),
        ('"语言处理"', False),
        ("WTO OR 世贸 a b c d", False),  # an OR keeps its meaning
    ],
)
def test_what_is_a_question(text, is_question):
    assert (question_of(Compiler(), parse(text)) is not None) is is_question


def test_question_ranks_the_answer_first(searcher):
    result = searcher.search(QUESTION)
    assert [h.id for h in result.hits][:2] == ["005_traditional", "006_simplified"]
    assert result.total == len(result.hits) and result.total_relation == "eq"


def test_english_question_skips_function_words(searcher):
    hits = searcher.search("which rules apply to tariffs on imported goods").hits
    assert hits[0].id == "008_tariffs"
    assert views("what is the")["words"], "only function words: ranked by them"


def test_paging_and_total_do_not_depend_on_the_page(searcher):
    whole = searcher.search(QUESTION, limit=10)
    pages = [searcher.search(QUESTION, limit=1, page=p) for p in range(1, whole.total + 1)]
    assert {p.total for p in pages} == {whole.total}
    assert [p.hits[0].id for p in pages] == [h.id for h in whole.hits]


def test_filters_and_exclusions_apply_quotes_rank(searcher):
    assert [h.id for h in searcher.search(QUESTION + " date:..1990").hits] == ["005_traditional"]
    assert "005_traditional" not in [h.id for h in searcher.search(QUESTION + " -三民主义").hits]
    quoted = searcher.search("“中华民国时期”的档案是什么？")  # a term, not required
    assert quoted.hits[0].id == "006_simplified" and quoted.total > 1


def test_question_matches_the_same_documents_in_date_order(searcher):
    by_date = searcher.search(QUESTION, sort="date")
    by_relevance = searcher.search(QUESTION)
    assert by_date.total == by_relevance.total
    assert {h.id for h in by_date.hits} == {h.id for h in by_relevance.hits}


def test_postings_arrays_match_whoosh(searcher):
    """The block reader gives what Whoosh's own matcher gives."""
    whoosh = searcher.whoosh_searcher()
    for field, term in [("body_x", "中华"), ("body", "中华人民共和国"), ("body_x", "国")]:
        docs, freqs = postings.term_postings(whoosh, (field,), term)
        expected = {}
        for sub, offset in postings._leaves(whoosh):
            reader = sub.reader() if hasattr(sub, "reader") else sub
            if (field, term) in reader:
                m = reader.postings(field, term)
                while m.is_active():
                    expected[m.id() + offset] = m.weight()
                    m.next()
        assert dict(zip(docs.tolist(), freqs.tolist())) == expected
    chars, _ = postings.char_postings(whoosh, ("body_x",), "国")
    assert set(chars.tolist()) == set(whoosh.docs_for_query(Prefix("body_x", "国")))
