"""``zhen eval``: judged queries through the real search, scored by
ir-measures, on a tiny collection whose measures are worked out by hand."""

import json
import math

import pytest

from zhen.cli import cli
from zhen.errors import EvaluationInputError
from zhen.evaluate import evaluate_files, read_qrels, read_queries, score
from zhen.indexer import update_index
from zhen.search import Searcher

from .conftest import write_record

DOCS = {
    "a_tariff": dict(title="关税", resulting_text="进口关税税率表。"),
    "b_customs": dict(title="海关", resulting_text="海关监管规定。"),
    "e_glacier": dict(translated_title="Glacier", translated_content="Glacier glacier glacier."),
    "f_long": dict(
        translated_content="A long report on mountains, rivers, lakes, "
        "forests, deserts, weather and one glacier "
        "among many other things in the region."
    ),
}
# q1 finds a_tariff only; q2 finds e_glacier (tf 4 in a short text) above
# f_long (tf 1 in a long one); q3 finds nothing; q4 is not judged.
QUERIES = "q1\t关税\nq2\tglacier\nq3\tzeppelin\nq4\t海关\n"
QRELS = "q1 0 a_tariff 2\nq1 0 b_customs 1\nq2 0 f_long 1\nq2 0 e_glacier 0\nq3 0 a_tariff 1\n"
# By hand (trec_eval's nDCG: gain = grade, discount log2(rank + 1)):
#   q1: ranking [a(2)]; ideal [a(2), b(1)]: nDCG = 2 / (2 + 1/log2 3);
#       RR = 1; R@100 = 1/2.
#   q2: ranking [e(0), f(1)]: nDCG = (1/log2 3) / 1; RR = 1/2; R@100 = 1.
#   q3: no result: 0, 0, 0 (counted, not dropped).
NDCG_Q1 = 2 / (2 + 1 / math.log2(3))
NDCG_Q2 = 1 / math.log2(3)
EXPECTED = {
    "nDCG@10": (NDCG_Q1 + NDCG_Q2 + 0) / 3,
    "RR@10": (1 + 0.5 + 0) / 3,
    "R@100": (0.5 + 1 + 0) / 3,
}


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    root = tmp_path_factory.mktemp("judged")
    for name, values in DOCS.items():
        write_record(root / "docs", name, **values)
    index = root / "index"
    update_index([root / "docs"], index=index, jobs=1)
    (root / "queries.tsv").write_text(QUERIES, encoding="utf-8")
    (root / "qrels").write_text(QRELS, encoding="utf-8")
    return root


def args(collection, *extra):
    return [
        "eval",
        str(collection / "queries.tsv"),
        str(collection / "qrels"),
        "--index",
        str(collection / "index"),
        *extra,
    ]


def test_measures_by_hand(collection):
    searcher = Searcher(collection / "index")
    result = evaluate_files(searcher, collection / "queries.tsv", collection / "qrels")
    assert (result.queries, result.judged, result.no_result) == (4, 3, 1)
    assert result.measures == pytest.approx(EXPECTED, abs=1e-9)
    assert [d for d, _ in result.run["q2"]] == ["e_glacier", "f_long"]
    assert result.run["q3"] == []


def test_missing_query_scores_zero_not_dropped(tmp_path):
    """A judged query absent from the run, or with an empty ranking, counts
    as 0 in every mean (ir-measures is checked to do so, not assumed)."""
    (tmp_path / "qrels").write_text("1 0 a 1\n2 0 b 1\n", encoding="utf-8")
    qrels = read_qrels(tmp_path / "qrels")
    halves = {"nDCG@10": 0.5, "RR@10": 0.5, "R@100": 0.5}
    assert score({"1": ["a"]}, qrels) == halves
    assert score({"1": ["a"], "2": []}, qrels) == halves


def test_cli_text(runner, collection):
    result = runner.invoke(cli, args(collection))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:5] == [
        "4 queries, 3 judged",
        f"nDCG@10  {EXPECTED['nDCG@10']:.4f}",
        f"RR@10    {EXPECTED['RR@10']:.4f}",
        f"R@100    {EXPECTED['R@100']:.4f}",
        "no result: 1",
    ]
    assert lines[5].startswith("ms per query: mean ")


def test_cli_json(runner, collection):
    result = runner.invoke(cli, args(collection, "--json"))
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"queries", "judged", "measures", "no_result", "ms"}
    assert (data["queries"], data["judged"], data["no_result"]) == (4, 3, 1)
    assert data["measures"] == pytest.approx(EXPECTED, abs=1e-9)
    assert set(data["ms"]) == {"mean", "p50", "p95"}
    assert 0 < data["ms"]["p50"] <= data["ms"]["p95"]


def test_cli_run_out(runner, collection, tmp_path):
    out = tmp_path / "run.txt"
    result = runner.invoke(cli, args(collection, "--run-out", str(out), "--limit", "5"))
    assert result.exit_code == 0, result.output
    rows = [line.split(" ") for line in out.read_text().splitlines()]
    assert [r[:4] + r[5:] for r in rows] == [
        ["q1", "Q0", "a_tariff", "1", "zhen"],
        ["q2", "Q0", "e_glacier", "1", "zhen"],
        ["q2", "Q0", "f_long", "2", "zhen"],
        ["q4", "Q0", "b_customs", "1", "zhen"],
    ]
    scores = [float(r[4]) for r in rows]
    assert scores[1] > scores[2] > 0


@pytest.mark.parametrize(
    "queries, qrels, message",
    [
        (None, "q1 0 a_tariff 1\n", "{q}: no such file"),
        (
            "q1\tx\n",
            "q1 0 a_tariff 1\nq1 0 b_customs\n",
            "{r}:2: expected 4 columns 'qid 0 docid grade', found 3",
        ),
        ("q1\tx\n", "q1 0 a_tariff yes\n", "{r}:1: the grade 'yes' is not a whole number"),
        (
            "q1\tx\n",
            "q1 0 a_tariff 1\nq9 0 a_tariff 1\n",
            "{r}:2: query id 'q9' is not in the queries file",
        ),
        ("\n\n", "q1 0 a_tariff 1\n", "{q}: no queries in the file"),
        (
            "q1\tx\nq2 no tab\n",
            "q1 0 a_tariff 1\n",
            "{q}:2: expected 'qid<TAB>query', found 'q2 no tab'",
        ),
        ("q1\tx\nq1\ty\n", "q1 0 a_tariff 1\n", "{q}:2: query id 'q1' again"),
    ],
)
def test_bad_input_exits_2(runner, collection, tmp_path, queries, qrels, message):
    q, r = tmp_path / "q.tsv", tmp_path / "r.qrels"
    if queries is not None:
        q.write_text(queries, encoding="utf-8")
    r.write_text(qrels, encoding="utf-8")
    result = runner.invoke(cli, ["eval", str(q), str(r), "--index", str(collection / "index")])
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == "Error: " + message.format(q=q, r=r)
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_run_out_in_a_missing_folder_exits_2(runner, collection, tmp_path):
    out = tmp_path / "nope" / "run.txt"
    result = runner.invoke(cli, args(collection, "--run-out", str(out)))
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {out}: cannot write the run")


def test_library_raises_zhen_error(tmp_path):
    (tmp_path / "q.tsv").write_text("", encoding="utf-8")
    with pytest.raises(EvaluationInputError, match="no queries"):
        read_queries(tmp_path / "q.tsv")
