""" "Did you mean": spelling suggestions for English query words.

A word is suspect when no English field holds its stem. The suggestion is
the closest stem (edit distance at most 2, same first letter) that the
English fields do hold, which Whoosh's reader corrector finds from the
index's own vocabulary (no word list to ship or keep in step), shown as a
document writes it: stems such as ``ministri`` are not words to offer.
"""

import difflib
import re
from itertools import islice

from .english import ENGLISH_STOP_WORDS, english_term
from .normalize import normalize, normalize_query
from .query import clean, positive_leaves
from .schema import ENGLISH_FIELDS, TEXT_FIELDS

_WORD = re.compile(r"[a-z]{3,}")
# A query word that may be corrected: letters (any script), digits, and the
# hyphens and apostrophes of English words. Markup such as ``<script>`` or
# a word glued to control characters is not a misspelling to correct.
_PLAIN = re.compile(r"^[^\W_]+(?:['\-][^\W_]+)*$")


def suggest(searcher, text, tree):
    """The query text with misspelt English words replaced, or None."""
    replacements = {}
    for leaf in positive_leaves(tree):
        if not all(_PLAIN.match(part) for part in leaf.text.split()):
            continue
        for word in _WORD.findall(normalize_query(leaf.text)):
            if word in ENGLISH_STOP_WORDS or _known(searcher, word):
                continue
            better = _closest(searcher, word)
            if better:
                replacements[word] = better
    if not replacements:
        return None
    pattern = re.compile(r"\b(%s)\b" % "|".join(map(re.escape, replacements)), re.IGNORECASE)
    # from the query as parsed: no control characters come back
    return " ".join(pattern.sub(lambda m: replacements[m.group(0).lower()], clean(text)).split())


def _known(searcher, word):
    term = english_term(word)
    return any(searcher.doc_frequency(f, term) for f in ENGLISH_FIELDS)


def _closest(searcher, word):
    """The most frequent stem one edit away in any English field, else two
    (Whoosh's corrector ranks all it finds within ``maxdist`` by frequency
    alone, which would prefer ``train`` to ``tariff`` for ``tarif``)."""
    term = english_term(word)
    for distance in (1, 2):
        best = None
        for field in ENGLISH_FIELDS:
            for candidate in searcher.corrector(field).suggest(
                term, limit=1, maxdist=distance, prefix=1
            ):
                freq = searcher.doc_frequency(field, candidate)
                if best is None or freq > best[2]:
                    best = (field, candidate, freq)
        if best:
            return _as_written(searcher, *best[:2], word)
    return None


def _as_written(searcher, field, term, typed, documents=3):
    """The word, of those in the first few documents that ``term`` (a stem)
    was made from, closest to what was ``typed`` (``tarrifs`` -> ``tariffs``,
    not ``tariffic``)."""
    start = re.escape(term[: max(3, len(term) - 1)])  # stems are nearly prefixes
    forms = set()
    for docnum in islice(searcher.postings(field, term).all_ids(), documents):
        text = searcher.stored_fields(docnum)["record"].get(TEXT_FIELDS[field]) or ""
        forms.update(
            word
            for word in re.findall(r"\b%s[a-z]*" % start, normalize(text).text)
            if english_term(word) == term
        )
    closest = difflib.get_close_matches(typed, sorted(forms), n=1, cutoff=0)
    return closest[0] if closest else term
