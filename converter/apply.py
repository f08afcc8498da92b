"""Applying a legacy history to a database the way the legacy tool would.

Per migration: a transaction when the format runs it in one (autocommit otherwise);
statements split with the same splitter the converter uses and sent one by one, exactly as
written (no bind parameters, no `%` formatting); a batch-mode format (golang-migrate, dbmate)
sends each script whole where the driver accepts several statements (psycopg), since
PyMySQL and sqlite3 cannot run several statements in one call safely. A statement that cannot run in a transaction
(`CREATE INDEX CONCURRENTLY`) runs between two, as the converted revision runs it (the rule is
`plan.runs_outside_transaction`, shared with convert). A statement on a migration tool's
tracking table runs only where that table exists (`converter.bookkeeping`); Alembic's
`alembic_version` is the legacy files' own here and runs as written. Transaction control written in the legacy text
is left to this runner, as the converter leaves it to Alembic. Python scripts are called with
the connection the legacy way. `apply_step` is one legacy migrate run of one migration with
the tool's migrate callbacks at their events (Flyway's order, as the converted env.py runs
them: `revision_helpers.MigrateCallbacks`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence

import sqlalchemy as sa

from converter.bookkeeping import IF_EXISTS, classify
from converter.callbacks import statements as callback_statements
from converter.callbacks import transactional as callback_transactional
from converter.errors import DatabaseError
from converter.legacy_python import call_legacy
from converter.model import Kind, LegacyCallback, LegacyMigration, Script
from converter.plan import runs_outside_transaction
from converter.split import Statement, StatementKind, iter_statements, split_script
from converter.textio import TextFile, script_source

NO_PARAMETERS = {"no_parameters": True}


def sqlite_transactional_ddl(engine: sa.Engine) -> None:
    """SQLAlchemy's documented recipe: let BEGIN cover DDL on pysqlite (its default transaction handling leaves DDL outside)."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):
        if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            conn.exec_driver_sql("BEGIN")


def run_scripts(
    conn: sa.Connection,
    scripts: Iterable[Script],
    dialect: str,
    batch: bool,
    migration: LegacyMigration | None = None,
) -> None:
    """Run the scripts on `conn`. With `migration` given and transactional (`conn` inside a
    transaction), a statement that cannot run in a transaction runs between two, in
    autocommit, as the converted revision runs it (`plan.runs_outside_transaction`)."""
    for script in scripts:
        if script.language == "python":
            call_legacy(script, conn)
            continue
        source = script_source(script)
        statements: Iterable[Statement]
        if isinstance(source, TextFile):  # a very large file: read and run a piece at a time
            statements = (
                s for s in iter_statements(script, dialect, source) if s.kind is StatementKind.SQL
            )
        else:
            split = split_script(script, dialect)
            sql = [s for s in split if s.kind is StatementKind.SQL]
            plain = not any(s.no_transaction or classify(s) is not None for s in sql)
            if batch and dialect == "postgresql" and sql and len(sql) == len(split) and plain:
                conn.exec_driver_sql(script.text, execution_options=NO_PARAMETERS)
                continue
            statements = sql
        for st in statements:
            keeping = classify(st)
            if keeping is not None and keeping.action == IF_EXISTS:
                schema, name = keeping.schema_and_name
                if not sa.inspect(conn).has_table(name, schema=schema):
                    continue  # the legacy tool's own table: this database has none
            outside = (
                migration is not None
                and migration.transactional
                and runs_outside_transaction(st, migration)
            )
            try:
                if outside:
                    _autocommit(conn, st.text)
                else:
                    conn.exec_driver_sql(st.text, execution_options=NO_PARAMETERS)
            except sa.exc.DBAPIError as exc:
                raise DatabaseError(
                    f"legacy statement failed: {exc.orig}",
                    path=st.path,
                    line=st.line,
                ) from exc


def _autocommit(conn: sa.Connection, sql: str) -> None:
    """Commit, run `sql` in autocommit, begin again: what Alembic's autocommit_block does."""
    conn.commit()
    level = conn.default_isolation_level
    conn.execution_options(isolation_level="AUTOCOMMIT")
    try:
        conn.exec_driver_sql(sql, execution_options=NO_PARAMETERS)
    finally:
        conn.commit()  # ends SQLAlchemy's autobegun (autocommit) transaction
        conn.execution_options(isolation_level=level)
        conn.begin()


def apply_migration(
    engine: sa.Engine,
    m: LegacyMigration,
    dialect: str,
    direction: str = "up",
    callbacks: Sequence[LegacyCallback] = (),
) -> None:
    """Run one migration; `callbacks`: its beforeEachMigrate / afterEachMigrate ones run
    around it on its connection, inside its transaction (Flyway's order)."""
    scripts = m.up if direction == "up" else m.down
    if m.transactional:
        with engine.connect() as conn:
            conn.begin()
            _run_callbacks(conn, callbacks, "beforeEachMigrate", dialect)
            run_scripts(conn, scripts, dialect, m.batch, m)
            _run_callbacks(conn, callbacks, "afterEachMigrate", dialect)
            conn.commit()
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            _run_callbacks(conn, callbacks, "beforeEachMigrate", dialect)
            run_scripts(conn, scripts, dialect, m.batch, m)
            _run_callbacks(conn, callbacks, "afterEachMigrate", dialect)


def apply_step(
    engine: sa.Engine,
    m: LegacyMigration | None,
    dialect: str,
    callbacks: Sequence[LegacyCallback] = (),
    applied: Collection[str] = (),
) -> None:
    """One legacy migrate run that applies `m` (None: nothing for this database, as its
    converted revision does nothing here, but is applied), with the migrate callbacks at
    Flyway's events: beforeMigrate; afterVersioned and beforeRepeatables before a
    repeatable; beforeEachMigrate, the migration, afterEachMigrate in its transaction;
    afterVersioned after a versioned one; afterMigrateApplied; afterMigrate. A callback with
    `after_version` (Liquibase runAlways) runs only when that version is in `applied`."""
    callbacks = [c for c in callbacks if c.after_version is None or c.after_version in applied]
    if not callbacks:
        if m is not None:
            apply_migration(engine, m, dialect)
        return
    repeatable = m is not None and m.kind is Kind.REPEATABLE and m.format == "flyway"
    own = ["beforeMigrate"] + (["afterVersioned", "beforeRepeatables"] if repeatable else [])
    for event in own:
        _run_own(engine, callbacks, event, dialect)
    if m is not None:
        apply_migration(engine, m, dialect, callbacks=callbacks)
    else:
        with engine.begin() as conn:
            _run_callbacks(conn, callbacks, "beforeEachMigrate", dialect)
            _run_callbacks(conn, callbacks, "afterEachMigrate", dialect)
    after = ([] if repeatable else ["afterVersioned"]) + ["afterMigrateApplied", "afterMigrate"]
    for event in after:
        _run_own(engine, callbacks, event, dialect)


def _run_own(
    engine: sa.Engine, callbacks: Sequence[LegacyCallback], event: str, dialect: str
) -> None:
    """The callbacks of a run-level event, each in its own transaction (in autocommit when
    its `.sql.conf` says executeInTransaction=false), as Flyway runs them."""
    for c in callbacks:
        if c.event != event:
            continue
        if callback_transactional(c, dialect):
            with engine.begin() as conn:
                _run_callbacks(conn, [c], event, dialect)
        else:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                _run_callbacks(conn, [c], event, dialect)


def _run_callbacks(
    conn: sa.Connection, callbacks: Sequence[LegacyCallback], event: str, dialect: str
) -> None:
    for c in callbacks:
        if c.event != event:
            continue
        for sql in callback_statements(c, dialect):
            try:
                conn.exec_driver_sql(sql, execution_options=NO_PARAMETERS)
            except sa.exc.DBAPIError as exc:
                raise DatabaseError(
                    f"legacy {event} callback failed: {exc.orig}", path=c.script.path
                ) from exc


def apply_history(
    engine: sa.Engine,
    migrations: Iterable[LegacyMigration],
    dialect: str,
    after_each: Callable[[LegacyMigration], None] | None = None,
) -> None:
    for m in migrations:
        apply_migration(engine, m, dialect)
        if after_each is not None:
            after_each(m)
