"""Analysis throughput: zhen's analyzers vs jieba's ChineseAnalyzer +
Whoosh's StemmingAnalyzer, on the same twlaw text, in one run.

    python bench/bench_analysis.py [--docs N]

zhen analyses each field as its index does: both views of Chinese fields
(jieba words, and Han bigrams with exact English words), the stemmed view with
stop words of English fields; the baseline produces its single view.
"""

import argparse
import datetime

from common import (
    CHINESE_KEYS,
    ENGLISH_KEYS,
    add_smoke_option,
    baseline_analyzers,
    load_docs,
    text_bytes,
    timed,
    twlaw_or_sample,
)


def run_analyzers(docs, plan):
    tokens = 0
    for doc in docs:
        for keys, analyzers in plan:
            for key in keys:
                text = getattr(doc, key)
                if text:
                    for analyzer in analyzers:
                        for _ in analyzer(text, positions=True, chars=True):
                            tokens += 1
    return tokens


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=None)
    add_smoke_option(parser)
    args = parser.parse_args()
    root = twlaw_or_sample(args)
    from zhen.analysis import EnglishAnalyzer, GramAnalyzer, WordAnalyzer, segmenter

    segmenter()  # dictionary load is not part of the throughput
    docs = load_docs([root], 40 if args.smoke else args.docs)
    mb = text_bytes(docs) / 1e6
    zh, en = baseline_analyzers()
    base_s, base_tokens = timed(run_analyzers, docs, [(CHINESE_KEYS, [zh]), (ENGLISH_KEYS, [en])])
    zhen_s, zhen_tokens = timed(
        run_analyzers,
        docs,
        [(CHINESE_KEYS, [WordAnalyzer(), GramAnalyzer()]), (ENGLISH_KEYS, [EnglishAnalyzer()])],
    )
    print(f"date: {datetime.date.today()}  docs: {len(docs)}  text: {mb:.1f} MB")
    print(f"baseline: {base_s:.1f} s  {mb / base_s:.2f} MB/s  {base_tokens:,} tokens")
    print(f"zhen:     {zhen_s:.1f} s  {mb / zhen_s:.2f} MB/s  {zhen_tokens:,} tokens")
    print(
        f"speed ratio zhen/baseline: {base_s / zhen_s:.2f}x; "
        f"tokens ratio: {zhen_tokens / base_tokens:.2f}x"
    )


if __name__ == "__main__":
    main()
