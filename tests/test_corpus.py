"""Reading documents from folders, files and JSON Lines; bad input reported."""

import json
import os
from datetime import datetime
from pathlib import Path

import pytest

from zhen.corpus import CorpusReader, read_corpus
from zhen.errors import CorpusError

from .helpers import SAMPLE, html, write_record


def test_seed_document_fields():
    docs, problems = read_corpus([SAMPLE / "seed"])
    assert problems == []
    (doc,) = docs
    assert doc.id == "000_3fddcb5e1127a706"
    assert doc.batch == "seed"
    assert doc.title.startswith("商务部办公厅 市场监管总局办公厅")
    assert doc.html is None
    assert doc.english_summary.startswith("The General Office of the Ministry of Commerce")
    assert doc.date_value == datetime(2023, 1, 31)
    assert doc.captured == datetime(2023, 1, 31, 3, 27, 46)
    assert doc.url == ("http://www.mofcom.gov.cn/article/zwgk/gkzcfb/202301/20230103380929.shtml")
    assert doc.archive_url.startswith("https://web.archive.org/web/20230131080211/")
    assert doc.site == "www.mofcom.gov.cn"
    assert doc.resulting_text.endswith("商务部办公厅   市场监管总局办公厅 2023年1月19日")


def test_plain_url_has_no_capture_time(tmp_path):
    write_record(tmp_path / "b", "x", title="t", input_url="https://law.moj.gov.tw/a?p=1")
    (doc,), _ = read_corpus([tmp_path])
    assert doc.captured is None
    assert doc.url == "https://law.moj.gov.tw/a?p=1"
    assert doc.site == "law.moj.gov.tw"
    assert doc.batch == "b"


def test_content_hash_follows_content(tmp_path):
    path = write_record(tmp_path, "x", title="一", resulting_text="正文")
    first = read_corpus([path])[0][0].content_hash
    assert read_corpus([path])[0][0].content_hash == first
    write_record(tmp_path, "x", title="一", resulting_text="正文改")
    assert read_corpus([path])[0][0].content_hash != first


def test_batch_is_folder_relative_to_root_and_order_is_deterministic(tmp_path):
    for batch in ("batch-002", "batch-001"):
        for name in ("b", "a"):
            write_record(tmp_path / "twlaw" / batch, f"{batch}-{name}", title=name)
    docs, _ = read_corpus([tmp_path])
    assert [(d.batch, d.id) for d in docs] == [
        ("twlaw/batch-001", "batch-001-a"),
        ("twlaw/batch-001", "batch-001-b"),
        ("twlaw/batch-002", "batch-002-a"),
        ("twlaw/batch-002", "batch-002-b"),
    ]


def test_bom_and_crlf(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes("\ufefftitle: 标题\r\nresulting_text: 正文\r\n第二行\r\n".encode("utf-8"))
    (doc,), problems = read_corpus([path])
    assert doc.title == "标题" and doc.resulting_text == "正文\n第二行"
    assert problems == []


def test_gb18030_is_read_with_a_warning(tmp_path):
    path = tmp_path / "gb.txt"
    path.write_bytes("title: 中华人民共和国\n".encode("gb18030"))
    (doc,), problems = read_corpus([path])
    assert doc.title == "中华人民共和国"
    assert [str(p) for p in problems] == [f"{path}:1: warning: not UTF-8; read as GB18030"]


def _bad_inputs(folder):
    write_record(folder, "good", title="好")
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "nokey.txt").write_text("just text\n", encoding="utf-8")
    (folder / "binary.txt").write_bytes(b"title: x\x00\x01\x02")
    (folder / "undecodable.txt").write_bytes(b"title: \xff\xfe\xfd\xff\n")
    (folder / "huge.txt").write_text("title: t\nresulting_text: " + "x" * 50, encoding="utf-8")
    (folder / "baddate.txt").write_text("title: t\ndate: 2023-02-30\n", encoding="utf-8")


def test_each_bad_input_gives_one_clear_problem_and_the_rest_is_read(tmp_path):
    _bad_inputs(tmp_path)
    docs, problems = read_corpus([tmp_path], max_field_chars=40)
    assert sorted(d.id for d in docs) == ["baddate", "good"]
    assert [str(p).replace(str(tmp_path) + os.sep, "") for p in problems] == [
        "baddate.txt:2: warning: bad date '2023-02-30'; expected YYYY-MM-DD[ hh:mm:ss]; "
        "the document is kept without a date",
        "binary.txt: error: binary content (NUL bytes), not a record",
        "empty.txt: error: empty file",
        "huge.txt:2: error: field 'resulting_text' holds 50 characters, over the limit of 40",
        "nokey.txt:1: warning: text before the first key is ignored",
        "nokey.txt:1: error: no known key found; expected lines such as 'title: ...'",
        "undecodable.txt:1: error: not UTF-8 (nor GB18030) text",
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(tmp_path):
    path = write_record(tmp_path, "locked", title="t")
    path.chmod(0)
    _, problems = read_corpus([tmp_path])
    assert "cannot read" in problems[0].message


def test_unreadable_file_is_reported(tmp_path, monkeypatch):
    path = write_record(tmp_path, "locked", title="t")
    write_record(tmp_path, "ok", title="t")
    real = type(path).read_bytes

    def deny(self):
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(type(path), "read_bytes", deny)
    docs, problems = read_corpus([tmp_path])
    assert [d.id for d in docs] == ["ok"]
    assert [str(p) for p in problems] == [f"{path}: error: cannot read: Permission denied"]


def test_duplicate_ids_later_batch_wins(tmp_path):
    early = write_record(tmp_path / "batch-001", "same", title="旧")
    later = write_record(tmp_path / "batch-002", "same", title="新")
    docs, problems = read_corpus([tmp_path])
    assert [(d.title, d.batch) for d in docs] == [("新", "batch-002")]
    assert [str(p) for p in problems] == [
        f"{early}: warning: duplicate id 'same': {later} (the later batch) wins"
    ]


def test_jsonl(tmp_path):
    path = tmp_path / "c.jsonl"
    lines = [
        json.dumps({"id": "a", "title": "甲", "date": "1996-10-03 00:00:00"}, ensure_ascii=False),
        "{not json",
        json.dumps({"title": "no id"}),
        "",
        json.dumps({"id": "b", "translated_title": "B", "html": "nan"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    docs, problems = read_corpus([path])
    assert [(d.id, d.title, d.translated_title, d.html) for d in docs] == [
        ("a", "甲", None, None),
        ("b", None, "B", None),
    ]
    assert docs[0].date_value == datetime(1996, 10, 3)
    assert docs[0].batch == "c"
    assert [str(p) for p in problems] == [
        f"{path}:2: error: invalid JSON: Expecting property name enclosed in double quotes",
        f"{path}:3: error: a JSON object with an 'id' is required",
    ]


def test_missing_path_is_a_corpus_error(tmp_path):
    with pytest.raises(CorpusError, match="no such file or folder"):
        CorpusReader([tmp_path / "nope"]).sources()


def test_jsonl_duplicate_id_later_line_wins_with_a_warning(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "title": "old"}\n{"id": "a", "title": "new"}\n', encoding="utf-8")
    reader = CorpusReader([path])
    assert [d.title for d in reader.documents()] == ["old", "new"]
    assert [str(p) for p in reader.problems] == [
        f"{path}:2: warning: duplicate id 'a': this record replaces the one at {path}:1"
    ]


def test_special_files_are_skipped_with_a_warning_never_read(tmp_path):
    write_record(tmp_path / "b", "good", title="好")
    os.mkfifo(tmp_path / "b" / "fifo.txt")  # reading it would block forever
    os.symlink("nowhere.txt", tmp_path / "b" / "dangling.txt")
    reader = CorpusReader([tmp_path])
    assert [d.id for d in reader.documents()] == ["good"]
    assert [(Path(p.file).name, p.severity, p.message) for p in reader.problems] == [
        ("dangling.txt", "warning", "skipped: No such file or directory"),
        ("fifo.txt", "warning", "skipped: not a regular file (a FIFO, socket or device)"),
    ]


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>x</script>",
        "20230131032746/javascript:alert(1)",
        "vbscript:x",
        "//evil.example/x",
    ],
)
def test_urls_that_are_not_web_links_are_warned_about(tmp_path, url):
    path = write_record(tmp_path / "b", "doc", title="标题", input_url=url)
    reader = CorpusReader([tmp_path])
    (doc,) = reader.documents()
    assert [str(p) for p in reader.problems] == [
        f"{path}:4: warning: input_url {doc.url[:60]!r} is not an http(s) URL; "
        "it is shown as text, never as a link"
    ]


def test_text_only_in_html_is_extracted_with_a_note(tmp_path):
    html = (
        "<html><head><style>p {color: red}</style><script>alert(1)</script>"
        "</head><body><h1>通知</h1><p>关于<b>进口关税</b>的说明。</p>"
        "<div>Second block</div></body></html>"
    )
    write_record(tmp_path / "b", "page", title="网页", html=html)
    reader = CorpusReader([tmp_path])
    (doc,) = reader.documents()
    assert doc.resulting_text is None  # the record itself is kept as it is
    assert doc.body_text == "通知\n\n关于进口关税的说明。\n\nSecond block"
    assert [(p.line, p.severity) for p in reader.problems] == [(1, "note")]
    assert "the body is the text of the html field" in reader.problems[0].message


def test_resulting_text_wins_over_html(tmp_path):
    write_record(tmp_path / "b", "both", title="t", html="<p>页面</p>", resulting_text="正文")
    reader = CorpusReader([tmp_path])
    (doc,) = reader.documents()
    assert (doc.body_text, reader.problems) == ("正文", [])


def test_html_body_is_searched_and_shown_as_text(tmp_path):
    from zhen.indexer import update_index
    from zhen.search import Searcher

    write_record(
        tmp_path / "c" / "b",
        "page",
        title="网页",
        html="<p>关于<b>进口关税</b>的说明<img src=x onerror=alert(1)>。</p>",
    )
    update_index([tmp_path / "c"], index=tmp_path / "ix", jobs=1)
    searcher = Searcher(tmp_path / "ix")
    (hit,) = searcher.search('"进口关税"').hits
    assert html(hit, "body") == "关于<mark>进口关税</mark>的说明。"
    record = searcher.document("page")
    assert (record["resulting_text"], record["resulting_text_from"]) == (
        "关于进口关税的说明。",
        "html",
    )
    assert "<img" in record["html"]  # kept, never rendered
    searcher.close()
