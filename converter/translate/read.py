"""Reading one statement's sqlglot tree (and its text) into the model: `TreeReader`.

`TreeReader.describe` sends each statement kind to its reader: CREATE TABLE (`read_table`),
ALTER TABLE (`read_alter`), and here CREATE INDEX, DROP TABLE / INDEX and PostgreSQL
COMMENT ON. `schema_facts` is what a statement does to the schema, as the proof compares it.
"""

from __future__ import annotations

import logging

from sqlglot import exp

from converter.dialects import sqlglot_dialect
from converter.translate.model import (
    Action,
    ColumnComment,
    CreateIndex,
    DropIndex,
    DropTable,
    IndexElement,
    Refused,
    TableComment,
    as_facts,
)
from converter.translate.read_alter import AlterReader
from converter.translate.read_base import expect, only
from converter.translate.spans import Source, index_parts

log = logging.getLogger(__name__)


class TreeReader(AlterReader):
    """Reads one statement's tree (and its text) into Actions."""

    # statements -------------------------------------------------------------------------
    def describe(self, expr: exp.Expression) -> list[Action]:
        if isinstance(expr, exp.Create) and expr.args.get("kind") == "TABLE":
            if self.d == "sqlite":
                raise Refused(
                    "SQLite CREATE TABLE stays verbatim: declared type names decide affinity"
                )
            return [self.create_table(expr)]
        if isinstance(expr, exp.Create) and expr.args.get("kind") == "INDEX":
            return [self.create_index(expr)]
        if isinstance(expr, exp.Drop) and expr.args.get("kind") in ("TABLE", "INDEX"):
            return [self.drop(expr)]
        if isinstance(expr, exp.Alter) and expr.args.get("kind") == "TABLE":
            return self.alter(expr)
        if isinstance(expr, exp.Comment) and self.d == "postgresql":
            return [self.comment(expr)]
        raise Refused(f"{type(expr).__name__} statements are not translated")

    # CREATE INDEX / DROP -------------------------------------------------------------------
    def create_index(self, expr: exp.Create) -> CreateIndex:
        only(expr, "this", "kind", "unique", "exists")
        index = expect(expr.this, exp.Index)
        only(index, "this", "table", "params")
        params = expect(index.args.get("params"), exp.IndexParameters)
        only(params, "using", "columns", "where")
        if index.this is None:
            raise Refused("an index without a name")
        spans, where_span = index_parts(self.src)
        columns = params.args.get("columns") or []
        if len(spans) != len(columns) or not columns:
            raise Refused("the index column list does not match the tree")
        using = params.args.get("using")
        if using is not None and self.d != "postgresql":
            raise Refused("an index method outside PostgreSQL")
        where = params.args.get("where")
        if where is not None and self.d == "mysql":
            raise Refused("a partial index on MySQL")
        if where is not None and where_span is None:
            raise Refused("WHERE not found in the text")
        return CreateIndex(
            table=self.table(index.args["table"]),
            name=self.name(index.this),
            unique=bool(expr.args.get("unique")),
            elements=[self.index_element(o, s) for o, s in zip(columns, spans, strict=True)],
            where=self.text(where_span, expect(where, exp.Where).this)
            if where is not None and where_span is not None
            else None,
            using=expect(using, exp.Var, exp.Identifier).name.lower()
            if using is not None
            else None,
            if_not_exists=bool(expr.args.get("exists")),
        )

    def index_element(self, node, span: tuple[int, int]) -> IndexElement:
        ordered = expect(node, exp.Ordered)
        only(ordered, "this", "desc", "nulls_first")
        if span[1] - span[0] == 1 and isinstance(ordered.this, exp.Column):
            return IndexElement(self.name(ordered.this), None)
        if self.d == "mysql":
            # `email(191)` (a prefix) parses as a function call; functional indexes need (( ))
            raise Refused("a MySQL index part that is not a plain column")
        return IndexElement(None, self.text(span, ordered, check=False))

    def drop(self, expr: exp.Drop) -> Action:
        only(expr, "kind", "tables", "exists", "cluster")
        tables = expr.args.get("tables") or []
        if len(tables) != 1:
            raise Refused("DROP of several objects")
        exists = bool(expr.args.get("exists"))
        if expr.args["kind"] == "TABLE":
            only(expr, "kind", "tables", "exists")
            return DropTable(self.table(tables[0]), exists)
        schema, name = self.table(tables[0])
        on = expr.args.get("cluster")
        if (on is not None) != (self.d == "mysql"):
            raise Refused("DROP INDEX ... ON outside MySQL, or MySQL DROP INDEX without ON")
        table = None
        if on is not None:
            on_schema, table = self.table(expect(on, exp.OnProperty).this)
            if on_schema != schema and schema is not None:
                raise Refused("DROP INDEX with two schemas")
            schema = schema or on_schema
        return DropIndex(schema, name, table, exists)

    # COMMENT ON -------------------------------------------------------------------------------
    def comment(self, expr: exp.Comment) -> Action:
        only(expr, "this", "kind", "expression")
        comment = self.literal_string(expr.expression)
        if expr.args.get("kind") == "TABLE":
            return TableComment(self.table(expr.this), comment)
        if expr.args.get("kind") == "COLUMN":
            col = expect(expr.this, exp.Column)
            only(col, "this", "table", "db")
            if col.args.get("table") is None:
                raise Refused("COMMENT ON COLUMN without a table")
            schema = self.name(col.args["db"]) if col.args.get("db") else None
            return ColumnComment(
                (schema, self.name(col.args["table"])), self.name(col.this), comment
            )
        raise Refused(f"COMMENT ON {expr.args.get('kind')}")


def _describe(expr: exp.Expression, dialect: str, text: str) -> list[Action]:
    return TreeReader(dialect, Source(text, dialect)).describe(expr)


def schema_facts(expr: exp.Expression, dialect: str, text: str | None = None) -> list[dict] | None:
    """What a DDL statement does to the schema, normalised for comparison; None if unknown.

    One dict per schema change (an ALTER TABLE with three actions gives three). `text` is
    the statement as written; without it the text is regenerated from the tree, which
    loses spellings sqlglot folds (give it whenever you have it).
    """
    if text is None:
        text = expr.sql(dialect=sqlglot_dialect(dialect))
    try:
        return [as_facts(a) for a in _describe(expr, dialect, text)]
    except Refused as exc:
        log.debug("no schema facts: %s", exc)
        return None
