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

The package, one part a module: `changelogs` (which files, in which order, and the versions
of their changesets), `formatted_sql` (the line-by-line parser of one changelog),
`patterns` (Liquibase's own line patterns, quirks included), `checksum` (the MD5SUM), and
`databasechangelog` (the tracking table's reader for `stamp`). This module is the format.
"""

from __future__ import annotations

from pathlib import Path

from converter.formats.base import LegacyFormat, ReadOptions, iter_files
from converter.formats.liquibase.changelogs import ChangelogReader, xml_changelogs
from converter.formats.liquibase.checksum import checksum_v9, java_trim
from converter.formats.liquibase.databasechangelog import LiquibaseTrackingReader
from converter.formats.liquibase.patterns import dbms_matches, is_formatted
from converter.model import Scan


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
        if xml_changelogs(root):
            return 70
        return 0

    def read(self, root: Path, options: ReadOptions) -> Scan:
        reader = ChangelogReader(root, options, Scan(self.name, root))
        reader.run()
        return reader.result


FORMAT = LiquibaseFormat()


__all__ = [
    "FORMAT",
    "LiquibaseFormat",
    "LiquibaseTrackingReader",
    "checksum_v9",
    "dbms_matches",
    "java_trim",
]
