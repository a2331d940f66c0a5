"""Where in a translation a passage of the original is.

A hit that matches one language only should still show the other side of
the *same* passage, not its first lines. Official translations keep the
article structure, so the article heading before the match (第 5 條 /
第五条, Article 5) is looked up on the other side; without one, the passage
sits at the same relative position (translations run roughly in parallel).
"""

import re

_ZH_ARTICLE = re.compile(r"第\s*([0-9]+(?:-[0-9]+)?)\s*[條条]")
_EN_ARTICLE = re.compile(r"\bArticle\s+([0-9]+(?:-[0-9]+)?)\b")


def counterpart(offset, source, target, source_lang):
    """The offset in ``target`` that corresponds to ``offset`` in ``source``."""
    if not source or not target:
        return 0
    own, other = (_ZH_ARTICLE, _EN_ARTICLE) if source_lang == "zh" else \
        (_EN_ARTICLE, _ZH_ARTICLE)
    heading = None
    for match in own.finditer(source, 0, offset + 1):
        heading = match.group(1)
    if heading is not None:
        for match in other.finditer(target):
            if match.group(1) == heading:
                return match.start()
    return int(len(target) * offset / max(len(source), 1))
