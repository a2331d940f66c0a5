"""Shared helpers for the benchmarks: data loading and the textbook baseline.

The baseline is what a hand-rolled Whoosh + jieba search looks like:
``jieba.analyse.ChineseAnalyzer`` for Chinese fields, Whoosh's
``StemmingAnalyzer`` for English ones, one writer.
"""

import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
TWLAW = SHARED / "corpus" / "twlaw"
CHINESE_KEYS = ("title", "resulting_text")
ENGLISH_KEYS = ("translated_title", "translated_content", "english_summary")


def load_docs(paths, limit=None):
    from zhen.corpus import CorpusReader

    docs = list(CorpusReader(paths).documents())
    return docs[:limit] if limit else docs


def text_bytes(docs, keys=CHINESE_KEYS + ENGLISH_KEYS):
    return sum(len((getattr(d, k) or "").encode("utf-8")) for d in docs for k in keys)


def baseline_analyzers():
    import jieba
    from jieba.analyse import ChineseAnalyzer
    from whoosh.analysis import StemmingAnalyzer

    jieba.setLogLevel(60)
    jieba.initialize()
    return ChineseAnalyzer(), StemmingAnalyzer()


def baseline_schema():
    from whoosh.fields import DATETIME, ID, TEXT, Schema

    zh, en = baseline_analyzers()
    return Schema(
        id=ID(stored=True, unique=True),
        date=DATETIME(stored=True),
        title=TEXT(analyzer=zh, stored=True),
        body=TEXT(analyzer=zh, stored=True),
        title_en=TEXT(analyzer=en, stored=True),
        body_en=TEXT(analyzer=en, stored=True),
        summary_en=TEXT(analyzer=en, stored=True),
    )


def baseline_fields(doc):
    values = {
        "id": doc.id,
        "title": doc.title,
        "body": doc.resulting_text,
        "title_en": doc.translated_title,
        "body_en": doc.translated_content,
        "summary_en": doc.english_summary,
    }
    if doc.date_value:
        values["date"] = doc.date_value
    return {k: v for k, v in values.items() if v}


def keyword_queries():
    """The keyword set (``bench/keywords.txt``), one query a line."""
    text = (ROOT / "bench" / "keywords.txt").read_text(encoding="utf-8")
    return [q for q in text.splitlines() if q.strip()]


def median_times(search, queries, rounds):
    """Per query, in order, the median of ``rounds`` timings (ms) of
    ``search(query)``; the set is run ``rounds`` times over, so a burst of
    load on a shared machine hits one of a query's runs, not all."""
    runs = [[] for _ in queries]
    for _ in range(rounds):
        for i, query in enumerate(queries):
            began = time.perf_counter()
            search(query)
            runs[i].append((time.perf_counter() - began) * 1000)
    return [statistics.median(r) for r in runs]


def query_times(search, queries, rounds):
    """:func:`median_times`, sorted, after one untimed call that opens the
    index."""
    search(queries[0])
    return sorted(median_times(search, queries, rounds))


def percentile(sorted_ms, share):
    """The value at ``share`` (0.5, 0.95) of a sorted list."""
    return sorted_ms[min(len(sorted_ms) - 1, int(share * len(sorted_ms)))]


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - started, result


def peak_rss_mb(who=resource.RUSAGE_SELF):
    return resource.getrusage(who).ru_maxrss / 1024


def dir_size_mb(path):
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 1e6


def require_shared():
    if not TWLAW.is_dir():
        sys.exit(f"needs the shared corpus at {TWLAW}")


# The bundled sample (267 twlaw documents in their batch folders): what a
# --smoke run uses, so CI proves every script runs without ../shared.
SAMPLE_TWLAW = ROOT / "corpus" / "twlaw"


def add_smoke_option(parser):
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a quick run on the bundled sample (checks that the "
        "script works; its numbers mean nothing)",
    )


def twlaw_or_sample(args):
    """The twlaw folder to measure: the shared corpus, or the bundled sample
    with --smoke."""
    if getattr(args, "smoke", False):
        return SAMPLE_TWLAW
    require_shared()
    return TWLAW
