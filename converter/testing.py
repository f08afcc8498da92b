"""Run the converter's checks from a project's own test suite (pytest or any runner).

    from converter.testing import assert_equivalent, assert_no_drift

    def test_alembic_history_matches_the_legacy_one():
        assert_equivalent("migrations", "alembic")  # two temporary SQLite files

    def test_on_postgresql():
        assert_equivalent("migrations", "alembic", url="postgresql+psycopg://postgres@localhost/postgres",
                          downgrade=True)

    def test_alembic_history_is_up_to_date():  # while the legacy folder still receives migrations
        assert_converted("migrations", "alembic", dialect="postgresql")

A failure raises AssertionError whose message is the readable report: the step that
diverged (legacy file and revision) and every difference, one per line.
"""

from __future__ import annotations

from pathlib import Path

from converter.convert import ConvertOptions, ConvertResult, convert
from converter.drift import DriftOptions, DriftReport, drift
from converter.verify import VerifyOptions, verify
from converter.verify_report import VerifyReport


def verify_report(
    legacy_dir: str | Path, alembic_dir: str | Path, url: str | None = None, **options
) -> VerifyReport:
    """Run verify and return its report (options: those of VerifyOptions)."""
    return verify(Path(legacy_dir), Path(alembic_dir), VerifyOptions(url=url, **options))


def assert_equivalent(
    legacy_dir: str | Path, alembic_dir: str | Path, url: str | None = None, **options
) -> VerifyReport:
    """Raise AssertionError with the readable diff unless both histories build the same
    database (schema and data, step by step by default). Returns the report."""
    __tracebackhide__ = True
    report = verify_report(legacy_dir, alembic_dir, url, **options)
    if not report.equivalent:
        raise AssertionError(report.text())
    return report


def assert_no_drift(
    alembic_dir: str | Path, url: str, scratch_url: str | None = None
) -> DriftReport:
    """Raise AssertionError listing the differences unless the live database at `url` has
    exactly the schema of the revision it is stamped at. Reads `url` only."""
    __tracebackhide__ = True
    report = drift(Path(alembic_dir), DriftOptions(url=url, scratch_url=scratch_url))
    if report.drifted:
        raise AssertionError(report.text())
    return report


def assert_converted(
    legacy_dir: str | Path, alembic_dir: str | Path, dialect: str, **options
) -> ConvertResult:
    """`converter convert --check` as an assertion: raise AssertionError listing what a re-run
    of convert would change (legacy migrations not converted yet, renames, stale files, hand
    edits) unless ALEMBIC_DIR is up to date with LEGACY_DIR. Writes nothing. Pass the options
    the directory was converted with (those of ConvertOptions, e.g. date_from)."""
    __tracebackhide__ = True
    result = convert(
        Path(legacy_dir), Path(alembic_dir), ConvertOptions(dialect=dialect, check=True, **options)
    )
    if not result.up_to_date:
        lines = [f"{alembic_dir} is not up to date with {legacy_dir}; a re-run of convert would:"]
        lines += [f"  write {w}" for w in result.written]
        lines += [f"  rename {a} -> {b}" for a, b in result.renamed]
        lines += [f"  move {s} to stale/" for s in result.moved_stale]
        lines += [f"  remove {f} (folded into the baseline)" for f in result.folded]
        lines += [
            f"  keep the hand edits of {k} (review them, or --force)" for k in result.kept_edits
        ]
        if result.alembic_ini is not None:
            lines.append(f"  write {result.alembic_ini}")
        raise AssertionError("\n".join(lines))
    return result
