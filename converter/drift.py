"""drift: does a live database still have the schema its Alembic history says it has?

`drift(alembic_dir, DriftOptions(url=LIVE_URL))` reads the revision(s) the live database is
stamped at (`alembic_version`), builds the schema of exactly that revision in a scratch
database of the same kind (a new database on the same server, or a temporary SQLite file;
dropped afterwards) with the real `alembic upgrade`, snapshots both schemas (no data) and
diffs them. A hotfix applied by hand (an ALTER TABLE nobody turned into a revision) shows up
as a difference naming the object and the attribute.

The live database is only read: on PostgreSQL in a READ ONLY transaction, on MySQL/MariaDB
in a session set to READ ONLY transactions, SQLite opened read-only (`mode=ro`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from alembic.script.revision import ResolutionError
from alembic.util import CommandError

from converter.diff import SchemaDiff, diff_snapshots
from converter.errors import DatabaseError, UsageError
from converter.history import AlembicHistory
from converter.scratch import (
    connect_error,
    create_engine,
    dialect_of,
    engine_for,
    mask,
    parse_url,
    redact,
    scratch_databases,
)
from converter.snapshot import SchemaSnapshot, left_out, take_snapshot
from converter.write import write_file

SCRATCH_PREFIX = "converter_drift"
VERSION_TABLE = "alembic_version"
LABELS = ("the history", "the live database")


@dataclass(frozen=True)
class DriftOptions:
    url: str  # the live database (read only)
    scratch_url: str | None = None  # a server for the scratch database; default: the live one's
    json: Path | None = None  # write a JSON report here


@dataclass
class DriftReport:
    url: str  # masked
    alembic_dir: Path
    dialect: str
    revisions: tuple[str, ...]  # what the live database is stamped at
    diff: SchemaDiff
    seconds: float = 0.0
    left_out: tuple[str, ...] = ()  # the live database's bookkeeping tables, not compared
    cleanup: list[str] = field(default_factory=list)  # our stale scratch databases dropped

    @property
    def drifted(self) -> bool:
        return not self.diff.is_empty

    def summary(self) -> str:
        at = ", ".join(self.revisions) or "base (no revision)"
        if not self.drifted:
            return f"no drift: {self.url} matches the Alembic history at {at}"
        n = len(self.diff.differences)
        return f"DRIFT: {self.url} differs from the Alembic history at {at} ({n} difference{'s' if n > 1 else ''})"

    def notes(self) -> list[str]:
        left = ["not compared (migration bookkeeping): " + ", ".join(self.left_out)]
        return (left if self.left_out else []) + list(self.cleanup)

    def text(self) -> str:
        lines = [self.summary(), *("  " + line for line in self.diff.lines())]
        return "\n".join(lines + [f"note: {n}" for n in self.notes()])

    def to_json(self) -> dict[str, Any]:
        return {
            "drifted": self.drifted,
            "summary": self.summary(),
            "url": self.url,
            "alembic_dir": str(self.alembic_dir),
            "dialect": self.dialect,
            "revisions": list(self.revisions),
            "differences": self.diff.to_json()["differences"],
            "notes": self.notes(),
            "not_compared": list(self.left_out),
            "seconds": round(self.seconds, 3),
        }


def drift(alembic_dir: Path, options: DriftOptions) -> DriftReport:
    """Compare the live database with the schema its stamped revision should have.

    `--json` is written on every outcome: when the check itself fails (no connection, a
    revision the directory lacks, a revision that fails to build), the error is the report
    (`"drifted": null`, `"error": ...`), so a CI job that archives it never finds it missing.
    """
    started = time.perf_counter()
    try:
        report = _drift(alembic_dir, options, started)
    except BaseException as exc:
        if options.json is not None:
            with contextlib.suppress(Exception):
                write_file(Path(options.json), _error_json(exc, alembic_dir, options, started))
        raise
    if options.json is not None:
        write_file(Path(options.json), json.dumps(report.to_json(), indent=2) + "\n")
    return report


def _error_json(
    exc: BaseException, alembic_dir: Path, options: DriftOptions, started: float
) -> str:
    if isinstance(exc, KeyboardInterrupt):
        error = "interrupted (Ctrl-C)"
    elif isinstance(exc, SystemExit):
        error = f"stopped by a signal (exit {exc.code})"
    else:
        error = redact(str(exc) or type(exc).__name__, options.url)
    report = {
        "drifted": None,
        "summary": f"drift check failed: {error}",
        "error": error,
        "url": mask(options.url),
        "alembic_dir": str(alembic_dir),
        "seconds": round(time.perf_counter() - started, 3),
    }
    return json.dumps(report, indent=2) + "\n"


def _drift(alembic_dir: Path, options: DriftOptions, started: float) -> DriftReport:
    live_url = parse_url(options.url)
    dialect = dialect_of(live_url)
    if options.scratch_url is not None and dialect_of(options.scratch_url) != dialect:
        raise UsageError(
            f"the scratch server {mask(options.scratch_url)} is not {dialect} like the live database",
            hint="pass a --scratch-url of the same kind of server",
        )
    history = AlembicHistory(Path(alembic_dir))
    revisions, live, not_compared = read_live(live_url)
    for rev in revisions:
        try:
            history.script.get_revision(rev)
        except (CommandError, ResolutionError):
            raise UsageError(
                f"{mask(live_url)} is stamped at revision {rev!r}, which {alembic_dir} does not have",
                path=alembic_dir,
                hint="check --alembic-dir (the database may have been migrated from a newer checkout)",
            ) from None
    notes: list[str] = []
    with scratch_databases(
        options.scratch_url or options.url, ("expected",), prefix=SCRATCH_PREFIX, notes=notes
    ) as urls:
        scratch = urls["expected"]
        try:
            for rev in revisions:
                history.upgrade(scratch, rev)
        except Exception as exc:  # noqa: BLE001 - whatever a revision raises is the user's code
            raise DatabaseError(
                f"building the schema of {', '.join(revisions)} failed: {redact(str(exc), scratch, options.url)}",
                hint="run `converter verify` on the history; the revision itself fails on an empty database",
            ) from None
        engine = engine_for(scratch)
        try:
            with engine.connect() as conn:
                expected = take_snapshot(conn, data=False)
        finally:
            engine.dispose()
    report = DriftReport(
        url=mask(live_url),
        alembic_dir=Path(alembic_dir),
        dialect=dialect,
        revisions=revisions,
        diff=dataclasses.replace(diff_snapshots(expected, live, labels=LABELS), sided=True),
        seconds=time.perf_counter() - started,
        left_out=tuple(not_compared),
        cleanup=notes,
    )
    return report


def read_only_engine(url: sa.URL) -> sa.Engine:
    """An engine whose connections cannot write (see the module doc)."""
    dialect = dialect_of(url)
    if dialect == "sqlite":
        path = url.database
        if not path or path == ":memory:" or not Path(path).is_file():
            raise DatabaseError(
                f"no SQLite database file at {path or '(none)'}",
                hint="pass the URL of an existing database file, e.g. sqlite:///app.db",
            )
        uri = f"sqlite:///file:{quote(str(Path(path).resolve()))}?mode=ro&uri=true"
        return create_engine(uri, poolclass=sa.pool.NullPool)
    engine = create_engine(url, poolclass=sa.pool.NullPool)
    if dialect == "postgresql":
        return engine.execution_options(postgresql_readonly=True)

    @sa.event.listens_for(engine, "connect")
    def _read_only(dbapi_connection, record):
        cursor = dbapi_connection.cursor()
        cursor.execute("SET SESSION TRANSACTION READ ONLY")
        cursor.close()

    return engine


def read_live(url: sa.URL) -> tuple[tuple[str, ...], SchemaSnapshot, list[str]]:
    """The revisions the live database is stamped at, its schema and the bookkeeping tables
    the snapshot left out; read only."""
    engine = read_only_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(VERSION_TABLE):
                raise DatabaseError(
                    f"{mask(url)} has no {VERSION_TABLE} table: it is not stamped with an Alembic revision",
                    hint="stamp it first (`converter stamp`, or `alembic stamp <revision>`)",
                )
            rows = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
            snapshot = take_snapshot(conn, data=False)
            not_compared = left_out(conn)
            conn.rollback()
    except sa.exc.DBAPIError as exc:
        raise connect_error(exc, url, "read") from None
    finally:
        engine.dispose()
    return tuple(sorted(rows)), snapshot, not_compared
