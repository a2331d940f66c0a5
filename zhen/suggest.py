""""Did you mean": spelling suggestions for English query words.

A word is suspect when no English field holds its stem. The suggestion is
the closest stem (edit distance at most 2, same first letter) that the
English fields do hold, which Whoosh's reader corrector finds from the
index's own vocabulary (no word list to ship or keep in step), shown as a
document writes it: stems such as ``ministri`` are not words to offer.
"""

import re

from .analysis import ENGLISH_STOP_WORDS, english_term
from .normalize import normalize, normalize_query
from .query import positive_leaves
from .schema import ENGLISH_FIELDS, TEXT_FIELDS

_WORD = re.compile(r"[a-z]{3,}")


def suggest(searcher, text, tree):
    """The query text with misspelt English words replaced, or None."""
    replacements = {}
    for leaf in positive_leaves(tree):
        for word in _WORD.findall(normalize_query(leaf.text)):
            if word in ENGLISH_STOP_WORDS or _known(searcher, word):
                continue
            better = _closest(searcher, word)
            if better:
                replacements[word] = better
    if not replacements:
        return None
    pattern = re.compile(r"\b(%s)\b" % "|".join(map(re.escape, replacements)),
                         re.IGNORECASE)
    return pattern.sub(lambda m: replacements[m.group(0).lower()], text)


def _known(searcher, word):
    term = english_term(word)
    return any(searcher.doc_frequency(f, term) for f in ENGLISH_FIELDS)


def _closest(searcher, word):
    best = None
    for field in ENGLISH_FIELDS:
        for candidate in searcher.corrector(field).suggest(
                english_term(word), limit=3, maxdist=2, prefix=1):
            freq = searcher.doc_frequency(field, candidate)
            if best is None or freq > best[2]:
                best = (field, candidate, freq)
    return _as_written(searcher, *best[:2]) if best else None


def _as_written(searcher, field, term):
    """A word of a document that ``term`` (a stem) was made from."""
    docnum = next(iter(searcher.postings(field, term).all_ids()), None)
    if docnum is None:
        return term
    text = searcher.stored_fields(docnum)["record"].get(TEXT_FIELDS[field]) or ""
    start = re.escape(term[:max(3, len(term) - 1)])  # stems are nearly prefixes
    for word in re.findall(r"\b%s[a-z]*" % start, normalize(text).text):
        if english_term(word) == term:
            return word
    return term
