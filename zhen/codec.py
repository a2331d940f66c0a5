"""Whoosh storage tuned for zhen's analyzers: the same files, built faster.

Building a Whoosh index is pure Python, and two of its costs are paid once
per token or per posting, tens of millions of times for a real corpus:

* a field's format walks the analyzer's tokens one ``Token`` at a time to
  count terms and collect positions;
* writing each posting looks the document's field length up through a
  column reader, one file read per posting (and scoring does the same per
  matching document at search time).

The formats here ask zhen's analyzers for their whole term list at once and
count it with C-level containers; the codec keeps each segment's field
lengths in a table read once. The bytes written are Whoosh's own, so every
Whoosh reader, matcher and merge works unchanged. These classes are pickled
into the index's schema and segments: their import path must stay stable.
"""

import pickle
from collections import Counter

from whoosh import formats
from whoosh.codec.whoosh3 import (LENGTHS_COLUMN, W3Codec, W3FieldWriter, W3PerDocReader,
                                  W3TermInfo, _lenfield)
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length

_BYTE_LENGTHS = tuple(byte_to_length(b) for b in range(256))


class TermFrequency(formats.Frequency):
    """Whoosh's Frequency format, counted from an analyzer's term list."""

    def word_values(self, value, analyzer, **kwargs):
        term_texts = getattr(analyzer, "term_texts", None)
        if term_texts is None or kwargs.get("mode") != "index":
            return super().word_values(value, analyzer, **kwargs)
        boost = self.field_boost
        return [(term, n, n * boost, pack_uint(n))
                for term, n in Counter(term_texts(value)).items()]


class TermPositions(formats.Positions):
    """Whoosh's Positions format, grouped from an analyzer's term list."""

    def word_values(self, value, analyzer, **kwargs):
        term_positions = getattr(analyzer, "term_positions", None)
        if term_positions is None or kwargs.get("mode") != "index":
            return super().word_values(value, analyzer, **kwargs)
        boost, encode = self.field_boost, self.encode
        return [(term, len(positions), len(positions) * boost, encode(positions))
                for term, positions in term_positions(value).items()]

    def encode(self, poslist):
        """Whoosh's encoding (count, then pickled deltas), computed faster."""
        deltas = [b - a for a, b in zip([0] + poslist, poslist)]
        return pack_uint(len(deltas)) + pickle.dumps(deltas, 2)


class ZhenCodec(W3Codec):
    """Whoosh's W3 codec with field lengths read from a per-segment table and
    a term's postings kept in the term table when it has only one in a
    segment (most bigrams do): no posting block to write, or to seek to when
    searching."""

    def __init__(self, blocklimit=128, compression=3, inlinelimit=2):
        super().__init__(blocklimit, compression, inlinelimit)

    def field_writer(self, storage, segment):
        return _FieldWriter(self, storage, segment)

    def per_document_reader(self, storage, segment):
        return LengthTableReader(storage, segment)


class _TermInfo(W3TermInfo):
    """Whoosh 2.7.4's postings writer inlines postings by calling
    ``set_inline``, a method its term info calls ``set_inlined``; with this
    name too, inlining (a documented Whoosh feature) works. A format without
    values (ID fields) writes none; they are stored as empty bytes, since
    Whoosh's list matcher would give ``''`` for them when segments merge."""

    def set_inline(self, ids, weights, values):
        self.set_inlined(ids, weights, values or [b""] * len(ids))


class _FieldWriter(W3FieldWriter):
    def start_term(self, btext):
        self._btext = btext
        self._postwriter.start_postings(self._fieldobj.format, _TermInfo())


class LengthTableReader(W3PerDocReader):
    """Reads each field's length column once, then answers from memory."""

    def __init__(self, storage, segment):
        super().__init__(storage, segment)
        self._length_tables = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        table = self._length_tables.get(fieldname)
        if table is None:
            table = self._length_tables[fieldname] = self._length_table(fieldname)
        if not table:
            return default
        # Whoosh's reader gives None for a stored zero; so does this.
        return _BYTE_LENGTHS[table[docnum]] or None

    def _length_table(self, fieldname):
        """The field's one-byte lengths of every document, as bytes."""
        reader = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if reader is None:
            return b""
        stored = reader._count  # Whoosh's fixed-width column reader
        raw = reader._dbfile.get(reader._basepos, stored) if stored else b""
        return raw + bytes(max(0, self._doccount - stored))
