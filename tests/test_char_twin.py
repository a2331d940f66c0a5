"""The character twins of recall fields (``title_xc``, ``body_xc``): a
character's postings there are what the postings of every recall term it
starts add up to, read term by term through Whoosh's own matchers."""

import random
from collections import Counter
from contextlib import closing

import pytest

from zhen import postings
from zhen.analysis import CharAnalyzer, GramAnalyzer
from zhen.indexer import update_index
from zhen.search import Searcher

from .helpers import index_sample_with_deletions
from .test_totals import TWLAW

RECALL = ("title_x", "body_x")


def expanded(whoosh, fields, char):
    """global document number -> the frequencies, in ``fields``, of every
    term ``char`` starts (a bigram or the character alone), by Whoosh's
    matchers (which leave deleted documents out)."""
    found = Counter()
    for sub, offset in postings._leaves(whoosh):
        reader = sub.reader() if hasattr(sub, "reader") else sub
        for field in fields:
            for term in reader.expand_prefix(field, char):
                text = term.decode("utf-8")
                if len(text) > 2:
                    continue
                matcher = reader.postings(field, text)
                while matcher.is_active():
                    found[matcher.id() + offset] += matcher.weight()
                    matcher.next()
    return dict(found)


def twin_postings(whoosh, fields, char):
    docs, freqs = postings.char_postings(whoosh, fields, char)
    live = postings.live_mask(whoosh)[docs]
    return dict(zip(docs[live].tolist(), freqs[live].tolist()))


def han_chars(whoosh, count, seed):
    """``count`` characters of the index's character twins, drawn at random."""
    lexicon = sorted(t.decode("utf-8") for t in whoosh.reader().lexicon("body_xc"))
    return random.Random(seed).sample(lexicon, min(count, len(lexicon)))


def check(whoosh, chars):
    for char in chars:
        for fields in (RECALL, ("body_x",), ("title_x",)):
            assert twin_postings(whoosh, fields, char) == expanded(whoosh, fields, char), char


def test_the_analyzer_counts_every_han_character_of_the_gram_terms():
    text = "國際貿易 WTO 的規則，𠀋𠀋字"
    grams = GramAnalyzer().term_texts(text)
    starts = Counter(term[0] for term in grams if not term.isascii())
    assert Counter(CharAnalyzer().term_texts(text)) == starts
    assert [t.text for t in CharAnalyzer()(text)] == list("国际贸易的规则𠀋𠀋字")


@pytest.fixture(scope="module")
def sample_with_deletions(tmp_path_factory):
    """The bundled sample in two segments, ten documents replaced."""
    index = index_sample_with_deletions(tmp_path_factory.mktemp("twins"))
    with closing(Searcher(index)) as searcher:
        assert searcher.whoosh_searcher().reader().has_deletions()
        yield searcher.whoosh_searcher()


def test_twin_postings_add_up_the_recall_terms_on_the_sample(sample_with_deletions):
    check(sample_with_deletions, han_chars(sample_with_deletions, 150, seed=1))


def test_a_character_query_matches_the_recall_terms(sample_with_deletions):
    from whoosh.query import Prefix, Term

    whoosh = sample_with_deletions
    for char in han_chars(whoosh, 40, seed=2):
        by_prefix = set(whoosh.docs_for_query(Prefix("body_x", char)))
        twin = set(whoosh.docs_for_query(postings.CharacterPrefix("body_x", char)))
        assert twin == by_prefix == set(whoosh.docs_for_query(Term("body_xc", char))), char


@pytest.mark.slow
@pytest.mark.skipif(not TWLAW.is_dir(), reason="../shared is absent")
def test_twin_postings_add_up_the_recall_terms_on_twlaw(tmp_path_factory):
    index = tmp_path_factory.mktemp("twins_twlaw")
    update_index([TWLAW], index=index, jobs=2)
    with closing(Searcher(index)) as searcher:
        whoosh = searcher.whoosh_searcher()
        assert len(whoosh.reader().leaf_readers()) > 1
        check(whoosh, han_chars(whoosh, 120, seed=3))
