"""What the lines of a Liquibase formatted SQL changelog can be: Liquibase's own patterns.

The line and attribute patterns are those of Liquibase's AbstractFormattedChangeLogParser,
used with `fullmatch()` as Java's `Matcher.matches()`; with them the database short names a
`dbms:` attribute matches, and what makes a `.sql` file a formatted changelog (its first
line). The parser (`formatted_sql`) and the changelog reader (`changelogs`) stand on these.
"""

from __future__ import annotations

import re
from pathlib import Path

from converter.formats.base import file_head

_F = re.IGNORECASE | re.ASCII


def line_pattern(pattern: str) -> re.Pattern[str]:
    """A Liquibase pattern, compiled with the flags Liquibase gives it."""
    return re.compile(pattern, _F)


# -- Liquibase's line patterns, used with fullmatch() as Java's Matcher.matches() ------------------
FIRST_LINE = line_pattern(r"\s*--\s*liquibase\s*formatted.*")
PROPERTY = line_pattern(r"\s*--[\s]*property\s+(.*:.*)\s+(.*:.*).*")
ALT_PROPERTY = line_pattern(r"\s*?[-]+\s*property\s.*")
CHANGESET = line_pattern(r'\s*--[\s]*changeset\s+("[^"]+"|[^:]+):\s*("[^"]+"|\S+).*')
ALT_CHANGESET_ONE_DASH = line_pattern(r"-[\s]*changeset\s.*")
ALT_CHANGESET_NO_INFO = line_pattern(r"\s*--[\s]*changeset[\s]*.*")
ROLLBACK = line_pattern(r"\s*--[\s]*rollback (.*)")
ALT_ROLLBACK = line_pattern(r"\s*-[\s]*rollback\s.*")
ROLLBACK_BLOCK_START = line_pattern(r"\s*/\*\s*liquibase\s*rollback\s*")
ROLLBACK_BLOCK_END = line_pattern(r".*\s*\*/\s*")
ROLLBACK_BLOCK_END_SPLIT = re.compile(r"\*/\s*$")
PRECONDITIONS = line_pattern(r"\s*--[\s]*preconditions(.*)")
ALT_PRECONDITIONS = line_pattern(r"\s*-[\s]*preconditions\s.*")
PRECONDITION = line_pattern(r"\s*--[\s]*precondition\-([a-zA-Z0-9-]+) (.*)")
EMPTY_PRECONDITION = line_pattern(r"\s*--[\s]*precondition\-([a-zA-Z0-9-]+)")
ALT_PRECONDITION = line_pattern(r"\s*-[\s]*precondition(.*)")
COMMENT = line_pattern(r"--[\s]*comment:? (.*)")
ALT_COMMENT_PLURAL = line_pattern(r"--[\s]*comments:? (.*)")
ALT_COMMENT_ONE_DASH = line_pattern(r"-[\s]*comment:? (.*)")
VALID_CHECKSUM = line_pattern(r"--[\s]*validCheckSum:? (.*)")
ALT_VALID_CHECKSUM = line_pattern(r"-[\s]*validCheckSum(.*)")
IGNORE_LINES = line_pattern(r"--[\s]*ignoreLines:(\w+)")
ALT_IGNORE_LINES_ONE_DASH = line_pattern(r"-[\s]*?ignoreLines:(\w+).*")
ALT_IGNORE = line_pattern(r"--[\s]*ignore:(\w+)")

# -- attributes on the changeset line (Liquibase's patterns: the last occurrence wins) -------------
ATTRIBUTES = {
    "splitStatements": line_pattern(r".*splitStatements:(\w+).*"),
    "rollbackSplitStatements": line_pattern(r".*rollbackSplitStatements:(\w+).*"),
    "endDelimiter": line_pattern(r".*\bendDelimiter:(\S*).*"),
    "rollbackEndDelimiter": line_pattern(r".*\brollbackEndDelimiter:(\S*).*"),
    "stripComments": line_pattern(r".*stripComments:(\w+).*"),
    "runWith": line_pattern(r".*runWith:([\w\$\{\}]+).*"),
    "runOnChange": line_pattern(r".*runOnChange:(\w+).*"),
    "runAlways": line_pattern(r".*runAlways:(\w+).*"),
    "context": line_pattern(r'.*context:(".*?"|\S*).*'),
    "contextFilter": line_pattern(r'.*contextFilter:(".*?"|\S*).*'),
    "labels": line_pattern(r'.*labels:(".*?"|\S*).*'),
    "logicalFilePath": line_pattern(r".*logicalFilePath:(\S*).*"),
    "runInTransaction": line_pattern(r".*runInTransaction:(\w+).*"),
    "dbms": line_pattern(r".*dbms:([^,][\w!,]+).*"),
    "ignore": line_pattern(r".*ignore:(\w*).*"),
    "failOnError": line_pattern(r".*failOnError:(\w+).*"),
}
PROPERTY_NAME = line_pattern(r".*name:\s*(\S+).*")
PROPERTY_VALUE = line_pattern(r".*value:\s*(\S+).*")
PROPERTY_GLOBAL = line_pattern(r".*global:(\S+).*")
ROLLBACK_REF = {
    "id": line_pattern(r".*changeSetId:(\S+).*"),
    "author": line_pattern(r".*changesetAuthor:(\S+).*"),
    "path": line_pattern(r".*changesetPath:(\S+).*"),
}
EXPRESSION = re.compile(r"\$\{([^}]+)\}")
SUPPORTED_PRECONDITIONS = {"sql-check", "table-exists", "view-exists"}
CHANGELOG_SUFFIXES = (".xml", ".yaml", ".yml", ".json")

# Liquibase's database short names for each dialect this tool knows (MariaDB runs as mysql).
SHORT_NAMES = {"postgresql": ("postgresql",), "mysql": ("mysql", "mariadb"), "sqlite": ("sqlite",)}
ALL_SHORT_NAMES = ("postgresql", "mysql", "mariadb", "sqlite")
DIALECT_OF = {"postgresql": "postgresql", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}


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


def first_line(path: Path) -> str | None:
    """The first non-blank line, as Liquibase's supports() reads it (None: empty file)."""
    head = file_head(path, 8192)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.strip():
            return line
    return None


def is_formatted(path: Path) -> bool:
    line = first_line(path)
    return line is not None and bool(FIRST_LINE.fullmatch(line))
