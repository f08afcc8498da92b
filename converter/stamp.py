"""stamp: put existing databases on the Alembic revision that matches their legacy state.

`stamp(alembic_dir, StampOptions(urls=[...]))` -> `StampReport`, one `StampResult` per
database. For each database:

1. Find where it is in the legacy history. With a tracking table (`--from-table auto` finds
   the legacy tool's own, `converter.tracking`): the last legacy migration applied, checked
   (a prefix of the history, no failed or dirty rows, checksums equal to the files'). With
   none (`--from-table none`, or auto finds none): its schema fingerprint, matched exactly
   against the fingerprints of every step of the history (`converter.fingerprint`, built
   once into a scratch database and cached beside the revisions). An empty database is at
   base. Anything unclear is refused, with what is wrong and what to do.
2. Map it to the revision whose `legacy_version` is that migration (read through Alembic's
   ScriptDirectory; revisions pair with the legacy history by position, so a version that
   appears twice, such as a reworked Sqitch change, still maps to the right one).
3. `--verify-schema`: the schema must also equal the snapshot of that step.
4. Stamp through Alembic (`MigrationContext.stamp`) in one transaction holding a lock
   against concurrent stamping (PostgreSQL `pg_advisory_xact_lock`, MySQL `GET_LOCK`, SQLite
   `BEGIN IMMEDIATE`), then read `alembic_version` back. Nothing else changes; the legacy
   table stays unless `drop_legacy_table`. Already at that revision: a no-op that says so.
   At another revision: refused unless `force` (a database upgraded with Alembic past its
   legacy state is fine as it is).

Module branches (convert --modules: several heads, each line labelled) are stamped one
revision per module, each from that module's tracking table (`table="{module}_version"`),
or from one shared table whose rows each belong to exactly one module's history. Fingerprint
mode and `verify_schema` need one line of history.

`dry_run` says what would be stamped and why; `sql` gives the SQL (Alembic offline mode)
instead. Databases are handled in `jobs` threads; one failing never stops the others.
Passwords never appear in results or messages.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import Script

from converter.convert import DIALECTS, legacy_root
from converter.diff import SchemaDiff, diff_snapshots
from converter.errors import ConverterError, InputError, UsageError
from converter.fingerprint import (
    BASE,
    FingerprintCache,
    HistoryFingerprints,
    catalog_key,
    server_key,
)
from converter.formats import tracking_tables
from converter.model import Kind, LegacyMigration
from converter.scratch import dialect_of, mask, parse_url
from converter.snapshot import SchemaSnapshot, take_snapshot
from converter.tracking import (
    CUSTOM,
    CUSTOM_READER,
    READERS,
    REPEATABLE,
    VERSIONED,
    HistoryStep,
    Location,
    Refusal,
    TrackingOptions,
    TrackingReader,
    TrackingState,
    resolve,
    split_state,
)
from converter.verify import (
    AlembicHistory,
    legacy_version,
    pair_history,
    read_legacy_history,
    versions_elsewhere,
)

STAMPED, ALREADY, WOULD, REFUSED = "stamped", "already-stamped", "would-stamp", "refused"
FINGERPRINT = "schema fingerprint"
FROM_TABLE_CHOICES = ("auto", *READERS, "none")
LOCK_NAME = "converter_stamp"
PG_LOCK_KEY = int.from_bytes(hashlib.sha256(LOCK_NAME.encode()).digest()[:8], "big", signed=True)
CONVERTED_FROM = re.compile(
    r"^Converted from legacy (?P<format>\S+) migration (?P<version>.*?): (?P<files>.*)$", re.M
)
NO_VARIANT = re.compile(r"^No variant for (?P<dialects>[a-z, ]+):", re.M)
URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][\w+.-]*://[^:/@\s]*:)[^@\s]*(?=@)")


@dataclass(frozen=True)
class StampOptions:
    urls: tuple[str, ...] | list[str] = ()
    legacy_dir: Path | None = None  # the legacy migrations: checksums, sqitch project, ...
    from_table: str = "auto"  # auto | <format name> | none (identify by schema fingerprint)
    table: str | None = None  # the tracking table's name when not the tool's default
    version_column: str | None = None  # with `table`: a custom table's version column
    verify_schema: bool = False  # also require the schema to equal that step's
    dry_run: bool = False  # say what would be stamped; write nothing
    sql: bool = False  # give the SQL instead of running it; write nothing
    jobs: int = 1  # databases handled at once
    force: bool = False  # overwrite an alembic_version at another revision
    drop_legacy_table: bool = False  # drop the legacy tracking table once stamped
    format: str | None = None  # the legacy format of legacy_dir (default: detected)
    encoding: str | None = None  # of the legacy files
    scratch_url: str | None = None  # server for the fingerprint build (default: the target's)
    lock_timeout: float = 30.0  # seconds to wait for another stamping of the same database
    progress: Callable[[StampResult], None] | None = None  # called as each database finishes


@dataclass
class StampResult:
    database: str  # masked URL
    action: str = REFUSED  # stamped | already-stamped | would-stamp | refused
    legacy_version: str | None = None  # the last legacy migration applied (None: none / unknown)
    revision: str | None = None  # the revision stamped (or that would be); "base" for none
    reason: str = ""
    source: str | None = None  # the tracking table read, or "schema fingerprint"
    details: list[str] = field(default_factory=list)  # notes, the diff of a refusal
    sql: str | None = None
    dialect: str | None = None
    seconds: float = 0.0
    target: tuple[str, ...] = ()  # what alembic_version holds once stamped

    @property
    def refused(self) -> bool:
        return self.action == REFUSED

    def to_json(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "dialect": self.dialect,
            "action": self.action,
            "legacy_version": self.legacy_version,
            "revision": self.revision,
            "reason": self.reason,
            "source": self.source,
            "details": list(self.details),
            "sql": self.sql,
            "seconds": round(self.seconds, 4),
        }


@dataclass
class StampReport:
    alembic_dir: Path
    results: list[StampResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def refused(self) -> list[StampResult]:
        return [r for r in self.results if r.refused]

    @property
    def exit_code(self) -> int:
        return 1 if self.refused else 0

    def count(self, action: str) -> int:
        return sum(1 for r in self.results if r.action == action)

    def summary(self) -> str:
        parts = [
            f"{self.count(a)} {a}" for a in (STAMPED, WOULD, ALREADY, REFUSED) if self.count(a)
        ]
        return (
            f"{len(self.results)} database(s): "
            + (", ".join(parts) or "nothing to do")
            + f" ({self.seconds:.2f}s)"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "alembic_dir": str(self.alembic_dir),
            "summary": self.summary(),
            "counts": {a: self.count(a) for a in (STAMPED, ALREADY, WOULD, REFUSED)},
            "results": [r.to_json() for r in self.results],
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
        }


# ---------------------------------------------------------------------------------------
# Inputs


def read_urls_file(path: Path) -> list[str]:
    """One URL per line; blank lines and lines starting with `#` are skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read the URLs file: {exc.strerror or exc}", path=path) from None
    urls = [line.strip() for line in text.splitlines()]
    urls = [u for u in urls if u and not u.startswith("#")]
    if not urls:
        raise UsageError(
            "the URLs file holds no URL",
            path=path,
            hint="one database URL per line; # starts a comment",
        )
    return urls


def safe_label(url: str) -> str:
    """The URL as it may be shown, even when it does not parse."""
    try:
        return mask(url)
    except ConverterError:
        return URL_PASSWORD.sub(lambda m: m["head"] + "***", url)


def hide_password(text: str, url: str) -> str:
    """`text` with the URL's password hidden. A short password is hidden only where it sits
    in a URL (replacing every "b" of a message would make it unreadable)."""
    text = URL_PASSWORD.sub(lambda m: m["head"] + "***", text)
    try:
        password = sa.make_url(url).password
    except sa.exc.ArgumentError:
        m = URL_PASSWORD.search(url)
        password = m.group(0)[len(m["head"]) :] if m else None
    if password and len(str(password)) >= 4:
        text = text.replace(str(password), "***")
    return text


def check_options(options: StampOptions) -> None:
    if not options.urls:
        raise UsageError("no database given", hint="pass --url URL or --urls-file FILE")
    if options.from_table not in FROM_TABLE_CHOICES:
        import difflib

        close = difflib.get_close_matches(options.from_table, FROM_TABLE_CHOICES, n=1)
        raise UsageError(
            f"unknown --from-table {options.from_table!r}",
            hint=f"did you mean {close[0]!r}?"
            if close
            else "use one of " + ", ".join(FROM_TABLE_CHOICES),
        )
    if options.version_column and not options.table:
        raise UsageError(
            "--version-column needs --table",
            hint="name the custom table: --table NAME --version-column COL",
        )
    if options.from_table == "none" and (options.table or options.version_column):
        raise UsageError(
            "--from-table none reads no table",
            hint="drop --table / --version-column, or --from-table none",
        )
    if options.version_column and options.from_table not in ("auto",):
        raise UsageError(
            "--version-column is for a custom table",
            hint="drop --from-table, or drop --version-column",
        )
    if options.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if options.drop_legacy_table and options.from_table == "none":
        raise UsageError(
            "--drop-legacy-table with --from-table none: there is no legacy table to drop"
        )
    if options.legacy_dir is not None and not Path(options.legacy_dir).is_dir():
        raise UsageError("the legacy directory does not exist", path=options.legacy_dir)


# ---------------------------------------------------------------------------------------
# The history, per dialect


@dataclass
class Branch:
    """One line of the Alembic history and its legacy steps, as one dialect sees them: the
    whole history, or with module branches (convert --modules) one module's."""

    module: str | None
    chain: list[Script]
    steps: list[HistoryStep]
    format: str | None  # the legacy format (from --legacy-dir, else the revision files)
    checked_files: bool  # steps carry the legacy files' checksums
    tracking: TrackingOptions

    def position(self, revision: str) -> int | None:
        return next((i for i, r in enumerate(self.chain, start=1) if r.revision == revision), None)

    def revision_after(self, step: HistoryStep | None) -> str:
        """The revision for "the legacy history applied up to `step`" (None: nothing)."""
        if step is not None:
            return step.revision
        first = self.steps[0] if self.steps else None
        if first is None or first.index == 1:
            return BASE
        return self.chain[first.index - 2].revision


@dataclass
class HistoryPlan:
    dialect: str
    branches: list[Branch]

    @property
    def modules(self) -> bool:
        return len(self.branches) > 1

    def branch_of(self, revision: str) -> Branch | None:
        return next((b for b in self.branches if b.position(revision) is not None), None)


def _doc_facts(rev: Script) -> tuple[str | None, str, tuple[str, ...], set[str]]:
    """(legacy format, kind, legacy files, dialects without a variant) from the revision docstring."""
    doc = rev.module.__doc__ or ""
    m = CONVERTED_FROM.search(doc)
    fmt, kind, files = None, VERSIONED, ()
    if m:
        fmt = m["format"]
        if m["version"] == f"({Kind.REPEATABLE.value})":
            kind = REPEATABLE
        files = tuple(f.strip() for f in m["files"].split(", ") if f.strip())
    missing: set[str] = set()
    nv = NO_VARIANT.search(doc)
    if nv:
        missing = {d.strip() for d in nv["dialects"].split(",") if d.strip()}
    return fmt, kind, files, missing


def _notes_value(m: LegacyMigration, prefix: str) -> list[str]:
    return [n[len(prefix) :] for n in m.notes if n.startswith(prefix)]


def _step_from(index: int, rev: Script, m: LegacyMigration, files: tuple[str, ...]) -> HistoryStep:
    identity: tuple[str, ...] = ()
    for value in _notes_value(m, "changeset:"):
        path, _, rest = value.partition("::")
        cid, _, author = rest.partition("::")
        identity = (cid, author, path)
    kind = REPEATABLE if (m.kind is Kind.REPEATABLE and m.format == "flyway") else VERSIONED
    return HistoryStep(
        index,
        rev.revision,
        legacy_version(rev),
        kind,
        files=tuple(s.name for s in m.up) or files,
        checksum=m.tool_checksum,
        identity=identity,
        rerun_on_change=m.kind is Kind.REPEATABLE,
        valid_checksums=tuple(_notes_value(m, "validCheckSum:")),
    )


def branches_of(history: AlembicHistory) -> list[tuple[str | None, list[Script]]]:
    """The lines of the history: one, or one per module branch (several heads, each line
    labelled and sharing no revision with the others)."""
    script = history.script
    heads = script.get_heads()
    if len(heads) <= 1:
        return [(None, history.chain())]
    lines: list[tuple[str | None, list[Script]]] = []
    seen: dict[str, str] = {}
    for head in sorted(heads):
        chain: list[Script] = []
        rev = script.get_revision(head)
        while rev is not None:
            down = rev.down_revision
            if isinstance(down, (tuple, list)):
                raise UsageError(
                    f"revision {rev.revision} merges several branches: stamp handles one line, or "
                    "module branches that never meet",
                    path=rev.path,
                )
            chain.append(rev)
            rev = script.get_revision(down) if down else None
        chain.reverse()
        labels = sorted(chain[0].branch_labels or ())
        if not labels:
            raise UsageError(
                f"the Alembic history has several heads ({', '.join(sorted(heads))}) and the line of {head} "
                "has no branch label",
                path=history.dir,
                hint="merge the heads (alembic merge heads), or convert with --modules",
            )
        for r in chain:
            if r.revision in seen:
                raise UsageError(
                    f"revision {r.revision} is in the branches {seen[r.revision]} and {labels[0]}: "
                    "stamp handles module branches that share no revision",
                    path=r.path,
                )
            seen[r.revision] = labels[0]
        lines.append((labels[0], chain))
    return lines


def build_plan(history: AlembicHistory, dialect: str, options: StampOptions) -> HistoryPlan:
    branches = [
        build_branch(module, chain, dialect, options) for module, chain in branches_of(history)
    ]
    return HistoryPlan(dialect, branches)


def _elsewhere(
    legacy_dir: Path, module: str | None, dialect: str, options: StampOptions
) -> Callable[[], set[str]]:
    cache: list[set[str]] = []

    def elsewhere() -> set[str]:
        if not cache:
            if module is None:
                cache.append(
                    versions_elsewhere(legacy_dir, dialect, options.format, options.encoding)
                )
            else:
                found: set[str] = set()
                for other in DIALECTS:
                    folder = legacy_dir / other / module
                    if other != dialect and folder.is_dir():
                        with contextlib.suppress(ConverterError):
                            found |= {
                                m.version
                                for m in read_legacy_history(
                                    folder, other, options.format, options.encoding
                                ).migrations
                            }
                cache.append(found)
        return cache[0]

    return elsewhere


def build_branch(
    module: str | None, chain: list[Script], dialect: str, options: StampOptions
) -> Branch:
    facts = {rev.revision: _doc_facts(rev) for rev in chain}
    formats = {facts[r.revision][0] for r in chain if facts[r.revision][0]}
    fmt = next(iter(formats)) if len(formats) == 1 else None
    tracking = TrackingOptions(
        table=_module_name(options.table, module), version_column=options.version_column
    )
    if options.legacy_dir is None:
        steps = []
        for i, rev in enumerate(chain, start=1):
            version = legacy_version(rev)
            _, kind, files, missing = facts[rev.revision]
            if version is not None and dialect not in missing:
                steps.append(HistoryStep(i, rev.revision, version, kind, files))
        return Branch(module, chain, steps, fmt, False, tracking)

    legacy_dir = Path(options.legacy_dir)
    where = legacy_root(legacy_dir, dialect) / module if module else legacy_dir
    found = read_legacy_history(where, dialect, options.format, options.encoding)
    plan = pair_history(found.migrations, chain, _elsewhere(legacy_dir, module, dialect, options))
    for pair in plan.pairs:
        if pair.problem is not None:
            raise InputError(
                f"the Alembic history does not match the legacy directory: {pair.problem}",
                path=where,
                hint="convert the legacy directory again (or pass the --legacy-dir it was converted from)",
            )
    index = {r.revision: i for i, r in enumerate(chain, start=1)}
    steps = [
        _step_from(
            index[pair.revision.revision],
            pair.revision,
            pair.migration,
            facts[pair.revision.revision][2],
        )
        for pair in plan.pairs
        if pair.migration is not None
        and pair.revision is not None  # else another database's: a no-op here
    ]
    notes = [n for m in found.migrations for n in m.notes]
    project = next((n.removeprefix("project ") for n in notes if n.startswith("project ")), None)
    repo = next(
        (n.removeprefix("repository_id=") for n in notes if n.startswith("repository_id=")), None
    )
    version_table = next(
        (n.removeprefix("version_table=") for n in notes if n.startswith("version_table=")), None
    )
    registry = _sqitch_registry(where, dialect) if found.format == "sqitch" else None
    table = tracking.table or (
        version_table if version_table and version_table != "migrate_version" else None
    )
    tracking = TrackingOptions(
        table=table,
        version_column=options.version_column,
        project=project,
        repository_id=repo,
        registry=None if options.table else registry,
    )
    return Branch(module, chain, steps, found.format, True, tracking)


def _module_name(name: str | None, module: str | None) -> str | None:
    return name.replace("{module}", module) if name and module else name


def _sqitch_registry(legacy_dir: Path, dialect: str) -> str | None:
    """`registry = X` from sqitch.conf ([engine "<engine>"] or [core]), if set."""
    engines = {"postgresql": "pg", "mysql": "mysql", "sqlite": "sqlite"}
    for root in (legacy_dir,):
        conf = root / "sqitch.conf"
        if not conf.is_file():
            continue
        section = None
        for raw in conf.read_text(encoding="utf-8", errors="replace").splitlines():
            line = raw.strip()
            if line.startswith("["):
                section = line.strip("[]").replace('"', "").split()
                continue
            if line.startswith(("#", ";")) or "=" not in line:
                continue
            key, _, value = (p.strip() for p in line.partition("="))
            if key == "registry" and section and (section == ["engine", engines[dialect]]):
                return value
    return None


# ---------------------------------------------------------------------------------------
# Engines and locks


def stamp_engine(url: sa.URL, dialect: str, immediate: bool, timeout: float) -> sa.Engine:
    """An engine whose transactions are real transactions (SQLite: BEGIN [IMMEDIATE])."""
    if dialect != "sqlite":
        return sa.create_engine(url, poolclass=sa.pool.NullPool)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args={"timeout": timeout})
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql(begin)

    return engine


def lock_statements(
    dialect: str, database: str | None, timeout: float
) -> tuple[list[str], list[str]]:
    """(before, after) statements that keep two stampings of one database apart."""
    if dialect == "postgresql":
        return [
            f"SET LOCAL lock_timeout = '{int(timeout * 1000)}ms'",
            f"SELECT pg_advisory_xact_lock({PG_LOCK_KEY})",
        ], []
    if dialect == "mysql":
        name = _mysql_lock_name(database)
        return [f"SELECT GET_LOCK('{name}', {int(timeout)})"], [f"SELECT RELEASE_LOCK('{name}')"]
    return [], []


def _mysql_lock_name(database: str | None) -> str:
    name = f"{LOCK_NAME}.{database or ''}"
    if len(name) > 64:  # MySQL's limit on lock names
        name = f"{LOCK_NAME}.{hashlib.sha256((database or '').encode()).hexdigest()[:40]}"
    return name


@contextmanager
def locked_transaction(
    conn: sa.Connection, dialect: str, database: str | None, lock: bool, timeout: float
) -> Iterator[sa.Transaction]:
    """A transaction on `conn`, holding the stamping lock when `lock` (SQLite: the engine's
    BEGIN IMMEDIATE is the lock). Committed on the way out unless the caller ended it (a dry
    run rolls back); rolled back on any error."""
    before, after = lock_statements(dialect, database, timeout) if lock else ([], [])
    if dialect == "mysql" and before:
        got = conn.exec_driver_sql(before[0]).scalar()
        conn.commit()
        if got != 1:
            raise Refusal(
                f"another process is stamping this database (GET_LOCK('{_mysql_lock_name(database)}') "
                f"timed out after {int(timeout)}s)",
                hint="wait for it to finish, then run stamp again",
            )
    try:
        trans = conn.begin()
        try:
            if dialect == "postgresql":
                for stmt in before:
                    conn.exec_driver_sql(stmt)
            yield trans
        except BaseException:
            if trans.is_active:
                trans.rollback()
            raise
        if trans.is_active:
            trans.commit()
    finally:
        for stmt in after:
            try:
                conn.exec_driver_sql(stmt)
                conn.commit()
            except sa.exc.DBAPIError:
                conn.rollback()


def current_heads(conn: sa.Connection) -> tuple[str, ...] | None:
    """The revisions in alembic_version; None when there is no such table."""
    ctx = MigrationContext.configure(conn)
    if not ctx._has_version_table():
        return None
    return tuple(sorted(ctx.get_current_heads()))


# ---------------------------------------------------------------------------------------
# Deciding


class _NeedFingerprints(Exception):
    """Raised while a database is locked when the fingerprints are not built yet: they are
    built outside any lock and the database is then looked at again."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass
class Decision:
    revisions: tuple[str, ...]  # what alembic_version must hold: () for base, one per module branch
    legacy_version: str | None
    source: str
    reason: str
    notes: list[str] = field(default_factory=list)
    legacy_tables: list[str] = field(default_factory=list)  # what --drop-legacy-table drops
    ambiguous: list[str] = field(
        default_factory=list
    )  # fingerprint mode: every revision that matched

    @property
    def revision(self) -> str:
        return ", ".join(self.revisions) or BASE


class _Stamper:
    def __init__(self, history: AlembicHistory, options: StampOptions) -> None:
        self.history = history
        self.options = options
        self.cache = FingerprintCache(history)
        self._plans: dict[str, HistoryPlan | ConverterError] = {}
        self._plan_lock = threading.Lock()

    # -- per dialect, once

    def plan(self, dialect: str) -> HistoryPlan:
        with self._plan_lock:
            if dialect not in self._plans:
                try:
                    self._plans[dialect] = build_plan(self.history, dialect, self.options)
                except ConverterError as exc:
                    self._plans[dialect] = exc
            found = self._plans[dialect]
        if isinstance(found, ConverterError):
            raise found
        return found

    # -- one database

    def run(self, url: str) -> StampResult:
        started = time.perf_counter()
        result = StampResult(database=safe_label(url))
        try:
            self._run(url, result)
        except Refusal as exc:
            result.action = REFUSED
            result.reason = hide_password(
                exc.message + (f" (hint: {exc.hint})" if exc.hint else ""), url
            )
            result.details.extend(hide_password(d, url) for d in exc.details)
        except ConverterError as exc:
            result.action = REFUSED
            result.reason = hide_password(
                str(exc).replace("\n  hint: ", " (hint: ") + (")" if exc.hint else ""), url
            )
        except sa.exc.DBAPIError as exc:
            result.action = REFUSED
            orig = getattr(exc, "orig", None) or exc
            first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
            result.reason = hide_password(f"database error: {first}", url)
        except Exception as exc:  # noqa: BLE001 - one database failing never stops the others
            result.action = REFUSED
            result.reason = hide_password(f"unexpected error: {type(exc).__name__}: {exc}", url)
        result.seconds = time.perf_counter() - started
        if self.options.progress is not None:
            self.options.progress(result)
        return result

    def _run(self, url: str, result: StampResult) -> None:
        u = parse_url(url)
        dialect = dialect_of(u)
        result.dialect = dialect
        result.database = mask(u)
        plan = self.plan(dialect)
        writes = not (self.options.dry_run or self.options.sql)
        if dialect == "sqlite":
            path = u.database
            if not path or path == ":memory:" or not Path(path).is_file():
                raise Refusal(
                    f"no SQLite database file at {path or '(none)'}",
                    hint="pass the URL of an existing database file, e.g. sqlite:///app.db",
                )
        engine = stamp_engine(u, dialect, immediate=writes, timeout=self.options.lock_timeout)
        try:
            for _ in range(3):
                try:
                    with engine.connect() as conn:
                        self._locked(conn, u, url, dialect, plan, result, writes)
                    break
                except _NeedFingerprints as need:
                    self.cache.get(
                        need.key, self.options.scratch_url or (url if dialect != "sqlite" else None)
                    )
            if writes and result.action == STAMPED:
                self._read_back(engine, result)
        finally:
            engine.dispose()

    def _locked(
        self,
        conn: sa.Connection,
        u: sa.URL,
        url: str,
        dialect: str,
        plan: HistoryPlan,
        result: StampResult,
        writes: bool,
    ) -> None:
        with locked_transaction(
            conn, dialect, u.database, writes, self.options.lock_timeout
        ) as trans:
            current = current_heads(conn)
            decision = self.decide(conn, url, plan)
            result.legacy_version = decision.legacy_version
            result.revision = decision.revision
            result.source = decision.source
            result.details = list(decision.notes)
            target = tuple(sorted(decision.revisions))
            if current is not None and current == target:
                result.action = ALREADY
                result.reason = f"alembic_version already at {decision.revision}: nothing to do ({decision.reason})"
                return
            if current and decision.ambiguous and set(current) <= set(decision.ambiguous):
                result.action = ALREADY
                result.revision = ", ".join(current)
                result.reason = (
                    f"alembic_version already at {', '.join(current)}, one of the steps with this "
                    "schema: nothing to do"
                )
                return
            if current:
                if decision.source != FINGERPRINT and self._after(plan, current, target):
                    result.action = ALREADY
                    result.revision = ", ".join(current)
                    result.reason = (
                        f"alembic_version already at {', '.join(current)}, after the legacy state "
                        f"({decision.revision}): upgraded with Alembic since; nothing to do"
                    )
                    return
                if not self.options.force:
                    raise Refusal(
                        f"alembic_version already says {', '.join(current)}, but {decision.reason}, "
                        f"which is revision {decision.revision}",
                        hint="find out which is right; --force overwrites alembic_version",
                    )
            if decision.ambiguous:
                raise Refusal(
                    decision.reason,
                    hint="stamp it by hand once you know which (alembic stamp REV), "
                    "or read the legacy tracking table (--from-table)",
                )
            replaced = f" (replacing {', '.join(current)})" if current else ""
            if self.options.sql:
                result.sql = self.offline_sql(conn, u, dialect, current, decision)
            if not writes:
                result.action = WOULD
                result.reason = f"{decision.reason}: would stamp {decision.revision}{replaced}"
                trans.rollback()
                return
            ctx = MigrationContext.configure(conn)
            if current:
                conn.execute(ctx._version.delete())
            ctx.stamp(self.history.script, target or BASE)
            got = tuple(sorted(ctx.get_current_heads()))
            if got != target:
                raise ConverterError(
                    f"alembic_version reads {', '.join(got) or '(empty)'} after stamping "
                    f"{decision.revision}"
                )
            if self.options.drop_legacy_table:
                result.details.append(self._drop_legacy(conn, decision))
            result.action = STAMPED
            result.reason = f"{decision.reason}: stamped {decision.revision}{replaced}"
            result.target = target

    def _read_back(self, engine: sa.Engine, result: StampResult) -> None:
        """After the commit, in a new connection: alembic_version holds what was stamped."""
        with engine.connect() as conn:
            got = current_heads(conn) or ()
            conn.rollback()
        if got != result.target:
            raise ConverterError(
                f"read back alembic_version {', '.join(got) or '(empty)'}, expected "
                f"{', '.join(result.target) or '(empty)'}"
            )

    def _after(self, plan: HistoryPlan, current: tuple[str, ...], target: tuple[str, ...]) -> bool:
        """True when alembic_version is past `target` on every line of the history (the
        database was upgraded with Alembic since the legacy tool last ran)."""
        for head in (*current, *target):
            if plan.branch_of(head) is None:
                return False
        for b in plan.branches:
            cur = max((b.position(h) or 0 for h in current), default=0)
            tgt = max((b.position(t) or 0 for t in target), default=0)
            if cur < tgt:
                return False
        return True

    def _drop_legacy(self, conn: sa.Connection, decision: Decision) -> str:
        if not decision.legacy_tables:
            return "no legacy table to drop"
        insp = sa.inspect(conn)
        dropped = []
        for name in dict.fromkeys(decision.legacy_tables):
            schema, _, table = name.rpartition(".")
            names = insp.get_table_names(schema=schema or None)
            actual = next((n for n in names if n.lower() == table.lower()), None)
            if actual is None:
                continue
            sa.Table(actual, sa.MetaData(), schema=schema or None).drop(conn)
            dropped.append(f"{schema}.{actual}" if schema else actual)
        return (
            "dropped the legacy table(s) " + ", ".join(dropped)
            if dropped
            else "no legacy table to drop"
        )

    # -- where is this database?

    def decide(self, conn: sa.Connection, url: str, plan: HistoryPlan) -> Decision:
        extra_excluded: list[str] = []
        if self.options.from_table != "none":
            found = self.from_tables(conn, url, plan)
            if found is not None:
                decision, extra_excluded = found
                if self.options.verify_schema:
                    self.verify_schema(conn, plan, decision, extra_excluded)
                return decision
        return self.from_fingerprint(conn, plan, extra_excluded)

    def tracking_options(self, branch: Branch, url: str) -> TrackingOptions:
        t = branch.tracking
        return TrackingOptions(
            table=_expand(t.table, url),
            version_column=t.version_column,
            project=t.project,
            repository_id=t.repository_id,
            registry=_expand(t.registry, url),
            url=url,
        )

    def readers(self, branch: Branch) -> list[TrackingReader]:
        o = self.options
        if o.version_column:
            return [CUSTOM_READER]
        if o.from_table in READERS:
            return [READERS[o.from_table]]
        if branch.format in READERS:
            return [READERS[branch.format]]
        if o.table:
            raise UsageError(
                f"--table {o.table}: which tool's layout it has is not known",
                hint="name the tool with --from-table, or give --version-column for a table of your own",
            )
        if branch.format is not None:
            return []  # a format without a table of its own (plain): go by the schema
        return list(READERS.values())

    def locate(
        self, conn: sa.Connection, branch: Branch, tracking: TrackingOptions
    ) -> tuple[TrackingReader, Location] | None:
        o = self.options
        readers = self.readers(branch)
        fitting: list[tuple[TrackingReader, Location]] = []
        misshaped: list[str] = []
        for reader in readers:
            for loc in reader.locate(conn, tracking):
                if loc.problem is None and reader.fits(loc):
                    fitting.append((reader, loc))
                elif loc.problem:
                    misshaped.append(loc.problem)
        if len(fitting) > 1:
            raise Refusal(
                "several legacy tracking tables: "
                + ", ".join(f"{loc.qualified} ({r.tool})" for r, loc in fitting),
                hint="say which with --from-table TOOL (or --from-table none to go by the schema)",
            )
        if fitting:
            return fitting[0]
        explicit = o.from_table != "auto" or o.version_column or o.table
        if explicit or (misshaped and len(readers) == 1):
            if readers[0].tool == "sqitch":
                names = f"{tracking.registry or tracking.table or 'sqitch'}.changes"
            else:
                names = tracking.table or ", ".join(readers[0].tables)
            what = (
                misshaped[0]
                if misshaped
                else f"no {readers[0].tool} tracking table ({names}) in this database"
            )
            raise Refusal(
                what,
                hint="check --from-table / --table, or identify the database by its schema "
                "with --from-table none",
            )
        return None

    def from_tables(
        self, conn: sa.Connection, url: str, plan: HistoryPlan
    ) -> tuple[Decision, list[str]] | None:
        """Each line's legacy state from the tracking table(s); None when there is none."""
        found = []
        for b in plan.branches:
            tracking = self.tracking_options(b, url)
            found.append((b, tracking, self.locate(conn, b, tracking)))
        missing = [b.module for b, _, f in found if f is None]
        if len(missing) == len(found):
            return None
        if missing:
            have = [f"{b.module} ({f[1].qualified})" for b, _, f in found if f is not None]
            raise Refusal(
                f"module(s) {', '.join(missing)} have no tracking table, while {', '.join(have)} do",
                hint="give each module its own table (--table '{module}_...'), or stamp by hand",
            )
        states: dict[tuple[str, str], TrackingState] = {}
        for _, tracking, (reader, loc) in found:
            key = (reader.tool, loc.qualified)
            if key not in states:
                states[key] = reader.read(conn, loc, tracking)
        shared = {
            key: [b for b, _, f in found if (f[0].tool, f[1].qualified) == key] for key in states
        }
        parts: list[tuple[Branch, TrackingReader, TrackingState]] = []
        for key, branches in shared.items():
            reader = READERS.get(key[0], CUSTOM_READER)
            by_module = {b.module: b for b in branches}
            for module, state in split_state(
                states[key], reader, [(b.module, b.steps) for b in branches]
            ):
                parts.append((by_module[module], reader, state))
        parts.sort(key=lambda p: plan.branches.index(p[0]))
        revisions, versions, reasons, notes, tables, excluded = [], [], [], [], [], []
        for b, reader, state in parts:
            res = resolve(state, b.steps, reader, b.checked_files)
            revision = b.revision_after(res.step)
            prefix = f"{b.module}: " if b.module else ""
            if revision != BASE:
                revisions.append(revision)
            version = res.legacy_version or (res.step.label if res.step else None)
            if version is not None:
                versions.append(prefix + version)
            if res.step is None:
                reasons.append(f"{prefix}{state.table}: nothing of the legacy history applied")
            else:
                reasons.append(f"{prefix}{state.table}: last applied {version}")
            notes.extend(prefix + n for n in res.notes)
            if reader.tool == "sqitch":
                if self.options.drop_legacy_table:
                    notes.append(
                        "the Sqitch registry is a schema (or database) of its own: it is kept; drop it by hand"
                    )
            else:
                tables.extend([state.table, *state.companions])
            if reader.tool == CUSTOM:
                excluded.append(state.table)
        decision = Decision(
            tuple(revisions),
            ", ".join(versions) or None,
            ", ".join(dict.fromkeys(s.table for _, _, s in parts)),
            "; ".join(reasons),
            list(dict.fromkeys(notes)),
            tables,
        )
        return decision, excluded

    # -- schema

    def fingerprints(
        self,
        conn: sa.Connection,
        plan: HistoryPlan,
        purpose: str = "identifying a database by its schema",
    ) -> HistoryFingerprints:
        if plan.modules:
            raise Refusal(
                f"{purpose} needs one line of history; this one has module "
                f"branches ({', '.join(str(b.module) for b in plan.branches)})",
                hint="read a tracking table per module (--table '{module}_...' with --from-table or "
                "--version-column)",
            )
        key = server_key(conn)
        found = self.cache.peek(key)
        if found is None:
            raise _NeedFingerprints(key)
        return found

    def target_snapshot(self, conn: sa.Connection, extra_excluded: list[str]) -> SchemaSnapshot:
        return take_snapshot(
            conn, data=False, exclude_tables=tracking_tables() | set(extra_excluded)
        )

    def verify_schema(
        self, conn: sa.Connection, plan: HistoryPlan, decision: Decision, extra_excluded: list[str]
    ) -> None:
        fps = self.fingerprints(conn, plan, "--verify-schema")
        step = fps.at(decision.revisions[0] if decision.revisions else None)
        if step is None:
            raise Refusal(
                f"--verify-schema: the schema of {decision.revision} is not known on this database "
                f"({fps.stopped or 'not built'})",
                hint="drop --verify-schema, or fix the history",
            )
        snap = self.target_snapshot(conn, extra_excluded)
        if snap.fingerprint() == step.fingerprint:
            decision.notes.append(f"schema verified: equal to {step.title}")
            return
        diff = diff_snapshots(step.snapshot, snap, labels=("expected", "database"))
        raise Refusal(
            f"{decision.reason}, but the schema differs from {step.title} ({_count(diff)}, first: "
            f"{diff.lines()[0]})",
            hint="someone changed the schema by hand (a hotfix?): turn it into a migration, or undo it, "
            "then stamp again",
            details=[f"differences from {step.title}:", *diff.lines()],
        )

    def from_fingerprint(
        self, conn: sa.Connection, plan: HistoryPlan, extra_excluded: list[str]
    ) -> Decision:
        fps = self.fingerprints(conn, plan)
        excluded = tracking_tables() | set(extra_excluded)
        matches = fps.by_catalog(catalog_key(conn, excluded))  # SQLite: one query, no reflection
        snap = None
        if not matches:
            snap = self.target_snapshot(conn, extra_excluded)
            matches = fps.matching(snap.fingerprint())
        notes = [f"the history could be built only up to {fps.stopped}"] if fps.stopped else []
        if len(matches) == 1:
            s = matches[0]
            reason = (
                "empty database: at base" if s.revision is None else f"schema matches {s.title}"
            )
            return Decision(
                tuple(r for r in (s.revision,) if r), s.legacy_version, FINGERPRINT, reason, notes
            )
        if matches:
            reason = (
                f"the schema matches {len(matches)} steps equally ({', '.join(s.title for s in matches)}): "
                "the migrations between them change only data, so which ran cannot be told from the schema"
            )
            return Decision(
                (matches[-1].name,),
                None,
                FINGERPRINT,
                reason,
                notes,
                ambiguous=[s.name for s in matches],
            )
        assert snap is not None
        step, diff = fps.closest(snap, labels=("expected", "database"))
        raise Refusal(
            f"no step of the history has this schema; the closest is {step.title} ({_count(diff)}, first: "
            f"{diff.lines()[0]})",
            details=[f"differences from {step.title}:", *diff.lines()],
            hint="bring the schema in line with a step of the history (or find the migration that made the "
            "difference), or read the legacy tracking table with --from-table",
        )

    # -- --sql

    def offline_sql(
        self,
        conn: sa.Connection,
        u: sa.URL,
        dialect: str,
        current: tuple[str, ...] | None,
        decision: Decision,
    ) -> str:
        buf = io.StringIO()
        before, after = lock_statements(dialect, u.database, self.options.lock_timeout)
        buf.write(f"-- {mask(u)}: {decision.reason}\n")
        buf.write(
            {"sqlite": "BEGIN IMMEDIATE;\n", "mysql": "START TRANSACTION;\n"}.get(
                dialect, "BEGIN;\n"
            )
        )
        for stmt in before:
            buf.write(stmt + ";\n")
        ctx = MigrationContext.configure(
            dialect_name=conn.dialect.name,
            opts={
                "as_sql": True,
                "output_buffer": buf,
                "literal_binds": True,
                "starting_rev": None,
            },
        )
        if current is None:
            ctx._version.create(ctx.connection)
        if current:
            ctx.impl._exec(ctx._version.delete())
        ctx.stamp(self.history.script, tuple(sorted(decision.revisions)) or BASE)
        buf.write("COMMIT;\n")
        for stmt in after:
            buf.write(stmt + ";\n")
        return buf.getvalue()


def _dialects(urls: list[str]) -> set[str]:
    """The dialects of the URLs that parse (the others are refused one by one)."""
    found = set()
    for url in urls:
        with contextlib.suppress(ConverterError):
            found.add(dialect_of(parse_url(url)))
    return found


def _expand(name: str | None, url: str) -> str | None:
    """`{database}` in a table (or Sqitch registry) name: the database's own name (SQLite: the
    file name without its extension), for tools that keep one table per server."""
    if name is None or "{database}" not in name:
        return name
    database = sa.make_url(url).database or ""
    if sa.make_url(url).get_backend_name() == "sqlite":
        database = Path(database).stem
    return name.replace("{database}", database)


def _count(diff: SchemaDiff) -> str:
    n = len(diff.differences)
    return f"{n} difference{'s' if n != 1 else ''}"


# ---------------------------------------------------------------------------------------
# The verb


def stamp(alembic_dir: Path, options: StampOptions) -> StampReport:
    """Stamp every database of `options.urls`; see the module docstring."""
    started = time.perf_counter()
    check_options(options)
    history = AlembicHistory(Path(alembic_dir))
    stamper = _Stamper(history, options)
    report = StampReport(Path(alembic_dir))
    urls = list(options.urls)
    for dialect in sorted(_dialects(urls)):
        stamper.plan(dialect)  # a history that cannot be read stops everything, before any database
    if options.jobs == 1 or len(urls) == 1:
        report.results = [stamper.run(u) for u in urls]
    else:
        with ThreadPoolExecutor(max_workers=options.jobs, thread_name_prefix="stamp") as pool:
            report.results = list(pool.map(stamper.run, urls))
    report.notes.extend(stamper.cache.notes)
    report.seconds = time.perf_counter() - started
    return report


def render(report: StampReport, sql: bool = True):
    """The report as rich renderables: one row per database, then SQL (unless `sql` is
    False), details and the verdict."""
    from rich.console import Group
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    styles = {STAMPED: "green", ALREADY: "green", WOULD: "cyan", REFUSED: "bold red"}
    table = Table(title=f"stamp {report.alembic_dir}")
    for col in ("database", "legacy version", "revision", "action", "reason"):
        table.add_column(col, overflow="fold")
    for r in report.results:
        table.add_row(
            escape(r.database),
            escape(r.legacy_version or ""),
            escape(r.revision or ""),
            Text(r.action, style=styles.get(r.action, "")),
            escape(r.reason),
        )
    parts: list[Any] = [table]
    for r in report.results:
        if r.sql and sql:
            parts.append(Text(r.sql.rstrip("\n")))
        for d in r.details:
            parts.append(Text(f"{r.database}: {d}", style="dim"))
    parts.extend(Text("note: " + n, style="dim") for n in report.notes)
    parts.append(Text(report.summary(), style="bold red" if report.refused else "bold green"))
    return Group(*parts)
