"""The legacy side of a conversion: read a legacy directory with the right reader, then
check the history.

`scan()` is what `converter scan` shows; `require_clean()` turns its error-level problems into
one InputError; `legacy_root()` finds a database's folder in a per-database tree, and
`read_legacy_history()` is the clean history convert, verify and stamp start from.

The checks here know nothing of formats: duplicate versions, numbering that goes backwards
or skips, empty migrations. Readers add what only they can see (files that match no
pattern, downs without ups).
"""

from __future__ import annotations

import contextlib
import re
from collections import defaultdict
from pathlib import Path

from converter.bookkeeping import classify
from converter.dialects import DIALECTS
from converter.errors import ConverterError, InputError
from converter.formats import detect_format, get_format, tracking_tables
from converter.formats.base import ReadOptions, require_dir
from converter.model import Kind, Scan, Script
from converter.placeholders import apply_placeholders, placeholders_for
from converter.split import iter_statements
from converter.textio import check_encoding, script_source


def scan(
    root: Path,
    format: str | None = None,
    options: ReadOptions | None = None,
    statements: bool = False,
) -> Scan:
    """Read `root` (auto-detecting the format unless given) and check the history; with
    `statements` (`converter scan`), also split every SQL script as convert will
    (`check_statements`; convert itself splits while planning and stops at the first)."""
    options = options or ReadOptions()
    check_encoding(options.encoding)
    require_dir(root)
    reader = get_format(format) if format else detect_format(root)
    result = reader.read(root, options)
    result.dialect = options.dialect
    apply_placeholders(result, placeholders_for(root, options))
    check_history(result)
    if statements:
        check_statements(result)
    return result


def statement_error(script: Script, dialect: str) -> InputError | None:
    """Why convert would reject `script` for `dialect` (it cannot be split into statements:
    an unterminated string, quoted name, comment or dollar quote; a psql meta-command), or
    None. The same splitting convert does (`iter_statements`), so a clean scan means convert
    will not reject the input."""
    try:
        for _ in iter_statements(script, dialect, script_source(script)):
            pass
    except InputError as exc:
        return exc
    return None


def check_statements(result: Scan) -> None:
    """Every SQL script is split as convert splits it. For the dialect of the scan (or of a
    per-database script) a failure is an error; with no dialect known, an error when every
    dialect rejects the script, a warning naming the dialects that do otherwise (a MySQL
    `DELIMITER $$` is a dollar quote to PostgreSQL)."""
    scripts = [(m, s) for m in result.migrations for s in (*m.up, *m.down)]
    for m, script in scripts + [(None, c.script) for c in result.callbacks]:
        if script.language == "sql":
            known = result.dialect or (m.dialect if m is not None else None)
            _check_script(result, script, [known] if known else list(DIALECTS))


def _check_script(result: Scan, script: Script, dialects: list[str]) -> None:
    failed = {d: e for d in dialects if (e := statement_error(script, d)) is not None}
    if not failed:
        return
    first = next(iter(failed.values()))
    if len(failed) == len(dialects):
        result.error("sql", first.message, Path(first.path or script.path), first.line)
    else:
        names = ", ".join(failed)
        result.warn(
            "sql",
            f"for {names}: {first.message} (convert --dialect {names} rejects it; "
            "scan --dialect checks for one database)",
            Path(first.path or script.path),
            first.line,
        )


def require_clean(result: Scan, also: list | None = None) -> Scan:
    """The scan, if it found migrations and no error-level problem (plus `also`); else an
    InputError naming the first problem and how to see them all."""
    errors = result.errors + list(also or [])
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        dialect = f" --dialect {result.dialect}" if result.dialect else ""
        raise InputError(
            first.message + more,
            path=first.path,
            line=first.line,
            hint=f"fix the legacy directory; `converter scan {result.root}{dialect}` lists every problem",
        )
    if not result.migrations:
        raise InputError(
            "no migrations found", path=result.root, hint="check the directory and --format"
        )
    return result


def check_history(result: Scan) -> None:
    _check_duplicates(result)
    _check_numbering(result)
    _check_bookkeeping(result)
    for m in result.migrations:
        if m.is_empty:
            result.warn(
                "empty-migration",
                f"migration {m.version} has no statements (kept only to hold a number?)",
                m.path,
            )


def _check_duplicates(result: Scan) -> None:
    seen: dict[tuple, list] = defaultdict(list)
    for m in result.migrations:
        if m.kind is Kind.REPEATABLE:
            continue
        seen[(m.module, m.sort_key or m.version)].append(m)
    for dupes in seen.values():
        if len(dupes) > 1:
            files = ", ".join(str(m.path) for m in dupes)
            result.error(
                "duplicate-version",
                f"version {dupes[0].version} is used by {len(dupes)} migrations: {files}",
                dupes[1].path,
            )


def _check_numbering(result: Scan) -> None:
    """Warn when small integer versions go backwards or skip numbers, per module."""
    by_module: dict[str | None, list] = defaultdict(list)
    for m in result.migrations:
        if m.kind is Kind.VERSIONED and m.version.isdigit():
            by_module[m.module].append(m)
    for migrations in by_module.values():
        numbers = [int(m.version) for m in migrations]
        if not numbers or max(numbers) >= 10**6:  # timestamps: gaps are normal
            continue
        for prev, cur, m in zip(numbers, numbers[1:], migrations[1:], strict=False):
            if cur < prev:
                result.warn("out-of-order", f"version {m.version} runs after {prev}", m.path)
            elif cur > prev + 1:
                missing = f"{prev + 1}" if cur == prev + 2 else f"{prev + 1}..{cur - 1}"
                result.warn("gap", f"numbering skips {missing} before version {m.version}", m.path)


def _check_bookkeeping(result: Scan) -> None:
    """Name every statement on a migration tracking table (converter.bookkeeping): the
    converted history runs it only where the table exists, or never (alembic_version)."""
    names = tracking_tables()
    words = {n.removesuffix(".*") if n.endswith(".*") else n.rpartition(".")[2] for n in names}
    needle = re.compile("|".join(re.escape(w) for w in sorted(words)), re.I)
    for m in result.migrations:
        for script in m.up + m.down:
            if script.language != "sql":
                continue
            if not any(needle.search(piece) for piece in script.pieces()):
                continue  # most scripts: no split needed
            try:
                for st in iter_statements(
                    script, result.dialect or "postgresql", script_source(script)
                ):
                    keeping = classify(st)
                    if keeping is not None:
                        result.warn("bookkeeping", keeping.describe(), st.path, st.line)
            except ConverterError:
                continue  # the splitter's own error is reported where the script is converted


def legacy_root(legacy_dir: Path, dialect: str) -> Path:
    """Where the legacy history for `dialect` lies: `legacy_dir/<dialect>/` when the tree keeps
    one folder per database (postgresql/, mysql/, sqlite/), else legacy_dir itself."""
    folders = [d for d in DIALECTS if (legacy_dir / d).is_dir()]
    if not folders:
        return legacy_dir
    if dialect not in folders:
        raise InputError(
            f"no {dialect} folder in this per-database tree (it has {', '.join(folders)})",
            path=legacy_dir,
            hint=f"add {legacy_dir / dialect}, or convert only for " + ", ".join(folders),
        )
    return legacy_dir / dialect


def read_legacy_history(
    legacy_dir: Path,
    dialect: str,
    format: str | None,
    encoding: str | None,
    java_dirs: tuple[Path, ...] = (),
    goose_tool: str | None = None,
):
    root = legacy_root(legacy_dir, dialect)
    read = ReadOptions(
        encoding=encoding, dialect=dialect, java_dirs=java_dirs, goose_tool=goose_tool
    )
    return require_clean(scan(root, format, read))


def versions_elsewhere(
    legacy_dir: Path,
    dialect: str,
    format: str | None,
    encoding: str | None,
    goose_tool: str | None = None,
) -> set[str]:
    """Versions that the other databases' histories have (per-database variants)."""
    versions: set[str] = set()
    for other in DIALECTS:
        if other == dialect:
            continue
        with contextlib.suppress(ConverterError):
            found = scan(
                legacy_root(legacy_dir, other),
                format,
                ReadOptions(encoding=encoding, dialect=other, goose_tool=goose_tool),
            )
            versions.update(m.version for m in found.migrations)
    return versions
