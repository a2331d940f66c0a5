"""Which URLs from a record may become links.

Records come from outside: a ``javascript:`` or ``data:`` URL in
``input_url`` would run a script when clicked if it were rendered as a link.
Only absolute ``http``/``https`` URLs with a host are links; anything else is
text. The rule lives here, once, for the web app, the CLI and ``zhen check``.
"""

from urllib.parse import urlsplit

LINK_SCHEMES = ("http", "https")


def link_url(url):
    """``url`` when it is safe to render as a link (http or https with a
    host, no control characters or spaces), else None."""
    if not url or not isinstance(url, str):
        return None
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in LINK_SCHEMES or not parts.hostname:
        return None
    return url
