""""Did you mean": spelling suggestions for English query words.

A word is suspect when no document contains it as written. The suggestion is
the closest word (edit distance at most 2, same first letter) that the
English fields do contain, which Whoosh's reader corrector finds from the
index's own vocabulary: no word list to ship or keep in step.
"""

import re

from .analysis import ENGLISH_STOP_WORDS
from .normalize import normalize_query
from .query import positive_leaves
from .schema import ENGLISH_FIELDS, recall_field

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
    return any(searcher.doc_frequency(recall_field(f), word)
               for f in ENGLISH_FIELDS)


def _closest(searcher, word):
    best = None
    for name in ENGLISH_FIELDS:
        field = recall_field(name)
        for candidate in searcher.corrector(field).suggest(word, limit=3,
                                                           maxdist=2, prefix=1):
            freq = searcher.doc_frequency(field, candidate)
            if best is None or freq > best[1]:
                best = (candidate, freq)
    return best[0] if best else None
