"""The one small interface every legacy format implements, and helpers they share.

A format knows three things: how sure it is that a directory is in its layout (`detect`),
how to read the directory into neutral `LegacyMigration`s in the order the tool runs them
(`read`), and the tables the tool keeps in a database, with the reader of the one recording
what is applied (`tracking_tables`, `tracking_companions`, `tracking_reader`; the reader's
interface is `converter.formats.tracking`). Everything else is shared.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from converter.errors import InputError
from converter.model import Scan, Script
from converter.textio import LARGE_FILE, TextFile, read_text

if TYPE_CHECKING:
    from converter.config import Config
    from converter.formats.tracking import TrackingReader


@dataclass(frozen=True)
class ReadOptions:
    encoding: str | None = None
    dialect: str | None = None  # "postgresql" | "mysql" | "sqlite": picks per-database sources
    config: Config | None = None  # a configuration named with --config; else found per folder
    java_dirs: tuple[Path, ...] = ()  # Flyway: source folders holding Java migrations
    # goose: which goose the folder was written for ("auto", "pressly", "liamstask");
    # None: the configuration's `goose-tool`, else auto (converter.formats.goose)
    goose_tool: str | None = None


class LegacyFormat:
    """Base of every reader. Subclasses set the class attributes and override two methods."""

    name: str = ""
    title: str = ""
    # The tables the tool keeps in a database, named as snapshots exclude them: a bare table
    # name (any schema), `schema.table`, or `schema.*` (a whole schema, Sqitch's registry).
    # `tracking_tables`: the table(s) recording what is applied, in the order a reader looks
    # for them; `tracking_companions`: the tool's other tables (locks, logs), dropped with it.
    tracking_tables: tuple[str, ...] = ()
    tracking_companions: tuple[str, ...] = ()
    # reads `tracking_tables` for `stamp`, built once per format by `converter.tracking`
    tracking_reader: type[TrackingReader] | None = None

    def detect(self, root: Path) -> int:
        """How sure this format is that `root` is in its layout: 0 (no) to 100 (certain)."""
        raise NotImplementedError

    def read(self, root: Path, options: ReadOptions) -> Scan:
        """Read `root` into a Scan: migrations in the tool's order, plus problems found."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<format {self.name}>"


# -- helpers shared by readers ---------------------------------------------------------------

IGNORED_NAMES = {"__pycache__", "__init__.py", ".DS_Store", "README", "README.md", "README.txt"}


# What the detectors of one `detect_format` call share (see `shared_reads`): folder listings
# and file heads, so that a folder of 5,000 files is listed once and each file opened once,
# not once per format.
_shared: dict[tuple, object] | None = None
HEAD_BYTES = 65536  # the most any detector reads of a file


@contextlib.contextmanager
def shared_reads() -> Iterator[None]:
    """Within this block, `iter_files` listings and `file_head` reads are made once and
    reused (for detection: the folder does not change while the formats look at it)."""
    global _shared
    outer, _shared = _shared, {} if _shared is None else _shared
    try:
        yield
    finally:
        _shared = outer


def file_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first `size` (at most HEAD_BYTES) bytes of `path`; OSError as `open` raises it."""
    if _shared is None:
        with open(path, "rb") as fh:
            return fh.read(size)
    key = ("head", path)
    head = _shared.get(key)
    if head is None:
        with open(path, "rb") as fh:
            head = _shared[key] = fh.read(HEAD_BYTES)
    assert isinstance(head, bytes)
    return head[:size]


def iter_files(root: Path, recursive: bool = False) -> Iterator[Path]:
    """Files under `root` in a stable order, following symlinks, skipping hidden entries."""
    if _shared is None:
        return _iter_files(root, recursive)
    key = ("files", root, recursive)
    if key not in _shared:
        _shared[key] = list(_iter_files(root, recursive))
    listing = _shared[key]
    assert isinstance(listing, list)
    return iter(listing)


def check_not_dangling(path: Path) -> None:
    """A dangling symbolic link is an error naming it (every reader, so that a migration
    that is listed but cannot be read never vanishes from the history)."""
    if path.is_symlink() and not path.exists():
        raise _dangling(path)


def _dangling(path: Path) -> InputError:
    return InputError(
        f"dangling symbolic link: it points to {os.readlink(path)}, which does not exist",
        path=path,
        hint="fix the link or remove it (every reader refuses a migration it cannot read)",
    )


def _iter_files(root: Path, recursive: bool) -> Iterator[Path]:
    """Dangling symbolic links are errors naming the link, in every format (a file that is
    listed but cannot be read must not vanish from the history silently)."""
    if recursive:
        seen: set[str] = set()
        for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
            real = os.path.realpath(dirpath)
            if real in seen:  # a symlink loop, or a folder linked twice: read it once
                dirnames[:] = []
                continue
            seen.add(real)
            dirnames[:] = sorted(
                d for d in dirnames if not d.startswith(".") and d != "__pycache__"
            )
            for f in sorted(filenames):
                if not f.startswith(".") and f not in IGNORED_NAMES:
                    path = Path(dirpath) / f
                    if path.is_symlink() and not path.exists():
                        raise _dangling(path)
                    yield path
    else:
        for p in sorted(root.iterdir()):
            if p.name.startswith(".") or p.name in IGNORED_NAMES:
                continue
            if p.is_file():
                yield p
            elif p.is_symlink() and not p.exists():
                raise _dangling(p)


def relname(root: Path, path: Path) -> str:
    """`path` relative to the legacy root, with forward slashes."""
    return path.relative_to(root).as_posix()


def read_source(path: Path, options: ReadOptions) -> str:
    return read_text(path, options.encoding)


def sql_script(root: Path, path: Path, options: ReadOptions, encoding: str | None = None) -> Script:
    """The SQL script that is the whole file `path`. From `LARGE_FILE` bytes on (a seed file
    of INSERTs) the text is not held: the script carries a `TextFile` that the splitter reads
    a piece at a time. Such a file is still decoded once here, piece by piece, so a bad byte
    is reported by the scan, as for any other file."""
    encoding = encoding or options.encoding
    name = relname(root, path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", path=path) from None
    if size < LARGE_FILE:
        return Script("sql", read_text(path, encoding), path, name)
    lazy = TextFile(path, encoding)
    for _ in lazy.chunks():  # raises the InputError `read_text` would, at the same line
        pass
    return Script("sql", "", path, name, file=lazy)


def describe(raw: str) -> str:
    """A human description from a file-name fragment: `add_users-table` -> `add users table`."""
    return re.sub(r"[_\-]+", " ", raw).strip()


_TS_FORMATS = {14: "%Y%m%d%H%M%S", 12: "%Y%m%d%H%M", 8: "%Y%m%d"}


def date_from_version(version: str) -> datetime | None:
    """The date a timestamped version stands for (`20240301120000`), or None."""
    digits = version.replace("_", "").replace("-", "")
    fmt = _TS_FORMATS.get(len(digits))
    if not fmt or not digits.isdigit() or not digits.startswith(("19", "20")):
        return None
    try:
        return datetime.strptime(digits, fmt)
    except ValueError:
        return None


def require_dir(root: Path) -> None:
    if not root.exists():
        raise InputError(
            "no such directory", path=root, hint="give the legacy migrations directory"
        )
    if not root.is_dir():
        raise InputError("not a directory", path=root, hint="give the legacy migrations directory")
