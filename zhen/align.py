"""Where in a translation a passage of the original is.

A hit that matches one language only should still show the other side of
the *same* passage, not its first lines. Official translations keep the
article structure, so the article heading before the match (第 5 條 /
第五条, Article 5) is looked up on the other side; without one, the passage
sits at the same relative position (translations run roughly in parallel).

:func:`article_pairs` uses the same headings to cut a whole law into
aligned (Chinese article, English article) pairs for reading side by side.
"""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

_ZH_ARTICLE = re.compile(r"第\s*([0-9]+(?:-[0-9]+)?)\s*[條条]")
_EN_ARTICLE = re.compile(r"\bArticle\s+([0-9]+(?:-[0-9]+)?)\b")

_CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "兩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUMBER = "[〇零一二三四五六七八九两兩十百千]+"
# An article heading begins a line: 第 1 條, 第 1-1 條, 第一条, 第十二条之一.
_ZH_HEADING = re.compile(
    r"^[ \t\u3000]*第[ \t\u3000]*(?P<num>[0-9]+|%s)"
    r"(?:[ \t\u3000]*-[ \t\u3000]*(?P<sub>[0-9]+))?[ \t\u3000]*[條条]"
    r"(?:[ \t\u3000]*之(?P<zhsub>%s))?(?=[ \t\u3000]|$)" % (_CN_NUMBER, _CN_NUMBER),
    re.MULTILINE,
)
_EN_HEADING = re.compile(
    r"^[ \t]*Article[ \t]+(?P<num>[0-9]+)(?:-(?P<sub>[0-9]+))?\b", re.MULTILINE
)
MIN_PAIRED = 2  # fewer paired articles than this is no alignment
MIN_SHARE = 0.5  # nor is pairing fewer than half the articles of either side


@dataclass(frozen=True)
class Piece:
    """One article (or the text before the first) of one language:
    ``text[start:end]`` of the whole text, and its number ("1", "1-1")."""

    key: str | None
    start: int
    end: int


def counterpart(offset, source, target, source_lang):
    """The offset in ``target`` that corresponds to ``offset`` in ``source``."""
    if not source or not target:
        return 0
    own, other = (_ZH_ARTICLE, _EN_ARTICLE) if source_lang == "zh" else (_EN_ARTICLE, _ZH_ARTICLE)
    heading = None
    for match in own.finditer(source, 0, offset + 1):
        heading = match.group(1)
    if heading is not None:
        for match in other.finditer(target):
            if match.group(1) == heading:
                return match.start()
    return int(len(target) * offset / max(len(source), 1))


def chinese_number(text):
    """The value of a number written in Chinese numerals (一百零一 -> 101),
    or of Arabic digits; None if it is neither."""
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
        else:
            return None
    return total + (digit or 0)


def split_articles(text, lang):
    """The :class:`Piece` list of ``text``: an article per heading at the
    start of a line (a reference such as "依第 5 條" inside a sentence is not
    one), preceded by the text before the first heading, if any."""
    pattern = _ZH_HEADING if lang == "zh" else _EN_HEADING
    heads = [(m.start(), _key(m)) for m in pattern.finditer(text)]
    pieces = []
    if not heads or heads[0][0] > 0:
        end = heads[0][0] if heads else len(text)
        pieces.append(Piece(None, 0, end))
    for i, (start, key) in enumerate(heads):
        end = heads[i + 1][0] if i + 1 < len(heads) else len(text)
        pieces.append(Piece(key, start, end))
    return pieces


def _key(match):
    number = chinese_number(match.group("num"))
    groups = match.groupdict()
    sub = groups.get("sub") or (groups.get("zhsub") and str(chinese_number(groups["zhsub"])))
    return f"{number}-{int(sub)}" if sub else str(number)


def article_pairs(zh_text, en_text):
    """[(zh Piece or None, en Piece or None)] in reading order, pairing the
    articles with the same number; an article found on one side only gets a
    row of its own. None when the texts do not align (too few articles in
    common), so the caller shows them as two plain columns."""
    zh = split_articles(zh_text or "", "zh")
    en = split_articles(en_text or "", "en")
    pairs = _merge(zh, en)
    paired = sum(1 for a, b in pairs if a and b and a.key is not None)
    zh_keys = sum(1 for p in zh if p.key is not None)
    en_keys = sum(1 for p in en if p.key is not None)
    if paired < MIN_PAIRED or paired < MIN_SHARE * max(zh_keys, en_keys):
        return None
    return pairs


def _merge(zh, en):
    """Pair the pieces whose keys match in order (difflib's matching blocks:
    a stray heading, such as a paragraph opening with a reference to another
    article, cannot pull the rest out of step); the others get rows of their
    own, in reading order."""
    matcher = SequenceMatcher(None, [p.key for p in zh], [p.key for p in en], autojunk=False)
    pairs, i, j = [], 0, 0
    for a, b, size in matcher.get_matching_blocks():
        pairs.extend((piece, None) for piece in zh[i:a])
        pairs.extend((None, piece) for piece in en[j:b])
        pairs.extend(zip(zh[a : a + size], en[b : b + size]))
        i, j = a + size, b + size
    return pairs
