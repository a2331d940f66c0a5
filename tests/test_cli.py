"""The CLI, invoked as users do, with exact output including errors."""

import json
import re

import pytest

from zhen.cli import cli

from .helpers import write_record


@pytest.fixture
def ix(small_index):
    return ["--index", str(small_index)]


def run(runner, *args):
    return runner.invoke(cli, list(args))


def test_check_summary_and_exit_code(runner, tmp_path):
    write_record(tmp_path, "good", title="好")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "late.txt").write_text("title: t\ndate: someday\n")
    result = run(runner, "check", str(tmp_path))
    assert result.exit_code == 1
    assert result.output == (
        f"{tmp_path}/empty.txt: error: empty file\n"
        f"{tmp_path}/late.txt:2: warning: bad date 'someday'; expected "
        "YYYY-MM-DD[ hh:mm:ss]; the document is kept without a date\n"
        "2 documents read, 1 error, 1 warning\n"
    )


def test_check_clean_folder_exits_0(runner, small_corpus):
    result = run(runner, "check", str(small_corpus))
    assert (result.exit_code, result.output) == (0, "11 documents read, 0 errors, 0 warnings\n")


def test_check_json(runner, tmp_path):
    write_record(tmp_path, "good", title="好")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x00")
    result = run(runner, "check", "--json", str(tmp_path))
    assert result.exit_code == 1
    assert json.loads(result.output) == {
        "documents": 1,
        "errors": [
            {
                "file": f"{tmp_path}/bin.txt",
                "line": None,
                "severity": "error",
                "message": "binary content (NUL bytes), not a record",
            }
        ],
        "warnings": [],
        "notes": [],
    }


def test_check_missing_path(runner, tmp_path):
    result = run(runner, "check", str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path}/nope: no such file or folder\n"


def test_index_then_again_reports_counts(runner, small_corpus, tmp_path):
    index = str(tmp_path / "ix")
    first = run(runner, "index", "--index", index, "--jobs", "1", str(small_corpus))
    assert first.exit_code == 0
    assert first.output.startswith(
        f"11 added, 0 updated, 0 unchanged, 0 removed, 0 failed; 11 documents in {index} ("
    )
    again = run(runner, "index", "--index", index, "--json", str(small_corpus))
    data = json.loads(again.output)
    assert (data["added"], data["unchanged"], data["documents"]) == (0, 11, 11)


def test_index_uses_zhen_index_env(runner, small_corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("ZHEN_INDEX", str(tmp_path / "envix"))
    assert run(runner, "index", "--jobs", "1", str(small_corpus)).exit_code == 0
    assert (tmp_path / "envix" / "current").is_symlink()
    result = run(runner, "search", "--json", "国")
    assert json.loads(result.output)["total"] == 4


def test_search_text_output(runner, ix):
    result = run(runner, "search", *ix, "WTO 商务部")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert re.fullmatch(r"1 results \(1-1 shown, page 1 of 1, \d+ ms\)", lines[0])
    assert lines[1:] == [
        "",
        "1. 中华人民共和国商务部公告",
        "   Announcement of the Ministry of Commerce",
        "   2023-01-31 · www.mofcom.gov.cn · http://www.mofcom.gov.cn/a/1.shtml",
        "   zh: 中华人民共和国商务部发布关于WTO规则的公告。",
        "   en: The Ministry of Commerce of the People's Republic of China published WTO rules.",
        "   id: 001_mofcom",
    ]


def test_search_no_results_says_so(runner, ix):
    result = run(runner, "search", *ix, "zzzqqq")
    assert (result.exit_code, result.output) == (0, "No documents match.\n")


@pytest.mark.parametrize(
    "query, message",
    [
        (
            '"abc',
            "Error: unbalanced quote: the phrase at column 1 is not closed\n"
            'Hint: close it: "abc"\n',
        ),
        ("a OR", "Error: 'OR' at column 3 needs a word after it\nHint: write: WTO OR 世贸\n"),
        (
            "foo:bar",
            "Error: unknown field 'foo:' at column 1\n"
            "Hint: known fields: title:, zh:, en:, site:, batch:, date:\n",
        ),
        (
            "date:2023-02-30",
            "Error: '2023-02-30' is not a real date\nHint: check the month (1-12) and day\n",
        ),
        ("(WTO", "Error: '(' at column 1 is not closed\nHint: add the matching ')'\n"),
    ],
)
def test_search_query_errors_exit_2(runner, ix, query, message):
    result = run(runner, "search", *ix, query)
    assert (result.exit_code, result.output) == (2, message)


def test_search_missing_index_exits_1(runner, tmp_path):
    result = run(runner, "search", "--index", str(tmp_path / "none"), "国")
    assert result.exit_code == 1
    assert result.output == (
        f"Error: no index at {tmp_path}/none\n"
        "Hint: build one with: zhen index PATH (or set --index / ZHEN_INDEX)\n"
    )


def test_search_json_schema(runner, ix):
    result = run(runner, "search", *ix, "--json", "--limit", "2", "tariff")
    data = json.loads(result.output)
    assert {"query", "total", "took_ms", "page", "hits", "facets", "suggestion"} <= set(data)
    assert (data["query"], data["total"], data["page"]) == ("tariff", 2, 1)
    hit = next(h for h in data["hits"] if h["id"] == "008_tariffs")
    assert {"id", "score", "title", "translated_title", "date", "url", "highlights"} <= set(hit)
    assert hit["highlights"]["body_en"] == "<mark>Tariffs</mark> on imported goods are listed."
    assert set(data["facets"]) == {"year", "site", "batch"}


def test_search_page_and_sort(runner, ix):
    result = run(
        runner,
        "search",
        *ix,
        "--json",
        "--sort",
        "date",
        "--limit",
        "2",
        "--page",
        "2",
        "date:2016..",
    )
    data = json.loads(result.output)
    assert [h["id"] for h in data["hits"]] == ["001_mofcom", "002_state_council"]


def test_bad_page_is_a_usage_error(runner, ix):
    result = run(runner, "search", *ix, "--page", "0", "国")
    assert (result.exit_code, result.output) == (
        2,
        "Error: page and limit must be 1 or more\nHint: e.g. --page 2 --limit 10\n",
    )


def test_show(runner, ix):
    result = run(runner, "show", *ix, "010_wto_only")
    assert result.exit_code == 0
    assert result.output == (
        "id: 010_wto_only\nbatch: batch-002\nhtml: nan\ntitle: 世界贸易组织\n"
        "resulting_text: 世界贸易组织规则。\ninput_url: nan\nreturned_url: nan\n"
        "date: 2017-01-01\ntranslated_title: nan\ntranslated_content: WTO accession.\n"
        "english_summary: nan\n"
    )


def test_show_json_and_missing(runner, ix):
    data = json.loads(run(runner, "show", *ix, "--json", "001_mofcom").output)
    assert data["site"] == "www.mofcom.gov.cn"
    assert data["captured"] == "2023-01-31T03:27:46"
    missing = run(runner, "show", *ix, "nope")
    assert (missing.exit_code, missing.output) == (
        1,
        "Error: no document with id 'nope' in the index\n"
        "Hint: search for it first: zhen search QUERY\n",
    )


def test_stats_json(runner, ix):
    data = json.loads(run(runner, "stats", *ix, "--json").output)
    assert data["documents"] == 11
    assert data["batches"] == {"batch-001": 4, "batch-002": 7}


@pytest.mark.parametrize("command", ["check", "index", "search", "show", "stats", "serve"])
def test_every_command_has_help_with_an_example(runner, command):
    result = run(runner, command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output


def test_python_dash_m(tmp_path):
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "zhen", "--help"], capture_output=True, text=True, check=True
    )
    assert "bilingual Chinese-English full-text search" in out.stdout


def test_a_word_starting_with_minus_excludes_it(runner, ix):
    both = json.loads(run(runner, "search", *ix, "--json", "中华人民共和国").output)
    result = run(runner, "search", *ix, "--json", "中华人民共和国", "-商务部")
    assert result.exit_code == 0
    ids = [h["id"] for h in json.loads(result.output)["hits"]]
    assert ids == [h["id"] for h in both["hits"] if h["id"] != "001_mofcom"]
    alone = run(runner, "search", *ix, "-商务部")  # only an exclusion
    assert alone.exit_code == 0 and "No such option" not in alone.output


def test_page_past_the_end_says_so(runner, ix):
    result = run(runner, "search", *ix, "--page", "999999", "国")
    assert (result.exit_code, result.output) == (
        0,
        "Page 999999 is past the end: the results fill 1 page.\n",
    )


def test_suggestion_is_shown_once(runner, ix):
    result = run(runner, "search", *ix, "tarif")
    assert (result.exit_code, result.output) == (0, "No documents match.\nDid you mean: tariff\n")


@pytest.mark.parametrize("query", ["<script>", "tarif\x00", "<b>tarif</b>"])
def test_no_suggestion_from_markup_or_control_characters(runner, ix, query):
    data = json.loads(run(runner, "search", *ix, "--json", query).output)
    assert data["suggestion"] in (None, "tariff")
    assert "<" not in (data["suggestion"] or "") and "\x00" not in (data["suggestion"] or "")


def test_pasted_url_is_searched_not_a_field_error(runner, ix):
    result = run(runner, "search", *ix, "http://www.mofcom.gov.cn/a/1.shtml")
    assert result.exit_code == 0
