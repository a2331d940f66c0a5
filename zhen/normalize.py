"""Text normalisation that remembers where every character came from.

Index and query text go through the same steps, before any segmenting:
Unicode compatibility forms (full-width ``ＡＰＩ２０２４`` becomes ``API2024``),
lower case, then Traditional to Simplified Chinese with OpenCC. Each step may
change the length of the text, so :func:`normalize` returns, beside the
normalised string, the offset in the original text of each of its characters.
Highlights computed on normalised text are mapped back through it and land on
the original characters.
"""

import re
import unicodedata
from functools import lru_cache

import opencc

# Full-width ASCII variants and the ideographic space map one to one.
_WIDTH_TABLE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_WIDTH_TABLE[0x3000] = 0x20
# Full-width ASCII forms and the ideographic space (NFKC makes them ASCII).
FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")
HAN_RANGES = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"


# Combining marks and conjoining jamo, the characters NFKC may merge with a
# neighbour; where none occurs, an unchanged length means a 1:1 mapping.
_COMPOSING = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a"
    "\u064b-\u065f\u0900-\u0903\u093a-\u094f\u1100-\u11ff"
    "\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\u302a-\u302f"
    "\u3099\u309a\ufe20-\ufe2f\uff9e\uff9f]"
)


@lru_cache(maxsize=1)
def _converter():
    """The OpenCC Traditional-to-Simplified converter, loaded once a process."""
    return opencc.OpenCC("t2s")


class Normalized:
    """A normalised string and the original offset of each of its characters.

    ``offsets`` has one more entry than ``text``: the end of the original, so
    a span ``[start, end)`` of the normalised text maps to
    ``[offsets[start], offsets[end])`` of the original. ``offsets`` is None
    when normalising kept every character in place (the common case), which
    saves building a list per field.
    """

    __slots__ = ("text", "offsets")

    def __init__(self, text, offsets):
        self.text = text
        self.offsets = offsets

    def span(self, start, end):
        """The original span covering normalised characters [start, end)."""
        if self.offsets is None:
            return start, end
        return self.offsets[start], self._end(end)

    def _end(self, end):
        # Several normalised characters may come from one original character;
        # the span must end after that whole original character.
        offsets = self.offsets
        if end < len(offsets) - 1 and offsets[end] == offsets[end - 1]:
            while end < len(offsets) - 1 and offsets[end] == offsets[end - 1]:
                end += 1
        return offsets[end]


def normalize(text):
    """Normalise ``text`` for analysis; see :class:`Normalized`."""
    if text.isascii():  # most English text: only the case changes
        return Normalized(text.lower(), None)
    folded = _nfkc(text).lower()
    # Same length and nothing that composes: every character mapped to one.
    if len(folded) == len(text) and not _COMPOSING.search(text):
        return _to_simplified(folded, None)
    if not _COMPOSING.search(text):
        offsets = _offsets_around_expanders(text, len(folded))
        if offsets is not None:
            return _to_simplified(folded, offsets)
    chars, offsets = [], []
    for start, cluster in _clusters(text.translate(_WIDTH_TABLE)):
        piece, where = _fold_cluster(cluster, start)
        chars.append(piece)
        offsets.extend(where)
    offsets.append(len(text))
    return _to_simplified("".join(chars), offsets)


def _fold_cluster(cluster, start):
    """(folded cluster, the original offset of each folded character).

    The cluster is cut after its shortest head that folds on its own, i.e.
    where folding the head and the rest apart gives what folding the whole
    does; the head's characters map to its start, the rest is cut again. So
    ``e`` + U+0301 (which compose) map together, and a mark that composes
    with nothing keeps an offset of its own."""
    whole = _fold(cluster)
    for cut in range(1, len(cluster)):
        head = _fold(cluster[:cut])
        if whole.startswith(head) and head + _fold(cluster[cut:]) == whole:
            rest, where = _fold_cluster(cluster[cut:], start + cut)
            return head + rest, [start] * len(head) + where
    return whole, [start] * len(whole)


def _clusters(text):
    """(start, characters) of each base character with the marks that follow
    it: NFKC may compose them into one (``e`` + U+0301 is ``é``), so they
    are normalised together, the way the whole text would be, and every
    character that comes out maps to the cluster's start."""
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or not _joins_previous(text[index]):
            yield start, text[start:index]
            start = index


def _joins_previous(char):
    """Whether NFKC may compose ``char`` with the character before it: a
    combining mark, a Hangul vowel or final consonant jamo, or a half-width
    katakana (semi-)voiced sound mark."""
    return (
        unicodedata.category(char)[0] == "M"
        or "\u1160" <= char <= "\u11ff"
        or char in "\uff9e\uff9f"
    )


def _nfkc(text):
    """NFKC, sparing its slow path where a quick check (in C) allows."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    narrowed = _narrow(text)
    if unicodedata.is_normalized("NFKC", narrowed):
        return narrowed
    return unicodedata.normalize("NFKC", narrowed)


def _narrow(text):
    """``text`` with full-width ASCII forms made ASCII, as NFKC would do.

    Chinese text is full of full-width punctuation (，：；), which sends
    NFKC down its slow path; replacing the few distinct ones present first
    leaves text that passes NFKC's quick check, four times faster in all.
    """
    for char in set(FULL_WIDTH.findall(text)):
        text = text.replace(char, chr(_WIDTH_TABLE[ord(char)]))
    return text


def _offsets_around_expanders(text, folded_length):
    """Offsets when the only changes in length come from single characters
    that fold to several (︰ -> .., ㎡ -> m2); None if that does not add up."""
    offsets, at = [], 0
    for match in _expanders().finditer(text):
        offsets.extend(range(at, match.start()))
        offsets.extend([match.start()] * len(_fold(match.group())))
        at = match.end()
    offsets.extend(range(at, len(text)))
    if len(offsets) != folded_length:
        return None
    offsets.append(len(text))
    return offsets


def _fold(char):
    return unicodedata.normalize("NFKC", char).lower()


@lru_cache(maxsize=1)
def _expanders():
    """A regex of the BMP characters that fold to more or fewer than one."""
    # CJK ideographs (U+3400-U+9FFF), Hangul syllables and surrogates never
    # fold to another length; skipping them makes this three times faster.
    codes = [
        *range(0x80, 0x3400),
        *range(0xA000, 0xAC00),
        *range(0xD7A4, 0xD800),
        *range(0xE000, 0x10000),
    ]
    chars = [chr(c) for c in codes if len(_fold(chr(c))) != 1]
    return re.compile("[%s]" % re.escape("".join(chars)))


def _to_simplified(text, offsets):
    converted = _converter().convert(text)
    if len(converted) != len(text):
        # A phrase mapping changed the length: convert character by character,
        # which keeps the alignment at the cost of phrase-level choices.
        convert = _converter().convert
        converted = "".join(
            piece if len(piece) == 1 else char for char, piece in ((c, convert(c)) for c in text)
        )
    return Normalized(converted, offsets)


def normalize_query(text):
    """The normalised form of query text (offsets are not needed there)."""
    return normalize(text).text
