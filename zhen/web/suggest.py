"""Search-box suggestions: document titles that contain what was typed.

Titles are the useful completions here (names of laws and notices), in
either language, matched after the index's normalisation (so 民法 finds
民法總則施行法 and ``civil`` finds "Civil Code"). The titles of an index
are read once per index version and shared by all threads; a request is
then a scan of a list of short strings.
"""

import threading
from typing import Any

from ..normalize import normalize_query
from ..search import Searcher

_CACHE: dict[str, Any] = {"key": None, "titles": []}
_LOCK = threading.Lock()


def suggestions(searcher, typed, limit=8):
    """Up to ``limit`` titles containing ``typed``: those that begin with it
    first, then shorter before longer."""
    needle = normalize_query(typed).strip() if typed and typed.strip() else ""
    if not needle:
        return []
    found = []
    for norm, title in _titles(searcher):
        at = norm.find(needle)
        if at >= 0:
            found.append((at != 0, len(norm), title))
    found.sort()
    out, seen = [], set()
    for _, _, title in found:
        if title not in seen:
            seen.add(title)
            out.append(title)
        if len(out) == limit:
            break
    return out


def _titles(searcher):
    """[(normalised title, title)] of the index version a zhen Searcher
    reads (the same for every thread's Searcher of one index)."""
    if not isinstance(searcher, Searcher):  # a cluster: no title list yet
        return []
    reader = searcher.whoosh_searcher().reader()
    key = (str(searcher.store.require_current()), reader.generation(), reader.doc_count_all())
    with _LOCK:
        if _CACHE["key"] != key:
            _CACHE["titles"] = _read_titles(reader)
            _CACHE["key"] = key
        return _CACHE["titles"]


def _read_titles(reader):
    titles = []
    for _, fields in reader.iter_docs():
        record = fields.get("record") or {}
        for name in ("title", "translated_title"):
            text = record.get(name)
            if text:
                titles.append((normalize_query(text), text))
    return titles
