"""The registry of legacy formats: one module per format, looked up by name.

`get_format("flyway")` returns the reader; an unknown name fails with "did you mean".
`detect_format(root)` asks every reader how sure it is and takes the clear winner.
"""

from __future__ import annotations

import difflib
import importlib
from pathlib import Path

from converter.errors import InputError, UsageError
from converter.formats.base import LegacyFormat, ReadOptions, require_dir, shared_reads

# name -> module; each module defines FORMAT, an instance of a LegacyFormat subclass
FORMAT_MODULES: dict[str, str] = {
    "plain": "converter.formats.plain",
    "flyway": "converter.formats.flyway",
    "golang-migrate": "converter.formats.golang_migrate",
    "diesel": "converter.formats.diesel",
    "dbmate": "converter.formats.dbmate",
    "goose": "converter.formats.goose",
    "sqitch": "converter.formats.sqitch",
    "liquibase": "converter.formats.liquibase",
    "yoyo": "converter.formats.yoyo",
    "sqlalchemy-migrate": "converter.formats.sqlalchemy_migrate",
    "custom": "converter.formats.custom",
}

__all__ = [
    "FORMAT_MODULES",
    "LegacyFormat",
    "ReadOptions",
    "all_formats",
    "detect_format",
    "get_format",
]


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
