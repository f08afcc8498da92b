"""Reading CREATE TABLE: the table, its columns (type, NULL, DEFAULT, identity, inline
constraints) and its table constraints, strictly (anything not understood is `Refused`).

`TableReader` builds on `NodeReader` (`read_base`); ALTER TABLE reuses its column and
constraint reading (`read_alter`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqlglot import exp

from converter.translate.model import (
    SERIAL_TYPES,
    Check,
    Column,
    CreateTable,
    ForeignKey,
    PrimaryKey,
    Refused,
    TableOptions,
    Unique,
)
from converter.translate.read_base import NodeReader, expect, only
from converter.translate.spans import column_span, paren_body, table_elements
from converter.types import type_key

FK_OPTION = re.compile(r"^ON (DELETE|UPDATE) (CASCADE|SET NULL|SET DEFAULT|RESTRICT|NO ACTION)$")
FK_FLAGS = {
    "DEFERRABLE": ("deferrable", True),
    "NOT DEFERRABLE": ("deferrable", False),
    "INITIALLY DEFERRED": ("initially", "DEFERRED"),
    "INITIALLY IMMEDIATE": ("initially", "IMMEDIATE"),
}


SINGLE_COLUMN_CONSTRAINTS = frozenset({
    exp.NotNullColumnConstraint, exp.DefaultColumnConstraint, exp.CommentColumnConstraint,
    exp.AutoIncrementColumnConstraint, exp.GeneratedAsIdentityColumnConstraint,
})  # fmt: skip


def _canonical_order(constraints: list, dialect: str) -> list:
    """Named constraints by name (their order changes nothing), then the unnamed ones as
    written (servers number or name those in order: MySQL `t_ibfk_1`, MariaDB `CONSTRAINT_1`).
    MySQL/MariaDB keep every one in declaration order: each UNIQUE and each foreign key's
    implicit index is created in that order and `SHOW CREATE TABLE` lists them so."""
    if dialect == "mysql":
        return list(constraints)
    named = sorted((c for c in constraints if c.name is not None), key=lambda c: c.name)
    return named + [c for c in constraints if c.name is None]


def _next(spans: Iterator[tuple[int, int]], what: str) -> tuple[int, int]:
    span = next(spans, None)
    if span is None:
        raise Refused(f"{what} not found in the text")
    return span


class TableReader(NodeReader):
    """Reads CREATE TABLE, and the columns and constraints ALTER TABLE adds."""

    def create_table(self, expr: exp.Create) -> CreateTable:
        only(expr, "this", "kind", "exists", "properties")
        schema = expect(expr.this, exp.Schema)
        only(schema, "this", "expressions")
        elements = table_elements(self.src)
        if len(elements) != len(schema.expressions):
            raise Refused("the column list does not match the tree")
        t = CreateTable(
            table=self.table(schema.this),
            if_not_exists=bool(expr.args.get("exists")),
            columns=[],
            primary_key=None,
            uniques=[],
            foreign_keys=[],
            checks=[],
            options=self.table_options(expr.args.get("properties")),
        )
        for node, span in zip(schema.expressions, elements, strict=True):
            if isinstance(node, exp.ColumnDef):
                t.columns.append(self.column(node, span, t))
            else:
                self.table_constraint(node, span, t)
        if not t.columns:
            raise Refused("a table without columns")
        pk = set(t.primary_key.columns) if t.primary_key else set()
        for col in t.columns:
            col.nullable = self.nullable(col, col.name in pk)
        for constraints in (t.uniques, t.foreign_keys, t.checks):
            constraints[:] = _canonical_order(constraints, self.d)
        if self.d == "mysql" and t.primary_key is not None:
            for u in t.uniques:
                if sorted(u.columns) == sorted(t.primary_key.columns):
                    # MariaDB folds a UNIQUE that repeats the primary key into it (one
                    # index), MySQL keeps both: a rule the translation does not model
                    raise Refused("a UNIQUE on the primary key's columns")
        return t

    def table_options(self, props) -> TableOptions:
        out = TableOptions()
        if props is None:
            return out
        if self.d != "mysql":
            raise Refused("table properties")
        for prop in expect(props, exp.Properties).expressions:
            if isinstance(prop, exp.EngineProperty):
                only(prop, "this")
                out.engine = expect(prop.this, exp.Var, exp.Identifier).name
            elif isinstance(prop, exp.CharacterSetProperty):
                only(prop, "this", "default")
                out.charset = expect(prop.this, exp.Var, exp.Identifier).name
                out.charset_default = bool(prop.args.get("default"))
            elif isinstance(prop, exp.CollateProperty):
                only(prop, "this")
                out.collate = expect(prop.this, exp.Var, exp.Identifier).name
            elif isinstance(prop, exp.SchemaCommentProperty):
                out.comment = self.literal_string(prop.this)
            else:
                raise Refused(f"table option {type(prop).__name__}")
        return out

    def nullable(self, col: Column, in_pk: bool) -> bool | str:
        serial = self.d == "postgresql" and (
            col.identity is not None or col.type.name in SERIAL_TYPES
        )
        if col.said_null is False or in_pk or serial:
            return False
        if col.said_null is None and self.d == "mysql" and col.type.name == "TIMESTAMP":
            return "unsaid"
        return True

    def column(
        self, node: exp.ColumnDef, span: tuple[int, int], table: CreateTable | None
    ) -> Column:
        only(node, "this", "kind", "constraints", *(("exists",) if table is None else ()))
        dtype = expect(node.args.get("kind"), exp.DataType)
        cspan = column_span(self.src, *span)
        col = Column(
            name=self.name(node.this),
            type=type_key(cspan.type_text, self.d),
            nullable=True,
            spelling=cspan.type_text,
            dtype=dtype,
        )
        defaults, checks = iter(cspan.defaults), iter(cspan.checks)
        seen: set[type] = set()
        for cc in node.args.get("constraints") or []:
            cc = expect(cc, exp.ColumnConstraint)
            only(cc, "this", "kind")
            name = self.name(cc.this) if cc.this else None
            kind = cc.args["kind"]
            if name is not None and table is None:
                raise Refused("a named constraint in ADD COLUMN")
            if type(kind) in seen and type(kind) in SINGLE_COLUMN_CONSTRAINTS:
                # `DEFAULT 1 DEFAULT 2`, `NULL NOT NULL`: an error on the server, not the last one
                raise Refused(f"{type(kind).__name__} twice on column {col.name!r}")
            seen.add(type(kind))
            if isinstance(kind, exp.NotNullColumnConstraint):
                only(kind, "allow_null")
                col.said_null = bool(kind.args.get("allow_null"))
            elif isinstance(kind, exp.DefaultColumnConstraint):
                only(kind, "this")
                col.default = self.text(_next(defaults, "DEFAULT"), kind.this)
            elif isinstance(kind, exp.CommentColumnConstraint) and self.d == "mysql":
                col.comment = self.literal_string(kind.this)
            elif isinstance(kind, exp.AutoIncrementColumnConstraint) and self.d == "mysql":
                col.autoincrement = True
            elif (
                isinstance(kind, exp.GeneratedAsIdentityColumnConstraint) and self.d == "postgresql"
            ):
                col.identity = self.identity(kind)
            elif table is None:
                raise Refused(f"{type(kind).__name__} in ADD COLUMN")
            else:
                self.inline_constraint(kind, name, col, table, checks)
        if next(defaults, None) is not None or next(checks, None) is not None:
            raise Refused(f"column {col.name!r} says DEFAULT or CHECK more often than the tree")
        return col

    def identity(self, kind: exp.GeneratedAsIdentityColumnConstraint) -> dict:
        only(kind, "this", "start", "increment", "minvalue", "maxvalue", "cycle")
        out: dict = {"always": bool(kind.this)}
        for key in ("start", "increment", "minvalue", "maxvalue"):
            if kind.args.get(key) is not None:
                out[key] = self.integer(kind.args[key])
        if kind.args.get("cycle") is not None:
            out["cycle"] = bool(kind.args["cycle"])
        return out

    def integer(self, node) -> int:
        sign = 1
        if isinstance(node, exp.Neg):
            sign, node = -1, node.this
        lit = expect(node, exp.Literal)
        if lit.is_string or not lit.this.isdigit():
            raise Refused("a non-integer sequence option")
        return sign * int(lit.this)

    def inline_constraint(self, kind, name, col: Column, t: CreateTable, checks) -> None:
        if isinstance(kind, exp.PrimaryKeyColumnConstraint):
            only(kind)
            self.set_pk(t, PrimaryKey(name, [col.name]))
        elif isinstance(kind, exp.UniqueColumnConstraint):
            only(kind)
            if name is not None and self.d == "mysql":
                raise Refused("a named inline UNIQUE on MySQL")
            t.uniques.append(Unique(name, [col.name]))
        elif isinstance(kind, exp.Reference) and self.d == "postgresql":
            t.foreign_keys.append(self.reference(kind, name, [col.name]))
        elif isinstance(kind, exp.CheckColumnConstraint) and self.d == "postgresql":
            check = self.check(kind, _next(checks, "CHECK"), name)
            refs = {self.name(c) for c in kind.this.find_all(exp.Column)}
            if name is None and refs != {col.name}:
                # PostgreSQL names an unnamed column CHECK after its column, a table CHECK
                # after the first column it mentions: equal only when that is the column.
                raise Refused("an unnamed column CHECK that mentions other columns")
            t.checks.append(check)
        else:
            raise Refused(f"column constraint {type(kind).__name__} on {self.d}")

    def set_pk(self, t: CreateTable, pk: PrimaryKey) -> None:
        if t.primary_key is not None:
            raise Refused("two primary keys")
        t.primary_key = pk

    def table_constraint(self, node, span: tuple[int, int], t: CreateTable) -> None:
        name = None
        if isinstance(node, exp.Constraint):
            only(node, "this", "expressions")
            if len(node.expressions) != 1:
                raise Refused("a constraint with several parts")
            name, node = self.name(node.this), node.expressions[0]
        constraint = self.constraint(node, name, span)
        if isinstance(constraint, PrimaryKey):
            self.set_pk(t, constraint)
        elif isinstance(constraint, Unique):
            t.uniques.append(constraint)
        elif isinstance(constraint, ForeignKey):
            t.foreign_keys.append(constraint)
        else:
            t.checks.append(constraint)

    def constraint(self, node, name: str | None, span: tuple[int, int]):
        if isinstance(node, exp.PrimaryKey):
            only(node, "expressions")
            return PrimaryKey(name, [self.name(c) for c in node.expressions])
        if isinstance(node, exp.UniqueColumnConstraint):
            only(node, "this")
            cols = expect(node.this, exp.Schema)
            only(cols, "this", "expressions")
            if cols.this is not None:  # MySQL UNIQUE KEY name (cols)
                if name is not None:
                    raise Refused("a unique constraint named twice")
                name = self.name(cols.this)
            return Unique(name, [self.name(c) for c in cols.expressions])
        if isinstance(node, exp.ForeignKey):
            only(node, "expressions", "reference")
            return self.reference(
                node.args["reference"], name, [self.name(c) for c in node.expressions]
            )
        if isinstance(node, exp.CheckColumnConstraint):
            k = self.src.find(*span, "CHECK")
            if k is None:
                raise Refused("CHECK not found in the text")
            return self.check(node, paren_body(self.src, k + 1), name)
        raise Refused(f"table element {type(node).__name__}")

    def check(
        self, node: exp.CheckColumnConstraint, span: tuple[int, int], name: str | None
    ) -> Check:
        only(node, "this")
        return Check(name, self.text(span, node.this))

    def reference(self, ref, name: str | None, columns: list[str]) -> ForeignKey:
        ref = expect(ref, exp.Reference)
        only(ref, "this", "options")
        target = expect(ref.this, exp.Schema)
        only(target, "this", "expressions")
        ref_columns = [self.name(c) for c in target.expressions]
        if len(ref_columns) != len(columns):
            raise Refused("REFERENCES without the referenced columns")
        options: dict = {}
        for raw in ref.args.get("options") or []:
            if not isinstance(raw, str):
                raise Refused("foreign key option")
            text = " ".join(raw.upper().split())
            m = FK_OPTION.match(text)
            key, value = (
                ("on" + m.group(1).lower(), m.group(2)) if m else FK_FLAGS.get(text, (None, None))
            )
            if key is None or key in options:
                raise Refused(f"foreign key option {raw!r}")
            options[key] = value
        return ForeignKey(name, columns, self.table(target.this), ref_columns, options)
