"""How each command's report looks in a terminal: rich renderables, printed by the CLI.

The commands return plain reports (`VerifyReport`, `StampReport`, `DriftReport`); turning
them into tables and coloured verdicts happens here, so no command imports rich and the CLI
stays the only place that prints.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from converter.drift import DriftReport
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


def verify_renderables(report: VerifyReport) -> Group:
    """The report as rich renderables: the steps, the failing step's differences, notes."""

    table = Table(
        title=f"verify {report.legacy_dir} ({report.format}) against {report.alembic_dir}"
    )
    for col in ("#", "phase", "legacy", "revision", "result", "s"):
        table.add_column(col, overflow="fold")
    for s in report.steps:
        table.add_row(
            str(s.number),
            s.phase,
            escape(s.legacy_file or s.legacy_version or ""),
            escape(s.revision or ""),
            Text(s.status, style=STATUS_STYLE.get(s.status, "")),
            f"{s.seconds:.2f}",
        )
    parts: list[Any] = [table]
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


def stamp_renderables(report: StampReport, sql: bool = True) -> Group:
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


def drift_renderables(report: DriftReport) -> Group:
    """The report as rich renderables: the differences, then the verdict."""

    parts: list[Any] = [Text("  " + line) for line in report.diff.lines()]
    parts.extend(Text("note: " + n, style="dim") for n in report.notes())
    parts.append(Text(report.summary(), style="bold red" if report.drifted else "bold green"))
    return Group(*parts)
