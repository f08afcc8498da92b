"""Text the tokenizer leaves to the splitter: the comments between tokens
(`comment_spans`), the kind of literal or comment a tokenizer error stopped in
(`unterminated`), MySQL's executable `/*! ... */` comments (`conditional_comments`) and where
a custom delimiter stands outside strings and comments (`custom_delimiters`).
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_right

from sqlglot.tokens import Token, TokenType

from converter.split.tokens import OPAQUE


def match_end(pattern: re.Pattern[str], text: str, pos: int, endpos: int = sys.maxsize) -> int:
    """Where `pattern` stops matching at `pos`; for patterns that may match the empty
    string, and so always match."""
    m = pattern.match(text, pos, endpos)
    if m is None:
        raise ValueError(f"{pattern.pattern!r} must be able to match the empty string")
    return m.end()


MYSQL_CONDITIONAL_COMMENT = re.compile(r"/\*M?!")
DOLLAR_TAG = re.compile(r"\$[A-Za-z_\x80-\U0010ffff][\w\x80-\U0010ffff]*\$|\$\$")


WHITESPACE = re.compile(r"\s*")
# The rest of a string literal after its opening quote, up to and with its closing quote.
QUOTED_REST = re.compile(r"(?:[^']|'')*'")
QUOTED_REST_ESCAPES = re.compile(r"(?:[^'\\]|\\[\s\S]|'')*'")


def comment_spans(text: str, lo: int, hi: int, dialect: str) -> list[tuple[int, int]]:
    """Comments in text[lo:hi], a stretch the tokenizer found no token in (bar delimiters)."""
    spans: list[tuple[int, int]] = []
    i = lo
    while i < hi:
        i = match_end(WHITESPACE, text, i, hi)
        if i >= hi:
            break
        if text.startswith("--", i, hi) or (dialect == "mysql" and text[i] == "#"):
            j = text.find("\n", i, hi)
            j = hi if j < 0 else j
        elif text.startswith("/*", i, hi):
            j = block_comment_end(text, i, hi, dialect == "postgresql")
        else:
            i += 1  # a delimiter
            continue
        spans.append((i, j))
        i = j
    return spans


def joined(spans: list[tuple[int, int]], text: str) -> str:
    return "\n".join(text[s:e].rstrip() for s, e in spans)


def block_comment_end(text: str, i: int, hi: int, nested: bool) -> int:
    if not nested:
        j = text.find("*/", i + 2, hi)
        return hi if j < 0 else j + 2
    depth, j = 1, i + 2
    while depth:
        close = text.find("*/", j, hi)
        if close < 0:
            return hi
        opening = text.find("/*", j, close)
        if opening >= 0:
            depth, j = depth + 1, opening + 2
        else:
            depth, j = depth - 1, close + 2
    return j


def unterminated(text: str, pos: int, dialect: str) -> str | None:
    head = text[pos : pos + 2]
    if head == "/*":
        return "block comment /*"
    if head[:1] == "$":
        tag = DOLLAR_TAG.match(text, pos)
        return f"dollar-quoted string {tag[0] if tag else '$'}"
    if head[:1] == "'":
        return "string literal"
    if head[1:] == "'" and head[0] in "EeXxNnBbUu":
        # refused: never closed, or closed around what the prefix does not allow (X'zz')
        escapes = head[0] in "Ee" or dialect == "mysql"
        closed = (QUOTED_REST_ESCAPES if escapes else QUOTED_REST).match(text, pos + 2)
        return None if closed else "string literal"
    if head[:1] == '"':
        return "string literal" if dialect == "mysql" else 'quoted identifier "'
    if head[:1] in "`[":
        return f"quoted identifier {head[0]}"
    return None


def conditional_comments(text: str, tokens: list[Token]) -> list[Token]:
    """MySQL `/*!...*/`: executable, so they become tokens (type UNKNOWN) of statements."""
    starts = [t.start for t in tokens]
    extra: list[Token] = []
    for m in MYSQL_CONDITIONAL_COMMENT.finditer(text):
        pos = m.start()
        i = bisect_right(starts, pos) - 1
        if i >= 0 and pos <= tokens[i].end:
            continue  # inside a string
        lo = tokens[i].end + 1 if i >= 0 else 0
        hi = starts[i + 1] if i + 1 < len(tokens) else len(text)
        for s, e in comment_spans(text, lo, hi, "mysql"):
            if s == pos:
                line = tokens[i].line if i >= 0 else 1  # line/col only feed parser messages
                extra.append(Token(TokenType.UNKNOWN, text[s:e], line, 1, s, e - 1, []))
    if not extra:
        return tokens
    return sorted(tokens + extra, key=lambda t: t.start)


def custom_delimiters(
    text: str, tokens: list[Token], pattern: re.Pattern, dialect: str
) -> list[tuple[int, int]]:
    """Where the custom delimiter stands outside strings and comments."""
    starts = [t.start for t in tokens]
    found: list[tuple[int, int]] = []
    for m in pattern.finditer(text):
        ds, de = m.span(1)
        i = bisect_right(starts, ds) - 1
        if i >= 0 and ds <= tokens[i].end:
            if tokens[i].token_type in OPAQUE:
                continue
        else:
            lo = tokens[i].end + 1 if i >= 0 else 0
            hi = starts[i + 1] if i + 1 < len(tokens) else len(text)
            if any(s <= ds < e for s, e in comment_spans(text, lo, hi, dialect)):
                continue
        found.append((ds, de))
    return found
