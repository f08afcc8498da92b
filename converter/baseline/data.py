"""The rows a baseline carries: which tables (`--baseline-data`), and their rows as INSERTs.

`--baseline-data` is a comma-separated list whose items are table names, glob patterns
(`ref_*`) or `max-rows:N` (every table holding 1 to N rows); a name or pattern that matches
no table is an error listing the tables. Rows are read in primary-key order (all columns
when there is none), generated columns left out, and written 100 rows per INSERT, tables in
foreign-key order. A chosen table whose rows reference a table that is not chosen is an
error naming both: the baseline would insert rows whose parents it never creates.
"""

from __future__ import annotations

import difflib
import fnmatch

import sqlalchemy as sa

from converter.baseline import sqlite
from converter.baseline.common import Reader
from converter.errors import UsageError
from converter.snapshot.model import DEFAULT_TRACKING_TABLES

ROWS_PER_INSERT = 100
MAX_ROWS = "max-rows:"


def user_tables(conn: sa.Connection) -> list[str]:
    """The tables of the default schema, without the migration tools' tracking tables."""
    names = set(sa.inspect(conn).get_table_names())
    if conn.dialect.name == "sqlite":  # a virtual table's own tables follow its rows
        names -= sqlite.shadow_tables(conn)
    return sorted(
        n for n in names if n not in DEFAULT_TRACKING_TABLES and not n.startswith("sqlite_")
    )


def choose_tables(conn: sa.Connection, spec: str | None) -> list[str]:
    """The tables whose rows the baseline carries, sorted."""
    if not spec or not spec.strip():
        return []
    tables = user_tables(conn)
    chosen: set[str] = set()
    for item in (i.strip() for i in spec.split(",")):
        if not item:
            continue
        if item.startswith(MAX_ROWS):
            limit = item.removeprefix(MAX_ROWS)
            if not limit.isdigit():
                raise UsageError(
                    f"--baseline-data {item}: the row limit is not a number",
                    hint="write it as max-rows:N, e.g. max-rows:1000",
                )
            chosen.update(t for t in tables if 0 < _count(conn, t) <= int(limit))
        elif any(c in item for c in "*?["):
            found = fnmatch.filter(tables, item)
            if not found:
                raise UsageError(
                    f"--baseline-data {item}: the pattern matches no table of the baseline",
                    hint="tables: " + ", ".join(tables),
                )
            chosen.update(found)
        elif item in tables:
            chosen.add(item)
        else:
            close = difflib.get_close_matches(item, tables, n=1)
            raise UsageError(
                f"--baseline-data {item}: no such table after the legacy migrations of the baseline"
                + (f" (did you mean {close[0]}?)" if close else ""),
                hint="tables: " + ", ".join(tables),
            )
    _check_references(conn, sorted(chosen))
    return sorted(chosen)


def _count(conn: sa.Connection, table: str) -> int:
    q = conn.dialect.identifier_preparer.quote(table)
    return int(conn.exec_driver_sql(f"SELECT COUNT(*) FROM {q}").scalar_one())


def _check_references(conn: sa.Connection, chosen: list[str]) -> None:
    inspector = sa.inspect(conn)
    quote = conn.dialect.identifier_preparer.quote
    for table in chosen:
        for fk in inspector.get_foreign_keys(table):
            parent = fk["referred_table"]
            if parent in chosen or fk.get("referred_schema") not in (
                None,
                inspector.default_schema_name,
            ):
                continue
            where = " AND ".join(f"{quote(c)} IS NOT NULL" for c in fk["constrained_columns"])
            n = conn.exec_driver_sql(
                f"SELECT COUNT(*) FROM {quote(table)} WHERE {where}"
            ).scalar_one()
            if n:
                raise UsageError(
                    f"--baseline-data: rows of {table} reference rows of {parent}, which is not "
                    f"chosen ({n} row(s) through {', '.join(fk['constrained_columns'])})",
                    hint=f"add {parent} to --baseline-data, or leave {table} out",
                )


def insert_statements(conn: sa.Connection, tables: list[str], reader: Reader) -> list[str]:
    """INSERT statements for every row of `tables`, parents before children."""
    if not tables:
        return []
    inspector = sa.inspect(conn)
    ordered = [
        t for t, _ in inspector.get_sorted_table_and_fkc_names() if t is not None and t in tables
    ]
    ordered += [t for t in tables if t not in ordered]
    statements: list[str] = []
    for table in ordered:
        columns = [c["name"] for c in inspector.get_columns(table) if not c.get("computed")]
        pk = inspector.get_pk_constraint(table).get("constrained_columns") or []
        rows = reader.rows(conn, table, columns, pk)
        head = reader.insert_head(conn, table, columns)
        for start in range(0, len(rows), ROWS_PER_INSERT):
            chunk = rows[start : start + ROWS_PER_INSERT]
            values = ",\n".join("    (" + ", ".join(r) + ")" for r in chunk)
            statements.append(f"{head} VALUES\n{values}")
    return statements
