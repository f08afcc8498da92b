"""The interface of a legacy tool's tracking-table reader, and the neutral model it reads into.

Each format module (`converter.formats.<tool>`) defines the reader of its tool's table beside
its file reader and names it in `LegacyFormat.tracking_reader`; `converter.tracking` builds
the registry from the formats and matches what a reader found against the Alembic history.

A reader finds its table in a database (`locate`: by the format's `tracking_tables`, or the
name the caller gives, checking the columns that prove the tool's shape) and reads it
(`read`) into a `TrackingState`: the migrations applied (`Applied`), in the order they were
applied when the table records it, plus refusals found on the way (a failed or dirty row).
This module stands on SQLAlchemy (reflection and plain SELECTs) and imports no format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from converter.formats.base import LegacyFormat

VERSIONED, REPEATABLE, BASELINE = "versioned", "repeatable", "baseline"
CUSTOM = "custom"


# ---------------------------------------------------------------------------------------
# The neutral model


@dataclass(frozen=True)
class Applied:
    """One migration a tracking table records as applied."""

    version: str | None  # the legacy tool's version (None: a Flyway repeatable)
    name: str | None = None  # script, change or description, for messages and repeatables
    checksum: str | None = None  # what the tool recorded, when it records one
    kind: str = VERSIONED  # versioned | repeatable | baseline
    order: Any = None  # installed_rank, id, ORDEREXECUTED, timestamp ...; None: not recorded
    identity: tuple[str, ...] = ()  # Liquibase: (id, author, filename)

    @property
    def label(self) -> str:
        if self.version is None:
            return f"repeatable {self.name}"
        return f"{self.version}" + (
            f" ({self.name})" if self.name and self.name != self.version else ""
        )


@dataclass
class TrackingState:
    """What a tracking table says: the migrations applied, in apply order when recorded."""

    tool: str
    table: str  # where it was read, for messages
    applied: list[Applied] = field(default_factory=list)
    latest_only: bool = False  # the table holds the latest version only (all before implied)
    refusals: list[tuple[str, str]] = field(default_factory=list)  # (message, hint)
    notes: list[str] = field(default_factory=list)
    companions: tuple[str, ...] = ()  # the tool's other tables (dropped with --drop-legacy-table)


@dataclass(frozen=True)
class Location:
    """A tracking table found in a database."""

    tool: str
    table: str  # as named in the database
    schema: str | None = None
    columns: tuple[str, ...] = ()  # actual column names
    problem: str | None = None  # the table is there but is not shaped like the tool's

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table


@dataclass(frozen=True)
class TrackingOptions:
    """What the caller knows about where and how the tool kept its table."""

    table: str | None = None  # the table's name when not the tool's default ("schema.table" ok)
    version_column: str | None = None  # custom table: the column holding versions
    project: str | None = None  # Sqitch project (from sqitch.plan)
    repository_id: str | None = None  # sqlalchemy-migrate repository (from migrate.cfg)
    registry: str | None = None  # Sqitch registry name (default sqitch)
    url: str | None = None  # the database's URL (Sqitch on SQLite: the registry file beside it)


# ---------------------------------------------------------------------------------------
# Finding and reading tables


def _split(name: str) -> tuple[str | None, str]:
    schema, dot, table = name.rpartition(".")
    return (schema or None, table) if dot else (None, name)


def find_table(conn: sa.Connection, name: str) -> Location | None:
    """The table `name` ("table" or "schema.table"), matched case-insensitively."""
    schema, table = _split(name)
    insp = sa.inspect(conn)
    try:
        names = insp.get_table_names(schema=schema)
    except sa.exc.DBAPIError:
        return None
    exact = [n for n in names if n == table]
    folded = exact or [n for n in names if n.lower() == table.lower()]
    if not folded:
        return None
    actual = folded[0]
    columns = tuple(c["name"] for c in insp.get_columns(actual, schema=schema))
    return Location("", actual, schema, columns)


def columns_by_name(loc: Location) -> dict[str, str]:
    return {c.lower(): c for c in loc.columns}


def select_rows(
    conn: sa.Connection, loc: Location, names: list[str], order: list[str] | None = None
) -> list[dict]:
    """Rows of `loc` with the columns `names` (lower-case keys), quoting as the database needs."""
    cols = columns_by_name(loc)
    table = sa.table(
        loc.table, *(sa.column(cols[n]) for n in names if n in cols), schema=loc.schema
    )
    stmt = sa.select(*(table.c[cols[n]].label(n) for n in names if n in cols))
    if order:
        stmt = stmt.order_by(*(table.c[cols[n]] for n in order if n in cols))
    return [dict(r._mapping) for r in conn.execute(stmt)]


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "t", "true", "y", "yes")
    if isinstance(value, bytes):  # MySQL BIT(1)
        return any(value)
    return bool(value)


def int_key(version: str) -> Any:
    text = version.strip()
    return int(text) if text.lstrip("-").isdigit() else ("text", text)


# ---------------------------------------------------------------------------------------
# The reader interface


class TrackingReader:
    """Base of every reader: the tool's tables (its format's), the columns that prove the
    shape, how versions compare, and how the table is read. One instance per format, made by
    the registry (`converter.tracking.READERS`) with the format it reads for."""

    required: tuple[str, ...] = ()  # lower-case columns the table must have
    ordered = True  # the table records the apply order

    def __init__(self, fmt: LegacyFormat) -> None:
        self.tool = fmt.name
        self.tables = fmt.tracking_tables  # where to look, in order of preference
        self.companions = fmt.tracking_companions

    def __repr__(self) -> str:
        return f"<tracking reader {self.tool}>"

    def key(self, version: str) -> Any:
        """What makes two versions the same for this tool."""
        return version

    def locate(self, conn: sa.Connection, options: TrackingOptions) -> list[Location]:
        names = (options.table,) if options.table else self.tables
        found: list[Location] = []
        for name in names:
            loc = find_table(conn, name)
            if loc is None:
                continue
            missing = [c for c in self.required if c not in columns_by_name(loc)]
            problem = None
            if missing:
                problem = (
                    f"{loc.qualified} is not shaped like {self.tool}'s table "
                    f"(no column {', '.join(missing)})"
                )
            found.append(Location(self.tool, loc.table, loc.schema, loc.columns, problem))
        return found

    def fits(self, loc: Location) -> bool:
        return loc.problem is None

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        raise NotImplementedError

    def state(self, loc: Location, **kw: Any) -> TrackingState:
        companions = tuple(c for c in self.companions if c.lower() != loc.table.lower())
        return TrackingState(self.tool, loc.qualified, companions=companions, **kw)
