"""A merge that copies postings a term at a time.

Whoosh merges a segment into a writer one posting at a time: each is read
through a matcher, added to the writer's pool, pickled to a run file, read
back, merged with the other runs and written again (``add_reader``). On
short documents that is several Python calls per posting: merging five
STARD segments of 10,000 articles (6.9 million postings) took 250 s under
the profiler, and at 100,000 documents the merges cost the build more CPU
than indexing (``bench/RESULTS.md``).

The segments of one merge already hold their terms in order and their
documents in disjoint ranges, so nothing needs sorting: walking the term
tables side by side, each term's postings are decoded a block at a time
(packed arrays, :mod:`.blocks`), renumbered (each segment's documents follow
the previous one's; deleted documents are dropped) and written through the
codec's own postings writer. The merged segment's files are byte for byte
those of Whoosh's merge (``tests/test_copying.py``).
"""

import heapq
import struct
from array import array
from itertools import compress, groupby
from operator import itemgetter

from whoosh import columns
from whoosh.codec import whoosh3
from whoosh.reading import SegmentReader
from whoosh.system import _SHORT_SIZE, pack_ushort

from .blocks import HEADER, term_blocks
from .codec import INLINED

_KEY = itemgetter(0)
# A term info's bytes (Whoosh's ``W3TermInfo``): its header, the lowest
# and highest document numbers in it, and (inlined, packed postings:
# :meth:`.codec.InliningTermInfo.to_bytes`) the postings' first id.
_INFO = whoosh3.W3TermInfo._struct
_IDS = struct.Struct("!II")
_IDS_AT = _INFO.size - _IDS.size
_FIRST_ID = struct.Struct("<I")
_FIRST_ID_AT = _INFO.size + len(INLINED) + 1 + HEADER.size - _FIRST_ID.size


def copy_segments(writer, segments, into=None):
    """Write the live documents of ``segments``, in order, into one new
    segment of ``writer``'s index (its storage, schema and codec; anything
    with those attributes and ``indexname``), and return it; None when no
    document is live. The segment's files go to ``into``, another storage,
    if given (a merge beside the indexing, out of reach of the commits'
    clean-up). The segment is in no table of contents until a writer
    commits it."""
    storage, schema, codec = writer.storage, writer.schema, writer.codec
    out = storage if into is None else into
    segment = codec.new_segment(out, writer.indexname)
    readers = [SegmentReader(storage, schema, seg) for seg in segments]
    try:
        docmaps, count = _copy_documents(codec, out, segment, schema, readers)
        _copy_postings(codec, out, segment, schema, readers, docmaps)
    finally:
        for reader in readers:
            reader.close()
    segment.set_doc_count(count)
    return segment if count else None


def _copy_documents(codec, storage, segment, schema, readers):
    """Copy every live document's stored fields, field lengths and column
    values, as Whoosh's ``write_per_doc`` does. Returns, per reader, its
    document numbers' new ones (the first one's when it has no deleted
    documents, else an array with -1 for a deleted one), and the count."""
    writer = codec.per_document_writer(storage, segment)
    fieldnames = schema.names()
    docmaps, docnum = [], 0
    for reader in readers:
        docmap = array("q", [-1]) * reader.doc_count_all() if reader.has_deletions() else docnum
        totals_before = dict(writer._fieldlengths)
        columns_of = _column_readers(schema, reader, fieldnames)
        for old, stored in reader.iter_docs():
            if not isinstance(docmap, int):
                docmap[old] = docnum
            writer.start_doc(docnum)
            for fieldname in fieldnames:
                length = reader.doc_field_length(old, fieldname)
                writer.add_field(fieldname, schema[fieldname], stored.get(fieldname), length)
                if fieldname in columns_of:
                    column_type = schema[fieldname].column_type
                    writer.add_column_value(fieldname, column_type, columns_of[fieldname][old])
            writer.finish_doc()
            docnum += 1
        keep_exact_lengths(writer._fieldlengths, totals_before, reader)
        docmaps.append(docmap)
    writer.close()
    return docmaps, docnum


def keep_exact_lengths(totals, before, reader):
    """Replace the field-length totals a merge added for ``reader`` (each
    document's length as stored, rounded to one byte) with the segment's
    exact ones, so BM25's average field length, and every score, are what a
    fresh build would give. A segment with deleted documents keeps the
    rounded sum of its live ones (their exact lengths are not stored)."""
    if reader.has_deletions():
        return
    for name in list(totals):
        added = totals[name] - before.get(name, 0)
        if added:
            totals[name] += reader.field_length(name) - added


def _column_readers(schema, reader, fieldnames):
    found = {}
    for fieldname in fieldnames:
        column_type = schema[fieldname].column_type
        if column_type and reader.has_column(fieldname):
            column = reader.column_reader(fieldname, column_type)
            if isinstance(column, columns.TranslatingColumnReader):
                column = column.raw_column()
            found[fieldname] = column
    return found


def _copy_postings(codec, storage, segment, schema, readers, docmaps):
    """Write each term's postings of every reader, renumbered, in term
    order, through the codec's field writer."""
    lengths = codec.per_document_reader(storage, segment)
    fieldwriter = codec.field_writer(storage, segment)
    streams = [_terms_in_order(reader, index) for index, reader in enumerate(readers)]
    current, table = None, None
    for (fieldname, btext), group in groupby(heapq.merge(*streams), key=_KEY):
        if fieldname not in schema:
            continue
        group = list(group)
        moved = _moved_inline(group, docmaps) if len(group) == 1 else None
        postings = None
        if moved is None:
            postings = _renumbered(group, readers, docmaps, schema[fieldname].format)
            if not postings[0]:  # only in deleted documents
                continue
        if fieldname != current:  # a field's first term with postings
            if current is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            current, table = fieldname, lengths.length_table(fieldname)
        if postings is None:
            fieldwriter.add_term_info_bytes(btext, moved)
        else:
            fieldwriter.add_term(btext, *postings, table)
    if current is not None:
        fieldwriter.finish_field()
    fieldwriter.close()
    lengths.close()


def _terms_in_order(reader, index):
    """((fieldname, term bytes), index, term info bytes) of every term of a
    segment, by field name, then term: the order of every segment's terms
    whatever number its term table gave each field."""
    table = reader._terms._tindex
    fieldmap = reader._terms._fieldmap
    for fieldname in sorted(fieldmap):
        prefix = pack_ushort(fieldmap[fieldname])
        for keybytes, infobytes in table.items_from(prefix):
            if not keybytes.startswith(prefix):
                break
            yield (fieldname, keybytes[_SHORT_SIZE:]), index, infobytes


def _moved_inline(group, docmaps):
    """The term info bytes of a term found in one segment only, with its
    postings inlined and packed (:class:`.codec.InliningTermInfo`), for the
    merged segment: its document numbers moved by the segment's offset, all
    else unchanged (the same documents, the same lengths). None when the
    term needs decoding: in several segments, a segment with deleted
    documents, postings in blocks or pickled by Whoosh."""
    _, index, infobytes = group[0]
    base = docmaps[index]
    if not isinstance(base, int) or not _packed_inline(infobytes):
        return None
    if not base:
        return infobytes
    minid, maxid = _IDS.unpack_from(infobytes, _IDS_AT)
    (first,) = _FIRST_ID.unpack_from(infobytes, _FIRST_ID_AT)
    moved = bytearray(infobytes)
    _IDS.pack_into(moved, _IDS_AT, minid + base, maxid + base)
    _FIRST_ID.pack_into(moved, _FIRST_ID_AT, first + base)
    return bytes(moved)


def _packed_inline(infobytes):
    return infobytes[0] == 1 and infobytes.startswith(INLINED, _INFO.size)


def _renumbered(group, readers, docmaps, format_):
    """(ids, weights, values) of one term in every segment holding it, the
    document numbers made the merged segment's."""
    ids, weights, values = array("I"), array("f"), []
    for _, index, infobytes in group:
        terminfo = whoosh3.W3TermInfo.from_bytes(infobytes)
        docmap, postfile = docmaps[index], readers[index]._terms._postfile
        for block_ids, block_weights, block_values in term_blocks(terminfo, format_, postfile):
            count = len(block_ids)
            block_weights = [1.0] * count if block_weights is None else block_weights
            block_values = (None,) * count if block_values is None else block_values
            if isinstance(docmap, int):
                new_ids = list(map(docmap.__add__, block_ids))
            else:
                new_ids = [docmap[old] for old in block_ids]
                live = [new >= 0 for new in new_ids]
                new_ids = list(compress(new_ids, live))
                block_weights = list(compress(block_weights, live))
                block_values = list(compress(block_values, live))
            ids.fromlist(new_ids)
            weights.fromlist(list(block_weights))
            values.extend(block_values)
    return ids, weights, values
