"""How each command's report looks in a terminal: rich renderables, printed by the CLI.

The commands return plain reports (`ConvertResult`, `VerifyReport`, `StampReport`,
`DriftReport`); turning them into tables and coloured verdicts happens here, so no command
imports rich and the CLI stays the only place that prints.

In a terminal the rows are tables whose cells fold (never "…"). Piped (CI logs, where rich
assumes 80 columns) they are plain lines, one per row, `first | column: value | ...`, which
the CLI prints without wrapping: nothing that names a revision or a reason is ever cut.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from converter.callbacks import CALLBACKS_FILE, describe
from converter.convert import ConvertResult
from converter.drift import DriftReport
from converter.plan import RevisionPlan
from converter.stamp import ALREADY, REFUSED, STAMPED, TIMED_OUT, UNREACHABLE, WOULD, StampReport
from converter.verify_report import (
    APPLIED,
    DIFFERENT,
    EQUAL,
    ERROR,
    FAILED,
    IRREVERSIBLE,
    NEEDS_PORTING,
    NOT_RUN,
    PORTED,
    VerifyReport,
    failure_lines,
)

STATUS_STYLE = {
    EQUAL: "green",
    APPLIED: "green",
    DIFFERENT: "bold red",
    FAILED: "bold red",
    ERROR: "bold red",
    IRREVERSIBLE: "yellow",
    NEEDS_PORTING: "bold red",
    PORTED: "yellow",
    NOT_RUN: "dim",
}


Cell = str | Text


def rows_view(
    title: str, columns: tuple[str, ...], rows: list[tuple[Cell, ...]], terminal: bool
) -> Any:
    """A table in a terminal (cells fold, never truncated); else a title and one plain line
    per row. String cells are plain text (not markup)."""
    if terminal:
        table = Table(title=escape(title))
        for col in columns:
            table.add_column(col, overflow="fold")
        for row in rows:
            table.add_row(*(escape(c) if isinstance(c, str) else c for c in row))
        return table
    lines = [Text(title, style="bold")]
    for row in rows:
        line = Text()
        for i, (col, cell) in enumerate(zip(columns, row, strict=True)):
            if i:
                line.append(f" | {col}: ")
            line.append(cell if isinstance(cell, Text) else Text(cell))
        lines.append(line)
    return Group(*lines)


def _legacy_label(p: RevisionPlan) -> str:
    """The legacy version, and for a code migration its language (and "placeholder")."""
    label = p.migration.version or p.migration.description
    if p.migration.code:
        placeholder = ", placeholder" if p.migration.placeholder else ""
        label += f" ({p.migration.code}{placeholder})"
    return label


def convert_renderables(result: ConvertResult, dry_run: bool, terminal: bool = True) -> Group:
    """What convert did: one row per revision, what was written, renamed and kept, the
    statements kept verbatim because they did not parse (file:line), notes and warnings."""
    rows: list[tuple[Cell, ...]] = []
    for p in result.plans:
        s = p.stats
        rows.append(
            (
                p.revision,
                _legacy_label(p),
                str(s.ops),
                str(s.verbatim),
                str(s.unparsed),
                str(s.autocommit),
                str(s.removed),
                p.downgrade.source,
            )
        )
    columns = ("revision", "legacy", "ops", "verbatim", "unparsed", "autocommit", "removed tx")
    parts: list[Any] = [
        rows_view(
            f"{len(result.plans)} revisions from {result.format} -> {result.out}",
            (*columns, "downgrade"),
            rows,
            terminal,
        )
    ]
    unparsed = [(p.revision, at) for p in result.plans for at in p.stats.unparsed_at]
    if unparsed:
        parts.append(Text("kept verbatim because sqlglot could not structure them:"))
        parts.extend(Text(f"  {at} (revision {rev})") for rev, at in unparsed)
    carried = {c.name: c for cs in result.callbacks.values() for c in cs}
    if carried:
        parts.append(Text(f"legacy migrate callbacks carried into {CALLBACKS_FILE}:"))
        parts.extend(Text(f"  {describe(c)}") for c in carried.values())
    verb = "would write" if dry_run else "wrote"
    parts.append(Text(f"{verb} {len(result.written)} files, {len(result.unchanged)} unchanged"))
    if result.chained_after:
        parts.append(Text(f"chained after the existing head {result.chained_after}"))
    for old, new in result.renamed:
        parts.append(Text(f"{verb.replace('write', 'rename')} {old} -> {new}"))
    for path in result.overwritten_edits:
        parts.append(Text.assemble(("overwrote the hand edits", "yellow"), f" of {path} (--force)"))
    parts.extend(Text(f"note: {note}") for note in result.notes)
    if result.repointed:
        parts.append(
            Text(f"re-pointed the existing base {result.repointed} to the last legacy revision")
        )
    if result.alembic_ini is not None:
        parts.append(Text(f"{verb} {result.alembic_ini}"))
    parts.extend(Text.assemble(("warning", "yellow"), f": {w}") for w in result.warnings)
    if result.placeholders:
        parts.append(
            Text.assemble(
                (f"{len(result.placeholders)} placeholder revision(s) to port by hand", "yellow"),
                " (code migrations that are not straight-line SQL; each raises until ported, "
                "its original source beside it):",
            )
        )
        parts.extend(Text(f"  {line}") for line in result.placeholders)
    return Group(*parts)


def verify_renderables(report: VerifyReport, terminal: bool = True) -> Group:
    """The report as rich renderables: the steps, the failing step's differences, notes."""

    rows: list[tuple[Cell, ...]] = [
        (
            str(s.number),
            s.phase,
            s.legacy_file or s.legacy_version or "",
            s.revision or "",
            Text(s.status, style=STATUS_STYLE.get(s.status, "")),
            f"{s.seconds:.2f}",
        )
        for s in report.steps
    ]
    title = f"verify {report.legacy_dir} ({report.format}) against {report.alembic_dir}"
    parts: list[Any] = [
        rows_view(title, ("#", "phase", "legacy", "revision", "result", "s"), rows, terminal)
    ]
    for s in report.steps:
        if s.status in (IRREVERSIBLE, PORTED) and s.message:
            parts.append(Text(f"{s.status}: " + s.message, style="yellow"))
    f = report.failure
    if f is not None:
        lines = failure_lines(f)
        parts.append(Text(lines[0], style="bold red"))
        parts.extend(Text(line) for line in lines[1:])
    parts.extend(Text("note: " + n, style="dim") for n in report.notes)
    style = "bold green" if report.equivalent else "bold red"
    parts.append(Text(report.summary(), style=style))
    return Group(*parts)


def stamp_renderables(report: StampReport, sql: bool = True, terminal: bool = True) -> Group:
    """The report as rich renderables: one row per database, then SQL (unless `sql` is
    False), details and the verdict."""

    styles = {
        STAMPED: "green",
        ALREADY: "green",
        WOULD: "cyan",
        REFUSED: "bold red",
        UNREACHABLE: "bold red",
        TIMED_OUT: "bold red",
    }
    rows: list[tuple[Cell, ...]] = [
        (
            r.database,
            r.legacy_version or "",
            r.revision or "",
            Text(r.action, style=styles.get(r.action, "")),
            r.reason,
        )
        for r in report.results
    ]
    columns = ("database", "legacy version", "revision", "action", "reason")
    parts: list[Any] = [rows_view(f"stamp {report.alembic_dir}", columns, rows, terminal)]
    for r in report.results:
        if r.sql and sql:
            parts.append(Text(r.sql.rstrip("\n")))
        for d in r.details:
            parts.append(Text(f"{r.database}: {d}", style="dim"))
    parts.extend(Text("note: " + n, style="dim") for n in report.notes)
    parts.append(Text(report.summary(), style="bold red" if report.refused else "bold green"))
    return Group(*parts)


def drift_renderables(report: DriftReport) -> Group:
    """The report as rich renderables: the differences, then the verdict."""

    parts: list[Any] = [Text("  " + line) for line in report.diff.lines()]
    parts.extend(Text("note: " + n, style="dim") for n in report.notes())
    parts.append(Text(report.summary(), style="bold red" if report.drifted else "bold green"))
    return Group(*parts)
