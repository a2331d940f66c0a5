"""Stored fields deflated against a preset dictionary.

Whoosh keeps each document's stored fields as one pickled dict (protocol 2),
deflated on its own. A short document's dict is mostly the same bytes as
every other's: its keys, the pickle opcodes, the ``datetime`` class
reference (which protocol 2 spells with ``_codecs.encode(..., 'latin1')``).
Deflate cannot learn them from one small value; a preset dictionary
(``zdict``) of such a dict gives it them up front. On STARD's short
articles: 508 bytes per document with Whoosh's column, 341 with a preset
dictionary (``bench/RESULTS.md``). Long documents gain little and lose
nothing.

A segment can only be read with the dictionary it was written with: the
codec that writes it keeps the bytes (:class:`zhen.codec.ZhenCodec`).
"""

import pickle
import zlib

from whoosh import columns
from whoosh.codec import whoosh3

PICKLE_PROTOCOL = 5


def _compressor(zdict, level):
    return zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS, 9, zlib.Z_DEFAULT_STRATEGY, zdict)


class PresetDictionaryColumn(columns.Column):
    """Any picklable value per document, pickled and deflated with a
    preset dictionary; ``None`` for a document without one."""

    def __init__(self, zdict, level=6):
        self._zdict, self._level = zdict, level

    def writer(self, dbfile):
        return self.Writer(dbfile, self._zdict, self._level)

    def reader(self, dbfile, basepos, length, doccount):
        return self.Reader(dbfile, basepos, length, doccount, self._zdict)

    class Writer(columns.VarBytesColumn.Writer):
        def __init__(self, dbfile, zdict, level):
            super().__init__(dbfile)
            self._zdict, self._level = zdict, level

        def add(self, docnum, v):
            compressor = _compressor(self._zdict, self._level)
            packed = compressor.compress(pickle.dumps(v, PICKLE_PROTOCOL)) + compressor.flush()
            super().add(docnum, packed)

    class Reader(columns.VarBytesColumn.Reader):
        def __init__(self, dbfile, basepos, length, doccount, zdict):
            super().__init__(dbfile, basepos, length, doccount)
            self._zdict = zdict

        def __getitem__(self, docnum):
            return self._unpack(super().__getitem__(docnum))

        def __iter__(self):
            for packed in super().__iter__():
                yield self._unpack(packed)

        def load(self):
            return list(self)

        def _unpack(self, packed):
            if not packed:
                return None
            decompressor = zlib.decompressobj(zdict=self._zdict)
            return pickle.loads(decompressor.decompress(packed) + decompressor.flush())


class PresetDictionaryDocWriter(whoosh3.W3PerDocWriter):
    """Whoosh's per-document writer with the stored fields in a
    :class:`PresetDictionaryColumn`."""

    def __init__(self, codec, storage, segment, stored_column):
        self._stored_column = stored_column
        super().__init__(codec, storage, segment)

    def _create_column(self, fieldname, column):
        if fieldname == "_stored":
            column = self._stored_column
        super()._create_column(fieldname, column)
