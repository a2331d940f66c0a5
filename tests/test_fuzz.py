"""Any input gives an answer or a clear error, never a crash or a hang.

Hypothesis generates query text (brackets, quotes, colons, operators,
control and combining characters, long and deeply nested input) for the
library, the CLI and the web app, and random bytes and shapes for the record
reader.
"""

import signal
from contextlib import contextmanager

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhen.cli import cli
from zhen.corpus import CorpusReader
from zhen.errors import QueryError
from zhen.records import KEYS
from zhen.search import Searcher

PIECES = [
    "(",
    ")",
    '"',
    ":",
    "-",
    "OR",
    "AND",
    "NOT",
    " ",
    "title:",
    "zh:",
    "en:",
    "site:",
    "batch:",
    "date:",
    "..",
    "2023",
    "商务部",
    "中華",
    "国",
    "tariff",
    "cafe\u0301",
    "\u0301",
    "\x00",
    "\x1b[31m",
    "\t",
    "\u3000",
    "（",
    "）",
    "“",
    "http://x.com/a",
    "<script>",
    "*",
    "?",
    "𠮷",
    "ＡＰＩ",
    "\u200b",
    "\ufeff",
    "\\",
    "'",
]
queries = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=30).map("".join),
    st.text(max_size=60),
    st.integers(1, 400).map(lambda n: "(" * n + "国" + ")" * n),
    st.integers(1, 400).map(lambda n: "NOT " * n + "国"),
    st.integers(1, 3000).map(lambda n: "国 " * n),
)
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(queries)
def test_library_answers_or_raises_query_error(small_index, text):
    searcher = Searcher(small_index)
    try:
        result = searcher.search(text)
        assert result.total >= len(result.hits)
    except QueryError as error:
        assert error.message and "\x00" not in error.message
    finally:
        searcher.close()


@FUZZ
@given(queries)
def test_cli_exits_0_or_2(runner, small_index, text):
    result = runner.invoke(cli, ["search", "--index", str(small_index), "--", text])
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output


@FUZZ
@given(queries, st.sampled_from(["/", "/api/search"]))
def test_web_answers_200_or_400(client, text, route):
    response = client.get(route, query_string={"q": text})
    assert response.status_code in (200, 400), response.status_code


@contextmanager
def time_limit(seconds):
    def stop(*_):
        raise TimeoutError("the reader hung")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


record_lines = (
    st.lists(
        st.one_of(
            st.sampled_from(KEYS).map(lambda k: k + ": "),
            st.sampled_from(KEYS).flatmap(
                lambda k: st.text(max_size=20).map(lambda v: f"{k}: {v}")
            ),
            st.text(max_size=30),
        ),
        max_size=20,
    )
    .map("\n".join)
    .map(lambda t: t.encode("utf-8", "surrogatepass"))
)
record_bytes = st.one_of(st.binary(max_size=300), record_lines)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(record_bytes, min_size=1, max_size=4), st.booleans())
def test_reader_gives_documents_or_problems(tmp_path_factory, contents, jsonl):
    folder = tmp_path_factory.mktemp("fuzz")
    for n, data in enumerate(contents):
        if jsonl:
            (folder / f"f{n}.jsonl").write_bytes(data)
        else:
            (folder / f"{n:03d}_x.txt").write_bytes(data)
    reader = CorpusReader([folder])
    with time_limit(20):
        docs = list(reader.documents())
    for doc in docs:
        assert doc.id and doc.path
    assert len(docs) + len(reader.problems) >= 1 or all(not data.strip() for data in contents)
