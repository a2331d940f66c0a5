"""What a failure or a result says, in the interface language.

The library raises errors with a stable ``code`` and the ``params`` of
their message (:mod:`zhen.errors`) and keeps its English text for the CLI;
here each code has an English message and hint, marked for pybabel
(``N_``) and rendered with gettext from the catalogue of the request's
language. The English templates of the query language's codes are the
library's own sentences, word for word (a test holds them together), so
the English interface says exactly what ``zhen search`` says.
"""

from flask_babel import format_decimal, gettext, ngettext

from ..engines.opensearch.errors import EngineUnavailableError
from ..errors import ZhenError


def N_(text):
    """Mark ``text`` as a message for pybabel (``-k N_``) without translating it."""
    return text


# code -> (message, hint); placeholders are the error's params (and what
# the web knows of the request: the document ``id``).
DETAILS = {
    # the query language (zhen.query, zhen.results)
    "query.too_long": (
        N_("the query is %(length)s characters long; at most %(most)s are searched"),
        N_("shorten it to its key words or phrases"),
    ),
    "query.empty": (N_("the query is empty"), N_("type a word, e.g. 商务部 or tariff")),
    "query.unexpected_close": (
        N_("unexpected ')' at column %(column)s"),
        N_("remove it or add the matching '('"),
    ),
    "query.unclosed_quote": (
        N_("unbalanced quote: the phrase at column %(column)s is not closed"),
        N_("close it: %(fix)s"),
    ),
    "query.too_deep": (
        N_("the query nests groups or NOTs more than %(most)s deep (at column %(column)s)"),
        N_("remove the extra parentheses"),
    ),
    "query.or_needs_word_after": (
        N_("'OR' at column %(column)s needs a word after it"),
        N_("write: WTO OR 世贸"),
    ),
    "query.or_needs_word_before": (
        N_("'OR' has no word before it (column %(column)s)"),
        N_("write: WTO OR 世贸"),
    ),
    "query.no_word": (N_("the end has no word before it"), N_("write: WTO OR 世贸")),
    "query.operator_needs_word_after": (
        N_("'%(operator)s' at column %(column)s needs a word after it"),
        N_("write: 商务部 %(operator)s 通知"),
    ),
    "query.empty_group": (
        N_("empty or unclosed '(' at column %(column)s"),
        N_("write: (WTO OR 世贸) 商务部"),
    ),
    "query.unclosed_group": (
        N_("'(' at column %(column)s is not closed"),
        N_("add the matching ')'"),
    ),
    "query.filter_needs_plain_value": (
        N_("'%(field)s:' takes a plain value, not a phrase or group"),
        N_("write: %(example)s"),
    ),
    "query.field_needs_value": (
        N_("'%(field)s:' at column %(column)s has no value"),
        N_("write: %(example)s"),
    ),
    "query.unknown_field": (
        N_("unknown field '%(field)s:' at column %(column)s"),
        N_("known fields: %(fields)s"),
    ),
    "query.empty_phrase": (
        N_("empty phrase at column %(column)s"),
        N_('put words between the quotes: "语言处理"'),
    ),
    "query.date_range_without_ends": (
        N_("a date range needs at least one end"),
        N_("write: date:2020..2023 or date:..2023-06-30"),
    ),
    "query.date_range_reversed": (
        N_("the date range %(range)s ends before it starts"),
        N_("put the earlier date first"),
    ),
    "query.not_a_date": (
        N_("'%(text)s' is not a date"),
        N_("write YYYY, YYYY-MM or YYYY-MM-DD, e.g. date:2023-01"),
    ),
    "query.not_a_real_date": (
        N_("'%(text)s' is not a real date"),
        N_("check the month (1-12) and day"),
    ),
    "query.unknown_sort": (N_("unknown sort '%(sort)s'"), N_("use relevance or date")),
    "query.page_below_one": (N_("page and limit must be 1 or more"), N_("e.g. page=2&limit=10")),
    # kinds of library error without a finer code: what the web can say
    "query": (
        N_("the search engine could not run this query"),
        N_("simplify the query (fewer words or ORs)"),
    ),
    "document_not_found": (
        N_("there is no document with id '%(id)s' in the index"),
        N_("search for it by its title or words"),
    ),
    "index_missing": (
        N_("no usable index was found where this site looks for it"),
        N_("the site's administrator builds one with: zhen index PATH"),
    ),
    "index_settings": (
        N_("the index was built with analysis settings other than the site's"),
        N_("the site's administrator rebuilds it with: zhen index --rebuild PATH"),
    ),
    "index_locked": (N_("the index is being written"), N_("try again in a moment")),
    "engine_unavailable": (
        N_("the search engine cannot be reached or cannot answer right now"),
        N_("try again in a moment"),
    ),
    "corpus": (N_("the corpus cannot be read"), None),
    "index_interrupted": (N_("indexing was interrupted"), None),
    "evaluation_input": (N_("the evaluation input cannot be used"), None),
    "error": (N_("the index cannot be read right now"), N_("try again in a moment")),
    # the web's own parameters (/api/search)
    "parameter.empty_query": (N_("the query is empty"), N_("pass ?q=..., e.g. ?q=tariff")),
    "parameter.unknown_sort": (
        N_("unknown sort '%(sort)s'"),
        N_("use sort=relevance or sort=date"),
    ),
    "parameter.not_a_number": (
        N_("%(name)s must be a whole number, not '%(value)s'"),
        N_("e.g. page=2&limit=20"),
    ),
    "parameter.page_too_deep": (
        N_("page %(page)s is too deep; the last page searched is %(most)s"),
        N_("use a narrower query"),
    ),
}
# params shown with the interface language's thousands separators
_NUMBERS = {"length", "most"}


class _Params(dict):
    """Params for %-formatting: a missing one shows as nothing, never a 500."""

    def __missing__(self, key):
        return ""


def code_of(error):
    """The code to render for a library error: its own when the web knows
    it, else its kind's (an engine error's kind lives with the engine)."""
    if error.code in DETAILS and error.code != ZhenError.code:
        return error.code
    if isinstance(error, EngineUnavailableError):
        return "engine_unavailable"
    return "error"


def render(code, params=None):
    """(message, hint) of ``code`` in the interface language."""
    message, hint = DETAILS[code]
    values = _Params(
        (key, format_decimal(value) if key in _NUMBERS and isinstance(value, int) else value)
        for key, value in (params or {}).items()
    )
    return _gettext(message, values), (_gettext(hint, values) if hint else None)


def _gettext(msgid, values):
    """gettext with %-formatting even without params (a literal '%' stays)."""
    return gettext(msgid) % values if "%(" in msgid else gettext(msgid)


def result_notice(result):
    """The sentence the API's ``message`` carries for a result, in the
    interface language: the same cases as :func:`zhen.results.result_message`."""
    if result.total == 0:
        return gettext("No documents match.")
    if result.page > result.pages:
        fill = ngettext(
            "the results fill %(num)s page", "the results fill %(num)s pages", result.pages
        )
        return gettext("Page %(page)s is past the end: %(fill)s.", page=result.page, fill=fill)
    if result.relaxed:
        return gettext("No document has all the words; showing those with some of them.")
    return None
