"""How numbers, dates and sizes read on the page, in the interface language."""

import re

from flask_babel import format_decimal

_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")


def as_date(value):
    """A record date as a date: ``2021-01-20 00:00:00`` -> ``2021-01-20``; a
    time other than midnight is kept; anything else is shown as it is."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        text = value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    else:
        text = str(value).strip()
    match = _ISO_DATE.match(text)
    return match.group(1) if match else text


def as_timestamp(value):
    """An ISO timestamp to the minute, in UTC when it says so:
    ``2026-11-29T10:38:30+00:00`` -> ``2026-11-29 10:38 UTC``."""
    text = str(value or "")
    match = re.match(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::[\d.]+)?(Z|[+-]00:?00)?$", text)
    if not match:
        return text
    return f"{match.group(1)} {match.group(2)}" + (" UTC" if match.group(3) else "")


def count_text(total, relation="eq"):
    """A result count with the locale's thousands separators; ``10,000+``
    when the total is a lower bound (``relation == "gte"``)."""
    text = str(total) if 0 <= total < 1000 else format_decimal(total)  # no separator below 1,000
    return text + "+" if relation == "gte" else text


def file_size(size):
    """Bytes as B / KB / MB / GB (decimal units, one decimal)."""
    for unit in ("B", "KB", "MB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"
