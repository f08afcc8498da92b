"""The splitter's view of sqlglot tokens, shared with `converter.parse`: the tokenizer it
uses (`tokenizer_class`, `new_tokenizer`: every token with true offsets), the leading words
of a statement (`keywords`) and the object a CREATE/ALTER of a routine makes
(`routine_object`). `OPAQUE` tokens are data (strings, quoted names): never words.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from sqlglot.tokens import Token, Tokenizer, TokenType

from converter.dialects import database

SEMICOLON = TokenType.SEMICOLON
# Tokens whose text is data, not keywords: never read as words, never hold a delimiter.
OPAQUE = frozenset(
    {
        TokenType.STRING,
        TokenType.IDENTIFIER,
        TokenType.BIT_STRING,
        TokenType.HEX_STRING,
        TokenType.BYTE_STRING,
        TokenType.NATIONAL_STRING,
        TokenType.RAW_STRING,
        TokenType.NATIONAL_RAW_STRING,
        TokenType.HEREDOC_STRING,
        TokenType.UNICODE_STRING,
        TokenType.UNKNOWN,  # MySQL conditional comments (see _conditional_comments)
    }
)


ROUTINES = {"FUNCTION", "PROCEDURE", "TRIGGER", "EVENT", "RULE"}
HEADER_FILLER = {
    "OR", "REPLACE", "DEFINER", "=", "SQL SECURITY", "SQL", "SECURITY", "INVOKER",
    "AGGREGATE", "TEMP", "TEMPORARY", "CONSTRAINT", "NONEDITIONABLE",
}  # fmt: skip


@cache
def tokenizer_class(dialect: str) -> type:
    """The dialect's sqlglot Tokenizer with the "command" shortcut off.

    sqlglot turns everything after a leading SHOW/EXECUTE/RENAME/REPLACE/... into one STRING
    token whose start offset is wrong and which swallows custom delimiters; we want true tokens.
    """
    base = database(dialect).sqlglot.tokenizer_class
    return type(f"Split{base.__qualname__.replace('.', '')}", (base,), {"COMMANDS": set()})


def new_tokenizer(dialect: str) -> Tokenizer:
    return tokenizer_class(dialect)(dialect=database(dialect).sqlglot_name)


def keywords(tokens: Sequence[Token], n: int = 3) -> tuple[str, ...]:
    """The first `n` tokens as upper-case words; strings and quoted names give ""."""
    return tuple("" if t.token_type in OPAQUE else t.text.upper() for t in tokens[:n])


def routine_object(tokens: Sequence[Token]) -> str | None:
    """For `CREATE [OR REPLACE] [DEFINER=...] FUNCTION|PROCEDURE|TRIGGER|EVENT|RULE ...` (or
    ALTER ...), the object word; else None. `tokens` starts at the statement's first token."""
    if not tokens or keywords(tokens, 1)[0] not in ("CREATE", "ALTER"):
        return None
    definer = False
    for t in tokens[1:24]:
        if t.token_type is SEMICOLON:
            return None
        word = "" if t.token_type in OPAQUE else t.text.upper()
        if word in ROUTINES:
            return word
        if word == "DEFINER":
            definer = True
        elif not (definer or word in HEADER_FILLER or t.token_type in OPAQUE):
            return None
    return None
