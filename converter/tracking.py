"""The legacy tools' tracking tables: what each one says is applied, and what that means.

One small reader per tool, keyed by format name (`READERS`). A reader finds its table in a
database (`locate`, which also tells golang-migrate's `schema_migrations` from dbmate's by
the columns) and reads it (`read`) into a neutral `TrackingState`: the migrations applied,
in the order they were applied when the table records it, plus refusals found on the way
(golang-migrate `dirty`, a Flyway row with `success = false`, a Liquibase `FAILED` row).

`resolve(state, steps)` is pure: it matches the applied migrations against the legacy steps
of the Alembic history (`HistoryStep`, in history order) and returns the last legacy step the
database has, or raises `Refusal` saying what is wrong and what to do: a version no file
knows, a gap, an out-of-order apply, an edited migration (Flyway and Liquibase checksums),
several possible answers. Facts from `/work/shared/docs/FORMATS.md`:

- Flyway: `flyway_schema_history` (before Flyway 5 `schema_version`), ordered by
  `installed_rank`; versions compare numerically (`1.0` == `1`); `BASELINE` rows stand for
  every version up to theirs; repeatables have no version and run again when their checksum
  changes; `UNDO_SQL` and `DELETE` rows take a version back out.
- golang-migrate: one row, the latest version; `dirty` while (or because) it failed.
- dbmate: one row per applied version (text), no order.
- goose: per `version_id` the row with the highest `id` counts; version 0 is always there.
- Sqitch: registry `sqitch` (a schema on PostgreSQL, a database on MySQL, the file
  `sqitch.<ext>` beside a SQLite database); `changes` holds the deployed changes.
- Liquibase: `DATABASECHANGELOG`, identity (ID, AUTHOR, FILENAME), ordered by ORDEREXECUTED.
- yoyo: `_yoyo_migration`, `migration_hash` = sha256(migration id).
- sqlalchemy-migrate: `migrate_version`, one row (latest version) per repository.
- diesel: `__diesel_schema_migrations`, one row per applied version.
- A custom table (`--table NAME --version-column COL`): one row per applied version; a
  table holding a single row is read as "the latest version applied".
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from converter.errors import ConverterError
from converter.formats.flyway import version_key as flyway_version_key

VERSIONED, REPEATABLE, BASELINE = "versioned", "repeatable", "baseline"
CUSTOM = "custom"


class Refusal(ConverterError):
    """This database cannot be stamped safely; the message says why, the hint what to do,
    and `details` (lines) show the evidence, such as a schema diff."""

    def __init__(
        self, message: str, *, hint: str | None = None, details: list[str] | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.details = list(details or [])


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
class HistoryStep:
    """One legacy migration as the Alembic history holds it (position 1 is the first)."""

    index: int
    revision: str
    version: str | None  # `legacy_version` of the revision ("" for a Flyway repeatable)
    kind: str = VERSIONED
    files: tuple[str, ...] = ()  # legacy files, relative to the legacy root
    checksum: str | None = None  # the tool's checksum of the file (known with --legacy-dir)
    identity: tuple[str, ...] = ()  # Liquibase (id, author, filename), known with --legacy-dir
    rerun_on_change: bool = False  # Liquibase runOnChange / runAlways
    valid_checksums: tuple[str, ...] = ()  # Liquibase validCheckSum

    @property
    def label(self) -> str:
        what = self.version if self.version else (self.files[0] if self.files else self.revision)
        return f"{what} ({self.files[0]})" if self.files and self.version else what


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
# Finding tables


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


def _cols(loc: Location) -> dict[str, str]:
    return {c.lower(): c for c in loc.columns}


def _select(
    conn: sa.Connection, loc: Location, names: list[str], order: list[str] | None = None
) -> list[dict]:
    """Rows of `loc` with the columns `names` (lower-case keys), quoting as the database needs."""
    cols = _cols(loc)
    table = sa.table(
        loc.table, *(sa.column(cols[n]) for n in names if n in cols), schema=loc.schema
    )
    stmt = sa.select(*(table.c[cols[n]].label(n) for n in names if n in cols))
    if order:
        stmt = stmt.order_by(*(table.c[cols[n]] for n in order if n in cols))
    return [dict(r._mapping) for r in conn.execute(stmt)]


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "t", "true", "y", "yes")
    if isinstance(value, bytes):  # MySQL BIT(1)
        return any(value)
    return bool(value)


# ---------------------------------------------------------------------------------------
# Readers


class TrackingReader:
    """Base of every reader: the tool's default tables, the columns that prove the shape,
    how versions compare, and how the table is read."""

    tool = ""
    tables: tuple[str, ...] = ()
    required: tuple[str, ...] = ()  # lower-case columns the table must have
    companions: tuple[str, ...] = ()
    ordered = True  # the table records the apply order

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
            missing = [c for c in self.required if c not in _cols(loc)]
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


def _int_key(version: str) -> Any:
    text = version.strip()
    return int(text) if text.lstrip("-").isdigit() else ("text", text)


class FlywayReader(TrackingReader):
    tool = "flyway"
    tables = ("flyway_schema_history", "schema_version")
    required = ("installed_rank", "version", "script", "success")

    def key(self, version: str) -> Any:
        try:
            return flyway_version_key(version.replace("_", "."))
        except ValueError:
            return ("text", version)

    def locate(self, conn: sa.Connection, options: TrackingOptions) -> list[Location]:
        found = super().locate(conn, options)
        fitting = [loc for loc in found if loc.problem is None]
        if len(fitting) == 2:  # Flyway 5+ uses flyway_schema_history when both exist
            return [loc for loc in fitting if loc.table.lower() == "flyway_schema_history"]
        if fitting:
            return fitting
        # `schema_version` is a common name: a table of another shape is not Flyway's
        return [loc for loc in found if loc.table.lower() != "schema_version"]

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        rows = _select(
            conn,
            loc,
            ["installed_rank", "version", "description", "type", "script", "checksum", "success"],
            order=["installed_rank"],
        )
        state = self.state(loc)
        applied: list[Applied] = []
        repeatables: dict[str, Applied] = {}
        for row in rows:
            version = None if row.get("version") in (None, "") else str(row["version"])
            kind = str(row.get("type") or "SQL").upper()
            script = row.get("script") or row.get("description")
            rank = row.get("installed_rank")
            if kind == "SCHEMA":
                continue  # Flyway's "<< Flyway Schema Creation >>" marker, not a migration
            if not _truthy(row.get("success")):
                what = f"version {version}" if version else f"repeatable {script}"
                state.refusals.append(
                    (
                        f"{loc.qualified} records {what} ({script}) as failed (success = false, "
                        f"installed_rank {rank})",
                        "finish or undo that migration by hand, then `flyway repair` (or delete the row) "
                        "and stamp again",
                    )
                )
                continue
            checksum = None if row.get("checksum") is None else str(row["checksum"])
            if kind.startswith("UNDO") or kind == "DELETE":
                applied = [
                    a
                    for a in applied
                    if a.version is None or self.key(a.version) != self.key(version or "")
                ]
                continue
            if version is None:
                repeatables[str(row.get("description") or script)] = Applied(
                    None, str(script), checksum, REPEATABLE, rank
                )
                continue
            is_baseline = kind in ("BASELINE", "SQL_BASELINE")
            applied.append(
                Applied(
                    version, str(script), checksum, BASELINE if is_baseline else VERSIONED, rank
                )
            )
        state.applied = applied + sorted(repeatables.values(), key=lambda a: a.order)
        return state


class GolangMigrateReader(TrackingReader):
    tool = "golang-migrate"
    tables = ("schema_migrations",)
    required = ("version", "dirty")

    def key(self, version: str) -> Any:
        return _int_key(version)

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        rows = _select(conn, loc, ["version", "dirty"])
        state = self.state(loc, latest_only=True)
        if len(rows) > 1:
            state.refusals.append(
                (
                    f"{loc.qualified} holds {len(rows)} rows; golang-migrate keeps exactly one (the latest version)",
                    "check that this is golang-migrate's table, or name the tool with --from-table",
                )
            )
            return state
        if rows:
            version = str(rows[0]["version"])
            if _truthy(rows[0]["dirty"]):
                state.refusals.append(
                    (
                        f"{loc.qualified} is dirty at version {version}: that migration failed or is "
                        "still running, so the schema is somewhere inside it",
                        f"repair the schema by hand, then `migrate force {version}` (if it is complete) "
                        "or `migrate force <previous version>`, and stamp again",
                    )
                )
            elif int(version) >= 0:
                state.applied = [Applied(version)]
        return state


class DbmateReader(TrackingReader):
    tool = "dbmate"
    tables = ("schema_migrations",)
    required = ("version",)
    ordered = False

    def fits(self, loc: Location) -> bool:
        return loc.problem is None and "dirty" not in _cols(loc)

    def locate(self, conn: sa.Connection, options: TrackingOptions) -> list[Location]:
        out = []
        for loc in super().locate(conn, options):
            if loc.problem is None and "dirty" in _cols(loc):
                loc = Location(
                    loc.tool,
                    loc.table,
                    loc.schema,
                    loc.columns,
                    f"{loc.qualified} has a `dirty` column: it is golang-migrate's, not dbmate's",
                )
            out.append(loc)
        return out

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        rows = _select(conn, loc, ["version"], order=["version"])
        return self.state(loc, applied=[Applied(str(r["version"])) for r in rows])


class GooseReader(TrackingReader):
    tool = "goose"
    tables = ("goose_db_version",)
    required = ("id", "version_id", "is_applied")

    def key(self, version: str) -> Any:
        return _int_key(version)

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        rows = _select(conn, loc, ["id", "version_id", "is_applied"], order=["id"])
        latest: dict[int, dict] = {}
        for row in rows:  # ordered by id: the last row of a version wins
            latest[int(row["version_id"])] = row
        applied = [
            Applied(str(v), order=row["id"])
            for v, row in latest.items()
            if v != 0 and _truthy(row["is_applied"])
        ]
        applied.sort(key=lambda a: a.order)
        return self.state(loc, applied=applied)


class SqitchReader(TrackingReader):
    tool = "sqitch"
    tables = ("changes",)
    companions = ()

    def registry(self, options: TrackingOptions) -> str:
        return options.registry or options.table or "sqitch"

    def locate(self, conn: sa.Connection, options: TrackingOptions) -> list[Location]:
        registry = self.registry(options)
        dialect = conn.dialect.name
        if dialect == "sqlite":
            path = sqlite_registry_path(options.url, registry)
            if path is None or not path.is_file():
                return []
            return [
                Location(
                    self.tool,
                    "changes",
                    registry,
                    ("change_id", "change", "project", "committed_at"),
                )
            ]
        if dialect == "postgresql":
            if registry not in sa.inspect(conn).get_schema_names():
                return []
        elif not conn.execute(
            sa.text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"),
            {"s": registry},
        ).first():
            return []
        loc = find_table(conn, f"{registry}.changes")
        if loc is None:
            return []
        missing = [c for c in ("change", "project", "committed_at") if c not in _cols(loc)]
        problem = (
            f"{registry}.changes is not a Sqitch registry table (no {', '.join(missing)})"
            if missing
            else None
        )
        return [Location(self.tool, loc.table, registry, loc.columns, problem)]

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        if conn.dialect.name == "sqlite":
            path = sqlite_registry_path(options.url, loc.schema or "sqitch")
            assert path is not None
            engine = sa.create_engine(
                f"sqlite:///file:{path}?mode=ro&uri=true", poolclass=sa.pool.NullPool
            )
            try:
                with engine.connect() as reg:
                    found = find_table(reg, "changes")
                    if found is None:
                        return TrackingState(self.tool, str(path))
                    rows = _select(
                        reg,
                        Location(self.tool, found.table, None, found.columns),
                        ["change_id", "change", "project", "script_hash", "committed_at"],
                        order=["committed_at"],
                    )
            finally:
                engine.dispose()
            where = f"{path.name} (Sqitch registry beside the database)"
        else:
            rows = _select(
                conn,
                loc,
                ["change_id", "change", "project", "script_hash", "committed_at"],
                order=["committed_at"],
            )
            where = loc.qualified
        state = TrackingState(self.tool, where)
        projects = sorted({str(r["project"]) for r in rows})
        project = options.project
        if project is None and len(projects) > 1:
            state.refusals.append(
                (
                    f"the Sqitch registry {where} holds several projects ({', '.join(projects)}) and "
                    "which one this history is cannot be told",
                    "pass --legacy-dir (its sqitch.plan names the project)",
                )
            )
            return state
        state.applied = [
            Applied(
                str(r["change"]),
                str(r["change"]),
                r.get("script_hash"),
                VERSIONED,
                r["committed_at"],
            )
            for r in rows
            if project is None or r["project"] == project
        ]
        if project is not None and projects and project not in projects:
            state.notes.append(
                f"the Sqitch registry has no change of project {project} (it has {', '.join(projects)})"
            )
        return state


def sqlite_registry_path(url: str | None, registry: str) -> Path | None:
    """Sqitch on SQLite keeps its registry in `<registry><ext>` beside the target file."""
    if url is None:
        return None
    database = sa.make_url(url).database
    if not database or database == ":memory:":
        return None
    if Path(registry).is_absolute():
        return Path(registry)
    target = Path(database)
    return target.with_name(registry + target.suffix)


class LiquibaseReader(TrackingReader):
    tool = "liquibase"
    tables = ("databasechangelog",)
    required = ("id", "author", "filename")
    companions = ("databasechangeloglock",)

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        rows = _select(
            conn,
            loc,
            ["id", "author", "filename", "dateexecuted", "orderexecuted", "exectype", "md5sum"],
            order=["orderexecuted", "dateexecuted"],
        )
        state = self.state(loc)
        for row in rows:
            ident = (str(row["id"]), str(row["author"]), str(row["filename"]))
            exectype = str(row.get("exectype") or "EXECUTED").upper()
            if exectype == "FAILED":
                state.refusals.append(
                    (
                        f"{loc.qualified} records changeset {ident[1]}:{ident[0]} ({ident[2]}) as FAILED",
                        "finish or undo that changeset by hand, fix its row (or run it again with "
                        "Liquibase), then stamp again",
                    )
                )
                continue
            if exectype == "SKIPPED":
                continue  # not applied
            state.applied.append(
                Applied(
                    ident[0],
                    ident[2],
                    None if row.get("md5sum") is None else str(row["md5sum"]),
                    VERSIONED,
                    row.get("orderexecuted"),
                    ident,
                )
            )
        return state


class YoyoReader(TrackingReader):
    tool = "yoyo"
    tables = ("_yoyo_migration",)
    required = ("migration_hash", "migration_id")
    companions = ("_yoyo_log", "_yoyo_version", "yoyo_lock")

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        rows = _select(
            conn,
            loc,
            ["migration_hash", "migration_id", "applied_at_utc"],
            order=["applied_at_utc"],
        )
        state = self.state(loc)
        for row in rows:
            mid = str(row["migration_id"])
            expected = yoyo_hash(mid)
            if str(row["migration_hash"]) != expected:
                state.refusals.append(
                    (
                        f"{loc.qualified}: migration_hash {row['migration_hash']} is not sha256({mid!r}); "
                        "yoyo would not recognise that row",
                        "check the table (was it edited by hand?), fix the row, then stamp again",
                    )
                )
                continue
            state.applied.append(Applied(mid, mid, order=row.get("applied_at_utc")))
        return state


def yoyo_hash(migration_id: str) -> str:
    return hashlib.sha256(migration_id.encode("utf-8")).hexdigest()


class SqlalchemyMigrateReader(TrackingReader):
    tool = "sqlalchemy-migrate"
    tables = ("migrate_version",)
    required = ("repository_id", "version")

    def key(self, version: str) -> Any:
        return _int_key(version)

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        rows = _select(conn, loc, ["repository_id", "repository_path", "version"])
        state = self.state(loc, latest_only=True)
        repos = {str(r["repository_id"]): r for r in rows}
        wanted = options.repository_id
        if wanted is None:
            if len(repos) > 1:
                state.refusals.append(
                    (
                        f"{loc.qualified} holds several repositories ({', '.join(sorted(repos))}) and which "
                        "one this history is cannot be told",
                        "pass --legacy-dir (its migrate.cfg names the repository_id)",
                    )
                )
                return state
            row = next(iter(repos.values()), None)
        else:
            row = repos.get(wanted)
            if row is None and repos:
                state.refusals.append(
                    (
                        f"{loc.qualified} has no row for repository {wanted!r} (it has {', '.join(sorted(repos))})",
                        "check --legacy-dir: its migrate.cfg repository_id must match the database's",
                    )
                )
                return state
        if row is not None and int(row["version"]) > 0:
            state.applied = [Applied(str(row["version"]), str(row["repository_id"]))]
        return state


class DieselReader(TrackingReader):
    tool = "diesel"
    tables = ("__diesel_schema_migrations",)
    required = ("version",)
    ordered = False  # run_on has one-second resolution: several migrations share it

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        rows = _select(conn, loc, ["version"], order=["version"])
        return self.state(loc, applied=[Applied(str(r["version"])) for r in rows])


class CustomReader(TrackingReader):
    """`--table NAME --version-column COL`: a project's own table."""

    tool = CUSTOM
    ordered = False

    def key(self, version: str) -> Any:
        return _int_key(version)

    def locate(self, conn: sa.Connection, options: TrackingOptions) -> list[Location]:
        assert options.table and options.version_column
        loc = find_table(conn, options.table)
        if loc is None:
            return []
        problem = None
        if options.version_column.lower() not in _cols(loc):
            problem = f"{loc.qualified} has no column {options.version_column} (it has {', '.join(loc.columns)})"
        return [Location(self.tool, loc.table, loc.schema, loc.columns, problem)]

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        assert options.version_column
        col = options.version_column.lower()
        rows = _select(conn, loc, [col])
        versions = [str(r[col]) for r in rows if r[col] is not None and str(r[col]).strip()]
        state = TrackingState(self.tool, loc.qualified, applied=[Applied(v) for v in versions])
        if len(versions) == 1:
            state.latest_only = True
            state.notes.append(
                f"{loc.qualified} holds one row: read as the latest version applied "
                "(every earlier one implied)"
            )
        return state


READERS: dict[str, TrackingReader] = {
    r.tool: r
    for r in (
        FlywayReader(),
        GolangMigrateReader(),
        DbmateReader(),
        GooseReader(),
        SqitchReader(),
        LiquibaseReader(),
        YoyoReader(),
        SqlalchemyMigrateReader(),
        DieselReader(),
    )
}
"""Format name -> reader. `plain` has no table of its own (use a custom one)."""

CUSTOM_READER = CustomReader()

TOOLS = tuple(READERS)


# ---------------------------------------------------------------------------------------
# Matching a state against the history


@dataclass
class Resolution:
    """The last legacy step the database has (None: nothing applied: base), and why."""

    step: HistoryStep | None
    legacy_version: str | None  # as the table records it, for display
    notes: list[str] = field(default_factory=list)


def resolve(
    state: TrackingState, steps: list[HistoryStep], reader: TrackingReader, checked_files: bool
) -> Resolution:
    """Match `state` against `steps` (the legacy steps of the history, in order); see the
    module docstring. `checked_files`: the steps carry the legacy files' checksums."""
    if state.refusals:
        message, hint = state.refusals[0]
        more = f" (and {len(state.refusals) - 1} more such rows)" if len(state.refusals) > 1 else ""
        raise Refusal(message + more, hint=hint)
    notes = list(state.notes)
    versioned_steps = [s for s in steps if s.kind != REPEATABLE]
    repeatable_steps = [s for s in steps if s.kind == REPEATABLE]
    applied = [a for a in state.applied if a.kind != REPEATABLE]
    applied_repeatables = [a for a in state.applied if a.kind == REPEATABLE]
    match = matcher(reader)

    # a Flyway baseline row stands for every version up to its own
    implied: list[HistoryStep] = []
    if applied and applied[0].kind == BASELINE:
        base = applied.pop(0)
        implied = [
            s
            for s in versioned_steps
            if s.version and reader.key(s.version) <= reader.key(base.version or "")
        ]
        notes.append(
            f"baseline at version {base.version}: versions up to it count as applied"
            + (f" ({len(implied)} in the history)" if implied else " (none in the history)")
        )
    for a in applied:
        if a.kind == BASELINE:
            raise Refusal(
                f"{state.table} has a baseline row (version {a.version}) after other migrations",
                hint="Flyway only baselines an unmanaged database; check the table by hand",
            )

    positions = []
    for a in applied:
        found = [s for s in versioned_steps if match(a, s)]
        if not found:
            raise Refusal(
                f"{state.table} records {a.label} as applied, but no migration in the history has "
                "that version",
                hint="the database ran a migration this checkout does not have: use the right "
                "--alembic-dir (and --legacy-dir), or convert the missing file first",
            )
        positions.append(found)

    if state.latest_only:
        if not applied:
            return Resolution(None, None, notes)
        if len(positions[0]) > 1:
            raise _several(state, applied[0], positions[0])
        last = positions[0][0]
        return Resolution(last, applied[0].version, notes)

    done = list(implied)
    start = len(implied)
    pairs: list[tuple[Applied, HistoryStep]] = []
    if reader.ordered:
        if all(a.order is not None for a in applied):
            # rows recorded at the same moment (timestamps) may come back in any order
            ranked = sorted(
                zip(applied, positions, strict=True),
                key=lambda p: (p[0].order, min(s.index for s in p[1])),
            )
            applied, positions = [a for a, _ in ranked], [f for _, f in ranked]
        for i, (a, found) in enumerate(zip(applied, positions, strict=True)):
            expected = versioned_steps[start + i] if start + i < len(versioned_steps) else None
            if expected is None or expected not in found:
                _refuse_order(state, applied, positions, versioned_steps, start, i)
            assert expected is not None
            pairs.append((a, expected))
    else:
        for a, found in zip(applied, positions, strict=True):
            if len(found) > 1:
                raise _several(state, a, found)
            pairs.append((a, found[0]))
        wanted = {s.index for _, s in pairs}
        if len(wanted) != len(pairs):
            raise Refusal(
                f"{state.table} records one migration twice", hint="check the table by hand"
            )
        expected_steps = versioned_steps[start : start + len(pairs)]
        if {s.index for s in expected_steps} != wanted:
            top = max(wanted)
            missing = [
                s for s in versioned_steps[start:] if s.index < top and s.index not in wanted
            ]
            later = sorted(
                (s for _, s in pairs if s.index > missing[0].index), key=lambda s: s.index
            )
            raise _gap(state, missing, later)
        pairs.sort(key=lambda p: p[1].index)
    done.extend(s for _, s in pairs)

    _check_checksums(state, pairs, reader, checked_files, notes)
    last = done[-1] if done else None
    shown = pairs[-1][0].version if pairs else (last.version if last else None)
    # repeatables (Flyway): they run after every versioned migration
    if repeatable_steps:
        last = _repeatables(
            state,
            applied_repeatables,
            repeatable_steps,
            versioned_steps,
            done,
            last,
            notes,
            checked_files,
        )
        if last is not None and last.kind == REPEATABLE:
            shown = last.label
    return Resolution(last, shown, notes)


def matcher(reader: TrackingReader) -> Callable[[Applied, HistoryStep], bool]:
    """Whether an applied row is a step, as the tool identifies migrations."""
    if reader.tool == "liquibase":

        def match(a: Applied, s: HistoryStep) -> bool:
            if s.identity:
                if s.identity == a.identity:
                    return True
                # FILENAME depends on how Liquibase was called (classpath:, search path):
                # (id, author) is enough when the path ends the same way
                return s.identity[:2] == a.identity[:2] and _same_path_tail(
                    s.identity[2], a.identity[2]
                )
            ident_id, author, filename = a.identity
            return s.version in (
                ident_id,
                f"{author}:{ident_id}",
                f"{filename}::{ident_id}::{author}",
            )

        return match

    def match_key(a: Applied, s: HistoryStep) -> bool:
        return (
            a.version is not None
            and s.version is not None
            and reader.key(a.version) == reader.key(s.version)
        )

    return match_key


def split_state(
    state: TrackingState, reader: TrackingReader, lines: list[tuple[Any, list[HistoryStep]]]
) -> list[tuple[Any, TrackingState]]:
    """One table shared by several module lines: each applied row goes to the one line whose
    history has it. A row no line has, or several lines have, is refused."""
    if len(lines) == 1:
        return [(lines[0][0], state)]
    if state.refusals:
        message, hint = state.refusals[0]
        raise Refusal(message, hint=hint)
    names = ", ".join(str(key) for key, _ in lines)
    if state.latest_only:
        raise Refusal(
            f"{state.table} holds one version for the modules {names}: which module it is cannot be told",
            hint="give each module its own table (--table '{module}_...')",
        )
    match = matcher(reader)
    parts: list[list[Applied]] = [[] for _ in lines]
    for a in state.applied:
        if a.kind == REPEATABLE:
            base = Path(a.name or "").name
            owners = [
                i
                for i, (_, steps) in enumerate(lines)
                if any(
                    s.kind == REPEATABLE and s.files and Path(s.files[0]).name == base
                    for s in steps
                )
            ]
        else:
            owners = [i for i, (_, steps) in enumerate(lines) if any(match(a, s) for s in steps)]
        if not owners:
            raise Refusal(
                f"{state.table} records {a.label} as applied, but no module's history ({names}) has it",
                hint="use the right --alembic-dir (and --legacy-dir), or convert the missing file first",
            )
        if len(owners) > 1:
            both = ", ".join(str(lines[i][0]) for i in owners)
            raise Refusal(
                f"{state.table} records {a.label}, which the modules {both} all have: which one ran "
                "cannot be told",
                hint="give each module its own table (--table '{module}_...')",
            )
        parts[owners[0]].append(a)
    return [
        (
            key,
            TrackingState(
                state.tool, state.table, part, notes=list(state.notes), companions=state.companions
            ),
        )
        for (key, _), part in zip(lines, parts, strict=True)
    ]


def _same_path_tail(a: str, b: str) -> bool:
    a, b = (
        a.replace("\\", "/").removeprefix("classpath:").lstrip("/"),
        b.replace("\\", "/").removeprefix("classpath:").lstrip("/"),
    )
    return a == b or a.endswith("/" + b) or b.endswith("/" + a)


def _several(state: TrackingState, a: Applied, found: list[HistoryStep]) -> Refusal:
    return Refusal(
        f"{state.table} records {a.label}, which several revisions claim: "
        + ", ".join(f"{s.revision} ({s.version})" for s in found),
        hint="give each revision a distinct legacy_version, or stamp this database by hand",
    )


def _gap(state: TrackingState, missing: list[HistoryStep], later: list[HistoryStep]) -> Refusal:
    names = ", ".join(s.label for s in missing[:5]) + (" ..." if len(missing) > 5 else "")
    after = ", ".join(s.label for s in later[:3])
    return Refusal(
        f"{state.table} is not a prefix of the history: {names} "
        f"{'is' if len(missing) == 1 else 'are'} not applied, but later {after} "
        f"{'is' if len(later) == 1 else 'are'}",
        hint="apply the missing migration(s) with the legacy tool first (or remove the later ones); "
        "or, if the schema is right, identify it by schema with --from-table none",
    )


def _refuse_order(
    state: TrackingState,
    applied: list[Applied],
    positions: list[list[HistoryStep]],
    steps: list[HistoryStep],
    start: int,
    i: int,
) -> None:
    got = {s.index for found in positions for s in found}
    top = max(s.index for found in positions for s in found)
    missing = [s for s in steps[start:] if s.index < top and s.index not in got]
    if missing:
        later = [s for found in positions for s in found if s.index > missing[0].index]
        raise _gap(state, missing, sorted(set(later), key=lambda s: s.index))
    a = applied[i]
    if start + i >= len(steps) or all(s.index < steps[start + i].index for s in positions[i]):
        raise Refusal(
            f"{state.table} records {a.label} as applied twice", hint="check the table by hand"
        )
    expected = steps[start + i]
    raise Refusal(
        f"{state.table} shows migrations applied out of order: {a.label} was applied before "
        f"{expected.label}, which comes first in the history",
        hint="the schema may still be right: identify this database by schema instead with "
        "--from-table none (add --verify-schema for the tracking-table mode's check)",
    )


def _check_checksums(
    state: TrackingState,
    pairs: list[tuple[Applied, HistoryStep]],
    reader: TrackingReader,
    checked_files: bool,
    notes: list[str],
) -> None:
    if reader.tool not in ("flyway", "liquibase"):
        return
    if not checked_files:
        notes.append(
            f"{reader.tool} checksums not compared with the files: pass --legacy-dir to check them"
        )
        return
    for a, s in pairs:
        if a.checksum is None or s.checksum is None:
            continue
        if reader.tool == "liquibase":
            if (
                not a.checksum.startswith("9:")
                or a.checksum in s.valid_checksums
                or "ANY" in {v.upper() for v in s.valid_checksums}
            ):
                continue
            if s.rerun_on_change:
                if a.checksum != s.checksum:
                    notes.append(
                        f"changeset {s.label} changed since it ran (runOnChange): Liquibase would run "
                        "it again; the Alembic history will not"
                    )
                continue
        if a.checksum != s.checksum:
            edited = s.files[0] if s.files else s.label
            raise Refusal(
                f"{edited} was edited after it was applied: {state.table} records checksum "
                f"{a.checksum} for version {a.version}, the file now has {s.checksum}",
                hint=f"restore {edited} as it was applied (the database ran the old text), or, if the "
                "change is intended, repair the recorded checksum (`flyway repair`) and stamp again",
            )


def _repeatables(
    state: TrackingState,
    applied: list[Applied],
    steps: list[HistoryStep],
    versioned: list[HistoryStep],
    done: list[HistoryStep],
    last: HistoryStep | None,
    notes: list[str],
    checked_files: bool,
) -> HistoryStep | None:
    """Flyway repeatables sit after every versioned migration: the database is past one only
    when every versioned migration and every earlier repeatable are applied and it ran the
    current text (same checksum). Otherwise the upgrade runs it again, as Flyway would."""
    by_file: dict[str, Applied] = {}
    for a in applied:
        base = Path(a.name or "").name
        match = [s for s in steps if s.files and Path(s.files[0]).name == base]
        if not match:
            raise Refusal(
                f"{state.table} records the repeatable {a.name} as applied, but no migration in the "
                "history is that file",
                hint="use the right --alembic-dir, or convert the missing file first",
            )
        by_file[match[0].revision] = a
    if len(done) < len(versioned):
        if applied:
            notes.append(
                "repeatable migration(s) applied before the last versioned ones: `alembic upgrade` "
                "runs them again after the rest"
            )
        return last
    for s in steps:
        a = by_file.get(s.revision)
        if a is None:
            return last
        if not checked_files or s.checksum is None:
            notes.append(
                f"repeatable {s.label}: applied, but its checksum cannot be compared without "
                "--legacy-dir; the upgrade runs it again"
            )
            return last
        if a.checksum != s.checksum:
            notes.append(
                f"repeatable {s.files[0] if s.files else s.label} changed since it ran: the upgrade "
                "runs it again, as Flyway would"
            )
            return last
        last = s
    return last
