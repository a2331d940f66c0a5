"""Question ranking (zhen.rank) through the search users get, on a real index."""

import pytest
from whoosh.query import Prefix

from zhen import feedback, postings
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


CARRIER = "承运人对运输中货物的灭失承担赔偿责任，货物灭失的，承运人应当赔偿。"
FILLER = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"


@pytest.fixture(scope="module")
def feedback_index(tmp_path_factory):
    """Ten documents that answer a question, six that share one of its words
    (要求) and nothing else, one that shares the same word but speaks as the
    answers do (承运人, 灭失), and 400 unrelated ones, so that the answers'
    own words are rare (feedback leaves out terms in more than 5 % of
    documents)."""
    import json

    from zhen.indexer import update_index

    records = [
        {"id": f"answer{n}", "title": "运输规定", "resulting_text": CARRIER} for n in range(10)
    ]
    records += [
        {"id": f"filler{n}", "title": "其他", "resulting_text": "要求" + FILLER[n : n + 6]}
        for n in range(6)
    ]
    records.append(
        {
            "id": "like_answers",
            "title": "其他",
            "resulting_text": "要求承运人对运输中的灭失承担责任。",
        }
    )
    records += [
        {
            "id": f"other{n}",
            "title": FILLER[n % 20 : n % 20 + 2],
            "resulting_text": f"{FILLER[::-1]}{n}",
        }
        for n in range(400)
    ]
    corpus = tmp_path_factory.mktemp("feedback") / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    index = corpus.parent / "ix"
    update_index([corpus], index=index, jobs=1)
    searcher = Searcher(index)
    yield searcher
    searcher.close()


FEEDBACK_QUESTION = "货物弄丢了应该怎么要求赔偿？"


def test_feedback_ranks_what_follows_the_questions_best(feedback_index):
    from zhen.rank import fused_scores

    first = feedback_index.search(FEEDBACK_QUESTION, limit=10)
    more = feedback_index.search(FEEDBACK_QUESTION, limit=20)
    assert {h.id for h in first.hits} == {f"answer{n}" for n in range(10)}
    assert [h.id for h in more.hits[:10]] == [h.id for h in first.hits]
    assert more.total == first.total == 17
    # The question alone ranks the document that speaks as the answers do
    # below every filler; feedback from the first page puts it first after it.
    whoosh = feedback_index.whoosh_searcher()
    scores = fused_scores(whoosh, views(FEEDBACK_QUESTION))
    number = {whoosh.stored_fields(n)["id"]: n for n in range(whoosh.doc_count_all())}
    fillers = [scores[number[f"filler{n}"]] for n in range(6)]
    assert scores[number["like_answers"]] < min(fillers)
    assert more.hits[10].id == "like_answers"
    assert all(a.score >= b.score for a, b in zip(more.hits, more.hits[1:]))
    assert [h.id for h in feedback_index.search(FEEDBACK_QUESTION, limit=10, page=2).hits] == [
        h.id for h in more.hits[10:]
    ]
    # The question's own best keep its order; pages of any size agree.
    own = sorted(range(len(scores)), key=lambda n: (-scores[n], n))[: feedback.KEPT]
    assert [h.id for h in first.hits[: feedback.KEPT]] == [
        whoosh.stored_fields(n)["id"] for n in own
    ]
    small = [
        h.id
        for page in (1, 2, 3, 4)
        for h in feedback_index.search(FEEDBACK_QUESTION, limit=3, page=page).hits
    ]
    assert small == [h.id for h in more.hits[:12]]


def test_a_long_query_that_finds_nothing_is_ranked_as_a_question(feedback_index):
    """Eight characters no document has as written (four words): ranked as
    a question and said to be relaxed, in either sort order."""
    result = feedback_index.search("货物灭失运输赔偿")
    assert result.relaxed and result.hits[0].id.startswith("answer")
    assert feedback_index.search("货物灭失运输赔偿", sort="date").total == result.total
    assert feedback_index.search("灭失赔偿").total == 0  # two words: as written only
