"""Whoosh's W3 codec parts zhen's codec uses: inlined term infos that work,
posting blocks filled a block at a time, field lengths read once."""

from itertools import groupby
from operator import itemgetter

from whoosh.codec import whoosh3
from whoosh.codec.base import OutOfOrderError
from whoosh.filedb import filetables
from whoosh.system import pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

_BYTE_LENGTHS = tuple(byte_to_length(b) for b in range(256))
# How InliningTermInfo pickles packed postings: PROTO 3, SHORT_BINBYTES,
# then their length (one byte), the bytes and STOP.
INLINED = b"\x80\x03C"


class InliningTermInfo(whoosh3.W3TermInfo):
    """Whoosh 2.7.4's postings writer inlines postings by calling
    ``set_inline``, a method its term info calls ``set_inlined``; with this
    name too, inlining (a documented Whoosh feature) works. A format without
    values (ID fields) writes none; they are stored as empty bytes, since
    Whoosh's list matcher would give ``''`` for them when segments merge."""

    def set_inline(self, ids, weights, values):
        self.set_inlined(ids, weights, values or [b""] * len(ids))

    def to_bytes(self):
        """Whoosh's bytes, except that postings inlined as one packed bytes
        value (:mod:`.blocks`) are pickled in 4 bytes more than their own:
        Whoosh pickles with protocol 2, which spends ~45 bytes on any bytes
        value under Python 3. Whoosh's ``from_bytes`` unpickles either."""
        inlined = self._inlined
        if not isinstance(inlined, bytes) or len(inlined) > 255:
            return super().to_bytes()
        head = self._struct.pack(
            1,
            self._weight,
            self._df,
            0 if self._minlength is None else length_to_byte(self._minlength),
            length_to_byte(self._maxlength),
            self._maxweight,
            self._minid,
            self._maxid,
        )
        return head + INLINED + bytes((len(inlined),)) + inlined + b"."


class CountingHashWriter(filetables.OrderedHashWriter):
    """Whoosh's term table writer, counting the bytes it writes instead of
    asking its file where it is: Whoosh's ``add`` calls ``tell`` twice per
    term, a system call each on a buffered file (5 % of a STARD build). The
    bytes written are Whoosh's."""

    @classmethod
    def taking_over(cls, writer):
        """This writer in place of ``writer`` (freshly made, nothing added)."""
        counting = cls.__new__(cls)
        counting.__dict__.update(writer.__dict__)
        counting.position = writer.dbfile.tell()
        return counting

    def add(self, key, value):
        if key <= self.lastkey:
            raise ValueError(f"Keys must increase: {self.lastkey!r}..{key!r}")
        position, write = self.position, self.dbfile.write
        self.index.append(position)
        write(_KEY_VALUE_LENGTHS.pack(len(key), len(value)))
        write(key)
        write(value)
        hashed = self.hashfn(key)
        self.buckets[hashed & 255].append((hashed, position))
        self.position = position + _KEY_VALUE_LENGTHS.size + len(key) + len(value)
        self.lastkey = key


_KEY_VALUE_LENGTHS = filetables._lengths


class InliningFieldWriter(whoosh3.W3FieldWriter):
    """Whoosh's field writer, starting each term with an
    :class:`InliningTermInfo`, and filling a term's posting blocks a block
    at a time: Whoosh's loop makes four calls per posting (40 % of a STARD
    build's flush). The blocks, term infos and bytes are Whoosh's own
    (``tests/test_codec.py`` compares them with Whoosh's loop)."""

    def __init__(self, codec, storage, segment):
        super().__init__(codec, storage, segment)
        self._tindex = CountingHashWriter.taking_over(self._tindex)

    def start_term(self, btext):
        self._btext = btext
        self._postwriter.start_postings(self._fieldobj.format, InliningTermInfo())

    def add_term_info_bytes(self, btext, infobytes):
        """Add a term of the current field whose term info (postings
        inlined) is already encoded: a merge moving it unchanged."""
        self._tindex.add(pack_ushort(self._fieldid) + btext, infobytes)

    def add_postings(self, schema, lengths, items, collected=None):
        """Whoosh's ``add_postings`` (``items``: sorted postings), plus the
        fields in ``collected`` (fieldname -> its
        :class:`.gathering.GatheredField`, each field written whole where it
        sorts among the rest)."""
        field_length = _length_bytes(lengths)
        pending = sorted((collected or {}).items())
        current_field, last = None, None
        for key, group in groupby(items, key=FIELD_AND_TERM):
            if last is not None and key <= last:
                raise OutOfOrderError(f"{last!r} .. {key!r}")
            last = key
            fieldname, btext = key
            if fieldname != current_field:
                if current_field is not None:
                    self.finish_field()
                while pending and pending[0][0] < fieldname:
                    self._add_collected(schema, field_length, *pending.pop(0))
                self.start_field(fieldname, schema[fieldname])
                current_field, lengths_of = fieldname, field_length(fieldname)
            postings = list(group)
            if postings[0][2] == -1:  # spelling words (sorted first): not postings
                postings = [p for p in postings if p[2] != -1]
            if postings:
                _, _, docs, weights, values = zip(*postings)
                self.add_term(btext, docs, weights, values, lengths_of)
        if current_field is not None:
            self.finish_field()
        for fieldname, gathered in pending:
            self._add_collected(schema, field_length, fieldname, gathered)

    def _add_collected(self, schema, field_length, fieldname, gathered):
        if not len(gathered):
            return
        self.start_field(fieldname, schema[fieldname])
        lengths = field_length(fieldname)
        for btext, docs, weights, values in gathered.postings_by_term():
            self.add_term(btext, docs, weights, values, lengths)
        self.finish_field()

    def start_field(self, fieldname, fieldobj):
        super().start_field(fieldname, fieldobj)
        # below this many postings, the postings writer makes a term's info
        # at once (PackedBlockWriter.inlined_info_bytes); other writers: never
        inlines = hasattr(self._postwriter, "inlined_info_bytes")
        self._inline_below = self._postwriter._inlinelimit if inlines else 0

    def add_term(self, btext, docs, weights, values, lengths):
        """Add a term of the current field and its postings (as for
        :meth:`add_term_postings`)."""
        if len(docs) < self._inline_below:
            info = self._postwriter.inlined_info_bytes(self._format, docs, weights, values, lengths)
            if info is not None:
                self.add_term_info_bytes(btext, info)
                return
        self.start_term(btext)
        self.add_term_postings(docs, weights, values, lengths)
        self.finish_term()

    def add_term_postings(self, docs, weights, values, lengths):
        """Add the current term's postings (sequences of document numbers,
        ascending, weights and value bytes; ``lengths``: each document's
        one-byte field length) as Whoosh's ``add_posting`` would one at a
        time: full blocks written as the next posting arrives, the last one
        left to ``finish_term`` (which may inline it)."""
        writer = self._postwriter
        limit = writer._blocklimit
        for start in range(0, len(docs), limit):
            if start:
                writer._write_block()
            end = start + limit
            block_docs, block_weights = docs[start:end], weights[start:end]
            writer._ids.extend(block_docs)
            writer._weights.extend(block_weights)
            writer._values.extend(filter(None, values[start:end]))
            writer._maxweight = max(0, *block_weights)
            # length bytes: 0 is "no length"; byte_to_length is monotonic
            known = list(map(lengths.__getitem__, block_docs))
            shortest = min(filter(None, known), default=0)
            writer._minlength = _BYTE_LENGTHS[shortest] if shortest else None
            writer._maxlength = _BYTE_LENGTHS[max(known)]


def _length_bytes(lengths):
    """fieldname -> a table of each document's one-byte field length, from
    a per-document reader (or none: every length 0)."""
    if isinstance(lengths, LengthTableReader):
        return lengths.length_table
    if not lengths:
        return lambda fieldname: _NO_LENGTHS

    def table(fieldname):
        return _LengthsOf(lengths, fieldname)

    return table


class _LengthsOf:
    """doc -> one-byte field length, from any per-document reader."""

    def __init__(self, reader, fieldname):
        self.reader, self.fieldname = reader, fieldname

    def __getitem__(self, docnum):
        return length_to_byte(self.reader.doc_field_length(docnum, self.fieldname) or 0)


class _NoLengths:
    def __getitem__(self, docnum):
        return 0


_NO_LENGTHS = _NoLengths()


class LengthTableReader(whoosh3.W3PerDocReader):
    """Reads each field's length column once, then answers from memory
    (Whoosh reads the column file once per posting); reads stored fields
    from the column the codec wrote them to."""

    def __init__(self, storage, segment, stored_column=None):
        super().__init__(storage, segment)
        self._length_tables = {}
        self._stored_column = stored_column or whoosh3.STORED_COLUMN

    def stored_fields(self, docnum):
        reader = self._cached_reader("_stored", self._stored_column)
        return (reader[docnum] if reader is not None else None) or {}

    def length_table(self, fieldname):
        """Every document's one-byte length of ``fieldname`` (0: none)."""
        table = self._length_tables.get(fieldname)
        if table is None:
            table = self._length_tables[fieldname] = self._length_table(fieldname)
        return table or _NO_LENGTHS

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
        reader = self._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
        if reader is None:
            return b""
        stored = reader._count  # Whoosh's fixed-width column reader
        raw = reader._dbfile.get(reader._basepos, stored) if stored else b""
        return raw + bytes(max(0, self._doccount - stored))


FIELD_AND_TERM = itemgetter(0, 1)  # a posting tuple's (fieldname, term bytes)
