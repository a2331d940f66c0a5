"""Plain helpers for tests: the small corpus, record writing, paths.

Tests import these from here (``from .helpers import ...``); fixtures live
in conftest.py.
"""

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from zhen.records import format_record

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SAMPLE = ROOT / "corpus"

# Small documents that pin down analysis and search behaviour.
DOCS = {
    "batch-001": {
        "001_mofcom": dict(
            title="中华人民共和国商务部公告",
            resulting_text="中华人民共和国商务部发布关于WTO规则的公告。",
            translated_title="Announcement of the Ministry of Commerce",
            translated_content="The Ministry of Commerce of the People's "
            "Republic of China published WTO rules.",
            input_url="20230131032746/http://www.mofcom.gov.cn/a/1.shtml",
            returned_url="https://web.archive.org/web/2023/http://www.mofcom.gov.cn/a/1.shtml",
            date="2023-01-31 00:00:00",
        ),
        "002_state_council": dict(
            title="国务院办公厅通知",
            resulting_text="中华人民共和国国务院办公厅发出通知。",
            date="2022-06-01 00:00:00",
            input_url="http://www.gov.cn/zhengce/2.htm",
        ),
        "003_nlp": dict(
            title="技术说明", resulting_text="自然语言处理技术的发展。", date="2021-03-05"
        ),
        "004_far": dict(
            title="研究报告",
            resulting_text="语言学的研究方法很多，其中信息处理也很重要。",
            date="2020-12-31",
        ),
    },
    "batch-002": {
        "005_traditional": dict(
            title="中華民國憲法",
            resulting_text="中華民國基於三民主義，為民有民治民享之民主共和國。",
            translated_title="Constitution of the Republic of China",
            input_url="https://law.moj.gov.tw/LawAll.aspx?pcode=A0000001",
            date="1947-01-01 00:00:00",
        ),
        "006_simplified": dict(
            title="中华民国史料", resulting_text="中华民国时期的档案。", date="2019-05-04"
        ),
        "007_api": dict(
            title="接口规范",
            resulting_text="应用接口ＡＰＩ２０２４版本。",
            translated_content="The API2024 specification and its tariff tables.",
            date="2024-02-29",
        ),
        "008_tariffs": dict(
            title="关税",
            resulting_text="进口关税税率表。",
            translated_content="Tariffs on imported goods are listed.",
            english_summary="A schedule of import tariffs.",
            date="2023-07-15",
        ),
        "009_not_phrase": dict(
            title="贸易",
            resulting_text="贸易促进。",
            translated_content="Commerce is promoted by the Ministry of Finance.",
            date="2018-01-01",
        ),
        "010_wto_only": dict(
            title="世界贸易组织",
            resulting_text="世界贸易组织规则。",
            translated_content="WTO accession.",
            date="2017-01-01",
        ),
        "011_mofcom_only": dict(
            title="商务部通知", resulting_text="商务部发布通知。", date="2016-01-01"
        ),
    },
}


def write_record(folder, name, **values):
    """Write one record file in the corpus format; returns its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.txt"
    path.write_text(format_record(values), encoding="utf-8")
    return path


def write_corpus(root, docs=DOCS):
    for batch, records in docs.items():
        for name, values in records.items():
            write_record(Path(root) / batch, name, **values)
    return Path(root)


def html(hit, field):
    """A hit's snippet of ``field`` as the documented HTML (the JSON's
    ``highlights``): the library itself returns spans."""
    from zhen.render import fragment_html

    return fragment_html(hit.fragments.get(field))


def index_sample_with_deletions(root):
    """The bundled sample indexed at ``root / "ix"`` in two segments, ten
    documents replaced (their old versions deleted in the first)."""
    from zhen.indexer import update_index

    corpus, index = root / "c", root / "ix"
    shutil.copytree(SAMPLE, corpus)
    update_index([corpus], index=index, jobs=1)
    for path in sorted(corpus.rglob("*.txt"))[:10]:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("。", "．", 1), encoding="utf-8")
    update_index([corpus], index=index, jobs=1)
    return index


class FakeSegment:
    """What a merge policy reads of a Whoosh segment: its document counts."""

    def __init__(self, docs, deleted=0):
        self.docs, self.deleted = docs, deleted

    def doc_count(self):
        return self.docs - self.deleted

    def doc_count_all(self):
        return self.docs

    def deleted_count(self):
        return self.deleted


def kill_when_marked(script, marker, *args):
    """Run the Python ``script`` (its arguments: ``args``, then ``marker``)
    until it writes the file ``marker``, then SIGKILL it: a process killed
    at the point the script marks (a merge written, its commit not)."""
    proc = subprocess.Popen([sys.executable, "-c", script, *map(str, args), str(marker)], cwd=ROOT)
    deadline = time.monotonic() + 120
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the process never reached its mark"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
