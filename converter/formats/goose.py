"""goose (pressly/goose): `<version>_<name>.sql` files with `-- +goose Up` / `-- +goose Down`
sections, and `<version>_<name>.go` Go migrations.

Versions are positive int64s (the text before the first `_`), ordered numerically; goose
records them as `version_id` in `goose_db_version`. The annotation rules mirror goose's own
parser (`internal/sqlparser/parser.go`, v3.2x): a line is an annotation when, trimmed, it
starts with `--` and it contains `+goose`; the annotation is what is left after removing
every `--` and the first `+goose`, matched case-insensitively against Up, Down,
StatementBegin, StatementEnd, NO TRANSACTION, ENVSUB ON and ENVSUB OFF. Anything else
carrying `+goose` is an error to goose, and so is an indented annotation; a comment that
merely mentions "Down" is ordinary text. `NO TRANSACTION` anywhere applies to the whole file.

goose splits statements itself: outside StatementBegin/StatementEnd a statement ends on a
line whose last word (before any `--` comment) ends with `;`. Where goose runs a file
oddly rather than refusing it, the reader follows and warns: a statement left without `;`
before a StatementBegin runs glued to the block; the first line after an empty block is
swallowed (goose is still in its StatementEnd state there and does not buffer it). Each StatementBegin/End block
becomes one Script with split=False (its exact text); each run of ordinary statements
between annotations becomes one Script with split=True, so `up`/`down` keep file order.
Go migrations are read when straight-line (`go_source.py`), else kept as placeholders.

A folder written for the original goose (bitbucket.org/liamstask/goose: a `dbconf.yml`
beside the migrations or one level up, `--goose-tool`/`goose-tool`) follows that goose where
it was lenient, each time with a warning naming file:line: a statement left without `;` at
the end of a section is skipped; an open StatementBegin block at the end is not run; a line
is an annotation only when it starts with exactly `-- +goose ` and names a command exactly
(anything else carrying `+goose` is a comment to it); SQL before the first direction is
skipped; several Up and Down sections (a Down first, too) run in file order per direction;
a stray StatementBegin/StatementEnd (nested, unpaired) is a comment; the line after an empty
StatementBegin/End block is not swallowed (a quirk of current goose); a `.sql` name without
a version is skipped. What it refused (no Up or Down at all, two files of one version) stays
refused.

Over 600 lines: one module per legacy tool is the rule the readers follow, and goose's holds
the parser of two goose generations (pressly's and the original's leniencies, line by line)
beside its tracking-table reader and the Go migrations' entry point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from converter.config import reader_config
from converter.formats.base import (
    LegacyFormat,
    ReadOptions,
    date_from_version,
    describe,
    file_head,
    iter_files,
    read_source,
    relname,
)
from converter.formats.code_source import (
    NotStraightLine,
    placeholder_script,
    refusal,
    sql_scripts,
)
from converter.formats.go_source import read_go_migration
from converter.formats.tracking import (
    Applied,
    Location,
    TrackingOptions,
    TrackingReader,
    TrackingState,
    int_key,
    select_rows,
    truthy,
)
from converter.model import DOWN_SKIPPED, WARNING, Kind, LegacyMigration, Scan, Script

# goose's NumericComponent: the text before the first "_" is the version, extension .sql/.go
FILE_NAME = re.compile(r"^(?P<version>[^_]*)_(?P<desc>.*)\.(?P<ext>sql|go)$")
GO_INT = re.compile(r"^[+-]?[0-9]+$")  # what strconv.ParseInt(s, 10, 64) accepts
INT64_MAX = 2**63 - 1
MARKER_HINT = re.compile(r"^[ \t]*--.*\+goose", re.MULTILINE)
GOOSE_IMPORT = re.compile(r'"github\.com/pressly/goose(?:/v\d+)?"')

UP, DOWN = "Up", "Down"
BEGIN, END = "StatementBegin", "StatementEnd"
NO_TRANSACTION, ENVSUB_ON, ENVSUB_OFF = "NO TRANSACTION", "ENVSUB ON", "ENVSUB OFF"
ANNOTATIONS = (UP, DOWN, BEGIN, END, NO_TRANSACTION, ENVSUB_ON, ENVSUB_OFF)

# the down's statements all lacked `;` and the original goose skipped them
DOWN_SKIPPED_NOTE = (
    DOWN_SKIPPED + "its Down section's statements have no terminating `;` and the original "
    "goose (dbconf.yml) skipped them"
)
GOOSE_DOCS = "see https://github.com/pressly/goose#sql-migrations"
# the original goose (liamstask) reads a line as an annotation only when it starts with exactly
# this and the rest, trimmed, is a command it knows (its switch compares them exactly)
LIAMSTASK_PREFIX = "-- +goose "


class GooseSyntaxError(Exception):
    """A file goose itself refuses to run; `line` is 1-based."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Piece:
    """Lines [start, end) of a file (0-based): a run of ordinary statements, or one block."""

    start: int
    end: int = -1
    block: bool = False


@dataclass
class ParsedFile:
    up: list[Piece] = field(default_factory=list)
    # the original goose's leniencies followed: (1-based line, what it did), for warnings
    skipped: list[tuple[int, str]] = field(default_factory=list)
    # lines the original goose reads as ordinary text or skips (not annotations to it, SQL
    # before the first direction): (1-based line, what it did)
    ignored: list[tuple[int, str]] = field(default_factory=list)
    # statements left without `;` before a StatementBegin, run glued to its block (both gooses)
    glued: list[tuple[int, str]] = field(default_factory=list)
    down_skipped: bool = False  # the down's statements were all skipped (no `;`)
    down: list[Piece] = field(default_factory=list)
    up_marker: int | None = None  # 0-based line of `-- +goose Up`
    transactional: bool = True
    envsub_lines: list[int] = field(default_factory=list)  # 1-based lines of ENVSUB ON
    empty_blocks: list[int] = field(default_factory=list)  # 1-based lines of empty StatementBegin


def annotation_of(line: str) -> str | None:
    """The annotation a line carries (canonical spelling), None for an ordinary line.

    Raises GooseSyntaxError (line unset) for lines goose rejects, exactly as goose does.
    """
    if not (line.strip().startswith("--") and "+goose" in line):
        return None
    if line.startswith((" ", "\t")):
        raise GooseSyntaxError(
            "goose annotation is indented; goose refuses it: start the line with `--`", None
        )
    cmd = line.replace("--", "").replace("+goose", "", 1)
    if "+goose" in cmd:
        raise GooseSyntaxError("line holds more than one `+goose`; goose refuses it", None)
    cmd = cmd.strip()
    if not cmd:
        raise GooseSyntaxError("empty `-- +goose` annotation; goose refuses it", None)
    for known in ANNOTATIONS:
        if known.casefold() == cmd.casefold():
            return known
    raise GooseSyntaxError(
        f"unknown goose annotation {cmd!r} (goose accepts {', '.join(ANNOTATIONS)}); "
        "fix the spelling, or reword the comment so it does not contain `+goose`",
        None,
    )


def liamstask_annotation(line: str) -> str | None:
    """The annotation the original goose reads on a line (its `sqlCmdPrefix` and exact
    commands), None for a line it takes as ordinary text (an unknown command is ignored)."""
    if not line.startswith(LIAMSTASK_PREFIX):
        return None
    cmd = line[len(LIAMSTASK_PREFIX) :].strip()
    return cmd if cmd in ANNOTATIONS else None


def ends_statement(line: str) -> bool:
    """goose's endsWithSemicolon: the last word before any `--` word ends with `;`."""
    last = ""
    for word in line.split():
        if word.startswith("--"):
            break
        last = word
    return last.endswith(";")


class _Parser:
    """goose's state machine over one file, recording where each piece of SQL lies."""

    def __init__(self, lines: list[str], liamstask: bool = False) -> None:
        self.lines = lines
        self.liamstask = liamstask  # the original goose: skips what pressly/goose refuses
        self.state = "start"  # start | up | up_block | down | down_block
        self.result = ParsedFile()
        self.piece: Piece | None = None
        self.buffer: list[int] = []  # goose's statement buffer, as line indexes
        self.after_empty_block = False
        self.before_up_warned = False

    def parse(self) -> ParsedFile:
        for i, line in enumerate(self.lines):
            if self.state == "start" and not line.strip():
                continue
            try:
                marker = self._marker(line, i)
            except GooseSyntaxError as exc:
                raise GooseSyntaxError(exc.message, i + 1) from None
            if marker is not None:
                self._annotation(marker, i)
            elif self.state == "start" and self.liamstask:
                self._before_up(line, i)
            else:
                self._sql_line(line, i)
        if self.state == "start":
            raise GooseSyntaxError(
                f"no `-- +goose Up` annotation; goose refuses the file ({GOOSE_DOCS})", None
            )
        if self.state.endswith("_block"):
            assert self.piece is not None
            if not self.liamstask:
                raise GooseSyntaxError(
                    "`-- +goose StatementBegin` has no matching `-- +goose StatementEnd`; add one",
                    self.piece.start,
                )
            self._unclosed_block()
        self._check_unfinished("the end of the file")
        self._close(len(self.lines))
        return self.result

    # -- the original goose's leniencies ------------------------------------------------------

    def _marker(self, line: str, i: int) -> str | None:
        """The annotation on line i; with `liamstask`, only what the original goose reads as
        one: a line pressly/goose would take (or refuse) as an annotation but the original
        reads as ordinary text is a comment, with a warning."""
        if not self.liamstask:
            return annotation_of(line)
        marker = liamstask_annotation(line)
        try:
            pressly = annotation_of(line)
        except GooseSyntaxError as exc:
            pressly, why = None, exc.message
        else:
            why = "current goose reads it as an annotation"
        if marker is None and (pressly is not None or "+goose" in line):
            self.result.ignored.append(
                (
                    i + 1,
                    "the original goose (dbconf.yml) does not read this line as an annotation "
                    f"(it needs exactly `{LIAMSTASK_PREFIX}<Up|Down|StatementBegin|StatementEnd>`"
                    f"), so it is a comment there ({why}); write it so if it is meant as one",
                )
            )
        return marker

    def _before_up(self, line: str, i: int) -> None:
        """The original goose skips everything before its first direction annotation."""
        if line.strip().startswith("--") or not line.strip():
            return
        if not self.before_up_warned:
            self.before_up_warned = True
            self.result.ignored.append(
                (
                    i + 1,
                    "SQL before the first `-- +goose Up`: the original goose (dbconf.yml) runs "
                    "only what follows a direction annotation, so it skips this; move it below "
                    "`-- +goose Up` if it should run",
                )
            )

    def _unclosed_block(self) -> None:
        """The original goose warns "saw '-- +goose StatementBegin' with no matching
        '-- +goose StatementEnd'" and never runs the open block."""
        assert self.piece is not None
        start = self.piece.start
        self.result.skipped.append(
            (
                start,
                "`-- +goose StatementBegin` has no matching `-- +goose StatementEnd`: the "
                "original goose (dbconf.yml) warns and does not run the open block; add "
                "`-- +goose StatementEnd` if it should run",
            )
        )
        self.state = self.state.removesuffix("_block")
        self.piece = None
        self.buffer = []
        if self.state == "down" and not any(
            self.lines[j].strip() and not self.lines[j].strip().startswith("--")
            for p in self.result.down
            for j in range(p.start, p.end)
        ):
            self.result.down_skipped = True

    def _switch(self, marker: str, i: int) -> bool:
        """The original goose toggles the direction at every Up and Down (its
        `directionIsActive`), so a file may hold several sections of each, and a Down first;
        current goose refuses both. True when line i was such a switch."""
        target = {UP: "up", DOWN: "down"}.get(marker)
        if target is None or self.state.endswith("_block"):
            return False
        first = self.state == "start"
        if (target == "up" and first) or (target == "down" and self.state == "up"):
            return False  # the ordinary order: handled as current goose handles it
        self._check_unfinished(f"`-- +goose {marker}`")
        self._close(i)
        self.state = target
        if target == "up" and self.result.up_marker is None:
            self.result.up_marker = i
        self._open(i + 1)
        self.buffer = []
        self.after_empty_block = False
        self.result.ignored.append(
            (
                i + 1,
                f"`-- +goose {marker}` "
                + ("before any `-- +goose Up`" if first else "opens another section")
                + ": current goose refuses this, the original goose (dbconf.yml) runs each "
                "direction's sections in file order, and so does the converted revision",
            )
        )
        return True

    def _no_op(self, marker: str, i: int) -> bool:
        """A StatementBegin or StatementEnd that changes nothing for the original goose (a
        second Begin inside a block, an End outside one, either before any direction): it
        reads the line as text where current goose refuses it. True when line i was one."""
        inside = self.state.endswith("_block")
        if marker == BEGIN and (inside or self.state == "start"):
            why = "inside a StatementBegin block" if inside else "before any direction"
        elif marker == END and not inside:
            why = "without a StatementBegin" if self.state != "start" else "before any direction"
        else:
            return False
        self.result.ignored.append(
            (
                i + 1,
                f"`-- +goose {marker}` {why}: current goose refuses it, the original goose "
                "(dbconf.yml) changes nothing for it and reads the line as a comment",
            )
        )
        if self.state != "start":
            self._sql_line(self.lines[i], i)
        return True

    # -- annotations ----------------------------------------------------------------------

    def _annotation(self, marker: str, i: int) -> None:
        if self.liamstask and (self._switch(marker, i) or self._no_op(marker, i)):
            return
        if marker == UP:
            if self.state != "start":
                raise GooseSyntaxError(
                    "duplicate `-- +goose Up` annotation; keep only the first", i + 1
                )
            self.state = "up"
            self.result.up_marker = i
            self._open(i + 1)
        elif marker == DOWN:
            if self.state != "up":
                where = {
                    "start": "before `-- +goose Up`",
                    "up_block": "inside a StatementBegin/StatementEnd block",
                    "down_block": "inside a StatementBegin/StatementEnd block",
                }.get(self.state, "twice")
                raise GooseSyntaxError(f"`-- +goose Down` {where}; goose refuses it", i + 1)
            self._check_unfinished("`-- +goose Down`")
            self._close(i)
            self.state = "down"
            self._open(i + 1)
            self.buffer = []  # goose parses each direction apart: the down starts afresh
            self.after_empty_block = False
        elif marker == BEGIN:
            if self.state not in ("up", "down"):
                raise GooseSyntaxError(
                    "`-- +goose StatementBegin` must follow `-- +goose Up` or `-- +goose Down` "
                    "and cannot nest",
                    i + 1,
                )
            pending = self._pending()
            start = i + 1
            if pending is not None:
                # both gooses keep the unfinished statement in their buffer, so the block's
                # lines are appended to it and all of it runs as one statement
                self.result.glued.append(
                    (
                        pending,
                        "statement has no terminating `;` before `-- +goose StatementBegin`: "
                        "goose runs it glued to the block as one statement, and so does the "
                        "revision; end it with `;` if they are two statements",
                    )
                )
                start = self.buffer[0]
            self._close(min(start, i))
            self.state += "_block"
            self.piece = Piece(start, block=True)
            self.after_empty_block = False
        elif marker == END:
            if not self.state.endswith("_block"):
                raise GooseSyntaxError(
                    "`-- +goose StatementEnd` without a `-- +goose StatementBegin` before it", i + 1
                )
            assert self.piece is not None
            if not self.buffer:
                self.result.empty_blocks.append(self.piece.start)
                self.after_empty_block = not self.liamstask  # pressly's quirk only
            self.buffer = []
            self._close(i)
            self.state = self.state.removesuffix("_block")
            self._open(i + 1)
        elif marker == NO_TRANSACTION:
            self.result.transactional = False
            self._split_run(i)
        else:
            if marker == ENVSUB_ON:
                self.result.envsub_lines.append(i + 1)
            self._split_run(i)

    def _split_run(self, i: int) -> None:
        """An annotation inside a run of statements ends that run; a new one starts after it."""
        if self.state in ("up", "down") and self._pending() is None:
            self._close(i)
            self._open(i + 1)

    # -- SQL lines --------------------------------------------------------------------------

    def _sql_line(self, line: str, i: int) -> None:
        ignorable = line.strip().startswith("--") or line == ""
        if not self.buffer and ignorable:
            return
        if self.state == "start":
            raise GooseSyntaxError(
                "SQL before the `-- +goose Up` annotation; goose refuses it: move it below", i + 1
            )
        if self.after_empty_block:
            # goose's state machine swallows the first such line after an empty block: the
            # StatementEnd line passed as a comment, so the state is still "StatementEnd"
            # here, and goose leaves that state's line out of its buffer
            self.after_empty_block = False
            if line.strip():
                self.result.skipped.append(
                    (
                        i + 1,
                        "goose silently skips this line, because the StatementBegin/"
                        "StatementEnd block just before it is empty, and so does the revision; "
                        "remove the empty block if the line should run",
                    )
                )
                self._close(i)
                self._open(i + 1)
            return
        self.buffer.append(i)
        if self.state in ("up", "down") and ends_statement(line):
            self.buffer = []

    def _pending(self) -> int | None:
        """The 1-based line where a statement not yet ended by `;` starts, if goose holds one."""
        return next((j + 1 for j in self.buffer if self.lines[j].strip()), None)

    def _check_unfinished(self, where: str) -> None:
        pending = self._pending()
        if self.state in ("up", "down") and pending is not None and self.liamstask:
            # bitbucket.org/liamstask/goose: "WARNING: Unexpected unfinished SQL query: ...
            # Missing a semicolon?", and the statement is not run
            section = "Up" if self.state == "up" else "Down"
            self.result.skipped.append(
                (
                    pending,
                    f"statement has no terminating `;` before {where}: the original goose "
                    f'(dbconf.yml) warns "Missing a semicolon?" and skips it, so the {section} '
                    "section runs without it; end it with `;` if it should run",
                )
            )
            self._close(self.buffer[0])
            self.buffer = []
            if self.state == "down" and not any(
                self.lines[j].strip() and not self.lines[j].strip().startswith("--")
                for p in self.result.down
                for j in range(p.start, p.end)
            ):
                self.result.down_skipped = True
            return
        if self.state in ("up", "down") and pending is not None:
            raise GooseSyntaxError(
                f"statement has no terminating `;` before {where}; goose refuses it "
                "(it ends a statement only on a line whose last word ends with `;`); a folder "
                "written for the original goose, which skipped such a statement, says so with "
                "a dbconf.yml or --goose-tool liamstask",
                pending,
            )

    # -- pieces -----------------------------------------------------------------------------

    def _open(self, start: int) -> None:
        self.piece = Piece(start)

    def _close(self, end: int) -> None:
        if self.piece is None:
            return
        self.piece.end = end
        target = self.result.down if self.state.startswith("down") else self.result.up
        target.append(self.piece)
        self.piece = None


def parse_goose_sql(text: str, liamstask: bool = False) -> ParsedFile:
    """Where the up and down SQL of a goose file lie; GooseSyntaxError when goose refuses it.
    `liamstask`: follow the original goose (bitbucket.org/liamstask/goose), which skips a
    statement left without `;` at the end of a section (with a warning) where pressly/goose
    refuses the file."""
    return _Parser(text.split("\n"), liamstask).parse()


# -- the tracking table ----------------------------------------------------------------------------


class GooseTrackingReader(TrackingReader):
    """`goose_db_version`: per `version_id` the row with the highest `id` counts; version 0 is
    always there."""

    required = ("id", "version_id", "is_applied")

    def key(self, version: str) -> Any:
        return int_key(version)

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        rows = select_rows(conn, loc, ["id", "version_id", "is_applied"], order=["id"])
        latest: dict[int, dict] = {}
        for row in rows:  # ordered by id: the last row of a version wins
            latest[int(row["version_id"])] = row
        applied = [
            Applied(str(v), order=row["id"])
            for v, row in latest.items()
            if v != 0 and truthy(row["is_applied"])
        ]
        applied.sort(key=lambda a: a.order)
        return self.state(loc, applied=applied)


class GooseFormat(LegacyFormat):
    name = "goose"
    title = "goose SQL migrations"
    tracking_tables = ("goose_db_version",)
    tracking_reader = GooseTrackingReader

    def detect(self, root: Path) -> int:
        score = 0
        for path in iter_files(root):
            m = FILE_NAME.match(path.name)
            if not m or not GO_INT.match(m["version"]):
                continue
            head = _head(path)
            if m["ext"] == "sql" and MARKER_HINT.search(head):
                return 90
            if m["ext"] == "go" and GOOSE_IMPORT.search(head):
                score = 80
        return score

    def read(self, root: Path, options: ReadOptions) -> Scan:
        result = Scan(self.name, root)
        found: list[tuple[int, Path, str]] = []
        liamstask = self._liamstask(root, options)
        for path in iter_files(root):
            if path.suffix not in (".sql", ".go") or path.name.endswith("_test.go"):
                continue
            version = _version(path, result, liamstask)
            if version is None:
                continue
            found.append((version, path, FILE_NAME.match(path.name)["desc"]))  # type: ignore[index]

        for version, path, desc in sorted(found, key=lambda f: (f[0], f[1].name)):
            if path.suffix == ".go":
                migration = self._read_go(root, path, version, desc, options, result)
            else:
                migration = self._read_sql(root, path, version, desc, options, result, liamstask)
            if migration is not None:
                result.migrations.append(migration)
        return result

    def _read_go(
        self, root: Path, path: Path, version: int, desc: str, options: ReadOptions, result: Scan
    ) -> LegacyMigration | None:
        return _go_migration(root, path, version, desc, options, result)

    def _read_sql(
        self,
        root: Path,
        path: Path,
        version: int,
        desc: str,
        options: ReadOptions,
        result: Scan,
        liamstask: bool = False,
    ) -> LegacyMigration | None:
        text = read_source(path, options)
        try:
            parsed = parse_goose_sql(text, liamstask)
        except GooseSyntaxError as exc:
            result.error("goose-syntax", exc.message, path, exc.line)
            return None
        warnings = []
        for code, found in (
            ("goose-unfinished", parsed.skipped),
            ("goose-original", parsed.ignored),
            ("goose-glued", parsed.glued),
        ):
            for line, message in found:
                result.warn(code, message, path, line)
                warnings.append(f"{WARNING}{relname(root, path)}:{line}: {message}")
        for line in parsed.envsub_lines:
            result.warn(
                "envsub",
                "`-- +goose ENVSUB ON`: goose replaces ${VAR} with environment variables in the "
                "lines after this; the converter keeps the text unsubstituted: write the values "
                "in, or pass them to the revision yourself",
                path,
                line,
            )
        for line in parsed.empty_blocks:
            result.warn(
                "empty-block", "empty StatementBegin/StatementEnd block; remove it", path, line
            )

        name = relname(root, path)
        pieces = _line_texts(text)
        up = _scripts(parsed.up, pieces, path, name)
        if not up:  # keep the (blank) section so the migration still names its file
            start = (parsed.up_marker or 0) + 1
            end = parsed.up[-1].end if parsed.up else start
            up = (Script("sql", "".join(pieces[start:end]), path, name, line=start + 1),)
        return LegacyMigration(
            format=self.name,
            version=str(version),
            description=describe(desc),
            kind=Kind.VERSIONED,
            up=up,
            down=_scripts(parsed.down, pieces, path, name),
            transactional=parsed.transactional,
            date=date_from_version(str(version)),
            sort_key=(version,),
            batch=False,
            notes=(("envsub",) if parsed.envsub_lines else ())
            + ((DOWN_SKIPPED_NOTE,) if parsed.down_skipped else ())
            + tuple(warnings),
        )

    def _liamstask(self, root: Path, options: ReadOptions) -> bool:
        """Whether the folder was written for the original goose (bitbucket.org/liamstask/goose):
        `--goose-tool` or `goose-tool` in the configuration says so, else a `dbconf.yml` beside
        the migrations or one level up (its `db/dbconf.yml` + `db/migrations/` layout) does."""
        tool = options.goose_tool
        if tool is None:
            setting = reader_config(root, options).reader.get("goose-tool")
            tool = setting.value if setting is not None else "auto"
        if tool == "auto":
            found = any((d / "dbconf.yml").is_file() for d in (root, root.parent))
            tool = "liamstask" if found else "pressly"
        return tool == "liamstask"


def _go_migration(
    root: Path, path: Path, version: int, desc: str, options: ReadOptions, result: Scan
) -> LegacyMigration:
    """A Go migration: its SQL when it is straight-line, else a placeholder keeping its place."""
    text = read_source(path, options)
    name = relname(root, path)
    common = LegacyMigration(
        format="goose",
        version=str(version),
        description=describe(desc),
        kind=Kind.VERSIONED,
        up=(),
        date=date_from_version(str(version)),
        sort_key=(version,),
    )
    try:
        read = read_go_migration(text)
    except NotStraightLine as exc:
        why = refusal("go", name, exc)
        result.warn(
            "code-migration",
            f"{why}: it becomes a placeholder revision to port by hand",
            path,
            exc.line,
        )
        return replace(common, up=(placeholder_script("go", text, path, name),), placeholder=why)
    down = None if read.down is None else sql_scripts(read.down, "go", path, name, 1)
    return replace(
        common,
        up=sql_scripts(read.up, "go", path, name, 1),
        down=down or (),
        transactional=read.transactional,
    )


def _version(path: Path, result: Scan, liamstask: bool = False) -> int | None:
    """goose's version for a file name; None (with an error for .sql files) when there is none.
    The original goose skips such a file (its CollectMigrations keeps only the names whose
    NumericComponent parses): a warning then."""
    m = FILE_NAME.match(path.name)
    problem = None
    if not m:
        problem = "has no `_` after the version number"
    elif not GO_INT.match(m["version"]) or not 0 < int(m["version"]) <= INT64_MAX:
        problem = f"version {m['version']!r} is not a positive 64-bit integer"
    if problem is None:
        return int(m["version"])  # type: ignore[index]
    if path.suffix == ".sql" and liamstask:
        result.warn(
            "bad-name",
            f"file name {problem}: the original goose (dbconf.yml) skips the file, and so does "
            "the converter; rename it to <version>_<name>.sql if it is a migration",
            path,
        )
    elif (
        path.suffix == ".sql"
    ):  # goose refuses the directory; Go files without a version are skipped
        result.error(
            "bad-name",
            f"file name {problem}; goose refuses the directory: rename it to <version>_<name>.sql",
            path,
        )
    return None


def _line_texts(text: str) -> list[str]:
    """The file's lines split on LF only (as goose reads them), each keeping its LF."""
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def _scripts(pieces: list[Piece], lines: list[str], path: Path, name: str) -> tuple[Script, ...]:
    scripts = []
    for piece in pieces:
        script = Script(
            "sql",
            "".join(lines[piece.start : piece.end]),
            path,
            name,
            line=piece.start + 1,
            split=not piece.block,
        )
        if not script.is_blank:
            scripts.append(script)
    return tuple(scripts)


def _head(path: Path, size: int = 65536) -> str:
    try:
        return file_head(path, size).decode("utf-8-sig", errors="replace")
    except OSError:
        return ""


FORMAT = GooseFormat()
