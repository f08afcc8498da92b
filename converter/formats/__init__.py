"""The registry of legacy formats: one module per format, looked up by name.

`get_format("flyway")` returns the reader; an unknown name fails with "did you mean".
`detect_format(root)` asks every reader how sure it is and takes the clear winner.
`tracking_tables()` names every table the tools (and Alembic) keep, which schema snapshots
leave out. The order of `FORMAT_MODULES` is the order formats are listed in (help texts, and
`stamp --from-table`, whose readers `converter.tracking` builds from these formats).
"""

from __future__ import annotations

import difflib
import importlib
from functools import cache
from pathlib import Path

from converter.errors import InputError, UsageError
from converter.formats.base import LegacyFormat, ReadOptions, require_dir, shared_reads

# name -> module; each module defines FORMAT, an instance of a LegacyFormat subclass
FORMAT_MODULES: dict[str, str] = {
    "plain": "converter.formats.plain",
    "flyway": "converter.formats.flyway",
    "golang-migrate": "converter.formats.golang_migrate",
    "dbmate": "converter.formats.dbmate",
    "goose": "converter.formats.goose",
    "sqitch": "converter.formats.sqitch",
    "liquibase": "converter.formats.liquibase",
    "yoyo": "converter.formats.yoyo",
    "sqlalchemy-migrate": "converter.formats.sqlalchemy_migrate",
    "diesel": "converter.formats.diesel",
    "custom": "converter.formats.custom",
}

__all__ = [
    "FORMAT_MODULES",
    "LegacyFormat",
    "ReadOptions",
    "all_formats",
    "detect_format",
    "get_format",
    "tracking_tables",
]

ALEMBIC_VERSION = "alembic_version"  # the table Alembic itself records the revision in


def get_format(name: str) -> LegacyFormat:
    module = FORMAT_MODULES.get(name)
    if module is None:
        close = difflib.get_close_matches(name, FORMAT_MODULES, n=1, cutoff=0.5)
        hint = (
            f"did you mean {close[0]!r}?"
            if close
            else "known formats: " + ", ".join(FORMAT_MODULES)
        )
        raise UsageError(f"unknown format {name!r}", hint=hint)
    return importlib.import_module(module).FORMAT


def all_formats() -> list[LegacyFormat]:
    return [get_format(name) for name in FORMAT_MODULES]


def detect_format(root: Path) -> LegacyFormat:
    """The format `root` is in; an error when none or several fit equally well."""
    require_dir(root)
    with shared_reads():
        scores = sorted(((f.detect(root), f.name) for f in all_formats()), reverse=True)
    best, name = scores[0]
    if best <= 0:
        raise InputError(
            "no known migration layout found",
            path=root,
            hint="check the directory, or force one with --format ("
            + ", ".join(FORMAT_MODULES)
            + ")",
        )
    tied = [n for s, n in scores if s == best]
    if len(tied) > 1:
        raise InputError(
            "the layout fits several formats equally well: " + ", ".join(sorted(tied)),
            path=root,
            hint="choose one with --format",
        )
    return get_format(name)


@cache
def tracking_tables() -> frozenset[str]:
    """Every table a migration tool keeps in the database it migrates: each format's
    `tracking_tables` and `tracking_companions`, and Alembic's `alembic_version`. Entries are
    named as snapshots exclude them: `table` (any schema), `schema.table` or `schema.*`."""
    names = {ALEMBIC_VERSION}
    for fmt in all_formats():
        names.update(fmt.tracking_tables, fmt.tracking_companions)
    return frozenset(names)
