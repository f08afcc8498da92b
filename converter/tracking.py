"""The legacy tools' tracking tables: which reader reads which, and what they say is applied.

The readers live beside their formats (`converter.formats.<tool>`, behind the interface in
`converter.formats.tracking`); `READERS` maps each format name whose tool keeps a table of a
known name to its reader, built from the formats registry (`LegacyFormat.tracking_reader`).
`plain` has no table of its own; `CUSTOM_READER` reads a project's own table
(`--table NAME --version-column COL`).

`resolve(state, steps)` is pure: it matches the applied migrations a reader found against the
legacy steps of the Alembic history (`HistoryStep`, in history order) and returns the last
legacy step the database has, or raises `Refusal` saying what is wrong and what to do: a
version no file knows, a gap, an out-of-order apply, an edited migration (Flyway and
Liquibase checksums), several possible answers. `split_state` shares one table among the
module lines of a history. What each tool's table holds is written on its reader.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from converter.errors import ConverterError
from converter.formats import all_formats, get_format
from converter.formats.sqitch import sqlite_registry_path
from converter.formats.tracking import (
    BASELINE,
    CUSTOM,
    REPEATABLE,
    VERSIONED,
    Applied,
    Location,
    TrackingOptions,
    TrackingReader,
    TrackingState,
    find_table,
)
from converter.formats.yoyo import yoyo_hash

__all__ = [
    "BASELINE",
    "CUSTOM",
    "CUSTOM_READER",
    "READERS",
    "REPEATABLE",
    "TOOLS",
    "VERSIONED",
    "Applied",
    "HistoryStep",
    "Location",
    "Refusal",
    "Resolution",
    "TrackingOptions",
    "TrackingReader",
    "TrackingState",
    "find_table",
    "matcher",
    "resolve",
    "split_state",
    "sqlite_registry_path",
    "yoyo_hash",
]


class Refusal(ConverterError):
    """This database cannot be stamped safely; the message says why, the hint what to do,
    and `details` (lines) show the evidence, such as a schema diff."""

    def __init__(
        self, message: str, *, hint: str | None = None, details: list[str] | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.details = list(details or [])


# ---------------------------------------------------------------------------------------
# The history side


@dataclass(frozen=True)
class HistoryStep:
    """One legacy migration as the Alembic history holds it (position 1 is the first)."""

    index: int
    revision: str
    version: str | None  # `legacy_version` of the revision ("" for a Flyway repeatable)
    kind: str = VERSIONED
    files: tuple[str, ...] = ()  # legacy files, relative to the legacy root
    checksum: str | None = None  # the tool's checksum of the file
    # where `checksum` comes from: "file" (the legacy file now, --legacy-dir) or "conversion"
    # (the revision's legacy record: the file as it was converted)
    checksum_from: str = "file"
    identity: tuple[str, ...] = ()  # Liquibase (id, author, filename), known with --legacy-dir
    rerun_on_change: bool = False  # Liquibase runOnChange / runAlways
    valid_checksums: tuple[str, ...] = ()  # Liquibase validCheckSum
    # inside a baseline revision (`revision`): the last legacy version it covers; a database
    # at this step but below that version cannot be stamped (see locate)
    baseline_at: str | None = None

    @property
    def label(self) -> str:
        what = self.version if self.version else (self.files[0] if self.files else self.revision)
        return f"{what} ({self.files[0]})" if self.files and self.version else what


# ---------------------------------------------------------------------------------------
# The readers, from the formats registry


def _reader_of(fmt_name: str) -> TrackingReader:
    fmt = get_format(fmt_name)
    assert fmt.tracking_reader is not None, fmt_name
    return fmt.tracking_reader(fmt)


READERS: dict[str, TrackingReader] = {
    fmt.name: _reader_of(fmt.name)
    for fmt in all_formats()
    if fmt.tracking_reader is not None and fmt.tracking_tables
}
"""Format name -> reader, in the formats' order. `plain` has no table of its own (use a
custom one); `custom` has no table of a known name."""

CUSTOM_READER = _reader_of(CUSTOM)

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
        return Resolution(positions[0][0], applied[0].version, notes)

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
            if s.checksum_from == "conversion":
                raise Refusal(
                    f"{edited}: {state.table} records checksum {a.checksum} for version "
                    f"{a.version}, but the revision {s.revision} was converted from a text with "
                    f"checksum {s.checksum}: this database ran another version of the file",
                    hint=f"find which text of {edited} this database ran; if the converted one is "
                    "right, repair the recorded checksum (`flyway repair`) and stamp again, else "
                    "convert the legacy file the database ran",
                )
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
        ran = by_file.get(s.revision)
        if ran is None:
            return last
        if not checked_files or s.checksum is None:
            notes.append(
                f"repeatable {s.label}: applied, but its checksum cannot be compared without "
                "--legacy-dir; the upgrade runs it again"
            )
            return last
        if ran.checksum != s.checksum:
            notes.append(
                f"repeatable {s.files[0] if s.files else s.label} changed since it ran: the upgrade "
                "runs it again, as Flyway would"
            )
            return last
        last = s
    return last
