"""Relevance evaluation: judged queries through zhen's own search path.

Each query of a ``qid<TAB>query`` file is run through
:meth:`zhen.search.Searcher.search` (what the CLI and the web app call), the
rankings are scored against TREC judgements (``qid 0 docid grade``, graded
allowed) by ir-measures, the maintained implementation of trec_eval's
measures, and the time of each search is kept. Nothing here knows about
click: bad input files raise :class:`~zhen.errors.EvaluationInputError`
naming ``FILE:LINE``.

Every judged query counts: one with no result (or a query zhen refuses)
scores zero on every measure instead of being left out of the means, which
would flatter a system that finds nothing for its hardest queries.
"""

import math
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import ir_measures
from ir_measures import RR, R, nDCG

from .errors import EvaluationInputError, QueryError

MEASURES = (nDCG @ 10, RR @ 10, R @ 100)
RUN_TAG = "zhen"


@dataclass
class Evaluation:
    """The scores of one run over a judged query set."""

    queries: int  # queries run (every line of the queries file)
    judged: int  # queries with judgements: the means are over these
    measures: dict  # measure name -> mean over the judged queries
    no_result: int  # queries that found nothing (or were refused)
    ms: dict  # mean, p50, p95 time of one search, in ms
    run: dict = field(default_factory=dict, repr=False)  # qid -> [(docid, score)]

    def to_dict(self):
        data = asdict(self)
        del data["run"]
        return data


def read_queries(path):
    """``{qid: query}`` in file order from a ``qid<TAB>query`` file."""
    queries = {}
    for number, line in _lines(path):
        qid, tab, text = line.partition("\t")
        qid = qid.strip()
        if not tab or not qid:
            raise EvaluationInputError(
                f"{path}:{number}: expected 'qid<TAB>query', found {line[:60]!r}",
                hint="one query a line: its id, a tab, the query text",
            )
        if qid in queries:
            raise EvaluationInputError(
                f"{path}:{number}: query id '{qid}' again", hint="give every query its own id"
            )
        queries[qid] = text.strip()
    if not queries:
        raise EvaluationInputError(
            f"{path}: no queries in the file", hint="one query a line: its id, a tab, the text"
        )
    return queries


def read_qrels(path, queries=None):
    """ir-measures ``Qrel`` tuples from a TREC qrels file
    (``qid 0 docid grade``); with ``queries``, every judged query id must be
    one of them (else the judgement would silently score nothing)."""
    qrels = []
    for number, line in _lines(path):
        parts = line.split()
        if len(parts) != 4:
            raise EvaluationInputError(
                f"{path}:{number}: expected 4 columns 'qid 0 docid grade', found {len(parts)}",
                hint="TREC qrels: query id, 0, document id, grade",
            )
        qid, _, docid, grade = parts
        if not _is_int(grade):
            raise EvaluationInputError(
                f"{path}:{number}: the grade '{grade}' is not a whole number",
                hint="grades are integers: 0 not relevant, 1 or more relevant",
            )
        if queries is not None and qid not in queries:
            raise EvaluationInputError(
                f"{path}:{number}: query id '{qid}' is not in the queries file",
                hint="use the queries file these judgements were made for",
            )
        qrels.append(ir_measures.Qrel(qid, docid, int(grade)))
    if not qrels:
        raise EvaluationInputError(
            f"{path}: no judgements in the file", hint="one 'qid 0 docid grade' line per judgement"
        )
    return qrels


def _lines(path):
    """(line number, line) of a UTF-8 text file's non-blank lines."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise EvaluationInputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise EvaluationInputError(f"{path}: is a directory, not a file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise EvaluationInputError(f"{path}: cannot be read ({error})") from None
    return [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _is_int(text):
    try:
        int(text)
    except ValueError:
        return False
    return True


def score(run, qrels):
    """Mean of each measure over every judged query of ``qrels``.

    ``run`` maps a query id to its ranked document ids. ir-measures is given
    scores that fall with the rank, so it scores zhen's order exactly (ties
    included); a judged query missing from ``run`` or with an empty ranking
    scores 0 on every measure.
    """
    judged = {q.query_id for q in qrels}
    docs = [
        ir_measures.ScoredDoc(qid, docid, float(len(ranked) - rank))
        for qid, ranked in run.items()
        if qid in judged
        for rank, docid in enumerate(ranked)
    ]
    sums = {str(m): 0.0 for m in MEASURES}
    for metric in ir_measures.iter_calc(MEASURES, qrels, docs):
        sums[str(metric.measure)] += metric.value
    return {name: total / len(judged) for name, total in sums.items()}


def run_queries(searcher, queries, limit=100):
    """``({qid: [(docid, score)]}, [ms per query])`` for ``queries`` run
    through ``searcher.search`` (a refused query finds nothing)."""
    searcher.version()  # open the index before the clock starts
    run, times = {}, []
    for qid, text in queries.items():
        started = time.perf_counter()
        try:
            hits = searcher.search(text, limit=limit).hits
        except QueryError:
            hits = []
        times.append((time.perf_counter() - started) * 1000)
        run[qid] = [(hit.id, hit.score) for hit in hits]
    return run, times


def evaluate(searcher, queries, qrels, limit=100):
    """An :class:`Evaluation` of ``searcher`` on ``queries`` (``{qid: text}``)
    judged by ``qrels`` (from :func:`read_qrels`)."""
    run, times = run_queries(searcher, queries, limit)
    ranked = {qid: [docid for docid, _ in hits] for qid, hits in run.items()}
    return Evaluation(
        queries=len(queries),
        judged=len({q.query_id for q in qrels}),
        measures=score(ranked, qrels),
        no_result=sum(1 for hits in run.values() if not hits),
        ms=timing_summary(times),
        run=run,
    )


def evaluate_files(searcher, queries_path, qrels_path, limit=100):
    """:func:`evaluate` on a queries file and a qrels file."""
    queries = read_queries(queries_path)
    return evaluate(searcher, queries, read_qrels(qrels_path, queries), limit)


def timing_summary(times):
    """Mean, median and 95th percentile (nearest rank) of ``times``, in ms."""
    ordered = sorted(times)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "mean": round(statistics.fmean(ordered), 2),
        "p50": round(statistics.median(ordered), 2),
        "p95": round(p95, 2),
    }


def write_run(run, path, tag=RUN_TAG):
    """Write ``run`` (``{qid: [(docid, score)]}``) as a TREC run file:
    ``qid Q0 docid rank score tag``, ranks from 1."""
    lines = [
        f"{qid} Q0 {docid} {rank} {hit_score:.4f} {tag}\n"
        for qid, hits in run.items()
        for rank, (docid, hit_score) in enumerate(hits, 1)
    ]
    try:
        Path(path).write_text("".join(lines), encoding="utf-8")
    except OSError as error:
        raise EvaluationInputError(
            f"{path}: cannot write the run ({error.strerror})",
            hint="give a file in a folder that exists",
        ) from None
