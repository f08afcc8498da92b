"""Scratch databases: made for one job, dropped afterwards, whatever happens.

`scratch_databases(url, ("legacy", "alembic"), prefix="converter_verify")` yields one URL
per label. With no URL (or a SQLite URL) they are files in a temporary directory. With a
server URL (PostgreSQL, MySQL/MariaDB) they are new databases on that server, named
`<prefix>_<random>_<label>`, and they are dropped on the way out: after success, after an
exception, after Ctrl-C, and after SIGTERM (a handler turns it into SystemExit so `finally`
runs). Only the databases created here are ever dropped; the URL's own database is used for
nothing but issuing CREATE/DROP DATABASE (PostgreSQL) and for reading its character set
(MySQL, so a scratch database is built like the real one).

A run killed with SIGKILL cannot clean up: its databases keep the prefix, so they are easy
to find (`leftover_databases`).

Also here, the URL helpers every command uses: parsing (`parse_url`), the dialect of a URL,
masking passwords (`mask`, `redact`), connection errors, and `engine_for` (an engine for a
scratch or target database, with SQLite's transactional-DDL recipe).
"""

from __future__ import annotations

import contextlib
import secrets
import signal
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import sqlalchemy as sa

from converter.apply import sqlite_transactional_ddl
from converter.dialects import SERVER_BACKENDS
from converter.errors import DatabaseError, UsageError

PG_ADMIN_DATABASE = "postgres"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def parse_url(url: str) -> sa.URL:
    try:
        return sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise UsageError(
            f"not a database URL: {exc}",
            hint="write it as dialect+driver://user:password@host:port/database, "
            "e.g. postgresql+psycopg://postgres@127.0.0.1/postgres",
        ) from None


def dialect_of(url: str | sa.URL | None) -> str:
    """ "postgresql", "mysql" (also for MariaDB) or "sqlite"; sqlite when there is no URL."""
    if url is None:
        return "sqlite"
    u = parse_url(url) if isinstance(url, str) else url
    backend = u.get_backend_name()
    if backend == "sqlite":
        return "sqlite"
    if backend not in SERVER_BACKENDS:
        raise UsageError(
            f"unsupported database {backend!r} in {mask(u)}",
            hint="use a postgresql://, mysql://, mariadb:// or sqlite:// URL",
        )
    return SERVER_BACKENDS[backend]


def mask(url: str | sa.URL) -> str:
    """The URL as it may be printed: the password replaced by ***."""
    u = parse_url(url) if isinstance(url, str) else url
    return u.render_as_string(hide_password=True)


def redact(text: str, *urls: str | sa.URL | None) -> str:
    """`text` with the password of every URL given replaced by ***."""
    for url in urls:
        if url is None:
            continue
        try:
            password = (sa.make_url(url) if isinstance(url, str) else url).password
        except sa.exc.ArgumentError:
            continue
        if password:
            text = text.replace(str(password), "***")
    return text


def connect_error(
    exc: BaseException, url: str | sa.URL, doing: str = "connect to"
) -> DatabaseError:
    """A DatabaseError for a failed connection: the URL masked, the driver's first line."""
    orig = getattr(exc, "orig", None) or exc
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return DatabaseError(
        f"cannot {doing} {mask(url)}: {redact(first, url)}",
        hint="check the host, port, user and password, and that the server is running",
    )


@contextlib.contextmanager
def stop_signals_raise() -> Iterator[None]:
    """While inside: SIGTERM raises SystemExit(143), as Ctrl-C raises KeyboardInterrupt, so
    cleanup in `finally` blocks runs. Only the main thread can install handlers; elsewhere
    this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold back Ctrl-C and SIGTERM while cleaning up; they are delivered afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def scratch_name(prefix: str, label: str, token: str) -> str:
    return f"{prefix}_{token}_{label}"


@contextlib.contextmanager
def scratch_databases(
    url: str | None,
    labels: Sequence[str],
    *,
    prefix: str = "converter_scratch",
) -> Iterator[dict[str, str]]:
    """Yield {label: URL} of new, empty databases; all are removed on the way out.

    `url` None or SQLite: files in a temporary directory. A server URL: databases on that
    server. The yielded URLs carry the password (they are for connecting): never print them,
    print `mask(url)`.
    """
    with stop_signals_raise():
        if dialect_of(url) == "sqlite":
            with _sqlite_files(labels, prefix) as urls:
                yield urls
        else:
            assert url is not None
            with _server_databases(parse_url(url), labels, prefix) as urls:
                yield urls


@contextlib.contextmanager
def _sqlite_files(labels: Sequence[str], prefix: str) -> Iterator[dict[str, str]]:
    tmp = tempfile.TemporaryDirectory(prefix=prefix + "_")
    try:
        yield {label: f"sqlite:///{Path(tmp.name) / (label + '.db')}" for label in labels}
    finally:
        with signals_deferred():
            tmp.cleanup()


def admin_engine(url: sa.URL) -> sa.Engine:
    """An autocommit engine on the server of `url`, for CREATE/DROP DATABASE."""
    if dialect_of(url) == "postgresql":
        url = url.set(database=url.database or PG_ADMIN_DATABASE)
    else:
        url = url.set(database=None)
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


@contextlib.contextmanager
def _server_databases(url: sa.URL, labels: Sequence[str], prefix: str) -> Iterator[dict[str, str]]:
    dialect = dialect_of(url)
    engine = admin_engine(url)
    token = secrets.token_hex(6)
    created: list[str] = []
    try:
        try:
            with engine.connect() as conn:
                create = _create_clause(conn, dialect, url.database)
                for label in labels:
                    name = scratch_name(prefix, label, token)
                    created.append(name)  # before CREATE: an interrupt right after still drops it
                    try:
                        conn.exec_driver_sql(create.format(name=name))
                    except sa.exc.DBAPIError:
                        created.pop()  # not ours (or not made): never drop it
                        raise
        except sa.exc.DBAPIError as exc:
            raise connect_error(exc, url, "create scratch databases on") from None
        urls = {
            label: url.set(database=name).render_as_string(hide_password=False)
            for label, name in zip(labels, created, strict=True)
        }
        yield urls
    except BaseException as exc:
        error = _cleanup(engine, created, url)
        if error is not None:
            exc.add_note(str(error))
        raise
    else:
        error = _cleanup(engine, created, url)
        if error is not None:
            raise error


def _cleanup(engine: sa.Engine, created: list[str], url: sa.URL) -> DatabaseError | None:
    with signals_deferred():
        problems = drop_databases(engine, created)
        engine.dispose()
    if not problems:
        return None
    dialect = dialect_of(url)
    return DatabaseError(
        f"could not drop the scratch database(s) {', '.join(problems)} on {mask(url)}",
        hint="drop them by hand: " + "; ".join(_drop_sql(dialect, n) for n in problems),
    )


def _create_clause(conn: sa.Connection, dialect: str, like: str | None) -> str:
    """CREATE DATABASE text with `{name}` to fill in. On MySQL the scratch database takes the
    character set and collation of the URL's database (or the server's defaults), since
    tables inherit them."""
    if dialect == "postgresql":
        return 'CREATE DATABASE "{name}"'
    row = None
    if like:
        row = conn.execute(
            sa.text(
                "SELECT default_character_set_name, default_collation_name "
                "FROM information_schema.schemata WHERE schema_name = :name"
            ),
            {"name": like},
        ).first()
    if row is None:
        return "CREATE DATABASE `{name}`"
    return f"CREATE DATABASE `{{name}}` CHARACTER SET {row[0]} COLLATE {row[1]}"


def _drop_sql(dialect: str, name: str) -> str:
    if dialect == "postgresql":
        return f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    return f"DROP DATABASE IF EXISTS `{name}`"


def drop_databases(engine: sa.Engine, names: Sequence[str]) -> list[str]:
    """Drop the named databases (only those), ending sessions still connected to them.
    Returns the names that could not be dropped."""
    if not names:
        return []
    dialect = dialect_of(engine.url)
    failed: list[str] = []
    try:
        with engine.connect() as conn:
            for name in names:
                try:
                    if dialect == "mysql":
                        _kill_sessions(conn, name)
                    conn.exec_driver_sql(_drop_sql(dialect, name))
                except sa.exc.DBAPIError:
                    failed.append(name)
    except sa.exc.DBAPIError:
        return list(names)
    return failed


def _kill_sessions(conn: sa.Connection, name: str) -> None:
    """MySQL: a session still running a statement in `name` holds locks DROP waits for."""
    rows = conn.execute(
        sa.text(
            "SELECT id FROM information_schema.processlist WHERE db = :name AND id <> CONNECTION_ID()"
        ),
        {"name": name},
    ).all()
    for (session,) in rows:
        with contextlib.suppress(sa.exc.DBAPIError):  # it may have ended meanwhile
            conn.exec_driver_sql(f"KILL {int(session)}")


def leftover_databases(url: str, prefix: str = "converter_") -> list[str]:
    """Databases on the server of `url` whose name starts with `prefix` (left by a killed run)."""
    u = parse_url(url)
    engine = admin_engine(u)
    try:
        with engine.connect() as conn:
            if dialect_of(u) == "postgresql":
                rows = conn.execute(sa.text("SELECT datname FROM pg_database")).scalars()
            else:
                rows = conn.execute(
                    sa.text("SELECT schema_name FROM information_schema.schemata")
                ).scalars()
            return sorted(n for n in rows if n.startswith(prefix))
    except sa.exc.DBAPIError as exc:
        raise connect_error(exc, u) from None
    finally:
        engine.dispose()


def engine_for(url: str, pooled: bool = False) -> sa.Engine:
    """An engine for a scratch or target database; `pooled` keeps one connection open
    between uses (verify's own engines), else each use connects anew."""
    engine = (
        sa.create_engine(url, pool_size=1, max_overflow=1)
        if pooled
        else sa.create_engine(url, poolclass=sa.pool.NullPool)
    )
    if engine.dialect.name == "sqlite":
        sqlite_transactional_ddl(engine)
    return engine
