"""Shared fixtures: scratch databases on the real servers, and the markers derived from them.

Fast local loop, never touching a server (every test that would is deselected):

    python -m pytest -m "not postgres and not mysql"

Every scratch database a test gets comes from `make_db` here (`pg_url`, `mysql_url`,
`sqlite_url` and `db_url` are made by it): a freshly created, uniquely named database, dropped
afterwards. When a server is down the test is skipped with the reason, unless
CONVERTER_REQUIRE_DB=1 (set by .ci/run), where it fails instead.

The `postgres` and `mysql` markers are not written on tests: `pytest_collection_modifyitems`
adds them to every test that uses a fixture reaching that server, directly (`pg_server`,
`pg_url`, `mysql_server`, `mysql_url`) or through a dialect parameter (`db_url`, or `make_db` /
`server` in a test parametrised with "postgresql" or "mysql").
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"

PG_SERVER = os.environ.get(
    "CONVERTER_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
MYSQL_SERVER = os.environ.get("CONVERTER_TEST_MYSQL", "mysql+pymysql://root@127.0.0.1:3306/")
REQUIRE_DB = os.environ.get("CONVERTER_REQUIRE_DB") == "1"

# -- markers derived from fixtures -------------------------------------------------------------

MARKER = {"postgresql": "postgres", "mysql": "mysql"}
SERVER_FIXTURES = {
    "pg_server": "postgres",
    "pg_url": "postgres",
    "mysql_server": "mysql",
    "mysql_url": "mysql",
}
# fixtures that reach the server a dialect parameter names ("sqlite" reaches none)
DIALECT_FIXTURES = {"make_db", "server", "db_url"}


def _strings(values: Iterable[object]) -> Iterator[str]:
    for value in values:
        if isinstance(value, str):
            yield value
        elif isinstance(value, tuple | list):
            yield from _strings(value)


def server_markers(item: pytest.Item) -> set[str]:
    """The server markers `item` needs, read off its fixtures and its parameters."""
    names = set(getattr(item, "fixturenames", ()))
    callspec = getattr(item, "callspec", None)
    values = set(_strings(callspec.params.values())) if callspec is not None else set()
    needs = {SERVER_FIXTURES[n] for n in names & SERVER_FIXTURES.keys()}
    if names & DIALECT_FIXTURES:
        needs |= {MARKER[v] for v in values & MARKER.keys()}
    return needs


def _reach(request: pytest.FixtureRequest, dialect: str) -> sa.Engine:
    """The server of `dialect`, for a test marked as needing it (see server_markers): a test
    that names its server only inside its body must request pg_server or mysql_server, so
    that `-m "not postgres and not mysql"` never reaches a server."""
    marker = MARKER[dialect]
    if request.node.get_closest_marker(marker) is None:
        fixture = "pg_server" if dialect == "postgresql" else "mysql_server"
        pytest.fail(
            f"{request.node.nodeid} reaches the {dialect} server but is not marked {marker!r}:"
            f" request the {fixture} fixture or parametrise the dialect"
        )
    return request.getfixturevalue("pg_server" if dialect == "postgresql" else "mysql_server")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for marker in sorted(server_markers(item)):
            if item.get_closest_marker(marker) is None:
                item.add_marker(marker)


# -- servers -----------------------------------------------------------------------------------


def _server_or_skip(url: str, what: str) -> sa.Engine:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with engine.connect():
            pass
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "no server"
        engine.dispose()
        reason = f"{what} server not reachable at {sa.make_url(url).render_as_string(hide_password=True)}: {type(exc).__name__}"
        if REQUIRE_DB:
            pytest.fail(reason + " (CONVERTER_REQUIRE_DB=1: database tests are required)")
        pytest.skip(reason)
    return engine


@pytest.fixture(scope="session")
def pg_server() -> Iterator[sa.Engine]:
    engine = _server_or_skip(PG_SERVER, "PostgreSQL")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def mysql_server() -> Iterator[sa.Engine]:
    engine = _server_or_skip(MYSQL_SERVER, "MariaDB/MySQL")
    yield engine
    engine.dispose()


@pytest.fixture
def server(request: pytest.FixtureRequest):
    """server("postgresql") -> the URL of that server (not a database of it); None for sqlite."""

    def get(dialect: str) -> str | None:
        if dialect == "sqlite":
            return None
        return _reach(request, dialect).url.render_as_string(hide_password=False)

    return get


# -- scratch databases -------------------------------------------------------------------------


def _drop(server: sa.Engine, name: str) -> None:
    with server.connect() as conn:
        if server.dialect.name == "postgresql":
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        else:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")


class ScratchDatabases:
    """make_db("postgresql") -> the URL of a new, empty database; all dropped at teardown.

    SQLite databases are files, each in a folder of its own under the test's tmp_path (tools
    such as Sqitch keep a registry file beside the database)."""

    def __init__(self, request: pytest.FixtureRequest, tmp_path: Path) -> None:
        self._request = request
        self._tmp_path = tmp_path
        self._made: list[tuple[sa.Engine, str]] = []

    @staticmethod
    def name(prefix: str = "conv_test_") -> str:
        return prefix + uuid.uuid4().hex[:12]

    def _server(self, dialect: str) -> sa.Engine:
        return _reach(self._request, dialect)

    def __call__(self, dialect: str) -> str:
        name = self.name()
        if dialect == "sqlite":
            folder = self._tmp_path / name
            folder.mkdir()
            return f"sqlite:///{folder / 'db.sqlite'}"
        server = self._server(dialect)
        with server.connect() as conn:
            if dialect == "postgresql":
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            else:
                conn.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        self._made.append((server, name))
        return server.url.set(database=name).render_as_string(hide_password=False)

    def reserve(self, dialect: str, prefix: str) -> str:
        """A unique database name the code under test may create; dropped at teardown."""
        name = self.name(prefix)
        self._made.append((self._server(dialect), name))
        return name

    def drop_all(self) -> None:
        for server, name in self._made:
            _drop(server, name)


@pytest.fixture
def make_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ScratchDatabases]:
    """A factory of scratch databases: make_db("postgresql") -> URL; all dropped afterwards."""
    made = ScratchDatabases(request, tmp_path)
    yield made
    made.drop_all()


@pytest.fixture
def pg_url(pg_server: sa.Engine, make_db: ScratchDatabases) -> str:
    """URL of a new, empty PostgreSQL database, dropped after the test."""
    return make_db("postgresql")


@pytest.fixture
def mysql_url(mysql_server: sa.Engine, make_db: ScratchDatabases) -> str:
    """URL of a new, empty MariaDB database, dropped after the test."""
    return make_db("mysql")


@pytest.fixture
def sqlite_url(make_db: ScratchDatabases) -> str:
    return make_db("sqlite")


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """A scratch database URL for each of the three dialects in turn."""
    fixture = {"sqlite": "sqlite_url", "postgresql": "pg_url", "mysql": "mysql_url"}[request.param]
    return request.getfixturevalue(fixture)
