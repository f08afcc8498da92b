"""verify: prove that an Alembic history builds the same database as the legacy history.

`verify(legacy_dir, alembic_dir, VerifyOptions(...))` builds two scratch databases (two
temporary SQLite files, or two new databases on the server of `url`, dropped afterwards):
one with the legacy migrations, run the legacy tool's way (`converter.apply`), one with the
real `alembic upgrade` on ALEMBIC_DIR (its own env.py). Legacy migration i is paired with
the revision i of the chain from base through the revisions' `legacy_version`.

Stepwise (the default), after each pair both databases are snapshotted
(`converter.snapshot`: schema and table contents) and diffed (`converter.diff`); the first
divergence stops the run and names the legacy file and the revision. `stepwise=False`
applies everything and compares once. With `downgrade`, the Alembic side then walks back one
revision at a time and is compared with the legacy snapshot kept from the matching step
(the legacy side is never rebuilt: cost stays linear). A revision whose downgrade raises
NotImplementedError is "irreversible": reported, not a failure, unless the legacy migration
had a down; the walk stops there.

A baseline revision pairs with every legacy migration it covers: they all run on the legacy
side, then the rows of the tables the baseline does not carry are removed there
(`converter.baseline_rows`; the report names them), then one migrate run's callbacks; its
downgrade is compared with what the downs of all its covered migrations leave (in reverse,
when each has one), else with the database before it, never with the legacy down of its
last version alone.

Revisions without a `legacy_version` that come before the legacy history (it was chained
after an existing head) are applied to both databases first; those after it (an existing
history moved after the legacy one, or revisions written since) are applied to both at the
end, the legacy database stamped first, as production databases will be. Anywhere else, a
revision without a legacy migration, or a legacy migration without a revision, is a failure
naming both.

The Alembic ScriptDirectory is loaded once and reused for every step (alembic.command
would reload every revision file per call, which is quadratic), and env.py is run for every
step through alembic's EnvironmentContext, as `alembic upgrade` does, handed one open
connection to the Alembic database (`AlembicHistory.keep_connected`). On a server, a step's
legacy migration and revision run side by side (two connections). Before a step's snapshots,
the two databases' signatures are compared (`Snapshotter.signature`): equal, the step is
equal and no snapshot is taken (not with --downgrade, which keeps every legacy snapshot; the
last step is always snapshotted, for its notes). The scratch databases do not wait for the
disk (`scratch.not_durable`): they are dropped at the end.

Why one module of about 750 lines: the steps of a run (before, each pair, after, each step
down) share the run's state (two engines, the kept legacy states, the report), which `_Run`
holds; the report's data lives in `verify_report.py`, the rows behind a data difference in
`snapshot/rows.py`.
"""

from __future__ import annotations

import contextlib
import json
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic.script import Script

from converter import baseline_rows
from converter.apply import apply_migration, apply_step
from converter.dialects import DIALECTS
from converter.diff import RunClock, SchemaDiff, diff_snapshots
from converter.errors import ConverterError, DatabaseError, UsageError
from converter.history import AlembicHistory, awaiting_port, legacy_version, require_converted_for
from converter.junit import junit_xml
from converter.legacy import read_legacy_history, versions_elsewhere
from converter.model import Kind, LegacyCallback, LegacyMigration
from converter.pairing import Pair, PairedHistory, legacy_text, pair_history, rev_text
from converter.parse import is_dml
from converter.scratch import (
    dialect_of,
    engine_for,
    mask,
    not_durable,
    redact,
    scratch_databases,
)
from converter.snapshot import SchemaSnapshot, Snapshotter, left_out
from converter.snapshot.rows import differing_rows
from converter.split import StatementKind, split_script
from converter.verify_report import (
    AFTER,
    APPLIED,
    BEFORE,
    DIFFERENT,
    DOWNGRADE,
    EQUAL,
    ERROR,
    FAILED,
    IRREVERSIBLE,
    NEEDS_PORTING,
    PORTED,
    UPGRADE,
    StepResult,
    VerifyReport,
)
from converter.write import write_file

SCRATCH_PREFIX = "converter_verify"
LABELS = ("legacy", "alembic")


@dataclass(frozen=True)
class VerifyOptions:
    url: str | None = None  # a server to make the scratch databases on; None: SQLite files
    format: str | None = None  # the legacy format; None: detected
    dialect: str | None = None  # None: the URL's (sqlite without a URL)
    stepwise: bool = True  # compare after every step (False: once, at the end)
    downgrade: bool = False  # then walk the Alembic side down, comparing every step
    data: bool = True  # compare table contents too
    junit: Path | None = None  # write a JUnit XML report here
    json: Path | None = None  # write a JSON report here
    encoding: str | None = None  # of the legacy files
    java_dirs: tuple[Path, ...] = ()  # Flyway: source folders holding Java migrations
    goose_tool: str | None = None  # goose: which goose (None: configuration, else auto)
    progress: Callable[[str], None] | None = None  # called with a line per step as it ends
    advance: Callable[[int, int], None] | None = None  # (steps done, of) in the step's phase


# ---------------------------------------------------------------------------------------
# The verb


def resolve_dialect(url: str | None, dialect: str | None) -> str:
    from_url = dialect_of(url)
    if dialect is None:
        return from_url
    if dialect not in DIALECTS:
        raise UsageError(f"unknown dialect {dialect!r}", hint="use one of " + ", ".join(DIALECTS))
    if dialect != from_url:
        if url is None:
            raise UsageError(
                f"--dialect {dialect} needs a server: without --url only SQLite can be used",
                hint=f"pass --url with a {dialect} server, e.g. "
                + (
                    "postgresql+psycopg://postgres@127.0.0.1/postgres"
                    if dialect == "postgresql"
                    else "mysql+pymysql://root@127.0.0.1/"
                ),
            )
        raise UsageError(f"--dialect {dialect} does not match the URL {mask(url)} ({from_url})")
    return dialect


def verify(
    legacy_dir: Path, alembic_dir: Path, options: VerifyOptions | None = None
) -> VerifyReport:
    """Build both histories in scratch databases and compare them; see the module doc."""
    options = options or VerifyOptions()
    started = time.perf_counter()
    legacy_dir, alembic_dir = Path(legacy_dir), Path(alembic_dir)
    report = VerifyReport(
        legacy_dir=legacy_dir,
        alembic_dir=alembic_dir,
        dialect=options.dialect or "?",
        format=options.format or "?",
        url=mask(options.url) if options.url else None,
        stepwise=options.stepwise,
        downgrade=options.downgrade,
        data=options.data,
    )
    try:
        report = _verify(legacy_dir, alembic_dir, options, report)
    except BaseException as exc:
        # --json and --junit are written on every outcome: the error is the report
        report.error = _run_error(exc, options.url)
        report.seconds = time.perf_counter() - started
        with contextlib.suppress(Exception):
            _write_reports(report, options)
        raise
    report.seconds = time.perf_counter() - started
    _write_reports(report, options)
    return report


def _run_error(exc: BaseException, url: str | None) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (Ctrl-C)"
    if isinstance(exc, SystemExit):
        return f"stopped by a signal (exit {exc.code})"
    return redact(str(exc) or type(exc).__name__, url)


def _write_reports(report: VerifyReport, options: VerifyOptions) -> None:
    if options.json is not None:
        write_file(Path(options.json), json.dumps(report.to_json(), indent=2) + "\n")
    if options.junit is not None:
        write_file(Path(options.junit), junit_xml(report))


def _verify(
    legacy_dir: Path, alembic_dir: Path, options: VerifyOptions, report: VerifyReport
) -> VerifyReport:
    dialect = resolve_dialect(options.url, options.dialect)
    report.dialect = dialect
    found = read_legacy_history(
        legacy_dir, dialect, options.format, options.encoding, options.java_dirs, options.goose_tool
    )
    history = AlembicHistory(alembic_dir)
    require_converted_for(history, dialect, mask(options.url) if options.url else None)
    cache: list[set[str]] = []

    def elsewhere() -> set[str]:
        if not cache:
            cache.append(
                versions_elsewhere(
                    legacy_dir, dialect, options.format, options.encoding, options.goose_tool
                )
            )
        return cache[0]

    plan = pair_history(found.migrations, history.chain(), elsewhere)
    report.format = found.format
    with scratch_databases(options.url, LABELS, prefix=SCRATCH_PREFIX, notes=report.notes) as urls:
        if options.url and options.progress:
            names = ", ".join(sa.make_url(u).database or "" for u in urls.values())
            options.progress(f"scratch databases {names} on {mask(options.url)}")
            for note in report.notes:
                options.progress(note)
        run = _Run(history, plan, dialect, urls, options, report)
        run.callbacks = found.callbacks  # run by the legacy replay at their events
        if found.callbacks:
            report.notes.append(
                "legacy migrate callbacks run at their events on both sides (legacy replay, "
                "env.py): " + ", ".join(c.name for c in found.callbacks)
            )
        try:
            run.execute()
        finally:
            run.close()
    return report


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _error_text(exc: BaseException, *urls: str) -> str:
    orig = getattr(exc, "orig", None)
    text = (
        str(exc)
        if isinstance(exc, ConverterError) or orig is None
        else f"{type(orig).__name__}: {orig}"
    )
    if (
        isinstance(exc, sa.exc.StatementError)
        and exc.statement
        and isinstance(exc, sa.exc.DBAPIError)
    ):
        text += f"\n[SQL: {exc.statement.strip()[:500]}]"
    return redact(text.strip() or type(exc).__name__, *urls)


def data_only(m: LegacyMigration | None, dialect: str) -> bool:
    """False when a statement of the legacy migration is not INSERT/UPDATE/DELETE/...: the
    step changes the schema, and a snapshot need not ask the catalogs whether it did. True
    otherwise (data statements, Python, a very large file, no migration): it may not have.
    Either answer is safe; it only saves a query."""
    if m is None:
        return True
    for script in m.up:
        if script.language != "sql" or script.file is not None:
            return True
        if any(
            st.kind is StatementKind.SQL and not is_dml(st) for st in split_script(script, dialect)
        ):
            return False
    return True


class _Run:
    """One verify run over two scratch databases."""

    def __init__(
        self,
        history: AlembicHistory,
        plan: PairedHistory,
        dialect: str,
        urls: dict[str, str],
        options: VerifyOptions,
        report: VerifyReport,
    ) -> None:
        self.history, self.plan, self.dialect, self.options, self.report = (
            history,
            plan,
            dialect,
            options,
            report,
        )
        self.legacy_url, self.alembic_url = urls["legacy"], urls["alembic"]
        self.started = datetime.now(UTC)  # constants folded from this run's clock (diff.RunClock)
        # pooled: a step's snapshots reuse one connection instead of connecting anew
        self.legacy = engine_for(self.legacy_url, pooled=True, scratch=True)
        self.alembic = engine_for(self.alembic_url, pooled=True, scratch=True)
        # every step's env.py: one open connection
        history.keep_connected(self.alembic_url, not_durable)
        # the two databases are snapshotted at the same time: the servers' waits overlap
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="verify-snapshot")
        # one per database: each snapshot reads again only what may have changed
        # ... and a table whose rows have the same signature on both sides is digested once
        shared: dict = {}
        self.snapshotters = {
            id(engine): Snapshotter(data=options.data, shared=shared)
            for engine in (self.legacy, self.alembic)
        }
        self.legacy_states: list[SchemaSnapshot] = []  # legacy state after k pairs
        self.stopped = False
        self.legacy_follows = True  # the legacy database is at the state the walk down is at
        self.callbacks: list[LegacyCallback] = []  # the legacy tool's migrate callbacks
        self.applied: set[str] = set()  # legacy versions applied so far

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        self.history.close()
        self.legacy.dispose()
        self.alembic.dispose()

    # -- building blocks

    def on_legacy(self, move: Callable[[str, str], None], target: str) -> None:
        """Stamp, upgrade or downgrade the legacy database with Alembic, which connects on its
        own; then drop the pooled legacy connection. A SQLite connection caches the schema,
        and its ALTER TABLE RENAME COLUMN / DROP COLUMN look the column up in that cache
        without checking that it is current: a later legacy down naming a column Alembic
        renamed back failed with "no such column" (found by tests/test_property.py)."""
        try:
            move(self.legacy_url, target)
        finally:
            self.legacy.dispose()

    def snapshot(self, engine: sa.Engine, schema_may_be_same: bool = True) -> SchemaSnapshot:
        with engine.connect() as conn:
            return self.snapshotters[id(engine)].take(conn, check_catalog=schema_may_be_same)

    def both(self, schema_may_be_same: bool = True) -> tuple[SchemaSnapshot, SchemaSnapshot]:
        """The legacy and the Alembic database's snapshots, taken side by side on a server
        (SQLite's work is all in this process: one after the other)."""
        if self.dialect == "sqlite":
            return self.snapshot(self.legacy), self.snapshot(self.alembic)
        alembic = self.pool.submit(self.snapshot, self.alembic, schema_may_be_same)
        try:
            legacy = self.snapshot(self.legacy, schema_may_be_same)
        finally:
            wait([alembic])  # never leave a snapshot running behind an error
        return legacy, alembic.result()

    def same_signatures(self) -> bool:
        """Whether the two databases' signatures (`Snapshotter.signature`) say that their
        snapshots are equal: then neither is taken. Not with --downgrade (the legacy
        snapshot of every step is kept for the walk down)."""
        if self.options.downgrade:
            return False

        def signature(engine: sa.Engine) -> str | None:
            with engine.connect() as conn:
                return self.snapshotters[id(engine)].signature(conn)

        if self.dialect == "sqlite":
            legacy, alembic = signature(self.legacy), signature(self.alembic)
        else:
            other = self.pool.submit(signature, self.alembic)
            try:
                legacy = signature(self.legacy)
            finally:
                wait([other])
            alembic = other.result()
        return legacy is not None and legacy == alembic

    def compare(
        self,
        step: StepResult,
        legacy: SchemaSnapshot | None = None,
        alembic: SchemaSnapshot | None = None,
        rows: bool = True,
    ) -> SchemaDiff:
        """Diff the two sides; with `rows` (both snapshots are of the databases as they are
        now), a data difference also lists the differing rows."""
        if legacy is None and alembic is None:
            legacy, alembic = self.both()
        legacy = legacy if legacy is not None else self.snapshot(self.legacy)
        alembic = alembic if alembic is not None else self.snapshot(self.alembic)
        clock = RunClock(self.started, datetime.now(UTC))
        diff = diff_snapshots(legacy, alembic, labels=LABELS, clock=clock)
        for note in diff.notes:
            if note not in self.report.notes:
                self.report.notes.append(note)
        step.diff = diff
        step.status = EQUAL if diff.is_empty else DIFFERENT
        if rows:
            self.differing_rows(step, diff, legacy)
        return diff

    def differing_rows(self, step: StepResult, diff: SchemaDiff, legacy: SchemaSnapshot) -> None:
        """Up to ROW_LIMIT differing rows of each table (at most three) whose contents differ."""
        tables = list(dict.fromkeys(d.name for d in diff.differences if d.member == "data"))
        for table in tables[:3]:
            volatile = list((legacy.data or {}).get(table, {}).get("volatile_columns", []))
            try:
                with self.legacy.connect() as a, self.alembic.connect() as b:
                    lines = differing_rows(a, b, table, volatile, LABELS)
            except (sa.exc.SQLAlchemyError, ValueError, KeyError) as exc:
                lines = [f"{table}: the rows could not be listed ({type(exc).__name__})"]
            step.rows.extend(lines)

    def fail(
        self, step: StepResult, status: str, message: str, exc: BaseException | None = None
    ) -> None:
        if exc is not None and isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
            orig = getattr(exc, "orig", None) or exc
            first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
            raise DatabaseError(
                f"lost the connection to {mask(self.legacy_url).rsplit('/', 1)[0]} at step "
                f"{step.number} ({step.title}): {redact(first, self.legacy_url, self.alembic_url)}",
                hint="check that the server is running, then run verify again",
            ) from None
        step.status, step.message = status, message
        if exc is not None:
            step.detail = redact(
                "".join(traceback.format_exception(exc)), self.legacy_url, self.alembic_url
            )
        self.stopped = True

    def error_text(self, exc: BaseException) -> str:
        return _error_text(exc, self.legacy_url, self.alembic_url)

    def new_step(
        self, phase: str, pair: Pair | None = None, revision: Script | None = None
    ) -> StepResult:
        m = pair.migration if pair else None
        rev = revision or (pair.revision if pair else None)
        legacy_file = m.name if m else None
        if pair is not None and pair.is_baseline:
            legacy_file = f"{pair.covers[0].name} .. {pair.covers[-1].name} (baseline)"
        elif phase == DOWNGRADE and m is not None and m.down:
            legacy_file = m.down[0].name  # a walk down runs the legacy down file
        step = StepResult(
            number=len(self.report.steps) + 1,
            phase=phase,
            legacy_file=legacy_file,
            legacy_version=m.version if m else (legacy_version(rev) if rev is not None else None),
            revision=rev.revision if rev is not None else None,
            revision_file=_relative(rev.path, self.history.dir) if rev is not None else None,
        )
        self.report.steps.append(step)
        return step

    def done(self, step: StepResult, started: float) -> None:
        step.seconds = time.perf_counter() - started
        if self.options.progress:
            same = [s for s in self.report.steps if s.phase == step.phase]
            total, position = len(same), same.index(step) + 1
            extra = (
                f": {step.message.splitlines()[0]}" if step.message and step.status != EQUAL else ""
            )
            self.options.progress(
                f"{step.phase} {position}/{total}: {step.title}: {step.status}{extra} ({step.seconds:.2f}s)"
            )
        if self.options.advance:
            same = [s for s in self.report.steps if s.phase == step.phase]
            self.options.advance(same.index(step) + 1, len(same))

    # -- the run

    def execute(self) -> None:
        plan = self.plan
        before = self.new_step(BEFORE, revision=plan.before[-1]) if plan.before else None
        steps = [self.new_step(UPGRADE, p) for p in plan.pairs]
        after = self.new_step(AFTER, revision=plan.after[-1]) if plan.after else None
        down = self.downgrade_steps() if self.options.downgrade else []
        if before is not None:
            self.run_before(before)
        if not self.stopped and self.options.downgrade:
            self.legacy_states.append(self.snapshot(self.legacy))
        for k, (pair, step) in enumerate(zip(plan.pairs, steps, strict=True)):
            if self.stopped:
                break
            last = k == len(plan.pairs) - 1
            self.run_pair(pair, step, compare=self.options.stepwise or last)
        if after is not None and not self.stopped:
            self.run_after(after)
        self.note_left_out()
        for step, down_pair, target, state in down:
            if self.stopped:
                break
            self.run_down(step, down_pair, target, state)

    def note_left_out(self) -> None:
        """Say which bookkeeping tables the comparison left out (each tool's own)."""
        names: dict[str, list[str]] = {}
        for label, engine in zip(LABELS, (self.legacy, self.alembic), strict=True):
            with engine.connect() as conn:
                for name in left_out(conn):
                    names.setdefault(name, []).append(label)
        if names:
            self.report.notes.append(
                "not compared (migration bookkeeping): "
                + ", ".join(
                    f"{n} (only in the {where[0]} database)" if len(where) == 1 else n
                    for n, where in names.items()
                )
            )

    def run_before(self, step: StepResult) -> None:
        started = time.perf_counter()
        target = self.plan.before[-1].revision
        step.message = (
            f"{len(self.plan.before)} revision(s) older than the legacy history, applied "
            "to both databases first: " + ", ".join(r.revision for r in self.plan.before)
        )
        try:
            self.on_legacy(self.history.upgrade, target)
            self.history.upgrade(self.alembic_url, target)
        except Exception as exc:  # noqa: BLE001 - any failure of a revision is reported
            self.fail(step, ERROR, f"upgrading to {target} failed: {self.error_text(exc)}", exc)
        else:
            self.compare(step)
            if step.status != EQUAL:
                self.stopped = True
        self.done(step, started)

    def run_pair(self, pair: Pair, step: StepResult, compare: bool) -> None:
        started = time.perf_counter()
        if pair.problem is not None:
            self.fail(step, FAILED, pair.problem)
            self.done(step, started)
            return
        assert pair.revision is not None
        m = pair.migration
        unread = next((c for c in pair.covers if c.placeholder is not None), None)
        if unread is not None:
            self.fail(
                step,
                FAILED,
                f"the baseline {rev_text(pair.revision)} covers {legacy_text(unread)}, code the "
                f"converter could not read ({unread.placeholder}): the legacy side cannot be built",
            )
            self.done(step, started)
            return
        if m is not None and m.placeholder is not None:
            self.run_code_step(pair, step)
            self.done(step, started)
            return
        if m is None:
            step.message = (
                f"no legacy migration for {self.dialect} (another database's): compared as a no-op"
            )
        legacy_error: BaseException | None = None
        alembic_error: Exception | None = None
        beside = None
        if pair.is_baseline:
            if not self.run_baseline_legacy(pair, step):
                self.done(step, started)
                return
        elif self.dialect != "sqlite":
            # on a server, the legacy step runs beside the revision (two connections)
            beside = self.pool.submit(
                apply_step, self.legacy, m, self.dialect, self.callbacks, self.applied
            )
        else:
            try:
                apply_step(self.legacy, m, self.dialect, self.callbacks, self.applied)
            except Exception as exc:  # noqa: BLE001 - the legacy side failing is reported
                legacy_error = exc
        if legacy_error is None:
            try:
                self.history.upgrade(self.alembic_url, pair.revision.revision)
            except Exception as exc:  # noqa: BLE001
                alembic_error = exc
        if beside is not None:
            wait([beside])
            legacy_error = beside.exception()
        if legacy_error is not None:
            what = legacy_text(m) if m is not None else "legacy migrate callbacks"
            self.fail(
                step, ERROR, f"the {what} failed: {self.error_text(legacy_error)}", legacy_error
            )
            self.done(step, started)
            return
        if m is not None:
            self.applied.add(m.version)
        if alembic_error is not None:
            self.fail(
                step,
                ERROR,
                f"upgrading to {rev_text(pair.revision)} failed: {self.error_text(alembic_error)}",
                alembic_error,
            )
            self.done(step, started)
            return
        legacy_state = alembic_state = None
        same = data_only(m, self.dialect)
        # equal signatures: no snapshot (the last step is always snapshotted, for its notes)
        if compare and pair is not self.plan.pairs[-1] and self.same_signatures():
            step.diff, step.status = SchemaDiff(labels=LABELS), EQUAL
            self.done(step, started)
            return
        if compare:
            legacy_state, alembic_state = self.both(same)
        elif self.options.downgrade:
            legacy_state = self.snapshot(self.legacy, same)
        if self.options.downgrade:
            assert legacy_state is not None
            self.legacy_states.append(legacy_state)
        if compare:
            self.compare(step, legacy_state, alembic_state)
            if step.status == DIFFERENT:
                self.stopped = True
                step.message = (
                    f"after {legacy_text(m) if m else 'no legacy migration'} and {rev_text(pair.revision)}, "
                    "the databases differ"
                    if self.options.stepwise
                    else "the databases differ after the whole history; run without --final-only "
                    "to find the first step that diverges"
                )
        else:
            step.status = APPLIED
        self.done(step, started)

    def run_baseline_legacy(self, pair: Pair, step: StepResult) -> bool:
        """The legacy side of a baseline step: the migrations it covers (the baseline was
        built from them without the migrate callbacks), the rows it does not carry removed,
        then one migrate run's callbacks, as env.py runs them once around the baseline
        revision. False when something failed (the step is then failed)."""
        for each in pair.covers:
            try:
                apply_migration(self.legacy, each, self.dialect)
            except Exception as exc:  # noqa: BLE001 - the legacy side failing is reported
                self.fail(
                    step, ERROR, f"the {legacy_text(each)} failed: {self.error_text(exc)}", exc
                )
                return False
            self.applied.add(each.version)
        if not self.run_baseline_data(pair, step):
            return False
        try:
            apply_step(self.legacy, None, self.dialect, self.callbacks, self.applied)
        except Exception as exc:  # noqa: BLE001 - the legacy side failing is reported
            self.fail(
                step, ERROR, f"the legacy migrate callbacks failed: {self.error_text(exc)}", exc
            )
            return False
        return True

    def run_baseline_data(self, pair: Pair, step: StepResult) -> bool:
        """After the legacy migrations a baseline covers: empty the legacy database's tables
        whose rows the baseline does not carry (a database `alembic upgrade` builds has none
        of them either), so this step and the later ones compare like with like; the report
        names them. False when that failed (the step is then failed)."""
        try:
            emptied = baseline_rows.empty_tables_not_carried(self.legacy, pair.baseline_data)
        except Exception as exc:  # noqa: BLE001 - reported as the step's error
            self.fail(
                step,
                ERROR,
                "removing the rows of the tables the baseline does not carry failed: "
                f"{self.error_text(exc)}",
                exc,
            )
            return False
        covers = pair.covers
        step.message = (
            f"baseline: {len(covers)} legacy migration(s) {covers[0].name} .. {covers[-1].name} "
            f"applied to the legacy database"
        )
        self.report.baseline_data_left_out = emptied
        self.report.baseline = (
            f"{pair.revision.revision if pair.revision else '?'}: legacy {covers[0].version}.."
            f"{covers[-1].version} ({len(covers)} migrations)"
        )
        if emptied:
            note = (
                f"the baseline revision {pair.revision.revision if pair.revision else '?'} carries the rows of "
                f"{', '.join(pair.baseline_data) or 'no table'}; the rows the legacy history had "
                f"at version {covers[-1].version} in {', '.join(emptied)} were left out (removed "
                "from the legacy database before comparing)"
            )
            step.message += "; " + note.split("; ", 1)[1]
            self.report.notes.append(note)
        return True

    def run_code_step(self, pair: Pair, step: StepResult) -> None:
        """A code migration the converter could not read: the legacy side cannot run it.
        Still a placeholder: "needs porting", and the run stops (nothing after it can be
        built). Ported by hand: the port is applied to both databases (the legacy one
        stamped first), and the step is "ported", never "equal": nothing proves the port
        does what the code did; the steps after it are compared again."""
        m, rev = pair.migration, pair.revision
        assert m is not None and rev is not None
        if awaiting_port(rev):
            self.fail(
                step,
                NEEDS_PORTING,
                f"revision {rev.revision} is a placeholder for {legacy_text(m)}: {m.placeholder}; "
                "port it by hand, then verify again",
            )
            return
        down = rev.down_revision
        try:
            self.on_legacy(self.history.stamp, str(down) if down else "base")
            self.on_legacy(self.history.upgrade, rev.revision)
            self.history.upgrade(self.alembic_url, rev.revision)
        except Exception as exc:  # noqa: BLE001 - the port failing is reported
            self.fail(
                step, ERROR, f"the port in {rev_text(rev)} failed: {self.error_text(exc)}", exc
            )
            return
        step.status = PORTED
        step.message = (
            f"{legacy_text(m)} is code the converter could not read; its port by hand in "
            f"{rev.revision} was applied to both databases (not compared)"
        )
        if self.options.downgrade:
            self.legacy_states.append(self.snapshot(self.legacy))

    def run_after(self, step: StepResult) -> None:
        started = time.perf_counter()
        revs = self.plan.after
        last_legacy = self.plan.pairs[-1].revision if self.plan.pairs else None
        step.message = (
            f"{len(revs)} revision(s) after the legacy history, applied to both databases "
            "(the legacy one stamped first): " + ", ".join(r.revision for r in revs)
        )
        try:
            if last_legacy is not None:
                self.on_legacy(self.history.stamp, last_legacy.revision)
            self.on_legacy(self.history.upgrade, revs[-1].revision)
            self.history.upgrade(self.alembic_url, revs[-1].revision)
        except Exception as exc:  # noqa: BLE001
            self.fail(
                step, ERROR, f"upgrading to {revs[-1].revision} failed: {self.error_text(exc)}", exc
            )
        else:
            self.compare(step)
            if step.status != EQUAL:
                self.stopped = True
        self.done(step, started)

    def downgrade_steps(self) -> list[tuple[StepResult, Pair | None, str, int]]:
        """(step, pair, target revision, index of the legacy state to match), head first."""
        pairs = self.plan.pairs
        out: list[tuple[StepResult, Pair | None, str, int]] = []
        if self.plan.after:
            last = pairs[-1].revision if pairs else None
            target = last.revision if last is not None else "base"
            out.append(
                (self.new_step(DOWNGRADE, revision=self.plan.after[-1]), None, target, len(pairs))
            )
        for k in range(len(pairs) - 1, -1, -1):
            pair = pairs[k]
            if pair.problem is not None or pair.revision is None:
                continue
            down_revision = pair.revision.down_revision or "base"
            out.append((self.new_step(DOWNGRADE, pair), pair, str(down_revision), k))
        return out

    def run_down(self, step: StepResult, pair: Pair | None, target: str, state: int) -> None:
        """Walk the Alembic side down one revision and compare it with what the legacy tool
        leaves: the legacy down run on the legacy database, or where there is none, the
        legacy state kept from before the step (the legacy database then follows with the
        same downgrade, so later legacy downs start from the right state)."""
        started = time.perf_counter()
        m = pair.migration if pair else None
        try:
            self.history.downgrade(self.alembic_url, target)
        except Exception as exc:  # noqa: BLE001 - any failure of a downgrade is reported
            if pair is not None and pair.is_baseline:
                self.fail(
                    step,
                    ERROR if not _caused_by(exc, NotImplementedError) else FAILED,
                    f"the baseline {step.revision} cannot be downgraded: {self.error_text(exc)}; "
                    "its downgrade must drop everything it created (an empty database)",
                    exc,
                )
                self.done(step, started)
                return
            if not _caused_by(exc, NotImplementedError):
                self.fail(
                    step, ERROR, f"downgrading to {target} failed: {self.error_text(exc)}", exc
                )
            elif m is not None and m.has_down:
                self.fail(
                    step,
                    FAILED,
                    f"revision {step.revision} cannot be downgraded (NotImplementedError), "
                    f"but {legacy_text(m)} has a down ({m.down[0].name})",
                    exc,
                )
            elif self.first_down(step) and self.walk_expected(m):
                # --downgrade was asked for and not one step down can be walked: a failure
                why = f"{legacy_text(m)} has no down" if m else "it has no legacy migration"
                self.fail(
                    step,
                    FAILED,
                    f"--downgrade: the head revision {step.revision} cannot be downgraded "
                    f"(NotImplementedError; {why}), so no downgrade could be compared",
                    exc,
                )
            else:
                step.status = IRREVERSIBLE
                why = f"{legacy_text(m)} has no down" if m else "it has no legacy migration"
                step.message = f"revision {step.revision} has no downgrade (NotImplementedError) and {why}: the walk stops here"
                self.stopped = True
            self.done(step, started)
            return
        before = self.legacy_states[state]
        if pair is not None and pair.is_baseline:
            m = None  # the legacy down of its last version alone undoes nothing of the rest
            if self.legacy_follows and all(c.has_down for c in pair.covers):
                # every covered migration has a down: the legacy side walks them all back
                for each in reversed(pair.covers):
                    try:
                        apply_migration(self.legacy, each, self.dialect, direction="down")
                    except Exception as exc:  # noqa: BLE001 - reported
                        self.fail(
                            step,
                            ERROR,
                            f"the down of {legacy_text(each)} failed: {self.error_text(exc)}",
                            exc,
                        )
                        self.done(step, started)
                        return
                before = self.snapshot(self.legacy)  # (what the legacy downs leave)
        if m is not None and m.has_down and self.legacy_follows:
            try:
                apply_migration(self.legacy, m, self.dialect, direction="down")
            except Exception as exc:  # noqa: BLE001 - the legacy down failing is reported
                self.fail(
                    step, ERROR, f"the down of {legacy_text(m)} failed: {self.error_text(exc)}", exc
                )
                self.done(step, started)
                return
            expected = self.snapshot(self.legacy)
            lossy = diff_snapshots(before, expected, labels=("before", "after the legacy down"))
            if not lossy.is_empty:
                step.message = (
                    f"the down of {legacy_text(m)} does not restore the state before it "
                    f"({lossy.lines()[0]}); its revision's downgrade is compared with what the legacy down leaves"
                )
                self.report.notes.append(step.message)
        else:
            expected = before
            if pair is None or not pair.is_baseline or before is self.legacy_states[state]:
                self.follow(step.revision, target)
        self.compare(step, expected, rows=expected is not self.legacy_states[state])
        if step.status == DIFFERENT:
            what = (
                f"what the down of {legacy_text(m)} leaves"
                if m is not None and m.has_down and self.legacy_follows
                else "the legacy state before " + (legacy_text(m) if m else "this revision")
            )
            if pair is not None and pair.is_baseline:
                what = "the database before the baseline (its downgrade must drop everything it created)"
            step.message = f"after downgrading {step.revision}, the database differs from {what}"
            self.stopped = True
        self.done(step, started)

    def walk_expected(self, head: LegacyMigration | None) -> bool:
        """Whether a walk down from the head was to be expected: the head is a versioned
        migration (a Flyway repeatable has no undo) and the legacy history has downs."""
        if head is not None and head.kind is not Kind.VERSIONED:
            return False
        return any(p.migration is not None and p.migration.has_down for p in self.plan.pairs)

    def first_down(self, step: StepResult) -> bool:
        """True when `step` is the first step of the walk down (from the head)."""
        return next(s for s in self.report.steps if s.phase == DOWNGRADE) is step

    def follow(self, revision: str | None, target: str) -> None:
        """Move the legacy database down with the revision's own downgrade (there is no
        legacy down to run): stamped at the revision first."""
        if not self.legacy_follows or revision is None:
            return
        try:
            self.on_legacy(self.history.stamp, revision)
            self.on_legacy(self.history.downgrade, target)
        except Exception:  # noqa: BLE001 - from here on, compare with the kept states only
            self.legacy_follows = False


def _relative(path: str, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------------------
# Rich output for the command line
