"""The record format: one document as ``key: value`` lines.

This module knows the text of one record and nothing of files or folders
(:mod:`zhen.corpus` walks those). It turns text into the nine raw field values
plus the problems found, and writes fields back as text, so the two can be
tested as inverses.
"""

import re
from dataclasses import dataclass

KEYS = (
    "html",
    "title",
    "resulting_text",
    "input_url",
    "returned_url",
    "date",
    "translated_title",
    "translated_content",
    "english_summary",
)
MISSING = ("", "nan")
# The largest value a field may hold, in characters (setting max_field_chars).
MAX_FIELD_CHARS = 5_000_000
_KEY_LINE = re.compile(r"^(%s):(?: |$)" % "|".join(KEYS))


@dataclass(frozen=True)
class Problem:
    """Something wrong with an input, located as precisely as we can."""

    file: str
    line: int | None
    message: str
    severity: str = "error"

    def to_dict(self):
        return {
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "severity": self.severity,
        }

    def __str__(self):
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.severity}: {self.message}"


@dataclass
class ParsedRecord:
    """Raw field values (None when missing) with the line each key began on."""

    values: dict
    lines: dict
    problems: list


def split_lines(text):
    """Lines of ``text`` with CRLF, CR and LF all ending a line.

    Only these three end a line: ``str.splitlines`` would also break on
    characters such as U+2028 that can legitimately sit inside a value.
    """
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def parse_record(text, file="<record>", max_field_chars=None):
    """Parse one record's text.

    A line opens a field when it starts with a known key that has not been
    seen yet; every other line continues the value before it, so body lines
    such as ``Note: ...`` stay in the body.
    """
    values, lines, problems, chunks = {}, {}, [], {}
    current = None
    for number, line in enumerate(split_lines(text), start=1):
        line = line.rstrip()
        match = _KEY_LINE.match(line)
        if match and match.group(1) not in chunks:
            current = match.group(1)
            _warn_if_out_of_order(current, chunks, file, number, problems)
            chunks[current] = [line[match.end() :]]
            lines[current] = number
        elif current is not None:
            if match:
                problems.append(
                    Problem(
                        file,
                        number,
                        f"key '{match.group(1)}' again (first on line "
                        f"{lines[match.group(1)]}); this line is kept as part of "
                        f"the '{current}' value",
                        "warning",
                    )
                )
            chunks[current].append(line)
        elif line.strip():
            problems.append(
                Problem(file, number, "text before the first key is ignored", "warning")
            )
    for key in KEYS:
        value = "\n".join(chunks.get(key, ())).strip()
        values[key] = None if value in MISSING else value
    problems.extend(_size_problems(values, lines, file, max_field_chars))
    if not chunks:
        problems.append(Problem(file, 1, "no known key found; expected lines such as 'title: ...'"))
    return ParsedRecord(values, lines, problems)


def _warn_if_out_of_order(key, seen, file, number, problems):
    later = [k for k in seen if KEYS.index(k) > KEYS.index(key)]
    if later:
        problems.append(
            Problem(
                file,
                number,
                f"key '{key}' comes after '{later[-1]}'; the expected order is {', '.join(KEYS)}",
                "warning",
            )
        )


def oversized_fields(values, max_field_chars):
    """Messages for the fields of ``values`` longer than the limit (none
    without a limit), as (key, message) pairs."""
    if not max_field_chars:
        return
    for key, value in values.items():
        if value is not None and len(value) > max_field_chars:
            yield (
                key,
                (
                    f"field '{key}' holds {len(value):,} characters, "
                    f"over the limit of {max_field_chars:,}"
                ),
            )


def _size_problems(values, lines, file, max_field_chars):
    for key, message in oversized_fields(values, max_field_chars):
        yield Problem(file, lines.get(key), message)


def format_record(values):
    """Write field values as record text; None is written as ``nan``."""
    out = []
    for key in KEYS:
        value = values.get(key)
        out.append(f"{key}: {'nan' if value is None else value}")
    return "\n".join(out) + "\n"
