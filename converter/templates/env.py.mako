"""Alembic environment written by converter.

The database URL comes from `alembic -x url=...`, else the DATABASE_URL environment variable,
else `sqlalchemy.url` in alembic.ini. A connection or engine handed over in
`config.attributes["connection"]` (Alembic's cookbook "sharing a connection": pytest-alembic,
applications calling `command.upgrade(cfg, "head")`) is used as it is, and no URL is needed.

Each revision runs in its own transaction (transaction_per_migration), so a revision that
needs autocommit_block() commits only its own earlier work. On SQLite, DDL is made
transactional with SQLAlchemy's documented recipe (pysqlite otherwise commits around DDL),
applied to the connection being migrated and undone afterwards; a connection that arrives
inside a transaction is left to its owner.
"""

import contextlib
import os
import sqlite3
import sys
from logging.config import fileConfig

from sqlalchemy import Connection, engine_from_config, event, pool

# isort: split
from alembic import context

config = context.config
# Alembic's logging from alembic.ini ("Running upgrade ..."), unless the caller says not to.
if (
    config.config_file_name is not None
    and config.file_config.has_section("loggers")
    and config.attributes.get("configure_logger", True)
):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# The revisions import converter_helpers.py from this folder.
HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

# Point this at your models' MetaData for autogenerate and `alembic check`.
target_metadata = None

# The legacy migration tool's tracking tables: `converter stamp` leaves them in place, so
# autogenerate must not propose dropping them (`table`, `schema.table` or `schema.*`).
LEGACY_TRACKING_TABLES = frozenset(
    {
% for name in tracking_tables:
        "${name}",
% endfor
    }
)


def include_object(object, name, type_, reflected, compare_to) -> bool:
    """Autogenerate ignores the legacy tracking tables."""
    if type_ != "table" or name is None:
        return True
    schema = getattr(object, "schema", None)
    names = {name.lower()}
    if schema:
        names.update({f"{schema}.{name}".lower(), f"{schema}.*".lower()})
    return not names & LEGACY_TRACKING_TABLES


def database_url() -> str:
    x_args = context.get_x_argument(as_dictionary=True)
    url = x_args.get("url") or os.environ.get("DATABASE_URL")
    url = url or config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit(
            "no database URL: pass `alembic -x url=...`, set DATABASE_URL, "
            "or set sqlalchemy.url"
        )
    return url


def migrate_callbacks():
    """The legacy tool's migrate callbacks that converter carried (converter_callbacks.py
    beside this file, absent when there are none): run at the same events of every
    `alembic upgrade`; see MigrateCallbacks in converter_helpers.py."""
    from converter_helpers import MigrateCallbacks

    return MigrateCallbacks.load(HERE)


def run_migrations_offline() -> None:
    migrate_callbacks().configure(
        context,
        url=database_url(),
        literal_binds=True,
        transaction_per_migration=True,
        dialect_opts={"paramstyle": "named"},
        target_metadata=target_metadata,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        migrate(given)
        return
    if given is None:
        given = engine_from_config(
            {"sqlalchemy.url": database_url()},
            prefix="sqlalchemy.",
            poolclass=pool.NullPool,
        )
    with given.connect() as connection:  # an Engine, or anything with connect()
        migrate(connection)


def migrate(connection: Connection) -> None:
    applied: list[str] = []  # statements of the revision being applied

    def remember(conn, cursor, statement, parameters, context_, executemany):
        if "alembic_version" not in statement:
            applied.append(statement)

    def next_revision(ctx, step, heads, run_args):
        applied.clear()

    mysql = connection.dialect.name in ("mysql", "mariadb")
    with contextlib.ExitStack() as stack:
        stack.enter_context(sqlite_transactional_ddl(connection))
        if mysql:
            event.listen(connection, "after_cursor_execute", remember)
            stack.callback(event.remove, connection, "after_cursor_execute", remember)
        migrate_callbacks().configure(
            context,
            connection=connection,
            transaction_per_migration=True,
            on_version_apply=next_revision,
            target_metadata=target_metadata,
            include_object=include_object,
        )
        try:
            with context.begin_transaction():
                context.run_migrations()
        except Exception:
            if mysql and applied:
                report_partial(applied)
            raise


@contextlib.contextmanager
def sqlite_transactional_ddl(connection: Connection):
    """SQLAlchemy's pysqlite recipe, on this connection only: pysqlite's own transaction
    handling off, BEGIN emitted when SQLAlchemy begins. Engine "connect" listeners would
    not run for a caller's connections that already exist, so none are used."""
    driver = connection.connection.driver_connection
    if (
        connection.dialect.name != "sqlite"
        or not isinstance(driver, sqlite3.Connection)
        or connection.in_transaction()
        or driver.in_transaction
    ):
        yield  # not pysqlite, or the caller owns the transaction already
        return

    def emit_begin(conn):
        if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            conn.exec_driver_sql("BEGIN")

    previous = driver.isolation_level
    driver.isolation_level = None
    event.listen(connection, "begin", emit_begin)
    try:
        yield
    finally:
        event.remove(connection, "begin", emit_begin)
        if not driver.in_transaction:
            driver.isolation_level = previous


def report_partial(applied: list[str]) -> None:
    """MySQL/MariaDB commit DDL implicitly: say what the failed revision already did."""
    sys.stderr.write(
        "\nThe failed revision had already run these statements; MySQL/MariaDB commit "
        "DDL implicitly, so they are NOT rolled back. Check them before retrying:\n"
    )
    for i, statement in enumerate(applied, 1):
        sys.stderr.write(f"  {i}. {statement.strip()[:200]}\n")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
