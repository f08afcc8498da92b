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
   appears twice, such as a reworked Sqitch change, still maps to the right one). A
   baseline revision stands for every legacy version it covers: a database at its last
   version is stamped at it, one below is refused with the legacy migrations it still
   needs (`locate.inside_baseline`).
3. `--verify-schema`: the schema must also equal the snapshot of that step.
4. Stamp through Alembic (`MigrationContext.stamp`) in one transaction holding a lock
   against concurrent stamping (PostgreSQL `pg_advisory_xact_lock`, MySQL `GET_LOCK`, SQLite
   `BEGIN IMMEDIATE`), then read `alembic_version` back. Nothing else changes; the legacy
   table stays unless `drop_legacy_table`. Already at that revision: a no-op that says so.
   At another revision: refused unless `force` (a database upgraded with Alembic past its
   legacy state is fine as it is). A value the legacy files themselves wrote into
   `alembic_version` (a project that used Alembic before its legacy tool: recorded in the
   revisions' `legacy` records) is no revision: it is replaced, and the result says so.

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
import io
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext

from converter.errors import ConnectFailed, ConnectTimeout, ConverterError, UsageError
from converter.fingerprint import (
    BASE,
)
from converter.history import AlembicHistory, awaiting_port, current_heads, legacy_record
from converter.locate import FINGERPRINT, Decision, Locator, NeedFingerprints
from converter.locks import lock_statements, locked_transaction, stamp_engine
from converter.pairing import HistoryPlan
from converter.scratch import connect_error, dialect_of, mask, mask_text, parse_url
from converter.tracking import (
    READERS,
    Refusal,
)

STAMPED, ALREADY, WOULD, REFUSED = "stamped", "already-stamped", "would-stamp", "refused"
# the database could not be reached (connection refused, bad password, ...) / did not answer
UNREACHABLE, TIMED_OUT = "unreachable", "timed-out"
FAILED_ACTIONS = (REFUSED, UNREACHABLE, TIMED_OUT)
FROM_TABLE_CHOICES = ("auto", *READERS, "none")
# a `#` at the start of a line, or after white space, starts a comment in a URLs file (a `#`
# inside a URL, e.g. in a password, is kept; write it %23 to be safe)
URL_FILE_COMMENT = re.compile(r"(^|\s)#.*$")


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
    goose_tool: str | None = None  # goose: which goose (None: configuration, else auto)
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
        return self.action in FAILED_ACTIONS

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
        """2 when a database could not be reached (a connection error), 1 when one was
        refused, else 0."""
        if any(r.action in (UNREACHABLE, TIMED_OUT) for r in self.results):
            return 2
        return 1 if self.refused else 0

    def count(self, action: str) -> int:
        return sum(1 for r in self.results if r.action == action)

    def summary(self) -> str:
        parts = [
            f"{self.count(a)} {a}"
            for a in (STAMPED, WOULD, ALREADY, REFUSED, UNREACHABLE, TIMED_OUT)
            if self.count(a)
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
            "counts": {
                a: self.count(a) for a in (STAMPED, ALREADY, WOULD, REFUSED, UNREACHABLE, TIMED_OUT)
            },
            "results": [r.to_json() for r in self.results],
            "notes": list(self.notes),
            "seconds": round(self.seconds, 3),
        }


# ---------------------------------------------------------------------------------------
# Inputs


def read_urls_file(path: Path) -> list[str]:
    """One URL per line; blank lines are skipped and `#` starts a comment, on its own line or
    after the URL (`url   # the billing replica`)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read the URLs file: {exc.strerror or exc}", path=path) from None
    urls = [URL_FILE_COMMENT.sub("", line).strip() for line in text.splitlines()]
    urls = [u for u in urls if u]
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
        return mask(parse_url(url))
    except ConverterError:
        return mask(url)


def hide_password(text: str, url: str) -> str:
    """`text` with the URL's secrets hidden (`scratch.mask_text`)."""
    return mask_text(text, url)


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


# ---------------------------------------------------------------------------------------
# Engines and locks


# ---------------------------------------------------------------------------------------
# Deciding


class _Stamper(Locator):
    """Stamps one database after another: locate, lock, write alembic_version, read back."""

    options: StampOptions

    def __init__(self, history: AlembicHistory, options: StampOptions) -> None:
        super().__init__(history, options)
        self.options = options
        self._legacy_values: set[str] | None = None  # what legacy files wrote to alembic_version

    # -- one database

    def run(self, url: str) -> StampResult:
        started = time.perf_counter()
        result = StampResult(database=safe_label(url))
        try:
            self._run(url, result)
        except ConnectFailed as exc:
            result.action = TIMED_OUT if isinstance(exc, ConnectTimeout) else UNREACHABLE
            reason = exc.reason or exc.message
            result.reason = hide_password(
                reason + (f" (hint: {exc.hint})" if exc.hint else ""), url
            )
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
            result.reason = hide_password(f"database error: {first or type(orig).__name__}", url)
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
                    with self._connect(engine, u) as conn:
                        self._locked(conn, u, url, dialect, plan, result, writes)
                    break
                except NeedFingerprints as need:
                    self.cache.get(
                        need.key, self.options.scratch_url or (url if dialect != "sqlite" else None)
                    )
            if writes and result.action == STAMPED:
                self._read_back(engine, result)
        finally:
            engine.dispose()

    @staticmethod
    def _connect(engine: sa.Engine, u: sa.URL) -> sa.Connection:
        """A connection, or a ConnectFailed saying why there is none."""
        try:
            return engine.connect()
        except sa.exc.DBAPIError as exc:
            raise connect_error(exc, u) from None

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
            foreign = self._written_by_legacy(current)
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
            if current and not foreign:
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
            if foreign:
                replaced = (
                    f" (replacing {', '.join(foreign)}, which the legacy migrations wrote into "
                    "alembic_version themselves: no revision of this history)"
                )
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
            # alembic accepts a tuple of heads (module branches); its annotation says str
            ctx.stamp(self.history.script, target or BASE)  # type: ignore[arg-type]
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

    def _written_by_legacy(self, current: tuple[str, ...] | None) -> tuple[str, ...]:
        """`current` when every value of it is one the legacy files themselves wrote into
        alembic_version (a project that used Alembic before its legacy tool) and none is a
        revision of this history; else ()."""
        if not current:
            return ()
        if self._legacy_values is None:
            self._legacy_values = set()
            for rev in self.history.script.walk_revisions():
                record = legacy_record(rev)
                if record is not None:
                    self._legacy_values.update(record.alembic_version_values)
        known = {rev.revision for rev in self.history.script.walk_revisions()}
        if set(current) <= self._legacy_values and not set(current) & known:
            return current
        return ()

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
            ctx._version.create(ctx.connection)  # type: ignore[arg-type]  # offline: a MockConnection
        if current:
            ctx.impl._exec(ctx._version.delete())
        ctx.stamp(self.history.script, tuple(sorted(decision.revisions)) or BASE)  # type: ignore[arg-type]  # a tuple of heads is accepted
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
    report.notes.extend(_placeholder_notes(history))
    report.seconds = time.perf_counter() - started
    return report


def _placeholder_notes(history: AlembicHistory) -> list[str]:
    """Placeholders for code migrations not ported yet: a database stamped before one stops
    there on `alembic upgrade` (one stamped at or after it ran the legacy code already)."""
    revisions = reversed(list(history.script.walk_revisions("base", "heads")))
    waiting = [rev for rev in revisions if awaiting_port(rev)]
    if not waiting:
        return []
    names = ", ".join(
        f"{rev.revision} ({', '.join(record.files) if (record := legacy_record(rev)) else '?'})"
        for rev in waiting
    )
    return [
        f"placeholder revisions still need porting: {names}; `alembic upgrade` from before one "
        "raises there until it is ported by hand"
    ]
