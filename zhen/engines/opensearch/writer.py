"""Writing zhen documents to an OpenSearch / Elasticsearch index.

Each text field is sent pre-analysed: the terms of zhen's own analyzers
(those of the Whoosh schema, :func:`zhen.schema.build_schema`) joined by
single spaces, into a ``whitespace`` field. The whitespace tokenizer gives
the n-th term position n, so positions survive the trip as long as zhen's
are consecutive, which its analyzers guarantee today (every term advances
the position by one; a removed stop word does not advance it). Should an
analyzer ever leave a gap, each missing position is filled with ``_``, a
token zhen never produces (its words exclude ``_``), so phrases still see
the gap; only the field's length grows by the filler. Two terms at one
position cannot be expressed and are refused.

Terms longer than 255 UTF-16 units are cut into pieces by the tokenizer, at
index and query time alike (see :mod:`.compiler`), so they stay findable.

:class:`BulkWriter` sends documents with the bulk API in chunks, reports
per-document errors, and retries what the cluster rejected for being busy
(HTTP 429) or could not take (node down: 502/503/504, connection lost) with
exponential backoff.
"""

import json
import time
from dataclasses import dataclass, field

from ...analysis import prepare
from ...schema import build_schema, column_text, document_fields
from .mapping import KEYWORD_FIELDS, LIST_FIELDS, text_fields
from .ranking import rank_values

FILLER = "_"
RETRY_STATUS = {429, 502, 503, 504}


def wire_terms(analyzer, value):
    """``value``'s index terms joined by spaces, positions honoured."""
    terms = analyzer.terms(prepare(value)[1])
    if [pos for _, pos, _, _ in terms] == list(range(len(terms))):
        return " ".join([term for term, _, _, _ in terms])  # the usual case
    out, expected = [], 0
    for term, pos, _, _ in terms:
        if pos < expected:
            raise ValueError(
                f"two terms at position {pos} ({term!r}) cannot be sent to a whitespace field"
            )
        out.extend([FILLER] * (pos - expected))
        out.append(term)
        expected = pos + 1
    return " ".join(out)


def field_analyzers(userdict=None):
    """Text field name -> the analyzer the Whoosh schema uses for it."""
    schema = build_schema(userdict)
    return {name: schema[name].analyzer for name in text_fields()}


def document_source(doc, analyzers):
    """The ``_source`` of one :class:`~zhen.corpus.Document`: keyword
    values, the date, the stored record, the pre-analysed text fields and
    the question ranker's fields made of them."""
    values = document_fields(doc)
    # the embedded index keeps hash, path and stamp as bytes columns
    source = {name: column_text(values[name]) for name in KEYWORD_FIELDS if values.get(name)}
    for name in LIST_FIELDS:
        if name in source:
            source[name] = source[name].split()
    if values.get("date"):
        source["date"] = values["date"].isoformat()
    source["record"] = values["record"]
    for name, analyzer in analyzers.items():
        if values.get(name):
            source[name] = wire_terms(analyzer, values[name])
    source.update(rank_values(source))
    return source


def source_json(doc, analyzers):
    """:func:`document_source` as one NDJSON line (with its newline)."""
    return _ndjson(document_source(doc, analyzers))


@dataclass
class Failure:
    """One document the cluster refused, and why."""

    id: str
    status: int
    type: str
    reason: str


@dataclass
class BulkReport:
    indexed: int = 0
    deleted: int = 0
    not_found: int = 0
    failures: list = field(default_factory=list)


class BulkWriter:
    """Bulk indexing and deleting by id, in chunks, with retries."""

    def __init__(
        self,
        client,
        index,
        userdict=None,
        chunk_docs=500,
        chunk_bytes=8 << 20,
        retries=6,
        backoff=0.5,
    ):
        self.client, self.index = client, index
        self.analyzers = field_analyzers(userdict)
        self.chunk_docs, self.chunk_bytes = chunk_docs, chunk_bytes
        self.retries, self.backoff = retries, backoff
        self.report = BulkReport()

    def index_documents(self, docs):
        """Index (create or replace) ``docs``; returns the running report."""
        return self.index_sources((doc.id, source_json(doc, self.analyzers)) for doc in docs)

    def index_sources(self, items):
        """Index (create or replace) documents given as (id, ``_source`` as
        one line of JSON, see :func:`source_json`): the analysis may then
        run elsewhere, e.g. in worker processes."""
        self._send_chunks(
            (doc_id, {"index": {"_index": self.index, "_id": doc_id}}, source)
            for doc_id, source in items
        )
        return self.report

    def delete_ids(self, ids):
        """Delete documents by id (unknown ids count as ``not_found``)."""
        self._send_chunks(
            (doc_id, {"delete": {"_index": self.index, "_id": doc_id}}, None) for doc_id in ids
        )
        return self.report

    def _send_chunks(self, actions):
        chunk, size = [], 0
        for doc_id, action, source in actions:
            lines = _ndjson(action) + (source if source is not None else "")
            chunk.append((doc_id, lines))
            size += len(lines)
            if len(chunk) >= self.chunk_docs or size >= self.chunk_bytes:
                self._send(chunk)
                chunk, size = [], 0
        if chunk:
            self._send(chunk)

    def _send(self, chunk):
        """Send one chunk; retry the items refused as busy, with backoff."""
        for attempt in range(self.retries + 1):
            items = self._bulk("".join(lines for _, lines in chunk))
            busy = []
            for (doc_id, lines), item in zip(chunk, items):
                if self._record(doc_id, item, final=attempt == self.retries):
                    busy.append((doc_id, lines))
            if not busy:
                return
            chunk = busy
            time.sleep(self.backoff * 2**attempt)

    def _bulk(self, body):
        """The items of one bulk request, retrying a busy or absent cluster."""
        from opensearchpy.exceptions import ConnectionError as Unreachable
        from opensearchpy.exceptions import TransportError

        for attempt in range(self.retries + 1):
            try:
                return self.client.bulk(body=body)["items"]
            except (Unreachable, TransportError) as error:
                status = getattr(error, "status_code", None)
                retry = isinstance(error, Unreachable) or status in RETRY_STATUS
                if not retry or attempt == self.retries:
                    raise
            time.sleep(self.backoff * 2**attempt)

    def _record(self, doc_id, item, final):
        """Count one item's outcome; True when it should be retried."""
        ((op, result),) = item.items()
        status = result.get("status", 0)
        if status in RETRY_STATUS and not final:
            return True
        if op == "delete" and result.get("result") == "not_found":
            self.report.not_found += 1
        elif "error" in result:
            error = result["error"]
            self.report.failures.append(
                Failure(doc_id, status, error.get("type", "?"), error.get("reason", ""))
            )
        elif op == "delete":
            self.report.deleted += 1
        else:
            self.report.indexed += 1
        return False


def _ndjson(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n"


def _doc_values(client, index, names, page):
    """(id, (value of each of ``names``)) of every document in ``index``,
    read from doc values (no ``_source``) and paged with ``search_after`` on
    the id: no server-side context to keep, the same request on both
    engines, and one writer at a time keeps the order stable."""
    after = None
    while True:
        body = {
            "size": page,
            "_source": False,
            "docvalue_fields": list(names),
            "sort": [{"id": "asc"}],
            "track_total_hits": False,
            "query": {"match_all": {}},
        }
        if after is not None:
            body["search_after"] = after
        hits = client.search(index=index, body=body)["hits"]["hits"]
        for hit in hits:
            values = hit.get("fields", {})
            yield hit["_id"], tuple(values.get(n, [None])[0] for n in names)
        if len(hits) < page:
            return
        after = hits[-1]["sort"]


def known_hashes(client, index, page=5000):
    """id -> content hash of every document in ``index``."""
    return {doc_id: values[0] for doc_id, values in _doc_values(client, index, ["hash"], page)}


def known_documents(client, index, page=5000):
    """id -> (hash, path, batch, stamp) of every document in ``index``."""
    return dict(_doc_values(client, index, ("hash", "path", "batch", "stamp"), page))
