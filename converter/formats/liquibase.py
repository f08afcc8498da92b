"""Liquibase formatted SQL: `.sql` changelogs whose first line is `--liquibase formatted sql`.

    --liquibase formatted sql
    --changeset alice:1 runInTransaction:false dbms:postgresql
    --comment: create plans
    CREATE TABLE plans (...);
    --rollback DROP TABLE plans;

Each `--changeset author:id attr:value ...` line starts a changeset: one migration, whose SQL is
every following line up to the next changeset except Liquibase's own directive lines
(`--comment`, `--rollback`, `--precondition...`, `--validCheckSum`, `--property`,
`--ignoreLines`). A changeset's identity is (id, author, file); DATABASECHANGELOG records it
with an MD5SUM `9:<hex>` that `checksum_v9` reproduces.

Which files, in which order: a root-level XML master changelog (`<databaseChangeLog>` with
`<include file=...>` / `<includeAll path=...>`) is followed when there is one; otherwise the
directory is read as `includeAll` reads it: every file below it, ordered by path as Java
compares strings. A `.sql` file without the header is what Liquibase's raw SQL parser makes of
it: one unsplit changeset `raw` by `includeAll`. XML, YAML and JSON changesets are not read.

The line patterns are Liquibase's own (AbstractFormattedChangeLogParser), quirks included: a
plain `-- comment ...` line sets the changeset comment, `-- rollback ...` adds rollback SQL,
`rollbackSplitStatements:false` also turns off `splitStatements`, and the lines of a
`/* liquibase rollback */` block are joined without line breaks.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from pathlib import Path

import sqlalchemy as sa

from converter.formats.base import (
    LegacyFormat,
    ReadOptions,
    date_from_version,
    file_head,
    iter_files,
    read_source,
    relname,
)
from converter.formats.tracking import (
    VERSIONED,
    Applied,
    Location,
    TrackingOptions,
    TrackingReader,
    TrackingState,
    select_rows,
)
from converter.model import Kind, LegacyMigration, Scan, Script, strip_sql_comments

_F = re.IGNORECASE | re.ASCII


def _p(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _F)


# -- Liquibase's line patterns, used with fullmatch() as Java's Matcher.matches() ------------------
FIRST_LINE = _p(r"\s*--\s*liquibase\s*formatted.*")
PROPERTY = _p(r"\s*--[\s]*property\s+(.*:.*)\s+(.*:.*).*")
ALT_PROPERTY = _p(r"\s*?[-]+\s*property\s.*")
CHANGESET = _p(r'\s*--[\s]*changeset\s+("[^"]+"|[^:]+):\s*("[^"]+"|\S+).*')
ALT_CHANGESET_ONE_DASH = _p(r"-[\s]*changeset\s.*")
ALT_CHANGESET_NO_INFO = _p(r"\s*--[\s]*changeset[\s]*.*")
ROLLBACK = _p(r"\s*--[\s]*rollback (.*)")
ALT_ROLLBACK = _p(r"\s*-[\s]*rollback\s.*")
ROLLBACK_BLOCK_START = _p(r"\s*/\*\s*liquibase\s*rollback\s*")
ROLLBACK_BLOCK_END = _p(r".*\s*\*/\s*")
ROLLBACK_BLOCK_END_SPLIT = re.compile(r"\*/\s*$")
PRECONDITIONS = _p(r"\s*--[\s]*preconditions(.*)")
ALT_PRECONDITIONS = _p(r"\s*-[\s]*preconditions\s.*")
PRECONDITION = _p(r"\s*--[\s]*precondition\-([a-zA-Z0-9-]+) (.*)")
EMPTY_PRECONDITION = _p(r"\s*--[\s]*precondition\-([a-zA-Z0-9-]+)")
ALT_PRECONDITION = _p(r"\s*-[\s]*precondition(.*)")
COMMENT = _p(r"--[\s]*comment:? (.*)")
ALT_COMMENT_PLURAL = _p(r"--[\s]*comments:? (.*)")
ALT_COMMENT_ONE_DASH = _p(r"-[\s]*comment:? (.*)")
VALID_CHECKSUM = _p(r"--[\s]*validCheckSum:? (.*)")
ALT_VALID_CHECKSUM = _p(r"-[\s]*validCheckSum(.*)")
IGNORE_LINES = _p(r"--[\s]*ignoreLines:(\w+)")
ALT_IGNORE_LINES_ONE_DASH = _p(r"-[\s]*?ignoreLines:(\w+).*")
ALT_IGNORE = _p(r"--[\s]*ignore:(\w+)")

# -- attributes on the changeset line (Liquibase's patterns: the last occurrence wins) -------------
ATTRIBUTES = {
    "splitStatements": _p(r".*splitStatements:(\w+).*"),
    "rollbackSplitStatements": _p(r".*rollbackSplitStatements:(\w+).*"),
    "endDelimiter": _p(r".*\bendDelimiter:(\S*).*"),
    "rollbackEndDelimiter": _p(r".*\brollbackEndDelimiter:(\S*).*"),
    "stripComments": _p(r".*stripComments:(\w+).*"),
    "runWith": _p(r".*runWith:([\w\$\{\}]+).*"),
    "runOnChange": _p(r".*runOnChange:(\w+).*"),
    "runAlways": _p(r".*runAlways:(\w+).*"),
    "context": _p(r'.*context:(".*?"|\S*).*'),
    "contextFilter": _p(r'.*contextFilter:(".*?"|\S*).*'),
    "labels": _p(r'.*labels:(".*?"|\S*).*'),
    "logicalFilePath": _p(r".*logicalFilePath:(\S*).*"),
    "runInTransaction": _p(r".*runInTransaction:(\w+).*"),
    "dbms": _p(r".*dbms:([^,][\w!,]+).*"),
    "ignore": _p(r".*ignore:(\w*).*"),
    "failOnError": _p(r".*failOnError:(\w+).*"),
}
PROPERTY_NAME = _p(r".*name:\s*(\S+).*")
PROPERTY_VALUE = _p(r".*value:\s*(\S+).*")
PROPERTY_GLOBAL = _p(r".*global:(\S+).*")
ROLLBACK_REF = {
    "id": _p(r".*changeSetId:(\S+).*"),
    "author": _p(r".*changesetAuthor:(\S+).*"),
    "path": _p(r".*changesetPath:(\S+).*"),
}
EXPRESSION = re.compile(r"\$\{([^}]+)\}")
SUPPORTED_PRECONDITIONS = {"sql-check", "table-exists", "view-exists"}
CHANGELOG_SUFFIXES = (".xml", ".yaml", ".yml", ".json")

# Liquibase's database short names for each dialect this tool knows (MariaDB runs as mysql).
SHORT_NAMES = {"postgresql": ("postgresql",), "mysql": ("mysql", "mariadb"), "sqlite": ("sqlite",)}
ALL_SHORT_NAMES = ("postgresql", "mysql", "mariadb", "sqlite")
DIALECT_OF = {"postgresql": "postgresql", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}


class ParseStop(Exception):
    """Liquibase refuses the file here; the problem is already recorded."""


@dataclass
class Changeset:
    """One `--changeset` block as the parser builds it."""

    path: Path
    name: str  # the changelog file, relative to the root
    line: int  # the `--changeset` line
    author: str
    id: str
    attrs: dict[str, str]
    file_path: str  # what DATABASECHANGELOG.FILENAME holds: logicalFilePath or the file
    sql: list[tuple[int, str]] = field(default_factory=list)
    rollback: list[tuple[int, str]] = field(default_factory=list)
    rollback_line: int | None = None
    comment: str | None = None
    notes: list[str] = field(default_factory=list)
    up_scripts: tuple[Script, ...] = ()

    def flag(self, attr: str, default: bool) -> bool:
        """Java's Boolean.parseBoolean: only `true` (any case) is true."""
        value = self.attrs.get(attr)
        return default if value is None else value.lower() == "true"


@dataclass
class Unit:
    """A changeset turned into a migration, before versions are chosen."""

    changeset: Changeset
    sort_key: tuple
    migration: LegacyMigration


# -- checksums ------------------------------------------------------------------------------------


def java_trim(text: str) -> str:
    """Java's String.trim(): strips every char <= U+0020 from both ends."""
    start, end = 0, len(text)
    while start < end and text[start] <= " ":
        start += 1
    while end > start and text[end - 1] <= " ":
        end -= 1
    return text[start:end]


def checksum_v9(sql: str) -> str:
    """The MD5SUM Liquibase 4.24+ records for a formatted SQL changeset holding `sql`.

    AbstractSQLChange.generateCheckSum (v9): MD5 over the trimmed SQL's UTF-8 bytes with every
    space, tab, CR and LF removed -> `9:<hex>`; ChangeSet.generateCheckSum then takes the MD5 of
    `"9:<hex>:"` (one entry per change, each followed by `:`) -> `9:<hex>`.
    """
    data = java_trim(sql).encode("utf-8")
    normalised = data.translate(None, b" \t\r\n")
    change = "9:" + hashlib.md5(normalised).hexdigest()
    return "9:" + hashlib.md5((change + ":").encode("utf-8")).hexdigest()


# -- small helpers --------------------------------------------------------------------------------


def strip_enclosing_quotes(value: str) -> str:
    if len(value) > 1 and value[0] in "\"'" and value[0] == value[-1]:
        return value[1:-1]
    return value


def dbms_matches(definition: str | None, short_name: str) -> bool:
    """DatabaseList.definitionMatches: comma list, `!name` excludes, `all` / `none`."""
    if definition is None or not definition.strip():
        return True
    names = [part.strip() for part in definition.lower().split(",")]
    if "all" in names:
        return True
    if "none" in names:
        return False
    if "!" + short_name in names:
        return False
    wanted = [n for n in names if not n.startswith("!")]
    return not wanted or short_name in wanted


def _utf16_key(name: str) -> bytes:
    """Order as Java's String.compareTo does (UTF-16 code units)."""
    return name.encode("utf-16-be")


def _first_line(path: Path) -> str | None:
    """The first non-blank line, as Liquibase's supports() reads it (None: empty file)."""
    head = file_head(path, 8192)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.strip():
            return line
    return None


def is_formatted(path: Path) -> bool:
    line = _first_line(path)
    return line is not None and bool(FIRST_LINE.fullmatch(line))


# What ET.parse raises on bad XML: ParseError, and LookupError / ValueError for an XML
# declaration naming an unknown (`encoding="UUTF-8"`) or multi-byte (`utf-32`) encoding.
XML_ERRORS = (ET.ParseError, LookupError, ValueError)


def _local_tag(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _is_true(value: str | None) -> bool:
    return value is not None and value.strip().lower() == "true"


def _attr(element: ET.Element, name: str) -> str | None:
    for key, value in element.attrib.items():
        if key.rsplit("}", 1)[-1].lower() == name.lower():
            return value
    return None


# -- the reader -----------------------------------------------------------------------------------


# -- the tracking table ----------------------------------------------------------------------------


class LiquibaseTrackingReader(TrackingReader):
    """`DATABASECHANGELOG`: identity (ID, AUTHOR, FILENAME), ordered by ORDEREXECUTED; a
    `FAILED` row is refused, a `SKIPPED` one was not applied."""

    required = ("id", "author", "filename")

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        rows = select_rows(
            conn,
            loc,
            ["id", "author", "filename", "dateexecuted", "orderexecuted", "exectype", "md5sum"],
            order=["orderexecuted", "dateexecuted"],
        )
        state = self.state(loc)
        for row in rows:
            ident = (str(row["id"]), str(row["author"]), str(row["filename"]))
            exectype = str(row.get("exectype") or "EXECUTED").upper()
            if exectype == "FAILED":
                state.refusals.append(
                    (
                        f"{loc.qualified} records changeset {ident[1]}:{ident[0]} ({ident[2]}) as FAILED",
                        "finish or undo that changeset by hand, fix its row (or run it again with "
                        "Liquibase), then stamp again",
                    )
                )
                continue
            if exectype == "SKIPPED":
                continue  # not applied
            state.applied.append(
                Applied(
                    ident[0],
                    ident[2],
                    None if row.get("md5sum") is None else str(row["md5sum"]),
                    VERSIONED,
                    row.get("orderexecuted"),
                    ident,
                )
            )
        return state


class LiquibaseFormat(LegacyFormat):
    name = "liquibase"
    title = "Liquibase formatted SQL changelogs"
    tracking_tables = ("databasechangelog",)
    tracking_companions = ("databasechangeloglock",)
    tracking_reader = LiquibaseTrackingReader

    def detect(self, root: Path) -> int:
        for path in iter_files(root, recursive=True):
            if path.suffix.lower() == ".sql" and is_formatted(path):
                return 90
        if self._xml_changelogs(root):
            return 70
        return 0

    def read(self, root: Path, options: ReadOptions) -> Scan:
        reader = _Reader(root, options, Scan(self.name, root))
        reader.run()
        return reader.result

    @staticmethod
    def _xml_changelogs(root: Path) -> list[Path]:
        found = []
        for path in iter_files(root):
            if path.suffix.lower() != ".xml":
                continue
            try:
                element = ET.parse(path).getroot()
            except (*XML_ERRORS, OSError):
                continue
            if _local_tag(element) == "databaseChangeLog":
                found.append(path)
        return found


FORMAT = LiquibaseFormat()


class _Reader:
    """Reads every changelog of one root, in Liquibase's order, into `result`."""

    def __init__(self, root: Path, options: ReadOptions, result: Scan) -> None:
        self.root = root
        self.options = options
        self.result = result
        # every changeset parsed, in order (rollbacks may name an earlier one)
        self.changesets: list[Changeset] = []
        self.units: list[Unit] = []
        self.global_properties: dict[str, str] = {}
        self.file_index = 0

    # -- which files --------------------------------------------------------------------------

    def run(self) -> None:
        files = self._changelog_files()
        for path in files:
            self._read_file(path)
        self._finish()

    def _changelog_files(self) -> list[Path]:
        masters = LiquibaseFormat._xml_changelogs(self.root)
        if masters:
            included = set()
            for master in masters:
                included.update(self._xml_references(master))
            tops = [m for m in masters if m.resolve() not in included]
            if len(tops) == 1:
                files = self._walk_xml(tops[0], set())
                self._warn_not_included(tops[0], files)
                return files
            self.result.warn(
                "master-changelog",
                "several XML changelogs and none includes the others ("
                + ", ".join(m.name for m in masters)
                + "): the files are read in path order, as includeAll would; check the order",
                self.root,
            )
        return self._include_all(self.root, exclude=set(masters))

    def _warn_not_included(self, master: Path, files: list[Path]) -> None:
        used = {f.resolve() for f in files}
        for path in iter_files(self.root, recursive=True):
            if path.suffix.lower() == ".sql" and path.resolve() not in used and is_formatted(path):
                self.result.warn(
                    "not-included",
                    f"{master.name} does not include this changelog, so Liquibase never runs it; "
                    "include it or remove it",
                    path,
                )

    def _xml_references(self, path: Path) -> set[Path]:
        refs: set[Path] = set()
        try:
            element = ET.parse(path).getroot()
        except (*XML_ERRORS, OSError):
            return refs
        for child in element:
            if _local_tag(child) == "include" and _attr(child, "file"):
                target = self._resolve(path, _attr(child, "file") or "", child)
                if target is not None:
                    refs.add(target.resolve())
        return refs

    def _resolve(self, changelog: Path, ref: str, element: ET.Element) -> Path | None:
        """Where an include points: relative to the changelog, to the root, or any tail of it."""
        ref = ref.replace("\\", "/").removeprefix("classpath:").lstrip("/")
        candidates = []
        if _is_true(_attr(element, "relativeToChangelogFile")):
            candidates.append(changelog.parent / ref)
        candidates += [self.root / ref, changelog.parent / ref]
        parts = ref.split("/")
        candidates += [self.root.joinpath(*parts[i:]) for i in range(1, len(parts))]
        return next((c for c in candidates if c.exists()), None)

    def _walk_xml(self, path: Path, seen: set[Path]) -> list[Path]:
        """The changelog files an XML changelog includes, in its order."""
        if path.resolve() in seen:
            self.result.error(
                "include-cycle",
                "this changelog includes itself (directly or not); remove the loop",
                path,
            )
            return []
        seen = seen | {path.resolve()}
        try:
            element = ET.parse(path).getroot()
        except ET.ParseError as exc:
            self.result.error(
                "bad-changelog", f"XML changelog does not parse: {exc}", path, exc.position[0]
            )
            return []
        except XML_ERRORS as exc:  # an XML declaration naming an unknown or multi-byte encoding
            self.result.error("bad-changelog", f"XML changelog cannot be read: {exc}", path)
            return []
        files: list[Path] = []
        for child in element:
            tag = _local_tag(child)
            if tag in ("include", "includeAll") and _is_true(_attr(child, "ignore")):
                continue
            if tag == "include":
                files += self._xml_include(path, child, seen)
            elif tag == "includeAll":
                files += self._xml_include_all(path, child, seen)
            elif tag == "changeSet":
                self.result.error(
                    "unsupported-changelog",
                    f"XML changeset {_attr(child, 'author')}:{_attr(child, 'id')} is not read: only "
                    "formatted SQL changelogs are converted; rewrite it as a formatted SQL changeset",
                    path,
                )
        return files

    def _xml_include(self, changelog: Path, element: ET.Element, seen: set[Path]) -> list[Path]:
        ref = _attr(element, "file")
        target = self._resolve(changelog, ref or "", element) if ref else None
        if target is None or not target.is_file():
            self.result.error(
                "missing-include",
                f"<include file={ref!r}> points to no file under the directory; fix the path",
                changelog,
            )
            return []
        if target.suffix.lower() == ".xml":
            return self._walk_xml(target, seen)
        return [target]

    def _xml_include_all(self, changelog: Path, element: ET.Element, seen: set[Path]) -> list[Path]:
        ref = (
            (_attr(element, "path") or "").replace("\\", "/").removeprefix("classpath:").strip("/")
        )
        base = (
            changelog.parent if _is_true(_attr(element, "relativeToChangelogFile")) else self.root
        )
        directory = (base / ref) if ref else base
        if not directory.is_dir():
            directory = self._resolve(changelog, ref, element) or directory
        if not directory.is_dir():
            self.result.error(
                "missing-include",
                f"<includeAll path={ref!r}> is not a directory under the root; fix the path",
                changelog,
            )
            return []
        files = []
        for path in self._include_all(directory, exclude={changelog}):
            if path.suffix.lower() == ".xml":
                files += self._walk_xml(path, seen)
            else:
                files.append(path)
        return files

    def _include_all(self, directory: Path, exclude: set[Path]) -> list[Path]:
        """Every file under `directory` in includeAll's order: by path, compared as Java strings."""
        paths = [p for p in iter_files(directory, recursive=True) if p not in exclude]
        return sorted(paths, key=lambda p: _utf16_key(relname(self.root, p)))

    # -- one file -----------------------------------------------------------------------------

    def _read_file(self, path: Path) -> None:
        suffix = path.suffix.lower()
        if suffix in CHANGELOG_SUFFIXES:
            self.result.error(
                "unsupported-changelog",
                f"{suffix[1:].upper()} changelogs are not read: only formatted SQL changelogs are "
                "converted; rewrite its changesets as formatted SQL",
                path,
            )
            return
        if suffix != ".sql":
            return  # includeAll skips files no parser supports
        self.file_index += 1
        text = read_source(path, self.options)
        first = next((line for line in text.split("\n") if line.strip()), None)
        if first is None:
            self.result.warn("empty-file", "empty changelog file: Liquibase skips it", path)
            return
        if not FIRST_LINE.fullmatch(first):
            self._raw_file(path, text)
            return
        try:
            _FileParser(self, path, text).parse()
        except ParseStop:
            pass

    def _raw_file(self, path: Path, text: str) -> None:
        """A `.sql` file without the header: Liquibase runs it whole as changeset raw::includeAll."""
        name = relname(self.root, path)
        self.result.warn(
            "raw-sql-file",
            "no `--liquibase formatted sql` first line: Liquibase runs the whole file as one "
            "unsplit changeset `raw` by `includeAll`; add the header and changesets if that is "
            "not what you meant",
            path,
        )
        changeset = Changeset(path, name, 1, "includeAll", "raw", {}, name)
        self.changesets.append(changeset)
        script = Script("sql", text, path, name, split=False)
        migration = LegacyMigration(
            format=FORMAT.name,
            version="raw",
            description=f"raw SQL file {name}",
            kind=Kind.VERSIONED,
            up=(script,),
            batch=True,
            tool_checksum=checksum_v9(text),  # the raw parser hashes the whole file the same way
            notes=(f"changeset:{name}::raw::includeAll", "raw-sql-file"),
        )
        self.units.append(Unit(changeset, (self.file_index, 0), migration))

    # -- after all files ----------------------------------------------------------------------

    def _finish(self) -> None:
        self._check_duplicates()
        ids: dict[str, int] = {}
        pairs: dict[tuple[str, str], int] = {}
        for unit in self.units:
            c = unit.changeset
            ids[c.id] = ids.get(c.id, 0) + 1
            pairs[(c.author, c.id)] = pairs.get((c.author, c.id), 0) + 1
        for unit in self.units:
            c = unit.changeset
            if ids[c.id] == 1:
                version = c.id
            elif pairs[(c.author, c.id)] == 1:
                version = f"{c.author}:{c.id}"
            else:
                version = f"{c.file_path}::{c.id}::{c.author}"
            self.result.migrations.append(
                replace(unit.migration, version=version, sort_key=unit.sort_key)
            )

    def _check_duplicates(self) -> None:
        """Liquibase refuses two changesets with one identity that would both run."""
        seen: dict[tuple[str, str, str], Unit] = {}
        for unit in self.units:
            c = unit.changeset
            key = (c.file_path, c.author, c.id)
            other = seen.get(key)
            if other is None:
                seen[key] = unit
                continue
            if self.options.dialect is None and not any(
                dbms_matches(other.changeset.attrs.get("dbms"), s)
                and dbms_matches(c.attrs.get("dbms"), s)
                for s in ALL_SHORT_NAMES
            ):
                continue
            self.result.error(
                "duplicate-changeset",
                f"changeset {c.author}:{c.id} appears twice in {c.file_path} (first at line "
                f"{other.changeset.line}): Liquibase refuses duplicate identifiers; give one a new id",
                c.path,
                c.line,
            )

    # -- properties ---------------------------------------------------------------------------

    def expand(self, text: str, local: dict[str, str]) -> str:
        def value(m: re.Match[str]) -> str:
            key = m[1]
            for props in (local, self.global_properties):
                if key in props:
                    return props[key]
            return m[0]

        return EXPRESSION.sub(value, text)


class _FileParser:
    """One formatted SQL changelog, line by line, as AbstractFormattedChangeLogParser reads it."""

    def __init__(self, reader: _Reader, path: Path, text: str) -> None:
        self.reader = reader
        self.result = reader.result
        self.path = path
        self.name = relname(reader.root, path)
        self.lines = text.split("\n")
        if self.lines and self.lines[-1] == "":
            self.lines.pop()  # the newline ending the last line
        self.local_properties: dict[str, str] = {}
        self.logical_path: str | None = None
        self.current: Changeset | None = None
        self.index = 0  # changesets started in this file
        self.warned_outside = False

    def error(self, code: str, message: str, line: int) -> None:
        self.result.error(code, message, self.path, line)

    def stop(self, code: str, message: str, line: int) -> ParseStop:
        self.error(code, message, line)
        return ParseStop()

    def parse(self) -> None:
        i = 0
        while i < len(self.lines):
            i = self._line(i)
        if self.current is not None:
            self._finish_changeset()

    def _line(self, i: int) -> int:
        """Handle line i (0-based); return the index of the next line to read."""
        line, number = self.lines[i], i + 1
        if PROPERTY.fullmatch(line):
            self._property(line, number)
            return i + 1
        if ALT_PROPERTY.fullmatch(line):
            raise self.stop(
                "bad-directive",
                "Liquibase refuses this line: write properties as `--property name:<name> value:<value>`",
                number,
            )
        if FIRST_LINE.fullmatch(line):
            m = ATTRIBUTES["logicalFilePath"].fullmatch(line)
            self.logical_path = m[1] if m else None
        skipped = self._ignore_lines(i)
        if skipped is not None:
            return skipped
        m = CHANGESET.fullmatch(line)
        if m:
            if self.current is not None:
                self._finish_changeset()
            self._start_changeset(line, number, m)
            return i + 1
        if ALT_CHANGESET_ONE_DASH.fullmatch(line) or ALT_CHANGESET_NO_INFO.fullmatch(line):
            if self.current is not None:
                self._finish_changeset()  # it ended here, whatever this line is
            raise self.stop(
                "bad-changeset",
                "changeset line without author and id: Liquibase needs `--changeset <author>:<id>` "
                "(no space after the colon); fix the line",
                number,
            )
        if self.current is None:
            self._outside(line, number)
            return i + 1
        return self._inside(i)

    def _ignore_lines(self, i: int) -> int | None:
        line, number = self.lines[i], i + 1
        m = IGNORE_LINES.fullmatch(line)
        if m:
            if m[1] == "start":
                j = i + 1
                while j < len(self.lines):
                    end = IGNORE_LINES.fullmatch(self.lines[j])
                    if end and end[1] == "end":
                        return j + 1
                    if ALT_IGNORE_LINES_ONE_DASH.fullmatch(self.lines[j]):
                        raise self.stop(
                            "bad-directive",
                            "Liquibase refuses this line: write `--ignoreLines:end`",
                            j + 1,
                        )
                    j += 1
                return j
            if m[1].isdigit() and len(m[1]) < 10:  # int() refuses > 4300 digits
                return i + 1 + int(m[1])
            raise self.stop(
                "bad-directive",
                f"unknown ignoreLines syntax {m[1]!r}: use --ignoreLines:<count> or "
                "--ignoreLines:start ... --ignoreLines:end",
                number,
            )
        if ALT_IGNORE_LINES_ONE_DASH.fullmatch(line) or ALT_IGNORE.fullmatch(line):
            raise self.stop(
                "bad-directive",
                "Liquibase refuses this line: write `--ignoreLines:<count|start>`",
                number,
            )
        return None

    def _outside(self, line: str, number: int) -> None:
        if COMMENT.fullmatch(line):
            raise self.stop(
                "bad-directive",
                "Liquibase refuses a `--comment` line before the first changeset; move it below a "
                "`--changeset` line",
                number,
            )
        if not self.warned_outside and strip_sql_comments(line).strip():
            self.warned_outside = True
            self.result.warn(
                "sql-outside-changeset",
                "SQL before the first `--changeset` line: Liquibase ignores it; move it into a changeset",
                self.path,
                number,
            )

    def _inside(self, i: int) -> int:
        line, number = self.lines[i], i + 1
        c = self.current
        assert c is not None
        if m := COMMENT.fullmatch(line):
            c.comment = m[1]
        elif ALT_COMMENT_ONE_DASH.fullmatch(line) or ALT_COMMENT_PLURAL.fullmatch(line):
            raise self.stop(
                "bad-directive", "Liquibase refuses this line: write `--comment <comment>`", number
            )
        elif m := VALID_CHECKSUM.fullmatch(line):
            c.notes.append(f"validCheckSum:{m[1]}")
        elif ALT_VALID_CHECKSUM.fullmatch(line):
            raise self.stop(
                "bad-directive",
                "Liquibase refuses this line: write `--validCheckSum <checksum>`",
                number,
            )
        elif m := ROLLBACK.fullmatch(line):
            c.rollback.append((number, m[1] + "\n"))
        elif ALT_ROLLBACK.fullmatch(line):
            raise self.stop(
                "bad-directive", "Liquibase refuses this line: write `--rollback <SQL>`", number
            )
        elif ROLLBACK_BLOCK_START.fullmatch(line):
            return self._rollback_block(i)
        elif m := PRECONDITIONS.fullmatch(line):
            self._precondition(f"preconditions{m[1]}", number)
        elif ALT_PRECONDITIONS.fullmatch(line):
            raise self.stop(
                "bad-directive",
                "Liquibase refuses this line: write `--preconditions onFail:<action> onError:<action>`",
                number,
            )
        elif m := PRECONDITION.fullmatch(line):
            kind = m[1].strip()
            if kind not in SUPPORTED_PRECONDITIONS:
                raise self.stop(
                    "bad-directive",
                    f"Liquibase does not support the {kind!r} precondition in formatted SQL "
                    "(only sql-check, table-exists, view-exists)",
                    number,
                )
            self._precondition(f"precondition-{kind} {m[2].strip()}", number)
        elif ALT_PRECONDITION.fullmatch(line):
            raise self.stop(
                "bad-directive",
                "Liquibase refuses this line: write `--precondition-sql-check ...`",
                number,
            )
        elif m := EMPTY_PRECONDITION.fullmatch(line):
            raise self.stop(
                "bad-directive",
                f"precondition-{m[1]} without its arguments: Liquibase refuses it; complete the line",
                number,
            )
        else:
            c.sql.append((number, line))
        return i + 1

    def _rollback_block(self, i: int) -> int:
        """`/* liquibase rollback` ... `*/`: Liquibase joins the lines with no line break."""
        c = self.current
        assert c is not None
        start = i + 1
        j = start
        body: list[str] = []
        while j < len(self.lines):
            line = self.lines[j]
            if ROLLBACK_BLOCK_END.fullmatch(line):
                last = ROLLBACK_BLOCK_END_SPLIT.split(line)[0]
                if last.strip():
                    body.append(last)
                break
            body.append(line)
            j += 1
        else:
            raise self.stop(
                "bad-directive",
                "`/* liquibase rollback` block is not closed: Liquibase refuses the file; add `*/`",
                i + 1,
            )
        self._check_joined(body, start + 1)
        for offset, text in enumerate(body):
            c.rollback.append((start + 1 + offset, text + "\n"))
        return j + 1

    def _check_joined(self, body: list[str], first_line: int) -> None:
        for offset, (a, b) in enumerate(zip(body, body[1:], strict=False)):
            if "--" in a or (a.rstrip() == a and a[-1:].isalnum() and b[:1].isalnum()):
                self.result.warn(
                    "rollback-lines-joined",
                    "Liquibase joins the lines of a `/* liquibase rollback */` block without line "
                    f"breaks, so it runs {(a + b)[:60]!r}...; end each line with a space or `;`, "
                    "and do not use `--` comments there",
                    self.path,
                    first_line + offset,
                )
                return

    def _precondition(self, text: str, number: int) -> None:
        c = self.current
        assert c is not None
        c.notes.append(text)
        self.result.warn(
            "precondition",
            f"`--{text}` is not evaluated by the converter: the migration always runs; check "
            "that the condition holds on your databases",
            self.path,
            number,
        )

    def _property(self, line: str, number: int) -> None:
        name = PROPERTY_NAME.fullmatch(line)
        value = PROPERTY_VALUE.fullmatch(line)
        if not name or not value:
            return
        restricted = [a for a in ("context", "labels") if ATTRIBUTES[a].fullmatch(line)]
        dbms = ATTRIBUTES["dbms"].fullmatch(line)
        if restricted:
            self.result.warn(
                "conditional-property",
                f"property {name[1]!r} depends on {restricted[0]}: it is not expanded here",
                self.path,
                number,
            )
            return
        if dbms and not self._dbms_applies(dbms[1]):
            return
        is_global = PROPERTY_GLOBAL.fullmatch(line)
        target = self.reader.global_properties
        if is_global and is_global[1].lower() != "true":
            target = self.local_properties
        target.setdefault(name[1], value[1])  # Liquibase properties: the first definition wins

    def _dbms_applies(self, dbms: str) -> bool:
        dialect = self.reader.options.dialect
        if dialect is None:
            return True
        return any(dbms_matches(dbms, s) for s in SHORT_NAMES.get(dialect, (dialect,)))

    # -- changesets -----------------------------------------------------------------------

    def _start_changeset(self, line: str, number: int, m: re.Match[str]) -> None:
        author_raw, id_raw = m[1], m[2]
        exact = _p(r"\s*--[\s]*changeset\s+" + re.escape(f"{author_raw}:{id_raw}") + r".*")
        if not exact.fullmatch(line):
            raise self.stop(
                "bad-changeset",
                "Liquibase needs `--changeset <author>:<id>` with no space after the colon; fix the line",
                number,
            )
        expand = self.expand
        change_id = expand(strip_enclosing_quotes(id_raw))
        author = expand(strip_enclosing_quotes(author_raw))
        if not change_id.replace(":", "").replace(" ", ""):
            raise self.stop(
                "bad-changeset", "the changeset id is empty: give the changeset an id", number
            )
        attrs = {}
        for attr, pattern in ATTRIBUTES.items():
            am = pattern.fullmatch(line)
            if am:
                attrs[attr] = expand(strip_enclosing_quotes(am[1]))
        if " " in author.strip():
            self.result.warn(
                "changeset-author",
                f"author {author!r} holds a space: Liquibase reads everything before the first "
                "colon as the author; check the line is `--changeset <author>:<id>`",
                self.path,
                number,
            )
        file_path = attrs.get("logicalFilePath") or self.logical_path or self.name
        self.index += 1
        self.current = Changeset(self.path, self.name, number, author, change_id, attrs, file_path)
        self.reader.changesets.append(self.current)

    def expand(self, text: str) -> str:
        return self.reader.expand(text, self.local_properties)

    def _finish_changeset(self) -> None:
        c = self.current
        assert c is not None
        self.current = None
        up = self._up_script(c)
        c.up_scripts = (up,)
        down, down_notes = self._down(c)
        if not self._selected(c):
            return
        migration = self._migration(c, up, down, down_notes)
        self.reader.units.append(Unit(c, (self.reader.file_index, self.index), migration))

    def _up_script(self, c: Changeset) -> Script:
        lines = list(c.sql)
        while lines and not java_trim(lines[0][1]):
            lines.pop(0)
        while lines and not java_trim(lines[-1][1]):
            lines.pop()
        if not lines:
            raise self.stop(
                "changeset-no-sql",
                f"changeset {c.author}:{c.id} has no SQL: Liquibase refuses it; add its SQL or "
                "remove the changeset",
                c.line,
            )
        text = self.expand("\n".join(line for _, line in lines) + "\n")
        split = c.flag("splitStatements", True)
        delimiter = c.attrs.get("endDelimiter") or None
        return Script(
            "sql", text, c.path, c.name, line=lines[0][0], delimiter=delimiter, split=split
        )

    def _down(self, c: Changeset) -> tuple[tuple[Script, ...], tuple[str, ...]]:
        if not c.rollback:
            return (), ()
        raw = "".join(text for _, text in c.rollback)
        first = c.rollback[0][0]
        flat = raw.strip().lower()
        if not flat:
            return (), ()
        if re.fullmatch(r"not required.*", flat) or re.fullmatch(r"empty.*", flat):
            return (Script("sql", "", c.path, c.name, line=first),), ("rollback-empty",)
        if "changesetid" in flat:
            return self._rollback_reference(c, raw, first), ()
        return (
            Script(
                "sql",
                self.expand(raw),
                c.path,
                c.name,
                line=first,
                delimiter=c.attrs.get("rollbackEndDelimiter") or None,
                split=c.flag("rollbackSplitStatements", True),
            ),
        ), ()

    def _rollback_reference(self, c: Changeset, raw: str, line: int) -> tuple[Script, ...]:
        """`--rollback changesetId:<id> changesetAuthor:<author> [changesetPath:<path>]`."""
        flat = raw.replace("\n", "").replace("\r", "")
        found = {
            k: (m[1].strip() if (m := p.fullmatch(flat)) else None) for k, p in ROLLBACK_REF.items()
        }
        if not found["id"] or not found["author"]:
            missing = "changesetId" if not found["id"] else "changesetAuthor"
            raise self.stop(
                "bad-rollback", f"'{missing}' not set in the rollback: Liquibase refuses it", line
            )
        path = found["path"] or self.name
        for other in self.reader.changesets:
            if other is c:
                break
            if (other.id, other.author) == (found["id"], found["author"]) and path in (
                other.file_path,
                other.name,
            ):
                return other.up_scripts
        raise self.stop(
            "bad-rollback",
            f"the rollback names changeset {path}::{found['id']}::{found['author']}, which is not "
            "defined before it: Liquibase refuses it; fix the reference",
            line,
        )

    def _selected(self, c: Changeset) -> bool:
        if c.flag("ignore", False):
            self.result.warn(
                "changeset-ignored",
                f"changeset {c.author}:{c.id} has ignore:true: Liquibase never runs it, so it is left out",
                self.path,
                c.line,
            )
            return False
        dialect = self.reader.options.dialect
        dbms = c.attrs.get("dbms")
        if dialect is None or dbms is None:
            return True
        names = SHORT_NAMES.get(dialect, (dialect,))
        verdicts = {s: dbms_matches(dbms, s) for s in names}
        if len(set(verdicts.values())) > 1:
            runs = [s for s, v in verdicts.items() if v]
            self.result.warn(
                "dbms-mysql-mariadb",
                f"dbms:{dbms} runs this changeset on {runs[0]} only, not on "
                f"{'mariadb' if runs[0] == 'mysql' else 'mysql'}: it is kept; check your server",
                self.path,
                c.line,
            )
        return any(verdicts.values())

    def _migration(
        self, c: Changeset, up: Script, down: tuple[Script, ...], down_notes: tuple[str, ...]
    ) -> LegacyMigration:
        notes = [f"changeset:{c.file_path}::{c.id}::{c.author}"]
        repeatable = c.flag("runAlways", False)
        if c.flag("runOnChange", False):
            notes.append("runOnChange")
            if not repeatable:
                self.result.warn(
                    "run-on-change",
                    f"changeset {c.author}:{c.id} has runOnChange:true: Liquibase re-runs it when "
                    "its SQL changes; after conversion it runs once",
                    self.path,
                    c.line,
                )
        if repeatable:
            notes.append("runAlways")
        context = c.attrs.get("contextFilter") or c.attrs.get("context")
        for label, value in (("context", context), ("labels", c.attrs.get("labels"))):
            if value:
                notes.append(f"{label}:{value}")
        if c.attrs.get("dbms"):
            notes.append(f"dbms:{c.attrs['dbms']}")
        if c.attrs.get("runWith"):
            notes.append(f"runWith:{c.attrs['runWith']}")
            self.result.warn(
                "run-with",
                f"runWith:{c.attrs['runWith']}: Liquibase hands this changeset to another client; "
                "the converted migration runs it through the database driver",
                self.path,
                c.line,
            )
        if not c.flag("failOnError", True):
            notes.append("failOnError:false")
        if "stripComments" in c.attrs:
            notes.append(f"stripComments:{c.attrs['stripComments']}")
        if c.attrs.get("endDelimiter") == "":
            notes.append("endDelimiter:''")
        notes += c.notes
        notes += down_notes
        unresolved = [m[0] for s in (up, *down) for m in EXPRESSION.finditer(s.text)]
        if unresolved:
            self.result.warn(
                "unresolved-property",
                f"{unresolved[0]} is not defined in the changelogs: Liquibase fills it from its "
                "properties at run time; define it with `--property` or replace it",
                self.path,
                up.line,
            )
        sql = "\n".join(line for _, line in c.sql)
        return LegacyMigration(
            format=FORMAT.name,
            version=c.id,
            description=c.comment.strip()
            if c.comment and c.comment.strip()
            else f"{c.author}:{c.id}",
            kind=Kind.REPEATABLE if repeatable else Kind.VERSIONED,
            up=(up,),
            down=down,
            transactional=c.flag("runInTransaction", True),
            date=date_from_version(c.id),
            dialect=self._dialect_of(c.attrs.get("dbms")),
            batch=not up.split,
            # properties are expanded before Liquibase hashes; with any in the SQL, the value it
            # saw is not known for sure, so no checksum is claimed
            tool_checksum=None if "${" in sql else checksum_v9(sql),
            notes=tuple(notes),
        )

    def _dialect_of(self, dbms: str | None) -> str | None:
        if dbms is None:
            return None
        dialects = {DIALECT_OF[s] for s in ALL_SHORT_NAMES if dbms_matches(dbms, s)}
        return dialects.pop() if len(dialects) == 1 else None


__all__ = ["FORMAT", "LiquibaseFormat", "checksum_v9", "dbms_matches", "java_trim"]
