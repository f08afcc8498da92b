"""Flyway: SQL migrations named by prefix, found in the location folder and every folder below it.

- `V<version>__<description>.sql`: versioned, run once, in version order.
- `U<version>__<description>.sql`: undo (Flyway Teams) of the `V` with the same version.
- `B<version>__<description>.sql`: baseline migration (Flyway Teams): on an empty database it
  replaces the versioned migrations up to its version.
- `R__<description>.sql`: repeatable, run after all versioned ones, ordered by description,
  and run again whenever its checksum changes.

Versions turn `_` into `.` and compare numerically part by part, missing parts being zero:
`1` = `1.0` = `001`, `1.10` > `1.9`. The description is the text after the first `__` with
`_` shown as spaces. Callback scripts (`afterMigrate.sql`, `beforeEachMigrate__x.sql`, ...)
are not migrations: those of the events in `model.CALLBACK_EVENTS` are read into
`Scan.callbacks` (the converted history runs them, `revision_helpers.MigrateCallbacks`), the
others are named in a warning. `<script>.sql.conf` next to a script holds per-script settings:
`executeInTransaction=false` and `encoding=...` are honoured here. The tracking table records
Flyway's CRC32 checksum of each script, which `flyway_checksum` computes the same way.

Over 600 lines: the file reader, the Java-migration reader, the callbacks and the tracking
reader of one tool, kept together so Flyway reads in one place; the callbacks are the part
to move out first if the module grows.
"""

from __future__ import annotations

import codecs
import dataclasses
import difflib
import re
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from converter.formats.base import (
    LegacyFormat,
    ReadOptions,
    date_from_version,
    iter_files,
    read_source,
    relname,
    sql_script,
)
from converter.formats.code_source import (
    NotStraightLine,
    placeholder_script,
    refusal,
    sql_scripts,
)
from converter.formats.java_source import read_java_migration
from converter.formats.tracking import (
    BASELINE,
    REPEATABLE,
    VERSIONED,
    Applied,
    Location,
    TrackingOptions,
    TrackingReader,
    TrackingState,
    select_rows,
    truthy,
)
from converter.model import CALLBACK_EVENTS as CARRIED_EVENTS
from converter.model import WARNING, Kind, LegacyCallback, LegacyMigration, Scan, Script
from converter.textio import read_text

# Flyway's callback events (org.flywaydb.core.api.callback.Event, all editions and versions).
CALLBACK_EVENTS = (
    "beforeMigrate",
    "beforeRepeatables",
    "beforeEachMigrate",
    "beforeEachMigrateStatement",
    "afterEachMigrateStatement",
    "afterEachMigrateStatementError",
    "afterEachMigrate",
    "afterEachMigrateError",
    "afterMigrate",
    "afterMigrateApplied",
    "afterVersioned",
    "afterMigrateError",
    "beforeUndo",
    "beforeEachUndo",
    "beforeEachUndoStatement",
    "afterEachUndoStatement",
    "afterEachUndoStatementError",
    "afterEachUndo",
    "afterEachUndoError",
    "afterUndo",
    "afterUndoError",
    "beforeClean",
    "afterClean",
    "afterCleanError",
    "beforeInfo",
    "afterInfo",
    "afterInfoError",
    "beforeValidate",
    "afterValidate",
    "afterValidateError",
    "beforeBaseline",
    "afterBaseline",
    "afterBaselineError",
    "beforeRepair",
    "afterRepair",
    "afterRepairError",
    "createSchema",
    "beforeCreateSchema",
    "beforeConnect",
    "afterConnect",
    "afterMigrateOperationFinish",
    "afterInfoOperationFinish",
    "afterCleanOperationFinish",
    "afterValidateOperationFinish",
    "afterUndoOperationFinish",
    "afterRepairOperationFinish",
    "afterBaselineOperationFinish",
)
# `<event>` or `<event>__<description>`: Flyway matches the event name case-sensitively.
CALLBACK = re.compile(
    r"^(?:" + "|".join(sorted(CALLBACK_EVENTS, key=len, reverse=True)) + r")(?:__.*)?$"
)
# what looks like a callback but names no event (`aftermigrate`, `afterMigrates__x`)
CALLBACK_LIKE = re.compile(r"^((?:before|after)[A-Za-z]*)(?:__.*)?$", re.I)
# the events of `flyway migrate`: what they do would change a database `alembic upgrade` builds
MIGRATE_CALLBACKS = frozenset(
    e for e in CALLBACK_EVENTS if "Migrate" in e or e in ("beforeRepeatables", "afterVersioned")
)
# the events of `flyway migrate` that the converted history does not run, and why
NOT_CARRIED = {
    "beforeEachMigrateStatement": "before every statement of a migration, Flyway Teams",
    "afterEachMigrateStatement": "after every statement of a migration, Flyway Teams",
    "afterEachMigrateStatementError": "after a statement fails, Flyway Teams",
    "afterEachMigrateError": "after a migration fails",
    "afterMigrateError": "after a failed migrate",
    "afterMigrateOperationFinish": "when the migrate operation ends, even after a failure",
}
# After the prefix letter: `<version>` then optionally `__<description>` (first `__` splits).
PREFIXED = re.compile(r"^(?P<prefix>[VUBR])(?P<rest>.*)$")
# A version once `_` is turned into `.`: numbers separated by single dots.
VERSION = re.compile(r"^\d+(?:\.\d+)*$")
SQL_SUFFIX = ".sql"
CONF_SUFFIX = ".sql.conf"
# Migrations Flyway runs that are not SQL: Java classes and Teams script migrations.
NON_SQL_SUFFIXES = (
    ".java",
    ".class",
    ".kt",
    ".scala",
    ".ps1",
    ".bat",
    ".cmd",
    ".sh",
    ".bash",
    ".py",
)
PLACEHOLDER = re.compile(r"\$\{[^}\s]+\}")
LINE_BREAK = re.compile(r"\r\n|\r|\n")
CONF_LINE = re.compile(r"^(?P<key>[^=:\s]+)\s*[=:]\s*(?P<value>.*)$")
FLYWAY_CONFIG_FILES = ("flyway.conf", "flyway.toml")

KIND_OF_PREFIX = {
    "V": Kind.VERSIONED,
    "U": Kind.VERSIONED,
    "B": Kind.BASELINE,
    "R": Kind.REPEATABLE,
}


def flyway_checksum(data: bytes, encoding: str | None = None) -> int:
    """Flyway's checksum of a script's raw bytes, as the signed int its history table stores.

    Flyway (ChecksumCalculator) reads the script with its encoding, line by line as Java's
    BufferedReader does (terminators `\\n`, `\\r`, `\\r\\n` dropped), strips a BOM from the
    first line, and feeds each line's UTF-8 bytes to one CRC32. Line endings and blank lines
    therefore do not change it. The bytes must decode (callers decode strictly first).
    """
    text = data.decode(encoding or "utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    crc = flyway_crc(text)
    return crc - (1 << 32) if crc >= 1 << 31 else crc


def flyway_crc(text: str, crc: int = 0) -> int:
    """`crc` continued over the lines of `text` without their terminators: one CRC32 over
    the lines one after the other is one CRC32 over the text with its line breaks removed,
    so a file can be checksummed a piece at a time (unsigned; see flyway_checksum)."""
    return zlib.crc32(LINE_BREAK.sub("", text).encode("utf-8"), crc)


def version_key(version: str) -> tuple[int, ...]:
    """Flyway's version order: numeric parts, trailing zero parts dropped (`1.0` == `1`)."""
    parts = [int(p) for p in version.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


@dataclass(frozen=True)
class FlywayName:
    """A script name Flyway recognises: prefix letter, version (dotted), description."""

    prefix: str
    version: str
    description: str


def parse_name(stem: str) -> FlywayName | str:
    """Parse a script name without its suffix; a string says why it is not a migration name."""
    m = PREFIXED.match(stem)
    if not m:
        return "does not start with V, U, B or R"
    prefix, rest = m["prefix"], m["rest"]
    raw_version, sep, desc = rest.partition("__")
    description = desc.replace("_", " ") if sep else ""
    if prefix == "R":
        if raw_version:
            return f"R{raw_version} is not a repeatable migration name (no version): name it R__<description>.sql"
        return FlywayName(prefix, "", description)
    version = raw_version.replace("_", ".")
    if not raw_version or not VERSION.match(version):
        return (
            f"{prefix}{raw_version or '?'} is not a Flyway version; name it "
            f"{prefix}<version>__<description>.sql with two underscores (for example {prefix}1_2__add_users.sql)"
        )
    return FlywayName(prefix, version, description)


@dataclass
class ScriptConf:
    """What a `<script>.sql.conf` file says."""

    execute_in_transaction: bool | None = None
    encoding: str | None = None
    placeholder_replacement: bool = True
    keys: dict[str, str] = field(default_factory=dict)


def read_conf(path: Path, options: ReadOptions, result: Scan) -> ScriptConf:
    """Parse a script configuration file (Java properties: `key=value`, `#` comments)."""
    conf = ScriptConf()
    text = read_text(path, options.encoding)
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", "!")):
            continue
        m = CONF_LINE.match(line)
        if not m:
            result.warn(
                "bad-conf-line",
                f"not a key=value line: {line!r}; Flyway script settings look like executeInTransaction=false",
                path,
                number,
            )
            continue
        key, value = m["key"], m["value"].strip()
        conf.keys[key] = value
        if key in ("executeInTransaction", "placeholderReplacement"):
            if value not in ("true", "false"):
                result.warn(
                    "bad-conf-line",
                    f"{key} must be true or false, not {value!r}; ignored",
                    path,
                    number,
                )
            elif key == "executeInTransaction":
                conf.execute_in_transaction = value == "true"
            else:
                conf.placeholder_replacement = value == "true"
        elif key == "encoding":
            try:
                codecs.lookup(value)
            except LookupError:
                result.warn(
                    "bad-conf-line",
                    f"unknown encoding {value!r}; the file is read as UTF-8",
                    path,
                    number,
                )
            else:
                conf.encoding = value
    return conf


@dataclass
class Found:
    """One recognised script file, read."""

    path: Path
    name: FlywayName
    script: Script
    checksum: int | None
    conf: ScriptConf
    code: LegacyMigration | None = None  # a Java migration: what it reads as (java_source.py)


# -- the tracking table ----------------------------------------------------------------------------


class FlywayTrackingReader(TrackingReader):
    """`flyway_schema_history` (before Flyway 5 `schema_version`), ordered by `installed_rank`:
    versions compare numerically (`1.0` == `1`); `BASELINE` rows stand for every version up
    to theirs; repeatables have no version and run again when their checksum changes;
    `UNDO_SQL` and `DELETE` rows take a version back out; `success = false` is refused."""

    required = ("installed_rank", "version", "script", "success")

    def key(self, version: str) -> Any:
        try:
            return version_key(version.replace("_", "."))
        except ValueError:
            return ("text", version)

    def locate(self, conn: sa.Connection, options: TrackingOptions) -> list[Location]:
        current, before_5 = self.tables  # flyway_schema_history, schema_version
        found = super().locate(conn, options)
        fitting = [loc for loc in found if loc.problem is None]
        if len(fitting) == 2:  # Flyway 5+ uses flyway_schema_history when both exist
            return [loc for loc in fitting if loc.table.lower() == current]
        if fitting:
            return fitting
        # `schema_version` is a common name: a table of another shape is not Flyway's
        return [loc for loc in found if loc.table.lower() != before_5]

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        rows = select_rows(
            conn,
            loc,
            ["installed_rank", "version", "description", "type", "script", "checksum", "success"],
            order=["installed_rank"],
        )
        state = self.state(loc)
        applied: list[Applied] = []
        repeatables: dict[str, Applied] = {}
        for row in rows:
            version = None if row.get("version") in (None, "") else str(row["version"])
            kind = str(row.get("type") or "SQL").upper()
            script = row.get("script") or row.get("description")
            rank = row.get("installed_rank")
            if kind == "SCHEMA":
                continue  # Flyway's "<< Flyway Schema Creation >>" marker, not a migration
            if not truthy(row.get("success")):
                what = f"version {version}" if version else f"repeatable {script}"
                state.refusals.append(
                    (
                        f"{loc.qualified} records {what} ({script}) as failed (success = false, "
                        f"installed_rank {rank})",
                        "finish or undo that migration by hand, then `flyway repair` (or delete the row) "
                        "and stamp again",
                    )
                )
                continue
            checksum = None if row.get("checksum") is None else str(row["checksum"])
            if kind.startswith("UNDO") or kind == "DELETE":
                applied = [
                    a
                    for a in applied
                    if a.version is None or self.key(a.version) != self.key(version or "")
                ]
                continue
            if version is None:
                repeatables[str(row.get("description") or script)] = Applied(
                    None, str(script), checksum, REPEATABLE, rank
                )
                continue
            is_baseline = kind in ("BASELINE", "SQL_BASELINE")
            applied.append(
                Applied(
                    version, str(script), checksum, BASELINE if is_baseline else VERSIONED, rank
                )
            )
        state.applied = applied + sorted(repeatables.values(), key=lambda a: a.order)
        return state


class FlywayFormat(LegacyFormat):
    name = "flyway"
    title = "Flyway SQL migrations (V/U/B/R prefixes)"
    tracking_tables = ("flyway_schema_history", "schema_version")
    tracking_reader = FlywayTrackingReader

    def detect(self, root: Path) -> int:
        found = False
        for path in iter_files(root, recursive=True):
            if path.name.endswith(SQL_SUFFIX) and isinstance(
                parse_name(path.name[: -len(SQL_SUFFIX)]), FlywayName
            ):
                found = True
                break
        if not found:
            return 0
        return 90 if any((root / f).is_file() for f in FLYWAY_CONFIG_FILES) else 70

    def read(self, root: Path, options: ReadOptions) -> Scan:
        result = Scan(self.name, root)
        scripts: list[Path] = []
        confs: dict[Path, Path] = {}  # script path -> its .conf
        callbacks: set[Path] = set()
        for path in iter_files(root, recursive=True):
            self._sort_file(path, scripts, confs, callbacks, result)

        found: list[Found] = []
        for path in scripts:
            conf_path = confs.pop(path, None)
            conf = read_conf(conf_path, options, result) if conf_path else ScriptConf()
            item = self._read_script(root, path, conf, options, result)
            if item is not None:
                found.append(item)

        result.callbacks = self._read_callbacks(root, callbacks, confs, options, result)
        for script_path, conf_path in confs.items():
            if script_path not in callbacks:
                result.warn(
                    "unmatched-file",
                    f"script configuration for {script_path.name}, which does not exist; "
                    "rename it to match its script, or remove it",
                    conf_path,
                )

        found.extend(self._read_java(root, options, result))
        result.migrations.extend(self._assemble(found, result))
        dropped = [p for p in result.warnings if p.code == "callback-not-carried"]
        if dropped and result.migrations:  # convert's report names them too
            first = result.migrations[0]
            notes = tuple(
                f"{WARNING}{relname(root, p.path)}: {p.message}" for p in dropped if p.path
            )
            result.migrations[0] = dataclasses.replace(first, notes=first.notes + notes)
        return result

    def _read_java(self, root: Path, options: ReadOptions, result: Scan) -> list[Found]:
        """Java migrations: in the SQL locations, and in the source folders of --java-dir."""
        seen: set[Path] = set()
        found: list[Found] = []
        for base in (root, *options.java_dirs):
            if base != root and not base.is_dir():
                result.error("no-java-dir", "--java-dir names no folder", base)
                continue
            for path in iter_files(base, recursive=True):
                parsed = parse_name(path.stem) if path.suffix == ".java" else None
                if not isinstance(parsed, FlywayName) or path.resolve() in seen:
                    continue
                seen.add(path.resolve())
                name = relname(base, path)
                found.append(self._java(path, name, parsed, options, result))
        return found

    def _java(
        self, path: Path, name: str, parsed: FlywayName, options: ReadOptions, result: Scan
    ) -> Found:
        text = read_source(path, options)
        base = LegacyMigration(self.name, parsed.version, parsed.description, Kind.VERSIONED, ())
        try:
            read = read_java_migration(text, path.stem)
        except NotStraightLine as exc:
            why = refusal("java", name, exc)
            result.warn(
                "code-migration", f"{why}: it becomes a placeholder revision to port by hand", path,
                exc.line,
            )  # fmt: skip
            script = placeholder_script("java", text, path, name)
            code = replace(base, up=(script,), placeholder=why)
        else:
            scripts = sql_scripts(read.up, "java", path, name, 1)
            script = scripts[0]
            code = replace(base, up=scripts, transactional=read.transactional)
        # Flyway records no checksum for a Java migration (unless the class computes one)
        return Found(path, parsed, script, None, ScriptConf(), code)

    def _read_callbacks(
        self,
        root: Path,
        paths: set[Path],
        confs: dict[Path, Path],
        options: ReadOptions,
        result: Scan,
    ) -> list[LegacyCallback]:
        """The SQL callbacks of the migrate events the converted history runs (env.py, with
        converter_helpers.MigrateCallbacks), in the order Flyway runs them."""
        found: list[LegacyCallback] = []
        names: dict[str, Path] = {}
        for path in sorted(paths):
            stem = path.name[: -len(SQL_SUFFIX)]
            event, sep, description = stem.partition("__")
            if event not in CARRIED_EVENTS:
                continue
            if stem in names:  # Flyway: "Found more than 1 SQL callback script called ..."
                result.error(
                    "duplicate-callback",
                    f"Flyway refuses two SQL callbacks called {stem} ({names[stem]} and {path}); "
                    "rename or remove one of them",
                    path,
                )
                continue
            names[stem] = path
            conf = read_conf(confs[path], options, result) if path in confs else ScriptConf()
            script = sql_script(root, path, options, conf.encoding or options.encoding)
            if conf.placeholder_replacement:
                self._warn_placeholder(script, path, result)
            found.append(
                LegacyCallback(
                    event,
                    description if sep else None,
                    script,
                    transactional=conf.execute_in_transaction is not False,
                )
            )
        return sorted(found, key=lambda c: c.order)

    def _warn_placeholder(self, script: Script, path: Path, result: Scan) -> None:
        lines = 0
        for piece in script.pieces():
            m = PLACEHOLDER.search(piece)
            if m:
                _placeholder_warning(result, m, path, lines + piece.count("\n", 0, m.start()) + 1)
                return
            lines += piece.count("\n")

    # -- sorting files ---------------------------------------------------------------------

    def _sort_file(
        self,
        path: Path,
        scripts: list[Path],
        confs: dict[Path, Path],
        callbacks: set[Path],
        result: Scan,
    ) -> None:
        name = path.name
        if name.endswith(CONF_SUFFIX):
            confs[path.with_name(name[: -len(".conf")])] = path
            return
        if name.endswith(SQL_SUFFIX):
            stem = name[: -len(SQL_SUFFIX)]
            if CALLBACK.match(stem):
                callbacks.add(path)
                event = stem.split("__", 1)[0]
                if event in MIGRATE_CALLBACKS and event not in CARRIED_EVENTS:
                    result.warn(
                        "callback-not-carried",
                        f"Flyway callback: runs at {event} ({NOT_CARRIED[event]}); the converted "
                        "history does not run it, so a database built by Alembic misses what it "
                        "does: move its SQL into a migration or into a carried callback "
                        f"({', '.join(CARRIED_EVENTS)}), or run it yourself",
                        path,
                    )
                return
            like = CALLBACK_LIKE.match(stem)
            close = like and difflib.get_close_matches(like.group(1), CALLBACK_EVENTS, 1, 0.8)
            lowered = {e.lower(): e for e in CALLBACK_EVENTS}
            if like and (close or like.group(1).lower() in lowered):
                guess = lowered.get(like.group(1).lower()) or close[0]  # type: ignore[index]
                result.error(
                    "unknown-callback",
                    f"{like.group(1)!r} is not a Flyway callback event (did you mean {guess!r}? "
                    "Flyway matches them exactly, case included), so Flyway never runs this "
                    "file; known events: " + ", ".join(CALLBACK_EVENTS),
                    path,
                )
                return
            parsed = parse_name(stem)
            if isinstance(parsed, str):
                result.warn(
                    "unmatched-file",
                    f"Flyway does not run this file: {parsed}; rename it or move it out of the migrations folder",
                    path,
                )
            else:
                scripts.append(path)
            return
        if name.lower().endswith(SQL_SUFFIX):
            result.warn(
                "unmatched-file",
                "Flyway only reads files ending in lower-case .sql; rename it if it is a migration",
                path,
            )
            return
        if name.endswith(NON_SQL_SUFFIXES) and not name.endswith(".java"):
            stem = name.rsplit(".", 1)[0]
            if isinstance(parse_name(stem), FlywayName) or isinstance(
                parse_name(stem.split("$", 1)[0]), FlywayName
            ):
                result.error(
                    "not-convertible",
                    "Flyway runs this as a migration, but it is code, not SQL: rewrite it as a SQL "
                    "migration (or as an Alembic revision by hand) before converting",
                    path,
                )

    def _read_script(
        self, root: Path, path: Path, conf: ScriptConf, options: ReadOptions, result: Scan
    ) -> Found | None:
        parsed = parse_name(path.name[: -len(SQL_SUFFIX)])
        assert isinstance(parsed, FlywayName)
        encoding = conf.encoding or options.encoding
        script = sql_script(root, path, options, encoding)
        crc, lines = 0, 0
        warned = not conf.placeholder_replacement
        for piece in script.pieces():
            m = None if warned else PLACEHOLDER.search(piece)
            if m:
                warned = True
                _placeholder_warning(result, m, path, lines + piece.count("\n", 0, m.start()) + 1)
            lines += piece.count("\n")
            crc = flyway_crc(piece, crc)
        return Found(path, parsed, script, crc - (1 << 32) if crc >= 1 << 31 else crc, conf)

    # -- building migrations ---------------------------------------------------------------

    def _assemble(self, found: list[Found], result: Scan) -> list[LegacyMigration]:
        undos: dict[tuple[int, ...], Found] = {}
        for item in found:
            if item.name.prefix != "U":
                continue
            key = version_key(item.name.version)
            if key in undos:
                result.error(
                    "duplicate-undo",
                    f"undo version {item.name.version} is used by {undos[key].path} and {item.path}; "
                    "keep one of them",
                    item.path,
                )
                continue
            undos[key] = item

        versioned = {version_key(i.name.version) for i in found if i.name.prefix == "V"}
        for key, item in undos.items():
            if key not in versioned:
                # Flyway refuses nothing here: `migrate` never runs undo files, and `undo` only
                # undoes an applied versioned migration, so this file never runs
                result.warn(
                    "undo-without-versioned",
                    f"undo migration has no versioned migration V{item.name.version}__...: Flyway "
                    "never runs it (migrate ignores undo files, undo only undoes an applied "
                    "version), so it is left out; rename it to match its V file, or remove it",
                    item.path,
                )

        migrations: list[LegacyMigration] = []
        repeatables: dict[str, Found] = {}
        for item in found:
            if item.name.prefix == "U":
                continue
            if item.name.prefix == "R":
                other = repeatables.get(item.name.description)
                if other is not None:
                    result.error(
                        "duplicate-repeatable",
                        f"repeatable description {item.name.description!r} is used by {other.path} and "
                        f"{item.path}; Flyway refuses two repeatables with the same description",
                        item.path,
                    )
                    continue
                repeatables[item.name.description] = item
            migrations.append(self._migration(item, undos))
        migrations.sort(key=lambda m: (m.sort_key, m.name or ""))
        return migrations

    def _migration(self, item: Found, undos: dict[tuple[int, ...], Found]) -> LegacyMigration:
        n = item.name
        kind = KIND_OF_PREFIX[n.prefix]
        down: tuple[Script, ...] = ()
        notes: tuple[str, ...] = ()
        if kind is Kind.REPEATABLE:
            sort_key: tuple = (1, (), 0, n.description)
            notes = (
                "Flyway repeatable: runs after all versioned migrations, again whenever it changes",
            )
        else:
            key = version_key(n.version)
            # a baseline runs before a versioned migration of the same version, and is not its duplicate
            sort_key = (0, key, 0 if kind is Kind.BASELINE else 1, "")
            if kind is Kind.BASELINE:
                notes = (
                    "Flyway baseline migration: on an empty database it replaces the versioned "
                    f"migrations up to version {n.version}",
                )
            elif key in undos:
                down = (undos[key].script,)
        transactional = item.conf.execute_in_transaction is not False
        if item.code is not None:  # Java: its scripts, transaction and placeholder as read
            up, transactional = item.code.up, item.code.transactional
        return LegacyMigration(
            format=self.name,
            version=n.version,
            description=n.description,
            kind=kind,
            up=up if item.code is not None else (item.script,),
            down=down,
            transactional=transactional,
            date=date_from_version(n.version.replace(".", "")) if n.version else None,
            sort_key=sort_key,
            tool_checksum=None if item.checksum is None else str(item.checksum),
            notes=notes,
            placeholder=item.code.placeholder if item.code is not None else None,
        )


FORMAT = FlywayFormat()


def _placeholder_warning(result: Scan, m: re.Match, path: Path, line: int) -> None:
    result.warn(
        "placeholder",
        f"uses the Flyway placeholder {m.group()}, which Flyway replaces when it runs the "
        "script; the converted SQL keeps it as written: put in its value",
        path,
        line,
    )
