"""Presentation shared by the front ends: match spans as HTML, results as JSON.

The library returns spans (:class:`zhen.highlight.Fragment`); the web app
and the JSON of ``zhen search --json`` and ``/api/search`` show them as
escaped text with ``<mark>`` around each match (the documented
``highlights``), the CLI as terminal colour (:mod:`zhen.cli_output`).
"""

from dataclasses import fields
from html import escape


def mark(text, spans, start=0, end=None):
    """HTML of text[start:end] with <mark> around the spans, the rest escaped."""
    end = len(text) if end is None else end
    out, at = [], start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[at:s]))
        out.append("<mark>" + escape(text[s:e]) + "</mark>")
        at = e
    out.append(escape(text[at:end]))
    return "".join(out)


def fragment_html(fragment):
    """A fragment as HTML: text escaped, matches in ``<mark>``, an
    ellipsis where the field goes on."""
    if fragment is None:
        return ""
    html = mark(fragment.text, fragment.marks)
    return ("…" if fragment.clipped_start else "") + html + ("…" if fragment.clipped_end else "")


def hit_json(hit):
    """One hit as the documented JSON object (``highlights`` as HTML)."""
    data = _fields(hit, "fragments")
    data["highlights"] = {name: fragment_html(fragment) for name, fragment in hit.fragments.items()}
    return data


def result_json(result):
    """A :class:`~zhen.search.SearchResult` as the documented JSON object.

    Its values are the result's own (shared, not copied: a result may be
    cached, and nothing changes them), which ``dataclasses.asdict``'s deep
    copy of every hit and facet made the costliest step of an API call."""
    data = _fields(result, "hits")
    data["hits"] = [hit_json(hit) for hit in result.hits]
    return data


def _fields(instance, left_out):
    return {f.name: getattr(instance, f.name) for f in fields(instance) if f.name != left_out}
