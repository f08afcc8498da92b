"""The source text of a statement: its tokens, and the token spans of its parts.

sqlglot's trees keep no positions, and regenerating an expression from a tree changes its
spelling. `Source` holds a statement's text and tokens to slice the exact original text of
any part; the functions below find the spans of a column definition (its type, DEFAULT and
CHECK bodies), of the elements of a CREATE TABLE, of the actions of an ALTER TABLE and of the
parts of a CREATE INDEX, at bracket depth 0. Any surprise raises `Refused`.

Stands on sqlglot's tokenizer (through `converter.dialects`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlglot import exp
from sqlglot.errors import ErrorLevel, ParseError, SqlglotError
from sqlglot.tokens import Token, Tokenizer, TokenType

from converter.dialects import sqlglot_dialect
from converter.translate.model import Refused

# Words that end a column's type and start one of its constraints (at nesting depth 0).
COLUMN_STARTERS = frozenset(
    "NOT NULL DEFAULT PRIMARY UNIQUE REFERENCES CHECK CONSTRAINT COLLATE GENERATED "
    "AUTO_INCREMENT AUTOINCREMENT COMMENT ON AS IDENTITY KEY CHARSET INVISIBLE VISIBLE "
    "STORAGE COLUMN_FORMAT ENGINE_ATTRIBUTE SECONDARY_ENGINE_ATTRIBUTE SRID COMPRESSION "
    "FIRST AFTER SERIAL".split()
)
STRINGISH = frozenset(
    getattr(TokenType, name)
    for name in (
        "STRING", "IDENTIFIER", "NATIONAL_STRING", "BYTE_STRING", "HEREDOC_STRING",
        "BIT_STRING", "HEX_STRING", "RAW_STRING", "UNICODE_STRING",
    )
    if hasattr(TokenType, name)
)  # fmt: skip
# Column constraints that may appear once (the model keeps one value for each).


OPEN = frozenset({TokenType.L_PAREN, TokenType.L_BRACKET})
CLOSE = frozenset({TokenType.R_PAREN, TokenType.R_BRACKET})


_TOKENIZERS = threading.local()


def _tokenizer(dialect: str) -> Tokenizer:
    """One tokenizer per dialect and thread (a tokenizer resets itself on every call, but
    building one costs as much as tokenizing a statement)."""
    found = getattr(_TOKENIZERS, dialect, None)
    if found is None:
        found = sqlglot_dialect(dialect).tokenizer()
        setattr(_TOKENIZERS, dialect, found)
    return found


def tokenize(text: str, dialect: str) -> list[Token]:
    try:
        return _tokenizer(dialect).tokenize(text)
    except SqlglotError as exc:
        raise Refused(f"cannot tokenize: {exc}") from exc


def parse_one(text: str, dialect: str, tokens: list[Token]) -> exp.Expression:
    """`sqlglot.parse_one(text, read=dialect, error_level=RAISE)`, from the text's tokens."""
    result = sqlglot_dialect(dialect).parser(error_level=ErrorLevel.RAISE).parse(tokens, text)
    if not result or result[0] is None:
        raise ParseError(f"No expression was parsed from {text!r}")
    tree = exp.Block(expressions=result) if len(result) > 1 else result[0]
    if not isinstance(tree, exp.Expression):  # sqlglot types its nodes by their base, Expr
        raise ParseError(f"No expression tree was parsed from {text!r}")
    return tree


def same_tokens(a: Sequence[Token], b: Sequence[Token]) -> bool:
    """The same token types and texts, trailing semicolons aside: the parser, which reads
    only those (positions and comments aside), gives the same tree for both."""

    def significant(tokens: Sequence[Token]) -> Sequence[Token]:
        end = len(tokens)
        while end and tokens[end - 1].token_type == TokenType.SEMICOLON:
            end -= 1
        return tokens[:end]

    a, b = significant(a), significant(b)
    return len(a) == len(b) and all(
        x.token_type == y.token_type and x.text == y.text for x, y in zip(a, b, strict=True)
    )


class Source:
    """A statement's text and tokens, to slice the exact original text of any part."""

    def __init__(self, text: str, dialect: str, tokens: list[Token] | None = None) -> None:
        """`tokens`: the text's own tokenization, when the caller has it already."""
        self.text = text
        if tokens is None:
            tokens = tokenize(text, dialect)
        self.tokens = list(tokens)
        while self.tokens and self.tokens[-1].token_type == TokenType.SEMICOLON:
            self.tokens.pop()  # a caller's text may keep its terminator: never part of a slice

    def word(self, i: int) -> str:
        """Token i upper-cased (one space between the words of `PRIMARY KEY`), or "" for
        strings, quoted identifiers and past the end."""
        if i >= len(self.tokens) or self.tokens[i].token_type in STRINGISH:
            return ""
        return " ".join(self.tokens[i].text.upper().split())

    def slice(self, i: int, j: int) -> str:
        if i >= j:
            raise Refused("an empty part where an expression or type was expected")
        return self.text[self.tokens[i].start : self.tokens[j - 1].end + 1]

    def words(self, i: int, j: int) -> str:
        """Tokens i..j-1 as written, joined by single spaces (layout-independent)."""
        return " ".join(self.text[t.start : t.end + 1] for t in self.tokens[i:j])

    def top(self, i: int, j: int) -> Iterator[int]:
        """Indexes in [i, j) at nesting depth 0 (opening and closing brackets included)."""
        depth = 0
        for k in range(i, j):
            kind = self.tokens[k].token_type
            if kind in CLOSE:
                depth -= 1
            if depth == 0:
                yield k
            if kind in OPEN:
                depth += 1

    def close(self, i: int) -> int:
        """Index of the bracket closing the one at i."""
        depth = 0
        for k in range(i, len(self.tokens)):
            kind = self.tokens[k].token_type
            depth += (kind in OPEN) - (kind in CLOSE)
            if depth == 0:
                return k
        raise Refused("unbalanced parentheses")

    def split(self, i: int, j: int) -> list[tuple[int, int]]:
        """[i, j) cut at the commas of depth 0."""
        parts, start = [], i
        for k in self.top(i, j):
            if self.tokens[k].token_type == TokenType.COMMA:
                parts.append((start, k))
                start = k + 1
        parts.append((start, j))
        return parts

    def find(self, i: int, j: int, *words: str) -> int | None:
        return next((k for k in self.top(i, j) if self.word(k) in words), None)


@dataclass
class ColumnSpan:
    type_text: str
    defaults: list[tuple[int, int]]
    checks: list[tuple[int, int]]


def _starts_constraint(src: Source, k: int) -> bool:
    word = src.word(k).partition(" ")[0]
    return word in COLUMN_STARTERS or (word == "CHARACTER" and src.word(k + 1) == "SET")


def column_span(src: Source, i: int, j: int) -> ColumnSpan:
    """Column definition tokens [i, j): name, type, then constraints."""
    type_end = next((k for k in src.top(i + 2, j) if _starts_constraint(src, k)), j)
    defaults, checks = [], []
    for k in src.top(type_end, j):
        if src.word(k) == "DEFAULT" and src.word(k - 1) != "BY":  # not GENERATED BY DEFAULT
            end = next((m for m in src.top(k + 2, j) if _starts_constraint(src, m)), j)
            defaults.append((k + 1, end))
        elif src.word(k) == "CHECK":
            checks.append(paren_body(src, k + 1))
    return ColumnSpan(src.slice(i + 1, type_end), defaults, checks)


def paren_body(src: Source, k: int) -> tuple[int, int]:
    if k >= len(src.tokens) or src.tokens[k].token_type != TokenType.L_PAREN:
        raise Refused("CHECK without a parenthesised condition")
    return k + 1, src.close(k)


def table_elements(src: Source) -> list[tuple[int, int]]:
    start = next(
        (k for k in src.top(0, len(src.tokens)) if src.tokens[k].token_type == TokenType.L_PAREN),
        None,
    )
    if start is None:
        raise Refused("CREATE TABLE without a column list")
    return src.split(start + 1, src.close(start))


def alter_actions(src: Source) -> list[tuple[int, int]]:
    k = 2  # ALTER TABLE <name>
    while k + 1 < len(src.tokens) and src.tokens[k + 1].token_type == TokenType.DOT:
        k += 2
    return src.split(k + 1, len(src.tokens))


def skip_words(src: Source, i: int, *sequences: tuple[str, ...]) -> int:
    for seq in sequences:
        if tuple(src.word(i + n) for n in range(len(seq))) == seq:
            i += len(seq)
    return i


def index_parts(src: Source) -> tuple[list[tuple[int, int]], tuple[int, int] | None]:
    n = len(src.tokens)
    on = next((k for k in src.top(0, n) if src.tokens[k].token_type == TokenType.ON), None)
    start = None
    if on is not None:
        start = next(
            (k for k in src.top(on, n) if src.tokens[k].token_type == TokenType.L_PAREN), None
        )
    if start is None:
        raise Refused("CREATE INDEX without a column list")
    end = src.close(start)
    where = None
    if end + 1 < n:
        if src.word(end + 1) != "WHERE":
            raise Refused(f"CREATE INDEX clause {src.word(end + 1)!r} after the column list")
        where = (end + 2, n)
    return src.split(start + 1, end), where
