"""The record files below a run's input paths, kept compactly.

A million-file corpus is walked once per run, and the list lives as long as
the run: the indexer's worker processes are forked from the process that
holds it. As one ``(path, batch)`` tuple of strings per file it took 220 MB
at a million files, the id table that settles duplicate ids 112 MB more.
:class:`Sources` keeps one entry per folder and a bare file name per file
(about a third), and duplicate ids are found by sorting the names, keeping
only the ids that really occur twice.
"""

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from .records import Problem

RECORD_SUFFIXES = (".txt", ".jsonl")


class Sources:
    """(path, batch) of every input file, in reading order (later batches
    last): a sequence, stored as folders with their file names."""

    def __init__(self):
        self._folders: list[tuple[str, str, list[str]]] = []  # (folder, batch, names)
        self._count = 0

    def add(self, folder: str, batch: str, names: list[str]) -> None:
        if names:
            self._folders.append((folder, batch, names))
            self._count += len(names)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[tuple[str, str]]:
        for folder, batch, names in self._folders:
            for name in names:
                yield os.path.join(folder, name), batch

    def duplicate_winners(self, problems: list[Problem]) -> dict[str, str]:
        """id -> path of the record file that wins, for the ids that more
        than one record file (``<id>.txt``) has: the later one in reading
        order. Each file that loses is reported in ``problems``."""
        names = sorted(
            name
            for _, _, folder_names in self._folders
            for name in folder_names
            if name.endswith(".txt")
        )
        repeated = {a for a, b in zip(names, names[1:], strict=False) if a == b}
        del names
        winners: dict[str, str] = {}
        if not repeated:
            return winners
        for path, _ in self:
            name = os.path.basename(path)
            if name not in repeated:
                continue
            stem = name[: -len(".txt")]
            earlier = winners.get(stem)
            if earlier is not None:
                problems.append(
                    Problem(
                        earlier,
                        None,
                        f"duplicate id '{stem}': {path} (the later batch) wins",
                        "warning",
                    )
                )
            winners[stem] = path
        return winners


def walk(root: Path, sources: Sources, problems: list[Problem]) -> None:
    """Add every record file below ``root`` to ``sources``, in sorted order.

    Links to folders are not followed (no loops); a name ending in ``.txt``
    or ``.jsonl`` that is not a regular file (a FIFO, a device, a broken
    link) is reported and skipped: reading it could block forever.
    """

    def unreadable(error):
        problems.append(Problem(error.filename, None, f"cannot read folder: {error.strerror}"))

    top = root.resolve().name
    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        batch = top if rel == "." else Path(rel).as_posix()
        names = [
            name
            for name in sorted(filenames)
            if name.endswith(RECORD_SUFFIXES)
            and not name.startswith(".")
            and regular_file(os.path.join(dirpath, name), problems)
        ]
        sources.add(dirpath, batch, names)


def regular_file(path, problems: list[Problem]) -> bool:
    """Whether ``path`` is a regular file (after links); else a warning."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        problems.append(Problem(str(path), None, f"skipped: {exc.strerror}", "warning"))
        return False
    if stat.S_ISREG(mode):
        return True
    problems.append(
        Problem(
            str(path), None, "skipped: not a regular file (a FIFO, socket or device)", "warning"
        )
    )
    return False
