"""The text of an HTML page, for records whose text lives only in ``html``.

A record may carry the fetched page in ``html`` and no ``resulting_text``.
Its text is then extracted with inscriptis, a maintained HTML-to-text
renderer: scripts, styles and markup are dropped, block elements end lines,
inline elements join their neighbours without a space (Chinese has none
between words). The page itself is never rendered as HTML anywhere.
"""

from inscriptis import get_text


def html_to_text(html):
    """The visible text of ``html`` with block breaks kept, or None when it
    holds no text at all."""
    if not html or not html.strip():
        return None
    try:
        text = get_text(html)
    except Exception:  # lxml gives up on some byte soups: no text then
        return None
    lines = [" ".join(line.split()) for line in text.splitlines()]
    text = "\n".join(lines).strip()
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text or None
