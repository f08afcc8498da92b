"""SQLite: sqlite_master and the table-valued PRAGMA functions, and signatures.

One query each reads every `sqlite_master` SQL text (whitespace normalised), `PRAGMA
table_xinfo` declared types (INT PRIMARY KEY is not a rowid alias, INTEGER PRIMARY KEY is),
`PRAGMA foreign_key_list` (SQLAlchemy misses ON DELETE of an inline REFERENCES),
`PRAGMA index_list/index_xinfo` (including the automatic indexes of inline UNIQUE, so
SQLAlchemy's index reflection is not asked for), WITHOUT ROWID and STRICT, views and
triggers. For `Snapshotter`, a table's schema signature is the SQL text of it, of its indexes
and of the tables it refers to, and its content signature its rows as `quote()` text. Its
database signature (verify) is every `sqlite_master` row and every table's rows as text.

Stands on `converter.snapshot.impl` (the shared implementation it overrides) and `.facts`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from converter.snapshot.digest import DataItem
from converter.snapshot.facts import (
    UNKNOWN_TYPE,
    WHITESPACE,
    drop_empty,
    fk_facts,
    fk_key,
    keyed,
    normalise_sql,
)
from converter.snapshot.impl import CatalogReader, SnapshotImpl
from converter.snapshot.model import Excluder

SQLITE_MASTER = "SELECT type, name, tbl_name, sql FROM sqlite_master"

SQLITE_XINFO = """
SELECT m.name AS table_name, p.name, p.type, p.hidden
FROM sqlite_master AS m JOIN pragma_table_xinfo(m.name) AS p WHERE m.type = 'table' {only}
"""

SQLITE_FOREIGN_KEYS = """
SELECT m.name AS table_name, p.id, p.seq, p."table" AS referred_table, p."from" AS column,
       p."to" AS referred_column, p.on_update, p.on_delete, p."match"
FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS p WHERE m.type = 'table' {only}
ORDER BY m.name, p.id, p.seq
"""

SQLITE_INDEXES = """
SELECT m.name AS table_name, il.name, il."unique", il.origin, il.partial,
       ix.seqno, ix.name AS column, ix."desc", ix.coll
FROM sqlite_master AS m JOIN pragma_index_list(m.name) AS il
JOIN pragma_index_xinfo(il.name) AS ix
WHERE m.type = 'table' AND ix."key" = 1 {only}
ORDER BY m.name, il.name, ix.seqno
"""

SQLITE_TABLE_LIST = (
    "SELECT name, wr, strict FROM pragma_table_list AS m WHERE schema = 'main' {only}"
)

SQLITE_INDEX_ORIGINS = {"c": None, "u": "unique constraint", "pk": "primary key"}


def _sqlite_extras(r: CatalogReader) -> None:
    master = r.rows_once(SQLITE_MASTER)
    sql_by_name = {(row["type"], row["name"]): normalise_sql(row["sql"]) for row in master}
    for key, table in r.tables.items():
        table["sql"] = sql_by_name.get(("table", key))
    if r.tables:  # the reflected ones: the PRAGMAs read only those
        _sqlite_declared_types(r, _sqlite_rows(r, SQLITE_XINFO))
        _sqlite_foreign_keys(r, _sqlite_rows(r, SQLITE_FOREIGN_KEYS))
        _sqlite_indexes(r, _sqlite_rows(r, SQLITE_INDEXES), sql_by_name)
        _sqlite_table_flags(r)
    for row in master:
        if row["type"] == "view":
            r.objects["views"][row["name"]] = {"sql": normalise_sql(row["sql"])}
        elif row["type"] == "trigger" and not r.excluder.table(None, row["tbl_name"]):
            r.objects["triggers"][row["name"]] = {
                "table": row["tbl_name"],
                "sql": normalise_sql(row["sql"]),
            }


def _sqlite_rows(r: CatalogReader, sql: str) -> list[sa.RowMapping]:
    """A PRAGMA query over the reflected tables only (all of them: no filter)."""
    if len(r.tables) == len(r.known):
        return r.rows(sql.format(only=""))
    names: sa.BindParameter[list[str]] = sa.bindparam("names", sorted(r.tables), expanding=True)
    query = sa.text(sql.format(only="AND m.name IN :names")).bindparams(names)
    return list(r.conn.execute(query).mappings())


def _squash_type(text: str | None) -> str:
    return WHITESPACE.sub("", text or "").upper()


def _sqlite_declared_types(r: CatalogReader, rows: list[sa.RowMapping]) -> None:
    """SQLite keeps the declared type text, and it matters (INT PRIMARY KEY is not a rowid
    alias, INTEGER PRIMARY KEY is): recorded where SQLAlchemy's type reads differently."""
    for row in rows:
        table = r.table_for(None, row["table_name"])
        if table is None or row["name"] not in table["columns"]:
            continue
        column = table["columns"][row["name"]]
        if column["type"] == UNKNOWN_TYPE and row["type"]:
            column["type"] = row["type"]
        elif _squash_type(row["type"]) != _squash_type(column["type"]):
            column["declared_type"] = row["type"]
        if row["hidden"] == 1:
            column["hidden"] = True


def _sqlite_foreign_keys(r: CatalogReader, rows: list[sa.RowMapping]) -> None:
    """Rebuild each table's foreign keys from PRAGMA foreign_key_list (the truth on SQLite:
    SQLAlchemy misses ON DELETE of an inline REFERENCES), keeping the constraint names,
    DEFERRABLE and implicit referred columns that SQLAlchemy parsed from the SQL."""
    groups: dict[tuple[str, int], list[sa.RowMapping]] = defaultdict(list)
    for row in rows:
        groups[(row["table_name"], row["id"])].append(row)
    rebuilt: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (table_name, _), group in sorted(groups.items()):
        if r.table_for(None, table_name) is None:
            continue
        columns = [g["column"] for g in group]
        parsed = _matching_fk(
            r.reflected_fks.get(table_name, []), columns, group[0]["referred_table"]
        )
        referred = [g["referred_column"] for g in group]
        if any(c is None for c in referred):  # REFERENCES t without columns: t's primary key
            referred = parsed.get("referred_columns", referred)
        options = dict(parsed.get("options") or {})
        options.update(
            ondelete=group[0]["on_delete"], onupdate=group[0]["on_update"], match=group[0]["match"]
        )
        rebuilt[table_name].append(
            {
                "name": parsed.get("name"),
                "constrained_columns": columns,
                "referred_schema": None,
                "referred_table": group[0]["referred_table"],
                "referred_columns": referred,
                "options": options,
            }
        )
    for key, table in r.tables.items():
        table.pop("foreign_keys", None)
        if rebuilt.get(key):
            table["foreign_keys"] = keyed(rebuilt[key], fk_key, fk_facts)


def _matching_fk(
    reflected: Sequence[Mapping[str, Any]], columns: list[str], referred_table: str
) -> Mapping[str, Any]:
    for fk in reflected:
        if (
            fk["constrained_columns"] == columns
            and fk["referred_table"].lower() == referred_table.lower()
        ):
            return fk
    return {}


def _sqlite_indexes(r: CatalogReader, rows: list[sa.RowMapping], sql_by_name: dict) -> None:
    """Indexes from PRAGMA index_list/index_xinfo, including the automatic ones behind
    inline UNIQUE and non-rowid PRIMARY KEY (SQLAlchemy leaves those out)."""
    found: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        if r.table_for(None, row["table_name"]) is None:
            continue
        index = found[row["table_name"]].setdefault(
            row["name"],
            drop_empty(
                {
                    "unique": bool(row["unique"]),
                    "origin": SQLITE_INDEX_ORIGINS.get(row["origin"], row["origin"]),
                    "partial": bool(row["partial"]) or None,
                    "columns": [],
                    "sql": sql_by_name.get(("index", row["name"])),
                },
                keep=("unique", "columns"),
            ),
        )
        column = row["column"] if row["column"] is not None else "<expr>"
        if row["desc"]:
            column += " DESC"
        if row["coll"] and row["coll"].upper() != "BINARY":
            column += f" COLLATE {row['coll']}"
        index["columns"].append(column)
    for key, table in r.tables.items():
        indexes = found.get(key)
        if indexes:
            table["indexes"] = dict(sorted(indexes.items()))
        else:
            table.pop("indexes", None)


def _sqlite_table_flags(r: CatalogReader) -> None:
    try:
        rows = _sqlite_rows(r, SQLITE_TABLE_LIST)
    except sa.exc.OperationalError:  # SQLite before 3.37: the SQL text still shows both
        return
    for row in rows:
        table = r.table_for(None, row["name"])
        if table is not None and (row["wr"] or row["strict"]):
            table["options"] = drop_empty(
                {"without_rowid": bool(row["wr"]) or None, "strict": bool(row["strict"]) or None}
            )


def _sqlite_table_signatures(r: CatalogReader) -> dict[str, str]:
    """The SQL of the table, of its indexes, and of the tables its foreign keys refer to
    (SQLAlchemy reads the referred primary key of a `REFERENCES t` without columns)."""
    tables: dict[str, str] = {}
    indexes: dict[str, list[str]] = defaultdict(list)
    for row in r.rows_once(SQLITE_MASTER):
        if row["type"] == "table":
            tables[row["name"].lower()] = f"{row['name']}\x1f{row['sql']}"
        elif row["type"] == "index":
            indexes[row["tbl_name"].lower()].append(f"{row['name']}\x1f{row['sql']}")
    referred: dict[str, set[str]] = defaultdict(set)
    for row in r.rows(SQLITE_REFERRED):
        referred[row["name"].lower()].add(str(row["referred"]).lower())
    out = {}
    for lower, text in tables.items():
        name = text.split("\x1f", 1)[0]
        parts = [text, *sorted(indexes.get(lower, ()))]
        parts += [f"-> {t}\x1f{tables.get(t)}" for t in sorted(referred.get(lower, ()))]
        out[r.key(None, name)] = "\x1e".join(parts)
    return out


SQLITE_REFERRED = """
SELECT m.name AS name, p."table" AS referred
FROM sqlite_master AS m JOIN pragma_foreign_key_list(m.name) AS p WHERE m.type = 'table'
"""


SQLITE_SIGNED_ROWS = 10_000  # bigger tables are read every time (the text would be big)
SQLITE_COMPOUND = 200  # SELECTs per UNION ALL (SQLite allows 500)


def _sqlite_data_signatures(
    conn: sa.Connection,
    items: list[DataItem],
    memo: dict[str, tuple[dict[str, Any], str | None]],
) -> dict[str, str]:
    """Per table: its rows as text, `quote()` of every value (exact for integers, reals,
    text, blobs and NULL), in storage order, up to SQLITE_SIGNED_ROWS rows. quote() drops
    the sign of a negative zero: where a column can keep one, it is marked."""
    signed = _sqlite_has_atan2(conn)
    q = conn.dialect.identifier_preparer.quote
    selects = []
    for n, (key, (_, name), table) in enumerate(items):
        kept = memo.get(key)
        if kept is not None and kept[0] is table:  # the same facts: the same query
            if kept[1] is not None:
                selects.append(f"SELECT {n}, {kept[1]}")
            continue
        memo[key] = (table, None)
        values = []
        for c in table["column_order"]:
            if not _sqlite_loses_negative_zero(table, c):
                if not signed:
                    break
                values.append(
                    f"CASE WHEN typeof({q(c)}) = 'real' AND {q(c)} = 0 AND atan2({q(c)}, -1) < 0 "
                    f"THEN '-' ELSE '' END || quote({q(c)})"
                )
            else:
                values.append(f"quote({q(c)})")
        else:
            query = (
                "count(*), group_concat(r, char(10)) FROM (SELECT "
                + " || ',' || ".join(values)
                + f" AS r FROM main.{q(name)} LIMIT {SQLITE_SIGNED_ROWS + 1})"
            )
            memo[key] = (table, query)
            selects.append(f"SELECT {n}, {query}")
    out: dict[str, str] = {}
    for start in range(0, len(selects), SQLITE_COMPOUND):
        sql = " UNION ALL ".join(selects[start : start + SQLITE_COMPOUND])
        for n, rows, text in conn.exec_driver_sql(sql):
            if rows <= SQLITE_SIGNED_ROWS:
                out[items[n][0]] = f"{rows}\n{text}"
    return out


def _sqlite_loses_negative_zero(table: dict[str, Any], column: str) -> bool:
    """A column of INTEGER, TEXT, REAL or NUMERIC affinity stores -0.0 as 0 (or as text);
    only BLOB affinity (a declared type with BLOB in it, or none) and STRICT's ANY keep the
    sign. (Any declared type but those gives one of the four.)"""
    if (table.get("options") or {}).get("strict"):
        return False
    facts = table["columns"][column]
    declared = facts.get("declared_type") or facts["type"]
    if declared == UNKNOWN_TYPE:
        return False
    return bool(declared.strip()) and "BLOB" not in declared.upper()


def _sqlite_has_atan2(conn: sa.Connection) -> bool:
    try:
        return conn.exec_driver_sql("SELECT atan2(-0.0, -1) < 0").scalar() == 1
    except sa.exc.OperationalError:  # SQLite built without its math functions
        return False


SQLITE_COLUMNS = """
SELECT m.name AS table_name, m.sql, p.name, p.type FROM sqlite_master AS m
JOIN pragma_table_xinfo(m.name) AS p WHERE m.type = 'table' AND m.name IN ({names})
ORDER BY m.name, p.cid
"""


def _sqlite_keeps_negative_zero(table_sql: str, declared: str | None) -> bool:
    """Whether a column may hold -0.0 (which quote() writes as 0.0): BLOB affinity (a
    declared type with BLOB in it, or none), or any column of a table that may be STRICT
    (ANY keeps it); see `_sqlite_loses_negative_zero`."""
    if "STRICT" in table_sql.upper():
        return True
    return not (declared or "").strip() or "BLOB" in (declared or "").upper()


def _sqlite_database_signature(
    conn: sa.Connection, excluder: Excluder, data: bool, memo: dict[str, Any]
) -> str | None:
    """Every `sqlite_master` row but the excluded tables' and their indexes' and triggers'
    (the whole schema: every fact a snapshot holds is read from these SQL texts by the same
    SQLite library), then, with `data`, each table's row count and rows as `quote()` text
    of every column in storage order, a negative zero marked in any column. None when a
    table has more than SQLITE_SIGNED_ROWS rows or SQLite has no atan2 (its math functions)."""
    kept = []
    tables: dict[str, str] = {}  # name -> its SQL
    for type_, name, tbl_name, sql in conn.exec_driver_sql(SQLITE_MASTER):
        if excluder.table(None, tbl_name) or (type_ == "table" and name.startswith("sqlite_")):
            continue
        kept.append(f"{type_}\x1f{name}\x1f{tbl_name}\x1f{sql}")
        if type_ == "table":
            tables[name] = sql
    kept.sort()
    if not data or not tables:
        return "\x1e".join(kept)
    if "atan2" not in memo:
        memo["atan2"] = _sqlite_has_atan2(conn)
    if not memo["atan2"]:
        return None
    selects = memo.setdefault("selects", {})  # (table, SQL) -> its signature SELECT
    q = conn.dialect.identifier_preparer.quote
    unknown = sorted(name for name, sql in tables.items() if (name, sql) not in selects)
    if unknown:
        names = ", ".join("'" + n.replace("'", "''") + "'" for n in unknown)
        columns: dict[tuple[str, str], list[str]] = defaultdict(list)
        for name, sql, column, declared in conn.exec_driver_sql(SQLITE_COLUMNS.format(names=names)):
            if _sqlite_keeps_negative_zero(sql, declared):
                columns[(name, sql)].append(
                    f"CASE WHEN typeof({q(column)}) = 'real' AND {q(column)} = 0 "
                    f"AND atan2({q(column)}, -1) < 0 THEN '-' ELSE '' END || quote({q(column)})"
                )
            else:
                columns[(name, sql)].append(f"quote({q(column)})")
        for key, values in columns.items():
            selects[key] = (
                "count(*), group_concat(r, char(10)) FROM (SELECT "
                + " || ',' || ".join(values)
                + f" AS r FROM main.{q(key[0])} LIMIT {SQLITE_SIGNED_ROWS + 1})"
            )
    order = sorted(tables)
    queries = [f"SELECT {n}, {selects[(name, tables[name])]}" for n, name in enumerate(order)]
    for start in range(0, len(queries), SQLITE_COMPOUND):
        sql = " UNION ALL ".join(queries[start : start + SQLITE_COMPOUND])
        for n, rows, text in conn.exec_driver_sql(sql):
            if rows > SQLITE_SIGNED_ROWS:
                return None
            kept.append(f"{order[n]}\x1f{rows}\x1f{text}")
    return "\x1e".join(kept)


class SQLiteImpl(SnapshotImpl):
    """SQLite: sqlite_master and PRAGMA extras, incremental signatures."""

    dialect = "sqlite"
    replaced_reflections = ("indexes",)  # PRAGMA index_list/index_xinfo: also the automatic ones
    incremental = True

    def read_extras(self, reader: CatalogReader) -> None:
        _sqlite_extras(reader)

    def table_signatures(self, reader: CatalogReader) -> dict[str, str]:
        return _sqlite_table_signatures(reader)

    def data_signatures(
        self,
        conn: sa.Connection,
        items: list[DataItem],
        memo: dict[str, tuple[dict[str, Any], str | None]],
    ) -> dict[str, str]:
        return _sqlite_data_signatures(conn, items, memo)

    def database_signature(
        self, conn: sa.Connection, excluder: Excluder, data: bool, memo: dict[str, Any]
    ) -> str | None:
        return _sqlite_database_signature(conn, excluder, data, memo)
