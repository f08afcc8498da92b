"""The rows a baseline revision leaves out, on the legacy side of a comparison.

A baseline revision (convert `--baseline-at`) builds the schema the legacy history had at
its version and the rows of the tables named in its record's `baseline_data`, nothing else:
a database `alembic upgrade` builds from it has no rows in any other table. Compared with
the legacy history applied up to that version, those tables would differ at the baseline
step and at every later step that touches them. The rule (verify, and through it
`testing.assert_equivalent`): once the legacy migrations the baseline covers have run, the
rows of every other table are removed from the legacy database (bookkeeping tables stay:
they are never compared), so the baseline step and the later ones compare like with like;
the report names the tables whose rows were left out.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from converter.formats import tracking_tables
from converter.snapshot.model import Excluder


def _tables(conn: sa.Connection) -> list[tuple[str | None, str]]:
    """(schema, table) of every table a snapshot compares: the default schema's, and on
    PostgreSQL those of the other user schemas; bookkeeping tables left out."""
    excluder = Excluder(tracking_tables())
    inspector = sa.inspect(conn)
    found: list[tuple[str | None, str]] = [
        (None, t) for t in inspector.get_table_names() if not excluder.table(None, t)
    ]
    if conn.dialect.name == "postgresql":
        for schema in inspector.get_schema_names():
            if (
                schema in ("information_schema", inspector.default_schema_name)
                or schema.startswith("pg_")
                or excluder.schema(schema)
            ):
                continue
            found += [
                (schema, t)
                for t in inspector.get_table_names(schema=schema)
                if not excluder.table(schema, t)
            ]
    return found


def _name(schema: str | None, table: str) -> str:
    return f"{schema}.{table}" if schema else table


def empty_tables_not_carried(engine: sa.Engine, carried: Iterable[str]) -> list[str]:
    """Delete every row of the tables not in `carried` (names as in `baseline_data`:
    `table`, or `schema.table` outside the default schema; case-insensitive) that has rows.
    Returns the names of the tables emptied, sorted. Foreign keys between the emptied tables
    do not stand in the way (PostgreSQL truncates them in one statement; MySQL and SQLite
    delete with the checks off); a carried table that references an emptied one fails on
    PostgreSQL, as the baseline itself could not hold such rows."""
    keep = {c.lower() for c in carried}
    with engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            return _empty(conn, keep)
        # no cascade into a carried table; the pragma only changes outside a transaction
        enforced = conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
        conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
        conn.commit()
        try:
            return _empty(conn, keep)
        finally:
            conn.rollback()
            conn.exec_driver_sql(f"PRAGMA foreign_keys = {'ON' if enforced else 'OFF'}")
            conn.commit()


def _empty(conn: sa.Connection, keep: set[str]) -> list[str]:
    with conn.begin():
        preparer = conn.dialect.identifier_preparer
        emptied: list[tuple[str, str]] = []
        for schema, table in _tables(conn):
            name = _name(schema, table)
            if name.lower() in keep:
                continue
            quoted = (f"{preparer.quote_schema(schema)}." if schema else "") + preparer.quote(table)
            if conn.exec_driver_sql(f"SELECT 1 FROM {quoted} LIMIT 1").first() is not None:
                emptied.append((name, quoted))
        if not emptied:
            return []
        dialect = conn.dialect.name
        if dialect == "postgresql":
            conn.exec_driver_sql("TRUNCATE " + ", ".join(q for _, q in emptied))
        elif dialect == "mysql":
            conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
            try:
                for _, quoted in emptied:
                    conn.exec_driver_sql(f"DELETE FROM {quoted}")
            finally:
                conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
        else:
            for _, quoted in emptied:
                conn.exec_driver_sql(f"DELETE FROM {quoted}")
    return sorted(name for name, _ in emptied)
