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

Scratch database names carry their creation time (`<prefix>_<unix time>_<random>_<label>`):
the next verify/stamp/drift on the same server drops its own that are older than
`STALE_SECONDS` (`drop_stale_databases`) and says so; names of another shape are never
touched.

Also here, the URL helpers every command uses: parsing (`parse_url`: a bare `postgresql://`
gets psycopg, `mysql://`/`mariadb://` PyMySQL, a bad port or unknown driver is a usage
error), the dialect of a URL, masking secrets (`mask`, `redact`: the password and secret
query parameters such as `?password=`), connection errors, and `create_engine` (the one way
an engine is made: bounded connect time, `set_connect_timeout`; a missing driver says which
extra to install) with `engine_for` (an engine for a scratch or target database, with
SQLite's transactional-DDL recipe).
"""

from __future__ import annotations

import contextlib
import re
import secrets
import signal
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa

from converter.apply import sqlite_transactional_ddl
from converter.dialects import SERVER_BACKENDS
from converter.errors import ConnectFailed, ConnectTimeout, DatabaseError, UsageError

PG_ADMIN_DATABASE = "postgres"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
URL_HINT = (
    "write it as dialect+driver://user:password@host:port/database, "
    "e.g. postgresql+psycopg://postgres@127.0.0.1/postgres"
)
# the driver a URL gets when it names none (SQLAlchemy's own defaults, psycopg2 and MySQLdb,
# are not what this project installs)
DEFAULT_DRIVERS = {"postgresql": "psycopg", "mysql": "pymysql", "mariadb": "pymysql"}
# the extra of pyproject.toml that installs a driver
DRIVER_EXTRAS = {"psycopg": "postgres", "pymysql": "mysql"}
# query parameters of a URL whose values are secrets
SECRET_QUERY_KEYS = ("password", "passwd", "pwd", "sslpassword", "sslkey", "ssl_key")
DEFAULT_CONNECT_TIMEOUT = 10.0
STALE_SECONDS = 24 * 3600  # a scratch database older than this was left by a killed run

_connect_timeout = DEFAULT_CONNECT_TIMEOUT


def set_connect_timeout(seconds: float | None) -> None:
    """Seconds an engine made by `create_engine` waits for a server to answer a connection
    (None: the default, DEFAULT_CONNECT_TIMEOUT)."""
    global _connect_timeout
    if seconds is not None and seconds <= 0:
        raise UsageError("--timeout must be more than 0 seconds")
    _connect_timeout = DEFAULT_CONNECT_TIMEOUT if seconds is None else float(seconds)


def connect_timeout() -> float:
    return _connect_timeout


def parse_url(url: str | sa.URL) -> sa.URL:
    """The URL parsed; a server URL without a driver gets ours (see DEFAULT_DRIVERS)."""
    if isinstance(url, sa.URL):
        u = url
    else:
        try:
            u = sa.make_url(url)
            _ = u.port  # a port that is not a number raises here
        except (sa.exc.ArgumentError, ValueError) as exc:
            what = (
                "the port is not a number" if isinstance(exc, ValueError) else "not a database URL"
            )
            raise UsageError(f"{what}: {mask_text(str(url))}", hint=URL_HINT) from None
    if u.drivername in DEFAULT_DRIVERS:
        u = u.set(drivername=f"{u.drivername}+{DEFAULT_DRIVERS[u.drivername]}")
    return u


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
    """The URL as it may be printed: the password and secret query parameters replaced by
    ***. A URL that does not parse is masked as text."""
    if isinstance(url, str):
        try:
            u = sa.make_url(url)
        except (sa.exc.ArgumentError, ValueError):
            return mask_text(url)
    else:
        u = url
    return mask_text(u.render_as_string(hide_password=True))


# user:password@ in a URL
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][\w+.-]*://[^:/@\s]*:)[^@\s]*(?=@)")
# ?password=... / &sslpassword=... (also in libpq's key=value strings)
_QUERY_SECRET = re.compile(
    r"(?P<head>(?:[?&;\s]|^)(?:"
    + "|".join(SECRET_QUERY_KEYS)
    + r")\s*=\s*)(?P<value>'[^']*'|[^&\s'\"]*)",
    re.IGNORECASE,
)


def _secrets_of(url: str | sa.URL) -> list[str]:
    try:
        u = sa.make_url(url) if isinstance(url, str) else url
    except (sa.exc.ArgumentError, ValueError):
        m = _URL_PASSWORD.search(str(url))
        return [m.group(0)[len(m["head"]) :]] if m else []
    found = [str(u.password)] if u.password else []
    for key, value in u.query.items():
        if key.lower() in SECRET_QUERY_KEYS:
            found.extend([value] if isinstance(value, str) else list(value))
    return found


def mask_text(text: str, *urls: str | sa.URL | None) -> str:
    """`text` with every secret hidden: passwords written in URLs (`user:pw@`), secret query
    parameters (`password=...`), and the secrets of the URLs given wherever they appear (a
    secret shorter than 4 characters only where it sits in a URL: replacing every "b" of a
    message would make it unreadable)."""
    text = _URL_PASSWORD.sub(lambda m: m["head"] + "***", text)
    text = _QUERY_SECRET.sub(lambda m: m["head"] + "***", text)
    for url in urls:
        if url is None:
            continue
        for secret in _secrets_of(url):
            if len(secret) >= 4:
                text = text.replace(secret, "***")
    return text


def redact(text: str, *urls: str | sa.URL | None) -> str:
    """`text` with the secrets of every URL given (and any written in a URL) hidden."""
    return mask_text(text, *urls)


def is_disconnect(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) is a database connection that was lost (the
    server stopped or the network went away), not an error of the SQL."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, sa.exc.DBAPIError) and current.connection_invalidated:
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def is_timeout(exc: BaseException) -> bool:
    """True when a driver error says the server did not answer in time."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).lower()
    return isinstance(orig, TimeoutError) or "timeout expired" in text or "timed out" in text


def connect_error(
    exc: BaseException, url: str | sa.URL, doing: str = "connect to"
) -> DatabaseError:
    """A DatabaseError for a failed connection: the URL masked, the driver's first line; a
    ConnectTimeout when the server did not answer in time."""
    orig = getattr(exc, "orig", None) or exc
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    if is_timeout(exc):
        reason = f"timed out (no answer within {connect_timeout():g}s)"
        error: ConnectFailed = ConnectTimeout(
            f"cannot {doing} {mask(url)}: {reason}",
            hint="check the host and port (something listens there but does not answer), "
            "or allow more time with --timeout SECONDS",
        )
    elif is_disconnect(exc):
        reason = f"lost the connection: {redact(first, url)}"
        error = ConnectFailed(
            f"lost the connection to {mask(url)}: {redact(first, url)}",
            hint="check that the server is running, then run again",
        )
    else:
        reason = f"cannot {doing.split()[0]}: {redact(first, url)}"
        error = ConnectFailed(
            f"cannot {doing} {mask(url)}: {redact(first, url)}",
            hint="check the host, port, user and password, and that the server is running",
        )
    error.reason = reason
    return error


def create_engine(url: str | sa.URL, **kwargs) -> sa.Engine:
    """An engine whose connections are made within `connect_timeout()` seconds (PostgreSQL
    and MySQL; SQLite's `timeout` is its busy wait and left to the caller). A driver that is
    not installed, or unknown, is a UsageError naming what to install."""
    u = parse_url(url)
    backend = u.get_backend_name()
    timeout = connect_timeout()
    connect_args = dict(kwargs.pop("connect_args", {}))
    if backend == "postgresql":
        # libpq's connect_timeout: whole seconds, at least 2
        connect_args.setdefault("connect_timeout", max(2, round(timeout)))
    elif backend in ("mysql", "mariadb"):
        # PyMySQL's connect_timeout covers the TCP connect only; the server's greeting is read
        # with read_timeout, which is lifted again once connected (see _unbounded_reads)
        connect_args.setdefault("connect_timeout", timeout)
        if u.get_driver_name() == "pymysql":
            connect_args.setdefault("read_timeout", timeout)
    try:
        engine = sa.create_engine(u, connect_args=connect_args, **kwargs)
    except sa.exc.NoSuchModuleError:
        raise UsageError(
            f"unknown database driver {u.get_driver_name()!r} in {mask(u)}",
            hint="use postgresql+psycopg://, mysql+pymysql:// (or mariadb+pymysql://) or sqlite:///",
        ) from None
    except ImportError as exc:
        driver = u.get_driver_name()
        extra = DRIVER_EXTRAS.get(driver)
        raise UsageError(
            f"the database driver {driver!r} for {mask(u)} is not installed ({exc})",
            hint=f'pip install "converter[{extra}]"'
            if extra
            else "install it, or write the URL with +psycopg (PostgreSQL) or +pymysql (MySQL/MariaDB)",
        ) from None
    if backend in ("mysql", "mariadb") and u.get_driver_name() == "pymysql":
        sa.event.listen(engine, "connect", _unbounded_reads)
    return engine


def _unbounded_reads(dbapi_connection, record) -> None:
    """PyMySQL: once connected, reads wait as long as a statement runs (a bulk load may take
    minutes); the timeout was for the handshake only."""
    dbapi_connection._read_timeout = None


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


def scratch_token(now: float | None = None) -> str:
    """`<unix time>_<random>`: unique, and telling when the database was made."""
    return f"{int(time.time() if now is None else now)}_{secrets.token_hex(6)}"


# converter_<verb>_<unix time>_<12 hex>_<label>: the only shape ever dropped as stale
_SCRATCH_NAME = re.compile(r"^converter_[a-z]+_(?P<time>\d{9,11})_[0-9a-f]{12}_[a-z0-9_]+$")


def scratch_created(name: str) -> float | None:
    """When the scratch database `name` was made; None when the name is not of our shape."""
    m = _SCRATCH_NAME.match(name)
    return float(m["time"]) if m else None


def drop_stale_databases(url: str, older_than: float = STALE_SECONDS) -> list[str]:
    """Drop the scratch databases on the server of `url` left by killed runs: names of our
    shape (`converter_<verb>_<unix time>_<random>_<label>`) made more than `older_than`
    seconds ago (a live run's are younger: no run takes a day). Returns what was dropped.
    A server that cannot be listed is left as it is (the run itself will say why)."""
    if dialect_of(url) == "sqlite":
        return []
    try:
        names = leftover_databases(url)
    except DatabaseError:
        return []
    now = time.time()
    stale = [
        n for n in names if (made := scratch_created(n)) is not None and now - made > older_than
    ]
    if not stale:
        return []
    engine = admin_engine(parse_url(url))
    try:
        failed = drop_databases(engine, stale)
    finally:
        engine.dispose()
    return [n for n in stale if n not in failed]


@contextlib.contextmanager
def scratch_databases(
    url: str | None,
    labels: Sequence[str],
    *,
    prefix: str = "converter_scratch",
    notes: list[str] | None = None,
) -> Iterator[dict[str, str]]:
    """Yield {label: URL} of new, empty databases; all are removed on the way out.

    `url` None or SQLite: files in a temporary directory. A server URL: databases on that
    server; scratch databases that killed runs left there more than a day ago are dropped
    first (`drop_stale_databases`), and `notes` gets a line saying so. The yielded URLs
    carry the password (they are for connecting): never print them, print `mask(url)`.
    """
    with stop_signals_raise():
        if dialect_of(url) == "sqlite":
            with _sqlite_files(labels, prefix) as urls:
                yield urls
        else:
            assert url is not None
            with _server_databases(parse_url(url), labels, prefix) as urls:
                # the server answers: drop what killed runs left there (ours are young)
                dropped = drop_stale_databases(url)
                if dropped and notes is not None:
                    notes.append(
                        f"dropped {len(dropped)} scratch database(s) that a killed run left on "
                        f"{mask(url)} more than a day ago: {', '.join(dropped)}"
                    )
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
    return create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


@contextlib.contextmanager
def _server_databases(url: sa.URL, labels: Sequence[str], prefix: str) -> Iterator[dict[str, str]]:
    dialect = dialect_of(url)
    engine = admin_engine(url)
    token = scratch_token()
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
    if len(names) > 1:
        # side by side, one connection each: PostgreSQL's DROP DATABASE waits for a
        # checkpoint, and two drops waiting at once are served by one
        with ThreadPoolExecutor(max_workers=min(len(names), 4), thread_name_prefix="drop") as pool:
            return [
                n for part in pool.map(lambda n: drop_databases(engine, [n]), names) for n in part
            ]
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


def engine_for(url: str, pooled: bool = False, scratch: bool = False) -> sa.Engine:
    """An engine for a scratch or target database; `pooled` keeps one connection open
    between uses (verify's own engines), else each use connects anew; `scratch`: see
    `not_durable`."""
    engine = (
        create_engine(url, pool_size=1, max_overflow=1)
        if pooled
        else create_engine(url, poolclass=sa.pool.NullPool)
    )
    if engine.dialect.name == "sqlite":
        sqlite_transactional_ddl(engine)
    if scratch:
        not_durable(engine)
    return engine


def not_durable(engine: sa.Engine) -> None:
    """A scratch database is thrown away after the run: its commits need not wait for the
    disk. SQLite: `PRAGMA synchronous = OFF` and the rollback journal in memory; PostgreSQL:
    `synchronous_commit = off` (a commit does not wait for its WAL flush). Transactions
    (and their rollback) work as before; only a crash of the machine could lose them.
    MySQL/MariaDB: nothing (the setting is the server's, not the session's)."""
    name = engine.dialect.name
    if name not in ("sqlite", "postgresql"):
        return

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, record):
        cursor = dbapi_connection.cursor()
        try:
            if name == "sqlite":
                cursor.execute("PRAGMA synchronous = OFF")
                cursor.execute("PRAGMA journal_mode = MEMORY")
            else:
                cursor.execute("SET synchronous_commit = off")
        finally:
            cursor.close()
        if name == "postgresql" and not dbapi_connection.autocommit:
            dbapi_connection.commit()  # the SET, before SQLAlchemy resets the connection
