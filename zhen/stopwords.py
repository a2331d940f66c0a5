"""Function words a question is ranked without.

The stopwords-iso lists (``stopwordsiso``, maintained on PyPI) of Chinese
(function and question words: 什么, 如何, 可以, 哪些 …) and English (with the
words questions are phrased in: what, must, possible …), and Whoosh's English
list (the one the index and keyword queries use).
"""

from functools import lru_cache

from .english import ENGLISH_STOP_WORDS


@lru_cache(maxsize=1)
def stop_words():
    """Every stop word, Chinese and English, normalised as queries are."""
    import stopwordsiso

    return frozenset(stopwordsiso.stopwords(["zh", "en"])) | ENGLISH_STOP_WORDS


def chinese_stop_words():
    return stop_words()


def is_stop_word(word):
    """Whether a jieba word or an English word is a function word."""
    return word in stop_words()


def is_stop_bigram(gram):
    """Whether a Han bigram of a question is a function word of its own."""
    return gram in stop_words()
