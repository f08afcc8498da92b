"""The neutral model every reader yields: nothing downstream specialises on the format.

A `LegacyMigration` is one step of the legacy history, in the order the legacy tool runs it.
Its `up` and `down` are tuples of `Script`s: usually one, several when the format allows
several sections in one file (dbmate), none when there is no down.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from converter.textio import TextFile


class Kind(StrEnum):
    VERSIONED = "versioned"
    REPEATABLE = "repeatable"
    BASELINE = "baseline"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Script:
    """One piece of source: SQL text, or Python code with the function to call.

    `path` is the file as opened (the legacy root joined with `name`); `name` is the path
    relative to the legacy root, with forward slashes, stable across machines. `line` is the
    1-based line of `path` where `text` starts (sections inside a file start later).
    `text` has its BOM removed and CRLF turned into LF; nothing else is changed.
    """

    language: str  # "sql" | "python" | "go" | "java" (code kept whole for porting)
    text: str
    path: Path
    name: str
    line: int = 1
    entry: str | None = None  # python: the function to call ("upgrade", "downgrade", ...)
    delimiter: str | None = (
        None  # a statement delimiter the format declares (Liquibase endDelimiter)
    )
    split: bool = True  # False: the format says run the text as one statement
    file: TextFile | None = field(
        default=None, compare=False, repr=False
    )  # a large file, read lazily
    calling: str = "connection"  # python: what the function takes: "connection" (SQLAlchemy
    # Connection), "engine" (sqlalchemy-migrate's migrate_engine), "dbapi" (a DB-API connection),
    # "cursor" (a DB-API cursor), "dialect" (the dialect name); see legacy_python.CALLINGS
    args: tuple[str, ...] = ()  # python: more arguments after the first, same vocabulary
    origin: str | None = None  # sql read out of a code migration: "go" | "java"

    def pieces(self) -> Iterator[str]:
        """The script's text: in the pieces a very large file is read in, else in one."""
        return self.file.chunks() if self.file is not None else iter((self.text,))

    @property
    def is_blank(self) -> bool:
        """True when the script holds nothing but whitespace and SQL comments."""
        if self.language != "sql":
            return not self.text.strip()
        return not any(has_sql(piece) for piece in self.pieces())


# LegacyMigration.notes starting with these: a leniency of the legacy tool followed ("warning:
# file:line: what"), shown by convert; the down's statements were all skipped by the tool
WARNING = "warning: "
DOWN_SKIPPED = "down-skipped: "


@dataclass(frozen=True)
class LegacyMigration:
    """One step of a legacy history, as the legacy tool orders and runs it."""

    format: str
    version: str  # the legacy tool's own version string ("1.2", "20240101120000", "add_users")
    description: str
    kind: Kind
    up: tuple[Script, ...]
    down: tuple[Script, ...] = ()
    transactional: bool = True
    date: datetime | None = None
    sort_key: tuple = ()
    module: str | None = None
    depends: tuple[str, ...] = ()
    dialect: str | None = None  # set when the source is specific to one database
    batch: bool = False  # True: the legacy tool sends each script as one batch, unsplit
    tool_checksum: str | None = None  # the checksum the legacy tool itself records, if any
    notes: tuple[str, ...] = ()
    # a code migration (Go, Java) that could not be read: why. Its revision is a placeholder
    # that raises until a person ports it (see converter.formats.code_source)
    placeholder: str | None = None
    # a baseline folding a legacy prefix (converter.baseline): the versions and files it
    # replaces, their combined checksum (`covered_checksum`) and the tables whose rows it carries
    covers: tuple[str, ...] = ()
    covered_files: tuple[str, ...] = ()
    covered_sha256: str | None = None
    baseline_data: tuple[str, ...] = ()
    baseline_spec: str | None = None  # --baseline-data as given

    @property
    def code(self) -> str | None:
        """ "go" / "java" when the migration was written in that language, else None."""
        for s in self.up + self.down:
            if s.origin or s.language in ("go", "java"):
                return s.origin or s.language
        return None

    @property
    def has_down(self) -> bool:
        return bool(self.down)

    @property
    def script(self) -> str:
        """ "python" when any part of the migration is Python code, "go"/"java" for a code
        migration kept whole (a placeholder), else "sql"."""
        languages = {s.language for s in self.up + self.down}
        return next((lang for lang in ("python", "go", "java") if lang in languages), "sql")

    @property
    def path(self) -> Path | None:
        return self.up[0].path if self.up else (self.down[0].path if self.down else None)

    @property
    def name(self) -> str | None:
        """The legacy file of the up script, relative to the legacy root."""
        return self.up[0].name if self.up else (self.down[0].name if self.down else None)

    @property
    def checksum(self) -> str:
        """SHA-256 over the up and down sources (normalised text), stable across machines."""
        digest = hashlib.sha256()
        for label, scripts in (("up", self.up), ("down", self.down)):
            for s in scripts:
                digest.update(f"{label}:{s.language}:{s.entry or ''}\n".encode())
                for chunk in s.pieces():
                    digest.update(chunk.encode("utf-8"))
                digest.update(b"\0")
        return digest.hexdigest()

    @property
    def is_empty(self) -> bool:
        return all(s.is_blank for s in self.up)

    def to_json(self) -> dict:
        return {
            "version": self.version,
            "description": self.description,
            "format": self.format,
            "kind": self.kind.value,
            "has_down": self.has_down,
            "transactional": self.transactional,
            "script": self.script,
            "path": str(self.path) if self.path else None,
            "down_path": str(self.down[0].path) if self.down else None,
            "date": self.date.isoformat() if self.date else None,
            "module": self.module,
            "depends": list(self.depends),
            "dialect": self.dialect,
            "checksum": self.checksum,
            "tool_checksum": self.tool_checksum,
            "code": self.code,
            "placeholder": self.placeholder,
        }


def covered_checksum(migrations: list[LegacyMigration]) -> str:
    """The `sha256` of a baseline's record: SHA-256 over `version:checksum` lines of the
    legacy migrations it covers, in history order (each checksum as `LegacyMigration.checksum`)."""
    digest = hashlib.sha256()
    for m in migrations:
        digest.update(f"{m.version}:{m.checksum}\n".encode())
    return digest.hexdigest()


# The events of a legacy tool's migrate run at which a callback runs, in the order they fire
# (Flyway's DbMigrate): once before the run; per migration applied, before it and after it
# (inside its transaction); once after the versioned ones (before the first repeatable, or at
# the end); before the first repeatable; after the run when it applied anything; after the run.
CALLBACK_EVENTS = (
    "beforeMigrate",
    "beforeEachMigrate",
    "afterEachMigrate",
    "afterVersioned",
    "beforeRepeatables",
    "afterMigrateApplied",
    "afterMigrate",
)


@dataclass(frozen=True)
class LegacyCallback:
    """SQL the legacy tool runs at an event of every migrate run, not a migration (Flyway's
    `afterMigrate__upsert_reference_data.sql`). Callbacks of one event run in `order` (Flyway:
    the one without a description first, then by description; `position` first).

    `after_version`: the callback runs only on a database where the migration of that
    version is already applied (a Liquibase `runAlways` changeset: its own revision runs it
    the first time, and every later update runs it again before anything else)."""

    event: str  # one of CALLBACK_EVENTS
    description: str | None
    script: Script
    transactional: bool = True  # False: each statement in autocommit (`.sql.conf`)
    position: int = 0  # Liquibase: the changeset's place in the changelog
    after_version: str | None = None

    @property
    def order(self) -> tuple:
        return (
            CALLBACK_EVENTS.index(self.event),
            self.position,
            self.description is not None,
            self.description or "",
        )

    @property
    def name(self) -> str:
        return self.script.name


@dataclass(frozen=True)
class Problem:
    """Something wrong or suspicious in a legacy directory, with where it is."""

    severity: Severity
    code: str  # short, stable: "duplicate-version", "unmatched-file", ...
    message: str
    path: Path | None = None
    line: int | None = None

    def to_json(self) -> dict:
        return {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "path": str(self.path) if self.path else None,
            "line": self.line,
        }

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{self.severity.value}: {where}{self.message}"


@dataclass
class Scan:
    """What a reader found in a legacy directory: the migrations in order, and problems."""

    format: str
    root: Path
    migrations: list[LegacyMigration] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    dialect: str | None = None  # the database the per-database sources were picked for
    callbacks: list[LegacyCallback] = field(default_factory=list)  # in the order they run

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    def error(
        self, code: str, message: str, path: Path | None = None, line: int | None = None
    ) -> None:
        self.problems.append(Problem(Severity.ERROR, code, message, path, line))

    def warn(
        self, code: str, message: str, path: Path | None = None, line: int | None = None
    ) -> None:
        self.problems.append(Problem(Severity.WARNING, code, message, path, line))


def _after_comment(text: str, i: int) -> int | None:
    """Where the `-- line`, MySQL `#` line-start or nested `/* block */` comment starting at
    `i` ends, or None when none starts there."""
    n = len(text)
    if text.startswith("--", i) or (text.startswith("#", i) and (i == 0 or text[i - 1] == "\n")):
        j = text.find("\n", i)  # `#`: MySQL, at line start; harmless elsewhere for emptiness checks
        return n if j < 0 else j
    if text.startswith("/*", i):
        depth, i = 1, i + 2
        while i < n and depth:
            if text.startswith("/*", i):
                depth, i = depth + 1, i + 2
            elif text.startswith("*/", i):
                depth, i = depth - 1, i + 2
            else:
                i += 1
        return i
    return None


def strip_sql_comments(text: str) -> str:
    """Remove `-- line` and `/* block */` comments (nested), leaving string literals alone.

    Used only to decide whether a script is empty; never to change what is executed.
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        after = _after_comment(text, i) if c in "-#/" else None
        if after is not None:
            i = after
        elif c in "'\"`":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def has_sql(text: str) -> bool:
    """True when `text` holds anything but whitespace and SQL comments: what
    `strip_sql_comments(text).strip()` says, without building the stripped copy."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        after = _after_comment(text, i) if c in "-#/" else None
        if after is None:
            return True
        i = after
    return False
