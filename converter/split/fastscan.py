"""The fast data scan: regexes that find where data statements (INSERT, UPDATE, DELETE,
REPLACE) end without sqlglot's tokenizer, which is slow on megabytes of rows. `FastScan`
holds a dialect's regexes (`fast_scan`); `Splitter._fast_segment` drives them and hands
anything they cannot vouch for to the tokenizer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from converter.split.lexical import match_end

DATA_HEAD = re.compile(r"(?:INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


@dataclass(frozen=True)
class FastScan:
    """Regexes that find where statements end without sqlglot's tokenizer.

    They agree with the tokenizer on what they match: string literals, quoted names and
    comments are skipped exactly as the dialect's tokenizer skips them. What they do not
    match (backslashes outside strings, `$`, `#`, `{`, PostgreSQL backslashes in strings
    and nested comments, SQLite `[names]`, MySQL `--` without a space) stops them, and the
    caller falls back to tokenizing.
    """

    gap: re.Pattern  # whitespace, comments and empty statements between two statements
    body: re.Pattern  # statement text up to (not including) its `;`, data statements
    any_body: re.Pattern  # the same for any statement (PostgreSQL: dollar quotes too)
    head: re.Pattern = DATA_HEAD
    line_comment: str = "--"

    def skip_gap(self, text: str, pos: int) -> int:
        """Where the next statement starts at or after `pos` (len(text) when none does)."""
        return match_end(self.gap, text, pos)

    def data_statement(self, text: str, start: int) -> tuple[int, int] | None:
        """(end of its text, position of its `;` or len(text)) for the data statement at
        `start`, or None when the regexes cannot vouch for it."""
        semi = match_end(self.body, text, start)
        if semi < len(text) and text[semi] != ";":
            return None
        end = semi
        while end > start and text[end - 1].isspace():
            end -= 1
        if text.startswith("*/", end - 2):
            return None  # ends with a comment: leave the text's end to the tokenizer
        line = text[max(text.rfind("\n", start, end) + 1, start) : end]
        if self.line_comment in line:
            return None  # maybe a trailing `--` comment (or `--` in a string): tokenize
        return end, semi

    def statement_end(self, text: str, start: int) -> int | None:
        """Position of the first `;` after `start` outside strings, names and comments
        (len(text) when there is none), or None when the regexes cannot tell."""
        semi = match_end(self.any_body, text, start)
        if semi < len(text) and text[semi] != ";":
            return None
        return semi


@cache
def fast_scan(dialect: str) -> FastScan:
    """The dialect's regexes (see `FastScan`); they mirror sqlglot's tokenizer settings."""
    # A quote right after a letter may open a prefixed literal (E'', U&'', X'', N"") that
    # the tokenizer reads with other rules: only the valid X'', B'' and N'' are matched.
    q = r"(?<![A-Za-z&])"
    if dialect == "postgresql":
        plain = r"[^'\"\-/;\\$#{}xXbBnN]++"
        lit = r"'[^'\\]*(?:''[^'\\]*)*'"  # a backslash (E'' escapes) stops the scan
        names = q + r'"[^"]*(?:""[^"]*)*"'
        comments = r"--[^\n\r]*|/\*(?:[^*/]+|\*(?!/)|/(?!\*))*+\*/"  # nested: stop
        minus = r"-(?!-)"
        dollar = r"(?<![\w$])\$(?P<tag>[A-Za-z_\x80-\U0010ffff][\w\x80-\U0010ffff]*)?\$[\s\S]*?\$(?P=tag)\$"
        gap_comments = comments
        strings = q + lit
    elif dialect == "mysql":
        plain = r"[^'\"`\-/;\\#{}xXbBnN]++"
        # a backslash escapes any character (the tokenizer drops unknown escapes)
        lit = r"'(?:[^'\\]+|\\[\s\S]|'')*+'"
        strings = q + lit + "|" + q + r'"(?:[^"\\]+|\\[\s\S]|"")*+"'
        names = r"`[^`]*(?:``[^`]*)*`"
        dash = r"--(?=[\s\x00-\x1f\x7f]|\Z)[^\n]*"  # `--` needs a space after it
        comments = dash + r"|/\*[\s\S]*?\*/"
        gap_comments = dash + r"|/\*(?!!|M!)[\s\S]*?\*/"  # /*!...*/ is a statement
        minus = r"-(?!-(?=[\s\x00-\x1f\x7f]|\Z))"
        dollar = None
    else:
        plain = r"[^'\"`\-/;\\$#{}\[xXbBnN]++"
        lit = r"'[^']*(?:''[^']*)*'"  # '' is the only escape
        strings = q + lit
        names = q + r'"[^"]*(?:""[^"]*)*"|`[^`]*(?:``[^`]*)*`'
        comments = r"--[^\n]*|/\*[\s\S]*?\*/"
        gap_comments = comments
        minus = r"-(?!-)"
        dollar = None
    prefixed = r"(?<![\w$])(?:[xX]'[0-9A-Fa-f]*'|[bB]'[01]*'|[nN]" + lit + ")"
    letters = r"[xXbBnN](?![\'\"])"  # not a prefix: plain text (plain stops before them)
    parts = [plain, letters, strings, prefixed, names, comments, minus, r"/(?!\*)"]
    body = "(?:" + "|".join(parts) + ")*+"
    any_body = "(?:" + "|".join(parts + ([dollar] if dollar else [])) + ")*+"
    return FastScan(
        gap=re.compile(r"(?:\s+|" + gap_comments + r"|;)*+"),
        body=re.compile(body),
        any_body=re.compile(any_body),
    )
