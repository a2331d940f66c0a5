"""A deterministic generator of realistic corpora of any size (issue 11).

    python bench/make_corpus.py OUT --docs N [--seed S] [--format txt|jsonl]
                                [--batch-size 1000] [--mix article=.93,law=.05,abstract=.02]

zhen has to be measured at sizes no shared corpus has (1,000,000 documents), so
this script learns the shape of the real ones in ``../shared`` and recombines
their sentences and titles into new documents in the record format:

* ``article`` (from STARD, 58,637 short Simplified-Chinese law articles): a law
  name of one article and the ``第…条`` of another as title, sentences of the
  STARD pool as body, STARD's sentence counts and dates; an English
  translation-like text of twlaw English lines, as long as twlaw's English is
  relative to its Chinese (4.5 characters per Han character).
* ``law`` (from twlaw, 3,089 long Traditional-Chinese laws with official
  translations): line counts, titles, dates and URLs (site) of twlaw; the body
  is runs of aligned Chinese/English line pairs, articles renumbered in both.
* ``abstract`` (from Cranfield, 1,400 English abstracts): English only.

The mix defaults to the collections' sizes (93 % articles, 5 % laws, 2 %
abstracts). Batches arrive in date order, as twlaw's do: batch b of B draws
its dates from the b-th B-quantile of its shape's dates. Each document is made
from its own random stream (seed, number), so the output is the same bytes for
the same arguments, and memory does not grow with N (only the learned pools).
Output: ``OUT/batch-0001/NNN_<16 hex>.txt`` ... or ``OUT/batch-0001.jsonl`` ...
"""

import argparse
import bisect
import json
import math
import os
import random
import re
import sys
import time
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from pathlib import Path

from zhen.records import KEYS, format_record

ROOT = Path(__file__).resolve().parent.parent

SHARED = ROOT.parent / "shared"
SHAPES = ("article", "law", "abstract")
# A value line that would open a record key must never reach a body.
_KEY_LINE = re.compile(r"^({}):(?: |$)".format("|".join(KEYS)))
_ZH_SENTENCE = re.compile(r"[^。；！？]*[。；！？]|[^。；！？]+")
_ARTICLE_ZH = re.compile(r"^第 (\S+) 條 ")
_ARTICLE_EN = re.compile(r"^Article (\S+) ")
_STARD_TAIL = re.compile(r"第[零〇一二三四五六七八九十百千]+条(?:之[一二三四五六七八九十]+)?$")
_LAW_TAIL = re.compile(r"(?:施行細則|細則|條例|辦法|規則|標準|準則|規程|要點|綱要|通則|法)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_LAST_NUMBER = re.compile(r"\d+(?=\D*$)")
_NUMERALS = {c: n for n, c in enumerate("零一二三四五六七八九")} | {"〇": 0}
_UNITS = {"十": 10, "百": 100, "千": 1000}
RUN_LINES = 16  # longest run of consecutive twlaw line pairs taken at once


class Model:
    """What was learned from the shared corpora: per shape, the empirical
    distributions (lists sampled uniformly) and the text pools."""

    def __init__(self):
        self.count = {}  # shape -> documents seen
        self.lengths = {}  # shape -> body lengths (sentences or lines)
        self.dates = {}  # shape -> sorted dates
        self.titles = {}  # shape -> [(head, tail)]
        self.zh_sentences = []  # STARD sentences, (text, ends its line)
        self.pairs = []  # twlaw (zh line, en line, is an article)
        self.en_lines = []  # twlaw English lines, article prefix removed
        self.en_titles = []  # twlaw English titles
        self.urls = []  # twlaw (input_url, returned_url)
        self.abstracts = []  # Cranfield (title, [sentences])
        self.en_ratio = 4.5  # English characters per Chinese character


def _clean(lines):
    """Non-blank lines that cannot be taken for a record key."""
    return [line for line in lines if line.strip() and not _KEY_LINE.match(line)]


def _split_title(title, tail_re):
    """(head, tail) of a title, the tail being what ``tail_re`` finds at its end."""
    match = tail_re.search(title)
    return (title[: match.start()], match.group()) if match and match.start() else (title, "")


def learn_stard(model, path):
    """Sentence pool, sentence counts, titles and dates of STARD articles."""
    lengths, dates, titles = [], [], []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            count = 0
            for text_line in _clean(row.get("resulting_text", "").split("\n")):
                sentences = [s for s in _ZH_SENTENCE.findall(text_line.strip()) if s.strip()]
                model.zh_sentences.extend(
                    (s, n == len(sentences) - 1) for n, s in enumerate(sentences)
                )
                count += len(sentences)
            lengths.append(max(1, count))
            titles.append(_split_title(row["title"], _STARD_TAIL))
            if _DATE.match(row.get("date") or ""):
                dates.append(row["date"])
    model.count["article"] = len(lengths)
    model.lengths["article"], model.titles["article"] = lengths, titles
    model.dates["article"] = sorted(dates)


def learn_twlaw(model, root):
    """Line pairs, line counts, titles, dates and URLs of twlaw laws."""
    from zhen.corpus import CorpusReader

    lengths, dates, titles, zh_chars, en_chars = [], [], [], 0, 0
    for doc in CorpusReader([root]).documents():
        zh = _clean((doc.resulting_text or "").split("\n"))
        en = _clean((doc.translated_content or "").split("\n"))
        lengths.append(max(1, len(zh)))
        titles.append(_split_title(doc.title or "", _LAW_TAIL))
        model.en_titles.append(doc.translated_title or "")
        dates.append(doc.date)
        model.urls.append((doc.input_url, doc.returned_url))
        zh_chars, en_chars = zh_chars + sum(map(len, zh)), en_chars + sum(map(len, en))
        model.en_lines.extend(_ARTICLE_EN.sub("", line) for line in en)
        if len(zh) == len(en):  # aligned line by line: a translation pool
            model.pairs.extend(_pair(z, e) for z, e in zip(zh, en, strict=True))
    model.count["law"] = len(lengths)
    model.lengths["law"], model.titles["law"] = lengths, titles
    model.dates["law"] = sorted(d for d in dates if d and _DATE.match(d))
    model.en_ratio = en_chars / max(1, zh_chars)


def _pair(zh, en):
    """An aligned line pair, article numbers taken off (they are renumbered)."""
    article = bool(_ARTICLE_ZH.match(zh)) and bool(_ARTICLE_EN.match(en))
    if article:
        zh, en = _ARTICLE_ZH.sub("", zh), _ARTICLE_EN.sub("", en)
    return zh, en, article


def learn_cranfield(model, path):
    """English abstracts: title and sentences (Cranfield has no dates)."""
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            body = row.get("translated_content") or ""
            title = row.get("translated_title") or ""
            if body.startswith(title):  # Cranfield repeats the title first
                body = body[len(title) :]
            sentences = [s.strip() + " ." for s in body.split(" . ") if s.strip(" .")]
            model.abstracts.append((title, sentences or [body]))
    model.count["abstract"] = len(model.abstracts)
    model.lengths["abstract"] = [len(s) for _, s in model.abstracts]
    model.titles["abstract"] = [(t, "") for t, _ in model.abstracts]
    model.dates["abstract"] = []


@lru_cache(maxsize=2)
def learn(shared=SHARED):
    """The model of the shared corpora (a few seconds; cached per process)."""
    shared, model = Path(shared), Model()
    learn_stard(model, shared / "eval" / "stard" / "corpus.jsonl")
    learn_twlaw(model, shared / "corpus" / "twlaw")
    learn_cranfield(model, shared / "eval" / "cranfield" / "corpus.jsonl")
    return model


def chinese_number(text):
    """The value of a Chinese numeral such as 一百二十三 (0 if not one)."""
    total, digit = 0, 0
    for char in text:
        if char in _NUMERALS:
            digit = _NUMERALS[char]
        elif char in _UNITS:
            total += (digit or 1) * _UNITS[char]
            digit = 0
        else:
            return 0
    return total + digit


def _date(rng, dates, batch, batches):
    """A date from the batch's quantile window of the sorted dates."""
    if not dates:
        return None
    lo = len(dates) * batch // batches
    hi = max(lo + 1, len(dates) * (batch + 1) // batches)
    return dates[rng.randrange(lo, min(hi, len(dates)))]


def _english_like(rng, model, zh_chars):
    """Translation-like English: twlaw English lines, as long as twlaw's
    English is relative to its Chinese."""
    target, out, size = zh_chars * model.en_ratio, [], 0
    while size < target:
        line = model.en_lines[rng.randrange(len(model.en_lines))]
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


def make_article(rng, model):
    """A short Simplified-Chinese article with an English translation."""
    head, _ = rng.choice(model.titles["article"])
    _, tail = rng.choice(model.titles["article"])
    parts, pool = [], model.zh_sentences
    for _ in range(rng.choice(model.lengths["article"])):
        text, line_end = pool[rng.randrange(len(pool))]
        parts.append(text + ("\n" if line_end else ""))
    body = "".join(parts).strip()
    number = chinese_number(tail[1:-1].split("条")[0]) if tail else 0
    law = rng.choice(model.en_titles)
    return {
        "title": head + tail,
        "resulting_text": body,
        "translated_title": f"{law}, Article {number}" if number else law,
        "translated_content": _english_like(rng, model, len(body)),
    }


def make_law(rng, model):
    """A long law: runs of aligned Chinese/English lines, renumbered."""
    title_index = rng.randrange(len(model.titles["law"]))
    head = model.titles["law"][title_index][0]
    tail = rng.choice(model.titles["law"])[1]
    wanted, zh, en, article = rng.choice(model.lengths["law"]), [], [], 0
    while len(zh) < wanted:
        start = rng.randrange(len(model.pairs))
        for z, e, is_article in model.pairs[start : start + min(RUN_LINES, wanted - len(zh))]:
            if is_article:
                article += 1
                z, e = f"第 {article} 條 {z}", f"Article {article} {e}"
            zh.append(z)
            en.append(e)
    input_url, returned_url = rng.choice(model.urls)
    code = str(rng.randrange(10**7)).zfill(7)
    return {
        "title": (head + tail) or head,
        "resulting_text": "\n".join(zh),
        "input_url": _LAST_NUMBER.sub(code, input_url or "") or None,
        "returned_url": _LAST_NUMBER.sub(code, returned_url or "") or None,
        "translated_title": model.en_titles[title_index],
        "translated_content": "\n".join(en),
    }


def make_abstract(rng, model):
    """An English-only abstract: the title, then Cranfield sentences."""
    title, _ = rng.choice(model.abstracts)
    count, sentences = rng.choice(model.lengths["abstract"]), []
    for _ in range(count):
        sentences.append(rng.choice(rng.choice(model.abstracts)[1]))
    return {"translated_title": title, "translated_content": " ".join([title, *sentences])}


MAKERS = {"article": make_article, "law": make_law, "abstract": make_abstract}


def parse_mix(text, model):
    """Shape weights from ``article=.9,law=.08`` (default: corpus sizes)."""
    weights = dict(model.count)
    if text:
        weights = {shape: 0.0 for shape in SHAPES}
        for item in text.split(","):
            shape, _, value = item.partition("=")
            if shape.strip() not in SHAPES:
                raise SystemExit(f"--mix: unknown shape {shape!r}; one of {SHAPES}")
            weights[shape.strip()] = float(value)
    total = sum(weights.values())
    cumulative, running = [], 0.0
    for shape in SHAPES:
        running += weights.get(shape, 0.0) / total
        cumulative.append(running)
    return cumulative


def generate(model, docs, seed=0, batch_size=1000, mix=None):
    """Yield (batch number from 1, document id, record values) for ``docs``
    documents; document n depends only on (seed, n, docs, batch_size)."""
    cumulative = parse_mix(mix, model)
    batches = max(1, math.ceil(docs / batch_size))
    for n in range(docs):
        rng = random.Random(seed * 1_000_003 + n)
        batch = n // batch_size
        shape = SHAPES[min(bisect.bisect(cumulative, rng.random()), len(SHAPES) - 1)]
        values = dict.fromkeys(KEYS)
        values.update(MAKERS[shape](rng, model))
        values["date"] = _date(rng, model.dates[shape], batch, batches)
        doc_id = f"{n % batch_size:03d}_{rng.getrandbits(64):016x}"
        yield batch + 1, doc_id, values


def _write_bytes(path, data):
    """One small file, without the cost of a text-mode file object."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(handle, view) :]
    finally:
        os.close(handle)


def _write_txt(out, records):
    """One record file per document, one folder per batch; returns bytes."""
    written = 0
    for batch, group in groupby(records, key=itemgetter(0)):
        folder = out / f"batch-{batch:04d}"
        folder.mkdir(exist_ok=True)
        for _, doc_id, values in group:
            data = format_record(values).encode("utf-8")
            _write_bytes(f"{folder}/{doc_id}.txt", data)
            written += len(data)
    return written


def _write_jsonl(out, records):
    """One JSON Lines file per batch (missing values left out); returns bytes."""
    written = 0
    for batch, group in groupby(records, key=itemgetter(0)):
        with open(out / f"batch-{batch:04d}.jsonl", "wb") as handle:
            for _, doc_id, values in group:
                row = {"id": doc_id, **{k: v for k, v in values.items() if v is not None}}
                data = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
                handle.write(data)
                written += len(data)
    return written


def write_corpus(out, docs, seed=0, fmt="txt", batch_size=1000, mix=None, shared=SHARED):
    """Write the corpus under ``out``; returns (documents, bytes written)."""
    out, model = Path(out), learn(Path(shared))
    out.mkdir(parents=True, exist_ok=True)
    records = generate(model, docs, seed, batch_size, mix)
    written = (_write_jsonl if fmt == "jsonl" else _write_txt)(out, records)
    return docs, written


def main(argv=None):
    """The command line: learn, generate, report the rate."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example: python bench/make_corpus.py bench/out/gen-100k --docs 100000",
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--docs", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", choices=("txt", "jsonl"), default="txt")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--mix", help="shape weights, e.g. article=.9,law=.08,abstract=.02")
    parser.add_argument("--shared", type=Path, default=SHARED)
    args = parser.parse_args(argv)
    if not (args.shared / "corpus" / "twlaw").is_dir():
        sys.exit(f"needs the shared corpora at {args.shared}")
    started = time.perf_counter()
    learn(args.shared)
    learned = time.perf_counter() - started
    docs, size = write_corpus(
        args.out, args.docs, args.seed, args.format, args.batch_size, args.mix, args.shared
    )
    total = time.perf_counter() - started
    print(
        f"{docs:,} documents, {size / 1e6:.1f} MB in {args.out} "
        f"({args.format}); learned in {learned:.1f} s, total {total:.1f} s "
        f"({docs / max(total - learned, 1e-9):,.0f} documents/s)"
    )


if __name__ == "__main__":
    main()
