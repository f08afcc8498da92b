"""Alembic environment written by converter.

The database URL comes from `alembic -x url=...`, else the DATABASE_URL environment variable,
else `sqlalchemy.url` in alembic.ini. Each revision runs in its own transaction
(transaction_per_migration), so a revision that needs autocommit_block() commits only its own
earlier work. On SQLite, DDL is made transactional with SQLAlchemy's documented recipe
(pysqlite otherwise commits around DDL).
"""

import os
import sys

from sqlalchemy import engine_from_config, event, pool

from alembic import context

config = context.config


def database_url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get("DATABASE_URL")
    url = url or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit(
            "no database URL: pass `alembic -x url=...`, set DATABASE_URL, or set sqlalchemy.url"
        )
    return url


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        literal_binds=True,
        transaction_per_migration=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(
        {"sqlalchemy.url": database_url()}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    if connectable.dialect.name == "sqlite":

        @event.listens_for(connectable, "connect")
        def _no_pysqlite_transactions(dbapi_connection, connection_record):
            dbapi_connection.isolation_level = None

        @event.listens_for(connectable, "begin")
        def _emit_begin(conn):
            if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
                conn.exec_driver_sql("BEGIN")

    applied: list[str] = []  # statements of the revision being applied

    @event.listens_for(connectable, "after_cursor_execute")
    def _remember(conn, cursor, statement, parameters, context_, executemany):
        if "alembic_version" not in statement:
            applied.append(statement)

    def _next_revision(ctx, step, heads, run_args):
        applied.clear()

    with connectable.connect() as connection:
        context.configure(
            connection=connection, transaction_per_migration=True, on_version_apply=_next_revision
        )
        try:
            with context.begin_transaction():
                context.run_migrations()
        except Exception:
            if connectable.dialect.name in ("mysql", "mariadb") and applied:
                report_partial(applied)
            raise


def report_partial(applied: list[str]) -> None:
    """MySQL/MariaDB commit DDL implicitly: say what the failed revision already did."""
    sys.stderr.write(
        "\nThe failed revision had already run these statements; MySQL/MariaDB commit DDL "
        "implicitly, so they are NOT rolled back. Check them before retrying:\n"
    )
    for i, statement in enumerate(applied, 1):
        sys.stderr.write(f"  {i}. {statement.strip()[:200]}\n")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
