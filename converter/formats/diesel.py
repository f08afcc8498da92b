"""Diesel-style migration directories: one subdirectory per migration.

    2024-01-01-000001_create_plans/up.sql
    2024-01-01-000001_create_plans/down.sql        (optional since diesel 2)
    2024-01-01-000001_create_plans/metadata.toml   (optional: run_in_transaction = false)

Diesel's version is the directory name up to the first `_` with every `-` removed
(`2024-01-01-000001` -> `20240101000001`); that string is what `__diesel_schema_migrations`
records, and pending migrations run ordered by it as text. Each file is sent as one batch.
Files directly in the directory are ignored by diesel; a subdirectory without `up.sql` makes
diesel refuse the whole directory. `00000000000000_diesel_initial_setup` is written by
`diesel setup`: it is a real migration and is kept.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import sqlalchemy as sa

from converter.formats.base import (
    LegacyFormat,
    ReadOptions,
    check_not_dangling,
    date_from_version,
    describe,
    read_source,
    sql_script,
)
from converter.formats.tracking import (
    Applied,
    Location,
    TrackingOptions,
    TrackingReader,
    TrackingState,
    select_rows,
)
from converter.model import Kind, LegacyMigration, Scan, Script

UP_FILE = "up.sql"
DOWN_FILE = "down.sql"
METADATA_FILE = "metadata.toml"
SETUP_VERSION = "00000000000000"
# `2024-01-01-120000_name` (what `diesel migration generate` writes) or `20240101120000_name`
DIESEL_DIR = re.compile(r"^(\d{4}-\d{2}-\d{2}-\d{6}|\d{14}|0{14})_\w")
DIGITS = re.compile(r"^\d+$")


def _subdirs(root: Path) -> list[Path]:
    """The non-hidden subdirectories, as diesel lists them (it skips names starting with `.`)."""
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def diesel_version(dirname: str) -> str:
    """Diesel's version of a migration directory: the name up to the first `_`, dashes removed."""
    return dirname.split("_", 1)[0].replace("-", "")


def _description(dirname: str) -> str:
    return describe(dirname.split("_", 1)[1]) if "_" in dirname else ""


def _read_transactional(path: Path, options: ReadOptions, result: Scan) -> bool:
    """`run_in_transaction` from metadata.toml, read exactly as diesel reads it.

    Diesel deserialises the file with `#[serde(default)] run_in_transaction: bool`: a file
    that parses but lacks the key gives `false` (no transaction); a file that does not parse,
    or holds a non-boolean value, is silently replaced by the default, `true`.
    """
    if not path.is_file():
        return True
    try:
        data = tomllib.loads(read_source(path, options))
    except tomllib.TOMLDecodeError as exc:
        result.warn(
            "bad-metadata",
            f"metadata.toml does not parse ({exc}); diesel ignores it and runs the migration "
            "in a transaction: fix or remove the file",
            path,
        )
        return True
    if "run_in_transaction" not in data:
        result.warn(
            "metadata-no-transaction",
            "metadata.toml has no run_in_transaction: diesel then runs the migration OUTSIDE a "
            "transaction (serde default false); add `run_in_transaction = true` if that was not meant",
            path,
        )
        return False
    value = data["run_in_transaction"]
    if not isinstance(value, bool):
        result.warn(
            "bad-metadata",
            f"run_in_transaction = {value!r} is not a boolean; diesel ignores the file and runs "
            "the migration in a transaction: write true or false",
            path,
        )
        return True
    return value


# -- the tracking table ----------------------------------------------------------------------------


class DieselTrackingReader(TrackingReader):
    """`__diesel_schema_migrations`: one row per applied version."""

    required = ("version",)
    ordered = False  # run_on has one-second resolution: several migrations share it

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        rows = select_rows(conn, loc, ["version"], order=["version"])
        return self.state(loc, applied=[Applied(str(r["version"])) for r in rows])


class DieselFormat(LegacyFormat):
    name = "diesel"
    title = "diesel-style <version>_<name>/up.sql + down.sql directories"
    tracking_tables = ("__diesel_schema_migrations",)
    tracking_reader = DieselTrackingReader

    def detect(self, root: Path) -> int:
        with_up = [d for d in _subdirs(root) if (d / UP_FILE).is_file()]
        if not with_up:
            return 0
        if any(DIESEL_DIR.match(d.name) or (d / METADATA_FILE).is_file() for d in with_up):
            return 85
        return 60

    def read(self, root: Path, options: ReadOptions) -> Scan:
        result = Scan(self.name, root)
        self._check_loose_files(root, result)
        found: list[LegacyMigration] = []
        for directory in _subdirs(root):
            migration = self._read_dir(root, directory, options, result)
            if migration is not None:
                found.append(migration)
        # diesel sorts pending migrations by version string; the name breaks ties stably
        found.sort(key=lambda m: (m.sort_key, m.name or ""))
        result.migrations.extend(found)
        return result

    def _check_loose_files(self, root: Path, result: Scan) -> None:
        for path in sorted(root.iterdir()):
            if path.is_file() and path.suffix.lower() == ".sql" and not path.name.startswith("."):
                result.warn(
                    "unmatched-file",
                    "diesel ignores files outside a migration directory; move it into "
                    "<version>_<name>/up.sql or remove it",
                    path,
                )

    def _read_dir(
        self, root: Path, directory: Path, options: ReadOptions, result: Scan
    ) -> LegacyMigration | None:
        up_path, down_path = directory / UP_FILE, directory / DOWN_FILE
        check_not_dangling(up_path)
        check_not_dangling(down_path)
        if not up_path.is_file():
            if down_path.is_file():
                result.error(
                    "down-without-up",
                    "migration directory has down.sql but no up.sql; add up.sql or remove the directory",
                    down_path,
                )
            else:
                result.warn(
                    "unmatched-dir",
                    "directory holds no up.sql, so it is not a migration (diesel refuses to run "
                    "while it is there); remove it or add up.sql",
                    directory,
                )
            return None

        version = diesel_version(directory.name)
        if not version:
            result.error(
                "bad-version",
                "directory name starts with `_`, so diesel's version would be empty; "
                "rename it to <timestamp>_<name>",
                directory,
            )
            return None
        if not DIGITS.match(version):
            result.warn(
                "odd-version",
                f"diesel takes {version!r} (the name up to the first `_`) as this migration's "
                "version; it is not a number, so it sorts as text among the others",
                directory,
            )

        notes: list[str] = []
        up = (sql_script(root, up_path, options),)
        down = self._read_down(root, down_path, options, notes)
        transactional = _read_transactional(directory / METADATA_FILE, options, result)
        if version == SETUP_VERSION:
            notes.append(
                "diesel's setup migration (written by `diesel setup`: helper functions such as "
                "diesel_manage_updated_at); kept as a real migration"
            )
        if not transactional:
            notes.append("metadata.toml: runs outside a transaction")
        return LegacyMigration(
            format=self.name,
            version=version,
            description=_description(directory.name),
            kind=Kind.VERSIONED,
            up=up,
            down=down,
            transactional=transactional,
            date=date_from_version(version),
            sort_key=(version,),
            batch=True,
            notes=tuple(notes),
        )

    def _read_down(
        self, root: Path, down_path: Path, options: ReadOptions, notes: list[str]
    ) -> tuple[Script, ...]:
        """down.sql as a Script; none when the file is missing, empty or only comments.

        Diesel 1.x required a down.sql in every directory and `diesel migration generate`
        writes a comment-only one, so an empty or comment-only down.sql means "no down"
        (diesel itself refuses to revert an empty one).
        """
        if not down_path.is_file():
            return ()
        script = sql_script(root, down_path, options)
        if script.is_blank:
            notes.append("down.sql holds no statements: treated as no down")
            return ()
        return (script,)


FORMAT = DieselFormat()
