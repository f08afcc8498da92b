"""Where is this database in the legacy history? The decision stamp acts on.

`Locator.decide()` reads the legacy tool's tracking table (`converter.tracking`, each tool's
reader beside its format) or, with none, matches the schema against the fingerprints of
every step of the history (`converter.fingerprint`), optionally checks the schema of the
step found (`--verify-schema`), and returns a `Decision`: the revisions `alembic_version`
must hold and why. Anything unclear raises `Refusal` with what is wrong and what to do.
Nothing here writes to the database.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa

from converter.diff import SchemaDiff, diff_snapshots
from converter.errors import ConverterError, UsageError
from converter.fingerprint import FingerprintCache, HistoryFingerprints, catalog_key, server_key
from converter.formats import tracking_tables
from converter.history import BASE, AlembicHistory
from converter.legacy import read_legacy_history
from converter.model import LegacyMigration
from converter.pairing import Branch, HistoryPlan, baseline_covers, build_plan, pair_history
from converter.snapshot import SchemaSnapshot, take_snapshot
from converter.tracking import (
    CUSTOM,
    CUSTOM_READER,
    READERS,
    HistoryStep,
    Location,
    Refusal,
    TrackingOptions,
    TrackingReader,
    TrackingState,
    resolve,
    split_state,
)


class LocateOptions(Protocol):
    """What the locator needs of stamp's options (read only)."""

    @property
    def legacy_dir(self) -> Path | None: ...
    @property
    def from_table(self) -> str: ...
    @property
    def table(self) -> str | None: ...
    @property
    def version_column(self) -> str | None: ...
    @property
    def verify_schema(self) -> bool: ...
    @property
    def drop_legacy_table(self) -> bool: ...
    @property
    def format(self) -> str | None: ...
    @property
    def encoding(self) -> str | None: ...
    @property
    def goose_tool(self) -> str | None: ...
    @property
    def scratch_url(self) -> str | None: ...


FINGERPRINT = "schema fingerprint"


class NeedFingerprints(Exception):
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


def _expand(name: str | None, url: str) -> str | None:
    """`{database}` in a table (or Sqitch registry) name: the database's own name (SQLite: the
    file name without its extension), for tools that keep one table per server."""
    if name is None or "{database}" not in name:
        return name
    database = sa.make_url(url).database or ""
    if sa.make_url(url).get_backend_name() == "sqlite":
        database = Path(database).stem
    return name.replace("{database}", database)


def inside_baseline(branch: Branch, step: HistoryStep, where: str) -> Refusal:
    """The refusal for a database at a legacy version inside a baseline revision, below the
    baseline's own version: Alembic has no revision for that state (the baseline builds the
    whole prefix at once), so it must first be brought to that version the legacy way."""
    rest = branch.baseline_rest(step)
    assert rest and step.baseline_at is not None
    inside = [s for s in branch.steps if s.revision == step.revision]
    first = inside[0].version or inside[0].label
    names = [s.label for s in rest]
    shown = ", ".join(names[:10]) + (
        f" and {len(names) - 10} more (all listed below)" if len(names) > 10 else ""
    )
    return Refusal(
        f"{where}, inside the baseline revision {step.revision} (legacy {first}..{step.baseline_at}) "
        f"but below its version {step.baseline_at}: the database still needs {len(rest)} legacy "
        f"migration(s): {shown}",
        hint=f"bring it to version {step.baseline_at} with the legacy tool first (run exactly "
        "those migrations, nothing later), then stamp again: it is then stamped at the baseline",
        details=["legacy migrations still needed:", *(f"  {n}" for n in names)],
    )


def _count(diff: SchemaDiff) -> str:
    n = len(diff.differences)
    return f"{n} difference{'s' if n != 1 else ''}"


class Locator:
    """Decides where databases are in the history; the plan per dialect is built once."""

    def __init__(self, history: AlembicHistory, options: LocateOptions) -> None:
        self.history = history
        self.options = options
        self.cache = FingerprintCache(history, self.covered_migrations)
        self._plans: dict[str, HistoryPlan | ConverterError] = {}
        self._plan_lock = threading.Lock()
        self._covered: dict[str, tuple[str, list[LegacyMigration]] | None] = {}

    def covered_migrations(self, dialect: str) -> tuple[str, list[LegacyMigration]] | None:
        """(baseline revision, the legacy migrations it covers) when the history starts with
        a baseline and --legacy-dir says what they are; the fingerprints of the states
        inside the baseline are built from them."""
        with self._plan_lock:
            if dialect in self._covered:
                return self._covered[dialect]
        found = None
        legacy_dir = self.options.legacy_dir
        chain = self.history.chain() if len(self.history.script.get_heads()) == 1 else []
        if legacy_dir is not None and any(baseline_covers(r) for r in chain):
            history = read_legacy_history(
                Path(legacy_dir), dialect, self.options.format, self.options.encoding
            )
            paired = pair_history(history.migrations, chain, set)
            found = next(
                (
                    (p.revision.revision, p.covers)
                    for p in paired.pairs
                    if p.is_baseline and p.revision is not None and p.problem is None
                ),
                None,
            )
        with self._plan_lock:
            self._covered[dialect] = found
        return found

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
        missing = [str(b.module) for b, _, f in found if f is None]
        if len(missing) == len(found):
            return None
        if missing:
            have = [f"{b.module} ({f[1].qualified})" for b, _, f in found if f is not None]
            raise Refusal(
                f"module(s) {', '.join(missing)} have no tracking table, while {', '.join(have)} do",
                hint="give each module its own table (--table '{module}_...'), or stamp by hand",
            )
        states: dict[tuple[str, str], TrackingState] = {}
        located = [(b, tracking, f) for b, tracking, f in found if f is not None]
        for _, tracking, (reader, loc) in located:
            key = (reader.tool, loc.qualified)
            if key not in states:
                states[key] = reader.read(conn, loc, tracking)
        shared = {
            key: [b for b, _, f in located if (f[0].tool, f[1].qualified) == key] for key in states
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
        revisions: list[str] = []
        versions: list[str] = []
        reasons: list[str] = []
        notes: list[str] = []
        tables: list[str] = []
        excluded: list[str] = []
        for b, reader, state in parts:
            res = resolve(state, b.steps, reader, b.checked_files)
            if res.step is not None and b.baseline_rest(res.step):
                at = res.legacy_version or res.step.label
                raise inside_baseline(b, res.step, f"{state.table} says version {at}")
            revision = b.revision_after(res.step)
            prefix = f"{b.module}: " if b.module else ""
            if revision != BASE:
                revisions.append(revision)
            version = res.legacy_version or (res.step.label if res.step else None)
            if version is not None:
                versions.append(prefix + version)
            if res.step is None:
                reasons.append(f"{prefix}{state.table}: nothing of the legacy history applied")
            elif res.step.baseline_at is not None:
                reasons.append(
                    f"{prefix}{state.table}: last applied {version}, the version of the baseline "
                    f"revision {res.step.revision}"
                )
            else:
                reasons.append(f"{prefix}{state.table}: last applied {version}")
            notes.extend(prefix + n for n in res.notes)
            notes.extend(prefix + n for n in b.notes)
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
            raise NeedFingerprints(key)
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
        inside = [s for s in matches if s.inside is not None]
        if inside:
            first = inside[0]
            branch = plan.branches[0]
            legacy_step = next(
                s
                for s in branch.steps
                if s.revision == first.revision and s.version == first.legacy_version
            )
            others = (
                f" and {len(matches) - 1} later step(s) ("
                + ", ".join(s.title for s in matches[1:4])
                + (", ..." if len(matches) > 4 else "")
                + "): the migrations between them change only data, so the schema cannot tell "
                "which of them ran (the list below counts from the earliest)"
                if len(matches) > 1
                else ""
            )
            raise inside_baseline(
                branch,
                legacy_step,
                f"the schema matches legacy version {first.legacy_version}{others}",
            )
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
        if self.options.legacy_dir is None and any(
            s.baseline_at is not None for s in plan.branches[0].steps
        ):
            raise Refusal(
                f"no step of the history has this schema (the closest is {step.title}, "
                f"{_count(diff)}); the history starts with a baseline revision, and the legacy "
                "versions inside it are known only from the legacy migrations",
                details=[f"differences from {step.title}:", *diff.lines()],
                hint="pass --legacy-dir (the folder the history was converted from): a database "
                "at a version inside the baseline is then recognised, and told which legacy "
                "migrations it still needs",
            )
        raise Refusal(
            f"no step of the history has this schema; the closest is {step.title} ({_count(diff)}, first: "
            f"{diff.lines()[0]})",
            details=[f"differences from {step.title}:", *diff.lines()],
            hint="bring the schema in line with a step of the history (or find the migration that made the "
            "difference), or read the legacy tracking table with --from-table",
        )
