"""The three databases, once: names, sqlglot and SQLAlchemy dialects, URL schemes.

Every module that needs to know "which database" asks this registry instead of keeping its
own table (as Alembic's `ddl/impl.py` keeps one implementation class per dialect name).
What differs by database beyond these facts lives in per-database modules of the layer that
needs it (`snapshot/postgresql.py`, ...); the legacy tools' tracking tables are listed by the
formats (`converter.formats.tracking_tables()`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cached_property

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlglot.dialects.dialect import Dialect

from converter.errors import UsageError


@dataclass(frozen=True)
class Database:
    """One supported database."""

    name: str  # our name, also SQLAlchemy's dialect name: "postgresql", "mysql", "sqlite"
    sqlglot_name: str  # sqlglot's name for it
    sa_dialect_class: type[sa.Dialect]
    url_example: str  # a server URL to show in hints ("" for SQLite: a file needs nothing)
    # what `connection.dialect.name` says at run time on such a database
    runtime_names: tuple[str, ...] = ()

    @cached_property
    def sqlglot(self) -> Dialect:
        """sqlglot's dialect as a shared instance: a dialect given by name is a new instance on
        every parse and `sql()` call, which costs more than most of what is done with it."""
        return Dialect.get_or_raise(self.sqlglot_name)

    @cached_property
    def sa_dialect(self) -> sa.Dialect:
        """A SQLAlchemy dialect instance, for compiling types and reading `ischema_names`."""
        return self.sa_dialect_class()


DATABASES: dict[str, Database] = {
    "postgresql": Database(
        "postgresql",
        "postgres",
        postgresql.dialect,
        "postgresql+psycopg://postgres@127.0.0.1/postgres",
        ("postgresql",),
    ),
    "mysql": Database(
        "mysql", "mysql", mysql.dialect, "mysql+pymysql://root@127.0.0.1/", ("mysql", "mariadb")
    ),
    "sqlite": Database("sqlite", "sqlite", sqlite.dialect, "", ("sqlite",)),
}

# Our dialect names, in the order the CLI and messages list them.
DIALECTS: tuple[str, ...] = tuple(DATABASES)

# URL backends of servers, and the dialect each one is (MariaDB is "mysql" throughout).
SERVER_BACKENDS = {"postgresql": "postgresql", "mysql": "mysql", "mariadb": "mysql"}


def database(name: str) -> Database:
    """The registry entry of `name`; a UsageError with "did you mean" for an unknown name."""
    try:
        return DATABASES[name]
    except KeyError:
        close = difflib.get_close_matches(name, DATABASES, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "use one of " + ", ".join(DIALECTS)
        raise UsageError(f"unknown dialect {name!r}", hint=hint) from None


def sqlglot_dialect(name: str) -> Dialect:
    """The shared sqlglot dialect instance of `name`."""
    return database(name).sqlglot


def sa_dialect(name: str) -> sa.Dialect:
    """The shared SQLAlchemy dialect instance of `name`."""
    return database(name).sa_dialect
