"""zhen: bilingual Chinese-English full-text search.

The public facade::

    from zhen import read_corpus, update_index, Searcher, search

Everything else is reachable through its module; these names are the
library's promise.
"""

from .corpus import Document, read_corpus
from .errors import (
    CorpusError,
    DocumentNotFoundError,
    IndexLockedError,
    IndexMissingError,
    QueryError,
    SettingsMismatchError,
    ZhenError,
)
from .indexer import IndexReport, update_index
from .search import Searcher, SearchResult, search

__version__ = "0.1.0"

__all__ = [
    "Document",
    "read_corpus",
    "update_index",
    "IndexReport",
    "Searcher",
    "SearchResult",
    "search",
    "ZhenError",
    "CorpusError",
    "QueryError",
    "IndexMissingError",
    "IndexLockedError",
    "SettingsMismatchError",
    "DocumentNotFoundError",
]
