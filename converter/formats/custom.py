"""custom: an in-house layout, described in the configuration instead of in code.

    [tool.converter.custom]          # [custom] in a converter.toml
    pattern = 'V(?P<version>\\d+)\\.(?P<description>\\w+)\\.(?P<direction>up|down)\\.sql'
    order = "numeric"                # numeric | dotted | lexical | date
    down-pairing = "version-and-description"   # or "version"
    up-marker = '--\\s*up'            # optional: lines splitting one file into up and down
    down-marker = '--\\s*down'
    recursive = false                # read sub-folders too
    match = "path"                   # what the pattern matches: "path" or "name"
    date-format = "%Y-%m-%d"         # order = "date": how the version is written
    transactional = true             # does the in-house runner wrap each file in a transaction
    python-upgrade = "run_upgrade"   # `.py` files the pattern matches: the function to call
    python-downgrade = "run_downgrade"   # optional: the function that undoes it
    python-args = ["cursor", "dialect"]  # what it is given, in order (default ["connection"])

Python migrations: `python-args` names each argument the function gets: `connection` (the
SQLAlchemy Connection of the migration), `cursor` (a DB-API cursor on it), `dbapi` (the
DB-API connection), `dialect` (the database's name: postgresql, mysql, sqlite) and `engine`
(an engine-like object whose `begin()`/`connect()` hand out the migration's connection, with
`dialect` and `name`: sqlalchemy-migrate's `migrate_engine`). The revision calls the function with the same arguments, and verify runs the
legacy side the same way.

`pattern` is a regular expression that must match a file's whole path relative to the
legacy directory (forward slashes; only the name when `recursive` is false), or with
`match = "name"` its name alone. Named groups: `version` (required), `description`,
`direction` (up or down; also upgrade/downgrade, do/undo, rollback, revert; a file whose
`direction` group is absent or empty is an up) and `dialect` (postgresql, mysql, sqlite or
their usual aliases: per-database variants, picked as the plain format picks them).

Order: `numeric` compares the version as an integer (`10` after `2`); `dotted` compares
numbers separated by `.` or `_` part by part, trailing zero parts ignored (`1.10` after
`1.9`, `1.0` equal to `1`); `lexical` compares the text; `date` parses the version with
`date-format`, or else as ISO 8601 (`2024-03-01`, `2024-03-01T12:00`) or a plain timestamp
(`20240301`, `202403011200`, `20240301120000`). Two files of one version are an error.

A down file pairs with the up of the same version and description (`version-and-description`)
or of the same version alone (`version`). With markers, a line that matches `up-marker` or
`down-marker` as a whole (spaces around ignored, any case) starts that section; text before
the first marker is the up unless there is an up marker, and then it may hold only comments.

Files the pattern does not match are reported as warnings (`unmatched-file`), never read.
`detect` answers 100 when the configuration has a custom pattern that matches a file of the
directory, 10 when it matches none (so a known format still wins), and 0 without a pattern.
The reader takes its settings from `converter.config.reader_config` (ReadOptions.config,
once it exists; else the configuration of the running command or of the directory).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from converter.config import CONFIG_FILE_NAMES, Config, Setting, reader_config
from converter.errors import InputError
from converter.formats.base import (
    LegacyFormat,
    ReadOptions,
    date_from_version,
    describe,
    iter_files,
    read_source,
    relname,
)
from converter.formats.plain import FILE_DIALECT_ALIASES, choose_variant
from converter.formats.python_script import PythonCalling
from converter.formats.tracking import (
    Applied,
    Location,
    TrackingOptions,
    TrackingReader,
    TrackingState,
    columns_by_name,
    find_table,
    int_key,
    select_rows,
)
from converter.model import Kind, LegacyMigration, Scan, Script, strip_sql_comments

GROUPS = ("version", "description", "direction", "dialect")
UP_WORDS = {"up", "upgrade", "do", "apply", "forward", "migrate", "deploy"}
DOWN_WORDS = {"down", "downgrade", "undo", "rollback", "revert", "backward"}
ORDERS = ("numeric", "dotted", "lexical", "date")
DATE_FORMATS = ("%Y-%m-%d_%H%M%S", "%Y-%m-%d_%H%M", "%Y-%m-%d_%H-%M-%S", "%Y-%m-%d_%H-%M")


@dataclass(frozen=True)
class CustomLayout:
    """The custom format's settings, checked."""

    pattern: re.Pattern[str]
    order: str = "numeric"
    down_pairing: str = "version-and-description"
    up_marker: re.Pattern[str] | None = None
    down_marker: re.Pattern[str] | None = None
    recursive: bool = False
    match: str = "path"
    date_format: str | None = None
    transactional: bool = True
    python: PythonCalling = PythonCalling()

    @classmethod
    def from_config(cls, config: Config) -> CustomLayout | None:
        """The layout the configuration describes; None when it has no custom table."""
        s = config.custom
        if not s:
            return None
        if "pattern" not in s:
            raise InputError(
                f"{config.table('custom')} has no pattern",
                path=config.path,
                line=config.line_of("custom"),
                hint="add pattern = '...' with a (?P<version>...) group, e.g. "
                "'(?P<version>\\d+)_(?P<description>.+)\\.sql'",
            )
        pattern = _compile(s["pattern"])
        groups = set(pattern.groupindex)
        if "version" not in groups:
            raise _error(
                s["pattern"],
                "the pattern has no (?P<version>...) group",
                "name the part of the file name that holds the version: (?P<version>\\d+)",
            )
        for name in sorted(groups - set(GROUPS)):
            close = [g for g in GROUPS if g.startswith(name.lower())] or difflib.get_close_matches(
                name, GROUPS, n=1, cutoff=0.5
            )
            raise _error(
                s["pattern"],
                f"the pattern has a group (?P<{name}>...) the custom format does not know",
                (f"did you mean (?P<{close[0]}>...)? " if close else "")
                + "known groups: "
                + ", ".join(GROUPS)
                + "; use (?:...) for a group that names nothing",
            )
        order = s["order"].value if "order" in s else "numeric"
        date_format = s["date-format"].value if "date-format" in s else None
        if date_format is not None and order != "date":
            raise _error(
                s["date-format"],
                'date-format is only used with order = "date"',
                'remove it, or set order = "date"',
            )
        return cls(
            pattern=pattern,
            order=order,
            down_pairing=s["down-pairing"].value
            if "down-pairing" in s
            else "version-and-description",
            up_marker=_compile(s["up-marker"], re.IGNORECASE) if "up-marker" in s else None,
            down_marker=_compile(s["down-marker"], re.IGNORECASE) if "down-marker" in s else None,
            recursive=s["recursive"].value if "recursive" in s else False,
            match=s["match"].value if "match" in s else "path",
            date_format=date_format,
            transactional=s["transactional"].value if "transactional" in s else True,
            python=PythonCalling.from_settings(s),
        )

    @property
    def has_markers(self) -> bool:
        return self.up_marker is not None or self.down_marker is not None

    def files(self, root: Path) -> list[Path]:
        """The files of `root` the pattern is tried on (the configuration file left out)."""
        return [
            p
            for p in iter_files(root, self.recursive)
            if not (p.parent == root and p.name in CONFIG_FILE_NAMES)
        ]

    def fullmatch(self, root: Path, path: Path) -> re.Match[str] | None:
        return self.pattern.fullmatch(path.name if self.match == "name" else relname(root, path))


def _error(setting: Setting, message: str, hint: str | None = None) -> InputError:
    return InputError(f"{setting.key}: {message}", path=setting.path, line=setting.line, hint=hint)


def _compile(setting: Setting, flags: int = 0) -> re.Pattern[str]:
    try:
        return re.compile(setting.value, flags)
    except re.error as exc:
        raise _error(
            setting,
            f"not a valid regular expression: {exc.msg} at position {exc.pos} of {setting.value!r}",
            "TOML literal strings ('...') keep backslashes as written: pattern = '(?P<version>\\d+)_.*\\.sql'",
        ) from None


def layout_for(root: Path, options: ReadOptions | None = None) -> CustomLayout | None:
    return CustomLayout.from_config(reader_config(root, options))


@dataclass(frozen=True)
class Found:
    """One file the pattern matched."""

    path: Path
    version: str
    description: str
    down: bool
    dialect: str | None
    sort_key: tuple
    date: datetime | None


# -- the tracking table ----------------------------------------------------------------------------


class CustomTrackingReader(TrackingReader):
    """`--table NAME --version-column COL`: a project's own table."""

    ordered = False

    def key(self, version: str) -> Any:
        return int_key(version)

    def locate(self, conn: sa.Connection, options: TrackingOptions) -> list[Location]:
        assert options.table and options.version_column
        loc = find_table(conn, options.table)
        if loc is None:
            return []
        problem = None
        if options.version_column.lower() not in columns_by_name(loc):
            problem = f"{loc.qualified} has no column {options.version_column} (it has {', '.join(loc.columns)})"
        return [Location(self.tool, loc.table, loc.schema, loc.columns, problem)]

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        assert options.version_column
        col = options.version_column.lower()
        rows = select_rows(conn, loc, [col])
        versions = [str(r[col]) for r in rows if r[col] is not None and str(r[col]).strip()]
        state = TrackingState(self.tool, loc.qualified, applied=[Applied(v) for v in versions])
        if len(versions) == 1:
            state.latest_only = True
            state.notes.append(
                f"{loc.qualified} holds one row: read as the latest version applied "
                "(every earlier one implied)"
            )
        return state


class CustomFormat(LegacyFormat):
    name = "custom"
    title = "an in-house layout described by a pattern in the configuration"
    # no table of a known name: `stamp --table NAME --version-column COL` names it
    tracking_reader = CustomTrackingReader

    def detect(self, root: Path) -> int:
        layout = layout_for(root)
        if layout is None:
            return 0
        return 100 if any(layout.fullmatch(root, p) for p in layout.files(root)) else 10

    def read(self, root: Path, options: ReadOptions) -> Scan:
        result = Scan(self.name, root)
        layout = layout_for(root, options)
        if layout is None:
            raise InputError(
                "the custom format needs a pattern in the configuration",
                path=root,
                hint="add [tool.converter.custom] pattern = '...' to pyproject.toml, or [custom] "
                "pattern = '...' to a converter.toml in this directory (see `converter config`)",
            )
        found = [f for p in layout.files(root) if (f := self._match(root, p, layout, result))]
        if not found and "/" in layout.pattern.pattern and not layout.recursive:
            result.warn(
                "no-match",
                "the custom pattern has a `/` but sub-folders are not read: set recursive = true",
                root,
            )
        ups: dict[tuple, dict[str | None, Found]] = {}
        downs: dict[tuple, dict[str | None, Found]] = {}
        for f in found:
            target = downs if f.down else ups
            key = (f.sort_key, f.description)
            variants = target.setdefault(key, {})
            if f.dialect in variants:
                kind = "down files" if f.down else "files"
                result.error(
                    "duplicate-variant",
                    f"two {kind} for one migration and database ({relname(root, variants[f.dialect].path)} "
                    f"and {relname(root, f.path)}); keep one",
                    f.path,
                )
                continue
            variants[f.dialect] = f
        paired = self._pair(root, ups, downs, layout, result)
        for key in sorted(ups):
            self._migration(root, key, ups[key], paired.get(key, {}), layout, options, result)
        return result

    # -- files -----------------------------------------------------------------------------

    def _match(self, root: Path, path: Path, layout: CustomLayout, result: Scan) -> Found | None:
        m = layout.fullmatch(root, path)
        what = path.name if layout.match == "name" else relname(root, path)
        if m is None:
            result.warn(
                "unmatched-file",
                f"the custom pattern does not match {what!r}, so it is not read; rename it, "
                "adjust the pattern, or remove the file",
                path,
            )
            return None
        groups = m.groupdict()
        version = groups["version"] or ""
        if not version:
            result.error("bad-version", "the pattern matched an empty version", path)
            return None
        direction = (groups.get("direction") or "").lower()
        if direction and direction not in UP_WORDS | DOWN_WORDS:
            result.error(
                "bad-direction",
                f"direction {groups['direction']!r} is neither up nor down (known: "
                + ", ".join(sorted(UP_WORDS))
                + " / "
                + ", ".join(sorted(DOWN_WORDS))
                + ")",
                path,
            )
            return None
        dialect = None
        if groups.get("dialect"):
            dialect = FILE_DIALECT_ALIASES.get(groups["dialect"].lower())
            if dialect is None:
                result.error(
                    "bad-dialect",
                    f"{groups['dialect']!r} names no database the converter knows (postgresql, mysql, sqlite)",
                    path,
                )
                return None
        try:
            sort_key, date = self._order(version, layout)
        except ValueError as exc:
            result.error("bad-version", f"version {version!r}: {exc}", path)
            return None
        return Found(
            path=path,
            version=version,
            description=describe(groups.get("description") or ""),
            down=direction in DOWN_WORDS,
            dialect=dialect,
            sort_key=sort_key,
            date=date,
        )

    @staticmethod
    def _order(version: str, layout: CustomLayout) -> tuple[tuple, datetime | None]:
        if layout.order == "numeric":
            if not version.isdigit():
                raise ValueError('not a whole number, which order = "numeric" needs')
            return (int(version),), date_from_version(version)
        if layout.order == "dotted":
            parts = re.split(r"[._]", version)
            if not all(p.isdigit() for p in parts):
                raise ValueError(
                    'not numbers separated by "." or "_", which order = "dotted" needs'
                )
            numbers = [int(p) for p in parts]
            while len(numbers) > 1 and numbers[-1] == 0:
                numbers.pop()
            return tuple(numbers), date_from_version(version)
        if layout.order == "lexical":
            return (version,), date_from_version(version)
        when = parse_date(version, layout.date_format)
        return (
            when.year,
            when.month,
            when.day,
            when.hour,
            when.minute,
            when.second,
            when.microsecond,
        ), when

    # -- pairing ---------------------------------------------------------------------------

    def _pair(
        self, root: Path, ups: dict, downs: dict, layout: CustomLayout, result: Scan
    ) -> dict[tuple, dict[str | None, Found]]:
        """up key -> the down files (by dialect) that pair with it."""
        paired: dict[tuple, dict[str | None, Found]] = {}
        for key, variants in downs.items():
            if layout.down_pairing == "version":
                matches = [k for k in ups if k[0] == key[0]]
            else:
                matches = [key] if key in ups else []
            any_down = next(iter(variants.values()))
            if len(matches) != 1:
                if matches:
                    why = f"several up files have version {any_down.version}; keep one"
                elif layout.down_pairing == "version":
                    why = f"no up file has version {any_down.version}; add it, or remove the down file"
                else:
                    why = (
                        f"no up file has version {any_down.version} and description "
                        f"{any_down.description!r}; rename one of them to match, or set "
                        'down-pairing = "version" to pair by version alone'
                    )
                for f in variants.values():
                    result.error(
                        "down-without-up", f"down file {relname(root, f.path)}: {why}", f.path
                    )
                continue
            target = paired.setdefault(matches[0], {})
            for dialect, f in variants.items():
                if dialect in target:
                    result.error(
                        "duplicate-down",
                        f"two down files for one migration ({relname(root, target[dialect].path)} and "
                        f"{relname(root, f.path)}); keep one",
                        f.path,
                    )
                else:
                    target[dialect] = f
        return paired

    # -- migrations ------------------------------------------------------------------------

    def _python(
        self, text: str, path: Path, name: str, layout: CustomLayout, result: Scan
    ) -> tuple[tuple[Script, ...], tuple[Script, ...]] | None:
        """A Python migration called the in-house runner's way (python-upgrade, python-args)."""
        return layout.python.scripts(text, path, name, result)

    def _migration(
        self,
        root: Path,
        key: tuple,
        variants: dict,
        down_variants: dict,
        layout: CustomLayout,
        options: ReadOptions,
        result: Scan,
    ) -> None:
        paths = {d: f.path for d, f in variants.items()}
        chosen = choose_variant(paths, options.dialect, result)
        if chosen is None:
            return
        dialect, path = chosen
        f: Found = variants[dialect]
        name = relname(root, path)
        text = read_source(path, options)
        up: tuple[Script, ...]
        down: tuple[Script, ...] = ()
        if path.suffix.lower() == ".py":
            python = self._python(text, path, name, layout, result)
            if python is None:
                return
            up, down = python
        elif layout.has_markers:
            (up_text, up_line), down_part = split_sections(text, path, layout)
            up = (Script("sql", up_text, path, name, line=up_line),)
            if down_part is not None and not Script("sql", down_part[0], path, name).is_blank:
                down = (Script("sql", down_part[0], path, name, line=down_part[1]),)
        else:
            up = (Script("sql", text, path, name),)
        down_file = down_variants.get(dialect, down_variants.get(None))
        if down_file is not None:
            if down:
                result.error(
                    "ambiguous-down",
                    f"the migration has a down section in {name} and the down file "
                    f"{relname(root, down_file.path)}; keep one",
                    down_file.path,
                )
                return
            down = (
                Script(
                    "sql",
                    read_source(down_file.path, options),
                    down_file.path,
                    relname(root, down_file.path),
                ),
            )
        result.migrations.append(
            LegacyMigration(
                format=self.name,
                version=f.version,
                description=f.description,
                kind=Kind.VERSIONED,
                up=up,
                down=down,
                transactional=layout.transactional,
                date=f.date,
                sort_key=f.sort_key,
                dialect=dialect,
            )
        )


def parse_date(version: str, date_format: str | None = None) -> datetime:
    """The date a version stands for: `date_format`, else ISO 8601 or a plain timestamp."""
    if date_format is not None:
        try:
            return datetime.strptime(version, date_format)
        except ValueError:
            raise ValueError(f"does not match date-format {date_format!r}") from None
    when = date_from_version(version) if version.isdigit() else None
    if when is not None:
        return when
    try:
        return datetime.fromisoformat(version)
    except ValueError:
        pass
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(version, fmt)
        except ValueError:
            continue
    raise ValueError(
        "not a date (ISO 8601 such as 2024-03-01, or 20240301120000); set date-format to its layout"
    )


def split_sections(
    text: str, path: Path, layout: CustomLayout
) -> tuple[tuple[str, int], tuple[str, int] | None]:
    """A file's up section and its down section (None: none), each with its first line.
    Marker lines themselves belong to neither."""
    lines = text.splitlines(keepends=True)
    marks: dict[str, int] = {}  # "up" / "down" -> index of the marker line
    for i, line in enumerate(lines):
        stripped = line.strip()
        for kind, marker in (("up", layout.up_marker), ("down", layout.down_marker)):
            if marker is not None and marker.fullmatch(stripped):
                if kind in marks:
                    raise InputError(
                        f"a second {kind} marker (the first is on line {marks[kind] + 1})",
                        path=path,
                        line=i + 1,
                        hint="a file holds one up section and at most one down section",
                    )
                marks[kind] = i
                break
    up_at, down_at = marks.get("up"), marks.get("down")
    if up_at is not None and down_at is not None and down_at < up_at:
        raise InputError(
            "the down marker comes before the up marker",
            path=path,
            line=down_at + 1,
            hint="put the up section first",
        )
    if up_at is not None:
        before = "".join(lines[:up_at])
        if strip_sql_comments(before).strip():
            raise InputError(
                "statements before the up marker belong to no section",
                path=path,
                line=next(i for i, line in enumerate(lines) if strip_sql_comments(line).strip())
                + 1,
                hint="move them below the up marker, or remove them",
            )
    start = up_at + 1 if up_at is not None else 0
    end = down_at if down_at is not None else len(lines)
    up = ("".join(lines[start:end]), start + 1)
    down = ("".join(lines[down_at + 1 :]), down_at + 2) if down_at is not None else None
    return up, down


FORMAT = CustomFormat()
