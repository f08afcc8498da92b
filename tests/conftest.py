"""Shared fixtures: scratch databases on the real servers.

Tests that need PostgreSQL or MariaDB get a freshly created, uniquely named database and it
is dropped afterwards. When a server is down the test is skipped with the reason, unless
CONVERTER_REQUIRE_DB=1 (set by .ci/run), where it fails instead.
"""

from __future__ import annotations

import os
import uuid
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
def pg_server() -> sa.Engine:
    engine = _server_or_skip(PG_SERVER, "PostgreSQL")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def mysql_server() -> sa.Engine:
    engine = _server_or_skip(MYSQL_SERVER, "MariaDB/MySQL")
    yield engine
    engine.dispose()


def _scratch_name() -> str:
    return "conv_test_" + uuid.uuid4().hex[:12]


@pytest.fixture
def pg_url(pg_server: sa.Engine):
    """URL of a new, empty PostgreSQL database, dropped after the test."""
    name = _scratch_name()
    with pg_server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield pg_server.url.set(database=name).render_as_string(hide_password=False)
    with pg_server.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def mysql_url(mysql_server: sa.Engine):
    """URL of a new, empty MariaDB database, dropped after the test."""
    name = _scratch_name()
    with mysql_server.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    yield mysql_server.url.set(database=name).render_as_string(hide_password=False)
    with mysql_server.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'scratch.db'}"


@pytest.fixture
def server(request):
    """server("postgresql") -> the URL of that server (not a database of it); None for sqlite."""

    def get(dialect: str) -> str | None:
        if dialect == "sqlite":
            return None
        engine = request.getfixturevalue("pg_server" if dialect == "postgresql" else "mysql_server")
        return engine.url.render_as_string(hide_password=False)

    return get


@pytest.fixture(params=["sqlite", "postgresql", "mysql"])
def db_url(request) -> str:
    """A scratch database URL for each of the three dialects in turn."""
    fixture = {"sqlite": "sqlite_url", "postgresql": "pg_url", "mysql": "mysql_url"}[request.param]
    return request.getfixturevalue(fixture)


@pytest.fixture
def make_db(request, tmp_path):
    """A factory of scratch databases: make_db("postgresql") -> URL; all dropped afterwards."""
    made: list[tuple[sa.Engine, str]] = []

    def make(dialect: str) -> str:
        if dialect == "sqlite":
            return f"sqlite:///{tmp_path / (_scratch_name() + '.db')}"
        server = request.getfixturevalue("pg_server" if dialect == "postgresql" else "mysql_server")
        name = _scratch_name()
        with server.connect() as conn:
            if dialect == "postgresql":
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            else:
                conn.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        made.append((server, name))
        return server.url.set(database=name).render_as_string(hide_password=False)

    yield make
    for server, name in made:
        with server.connect() as conn:
            if server.dialect.name == "postgresql":
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            else:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
