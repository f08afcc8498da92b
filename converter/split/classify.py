"""What kind of statement a split statement is, from its leading words: transaction control
(`statement_kind` gives `StatementKind.TRANSACTION`) and statements a transaction block
refuses (`no_transaction`). Text inside strings and comments never counts: the words come
from tokens (`converter.split.tokens.keywords`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot.tokens import Token, TokenType

from converter.split.statement import StatementKind


def statement_kind(words: tuple[str, ...], toks: Sequence[Token], dialect: str) -> StatementKind:
    w = words + ("",) * 4
    first, second = w[0], w[1]
    dialect = dialect
    tx = False
    if first == "BEGIN":
        tx = not (dialect == "mysql" and second == "NOT")
    elif first == "START":
        tx = second == "TRANSACTION"
    elif first == "COMMIT":
        tx = second != "PREPARED"
    elif first == "END":
        tx = dialect in ("postgresql", "sqlite")
    elif first == "ABORT":
        tx = dialect == "postgresql"
    elif first == "ROLLBACK":
        tx = "TO" not in w[1:4] and second != "PREPARED"
    elif first == "SET" and dialect == "mysql":
        tx = _sets_autocommit(words, toks)
    return StatementKind.TRANSACTION if tx else StatementKind.SQL


def no_transaction(words: tuple[str, ...], dialect: str) -> bool:
    w = words + ("",) * 6
    first = w[0]
    if dialect == "sqlite":
        return first == "VACUUM" or (
            first == "PRAGMA" and _pragma_name(w) in ("FOREIGN_KEYS", "JOURNAL_MODE")
        )
    if dialect != "postgresql":
        return False
    if first == "VACUUM":
        return True
    if first == "REINDEX":
        return "CONCURRENTLY" in w[1:6] or bool({"DATABASE", "SYSTEM"} & set(w[1:5]))
    pair = (first, w[1])
    if pair in {("ALTER", "SYSTEM"), ("CREATE", "DATABASE"), ("DROP", "DATABASE"),
                ("CREATE", "TABLESPACE"), ("DROP", "TABLESPACE")}:  # fmt: skip
        return True
    if first == "CREATE":
        rest = w[2:4] if w[1] == "UNIQUE" else w[1:3]
        return rest == ("INDEX", "CONCURRENTLY")
    if first == "DROP":
        return w[1:3] == ("INDEX", "CONCURRENTLY")
    if first == "REFRESH":
        return w[1:4] == ("MATERIALIZED", "VIEW", "CONCURRENTLY")
    return False


def _sets_autocommit(words: tuple[str, ...], toks: Sequence[Token]) -> bool:
    """MySQL `SET [SESSION|LOCAL|@@[session.]]autocommit = 0|1` alone."""
    if "AUTOCOMMIT" not in words or "GLOBAL" in words or "PERSIST" in words:
        return False
    return not any(t.token_type is TokenType.COMMA for t in toks)


def _pragma_name(words: tuple[str, ...]) -> str:
    # PRAGMA [schema.]name ...
    return words[3] if words[2] == "." else words[1]
