"""Which indexed documents an update may remove (``--prune``).

The rule, in one place: a document is gone when its own record is gone
from under a path given to this run. That is, its stored path lies below
(or is) one of the run's paths, its id was not read in this run, and

* its record file no longer exists as a regular file, or
* its JSON Lines file was read in full in this run (no line of it failed)
  and no longer has a record with its id.

A record file that still exists is never gone, even when it cannot be read
today (the last good version stays searchable and the problem is
reported); nor is a document indexed from a path this run was not given,
nor one whose stored path is relative (written by a version before paths
were made absolute, so its folder cannot be known).
"""

import os


def prunable(known, seen, reader):
    """Ids of ``known`` documents (id -> :class:`~zhen.indexer.Known`) that
    are gone, after ``reader`` (a :class:`~zhen.corpus.CorpusReader`) has
    read this run's paths; ``seen`` holds the ids it read or found
    unchanged."""
    roots = [str(path) for path in reader.paths]
    read_whole = {path for path, _ in reader.sources() if path.endswith(".jsonl")} - {
        p.file for p in reader.problems if p.severity == "error"
    }
    return sorted(
        doc_id
        for doc_id, old in known.items()
        if doc_id not in seen
        and old.path
        and _under_any(old.path, roots)
        and _record_gone(old.path, read_whole)
    )


def _under_any(path, roots):
    if not os.path.isabs(path):
        return False
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _record_gone(path, read_whole):
    if not os.path.isfile(path):
        return True
    return path.endswith(".jsonl") and path in read_whole
