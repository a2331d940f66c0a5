"""Posting blocks as packed arrays instead of Whoosh's pickled tuples.

Whoosh's W3 codec pickles each block of up to 128 postings as a tuple of
Python objects: every weight a 9-byte float, every position value a 4-byte
bytes header plus its bytes. On STARD's short articles that is 16.5 bytes per
Han-bigram posting after zlib; the same postings as packed arrays (the first
id, then the id deltas, integral weights and value lengths at the narrowest
width that holds them) take 4.7 (``bench/RESULTS.md``), and pack and unpack
at C speed. A block's bytes are compressed with Zstandard, not zlib: as small,
and half the time to decompress (a question on a million documents
decompresses thousands of blocks); the block header says which
(:func:`compress_block`).

Only the block *data* changes: the block header (length, pickled info tuple)
is Whoosh's, so Whoosh's matcher logic (skipping, block quality, reading
ahead) works unchanged, and so does everything that reads postings through a
matcher, merges included. Postings inlined in the term table (a term with
few documents in a segment) are packed the same way, as one bytes value in
place of Whoosh's pickled tuple of tuples (a bigram seen once: 12 bytes
instead of ~40). Term vectors (``byteids``) keep Whoosh's blocks.
"""

import io
import struct
import threading
import zlib
from array import array
from itertools import accumulate
from operator import sub
from pickle import dumps, load

import zstandard
from whoosh.codec import whoosh3
from whoosh.util.numeric import length_to_byte

from .codec import INLINED, InliningTermInfo

# Narrowest array type codes, by the largest value they must hold.
_WIDTHS = ("B", "H", "I", "Q")
_LIMITS = (1 << 8, 1 << 16, 1 << 32)
# How a block holds its weights and its values (one byte each).
WEIGHTS_ONE, WEIGHTS_FLOAT = 255, 254  # else: the integer width's index
VALUES_NONE, VALUES_FIXED = 255, 254  # else: the width of the lengths array
HEADER = struct.Struct("<BBBI")  # id delta width, weights, values, first id
INFO = whoosh3.W3TermInfo._struct  # a term info's fixed part
_LENGTH_PREFIX = 4  # a block's length before it (write_int)
# Zstandard (de)compressors, one per thread: each keeps its context between
# blocks (a new one per block costs more than the block's decompression).
_ZSTD = threading.local()


def compress_block(data, level):
    """(``data`` compressed, the compression the block header records):
    Zstandard at ``level``, recorded as ``-level``. Whoosh's header slot
    held a zlib level, and blocks written so still read (:func:`decompress_block`)."""
    compressors = getattr(_ZSTD, "compressors", None)
    if compressors is None:
        compressors = _ZSTD.compressors = {}
    if level not in compressors:
        compressors[level] = zstandard.ZstdCompressor(level=level)
    return compressors[level].compress(data), -level


def decompress_block(data, compression):
    """A block's bytes from ``data`` as stored, by the header's ``compression``
    (negative: Zstandard; positive: zlib; none: stored as is)."""
    if not compression:
        return data
    if compression > 0:
        return zlib.decompress(data)
    decompressor = getattr(_ZSTD, "decompressor", None)
    if decompressor is None:
        decompressor = _ZSTD.decompressor = zstandard.ZstdDecompressor()
    return decompressor.decompress(data)


def _width(largest):
    """Index in ``_WIDTHS`` of the narrowest unsigned type holding ``largest``."""
    for code, limit in enumerate(_LIMITS):
        if largest < limit:
            return code
    return len(_LIMITS)


def encode_block(ids, weights, values, fixed_size):
    """The bytes of one block: ``ids`` ascending, ``weights`` (floats),
    ``values`` (bytes each, empty for a format without values), before any
    compression. ``fixed_size`` is the format's value size (0: none, None
    or negative: variable)."""
    deltas = array("Q", map(sub, ids[1:], ids))
    id_code = _width(max(deltas, default=0))
    parts = [b"", array(_WIDTHS[id_code], deltas).tobytes()]
    weight_kind, weight_bytes = _encode_weights(weights)
    parts.append(weight_bytes)
    if not values or fixed_size == 0:
        value_kind = VALUES_NONE
    elif fixed_size is not None and fixed_size > 0:
        value_kind = VALUES_FIXED
        parts.append(b"".join(values))
    else:
        lengths = list(map(len, values))
        value_kind = _width(max(lengths))
        parts.append(array(_WIDTHS[value_kind], lengths).tobytes())
        parts.append(b"".join(values))
    parts[0] = HEADER.pack(id_code, weight_kind, value_kind, ids[0])
    return b"".join(parts)


def _encode_weights(weights):
    smallest, largest = min(weights), max(weights)
    if smallest == largest == 1.0:
        return WEIGHTS_ONE, b""
    floats = list(weights)
    integers = list(map(int, floats))
    if smallest >= 0 and integers == floats:
        code = _width(int(largest))
        return code, array(_WIDTHS[code], integers).tobytes()
    return WEIGHTS_FLOAT, array("f", floats).tobytes()


def decode_block(data, count, values=True):
    """(ids, weights or None for all 1.0, values or None) of a block of
    ``count`` postings encoded by :func:`encode_block`; ids and integral
    weights as arrays, values as a tuple of bytes (not read unless
    ``values``: scoring needs none, and splitting them is most of the cost
    of a block of positions)."""
    id_code, weight_kind, value_kind, first = HEADER.unpack_from(data)
    at = HEADER.size
    deltas, at = _read_array(data, at, _WIDTHS[id_code], count - 1)
    ids = array("Q", accumulate(deltas, initial=first))
    weights = None
    if weight_kind == WEIGHTS_FLOAT:
        weights, at = _read_array(data, at, "f", count)
    elif weight_kind != WEIGHTS_ONE:
        weights, at = _read_array(data, at, _WIDTHS[weight_kind], count)
    if value_kind == VALUES_NONE or not values:
        return ids, weights, None
    if value_kind == VALUES_FIXED:
        return ids, weights, data[at:]
    lengths, at = _read_array(data, at, _WIDTHS[value_kind], count)
    values = []
    for length in lengths:
        values.append(data[at : at + length])
        at += length
    return ids, weights, tuple(values)


def _read_array(data, at, code, count):
    found = array(code)
    end = at + count * found.itemsize
    found.frombytes(data[at:end])
    return found, end


def split_values(values, count, size):
    """A decoded block's values as a tuple of ``count`` bytes (``None``
    each for a format without values)."""
    if values is None:
        return (None,) * count
    if isinstance(values, tuple):
        return values
    return tuple(values[i : i + size] for i in range(0, len(values), size))


def inlined_postings(terminfo, format_):
    """(ids, weights or None for all 1.0, values) of a term info's inlined
    postings, packed by :class:`PackedBlockWriter` or pickled by Whoosh."""
    inlined = terminfo.inlined_postings()
    if not isinstance(inlined, bytes):
        return inlined
    ids, weights, values = decode_block(inlined, terminfo.doc_frequency())
    if values is None:  # as Whoosh's inlined postings give them
        return ids, weights, (b"",) * len(ids)
    return ids, weights, split_values(values, len(ids), format_.fixed_value_size())


class PackedBlockWriter(whoosh3.W3PostingsWriter):
    """Whoosh's postings writer, writing each block's data with
    :func:`encode_block` (the header stays Whoosh's) and inlining a term's
    few postings as one packed value. Blocks of a format without positions
    hold up to ``countlimit`` postings: they are only ever read whole (by
    the question ranker and keyword queries), and a block costs a header,
    a decompression and a Python step to read, however few its postings;
    blocks of positions keep ``blocklimit``, as a phrase decompresses just
    the blocks its candidate documents fall in."""

    def __init__(self, postfile, blocklimit, countlimit=None, **kwargs):
        super().__init__(postfile, blocklimit, **kwargs)
        self._limits = (blocklimit, countlimit or blocklimit)
        # Where the next byte goes in the postings file, counted rather than
        # asked of the file (Whoosh asks twice per term, a system call each);
        # nothing else writes to the file while this writer is in use.
        self._position = postfile.tell()

    def start_postings(self, format_, terminfo):
        """Whoosh's ``start_postings``, with the term's offset counted."""
        if self._terminfo:
            raise RuntimeError("Called start in a term")
        positions = format_.supports("positions")
        self._blocklimit = self._limits[0] if positions else self._limits[1]
        self._format, self._blockcount, self._terminfo = format_, 0, terminfo
        self._new_block()
        self._startoffset = self._position

    def finish_postings(self):
        terminfo = self._terminfo
        inline = (
            not self._blockcount
            and self._ids
            and len(self._ids) < self._inlinelimit
            and isinstance(terminfo, InliningTermInfo)
        )
        if inline:
            terminfo.add_block(self)
            terminfo._inlined = self._packed_block()
        elif not self._blockcount and len(self._ids) < self._inlinelimit:
            terminfo.add_block(self)  # Whoosh's inlining, for another term info
            terminfo.set_inline(self._ids, self._weights, self._values)
        else:
            if self._ids:
                self._write_block(last=True)
            terminfo.set_extent(self._startoffset, self._position - self._startoffset)
        self._terminfo = None
        return terminfo

    def _packed_block(self):
        return encode_block(self._ids, self._weights, self._values, self._format.fixed_value_size())

    def inlined_info_bytes(self, format_, docs, weights, values, lengths):
        """The term info bytes that ``start_postings``, adding the postings
        and ``finish_postings`` give a term of fewer than ``inlinelimit``
        postings (ascending ``docs``, ``weights``, ``values``; ``lengths``:
        each document's one-byte field length), made at once: most terms of
        a segment of short documents are such (a bigram seen a few times),
        and the writer's state per term was a fifth of a STARD build.
        None when the packed postings would not fit one length byte (then
        the term goes the usual way)."""
        weights32 = array("f", weights)
        inlined = encode_block(
            array("I", docs), weights32, list(filter(None, values)), format_.fixed_value_size()
        )
        if len(inlined) > 255:
            return None
        # a length byte is its own length_to_byte(byte_to_length(...)): the
        # term info records the shortest and longest as the table has them
        known = list(map(lengths.__getitem__, docs))
        head = INFO.pack(
            1,
            sum(weights32),
            len(docs),
            min(filter(None, known), default=0),
            max(known),
            max(0, *weights),
            docs[0],
            docs[-1],
        )
        return head + INLINED + bytes((len(inlined),)) + inlined + b"."

    def _write_block(self, last=False):
        if not self._blockcount:
            self._postfile.write(whoosh3.WHOOSH3_HEADER_MAGIC)
            self._position += len(whoosh3.WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        data, compression = self._packed_block(), None
        if self._compression:
            data, compression = compress_block(data, self._compression)
        maxweight = self._maxweight
        if isinstance(maxweight, float) and maxweight.is_integer():
            maxweight = int(maxweight)  # pickled in 2 bytes instead of 9
        info = dumps(
            (
                len(self._ids),
                self._ids[-1],
                maxweight,
                compression,
                length_to_byte(self._minlength),
                length_to_byte(self._maxlength),
            ),
            2,
        )
        length = len(info) + len(data)
        self._postfile.write_int(-length if last else length)
        self._postfile.write(info)
        self._postfile.write(data)
        self._position += _LENGTH_PREFIX + length
        self._blockcount += 1
        self._new_block()


class PackedBlockMatcher(whoosh3.W3LeafMatcher):
    """Whoosh's leaf matcher, reading blocks written by
    :class:`PackedBlockWriter`. ``_data`` holds (ids, weights or None,
    values or None), ids absolute."""

    def _read_data(self):
        data = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        self._data = decode_block(decompress_block(data, self._compression), self._blocklength)

    def _read_ids(self):
        if self._data is None:
            self._read_data()
        self._ids = self._data[0]

    def _read_weights(self):
        if self._data is None:
            self._read_data()
        weights = self._data[1]
        if weights is None:
            weights = array("f", [1.0]) * self._blocklength
        self._weights = weights

    def _read_values(self):
        if self._data is None:
            self._read_data()
        self._values = split_values(self._data[2], self._blocklength, self._fixedsize)


def term_blocks(terminfo, format_, postfile):
    """Every posting of a term written by :class:`PackedBlockWriter`, a
    block at a time, as (ids, weights or None for all 1.0, values: a tuple
    of bytes or None for a format without values): the inlined postings, or
    each block of the posting file (``postfile``, :func:`stored_blocks`),
    decoded whole."""
    if terminfo.is_inlined():
        yield inlined_postings(terminfo, format_)
        return
    fixed_size = format_.fixed_value_size()
    for count, _, stored in stored_blocks(terminfo, postfile):
        ids, weights, values = decode_block(block_data(stored), count)
        if values is not None:
            values = split_values(values, count, fixed_size)
        yield ids, weights, values


def stored_blocks(terminfo, postfile):
    """(count, last id, data) of each posting block of a term that is not
    inlined, ``data`` as stored (compressed or not: :func:`block_data`),
    first to last. The term's whole extent is read in one call: a posting
    file is a buffered file, so a read per block cost a system call and a
    buffer fill each (at a million documents, the largest part of a
    question's time)."""
    offset, length = terminfo.extent()
    if isinstance(length, tuple):  # Whoosh reads it back as a 1-tuple
        (length,) = length
    extent = io.BytesIO(postfile.get(offset, length))
    at = len(whoosh3.WHOOSH3_HEADER_MAGIC)
    while at < length:
        extent.seek(at)
        (size,) = _BLOCK_SIZE.unpack(extent.read(_BLOCK_SIZE.size))
        info = load(extent)
        data = extent.read(at + _BLOCK_SIZE.size + abs(size) - extent.tell())
        yield info[0], info[1], (data, info[3])
        at += _BLOCK_SIZE.size + abs(size)


def block_data(stored):
    """The bytes :func:`decode_block` reads, of a block as stored."""
    return decompress_block(*stored)


def values_at(data, count, wanted):
    """The values (bytes) of the postings at the indexes ``wanted`` of a
    block of variable-size values, split off alone (a block of positions
    holds every document's; a phrase needs a few)."""
    id_code, weight_kind, value_kind, _ = HEADER.unpack_from(data)
    at = HEADER.size + (count - 1) * array(_WIDTHS[id_code]).itemsize
    if weight_kind == WEIGHTS_FLOAT:
        at += count * array("f").itemsize
    elif weight_kind != WEIGHTS_ONE:
        at += count * array(_WIDTHS[weight_kind]).itemsize
    lengths, at = _read_array(data, at, _WIDTHS[value_kind], count)
    ends = list(accumulate(lengths, initial=at))
    return [data[ends[i] : ends[i + 1]] for i in wanted]


_BLOCK_SIZE = struct.Struct("!i")  # Whoosh's block length, negative for the last
