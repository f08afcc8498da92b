"""What the per-database readers of a baseline share: the SQL they return, and how a list of
statements becomes one script the converter's splitter reads back statement by statement."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Protocol

import sqlalchemy as sa


@dataclass
class SchemaText:
    """A database's schema as SQL statements: `up` builds it (in an order that builds),
    `after_data` finishes it once the rows are in (triggers, which must not fire on them;
    PostgreSQL's constraints and indexes, as pg_dump restores), `down` drops all of it (in
    reverse dependency order)."""

    up: list[str] = field(default_factory=list)
    after_data: list[str] = field(default_factory=list)
    down: list[str] = field(default_factory=list)


class Reader(Protocol):
    """The per-database module (`postgresql`, `mysql`, `sqlite` of this package)."""

    def read_schema(self, conn: sa.Connection, url: str) -> SchemaText: ...

    def counters(self, conn: sa.Connection) -> list[str]: ...

    def rows(
        self, conn: sa.Connection, table: str, columns: list[str], order: list[str]
    ) -> list[list[str]]: ...

    def insert_head(self, conn: sa.Connection, table: str, columns: list[str]) -> str: ...

    def script(self, statements: list[str]) -> str: ...


def reader_for(dialect: str) -> Reader:
    module: ModuleType = importlib.import_module(f"converter.baseline.{dialect}")
    return module  # type: ignore[return-value]


def quote(conn: sa.Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def sql_string(text: str) -> str:
    """A standard SQL string literal (quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def select_rows(
    conn: sa.Connection,
    table: str,
    columns: list[str],
    order: list[str],
    literal: Callable[[object], str],
) -> list[list[str]]:
    """A table's rows in a stable order (`order`, else every column), each value as the SQL
    literal `literal` writes for this database."""
    cols = ", ".join(quote(conn, c) for c in columns)
    by = ", ".join(quote(conn, c) for c in order) or ", ".join(
        str(i + 1) for i in range(len(columns))
    )
    result = conn.exec_driver_sql(f"SELECT {cols} FROM {quote(conn, table)} ORDER BY {by}")
    return [[literal(v) for v in row] for row in result]


def insert_head(conn: sa.Connection, table: str, columns: list[str]) -> str:
    return f"INSERT INTO {quote(conn, table)} ({', '.join(quote(conn, c) for c in columns)})"


def plain_script(statements: list[str]) -> str:
    """Statements joined as one script, each ended by `;` on its own line's end."""
    return "".join(s.rstrip().rstrip(";").rstrip() + ";\n\n" for s in statements)
