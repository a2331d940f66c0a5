"""zhen's uses of Whoosh's private names, checked against the installed
Whoosh: an upgrade that drops one fails here, with its name, before it
breaks an index."""

from whoosh import formats
from whoosh.codec import whoosh3
from whoosh.codec.whoosh3 import W3FieldWriter
from whoosh.filedb.filestore import FileStorage

from zhen import whoosh_internals
from zhen.codec import ZhenCodec


def test_every_private_name_zhen_uses_exists():
    missing = whoosh_internals.missing_names()
    assert not missing, (
        "the installed Whoosh lacks private names zhen relies on "
        f"(see zhen/whoosh_internals.py): {', '.join(missing)}"
    )


def test_private_attributes_exist_on_real_objects(tmp_path):
    from zhen.indexer import update_index
    from zhen.store import IndexStore

    from .helpers import write_record

    for n in range(10):  # a term in more documents than are inlined
        write_record(tmp_path / "c" / "b", f"doc{n}", title="标题", translated_title="Title")
    update_index([tmp_path / "c"], index=tmp_path / "ix", jobs=1)
    ix = IndexStore(tmp_path / "ix").open()
    segment = ix._segments()[0]
    reader = whoosh_internals.LengthTableReader(ix.storage, segment)
    column = reader._cached_reader(whoosh3._lenfield("title"), whoosh3.LENGTHS_COLUMN)
    assert column is not None, "no length column for 'title'"
    scratch = FileStorage(str(tmp_path / "scratch")).create()  # a field
    writer = W3FieldWriter(
        ZhenCodec(),
        scratch,  # writer makes files
        whoosh3.W3Segment(ZhenCodec(), "MAIN"),
    )
    writer_of_documents = ZhenCodec().per_document_writer(
        scratch, whoosh3.W3Segment(ZhenCodec(), "DOCS")
    )
    fast_writer = whoosh_internals.FastSegmentWriter(ix)
    postings_writer = ZhenCodec().postings_writer(writer._postfile)
    postings_writer.start_postings(formats.Frequency(), whoosh3.W3TermInfo())
    with ix.reader() as segment_reader:
        matcher = whoosh_internals.term_matcher(segment_reader, "title", "标题")
        found = {
            "W3FieldWriter": writer,
            "OrderedHashWriter": writer._tindex,
            "W3PerDocReader": reader,
            "W3PerDocWriter": writer_of_documents,
            "fixed-width column reader": column,
            "SegmentReader": segment_reader,
            "W3LeafMatcher": matcher,
            "SegmentWriter": fast_writer,
            "PostingPool": fast_writer.pool,
            "W3PostingsWriter": postings_writer,
            "W3TermInfo": segment_reader.term_info("title", "标题"),
            "W3TermsReader": segment_reader._terms,
            "VarBytesColumn.Reader": segment_reader.column_reader("id", translate=False),
        }
        assert whoosh_internals.column_values(found["VarBytesColumn.Reader"]) == list(
            found["VarBytesColumn.Reader"]
        )
        assert isinstance(matcher, whoosh3.W3LeafMatcher)
        ids, _ = whoosh_internals.packed_term_arrays(segment_reader, found["W3TermInfo"])
        assert len(ids) == 10
        absent = [
            f"{owner}.{name}"
            for owner, names in whoosh_internals.REQUIRED_ATTRIBUTES.items()
            if owner in found
            for name in names
            if not hasattr(found[owner], name)
        ]
    fast_writer.cancel()
    assert not absent, f"Whoosh objects lack attributes zhen reads: {absent}"
