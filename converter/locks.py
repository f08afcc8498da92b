"""Engines and locks for writing `alembic_version` on a live database.

`locked_transaction()` holds one transaction with a lock against concurrent stamping of the
same database (PostgreSQL `pg_advisory_xact_lock`, MySQL `GET_LOCK`, SQLite
`BEGIN IMMEDIATE`); `lock_statements()` gives the same lock as SQL for `stamp --sql`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from converter.scratch import create_engine
from converter.tracking import Refusal

LOCK_NAME = "converter_stamp"


PG_LOCK_KEY = int.from_bytes(hashlib.sha256(LOCK_NAME.encode()).digest()[:8], "big", signed=True)


def stamp_engine(url: sa.URL, dialect: str, immediate: bool, timeout: float) -> sa.Engine:
    """An engine whose transactions are real transactions (SQLite: BEGIN [IMMEDIATE])."""
    if dialect != "sqlite":
        return create_engine(url, poolclass=sa.pool.NullPool)
    engine = create_engine(url, poolclass=sa.pool.NullPool, connect_args={"timeout": timeout})
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql(begin)

    return engine


def lock_statements(
    dialect: str, database: str | None, timeout: float
) -> tuple[list[str], list[str]]:
    """(before, after) statements that keep two stampings of one database apart."""
    if dialect == "postgresql":
        return [
            f"SET LOCAL lock_timeout = '{int(timeout * 1000)}ms'",
            f"SELECT pg_advisory_xact_lock({PG_LOCK_KEY})",
        ], []
    if dialect == "mysql":
        name = _mysql_lock_name(database)
        return [f"SELECT GET_LOCK('{name}', {int(timeout)})"], [f"SELECT RELEASE_LOCK('{name}')"]
    return [], []


def _mysql_lock_name(database: str | None) -> str:
    name = f"{LOCK_NAME}.{database or ''}"
    if len(name) > 64:  # MySQL's limit on lock names
        name = f"{LOCK_NAME}.{hashlib.sha256((database or '').encode()).hexdigest()[:40]}"
    return name


@contextmanager
def locked_transaction(
    conn: sa.Connection, dialect: str, database: str | None, lock: bool, timeout: float
) -> Iterator[sa.Transaction]:
    """A transaction on `conn`, holding the stamping lock when `lock` (SQLite: the engine's
    BEGIN IMMEDIATE is the lock). Committed on the way out unless the caller ended it (a dry
    run rolls back); rolled back on any error."""
    before, after = lock_statements(dialect, database, timeout) if lock else ([], [])
    if dialect == "mysql" and before:
        got = conn.exec_driver_sql(before[0]).scalar()
        conn.commit()
        if got != 1:
            raise Refusal(
                f"another process is stamping this database (GET_LOCK('{_mysql_lock_name(database)}') "
                f"timed out after {int(timeout)}s)",
                hint="wait for it to finish, then run stamp again",
            )
    try:
        trans = conn.begin()
        try:
            if dialect == "postgresql":
                for stmt in before:
                    conn.exec_driver_sql(stmt)
            yield trans
        except BaseException:
            if trans.is_active:
                trans.rollback()
            raise
        if trans.is_active:
            trans.commit()
    finally:
        for stmt in after:
            try:
                conn.exec_driver_sql(stmt)
                conn.commit()
            except sa.exc.DBAPIError:
                conn.rollback()
