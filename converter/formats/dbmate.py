"""dbmate: one `.sql` file per migration, up and down as marked sections of the file.

    20240101000001_create_plans.sql
        -- migrate:up
        CREATE TABLE plans (...);
        -- migrate:down
        DROP TABLE plans;

Files are those matching `^(\\d+).*\\.sql$` directly in the directory (dbmate's default is
db/migrations; the given directory is read), run in file-name order compared as text; the
version is the leading digits and `schema_migrations` holds one row per applied version.
Options follow a marker (`-- migrate:up transaction:false`). Since dbmate 2.x a file may hold
several up/down section pairs, each run as one batch in its own transaction. Only comments and
blank lines may precede the first `-- migrate:up`; every section needs its `-- migrate:down`.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

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
from converter.formats.tracking import (
    Applied,
    Location,
    TrackingOptions,
    TrackingReader,
    TrackingState,
    columns_by_name,
    select_rows,
)
from converter.model import Kind, LegacyMigration, Scan, Script

FILE = re.compile(r"^(?P<version>\d+)(?P<rest>.*)\.sql$")  # dbmate: ^(\d+).*\.sql$
# dbmate: (?m)^--\s*migrate:up(\s*$|\s+\S+), applied here one line at a time
MARKER = re.compile(r"^--\s*migrate:(?P<kind>up|down)(?P<options>\s.*)?$")
UP_MARKER_BYTES = re.compile(rb"(?m)^--\s*migrate:up(\s|$)")
COMMENT_OR_BLANK = re.compile(r"^\s*(--.*)?$")
KNOWN_OPTIONS = {"transaction"}


@dataclass(frozen=True)
class Marker:
    kind: str  # "up" | "down"
    line: int  # 1-based line of the marker itself
    options: dict[str, str]


@dataclass(frozen=True)
class Section:
    up: Marker
    down: Marker | None
    up_text: str
    down_text: str


def _line_starts(text: str) -> list[int]:
    """Offset of the start of every line, plus len(text) as the end of the last one."""
    starts = [0]
    starts.extend(i + 1 for i, c in enumerate(text) if c == "\n")
    if starts[-1] != len(text):
        starts.append(len(text))
    return starts


def _span(text: str, starts: list[int], first_line: int, end_line: int | None) -> str:
    """Text from the start of `first_line` up to (not including) `end_line` (None: to the end)."""
    begin = starts[min(first_line - 1, len(starts) - 1)]
    end = len(text) if end_line is None else starts[end_line - 1]
    return text[begin:end]


def _parse_options(raw: str, path: Path, line: int, result: Scan) -> dict[str, str]:
    """`key:value` words after a marker, as dbmate reads them (other words are ignored)."""
    options: dict[str, str] = {}
    for word in raw.split():
        pair = word.split(":")
        if len(pair) != 2:
            result.warn(
                "bad-option", f"dbmate ignores {word!r}: options are written key:value", path, line
            )
            continue
        key, value = pair
        if key not in KNOWN_OPTIONS:
            result.warn("unknown-option", f"unknown dbmate option {word!r} is ignored", path, line)
        elif value not in ("true", "false"):
            result.warn(
                "bad-option",
                f"{word!r}: dbmate turns the transaction off only for exactly `transaction:false`, "
                "so this runs in a transaction",
                path,
                line,
            )
        options[key] = value
    return options


def _markers(lines: list[str], path: Path, result: Scan) -> list[Marker]:
    found = []
    for number, line in enumerate(lines, start=1):
        m = MARKER.match(line)
        if m:
            options = _parse_options(m["options"] or "", path, number, result)
            found.append(Marker(m["kind"], number, options))
    return found


def _check_preamble(lines: list[str], first_up: Marker, path: Path, result: Scan) -> bool:
    """dbmate refuses a file with anything but comments and blank lines before the first up."""
    for number, line in enumerate(lines[: first_up.line - 1], start=1):
        if MARKER.match(line):
            result.warn(
                "marker-before-up",
                "`-- migrate:down` before the first `-- migrate:up`: dbmate ignores it",
                path,
                number,
            )
        elif not COMMENT_OR_BLANK.match(line):
            result.error(
                "statements-before-up",
                'SQL before the first `-- migrate:up` line: dbmate refuses the file ("does not '
                "support statements preceding the '-- migrate:up' block\"); move it below the marker",
                path,
                number,
            )
            return False
    return True


def parse_sections(text: str, path: Path, result: Scan) -> list[Section] | None:
    """The up/down sections of a dbmate file; None (with errors) when dbmate refuses it."""
    lines = text.split("\n")
    markers = _markers(lines, path, result)
    ups = [m for m in markers if m.kind == "up"]
    if not ups:
        result.error(
            "missing-up-marker",
            "dbmate needs a `-- migrate:up` line: put one on its own line before the migration's "
            "SQL (and `-- migrate:down` before its down)",
            path,
        )
        return None
    if not _check_preamble(lines, ups[0], path, result):
        return None
    starts = _line_starts(text)
    sections: list[Section] = []
    ok = True
    for i, up in enumerate(ups):
        end = ups[i + 1].line if i + 1 < len(ups) else None
        downs = [
            m for m in markers if m.kind == "down" and up.line < m.line < (end or len(lines) + 1)
        ]
        if len(downs) > 1:
            result.error(
                "down-without-up",
                "a second `-- migrate:down` with no `-- migrate:up` before it: dbmate refuses the "
                "file; add the missing `-- migrate:up` or merge the two downs",
                path,
                downs[1].line,
            )
            ok = False
            continue
        down = downs[0] if downs else None
        if down is None:
            result.error(
                "missing-down-marker",
                "this `-- migrate:up` section has no `-- migrate:down` line: dbmate refuses the "
                "file; add `-- migrate:down` (it may be followed by nothing)",
                path,
                up.line,
            )
            ok = False
        up_end = down.line if down else end
        sections.append(
            Section(
                up=up,
                down=down,
                up_text=_span(text, starts, up.line + 1, up_end),
                down_text=_span(text, starts, down.line + 1, end) if down else "",
            )
        )
    return sections if ok else None


def _starts_with_bom(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8


def _transactional(sections: list[Section], path: Path, result: Scan, notes: list[str]) -> bool:
    flags = [s.up.options.get("transaction") != "false" for s in sections]
    if len(set(flags)) > 1:
        result.warn(
            "transaction-mismatch",
            "some `-- migrate:up` sections say transaction:false and others do not; dbmate runs "
            "each section on its own, the converted migration runs all of them outside a transaction",
            path,
        )
    if any(s.down and s.down.options.get("transaction") == "false" for s in sections):
        notes.append("down runs outside a transaction (transaction:false)")
    return all(flags)


# -- the tracking table ----------------------------------------------------------------------------


class DbmateTrackingReader(TrackingReader):
    """`schema_migrations`: one row per applied version (text), no order. A table of that name
    with a `dirty` column is golang-migrate's."""

    required = ("version",)
    ordered = False

    def fits(self, loc: Location) -> bool:
        return loc.problem is None and "dirty" not in columns_by_name(loc)

    def locate(self, conn: sa.Connection, options: TrackingOptions) -> list[Location]:
        out = []
        for loc in super().locate(conn, options):
            if loc.problem is None and "dirty" in columns_by_name(loc):
                loc = Location(
                    loc.tool,
                    loc.table,
                    loc.schema,
                    loc.columns,
                    f"{loc.qualified} has a `dirty` column: it is golang-migrate's, not dbmate's",
                )
            out.append(loc)
        return out

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        rows = select_rows(conn, loc, ["version"], order=["version"])
        return self.state(loc, applied=[Applied(str(r["version"])) for r in rows])


class DbmateFormat(LegacyFormat):
    name = "dbmate"
    title = "dbmate files with -- migrate:up / -- migrate:down sections"
    tracking_tables = ("schema_migrations",)
    tracking_reader = DbmateTrackingReader

    def detect(self, root: Path) -> int:
        for path in iter_files(root):
            if FILE.match(path.name):
                try:
                    head = file_head(path)  # dbmate migrations open with their up marker
                except OSError:
                    continue
                if head.startswith(codecs.BOM_UTF8):
                    head = head[len(codecs.BOM_UTF8) :]
                if UP_MARKER_BYTES.search(head):
                    return 85
        return 0

    def read(self, root: Path, options: ReadOptions) -> Scan:
        result = Scan(self.name, root)
        files = []
        for path in iter_files(root):
            if FILE.match(path.name):
                files.append(path)
            elif path.suffix.lower() == ".sql":
                result.warn(
                    "unmatched-file",
                    "dbmate ignores it: a migration's name must start with its version digits and "
                    "end in `.sql` (for example 20240101120000_add_users.sql)",
                    path,
                )
        files.sort(key=lambda p: p.name)  # dbmate: file names compared as text
        first_file: dict[str, str] = {}
        for path in files:
            migration = self._read_file(root, path, options, result, first_file)
            if migration is not None:
                result.migrations.append(migration)
        return result

    def _read_file(
        self,
        root: Path,
        path: Path,
        options: ReadOptions,
        result: Scan,
        first_file: dict[str, str],
    ) -> LegacyMigration | None:
        m = FILE.match(path.name)
        assert m is not None
        version = m["version"]
        # dbmate runs files in name order but identifies them by version: the first file name
        # holding a version orders it, and two files with one version compare equal
        sort_name = first_file.setdefault(version, path.name)
        if _starts_with_bom(path):
            result.warn(
                "bom",
                "file starts with a UTF-8 byte order mark: dbmate sees it as a statement before "
                "`-- migrate:up` and refuses the file; read here without it, remove it from the file",
                path,
            )
        text = read_source(path, options)
        sections = parse_sections(text, path, result)
        if sections is None:
            return None
        notes: list[str] = []
        if len(sections) > 1:
            result.warn(
                "multi-section",
                f"{len(sections)} up/down section pairs in one file: dbmate up to 2.35 records the "
                "version after the FIRST section and the second fails on the duplicate "
                "schema_migrations key (dbmate issue #820), dbmate before 2.x runs later sections "
                "as part of the down; a database migrated by dbmate may hold only the first section",
                path,
            )
            notes.append("several sections; dbmate reverts them in file order, not reversed")
        name = relname(root, path)
        up = tuple(Script("sql", s.up_text, path, name, line=s.up.line + 1) for s in sections)
        downs = [
            Script("sql", s.down_text, path, name, line=s.down.line + 1)
            for s in sections
            if s.down is not None
        ]
        down = tuple(d for d in downs if not d.is_blank)
        if downs and not down:
            notes.append("empty `-- migrate:down` section: no down")
        return LegacyMigration(
            format=self.name,
            version=version,
            description=describe(m["rest"].lstrip("_-. ")),
            kind=Kind.VERSIONED,
            up=up,
            down=down,
            transactional=_transactional(sections, path, result, notes),
            date=date_from_version(version),
            sort_key=(sort_name,),
            batch=True,
            notes=tuple(notes),
        )


FORMAT = DbmateFormat()
