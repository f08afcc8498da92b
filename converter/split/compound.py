"""Compound statements, whose bodies hold `;`: the statement heads that start one
(`ROUTINE_OBJECTS`, read with `converter.split.tokens.routine_object`) and which words open
a block inside a body (`opens_block`: BEGIN, CASE and, on MySQL, IF, LOOP, WHILE, REPEAT;
the `IF()`/`REPEAT()` functions are told apart). `Splitter._compound_end` walks the body.
"""

from __future__ import annotations

from sqlglot.tokens import Token, TokenType

from converter.split.tokens import SEMICOLON, keywords

# Compound statements: the statement heads whose bodies may hold `;`.
ROUTINE_OBJECTS = {
    "postgresql": {"CREATE": {"FUNCTION", "PROCEDURE", "RULE"}},
    "mysql": {"CREATE": {"PROCEDURE", "FUNCTION", "TRIGGER", "EVENT"}, "ALTER": {"EVENT"}},
    "sqlite": {"CREATE": {"TRIGGER"}},
}


MYSQL_END_SUFFIX = {"IF", "CASE", "LOOP", "WHILE", "REPEAT"}
# Words after which a MySQL compound body starts a new statement (so IF/REPEAT are statements).
MYSQL_STATEMENT_START = {";", "BEGIN", "THEN", "ELSE", "DO", "LOOP", "REPEAT", ":", "ROW"}


def opens_block(tokens: list[Token], i: int, word: str, prev: str, dialect: str) -> bool:
    if word == "CASE":
        return True
    if word == "BEGIN":
        if dialect == "postgresql":
            return keywords(tokens[i + 1 : i + 2], 1) == ("ATOMIC",)
        return True
    if dialect != "mysql":
        return False
    if word in ("LOOP", "WHILE"):
        return True
    if word in ("IF", "REPEAT") and prev in MYSQL_STATEMENT_START:
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is None or nxt.token_type is not TokenType.L_PAREN:
            return True
        # IF(a, b, c) is the function; IF (cond) THEN ... the statement
        return word == "IF" and top_level_commas(tokens, i + 1) != 2
    return False


def top_level_commas(tokens: list[Token], lparen: int) -> int:
    depth = commas = 0
    for t in tokens[lparen:]:
        tt = t.token_type
        if tt is TokenType.L_PAREN:
            depth += 1
        elif tt is TokenType.R_PAREN:
            depth -= 1
            if not depth:
                return commas
        elif tt is TokenType.COMMA and depth == 1:
            commas += 1
        elif tt is SEMICOLON:
            break
    return commas
