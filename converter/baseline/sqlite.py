"""SQLite: a baseline from `sqlite_master`, the DDL text SQLite stores for every object.

Tables first, then indexes, views and (after the rows) triggers, each kind in creation
order (rowid): a table
rebuilt by a later migration (create, copy, drop, rename) sorts after the views that read
it, and SQLite checks a view's tables only when it is used, a trigger's table when it is
created. The automatic indexes of UNIQUE and PRIMARY KEY (no SQL) come with their tables, the shadow
tables of a virtual table (FTS5, R*Tree) with it.
Down: views, then tables, each in reverse creation order (indexes and triggers go with
their tables). Counters: `sqlite_sequence` rows set to the scratch database's values.
"""

from __future__ import annotations

import sqlalchemy as sa

from converter.baseline.common import SchemaText, plain_script, quote, select_rows, sql_string
from converter.baseline.common import insert_head as insert_head  # this reader's (Reader)

KIND_ORDER = ("table", "index", "view", "trigger")


def shadow_tables(conn: sa.Connection) -> set[str]:
    """The tables a virtual table (FTS5, R*Tree) keeps for itself: it creates them."""
    try:
        rows = conn.exec_driver_sql("PRAGMA main.table_list").all()
    except sa.exc.DBAPIError:  # SQLite before 3.37 has no table_list
        return set()
    return {r[1] for r in rows if r[2] == "shadow"}


def read_schema(conn: sa.Connection, url: str) -> SchemaText:
    shadows = shadow_tables(conn)
    rows = [
        r
        for r in conn.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master "
            "WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid"
        )
        if r[1] not in shadows
    ]
    schema = SchemaText()
    for kind in KIND_ORDER:
        into = schema.after_data if kind == "trigger" else schema.up
        into.extend(sql for type_, _, sql in rows if type_ == kind)
    for kind in ("view", "table"):
        for type_, name, _ in reversed(rows):
            if type_ == kind:
                schema.down.append(f"DROP {kind.upper()} {quote(conn, name)}")
    return schema


def counters(conn: sa.Connection) -> list[str]:
    has = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"
    ).first()
    if has is None:
        return []
    out = []
    for name, seq in conn.exec_driver_sql("SELECT name, seq FROM sqlite_sequence ORDER BY name"):
        out.append(f"DELETE FROM sqlite_sequence WHERE name = {sql_string(name)}")
        out.append(
            f"INSERT INTO sqlite_sequence (name, seq) VALUES ({sql_string(name)}, {int(seq)})"
        )
    return out


def rows(conn: sa.Connection, table: str, columns: list[str], order: list[str]) -> list[list[str]]:
    return select_rows(conn, table, columns, order, literal)


def literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN: SQLite stores it as NULL
            return "NULL"
        if abs(value) == float("inf"):
            return "9e999" if value > 0 else "-9e999"
        return repr(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "X'" + bytes(value).hex().upper() + "'"
    return sql_string(str(value))


def script(statements: list[str]) -> str:
    return plain_script(statements)
