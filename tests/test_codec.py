"""zhen's Whoosh codec and formats write exactly what Whoosh's own would."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh import formats
from whoosh.codec.base import FieldWriter
from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader
from whoosh.filedb.filestore import FileStorage

from zhen.analysis import EnglishAnalyzer, GramAnalyzer, WordAnalyzer
from zhen.codec import (
    CompactPositions,
    LengthTableReader,
    TermFrequency,
    TermPositions,
    ZhenCodec,
)
from zhen.indexer import update_index
from zhen.schema import TEXT_FIELDS, recall_field
from zhen.store import IndexStore
from zhen.whoosh_internals import InliningFieldWriter

from .helpers import DOCS

TEXTS = [text for batch in DOCS.values() for doc in batch.values() for text in doc.values()] + [
    "中華民國 the Ministry of Commerce of the Ministry, ＡＰＩ２０２４ and C++ 3.14 國國國",
    "",
]


@pytest.mark.parametrize("analyzer", [WordAnalyzer(), GramAnalyzer(), EnglishAnalyzer()])
@pytest.mark.parametrize(
    "fast, whoosh", [(TermFrequency, formats.Frequency), (TermPositions, formats.Positions)]
)
def test_formats_give_whooshs_postings(analyzer, fast, whoosh):
    for text in TEXTS:
        got = sorted(fast().word_values(text, analyzer, mode="index"))
        expected = sorted(whoosh().word_values(text, analyzer, mode="index"))
        assert got == expected, text


@pytest.mark.parametrize("analyzer", [GramAnalyzer(), EnglishAnalyzer()])
def test_compact_positions_mean_what_whooshs_mean(analyzer):
    """Same terms, frequencies and weights; each value decodes to the
    positions, frequency and weight Whoosh's own value decodes to."""
    compact, whoosh = CompactPositions(), formats.Positions()
    for text in TEXTS:
        got = sorted(compact.word_values(text, analyzer, mode="index"))
        expected = sorted(whoosh.word_values(text, analyzer, mode="index"))
        assert [g[:3] for g in got] == [e[:3] for e in expected], text
        for (_, _, _, value), (_, _, _, theirs) in zip(got, expected):
            assert compact.decode_positions(value) == whoosh.decode_positions(theirs)
            assert compact.decode_frequency(value) == whoosh.decode_frequency(theirs)
            assert compact.decode_weight(value) == whoosh.decode_weight(theirs)
            assert len(value) < len(theirs)


@given(st.lists(st.integers(0, 2**40), min_size=1, unique=True).map(sorted))
def test_compact_positions_round_trip(positions):
    fmt = CompactPositions()
    value = fmt.encode(positions)
    assert fmt.decode_positions(value) == positions
    assert fmt.decode_frequency(value) == len(positions)
    assert fmt.decode_position_boosts(value) == [(p, 1) for p in positions]


def test_length_table_gives_whooshs_field_lengths(small_index):
    ix = IndexStore(small_index).open()
    fields = list(TEXT_FIELDS) + [recall_field(f) for f in TEXT_FIELDS]
    checked = 0
    for segment in ix._segments():
        fast = LengthTableReader(ix.storage, segment)
        whoosh = W3PerDocReader(ix.storage, segment)
        for docnum in range(segment.doc_count_all()):
            for field in fields:
                assert fast.doc_field_length(docnum, field) == whoosh.doc_field_length(
                    docnum, field
                )
                checked += whoosh.doc_field_length(docnum, field) is not None
    assert checked > 20


def test_inlined_postings_search_and_merge_like_block_postings(tmp_path):
    from whoosh.writing import SegmentWriter

    from zhen.codec import ZhenCodec
    from zhen.search import search

    from .helpers import write_corpus

    corpus = write_corpus(tmp_path / "c", DOCS)
    index = tmp_path / "ix"
    update_index([corpus / "batch-001"], index=index, jobs=1)
    update_index([corpus], index=index, jobs=1)
    ix = IndexStore(index).open()
    assert len(ix._segments()) == 2
    with ix.reader() as reader:  # one posting in its segment: in the term table
        infos = [
            leaf.term_info("title_x", term)
            for leaf, _ in reader.leaf_readers()
            for term in ("关税", "商务")
            if ("title_x", term) in leaf
        ]
    assert len(infos) == 3 and all(info.is_inlined() for info in infos)
    queries = [
        "国",
        "中华民国",
        '"语言处理"',
        "tariffs",
        '"Ministry of Commerce"',
        "商务部 -公告",
        "WTO",
        "title:通知",
        "batch:batch-002",
    ]
    before = {q: sorted(h.id for h in search(q, index=index, limit=20).hits) for q in queries}
    SegmentWriter(ix, codec=ZhenCodec(compression=0)).commit(optimize=True)
    assert len(IndexStore(index).open()._segments()) == 1
    after = {q: sorted(h.id for h in search(q, index=index, limit=20).hits) for q in queries}
    assert after == before and all(before.values())


class WhooshLoopFieldWriter(InliningFieldWriter):
    """zhen's field writer with Whoosh's own posting loop, as the reference."""

    add_postings = FieldWriter.add_postings


class WhooshLoopCodec(ZhenCodec):
    def field_writer(self, storage, segment):
        return WhooshLoopFieldWriter(self, storage, segment)


@pytest.mark.parametrize("limitmb", [384, 1], ids=["in-memory", "spilled-runs"])
def test_fast_writers_write_whooshs_bytes(tmp_path, limitmb):
    """FastSegmentWriter pools a document's postings a field at a time and
    the field writer fills posting blocks a block at a time; every file of
    the segment is byte for byte what Whoosh's writer and loop make (the
    sample has terms in more than one 128-posting block)."""
    from whoosh.writing import SegmentWriter

    from zhen.corpus import CorpusReader
    from zhen.schema import build_schema, document_fields
    from zhen.whoosh_internals import FastSegmentWriter

    from .helpers import SAMPLE

    docs = [document_fields(doc) for doc in CorpusReader([SAMPLE]).documents()]
    written = {}
    for name, writer_class, codec in (
        ("whoosh", SegmentWriter, WhooshLoopCodec),
        ("fast", FastSegmentWriter, ZhenCodec),
    ):
        ix = FileStorage(str(tmp_path / name)).create().create_index(build_schema())
        writer = writer_class(ix, limitmb=limitmb, codec=codec(compression=0), compound=False)
        for fields in docs:
            writer.add_document(**fields)
        writer.commit()
        written[name] = _segment_files(ix, tmp_path / name)
        with ix.reader() as reader:  # terms in more than one block
            assert reader.doc_frequency("body_en", "the") > 128
    assert len(written["whoosh"]) > 10
    assert written["fast"] == written["whoosh"]


def _segment_files(ix, folder):
    """name (without the segment id) -> bytes of each file of the index's
    one segment."""
    (segment,) = ix._segments()
    prefix = segment.segment_id()
    return {
        f.name[len(prefix) :]: f.read_bytes()
        for f in folder.iterdir()
        if f.name.startswith(prefix) and not f.name.endswith(".seg")
    }


_FLOAT32 = st.floats(0, 1e6, width=32, allow_nan=False)


def _draw_weights(data, kind, n):
    """``n`` weights of a kind: all 1.0, whole numbers (up to 2**40: every
    integer width) or 32-bit floats."""
    if kind == "one":
        return [1.0] * n
    if kind == "integral":
        return [
            float(w) for w in data.draw(st.lists(st.integers(0, 2**40), min_size=n, max_size=n))
        ]
    return data.draw(st.lists(_FLOAT32, min_size=n, max_size=n))


def _sorted_ids(most):
    return st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=most, unique=True).map(sorted)


_WEIGHT_KINDS = st.sampled_from(["one", "integral", "float"])
_VALUE_KINDS = st.sampled_from(["none", "fixed", "variable"])


def _draw_values(data, kind, n, longest, none):
    """``n`` values of a kind: ``none`` (the format has none), 4 bytes
    each, or 1 to ``longest`` bytes each."""
    if kind == "none":
        return none
    shortest, longest = (4, 4) if kind == "fixed" else (1, longest)
    value = st.binary(min_size=shortest, max_size=longest)
    return data.draw(st.lists(value, min_size=n, max_size=n))


@given(_sorted_ids(300), _WEIGHT_KINDS, _VALUE_KINDS, st.data())
def test_packed_blocks_round_trip(ids, weight_kind, value_kind, data):
    from zhen.whoosh_internals.blocks import decode_block, encode_block

    n = len(ids)
    weights = _draw_weights(data, weight_kind, n)
    size = {"none": 0, "fixed": 4, "variable": None}[value_kind]
    values = _draw_values(data, value_kind, n, 300, none=[])
    got_ids, got_weights, got_values = decode_block(encode_block(ids, weights, values, size), n)
    assert list(got_ids) == ids
    assert (list(got_weights) if got_weights is not None else [1.0] * n) == weights
    if value_kind == "none":
        assert got_values is None
    elif value_kind == "fixed":
        assert got_values == b"".join(values)
    else:
        assert list(got_values) == values


_BLOCK = st.tuples(
    st.sampled_from([300, 70_000, 2**32 - 1])
    .flatmap(  # every id delta width
        lambda top: st.lists(st.integers(0, top), min_size=1, max_size=130, unique=True)
    )
    .map(sorted),
    st.sampled_from(["one", "integral", "float"]),
    st.sampled_from([0, 4, None]),
    st.data(),
)


@given(st.lists(_BLOCK, min_size=1, max_size=12))
def test_blocks_decoded_together_as_one_by_one(blocks):
    """:func:`decode_ids_weights` of many blocks (every id width, weight
    kind and value layout, a block of one posting) gives what
    :func:`decode_block` gives block by block."""
    from zhen.whoosh_internals.block_arrays import decode_ids_weights
    from zhen.whoosh_internals.blocks import decode_block, encode_block

    encoded, counts, want_ids, want_weights = [], [], [], []
    for ids, weight_kind, size, data in blocks:
        n = len(ids)
        weights = _draw_weights(data, weight_kind, n)
        values = [bytes([i % 256]) * (size if size is not None else i % 5) for i in range(n)]
        encoded.append(encode_block(ids, weights, values if size != 0 else [], size))
        counts.append(n)
        got_ids, got_weights, _ = decode_block(encoded[-1], n, values=False)
        want_ids += list(got_ids)
        want_weights += list(got_weights) if got_weights is not None else [1.0] * n
    ids, weights = decode_ids_weights(encoded, counts)
    assert ids.tolist() == want_ids
    assert weights.tolist() == want_weights


class WhooshBlocksCodec(ZhenCodec):
    """zhen's codec with Whoosh's pickled posting blocks, as the reference."""

    def postings_writer(self, dbfile, byteids=False):
        return W3Codec.postings_writer(self, dbfile, byteids)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        return W3Codec.postings_reader(self, dbfile, terminfo, format_, term, scorer)


def _every_posting(ix):
    """{(field, term): [(id, weight, value), ...]} read through matchers."""
    found = {}
    with ix.reader() as reader:
        for field, term in reader.all_terms():
            matcher = reader.postings(field, term)
            found[field, term] = [(m.id(), m.weight(), m.value()) for m in _walk(matcher)]
    return found


def _walk(matcher):
    while matcher.is_active():
        yield matcher
        matcher.next()


def test_packed_blocks_hold_whooshs_postings(tmp_path):
    """The sample written with packed blocks reads back, term by term and
    posting by posting, as written with Whoosh's pickled blocks; the numpy
    block reader of the question ranker agrees; and the postings file is
    smaller."""
    from whoosh.writing import SegmentWriter

    from zhen.corpus import CorpusReader
    from zhen.postings import _generic, _segment_postings
    from zhen.schema import build_schema, document_fields
    from zhen.whoosh_internals import PackedBlockMatcher, term_matcher

    from .helpers import SAMPLE

    docs = [document_fields(doc) for doc in CorpusReader([SAMPLE]).documents()]
    postings, sizes = {}, {}
    for name, codec in (("whoosh", WhooshBlocksCodec), ("packed", ZhenCodec)):
        ix = FileStorage(str(tmp_path / name)).create().create_index(build_schema())
        writer = SegmentWriter(ix, codec=codec(compression=1), compound=False)
        for fields in docs:
            writer.add_document(**fields)
        writer.commit()
        postings[name] = _every_posting(ix)
        sizes[name] = sum(f.stat().st_size for f in (tmp_path / name).glob("*.pst"))
    assert postings["packed"] == postings["whoosh"]
    assert sum(len(p) > 128 for p in postings["packed"].values()) > 10  # several blocks
    assert sizes["packed"] < 0.7 * sizes["whoosh"]
    with ix.reader() as reader:
        text_fields = {*TEXT_FIELDS, *map(recall_field, TEXT_FIELDS)}
        long_lists = [key for key, p in postings["packed"].items() if len(p) > 8]
        for field, term in [key for key in long_lists if key[0] in text_fields]:
            matcher = term_matcher(reader, field, term.decode("utf-8"))
            assert isinstance(matcher, PackedBlockMatcher)
            fast = _segment_postings(reader, field, term.decode("utf-8"))
            slow = _generic(term_matcher(reader, field, term.decode("utf-8")))
            assert fast[0].tolist() == slow[0].tolist()
            assert fast[1].tolist() == slow[1].tolist()


def test_a_segment_reads_its_stored_fields_with_its_own_dictionary(small_index, monkeypatch):
    """Stored records are deflated with a preset dictionary that each
    segment's pickled codec keeps: records still read after the dictionary
    the code makes has changed (a wrong one would fail or give garbage)."""
    import zhen.codec
    from zhen.search import Searcher

    before = Searcher(small_index).document("001_mofcom")
    monkeypatch.setattr(zhen.codec, "_stored_dictionary", lambda: b"another dictionary" * 20)
    with IndexStore(small_index).open().searcher() as searcher:
        (segment,) = searcher.reader().leaf_readers()[:1]
        assert segment[0].codec().stored_dictionary != zhen.codec._stored_dictionary()
    assert Searcher(small_index).document("001_mofcom") == before
    assert before["title"]


def test_fast_writers_merge_a_segment_in_as_whoosh_does(tmp_path):
    """A segment merged into a FastSegmentWriter half-way through its
    documents (the merge policy's small merges): the fields it collects by
    term (the character twins) go to the pool from then on, and every file
    written is byte for byte Whoosh's."""
    from whoosh.writing import SegmentWriter

    from zhen.corpus import CorpusReader
    from zhen.schema import build_schema, document_fields
    from zhen.whoosh_internals import FastSegmentWriter

    from .helpers import SAMPLE

    docs = [document_fields(doc) for doc in CorpusReader([SAMPLE]).documents()]
    small = FileStorage(str(tmp_path / "small")).create().create_index(build_schema())
    with SegmentWriter(small, codec=ZhenCodec(compression=0), compound=False) as writer:
        for fields in docs[:7]:
            writer.add_document(**fields)
    written = {}
    for name, writer_class, codec in (
        ("whoosh", SegmentWriter, WhooshLoopCodec),
        ("fast", FastSegmentWriter, ZhenCodec),
    ):
        ix = FileStorage(str(tmp_path / name)).create().create_index(build_schema())
        writer = writer_class(ix, codec=codec(compression=0), compound=False)
        for fields in docs[7:20]:
            writer.add_document(**fields)
        with small.reader() as reader:
            writer.add_reader(reader)
        for fields in docs[20:]:
            writer.add_document(**fields)
        writer.commit()
        written[name] = _segment_files(ix, tmp_path / name)
        with ix.reader() as reader:
            assert reader.doc_frequency("body_xc", "国") > 0
    assert written["fast"] == written["whoosh"]


def test_blocks_of_counts_hold_more_postings_than_blocks_of_positions(tmp_path):
    """A term in 1,300 documents: its blocks in fields without positions
    (jieba words, character twins) hold ``countlimit`` postings, in fields
    with positions (Han bigrams) ``blocklimit``."""
    from whoosh.writing import SegmentWriter

    from zhen.schema import build_schema
    from zhen.whoosh_internals.blocks import stored_blocks

    ix = FileStorage(str(tmp_path)).create().create_index(build_schema())
    writer = SegmentWriter(ix, codec=ZhenCodec(blocklimit=120, countlimit=500), compound=False)
    for n in range(1300):
        text = f"税法 第{n}条"
        writer.add_document(id=str(n), body=text, body_x=text, body_xc=text)
    writer.commit()
    with ix.reader() as reader:
        for field, limit in (("body", 500), ("body_x", 120), ("body_xc", 500)):
            ((_, term),) = reader.most_frequent_terms(field, 1)
            info = reader.term_info(field, term)
            counts = [count for count, _, _ in stored_blocks(info, reader._terms._postfile)]
            assert counts == [limit] * (1300 // limit) + [1300 % limit], field


def test_blocks_are_zstandard_and_zlib_blocks_still_read(tmp_path):
    """Posting blocks are compressed with Zstandard, their header recording
    the level negated; a block a format-5 zhen wrote (zlib, its level
    positive) or one stored as is decompresses to the same bytes."""
    import zlib

    from whoosh.writing import SegmentWriter

    from zhen.schema import build_schema
    from zhen.whoosh_internals.blocks import decompress_block, stored_blocks

    ix = FileStorage(str(tmp_path)).create().create_index(build_schema())
    writer = SegmentWriter(ix, codec=ZhenCodec(blocklimit=128, compression=2), compound=False)
    for n in range(300):
        writer.add_document(id=str(n), body_x=f"税法 第{n}条")
    writer.commit()
    with ix.reader() as reader:
        ((_, term),) = reader.most_frequent_terms("body_x", 1)
        info = reader.term_info("body_x", term)
        blocks = list(stored_blocks(info, reader._terms._postfile))
    assert len(blocks) == 3 and {stored[1] for _, _, stored in blocks} == {-2}
    for _, _, (data, compression) in blocks:
        plain = decompress_block(data, compression)
        assert zlib.compress(plain) != data and len(data) < len(plain)
        assert decompress_block(zlib.compress(plain, 1), 1) == plain
        assert decompress_block(plain, None) == plain
    with ix.searcher() as searcher:
        assert searcher.doc_frequency("body_x", term) == 300


@given(_sorted_ids(7), _WEIGHT_KINDS, _VALUE_KINDS, st.data())
def test_inlined_term_info_made_at_once_as_the_writer_makes_it(ids, weight_kind, value_kind, data):
    """A term of a few postings gets from ``inlined_info_bytes`` the bytes
    the postings writer's own way gives it (start, add the postings,
    finish, encode the term info): every weight kind, value layout and
    field length, lengths of zero (none) included."""
    import io

    from whoosh.filedb.structfile import StructFile

    from zhen.whoosh_internals import InliningTermInfo
    from zhen.whoosh_internals.blocks import PackedBlockWriter
    from zhen.whoosh_internals.codec import InliningFieldWriter as Writer

    n = len(ids)
    weights = _draw_weights(data, weight_kind, n)
    format_ = {"none": formats.Existence(), "fixed": formats.Frequency()}.get(
        value_kind, CompactPositions()
    )
    values = _draw_values(data, value_kind, n, 30, none=[b""] * n)
    table = dict(zip(ids, data.draw(st.lists(st.integers(0, 255), min_size=n, max_size=n))))
    writer = PackedBlockWriter(StructFile(io.BytesIO()), 128, 512, compression=1, inlinelimit=8)
    writer.start_postings(format_, InliningTermInfo())
    Writer.add_term_postings(_HasWriter(writer), ids, weights, values, table)
    expected = writer.finish_postings().to_bytes()
    assert writer.inlined_info_bytes(format_, ids, weights, values, table) == expected


class _HasWriter:
    """The one attribute :meth:`InliningFieldWriter.add_term_postings` uses."""

    def __init__(self, postwriter):
        self._postwriter = postwriter
