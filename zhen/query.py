"""The query language: parse what a user typed into a small syntax tree.

What people know from web search engines, in Chinese, English or both::

    商务部 tariffs                 all words (documents with every word)
    "语言处理" "Ministry of Commerce"  phrases
    WTO OR 世贸                      either
    -draft   NOT draft              exclude
    title:商务部  zh:…  en:…          scope a word, phrase or (group)
    site:mofcom.gov.cn  batch:batch-003
    date:2023  date:2023-01  date:2020-01-01..2023-06-30  (open ends allowed)

Parsing is separate from running (:mod:`zhen.search` compiles the tree), so a
bad query is refused here with a :class:`~zhen.errors.QueryError` that says
what is wrong and how to write it, before any index is touched.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import datetime

from .errors import QueryError

SCOPES = ("title", "zh", "en")
FILTERS = ("site", "batch", "date")
FIELDS = SCOPES + FILTERS
_QUOTES = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "「": '"',
        "」": '"',
        "＂": '"',
        "：": ":",
        "（": "(",
        "）": ")",
        "\u3000": " ",
    }
)
# Typographic quotes have a direction; a closing one that closes nothing
# (a question pasted from the middle of a quotation: …概不负责”的规定，…) is
# punctuation, not the start of a phrase.
_OPENING, _CLOSING = "“「", "”」"
_QUOTE_MARKS = _OPENING + _CLOSING + '"＂'
# Control characters (C0, DEL, C1) separate words like spaces: a pasted NUL
# or escape sequence is never part of a word, a suggestion or a message.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Deeper nesting of groups or NOTs than this is refused: no one writes it,
# and every later step (scoping, compiling, matching) recurses over the tree.
MAX_DEPTH = 32
MAX_QUERY_CHARS = 2000
_LEXER = re.compile(r'\s+|(?P<quote>")|(?P<open>\()|(?P<close>\))|(?P<word>[^\s"()]+)')
_FIELD = re.compile(r"^([A-Za-z_]+):(.*)$")


@dataclass(frozen=True)
class Term:
    text: str
    scope: str | None = None


@dataclass(frozen=True)
class Phrase:
    text: str
    scope: str | None = None


@dataclass(frozen=True)
class Filter:
    field: str
    value: object


@dataclass(frozen=True)
class Not:
    child: object


@dataclass(frozen=True)
class And:
    children: tuple


@dataclass(frozen=True)
class Or:
    children: tuple


@dataclass(frozen=True)
class DateRange:
    start: datetime | None
    end: datetime | None  # inclusive upper bound


# Any node of a parsed query.
Node = Term | Phrase | Filter | Not | And | Or


def clean(text: str) -> str:
    """Query text as the parser reads it: typographic quotes, full-width
    brackets and colons as their ASCII forms, control characters and lone
    surrogates (bytes of a command line that are not UTF-8) as spaces, and
    so is a closing typographic quote that closes no open quote."""
    return _CONTROL.sub(" ", _stray_closing_quotes(text).translate(_QUOTES))


def _stray_closing_quotes(text):
    """``text`` with each closing typographic quote (” 」) met while no
    quote is open replaced by a space (same length: columns stay right).
    Quotes otherwise pair as the lexer pairs them, each mark opening or
    closing in turn."""
    if not any(c in _CLOSING for c in text):
        return text
    chars, open_quote = list(text), False
    for at, char in enumerate(chars):
        if char in _CLOSING and not open_quote:
            chars[at] = " "
        elif char in _QUOTE_MARKS:
            open_quote = not open_quote
    return "".join(chars)


def parse(text: str) -> Node:
    """Parse query text into a tree; raise QueryError when it is malformed."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is {len(text):,} characters long; at most {MAX_QUERY_CHARS:,} are searched",
            hint="shorten it to its key words or phrases",
            code="query.too_long",
            params={"length": len(text), "most": MAX_QUERY_CHARS},
        )
    tokens = _tokens(clean(text))
    if not tokens:
        raise QueryError(
            "the query is empty", hint="type a word, e.g. 商务部 or tariff", code="query.empty"
        )
    parser = _Parser(tokens)
    tree = parser.expression()
    if parser.peek() is not None:
        kind, value, col = parser.peek()
        raise QueryError(
            f"unexpected ')' at column {col}",
            hint="remove it or add the matching '('",
            position=col,
            code="query.unexpected_close",
            params={"column": col},
        )
    return tree


def _tokens(text):
    """(kind, value, column) tuples; phrases come out whole."""
    tokens, pos = [], 0
    while pos < len(text):
        match = _LEXER.match(text, pos)
        if match.group("quote"):
            end = text.find('"', pos + 1)
            if end < 0:
                raise QueryError(
                    f"unbalanced quote: the phrase at column {pos + 1} is not closed",
                    hint=f'close it: {text[pos:].strip()}"',
                    position=pos + 1,
                    code="query.unclosed_quote",
                    params={"column": pos + 1, "fix": text[pos:].strip() + '"'},
                )
            tokens.append(("phrase", text[pos + 1 : end], pos + 1))
            pos = end + 1
            continue
        if match.lastgroup:
            tokens.append((match.lastgroup, match.group(), pos + 1))
        pos = match.end()
    # A dash on its own ("Cranfield - 1952", "第一章 - 总则") is punctuation,
    # not an exclusion without a word.
    return [t for t in _attach_prefixes(tokens) if t[:2] != ("word", "-")]


def _attach_prefixes(tokens):
    """Join a ``field:`` or ``-`` word to the phrase or group that follows."""
    out = []
    for token in tokens:
        previous = out[-1] if out else None
        if (
            previous
            and previous[0] == "word"
            and token[0] in ("phrase", "open")
            and (previous[1].endswith(":") or previous[1] == "-")
            and previous[2] + len(previous[1]) == token[2]
        ):
            prefix = out.pop()
            out.append(("prefix", prefix[1], prefix[2]))
        out.append(token)
    return out


class _Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.at = 0
        self.depth = 0

    def _deeper(self, col):
        """Count one more level of nesting (a group or a NOT)."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(
                f"the query nests groups or NOTs more than {MAX_DEPTH} deep (at column {col})",
                hint="remove the extra parentheses",
                position=col,
                code="query.too_deep",
                params={"most": MAX_DEPTH, "column": col},
            )

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self):
        token = self.peek()
        self.at += 1
        return token

    def expression(self):
        """or_expr := and_expr ('OR' and_expr)*"""
        children = [self.conjunction()]
        while self._is_word("OR"):
            col = self.take()[2]
            if self.peek() is None or self._is_word("OR") or self.peek()[0] == "close":
                raise QueryError(
                    f"'OR' at column {col} needs a word after it",
                    hint="write: WTO OR 世贸",
                    position=col,
                    code="query.or_needs_word_after",
                    params={"column": col},
                )
            children.append(self.conjunction())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def conjunction(self):
        children = []
        while self.peek() is not None and self.peek()[0] != "close" and not self._is_word("OR"):
            if self._is_word("AND"):
                self._operator_needs_operand("AND")
                continue
            children.append(self.unary())
        if not children:
            token = self.peek()
            what = "'OR'" if token else "the end"
            col = token[2] if token else None
            raise QueryError(
                f"{what} has no word before it" + (f" (column {col})" if col else ""),
                hint="write: WTO OR 世贸",
                position=col,
                code="query.or_needs_word_before" if token else "query.no_word",
                params={"column": col} if token else {},
            )
        return children[0] if len(children) == 1 else And(tuple(children))

    def unary(self):
        kind, value, col = self.peek()
        if kind == "word" and value == "NOT":
            self._operator_needs_operand("NOT")
            return self._negated(col)
        if kind == "word" and value.startswith("-") and len(value) > 1:
            self.tokens[self.at] = ("word", value[1:], col + 1)
            return self._negated(col)
        if kind == "prefix":
            self.take()
            if value == "-":
                return self._negated(col)
            return self._scoped(value[:-1], col)
        return self.primary()

    def _negated(self, col):
        self._deeper(col)
        node = Not(self.unary())
        self.depth -= 1
        return node

    def _operator_needs_operand(self, name):
        col = self.take()[2]
        nxt = self.peek()
        if nxt is None or nxt[0] == "close" or (nxt[0] == "word" and nxt[1] in ("OR", "AND")):
            raise QueryError(
                f"'{name}' at column {col} needs a word after it",
                hint=f"write: 商务部 {name} 通知",
                position=col,
                code="query.operator_needs_word_after",
                params={"operator": name, "column": col},
            )

    def primary(self):
        kind, value, col = self.take()
        if kind == "phrase":
            return _phrase(value, None, col)
        if kind == "open":
            return self._group(col)
        if kind == "close":
            raise QueryError(
                f"unexpected ')' at column {col}",
                hint="remove it or add the matching '('",
                position=col,
                code="query.unexpected_close",
                params={"column": col},
            )
        match = _FIELD.match(value)
        if (
            match
            and not match.group(2).startswith("//")
            and (match.group(1).lower() in FIELDS or match.group(2))
        ):
            # field:value; a pasted URL (http://...) is a word, not a field
            return _field_term(match.group(1), match.group(2), col)
        if value == "NOT":
            raise QueryError(
                f"'{value}' at column {col} needs a word after it",
                hint="write: 商务部 NOT 通知",
                position=col,
                code="query.operator_needs_word_after",
                params={"operator": value, "column": col},
            )
        return Term(value)

    def _group(self, col):
        if self.peek() is None or self.peek()[0] == "close":
            raise QueryError(
                f"empty or unclosed '(' at column {col}",
                hint="write: (WTO OR 世贸) 商务部",
                position=col,
                code="query.empty_group",
                params={"column": col},
            )
        self._deeper(col)
        inner = self.expression()
        if self.peek() is None:
            raise QueryError(
                f"'(' at column {col} is not closed",
                hint="add the matching ')'",
                position=col,
                code="query.unclosed_group",
                params={"column": col},
            )
        self.take()
        self.depth -= 1
        return inner

    def _scoped(self, field, col):
        field = _known_field(field, col)
        if field in FILTERS:
            raise QueryError(
                f"'{field}:' takes a plain value, not a phrase or group",
                hint=f"write: {field}:{_EXAMPLES[field]}",
                position=col,
                code="query.filter_needs_plain_value",
                params={"field": field, "example": f"{field}:{_EXAMPLES[field]}"},
            )
        token = self.peek()
        if token is None:
            raise QueryError(
                f"'{field}:' at column {col} has no value",
                hint=f"write: {field}:{_EXAMPLES[field]}",
                position=col,
                code="query.field_needs_value",
                params={"field": field, "column": col, "example": f"{field}:{_EXAMPLES[field]}"},
            )
        return _rescope(self.unary(), field)

    def _is_word(self, word):
        token = self.peek()
        return token is not None and token[0] == "word" and token[1] == word


_EXAMPLES = {
    "title": "商务部",
    "zh": "通知",
    "en": "tariff",
    "site": "www.mofcom.gov.cn",
    "batch": "batch-003",
    "date": "2023 or date:2020-01-01..2023-06-30",
}


def _known_field(field, col):
    name = field.lower()
    if name not in FIELDS:
        raise QueryError(
            f"unknown field '{field}:' at column {col}",
            hint="known fields: " + ", ".join(f + ":" for f in FIELDS),
            position=col,
            code="query.unknown_field",
            params={
                "field": field,
                "column": col,
                "fields": ", ".join(f + ":" for f in FIELDS),
            },
        )
    return name


def _phrase(text, scope, col):
    if not text.strip():
        raise QueryError(
            f"empty phrase at column {col}",
            hint='put words between the quotes: "语言处理"',
            position=col,
            code="query.empty_phrase",
            params={"column": col},
        )
    return Phrase(text, scope)


def _field_term(field, value, col):
    field = _known_field(field, col)
    if not value:
        raise QueryError(
            f"'{field}:' at column {col} has no value",
            hint=f"write: {field}:{_EXAMPLES[field]}",
            position=col,
            code="query.field_needs_value",
            params={"field": field, "column": col, "example": f"{field}:{_EXAMPLES[field]}"},
        )
    if field == "date":
        return Filter("date", parse_date_filter(value, col))
    if field in FILTERS:
        return Filter(field, value.lower())
    return Term(value, field)


def _rescope(node, scope):
    if isinstance(node, (Term, Phrase)):
        return type(node)(node.text, scope)
    if isinstance(node, Not):
        return Not(_rescope(node.child, scope))
    if isinstance(node, (And, Or)):
        return type(node)(tuple(_rescope(c, scope) for c in node.children))
    return node


_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def parse_date_filter(value, col=None):
    """A DateRange from ``2023``, ``2023-01``, ``2023-01-05`` or ``a..b``."""
    if ".." in value:
        left, right = value.split("..", 1)
        if not left and not right:
            raise QueryError(
                "a date range needs at least one end",
                hint="write: date:2020..2023 or date:..2023-06-30",
                position=col,
                code="query.date_range_without_ends",
            )
        start = _date_bounds(left, col)[0] if left else None
        end = _date_bounds(right, col)[1] if right else None
        if start and end and start > end:
            raise QueryError(
                f"the date range {value} ends before it starts",
                hint="put the earlier date first",
                position=col,
                code="query.date_range_reversed",
                params={"range": value},
            )
        return DateRange(start, end)
    return DateRange(*_date_bounds(value, col))


def _date_bounds(text, col):
    match = _DATE.match(text)
    if not match:
        raise QueryError(
            f"'{text}' is not a date",
            hint="write YYYY, YYYY-MM or YYYY-MM-DD, e.g. date:2023-01",
            position=col,
            code="query.not_a_date",
            params={"text": text},
        )
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if month is None:
            return datetime(year, 1, 1), datetime(year, 12, 31, 23, 59, 59)
        last = calendar.monthrange(year, month)[1] if 1 <= month <= 12 else 0
        if day is None:
            return datetime(year, month, 1), datetime(year, month, last, 23, 59, 59)
        return datetime(year, month, day), datetime(year, month, day, 23, 59, 59)
    except ValueError:
        raise QueryError(
            f"'{text}' is not a real date",
            hint="check the month (1-12) and day",
            position=col,
            code="query.not_a_real_date",
            params={"text": text},
        ) from None


def positive_leaves(node):
    """Terms and phrases that a match must or may contain (not under NOT)."""
    if isinstance(node, (Term, Phrase)):
        yield node
    elif isinstance(node, (And, Or)):
        for child in node.children:
            yield from positive_leaves(child)
