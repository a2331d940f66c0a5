"""Every use of a Whoosh private name, in one package.

zhen relies on Whoosh 2.7.4 beyond its public API in a few places, each
for a measured reason (speed, or a Whoosh bug worked around). They all live
here, so an upgrade of Whoosh is checked in one module:
``tests/test_whoosh_internals.py`` fails with a clear message naming any
private name that the installed Whoosh no longer has.

* the codec: a term info with the ``set_inline`` name Whoosh's posting
  writer calls (its own is ``set_inlined``), a field writer that uses it,
  a per-document reader that reads a segment's length column once, and
  posting blocks packed as arrays (:mod:`.blocks`: Whoosh's block header,
  ``W3PostingsWriter._write_block`` and ``W3LeafMatcher._read_*`` replaced);
* :class:`CountingTopCollector`: a top-k collector that also keeps every
  match (overrides ``_collect``, and never publishes ``minscore``);
* :class:`UnionOr`: OR as a plain union tree (overrides ``_matcher``);
* :class:`AndNot`: Whoosh's AndNot with its first-match bug fixed
  (overrides ``AndNotMatcher._find_first``);
* :class:`ResilientMpWriter`: a multi-process writer that survives a dead
  worker (overrides ``_enqueue``, ``_commit``, uses ``tasks``) and whose
  workers write with :class:`FastSegmentWriter` (``multiproc.SegmentWriter``
  replaced in the worker process only);
* :class:`FastSegmentWriter`: Whoosh's ``add_document`` with a document's
  postings gathered as columns per field (:mod:`.gathering`), or past the
  budget added to the pool field by field and sorted by term per field
  (:class:`FieldSortedPool`:
  ``PostingPool.current``, ``tempstore``, ``segment``, ``runs``,
  ``currentsize``, ``limit``, ``fieldnames``); its field writer writes a
  few-posting term's info at once (``W3TermInfo._struct``) and counts the
  bytes of its term table (``OrderedHashWriter``'s ``index``, ``buckets``,
  ``hashfn``, ``lastkey``; ``filetables._lengths``) and postings file
  (``W3PostingsWriter._startoffset``) instead of asking the files;
* :func:`segment_count` and :func:`index_segments` (``FileIndex._segments``);
* :func:`add_segment` (a merge that keeps exact field-length totals:
  ``W3PerDocWriter._fieldlengths``) and :func:`copy_segments` (a merge
  that copies postings a term at a time: a segment's term table and
  posting file, ``SegmentReader._terms``, ``W3TermsReader._postfile``);
* for the question ranker (:mod:`zhen.postings`): a term's raw matcher, its
  posting blocks whole, a segment's length table; for keyword queries on
  arrays (:mod:`zhen.keywords`), a term's positions in given documents and
  the terms of a date range (``NumericRange._compile_query``).
"""

from whoosh import collectors, matching, multiproc
from whoosh import query as wq
from whoosh.codec import whoosh3
from whoosh.filedb import filetables
from whoosh.index import FileIndex
from whoosh.multiproc import MpWriter
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from .blocks import PackedBlockMatcher, PackedBlockWriter, inlined_postings
from .codec import InliningFieldWriter, InliningTermInfo, LengthTableReader
from .copying import copy_segments
from .searching import (
    AndNot,
    CountingTopCollector,
    UnionOr,
    column_values,
    index_segments,
    length_table,
    numeric_range_query,
    packed_term_arrays,
    phrase_positions,
    segment_count,
    term_matcher,
)
from .stored import PICKLE_PROTOCOL, PresetDictionaryColumn, PresetDictionaryDocWriter
from .writing import FastSegmentWriter, ResilientMpWriter, add_segment

__all__ = [
    "AndNot",
    "CountingTopCollector",
    "FastSegmentWriter",
    "InliningFieldWriter",
    "InliningTermInfo",
    "LengthTableReader",
    "PackedBlockMatcher",
    "PackedBlockWriter",
    "PICKLE_PROTOCOL",
    "PresetDictionaryColumn",
    "PresetDictionaryDocWriter",
    "ResilientMpWriter",
    "UnionOr",
    "add_segment",
    "column_values",
    "copy_segments",
    "index_segments",
    "inlined_postings",
    "length_table",
    "missing_names",
    "numeric_range_query",
    "phrase_positions",
    "packed_term_arrays",
    "segment_count",
    "term_matcher",
]

# (owner, private name): what this package relies on.
REQUIRED = [
    (whoosh3, "_lenfield"),
    (whoosh3.W3TermInfo, "set_inlined"),
    (whoosh3.W3FieldWriter, "start_term"),
    (whoosh3.W3PostingsWriter, "_write_block"),
    (whoosh3.W3PerDocReader, "_cached_reader"),
    (collectors.TopCollector, "_collect"),
    (collectors.ScoredCollector, "matches"),
    (wq.CompoundQuery, "_matcher"),
    (matching.AndNotMatcher, "_find_first"),
    (matching.AndNotMatcher, "_find_next"),
    (MpWriter, "_enqueue"),
    (MpWriter, "_commit"),
    (MpWriter, "_new_task"),
    (multiproc, "SegmentWriter"),
    (multiproc.SubWriterTask, "run"),
    (SegmentWriter, "_check_fields"),
    (SegmentWriter, "_doc_boost"),
    (SegmentWriter, "_field_boost"),
    (FileIndex, "_segments"),
    (SegmentReader, "_text_to_bytes"),
    (wq.NumericRange, "_compile_query"),
    (whoosh3.W3LeafMatcher, "_read_data"),
    (whoosh3.W3LeafMatcher, "_goto"),
    (whoosh3.W3LeafMatcher, "_read_ids"),
    (whoosh3.W3LeafMatcher, "_read_weights"),
    (whoosh3.W3LeafMatcher, "_read_values"),
    (whoosh3.W3PostingsWriter, "_new_block"),
    (whoosh3.W3TermInfo, "_struct"),
    (filetables, "_lengths"),
    (whoosh3.W3PerDocWriter, "_create_column"),
]
# Instance attributes, checked on real objects by the test.
REQUIRED_ATTRIBUTES = {
    "W3FieldWriter": ("_postwriter", "_fieldobj", "_tindex", "_format", "_fieldid"),
    "OrderedHashWriter": ("dbfile", "index", "buckets", "hashfn", "lastkey"),
    "W3PostingsWriter": (
        "_blocklimit",
        "_ids",
        "_weights",
        "_values",
        "_maxweight",
        "_minlength",
        "_maxlength",
        "_blockcount",
        "_inlinelimit",
        "_format",
        "_terminfo",
        "_compression",
        "_postfile",
        "_startoffset",
    ),
    "W3PerDocReader": ("_doccount",),
    "W3TermsReader": ("_postfile",),
    "W3TermInfo": ("_inlined",),
    "W3PerDocWriter": ("_fieldlengths",),
    "fixed-width column reader": ("_count", "_dbfile", "_basepos"),
    "TopCollector": ("minscore",),
    "MpWriter": ("tasks", "jobqueue", "resultqueue", "storage", "indexname", "subargs"),
    "PostingPool": (
        "current",
        "currentsize",
        "limit",
        "fieldnames",
        "tempstore",
        "segment",
        "runs",
    ),
    "SegmentWriter": ("perdocwriter", "docnum", "pool", "_added"),
    "SegmentReader": ("_terms", "_perdoc", "_codec"),
    "VarBytesColumn.Reader": ("_lengths", "_basepos", "_dbfile"),
    "W3LeafMatcher": (
        "_data",
        "_blocklength",
        "_lastblock",
        "_nextoffset",
        "_dataoffset",
        "_compression",
        "_postfile",
        "_fixedsize",
    ),
}


def missing_names():
    """``owner.name`` of every required private name Whoosh lacks."""
    return [
        f"{getattr(owner, '__name__', owner)}.{name}"
        for owner, name in REQUIRED
        if not hasattr(owner, name)
    ]
