"""Merging an index down to as few segments as the size cap allows, on
request (``zhen merge``), as Elasticsearch's force merge does.

The merge policy (:mod:`zhen.merging`) leaves up to nine segments in each
tier, so that a growing index does not rewrite its documents over and over.
A question pays for every segment: each of its terms is looked up, and its
postings gathered, once per segment (about 6 ms per segment per question at
a million documents, ``bench/RESULTS.md``). When a collection stops growing,
or before a busy period, merging it into fewer segments makes questions
faster. The segments are packed smallest first into merges of at most
:data:`~zhen.merging.MAX_MERGE_DOCS` live documents, so no merge costs more
than the policy's own largest; segments already that large stay as they are.

The merge is one commit under the writer lock: searchers keep the segments
they opened until they reopen the index, and a killed merge never reaches
the table of contents, so the index stays as it was.
"""

import time
from dataclasses import asdict, dataclass

from .codec import ZhenCodec
from .indexer import COMPRESSION
from .merging import merge_groups, packed_groups
from .store import IndexStore
from .whoosh_internals import FastSegmentWriter, index_segments, segment_count
from .workers import guarded


@dataclass
class MergeReport:
    """What a force merge did."""

    segments_before: int = 0
    segments_after: int = 0
    documents: int = 0
    seconds: float = 0.0
    index: str = ""

    def to_dict(self):
        return asdict(self)


def merge_index(index, wait=False) -> MergeReport:
    """Merge the live generation of the index folder ``index`` into as few
    segments as :func:`packed_groups` allows; ``wait``: queue behind another
    writer instead of failing. Returns a :class:`MergeReport`."""
    store = IndexStore(index)
    started = time.monotonic()
    with store.lock(wait) as lock, guarded(lock.handle):
        gen = store.require_current()
        store.check_settings(gen, keys=("format",))  # merging does not analyse
        ix = store.open(gen)
        report = MergeReport(segments_before=segment_count(ix), index=str(store.root))
        if packed_groups(index_segments(ix)):
            writer = FastSegmentWriter(ix, codec=ZhenCodec(compression=COMPRESSION), compound=False)
            writer.commit(mergetype=_force_merge)
            ix = store.open(gen)
        report.segments_after, report.documents = segment_count(ix), ix.doc_count()
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _force_merge(writer, segments):
    """A Whoosh merge policy: each group of :func:`packed_groups` merged
    into one segment of its own (a term at a time), after the others."""
    return merge_groups(writer, segments, packed_groups(segments))
