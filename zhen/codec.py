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
(The parts that rely on Whoosh's private names are in
:mod:`zhen.whoosh_internals`.)
"""

import pickle
from array import array
from datetime import datetime
from itertools import accumulate

from whoosh import formats
from whoosh.codec.whoosh3 import W3Codec
from whoosh.matching import ListMatcher
from whoosh.system import pack_uint

from .whoosh_internals import (
    PICKLE_PROTOCOL,
    InliningFieldWriter,
    LengthTableReader,
    PackedBlockMatcher,
    PackedBlockWriter,
    PresetDictionaryColumn,
    PresetDictionaryDocWriter,
    inlined_postings,
)


class _PackedCounts(dict):
    """count -> ``pack_uint(count)``, made once per count (a Frequency
    posting's value; most counts are small and repeat)."""

    def __missing__(self, n):
        packed = self[n] = pack_uint(n)
        return packed


_PACKED_COUNTS = _PackedCounts()


class _FromColumns:
    """Whoosh's ``word_values`` of a format, from its ``word_columns`` when
    indexing with one of zhen's analyzers (Whoosh's own way otherwise)."""

    def word_values(self, value, analyzer, **kwargs):
        columns = self.word_columns(value, analyzer) if kwargs.get("mode") == "index" else None
        if columns is None:
            return super().word_values(value, analyzer, **kwargs)
        return list(zip(*columns))

    def word_columns(self, value, analyzer):
        raise NotImplementedError


class TermFrequency(_FromColumns, formats.Frequency):
    """Whoosh's Frequency format, counted from an analyzer's term list."""

    def word_columns(self, value, analyzer):
        """:meth:`word_values` as four lists (terms, frequencies, weights,
        values), for the indexer to take whole; None for an analyzer
        without a term list."""
        term_counts = getattr(analyzer, "term_counts", None)
        if term_counts is None:
            return None
        counts = term_counts(value)
        freqs = list(counts.values())
        return list(counts), freqs, _weights(freqs, self.field_boost), _packed_counts(freqs)


def _weights(freqs, boost):
    """Whoosh's weight of each posting: its frequency times the boost."""
    if boost == 1.0:
        return list(map(float, freqs))
    return [n * boost for n in freqs]


def _packed_counts(freqs):
    return list(map(_PACKED_COUNTS.__getitem__, freqs))


class TermPositions(_FromColumns, formats.Positions):
    """Whoosh's Positions format, grouped from an analyzer's term list."""

    def word_columns(self, value, analyzer):
        """:meth:`word_values` as four lists (terms, frequencies, weights,
        values); None for an analyzer without term positions."""
        term_positions = getattr(analyzer, "term_positions", None)
        if term_positions is None:
            return None
        positions = term_positions(value)
        freqs = list(map(len, positions.values()))
        values = list(map(self.encode, positions.values()))
        return list(positions), freqs, _weights(freqs, self.field_boost), values

    def encode(self, poslist):
        """Whoosh's encoding (count, then pickled deltas), computed faster."""
        deltas = [b - a for a, b in zip([0] + poslist, poslist)]
        return pack_uint(len(deltas)) + pickle.dumps(deltas, 2)


# Array type codes by width; a compact value's first byte is the index here.
_TYPECODES = ("B", "H", "I", "Q")
_CODES = tuple(bytes((i,)) for i in range(len(_TYPECODES)))
_ONE_BYTE = tuple(bytes((0, p)) for p in range(256))


class CompactPositions(TermPositions):
    """Positions stored as one byte naming a width, then the deltas as a
    packed array of that width (C-speed both ways). Whoosh's own value is a
    4-byte count and a pickled list: 13.8 bytes for a typical STARD posting
    (one position), 2 here. The frequency is the array's length."""

    def encode(self, poslist):
        if len(poslist) == 1 and poslist[0] < 256:  # most postings: one position
            return _ONE_BYTE[poslist[0]]
        deltas = [b - a for a, b in zip([0, *poslist], poslist)]
        largest = max(deltas)
        code = 0 if largest < 256 else 1 if largest < 65536 else 2 if largest < 1 << 32 else 3
        return _CODES[code] + array(_TYPECODES[code], deltas).tobytes()

    def decode_positions(self, valuestring):
        deltas = array(_TYPECODES[valuestring[0]])
        deltas.frombytes(valuestring[1:])
        return list(accumulate(deltas))

    def decode_frequency(self, valuestring):
        return (len(valuestring) - 1) // array(_TYPECODES[valuestring[0]]).itemsize

    # decode_weight and decode_position_boosts are Whoosh's: they call these.


def _stored_dictionary():
    """The preset dictionary stored fields are deflated with: the pickles
    of two typical stored dicts, with every key a record has, in the order
    zhen writes them. Each codec keeps the bytes it was made with, and
    Whoosh pickles the codec into every segment it writes
    (:class:`ZhenCodec`), so a segment is always read with its own
    dictionary, whatever this function makes later."""
    # a record's keys as zhen.schema writes them (zhen.records.KEYS, then
    # the derived ones), as they were when format 4 was made
    keys = ("html", "title", "resulting_text", "input_url", "returned_url", "date")
    keys += ("translated_title", "translated_content", "english_summary", "url")
    record = dict.fromkeys((*keys, "archive_url", "site", "captured"))
    plain = {"batch": "batch-001", "date": datetime(2020, 1, 1), "id": "1", "record": record}
    full = dict(plain, record=dict(record, resulting_text_from="html", site="www.gov.cn"))
    return b"".join(pickle.dumps(d, PICKLE_PROTOCOL) for d in (plain, full))


# Postings per block for formats without positions (counts only): 512
# instead of Whoosh's 128 made STARD questions ~30 % faster for the same
# build (bench/RESULTS.md); a block is read whole, and reading one costs
# about the same whatever it holds.
COUNT_BLOCKS = 512
# Postings per block of positions: 512 too. A phrase decompresses only the
# blocks its candidates fall in, but a question reads every block of a term;
# at a million documents questions took 13 % less time (389 -> 338 ms), with
# keyword queries and phrases alike and no build cost shown on twlaw's long
# laws (bench/RESULTS.md, sessions 8 and 9).
POSITION_BLOCKS = 512


class ZhenCodec(W3Codec):
    """Whoosh's W3 codec with field lengths read from a per-segment table,
    a term's postings kept in the term table when it has only a few in a
    segment (most bigrams do): no posting block to write, or to seek to when
    searching, and posting blocks packed as arrays (a third of the bytes of
    Whoosh's pickled blocks on short documents:
    :mod:`zhen.whoosh_internals.blocks`)."""

    PACKED_BLOCKS = True  # read whole by zhen.whoosh_internals.packed_term_arrays

    # Postings of a term with fewer than ``inlinelimit`` documents in a
    # segment live in the term table: 8 instead of 2 made the build 10-11 %
    # cheaper in CPU (no block to pickle, compress and write) for the same
    # size, on twlaw and STARD alike (bench/RESULTS.md).
    # Blocks of postings without positions hold up to ``countlimit``
    # (:class:`~zhen.whoosh_internals.PackedBlockWriter`).
    def __init__(
        self, blocklimit=POSITION_BLOCKS, compression=3, inlinelimit=8, countlimit=COUNT_BLOCKS
    ):
        super().__init__(blocklimit, compression, inlinelimit)
        self._countlimit = countlimit
        # pickled with the codec into each segment it writes (see above)
        self.stored_dictionary = _stored_dictionary()

    def __setstate__(self, state):
        # a codec pickled before it kept its dictionary wrote with this one,
        # and before it had a count limit it wrote every block alike
        state.setdefault("stored_dictionary", _stored_dictionary())
        state.setdefault("_countlimit", state.get("_blocklimit", 128))
        self.__dict__.update(state)

    def field_writer(self, storage, segment):
        return InliningFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        if byteids:  # term vectors: Whoosh's blocks
            return super().postings_writer(dbfile, byteids)
        return PackedBlockWriter(
            dbfile,
            self._blocklimit,
            self._countlimit,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            ids, weights, values = inlined_postings(terminfo, format_)
            return ListMatcher(
                ids, weights, values, format_, scorer=scorer, term=term, terminfo=terminfo
            )
        offset, length = terminfo.extent()
        return PackedBlockMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)

    def per_document_writer(self, storage, segment):
        stored = PresetDictionaryColumn(self.stored_dictionary)
        return PresetDictionaryDocWriter(self, storage, segment, stored)

    def per_document_reader(self, storage, segment):
        return LengthTableReader(storage, segment, PresetDictionaryColumn(self.stored_dictionary))
