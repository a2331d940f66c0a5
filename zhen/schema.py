"""The index schema and how a Document becomes an indexed record.

Each text field of a record is indexed twice: ``<name>`` through
:class:`~zhen.analysis.WordAnalyzer` (ranking: words and stems, no positions)
and ``<name>_x`` through :class:`~zhen.analysis.GramAnalyzer` (recall and
phrases: Han unigrams+bigrams and exact English words, with positions).
"""

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from .analysis import GramAnalyzer, WordAnalyzer

FORMAT_VERSION = 1
ANALYSIS_VERSION = "zhen-analysis-1"

# logical field -> record key
TEXT_FIELDS = {
    "title": "title",
    "body": "resulting_text",
    "title_en": "translated_title",
    "body_en": "translated_content",
    "summary_en": "english_summary",
}
CHINESE_FIELDS = ("title", "body")
ENGLISH_FIELDS = ("title_en", "body_en", "summary_en")
TITLE_FIELDS = ("title", "title_en")


def column_text(value):
    """A column value as text (Whoosh returns bytes for ID columns), or None
    for an empty one."""
    if value in (None, b"", ""):
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def recall_field(name):
    """The gram/exact twin of a logical text field."""
    return name + "_x"


def build_schema(userdict=None):
    words, grams = WordAnalyzer(userdict), GramAnalyzer(userdict)
    fields = {
        "id": ID(stored=True, unique=True, sortable=True),
        "hash": ID(stored=True, sortable=True),
        "path": ID(stored=True, sortable=True),
        "batch": ID(stored=True, sortable=True),
        "batch_tags": KEYWORD(scorable=False),
        "site": ID(stored=True, sortable=True),
        "site_tags": KEYWORD(scorable=False),
        "year": ID(stored=True, sortable=True),
        "date": DATETIME(stored=True, sortable=True),
        "record": STORED(),
    }
    for name in TEXT_FIELDS:
        fields[name] = TEXT(analyzer=words, phrase=False)
        fields[recall_field(name)] = TEXT(analyzer=grams, phrase=True)
    return Schema(**fields)


def batch_tags(batch):
    """Every trailing part of a batch path, so ``batch:batch-003`` matches
    ``twlaw/batch-003``."""
    parts = batch.lower().split("/")
    return " ".join("/".join(parts[i:]) for i in range(len(parts)))


def site_tags(site):
    """The host and each parent domain, so ``site:mofcom.gov.cn`` matches
    ``www.mofcom.gov.cn``."""
    parts = site.lower().split(".")
    return " ".join(".".join(parts[i:]) for i in range(len(parts) - 1))


def document_fields(doc):
    """The field values Whoosh indexes for ``doc``."""
    values = {
        "id": doc.id,
        "hash": doc.content_hash,
        "path": doc.path,
        "batch": doc.batch,
        "batch_tags": batch_tags(doc.batch),
        "record": _record(doc),
    }
    if doc.site:
        values["site"] = doc.site
        values["site_tags"] = site_tags(doc.site)
    if doc.date_value:
        values["date"] = doc.date_value
        values["year"] = str(doc.date_value.year)
    for name, key in TEXT_FIELDS.items():
        text = getattr(doc, key)
        if text:
            values[name] = text
            values[recall_field(name)] = text
    return values


def _record(doc):
    record = dict(doc.fields)
    record.update(url=doc.url, archive_url=doc.archive_url, site=doc.site,
                  captured=doc.captured.isoformat() if doc.captured else None)
    return record
