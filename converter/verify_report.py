"""What verify found: one `StepResult` per step (each legacy migration with its revision,
each downgrade), the `VerifyReport` over them, and their outcomes.

Plain data shared by verify (which fills it), the JUnit writer and the terminal tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from converter.diff import SchemaDiff

# step phases
BEFORE, UPGRADE, AFTER, DOWNGRADE = "before", "upgrade", "after", "downgrade"
# step outcomes
EQUAL = "equal"  # compared: no difference
APPLIED = "applied"  # applied, not compared (final-only mode, before the last step)
DIFFERENT = "different"  # compared: the databases differ
FAILED = "failed"  # not comparable: pairing problem, or irreversible where the legacy had a down
ERROR = "error"  # a migration or revision raised
IRREVERSIBLE = "irreversible"  # the revision's downgrade raises NotImplementedError; not a failure
NOT_RUN = "not run"  # an earlier step stopped the run
NEEDS_PORTING = "needs porting"  # a placeholder revision for a code migration: never equal
PORTED = "ported"  # a code migration ported by hand: applied to both, not comparable
FAILING = (DIFFERENT, FAILED, ERROR, NEEDS_PORTING)


@dataclass
class StepResult:
    """One test case: a legacy migration and its revision, applied (or walked back)."""

    number: int
    phase: str  # before | upgrade | after | downgrade
    legacy_file: str | None = None
    legacy_version: str | None = None
    revision: str | None = None
    revision_file: str | None = None
    status: str = NOT_RUN
    message: str | None = None
    diff: SchemaDiff | None = None
    seconds: float = 0.0
    detail: str | None = None  # the traceback of an error
    rows: list[str] = field(default_factory=list)  # differing rows of a data difference

    @property
    def title(self) -> str:
        legacy = self.legacy_file or (
            f"legacy {self.legacy_version}" if self.legacy_version else None
        )
        rev = self.revision or "?"
        if self.phase == DOWNGRADE:
            return f"downgrade {rev}" + (f" (legacy {legacy})" if legacy else "")
        if self.phase in (BEFORE, AFTER):
            return f"{self.phase} the legacy history: {rev}"
        return f"{legacy or '(no legacy migration)'} -> {rev}"

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "phase": self.phase,
            "legacy_file": self.legacy_file,
            "legacy_version": self.legacy_version,
            "revision": self.revision,
            "revision_file": self.revision_file,
            "status": self.status,
            "message": self.message,
            "differences": self.diff.to_json()["differences"] if self.diff else [],
            "seconds": round(self.seconds, 4),
            "detail": self.detail,
            "rows": list(self.rows),
        }


@dataclass
class VerifyReport:
    legacy_dir: Path
    alembic_dir: Path
    dialect: str
    format: str
    url: str | None  # masked
    stepwise: bool
    downgrade: bool
    data: bool
    steps: list[StepResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None  # the run could not finish (connection lost, interrupted, ...)
    # a baseline revision: the tables whose legacy rows it does not carry (left out)
    baseline_data_left_out: list[str] = field(default_factory=list)
    baseline: str | None = None  # "revision R: legacy 1..150 (150 migrations)"

    @property
    def equivalent(self) -> bool:
        return self.error is None and not any(s.status in FAILING for s in self.steps)

    @property
    def failure(self) -> StepResult | None:
        return next((s for s in self.steps if s.status in FAILING), None)

    def count(self, status: str) -> int:
        return sum(1 for s in self.steps if s.status == status)

    def summary(self) -> str:
        upgrades = [s for s in self.steps if s.phase != DOWNGRADE]
        mode = "step by step" if self.stepwise else "once at the end"
        where = f"{self.dialect}" + (f" on {self.url}" if self.url else " (temporary SQLite files)")
        if self.equivalent:
            text = f"equivalent: {len(upgrades)} steps compared {mode} on {where}"
            if self.baseline:
                text += f" (the first, the baseline {self.baseline})"
            if self.count(PORTED):
                text += f" ({self.count(PORTED)} ported by hand: applied, not comparable)"
            walked = [s for s in self.steps if s.phase == DOWNGRADE and s.status == EQUAL]
            if self.downgrade:
                text += f"; {len(walked)} downgrades match"
                irreversible = next((s for s in self.steps if s.status == IRREVERSIBLE), None)
                if irreversible is not None and not walked:
                    # not a success of --downgrade: say that nothing was compared (a failure
                    # when a walk down was to be expected: verify.walk_expected)
                    text += (
                        f": nothing could be compared, the head revision {irreversible.revision} "
                        "cannot be downgraded"
                    )
                elif irreversible is not None:
                    text += f" (walk stopped at the irreversible revision {irreversible.revision})"
            return text
        f = self.failure
        if f is None:
            return f"ERROR on {where}: {(self.error or '').splitlines()[0]}"
        return f"NOT equivalent on {where}: step {f.number} ({f.phase}) {f.status}: {f.title}"

    def text(self) -> str:
        """The report as plain text: summary, the failing step with its diff, notes."""
        lines = [self.summary()]
        f = self.failure
        if f is not None:
            lines.append("")
            lines.extend(failure_lines(f))
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "equivalent": self.equivalent,
            "summary": self.summary(),
            "legacy_dir": str(self.legacy_dir),
            "alembic_dir": str(self.alembic_dir),
            "dialect": self.dialect,
            "format": self.format,
            "url": self.url,
            "stepwise": self.stepwise,
            "downgrade": self.downgrade,
            "data": self.data,
            "seconds": round(self.seconds, 3),
            "steps": [s.to_json() for s in self.steps],
            "notes": list(self.notes),
            "baseline": self.baseline,
            "baseline_data_left_out": list(self.baseline_data_left_out),
            "error": self.error,
        }


def failure_lines(step: StepResult) -> list[str]:
    """The failing step as lines: where, what, and the differences."""
    lines = [f"step {step.number} ({step.phase}): {step.title}"]
    if step.legacy_file:
        lines.append(f"  legacy file: {step.legacy_file}")
    if step.revision_file:
        lines.append(f"  revision:    {step.revision} ({step.revision_file})")
    if step.message:
        lines.extend("  " + line for line in step.message.splitlines())
    if step.diff is not None:
        lines.extend("  " + line for line in step.diff.lines())
    if step.rows:
        lines.append("  differing rows:")
        lines.extend("    " + line for line in step.rows)
    return lines
