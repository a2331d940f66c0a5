"""The index schema and how a Document becomes an indexed record.

Chinese text fields are indexed twice: ``<name>`` through
:class:`~zhen.analysis.WordAnalyzer` (ranking: jieba words, no positions) and
``<name>_x`` through :class:`~zhen.analysis.GramAnalyzer` (recall and
phrases: Han bigrams and exact English words, with positions), and their Han
characters in ``<name>_xc`` (:class:`~zhen.analysis.CharAnalyzer`: counts, no
positions, no lengths; the question ranker's character view). English text
fields are indexed once, through :class:`~zhen.analysis.EnglishAnalyzer`
(stems with positions), which serves ranking, recall and phrases alike.
"""

from whoosh.fields import COLUMN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from .analysis import CharAnalyzer, EnglishAnalyzer, GramAnalyzer, WordAnalyzer
from .codec import CompactPositions, TermFrequency

# Kept with each index; an index with other versions is refused with a hint
# to rebuild. Bump FORMAT_VERSION when the schema's fields or the bytes the codec
# writes change (CONTRIBUTING.md), and
# ANALYSIS_VERSION whenever the same text would give other terms, positions or
# fields: normalisation, run splitting, segmenting, stemming, the stop-word
# rule, a field's analyzer or format (CONTRIBUTING.md).
FORMAT_VERSION = 6
ANALYSIS_VERSION = "zhen-analysis-2"

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
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else str(value)


def recall_field(name):
    """The field holding a logical field's positions (Han bigrams, exact or
    stemmed words): the ``_x`` twin of a Chinese field, an English field
    itself."""
    return name + "_x" if name in CHINESE_FIELDS else name


def char_field(name):
    """The field counting the Han characters of a recall field (``title_x``
    -> ``title_xc``); None for a field that has none (English fields)."""
    return name + "c" if name.endswith("_x") and name[:-2] in CHINESE_FIELDS else None


def build_schema(userdict=None):
    words, grams, chars = WordAnalyzer(userdict), GramAnalyzer(userdict), CharAnalyzer(userdict)
    english = EnglishAnalyzer(userdict)
    fields = {
        # what the indexer compares: columns only (no term per document)
        "hash": COLUMN(),
        "path": COLUMN(),
        "stamp": COLUMN(),
        # searched, faceted, shown: search reads id, batch, date and record
        "id": ID(stored=True, unique=True, sortable=True),
        "batch": ID(stored=True, sortable=True),
        "batch_tags": KEYWORD(scorable=False),
        "site": ID(sortable=True),
        "site_tags": KEYWORD(scorable=False),
        "year": ID(sortable=True),
        "date": DATETIME(stored=True, sortable=True),
        "record": STORED(),
    }
    for name in CHINESE_FIELDS:
        fields[name] = _text(words, TermFrequency)
        fields[recall_field(name)] = _text(grams, CompactPositions)
        fields[char_field(recall_field(name))] = _text(chars, TermFrequency, scorable=False)
    for name in ENGLISH_FIELDS:
        fields[name] = _text(english, CompactPositions)
    return Schema(**fields)


def _text(analyzer, format_class, scorable=True):
    """A TEXT field whose postings are written by one of zhen's formats
    (not ``scorable``: no field lengths kept)."""
    field = TEXT(analyzer=analyzer)
    field.format = format_class(field_boost=field.format.field_boost)
    field.scorable = scorable
    return field


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
        "hash": doc.content_hash.encode(),
        "path": doc.path.encode("utf-8", "surrogateescape"),
        "batch": doc.batch,
        "batch_tags": batch_tags(doc.batch),
        "record": _record(doc),
    }
    if doc.stamp:
        values["stamp"] = doc.stamp.encode()
    if doc.site:
        values["site"] = doc.site
        values["site_tags"] = site_tags(doc.site)
    if doc.date_value:
        values["date"] = doc.date_value
        values["year"] = str(doc.date_value.year)
    for name, text in text_values(doc):
        values[name] = values[recall_field(name)] = text
        if name in CHINESE_FIELDS:
            values[char_field(recall_field(name))] = text
    return values


def text_values(doc):
    """(logical field, text) of each text field ``doc`` has."""
    for name, key in TEXT_FIELDS.items():
        text = doc.body_text if key == "resulting_text" else getattr(doc, key)
        if text:
            yield name, text


def analysed_fields(schema, doc):
    """:func:`document_fields` with every text field analysed once here, so
    a record that analysis cannot handle raises before any of it is
    written (a half-written document would corrupt a Whoosh segment)."""
    values = document_fields(doc)
    for name, value in values.items():
        if schema[name].analyzer is not None and isinstance(value, str):
            for _ in schema[name].index(value):  # a generator: run it
                pass
    return values


def _record(doc):
    record = dict(doc.fields)
    if doc.html_text and not doc.resulting_text:
        # the body shown and searched: the text of the page (never its HTML)
        record.update(resulting_text=doc.html_text, resulting_text_from="html")
    record.update(
        url=doc.url,
        archive_url=doc.archive_url,
        site=doc.site,
        captured=doc.captured.isoformat() if doc.captured else None,
    )
    return record
