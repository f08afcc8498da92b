"""Data files: the data statements of a very large legacy script, kept beside its revision.

A revision converted from a legacy script of BULK_SCRIPT_CHARS or more (a seed file of
INSERTs) does not carry its data statements as Python string literals (a 100 MB revision
file that Python must compile). They go, in order and byte for byte, into one data file
beside the revision, `versions/<revision file stem>.data.sql`, and the revision runs them
with `execute_data_file(__file__, name, offset=..., length=..., count=..., sha256=...)`: one call per run of
consecutive data statements, so statements kept in the revision (DDL, autocommit blocks)
still run in their original order between the runs.

The file format (v1) is plain SQL that is also unambiguous to read back:

    -- converter data file v1: ...              lines starting with `-- `: comments
    -- | the legacy comment lines of a statement  (each legacy comment line after `-- | `)
    -- @ 21934                                  a record: the statement's length in UTF-8 bytes,
    INSERT INTO customers ... ;                 then exactly those bytes, then `;` and a newline
                                                blank lines between records

The reader never searches for `;` (a statement may hold any text); it reads the length and
then that many bytes. Each call checks the SHA-256 of its byte range before running the first
statement, so a data file edited or truncated after conversion stops the migration before
anything runs. Online each statement goes through `execute_verbatim` (no bind parameters, no
`%` formatting); in `--sql` mode it is printed the same way.

The reader is `revision_helpers.data_file_statements`, written into the script directory's
`converter_helpers.py` that the revisions import, so the code that runs is the code tested.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from converter.errors import write_error
from converter.split import Statement

BULK_SCRIPT_CHARS = 2**20  # a script at least this large keeps its data statements in a data file
MAGIC = b"-- converter data file v1"
RECORD = b"-- @ "
COMMENT = "-- | "
SUFFIX = ".data.sql"


def data_file_name(revision_filename: str) -> str:
    """`0002_seed_ab12.py` -> `0002_seed_ab12.data.sql` (beside it in versions/)."""
    return revision_filename.removesuffix(".py") + SUFFIX


@dataclass
class DataRange:
    """One run of consecutive data statements in a data file: what one call runs."""

    name: str  # the data file's name in versions/
    offset: int  # first byte of the run
    length: int = 0  # bytes of the run (comments, records, separators)
    count: int = 0  # statements in the run
    first_line: int = 0  # where the run starts and ends in the legacy file
    last_line: int = 0
    legacy_name: str = ""
    _digest: Any = field(default_factory=hashlib.sha256, repr=False)

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def call(self) -> list[str]:
        """The revision lines that run this range (as `ruff format` writes the call)."""
        mb = self.length / 1e6
        return [
            f"# {self.count} statements ({mb:.1f} MB), "
            f"{self.legacy_name} lines {self.first_line}-{self.last_line}",
            "execute_data_file(",
            "    __file__,",
            f'    "{self.name}",',
            f"    offset={self.offset},",
            f"    length={self.length},",
            f"    count={self.count},",
            f'    sha256="{self.sha256}",',
            ")",
        ]


@dataclass
class DataFile:
    """A finished data file: where it was written and what it holds."""

    name: str
    path: Path
    size: int
    count: int
    sha256: str


class DataSpool:
    """Writes one revision's data statements into its data file as they are planned.

    Nothing is created until the first statement arrives; `close()` returns the finished
    file (or None when there was none) for the writer of the output tree to move into
    `versions/`.
    """

    def __init__(self, path: Path, name: str, title: str) -> None:
        self.path = path
        self.name = name
        self.title = title
        self._fh: BinaryIO | None = None
        self._size = 0
        self._count = 0
        self._digest = hashlib.sha256()
        self._current: DataRange | None = None

    def add(self, st: Statement, new_range: bool) -> DataRange | None:
        """Append `st`; a new DataRange when `new_range` (the caller adds its block), else
        None (the current range grew)."""
        if self._fh is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fh = open(self.path, "wb")  # noqa: SIM115 - closed in close()
            except OSError as exc:
                raise write_error(exc, self.path, "cannot write the data file") from None
            self._write(
                MAGIC
                + f": {self.title}\n".encode()
                + b"-- (each record: `-- @ <bytes>`, the statement, `;`)\n\n"
            )
        started = None
        if new_range or self._current is None:
            started = self._current = DataRange(
                self.name, self._size, first_line=st.line, legacy_name=st.name
            )
        record = bytearray()
        for line in st.comment.splitlines() if st.comment else ():
            record += (COMMENT + line.rstrip() + "\n").encode("utf-8")
        body = st.text.encode("utf-8")
        record += RECORD + str(len(body)).encode() + b"\n" + body + b";\n\n"
        self._write(record, self._current)
        self._current.count += 1
        self._current.last_line = st.line + st.text.count("\n")
        self._count += 1
        return started

    def _write(self, data: bytes | bytearray, run: DataRange | None = None) -> None:
        assert self._fh is not None
        try:
            self._fh.write(data)
        except OSError as exc:  # a full disk half-way through a seed file
            raise write_error(exc, self.path, "cannot write the data file") from None
        self._size += len(data)
        self._digest.update(data)
        if run is not None:
            run.length += len(data)
            run._digest.update(data)

    def close(self) -> DataFile | None:
        if self._fh is None:
            return None
        try:
            self._fh.close()
        except OSError as exc:
            raise write_error(exc, self.path, "cannot write the data file") from None
        finally:
            self._fh = None
        return DataFile(self.name, self.path, self._size, self._count, self._digest.hexdigest())


def data_spool(folder: Path, filename: str, legacy_name: str, revision: str) -> DataSpool:
    """Where the data statements of a very large script go while it is planned: the
    revision's data file in the staging folder (nothing is created unless one arrives)."""
    name = data_file_name(filename)
    return DataSpool(
        folder / name, name, f"data statements of {legacy_name}, for revision {revision}"
    )
