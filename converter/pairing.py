"""Pairing an Alembic history with the legacy history it was converted from.

`pair_history()` walks the legacy migrations and the revisions of the chain side by side
through each revision's `legacy_version` (verify runs the pairs in lockstep). `build_plan()`
turns the same pairing into the legacy steps stamp maps tracking tables onto: per line of
history (one, or one per `--modules` branch), each revision with its legacy version, kind,
files and the legacy tool's checksum.

A baseline revision (convert `--baseline-at`, `"kind": "baseline"` in its record) pairs with
every legacy migration its record's `covers` names, which must be the start of the legacy
history, in order, every file present (else a pairing problem saying which); its plan has
one step per covered version, all on the baseline revision (`HistoryStep.baseline_at`), so
that stamp can tell "at the baseline's version" from "inside it, below".
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from alembic.script import Script

from converter.dialects import DIALECTS
from converter.errors import ConverterError, InputError, UsageError
from converter.history import BASE, AlembicHistory, legacy_record, legacy_version
from converter.legacy import legacy_root, read_legacy_history, versions_elsewhere
from converter.model import Kind, LegacyMigration
from converter.tracking import REPEATABLE, VERSIONED, HistoryStep, TrackingOptions


class PlanOptions(Protocol):
    """What `build_plan` needs to know (stamp's options have it; read only)."""

    @property
    def legacy_dir(self) -> Path | None: ...
    @property
    def format(self) -> str | None: ...
    @property
    def encoding(self) -> str | None: ...
    @property
    def goose_tool(self) -> str | None: ...
    @property
    def table(self) -> str | None: ...
    @property
    def version_column(self) -> str | None: ...


@dataclass
class Pair:
    migration: LegacyMigration | None
    revision: Script | None
    problem: str | None = None
    # a baseline revision: every legacy migration it replaces, in history order (the last
    # one is `migration`); empty for a revision converted from one migration
    covers: list[LegacyMigration] = field(default_factory=list)
    baseline_data: tuple[str, ...] = ()  # a baseline: the tables whose rows it carries

    @property
    def is_baseline(self) -> bool:
        return bool(self.covers)


@dataclass
class PairedHistory:
    before: list[Script]
    pairs: list[Pair]
    after: list[Script]


def rev_text(rev: Script) -> str:
    return f"revision {rev.revision} ({Path(rev.path).name})"


def legacy_text(m: LegacyMigration) -> str:
    version = f" (version {m.version})" if m.version else ""
    return f"legacy migration {m.name}{version}"


BASELINE_KIND = "baseline"  # the `kind` of a baseline revision's legacy record


def baseline_covers(rev: Script) -> tuple[str, ...]:
    """The legacy versions a baseline revision replaces, in history order; () for any other
    revision."""
    record = legacy_record(rev)
    if record is None or record.kind != BASELINE_KIND:
        return ()
    return record.covers or ((record.version,) if record.version else ())


def _pair_baseline(migrations: list[LegacyMigration], i: int, r: Script) -> tuple[Pair, int]:
    """The pair of the baseline revision `r`, met when the legacy migrations from `i` on are
    still unpaired: it replaces exactly the legacy migrations `covers` names, which must be
    the start of the legacy history, in order. Returns the pair and the next `i`."""
    record = legacy_record(r)
    assert record is not None
    covers = baseline_covers(r)
    hint = (
        "convert again with --baseline-at (a baseline covers a prefix of the legacy history, "
        "every file of it present)"
    )
    if i > 0:
        return (
            Pair(
                migrations[i] if i < len(migrations) else None,
                r,
                f"{rev_text(r)} is a baseline of legacy {covers[0]}..{covers[-1]}, but "
                f"{legacy_text(migrations[i - 1])} runs before it: a baseline covers the start "
                f"of the legacy history; {hint}",
            ),
            i,
        )
    if record.version is not None and covers[-1] != record.version:
        return (
            Pair(
                migrations[0] if migrations else None,
                r,
                f"{rev_text(r)}: its legacy record says version {record.version!r} but its "
                f"covers end at {covers[-1]!r}; {hint}",
            ),
            i,
        )
    present = {m.version for m in migrations}
    missing = [v for v in covers if v not in present]
    if missing:
        shown = ", ".join(missing[:10]) + (
            f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        )
        return (
            Pair(
                migrations[0] if migrations else None,
                r,
                f"{rev_text(r)} is a baseline covering legacy version(s) {shown}, which "
                f"the legacy directory does not have; {hint}",
            ),
            i,
        )
    got = migrations[: len(covers)]
    for k, (m, v) in enumerate(zip(got, covers, strict=True)):
        if m.version != v:
            return (
                Pair(
                    m,
                    r,
                    f"{rev_text(r)} is a baseline whose covers are not the start of the legacy "
                    f"history: its entry {k + 1} is version {v!r}, but the legacy tool runs "
                    f"{legacy_text(m)} there; {hint}",
                ),
                i,
            )
    return Pair(got[-1], r, covers=list(got), baseline_data=record.baseline_data), len(got)


def pair_history(
    migrations: list[LegacyMigration],
    chain: list[Script],
    elsewhere: Callable[[], set[str]],
) -> PairedHistory:
    """Pair the legacy migrations with the chain's revisions, in order. The first problem
    becomes a pair with `problem` set, and pairing stops there. `elsewhere()` gives the
    versions that other databases' histories have (a revision for one of them only is not a
    problem: it runs as a no-op here)."""
    marked = [i for i, r in enumerate(chain) if legacy_version(r) is not None]
    if not marked:
        first = chain[0]
        return PairedHistory(
            [],
            [
                Pair(
                    migrations[0] if migrations else None,
                    first,
                    f"no revision in the Alembic history has a legacy_version: it was "
                    f"not converted from a legacy history ({rev_text(first)} ...)",
                )
            ],
            [],
        )
    before, middle, after = (
        chain[: marked[0]],
        chain[marked[0] : marked[-1] + 1],
        chain[marked[-1] + 1 :],
    )
    pairs: list[Pair] = []
    later_legacy: Counter[str | None] = Counter(
        x.version for x in migrations
    )  # versions not yet paired
    later_revs: Counter[str | None] = Counter(legacy_version(x) for x in middle)
    for x in middle:  # a baseline's covered versions have their revision too
        later_revs.update(baseline_covers(x)[:-1])
    i = j = 0
    while i < len(migrations) or j < len(middle):
        m = migrations[i] if i < len(migrations) else None
        r = middle[j] if j < len(middle) else None
        rv = legacy_version(r) if r is not None else None
        if r is not None and baseline_covers(r):
            pair, i = _pair_baseline(migrations, i, r)
            pairs.append(pair)
            if pair.problem is not None:
                break
            for covered in pair.covers:
                later_legacy[covered.version] -= 1
                later_revs[covered.version] -= 1
            j += 1
            continue
        if r is not None and rv is None:
            where = f"after {legacy_text(migrations[i - 1])}" if i else "at the start"
            pairs.append(
                Pair(
                    m,
                    r,
                    f"{rev_text(r)} has no legacy_version but sits inside the "
                    f"legacy history ({where}): no legacy migration matches it",
                )
            )
            break
        if m is not None and r is not None and rv == m.version:
            pairs.append(Pair(m, r))
            later_legacy[m.version] -= 1
            later_revs[rv] -= 1
            i, j = i + 1, j + 1
            continue
        m_orphan = m is not None and later_revs[m.version] <= 0
        r_orphan = r is not None and later_legacy[rv] <= 0
        if r is not None and r_orphan and rv in elsewhere():
            pairs.append(Pair(None, r))  # another database's migration: a no-op here
            later_revs[rv] -= 1
            j += 1
            continue
        if m is not None and r is not None and m_orphan and r_orphan:
            pairs.append(
                Pair(
                    m,
                    r,
                    f"{legacy_text(m)} has no revision, and {rev_text(r)}, where it "
                    f"would be, has legacy_version {rv!r}, which no legacy migration has",
                )
            )
            break
        if m is not None and m_orphan:
            expected = (
                f"expected before {rev_text(r)}"
                if r is not None
                else "expected after the last revision"
            )
            pairs.append(Pair(m, r, f"{legacy_text(m)} has no revision ({expected})"))
            break
        if r is not None and r_orphan:
            where = (
                f"where {legacy_text(m)} runs"
                if m is not None
                else "after the last legacy migration"
            )
            pairs.append(
                Pair(
                    m,
                    r,
                    f"{rev_text(r)} has legacy_version {rv!r}, but no legacy migration "
                    f"has that version (it comes {where})",
                )
            )
            break
        assert m is not None and r is not None
        pairs.append(
            Pair(
                m,
                r,
                f"the order differs: the legacy tool runs {legacy_text(m)} next, "
                f"Alembic runs {rev_text(r)} (legacy_version {rv!r})",
            )
        )
        break
    return PairedHistory(before, pairs, after)


@dataclass
class Branch:
    """One line of the Alembic history and its legacy steps, as one dialect sees them: the
    whole history, or with module branches (convert --modules) one module's."""

    module: str | None
    chain: list[Script]
    steps: list[HistoryStep]
    format: str | None  # the legacy format (from --legacy-dir, else the revision files)
    checked_files: bool  # steps carry the legacy tool's checksums (of the files, or as converted)
    tracking: TrackingOptions
    notes: list[str] = field(default_factory=list)  # legacy files edited since the conversion

    def position(self, revision: str) -> int | None:
        return next((i for i, r in enumerate(self.chain, start=1) if r.revision == revision), None)

    def revision_after(self, step: HistoryStep | None) -> str:
        """The revision for "the legacy history applied up to `step`" (None: nothing)."""
        if step is not None:
            return step.revision
        first = self.steps[0] if self.steps else None
        position = self.position(first.revision) if first is not None else None
        if position is None or position == 1:
            return BASE
        return self.chain[position - 2].revision

    def baseline_rest(self, step: HistoryStep) -> list[HistoryStep]:
        """The legacy steps after `step` inside its baseline revision (empty when `step` is
        not inside a baseline, or is the baseline's last version)."""
        if step.baseline_at is None:
            return []
        inside = [s for s in self.steps if s.revision == step.revision]
        return inside[inside.index(step) + 1 :] if step in inside else []


@dataclass
class HistoryPlan:
    dialect: str
    branches: list[Branch]

    @property
    def modules(self) -> bool:
        return len(self.branches) > 1

    def branch_of(self, revision: str) -> Branch | None:
        return next((b for b in self.branches if b.position(revision) is not None), None)


def _record_facts(rev: Script) -> tuple[str | None, str, tuple[str, ...], set[str]]:
    """(legacy format, kind, legacy files, dialects without a variant) from the revision's
    legacy record."""
    record = legacy_record(rev)
    if record is None:
        return None, VERSIONED, (), set()
    kind = REPEATABLE if record.kind == Kind.REPEATABLE.value else VERSIONED
    return record.format, kind, record.files, set(record.missing_variants)


def _notes_value(m: LegacyMigration, prefix: str) -> list[str]:
    return [n[len(prefix) :] for n in m.notes if n.startswith(prefix)]


def _step_from(
    index: int,
    rev: Script,
    m: LegacyMigration,
    files: tuple[str, ...],
    baseline_at: str | None = None,
) -> HistoryStep:
    identity: tuple[str, ...] = ()
    for value in _notes_value(m, "changeset:"):
        path, _, rest = value.partition("::")
        cid, _, author = rest.partition("::")
        identity = (cid, author, path)
    kind = REPEATABLE if (m.kind is Kind.REPEATABLE and m.format == "flyway") else VERSIONED
    return HistoryStep(
        index,
        rev.revision,
        m.version if baseline_at is not None else legacy_version(rev),
        kind,
        files=tuple(s.name for s in m.up) or files,
        checksum=m.tool_checksum,
        identity=identity,
        rerun_on_change=m.kind is Kind.REPEATABLE,
        valid_checksums=tuple(_notes_value(m, "validCheckSum:")),
        baseline_at=baseline_at,
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
        rev: Script | None = script.get_revision(head)
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


def build_plan(history: AlembicHistory, dialect: str, options: PlanOptions) -> HistoryPlan:
    branches = [
        build_branch(module, chain, dialect, options) for module, chain in branches_of(history)
    ]
    return HistoryPlan(dialect, branches)


def _elsewhere(
    legacy_dir: Path, module: str | None, dialect: str, options: PlanOptions
) -> Callable[[], set[str]]:
    cache: list[set[str]] = []

    def elsewhere() -> set[str]:
        if not cache:
            if module is None:
                cache.append(
                    versions_elsewhere(
                        legacy_dir, dialect, options.format, options.encoding, options.goose_tool
                    )
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
                                    folder,
                                    other,
                                    options.format,
                                    options.encoding,
                                    goose_tool=options.goose_tool,
                                ).migrations
                            }
                cache.append(found)
        return cache[0]

    return elsewhere


def build_branch(
    module: str | None, chain: list[Script], dialect: str, options: PlanOptions
) -> Branch:
    facts = {rev.revision: _record_facts(rev) for rev in chain}
    formats = {facts[r.revision][0] for r in chain if facts[r.revision][0]}
    fmt = next(iter(formats)) if len(formats) == 1 else None
    tracking = TrackingOptions(
        table=_module_name(options.table, module), version_column=options.version_column
    )
    if options.legacy_dir is None:
        # the legacy tool's checksums as converted (the revisions' records): a database
        # that ran another text of a migration is refused without the legacy folder
        steps: list[HistoryStep] = []
        for i, rev in enumerate(chain, start=1):
            record = legacy_record(rev)
            _, kind, files, missing = facts[rev.revision]
            covers = baseline_covers(rev)
            if covers and dialect not in missing:
                # one step per legacy version the baseline replaces (which file is which
                # is known with --legacy-dir only)
                steps.extend(
                    HistoryStep(i, rev.revision, v, VERSIONED, baseline_at=covers[-1])
                    for v in covers
                )
                continue
            if record is not None and record.version is not None and dialect not in missing:
                checksum = record.tool_checksum_for(dialect)
                steps.append(
                    HistoryStep(
                        i,
                        rev.revision,
                        record.version,
                        kind,
                        files,
                        checksum=checksum,
                        checksum_from="conversion",
                    )
                )
        checked = any(s.checksum is not None for s in steps)
        return Branch(module, chain, _numbered(steps), fmt, checked, tracking)

    legacy_dir = Path(options.legacy_dir)
    where = legacy_root(legacy_dir, dialect) / module if module else legacy_dir
    found = read_legacy_history(
        where, dialect, options.format, options.encoding, goose_tool=options.goose_tool
    )
    plan = pair_history(found.migrations, chain, _elsewhere(legacy_dir, module, dialect, options))
    for pair in plan.pairs:
        if pair.problem is not None:
            raise InputError(
                f"the Alembic history does not match the legacy directory: {pair.problem}",
                path=where,
                hint="convert the legacy directory again (or pass the --legacy-dir it was converted from)",
            )
    index = {r.revision: i for i, r in enumerate(chain, start=1)}
    edited = [
        pair.migration.name or pair.migration.version
        for pair in plan.pairs
        if pair.migration is not None
        and pair.revision is not None
        and (record := legacy_record(pair.revision)) is not None
        and not pair.is_baseline  # its sha256 is of all the files it covers
        and record.sha256 is not None
        and record.sha256 != pair.migration.checksum
    ]
    steps = []
    for pair in plan.pairs:
        if pair.migration is None or pair.revision is None:
            continue  # another database's: a no-op here
        rev = pair.revision
        if pair.is_baseline:
            steps.extend(
                _step_from(index[rev.revision], rev, m, (), baseline_at=pair.migration.version)
                for m in pair.covers
            )
        else:
            steps.append(
                _step_from(index[rev.revision], rev, pair.migration, facts[rev.revision][2])
            )
    steps = _numbered(steps)
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
    edited_notes = [
        f"{name} was edited since it was converted (its SHA-256 differs from the revision's "
        "legacy record): convert again if the change must reach Alembic"
        for name in edited
    ]
    return Branch(module, chain, steps, found.format, True, tracking, edited_notes)


def _numbered(steps: list[HistoryStep]) -> list[HistoryStep]:
    """The steps numbered 1, 2, ... in history order (a baseline revision holds several)."""
    return [dataclasses.replace(s, index=k) for k, s in enumerate(steps, start=1)]


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
