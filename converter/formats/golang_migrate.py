"""golang-migrate: `<version>_<name>.up.<ext>` and `<version>_<name>.down.<ext>` pairs in one folder.

The file pattern is golang-migrate's own: `^([0-9]+)_(.*)\\.(up|down)\\.(.*)$`. Versions are
unsigned 64-bit integers compared numerically (`10_` runs after `2_`, `001` is version 1);
an up and a down pair up by version alone. Sub-folders are not read. Each file is sent to
the database as one batch, without client-side splitting and without a transaction around it.
The tracking table `schema_migrations` holds one row: the last version applied and `dirty`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from converter.formats.base import (
    LegacyFormat,
    ReadOptions,
    date_from_version,
    describe,
    iter_files,
    relname,
    sql_script,
)
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
from converter.model import WARNING, Kind, LegacyMigration, Scan, Script

NAME = re.compile(r"^(?P<version>[0-9]+)_(?P<name>.*)\.(?P<direction>up|down)\.(?P<ext>.*)$")
NUMBERED = re.compile(r"^[0-9]+")
MAX_VERSION = 2**64 - 1  # strconv.ParseUint(..., 10, 64)


# -- the tracking table ----------------------------------------------------------------------------


class GolangMigrateTrackingReader(TrackingReader):
    """`schema_migrations`: one row, the latest version; `dirty` while (or because) it failed."""

    required = ("version", "dirty")

    def key(self, version: str) -> Any:
        return int_key(version)

    def read(self, conn: sa.Connection, loc: Location, options: TrackingOptions) -> TrackingState:
        rows = select_rows(conn, loc, ["version", "dirty"])
        state = self.state(loc, latest_only=True)
        if len(rows) > 1:
            state.refusals.append(
                (
                    f"{loc.qualified} holds {len(rows)} rows; golang-migrate keeps exactly one (the latest version)",
                    "check that this is golang-migrate's table, or name the tool with --from-table",
                )
            )
            return state
        if rows:
            version = str(rows[0]["version"])
            if truthy(rows[0]["dirty"]):
                state.refusals.append(
                    (
                        f"{loc.qualified} is dirty at version {version}: that migration failed or is "
                        "still running, so the schema is somewhere inside it",
                        f"repair the schema by hand, then `migrate force {version}` (if it is complete) "
                        "or `migrate force <previous version>`, and stamp again",
                    )
                )
            elif int(version) >= 0:
                state.applied = [Applied(version)]
        return state


class GolangMigrateFormat(LegacyFormat):
    name = "golang-migrate"
    title = "golang-migrate up/down file pairs"
    tracking_tables = ("schema_migrations",)
    tracking_reader = GolangMigrateTrackingReader

    def detect(self, root: Path) -> int:
        matches = [NAME.match(p.name) for p in iter_files(root)]
        directions = {m["direction"] for m in matches if m}
        if "up" not in directions:
            return 0  # downs alone are plain numbered files' `.down.sql`
        return 60

    def read(self, root: Path, options: ReadOptions) -> Scan:
        result = Scan(self.name, root)
        ups: list[tuple[int, Path]] = []
        downs: dict[int, Path] = {}
        followed: dict[Path, str] = {}  # leniencies of golang-migrate followed: convert says so
        for path in iter_files(root):
            m = NAME.match(path.name)
            if not m:
                if NUMBERED.match(path.name) or path.name.lower().endswith(".sql"):
                    result.warn(
                        "unmatched-file",
                        "golang-migrate does not run this file: names look like "
                        "<version>_<name>.up.sql and <version>_<name>.down.sql; rename it or remove it",
                        path,
                    )
                continue
            version = int(m["version"])
            if version > MAX_VERSION:
                result.warn(
                    "unmatched-file",
                    "golang-migrate skips this file: its version does not fit an unsigned 64-bit integer",
                    path,
                )
                continue
            if m["ext"].lower() != "sql":
                # golang-migrate ignores the extension: the file's text goes to the database
                # driver as it is (source.DefaultParse, iofs.ReadUp/ReadDown)
                followed[path] = (
                    f"extension .{m['ext']} is not .sql, but golang-migrate runs this file all the "
                    "same, sending its text to the database: it is read as SQL"
                )
                result.warn("not-sql-extension", followed[path], path)
            if m["direction"] == "up":
                ups.append((version, path))
            elif version in downs:
                result.error(
                    "duplicate-down",
                    f"version {version} has two down files: {downs[version].name} and {path.name}; "
                    "golang-migrate refuses this: keep one",
                    path,
                )
            else:
                downs[version] = path

        entries: list[tuple[int, Path | None]] = list(ups)
        up_versions = {v for v, _ in ups}
        for version, path in downs.items():
            if version not in up_versions:
                entries.append((version, None))
                # golang-migrate lists the version anyway: `up` runs an empty migration
                # (newMigration: "create empty migration") that only records the version,
                # and `down` runs this file (migrate.go)
                followed[path] = (
                    f"down file has no up file with version {version}: golang-migrate still "
                    "counts the version, records it on `up` without running anything, and runs "
                    "this file on `down`; the revision does the same (an empty upgrade)"
                )
                result.warn("down-without-up", followed[path], path)

        for version, up_path in sorted(entries, key=lambda e: e[0]):
            result.migrations.append(
                self._migration(root, version, up_path, downs.get(version), options, followed)
            )
        return result

    def _migration(
        self,
        root: Path,
        version: int,
        path: Path | None,
        down_path: Path | None,
        options: ReadOptions,
        followed: dict[Path, str],
    ) -> LegacyMigration:
        m = NAME.match((path or down_path or Path()).name)
        assert m is not None
        up = () if path is None else (sql_script(root, path, options),)
        down: tuple[Script, ...] = ()
        if down_path is not None:
            down = (sql_script(root, down_path, options),)
        return LegacyMigration(
            format=self.name,
            version=str(version),
            description=describe(m["name"]),
            kind=Kind.VERSIONED,
            up=up,
            down=down,
            date=date_from_version(m["version"]),
            sort_key=(version,),
            batch=True,
            notes=tuple(
                f"{WARNING}{relname(root, p)}: {followed[p]}"
                for p in (path, down_path)
                if p is not None and p in followed
            ),
        )


FORMAT = GolangMigrateFormat()
