"""Reading sqlglot trees, the common part: `NodeReader` reads names, table names, string
literals and expressions kept as written (`Text`), and the helpers below refuse any tree
argument a reader does not understand.

The readers of each statement kind build on it: `read_table` (CREATE TABLE, columns and
constraints), `read_alter` (ALTER TABLE) and `read` (the rest, and the entry `TreeReader`).
"""

from __future__ import annotations

import re

import sqlglot
from sqlalchemy.sql.elements import TextClause
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError

from converter.dialects import sqlglot_dialect
from converter.translate.model import Refused, Text
from converter.translate.spans import Source

# sa.text() turns `:name` into a bind parameter and eats `\:`; `%` is doubled or not depending
# on the driver. Text carrying any of them is kept verbatim instead.
BIND_PARAM = TextClause._bind_params_regex
UNSAFE_TEXT = re.compile(r"[%\\]")
UNSAFE_NAME = re.compile(r"[.%:\\\"`'\x00]")


def is_empty(value) -> bool:
    """Nothing said: None, False, "", [] or the IndexParameters sqlglot attaches to every key
    (an IndexParameters saying INCLUDE, WITH (...) or USING is not empty)."""
    if value is None or value is False or value == "" or value == []:
        return True
    return isinstance(value, exp.IndexParameters) and all(is_empty(v) for v in value.args.values())


def only(node: exp.Expression, *allowed: str) -> None:
    """Refuse when the node says anything beyond the allowed arguments."""
    extra = [k for k, v in node.args.items() if k not in allowed and not is_empty(v)]
    if extra:
        raise Refused(f"{type(node).__name__} with {', '.join(extra)}")


def expect(node, *types):
    if not isinstance(node, types):
        raise Refused(f"unexpected {type(node).__name__}")
    return node


class NodeReader:
    """Reads the parts every statement has: names, table names, string literals, texts."""

    def __init__(self, dialect: str, src: Source) -> None:
        self.d = dialect
        self.sg = sqlglot_dialect(dialect)
        self.src = src

    # names --------------------------------------------------------------------------
    def name(self, node) -> str:
        if isinstance(node, exp.Column):
            only(node, "this")
            node = node.this
        ident = expect(node, exp.Identifier)
        name = ident.this
        if not ident.args.get("quoted") and self.d == "postgresql":
            name = name.lower()
        if not name or UNSAFE_NAME.search(name):
            raise Refused(f"identifier {name!r}")
        return name

    def table(self, node) -> tuple[str | None, str]:
        table = expect(node, exp.Table)
        only(table, "this", "db")
        db = table.args.get("db")
        return (self.name(db) if db else None, self.name(table.this))

    def literal_string(self, node) -> str | None:
        if isinstance(node, exp.Null):
            return None
        lit = expect(node, exp.Literal)
        if not lit.is_string or UNSAFE_TEXT.search(lit.this):
            raise Refused("comment that is not a plain string")
        return lit.this

    # text -----------------------------------------------------------------------------
    def text(self, span: tuple[int, int], node: exp.Expression, check: bool = True) -> Text:
        raw = self.src.slice(*span)
        if BIND_PARAM.search(raw) or UNSAFE_TEXT.search(raw):
            raise Refused(f"text {raw!r} holds ':name', '%' or a backslash")
        if check:
            try:
                again = sqlglot.parse_one(raw, read=self.sg, error_level=ErrorLevel.RAISE)
            except SqlglotError as exc:
                raise Refused(f"cannot isolate {raw!r}") from exc
            if again != node:
                raise Refused(f"the text {raw!r} is not the whole expression")
        return Text(sql=node.sql(dialect=self.sg), words=self.src.words(*span), text=raw)
