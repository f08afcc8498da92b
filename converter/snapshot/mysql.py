"""MySQL and MariaDB: what information_schema knows that SQLAlchemy does not reflect.

The database is the schema: only the connection's current database is looked at. One
information_schema query per kind reads, about the reflected tables, the engine, row format,
charset, collation and create options, each column's charset, collation and EXTRA (ON UPDATE
...), the types SQLAlchemy does not know, the order of the indexes (`index_order`: the engine's,
as SHOW CREATE TABLE lists them), and every CHECK (SQLAlchemy misses MariaDB's
column-level ones, so its check reflection is not asked for); and views, triggers, functions,
procedures and events. MySQL writes the database's own name into stored definitions: it is
taken out, since two builds live in two databases. There are no signatures here: every
`Snapshotter` snapshot of MySQL is a full one.

Stands on `converter.snapshot.impl` (the shared implementation it overrides) and `.facts`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from converter.snapshot.facts import drop_empty, plain
from converter.snapshot.impl import CatalogReader, SnapshotImpl, name_unknown_types

MY_TABLES = """
SELECT t.TABLE_NAME AS `name`, t.ENGINE AS `engine`, t.ROW_FORMAT AS `row_format`,
       t.TABLE_COLLATION AS `collation`, c.CHARACTER_SET_NAME AS `charset`,
       t.CREATE_OPTIONS AS `create_options`
FROM information_schema.TABLES t
LEFT JOIN information_schema.COLLATIONS c ON c.COLLATION_NAME = t.TABLE_COLLATION
WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
"""

MY_COLUMNS = """
SELECT TABLE_NAME AS `table_name`, COLUMN_NAME AS `name`, CHARACTER_SET_NAME AS `charset`,
       COLLATION_NAME AS `collation`, EXTRA AS `extra`, COLUMN_TYPE AS `type`
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
"""

MARIADB_CHECKS = """
SELECT TABLE_NAME AS `table_name`, CONSTRAINT_NAME AS `name`, CHECK_CLAUSE AS `sqltext`,
       LEVEL AS `level`
FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()
"""

MYSQL_CHECKS = """
SELECT t.TABLE_NAME AS `table_name`, c.CONSTRAINT_NAME AS `name`, c.CHECK_CLAUSE AS `sqltext`,
       NULL AS `level`
FROM information_schema.CHECK_CONSTRAINTS c
JOIN information_schema.TABLE_CONSTRAINTS t
  ON t.CONSTRAINT_SCHEMA = c.CONSTRAINT_SCHEMA AND t.CONSTRAINT_NAME = c.CONSTRAINT_NAME
 AND t.CONSTRAINT_TYPE = 'CHECK'
WHERE c.CONSTRAINT_SCHEMA = DATABASE()
"""

# in the engine's own order (primary key, unique keys, then the others as created: each
# foreign key's implicit index in declaration order), which SHOW CREATE TABLE shows
MY_INDEX_ORDER = """
SELECT TABLE_NAME AS `table_name`, INDEX_NAME AS `name`
FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND SEQ_IN_INDEX = 1
"""

MY_VIEWS = "SELECT * FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()"

MY_TRIGGERS = """
SELECT TRIGGER_NAME AS `name`, EVENT_OBJECT_TABLE AS `table_name`, ACTION_TIMING AS `timing`,
       EVENT_MANIPULATION AS `event`, ACTION_ORDER AS `action_order`,
       ACTION_STATEMENT AS `body`, SQL_MODE AS `sql_mode`
FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
"""

MY_ROUTINES = """
SELECT ROUTINE_NAME AS `name`, ROUTINE_TYPE AS `kind`, DTD_IDENTIFIER AS `return_type`,
       ROUTINE_DEFINITION AS `body`, IS_DETERMINISTIC AS `deterministic`,
       SQL_DATA_ACCESS AS `data_access`, SECURITY_TYPE AS `security`, SQL_MODE AS `sql_mode`,
       ROUTINE_COMMENT AS `comment`
FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()
"""

MY_PARAMETERS = """
SELECT SPECIFIC_NAME AS `name`, ROUTINE_TYPE AS `kind`, ORDINAL_POSITION AS `position`,
       PARAMETER_MODE AS `mode`, PARAMETER_NAME AS `parameter`, DTD_IDENTIFIER AS `type`
FROM information_schema.PARAMETERS
WHERE SPECIFIC_SCHEMA = DATABASE() AND ORDINAL_POSITION > 0
ORDER BY SPECIFIC_NAME, ROUTINE_TYPE, ORDINAL_POSITION
"""

MY_EVENTS = """
SELECT EVENT_NAME AS `name`, EVENT_DEFINITION AS `body`, EVENT_TYPE AS `type`,
       INTERVAL_VALUE AS `interval_value`, INTERVAL_FIELD AS `interval_field`,
       ON_COMPLETION AS `on_completion`, STATUS AS `status`, EVENT_COMMENT AS `comment`
FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()
"""


def _my_extras(r: CatalogReader) -> None:
    database = r.conn.exec_driver_sql("SELECT DATABASE()").scalar()
    unqualify = _my_unqualifier(database)
    _my_tables(r, r.rows(MY_TABLES))
    columns = r.rows(MY_COLUMNS)
    _my_columns(r, columns)
    name_unknown_types(r, columns)
    is_mariadb = bool(getattr(r.conn.dialect, "is_mariadb", False))
    _my_checks(r, r.rows(MARIADB_CHECKS if is_mariadb else MYSQL_CHECKS))
    _my_index_order(r, r.rows(MY_INDEX_ORDER))
    for row in r.rows(MY_VIEWS):
        r.objects["views"][row["TABLE_NAME"]] = drop_empty(
            {
                "definition": unqualify(row["VIEW_DEFINITION"]),
                "check_option": row.get("CHECK_OPTION"),
                "security": row.get("SECURITY_TYPE"),
                "algorithm": row.get("ALGORITHM"),
            }
        )
    for row in r.rows(MY_TRIGGERS):
        if not r.has_table(None, row["table_name"]):
            continue
        r.objects["triggers"][row["name"]] = drop_empty(
            {
                "table": row["table_name"],
                "timing": row["timing"],
                "event": row["event"],
                "order": row["action_order"],
                "body": unqualify(row["body"]),
                "sql_mode": row["sql_mode"],
            }
        )
    _my_routines(r, unqualify)
    for row in r.rows(MY_EVENTS):
        facts = {k: plain(v) for k, v in row.items() if k != "name"}
        facts["body"] = unqualify(facts["body"])
        r.objects["events"][row["name"]] = drop_empty(facts)


def _my_unqualifier(database: str | None) -> Callable[[str | None], str | None]:
    """MySQL writes the database's own name into stored definitions; two builds live in
    two databases, so the name is taken out."""
    prefix = f"`{database}`." if database else None

    def unqualify(text: str | None) -> str | None:
        if text is None or prefix is None:
            return text
        return text.replace(prefix, "")

    return unqualify


def _my_tables(r: CatalogReader, rows: list[sa.RowMapping]) -> None:
    for row in rows:
        table = r.table_for(None, row["name"])
        if table is None:
            continue
        options = " ".join(sorted((row["create_options"] or "").split()))
        table["options"] = drop_empty(
            {
                "engine": row["engine"],
                "row_format": row["row_format"],
                "charset": row["charset"],
                "collation": row["collation"],
                "create_options": options,
            }
        )


def _my_index_order(r: CatalogReader, rows: list[sa.RowMapping]) -> None:
    """`index_order`: the table's index names in the order the engine keeps (and shows) them."""
    order: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        order[row["table_name"]].append(row["name"])
    for name, names in order.items():
        table = r.table_for(None, name)
        if table is not None and len(names) > 1:
            table["index_order"] = names


def _my_columns(r: CatalogReader, rows: list[sa.RowMapping]) -> None:
    for row in rows:
        table = r.table_for(None, row["table_name"])
        if table is None or row["name"] not in table["columns"]:
            continue
        table["columns"][row["name"]].update(
            drop_empty(
                {
                    "charset": row["charset"],
                    "collation": row["collation"],
                    "extra": (row["extra"] or "").lower(),
                }
            )
        )


def _my_checks(r: CatalogReader, rows: list[sa.RowMapping]) -> None:
    """information_schema has every CHECK; SQLAlchemy misses MariaDB's column-level ones."""
    found: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        if r.table_for(None, row["table_name"]) is None:
            continue
        found[row["table_name"]][row["name"]] = drop_empty(
            {"sqltext": row["sqltext"], "level": (row["level"] or "").lower() or None}
        )
    for key, table in r.tables.items():
        checks = found.get(key)
        if checks:
            table["check_constraints"] = dict(sorted(checks.items()))
        else:
            table.pop("check_constraints", None)


def _my_routines(r: CatalogReader, unqualify: Callable[[str | None], str | None]) -> None:
    parameters: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in r.rows(MY_PARAMETERS):
        words = [row["mode"], row["parameter"], row["type"]]
        parameters[(row["kind"], row["name"])].append(" ".join(w for w in words if w))
    for row in r.rows(MY_ROUTINES):
        kind = "procedures" if row["kind"] == "PROCEDURE" else "functions"
        r.objects[kind][row["name"]] = drop_empty(
            {
                "parameters": parameters.get((row["kind"], row["name"]), []),
                "returns": row["return_type"],
                "body": unqualify(row["body"]),
                "deterministic": row["deterministic"],
                "data_access": row["data_access"],
                "security": row["security"],
                "sql_mode": row["sql_mode"],
                "comment": row["comment"],
            },
            keep=("parameters",),
        )


class MySQLImpl(SnapshotImpl):
    """MySQL and MariaDB (through the mysql dialect): information_schema's extras."""

    dialect = "mysql"
    replaced_reflections = ("checks",)  # information_schema: also MariaDB's column-level CHECKs

    def read_extras(self, reader: CatalogReader) -> None:
        _my_extras(reader)


class MariaDBImpl(MySQLImpl):
    """MariaDB through SQLAlchemy's mariadb dialect name: the same reading."""

    dialect = "mariadb"
