"""When segments are merged: a tiered policy that keeps their number bounded.

Every commit adds one segment per worker. Left alone, an index updated by
many small batches collects hundreds of tiny segments and every search pays
for each; merged eagerly (Whoosh's ``MERGE_SMALL``), a build of short
documents spends most of its time rewriting the same postings again and
again in one process (61 % of a full STARD build, ``bench/RESULTS.md``).

The policy here is the log-structured one of Lucene's ``LogMergePolicy``: a
segment's *tier* is the number of digits of its live document count, so a
tier holds segments within a factor of ten of each other. Whenever a tier
holds :data:`SEGMENTS_PER_TIER` segments they are merged into one, which
lands in the next tier. Segments under :data:`FLOOR_DOCS` documents (small
updates) form one tier of their own, merged as soon as it holds
:data:`FLOOR_SEGMENTS` (Lucene's "floor segment size"): each costs a search
about as much as a large one, and merging them is cheap. Each document is
therefore rewritten about once per tier it climbs (a few times in an
index's life), never once per commit; no merge makes a segment of more than
:data:`MAX_MERGE_DOCS` documents, and segments that large are left as they
are, so no merge ever costs more than a bounded amount of work. A tier
whose segments add up to a merge of that largest size is merged as soon as
they do (the smallest that fit), rather than when it holds ten: the same
documents are rewritten either way, but the index keeps fewer segments. A
segment with half its documents deleted (replaced by newer versions) is
rewritten on its own to drop them.

A run that indexes :data:`FINISH_DOCS` documents or more (a build, not an
update) ends by merging the segments below the top tier into as few of at
most :data:`MAX_MERGE_DOCS` as fit (:func:`finishing_groups`): a question
pays for every segment (about 6 ms each per question at a million
documents), and this last merge rewrites at most about twice the run's own
documents (under the policy the tiers below the top hold fewer than
``2 * MAX_MERGE_DOCS``). Updates keep the plain policy, so adding a batch
stays cheap.

Searchers keep reading the segments they opened until they reopen the
index, and a merge that is killed never reaches the table of contents, so
the previous segments stay the index. The merged segment is written on its
own, a term at a time (:func:`~zhen.whoosh_internals.copy_segments`,
several times faster than Whoosh's merge), and during an indexing run in a
process of its own beside the indexing (:mod:`zhen.merge_scheduler`);
small segments are instead merged by Whoosh into the writer's new segment
when it has documents of its own (an update of a few documents): one
segment fewer, for little work.
"""

from whoosh.reading import SegmentReader

from .whoosh_internals import FastSegmentWriter, add_segment, copy_segments

# Segments of one tier merged together once there are this many.
SEGMENTS_PER_TIER = 10
# Segments smaller than this are merged together once there are this many.
FLOOR_DOCS = 1000
FLOOR_SEGMENTS = 4
# Segments this large are never merged again (a merge costs about as much
# as indexing its documents, in one process).
MAX_MERGE_DOCS = 200_000
# A run indexing this many documents ends with its small segments merged.
FINISH_DOCS = MAX_MERGE_DOCS
# A segment this fraction deleted is rewritten to drop the deleted documents.
DELETED_SHARE = 0.5


def tier(live_docs: int) -> int:
    """The tier of a segment with ``live_docs`` documents: its digit count."""
    return len(str(max(1, live_docs)))


def segments_to_merge(segments) -> list:
    """The segments the policy merges now (empty when none): the small
    ones, the smallest full tier, or else every segment mostly made of
    deleted documents."""
    small = [seg for seg in segments if seg.doc_count() < FLOOR_DOCS]
    if len(small) >= FLOOR_SEGMENTS:
        return small
    tiers: dict[int, list] = {}
    for seg in segments:
        live = seg.doc_count()
        if FLOOR_DOCS <= live < MAX_MERGE_DOCS:
            tiers.setdefault(tier(live), []).append(seg)
    for level in sorted(tiers):
        full = sum(seg.doc_count() for seg in tiers[level]) >= MAX_MERGE_DOCS
        if full or len(tiers[level]) >= SEGMENTS_PER_TIER:
            capped = _within_max(tiers[level])
            if len(capped) > 1:
                return capped
    return [
        seg
        for seg in segments
        if seg.doc_count() < MAX_MERGE_DOCS
        and seg.deleted_count() >= DELETED_SHARE * seg.doc_count_all()
    ]


def _within_max(segments) -> list:
    """The smallest of ``segments`` whose merge stays under
    :data:`MAX_MERGE_DOCS` live documents (a full tier of the largest size
    is merged a few at a time, never into one huge segment)."""
    chosen, total = [], 0
    for seg in sorted(segments, key=lambda seg: seg.doc_count()):
        total += seg.doc_count()
        if total > MAX_MERGE_DOCS:
            break
        chosen.append(seg)
    return chosen


def packed_groups(segments, cap=None) -> list:
    """Groups of ``segments`` to merge: packed smallest first, each of at
    most ``cap`` (default :data:`MAX_MERGE_DOCS`) live documents, each of
    two segments or more (or one with deleted documents, rewritten without
    them)."""
    cap = MAX_MERGE_DOCS if cap is None else cap
    groups: list[list] = [[]]
    total = 0
    for seg in sorted(segments, key=lambda seg: seg.doc_count()):
        if groups[-1] and total + seg.doc_count() > cap:
            groups.append([])
            total = 0
        groups[-1].append(seg)
        total += seg.doc_count()
    return [g for g in groups if g and (len(g) > 1 or g[0].deleted_count() > 0)]


def finishing_groups(segments) -> list:
    """The groups a large run's last merge makes: the segments below the
    tier of :data:`MAX_MERGE_DOCS` (those the policy would still merge
    later), packed by :func:`packed_groups`."""
    top = tier(MAX_MERGE_DOCS)
    return packed_groups([seg for seg in segments if tier(seg.doc_count()) < top])


def run_is_finished_by_merging(indexed: int) -> bool:
    """Whether a run that indexed ``indexed`` documents ends with
    :func:`finishing_merge` (a build does; an update does not)."""
    return indexed >= FINISH_DOCS


def finishing_merge(writer, segments):
    """A Whoosh merge policy: each group of :func:`finishing_groups` of
    segments written by the writer's codec merged into one."""
    own = [seg for seg in segments if _written_by(writer, seg)]
    return merge_groups(writer, segments, finishing_groups(own))


def merge_groups(writer, segments, groups):
    """Merge each of ``groups`` (lists of ``segments``) into one segment of
    its own, a term at a time; returns the segments of the commit, the
    merged ones after those that stay."""
    merging = {id(seg) for group in groups for seg in group}
    merged = [copy_segments(writer, group) for group in groups]
    staying = [seg for seg in segments if id(seg) not in merging]
    return staying + [seg for seg in merged if seg is not None]


def whoosh_merge(writer, segments):
    """Merge ``segments`` into ``writer``'s new segment as Whoosh does, a
    posting at a time (with exact field-length totals)."""
    for seg in segments:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        try:
            add_segment(writer, reader)
        finally:
            reader.close()


def merge_all(ix, codec, copy=True):
    """Merge every segment of ``ix`` into one (``codec`` writes it), by
    :func:`~zhen.whoosh_internals.copy_segments` or, ``copy`` false, by
    :func:`whoosh_merge`; returns the commit's segments."""

    def everything(writer, segments):
        if copy:
            return [copy_segments(writer, segments)]
        whoosh_merge(writer, segments)
        return []

    writer = FastSegmentWriter(ix, codec=codec, compound=False)
    writer.commit(mergetype=everything)
    return writer.segments


def merged_apart(writer, chosen) -> bool:
    """Whether ``chosen`` are merged into a segment of their own (a term at
    a time) rather than into the writer's new segment: unless they are
    small and the writer holds documents of its own, or a segment was
    written by another codec (an index made by an older zhen)."""
    if not all(_written_by(writer, seg) for seg in chosen):
        return False
    small = sum(seg.doc_count_all() for seg in chosen) < FLOOR_DOCS * FLOOR_SEGMENTS
    return not (small and writer.docnum)


def _written_by(writer, segment) -> bool:
    """Whether ``segment`` was written by ``writer``'s codec (a term at a
    time copy reads and writes that codec's blocks only)."""
    return type(segment.codec()) is type(writer.codec)
