"""Reading documents from folders, record files and JSON Lines files.

:func:`read_corpus` turns input paths into :class:`Document` objects and a
list of :class:`Problem` reports. A bad file is reported and skipped; it never
stops the rest of the batch from being read.
"""

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from .errors import CorpusError
from .htmltext import html_to_text
from .records import KEYS, MAX_FIELD_CHARS, MISSING, Problem, oversized_fields, parse_record
from .sources import Sources, regular_file, walk
from .urls import link_url

_WAYBACK = re.compile(r"^(\d{14})/(.+)$")
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%Y%m%d",
    "%Y-%m-%dT%H:%M:%S",
)
_SNIFF_BYTES = 8192


@dataclass
class Document:
    """One bilingual document: the nine record fields plus derived facts."""

    id: str
    batch: str
    path: str
    html: str | None = None
    title: str | None = None
    resulting_text: str | None = None
    input_url: str | None = None
    returned_url: str | None = None
    date: str | None = None
    translated_title: str | None = None
    translated_content: str | None = None
    english_summary: str | None = None
    date_value: datetime | None = field(default=None, compare=False)
    # The record file's size and modification time, when it is one file.
    stamp: str | None = field(default=None, compare=False)
    # The line a JSON Lines record is on (None for a record file).
    line: int | None = field(default=None, compare=False)
    # The text of ``html`` when ``resulting_text`` is missing (see body_text).
    html_text: str | None = field(default=None, compare=False)

    @property
    def body_text(self):
        """The Chinese body as indexed and shown: ``resulting_text``, else
        the text extracted from ``html``."""
        return self.resulting_text or self.html_text

    @property
    def where(self):
        """``file`` or ``file:line``, to name the record in a message."""
        return self.path if self.line is None else f"{self.path}:{self.line}"

    @property
    def url(self):
        """The original URL, without any Wayback capture time."""
        return _split_wayback(self.input_url)[1]

    @property
    def captured(self):
        """When the Wayback Machine captured the original, if it says."""
        return _split_wayback(self.input_url)[0]

    @property
    def archive_url(self):
        return self.returned_url

    @property
    def site(self):
        """Host name of the original URL, e.g. ``www.mofcom.gov.cn``."""
        url = self.url or self.returned_url
        return (urlsplit(url).hostname or None) if url else None

    @property
    def fields(self):
        return {key: getattr(self, key) for key in KEYS}

    @cached_property
    def content_hash(self):
        """A digest of the batch and the nine fields, to skip unchanged docs
        (computed once: the indexer compares it and then stores it)."""
        digest = hashlib.sha1(self.batch.encode("utf-8"))
        for key in KEYS:
            digest.update(b"\x1f" + (getattr(self, key) or "").encode("utf-8"))
        return digest.hexdigest()


def _split_wayback(input_url):
    if not input_url:
        return None, None
    match = _WAYBACK.match(input_url)
    if not match:
        return None, input_url
    try:
        return datetime.strptime(match.group(1), "%Y%m%d%H%M%S"), match.group(2)
    except ValueError:
        return None, match.group(2)


def parse_date(text):
    """A datetime from the formats seen in records, or None if unparseable."""
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    return None


def make_document(doc_id, batch, path, values, lines=None, problems=None, line=None):
    """Build a Document from raw values, reporting what a reader should
    know: an unparseable date, a URL that is not a web link, a body taken
    from ``html``. ``lines`` maps a key to its line (a record file);
    ``line`` is the one line of a JSON Lines record."""
    doc = Document(id=doc_id, batch=batch, path=path, line=line, **values)
    problems = [] if problems is None else problems

    def report(key, message, severity="warning"):
        where = line if line is not None else (lines or {}).get(key)
        problems.append(Problem(path, where, message, severity))

    if doc.date:
        doc.date_value = parse_date(doc.date)
        if doc.date_value is None:
            report(
                "date",
                f"bad date '{doc.date[:40]}'; expected YYYY-MM-DD"
                "[ hh:mm:ss]; the document is kept without a date",
            )
    for key, url in (("input_url", doc.url), ("returned_url", doc.returned_url)):
        if url and link_url(url) is None:
            report(
                key,
                f"{key} {url[:60]!r} is not an http(s) URL; it is shown as text, never as a link",
            )
    if not doc.resulting_text and doc.html:
        doc.html_text = html_to_text(doc.html)
        if doc.html_text:
            report(
                "html",
                "no resulting_text: the body is the text of the "
                f"html field ({len(doc.html_text):,} characters)",
                "note",
            )
    return doc


class CorpusReader:
    """Reads documents from paths; problems collect in ``self.problems``."""

    def __init__(self, paths, max_field_chars=MAX_FIELD_CHARS):
        self.paths = [Path(os.path.abspath(p)) for p in paths]
        self.max_field_chars = max_field_chars
        self.problems = []
        self._sources = None
        self._jsonl_seen = {}  # id -> "file:line" where a JSON Lines record had it
        self.skipped = []  # (id, path) of record files known to be unchanged

    def sources(self):
        """(file, batch) pairs in reading order, later batches last: a
        :class:`~zhen.sources.Sources` (the folders are walked once per
        reader). Paths are absolute, so a document's path names its file
        whatever folder a later run starts in."""
        if self._sources is not None:
            return self._sources
        found = Sources()
        for root in self.paths:
            if not root.exists():
                raise CorpusError(f"{root}: no such file or folder")
            if root.is_dir():
                walk(root, found, self.problems)
            elif regular_file(root, self.problems):
                found.add(str(root.parent), root.parent.name or ".", [root.name])
        self._sources = found
        return found

    def documents(self, unchanged=None, unchanged_file=None):
        """Yield every readable document once; the later of two ids wins.

        ``unchanged(id, path, batch, stamp)`` may say that a record file is
        known as it is (same size and modification time, see
        :func:`file_stamp`): it is then not read, and its id and path go to
        ``self.skipped`` instead. ``unchanged_file(path, batch, stamp)`` does
        the same for a JSON Lines file: it returns the ids the file gave, all
        known with this stamp, or None. That keeps a re-run over a large
        unchanged corpus cheap, as rsync and make do.
        """
        self.skipped = []
        sources = self.sources()
        winners = sources.duplicate_winners(self.problems)
        for name, batch in sources:
            path = Path(name)
            if path.suffix == ".jsonl":
                stamp = file_stamp(path)
                known = unchanged_file and stamp and unchanged_file(str(path), path.stem, stamp)
                if known:
                    self.skipped.extend((doc_id, str(path)) for doc_id in known)
                    continue
                yield from self._read_jsonl(path, batch, stamp)
            elif winners.get(path.stem, name) == name:
                stamp = file_stamp(path)
                if unchanged and stamp and unchanged(path.stem, name, batch, stamp):
                    self.skipped.append((path.stem, name))
                    continue
                doc = self._read_txt(path, batch)
                if doc is not None:
                    doc.stamp = stamp
                    yield doc

    def _read_txt(self, path, batch):
        text = self._decode(path)
        if text is None:
            return None
        if not text.strip():
            self.problems.append(Problem(str(path), None, "empty file"))
            return None
        parsed = parse_record(text, str(path), self.max_field_chars)
        self.problems.extend(parsed.problems)
        if any(p.severity == "error" for p in parsed.problems):
            return None
        return make_document(
            path.stem, batch, str(path), parsed.values, parsed.lines, self.problems
        )

    def _decode(self, path):
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.problems.append(Problem(str(path), None, f"cannot read: {exc.strerror}"))
            return None
        if b"\x00" in data[:_SNIFF_BYTES]:
            self.problems.append(
                Problem(str(path), None, "binary content (NUL bytes), not a record")
            )
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                self.problems.append(Problem(str(path), line, "not UTF-8 (nor GB18030) text"))
                return None
            self.problems.append(Problem(str(path), line, "not UTF-8; read as GB18030", "warning"))
            return text

    def _read_jsonl(self, path, batch, stamp):
        """The documents of a JSON Lines file, each with the file's
        ``stamp`` when every line was read (a file with a broken line is
        read again next time, so its problem is reported again)."""
        text = self._decode(path)
        if text is None:
            return
        batch = path.stem
        lines, docs, problems = 0, [], len(self.problems)
        for number, line in enumerate(text.split("\n"), start=1):
            if line.strip():
                lines += 1
                doc = self._jsonl_document(path, batch, number, line)
                if doc is not None:
                    docs.append(doc)
        clean = not any(p.severity == "error" for p in self.problems[problems:])
        for doc in docs:
            doc.stamp = stamp if clean else None
            yield doc
        if not lines:
            self.problems.append(
                Problem(str(path), None, "no records: the JSON Lines file is empty", "warning")
            )

    def _jsonl_document(self, path, batch, number, line):
        where = str(path)
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            self.problems.append(Problem(where, number, f"invalid JSON: {exc.msg}"))
            return None
        if not isinstance(obj, dict) or not obj.get("id"):
            self.problems.append(Problem(where, number, "a JSON object with an 'id' is required"))
            return None
        values = {k: _json_value(obj.get(k)) for k in KEYS}
        for _, message in oversized_fields(values, self.max_field_chars):
            self.problems.append(Problem(where, number, message))
            return None
        doc_id = str(obj["id"])
        earlier = self._jsonl_seen.get(doc_id)
        if earlier:
            self.problems.append(
                Problem(
                    where,
                    number,
                    f"duplicate id '{doc_id}': this record replaces the one at {earlier}",
                    "warning",
                )
            )
        self._jsonl_seen[doc_id] = f"{where}:{number}"
        return make_document(doc_id, batch, where, values, problems=self.problems, line=number)


def _json_value(value):
    if value is None:
        return None
    value = str(value).strip()
    return None if value in MISSING else value


def file_stamp(path):
    """``size:mtime_ns`` of a file, or None if it cannot be read."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def read_corpus(paths, max_field_chars=MAX_FIELD_CHARS):
    """Read all documents below ``paths``: (documents, problems)."""
    reader = CorpusReader(paths, max_field_chars)
    docs = list(reader.documents())
    return docs, reader.problems
