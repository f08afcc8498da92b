"""MySQL/MariaDB: a baseline from the server's own `SHOW CREATE ...` statements.

Tables (with their options: engine, charset, collation, comments, partitioning) in
foreign-key order; when foreign keys form a cycle, the tables are created with
`FOREIGN_KEY_CHECKS` off and it is turned back on after them. Then functions and procedures,
views in dependency order (a view naming another comes after it), and after the rows
(which they must not fire on) triggers in firing order.
Removed from the server's text: DEFINER clauses (who built the scratch database) and the
scratch database's name, which MySQL writes into view definitions, and `AUTO_INCREMENT=N`,
which is set after the rows instead (`ALTER TABLE ... AUTO_INCREMENT = N`). Routines and
triggers are written between `DELIMITER ;;` lines, as mysqldump does. MariaDB sequences come
first (a default may call NEXTVAL) and are set as mysqldump sets them (`SETVAL(s,
next_not_cached_value, 0)`); events come last.

Down: events, triggers and views (reverse order), routines, tables in reverse foreign-key
order, sequences.
Rows: strings holding a backslash or NUL are written as `CONVERT(X'..' USING ...)`, so they
read back the same whatever the session's NO_BACKSLASH_ESCAPES says.
"""

from __future__ import annotations

import datetime
import decimal
import re

import sqlalchemy as sa

from converter.baseline.common import SchemaText, quote, select_rows, sql_string
from converter.baseline.common import insert_head as insert_head  # this reader's (Reader)

_DEFINER = re.compile(r"\s+DEFINER\s*=\s*(`[^`]*`|'[^']*'|\w+)@(`[^`]*`|'[^']*'|[\w.%-]+)", re.I)
_AUTO_INCREMENT = re.compile(r" AUTO_INCREMENT=(\d+)")
_COMPOUND = re.compile(r"^CREATE\s+(.*?\s)?(PROCEDURE|FUNCTION|TRIGGER|EVENT)\s", re.I | re.S)


def _names(conn: sa.Connection, sql: str) -> list[tuple]:
    return [tuple(r) for r in conn.exec_driver_sql(sql)]


def read_schema(conn: sa.Connection, url: str) -> SchemaText:
    database = conn.exec_driver_sql("SELECT DATABASE()").scalar_one()
    unqualified = re.compile(f"(`{re.escape(database)}`|{re.escape(database)})\\.(?=`)")

    def clean(text: str) -> str:
        return unqualified.sub("", _DEFINER.sub("", text, count=1))

    sequences = _names(
        conn,
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
        "AND TABLE_TYPE = 'SEQUENCE' ORDER BY TABLE_NAME",
    )
    events = _names(
        conn,
        "SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE() "
        "ORDER BY EVENT_NAME",
    )
    inspector = sa.inspect(conn)
    ordered = inspector.get_sorted_table_and_fkc_names()
    tables = [t for t, _ in ordered if t is not None]
    cyclic = any(t is None and fks for t, fks in ordered)
    schema = SchemaText()
    for (name,) in sequences:  # MariaDB: a table's default may call NEXTVAL of one
        text = conn.exec_driver_sql(f"SHOW CREATE SEQUENCE {quote(conn, name)}").one()[1]
        schema.up.append(unqualified.sub("", text))
    if cyclic:
        schema.up.append("SET FOREIGN_KEY_CHECKS = 0")
    for t in tables:
        text = conn.exec_driver_sql(f"SHOW CREATE TABLE {quote(conn, t)}").one()[1]
        schema.up.append(_AUTO_INCREMENT.sub("", clean(text)))
    if cyclic:
        schema.up.append("SET FOREIGN_KEY_CHECKS = 1")
    routines = _names(
        conn,
        "SELECT ROUTINE_TYPE, ROUTINE_NAME FROM information_schema.ROUTINES "
        "WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY ROUTINE_TYPE, ROUTINE_NAME",
    )
    for kind, name in routines:
        text = conn.exec_driver_sql(f"SHOW CREATE {kind} {quote(conn, name)}").one()[2]
        schema.up.append(clean(text))
    views = _view_order(conn, [v for v in inspector.get_view_names()], clean)
    schema.up.extend(text for _, text in views)
    triggers = _names(
        conn,
        "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() "
        "ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER",
    )
    for (name,) in triggers:
        text = conn.exec_driver_sql(f"SHOW CREATE TRIGGER {quote(conn, name)}").one()[2]
        schema.after_data.append(clean(text))

    for (name,) in events:
        text = conn.exec_driver_sql(f"SHOW CREATE EVENT {quote(conn, name)}").one()[3]
        schema.after_data.append(clean(text))

    schema.down.extend(f"DROP EVENT {quote(conn, n)}" for (n,) in reversed(events))
    schema.down.extend(f"DROP TRIGGER {quote(conn, n)}" for (n,) in reversed(triggers))
    schema.down.extend(f"DROP VIEW {quote(conn, n)}" for n, _ in reversed(views))
    schema.down.extend(f"DROP {k} {quote(conn, n)}" for k, n in reversed(routines))
    if cyclic:
        schema.down.append("SET FOREIGN_KEY_CHECKS = 0")
    schema.down.extend(f"DROP TABLE {quote(conn, t)}" for t in reversed(tables))
    if cyclic:
        schema.down.append("SET FOREIGN_KEY_CHECKS = 1")
    schema.down.extend(f"DROP SEQUENCE {quote(conn, n)}" for (n,) in reversed(sequences))
    return schema


def _view_order(conn: sa.Connection, names: list[str], clean) -> list[tuple[str, str]]:
    """Views with their DDL, each after the views it names (ties by name)."""
    texts = {
        n: clean(conn.exec_driver_sql(f"SHOW CREATE VIEW {quote(conn, n)}").one()[1])
        for n in sorted(names)
    }
    needs = {n: {m for m in texts if m != n and quote(conn, m) in texts[n]} for n in texts}
    out: list[tuple[str, str]] = []
    done: set[str] = set()
    while len(done) < len(texts):
        ready = [n for n in texts if n not in done and needs[n] <= done]
        if not ready:  # a cycle cannot exist between views; names in strings can fake one
            ready = [min(n for n in texts if n not in done)]
        for n in ready:
            done.add(n)
            out.append((n, texts[n]))
    return out


def counters(conn: sa.Connection) -> list[str]:
    out = []
    sequences = _names(
        conn,
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
        "AND TABLE_TYPE = 'SEQUENCE' ORDER BY TABLE_NAME",
    )
    for (name,) in sequences:  # what mysqldump writes: the next value not cached yet
        q = quote(conn, name)
        value = conn.exec_driver_sql(f"SELECT next_not_cached_value FROM {q}").scalar_one()
        out.append(f"SELECT SETVAL({q}, {int(value)}, 0)")
    for t in sorted(sa.inspect(conn).get_table_names()):
        text = conn.exec_driver_sql(f"SHOW CREATE TABLE {quote(conn, t)}").one()[1]
        m = _AUTO_INCREMENT.search(text)
        if m:
            out.append(f"ALTER TABLE {quote(conn, t)} AUTO_INCREMENT = {m.group(1)}")
    return out


def rows(conn: sa.Connection, table: str, columns: list[str], order: list[str]) -> list[list[str]]:
    return select_rows(conn, table, columns, order, literal)


def literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | decimal.Decimal):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "X'" + bytes(value).hex().upper() + "'"
    if isinstance(value, datetime.timedelta):  # TIME
        sign = "-" if value < datetime.timedelta(0) else ""
        total = abs(value)
        seconds = total.days * 86400 + total.seconds
        text = f"{sign}{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        return sql_string(text + (f".{total.microseconds:06d}" if total.microseconds else ""))
    if isinstance(value, datetime.date | datetime.datetime):
        return sql_string(str(value))
    if isinstance(value, set):
        value = ",".join(sorted(value))
    text = str(value)
    if "\\" in text or "\0" in text:
        return f"CONVERT(X'{text.encode('utf-8').hex().upper()}' USING utf8mb4)"
    return sql_string(text)


def script(statements: list[str]) -> str:
    parts = []
    for s in statements:
        s = s.rstrip().rstrip(";").rstrip()
        if _COMPOUND.match(s):
            parts.append(f"DELIMITER ;;\n{s};;\nDELIMITER ;\n\n")
        else:
            parts.append(f"{s};\n\n")
    return "".join(parts)
