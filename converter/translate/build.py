"""Operations: the model (`converter.translate.model`) turned into Alembic's own operation
objects (`ops.CreateTableOp` with `sa.Column`s and `sa.*Constraint`s, `ops.AlterColumnOp`,
...), expressions as `sa.text` of their exact original text.

Stands on SQLAlchemy, Alembic's `ops` and `converter.types.to_sqlalchemy`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic.operations import ops
from sqlalchemy.sql.elements import TextClause
from sqlglot import exp

from converter.translate.model import (
    SERIAL_TYPES,
    Action,
    AddColumn,
    AddConstraint,
    Check,
    Column,
    ColumnComment,
    CreateIndex,
    CreateTable,
    DropColumn,
    DropConstraint,
    DropIndex,
    DropTable,
    ForeignKey,
    IndexElement,
    Refused,
    RenameColumn,
    RenameTable,
    SetDefault,
    SetNullable,
    SetType,
    TableComment,
    Unique,
)
from converter.types import to_sqlalchemy


def _schema_table(table: tuple[str | None, str]) -> dict:
    return {"schema": table[0]} if table[0] else {}


def _flag(value: bool) -> bool | None:
    return True if value else None


def _sa_type(spelling: str, dtype: exp.DataType | None, dialect: str) -> sa.types.TypeEngine:
    type_ = to_sqlalchemy(dtype, dialect, spelling) if dtype is not None else None
    if type_ is None:
        raise Refused(f"type {spelling!r} has no exact SQLAlchemy equivalent on {dialect}")
    return type_


def _sa_column(col: Column, dialect: str, in_pk: bool) -> sa.Column:
    if col.nullable == "unsaid":
        raise Refused(
            f"MySQL TIMESTAMP column {col.name!r} without NULL/NOT NULL (server-dependent)"
        )
    serial = dialect == "postgresql" and col.type.name in SERIAL_TYPES
    if serial and not in_pk:
        raise Refused(
            f"SERIAL column {col.name!r} outside the primary key would become a plain integer"
        )
    type_ = _sa_type(col.spelling, col.dtype, dialect)
    args: list = [sa.Identity(**col.identity)] if col.identity is not None else []
    kw: dict = {"nullable": col.nullable}
    if col.default is not None:
        kw["server_default"] = sa.text(col.default.text)
    if isinstance(type_, sa.Integer) and col.identity is None and (in_pk or col.autoincrement):
        # say it: SQLAlchemy would otherwise make an integer primary key SERIAL/AUTO_INCREMENT
        kw["autoincrement"] = serial or col.autoincrement
    if col.comment is not None:
        kw["comment"] = col.comment
    return sa.Column(col.name, type_, *args, **kw)


def _colspec(table: tuple[str | None, str], column: str) -> str:
    return ".".join([*([table[0]] if table[0] else []), table[1], column])


def _sa_constraint(c: Unique | ForeignKey | Check):
    if isinstance(c, Unique):
        return sa.UniqueConstraint(*c.columns, name=c.name)
    if isinstance(c, ForeignKey):
        refs = [_colspec(c.ref_table, col) for col in c.ref_columns]
        return sa.ForeignKeyConstraint(c.columns, refs, name=c.name, **c.options)
    return sa.CheckConstraint(c.expression.text, name=c.name)


def _create_table(t: CreateTable, dialect: str) -> ops.MigrateOperation:
    pk = t.primary_key.columns if t.primary_key else []
    items: list = [_sa_column(c, dialect, c.name in pk) for c in t.columns]
    if t.primary_key:
        items.append(sa.PrimaryKeyConstraint(*pk, name=t.primary_key.name))
    constraints: list[Unique | ForeignKey | Check] = [*t.uniques, *t.foreign_keys, *t.checks]
    items.extend(_sa_constraint(c) for c in constraints)
    kw: dict = {}
    opts = t.options
    for prefix in ("mysql", "mariadb"):  # SQLAlchemy's MariaDB dialect reads only mariadb_*
        if opts.engine is not None:
            kw[f"{prefix}_engine"] = opts.engine
        if opts.charset is not None:
            kw[f"{prefix}_default_charset" if opts.charset_default else f"{prefix}_charset"] = (
                opts.charset
            )
        if opts.collate is not None:
            kw[f"{prefix}_collate"] = opts.collate
    if opts.comment is not None:
        kw["comment"] = opts.comment
    return ops.CreateTableOp(
        t.table[1], items, **_schema_table(t.table), if_not_exists=_flag(t.if_not_exists), **kw
    )


def _add_constraint(a: AddConstraint) -> ops.MigrateOperation:
    c, (schema, table) = a.constraint, a.table
    if isinstance(c, Unique):
        return ops.CreateUniqueConstraintOp(c.name, table, c.columns, schema=schema)
    if isinstance(c, ForeignKey):
        return ops.CreateForeignKeyOp(
            c.name, table, c.ref_table[1], c.columns, c.ref_columns,
            source_schema=schema, referent_schema=c.ref_table[0], **c.options,
        )  # fmt: skip
    return ops.CreateCheckConstraintOp(c.name, table, c.expression.text, schema=schema)


def _index_column(e: IndexElement) -> str | TextClause:
    if e.column is not None:
        return e.column
    if e.expression is None:
        raise Refused("an index element that is neither a column nor an expression")
    return sa.text(e.expression.text)


def _create_index(i: CreateIndex, dialect: str) -> ops.MigrateOperation:
    columns = [_index_column(e) for e in i.elements]
    kw: dict = {}
    if i.where is not None:
        kw[f"{dialect}_where"] = sa.text(i.where.text)
    if i.using is not None:
        kw["postgresql_using"] = i.using
    return ops.CreateIndexOp(
        i.name, i.table[1], columns, **_schema_table(i.table),
        unique=i.unique, if_not_exists=_flag(i.if_not_exists), **kw,
    )  # fmt: skip


def build_operation(action: Action, dialect: str) -> ops.MigrateOperation:
    a = action
    if isinstance(a, CreateTable):
        return _create_table(a, dialect)
    if isinstance(a, CreateIndex):
        return _create_index(a, dialect)
    if isinstance(a, AddConstraint):
        return _add_constraint(a)
    table = getattr(a, "table", None)  # DropIndex.table is a name, not (schema, name)
    schema = _schema_table(table) if isinstance(table, tuple) else {}
    if isinstance(a, DropTable):
        return ops.DropTableOp(a.table[1], **schema, if_exists=_flag(a.if_exists))
    if isinstance(a, AddColumn):
        column = _sa_column(a.column, dialect, False)
        return ops.AddColumnOp(a.table[1], column, **schema, if_not_exists=_flag(a.if_not_exists))
    if isinstance(a, DropColumn):
        return ops.DropColumnOp(a.table[1], a.column, **schema, if_exists=_flag(a.if_exists))
    if isinstance(a, SetNullable):
        return ops.AlterColumnOp(a.table[1], a.column, **schema, modify_nullable=a.nullable)
    if isinstance(a, SetDefault):
        default = sa.text(a.default.text) if a.default is not None else None
        return ops.AlterColumnOp(a.table[1], a.column, **schema, modify_server_default=default)
    if isinstance(a, SetType):
        type_ = _sa_type(a.spelling, a.dtype, dialect)
        return ops.AlterColumnOp(a.table[1], a.column, **schema, modify_type=type_)
    if isinstance(a, RenameTable):
        return ops.RenameTableOp(a.table[1], a.new_name, **schema)
    if isinstance(a, RenameColumn):
        return ops.AlterColumnOp(a.table[1], a.column, **schema, modify_name=a.new_name)
    if isinstance(a, DropConstraint):
        return ops.DropConstraintOp(a.name, a.table[1], type_=a.type, **schema)
    if isinstance(a, DropIndex):
        return ops.DropIndexOp(
            a.name, table_name=a.table, schema=a.schema, if_exists=_flag(a.if_exists)
        )
    if isinstance(a, TableComment):
        if a.comment is None:
            return ops.DropTableCommentOp(a.table[1], **schema)
        return ops.CreateTableCommentOp(a.table[1], a.comment, **schema)
    if isinstance(a, ColumnComment):
        return ops.AlterColumnOp(a.table[1], a.column, **schema, modify_comment=a.comment)
    raise Refused(f"no operation for {type(a).__name__}")
