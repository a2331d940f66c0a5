"""Where an index lives on disk: generations, settings and the writer lock.

An index directory holds one Whoosh index per *generation* (``gen-*``) and a
symlink ``current`` naming the live one. A rebuild fills a new generation
and then replaces the symlink in one ``rename``, so a reader always opens a
complete index: the old one or the new one. ``zhen.json`` in each generation
keeps the settings it was built with.
"""

import fcntl
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from whoosh import index as whoosh_index

from .analysis import userdict_fingerprint
from .errors import IndexLockedError, IndexMissingError, SettingsMismatchError
from .schema import ANALYSIS_VERSION, FORMAT_VERSION, build_schema

CURRENT = "current"
BUILDING = "building"
META = "zhen.json"
LOCK = "write.lock"


def analysis_settings(userdict=None):
    """What the index's terms depend on; a change needs a rebuild."""
    return {
        "format": FORMAT_VERSION,
        "analysis": ANALYSIS_VERSION,
        "userdict": str(Path(userdict).resolve()) if userdict else None,
        "userdict_fingerprint": userdict_fingerprint(userdict),
    }


class IndexStore:
    """The generations of one index directory."""

    def __init__(self, root):
        self.root = Path(root).expanduser()

    def current(self):
        """The live generation's directory, or None if there is none."""
        return self.linked_generation(CURRENT)

    def require_current(self):
        gen = self.current()
        if gen is None or not whoosh_index.exists_in(gen):
            raise IndexMissingError(
                f"no index at {self.root}",
                hint="build one with: zhen index PATH (or set --index / ZHEN_INDEX)",
            )
        return gen

    def open(self, gen=None):
        gen = gen or self.require_current()
        try:
            return whoosh_index.open_dir(str(gen))
        except Exception as exc:  # Whoosh raises many kinds on damaged files
            raise IndexMissingError(
                f"cannot open the index at {gen}: {exc}",
                hint="rebuild it: zhen index --rebuild PATH",
            ) from exc

    def meta(self, gen=None):
        gen = gen or self.require_current()
        try:
            return json.loads((gen / META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def write_meta(self, gen, **updates):
        meta = self.meta(gen) if (gen / META).exists() else {}
        meta.update(updates)
        tmp = gen / (META + ".tmp")
        tmp.write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
        os.replace(tmp, gen / META)

    def check_settings(self, gen, userdict=None, keys=None):
        """Refuse an index whose analysis differs from the current settings
        (``keys``: only those settings, e.g. ``("format",)`` for work that
        rewrites segments without analysing text)."""
        stored = self.meta(gen).get("settings")
        wanted = analysis_settings(userdict)
        if keys is not None:
            wanted = {key: wanted[key] for key in keys}
            stored = None if stored is None else {key: stored.get(key) for key in keys}
        if stored is not None and stored != wanted:
            changed = sorted(k for k in wanted if stored.get(k) != wanted.get(k))
            raise SettingsMismatchError(
                f"the index at {self.root} was built with other settings "
                f"({', '.join(changed)} changed)",
                hint="run: zhen index --rebuild PATH",
            )

    def create_generation(self, userdict=None):
        self.root.mkdir(parents=True, exist_ok=True)
        numbers = [int(g.name[4:]) for g in self.root.glob("gen-*") if g.name[4:].isdigit()]
        gen = self.root / f"gen-{max(numbers, default=0) + 1:06d}"
        gen.mkdir()
        whoosh_index.create_in(str(gen), build_schema(userdict))
        self.write_meta(gen, settings=analysis_settings(userdict), created=_now())
        return gen

    def linked_generation(self, name):
        """The generation the link ``name`` (``current``, ``building``)
        names, or None."""
        link = self.root / name
        return link.resolve() if link.is_symlink() and link.resolve().is_dir() else None

    def link_generation(self, name, gen):
        """Make the link ``name`` name ``gen``, in one atomic rename."""
        tmp = self.root / f".{name}.{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(gen.name, tmp)
        os.replace(tmp, self.root / name)

    def remove_link(self, name):
        link = self.root / name
        if link.is_symlink():
            link.unlink()

    def clean_old_generations(self, keep_previous=None):
        """Remove generations no pointer names, but the one just replaced:
        a searcher opened just before the switch may still read it."""
        keep = {self.current(), self.linked_generation(BUILDING), keep_previous}
        for gen in self.root.glob("gen-*"):
            if gen.resolve() not in keep:
                shutil.rmtree(gen, ignore_errors=True)

    def lock(self, wait=False):
        return WriterLock(self.root, wait)


class WriterLock:
    """One writer per index directory, named in the lock file.

    ``flock`` is released by the kernel when its process dies, so a lock left
    by a killed process is never stale: the next writer simply gets it.
    """

    def __init__(self, root, wait=False):
        self.path = Path(root) / LOCK
        self.wait = wait
        self.handle = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a+", encoding="utf-8")
        flags = fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(self.handle, flags)
        except BlockingIOError:
            self.handle.seek(0)
            holder = self.handle.read().strip() or "another process"
            self.handle.close()
            raise IndexLockedError(
                f"the index at {self.path.parent} is being written by {holder}",
                hint="wait for it to finish, or pass --wait to queue behind it",
            ) from None
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(f"pid {os.getpid()} (zhen index, since {_now()})")
        self.handle.flush()
        return self

    def __exit__(self, *exc):
        self.handle.seek(0)
        self.handle.truncate()
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _now():
    return datetime.now(UTC).isoformat(timespec="seconds")
